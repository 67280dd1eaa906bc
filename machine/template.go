package machine

import (
	"math/rand/v2"
	"strings"

	"github.com/baton-sh/baton/failure"
	"github.com/baton-sh/baton/intrinsic"
	"github.com/baton-sh/baton/jsonpath"
	"github.com/baton-sh/baton/value"
)

// Scope is what evaluation reads besides the input: the context object,
// workflow variables and randomness. The interpreter implements it; the
// context object is built only when a path asks for it.
type Scope interface {
	Context() any
	Variable(name string) (any, bool)
	Random() rand.Source
}

// Template is a compiled payload template (Parameters, ResultSelector,
// ItemSelector): literal parts are kept as they are, "key.$" entries are
// evaluated.
type Template struct {
	root tnode
	// makes is set when the template makes values beyond its own (an
	// intrinsic function, an indefinite path's selection): only those
	// need a budget.
	makes bool
}

type tkind uint8

const (
	tLiteral tkind = iota
	tPath
	tCall
	tObject
	tArray
)

type tnode struct {
	kind  tkind
	lit   any
	path  *jsonpath.Path
	call  *intrinsic.Call
	field string // the template key, "name.$", for messages
	keys  []string
	kids  []tnode
	dup   bool // keys repeat (a and a.$): build with replacement
}

// CompileTemplate compiles a template value. Syntax was checked by
// validation; a bad path or call here is reported as an error all the same.
func CompileTemplate(v any) (*Template, error) {
	n, err := compileNode(v, "")
	if err != nil {
		return nil, err
	}
	return &Template{root: n, makes: n.makes()}, nil
}

func (n *tnode) makes() bool {
	switch n.kind {
	case tCall:
		return true
	case tPath:
		return !n.path.Definite()
	}
	for i := range n.kids {
		if n.kids[i].makes() {
			return true
		}
	}
	return false
}

func compileNode(v any, field string) (tnode, error) {
	switch t := v.(type) {
	case *value.Object:
		n := tnode{kind: tObject}
		static := true
		seen := map[string]bool{}
		for _, m := range t.Members() {
			key := m.Key
			var kid tnode
			if strings.HasSuffix(key, ".$") {
				key = strings.TrimSuffix(key, ".$")
				s, _ := m.Value.(string)
				k, err := compileDynamic(s, m.Key)
				if err != nil {
					return tnode{}, err
				}
				kid = k
				static = false
			} else {
				k, err := compileNode(m.Value, m.Key)
				if err != nil {
					return tnode{}, err
				}
				kid = k
				if k.kind != tLiteral {
					static = false
				}
			}
			if seen[key] {
				n.dup = true
			}
			seen[key] = true
			n.keys = append(n.keys, key)
			n.kids = append(n.kids, kid)
		}
		if static {
			return tnode{kind: tLiteral, lit: t}, nil
		}
		return n, nil
	case []any:
		n := tnode{kind: tArray}
		static := true
		for _, x := range t {
			k, err := compileNode(x, field)
			if err != nil {
				return tnode{}, err
			}
			if k.kind != tLiteral {
				static = false
			}
			n.kids = append(n.kids, k)
		}
		if static {
			return tnode{kind: tLiteral, lit: t}, nil
		}
		return n, nil
	}
	return tnode{kind: tLiteral, lit: v}, nil
}

func compileDynamic(s, field string) (tnode, error) {
	if intrinsic.IsCall(s) {
		c, err := intrinsic.Parse(s)
		if err != nil {
			return tnode{}, err
		}
		return tnode{kind: tCall, call: c, field: field}, nil
	}
	p, err := jsonpath.Parse(s)
	if err != nil {
		return tnode{}, err
	}
	return tnode{kind: tPath, path: p, field: field}, nil
}

// Static reports whether the template has no dynamic part, and its value.
func (t *Template) Static() (any, bool) {
	if t.root.kind == tLiteral {
		return t.root.lit, true
	}
	return nil, false
}

// UsesContext reports whether evaluating the template reads $$.
func (t *Template) UsesContext() bool { return t.root.usesContext() }

