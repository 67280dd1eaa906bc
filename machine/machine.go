// Package machine compiles a validated definition into an immutable Machine:
// every path, payload template, Choice rule, retrier and catcher is parsed
// once here, so that the interpreter never sees a path as a string.
package machine

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/baton-sh/baton/definition"
	"github.com/baton-sh/baton/intrinsic"
	"github.com/baton-sh/baton/jsonpath"
	"github.com/baton-sh/baton/value"
)

// Kind is a state type.
type Kind uint8

const (
	Pass Kind = iota
	Task
	Choice
	Wait
	Succeed
	Fail
	Parallel
	Map
)

var kindNames = [...]string{"Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map"}

func (k Kind) String() string { return kindNames[k] }

var kindByName = map[string]Kind{"Pass": Pass, "Task": Task, "Choice": Choice, "Wait": Wait, "Succeed": Succeed, "Fail": Fail, "Parallel": Parallel, "Map": Map}

// ErrUnsupported marks definitions that use a feature Baton does not run yet.
var ErrUnsupported = errors.New("not supported yet")

// Machine is a compiled state machine, or a sub-machine (a Parallel branch or
// a Map processor).
type Machine struct {
	StartAt        *State
	States         []*State // in definition order
	ByName         map[string]*State
	TimeoutSeconds int64 // 0: none
	Comment        string
	Source         *value.Object
	// Parent is the Parallel or Map state a sub-machine belongs to.
	Parent *State
	// Count is the number of states in this machine and every sub-machine.
	Count int
	// JSONata is the query language of states that do not name one: the
	// top-level QueryLanguage, which sub-machines inherit.
	JSONata bool
}

// Path is an optional path field: absent ($), null, or a path.
type Path struct {
	Null bool
	Path *jsonpath.Path // nil with Null false: the identity "$"
}

// IsIdentity reports whether the path leaves its input unchanged.
func (p Path) IsIdentity() bool {
	return !p.Null && (p.Path == nil || p.Path.IsRoot() && p.Path.Root() == jsonpath.RootInput)
}

// Retrier is a compiled Retry entry.
type Retrier struct {
	ErrorEquals     []string
	IntervalSeconds int64
	MaxAttempts     int64
	BackoffRate     float64
	MaxDelaySeconds int64 // 0: none
	JitterFull      bool
}

// Catcher is a compiled Catch entry.
type Catcher struct {
	ErrorEquals []string
	Next        *State
	ResultPath  Path
	Assign      *Assign
	Output      *JTemplate // JSONata
}

// Number is a numeric field given as a value, read from a path, or
// computed by a JSONata expression.
type Number struct {
	Set   bool
	Value int64
	Float float64
	Path  *jsonpath.Path
	Expr  *Expr
}

// Assign is a compiled Assign field: a payload template in a JSONPath state
// ("name.$" entries evaluated), a JSONata template in a JSONata state.
type Assign struct {
	Path    *Template
	JSONata *JTemplate
}

// State is one compiled state.
type State struct {
	Name    string
	Kind    Kind
	Machine *Machine
	Next    *State
	End     bool
	Source  *value.Object

	InputPath      Path
	OutputPath     Path
	ResultPath     Path
	Parameters     *Template
	ResultSelector *Template
	// UsesContext is true when any path of the state reads $$, so that the
	// interpreter builds the context object only when needed.
	UsesContext bool

	// JSONata is the state's query language: JSONata rather than JSONPath.
	JSONata bool
	// Assign sets workflow variables when the state ends.
	Assign *Assign
	// JSONata states: Arguments (Task, Parallel) and Output (all but Fail).
	Arguments *JTemplate
	Output    *JTemplate

	// Pass
	Result    any
	HasResult bool

	// Task
	Resource  *Resource
	Timeout   Number
	Heartbeat Number
	Retry     []Retrier
	Catch     []Catcher

	// Choice
	Choices []*Rule
	Default *State

	// Wait
	Seconds       Number
	Timestamp     time.Time // a literal timestamp (zero: none)
	TimestampPath *jsonpath.Path
	TimestampExpr *Expr

	// Fail
	Error, Cause         string
	HasError, HasCause   bool
	ErrorPath, CausePath *jsonpath.Path
	ErrorCall, CauseCall *intrinsic.Call
	ErrorExpr, CauseExpr *Expr

	// Parallel
	Branches []*Machine

	// Map
	Processor                  *Machine
	ItemsPath                  Path
	Items                      *JTemplate // JSONata: an array or an expression
	ItemSelector               *Template
	JItemSelector              *JTemplate // JSONata
	MaxConcurrency             Number
	ToleratedFailureCount      Number
	ToleratedFailurePercentage Number
	Distributed                bool
	Label                      string
}

