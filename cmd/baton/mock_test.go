package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// The state machine of AWS's Step Functions Local documentation, with the
// retry intervals shortened so that the test does not wait long.
const lambdaSQSIntegration = `{
  "Comment": "This state machine is called: LambdaSQSIntegration",
  "StartAt": "LambdaState",
  "States": {
    "LambdaState": {
      "Type": "Task",
      "Resource": "arn:aws:states:::lambda:invoke",
      "Parameters": {"Payload.$": "$", "FunctionName": "HelloWorldFunction"},
      "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 1}],
      "Next": "SQSState"
    },
    "SQSState": {
      "Type": "Task",
      "Resource": "arn:aws:states:::sqs:sendMessage",
      "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/myQueue", "MessageBody.$": "$"},
      "End": true
    }
  }
}`

func TestServeMocks(t *testing.T) {
	t.Parallel()
	mockFile := must(filepath.Abs(filepath.Join("..", "..", "mock", "testdata", "MockConfigFile.json")))(t)
	s := startServerAt(t, t.TempDir(), "--mock-config", mockFile)
	c := s.client()
	ctx := context.Background()
	sm := createMachine(t, c, "LambdaSQSIntegration", lambdaSQSIntegration)

	happy := startAndWait(t, c, sm+"#HappyPath", `{"name":"x"}`)
	if happy.Status != types.ExecutionStatusSucceeded || !strings.Contains(aws.ToString(happy.Output), `"MessageId":"3bcb6e8e-8b51-4375-b0bc-1a59812c6e51"`) {
		t.Errorf("happy path: %s %s %s", happy.Status, aws.ToString(happy.Output), aws.ToString(happy.Cause))
	}
	if !strings.HasSuffix(aws.ToString(happy.StateMachineArn), ":stateMachine:LambdaSQSIntegration") {
		t.Errorf("state machine ARN %s", aws.ToString(happy.StateMachineArn))
	}
	want := "ExecutionStarted,TaskStateEntered,TaskScheduled,TaskStarted,TaskSucceeded,TaskStateExited,TaskStateEntered,TaskScheduled,TaskStarted,TaskSucceeded,TaskStateExited,ExecutionSucceeded"
	if got := eventTypes(historyOf(t, c, happy.ExecutionArn)); got != want {
		t.Errorf("history %s", got)
	}

	retry := startAndWait(t, c, sm+"#RetryPath", `{}`)
	if retry.Status != types.ExecutionStatusSucceeded {
		t.Errorf("retry path: %s %s", retry.Status, aws.ToString(retry.Cause))
	}

	// SQSState is not mocked in HybridPath, and nothing else serves it.
	hybrid := startAndWait(t, c, sm+"#HybridPath", `{}`)
	if hybrid.Status != types.ExecutionStatusFailed || !strings.Contains(aws.ToString(hybrid.Cause), "'arn:aws:states:::sqs:sendMessage' of the state 'SQSState' is not available here") {
		t.Errorf("hybrid path: %s %s", hybrid.Status, aws.ToString(hybrid.Cause))
	}

	_, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm + "#NoSuchCase")})
	wantCode(t, err, "ValidationException")

	// Express workflows take test cases too: a second server, whose file
	// has the same test cases for an Express machine.
	var doc map[string]any
	check(t, json.Unmarshal(must(os.ReadFile(mockFile))(t), &doc))
	machines, ok := doc["StateMachines"].(map[string]any)
	if !ok {
		t.Fatalf("%s: no StateMachines", mockFile)
	}
	machines["Fast"] = machines["LambdaSQSIntegration"]
	expressFile := filepath.Join(t.TempDir(), "mocks.json")
	check(t, os.WriteFile(expressFile, must(json.Marshal(doc))(t), 0o644))
	s2 := startServerAt(t, t.TempDir(), "--mock-config", expressFile)
	c2 := s2.client()
	express, err := c2.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("Fast"), RoleArn: aws.String(role),
		Type: types.StateMachineTypeExpress, Definition: aws.String(lambdaSQSIntegration)})
	if err != nil {
		t.Fatal(err)
	}
	out, err := c2.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: aws.String(aws.ToString(express.StateMachineArn) + "#HappyPath")}, withoutHostPrefix)
	if err != nil || out.Status != types.SyncExecutionStatusSucceeded || !strings.Contains(aws.ToString(out.Output), "MessageId") {
		t.Errorf("express: %v %+v", err, out)
	}
}
