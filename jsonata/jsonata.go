// Package jsonata evaluates JSONata 2.0 expressions (https://jsonata.org):
// the query and transformation language of JSON documents that AWS Step
// Functions adopted in 2024. It follows jsonata-js 2.0.6, the reference
// implementation, down to its error codes, and it is checked against that
// implementation's test suite.
//
// An expression is compiled once and evaluated many times, concurrently if
// need be:
//
//	e, err := jsonata.Compile(`Account.Order.Product[Price > 30].SKU`)
//	result, err := e.Evaluate(input, nil)
//
// Values use a plain model: nil is JSON null, then bool, float64 (or any
// type with a Float64() float64 method), string, []any, and objects: a
// *Map, a map[string]any, or any type implementing Object. An expression
// that yields nothing returns Undefined, which is also the input to pass
// for "no input". Results hold float64 numbers, []any arrays and *Map
// objects, unless an input value passes through unchanged.
//
// Evaluation is bounded: Options.MaxDepth limits the nesting of evaluation
// (recursion), Options.MaxSteps its work, counted in steps that depend on
// the expression and its input only (about 5 seconds of work by default,
// regular expression matches included: see DefaultMaxSteps), and
// Options.MaxMemory the values it makes, counted in bytes from their sizes
// as they are made (256 MiB by default: see DefaultMaxMemory); past a limit
// the evaluation fails with code U1001. No limit reads a clock or the
// memory statistics of the process, so the same expression on the same
// input always succeeds or fails the same way.
//
// Regular expressions are JavaScript's (without the u flag), run by the
// package's own backtracking engine.
package jsonata

import (
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"sync"
	"time"
)

// DefaultMaxDepth is the evaluation depth allowed when Options.MaxDepth is
// zero.
const DefaultMaxDepth = 10000

// Expression is a compiled JSONata expression. It is safe for concurrent
// use.
type Expression struct {
	src  string
	root *node
}

// Compile parses a JSONata expression. A syntax error is an *Error with an
// S0xxx code.
func Compile(src string) (*Expression, error) {
	root, err := parse(src)
	if err != nil {
		return nil, err
	}
	boxNumbers(root)
	return &Expression{src: src, root: root}, nil
}

// boxNumbers stores each number literal as an interface value, so that
// evaluating it does not allocate.
func boxNumbers(n *node) {
	if n == nil {
		return
	}
	if n.kind == kNumber {
		n.val = n.num
	}
	for _, k := range []*node{n.lhs, n.rhs, n.proc, n.body, n.cond, n.then, n.els, n.pattern, n.update, n.del} {
		boxNumbers(k)
	}
	for _, list := range [][]*node{n.steps, n.exprs, n.args} {
		for _, k := range list {
			boxNumbers(k)
		}
	}
	for _, p := range n.pairs {
		boxNumbers(p[0])
		boxNumbers(p[1])
	}
	if n.group != nil {
		for _, p := range n.group.pairs {
			boxNumbers(p[0])
			boxNumbers(p[1])
		}
	}
	for _, t := range n.terms {
		boxNumbers(t.expr)
	}
	for _, st := range n.predicate {
		boxNumbers(st.expr)
	}
	for _, st := range n.stages {
		boxNumbers(st.expr)
	}
}

// MustCompile is Compile for expressions known to be valid.
func MustCompile(src string) *Expression {
	e, err := Compile(src)
	if err != nil {
		panic(err)
	}
	return e
}

// NamePath reports whether the expression only reads a variable and names
// in it, one after the other ($order.customer.name gives "order" and
// [customer name]), so that a caller whose values are objects may read it
// itself: the value is what the names select, step by step, from a single
// object each time; a name selects nothing from a string, number, boolean
// or null; and the expression must be evaluated when a step meets an
// array, which JSONata maps over.
func (e *Expression) NamePath() (variable string, names []string, ok bool) {
	n := e.root
	if n.kind == kVariable && n.op != "" && n.op != "$" && !n.keepArray && !n.tuple && !n.hasFocus && !n.hasIndex &&
		len(n.predicate) == 0 && len(n.stages) == 0 && n.group == nil {
		return n.op, nil, true
	}
	if !plainNames(n) || n.steps[0].kind != kVariable || n.steps[0].op == "$" {
		return "", nil, false
	}
	names = make([]string, len(n.steps)-1)
	for i, step := range n.steps[1:] {
		names[i] = step.op
	}
	return n.steps[0].op, names, true
}

// String returns the expression's source.
func (e *Expression) String() string { return e.src }

