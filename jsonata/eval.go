package jsonata

import (
	"math"
	"strings"
	"time"
)

// The evaluator follows jsonata-js 2.0 function by function; the comments
// name the jsonata-js behaviours that are easy to get wrong.

type evaluator struct {
	// calls are the function calls in progress, innermost last. An error
	// raised without a token is attributed to the innermost one, as
	// jsonata-js's handlers do; the stack is read where the error is
	// caught, so that errors need not be caught and raised again on the
	// way out (which costs time quadratic in the depth).
	calls    []callSite
	depth    int
	maxDepth int
	// left is what remains of the work budget, in steps, and mem of the
	// memory bound, in bytes (see budget.go).
	left int
	mem  int
	// convs are the caller's arrays converted so far (see inArray),
	// indexed once there are many.
	convs     []conversion
	convIndex map[conversion]*array
	// cat holds the last long string & made, to grow in place (concat).
	cat  strings.Builder
	now  time.Time // the timestamp of this evaluation, for $now and $millis
	rand func() float64
	opts *Options
	// closures is set once the evaluation makes a function that holds
	// its frames, which then must not be reused.
	closures bool
}

type callSite struct {
	name string
	pos  int
}

// attribute completes an error caught at the end of an evaluation or of an
// $eval: the token and position of the innermost call in progress when it
// was raised.
func (ev *evaluator) attribute(e *Error, depth int) {
	if len(ev.calls) > depth && e.Code != "U1001" {
		top := ev.calls[len(ev.calls)-1]
		if e.Token == "" {
			e.Token = top.name
		}
		if e.Position == 0 {
			e.Position = top.pos
		}
	}
	ev.calls = ev.calls[:depth]
}

// frame is a scope of variable bindings.
type frame struct {
	parent *frame
	names  []string
	vals   []any
	global map[string]any // the root frame's built-in functions
	// vars resolves the caller's variables (Options.Vars) in an
	// evaluation's top frame, which converts them for ev.
	vars func(name string) (any, bool)
	ev   *evaluator
}

func newFrame(parent *frame) *frame { return &frame{parent: parent} }

func (f *frame) bind(name string, v any) {
	for i, n := range f.names {
		if n == name {
			f.vals[i] = v
			return
		}
	}
	f.names = append(f.names, name)
	f.vals = append(f.vals, v)
}

func (f *frame) lookup(name string) any {
	for e := f; e != nil; e = e.parent {
		for i := len(e.names) - 1; i >= 0; i-- {
			if e.names[i] == name {
				return e.vals[i]
			}
		}
		if e.vars != nil {
			if v, ok := e.vars(name); ok {
				return e.ev.in(v)
			}
		}
		if e.global != nil {
			if v, ok := e.global[name]; ok {
				return v
			}
		}
	}
	return nil
}

func frameFromTuple(env *frame, t *tuple) *frame {
	f := &frame{parent: env, names: make([]string, 0, len(t.names)+1), vals: make([]any, 0, len(t.names)+1)}
	f.names = append(f.names, "@")
	f.vals = append(f.vals, t.at)
	f.names = append(f.names, t.names...)
	f.vals = append(f.vals, t.vals...)
	return f
}

// Lambda is a function value: a lambda expression closed over its scope, a
// partial application, or a pending tail call.
type Lambda struct {
	input  any
	env    *frame
	params []string
	sig    *signature
	body   *node
	thunk  bool
	native *builtin // a partially applied built-in function
}

func (ev *evaluator) enter(n *node) {
	ev.depth++
	if ev.maxDepth > 0 && ev.depth > ev.maxDepth {
		e := newError("U1001").at(n.pos)
		e.Message = errDepth
		panic(e)
	}
	ev.left -= costNode
	if ev.left < 0 {
		ev.left = -1
		panic(budgetError().at(n.pos))
	}
}

func (ev *evaluator) eval(n *node, input any, env *frame) any {
	ev.enter(n)
	var result any
	switch n.kind {
	case kPath:
		result = ev.evalPath(n, input, env)
	case kBinary:
		result = ev.evalBinary(n, input, env)
	case kNegate:
		v := ev.eval(n.lhs, input, env)
		if v != nil {
			if !isNumeric(v) {
				panic(newError("D1002", v).withToken("-").at(n.pos))
			}
			f, _ := num(v)
			result = -f
		}
	case kArray:
		result = ev.evalArray(n, input, env)
	case kObject:
		result = ev.evalGroup(n.pairs, n.pos, input, env)
	case kName:
		result = ev.lookupField(input, n.op)
	case kString:
		result = n.op
	case kNumber:
		if n.val != nil {
			result = n.val // boxed once, at compile time
		} else {
			result = n.num
		}
	case kValue:
		result = n.val
	case kWildcard:
		result = ev.evalWildcard(input)
	case kDescendant:
		result = ev.evalDescendants(input)
	case kParent:
		result = env.lookup(n.slot.label)
	case kCondition:
		if ev.truthy(ev.eval(n.cond, input, env)) {
			result = ev.eval(n.then, input, env)
		} else if n.els != nil {
			result = ev.eval(n.els, input, env)
		}
	case kBlock:
		f := newFrame(env)
		for _, e := range n.exprs {
			result = ev.eval(e, input, f)
		}
	case kBind:
		result = ev.eval(n.rhs, input, env)
		env.bind(n.lhs.op, result)
	case kRegex:
		result = &regexFunc{re: n.re}
	case kFunction:
		result = ev.evalFunction(n, input, env, nil, false)
	case kVariable:
		if n.op == "" {
			if a, ok := input.(*array); ok && a.outerWrapper {
				result = a.items[0]
			} else {
				result = input
			}
		} else {
			result = env.lookup(n.op)
		}
	case kLambda:
		ev.closures = true
		if !n.thunk { // a tail call's thunk is gone as soon as it is made
			ev.alloc(memFunc)
		}
		result = &Lambda{input: input, env: env, params: n.params, sig: n.sig, body: n.body, thunk: n.thunk}
	case kPartial:
		result = ev.evalPartial(n, input, env)
	case kApply:
		result = ev.evalApply(n, input, env)
	case kTransform:
		result = ev.evalTransform(n, env)
	case kSort:
		// only as a step of a path
		if a, ok := input.(*array); ok {
			result = ev.evalSort(n, a, env)
		} else {
			result = ev.evalSort(n, newSeq(input), env)
		}
	}
	for _, p := range n.predicate {
		result = ev.filter(p.expr, result, env)
	}
	if n.kind != kPath && n.group != nil {
		result = ev.evalGroup(n.group.pairs, n.group.pos, result, env)
	}
	ev.depth--
	if a, ok := result.(*array); ok && a.seq && !a.tupleStream {
		if n.keepArray {
			a.keepSingleton = true
		}
		switch len(a.items) {
		case 0:
			result = nil
		case 1:
			if !a.keepSingleton {
				result = a.items[0]
			}
		}
	}
	return result
}

