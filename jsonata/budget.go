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

// The memory bound.
//
// Steps are not memory: a string doubled 30 times costs 67 million steps
// (a step per 16 bytes copied) and takes a gigabyte. So an evaluation may
// also make Options.MaxMemory bytes of values (DefaultMaxMemory), counted
// from their sizes as they are made, before each is built where its size
// is known: the bytes of every string built (concatenated, joined,
// replaced, padded, written as JSON...), and every array, array item,
// object, object member, tuple and function value made (the constants
// below, about their size in memory). The count is a running total that
// is never given back: what an evaluation discards is not known without
// the garbage collector, which Baton does not read, so that the count
// depends on the expression and its input only and an evaluation repeated
// (a replay) fails at the same point. It bounds what the evaluation can
// hold at any moment, hence the process's memory, whatever the expression:
// working memory that a call uses and drops (the UTF-16 text of a string a
// regular expression searches, the arguments of a call) is not counted,
// being no larger than values already counted or given; nor is reading the
// input and variables, whose arrays are converted once per evaluation.
// Past the bound the evaluation fails with U1001 "Expression evaluation
// memory limit exceeded: Check for excessive memory usage", the words AWS
// Step Functions uses for its own memory limit.
//
// DefaultMaxMemory, 256 MiB, lets an expression make the largest value
// jsonata-js lets it make, [1..10000000] (240 MB counted here, 24 bytes an
// item), and bounds what an expression can make below the memory of a
// small machine. A caller that evaluates for others sets its own:
// Baton's state machines give JSONata 64 MiB (machine.JSONataMemory),
// nearer AWS's own limit. Building a value by repeated copies counts
// every copy: a $reduce that $merges one member at a time into an object
// of n members counts n²/2 members. Strings grown by &, groups gathered by
// a grouping expression and the items a wildcard or $spread gathers are
// not copied (they grow in place), and count about once.

// DefaultMaxMemory is the memory bound of an evaluation when
// Options.MaxMemory is zero, in bytes.
const DefaultMaxMemory = 256 << 20

// The sizes of values, in bytes.
const (
	memItem   = 16  // an item of an array; a value held by an interface
	memArray  = 48  // an array, without its items
	memObject = 96  // an object, without its members
	memMember = 32  // a member of an object: its key and its value
	memString = 16  // a string made, without its bytes
	memNumber = 8   // a number made into an item
	memTuple  = 64  // a tuple of a path that binds variables
	memFunc   = 256 // a function value, with the scope it holds
)

// memory returns the bytes an evaluation with these options may make.
func (o *Options) memory() int {
	switch {
	case o.MaxMemory > 0:
		return o.MaxMemory
	case o.MaxMemory < 0:
		return math.MaxInt / 2 // unbounded
	}
	return DefaultMaxMemory
}

// alloc counts n bytes of values made. An evaluator may be nil where a
// helper also serves outside evaluations.
func (ev *evaluator) alloc(n int) {
	if ev == nil {
		return
	}
	ev.mem -= n
	if ev.mem < 0 {
		ev.outOfMemory()
	}
}

// allocArray counts an array of n items.
func (ev *evaluator) allocArray(n int) { ev.alloc(memArray + n*memItem) }

// allocItems counts n items added to an array.
func (ev *evaluator) allocItems(n int) { ev.alloc(n * memItem) }

// allocObject counts an object of n members.
func (ev *evaluator) allocObject(n int) { ev.alloc(memObject + n*memMember) }

// allocString counts a string of n bytes.
func (ev *evaluator) allocString(n int) { ev.alloc(memString + n) }

// counted counts a string made, and returns it.
func (ev *evaluator) counted(s string) string {
	ev.allocString(len(s))
	return s
}

func (ev *evaluator) outOfMemory() {
	ev.mem = -1
	panic(memoryError())
}

func memoryError() *Error {
	e := newError("U1001")
	e.Message = errMemory
	return e
}

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

// set sets a member of an object, charging the members it moves and
// counting the member it adds.
func (ev *evaluator) set(m *ordered, key string, v any) {
	n := len(m.keys)
	if moved := m.set(key, v); moved > 0 {
		ev.chargeItems(moved)
	}
	if len(m.keys) > n {
		ev.alloc(memMember)
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
