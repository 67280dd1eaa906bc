package machine

import (
	"iter"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/baton-sh/baton/definition"
	"github.com/baton-sh/baton/failure"
	"github.com/baton-sh/baton/jsonata"
	"github.com/baton-sh/baton/value"
)

// JSONata in the Amazon States Language: a string "{% expr %}" in a field
// that accepts JSONata is an expression, evaluated with no context item; the
// state's data comes in through the reserved variable $states and workflow
// variables through $name.

// Limits AWS puts on one JSONata evaluation.
const (
	// MaxJSONataDepth is the deepest nesting of evaluation.
	MaxJSONataDepth = 100
	// JSONataSteps bounds the work of one evaluation: AWS stops one after
	// 5 seconds; a budget of steps (about 5 seconds of work) stops it the
	// same way on every machine and at every replay.
	JSONataSteps = jsonata.DefaultMaxSteps
	// JSONataMemory bounds the values one evaluation makes (AWS stops one
	// past about 7 MB of its own measure); counted from the values made,
	// it fails at the same point on every replay.
	JSONataMemory = 64 << 20
)

// Expr is a compiled JSONata expression of a definition field.
type Expr struct {
	// Src is the expression text, as causes quote it.
	Src string
	// Field names where it sits in its state, as causes name it:
	// "Output/a/b[0]", "Choices[1]/Condition".
	Field string
	e     *jsonata.Expression
	// An expression that reads names in a variable ($states.input.id) is
	// read here, without an evaluation, when the values allow it.
	variable string
	names    []string
}

// CompileExpr compiles the expression of a "{% ... %}" string; field names
// where it sits.
func CompileExpr(s, field string) (*Expr, error) {
	src, ok := definition.ExpressionText(s)
	if !ok {
		return nil, nil
	}
	e, err := jsonata.Compile(src)
	if err != nil {
		return nil, err
	}
	x := &Expr{Src: src, Field: field, e: e}
	x.variable, x.names, _ = e.NamePath()
	return x, nil
}

// References describes what the expression reads.
func (x *Expr) References() jsonata.References { return x.e.References() }

// JEnv is what a JSONata evaluation reads: the state's $states members, the
// variables in scope, the time and the randomness. An environment may be
// Reset and used again, which spares building the evaluation's options.
type JEnv struct {
	Scope  Scope
	Input  any
	Result any
	// HasResult is set for a Task, Parallel or Map state's Output and
	// Assign; HasError for a catcher's.
	HasResult   bool
	ErrorOutput any
	HasError    bool
	Now         time.Time

	opts  jsonata.Options
	ready bool
}

// Reset prepares the environment for the expressions of another state (or
// of the same state again).
func (env *JEnv) Reset(scope Scope, input any, now time.Time) {
	env.Scope, env.Input, env.Now = scope, input, now
	env.Result, env.HasResult, env.ErrorOutput, env.HasError = nil, false, nil, false
}

func (env *JEnv) options() *jsonata.Options {
	if !env.ready {
		env.opts = jsonata.Options{
			MaxDepth:  MaxJSONataDepth,
			MaxSteps:  JSONataSteps,
			MaxMemory: JSONataMemory,
			Builder:   valueBuilder{},
			Env:       awsFunctions,
			Vars:      env.lookup,
			Random:    env.random,
		}
		env.ready = true
	}
	env.opts.Now = env.Now
	return &env.opts
}

func (env *JEnv) lookup(name string) (any, bool) {
	if name == "states" {
		return (*statesObject)(env), true
	}
	if env.Scope == nil {
		return nil, false
	}
	return env.Scope.Variable(name)
}

func (env *JEnv) random() float64 {
	if env.Scope == nil {
		return 0
	}
	return float64(env.Scope.Random().Uint64()>>11) / (1 << 53)
}

// statesObject is $states: input, context (built only if read), and
// result or errorOutput where the field has them.
type statesObject JEnv

func (s *statesObject) Len() int {
	n := 2
	if s.HasResult {
		n++
	}
	if s.HasError {
		n++
	}
	return n
}

func (s *statesObject) Get(key string) (any, bool) {
	switch key {
	case "input":
		return s.Input, true
	case "context":
		if s.Scope == nil {
			return nil, false
		}
		return s.Scope.Context(), true
	case "result":
		return s.Result, s.HasResult
	case "errorOutput":
		return s.ErrorOutput, s.HasError
	}
	return nil, false
}

func (s *statesObject) All() iter.Seq2[string, any] {
	return func(yield func(string, any) bool) {
		for _, k := range []string{"input", "context", "result", "errorOutput"} {
			if v, ok := s.Get(k); ok && !yield(k, v) {
				return
			}
		}
	}
}