func (ev *evaluator) evalPath(n *node, input any, env *frame) any {
	if v, ok := ev.namePath(n, input, env); ok {
		return v
	}
	var inputSeq *array
	if a, ok := input.(*array); ok && n.steps[0].kind != kVariable {
		inputSeq = a
	} else {
		inputSeq = newSeq(input)
	}
	var resultSeq any
	isTuple := false
	var tuples *array
	for ii, step := range n.steps {
		if step.tuple {
			isTuple = true
		}
		if ii == 0 && step.consArray {
			resultSeq = ev.eval(step, inputSeq, env)
		} else if isTuple {
			tuples = ev.evalTupleStep(step, inputSeq, tuples, env)
		} else {
			resultSeq = ev.evalStep(step, inputSeq, env, ii == len(n.steps)-1)
		}
		if !isTuple {
			a, ok := resultSeq.(*array)
			if !ok || len(a.items) == 0 {
				if !ok && resultSeq != nil && ii == len(n.steps)-1 {
					break
				}
				if !ok {
					resultSeq = nil
				}
				break
			}
		}
		if !step.hasFocus {
			if a, ok := resultSeq.(*array); ok {
				inputSeq = a
			}
		}
	}
	if isTuple {
		if n.tuple {
			resultSeq = tuples
		} else {
			ev.chargeItems(len(tuples.items))
			ev.allocArray(len(tuples.items))
			s := &array{seq: true, items: make([]any, 0, len(tuples.items))}
			for _, t := range tuples.items {
				s.items = append(s.items, t.(*tuple).at)
			}
			resultSeq = s
		}
	}
	if n.keepSingletonArray {
		a, ok := resultSeq.(*array)
		if ok && a.cons && !a.seq {
			ev.allocArray(1)
			a = newSeq(a)
		}
		if ok {
			a.keepSingleton = true
			resultSeq = a
		}
	}
	if n.group != nil {
		if isTuple {
			resultSeq = ev.evalGroup(n.group.pairs, n.group.pos, tuples, env)
		} else {
			resultSeq = ev.evalGroup(n.group.pairs, n.group.pos, resultSeq, env)
		}
	}
	return resultSeq
}

// namePath is a short way through the commonest path: a variable or a
// name followed by names, each applied to a single object, as in
// $states.input.order.id. Sequences never form along it, so it returns the
// value the last name selects, which is what the general path gives: a
// single result is not wrapped, and an array the last step selects is
// returned as it is. It declines (ok false) anything else, including a
// path that meets an array on the way.
func (ev *evaluator) namePath(n *node, input any, env *frame) (v any, ok bool) {
	if !plainNames(n) || ev.maxDepth > 0 && ev.depth+1 > ev.maxDepth {
		return nil, false
	}
	cur := input
	for i, step := range n.steps {
		if i == 0 && step.kind == kVariable {
			cur = env.lookup(step.op)
			continue
		}
		switch t := cur.(type) {
		case nil:
			return nil, true
		case *array, *tuple:
			return nil, false
		case Object:
			cur, _ = ev.get(t, step.op)
		default:
			return nil, true // a name selects nothing from a string, number, boolean, null or function
		}
	}
	if a, isArr := cur.(*array); isArr && (a.seq || len(n.steps) == 1) {
		return nil, false // a sequence is flattened by the general path's rules
	}
	return cur, true
}

// plainNames reports whether a path is a variable or a name followed by
// names, with nothing else on its steps (no predicate, stage, binding,
// grouping or [] to keep arrays).
func plainNames(n *node) bool {
	if n.kind != kPath || n.keepSingletonArray || n.group != nil {
		return false
	}
	for i, step := range n.steps {
		if step.kind != kName && (i > 0 || step.kind != kVariable || step.op == "") ||
			step.keepArray || step.consArray || step.tuple || step.hasFocus || step.hasIndex ||
			step.ancestor != nil || len(step.predicate) > 0 || len(step.stages) > 0 {
			return false
		}
	}
	return true
}

func (ev *evaluator) evalStep(step *node, input *array, env *frame, last bool) any {
	if step.kind == kSort {
		var result any = ev.evalSort(step, input, env)
		if step.stages != nil {
			result = ev.evalStages(step.stages, result, env)
		}
		return result
	}
	result := make([]any, 0, len(input.items))
	for _, item := range input.items {
		res := ev.eval(step, item, env)
		for _, st := range step.stages {
			if st.filter {
				res = ev.filter(st.expr, res, env)
			}
		}
		if res != nil {
			result = append(result, res)
		}
	}
	if last && len(result) == 1 {
		if a, ok := result[0].(*array); ok && !a.seq {
			return a
		}
	}
	n := len(result)
	for _, res := range result {
		if a, ok := res.(*array); ok && !a.cons {
			n += len(a.items) - 1
		}
	}
	ev.allocArray(n)
	out := &array{seq: true, items: make([]any, 0, n)}
	for _, res := range result {
		if a, ok := res.(*array); ok && !a.cons {
			ev.chargeCopy(len(a.items))
			out.items = append(out.items, a.items...)
		} else {
			out.items = append(out.items, res)
		}
	}
	return out
}

