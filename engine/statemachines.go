package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/baton-sh/baton/arn"
	"github.com/baton-sh/baton/clock"
	"github.com/baton-sh/baton/definition"
	"github.com/baton-sh/baton/machine"
	"github.com/baton-sh/baton/store"
)

// smBody is what a state machine (or version) resource stores.
type smBody struct {
	Name        string            `json:"name"`
	Definition  string            `json:"definition"`
	RoleARN     string            `json:"roleArn"`
	Type        string            `json:"type"`
	Updated     time.Time         `json:"updated"`
	Logging     json.RawMessage   `json:"logging,omitempty"`
	Tracing     json.RawMessage   `json:"tracing,omitempty"`
	Encryption  json.RawMessage   `json:"encryption,omitempty"`
	RevisionID  string            `json:"revisionId"`
	NextVersion int               `json:"nextVersion"`
	Published   map[string]string `json:"published,omitempty"`   // revision id -> version ARN
	Description string            `json:"description,omitempty"` // versions only
	// Deleting is set by DeleteStateMachine while executions still run.
	Deleting bool `json:"deleting,omitempty"`

	// parsed is Logging read, by the resource cache when it decodes the
	// body: every Express start asks whether its machine logs.
	parsed *Logging
}

// logging returns the body's logging configuration.
func (b *smBody) logging() Logging {
	if b.parsed != nil {
		return *b.parsed
	}
	return parseLogging(b.Logging)
}

type aliasBody struct {
	Name        string         `json:"name"`
	Description string         `json:"description,omitempty"`
	Routing     []RoutingEntry `json:"routing"`
	Updated     time.Time      `json:"updated"`
}

var defaultLogging = json.RawMessage(`{"level":"OFF","includeExecutionData":false}`)
var defaultTracing = json.RawMessage(`{"enabled":false}`)

func revision(b *smBody) string {
	h := sha256.New()
	for _, part := range []string{b.Definition, b.RoleARN, string(b.Logging), string(b.Tracing), b.Updated.String()} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

func (e *Engine) getStateMachine(ctx context.Context, a string) (*store.Resource, *smBody, error) {
	res, err := e.store.GetResource(ctx, a)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, stateMachineDoesNotExist(a)
	}
	if err != nil {
		return nil, nil, err
	}
	var b smBody
	if err := json.Unmarshal(res.Body, &b); err != nil {
		return nil, nil, err
	}
	return res, &b, nil
}

func checkDefinition(def, typ string) error {
	if def == "" {
		return missing("definition")
	}
	if len(def) > definition.MaxSize {
		return tooLong("definition", definition.MaxSize)
	}
	doc, diags := definition.Load([]byte(def), definition.Options{Type: typ})
	if diags.HasErrors() {
		return errorf(InvalidDefinition, "%s", diags.Message())
	}
	// A definition AWS accepts but that uses what Baton cannot run yet is
	// refused now, with the reason, not when an execution starts.
	if _, err := machine.Compile(doc); err != nil {
		return errorf(InvalidDefinition, "Baton cannot run this definition: %s", err.Error())
	}
	return nil
}

func checkRole(role string) error {
	if role == "" {
		return missing("roleArn")
	}
	if !strings.HasPrefix(role, "arn:") || !strings.Contains(role, ":iam::") {
		return invalidArn("Invalid ARN prefix: %s", role)
	}
	return nil
}

func checkTags(tags []Tag) (map[string]string, error) {
	if len(tags) > 50 {
		return nil, errorf(TooManyTags, "Too many tags: at most 50 are allowed")
	}
	m := map[string]string{}
	for _, t := range tags {
		if t.Key == "" || len(t.Key) > 128 || len(t.Value) > 256 {
			return nil, validation("1 validation error detected: Value '%s' at 'tags' failed to satisfy constraint: Member must have length between 1 and 128", t.Key)
		}
		m[t.Key] = t.Value
	}
	return m, nil
}