func (n *tnode) usesContext() bool {
	switch n.kind {
	case tPath:
		return n.path.Root() == jsonpath.RootContext
	case tCall:
		uses := false
		n.call.Paths(func(p *jsonpath.Path) {
			if p.Root() == jsonpath.RootContext {
				uses = true
			}
		})
		return uses
	case tObject, tArray:
		for i := range n.kids {
			if n.kids[i].usesContext() {
				return true
			}
		}
	}
	return false
}

// TemplateMemory bounds the values one payload template's paths and
// intrinsic functions make, in the bytes a value.Budget counts: what one
// evaluation may hold, whatever the definition, so that it fails its
// execution before the process runs out of memory. The same bound holds
// on every replay.
const TemplateMemory = 64 << 20

// Eval builds the template's payload for an input.
func (t *Template) Eval(input any, sc Scope) (any, *failure.Failure) {
	var b *value.Budget
	if t.makes {
		b = value.NewBudget(TemplateMemory)
	}
	return t.root.eval(input, sc, b)
}

func (n *tnode) eval(input any, sc Scope, b *value.Budget) (any, *failure.Failure) {
	switch n.kind {
	case tLiteral:
		return n.lit, nil
	case tPath:
		return resolveField(n.path, input, sc, n.field, b)
	case tCall:
		env := &callEnv{input: input, sc: sc, field: n.field, budget: b}
		v, err := n.call.Eval(env)
		if err != nil {
			if f, ok := failure.From(err); ok {
				return nil, f
			}
			return nil, failure.New(failure.IntrinsicFailure, err.Error())
		}
		return v, nil
	case tObject:
		if n.dup {
			o := value.NewBuilder(len(n.kids))
			for i := range n.kids {
				v, f := n.kids[i].eval(input, sc, b)
				if f != nil {
					return nil, f
				}
				o.Set(n.keys[i], v)
			}
			return o.Object(), nil
		}
		o := value.Make(len(n.kids))
		for i := range n.kids {
			v, f := n.kids[i].eval(input, sc, b)
			if f != nil {
				return nil, f
			}
			o.Set(i, n.keys[i], v)
		}
		return o, nil
	case tArray:
		out := make([]any, len(n.kids))
		for i := range n.kids {
			v, f := n.kids[i].eval(input, sc, b)
			if f != nil {
				return nil, f
			}
			out[i] = v
		}
		return out, nil
	}
	return nil, nil
}

// root returns the document a path reads.
func root(p *jsonpath.Path, input any, sc Scope) (any, bool) {
	switch p.Root() {
	case jsonpath.RootContext:
		return sc.Context(), true
	case jsonpath.RootVariable:
		return sc.Variable(p.Variable())
	}
	return input, true
}

// resolveField evaluates the path of a "field.$" entry: a path that
// selects nothing fails with AWS's States.Runtime cause, as does one whose
// selection would exceed the evaluation's budget.
func resolveField(p *jsonpath.Path, input any, sc Scope, field string, b *value.Budget) (any, *failure.Failure) {
	doc, ok := root(p, input, sc)
	if ok {
		v, found, err := p.GetWithin(doc, b)
		if err != nil {
			return nil, failure.Newf(failure.Runtime, "The JSONPath '%s' specified for the field '%s' selects more than an evaluation may hold",
				p.String(), field)
		}
		if found {
			return v, nil
		}
	}
	return nil, failure.Newf(failure.Runtime, "The JSONPath '%s' specified for the field '%s' could not be found in the input '%s'",
		p.String(), field, value.String(input))
}

// EvalCall evaluates an intrinsic call on an input; field names the
// definition field in error messages.
func EvalCall(c *intrinsic.Call, input any, sc Scope, field string) (any, *failure.Failure) {
	n := tnode{kind: tCall, call: c, field: field}
	return n.eval(input, sc, value.NewBudget(TemplateMemory))
}

type callEnv struct {
	input  any
	sc     Scope
	field  string
	budget *value.Budget
}

func (e *callEnv) Resolve(p *jsonpath.Path) (any, error) {
	v, f := resolveField(p, e.input, e.sc, e.field, e.budget)
	if f != nil {
		return nil, f.AsError()
	}
	return v, nil
}

func (e *callEnv) Random() rand.Source { return e.sc.Random() }

func (e *callEnv) Budget() *value.Budget { return e.budget }