// Compile turns a validated definition into a Machine.
func Compile(def *value.Object) (*Machine, error) {
	m, err := compileMachine(def, nil)
	if err != nil {
		return nil, err
	}
	if ts, ok := def.Get("TimeoutSeconds"); ok {
		n, _ := ts.(value.Number)
		m.TimeoutSeconds, _ = n.Int64()
	}
	return m, nil
}

func compileMachine(def *value.Object, parent *State) (*Machine, error) {
	m := &Machine{Source: def, Parent: parent, ByName: map[string]*State{}}
	if parent != nil {
		m.JSONata = parent.Machine.JSONata
	} else if ql, _ := def.Get("QueryLanguage"); ql == definition.JSONata {
		m.JSONata = true
	}
	if c, ok := def.Get("Comment"); ok {
		m.Comment, _ = c.(string)
	}
	statesV, _ := def.Get("States")
	states, ok := statesV.(*value.Object)
	if !ok {
		return nil, fmt.Errorf("States is not an object")
	}
	for _, mem := range states.Members() {
		src, _ := mem.Value.(*value.Object)
		if src == nil {
			return nil, fmt.Errorf("state %q is not an object", mem.Key)
		}
		typ, _ := src.Get("Type")
		name, _ := typ.(string)
		kind, ok := kindByName[name]
		if !ok {
			return nil, fmt.Errorf("state %q has an unknown Type", mem.Key)
		}
		st := &State{Name: mem.Key, Kind: kind, Machine: m, Source: src}
		m.States = append(m.States, st)
		m.ByName[mem.Key] = st
	}
	start, _ := def.Get("StartAt")
	startName, _ := start.(string)
	m.StartAt = m.ByName[startName]
	if m.StartAt == nil {
		return nil, fmt.Errorf("StartAt names no state")
	}
	m.Count = len(m.States)
	for _, st := range m.States {
		if err := st.compile(); err != nil {
			return nil, fmt.Errorf("state %q: %w", st.Name, err)
		}
		for _, b := range st.Branches {
			m.Count += b.Count
		}
		if st.Processor != nil {
			m.Count += st.Processor.Count
		}
	}
	return m, nil
}

func (st *State) get(field string) (any, bool) { return st.Source.Get(field) }

func (st *State) str(field string) string {
	v, _ := st.get(field)
	s, _ := v.(string)
	return s
}

func (st *State) compile() error {
	src := st.Source
	// A state is JSONPath only when it says exactly that; any other
	// QueryLanguage makes it JSONata.
	st.JSONata = st.Machine.JSONata
	if ql, ok := src.Get("QueryLanguage"); ok {
		st.JSONata = ql != definition.JSONPath
	}
	if next := st.str("Next"); next != "" {
		st.Next = st.Machine.ByName[next]
		if st.Next == nil {
			return fmt.Errorf("Next names no state")
		}
	}
	if end, _ := st.get("End"); end == true {
		st.End = true
	}
	if err := st.compileCommon(); err != nil {
		return err
	}
	if st.JSONata {
		return st.compileJSONata()
	}
	var err error
	if st.InputPath, err = st.optPath("InputPath"); err != nil {
		return err
	}
	if st.OutputPath, err = st.optPath("OutputPath"); err != nil {
		return err
	}
	if st.ResultPath, err = st.optPath("ResultPath"); err != nil {
		return err
	}
	if st.Parameters, err = st.template("Parameters"); err != nil {
		return err
	}
	if st.ResultSelector, err = st.template("ResultSelector"); err != nil {
		return err
	}
	switch st.Kind {
	case Pass:
		st.Result, st.HasResult = src.Get("Result")
	case Task:
		st.Resource = CompileResource(st.str("Resource"))
		if st.Timeout, err = st.number("TimeoutSeconds", "TimeoutSecondsPath"); err != nil {
			return err
		}
		if st.Heartbeat, err = st.number("HeartbeatSeconds", "HeartbeatSecondsPath"); err != nil {
			return err
		}
	case Choice:
		rules, _ := st.get("Choices")
		arr, _ := rules.([]any)
		for _, r := range arr {
			ro, _ := r.(*value.Object)
			if ro == nil {
				return fmt.Errorf("a choice rule is not an object")
			}
			rule, err := compileRule(ro, st.Machine.ByName, true)
			if err != nil {
				return err
			}
			if a, ok := ro.Get("Assign"); ok {
				t, err := CompileTemplate(a)
				if err != nil {
					return err
				}
				rule.Assign = &Assign{Path: t}
			}
			st.Choices = append(st.Choices, rule)
		}
		if d := st.str("Default"); d != "" {
			st.Default = st.Machine.ByName[d]
		}
	case Wait:
		if st.Seconds, err = st.number("Seconds", "SecondsPath"); err != nil {
			return err
		}
		if ts := st.str("Timestamp"); ts != "" {
			st.Timestamp, _ = ParseTimestamp(ts)
		}
		if p := st.str("TimestampPath"); p != "" {
			if st.TimestampPath, err = jsonpath.Parse(p); err != nil {
				return err
			}
		}
	case Fail:
		if e, ok := st.get("Error"); ok {
			st.Error, st.HasError = e.(string)
		}
		if c, ok := st.get("Cause"); ok {
			st.Cause, st.HasCause = c.(string)
		}
		if st.ErrorPath, st.ErrorCall, err = pathOrCall(st.str("ErrorPath")); err != nil {
			return err
		}
		if st.CausePath, st.CauseCall, err = pathOrCall(st.str("CausePath")); err != nil {
			return err
		}
	case Parallel:
		if err := st.compileBranches(); err != nil {
			return err
		}
	case Map:
		if err := st.compileMap(); err != nil {
			return err
		}
	}
	st.UsesContext = st.readsContext()
	return nil
}

