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

// TestOwnedElsewhere: a callback, a poll or a stop that reaches a node
// while another node's live lease holds the execution is answered there as
// the owner would answer it, and the owner carries it out. (SQLite gives no
// signals: the owner finds its inbox at its lease loop's next turn.)
func TestOwnedElsewhere(t *testing.T) {
	t.Parallel()
	var shared store.Store
	lease := 300 * time.Millisecond
	a, _ := enginetest.Over(t, engine.Options{Node: "a", MaxPoll: time.Second, LeaseDuration: lease}, func(st store.Store) store.Store {
		shared = st
		return st
	})
	b, err := engine.New(context.Background(), engine.Options{Store: shared, Node: "b", MaxPoll: 10 * time.Millisecond, LeaseDuration: lease})
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
	// b's worker gets a's task.
	task := mustCall(t, atB, "GetActivityTask", `{"activityArn":"`+act+`"}`)
	token, _ := task["taskToken"].(string)
	if token == "" || task["input"] != `{"v":1}` {
		t.Fatalf("no task: %v", task)
	}
	for _, c := range []struct {
		action, body string
		code         int
		errType      string
	}{
		{"SendTaskHeartbeat", `{"taskToken":"` + token + `"}`, http.StatusOK, ""},
		{"SendTaskSuccess", `{"taskToken":"` + token + `","output":"{\"done\":true}"}`, http.StatusOK, ""},
		// The owner will have recorded the success: the task is over.
		{"SendTaskFailure", `{"taskToken":"` + token + `"}`, http.StatusBadRequest, "TaskTimedOut"},
	} {
		code, out := call(t, atB, c.action, c.body)
		if code != c.code || (c.errType != "" && out["__type"] != c.errType) {
			t.Errorf("%s at b: %d %v", c.action, code, out)
		}
	}
	waitStatus(t, atA, exec, "SUCCEEDED")
	if out := mustCall(t, atB, "DescribeExecution", `{"executionArn":"`+exec+`"}`); out["output"] != `{"done":true}` {
		t.Errorf("the execution: %v", out)
	}
	hist := mustCall(t, atA, "GetExecutionHistory", `{"executionArn":"`+exec+`"}`)["events"].([]any)
	var types []string
	for _, e := range hist {
		types = append(types, e.(map[string]any)["type"].(string))
	}
	if got := strings.Join(types, ","); got != "ExecutionStarted,TaskStateEntered,ActivityScheduled,ActivityStarted,ActivitySucceeded,TaskStateExited,ExecutionSucceeded" {
		t.Errorf("history %s", got)
	}

	// A stop at b stops a's execution.
	again := mustCall(t, atA, "StartExecution", `{"stateMachineArn":"`+sm+`","input":"{}"}`)["executionArn"].(string)
	if code, out := call(t, atB, "StopExecution", `{"executionArn":"`+again+`","cause":"from b"}`); code != http.StatusOK {
		t.Fatalf("StopExecution at b: %d %v", code, out)
	}
	waitStatus(t, atA, again, "ABORTED")
}

// waitStatus waits until an execution has a status: for another node's
// lease loop, which runs on the real clock.
func waitStatus(t *testing.T, h http.Handler, exec, status string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		out := mustCall(t, h, "DescribeExecution", `{"executionArn":"`+exec+`"}`)
		if out["status"] == status {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s is %v, not %s, after 10 s", exec, out["status"], status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
