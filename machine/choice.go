package machine

import (
	"fmt"
	"strings"
	"time"

	"github.com/baton-sh/baton/definition"
	"github.com/baton-sh/baton/failure"
	"github.com/baton-sh/baton/jsonpath"
	"github.com/baton-sh/baton/value"
)

// Rule is a compiled Choice rule.
type Rule struct {
	Next     *State // top-level rules only
	Text     string // a short description, for graphs
	op       string
	cmp      cmpKind
	variable *jsonpath.Path
	str      string
	num      float64
	numLit   value.Number
	boolean  bool
	ts       time.Time
	path     *jsonpath.Path
	pattern  []matchPart
	kids     []*Rule

	// Assign of a top-level rule, in either query language.
	Assign *Assign
	// JSONata rules: a Condition (an expression or a boolean) and an Output.
	JSONata   bool
	Condition *Expr
	condLit   bool
	Output    *JTemplate
}

// MatchJSONata evaluates a JSONata rule's Condition, which must give a
// boolean.
func (r *Rule) MatchJSONata(env *JEnv) (bool, *failure.Failure) {
	if r.Condition == nil {
		return r.condLit, nil
	}
	v, fl := r.Condition.Eval(env)
	if fl != nil {
		return false, fl
	}
	b, ok := v.(bool)
	if !ok {
		return false, r.Condition.TypeFailure("boolean", v)
	}
	return b, nil
}

type cmpKind uint8

const (
	cmpEq cmpKind = iota
	cmpLt
	cmpGt
	cmpLe
	cmpGe
)

func compileRule(r *value.Object, states map[string]*State, top bool) (*Rule, error) {
	rule := &Rule{}
	if top {
		next, _ := r.Get("Next")
		name, _ := next.(string)
		rule.Next = states[name]
	}
	for _, m := range r.Members() {
		switch m.Key {
		case "Next", "Comment", "Variable", "Assign":
			continue
		case "And", "Or":
			rule.op = m.Key
			arr, _ := m.Value.([]any)
			for _, x := range arr {
				o, _ := x.(*value.Object)
				if o == nil {
					return nil, fmt.Errorf("%s holds a non-object", m.Key)
				}
				k, err := compileRule(o, states, false)
				if err != nil {
					return nil, err
				}
				rule.kids = append(rule.kids, k)
			}
			continue
		case "Not":
			rule.op = "Not"
			o, _ := m.Value.(*value.Object)
			if o == nil {
				return nil, fmt.Errorf("Not holds a non-object")
			}
			k, err := compileRule(o, states, false)
			if err != nil {
				return nil, err
			}
			rule.kids = []*Rule{k}
			continue
		}
		rule.op = m.Key
		if err := rule.setOperand(m.Key, m.Value); err != nil {
			return nil, err
		}
	}
	if rule.op == "" {
		return nil, fmt.Errorf("a choice rule without an operator")
	}
	if v, ok := r.Get("Variable"); ok {
		s, _ := v.(string)
		p, err := jsonpath.Parse(s)
		if err != nil {
			return nil, err
		}
		rule.variable = p
	}
	rule.Text = rule.describe()
	return rule, nil
}

