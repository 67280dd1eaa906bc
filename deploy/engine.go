package deploy

import (
	"context"
	"errors"

	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/infra"
)

// Engine deploys in-process, through the engine's actions, in a region.
func Engine(e *engine.Engine, region string) API {
	return &engineAPI{e: e, c: engine.Caller{Region: region}}
}

type engineAPI struct {
	e *engine.Engine
	c engine.Caller
}

func notFound(err error) bool {
	var ee *engine.Error
	if !errors.As(err, &ee) {
		return false
	}
	switch ee.Code {
	case engine.StateMachineDoesNotExist, engine.ResourceNotFound:
		return true
	}
	return false
}

func tags(ts []infra.Tag) []engine.Tag {
	out := make([]engine.Tag, len(ts))
	for i, t := range ts {
		out[i] = engine.Tag{Key: t.Key, Value: t.Value}
	}
	return out
}

func (a *engineAPI) Describe(ctx context.Context, arn string) (*Current, error) {
	out, err := a.e.DescribeStateMachine(ctx, &engine.DescribeStateMachineInput{StateMachineArn: arn})
	if notFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &Current{Definition: out.Definition, RoleARN: out.RoleArn, Type: out.Type, Logging: out.LoggingConfiguration, Tracing: out.TracingConfiguration}, nil
}

func (a *engineAPI) Create(ctx context.Context, m *infra.Machine) (string, error) {
	out, err := a.e.CreateStateMachine(ctx, &engine.CreateStateMachineInput{Caller: a.c, Name: m.Name, Definition: m.Definition, RoleArn: m.RoleARN,
		Type: m.Type, LoggingConfiguration: m.Logging, TracingConfiguration: m.Tracing, Tags: tags(m.Tags)})
	if err != nil {
		return "", err
	}
	return out.StateMachineArn, nil
}

func (a *engineAPI) Update(ctx context.Context, arn string, m *infra.Machine) error {
	in := &engine.UpdateStateMachineInput{StateMachineArn: arn, Definition: &m.Definition, RoleArn: &m.RoleARN,
		LoggingConfiguration: m.Logging, TracingConfiguration: m.Tracing}
	// Nothing said is the default, as a stack update sets it.
	if in.LoggingConfiguration == nil {
		in.LoggingConfiguration = []byte(`{"level":"OFF","includeExecutionData":false}`)
	}
	if in.TracingConfiguration == nil {
		in.TracingConfiguration = []byte(`{"enabled":false}`)
	}
	_, err := a.e.UpdateStateMachine(ctx, in)
	return err
}

func (a *engineAPI) Tags(ctx context.Context, arn string) ([]infra.Tag, error) {
	out, err := a.e.ListTagsForResource(ctx, &engine.ListTagsForResourceInput{ResourceArn: arn})
	if err != nil {
		return nil, err
	}
	ts := make([]infra.Tag, len(out.Tags))
	for i, t := range out.Tags {
		ts[i] = infra.Tag{Key: t.Key, Value: t.Value}
	}
	return ts, nil
}

func (a *engineAPI) Tag(ctx context.Context, arn string, ts []infra.Tag) error {
	_, err := a.e.TagResource(ctx, &engine.TagResourceInput{ResourceArn: arn, Tags: tags(ts)})
	return err
}

func (a *engineAPI) Untag(ctx context.Context, arn string, keys []string) error {
	_, err := a.e.UntagResource(ctx, &engine.UntagResourceInput{ResourceArn: arn, TagKeys: keys})
	return err
}

func (a *engineAPI) Versions(ctx context.Context, arn string) ([]string, error) {
	var vs []string
	token := ""
	for {
		out, err := a.e.ListStateMachineVersions(ctx, &engine.ListStateMachineVersionsInput{StateMachineArn: arn, MaxResults: 1000, NextToken: token})
		if err != nil {
			return nil, err
		}
		for _, v := range out.StateMachineVersions {
			vs = append(vs, v.StateMachineVersionArn)
		}
		if out.NextToken == nil {
			return vs, nil
		}
		token = *out.NextToken
	}
}

func (a *engineAPI) Publish(ctx context.Context, arn, description string) (string, error) {
	out, err := a.e.PublishStateMachineVersion(ctx, &engine.PublishStateMachineVersionInput{StateMachineArn: arn, Description: description})
	if err != nil {
		return "", err
	}
	return out.StateMachineVersionArn, nil
}

func (a *engineAPI) DescribeAlias(ctx context.Context, arn string) (*AliasState, error) {
	out, err := a.e.DescribeStateMachineAlias(ctx, &engine.DescribeStateMachineAliasInput{StateMachineAliasArn: arn})
	if notFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	st := &AliasState{Description: out.Description, Routing: map[string]int{}}
	for _, r := range out.RoutingConfiguration {
		st.Routing[r.StateMachineVersionArn] = r.Weight
	}
	return st, nil
}

func (a *engineAPI) CreateAlias(ctx context.Context, al infra.Alias, version string) error {
	_, err := a.e.CreateStateMachineAlias(ctx, &engine.CreateStateMachineAliasInput{Name: al.Name, Description: al.Description,
		RoutingConfiguration: []engine.RoutingEntry{{StateMachineVersionArn: version, Weight: 100}}})
	return err
}

func (a *engineAPI) UpdateAlias(ctx context.Context, arn string, al infra.Alias, version string) error {
	_, err := a.e.UpdateStateMachineAlias(ctx, &engine.UpdateStateMachineAliasInput{StateMachineAliasArn: arn, Description: &al.Description,
		RoutingConfiguration: []engine.RoutingEntry{{StateMachineVersionArn: version, Weight: 100}}})
	return err
}

func (a *engineAPI) ActivityExists(ctx context.Context, arn string) (bool, error) {
	_, err := a.e.DescribeActivity(ctx, &engine.ActivityInput{ActivityArn: arn})
	if err == nil {
		return true, nil
	}
	var ee *engine.Error
	if errors.As(err, &ee) && ee.Code == engine.ActivityDoesNotExist {
		return false, nil
	}
	return false, err
}

func (a *engineAPI) CreateActivity(ctx context.Context, act infra.Activity) error {
	_, err := a.e.CreateActivity(ctx, &engine.CreateActivityInput{Caller: a.c, Name: act.Name})
	return err
}