func (ev *evaluator) evalStages(stages []*stage, input any, env *frame) any {
	result := input
	for _, st := range stages {
		if st.filter {
			result = ev.filter(st.expr, result, env)
			continue
		}
		if a, ok := result.(*array); ok {
			ev.chargeItems(len(a.items))
			for i, t := range a.items {
				if tt, ok := t.(*tuple); ok {
					tt.set(st.index, float64(i))
				}
			}
		}
	}
	return result
}

func (ev *evaluator) evalTupleStep(step *node, input *array, tuples *array, env *frame) *array {
	if step.kind == kSort {
		var result any
		if tuples != nil {
			result = ev.evalSort(step, tuples, env)
		} else {
			sorted := ev.evalSort(step, input, env)
			ev.chargeItems(len(sorted.items))
			ev.alloc(memArray + len(sorted.items)*(memItem+memTuple))
			r := &array{seq: true, tupleStream: true, items: make([]any, 0, len(sorted.items))}
			for i, v := range sorted.items {
				t := &tuple{at: v}
				if step.hasIndex {
					t.set(step.index, float64(i))
				}
				r.items = append(r.items, t)
			}
			result = r
		}
		if step.stages != nil {
			result = ev.evalStages(step.stages, result, env)
		}
		return asTupleArray(result)
	}
	result := &array{seq: true, tupleStream: true}
	if tuples == nil {
		ev.chargeItems(len(input.items))
		ev.alloc(memArray + len(input.items)*(memItem+memTuple))
		tuples = &array{seq: true, tupleStream: true, items: make([]any, len(input.items))}
		for i, item := range input.items {
			tuples.items[i] = &tuple{at: item}
		}
	}
	for _, tb := range tuples.items {
		t := tb.(*tuple)
		ev.chargeItems(len(t.names))
		res := ev.eval(step, t.at, frameFromTuple(env, t))
		if res == nil {
			continue
		}
		var items []any
		resTuples := false
		if a, ok := res.(*array); ok {
			items = a.items
			resTuples = a.tupleStream
		} else {
			items = []any{res}
		}
		ev.chargeItems(len(items) * (1 + len(t.names)))
		ev.alloc(len(items) * (memItem + memTuple + (len(t.names)+1)*memMember))
		for bb, r := range items {
			nt := t.clone()
			if resTuples {
				rt := r.(*tuple)
				nt.at = rt.at
				for i, name := range rt.names {
					nt.set(name, rt.vals[i])
				}
			} else {
				if step.hasFocus && step.focus != "" {
					nt.set(step.focus, r)
				} else {
					nt.at = r
				}
				if step.hasIndex && step.index != "" {
					nt.set(step.index, float64(bb))
				}
				if step.ancestor != nil {
					nt.set(step.ancestor.label, t.at)
				}
			}
			result.items = append(result.items, nt)
		}
	}
	if step.stages != nil {
		return asTupleArray(ev.evalStages(step.stages, result, env))
	}
	return result
}

func asTupleArray(v any) *array {
	switch t := v.(type) {
	case *array:
		return t
	case nil:
		return &array{seq: true, tupleStream: true}
	}
	return &array{seq: true, tupleStream: true, items: []any{v}}
}

func (ev *evaluator) filter(pred *node, input any, env *frame) any {
	results := &array{seq: true}
	in, ok := input.(*array)
	if ok && in.tupleStream {
		results.tupleStream = true
	}
	if !ok {
		in = newSeq(input)
	}
	if pred.kind == kNumber {
		index := int(math.Floor(pred.num))
		if index < 0 {
			index += len(in.items)
		}
		if index >= 0 && index < len(in.items) {
			item := in.items[index]
			if item != nil {
				if a, ok := item.(*array); ok {
					return a
				}
				results.items = append(results.items, item)
			}
		}
		return results
	}
	for index, item := range in.items {
		context, fenv := item, env
		if in.tupleStream {
			t := item.(*tuple)
			ev.chargeItems(len(t.names))
			context, fenv = t.at, frameFromTuple(env, t)
		}
		res := ev.eval(pred, context, fenv)
		if isNumeric(res) {
			res = &array{items: []any{res}}
		}
		if a, ok := res.(*array); ok && ev.arrayOfNumbers(a) {
			for _, ires := range a.items {
				f, _ := num(ires)
				ii := int(math.Floor(f))
				if ii < 0 {
					ii += len(in.items)
				}
				if ii == index {
					results.items = append(results.items, item)
				}
			}
		} else if ev.truthy(res) {
			results.items = append(results.items, item)
		}
	}
	ev.allocArray(len(results.items))
	return results
}

