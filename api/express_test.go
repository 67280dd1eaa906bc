package api_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baton-sh/baton/driver"
	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/engine/enginetest"
	"github.com/baton-sh/baton/server"
)

// With ExpressHistory, a finished Express execution can be described and
// its history read, as a developer would want while debugging.
func TestExpressHistory(t *testing.T) {
	s := newServerOpts(t, engine.Options{ExpressHistory: true})
	def, _ := json.Marshal(`{"StartAt":"P","States":{"P":{"Type":"Pass","Result":"hi","End":true}}}`)
	out := mustCall(t, s, "CreateStateMachine", `{"name":"x","type":"EXPRESS","roleArn":"arn:aws:iam::1:role/r","definition":`+string(def)+`}`)
	out = mustCall(t, s, "StartSyncExecution", `{"stateMachineArn":"`+out["stateMachineArn"].(string)+`","input":"{\"a\":1}"}`)
	arn, _ := out["executionArn"].(string)
	if _, desc := call(t, s, "DescribeExecution", `{"executionArn":"`+arn+`"}`); desc["status"] != "SUCCEEDED" || desc["output"] != `"hi"` || desc["input"] != `{"a":1}` {
		t.Errorf("describe: %v", desc)
	}
	hist := mustCall(t, s, "GetExecutionHistory", `{"executionArn":"`+arn+`"}`)
	var types []string
	events, _ := hist["events"].([]any)
	for _, e := range events {
		types = append(types, e.(map[string]any)["type"].(string))
	}
	if strings.Join(types, ",") != "ExecutionStarted,PassStateEntered,PassStateExited,ExecutionSucceeded" {
		t.Errorf("history: %v", hist)
	}
}

// A child started by a nested workflow records the execution that started
// it.
func TestChildRecordsItsParent(t *testing.T) {
	e, st := enginetest.New(t, engine.Options{})
	s := server.Handler(e, server.Options{Hosts: []string{"*"}})
	create := func(name, def string) string {
		b, err := json.Marshal(def)
		if err != nil {
			t.Fatal(err)
		}
		out := mustCall(t, s, "CreateStateMachine", `{"name":"`+name+`","roleArn":"arn:aws:iam::1:role/r","definition":`+string(b)+`}`)
		return out["stateMachineArn"].(string)
	}
	child := create("child", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	parent := create("parent", `{"StartAt":"C","States":{"C":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution","Parameters":{"StateMachineArn":"`+child+`","Name":"kid"},"End":true}}}`)
	kid := strings.Replace(child, ":stateMachine:", ":execution:", 1) + ":kid"
	ended := waitFor(e, kid)
	out := mustCall(t, s, "StartExecution", `{"stateMachineArn":"`+parent+`","name":"p1"}`)
	parentARN, _ := out["executionArn"].(string)
	select {
	case <-ended:
	case <-time.After(10 * time.Second):
		t.Fatal("the child never ended")
	}
	rec, err := st.GetExecution(context.Background(), kid)
	if err != nil {
		t.Fatal(err)
	}
	if got := driver.StartedBy(rec); got != parentARN {
		t.Errorf("started by %q, want %q", got, parentARN)
	}
}

// waitFor returns a channel closed once an execution has ended, as the
// engine's observers learn it.
func waitFor(e *engine.Engine, arn string) <-chan struct{} {
	o := &endWatcher{arn: arn, ended: make(chan struct{})}
	o.stop = e.Subscribe(o)
	return o.ended
}

type endWatcher struct {
	arn   string
	ended chan struct{}
	stop  func()
	once  sync.Once
}

func (w *endWatcher) Observe(events []engine.Event) {
	for _, ev := range events {
		if ev.Kind == engine.ExecutionFinished && ev.ExecutionARN == w.arn {
			w.once.Do(func() { close(w.ended) })
		}
	}
}

func (w *endWatcher) Dropped(int) {}