func (r *Rule) setOperand(op string, v any) error {
	base := strings.TrimSuffix(op, "Path")
	switch {
	case strings.HasSuffix(base, "LessThanEquals"):
		r.cmp = cmpLe
	case strings.HasSuffix(base, "GreaterThanEquals"):
		r.cmp = cmpGe
	case strings.HasSuffix(base, "LessThan"):
		r.cmp = cmpLt
	case strings.HasSuffix(base, "GreaterThan"):
		r.cmp = cmpGt
	}
	if strings.HasSuffix(op, "Path") && !strings.HasPrefix(op, "Is") {
		s, _ := v.(string)
		p, err := jsonpath.Parse(s)
		if err != nil {
			return err
		}
		r.path = p
		return nil
	}
	switch {
	case op == "StringMatches":
		s, _ := v.(string)
		r.str = s
		r.pattern = compilePattern(s)
	case strings.HasPrefix(op, "String"):
		r.str, _ = v.(string)
	case strings.HasPrefix(op, "Numeric"):
		n, _ := v.(value.Number)
		r.numLit = n
		r.num = n.Float64()
	case strings.HasPrefix(op, "Boolean"), strings.HasPrefix(op, "Is"):
		r.boolean, _ = v.(bool)
	case strings.HasPrefix(op, "Timestamp"):
		s, _ := v.(string)
		t, ok := definition.ParseTimestamp(s)
		if !ok {
			return fmt.Errorf("invalid timestamp %q", s)
		}
		r.ts = t
	default:
		return fmt.Errorf("unknown operator %s", op)
	}
	return nil
}

func (r *Rule) describe() string {
	switch r.op {
	case "And", "Or":
		parts := make([]string, len(r.kids))
		for i, k := range r.kids {
			parts[i] = k.describe()
		}
		return "(" + strings.Join(parts, " "+strings.ToLower(r.op)+" ") + ")"
	case "Not":
		return "not " + r.kids[0].describe()
	}
	operand := ""
	switch {
	case r.path != nil:
		operand = r.path.String()
	case strings.HasPrefix(r.op, "String"):
		operand = string(value.Marshal(r.str))
	case strings.HasPrefix(r.op, "Numeric"):
		operand = string(r.numLit)
	case strings.HasPrefix(r.op, "Timestamp"):
		operand = r.ts.Format(time.RFC3339Nano)
	default:
		operand = fmt.Sprint(r.boolean)
	}
	v := ""
	if r.variable != nil {
		v = r.variable.String() + " "
	}
	return v + r.op + " " + operand
}

// Match evaluates the rule on an input. A Variable that selects nothing is
// an error for every operator but IsPresent, as on AWS.
func (r *Rule) Match(input any, sc Scope) (bool, *failure.Failure) {
	switch r.op {
	case "And":
		for _, k := range r.kids {
			ok, f := k.Match(input, sc)
			if f != nil || !ok {
				return false, f
			}
		}
		return true, nil
	case "Or":
		for _, k := range r.kids {
			ok, f := k.Match(input, sc)
			if f != nil || ok {
				return ok, f
			}
		}
		return false, nil
	case "Not":
		ok, f := r.kids[0].Match(input, sc)
		return !ok, f
	}
	var v any
	found := false
	if doc, ok := root(r.variable, input, sc); ok {
		v, found = r.variable.Get(doc)
	}
	if r.op == "IsPresent" {
		return found == r.boolean, nil
	}
	if !found {
		return false, failure.Newf(failure.Runtime, "Invalid path '%s': The choice state's condition path references an invalid value.", r.variable.String())
	}
	switch r.op {
	case "IsNull":
		return (v == nil) == r.boolean, nil
	case "IsNumeric":
		_, ok := v.(value.Number)
		return ok == r.boolean, nil
	case "IsString":
		_, ok := v.(string)
		return ok == r.boolean, nil
	case "IsBoolean":
		_, ok := v.(bool)
		return ok == r.boolean, nil
	case "IsTimestamp":
		s, ok := v.(string)
		if ok {
			_, ok = definition.ParseTimestamp(s)
		}
		return ok == r.boolean, nil
	}
	if r.path != nil {
		var other any
		ok := false
		if doc, rok := root(r.path, input, sc); rok {
			other, ok = r.path.Get(doc)
		}
		if !ok {
			return false, failure.Newf(failure.Runtime, "Invalid path '%s': The choice state's condition path references an invalid value.", r.path.String())
		}
		return r.compareDynamic(v, other), nil
	}
	switch {
	case r.op == "StringMatches":
		s, ok := v.(string)
		return ok && matchPattern(r.pattern, s), nil
	case strings.HasPrefix(r.op, "String"):
		s, ok := v.(string)
		return ok && r.order(strings.Compare(s, r.str)), nil
	case strings.HasPrefix(r.op, "Numeric"):
		n, ok := v.(value.Number)
		if !ok {
			return false, nil
		}
		if r.cmp == cmpEq {
			return value.NumberEqual(n, r.numLit), nil
		}
		return r.order(compareFloat(n.Float64(), r.num)), nil
	case strings.HasPrefix(r.op, "Boolean"):
		b, ok := v.(bool)
		return ok && b == r.boolean, nil
	case strings.HasPrefix(r.op, "Timestamp"):
		s, ok := v.(string)
		if !ok {
			return false, nil
		}
		t, ok := definition.ParseTimestamp(s)
		return ok && r.order(t.Compare(r.ts)), nil
	}
	return false, nil
}