func (ev *evaluator) evalBinary(n *node, input any, env *frame) any {
	lhs := ev.eval(n.lhs, input, env)
	op := n.op
	// Errors are raised with their operator and position; recovering and
	// re-raising them here, as jsonata-js annotates its exceptions, would
	// cost time quadratic in the depth of recursion.
	switch op {
	case "and":
		return ev.truthy(lhs) && ev.truthy(ev.eval(n.rhs, input, env))
	case "or":
		return ev.truthy(lhs) || ev.truthy(ev.eval(n.rhs, input, env))
	}
	rhs := ev.eval(n.rhs, input, env)
	switch op {
	case "+", "-", "*", "/", "%":
		return numeric(lhs, rhs, op, n.pos)
	case "=":
		if lhs == nil || rhs == nil {
			return false
		}
		return ev.deepEqual(lhs, rhs)
	case "!=":
		if lhs == nil || rhs == nil {
			return false
		}
		return !ev.deepEqual(lhs, rhs)
	case "<", "<=", ">", ">=":
		return ev.compare(lhs, rhs, op, n.pos)
	case "&":
		return ev.concat(ev.jsonataString(lhs), ev.jsonataString(rhs))
	case "..":
		return ev.rangeOf(lhs, rhs, n.pos)
	case "in":
		if lhs == nil || rhs == nil {
			return false
		}
		if a, ok := rhs.(*array); ok {
			ev.chargeItems(len(a.items))
			for _, x := range a.items {
				if strictEqual(x, lhs) {
					return true
				}
			}
			return false
		}
		return strictEqual(rhs, lhs)
	}
	return nil
}

// concat is l & r, counted. A long string grown by & again and again (in a
// $reduce or a recursive function) grows in place, as JavaScript's ropes
// let it: the last long concatenation is kept in a builder with room to
// spare, and one onto the string it made writes after it, without copying
// it. The strings made before are prefixes of the builder's bytes, which
// are never written again. The room is counted when reserved, so a string
// of n bytes grown a piece at a time counts about 2n, not n²/2.
func (ev *evaluator) concat(l, r string) string {
	if len(l) == ev.cat.Len() && len(l) > 0 && l == ev.cat.String() { // the same bytes: compared in O(1)
		ev.chargeBytes(len(r)) // only r is copied
		if ev.cat.Cap()-ev.cat.Len() < len(r) {
			ev.alloc(ev.cat.Cap() + len(r)) // what growing adds: Grow doubles the room
			ev.cat.Grow(len(r))
		}
		ev.alloc(memString)
		ev.cat.WriteString(r)
		return ev.cat.String()
	}
	n := len(l) + len(r)
	ev.chargeBytes(n)
	ev.allocString(n)
	if n < longConcat {
		return l + r
	}
	ev.cat = strings.Builder{}
	ev.cat.Grow(n)
	ev.cat.WriteString(l)
	ev.cat.WriteString(r)
	return ev.cat.String()
}

// longConcat is the length from which a concatenation is kept to grow.
const longConcat = 256

// jsonataString is the string of an operand of '&': undefined is empty.
func (ev *evaluator) jsonataString(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	}
	s, _ := ev.toString(v, false).(string)
	return s
}

func numeric(lhs, rhs any, op string, pos int) any {
	if lhs != nil && !isNumeric(lhs) {
		panic(newError("T2001", lhs).withToken(op).at(pos))
	}
	if rhs != nil && !isNumeric(rhs) {
		panic(newError("T2002", rhs).withToken(op).at(pos))
	}
	if lhs == nil || rhs == nil {
		return nil
	}
	a, _ := num(lhs)
	b, _ := num(rhs)
	switch op {
	case "+":
		return a + b
	case "-":
		return a - b
	case "*":
		return a * b
	case "/":
		return a / b
	}
	return math.Mod(a, b)
}

func (ev *evaluator) compare(lhs, rhs any, op string, pos int) any {
	lt, rt := typeOf(lhs), typeOf(rhs)
	lok := lt == "undefined" || lt == "string" || lt == "number"
	rok := rt == "undefined" || rt == "string" || rt == "number"
	if !lok || !rok {
		v := rhs
		if lt != "string" && lt != "number" {
			v = lhs
		}
		panic(newError("T2010", v).withToken(op).at(pos))
	}
	if lhs == nil || rhs == nil {
		return nil
	}
	if lt != rt {
		panic(newError("T2009", lhs).withToken(op).at(pos).setValue2(rhs))
	}
	var c int
	if lt == "string" {
		c = ev.compareStrings(lhs.(string), rhs.(string))
	} else {
		a, _ := num(lhs)
		b, _ := num(rhs)
		switch {
		case a < b:
			c = -1
		case a > b:
			c = 1
		case a == b:
			c = 0
		default: // NaN
			return false
		}
	}
	switch op {
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	}
	return c >= 0
}

// compareStrings orders strings as JavaScript does, by UTF-16 code units.
func (ev *evaluator) compareStrings(a, b string) int {
	ev.chargeBytes(min(len(a), len(b)))
	return compareUnits(a, b)
}

// compareUnits orders strings by UTF-16 code units. UTF-8 byte order is
// code point order, which differs from UTF-16 order only between
// supplementary characters and U+E000..U+FFFF: the strings are compared at
// their first differing character.
func compareUnits(a, b string) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	if i == len(a) || i == len(b) {
		switch {
		case len(a) < len(b):
			return -1
		case len(a) > len(b):
			return 1
		}
		return 0
	}
	for i > 0 && a[i]&0xC0 == 0x80 { // back to the start of the character
		i--
	}
	ra, _ := decodeRune(a[i:])
	rb, _ := decodeRune(b[i:])
	ua, ub := firstUnit(ra), firstUnit(rb)
	switch {
	case ua < ub:
		return -1
	case ua > ub:
		return 1
	}
	// the same high surrogate: the characters compare as code points
	switch {
	case ra < rb:
		return -1
	case ra > rb:
		return 1
	}
	// invalid UTF-8, read as U+FFFD
	ca, cb := utf16Units(a[i:]), utf16Units(b[i:])
	for j := 0; j < len(ca) && j < len(cb); j++ {
		if ca[j] != cb[j] {
			if ca[j] < cb[j] {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(ca) < len(cb):
		return -1
	case len(ca) > len(cb):
		return 1
	}
	return 0
}

// firstUnit is the first UTF-16 code unit of a character.
func firstUnit(r rune) rune {
	if r >= 0x10000 {
		return 0xD800 + (r-0x10000)>>10
	}
	return r
}

// strictEqual is JavaScript's ===: numbers and strings by value, objects
// and arrays by identity.
func strictEqual(a, b any) bool {
	if x, ok := num(a); ok {
		y, ok := num(b)
		return ok && x == y
	}
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case nullType:
		_, ok := b.(nullType)
		return ok
	}
	defer func() { recover() }() // uncomparable caller types
	return a == b
}

