package interpreter_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/baton-sh/baton/definition"
	"github.com/baton-sh/baton/failure"
	"github.com/baton-sh/baton/interpreter"
	"github.com/baton-sh/baton/machine"
	"github.com/baton-sh/baton/value"
)

// answer is what a test's task handler does with one task: answer it with
// a result or a failure, or leave it waiting.
type answer struct {
	out  any
	fail *failure.Failure
	wait bool
}

// pureDriver drives an execution by hand: tasks are answered at once by a
// function, timers fire in order of their due time, time jumps to them.
type pureDriver struct {
	ex     *interpreter.Execution
	now    time.Time
	handle func(req *interpreter.TaskRequest) answer
	timers map[int64]time.Time
	calls  map[string]int // task input (as JSON) -> times called
}

func newPureDriver(t *testing.T, def string, handle func(*interpreter.TaskRequest) answer) *pureDriver {
	t.Helper()
	doc, diags := definition.Load([]byte(def), definition.Options{})
	if diags.HasErrors() {
		t.Fatalf("invalid definition: %s", diags.Message())
	}
	m, err := machine.Compile(doc)
	if err != nil {
		t.Fatal(err)
	}
	ex := interpreter.New(m, interpreter.Config{StateMachineName: "M", StateMachineARN: "arn:aws:states:us-east-1:123456789012:stateMachine:M", ExecutionName: "e"})
	return &pureDriver{ex: ex, now: epoch, handle: handle, timers: map[int64]time.Time{}, calls: map[string]int{}}
}

// settle carries out commands until the execution ends or waits on
// nothing but unanswered tasks.
func (d *pureDriver) settle(cmds []interpreter.Command) {
	for {
		var next []interpreter.Command
		for _, c := range cmds {
			switch c.Kind {
			case interpreter.StartTimer:
				d.timers[c.ID] = c.At
			case interpreter.CancelTimer:
				delete(d.timers, c.ID)
			case interpreter.RunTask:
				d.calls[value.String(c.Task.Input)]++
				a := d.handle(c.Task)
				switch {
				case a.wait:
				case a.fail != nil:
					next = append(next, d.ex.TaskFailed(c.ID, a.fail, d.now)...)
				default:
					next = append(next, d.ex.TaskSucceeded(c.ID, a.out, d.now)...)
				}
			}
		}
		if len(next) > 0 {
			cmds = next
			continue
		}
		if d.ex.Done() || len(d.timers) == 0 {
			return
		}
		var id int64
		var at time.Time
		for tid, tat := range d.timers {
			if id == 0 || tat.Before(at) || tat.Equal(at) && tid < id {
				id, at = tid, tat
			}
		}
		delete(d.timers, id)
		if at.After(d.now) {
			d.now = at
		}
		cmds = d.ex.TimerFired(id, d.now)
	}
}

func (d *pureDriver) eventTypes() []string {
	var out []string
	for _, e := range d.ex.Events {
		out = append(out, e.Type.String())
	}
	return out
}

func count(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}