// CreateStateMachineInput is CreateStateMachine's request.
type CreateStateMachineInput struct {
	Caller
	Name                    string          `json:"name"`
	Definition              string          `json:"definition"`
	RoleArn                 string          `json:"roleArn"`
	Type                    string          `json:"type"`
	LoggingConfiguration    json.RawMessage `json:"loggingConfiguration"`
	TracingConfiguration    json.RawMessage `json:"tracingConfiguration"`
	EncryptionConfiguration json.RawMessage `json:"encryptionConfiguration"`
	Tags                    []Tag           `json:"tags"`
	Publish                 bool            `json:"publish"`
	VersionDescription      string          `json:"versionDescription"`
}

// CreateStateMachineOutput is CreateStateMachine's answer.
type CreateStateMachineOutput struct {
	StateMachineArn        string `json:"stateMachineArn"`
	CreationDate           Time   `json:"creationDate"`
	StateMachineVersionArn string `json:"stateMachineVersionArn,omitempty"`
}

// CreateStateMachine creates a state machine; the same request again is
// answered with the same state machine.
func (e *Engine) CreateStateMachine(ctx context.Context, in *CreateStateMachineInput) (*CreateStateMachineOutput, error) {
	if err := e.needStore(); err != nil {
		return nil, err
	}
	if in.Name == "" {
		return nil, missing("name")
	}
	if err := checkName(in.Name); err != nil {
		return nil, err
	}
	if in.Type == "" {
		in.Type = "STANDARD"
	}
	if in.Type != "STANDARD" && in.Type != "EXPRESS" {
		return nil, notInEnum("type", in.Type, "STANDARD, EXPRESS")
	}
	if err := checkRole(in.RoleArn); err != nil {
		return nil, err
	}
	if err := checkDefinition(in.Definition, in.Type); err != nil {
		return nil, err
	}
	tags, err := checkTags(in.Tags)
	if err != nil {
		return nil, err
	}
	if in.LoggingConfiguration == nil {
		in.LoggingConfiguration = defaultLogging
	}
	if in.TracingConfiguration == nil {
		in.TracingConfiguration = defaultTracing
	}
	a := arn.ARN{Region: in.region(), Account: e.o.Account, Kind: arn.StateMachine, Name: in.Name}.String()
	now := e.clock.Now()
	b := &smBody{Name: in.Name, Definition: in.Definition, RoleARN: in.RoleArn, Type: in.Type, Updated: now,
		Logging: in.LoggingConfiguration, Tracing: in.TracingConfiguration, Encryption: in.EncryptionConfiguration, NextVersion: 1}
	b.RevisionID = revision(b)
	body, err := json.Marshal(b)
	if err != nil {
		return nil, err
	}
	res := &store.Resource{ARN: a, Kind: store.KindStateMachine, Name: in.Name, Created: now, Body: body, Tags: tags}
	err = e.store.PutResource(ctx, res, true)
	if errors.Is(err, store.ErrConflict) {
		// CreateStateMachine is idempotent for the same definition, type and
		// configuration.
		existing, eb, gerr := e.getStateMachine(ctx, a)
		if gerr != nil {
			return nil, gerr
		}
		if eb.Deleting {
			return nil, stateMachineDeleting()
		}
		if eb.Definition == in.Definition && eb.Type == in.Type && jsonEqual(eb.Logging, in.LoggingConfiguration) &&
			jsonEqual(eb.Tracing, in.TracingConfiguration) && !in.Publish {
			return &CreateStateMachineOutput{StateMachineArn: a, CreationDate: Time(existing.Created)}, nil
		}
		return nil, errorf(StateMachineAlreadyExists, "State Machine Already Exists: '%s'", a)
	}
	if err != nil {
		return nil, err
	}
	out := &CreateStateMachineOutput{StateMachineArn: a, CreationDate: Time(now)}
	if in.Publish {
		if out.StateMachineVersionArn, err = e.publish(ctx, res, b, in.VersionDescription, ""); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return string(a) == string(b)
	}
	xa, err1 := json.Marshal(x)
	ya, err2 := json.Marshal(y)
	return err1 == nil && err2 == nil && string(xa) == string(ya)
}