func (ev *evaluator) rangeOf(lhs, rhs any, pos int) any {
	if lhs != nil && !isInteger(lhs) {
		panic(newError("T2003", lhs).withToken("..").at(pos))
	}
	if rhs != nil && !isInteger(rhs) {
		panic(newError("T2004", rhs).withToken("..").at(pos))
	}
	if lhs == nil || rhs == nil {
		return nil
	}
	a, _ := num(lhs)
	b, _ := num(rhs)
	if a > b {
		return nil
	}
	size := b - a + 1
	if size > 1e7 {
		panic(newError("D2014", size).withToken("..").at(pos))
	}
	ev.alloc(memArray + int(size)*(memItem+memNumber))
	ev.charge(int(size) * costRangeItem)
	items := make([]any, int(size))
	for i := range items {
		items[i] = a + float64(i)
	}
	return &array{items: items, seq: true}
}

func isInteger(v any) bool {
	f, ok := num(v)
	return ok && !math.IsInf(f, 0) && f == math.Trunc(f)
}

func (ev *evaluator) evalArray(n *node, input any, env *frame) any {
	ev.allocArray(len(n.exprs))
	result := &array{items: make([]any, 0, len(n.exprs))}
	for _, item := range n.exprs {
		v := ev.eval(item, input, env)
		if v == nil {
			continue
		}
		if a, ok := v.(*array); ok && item.kind != kArray {
			ev.chargeCopy(len(a.items))
			if item.kind == kBinary && item.op == ".." && len(result.items) == 0 {
				// [a..b]: a range is a new array no one else holds; its
				// items become the constructor's
				result.items = a.items
				continue
			}
			ev.allocItems(max(len(a.items)-1, 0))
			result.items = append(result.items, a.items...)
		} else {
			result.items = append(result.items, v)
		}
	}
	if n.consArray {
		result.cons = true
	}
	return result
}

// lookupField is jsonata-js's lookup: the member of an object, or of every
// object in an array (flattened).
func (ev *evaluator) lookupField(input any, key string) any {
	switch t := input.(type) {
	case nil, nullType, string, bool, float64:
		return nil
	case *array:
		ev.chargeItems(len(t.items))
		ev.alloc(memArray)
		result := &array{seq: true}
		for _, item := range t.items {
			res := ev.lookupField(item, key)
			if res == nil {
				continue
			}
			if a, ok := res.(*array); ok {
				ev.chargeCopy(len(a.items))
				ev.allocItems(len(a.items))
				result.items = append(result.items, a.items...)
			} else {
				ev.alloc(memItem)
				result.items = append(result.items, res)
			}
		}
		return result
	}
	if o, ok := asObject(input); ok {
		v, _ := ev.get(o, key)
		return v
	}
	return nil
}

func (ev *evaluator) evalWildcard(input any) any {
	ev.alloc(memArray)
	results := &array{seq: true}
	if a, ok := input.(*array); ok && a.outerWrapper && len(a.items) > 0 {
		input = a.items[0]
	}
	add := func(v any) {
		ev.chargeItems(1)
		if a, ok := v.(*array); ok {
			results = ev.appendOwned(results, ev.flatten(a, nil))
		} else {
			ev.alloc(memItem)
			results.items = append(results.items, v)
		}
	}
	if a, ok := input.(*array); ok {
		for _, v := range a.items {
			add(v)
		}
	} else if o, ok := asObject(input); ok {
		ev.each(o, func(_ string, v any) bool {
			add(v)
			return true
		})
	}
	return results
}

func (ev *evaluator) flatten(v any, into *array) *array {
	if into == nil {
		ev.alloc(memArray)
		into = &array{}
	}
	ev.flattenDepth(v, into, 0)
	return into
}

func (ev *evaluator) flattenDepth(v any, into *array, d int) *array {
	checkDepth(d)
	if a, ok := v.(*array); ok {
		ev.chargeCopy(len(a.items))
		for _, x := range a.items {
			ev.flattenDepth(x, into, d+1)
		}
	} else {
		ev.alloc(memItem)
		into.items = append(into.items, v)
	}
	return into
}

func (ev *evaluator) evalDescendants(input any) any {
	if input == nil {
		return nil
	}
	ev.alloc(memArray)
	seq := &array{seq: true}
	ev.recurseDescendants(input, seq, 0)
	if len(seq.items) == 1 {
		return seq.items[0]
	}
	return seq
}

func (ev *evaluator) recurseDescendants(input any, results *array, d int) {
	checkDepth(d)
	ev.charge(3 * costItem)
	if a, ok := input.(*array); ok {
		for _, x := range a.items {
			ev.recurseDescendants(x, results, d+1)
		}
		return
	}
	ev.alloc(memItem)
	results.items = append(results.items, input)
	if o, ok := asObject(input); ok {
		ev.each(o, func(_ string, v any) bool {
			ev.recurseDescendants(v, results, d+1)
			return true
		})
	}
}

// appendJS is jsonata-js's append: undefined is ignored, and the result is
// a plain array (JavaScript's concat drops the sequence flag).
func (ev *evaluator) appendJS(a, b any) any {
	if a == nil {
		return b
	}
	if b == nil {
		return a
	}
	n := 1
	if x, ok := a.(*array); ok {
		n += len(x.items)
	}
	if y, ok := b.(*array); ok {
		n += len(y.items)
	}
	ev.chargeCopy(n)
	ev.allocArray(n)
	var items []any
	if x, ok := a.(*array); ok {
		items = append(make([]any, 0, len(x.items)+1), x.items...)
	} else {
		items = []any{a}
	}
	if y, ok := b.(*array); ok {
		items = append(items, y.items...)
	} else {
		items = append(items, b)
	}
	return &array{items: items}
}

