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
	ex := New(st.Machine, cfg)
	ex.test = t
	t.Inspection.RetryIndex, t.Inspection.CatchIndex = -1, -1
	t.Inspection.Input.set(input)
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

// testExit ends a tested state that leaves with an output.
func (f *frame) testExit(output any, next *machine.State) {
	t := f.ex.test
	if t.Status == 0 {
		t.Status = TestSucceeded
	}
	t.Output.set(output)
	f.testVariables()
	if next != nil {
		t.Next = next.Name
	}
	f.ex.finish(Succeeded, output, nil)
}

// testFailed ends a tested state that failed.
func (f *frame) testFailed(fl *failure.Failure) {
	t := f.ex.test
	if t.Status == 0 {
		t.Status = TestFailed
	}
	t.Failure = fl
	f.testVariables()
	f.ex.finish(Failed, nil, fl)
}

// testVariables reports the variables the tested state leaves behind.
func (f *frame) testVariables() {
	if f.scope() != nil {
		f.ex.test.Inspection.Variables.set(f.Variables())
	}
}

// testRetry reports whether retrier i takes the failure, and if so ends the
// test with its verdict instead of waiting out the back-off.
func (f *frame) testRetry(i int, fl *failure.Failure) bool {
	t := f.ex.test
	r := &f.st.Retry[i]
	if int64(t.RetryCount) >= r.MaxAttempts {
		return false
	}
	delay := float64(r.IntervalSeconds) * math.Pow(r.BackoffRate, float64(t.RetryCount))
	if r.MaxDelaySeconds > 0 && delay > float64(r.MaxDelaySeconds) {
		delay = float64(r.MaxDelaySeconds)
	}
	t.Status = TestRetriable
	t.Inspection.RetryIndex = i
	t.Inspection.RetryBackoffSeconds = int64(delay)
	t.Failure = fl
	f.ex.finish(Failed, nil, fl)
	return true
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
	f.ex.test.Inspection.Result.set(m.Result)
	f.finishState(m.Result)
}

// testMap reports what a Map state would iterate over and with which
// limits, then answers from the mock.
func (f *frame) testMap(in any, items []any, maxConc float64, tc int64, pct float64) {
	st := f.st
	t := f.ex.test
	t.Inspection.AfterItemsPath.set(items)
	if st.MaxConcurrency.Set {
		t.Inspection.MaxConcurrency.set(value.Int(int64(maxConc)))
	}
	if st.ToleratedFailureCount.Set {
		t.Inspection.ToleratedFailureCount.set(value.Int(tc))
	}
	if st.ToleratedFailurePercentage.Set {
		t.Inspection.ToleratedFailurePercentage.set(value.Float(pct))
	}
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
		t.Inspection.AfterItemSelector.set(selected)
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