// publish makes a version of the state machine's current revision, or
// returns the version that already holds it.
func (e *Engine) publish(ctx context.Context, res *store.Resource, b *smBody, description, expectRevision string) (string, error) {
	if expectRevision != "" && expectRevision != b.RevisionID {
		return "", errorf(ConflictException, "The revision ID '%s' does not match the state machine's latest revision ID '%s'", expectRevision, b.RevisionID)
	}
	if v, ok := b.Published[b.RevisionID]; ok {
		if _, err := e.store.GetResource(ctx, v); err == nil {
			return v, nil
		}
	}
	sm, err := arn.Parse(res.ARN)
	if err != nil {
		return "", err
	}
	n := max(b.NextVersion, 1)
	va := arn.ARN{Region: sm.Region, Account: sm.Account, Kind: arn.Version, Name: sm.Name, Qualifier: strconv.Itoa(n)}.String()
	vb := *b
	vb.Description = description
	vb.Published = nil
	vbody, err := json.Marshal(&vb)
	if err != nil {
		return "", err
	}
	now := e.clock.Now()
	if err := e.store.PutResource(ctx, &store.Resource{ARN: va, Kind: store.KindVersion, Parent: res.ARN, Name: sm.Name, Created: now, Body: vbody}, true); err != nil {
		return "", err
	}
	b.NextVersion = n + 1
	if b.Published == nil {
		b.Published = map[string]string{}
	}
	b.Published[b.RevisionID] = va
	if res.Body, err = json.Marshal(b); err != nil {
		return "", err
	}
	if err := e.store.PutResource(ctx, res, false); err != nil {
		return "", err
	}
	return va, nil
}

// DescribeStateMachineInput is DescribeStateMachine's request.
type DescribeStateMachineInput struct {
	StateMachineArn string `json:"stateMachineArn"`
}

// DescribeStateMachineOutput describes a state machine or a version.
type DescribeStateMachineOutput struct {
	StateMachineArn         string          `json:"stateMachineArn"`
	Name                    string          `json:"name"`
	Status                  string          `json:"status"`
	Definition              string          `json:"definition"`
	RoleArn                 string          `json:"roleArn"`
	Type                    string          `json:"type"`
	CreationDate            Time            `json:"creationDate"`
	LoggingConfiguration    json.RawMessage `json:"loggingConfiguration"`
	TracingConfiguration    json.RawMessage `json:"tracingConfiguration"`
	RevisionID              string          `json:"revisionId"`
	EncryptionConfiguration json.RawMessage `json:"encryptionConfiguration,omitempty"`
	Description             string          `json:"description,omitempty"`
}

func describeBody(a string, created time.Time, b *smBody) *DescribeStateMachineOutput {
	status := "ACTIVE"
	if b.Deleting {
		status = "DELETING"
	}
	return &DescribeStateMachineOutput{
		StateMachineArn: a, Name: b.Name, Status: status, Definition: b.Definition, RoleArn: b.RoleARN, Type: b.Type,
		CreationDate: Time(created), LoggingConfiguration: orDefault(b.Logging, defaultLogging),
		TracingConfiguration: orDefault(b.Tracing, defaultTracing), RevisionID: b.RevisionID,
		EncryptionConfiguration: b.Encryption, Description: b.Description,
	}
}

func orDefault(v, def json.RawMessage) json.RawMessage {
	if len(v) == 0 {
		return def
	}
	return v
}