// valueBuilder builds results in Baton's value model. JSON has no
// non-finite numbers; AWS writes them as the strings JavaScript names them by.
type valueBuilder struct{}

func (valueBuilder) Null() any { return nil }

func (valueBuilder) Number(f float64) any {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	if f >= 0 && f < float64(len(smallNumbers)) && f == math.Trunc(f) && !(f == 0 && math.Signbit(f)) {
		return smallNumbers[int(f)] // shared, neither formatted nor boxed
	}
	return value.Number(jsonata.FormatNumber(f))
}

var smallNumbers = func() (s [1024]any) {
	for i := range s {
		s[i] = value.Int(int64(i))
	}
	return
}()

func (valueBuilder) Array(items []any) any {
	for i, x := range items {
		if jsonata.IsFunction(x) {
			items[i] = nil // JSON.stringify writes a function in an array as null
		}
	}
	return items
}

// Adopt makes $states, when a result holds it whole, an object of its own.
func (valueBuilder) Adopt(v any) any {
	s, ok := v.(*statesObject)
	if !ok {
		return v
	}
	ms := make([]value.Member, 0, 4)
	for k, x := range s.All() {
		ms = append(ms, value.Member{Key: k, Value: x})
	}
	return value.NewObject(ms)
}

// Object builds an object; the keys of a JSONata object are unique.
func (valueBuilder) Object(keys []string, vals []any) any {
	n := 0
	for _, v := range vals {
		if !jsonata.IsFunction(v) {
			n++
		}
	}
	o := value.Make(n)
	j := 0
	for i, k := range keys {
		if jsonata.IsFunction(vals[i]) {
			continue // JSON.stringify leaves a function member out
		}
		o.Set(j, k, vals[i])
		j++
	}
	return o
}

// Evaluate evaluates a compiled expression as a field of a state machine
// would be (AWS's functions, the same bounds, $states and the variables of
// env), but answers as JSONata does: jsonata.Undefined for nothing, a
// function as it is, and JSONata's own *jsonata.Error. The console's
// JSONata playground uses it.
func (env *JEnv) Evaluate(e *jsonata.Expression) (any, error) {
	return e.Evaluate(jsonata.Undefined, env.options())
}

// Eval evaluates the expression. A result that is nothing (undefined) or a
// function fails with States.QueryEvaluationError, as does an error of the
// expression itself.
func (x *Expr) Eval(env *JEnv) (any, *failure.Failure) {
	if x.variable != "" {
		if v, defined, ok := x.readNames(env); ok {
			if !defined {
				return nil, x.failf("returned nothing (undefined).")
			}
			return v, nil
		}
	}
	var start time.Time
	obs := sampled()
	if obs != nil {
		start = time.Now()
	}
	v, err := x.e.Evaluate(jsonata.Undefined, env.options())
	if obs != nil {
		timed(obs, start)
	}
	if err != nil {
		return nil, x.fail(err)
	}
	if v == jsonata.Undefined {
		return nil, x.failf("returned nothing (undefined).")
	}
	if jsonata.IsFunction(v) {
		return nil, x.failf("returned an unsupported result type.")
	}
	return v, nil
}

// readNames reads a variable and names in it as JSONata would, and gives up
// (ok false) where JSONata's rules take more than that: a variable the
// scope does not have (a function, or nothing), or an array on the way.
func (x *Expr) readNames(env *JEnv) (v any, defined, ok bool) {
	var cur any
	if x.variable == "states" {
		cur = (*statesObject)(env)
	} else {
		if env.Scope == nil {
			return nil, false, false
		}
		var found bool
		if cur, found = env.Scope.Variable(x.variable); !found {
			return nil, false, false
		}
	}
	for _, name := range x.names {
		var found bool
		switch t := cur.(type) {
		case *value.Object:
			cur, found = t.Get(name)
		case *statesObject:
			cur, found = t.Get(name)
		case []any:
			return nil, false, false
		}
		if !found {
			return nil, false, true // nothing by that name, or not an object
		}
	}
	if s, isStates := cur.(*statesObject); isStates {
		cur = valueBuilder{}.Adopt(s)
	}
	return cur, true, true
}

func (x *Expr) failf(what string) *failure.Failure {
	return &failure.Failure{Error: failure.QueryEvaluationError, Location: x.Field,
		Cause: "The JSONata expression '" + x.Src + "' specified for the field '" + x.Field + "' " + what}
}

