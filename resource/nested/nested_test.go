package nested_test

import (
	"testing"
	"time"

	"github.com/baton-sh/baton/resource"
	"github.com/baton-sh/baton/resource/nested"
	"github.com/baton-sh/baton/value"
)

func TestResult(t *testing.T) {
	start := time.UnixMilli(1700000000123)
	e := &nested.Execution{ARN: "arn:aws:states:us-east-1:123456789012:execution:child:e1", StateMachineARN: "arn:aws:states:us-east-1:123456789012:stateMachine:child",
		Name: "e1", Status: "SUCCEEDED", Input: `{"k":1}`, Output: `{"ok":true}`, HasOutput: true, Start: start, Stop: start.Add(time.Second),
		RedriveStatus: "NOT_REDRIVABLE", RedriveStatusReason: "Execution is SUCCEEDED and cannot be redriven."}
	out, err := nested.Result(e, "sync")
	want := `{"ExecutionArn":"arn:aws:states:us-east-1:123456789012:execution:child:e1","Input":"{\"k\":1}","InputDetails":{"Included":true},"Name":"e1",` +
		`"Output":"{\"ok\":true}","OutputDetails":{"Included":true},"RedriveCount":0,"RedriveStatus":"NOT_REDRIVABLE",` +
		`"RedriveStatusReason":"Execution is SUCCEEDED and cannot be redriven.","StartDate":1700000000123,` +
		`"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:child","Status":"SUCCEEDED","StopDate":1700000001123}`
	if err != nil || value.String(out) != want {
		t.Errorf(".sync:\n got  %s\n want %s", value.String(out), want)
	}
	out, err = nested.Result(e, "sync:2")
	if err != nil {
		t.Fatal(err)
	}
	if o := out.(*value.Object); value.String(mustGet(o, "Input")) != `{"k":1}` || value.String(mustGet(o, "Output")) != `{"ok":true}` {
		t.Errorf(".sync:2: %s", value.String(out))
	}
	e.Status, e.Error, e.Cause, e.HasOutput = "FAILED", "Boom", "it broke", false
	_, err = nested.Result(e, "sync:2")
	fl := resource.ToFailure(err)
	if fl.Error != "States.TaskFailed" || fl.Cause[:40] != `{"Cause":"it broke","Error":"Boom","Exec` {
		t.Errorf("failed child: %+v", fl)
	}
}

func mustGet(o *value.Object, k string) any {
	v, _ := o.Get(k)
	return v
}
