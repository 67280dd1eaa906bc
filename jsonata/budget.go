package jsonata

import "math"

// The work budget.
//
// An evaluation may do DefaultMaxSteps steps of work (Options.MaxSteps).
// The count depends on the expression and its input only, never on a clock,
// so that an evaluation repeated (a durable execution replaying its journal,
// say) succeeds or fails as it did the first time, on any machine. Work is
// charged as it is done, before the larger pieces of it, in proportion to
// its cost:
//
//   - evaluating a node of the expression: costNode;
//   - an array item or object member produced, visited, copied, compared
//     or sorted, by an operator, a path or a built-in function: costItem
//     (costRangeItem for an item the range operator makes, costNumber for a
//     number written as text);
//   - text built, copied, converted or searched: costItem per costBytes
//     bytes (so a one-byte string costs as an item);
//   - a step of a regular expression match: costRegex (see regexp.go).
//
// A step is about 10 ns of work on a 2025 server core, the costs being
// measured on the expressions of calib_test.go; DefaultMaxSteps is about 5
// seconds of such work, the limit AWS Step Functions sets. Past the budget
// the evaluation fails with U1001 "Expression evaluation timeout", the
// error jsonata-js raises past its time limit.

// DefaultMaxSteps is the work budget of an evaluation when Options.MaxSteps
// (and Options.Timeout) are zero: about 5 seconds of work.
const DefaultMaxSteps = 500_000_000

// StepsPerSecond converts the deprecated Options.Timeout into a budget.
const StepsPerSecond = DefaultMaxSteps / 5

// The costs of work, in steps.
const (
	costNode      = 4
	costItem      = 1
	costRangeItem = 4
	costNumber    = 16
	costBytes     = 32
	costRegex     = 1
)

// budget returns the number of steps an evaluation with these options may
// take.
func (o *Options) budget() int {
	switch {
	case o.MaxSteps > 0:
		return o.MaxSteps
	case o.MaxSteps < 0:
		return math.MaxInt / 2 // unbounded
	case o.Timeout > 0:
		return int(min(o.Timeout.Seconds()*StepsPerSecond, math.MaxInt/4))
	}
	return DefaultMaxSteps
}

// charge takes n steps from the budget. An evaluator may be nil where a
// helper also serves outside evaluations (MarshalJSON).
func (ev *evaluator) charge(n int) {
	if ev == nil {
		return
	}
	ev.left -= n
	if ev.left < 0 {
		ev.exhausted()
	}
}

// chargeItems charges n items.
func (ev *evaluator) chargeItems(n int) { ev.charge(n * costItem) }

// chargeBytes charges n bytes of text.
func (ev *evaluator) chargeBytes(n int) { ev.charge((n/costBytes + 1) * costItem) }

func (ev *evaluator) exhausted() {
	ev.left = -1
	panic(budgetError())
}

func budgetError() *Error {
	e := newError("U1001")
	e.Message = errTimeout
	return e
}