// appendOwned is appendJS onto an array that only its caller holds
// (gathered by an earlier appendJS or appendOwned): the items go in place,
// so that gathering n values copies each once, not n times (as
// jsonata-js's append does, in time and memory).
func (ev *evaluator) appendOwned(acc *array, b any) *array {
	if b == nil {
		return acc
	}
	n := 1
	if y, ok := b.(*array); ok {
		n = len(y.items)
	}
	ev.chargeCopy(n)
	if y, ok := b.(*array); ok {
		ev.allocItems(len(y.items))
		acc.items = append(acc.items, y.items...)
	} else {
		ev.alloc(memItem)
		acc.items = append(acc.items, b)
	}
	acc.seq = false // a plain array, as appendJS makes
	return acc
}

// gather appends b to an accumulated value: in place when owned reports
// that the value is an array gathered here, with appendJS otherwise. It
// returns the value and whether it is now an array gathered here.
func (ev *evaluator) gather(acc any, owned bool, b any) (any, bool) {
	if owned {
		return ev.appendOwned(acc.(*array), b), true
	}
	return ev.appendJS(acc, b), acc != nil && b != nil
}

type groupEntry struct {
	data      any
	exprIndex int
	owned     bool // data is an array gathered here
}

func (ev *evaluator) evalGroup(pairs [][2]*node, pos int, input any, env *frame) any {
	if o, ok := ev.literalObject(pairs, input, env); ok {
		return o
	}
	ev.charge(costObject)
	ev.alloc(2 * memObject)
	result := newObject(len(pairs))
	groups := newObject(0) // key -> *groupEntry, in JavaScript key order
	var items []any
	reduce := false
	if a, ok := input.(*array); ok {
		items = a.items
		reduce = a.tupleStream
	} else {
		items = []any{input}
	}
	if len(items) == 0 {
		items = []any{nil}
	}
	for _, item := range items {
		ctx, ienv := item, env
		if reduce {
			t := item.(*tuple)
			ctx, ienv = t.at, frameFromTuple(env, t)
		}
		for pi, pair := range pairs {
			key := ev.eval(pair[0], ctx, ienv)
			if key == nil {
				continue
			}
			k, ok := key.(string)
			if !ok {
				panic(newError("T1003", key).at(pos))
			}
			if e, ok := groups.Get(k); ok {
				ge := e.(*groupEntry)
				if ge.exprIndex != pi {
					panic(newError("D1009", k).at(pos))
				}
				ge.data, ge.owned = ev.gather(ge.data, ge.owned, item)
			} else {
				ev.charge(costObject)
				ev.alloc(memMember)
				ev.set(&groups.ordered, k, &groupEntry{data: item, exprIndex: pi})
			}
		}
	}
	for i, key := range groups.keys {
		ge := groups.vals[i].(*groupEntry)
		ctx, genv := ge.data, env
		if reduce {
			t := ev.reduceTupleStream(ge.data)
			ctx = t.at
			t.at = nil
			genv = frameFromTupleNoAt(env, t)
		}
		v := ev.eval(pairs[ge.exprIndex][1], ctx, genv)
		if v != nil {
			ev.set(&result.ordered, key, v)
		}
	}
	return result
}

// literalObject builds the commonest object constructor, {"a": x, "b": y}
// over a single input: keys that are distinct string literals, none an
// array index. Grouping then puts each value under its own key in the
// order written, so the values are simply evaluated in turn.
func (ev *evaluator) literalObject(pairs [][2]*node, input any, env *frame) (*object, bool) {
	if len(pairs) > 8 {
		return nil, false
	}
	if a, ok := input.(*array); ok && (len(a.items) != 1 || a.tupleStream) {
		return nil, false
	}
	for i, p := range pairs {
		k := p[0]
		if k.kind != kString || k.op != "" && k.op[0] >= '0' && k.op[0] <= '9' {
			return nil, false
		}
		for _, q := range pairs[:i] {
			if q[0].op == k.op {
				return nil, false
			}
		}
	}
	if a, ok := input.(*array); ok {
		input = a.items[0]
	}
	ev.charge(costObject + len(pairs)*costItem)
	ev.allocObject(len(pairs))
	result := newObject(len(pairs))
	for _, p := range pairs {
		if v := ev.eval(p[1], input, env); v != nil {
			result.keys = append(result.keys, p[0].op)
			result.vals = append(result.vals, v)
		}
	}
	return result, true
}

func frameFromTupleNoAt(env *frame, t *tuple) *frame {
	return &frame{parent: env, names: append([]string(nil), t.names...), vals: append([]any(nil), t.vals...)}
}

func (ev *evaluator) reduceTupleStream(v any) *tuple {
	a, ok := v.(*array)
	if !ok {
		return v.(*tuple).clone()
	}
	first := a.items[0].(*tuple)
	result := first.clone()
	// The values gathered are arrays only this reduction holds once
	// appendJS has made them: they grow in place.
	ownedAt := false
	var owned map[string]bool
	for _, x := range a.items[1:] {
		t := x.(*tuple)
		result.at, ownedAt = ev.gather(result.at, ownedAt, t.at)
		for i, name := range t.names {
			prev, _ := result.get(name)
			v, own := ev.gather(prev, owned[name], t.vals[i])
			if own && !owned[name] {
				if owned == nil {
					owned = map[string]bool{}
				}
				owned[name] = true
			}
			result.set(name, v)
		}
	}
	return result
}

