package baton_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/baton-sh/baton"
	"github.com/baton-sh/baton/config"
)

// Nested workflows run in-process too, with their children's definitions
// named in the config.
func TestNestedInProcess(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "child.json"), []byte(`{"StartAt":"Check","States":{
		"Check":{"Type":"Choice","Choices":[{"And":[{"Variable":"$.fail","IsPresent":true},{"Variable":"$.fail","BooleanEquals":true}],"Next":"Boom"}],"Default":"Double"},
		"Double":{"Type":"Pass","Parameters":{"n.$":"States.MathAdd($.n, $.n)"},"End":true},
		"Boom":{"Type":"Fail","Error":"Child.Failed","Cause":"asked to"}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "replier.json"), []byte(`{"StartAt":"Reply","States":{"Reply":{"Type":"Task",
		"Resource":"arn:aws:states:::aws-sdk:sfn:sendTaskSuccess","Parameters":{"TaskToken.$":"$.token","Output":"{\"replied\":true}"},"End":true}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse([]byte("stateMachines: {Child: child.json, Replier: replier.json}\n"), dir)
	if err != nil {
		t.Fatal(err)
	}
	engine := baton.New(baton.WithConfig(cfg), baton.NoCallbacks())
	run := func(resource, params, input string) *baton.Result {
		t.Helper()
		sm, err := engine.Load([]byte(`{"StartAt":"Call","States":{"Call":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution` + resource + `","Parameters":` + params + `,"End":true}}}`))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		res, err := sm.Run(ctx, []byte(input))
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	child := `"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:Child"`
	if res := run(".sync:2", `{`+child+`,"Input":{"n":4}}`, `{}`); res.Status != "SUCCEEDED" || !strings.Contains(string(res.Output), `"Output":{"n":8}`) {
		t.Errorf(".sync:2: %s %s %s", res.Status, res.Output, res.Cause)
	}
	if res := run(".sync", `{`+child+`,"Input":{"n":1}}`, `{}`); !strings.Contains(string(res.Output), `"Output":"{\"n\":2}"`) {
		t.Errorf(".sync: %s %s", res.Output, res.Cause)
	}
	if res := run(".sync:2", `{`+child+`,"Input":{"fail":true}}`, `{}`); res.Error != "States.TaskFailed" || !strings.Contains(res.Cause, `"Error":"Child.Failed"`) {
		t.Errorf("failing child: %s %s", res.Error, res.Cause)
	}
	if res := run("", `{`+child+`,"Input":{"n":1}}`, `{}`); !strings.Contains(string(res.Output), `"ExecutionArn":"arn:aws:states:us-east-1:123456789012:execution:Child:`) {
		t.Errorf("plain: %s", res.Output)
	}
	if res := run(".waitForTaskToken", `{"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:Replier","Input":{"token.$":"$$.Task.Token"}}`, `{}`); string(res.Output) != `{"replied":true}` {
		t.Errorf(".waitForTaskToken: %s %s %s", res.Status, res.Output, res.Cause)
	}
	if res := run(".sync:2", `{"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:Nowhere"}`, `{}`); res.Error != "StepFunctions.StateMachineDoesNotExistException" {
		t.Errorf("unknown child: %s %s", res.Error, res.Cause)
	}
}
