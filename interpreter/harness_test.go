package interpreter_test

import (
	"strings"
	"testing"
	"time"

	"github.com/baton-sh/baton/definition"
	"github.com/baton-sh/baton/failure"
	"github.com/baton-sh/baton/interpreter"
	"github.com/baton-sh/baton/machine"
	"github.com/baton-sh/baton/value"
)

// The harness runs an execution purely, the way the interpreter's tests
// drive it: no driver, no goroutine, no clock. It carries out the
// execution's commands itself: a task is answered synchronously by a
// handler function (at once, later, or never), and timers and late answers
// fire in order of their time, the harness jumping the time it hands the
// interpreter to theirs. A day of Wait states, a task timeout or a
// heartbeat that never comes takes no time at all.
//
// Every input handed to the execution is kept in a journal, so that a run
// can be replayed on a fresh execution and compared (FuzzReplay).

var epoch = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

// handler answers a task.
type handler func(req *interpreter.TaskRequest) answer

// answer is what a handler does with a task.
type answer struct {
	out  any              // the result, unless fail or wait
	fail *failure.Failure // the task fails
	wait bool             // no answer ever comes (a timeout, a heartbeat timeout or a stop ends the task)
	// after delays the answer: the task starts at once and ends this much
	// later, unless a timeout or a stop comes first.
	after time.Duration
	// unstarted leaves out TaskStarted: the call never reached a worker.
	unstarted bool
	// submit says that the call was accepted and its result comes later
	// (TaskSubmitted, with receipt as what the call answered).
	submit  bool
	receipt any
	// heartbeat sends a heartbeat every so often until the answer comes
	// (0: none).
	heartbeat time.Duration
}

// echo answers a task with its input.
func echo(req *interpreter.TaskRequest) answer { return answer{out: req.Input} }

// byResource routes each task to the handler of its resource's ARN, or to
// the one of "*"; a task of any other resource fails the test.
func byResource(tb testing.TB, handlers map[string]handler) handler {
	return func(req *interpreter.TaskRequest) answer {
		h := handlers[req.Resource.ARN]
		if h == nil {
			h = handlers["*"]
		}
		if h == nil {
			tb.Fatalf("no handler for the task of %s (resource %s)", req.StateName, req.Resource.ARN)
		}
		return h(req)
	}
}

// inputKind says what an input handed to an execution was.
type inputKind uint8

const (
	inStart inputKind = iota + 1
	inTimer
	inStarted
	inSubmitted
	inSucceeded
	inFailed
	inHeartbeat
	inStop
	inRedrive
)

var inputKindNames = [...]string{"", "start", "timer", "started", "submitted", "succeeded", "failed", "heartbeat", "stop", "redrive"}

func (k inputKind) String() string { return inputKindNames[k] }

// input is one entry of the journal: what was handed to the execution, when.
type input struct {
	kind inputKind
	at   time.Time
	id   int64 // the task's or the timer's
	data any   // the execution's input, or a task's result
	fail *failure.Failure
}

// apply hands one input to ex and returns a copy of the commands it gave.
func apply(ex *interpreter.Execution, in input) []interpreter.Command {
	var cmds []interpreter.Command
	switch in.kind {
	case inStart:
		cmds = ex.Start(in.data, in.at)
	case inTimer:
		cmds = ex.TimerFired(in.id, in.at)
	case inStarted:
		cmds = ex.TaskStarted(in.id, "", in.at)
	case inSubmitted:
		cmds = ex.TaskSubmitted(in.id, in.data, in.at)
	case inSucceeded:
		cmds = ex.TaskSucceeded(in.id, in.data, in.at)
	case inFailed:
		cmds = ex.TaskFailed(in.id, in.fail, in.at)
	case inHeartbeat:
		cmds, _ = ex.TaskHeartbeat(in.id, in.at)
	case inStop:
		cmds = ex.Stop(in.fail, in.at)
	case inRedrive:
		cmds = ex.Redrive(in.at)
	}
	return append([]interpreter.Command(nil), cmds...)
}

// dueKind says what comes due at a time.
type dueKind uint8

const (
	dueTimer     dueKind = iota + 1 // a timer the execution armed
	dueAnswer                       // a task's late answer
	dueHeartbeat                    // a task's heartbeat
)

