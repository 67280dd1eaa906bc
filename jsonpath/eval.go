package jsonpath

import (
	"fmt"

	"github.com/baton-sh/baton/value"
)

// NotFoundError says a definite path selected nothing. Msg is worded as
// Jayway words it, because AWS quotes it in its error causes.
type NotFoundError struct {
	Path string
	Msg  string
}

func (e *NotFoundError) Error() string { return e.Msg }

// Get evaluates the path on doc. A definite path yields its node, or false
// when the node is missing; an indefinite path yields a []any of every
// match (possibly empty) and true. An indefinite path's selection is
// bounded by a budget of DefaultBudget bytes (see GetWithin), past which
// it yields nothing (false).
func (p *Path) Get(doc any) (any, bool) {
	v, ok, err := p.GetWithin(doc, value.NewBudget(DefaultBudget))
	return v, ok && err == nil
}

// DefaultBudget is the budget of Get and Lookup, in bytes.
const DefaultBudget = 64 << 20

// GetWithin is Get within a budget: an indefinite path's selection spends
// 16 bytes for every node it selects and a byte for every node it visits
// (so that a selection that visits without keeping is bounded too: deep
// scans of deep scans, filters that scan the document), and fails with
// value.ErrTooLarge once the budget is spent, before it selects more.
func (p *Path) GetWithin(doc any, b *value.Budget) (any, bool, error) {
	if p.definite {
		v, ok := getDefinite(doc, p.segs)
		return v, ok, nil
	}
	w := walker{root: doc, budget: b}
	out := w.collect(doc, p.segs)
	if w.spent || b.Left() < 0 { // spent here, or by a path inside a filter
		return nil, false, value.ErrTooLarge
	}
	return out, true, nil
}

// Lookup is Get with a NotFoundError that explains what was missing; an
// indefinite path's selection fails with value.ErrTooLarge past its
// budget (DefaultBudget).
func (p *Path) Lookup(doc any) (any, error) {
	return p.LookupWithin(doc, value.NewBudget(DefaultBudget))
}

// LookupWithin is Lookup within a budget (see GetWithin).
func (p *Path) LookupWithin(doc any, b *value.Budget) (any, error) {
	if !p.definite {
		w := walker{root: doc, budget: b}
		out := w.collect(doc, p.segs)
		if w.spent || b.Left() < 0 { // spent here, or by a path inside a filter
			return nil, value.ErrTooLarge
		}
		return out, nil
	}
	cur := doc
	for i, s := range p.segs {
		switch s.kind {
		case segName:
			obj, ok := cur.(*value.Object)
			if !ok {
				if i == len(p.segs)-1 {
					return nil, p.notFound()
				}
				return nil, &NotFoundError{Path: p.text, Msg: fmt.Sprintf(
					"Expected to find an object with property %s in path %s but found '%s'. This is not a json object according to the JsonProvider: 'com.jayway.jsonpath.spi.json.JacksonJsonNodeJsonProvider'.",
					segString(s), p.prefix(i), javaNodeClass(cur))}
			}
			v, ok := obj.Get(s.name)
			if !ok {
				if i == len(p.segs)-1 {
					return nil, p.notFound()
				}
				return nil, &NotFoundError{Path: p.text, Msg: "Missing property in path " + p.prefix(i+1)}
			}
			cur = v
		case segIndex:
			arr, ok := cur.([]any)
			if !ok {
				return nil, &NotFoundError{Path: p.text, Msg: fmt.Sprintf(
					"Filter: %s can only be applied to arrays. Current context is: %s", segString(s), value.String(cur))}
			}
			idx := s.index
			if idx < 0 {
				idx += len(arr)
			}
			if idx < 0 || idx >= len(arr) {
				return nil, p.notFound()
			}
			cur = arr[idx]
		}
	}
	return cur, nil
}

func (p *Path) notFound() error {
	return &NotFoundError{Path: p.text, Msg: "No results for path: " + p.Canonical()}
}

// prefix prints the root and the first n segments in bracket notation.
func (p *Path) prefix(n int) string {
	q := *p
	q.segs = p.segs[:n]
	return q.Canonical()
}

func segString(s segment) string {
	q := Path{segs: []segment{s}}
	return q.Canonical()[1:]
}

