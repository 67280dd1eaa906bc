package deploy

import (
	"context"
	"strings"
	"testing"

	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/engine/enginetest"
	"github.com/baton-sh/baton/infra"
)

const template = `Resources:
  Reviewer:
    Type: AWS::StepFunctions::Activity
    Properties: {Name: review}
  Flow:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      StateMachineName: checkout
      RoleArn: arn:aws:iam::123456789012:role/sfn
      Tags: [{Key: team, Value: TEAM}]
      TracingConfiguration: {Enabled: TRACING}
      Definition: {StartAt: P, States: {P: {Type: Pass, Result: RESULT, End: true}}}
  Version:
    Type: AWS::StepFunctions::StateMachineVersion
    Properties: {StateMachineArn: !Ref Flow, Description: from CI}
  Live:
    Type: AWS::StepFunctions::StateMachineAlias
    Properties:
      Name: live
      RoutingConfiguration: [{StateMachineVersionArn: !Ref Version, Weight: 100}]
`

func load(t *testing.T, team, tracing, result string) *infra.File {
	t.Helper()
	text := strings.NewReplacer("TEAM", team, "TRACING", tracing, "RESULT", result).Replace(template)
	f, err := infra.LoadBytes("template.yaml", []byte(text), infra.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if errs := f.Problems.Errors(); len(errs) > 0 {
		t.Fatal(errs)
	}
	return f
}

func actions(r *Report) string {
	var s []string
	for _, c := range r.Changes {
		s = append(s, c.Action+" "+strings.TrimPrefix(c.ARN, "arn:aws:states:us-east-1:123456789012:stateMachine:"))
	}
	return strings.Join(s, ", ")
}

// TestDeploy deploys a template in steps, each a table row: what changed
// in the file and what the deployment did.
func TestDeploy(t *testing.T) {
	e, _ := enginetest.New(t, engine.Options{})
	api := Engine(e, "us-east-1")
	ctx := context.Background()
	steps := []struct {
		name, team, tracing, result string
		want                        string
	}{
		{"first", "shop", "false", "one", "activity created arn:aws:states:us-east-1:123456789012:activity:review, created checkout, published checkout:1, alias created checkout:live"},
		{"again", "shop", "false", "one", ""},
		{"a tag", "payments", "false", "one", "tagged checkout"},
		{"tracing", "payments", "true", "one", "updated checkout, published checkout:2, alias moved checkout:live"},
		{"the definition", "payments", "true", "two", "updated checkout, published checkout:3, alias moved checkout:live"},
		{"nothing again", "payments", "true", "two", ""},
	}
	for _, s := range steps {
		f := load(t, s.team, s.tracing, s.result)
		r, err := Deploy(ctx, api, f, Options{})
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := actions(r); got != s.want {
			t.Errorf("%s: did %q, want %q", s.name, got, s.want)
		}
		if s.want == "" && (len(r.Unchanged) != 1 || r.Unchanged[0] != "checkout") {
			t.Errorf("%s: unchanged %v", s.name, r.Unchanged)
		}
	}
	alias, err := e.DescribeStateMachineAlias(ctx, &engine.DescribeStateMachineAliasInput{StateMachineAliasArn: "arn:aws:states:us-east-1:123456789012:stateMachine:checkout:live"})
	if err != nil || len(alias.RoutingConfiguration) != 1 || !strings.HasSuffix(alias.RoutingConfiguration[0].StateMachineVersionArn, ":3") {
		t.Errorf("alias %+v %v", alias, err)
	}
	tags, err := e.ListTagsForResource(ctx, &engine.ListTagsForResourceInput{ResourceArn: "arn:aws:states:us-east-1:123456789012:stateMachine:checkout"})
	if err != nil || len(tags.Tags) != 1 || tags.Tags[0].Value != "payments" {
		t.Errorf("tags %+v %v", tags, err)
	}
}

// TestRefused: a file with errors deploys nothing; a type cannot change.
func TestRefused(t *testing.T) {
	e, _ := enginetest.New(t, engine.Options{})
	api := Engine(e, "us-east-1")
	ctx := context.Background()
	bad, err := infra.LoadBytes("bad.yaml", []byte("Resources:\n  A:\n    Type: AWS::StepFunctions::StateMachine\n    Properties:\n      Definition: {StartAt: P, States: {P: {Type: Pass, Result: !ImportValue x, End: true}}}\n"), infra.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Deploy(ctx, api, bad, Options{}); err == nil || !strings.Contains(err.Error(), "bad.yaml:5: Resources.A.Properties.Definition: Fn::ImportValue") {
		t.Errorf("a file with errors: %v", err)
	}
	std, _ := infra.LoadBytes("t.yaml", []byte("Resources:\n  A:\n    Type: AWS::StepFunctions::StateMachine\n    Properties:\n      Definition: {StartAt: P, States: {P: {Type: Pass, End: true}}}\n"), infra.Options{})
	if _, err := Deploy(ctx, api, std, Options{}); err != nil {
		t.Fatal(err)
	}
	exp, _ := infra.LoadBytes("t.yaml", []byte("Resources:\n  A:\n    Type: AWS::StepFunctions::StateMachine\n    Properties:\n      StateMachineType: EXPRESS\n      Definition: {StartAt: P, States: {P: {Type: Pass, End: true}}}\n"), infra.Options{})
	if _, err := Deploy(ctx, api, exp, Options{}); err == nil || !strings.Contains(err.Error(), "type cannot change") {
		t.Errorf("a new type: %v", err)
	}
	if _, err := Deploy(ctx, api, exp, Options{Machine: "nope"}); err == nil || !strings.Contains(err.Error(), `no state machine "nope"`) {
		t.Errorf("an unknown machine: %v", err)
	}
}