// DescribeStateMachine describes a state machine or one of its versions.
func (e *Engine) DescribeStateMachine(ctx context.Context, in *DescribeStateMachineInput) (*DescribeStateMachineOutput, error) {
	if err := e.needStore(); err != nil {
		return nil, err
	}
	if _, err := parseARN("stateMachineArn", in.StateMachineArn, arn.StateMachine, arn.Version); err != nil {
		return nil, err
	}
	res, b, err := e.getStateMachine(ctx, in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	return describeBody(res.ARN, res.Created, b), nil
}

// UpdateStateMachineInput is UpdateStateMachine's request.
type UpdateStateMachineInput struct {
	StateMachineArn      string          `json:"stateMachineArn"`
	Definition           *string         `json:"definition"`
	RoleArn              *string         `json:"roleArn"`
	LoggingConfiguration json.RawMessage `json:"loggingConfiguration"`
	TracingConfiguration json.RawMessage `json:"tracingConfiguration"`
	Publish              bool            `json:"publish"`
	VersionDescription   string          `json:"versionDescription"`
}

// UpdateStateMachineOutput is UpdateStateMachine's answer.
type UpdateStateMachineOutput struct {
	UpdateDate             Time   `json:"updateDate"`
	RevisionID             string `json:"revisionId"`
	StateMachineVersionArn string `json:"stateMachineVersionArn,omitempty"`
}

// UpdateStateMachine changes a state machine; executions already running
// keep the definition they started with.
func (e *Engine) UpdateStateMachine(ctx context.Context, in *UpdateStateMachineInput) (*UpdateStateMachineOutput, error) {
	if err := e.needStore(); err != nil {
		return nil, err
	}
	if _, err := parseARN("stateMachineArn", in.StateMachineArn, arn.StateMachine); err != nil {
		return nil, err
	}
	if in.Definition == nil && in.RoleArn == nil && in.LoggingConfiguration == nil && in.TracingConfiguration == nil {
		return nil, errorf(MissingRequiredParameter, "Either the definition, the roleArn, the loggingConfiguration or the tracingConfiguration must be specified")
	}
	res, b, err := e.getStateMachine(ctx, in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	if b.Deleting {
		return nil, stateMachineDeleting()
	}
	if in.Definition != nil {
		if err := checkDefinition(*in.Definition, b.Type); err != nil {
			return nil, err
		}
		b.Definition = *in.Definition
	}
	if in.RoleArn != nil {
		if err := checkRole(*in.RoleArn); err != nil {
			return nil, err
		}
		b.RoleARN = *in.RoleArn
	}
	if in.LoggingConfiguration != nil {
		b.Logging = in.LoggingConfiguration
	}
	if in.TracingConfiguration != nil {
		b.Tracing = in.TracingConfiguration
	}
	now := e.clock.Now()
	b.Updated = now
	b.RevisionID = revision(b)
	if res.Body, err = json.Marshal(b); err != nil {
		return nil, err
	}
	if err := e.store.PutResource(ctx, res, false); err != nil {
		return nil, err
	}
	out := &UpdateStateMachineOutput{UpdateDate: Time(now), RevisionID: b.RevisionID}
	if in.Publish {
		if out.StateMachineVersionArn, err = e.publish(ctx, res, b, in.VersionDescription, ""); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// DeleteStateMachineInput is DeleteStateMachine's request.
type DeleteStateMachineInput struct {
	StateMachineArn string `json:"stateMachineArn"`
}

// DeleteStateMachine deletes a state machine with its versions and
// aliases; running executions carry on with the definition they started
// with.
func (e *Engine) DeleteStateMachine(ctx context.Context, in *DeleteStateMachineInput) (*struct{}, error) {
	if err := e.needStore(); err != nil {
		return nil, err
	}
	if _, err := parseARN("stateMachineArn", in.StateMachineArn, arn.StateMachine); err != nil {
		return nil, err
	}
	res, b, err := e.getStateMachine(ctx, in.StateMachineArn)
	if errors.Is(err, &Error{Code: StateMachineDoesNotExist}) {
		return &struct{}{}, nil
	}
	if err != nil {
		return nil, err
	}
	if b.Deleting {
		return &struct{}{}, nil
	}
	// As AWS does: the state machine is DELETING until its executions have
	// ended, and they end at their next state transition (the driver asks
	// e.terminates). Versions and aliases go with it.
	e.deleting.Store(in.StateMachineArn, true)
	b.Deleting = true
	if res.Body, err = json.Marshal(b); err != nil {
		return nil, err
	}
	if err := e.store.PutResource(ctx, res, false); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if deleted, err := e.finishDeletion(ctx, in.StateMachineArn); err != nil {
		return nil, err
	} else if deleted {
		e.publishDeleted(in.StateMachineArn)
	}
	return &struct{}{}, nil
}

// finishDeletion deletes a DELETING state machine, its versions and its
// aliases once none of its executions runs, and says whether it did.
func (e *Engine) finishDeletion(ctx context.Context, sm string) (bool, error) {
	running, err := e.store.ListExecutions(ctx, store.ExecutionFilter{StateMachineARN: sm, ListBy: store.ByStateMachine, Status: "RUNNING"},
		store.Page{Limit: 1})
	if err != nil || len(running) > 0 {
		return false, err
	}
	for _, kind := range []string{store.KindAlias, store.KindVersion} {
		children, err := e.store.ListResources(ctx, kind, sm, store.Page{Limit: 10000})
		if err != nil {
			return false, err
		}
		for _, c := range children {
			if err := e.store.DeleteResource(ctx, c.ARN); err != nil && !errors.Is(err, store.ErrNotFound) {
				return false, err
			}
		}
	}
	if err := e.store.DeleteResource(ctx, sm); err != nil && !errors.Is(err, store.ErrNotFound) {
		return false, err
	}
	e.deleting.Delete(sm)
	return true, nil
}

// terminates tells the driver whether an execution of state machine sm
// ends at its next transition, and why.
func (e *Engine) terminates(sm string) (string, bool) {
	if _, ok := e.deleting.Load(sm); !ok {
		return "", false
	}
	return "The state machine '" + sm + "' was deleted.", true
}

// executionEnded finishes the deletion of its state machine when the last
// execution of one being deleted has ended.
// It says whether the state machine is gone.
func (e *Engine) executionEnded(sm string) bool {
	if _, ok := e.deleting.Load(sm); !ok {
		return false
	}
	deleted, err := e.finishDeletion(e.ctx, sm)
	if err != nil && e.ctx.Err() == nil {
		e.log.Error("deleting a state machine", "stateMachine", sm, "error", err)
	}
	return deleted
}

// resumeDeletions finds the state machines a previous run was deleting.
func (e *Engine) resumeDeletions(ctx context.Context) error {
	found, err := e.findDeletions(ctx)
	for _, sm := range found {
		e.deleting.Store(sm, true)
	}
	return err
}

// findDeletions lists the state machines marked DELETING in the store.
func (e *Engine) findDeletions(ctx context.Context) ([]string, error) {
	var found []string
	after := ""
	for {
		list, err := e.store.ListResources(ctx, store.KindStateMachine, "", store.Page{Limit: 1000, After: after})
		if err != nil {
			return found, err
		}
		for _, res := range list {
			var b smBody
			if json.Unmarshal(res.Body, &b) == nil && b.Deleting {
				found = append(found, res.ARN)
			}
		}
		if len(list) < 1000 {
			return found, nil
		}
		after = list[len(list)-1].ARN
	}
}

// deletionsEvery is how often a node that shares its store looks for the
// state machines other nodes are deleting: as often as its resource
// cache forgets.
const deletionsEvery = cacheTTL

// watchDeletions keeps the set of state machines being deleted as the
// store has it, for a node that shares the store with others: one that
// another node deletes stops its executions here too, and one whose
// deletion another node finished is forgotten.
func (e *Engine) watchDeletions() {
	for {
		wait := clock.NewTimer(e.clock, deletionsEvery)
		select {
		case <-e.ctx.Done():
			wait.Stop()
			return
		case <-wait.C:
		}
		found, err := e.findDeletions(e.ctx)
		if err != nil {
			if e.ctx.Err() == nil {
				e.Unavailable(err)
			}
			continue
		}
		now := make(map[string]bool, len(found))
		for _, sm := range found {
			now[sm] = true
			e.deleting.Store(sm, true)
		}
		// One not found is gone, or not marked yet (this node's own
		// DeleteStateMachine marks it here first).
		e.deleting.Range(func(sm, _ any) bool {
			if !now[sm.(string)] {
				if _, err := e.store.GetResource(e.ctx, sm.(string)); errors.Is(err, store.ErrNotFound) {
					e.deleting.Delete(sm)
				}
			}
			return true
		})
	}
}

// ListStateMachinesInput is ListStateMachines' request.
type ListStateMachinesInput struct {
	Caller
	MaxResults int    `json:"maxResults"`
	NextToken  string `json:"nextToken"`
}

// StateMachineListItem is one state machine of a list.
type StateMachineListItem struct {
	StateMachineArn string `json:"stateMachineArn"`
	Name            string `json:"name"`
	Type            string `json:"type"`
	CreationDate    Time   `json:"creationDate"`
}

// ListStateMachinesOutput is a page of state machines.
type ListStateMachinesOutput struct {
	StateMachines []StateMachineListItem `json:"stateMachines"`
	NextToken     *string                `json:"nextToken,omitempty"`
}

// ListStateMachines lists state machines in ARN order.
func (e *Engine) ListStateMachines(ctx context.Context, in *ListStateMachinesInput) (*ListStateMachinesOutput, error) {
	// As on AWS, the caller sees the state machines of its own region.
	list, next, err := e.listResourcesIn(ctx, store.KindStateMachine, "", e.regionPrefix(&in.Caller, arn.StateMachine), in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &ListStateMachinesOutput{StateMachines: []StateMachineListItem{}, NextToken: next}
	for _, res := range list {
		var b smBody
		if err := json.Unmarshal(res.Body, &b); err != nil {
			return nil, err
		}
		out.StateMachines = append(out.StateMachines, StateMachineListItem{StateMachineArn: res.ARN, Name: res.Name, Type: b.Type, CreationDate: Time(res.Created)})
	}
	return out, nil
}

// ---- versions --------------------------------------------------------------

// PublishStateMachineVersionInput is PublishStateMachineVersion's request.
type PublishStateMachineVersionInput struct {
	StateMachineArn string `json:"stateMachineArn"`
	RevisionID      string `json:"revisionId"`
	Description     string `json:"description"`
}

// PublishStateMachineVersionOutput is PublishStateMachineVersion's answer.
type PublishStateMachineVersionOutput struct {
	StateMachineVersionArn string `json:"stateMachineVersionArn"`
	CreationDate           Time   `json:"creationDate"`
}

// PublishStateMachineVersion publishes the state machine's current
// revision as a version, or returns the version that holds it already.
func (e *Engine) PublishStateMachineVersion(ctx context.Context, in *PublishStateMachineVersionInput) (*PublishStateMachineVersionOutput, error) {
	if err := e.needStore(); err != nil {
		return nil, err
	}
	if _, err := parseARN("stateMachineArn", in.StateMachineArn, arn.StateMachine); err != nil {
		return nil, err
	}
	res, b, err := e.getStateMachine(ctx, in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	if b.Deleting {
		return nil, stateMachineDeleting()
	}
	v, err := e.publish(ctx, res, b, in.Description, in.RevisionID)
	if err != nil {
		return nil, err
	}
	vres, err := e.store.GetResource(ctx, v)
	if err != nil {
		return nil, err
	}
	return &PublishStateMachineVersionOutput{StateMachineVersionArn: v, CreationDate: Time(vres.Created)}, nil
}

func versionNumber(a string) int {
	i := strings.LastIndex(a, ":")
	n, _ := strconv.Atoi(a[i+1:]) //nolint:errcheck // a version ARN this engine made ends with its number
	return n
}

// ListStateMachineVersionsInput is ListStateMachineVersions' request.
type ListStateMachineVersionsInput struct {
	StateMachineArn string `json:"stateMachineArn"`
	MaxResults      int    `json:"maxResults"`
	NextToken       string `json:"nextToken"`
}

// VersionListItem is one version of a list.
type VersionListItem struct {
	StateMachineVersionArn string `json:"stateMachineVersionArn"`
	CreationDate           Time   `json:"creationDate"`
}

// ListStateMachineVersionsOutput is a page of versions.
type ListStateMachineVersionsOutput struct {
	StateMachineVersions []VersionListItem `json:"stateMachineVersions"`
	NextToken            *string           `json:"nextToken,omitempty"`
}

// ListStateMachineVersions lists a state machine's versions, newest first.
func (e *Engine) ListStateMachineVersions(ctx context.Context, in *ListStateMachineVersionsInput) (*ListStateMachineVersionsOutput, error) {
	if err := e.needStore(); err != nil {
		return nil, err
	}
	if _, err := parseARN("stateMachineArn", in.StateMachineArn, arn.StateMachine); err != nil {
		return nil, err
	}
	n, after, err := page("version", in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	if _, _, err := e.getStateMachine(ctx, in.StateMachineArn); err != nil {
		return nil, err
	}
	all, err := e.store.ListResources(ctx, store.KindVersion, in.StateMachineArn, store.Page{Limit: 100000})
	if err != nil {
		return nil, err
	}
	// Newest version first; a page ends after the number of its last version.
	sort.Slice(all, func(i, j int) bool { return versionNumber(all[i].ARN) > versionNumber(all[j].ARN) })
	if after != "" {
		limit, _ := strconv.Atoi(after) //nolint:errcheck // our own token: 0 lists from the start
		for len(all) > 0 && versionNumber(all[0].ARN) >= limit {
			all = all[1:]
		}
	}
	list, next := paginate("version", all, n, func(r *store.Resource) string { return strconv.Itoa(versionNumber(r.ARN)) })
	out := &ListStateMachineVersionsOutput{StateMachineVersions: []VersionListItem{}, NextToken: next}
	for _, v := range list {
		out.StateMachineVersions = append(out.StateMachineVersions, VersionListItem{StateMachineVersionArn: v.ARN, CreationDate: Time(v.Created)})
	}
	return out, nil
}

// DeleteStateMachineVersionInput is DeleteStateMachineVersion's request.
type DeleteStateMachineVersionInput struct {
	StateMachineVersionArn string `json:"stateMachineVersionArn"`
}

// DeleteStateMachineVersion deletes a version no alias routes to.
func (e *Engine) DeleteStateMachineVersion(ctx context.Context, in *DeleteStateMachineVersionInput) (*struct{}, error) {
	if err := e.needStore(); err != nil {
		return nil, err
	}
	v, err := parseARN("stateMachineVersionArn", in.StateMachineVersionArn, arn.Version)
	if err != nil {
		return nil, err
	}
	aliases, err := e.store.ListResources(ctx, store.KindAlias, v.StateMachineARN().String(), store.Page{Limit: 10000})
	if err != nil {
		return nil, err
	}
	for _, al := range aliases {
		var ab aliasBody
		if err := json.Unmarshal(al.Body, &ab); err != nil {
			return nil, err
		}
		for _, re := range ab.Routing {
			if re.StateMachineVersionArn == in.StateMachineVersionArn {
				return nil, errorf(ConflictException, "Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [%s]", al.Name)
			}
		}
	}
	if err := e.store.DeleteResource(ctx, in.StateMachineVersionArn); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	return &struct{}{}, nil
}

// ---- validation ------------------------------------------------------------

// ValidateStateMachineDefinitionInput is ValidateStateMachineDefinition's
// request.
type ValidateStateMachineDefinitionInput struct {
	Definition string `json:"definition"`
	Type       string `json:"type"`
	Severity   string `json:"severity"`
	MaxResults int    `json:"maxResults"`
}

// Diagnostic is one problem of a definition.
type Diagnostic struct {
	Severity string `json:"severity"`
	Code     string `json:"code"`
	Message  string `json:"message"`
	Location string `json:"location,omitempty"`
}

// ValidateStateMachineDefinitionOutput lists a definition's problems.
type ValidateStateMachineDefinitionOutput struct {
	Result      string       `json:"result"`
	Diagnostics []Diagnostic `json:"diagnostics"`
	Truncated   bool         `json:"truncated"`
}

// ValidateStateMachineDefinition checks a definition as CreateStateMachine
// would, and lists every problem.
func (e *Engine) ValidateStateMachineDefinition(_ context.Context, in *ValidateStateMachineDefinitionInput) (*ValidateStateMachineDefinitionOutput, error) {
	if in.Type == "" {
		in.Type = "STANDARD"
	}
	limit := in.MaxResults
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	_, diags := definition.Load([]byte(in.Definition), definition.Options{Type: in.Type})
	out := &ValidateStateMachineDefinitionOutput{Result: "OK", Diagnostics: []Diagnostic{}}
	for _, d := range diags {
		if d.IsError() {
			out.Result = "FAIL"
		} else if in.Severity == "ERROR" {
			continue
		}
		if len(out.Diagnostics) == limit {
			out.Truncated = true
			continue
		}
		out.Diagnostics = append(out.Diagnostics, Diagnostic{Severity: d.Severity, Code: d.Code, Message: d.Message, Location: d.Location})
	}
	return out, nil
}