// javaNodeClass names the Jackson node class AWS's engine would report for v.
func javaNodeClass(v any) string {
	switch t := v.(type) {
	case nil:
		return "com.fasterxml.jackson.databind.node.NullNode"
	case bool:
		return "com.fasterxml.jackson.databind.node.BooleanNode"
	case string:
		return "com.fasterxml.jackson.databind.node.TextNode"
	case value.Number:
		if _, ok := t.Int64(); ok && t.IsInteger() {
			return "com.fasterxml.jackson.databind.node.IntNode"
		}
		return "com.fasterxml.jackson.databind.node.DoubleNode"
	case []any:
		return "com.fasterxml.jackson.databind.node.ArrayNode"
	}
	return "com.fasterxml.jackson.databind.node.ObjectNode"
}

func getDefinite(doc any, segs []segment) (any, bool) {
	cur := doc
	for i := range segs {
		s := &segs[i]
		switch s.kind {
		case segName:
			obj, ok := cur.(*value.Object)
			if !ok {
				return nil, false
			}
			if cur, ok = obj.Get(s.name); !ok {
				return nil, false
			}
		case segIndex:
			arr, ok := cur.([]any)
			if !ok {
				return nil, false
			}
			idx := s.index
			if idx < 0 {
				idx += len(arr)
			}
			if idx < 0 || idx >= len(arr) {
				return nil, false
			}
			cur = arr[idx]
		default:
			return nil, false
		}
	}
	return cur, true
}

// walker selects the nodes of an indefinite path, within a budget.
type walker struct {
	root   any
	budget *value.Budget
	spent  bool
	out    []any
}

// sub is a walker for a path inside a filter: the same root and budget.
func (w *walker) sub() *walker { return &walker{root: w.root, budget: w.budget} }

// spend takes n bytes from the budget, and reports whether the walk goes
// on: not once the budget is spent, here or by a path inside a filter.
func (w *walker) spend(n int) bool {
	if w.spent {
		return false
	}
	if !w.budget.Spend(n) {
		w.spent = true
	}
	return !w.spent
}

func (w *walker) collect(doc any, segs []segment) []any {
	w.out = []any{}
	w.walk(doc, segs)
	return w.out
}

func (w *walker) walk(cur any, segs []segment) {
	if !w.spend(1) {
		return
	}
	if len(segs) == 0 {
		if w.spend(value.SizeItem) {
			w.out = append(w.out, cur)
		}
		return
	}
	s := &segs[0]
	if s.deep {
		shallow := *s
		shallow.deep = false
		rest := append([]segment{shallow}, segs[1:]...)
		var scan func(v any)
		scan = func(v any) {
			if !w.spend(1) {
				return
			}
			w.walk(v, rest)
			switch t := v.(type) {
			case []any:
				for _, x := range t {
					scan(x)
				}
			case *value.Object:
				for _, m := range t.Members() {
					scan(m.Value)
				}
			}
		}
		scan(cur)
		return
	}
	rest := segs[1:]
	switch s.kind {
	case segName:
		if obj, ok := cur.(*value.Object); ok {
			if v, ok := obj.Get(s.name); ok {
				w.walk(v, rest)
			}
		}
	case segNames:
		obj, ok := cur.(*value.Object)
		if !ok {
			return
		}
		if len(rest) == 0 {
			// At the end of a path, Jayway gathers the named members into
			// one object.
			if !w.spend(value.SizeItem + value.SizeObject + len(s.names)*value.SizeMember) {
				return
			}
			b := value.NewBuilder(len(s.names))
			for _, n := range s.names {
				if v, ok := obj.Get(n); ok {
					b.Set(n, v)
				}
			}
			w.out = append(w.out, b.Object())
			return
		}
		for _, n := range s.names {
			if v, ok := obj.Get(n); ok {
				w.walk(v, rest)
			}
		}
	case segIndex:
		if arr, ok := cur.([]any); ok {
			idx := s.index
			if idx < 0 {
				idx += len(arr)
			}
			if idx >= 0 && idx < len(arr) {
				w.walk(arr[idx], rest)
			}
		}
	case segIndexes:
		if arr, ok := cur.([]any); ok {
			for _, idx := range s.indexes {
				if idx < 0 {
					idx += len(arr)
				}
				if idx >= 0 && idx < len(arr) {
					w.walk(arr[idx], rest)
				}
			}
		}
	case segSlice:
		arr, ok := cur.([]any)
		if !ok {
			return
		}
		from, to := sliceBounds(s, len(arr))
		for i := from; i < to; i++ {
			w.walk(arr[i], rest)
		}
	case segWildcard:
		switch t := cur.(type) {
		case []any:
			for _, x := range t {
				w.walk(x, rest)
			}
		case *value.Object:
			for _, m := range t.Members() {
				w.walk(m.Value, rest)
			}
		}
	case segFilter:
		switch t := cur.(type) {
		case []any:
			for _, x := range t {
				if s.filter.eval(w, x) && !w.spent {
					w.walk(x, rest)
				}
			}
		case *value.Object:
			if s.filter.eval(w, t) && !w.spent {
				w.walk(t, rest)
			}
		}
	}
}

