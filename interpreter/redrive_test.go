package interpreter_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/baton-sh/baton/failure"
	"github.com/baton-sh/baton/interpreter"
	"github.com/baton-sh/baton/value"
)

func TestRedriveTask(t *testing.T) {
	t.Parallel()
	healthy := false
	d := newHarness(t, `{"StartAt":"Prepare","States":{
		"Prepare":{"Type":"Pass","Result":"order-1","ResultPath":"$.order","Next":"Charge"},
		"Charge":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"order.$":"$.order","redrives.$":"$$.Execution.RedriveCount"},
			"Retry":[{"ErrorEquals":["Flaky"],"MaxAttempts":1,"IntervalSeconds":1}],"ResultPath":"$.charge","Next":"Done"},
		"Done":{"Type":"Succeed"}}}`,
		func(req *interpreter.TaskRequest) answer {
			if !healthy {
				return answer{fail: failure.New("Flaky", "down")}
			}
			return answer{out: req.Input}
		})
	d.start(`{}`)
	if d.ex.Status != interpreter.Failed || d.ex.Failure.Error != "Flaky" {
		t.Fatalf("first attempt: %v %v", d.ex.Status, d.ex.Failure)
	}
	if d.calls[`{"order":"order-1","redrives":0}`] != 2 {
		t.Fatalf("calls before the redrive: %v", d.calls)
	}
	failedAt := len(d.ex.Events)
	healthy = true
	d.advance(time.Hour)
	d.redrive()
	if d.ex.Status != interpreter.Succeeded {
		t.Fatalf("after the redrive: %v %v", d.ex.Status, d.ex.Failure)
	}
	if got := value.String(d.ex.Output); got != `{"order":"order-1","charge":{"order":"order-1","redrives":1}}` {
		t.Errorf("output %s", got)
	}
	types := d.eventTypes()
	if got := strings.Join(types[failedAt:], ","); got != "ExecutionRedriven,TaskStateEntered,TaskScheduled,TaskStarted,TaskSucceeded,TaskStateExited,SucceedStateEntered,SucceedStateExited,ExecutionSucceeded" {
		t.Errorf("events after the redrive: %s", got)
	}
	if count(types, "PassStateEntered") != 1 {
		t.Errorf("the Pass state ran again: %v", types)
	}
	red := d.ex.Events[failedAt]
	if red.PreviousID != d.ex.Events[failedAt-1].ID || red.Detail == nil || red.Detail.RedriveCount != 1 {
		t.Errorf("ExecutionRedriven event: %+v", red)
	}
	for i, e := range d.ex.Events {
		if e.ID != int64(i+1) {
			t.Fatalf("event %d has id %d", i, e.ID)
		}
	}
}

func TestRedriveRetriesStartOver(t *testing.T) {
	t.Parallel()
	d := newHarness(t, `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
		"Retry":[{"ErrorEquals":["States.ALL"],"MaxAttempts":2,"IntervalSeconds":1}],"End":true}}}`,
		func(*interpreter.TaskRequest) answer { return answer{fail: failure.New("Boom", "")} })
	d.start(`{}`)
	d.redrive()
	if d.ex.Status != interpreter.Failed || d.calls["{}"] != 6 {
		t.Errorf("status %v, %d calls; want FAILED after 3 + 3 attempts", d.ex.Status, d.calls["{}"])
	}
	if d.ex.Config().RedriveCount != 1 {
		t.Errorf("redrive count %d", d.ex.Config().RedriveCount)
	}
}

func TestRedriveParallelRunsOnlyUnfinishedBranches(t *testing.T) {
	t.Parallel()
	healthy := false
	d := newHarness(t, `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
		{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"b":"a"},"End":true}}},
		{"StartAt":"B","States":{"B":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"b":"b"},"End":true}}},
		{"StartAt":"C0","States":{"C0":{"Type":"Pass","Next":"C"},"C":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"b":"c"},"End":true}}}]}}}`,
		func(req *interpreter.TaskRequest) answer {
			b, _ := req.Input.(*value.Object).Get("b")
			switch {
			case b == "b" && !healthy:
				return answer{fail: failure.New("Broken", "b broke")}
			case b == "c" && !healthy:
				return answer{wait: true} // still running when B fails: aborted
			}
			return answer{out: b}
		})
	d.start(`{}`)
	if d.ex.Status != interpreter.Failed {
		t.Fatalf("first attempt: %v", d.ex.Status)
	}
	healthy = true
	d.redrive()
	if d.ex.Status != interpreter.Succeeded || value.String(d.ex.Output) != `["a","b","c"]` {
		t.Fatalf("after the redrive: %v %v %s", d.ex.Status, d.ex.Failure, value.String(d.ex.Output))
	}
	if d.calls[`{"b":"a"}`] != 1 || d.calls[`{"b":"b"}`] != 2 || d.calls[`{"b":"c"}`] != 2 {
		t.Errorf("calls %v: want branch A once, B and C twice", d.calls)
	}
	types := d.eventTypes()
	if count(types, "ParallelStateEntered") != 1 || count(types, "PassStateEntered") != 1 {
		t.Errorf("events %v", types)
	}
}