// compareDynamic compares against the value of a *Path operand.
func (r *Rule) compareDynamic(v, other any) bool {
	switch {
	case strings.HasPrefix(r.op, "String"):
		a, ok1 := v.(string)
		b, ok2 := other.(string)
		return ok1 && ok2 && r.order(strings.Compare(a, b))
	case strings.HasPrefix(r.op, "Numeric"):
		a, ok1 := v.(value.Number)
		b, ok2 := other.(value.Number)
		if !ok1 || !ok2 {
			return false
		}
		if r.cmp == cmpEq {
			return value.NumberEqual(a, b)
		}
		return r.order(compareFloat(a.Float64(), b.Float64()))
	case strings.HasPrefix(r.op, "Boolean"):
		a, ok1 := v.(bool)
		b, ok2 := other.(bool)
		return ok1 && ok2 && a == b
	case strings.HasPrefix(r.op, "Timestamp"):
		a, ok1 := v.(string)
		b, ok2 := other.(string)
		if !ok1 || !ok2 {
			return false
		}
		ta, ok1 := definition.ParseTimestamp(a)
		tb, ok2 := definition.ParseTimestamp(b)
		return ok1 && ok2 && r.order(ta.Compare(tb))
	}
	return false
}

func compareFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (r *Rule) order(c int) bool {
	switch r.cmp {
	case cmpLt:
		return c < 0
	case cmpGt:
		return c > 0
	case cmpLe:
		return c <= 0
	case cmpGe:
		return c >= 0
	}
	return c == 0
}

// StringMatches patterns: '*' matches any run of characters; "\*" is a
// literal star and "\\" a literal backslash.
type matchPart struct {
	star bool
	text string
}

func compilePattern(p string) []matchPart {
	var parts []matchPart
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			parts = append(parts, matchPart{text: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '\\' && i+1 < len(p) && (p[i+1] == '*' || p[i+1] == '\\') {
			lit.WriteByte(p[i+1])
			i++
			continue
		}
		if c == '*' {
			flush()
			if len(parts) == 0 || !parts[len(parts)-1].star {
				parts = append(parts, matchPart{star: true})
			}
			continue
		}
		lit.WriteByte(c)
	}
	flush()
	return parts
}

func matchPattern(parts []matchPart, s string) bool {
	if len(parts) == 0 {
		return s == ""
	}
	if !parts[0].star {
		if !strings.HasPrefix(s, parts[0].text) {
			return false
		}
		s = s[len(parts[0].text):]
		parts = parts[1:]
		if len(parts) == 0 {
			return s == ""
		}
	}
	// parts now starts with a star. A pattern that does not end with a star
	// must end with its last literal; the literals between stars are found
	// leftmost-first, which is enough when '*' is the only wildcard.
	if last := parts[len(parts)-1]; !last.star {
		if !strings.HasSuffix(s, last.text) {
			return false
		}
		s = s[:len(s)-len(last.text)]
		parts = parts[:len(parts)-1]
	}
	for _, p := range parts {
		if p.star {
			continue
		}
		j := strings.Index(s, p.text)
		if j < 0 {
			return false
		}
		s = s[j+len(p.text):]
	}
	return true
}