func sliceBounds(s *segment, n int) (int, int) {
	from, to := 0, n
	if s.hasFrom {
		from = s.start
		if from < 0 {
			from += n
		}
	}
	if s.hasTo {
		to = s.end
		if to < 0 {
			to += n
		}
	}
	from = max(0, min(from, n))
	to = max(0, min(to, n))
	if to < from {
		to = from
	}
	return from, to
}

// SetError says a reference path could not be applied to a document.
type SetError struct {
	Path string
	// Step is the member name or index that could not be applied, empty
	// when the root itself could not hold the path.
	Step string
	Doc  any // the document being written
}

func (e *SetError) Error() string {
	if e.Step == "" {
		return fmt.Sprintf("Unable to apply ReferencePath %s to input %s", e.Path, value.String(e.Doc))
	}
	return fmt.Sprintf("Unable to apply step \"%s\" to input %s", e.Step, value.String(e.Doc))
}

// Set returns a copy of doc with the node at the path replaced by v; doc is
// not changed. Missing objects along the way are created. The path must be a
// reference path. Only the spine from the root to the node is copied.
func (p *Path) Set(doc, v any) (any, error) {
	if len(p.segs) == 0 {
		return v, nil
	}
	if _, ok := doc.(*value.Object); !ok {
		if _, isArr := doc.([]any); !isArr || p.segs[0].kind != segIndex {
			return nil, &SetError{Path: p.text, Doc: doc}
		}
	}
	return p.set(doc, 0, v, doc)
}

func (p *Path) set(cur any, i int, v any, doc any) (any, error) {
	if i == len(p.segs) {
		return v, nil
	}
	s := &p.segs[i]
	switch s.kind {
	case segName:
		var obj *value.Object
		switch t := cur.(type) {
		case *value.Object:
			obj = t
		case nil:
			if i == 0 {
				return nil, &SetError{Path: p.text, Doc: doc}
			}
			obj = value.Empty
		default:
			return nil, &SetError{Path: p.text, Step: s.name, Doc: doc}
		}
		child, ok := obj.Get(s.name)
		if !ok {
			child = nil
			if i+1 < len(p.segs) && p.segs[i+1].kind == segIndex {
				return nil, &SetError{Path: p.text, Step: fmt.Sprint(p.segs[i+1].index), Doc: doc}
			}
		} else if i+1 < len(p.segs) {
			if _, isObj := child.(*value.Object); !isObj {
				if _, isArr := child.([]any); !isArr {
					return nil, &SetError{Path: p.text, Step: p.segName(i + 1), Doc: doc}
				}
			}
		}
		nv, err := p.set(child, i+1, v, doc)
		if err != nil {
			return nil, err
		}
		return obj.With(s.name, nv), nil
	case segIndex:
		arr, ok := cur.([]any)
		if !ok || s.index < 0 || s.index >= len(arr) {
			return nil, &SetError{Path: p.text, Step: fmt.Sprint(s.index), Doc: doc}
		}
		nv, err := p.set(arr[s.index], i+1, v, doc)
		if err != nil {
			return nil, err
		}
		out := make([]any, len(arr))
		copy(out, arr)
		out[s.index] = nv
		return out, nil
	}
	return nil, &SetError{Path: p.text, Doc: doc}
}

func (p *Path) segName(i int) string {
	s := p.segs[i]
	if s.kind == segIndex {
		return fmt.Sprint(s.index)
	}
	return s.name
}
