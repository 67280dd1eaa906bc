package engine

import (
	"context"
	"encoding/json"
	"errors"
	"slices"

	"github.com/baton-sh/baton/arn"
	"github.com/baton-sh/baton/store"
)

func validAliasName(name string) bool {
	if name == "" || len(name) > 80 {
		return false
	}
	letter := false
	for _, c := range name {
		switch {
		case c >= '0' && c <= '9':
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_', c == '-', c == '.':
			letter = true
		default:
			return false
		}
	}
	return letter
}

func (e *Engine) checkRouting(ctx context.Context, sm string, routing []RoutingEntry) error {
	if len(routing) == 0 {
		return missing("routingConfiguration")
	}
	if len(routing) > 2 {
		return tooLong("routingConfiguration", 2)
	}
	total := 0
	seen := map[string]bool{}
	for _, re := range routing {
		v, err := parseARN("stateMachineVersionArn", re.StateMachineVersionArn, arn.Version)
		if err != nil {
			return err
		}
		if v.StateMachineARN().String() != sm {
			return validation("Routing configuration must contain state machine version ARNs of the same state machine: '%s'", re.StateMachineVersionArn)
		}
		if re.Weight < 0 || re.Weight > 100 {
			return validation("Weight must be between 0 and 100")
		}
		if seen[re.StateMachineVersionArn] {
			return validation("Routing configuration must contain distinct state machine version ARNs")
		}
		seen[re.StateMachineVersionArn] = true
		if _, err := e.store.GetResource(ctx, re.StateMachineVersionArn); errors.Is(err, store.ErrNotFound) {
			return resourceNotFound(re.StateMachineVersionArn)
		} else if err != nil {
			return err
		}
		total += re.Weight
	}
	if total != 100 {
		return validation("Sum of routing configuration weights must be equal to 100")
	}
	return nil
}

// CreateStateMachineAliasInput is CreateStateMachineAlias' request.
type CreateStateMachineAliasInput struct {
	Name                 string         `json:"name"`
	Description          string         `json:"description"`
	RoutingConfiguration []RoutingEntry `json:"routingConfiguration"`
}

// CreateStateMachineAliasOutput is CreateStateMachineAlias' answer.
type CreateStateMachineAliasOutput struct {
	StateMachineAliasArn string `json:"stateMachineAliasArn"`
	CreationDate         Time   `json:"creationDate"`
}

// CreateStateMachineAlias creates an alias that routes executions to one
// or two versions by weight.
func (e *Engine) CreateStateMachineAlias(ctx context.Context, in *CreateStateMachineAliasInput) (*CreateStateMachineAliasOutput, error) {
	if err := e.needStore(); err != nil {
		return nil, err
	}
	if in.Name == "" {
		return nil, missing("name")
	}
	if !validAliasName(in.Name) {
		return nil, invalidName(in.Name)
	}
	if len(in.RoutingConfiguration) == 0 {
		return nil, missing("routingConfiguration")
	}
	v, err := parseARN("stateMachineVersionArn", in.RoutingConfiguration[0].StateMachineVersionArn, arn.Version)
	if err != nil {
		return nil, err
	}
	sm := v.StateMachineARN()
	if _, _, err := e.getStateMachine(ctx, sm.String()); err != nil {
		return nil, err
	}
	if err := e.checkRouting(ctx, sm.String(), in.RoutingConfiguration); err != nil {
		return nil, err
	}
	a := arn.ARN{Region: sm.Region, Account: sm.Account, Kind: arn.Alias, Name: sm.Name, Qualifier: in.Name}.String()
	now := e.clock.Now()
	body, err := json.Marshal(aliasBody{Name: in.Name, Description: in.Description, Routing: in.RoutingConfiguration, Updated: now})
	if err != nil {
		return nil, err
	}
	err = e.store.PutResource(ctx, &store.Resource{ARN: a, Kind: store.KindAlias, Parent: sm.String(), Name: in.Name, Created: now, Body: body}, true)
	if errors.Is(err, store.ErrConflict) {
		existing, eb, gerr := e.getAlias(ctx, "stateMachineAliasArn", a)
		if gerr != nil {
			return nil, gerr
		}
		if eb.Description == in.Description && slices.Equal(eb.Routing, in.RoutingConfiguration) {
			return &CreateStateMachineAliasOutput{StateMachineAliasArn: a, CreationDate: Time(existing.Created)}, nil
		}
		return nil, errorf(ConflictException, "Failed to create alias because an alias with the same name and a different routing configuration already exists.")
	}
	if err != nil {
		return nil, err
	}
	return &CreateStateMachineAliasOutput{StateMachineAliasArn: a, CreationDate: Time(now)}, nil
}

func (e *Engine) getAlias(ctx context.Context, field, text string) (*store.Resource, *aliasBody, error) {
	if _, err := parseARN(field, text, arn.Alias); err != nil {
		return nil, nil, err
	}
	res, err := e.store.GetResource(ctx, text)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, resourceNotFound(text)
	}
	if err != nil {
		return nil, nil, err
	}
	var ab aliasBody
	if err := json.Unmarshal(res.Body, &ab); err != nil {
		return nil, nil, err
	}
	return res, &ab, nil
}

// DescribeStateMachineAliasInput is DescribeStateMachineAlias' request.
type DescribeStateMachineAliasInput struct {
	StateMachineAliasArn string `json:"stateMachineAliasArn"`
}