func (ev *evaluator) evalSort(n *node, input *array, env *frame) *array {
	isTupleSort := input.tupleStream
	termValue := func(term sortTerm, x any) any {
		if isTupleSort {
			t := x.(*tuple)
			return ev.eval(term.expr, t.at, frameFromTuple(env, t))
		}
		return ev.eval(term.expr, x, env)
	}
	swap := func(a, b any) bool {
		comp := 0
		for i := 0; comp == 0 && i < len(n.terms); i++ {
			term := n.terms[i]
			aa := termValue(term, a)
			bb := termValue(term, b)
			if aa == nil {
				if bb != nil {
					comp = 1
				}
				continue
			}
			if bb == nil {
				comp = -1
				continue
			}
			at, bt := typeOf(aa), typeOf(bb)
			if (at != "string" && at != "number") || (bt != "string" && bt != "number") {
				v := bb
				if at != "string" && at != "number" {
					v = aa
				}
				panic(newError("T2008", v).at(n.pos))
			}
			if at != bt {
				panic(newError("T2007", aa).at(n.pos).setValue2(bb))
			}
			var c int
			if at == "string" {
				c = ev.compareStrings(aa.(string), bb.(string))
			} else {
				x, _ := num(aa)
				y, _ := num(bb)
				switch {
				case x < y:
					c = -1
				case x > y:
					c = 1
				}
			}
			if c == 0 {
				continue
			}
			comp = c
			if term.descending {
				comp = -comp
			}
		}
		return comp == 1
	}
	return ev.mergeSort(input, swap)
}

// mergeSort is jsonata-js's stable merge sort: swap(a, b) reports whether b
// must come before a. It splits and merges as jsonata-js does, so that swap
// sees the same pairs in the same order. An array of one item is returned
// as it is.
func (ev *evaluator) mergeSort(input *array, swap func(a, b any) bool) *array {
	if len(input.items) <= 1 {
		return input
	}
	ev.chargeCopy(len(input.items))
	ev.allocArray(len(input.items))
	items := append([]any(nil), input.items...)
	buf := make([]any, len(items))
	var msort func(items, buf []any)
	msort = func(items, buf []any) {
		if len(items) <= 1 {
			return
		}
		mid := len(items) / 2
		msort(items[:mid], buf[:mid])
		msort(items[mid:], buf[mid:])
		ev.chargeCopy(len(items))
		copy(buf, items)
		left, right := buf[:mid], buf[mid:]
		k := 0
		for len(left) > 0 && len(right) > 0 {
			if swap(left[0], right[0]) {
				items[k] = right[0]
				right = right[1:]
			} else {
				items[k] = left[0]
				left = left[1:]
			}
			k++
		}
		k += copy(items[k:], left)
		copy(items[k:], right)
	}
	msort(items, buf)
	return &array{items: items}
}

func (ev *evaluator) evalFunction(n *node, input any, env *frame, applyTo any, hasApplyTo bool) any {
	proc := ev.eval(n.proc, input, env)
	if proc == nil && n.proc.kind == kPath && env.lookup(n.proc.steps[0].op) != nil {
		panic(newError("T1005").withToken(n.proc.steps[0].op).at(n.pos))
	}
	args := make([]any, 0, len(n.args)+1)
	if hasApplyTo {
		args = append(args, applyTo)
	}
	for _, a := range n.args {
		args = append(args, ev.eval(a, input, env))
	}
	name := n.proc.op
	if n.proc.kind == kPath {
		name = n.proc.steps[0].op
	}
	return ev.apply(proc, args, input, env, name, n.pos)
}

// apply calls a function value, running tail calls in a loop.
func (ev *evaluator) apply(proc any, args []any, input any, env *frame, name string, pos int) any {
	result := ev.applyInner(proc, args, input, env, name, pos)
	for {
		l, ok := result.(*Lambda)
		if !ok || !l.thunk {
			return result
		}
		call := l.body
		next := ev.eval(call.proc, l.input, l.env)
		nextName := call.proc.op
		if call.proc.kind == kPath {
			nextName = call.proc.steps[0].op
		}
		targs := make([]any, len(call.args))
		for i, a := range call.args {
			targs[i] = ev.eval(a, l.input, l.env)
		}
		result = ev.applyInner(next, targs, input, env, nextName, call.pos)
	}
}

func (ev *evaluator) applyInner(proc any, args []any, input any, env *frame, name string, pos int) any {
	switch p := proc.(type) {
	case *Lambda:
		ev.charge(costCall)
		if p.sig != nil {
			args = p.sig.validate(ev, args, input, name)
		}
		ev.calls = append(ev.calls, callSite{name, pos})
		result := ev.applyProcedure(p, args)
		ev.calls = ev.calls[:len(ev.calls)-1]
		return result
	case *builtin:
		ev.charge(costCall)
		if p.sig != nil {
			args = p.sig.validate(ev, args, input, name)
		}
		ev.calls = append(ev.calls, callSite{name, pos})
		result := p.fn(&call{ev: ev, input: input, env: env, name: name, pos: pos}, args)
		ev.calls = ev.calls[:len(ev.calls)-1]
		return result
	case *regexFunc:
		var s any
		if len(args) > 0 {
			s = args[0]
		}
		str, ok := s.(string)
		if !ok {
			return nil
		}
		ev.charge(costCall)
		m := p.re.exec(ev, str, 0)
		if m == nil {
			return nil
		}
		return m.object(ev, p.re, str)
	}
	panic(newError("T1006").withToken(name).at(pos))
}

func (ev *evaluator) applyProcedure(p *Lambda, args []any) any {
	env := newFrame(p.env)
	for i, name := range p.params {
		var v any
		if i < len(args) {
			v = args[i]
		}
		env.bind(name, v)
	}
	if p.native != nil {
		nargs := make([]any, len(p.native.params))
		for i, name := range p.native.params {
			nargs[i] = env.lookup(name)
		}
		if p.native.sig != nil {
			nargs = p.native.sig.validate(ev, trimUndefined(nargs), nil, p.native.name)
		}
		return p.native.fn(&call{ev: ev, env: env, name: p.native.name}, nargs)
	}
	return ev.eval(p.body, p.input, env)
}

