package api_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/baton-sh/baton/api"
	"github.com/baton-sh/baton/driver"
	"github.com/baton-sh/baton/resource"
	"github.com/baton-sh/baton/store/sqlite"
)

// With ExpressHistory, a finished Express execution can be described and
// its history read, as a developer would want while debugging.
func TestExpressHistory(t *testing.T) {
	st, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	d := driver.NewDurable(driver.DurableOptions{Store: st})
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close(); st.Close() })
	s := api.New(api.Config{Store: st, Durable: d, ExpressHistory: true})
	def, _ := json.Marshal(`{"StartAt":"P","States":{"P":{"Type":"Pass","Result":"hi","End":true}}}`)
	_, out := call(s, "CreateStateMachine", `{"name":"x","type":"EXPRESS","roleArn":"arn:aws:iam::1:role/r","definition":`+string(def)+`}`)
	_, out = call(s, "StartSyncExecution", `{"stateMachineArn":"`+out["stateMachineArn"].(string)+`","input":"{\"a\":1}"}`)
	arn, _ := out["executionArn"].(string)
	if _, desc := call(s, "DescribeExecution", `{"executionArn":"`+arn+`"}`); desc["status"] != "SUCCEEDED" || desc["output"] != `"hi"` || desc["input"] != `{"a":1}` {
		t.Errorf("describe: %v", desc)
	}
	_, hist := call(s, "GetExecutionHistory", `{"executionArn":"`+arn+`"}`)
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
	st, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	reg := resource.NewRegistry()
	d := driver.NewDurable(driver.DurableOptions{Store: st, Resources: reg})
	s := api.New(api.Config{Store: st, Durable: d, Resources: reg})
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close(); st.Close() })
	create := func(name, def string) string {
		b, _ := json.Marshal(def)
		_, out := call(s, "CreateStateMachine", `{"name":"`+name+`","roleArn":"arn:aws:iam::1:role/r","definition":`+string(b)+`}`)
		return out["stateMachineArn"].(string)
	}
	child := create("child", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	parent := create("parent", `{"StartAt":"C","States":{"C":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution","Parameters":{"StateMachineArn":"`+child+`","Name":"kid"},"End":true}}}`)
	_, out := call(s, "StartExecution", `{"stateMachineArn":"`+parent+`","name":"p1"}`)
	parentARN, _ := out["executionArn"].(string)
	kid := strings.Replace(child, ":stateMachine:", ":execution:", 1) + ":kid"
	deadline := time.Now().Add(5 * time.Second)
	for {
		rec, err := st.GetExecution(context.Background(), kid)
		if err == nil {
			if got := driver.StartedBy(rec); got != parentARN {
				t.Errorf("started by %q, want %q", got, parentARN)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the child never started: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
