package interpreter

import (
	"math"
	"time"

	"github.com/baton-sh/baton/failure"
	"github.com/baton-sh/baton/machine"
	"github.com/baton-sh/baton/value"
)

// This file runs one state on its own, as AWS's TestState API does: the
// state's input and output processing, its Choice rules, its work (or a
// mocked result in its place), and its Retry and Catch decided but not
// carried out. The execution ends when the state does; what would come
// next is reported, not run.

// TestStatus is the outcome of a tested state.
type TestStatus uint8

const (
	TestSucceeded   TestStatus = iota + 1 // the state ended with an output
	TestFailed                            // the state failed and nothing handled it
	TestRetriable                         // a retrier would run the state again
	TestCaughtError                       // a catcher handled the failure
)

var testStatusNames = [...]string{"", "SUCCEEDED", "FAILED", "RETRIABLE", "CAUGHT_ERROR"}

func (s TestStatus) String() string { return testStatusNames[s] }

// Data is an optional value: Set tells "absent" from JSON null.
type Data struct {
	Value any
	Set   bool
}

func (d *Data) set(v any) { d.Value, d.Set = v, true }

// Inspection is what a tested state did on the way to its outcome.
type Inspection struct {
	Input, AfterInputPath, AfterParameters Data
	AfterArguments                         Data // JSONata
	Result, AfterResultSelector            Data
	AfterResultPath                        Data
	AfterItemsPath, AfterItemSelector      Data
	MaxConcurrency, ToleratedFailureCount  Data
	ToleratedFailurePercentage             Data
	RetryIndex, CatchIndex                 int // -1: none
	RetryBackoffSeconds                    int64
	// Variables are the workflow variables after the state: those it was
	// given and those it assigned.
	Variables Data
}

// Mock stands in for a state's work: a Task's call, or every branch or
// iteration of a Parallel or Map state.
type Mock struct {
	Result  any
	Failure *failure.Failure // instead of Result
}

// StateTest configures a test of one state and receives its outcome.
type StateTest struct {
	Mock *Mock
	// RetryCount is how many times the retrier matching the error has
	// already retried the state.
	RetryCount int
	// MapIterationFailureCount is how many iterations of a Distributed
	// Map failed; the state fails when that exceeds its tolerance.
	MapIterationFailureCount int
	// Context replaces members of the context object (nil: the defaults).
	Context *value.Object
	// Variables are the workflow variables the state sees.
	Variables *value.Object

	// The outcome.
	Status     TestStatus
	Output     Data
	Next       string
	Failure    *failure.Failure
	Inspection Inspection
}

// TestState runs state st of its machine on input. The execution ends with
// the state; t holds the outcome. A Task without a mock asks its driver to
// run it, as any execution does.
func TestState(st *machine.State, input any, cfg Config, t *StateTest, now time.Time) (*Execution, []Command) {
	cfg.NoHistory = true
	cfg.Inspector = t
	ex := New(st.Machine, cfg)
	ex.test = t
	t.Inspection.RetryIndex, t.Inspection.CatchIndex = -1, -1
	ex.begin(now)
	ex.Input = input
	ex.StartTime = now
	ex.root = &ex.rootFrame
	*ex.root = frame{ex: ex, m: st.Machine, index: -1, vars: scopeOf(t.Variables)}
	ex.root.enter(st, input)
	ex.schedule(ex.root)
	ex.run()
	return ex, ex.cmds
}

// StateTest observes the tested state as an Inspector: what it reports is
// the test's outcome.
var _ Inspector = (*StateTest)(nil)

// Data records the data after a step.
func (t *StateTest) Data(_ *machine.State, step Step, v any) {
	if d := t.Inspection.at(step); d != nil {
		d.set(v)
	}
}

// Exited records the state's output and where it would go.
func (t *StateTest) Exited(_ *machine.State, output any, next *machine.State) {
	if t.Status == 0 {
		t.Status = TestSucceeded
	}
	t.Output.set(output)
	if next != nil {
		t.Next = next.Name
	}
}

// Failed records a failure that nothing handled.
func (t *StateTest) Failed(_ *machine.State, fl *failure.Failure) {
	if t.Status == 0 {
		t.Status = TestFailed
	}
	t.Failure = fl
}

// Retrying records the retrier that takes the failure, and its back-off.
func (t *StateTest) Retrying(_ *machine.State, i int, fl *failure.Failure, backoff float64) {
	t.Status = TestRetriable
	t.Inspection.RetryIndex = i
	t.Inspection.RetryBackoffSeconds = int64(backoff)
	t.Failure = fl
}

// Caught records the catcher that takes the failure.
func (t *StateTest) Caught(_ *machine.State, i int, fl *failure.Failure) {
	t.Status, t.Failure, t.Inspection.CatchIndex = TestCaughtError, fl, i
}