func TestRedriveMapRunsOnlyUnfinishedIterations(t *testing.T) {
	t.Parallel()
	healthy := false
	d := newHarness(t, `{"StartAt":"M","States":{"M":{"Type":"Map","End":true,"MaxConcurrency":2,"ItemProcessor":{"StartAt":"T","States":{
		"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}}}}}`,
		func(req *interpreter.TaskRequest) answer {
			n, _ := req.Input.(value.Number).Int64()
			if n == 3 && !healthy {
				return answer{fail: failure.New("Broken", "")}
			}
			return answer{out: value.Int(n * 10)}
		})
	// Items 1 and 2 succeed; 3 fails while 4 runs, which is aborted; 5
	// never starts. A redrive runs 3, 4 and 5 only.
	d.start(`[1,2,3,4,5]`)
	if d.ex.Status != interpreter.Failed {
		t.Fatalf("first attempt: %v", d.ex.Status)
	}
	healthy = true
	d.redrive()
	if d.ex.Status != interpreter.Succeeded || value.String(d.ex.Output) != `[10,20,30,40,50]` {
		t.Fatalf("after the redrive: %v %v %s", d.ex.Status, d.ex.Failure, value.String(d.ex.Output))
	}
	for item, want := range map[string]int{"1": 1, "2": 1, "3": 2, "4": 2, "5": 1} {
		if d.calls[item] != want {
			t.Errorf("item %s ran %d times, want %d (%v)", item, d.calls[item], want, d.calls)
		}
	}
}

func TestRedriveAfterTimeoutAndStop(t *testing.T) {
	t.Parallel()
	answering := false
	handle := func(*interpreter.TaskRequest) answer {
		if !answering {
			return answer{wait: true}
		}
		return answer{out: "ok"}
	}
	d := newHarness(t, `{"TimeoutSeconds":10,"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}}`, handle)
	d.start(`{}`)
	if d.ex.Status != interpreter.TimedOut {
		t.Fatalf("first attempt: %v", d.ex.Status)
	}
	answering = true
	d.redrive()
	if d.ex.Status != interpreter.Succeeded {
		t.Fatalf("after the redrive: %v", d.ex.Status)
	}

	d = newHarness(t, `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"Next":"P"},"P":{"Type":"Pass","End":true}}}`, handle)
	d.begin(`{"k":1}`)
	d.stop(failure.New("Stopped", "by hand"))
	if d.ex.Status != interpreter.Aborted {
		t.Fatalf("stop: %v", d.ex.Status)
	}
	d.advance(time.Minute)
	d.redrive()
	if d.ex.Status != interpreter.Succeeded || value.String(d.ex.Output) != `{"k":1}` {
		t.Fatalf("after the redrive: %v %s", d.ex.Status, value.String(d.ex.Output))
	}
	types := d.eventTypes()
	if count(types, "WaitStateEntered") != 2 || !slices.Contains(types, "WaitStateAborted") {
		t.Errorf("events %v", types)
	}
}

func TestRedriveOnlyUnsuccessful(t *testing.T) {
	t.Parallel()
	d := newHarness(t, `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`, nil)
	d.start(`{}`)
	if d.ex.Redrivable() {
		t.Error("a succeeded execution is redrivable")
	}
	if cmds := d.ex.Redrive(d.now); len(cmds) != 0 || d.ex.Status != interpreter.Succeeded || len(d.ex.Events) != 4 {
		t.Errorf("redriving a succeeded execution changed it: %v %v", d.ex.Status, d.eventTypes())
	}
}
