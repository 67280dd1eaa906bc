package interpreter

import (
	"github.com/baton-sh/baton/failure"
	"github.com/baton-sh/baton/machine"
	"github.com/baton-sh/baton/value"
)

// Inspector observes the decisions of an execution's states: the data
// after each step of their input and output processing, and how each
// state ends (it exits, it fails, a retrier or a catcher takes its
// failure). It is told; it decides nothing, and an inspected execution
// writes the same history as one that is not.
//
// Executions have none (Config.Inspector is nil) and then pay nothing for
// the seam. TestState's StateTest is one.
//
// Its methods are called synchronously while the interpreter decides, in
// the order it decides. The values they are given are shared with the
// execution: an Inspector must not change them, nor call the Execution.
// Every state of the execution is reported, those of branches and
// iterations included; st tells which.
type Inspector interface {
	// Data reports the data of state st after a processing step.
	Data(st *machine.State, step Step, v any)
	// Exited reports that st leaves with output for next (nil: its
	// branch, iteration or execution ends with it).
	Exited(st *machine.State, output any, next *machine.State)
	// Failed reports that st failed and that no retrier or catcher took
	// the failure: its branch, iteration or execution fails.
	Failed(st *machine.State, fl *failure.Failure)
	// Retrying reports that retrier i of st takes the failure: the state
	// runs again after backoff seconds.
	Retrying(st *machine.State, i int, fl *failure.Failure, backoff float64)
	// Caught reports that catcher i of st takes the failure; Exited (or
	// Failed, when the catcher's output cannot be made) follows.
	Caught(st *machine.State, i int, fl *failure.Failure)
}

// Step names a point of a state's input and output processing.
type Step uint8

const (
	StepInput               Step = iota + 1 // the raw input, as the state is entered
	StepAfterInputPath                      // JSONPath
	StepAfterParameters                     // JSONPath: the effective input (InputPath, then Parameters)
	StepAfterArguments                      // JSONata: the effective input
	StepResult                              // a Task's result, or the mocked result of a Task, Parallel or Map state
	StepAfterResultSelector                 // JSONPath; for a Pass state, its result
	StepAfterResultPath                     // JSONPath
	StepAfterItemsPath                      // a Map state's items
	// StepAfterItemSelector is the inputs of all a Map state's iterations,
	// reported when a mock stands in for them (an execution makes each
	// iteration's input as the iteration starts).
	StepAfterItemSelector
	StepMaxConcurrency             // a Map state's, when it sets one (a number)
	StepToleratedFailureCount      // a mocked or distributed Map state's, when it sets one (a number)
	StepToleratedFailurePercentage // likewise
	StepVariables                  // the variables in scope as the state exits or fails (when there are any)
)

var stepNames = [...]string{"", "Input", "AfterInputPath", "AfterParameters", "AfterArguments", "Result", "AfterResultSelector",
	"AfterResultPath", "AfterItemsPath", "AfterItemSelector", "MaxConcurrency", "ToleratedFailureCount", "ToleratedFailurePercentage", "Variables"}

// String names the step as AWS's inspection data does (afterInputPath...),
// capitalised.
func (s Step) String() string {
	if int(s) < len(stepNames) {
		return stepNames[s]
	}
	return "Step(" + itoa(int64(s)) + ")"
}

// inspect reports the current state's data after a step, when the
// execution has an inspector.
func (f *frame) inspect(s Step, v any) {
	if in := f.ex.cfg.Inspector; in != nil {
		in.Data(f.st, s, v)
	}
}

// inspectEnd reports the variables the current state leaves behind; the
// caller has checked that there is an inspector.
func (f *frame) inspectEnd(in Inspector) {
	if f.scope() != nil {
		in.Data(f.st, StepVariables, f.Variables())
	}
}

// inspectMap reports a Map state's items and limits; the caller has
// checked that there is an inspector.
func (f *frame) inspectMap(in Inspector, items []any, maxConc float64) {
	in.Data(f.st, StepAfterItemsPath, items)
	if f.st.MaxConcurrency.Set {
		in.Data(f.st, StepMaxConcurrency, value.Int(int64(maxConc)))
	}
}

// inspectTolerance reports a Map state's tolerated failures; the caller
// has checked that there is an inspector.
func (f *frame) inspectTolerance(in Inspector, count int64, pct float64) {
	if f.st.ToleratedFailureCount.Set {
		in.Data(f.st, StepToleratedFailureCount, value.Int(count))
	}
	if f.st.ToleratedFailurePercentage.Set {
		in.Data(f.st, StepToleratedFailurePercentage, value.Float(pct))
	}
}