func TestRedriveTask(t *testing.T) {
	healthy := false
	d := newPureDriver(t, `{"StartAt":"Prepare","States":{
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
	d.settle(d.ex.Start(value.MustParse(`{}`), d.now))
	if d.ex.Status != interpreter.Failed || d.ex.Failure.Error != "Flaky" {
		t.Fatalf("first attempt: %v %v", d.ex.Status, d.ex.Failure)
	}
	if d.calls[`{"order":"order-1","redrives":0}`] != 2 {
		t.Fatalf("calls before the redrive: %v", d.calls)
	}
	failedAt := len(d.ex.Events)
	healthy = true
	d.now = d.now.Add(time.Hour)
	d.settle(d.ex.Redrive(d.now))
	if d.ex.Status != interpreter.Succeeded {
		t.Fatalf("after the redrive: %v %v", d.ex.Status, d.ex.Failure)
	}
	if got := value.String(d.ex.Output); got != `{"order":"order-1","charge":{"order":"order-1","redrives":1}}` {
		t.Errorf("output %s", got)
	}
	types := d.eventTypes()
	if got := strings.Join(types[failedAt:], ","); got != "ExecutionRedriven,TaskStateEntered,TaskScheduled,TaskSucceeded,TaskStateExited,SucceedStateEntered,SucceedStateExited,ExecutionSucceeded" {
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
	d := newPureDriver(t, `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
		"Retry":[{"ErrorEquals":["States.ALL"],"MaxAttempts":2,"IntervalSeconds":1}],"End":true}}}`,
		func(*interpreter.TaskRequest) answer { return answer{fail: failure.New("Boom", "")} })
	d.settle(d.ex.Start(value.MustParse(`{}`), d.now))
	d.settle(d.ex.Redrive(d.now))
	if d.ex.Status != interpreter.Failed || d.calls["{}"] != 6 {
		t.Errorf("status %v, %d calls; want FAILED after 3 + 3 attempts", d.ex.Status, d.calls["{}"])
	}
	if d.ex.Config().RedriveCount != 1 {
		t.Errorf("redrive count %d", d.ex.Config().RedriveCount)
	}
}

func TestRedriveParallelRunsOnlyUnfinishedBranches(t *testing.T) {
	healthy := false
	d := newPureDriver(t, `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
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
	d.settle(d.ex.Start(value.MustParse(`{}`), d.now))
	if d.ex.Status != interpreter.Failed {
		t.Fatalf("first attempt: %v", d.ex.Status)
	}
	healthy = true
	d.settle(d.ex.Redrive(d.now))
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
	healthy := false
	d := newPureDriver(t, `{"StartAt":"M","States":{"M":{"Type":"Map","End":true,"MaxConcurrency":2,"ItemProcessor":{"StartAt":"T","States":{
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
	d.settle(d.ex.Start(value.MustParse(`[1,2,3,4,5]`), d.now))
	if d.ex.Status != interpreter.Failed {
		t.Fatalf("first attempt: %v", d.ex.Status)
	}
	healthy = true
	d.settle(d.ex.Redrive(d.now))
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
	answering := false
	handle := func(*interpreter.TaskRequest) answer {
		if !answering {
			return answer{wait: true}
		}
		return answer{out: "ok"}
	}
	d := newPureDriver(t, `{"TimeoutSeconds":10,"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}}`, handle)
	d.settle(d.ex.Start(value.MustParse(`{}`), d.now))
	if d.ex.Status != interpreter.TimedOut {
		t.Fatalf("first attempt: %v", d.ex.Status)
	}
	answering = true
	d.settle(d.ex.Redrive(d.now))
	if d.ex.Status != interpreter.Succeeded {
		t.Fatalf("after the redrive: %v", d.ex.Status)
	}

	d = newPureDriver(t, `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"Next":"P"},"P":{"Type":"Pass","End":true}}}`, handle)
	d.ex.Start(value.MustParse(`{"k":1}`), d.now)
	d.timers = map[int64]time.Time{}
	d.ex.Stop(failure.New("Stopped", "by hand"), d.now)
	if d.ex.Status != interpreter.Aborted {
		t.Fatalf("stop: %v", d.ex.Status)
	}
	d.settle(d.ex.Redrive(d.now.Add(time.Minute)))
	if d.ex.Status != interpreter.Succeeded || value.String(d.ex.Output) != `{"k":1}` {
		t.Fatalf("after the redrive: %v %s", d.ex.Status, value.String(d.ex.Output))
	}
	types := d.eventTypes()
	if count(types, "WaitStateEntered") != 2 || !slices.Contains(types, "WaitStateAborted") {
		t.Errorf("events %v", types)
	}
}

func TestRedriveOnlyUnsuccessful(t *testing.T) {
	d := newPureDriver(t, `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`, nil)
	d.ex.Start(value.MustParse(`{}`), d.now)
	if d.ex.Redrivable() {
		t.Error("a succeeded execution is redrivable")
	}
	if cmds := d.ex.Redrive(d.now); len(cmds) != 0 || d.ex.Status != interpreter.Succeeded || len(d.ex.Events) != 4 {
		t.Errorf("redriving a succeeded execution changed it: %v %v", d.ex.Status, d.eventTypes())
	}
}