type due struct {
	kind dueKind
	at   time.Time
	seq  int64 // order of arming, for things due at the same time
	id   int64 // the timer's or the task's
	ans  answer
}

// maxInputs bounds a run: an execution handed this many inputs is taken
// to never end.
const maxInputs = 200000

// harness drives one execution.
type harness struct {
	tb     testing.TB
	m      *machine.Machine
	cfg    interpreter.Config
	ex     *interpreter.Execution
	now    time.Time
	handle handler // nil: every task waits

	due     []due
	seq     int64
	journal []input
	// calls counts the tasks handed to the handler by their input (as
	// JSON).
	calls map[string]int
	// record, when set, is told each input and the commands it gave.
	record func(in input, cmds []interpreter.Command)
	// stopAt, when set, stops the execution at that time, unless it ends
	// before.
	stopAt time.Time
}

// defaultConfig is the configuration of the harness's executions.
func defaultConfig() interpreter.Config {
	return interpreter.Config{
		StateMachineName: "M", StateMachineARN: "arn:aws:states:us-east-1:123456789012:stateMachine:M",
		ExecutionName: "e1", RoleARN: "arn:aws:iam::123456789012:role/r", Region: "us-east-1",
	}
}

// compile loads and compiles a definition, failing the test on an error.
func compile(tb testing.TB, def string) *machine.Machine {
	tb.Helper()
	doc, diags := definition.Load([]byte(def), definition.Options{})
	if diags.HasErrors() {
		tb.Fatalf("invalid definition: %s", diags.Message())
	}
	m, err := machine.Compile(doc)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// newHarness prepares an execution of a definition (JSON or YAML) with
// the default configuration; tasks go to handle.
func newHarness(tb testing.TB, def string, handle handler) *harness {
	tb.Helper()
	return newHarnessOf(tb, compile(tb, def), defaultConfig(), handle)
}

// newHarnessOf prepares an execution of a compiled machine.
func newHarnessOf(tb testing.TB, m *machine.Machine, cfg interpreter.Config, handle handler) *harness {
	return &harness{tb: tb, m: m, cfg: cfg, ex: interpreter.New(m, cfg), now: epoch, handle: handle, calls: map[string]int{}}
}

// give hands an input to the execution at the harness's time, journals it,
// and returns the commands the execution gave.
func (h *harness) give(in input) []interpreter.Command {
	if len(h.journal) >= maxInputs {
		h.tb.Fatalf("the execution did not end after %d inputs", maxInputs)
	}
	in.at = h.now
	h.journal = append(h.journal, in)
	cmds := apply(h.ex, in)
	if p := h.ex.Panic; p != nil {
		// The execution contained it; a test must still see the bug.
		h.tb.Fatalf("the interpreter panicked: %v\n%s", p.Value, p.Stack)
	}
	if h.record != nil {
		h.record(in, cmds)
	}
	return cmds
}

// start begins the execution with an input (JSON) and runs it as far as
// it goes.
func (h *harness) start(in string) *harness {
	h.startWith(value.MustParse(in))
	return h
}

func (h *harness) startWith(v any) {
	h.settle(h.give(input{kind: inStart, data: v}))
}

// begin starts the execution with an input (JSON) but fires nothing that
// comes due later: the execution is left waiting.
func (h *harness) begin(in string) {
	h.carryOut(h.give(input{kind: inStart, data: value.MustParse(in)}))
}

// stop aborts the execution, as StopExecution does.
func (h *harness) stop(fl *failure.Failure) { h.settle(h.give(input{kind: inStop, fail: fl})) }

// redrive resumes the execution, as RedriveExecution does, and runs it as
// far as it goes.
func (h *harness) redrive() { h.settle(h.give(input{kind: inRedrive})) }

// advance moves the harness's time on (timers due on the way do not fire
// until the execution is next settled).
func (h *harness) advance(d time.Duration) { h.now = h.now.Add(d) }

// settle carries out commands, and those they lead to, until the execution
// ends or waits for nothing but tasks that never answer.
func (h *harness) settle(cmds []interpreter.Command) {
	for {
		h.carryOut(cmds)
		if h.ex.Done() {
			return
		}
		if !h.stopAt.IsZero() && (len(h.due) == 0 || h.due[h.first()].at.After(h.stopAt)) {
			if h.stopAt.After(h.now) {
				h.now = h.stopAt
			}
			h.stopAt = time.Time{}
			cmds = h.give(input{kind: inStop, fail: failure.New("Stopped", "stopped by the test")})
			continue
		}
		if len(h.due) == 0 {
			return
		}
		d := h.pop()
		if d.at.After(h.now) {
			h.now = d.at
		}
		switch d.kind {
		case dueTimer:
			cmds = h.give(input{kind: inTimer, id: d.id})
		case dueHeartbeat:
			cmds = h.give(input{kind: inHeartbeat, id: d.id})
			h.arm(due{kind: dueHeartbeat, at: h.now.Add(d.ans.heartbeat), id: d.id, ans: d.ans})
		case dueAnswer:
			h.drop(dueHeartbeat, d.id)
			cmds = h.deliver(d.id, d.ans)
		}
	}
}

// carryOut carries out commands, and those they lead to at once; what
// comes due later does not fire.
func (h *harness) carryOut(cmds []interpreter.Command) {
	for len(cmds) > 0 {
		var next []interpreter.Command
		for _, c := range cmds {
			next = append(next, h.carry(c)...)
		}
		cmds = next
	}
}

// carry carries out one command and returns the commands that follow
// from it.
func (h *harness) carry(c interpreter.Command) []interpreter.Command {
	switch c.Kind {
	case interpreter.StartTimer:
		h.arm(due{kind: dueTimer, at: c.At, id: c.ID})
	case interpreter.CancelTimer:
		h.drop(dueTimer, c.ID)
	case interpreter.CancelTask:
		h.drop(dueAnswer, c.ID)
		h.drop(dueHeartbeat, c.ID)
	case interpreter.RunTask:
		h.calls[value.String(c.Task.Input)]++
		a := answer{wait: true}
		if h.handle != nil {
			a = h.handle(c.Task)
		}
		var cmds []interpreter.Command
		if !a.unstarted {
			cmds = h.give(input{kind: inStarted, id: c.ID})
		}
		if a.submit {
			cmds = append(cmds, h.give(input{kind: inSubmitted, id: c.ID, data: a.receipt})...)
		}
		if a.heartbeat > 0 {
			h.arm(due{kind: dueHeartbeat, at: h.now.Add(a.heartbeat), id: c.ID, ans: a})
		}
		switch {
		case a.wait:
		case a.after > 0:
			h.arm(due{kind: dueAnswer, at: h.now.Add(a.after), id: c.ID, ans: a})
		default:
			cmds = append(cmds, h.deliver(c.ID, a)...)
		}
		return cmds
	}
	return nil
}

// deliver hands a task's answer to the execution.
func (h *harness) deliver(id int64, a answer) []interpreter.Command {
	if a.fail != nil {
		return h.give(input{kind: inFailed, id: id, fail: a.fail})
	}
	return h.give(input{kind: inSucceeded, id: id, data: a.out})
}

func (h *harness) arm(d due) {
	h.seq++
	d.seq = h.seq
	h.due = append(h.due, d)
}

func (h *harness) drop(kind dueKind, id int64) {
	for i, d := range h.due {
		if d.kind == kind && d.id == id {
			h.due = append(h.due[:i], h.due[i+1:]...)
			return
		}
	}
}

// first finds what comes due first: the earliest, then the first armed.
func (h *harness) first() int {
	best := 0
	for i, d := range h.due[1:] {
		b := h.due[best]
		if d.at.Before(b.at) || d.at.Equal(b.at) && d.seq < b.seq {
			best = i + 1
		}
	}
	return best
}

// pop takes what comes due first.
func (h *harness) pop() due {
	best := h.first()
	d := h.due[best]
	h.due = append(h.due[:best], h.due[best+1:]...)
	return d
}

// eventTypes lists the types of the history's events.
func (h *harness) eventTypes() []string {
	out := make([]string, 0, len(h.ex.Events))
	for _, e := range h.ex.Events {
		out = append(out, e.Type.String())
	}
	return out
}

// events is the history's event types, comma-separated.
func (h *harness) events() string { return strings.Join(h.eventTypes(), ",") }

func count(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}
