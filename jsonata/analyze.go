package jsonata

// References describes what an expression reads, for checks a host makes
// before it runs the expression.
type References struct {
	// TopLevel are the names the expression reads from its input at the top
	// level: the first step of a path evaluated against the expression's
	// own input (a field name, "*", "**", or "$" for the input itself), in
	// the order they appear, without repeats. A name inside a predicate, a
	// later step or a sort term reads something else and is not listed.
	TopLevel []string
	// Variables are the variables the expression reads (without the '$'),
	// in order and without repeats, leaving out "$", "$$", built-in
	// functions and variables the expression binds itself.
	Variables []string
	// Fields maps a variable to the member names read from it directly
	// ($states.input gives "states" -> ["input"]).
	Fields map[string][]string
	// Root reports whether the expression reads "$$".
	Root bool
}

// References analyses the expression.
func (e *Expression) References() References {
	a := &analysis{bound: map[string]bool{}, seen: map[string]bool{}, fields: map[string]map[string]bool{}}
	a.collectBound(e.root)
	a.walk(e.root, true)
	r := References{TopLevel: a.top, Variables: a.vars, Root: a.root}
	if len(a.fieldOrder) > 0 {
		r.Fields = map[string][]string{}
		for _, vf := range a.fieldOrder {
			r.Fields[vf[0]] = append(r.Fields[vf[0]], vf[1])
		}
	}
	return r
}

type analysis struct {
	top        []string
	topSeen    map[string]bool
	vars       []string
	seen       map[string]bool
	bound      map[string]bool
	fields     map[string]map[string]bool
	fieldOrder [][2]string
	root       bool
	depth      int
}

func (a *analysis) topLevel(name string) {
	if a.topSeen == nil {
		a.topSeen = map[string]bool{}
	}
	if !a.topSeen[name] {
		a.topSeen[name] = true
		a.top = append(a.top, name)
	}
}

func (a *analysis) variable(name string) {
	switch {
	case name == "":
		return
	case name == "$":
		a.root = true
		return
	case a.bound[name] || a.seen[name]:
		return
	}
	if _, builtin := builtins[name]; builtin {
		return
	}
	a.seen[name] = true
	a.vars = append(a.vars, name)
}

func (a *analysis) field(v, f string) {
	m := a.fields[v]
	if m == nil {
		m = map[string]bool{}
		a.fields[v] = m
	}
	if !m[f] {
		m[f] = true
		a.fieldOrder = append(a.fieldOrder, [2]string{v, f})
	}
}

// collectBound finds the names the expression binds itself (:= and lambda
// parameters), which are not references to outside variables.
func (a *analysis) collectBound(n *node) {
	if n == nil {
		return
	}
	a.each(n, func(k *node) {
		switch k.kind {
		case kBind:
			if k.lhs != nil {
				a.bound[k.lhs.op] = true
			}
		case kLambda:
			for _, p := range k.params {
				a.bound[p] = true
			}
		}
		a.collectBound(k)
	})
}

// each calls f for every direct child of n.
func (a *analysis) each(n *node, f func(*node)) {
	a.core(n, f)
	a.extra(n, f)
}

// core calls f for the children of n other than its predicates, stages and
// group-by, which are evaluated against n's own results.
func (a *analysis) core(n *node, f func(*node)) {
	kids := []*node{n.lhs, n.rhs, n.proc, n.body, n.cond, n.then, n.els, n.pattern, n.update, n.del}
	for _, k := range kids {
		if k != nil {
			f(k)
		}
	}
	for _, list := range [][]*node{n.steps, n.exprs, n.args} {
		for _, k := range list {
			f(k)
		}
	}
	for _, p := range n.pairs {
		f(p[0])
		f(p[1])
	}
	for _, t := range n.terms {
		f(t.expr)
	}
}

// extra calls f for the predicates, stages and group-by of n.
func (a *analysis) extra(n *node, f func(*node)) {
	for _, st := range n.predicate {
		if st.expr != nil {
			f(st.expr)
		}
	}
	for _, st := range n.stages {
		if st.expr != nil {
			f(st.expr)
		}
	}
	if n.group != nil {
		for _, p := range n.group.pairs {
			f(p[0])
			f(p[1])
		}
	}
}

// walk visits n; top says whether n is evaluated against the expression's
// own input.
func (a *analysis) walk(n *node, top bool) {
	if n == nil {
		return
	}
	a.depth++
	defer func() { a.depth-- }()
	if a.depth > maxParseDepth*4 {
		return
	}
	inner := func(k *node) { a.walk(k, false) }
	a.extra(n, inner)
	switch n.kind {
	case kPath:
		for i, step := range n.steps {
			if i > 0 {
				a.walk(step, false)
				continue
			}
			switch {
			case step.kind == kName && top:
				a.topLevel(step.op)
				a.extra(step, inner)
			case step.kind == kWildcard && top:
				a.topLevel("*")
				a.extra(step, inner)
			case step.kind == kDescendant && top:
				a.topLevel("**")
				a.extra(step, inner)
			default:
				a.walk(step, top)
			}
			if step.kind == kVariable && len(n.steps) > 1 && n.steps[1].kind == kName {
				a.field(step.op, n.steps[1].op)
			}
		}
	case kName:
		if top {
			a.topLevel(n.op)
		}
	case kWildcard:
		if top {
			a.topLevel("*")
		}
	case kDescendant:
		if top {
			a.topLevel("**")
		}
	case kVariable:
		if n.op == "" {
			if top {
				a.topLevel("$")
			}
			return
		}
		a.variable(n.op)
	case kTransform, kSort:
		a.core(n, inner)
	case kBind:
		a.walk(n.rhs, top)
	default:
		// operators, constructors, conditions, blocks, calls and lambdas
		// evaluate their operands against the same input
		a.core(n, func(k *node) { a.walk(k, top) })
	}
}
