package api_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/baton-sh/baton/api"
	"github.com/baton-sh/baton/driver"
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