// Options bound and extend one evaluation.
type Options struct {
	// Bindings are variables bound before evaluation, by name without the
	// '$'. Values are in the API model; a *Function is a function.
	Bindings map[string]any
	// MaxDepth bounds the nesting of evaluation (DefaultMaxDepth if zero).
	MaxDepth int
	// MaxSteps bounds the work of the evaluation, counted in steps
	// (StepsPerSecond of them are about a second of work): DefaultMaxSteps
	// if zero, no limit if negative. The count depends only on the
	// expression and its input, so an evaluation succeeds or fails the
	// same way every time, on any machine.
	MaxSteps int
	// MaxMemory bounds the values the evaluation makes, in bytes counted
	// from their sizes as they are made (see DefaultMaxMemory): the
	// default if zero, no limit if negative. Like MaxSteps, the count
	// depends only on the expression and its input.
	MaxMemory int
	// Now is the time $now() and $millis() report (the time of the call
	// if zero).
	Now time.Time
	// Random replaces the source of $random() and $shuffle() (a value in
	// [0, 1)).
	Random func() float64
	// Builder, if set, builds the result's values in the caller's own
	// model instead of []any and *Map.
	Builder Builder
	// Env holds bindings made once for many evaluations, such as extra
	// functions; Bindings and Vars shadow them, and they shadow the
	// built-in functions.
	Env *Env
	// Vars resolves variables on demand, by name without the '$', before
	// Env and the built-in functions; values are in the API model.
	Vars func(name string) (any, bool)
}

// Env is a set of bindings made once and shared, read-only, by many
// evaluations (see Options.Env). A binding to Undefined hides a built-in
// function.
type Env struct {
	f *frame
}

// NewEnv makes an Env from bindings in the API model; a *Function is a
// function.
func NewEnv(bindings map[string]any) *Env {
	f := newFrame(rootFrame)
	for name, v := range bindings {
		if fn, ok := v.(*Function); ok {
			f.bind(name, fn.b)
			continue
		}
		f.bind(name, in(v))
	}
	return &Env{f: f}
}

// IsFunction reports whether a value (of the API model) is a function.
func IsFunction(v any) bool { return isFunction(v) }

// A Builder builds result values in a caller's model. Values it receives
// are already built; numbers are float64. It must not change or keep the
// slices it is given.
type Builder interface {
	Null() any
	Number(f float64) any
	Array(items []any) any
	Object(keys []string, values []any) any
}

// An Adopter is a Builder that converts values of the caller's own that
// reach a result unchanged (an object given as input or through
// Options.Vars, for one), for a caller whose objects are not all in its
// result model.
type Adopter interface {
	Adopt(v any) any
}

// Function is a native function an expression can call, bound through
// Options.Bindings or an Env.
type Function struct {
	b *builtin
}

// Context is what a native function sees of the evaluation calling it. It
// is valid only during the call: evaluations reuse what it refers to.
type Context struct {
	ev *evaluator
}

// Random returns a number in [0, 1) from the evaluation's source
// (Options.Random).
func (c *Context) Random() float64 { return c.ev.rand() }

// Now returns the evaluation's time (Options.Now).
func (c *Context) Now() time.Time { return c.ev.now }

// Charge takes steps from the evaluation's work budget (Options.MaxSteps),
// which a function doing work in proportion to its arguments should do as
// it goes: about one step per item it visits, two per item it copies,
// about 24 for an object it makes, and one per 16 bytes of text it copies or
// 4 bytes it transforms. Past the budget it fails the evaluation (U1001):
// it does not return.
func (c *Context) Charge(steps int) { c.ev.charge(max(steps, 0)) }

// Alloc counts bytes of values the function makes against the
// evaluation's memory bound (Options.MaxMemory), before it makes them:
// about 16 bytes an array item, 32 an object member, 100 an object, and
// the bytes of a string. The top level of the function's result is
// counted for it (an array's items, a string's bytes); what it builds
// below that, it should count. Past the bound it fails the evaluation
// (U1001): it does not return.
func (c *Context) Alloc(bytes int) { c.ev.alloc(max(bytes, 0)) }

// NewFunction makes a native function. The signature uses JSONata's
// notation (for example "<n-n?:n>"; empty for none) and arity is the number
// of parameters higher-order functions such as $map pass it. fn receives the
// arguments in the API model (Undefined where one was not given) and may
// return an *Error; Undefined as its result is no value. A call is charged
// to the evaluation's budget in proportion to the size of its arguments
// and of its result (an array's items, a string's bytes); a function that
// does more work than that should charge it (Context.Charge).
func NewFunction(name, signature string, arity int, fn func(c *Context, args []any) (any, error)) (*Function, error) {
	b := &builtin{name: name}
	if signature != "" {
		sig, err := parseSignature(signature)
		if err != nil {
			return nil, err
		}
		b.sig = sig
	}
	for i := range arity {
		b.params = append(b.params, fmt.Sprintf("arg%d", i))
	}
	b.fn = func(c *call, args []any) any {
		// The function's own work is charged in proportion to its
		// arguments and result, unless it charges more itself.
		pub := make([]any, len(args))
		for i, a := range args {
			pub[i] = outCharged(c.ev, a)
			if s, ok := a.(string); ok {
				c.ev.chargeText(len(s))
			}
		}
		res, err := fn(&Context{ev: c.ev}, pub)
		if err != nil {
			if e, ok := err.(*Error); ok {
				panic(e)
			}
			panic(&Error{Code: "D3137", Message: err.Error()})
		}
		if res == Undefined {
			return nil
		}
		switch r := res.(type) {
		case []any:
			c.ev.allocArray(len(r))
			c.ev.chargeCopy(len(r))
		case string:
			c.ev.allocString(len(r))
			c.ev.chargeBytes(len(r))
		}
		return c.ev.inMade(res)
	}
	return &Function{b: b}, nil
}