// compileCommon compiles what JSONPath and JSONata states share in form:
// Retry, Catch and Assign.
func (st *State) compileCommon() error {
	var err error
	if st.Retry, err = compileRetry(st.Source); err != nil {
		return err
	}
	if st.Catch, err = st.compileCatch(); err != nil {
		return err
	}
	if v, ok := st.get("Assign"); ok {
		if st.Assign, err = st.compileAssign(v, "Assign"); err != nil {
			return err
		}
	}
	return nil
}

func (st *State) compileAssign(v any, field string) (*Assign, error) {
	if st.JSONata {
		t, err := CompileJSONataTemplate(v, field)
		if err != nil {
			return nil, err
		}
		return &Assign{JSONata: t}, nil
	}
	t, err := CompileTemplate(v)
	if err != nil {
		return nil, err
	}
	return &Assign{Path: t}, nil
}

func (st *State) compileBranches() error {
	b, _ := st.get("Branches")
	arr, _ := b.([]any)
	for _, x := range arr {
		bo, _ := x.(*value.Object)
		if bo == nil {
			return fmt.Errorf("a branch is not an object")
		}
		sub, err := compileMachine(bo, st)
		if err != nil {
			return err
		}
		st.Branches = append(st.Branches, sub)
	}
	return nil
}

func (st *State) compileProcessor() error {
	proc, ok := st.get("ItemProcessor")
	if !ok {
		proc, _ = st.get("Iterator")
	}
	po, _ := proc.(*value.Object)
	if po == nil {
		return fmt.Errorf("the Map state has no ItemProcessor")
	}
	if pc, ok := po.Get("ProcessorConfig"); ok {
		if pco, ok := pc.(*value.Object); ok {
			if mode, _ := pco.Get("Mode"); mode == "DISTRIBUTED" {
				st.Distributed = true
			}
		}
	}
	var err error
	if st.Processor, err = compileMachine(po, st); err != nil {
		return err
	}
	st.Label = st.str("Label")
	for _, f := range []string{"ItemReader", "ResultWriter", "ItemBatcher"} {
		if st.Source.Has(f) {
			return fmt.Errorf("Map %s: %w", f, ErrUnsupported)
		}
	}
	return nil
}