// fail words an error of the expression as AWS does: a coded JSONata error
// after a full stop, a limit after a colon.
func (x *Expr) fail(err error) *failure.Failure {
	e, ok := err.(*jsonata.Error)
	if !ok {
		return x.failf("threw an error during evaluation: " + err.Error())
	}
	if e.Code == "U1001" {
		msg := e.Text()
		if strings.HasPrefix(msg, "Stack overflow") {
			msg = "Stack overflow error: Check for non-terminating recursive function. Consider rewriting as tail-recursive. " +
				"Depth=" + itoa(MaxJSONataDepth+1) + " max=" + itoa(MaxJSONataDepth)
		}
		return x.failf("threw an error during evaluation: " + msg)
	}
	return x.failf("threw an error during evaluation. " + e.Code + ": " + e.Text())
}

// TypeFailure is the failure of an expression whose result has the wrong
// type, in AWS's words.
func (x *Expr) TypeFailure(want string, got any) *failure.Failure {
	return x.failf("returned an unexpected result type. Expected '" + want + "', but was '" + jsonTypeName(got) +
		"' for value: " + value.String(got))
}

// jsonTypeName is the JSON type of a value, as AWS's messages name it.
func jsonTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case value.Number:
		return "number"
	case []any:
		return "array"
	case *value.Object:
		return "object"
	}
	return "unknown"
}

func itoa(i int) string { return strconv.Itoa(i) }

// JTemplate is a compiled JSONata template: a JSON value in which every
// "{% ... %}" string, at any depth, is an expression (Arguments, Output,
// Assign, ItemSelector, Items).
type JTemplate struct {
	root jnode
}

type jkind uint8

const (
	jLiteral jkind = iota
	jExpr
	jObject
	jArray
)

type jnode struct {
	kind jkind
	lit  any
	expr *Expr
	keys []string
	kids []jnode
}

// CompileJSONataTemplate compiles a template; field names the definition
// field it is ("Output", "Catch[0]/Assign").
func CompileJSONataTemplate(v any, field string) (*JTemplate, error) {
	n, err := compileJNode(v, field)
	if err != nil {
		return nil, err
	}
	return &JTemplate{root: n}, nil
}

func compileJNode(v any, field string) (jnode, error) {
	switch t := v.(type) {
	case string:
		x, err := CompileExpr(t, field)
		if err != nil {
			return jnode{}, err
		}
		if x != nil {
			return jnode{kind: jExpr, expr: x}, nil
		}
	case *value.Object:
		n := jnode{kind: jObject}
		static := true
		for _, m := range t.Members() {
			k, err := compileJNode(m.Value, field+"/"+m.Key)
			if err != nil {
				return jnode{}, err
			}
			if k.kind != jLiteral {
				static = false
			}
			n.keys = append(n.keys, m.Key)
			n.kids = append(n.kids, k)
		}
		if !static {
			return n, nil
		}
	case []any:
		n := jnode{kind: jArray}
		static := true
		for i, x := range t {
			k, err := compileJNode(x, field+"["+itoa(i)+"]")
			if err != nil {
				return jnode{}, err
			}
			if k.kind != jLiteral {
				static = false
			}
			n.kids = append(n.kids, k)
		}
		if !static {
			return n, nil
		}
	}
	return jnode{kind: jLiteral, lit: v}, nil
}

// Static reports whether the template has no expression, and its value.
func (t *JTemplate) Static() (any, bool) {
	if t.root.kind == jLiteral {
		return t.root.lit, true
	}
	return nil, false
}

// Expr returns the expression when the whole template is one.
func (t *JTemplate) Expr() *Expr {
	if t.root.kind == jExpr {
		return t.root.expr
	}
	return nil
}

// Exprs calls f for every expression of the template.
func (t *JTemplate) Exprs(f func(*Expr)) { t.root.exprs(f) }

func (n *jnode) exprs(f func(*Expr)) {
	switch n.kind {
	case jExpr:
		f(n.expr)
	case jObject, jArray:
		for i := range n.kids {
			n.kids[i].exprs(f)
		}
	}
}

// Eval builds the template's value.
func (t *JTemplate) Eval(env *JEnv) (any, *failure.Failure) {
	return t.root.eval(env)
}

func (n *jnode) eval(env *JEnv) (any, *failure.Failure) {
	switch n.kind {
	case jExpr:
		return n.expr.Eval(env)
	case jObject:
		o := value.Make(len(n.kids))
		for i := range n.kids {
			v, fl := n.kids[i].eval(env)
			if fl != nil {
				return nil, fl
			}
			o.Set(i, n.keys[i], v)
		}
		return o, nil
	case jArray:
		out := make([]any, len(n.kids))
		for i := range n.kids {
			v, fl := n.kids[i].eval(env)
			if fl != nil {
				return nil, fl
			}
			out[i] = v
		}
		return out, nil
	}
	return n.lit, nil
}
