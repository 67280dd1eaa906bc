package api_test

import (
	"encoding/json"
	"testing"
)

// A start right after an update, a delete or an alias change must see it:
// the server's own writes empty its cache of state machines.
func TestStartSeesOwnWrites(t *testing.T) {
	s := newServer(t)
	def := func(result string) string {
		b, _ := json.Marshal(`{"StartAt":"P","States":{"P":{"Type":"Pass","Result":"` + result + `","End":true}}}`)
		return string(b)
	}
	out := mustCall(t, s, "CreateStateMachine", `{"name":"m","type":"EXPRESS","roleArn":"arn:aws:iam::1:role/r","definition":`+def("one")+`}`)
	sm, _ := out["stateMachineArn"].(string)
	start := func() map[string]any {
		_, out := call(t, s, "StartSyncExecution", `{"stateMachineArn":"`+sm+`"}`)
		return out
	}
	if out := start(); out["output"] != `"one"` {
		t.Fatalf("first start: %v", out)
	}
	if code, out := call(t, s, "UpdateStateMachine", `{"stateMachineArn":"`+sm+`","definition":`+def("two")+`,"publish":true}`); code != 200 {
		t.Fatalf("update: %v", out)
	} else if out := start(); out["output"] != `"two"` {
		t.Fatalf("start after update: %v", out)
	}
	out = mustCall(t, s, "CreateStateMachineAlias", `{"name":"live","routingConfiguration":[{"stateMachineVersionArn":"`+sm+`:1","weight":100}]}`)
	alias, _ := out["stateMachineAliasArn"].(string)
	if _, out := call(t, s, "StartSyncExecution", `{"stateMachineArn":"`+alias+`"}`); out["output"] != `"two"` {
		t.Fatalf("start through the alias: %v", out)
	}
	mustCall(t, s, "UpdateStateMachine", `{"stateMachineArn":"`+sm+`","definition":`+def("three")+`,"publish":true}`)
	mustCall(t, s, "UpdateStateMachineAlias", `{"stateMachineAliasArn":"`+alias+`","routingConfiguration":[{"stateMachineVersionArn":"`+sm+`:2","weight":100}]}`)
	if _, out := call(t, s, "StartSyncExecution", `{"stateMachineArn":"`+alias+`"}`); out["output"] != `"three"` {
		t.Fatalf("start through the alias after its update: %v", out)
	}
	mustCall(t, s, "DeleteStateMachineAlias", `{"stateMachineAliasArn":"`+alias+`"}`)
	if _, out := call(t, s, "StartSyncExecution", `{"stateMachineArn":"`+alias+`"}`); out["__type"] != "ResourceNotFound" {
		t.Fatalf("start through a deleted alias: %v", out)
	}
	mustCall(t, s, "DeleteStateMachine", `{"stateMachineArn":"`+sm+`"}`)
	if out := start(); out["__type"] != "StateMachineDoesNotExist" {
		t.Fatalf("start after delete: %v", out)
	}
}