// DescribeStateMachineAliasOutput describes an alias.
type DescribeStateMachineAliasOutput struct {
	StateMachineAliasArn string         `json:"stateMachineAliasArn"`
	Name                 string         `json:"name"`
	Description          string         `json:"description,omitempty"`
	RoutingConfiguration []RoutingEntry `json:"routingConfiguration"`
	CreationDate         Time           `json:"creationDate"`
	UpdateDate           Time           `json:"updateDate"`
}

// DescribeStateMachineAlias describes an alias.
func (e *Engine) DescribeStateMachineAlias(ctx context.Context, in *DescribeStateMachineAliasInput) (*DescribeStateMachineAliasOutput, error) {
	if err := e.needStore(); err != nil {
		return nil, err
	}
	res, ab, err := e.getAlias(ctx, "stateMachineAliasArn", in.StateMachineAliasArn)
	if err != nil {
		return nil, err
	}
	return &DescribeStateMachineAliasOutput{StateMachineAliasArn: res.ARN, Name: ab.Name, Description: ab.Description,
		RoutingConfiguration: ab.Routing, CreationDate: Time(res.Created), UpdateDate: Time(ab.Updated)}, nil
}

// UpdateStateMachineAliasInput is UpdateStateMachineAlias' request.
type UpdateStateMachineAliasInput struct {
	StateMachineAliasArn string         `json:"stateMachineAliasArn"`
	Description          *string        `json:"description"`
	RoutingConfiguration []RoutingEntry `json:"routingConfiguration"`
}

// UpdateStateMachineAliasOutput is UpdateStateMachineAlias' answer.
type UpdateStateMachineAliasOutput struct {
	UpdateDate Time `json:"updateDate"`
}

// UpdateStateMachineAlias changes an alias' description or routing.
func (e *Engine) UpdateStateMachineAlias(ctx context.Context, in *UpdateStateMachineAliasInput) (*UpdateStateMachineAliasOutput, error) {
	if err := e.needStore(); err != nil {
		return nil, err
	}
	res, ab, err := e.getAlias(ctx, "stateMachineAliasArn", in.StateMachineAliasArn)
	if err != nil {
		return nil, err
	}
	if in.Description == nil && in.RoutingConfiguration == nil {
		return nil, errorf(MissingRequiredParameter, "Either the description or the routingConfiguration must be specified")
	}
	if in.RoutingConfiguration != nil {
		if err := e.checkRouting(ctx, res.Parent, in.RoutingConfiguration); err != nil {
			return nil, err
		}
		ab.Routing = in.RoutingConfiguration
	}
	if in.Description != nil {
		ab.Description = *in.Description
	}
	ab.Updated = e.clock.Now()
	if res.Body, err = json.Marshal(ab); err != nil {
		return nil, err
	}
	if err := e.store.PutResource(ctx, res, false); err != nil {
		return nil, err
	}
	return &UpdateStateMachineAliasOutput{UpdateDate: Time(ab.Updated)}, nil
}

// DeleteStateMachineAliasInput is DeleteStateMachineAlias' request.
type DeleteStateMachineAliasInput struct {
	StateMachineAliasArn string `json:"stateMachineAliasArn"`
}

// DeleteStateMachineAlias deletes an alias.
func (e *Engine) DeleteStateMachineAlias(ctx context.Context, in *DeleteStateMachineAliasInput) (*struct{}, error) {
	if err := e.needStore(); err != nil {
		return nil, err
	}
	if _, err := parseARN("stateMachineAliasArn", in.StateMachineAliasArn, arn.Alias); err != nil {
		return nil, err
	}
	if err := e.store.DeleteResource(ctx, in.StateMachineAliasArn); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	return &struct{}{}, nil
}

// ListStateMachineAliasesInput is ListStateMachineAliases' request.
type ListStateMachineAliasesInput struct {
	StateMachineArn string `json:"stateMachineArn"`
	MaxResults      int    `json:"maxResults"`
	NextToken       string `json:"nextToken"`
}

// AliasListItem is one alias of a list.
type AliasListItem struct {
	StateMachineAliasArn string `json:"stateMachineAliasArn"`
	CreationDate         Time   `json:"creationDate"`
}

// ListStateMachineAliasesOutput is a page of aliases.
type ListStateMachineAliasesOutput struct {
	StateMachineAliases []AliasListItem `json:"stateMachineAliases"`
	NextToken           *string         `json:"nextToken,omitempty"`
}

// ListStateMachineAliases lists a state machine's aliases.
func (e *Engine) ListStateMachineAliases(ctx context.Context, in *ListStateMachineAliasesInput) (*ListStateMachineAliasesOutput, error) {
	if err := e.needStore(); err != nil {
		return nil, err
	}
	if _, err := parseARN("stateMachineArn", in.StateMachineArn, arn.StateMachine); err != nil {
		return nil, err
	}
	if _, _, err := e.getStateMachine(ctx, in.StateMachineArn); err != nil {
		return nil, err
	}
	list, next, err := e.listResources(ctx, store.KindAlias, in.StateMachineArn, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &ListStateMachineAliasesOutput{StateMachineAliases: []AliasListItem{}, NextToken: next}
	for _, res := range list {
		out.StateMachineAliases = append(out.StateMachineAliases, AliasListItem{StateMachineAliasArn: res.ARN, CreationDate: Time(res.Created)})
	}
	return out, nil
}
