package api_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/engine/enginetest"
	"github.com/baton-sh/baton/server"
	"github.com/baton-sh/baton/store"
)

// TestOwnedElsewhere: a callback or a stop that reaches a node while
// another node's live lease holds the execution is refused with a
// retryable 503 in AWS's shape (not an internal error), and changes
// nothing: the owner still completes the task.
func TestOwnedElsewhere(t *testing.T) {
	t.Parallel()
	var shared store.Store
	a, _ := enginetest.Over(t, engine.Options{Node: "a", MaxPoll: time.Second}, func(st store.Store) store.Store {
		shared = st
		return st
	})
	b, err := engine.New(context.Background(), engine.Options{Store: shared, Node: "b", MaxPoll: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	atA := server.Handler(a, server.Options{Hosts: []string{"*"}})
	atB := server.Handler(b, server.Options{Hosts: []string{"*"}})

	act := mustCall(t, atA, "CreateActivity", `{"name":"owned"}`)["activityArn"].(string)
	def := `{"StartAt":"W","States":{"W":{"Type":"Task","Resource":"` + act + `","End":true}}}`
	sm := mustCall(t, atA, "CreateStateMachine", `{"name":"owned","roleArn":"arn:aws:iam::123456789012:role/r","definition":`+strconv.Quote(def)+`}`)["stateMachineArn"].(string)
	exec := mustCall(t, atA, "StartExecution", `{"stateMachineArn":"`+sm+`","input":"{\"v\":1}"}`)["executionArn"].(string)
	task := mustCall(t, atA, "GetActivityTask", `{"activityArn":"`+act+`"}`)
	token, _ := task["taskToken"].(string)
	if token == "" {
		t.Fatalf("no task: %v", task)
	}
	for _, c := range []struct{ action, body string }{
		{"SendTaskSuccess", `{"taskToken":"` + token + `","output":"{}"}`},
		{"SendTaskFailure", `{"taskToken":"` + token + `"}`},
		{"SendTaskHeartbeat", `{"taskToken":"` + token + `"}`},
		{"StopExecution", `{"executionArn":"` + exec + `"}`},
	} {
		code, out := call(t, atB, c.action, c.body)
		if code != http.StatusServiceUnavailable || out["__type"] != "ServiceUnavailable" || !strings.Contains(out["message"].(string), "Another Baton node") {
			t.Errorf("%s at b: %d %v", c.action, code, out)
		}
	}
	mustCall(t, atA, "SendTaskSuccess", `{"taskToken":"`+token+`","output":"{\"done\":true}"}`)
	// The task's end ends the execution in the same durable step.
	if out := mustCall(t, atA, "DescribeExecution", `{"executionArn":"`+exec+`"}`); out["status"] != "SUCCEEDED" || out["output"] != `{"done":true}` {
		t.Errorf("the execution: %v", out)
	}
}