var rootFrame = &frame{global: builtins}

// Evaluate evaluates the expression against input (Undefined for none).
// Errors are *Error, with jsonata-js's codes.
func (e *Expression) Evaluate(input any, opts *Options) (result any, err error) {
	return e.evaluate(input, opts, nil)
}

// usage is what an evaluation took: steps of work and bytes of values.
type usage struct {
	steps, bytes int
}

// evaluate is Evaluate, reporting in *used (if not nil) what it took.
func (e *Expression) evaluate(input any, opts *Options, used *usage) (result any, err error) {
	if opts == nil {
		opts = &Options{}
	}
	st := statePool.Get().(*evalState)
	ev := &st.ev
	budget, memory := opts.budget(), opts.memory()
	*ev = evaluator{maxDepth: opts.MaxDepth, now: opts.Now, rand: opts.Random, opts: opts, left: budget, mem: memory, calls: st.ev.calls[:0]}
	if ev.maxDepth == 0 {
		ev.maxDepth = DefaultMaxDepth
	}
	if ev.now.IsZero() {
		ev.now = time.Now()
	}
	if ev.rand == nil {
		ev.rand = rand.Float64
	}
	parent := rootFrame
	if opts.Env != nil {
		parent = opts.Env.f
	}
	env := &st.env
	*env = frame{parent: parent, names: st.names[:0], vals: st.vals[:0], vars: opts.Vars, ev: ev}
	for name, v := range opts.Bindings {
		if f, ok := v.(*Function); ok {
			env.bind(name, f.b)
			continue
		}
		env.bind(name, ev.in(v))
	}
	var inner any
	if input != Undefined {
		inner = ev.in(input)
	}
	env.bind("$", inner)
	if a, ok := inner.(*array); ok && !a.seq {
		inner = &array{items: []any{a}, seq: true, outerWrapper: true}
	}
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(*Error); ok {
				ev.attribute(e, 0)
				result, err = nil, ev.finish(e)
			} else {
				result, err = nil, &Error{Code: "U1002", Message: fmt.Sprintf("internal error: %v\n%s", r, debug.Stack())}
			}
		}
		if used != nil {
			used.steps = budget - max(ev.left, 0)
			used.bytes = memory - max(ev.mem, 0)
		}
		st.release()
	}()
	v := ev.eval(e.root, inner, env)
	if opts.Builder != nil {
		return buildDepth(ev, v, opts.Builder, 0), nil
	}
	return outCharged(ev, v), nil
}

// finish converts an error's values within what remains of the budget:
// past it, the error is the budget's.
func (ev *evaluator) finish(e *Error) (res *Error) {
	defer func() {
		if r := recover(); r != nil {
			be, ok := r.(*Error)
			if !ok {
				panic(r)
			}
			res = be
		}
	}()
	e.finish(ev)
	return e
}

// evalState is what every evaluation needs, in one piece that evaluations
// reuse.
type evalState struct {
	ev    evaluator
	env   frame
	names [1]string
	vals  [1]any
}

var statePool = sync.Pool{New: func() any { return new(evalState) }}

// release returns the state to the pool, unless a function made during the
// evaluation may still hold its frame.
func (st *evalState) release() {
	if st.ev.closures {
		return
	}
	clear(st.ev.calls[:cap(st.ev.calls)])
	calls := st.ev.calls[:0]
	st.ev = evaluator{calls: calls}
	st.env = frame{}
	st.names, st.vals = [1]string{}, [1]any{}
	statePool.Put(st)
}

func buildDepth(ev *evaluator, v any, b Builder, d int) any {
	checkDepth(d)
	switch t := v.(type) {
	case nil:
		return Undefined
	case nullType:
		return b.Null()
	case float64:
		ev.alloc(memItem) // a number in the caller's model
		return b.Number(t)
	case *array:
		ev.chargeCopy(len(t.items))
		ev.allocArray(len(t.items))
		items := make([]any, 0, len(t.items))
		for _, x := range t.items {
			if x != nil {
				items = append(items, buildDepth(ev, x, b, d+1))
			}
		}
		return b.Array(items)
	case *object:
		ev.charge(2*costObject + len(t.keys)*costCopy)
		ev.allocObject(len(t.keys))
		keys := t.keys // shared when no member is undefined
		vals := make([]any, 0, len(t.keys))
		for i, v := range t.vals {
			if v == nil {
				if len(vals) == i {
					keys = append([]string(nil), t.keys[:i]...)
				}
				continue
			}
			if len(keys) != len(t.keys) {
				keys = append(keys, t.keys[i])
			}
			vals = append(vals, buildDepth(ev, v, b, d+1))
		}
		return b.Object(keys, vals)
	case *tuple:
		return buildDepth(ev, t.at, b, d)
	}
	if a, ok := b.(Adopter); ok {
		return a.Adopt(v)
	}
	return v
}
