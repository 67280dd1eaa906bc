package main

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// TestServeJSONata drives a JSONata state machine with variables through
// the real server with the AWS SDK: a durable run, its history's
// assignedVariables, and the definition checks of JSONata expressions.
func TestServeJSONata(t *testing.T) {
	t.Parallel()
	s := startServer(t, "")
	c := s.client()
	ctx := context.Background()
	def := `{"QueryLanguage":"JSONata","StartAt":"Sum","States":{
		"Sum":{"Type":"Pass","Assign":{"total":"{% $sum($states.input.items.price) %}"},"Output":"{% $states.input.items %}","Next":"Each"},
		"Each":{"Type":"Map","ItemSelector":{"p":"{% $states.context.Map.Item.Value.price %}"},
			"ItemProcessor":{"StartAt":"Share","States":{"Share":{"Type":"Pass","Output":"{% $round($states.input.p / $total, 2) %}","End":true}}},
			"Output":{"total":"{% $total %}","shares":"{% $states.result %}"},"End":true}}}`
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("shares"), Definition: aws.String(def), RoleArn: aws.String(role)})
	if err != nil {
		t.Fatal(err)
	}
	run, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(`{"items":[{"price":1},{"price":3}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	done := waitDone(t, c, aws.ToString(run.ExecutionArn))
	if done.Status != types.ExecutionStatusSucceeded || aws.ToString(done.Output) != `{"total":4,"shares":[0.25,0.75]}` {
		t.Fatalf("%s %s %s", done.Status, aws.ToString(done.Output), aws.ToString(done.Cause))
	}
	hist, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: run.ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	var assigned map[string]string
	for _, e := range hist.Events {
		if e.Type == types.HistoryEventTypePassStateExited && aws.ToString(e.StateExitedEventDetails.Name) == "Sum" {
			assigned = e.StateExitedEventDetails.AssignedVariables
		}
	}
	if len(assigned) != 1 || assigned["total"] != "4" {
		t.Errorf("assignedVariables of Sum: %v", assigned)
	}

	bad := `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":{"v":"{% phone %}","w":"{% 1 + %}"},"End":true}}}`
	_, err = c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("bad"), Definition: aws.String(bad), RoleArn: aws.String(role)})
	wantCode(t, err, "InvalidDefinition")
	if err == nil || !strings.Contains(err.Error(), "UNSUPPORTED_JSONATA_EXPRESSION: Reference to 'phone' at the top level is not supported. at /States/P/Output/v") {
		t.Errorf("create: %v", err)
	}
	v, err := c.ValidateStateMachineDefinition(ctx, &sfn.ValidateStateMachineDefinitionInput{Definition: aws.String(bad)})
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Diagnostics) != 2 || aws.ToString(v.Diagnostics[1].Code) != "INVALID_JSONATA_EXPRESSION" ||
		aws.ToString(v.Diagnostics[1].Message) != "Unexpected end of expression" || aws.ToString(v.Diagnostics[1].Location) != "/States/P/Output/w" {
		t.Errorf("diagnostics: %+v", v.Diagnostics)
	}
}