// compileJSONata compiles the fields of a JSONata state.
func (st *State) compileJSONata() error {
	var err error
	if v, ok := st.get("Output"); ok {
		if st.Output, err = CompileJSONataTemplate(v, "Output"); err != nil {
			return err
		}
	}
	if v, ok := st.get("Arguments"); ok {
		if st.Arguments, err = CompileJSONataTemplate(v, "Arguments"); err != nil {
			return err
		}
	}
	switch st.Kind {
	case Task:
		st.Resource = CompileResource(st.str("Resource"))
		if st.Timeout, err = st.jnumber("TimeoutSeconds"); err != nil {
			return err
		}
		if st.Heartbeat, err = st.jnumber("HeartbeatSeconds"); err != nil {
			return err
		}
	case Choice:
		rules, _ := st.get("Choices")
		arr, _ := rules.([]any)
		for i, r := range arr {
			ro, _ := r.(*value.Object)
			if ro == nil {
				return fmt.Errorf("a choice rule is not an object")
			}
			rule, err := st.compileJSONataRule(ro, i)
			if err != nil {
				return err
			}
			st.Choices = append(st.Choices, rule)
		}
		if d := st.str("Default"); d != "" {
			st.Default = st.Machine.ByName[d]
		}
	case Wait:
		if st.Seconds, err = st.jnumber("Seconds"); err != nil {
			return err
		}
		if v, ok := st.get("Timestamp"); ok {
			if st.TimestampExpr, err = jexpr(v, "Timestamp"); err != nil {
				return err
			}
			if s, ok := v.(string); ok && st.TimestampExpr == nil {
				st.Timestamp, _ = ParseTimestamp(s)
			}
		}
	case Fail:
		if v, ok := st.get("Error"); ok {
			if st.ErrorExpr, err = jexpr(v, "Error"); err != nil {
				return err
			}
			if st.ErrorExpr == nil {
				st.Error, st.HasError = v.(string)
			}
		}
		if v, ok := st.get("Cause"); ok {
			if st.CauseExpr, err = jexpr(v, "Cause"); err != nil {
				return err
			}
			if st.CauseExpr == nil {
				st.Cause, st.HasCause = v.(string)
			}
		}
	case Parallel:
		if err := st.compileBranches(); err != nil {
			return err
		}
	case Map:
		if err := st.compileProcessor(); err != nil {
			return err
		}
		if v, ok := st.get("Items"); ok {
			if st.Items, err = CompileJSONataTemplate(v, "Items"); err != nil {
				return err
			}
		}
		if v, ok := st.get("ItemSelector"); ok {
			if st.JItemSelector, err = CompileJSONataTemplate(v, "ItemSelector"); err != nil {
				return err
			}
		}
		if st.MaxConcurrency, err = st.jnumber("MaxConcurrency"); err != nil {
			return err
		}
		if st.ToleratedFailureCount, err = st.jnumber("ToleratedFailureCount"); err != nil {
			return err
		}
		if st.ToleratedFailurePercentage, err = st.jnumber("ToleratedFailurePercentage"); err != nil {
			return err
		}
	}
	st.UsesContext = st.jsonataReadsContext()
	return nil
}

// jexpr compiles a field that may be a JSONata expression; nil if it is
// a literal.
func jexpr(v any, field string) (*Expr, error) {
	s, ok := v.(string)
	if !ok {
		return nil, nil
	}
	return CompileExpr(s, field)
}

// jnumber compiles a numeric field of a JSONata state: a number or an
// expression.
func (st *State) jnumber(field string) (Number, error) {
	v, ok := st.get(field)
	if !ok {
		return Number{}, nil
	}
	x, err := jexpr(v, field)
	if err != nil {
		return Number{}, err
	}
	if x != nil {
		return Number{Set: true, Expr: x}, nil
	}
	n, _ := v.(value.Number)
	i, _ := n.Int64()
	return Number{Set: true, Value: i, Float: n.Float64()}, nil
}

func (st *State) compileJSONataRule(r *value.Object, i int) (*Rule, error) {
	prefix := "Choices[" + strconv.Itoa(i) + "]"
	rule := &Rule{JSONata: true, op: "Condition"}
	next, _ := r.Get("Next")
	name, _ := next.(string)
	rule.Next = st.Machine.ByName[name]
	var err error
	cond, _ := r.Get("Condition")
	if b, ok := cond.(bool); ok {
		rule.condLit = b
		rule.Text = strconv.FormatBool(b)
	} else {
		if rule.Condition, err = jexpr(cond, prefix+"/Condition"); err != nil {
			return nil, err
		}
		if rule.Condition == nil {
			return nil, fmt.Errorf("a choice rule's Condition is neither a boolean nor an expression")
		}
		rule.Text = rule.Condition.Src
	}
	if v, ok := r.Get("Assign"); ok {
		if rule.Assign, err = st.compileAssign(v, prefix+"/Assign"); err != nil {
			return nil, err
		}
	}
	if v, ok := r.Get("Output"); ok {
		if rule.Output, err = CompileJSONataTemplate(v, prefix+"/Output"); err != nil {
			return nil, err
		}
	}
	return rule, nil
}