// at is where the data after a step is kept.
func (ins *Inspection) at(s Step) *Data {
	switch s {
	case StepInput:
		return &ins.Input
	case StepAfterInputPath:
		return &ins.AfterInputPath
	case StepAfterParameters:
		return &ins.AfterParameters
	case StepAfterArguments:
		return &ins.AfterArguments
	case StepResult:
		return &ins.Result
	case StepAfterResultSelector:
		return &ins.AfterResultSelector
	case StepAfterResultPath:
		return &ins.AfterResultPath
	case StepAfterItemsPath:
		return &ins.AfterItemsPath
	case StepAfterItemSelector:
		return &ins.AfterItemSelector
	case StepMaxConcurrency:
		return &ins.MaxConcurrency
	case StepToleratedFailureCount:
		return &ins.ToleratedFailureCount
	case StepToleratedFailurePercentage:
		return &ins.ToleratedFailurePercentage
	case StepVariables:
		return &ins.Variables
	}
	return nil
}

// The rest of this file is the seam through which TestState changes what
// the interpreter does, not only what it is told: each use of tested says
// why it must. A tested state
//   - starts with the retries its test says it has had (step);
//   - sees the context object its test gives (contextObject);
//   - ends the run at its exit, reporting Next without entering it (exit);
//   - reports a matching retrier without waiting out its back-off
//     (stateFailed);
//   - does not wait, if it is a Wait state (waitUntil);
//   - takes its mock in place of a Task's call or a Parallel or Map
//     state's branches or iterations (task, parallel, mapState).

// tested reports whether f is the frame of a TestState run: the only one,
// as TestState runs no branches or iterations.
func (f *frame) tested() bool { return f.ex.test != nil && f.parent == nil }

// testEntered gives a tested state the retries its test says it has had:
// each retrier counts them, and so does $$.State.RetryCount.
func (f *frame) testEntered() {
	n := f.ex.test.RetryCount
	f.retryCount = n
	if len(f.st.Retry) > 0 {
		f.attempts = make([]int64, len(f.st.Retry))
		for i := range f.attempts {
			f.attempts[i] = int64(n)
		}
	}
}

// testMock answers a Task, Parallel or Map state from the mock.
func (f *frame) testMock() {
	m := f.ex.test.Mock
	if m == nil {
		f.stateFailed(failure.New(failure.Runtime, "a "+f.st.TypeName()+" state is tested only with a mock"), false)
		return
	}
	if m.Failure != nil {
		f.stateFailed(m.Failure, false)
		return
	}
	f.inspect(StepResult, m.Result)
	f.finishState(m.Result)
}

// testMap reports what a Map state would give its iterations and with
// which tolerance, fails it when the test's failed iterations exceed that,
// then answers from the mock. tc and pct are a JSONata state's tolerance;
// a JSONPath state's is evaluated here (an execution evaluates it only for
// a distributed Map, once the map run starts).
func (f *frame) testMap(in any, items []any, maxConc float64, tc int64, pct float64) {
	st := f.st
	t := f.ex.test
	if !st.JSONata {
		var fl *failure.Failure
		if tc, pct, fl = f.tolerance(in); fl != nil {
			f.stateFailed(fl, false)
			return
		}
	}
	f.inspectMap(t, items, maxConc)
	f.inspectTolerance(t, tc, pct)
	if st.ItemSelector != nil || st.JItemSelector != nil {
		selected := make([]any, len(items))
		for i, item := range items {
			v, fl := f.itemInput(in, i, item)
			if fl != nil {
				f.stateFailed(fl, false)
				return
			}
			selected[i] = v
		}
		f.inspect(StepAfterItemSelector, selected)
	}
	if st.Distributed && t.MapIterationFailureCount > 0 {
		limit := tc
		if byPct := int64(math.Floor(pct / 100 * float64(len(items)))); byPct > limit {
			limit = byPct
		}
		if int64(t.MapIterationFailureCount) > limit {
			f.stateFailed(failure.New(failure.ExceedToleratedFailure, "The specified tolerated failure threshold was exceeded"), true)
			return
		}
	}
	f.testMock()
}

// testContext lays the members given for a test over the default context
// object, one level deep: {"State": {"Name": "X"}} changes only the name.
func testContext(def *value.Object, over *value.Object, st *machine.State, input any) *value.Object {
	if over == nil {
		if p := st.Machine.Parent; p != nil && p.Kind == machine.Map {
			// A state inside a Map runs as its first iteration.
			return def.With("Map", value.NewObject([]value.Member{{Key: "Item", Value: value.NewObject([]value.Member{
				{Key: "Index", Value: value.Int(0)}, {Key: "Value", Value: input},
			})}}))
		}
		return def
	}
	out := def
	for _, m := range over.Members() {
		base, _ := out.Get(m.Key)
		bo, ok1 := base.(*value.Object)
		mo, ok2 := m.Value.(*value.Object)
		if ok1 && ok2 {
			merged := bo
			for _, mm := range mo.Members() {
				merged = merged.With(mm.Key, mm.Value)
			}
			out = out.With(m.Key, merged)
			continue
		}
		out = out.With(m.Key, m.Value)
	}
	return out
}
