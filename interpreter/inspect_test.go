package interpreter_test

import (
	"strings"
	"testing"

	"github.com/baton-sh/baton/failure"
	"github.com/baton-sh/baton/interpreter"
)

// An Inspector is told what every state decides, in order: its data after
// each step, its retries, catches, exits and failures.
func TestInspector(t *testing.T) {
	t.Parallel()
	var log inspectLog
	cfg := defaultConfig()
	cfg.Inspector = &log
	m := compile(t, `{"StartAt":"T","States":{
		"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","InputPath":"$.in","Parameters":{"v.$":"$.v"},
			"ResultSelector":{"r.$":"$.v"},"ResultPath":"$.out","Assign":{"seen.$":"$.v"},
			"Retry":[{"ErrorEquals":["Flaky"],"IntervalSeconds":2,"MaxAttempts":1}],
			"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.err","Next":"F"}],"Next":"P"},
		"P":{"Type":"Parallel","Branches":[{"StartAt":"B","States":{"B":{"Type":"Fail","Error":"Bad"}}}],"Catch":[{"ErrorEquals":["Bad"],"Next":"F"}],"End":true},
		"F":{"Type":"Succeed"}}}`)
	h := newHarnessOf(t, m, cfg, func(req *interpreter.TaskRequest) answer {
		if req.Invocation == 0 {
			return answer{fail: failure.New("Flaky", "")}
		}
		return answer{out: req.Input}
	})
	h.start(`{"in":{"v":1}}`)
	if h.ex.Status != interpreter.Succeeded {
		t.Fatalf("%v %v", h.ex.Status, h.ex.Failure)
	}
	want := `T Input {"in":{"v":1}}
T AfterInputPath {"v":1}
T AfterParameters {"v":1}
T retrying 0 {Error:Flaky Cause: Location:} 2
T AfterInputPath {"v":1}
T AfterParameters {"v":1}
T Result {"v":1}
T AfterResultSelector {"r":1}
T AfterResultPath {"in":{"v":1},"out":{"r":1}}
T Variables {"seen":1}
T exited {"in":{"v":1},"out":{"r":1}} -> "P"
P Input {"in":{"v":1},"out":{"r":1}}
P AfterInputPath {"in":{"v":1},"out":{"r":1}}
P AfterParameters {"in":{"v":1},"out":{"r":1}}
B Input {"in":{"v":1},"out":{"r":1}}
B Variables {"seen":1}
B failed {Error:Bad Cause: Location:}
P caught 0 {Error:Bad Cause: Location:}
P Variables {"seen":1}
P exited {"Error":"Bad"} -> "F"
F Input {"Error":"Bad"}
F AfterInputPath {"Error":"Bad"}
F Variables {"seen":1}
F exited {"Error":"Bad"} -> ""
`
	if got := log.b.String(); got != want {
		t.Errorf("the inspector was told\n%s\nwant\n%s", got, strings.TrimSpace(want))
	}
}
