package jsonata

import "math"

// The work budget.
//
// An evaluation may take Options.MaxSteps steps of work (DefaultMaxSteps).
// The count depends on the expression and its input only, never on a
// clock, so that an evaluation repeated (a durable execution replaying its
// journal, say) succeeds or fails as it did the first time, on any machine.
// Work is charged as it is done, before each large piece of it, in
// proportion to its cost (the constants below): every node of the
// expression evaluated and every function called; every array item or
// object member an operator, a path or a built-in function makes, visits,
// copies, compares or sorts (the range operator's items, objects and
// numbers written as text costing more); text copied, compared,
// transformed or searched, by the byte; the text an $eval parses; every
// instruction and backtrack of a regular expression match (regexp.go),
// and every match found. Converting the result (or an error's values) to
// the caller's model is charged too. So no step escapes the budget: work
// that the expression does not charge is bounded by work it does.
//
// The costs were measured with the evaluations of calib_test.go (run with
// BATON_CALIBRATE=1): most kinds of work then take 5 to 15 ns a step, a
// little more where millions of values are kept alive. A step is taken as
// 12.5 ns, and DefaultMaxSteps is 5 seconds of such work, the limit AWS
// Step Functions sets for an expression. Regular expression steps are
// charged above their cost (about 3 ns an instruction), so that
// catastrophic backtracking ends in a quarter of a second. Past the budget
// the evaluation fails with U1001 "Expression evaluation timeout: Check
// for infinite loop", jsonata-js's error past its time limit.

// DefaultMaxSteps is the work budget of an evaluation when Options.MaxSteps
// is zero: about 5 seconds of work, jsonata-js's and AWS's time limit.
const DefaultMaxSteps = 5 * StepsPerSecond

// StepsPerSecond is the number of steps taken as a second of work.
const StepsPerSecond = 80_000_000

// The costs of work, in steps.
const (
	costNode      = 6  // evaluating a node of the expression
	costCall      = 8  // calling a function
	costItem      = 1  // visiting an item or member
	costCopy      = 2  // copying an item into a new array
	costRangeItem = 8  // an item the range operator makes
	costObject    = 24 // making an object
	costNumber    = 32 // writing a number as text
	costBytes     = 16 // bytes of text copied or compared in a step
	costText      = 4  // bytes of text transformed or searched in a step
	costRegex     = 6  // a step of a regular expression match
	costMatch     = 32 // a match found, as an object
	costParse     = 40 // a byte of an expression $eval parses
)

// budget returns the number of steps an evaluation with these options may
// take.
func (o *Options) budget() int {
	switch {
	case o.MaxSteps > 0:
		return o.MaxSteps
	case o.MaxSteps < 0:
		return math.MaxInt / 2 // unbounded
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

// set sets a member of an object, charging the members it moves.
func (ev *evaluator) set(m *ordered, key string, v any) {
	if moved := m.set(key, v); moved > 0 {
		ev.chargeItems(moved)
	}
}

// chargeItems charges n items.
func (ev *evaluator) chargeItems(n int) { ev.charge(n * costItem) }

// chargeCopy charges n items copied.
func (ev *evaluator) chargeCopy(n int) { ev.charge(n * costCopy) }

// chargeBytes charges n bytes of text copied or compared.
func (ev *evaluator) chargeBytes(n int) { ev.charge(n/costBytes + 1) }

// chargeText charges n bytes of text transformed or searched.
func (ev *evaluator) chargeText(n int) { ev.charge(n/costText + 1) }

func (ev *evaluator) exhausted() {
	ev.left = -1
	panic(budgetError())
}

func budgetError() *Error {
	e := newError("U1001")
	e.Message = errTimeout
	return e
}