// trimUndefined drops trailing undefined arguments, which a partially
// applied built-in receives for parameters nobody supplied.
func trimUndefined(args []any) []any {
	for len(args) > 0 && args[len(args)-1] == nil {
		args = args[:len(args)-1]
	}
	return args
}

func (ev *evaluator) evalPartial(n *node, input any, env *frame) any {
	args := make([]any, len(n.args))
	placeholder := make([]bool, len(n.args))
	for i, a := range n.args {
		if a.kind == kPlaceholder {
			placeholder[i] = true
		} else {
			args[i] = ev.eval(a, input, env)
		}
	}
	proc := ev.eval(n.proc, input, env)
	if proc == nil && n.proc.kind == kPath && env.lookup(n.proc.steps[0].op) != nil {
		panic(newError("T1007").withToken(n.proc.steps[0].op).at(n.pos))
	}
	var params []string
	var l *Lambda
	ev.closures = true
	ev.alloc(memFunc)
	switch p := proc.(type) {
	case *Lambda:
		params = p.params
		l = &Lambda{input: p.input, env: newFrame(p.env), body: p.body, native: p.native}
	case *builtin:
		params = p.params
		l = &Lambda{env: newFrame(env), native: p}
	default:
		name := n.proc.op
		if n.proc.kind == kPath {
			name = n.proc.steps[0].op
		}
		panic(newError("T1008").withToken(name).at(n.pos))
	}
	for i, param := range params {
		if i < len(args) && placeholder[i] {
			l.params = append(l.params, param)
		} else {
			var v any
			if i < len(args) {
				v = args[i]
			}
			l.env.bind(param, v)
		}
	}
	return l
}

var chainAST = func() *node {
	n, err := parse("function($f, $g) { function($x){ $g($f($x)) } }")
	if err != nil {
		panic(err)
	}
	return n
}()

func (ev *evaluator) evalApply(n *node, input any, env *frame) any {
	lhs := ev.eval(n.lhs, input, env)
	if n.rhs.kind == kFunction {
		return ev.evalFunction(n.rhs, input, env, lhs, true)
	}
	fn := ev.eval(n.rhs, input, env)
	if !isFunction(fn) {
		panic(newError("T2006", fn).at(n.pos))
	}
	if isFunction(lhs) {
		chain := ev.eval(chainAST, nil, env)
		return ev.apply(chain, []any{lhs, fn}, nil, env, "", n.pos)
	}
	return ev.apply(fn, []any{lhs}, nil, env, "", n.pos)
}

func (ev *evaluator) evalTransform(n *node, env *frame) any {
	sig, _ := parseSignature("<(oa):o>")
	ev.closures = true // the function holds env
	ev.alloc(memFunc)
	return &builtin{name: "", sig: sig, params: []string{"obj"}, fn: func(c *call, args []any) any {
		ev := c.ev
		obj := args[0]
		if obj == nil {
			return nil
		}
		cloneFn := env.lookup("clone")
		if !isFunction(cloneFn) {
			panic(newError("T2013").at(n.pos))
		}
		result := ev.apply(cloneFn, []any{obj}, nil, env, "clone", n.pos)
		matches := ev.eval(n.pattern, result, env)
		if matches == nil {
			return result
		}
		var list []any
		if a, ok := matches.(*array); ok {
			list = a.items
		} else {
			list = []any{matches}
		}
		for _, match := range list {
			update := ev.eval(n.update, match, env)
			if update != nil {
				uo, ok := asObject(update)
				if !ok {
					panic(newError("T2011", update).at(n.update.pos))
				}
				if mo, ok := match.(*object); ok {
					ev.chargeItems(uo.Len())
					ev.each(uo, func(k string, v any) bool {
						ev.set(&mo.ordered, k, v)
						return true
					})
				}
			}
			if n.del != nil {
				deletions := ev.eval(n.del, match, env)
				if deletions != nil {
					val := deletions
					if _, ok := deletions.(*array); !ok {
						deletions = &array{items: []any{deletions}}
					}
					if !isArrayOfStrings(deletions) {
						panic(newError("T2012", val).at(n.del.pos))
					}
					if mo, ok := match.(*object); ok {
						ev.chargeItems(len(deletions.(*array).items))
						for _, k := range deletions.(*array).items {
							mo.Delete(k.(string))
						}
					}
				}
			}
		}
		return result
	}}
}

// arrayOfNumbers is isArrayOfNumbers, charged.
func (ev *evaluator) arrayOfNumbers(a *array) bool {
	ev.chargeItems(len(a.items))
	return isArrayOfNumbers(a)
}

// truthy is jsonata-js's $boolean used as a condition: undefined is false.
func (ev *evaluator) truthy(v any) bool {
	switch t := v.(type) {
	case bool:
		return t
	case nil:
		return false
	}
	b, _ := ev.toBoolean(v).(bool)
	return b
}

// toBoolean is $boolean: the effective boolean value, undefined for
// undefined.
func (ev *evaluator) toBoolean(v any) any {
	switch t := v.(type) {
	case nil:
		return nil
	case bool:
		return t
	case string:
		return t != ""
	case nullType:
		return false
	case *array:
		switch len(t.items) {
		case 0:
			return false
		case 1:
			return ev.truthy(t.items[0])
		}
		for _, x := range t.items {
			ev.chargeItems(1)
			if ev.truthy(x) {
				return true
			}
		}
		return false
	case *Lambda, *builtin, *regexFunc:
		return false
	}
	if isNumeric(v) {
		f, _ := num(v)
		return f != 0
	}
	if o, ok := asObject(v); ok {
		return o.Len() > 0
	}
	return false
}
