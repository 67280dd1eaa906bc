package deploy

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/baton-sh/baton/infra"
)

// SFN deploys through an AWS SDK client: to baton serve, or to anything
// else that speaks the Step Functions API.
func SFN(c *sfn.Client) API { return &sfnAPI{c: c} }

type sfnAPI struct{ c *sfn.Client }

func sdkNotFound(err error) bool {
	var a *types.StateMachineDoesNotExist
	var b *types.ResourceNotFound
	return errors.As(err, &a) || errors.As(err, &b)
}

func sdkTags(ts []infra.Tag) []types.Tag {
	out := make([]types.Tag, len(ts))
	for i, t := range ts {
		out[i] = types.Tag{Key: aws.String(t.Key), Value: aws.String(t.Value)}
	}
	return out
}

// sdkLogging and sdkTracing read the API's JSON into the SDK's types.
func sdkLogging(raw json.RawMessage) (*types.LoggingConfiguration, error) {
	if raw == nil {
		return &types.LoggingConfiguration{Level: types.LogLevelOff}, nil
	}
	var l struct {
		Level                string `json:"level"`
		IncludeExecutionData bool   `json:"includeExecutionData"`
		Destinations         []struct {
			CloudWatchLogsLogGroup struct {
				LogGroupArn string `json:"logGroupArn"`
			} `json:"cloudWatchLogsLogGroup"`
		} `json:"destinations"`
	}
	if err := json.Unmarshal(raw, &l); err != nil {
		return nil, err
	}
	out := &types.LoggingConfiguration{Level: types.LogLevel(l.Level), IncludeExecutionData: l.IncludeExecutionData}
	for _, d := range l.Destinations {
		out.Destinations = append(out.Destinations, types.LogDestination{CloudWatchLogsLogGroup: &types.CloudWatchLogsLogGroup{LogGroupArn: aws.String(d.CloudWatchLogsLogGroup.LogGroupArn)}})
	}
	return out, nil
}

func sdkTracing(raw json.RawMessage) *types.TracingConfiguration {
	return &types.TracingConfiguration{Enabled: tracing(raw)}
}

func loggingJSON(l *types.LoggingConfiguration) json.RawMessage {
	if l == nil {
		return nil
	}
	type dest struct {
		CloudWatchLogsLogGroup struct {
			LogGroupArn string `json:"logGroupArn"`
		} `json:"cloudWatchLogsLogGroup"`
	}
	v := struct {
		Level                string `json:"level"`
		IncludeExecutionData bool   `json:"includeExecutionData"`
		Destinations         []dest `json:"destinations,omitempty"`
	}{Level: string(l.Level), IncludeExecutionData: l.IncludeExecutionData}
	for _, d := range l.Destinations {
		var x dest
		if d.CloudWatchLogsLogGroup != nil {
			x.CloudWatchLogsLogGroup.LogGroupArn = aws.ToString(d.CloudWatchLogsLogGroup.LogGroupArn)
		}
		v.Destinations = append(v.Destinations, x)
	}
	b, _ := json.Marshal(v) //nolint:errchkjson // plain fields always encode
	return b
}

func (a *sfnAPI) Describe(ctx context.Context, arn string) (*Current, error) {
	out, err := a.c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)})
	if sdkNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	cur := &Current{Definition: aws.ToString(out.Definition), RoleARN: aws.ToString(out.RoleArn), Type: string(out.Type), Logging: loggingJSON(out.LoggingConfiguration)}
	if out.TracingConfiguration != nil && out.TracingConfiguration.Enabled {
		cur.Tracing = json.RawMessage(`{"enabled":true}`)
	}
	return cur, nil
}

func (a *sfnAPI) Create(ctx context.Context, m *infra.Machine) (string, error) {
	l, err := sdkLogging(m.Logging)
	if err != nil {
		return "", err
	}
	out, err := a.c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(m.Name), Definition: aws.String(m.Definition), RoleArn: aws.String(m.RoleARN),
		Type: types.StateMachineType(m.Type), LoggingConfiguration: l, TracingConfiguration: sdkTracing(m.Tracing), Tags: sdkTags(m.Tags)})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.StateMachineArn), nil
}

