package interpreter

import (
	"github.com/baton-sh/baton/failure"
	"github.com/baton-sh/baton/history"
	"github.com/baton-sh/baton/machine"
	"github.com/baton-sh/baton/value"
)

// Workflow variables. The top-level states of an execution share one scope.
// A Parallel branch and a Map iteration each run in a scope of their own,
// inside the scope of the state that started them: they read the outer
// variables but may not assign them, and what they assign ends with them
// (only their output leaves). A distributed Map's iterations, which AWS runs
// as child executions, see no outer variables at all.
//
// A state's assignments take effect when it leaves: every expression of
// the state, its Assign included, reads the values from before.

// AWS's limits on variables.
const (
	MaxVariableSize   = 256 * 1024       // one variable
	MaxAssignSize     = 256 * 1024       // the variables of one Assign
	MaxVariablesTotal = 10 * 1024 * 1024 // every variable in scope
)

type varScope struct {
	parent *varScope
	names  []string
	vals   []any
	sizes  []int
	total  int
}

func (s *varScope) get(name string) (any, bool) {
	for sc := s; sc != nil; sc = sc.parent {
		for i, n := range sc.names {
			if n == name {
				return sc.vals[i], true
			}
		}
	}
	return nil, false
}

func (s *varScope) own(name string) int {
	for i, n := range s.names {
		if n == name {
			return i
		}
	}
	return -1
}

func (s *varScope) chainTotal() int {
	t := 0
	for sc := s; sc != nil; sc = sc.parent {
		t += sc.total
	}
	return t
}

// scopeOf makes a scope of the variables of an object (nil: none).
func scopeOf(o *value.Object) *varScope {
	if o == nil || o.Len() == 0 {
		return nil
	}
	sc := &varScope{}
	for _, m := range o.Members() {
		size := value.Size(m.Value)
		sc.names = append(sc.names, m.Key)
		sc.vals = append(sc.vals, m.Value)
		sc.sizes = append(sc.sizes, size)
		sc.total += size
	}
	return sc
}

// scope returns the frame's variables: its own scope, or the one it reads
// from outside until it assigns something.
func (f *frame) scope() *varScope {
	if f.vars != nil {
		return f.vars
	}
	return f.outer
}

// Variable implements machine.Scope.
func (f *frame) Variable(name string) (any, bool) {
	if sc := f.scope(); sc != nil {
		return sc.get(name)
	}
	return nil, false
}

// Variables returns the variables the frame sees, outer ones first, as an
// object (TestState reports them).
func (f *frame) Variables() *value.Object {
	b := value.NewBuilder(0)
	var chain []*varScope
	for sc := f.scope(); sc != nil; sc = sc.parent {
		chain = append(chain, sc)
	}
	for i := len(chain) - 1; i >= 0; i-- {
		for j, n := range chain[i].names {
			b.Set(n, chain[i].vals[j])
		}
	}
	return b.Object()
}

// assignPath evaluates a JSONPath state's Assign, whose paths read dollar
// (the state's result, or its input for Choice and Wait).
func (f *frame) assignPath(a *machine.Assign, dollar any) *failure.Failure {
	if a == nil || a.Path == nil {
		return nil
	}
	v, fl := a.Path.Eval(dollar, f)
	if fl != nil {
		return f.runtimeFailure(fl)
	}
	o, _ := v.(*value.Object)
	f.pend(o)
	return nil
}

// pend adds assignments to those the state makes when it leaves; a later
// one of a name replaces an earlier.
func (f *frame) pend(o *value.Object) {
	if f.assigns == nil || o == nil {
		if o != nil {
			f.assigns = o
		}
		return
	}
	b := value.NewBuilder(f.assigns.Len() + o.Len())
	for _, m := range f.assigns.Members() {
		b.Set(m.Key, m.Value)
	}
	for _, m := range o.Members() {
		b.Set(m.Key, m.Value)
	}
	f.assigns = b.Object()
}

// assignJSONata evaluates a JSONata state's Assign.
func (f *frame) assignJSONata(a *machine.Assign, env *machine.JEnv) *failure.Failure {
	if a == nil || a.JSONata == nil {
		return nil
	}
	v, fl := a.JSONata.Eval(env)
	if fl != nil {
		return f.evalFailed(fl)
	}
	o, _ := v.(*value.Object)
	f.pend(o)
	return nil
}

// commit puts the pending assignments into effect and returns them for the
// state's Exited event.
func (f *frame) commit() ([]history.Assignment, *failure.Failure) {
	o := f.assigns
	f.assigns = nil
	if o == nil || o.Len() == 0 {
		return nil, nil
	}
	sizes := make([]int, o.Len())
	sum := 0
	for i, m := range o.Members() {
		sizes[i] = value.Size(m.Value)
		if sizes[i] > MaxVariableSize {
			return nil, f.runtimeFailure(failure.Newf(failure.DataLimitExceeded,
				"The variable '%s' has a size exceeding the maximum number of bytes service limit.", m.Key))
		}
		sum += sizes[i]
	}
	if sum > MaxAssignSize {
		return nil, f.runtimeFailure(failure.Newf(failure.DataLimitExceeded,
			"The variables assigned by the state '%s' have a combined size exceeding the maximum number of bytes service limit.", f.st.Name))
	}
	for _, m := range o.Members() {
		if f.outer != nil && (f.vars == nil || f.vars.own(m.Key) < 0) {
			if _, outer := f.outer.get(m.Key); outer {
				return nil, f.runtimeFailure(failure.Newf(failure.Runtime,
					"Cannot bind value '%s' to variable '%s' as it belongs to an outer scope.", value.String(m.Value), m.Key))
			}
		}
	}
	if f.vars == nil {
		f.vars = &varScope{parent: f.outer}
	}
	sc := f.vars
	out := make([]history.Assignment, 0, o.Len())
	for j, m := range o.Members() {
		size := sizes[j]
		if i := sc.own(m.Key); i >= 0 {
			sc.total += size - sc.sizes[i]
			sc.vals[i], sc.sizes[i] = m.Value, size
		} else {
			sc.names = append(sc.names, m.Key)
			sc.vals = append(sc.vals, m.Value)
			sc.sizes = append(sc.sizes, size)
			sc.total += size
		}
		if sc.chainTotal() > MaxVariablesTotal {
			return nil, f.runtimeFailure(failure.Newf(failure.DataLimitExceeded,
				"The workflow variables have a total size exceeding the maximum number of bytes service limit."))
		}
		out = append(out, history.Assignment{Name: m.Key, Value: m.Value})
	}
	return out, nil
}