// jsonataReadsContext reports whether any expression of the state reads
// $states.context, so that a task's request carries the context object.
func (st *State) jsonataReadsContext() bool {
	uses := false
	check := func(x *Expr) {
		if x == nil || uses {
			return
		}
		for _, f := range x.References().Fields["states"] {
			if f == "context" {
				uses = true
			}
		}
	}
	each := func(t *JTemplate) {
		if t != nil {
			t.Exprs(check)
		}
	}
	each(st.Arguments)
	each(st.Output)
	each(st.Items)
	each(st.JItemSelector)
	if st.Assign != nil {
		each(st.Assign.JSONata)
	}
	for _, n := range []Number{st.Timeout, st.Heartbeat, st.Seconds, st.MaxConcurrency, st.ToleratedFailureCount, st.ToleratedFailurePercentage} {
		check(n.Expr)
	}
	check(st.TimestampExpr)
	check(st.ErrorExpr)
	check(st.CauseExpr)
	for _, r := range st.Choices {
		check(r.Condition)
		each(r.Output)
		if r.Assign != nil {
			each(r.Assign.JSONata)
		}
	}
	return uses
}

func (st *State) compileMap() error {
	var err error
	if err = st.compileProcessor(); err != nil {
		return err
	}
	if st.ItemsPath, err = st.optPath("ItemsPath"); err != nil {
		return err
	}
	// ItemSelector replaced the older Parameters field of a Map state.
	if st.ItemSelector, err = st.template("ItemSelector"); err != nil {
		return err
	}
	if st.ItemSelector == nil && st.Parameters != nil {
		st.ItemSelector, st.Parameters = st.Parameters, nil
	}
	if st.MaxConcurrency, err = st.number("MaxConcurrency", "MaxConcurrencyPath"); err != nil {
		return err
	}
	if st.ToleratedFailureCount, err = st.number("ToleratedFailureCount", "ToleratedFailureCountPath"); err != nil {
		return err
	}
	if st.ToleratedFailurePercentage, err = st.number("ToleratedFailurePercentage", "ToleratedFailurePercentagePath"); err != nil {
		return err
	}
	return nil
}

func (st *State) readsContext() bool {
	ctx := func(p *jsonpath.Path) bool { return p != nil && p.Root() == jsonpath.RootContext }
	if ctx(st.InputPath.Path) || ctx(st.OutputPath.Path) || ctx(st.ItemsPath.Path) || ctx(st.TimestampPath) ||
		ctx(st.ErrorPath) || ctx(st.CausePath) || ctx(st.Seconds.Path) || ctx(st.Timeout.Path) || ctx(st.Heartbeat.Path) ||
		ctx(st.MaxConcurrency.Path) || ctx(st.ToleratedFailureCount.Path) || ctx(st.ToleratedFailurePercentage.Path) {
		return true
	}
	for _, t := range []*Template{st.Parameters, st.ResultSelector, st.ItemSelector} {
		if t != nil && t.UsesContext() {
			return true
		}
	}
	for _, c := range []*intrinsic.Call{st.ErrorCall, st.CauseCall} {
		if c == nil {
			continue
		}
		uses := false
		c.Paths(func(p *jsonpath.Path) { uses = uses || ctx(p) })
		if uses {
			return true
		}
	}
	for _, r := range st.Choices {
		if r.readsContext() {
			return true
		}
	}
	return false
}

func (r *Rule) readsContext() bool {
	if (r.variable != nil && r.variable.Root() == jsonpath.RootContext) || (r.path != nil && r.path.Root() == jsonpath.RootContext) {
		return true
	}
	for _, k := range r.kids {
		if k.readsContext() {
			return true
		}
	}
	return false
}

func pathOrCall(s string) (*jsonpath.Path, *intrinsic.Call, error) {
	if s == "" {
		return nil, nil, nil
	}
	if intrinsic.IsCall(s) {
		c, err := intrinsic.Parse(s)
		return nil, c, err
	}
	p, err := jsonpath.Parse(s)
	return p, nil, err
}

func (st *State) optPath(field string) (Path, error) {
	v, ok := st.get(field)
	if !ok {
		return Path{}, nil
	}
	if v == nil {
		return Path{Null: true}, nil
	}
	s, _ := v.(string)
	p, err := jsonpath.Parse(s)
	if err != nil {
		return Path{}, err
	}
	return Path{Path: p}, nil
}