func (a *sfnAPI) Update(ctx context.Context, arn string, m *infra.Machine) error {
	l, err := sdkLogging(m.Logging)
	if err != nil {
		return err
	}
	_, err = a.c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(arn), Definition: aws.String(m.Definition), RoleArn: aws.String(m.RoleARN),
		LoggingConfiguration: l, TracingConfiguration: sdkTracing(m.Tracing)})
	return err
}

func (a *sfnAPI) Tags(ctx context.Context, arn string) ([]infra.Tag, error) {
	out, err := a.c.ListTagsForResource(ctx, &sfn.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	if err != nil {
		return nil, err
	}
	ts := make([]infra.Tag, len(out.Tags))
	for i, t := range out.Tags {
		ts[i] = infra.Tag{Key: aws.ToString(t.Key), Value: aws.ToString(t.Value)}
	}
	return ts, nil
}

func (a *sfnAPI) Tag(ctx context.Context, arn string, ts []infra.Tag) error {
	_, err := a.c.TagResource(ctx, &sfn.TagResourceInput{ResourceArn: aws.String(arn), Tags: sdkTags(ts)})
	return err
}

func (a *sfnAPI) Untag(ctx context.Context, arn string, keys []string) error {
	_, err := a.c.UntagResource(ctx, &sfn.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: keys})
	return err
}

func (a *sfnAPI) Versions(ctx context.Context, arn string) ([]string, error) {
	var vs []string
	in := &sfn.ListStateMachineVersionsInput{StateMachineArn: aws.String(arn), MaxResults: 1000}
	for {
		page, err := a.c.ListStateMachineVersions(ctx, in)
		if err != nil {
			return nil, err
		}
		for _, v := range page.StateMachineVersions {
			vs = append(vs, aws.ToString(v.StateMachineVersionArn))
		}
		if page.NextToken == nil {
			return vs, nil
		}
		in.NextToken = page.NextToken
	}
}

func (a *sfnAPI) Publish(ctx context.Context, arn, description string) (string, error) {
	in := &sfn.PublishStateMachineVersionInput{StateMachineArn: aws.String(arn)}
	if description != "" {
		in.Description = aws.String(description)
	}
	out, err := a.c.PublishStateMachineVersion(ctx, in)
	if err != nil {
		return "", err
	}
	return aws.ToString(out.StateMachineVersionArn), nil
}

func (a *sfnAPI) DescribeAlias(ctx context.Context, arn string) (*AliasState, error) {
	out, err := a.c.DescribeStateMachineAlias(ctx, &sfn.DescribeStateMachineAliasInput{StateMachineAliasArn: aws.String(arn)})
	if sdkNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	st := &AliasState{Description: aws.ToString(out.Description), Routing: map[string]int{}}
	for _, r := range out.RoutingConfiguration {
		st.Routing[aws.ToString(r.StateMachineVersionArn)] = int(r.Weight)
	}
	return st, nil
}

func (a *sfnAPI) CreateAlias(ctx context.Context, al infra.Alias, version string) error {
	in := &sfn.CreateStateMachineAliasInput{Name: aws.String(al.Name),
		RoutingConfiguration: []types.RoutingConfigurationListItem{{StateMachineVersionArn: aws.String(version), Weight: 100}}}
	if al.Description != "" {
		in.Description = aws.String(al.Description)
	}
	_, err := a.c.CreateStateMachineAlias(ctx, in)
	return err
}

func (a *sfnAPI) UpdateAlias(ctx context.Context, arn string, al infra.Alias, version string) error {
	_, err := a.c.UpdateStateMachineAlias(ctx, &sfn.UpdateStateMachineAliasInput{StateMachineAliasArn: aws.String(arn), Description: aws.String(al.Description),
		RoutingConfiguration: []types.RoutingConfigurationListItem{{StateMachineVersionArn: aws.String(version), Weight: 100}}})
	return err
}

func (a *sfnAPI) ActivityExists(ctx context.Context, arn string) (bool, error) {
	_, err := a.c.DescribeActivity(ctx, &sfn.DescribeActivityInput{ActivityArn: aws.String(arn)})
	var missing *types.ActivityDoesNotExist
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &missing):
		return false, nil
	}
	return false, err
}

func (a *sfnAPI) CreateActivity(ctx context.Context, act infra.Activity) error {
	_, err := a.c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String(act.Name)})
	return err
}
