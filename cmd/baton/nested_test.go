package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

func TestServeNested(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := startServer(t, dir)
	c := s.client()
	ctx := context.Background()
	child := createMachine(t, c, "child", `{"StartAt":"Check","States":{"Check":{"Type":"Choice","Choices":[{"Variable":"$.fail","BooleanEquals":true,"Next":"Boom"}],"Default":"Work"},
		"Work":{"Type":"Pass","Parameters":{"doubled.$":"States.MathAdd($.n, $.n)","parent.$":"$.AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID"},"End":true},
		"Boom":{"Type":"Fail","Error":"Child.Failed","Cause":"asked to fail"}}}`)
	parent := func(resource, extra string) string {
		return `{"StartAt":"Call","States":{"Call":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution` + resource + `",
			"Parameters":{"StateMachineArn":"` + child + `","Input":{"n.$":"$.n","fail.$":"$.fail","AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$":"$$.Execution.Id"}}` + extra + `,"End":true}}}`
	}

	// .sync:2: the child's DescribeExecution, its output as JSON.
	p2 := createMachine(t, c, "parent-sync2", parent(".sync:2", `,"ResultSelector":{"out.$":"$.Output","status.$":"$.Status","arn.$":"$.ExecutionArn"}`))
	done := startAndWait(t, c, p2, `{"n":21,"fail":false}`)
	var res struct {
		Out struct {
			Doubled int
			Parent  string
		}
		Status string
		Arn    string
	}
	if err := json.Unmarshal([]byte(aws.ToString(done.Output)), &res); err != nil || done.Status != types.ExecutionStatusSucceeded ||
		res.Out.Doubled != 42 || res.Out.Parent != aws.ToString(done.ExecutionArn) || res.Status != "SUCCEEDED" || !strings.Contains(res.Arn, ":execution:child:") {
		t.Fatalf(".sync:2: %s %s %v", done.Status, aws.ToString(done.Output), err)
	}
	events := historyOf(t, c, done.ExecutionArn)
	for _, e := range events {
		if e.Type == types.HistoryEventTypeTaskSubmitted && !strings.Contains(aws.ToString(e.TaskSubmittedEventDetails.Output), `"ExecutionArn"`) {
			t.Errorf("TaskSubmitted without the StartExecution response: %s", aws.ToString(e.TaskSubmittedEventDetails.Output))
		}
	}
	if got := eventTypes(events); got != "ExecutionStarted,TaskStateEntered,TaskScheduled,TaskStarted,TaskSubmitted,TaskSucceeded,TaskStateExited,ExecutionSucceeded" {
		t.Errorf("parent history %s", got)
	}

	// .sync: the same, with the output as JSON text.
	p1 := createMachine(t, c, "parent-sync", parent(".sync", `,"OutputPath":"$.Output"`))
	if done := startAndWait(t, c, p1, `{"n":1,"fail":false}`); !strings.HasPrefix(aws.ToString(done.Output), `"{\"doubled\":2,`) {
		t.Errorf(".sync: %s %s", done.Status, aws.ToString(done.Output))
	}

	// A failed child fails the task with States.TaskFailed.
	caught := createMachine(t, c, "parent-catch", `{"StartAt":"Call","States":{"Call":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2","Parameters":{"StateMachineArn":"`+child+`","Input":{"fail":true}},
		"Catch":[{"ErrorEquals":["States.TaskFailed"],"Next":"Handled"}],"End":true},"Handled":{"Type":"Pass","End":true}}}`)
	done = startAndWait(t, c, caught, `{}`)
	var failed struct{ Error, Cause string }
	if err := json.Unmarshal([]byte(aws.ToString(done.Output)), &failed); err != nil {
		t.Fatalf("failed child: output %s: %v", aws.ToString(done.Output), err)
	}
	if done.Status != types.ExecutionStatusSucceeded || failed.Error != "States.TaskFailed" || !strings.Contains(failed.Cause, `"Status":"FAILED"`) || !strings.Contains(failed.Cause, `"Error":"Child.Failed"`) {
		t.Errorf("failed child: %s %s", done.Status, aws.ToString(done.Output))
	}

	// Plain: the task ends once the child has started.
	plain := createMachine(t, c, "parent-plain", parent("", `,"ResultSelector":{"arn.$":"$.ExecutionArn","start.$":"$.StartDate"}`))
	if done := startAndWait(t, c, plain, `{"n":2,"fail":false}`); !strings.Contains(aws.ToString(done.Output), `"arn":"arn:aws:states:eu-west-3:123456789012:execution:child:`) {
		t.Errorf("plain: %s", aws.ToString(done.Output))
	}

	// A child that does not exist.
	missing := createMachine(t, c, "parent-missing", `{"StartAt":"Call","States":{"Call":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2",
		"Parameters":{"StateMachineArn":"arn:aws:states:eu-west-3:123456789012:stateMachine:nothing"},"End":true}}}`)
	if done := startAndWait(t, c, missing, `{}`); aws.ToString(done.Error) != "StepFunctions.StateMachineDoesNotExistException" {
		t.Errorf("missing child: %s %s", aws.ToString(done.Error), aws.ToString(done.Cause))
	}

	// .waitForTaskToken: the child sends the token back when it is done.
	replier := createMachine(t, c, "replier", `{"StartAt":"Reply","States":{"Reply":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:sfn:sendTaskSuccess",
		"Parameters":{"TaskToken.$":"$.token","Output.$":"States.JsonToString($.answer)"},"End":true}}}`)
	asker := createMachine(t, c, "asker", `{"StartAt":"Ask","States":{"Ask":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.waitForTaskToken",
		"Parameters":{"StateMachineArn":"`+replier+`","Input":{"token.$":"$$.Task.Token","answer":{"yes":1}}},"End":true}}}`)
	if done := startAndWait(t, c, asker, `{}`); aws.ToString(done.Output) != `{"yes":1}` {
		t.Errorf(".waitForTaskToken: %s %s %s", done.Status, aws.ToString(done.Output), aws.ToString(done.Cause))
	}

	// Stopping a parent stops its .sync child; a .sync child that waits
	// carries on across a restart and completes its parent then.
	slow := createMachine(t, c, "slow", `{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.wait","Next":"P"},"P":{"Type":"Pass","Result":"slow done","End":true}}}`)
	waiter := createMachine(t, c, "waiter", `{"StartAt":"Call","States":{"Call":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2",
		"Parameters":{"StateMachineArn":"`+slow+`","Name.$":"$.name","Input":{"wait.$":"$.wait"}},"OutputPath":"$.Output","End":true}}}`)
	stopped := must(c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(waiter), Input: aws.String(`{"wait":3600,"name":"long"}`)}))(t)
	childARN := strings.Replace(slow, ":stateMachine:", ":execution:", 1) + ":long"
	waitStatus(t, c, childARN, types.ExecutionStatusRunning)
	if _, err := c.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: stopped.ExecutionArn}); err != nil {
		t.Fatal(err)
	}
	if d := waitStatus(t, c, childARN, types.ExecutionStatusAborted); !strings.Contains(aws.ToString(d.Cause), "which was managing this resource was aborted") {
		t.Errorf("stopped child: %s", aws.ToString(d.Cause))
	}

	restarted := must(c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(waiter), Input: aws.String(`{"wait":2,"name":"short"}`)}))(t)
	waitStatus(t, c, strings.Replace(slow, ":stateMachine:", ":execution:", 1)+":short", types.ExecutionStatusRunning)
	s.stop(t)
	s = startServer(t, dir)
	c = s.client()
	if done := waitDone(t, c, aws.ToString(restarted.ExecutionArn)); aws.ToString(done.Output) != `"slow done"` {
		t.Errorf("after a restart: %s %s", done.Status, aws.ToString(done.Output))
	}
}