func (st *State) template(field string) (*Template, error) {
	v, ok := st.get(field)
	if !ok {
		return nil, nil
	}
	return CompileTemplate(v)
}

func (st *State) number(field, pathField string) (Number, error) {
	if v, ok := st.get(field); ok {
		n, _ := v.(value.Number)
		i, _ := n.Int64()
		return Number{Set: true, Value: i, Float: n.Float64()}, nil
	}
	if v, ok := st.get(pathField); ok {
		s, _ := v.(string)
		p, err := jsonpath.Parse(s)
		if err != nil {
			return Number{}, err
		}
		return Number{Set: true, Path: p}, nil
	}
	return Number{}, nil
}

func stringList(v any) []string {
	arr, _ := v.([]any)
	out := make([]string, 0, len(arr))
	for _, x := range arr {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func compileRetry(src *value.Object) ([]Retrier, error) {
	v, ok := src.Get("Retry")
	if !ok {
		return nil, nil
	}
	arr, _ := v.([]any)
	out := make([]Retrier, 0, len(arr))
	for _, x := range arr {
		o, _ := x.(*value.Object)
		if o == nil {
			return nil, fmt.Errorf("a retrier is not an object")
		}
		ee, _ := o.Get("ErrorEquals")
		r := Retrier{ErrorEquals: stringList(ee), IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2}
		if n, ok := o.Get("IntervalSeconds"); ok {
			r.IntervalSeconds, _ = n.(value.Number).Int64()
		}
		if n, ok := o.Get("MaxAttempts"); ok {
			r.MaxAttempts, _ = n.(value.Number).Int64()
		}
		if n, ok := o.Get("BackoffRate"); ok {
			r.BackoffRate = n.(value.Number).Float64()
		}
		if n, ok := o.Get("MaxDelaySeconds"); ok {
			r.MaxDelaySeconds, _ = n.(value.Number).Int64()
		}
		if j, _ := o.Get("JitterStrategy"); j == "FULL" {
			r.JitterFull = true
		}
		out = append(out, r)
	}
	return out, nil
}

func (st *State) compileCatch() ([]Catcher, error) {
	v, ok := st.get("Catch")
	if !ok {
		return nil, nil
	}
	arr, _ := v.([]any)
	out := make([]Catcher, 0, len(arr))
	for _, x := range arr {
		o, _ := x.(*value.Object)
		if o == nil {
			return nil, fmt.Errorf("a catcher is not an object")
		}
		ee, _ := o.Get("ErrorEquals")
		next, _ := o.Get("Next")
		name, _ := next.(string)
		c := Catcher{ErrorEquals: stringList(ee), Next: st.Machine.ByName[name]}
		if c.Next == nil {
			return nil, fmt.Errorf("a catcher's Next names no state")
		}
		prefix := "Catch[" + strconv.Itoa(len(out)) + "]"
		if a, ok := o.Get("Assign"); ok {
			var err error
			if c.Assign, err = st.compileAssign(a, prefix+"/Assign"); err != nil {
				return nil, err
			}
		}
		if v, ok := o.Get("Output"); ok && st.JSONata {
			var err error
			if c.Output, err = CompileJSONataTemplate(v, prefix+"/Output"); err != nil {
				return nil, err
			}
		}
		if rp, ok := o.Get("ResultPath"); ok && !st.JSONata {
			if rp == nil {
				c.ResultPath = Path{Null: true}
			} else {
				s, _ := rp.(string)
				p, err := jsonpath.Parse(s)
				if err != nil {
					return nil, err
				}
				c.ResultPath = Path{Path: p}
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// TypeName returns the state's Type, "Pass", "Task", ...
func (st *State) TypeName() string { return kindNames[st.Kind] }

// Walk calls f for every state of the machine and its sub-machines, parents
// before children.
func (m *Machine) Walk(f func(*State)) {
	for _, st := range m.States {
		f(st)
		for _, b := range st.Branches {
			b.Walk(f)
		}
		if st.Processor != nil {
			st.Processor.Walk(f)
		}
	}
}

// CompileText loads (JSON or YAML), validates and compiles a definition.
// An invalid one is an error carrying its definition.Diagnostics.
func CompileText(def string) (*Machine, error) {
	doc, diags := definition.Load([]byte(def), definition.Options{})
	if diags.HasErrors() {
		return nil, diags
	}
	return Compile(doc)
}
