package infra

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// The intrinsic functions of CloudFormation, evaluated as a deployment
// would, over values a template knows locally.

// evalError is a problem met while evaluating, at a line of the file.
type evalError struct {
	line int
	msg  string
}

func (e *evalError) Error() string { return e.msg }

// evalErrors are the problems of every part of a value: evaluation goes on
// past the first, so that a definition's problems are all reported at once.
type evalErrors []error

func (es evalErrors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}

// collect adds err (flattened) to errs.
func collect(errs evalErrors, err error) evalErrors {
	if es, ok := err.(evalErrors); ok {
		return append(errs, es...)
	}
	return append(errs, err)
}

// result is a value, or the errors met while making it.
func result(n *node, errs evalErrors) (*node, error) {
	if len(errs) > 0 {
		return nil, errs
	}
	return n, nil
}

func errAt(n *node, format string, args ...any) error {
	line := 0
	if n != nil {
		line = n.line
	}
	return &evalError{line: line, msg: fmt.Sprintf(format, args...)}
}

// noValue is AWS::NoValue: the property or item that evaluates to it is
// removed.
var noValue = &node{kind: nullNode}

// maxSteps bounds the work of evaluating one file, whatever its
// references and aliases do.
const maxSteps = 1 << 21

// maxText bounds a string an intrinsic function builds.
const maxText = 1 << 22

// eval evaluates every intrinsic function in n and returns the result (n
// itself is not changed).
func (t *template) eval(n *node, depth int) (*node, error) {
	t.steps++
	if t.steps > maxSteps {
		return nil, errAt(n, "evaluating this file takes too many steps (references that refer to themselves?)")
	}
	if depth > maxDepth {
		return nil, errAt(n, "references nest more than %d levels deep (a reference that refers to itself?)", maxDepth)
	}
	switch n.kind {
	case mapNode:
		if len(n.keys) == 1 && isIntrinsic(n.keys[0]) {
			return t.intrinsic(n.keys[0], n.vals[0], n, depth+1)
		}
		out := &node{kind: mapNode, line: n.line, keys: make([]string, 0, len(n.keys)), vals: make([]*node, 0, len(n.vals))}
		var errs evalErrors
		for i, k := range n.keys {
			v, err := t.eval(n.vals[i], depth+1)
			if err != nil {
				errs = collect(errs, err)
				continue
			}
			if v == noValue {
				continue
			}
			out.keys = append(out.keys, k)
			out.vals = append(out.vals, v)
		}
		return result(out, errs)
	case seqNode:
		out := &node{kind: seqNode, line: n.line, vals: make([]*node, 0, len(n.vals))}
		var errs evalErrors
		for _, item := range n.vals {
			v, err := t.eval(item, depth+1)
			if err != nil {
				errs = collect(errs, err)
				continue
			}
			if v != noValue {
				out.vals = append(out.vals, v)
			}
		}
		return result(out, errs)
	case strNode:
		if t.sls != nil {
			return t.sls.string(t, n, depth+1)
		}
	}
	return n, nil
}

func isIntrinsic(key string) bool {
	return key == "Ref" || key == "Condition" || strings.HasPrefix(key, "Fn::")
}

// evalString evaluates n and requires a string (numbers and booleans are
// taken as their text, as CloudFormation takes them).
func (t *template) evalString(n *node, depth int, what string) (string, error) {
	v, err := t.eval(n, depth)
	if err != nil {
		return "", err
	}
	if !v.isScalar() {
		return "", errAt(n, "%s must be a string, not %s", what, v.describe())
	}
	return v.text, nil
}

// evalList evaluates n and requires a list.
func (t *template) evalList(n *node, depth int, what string) ([]*node, error) {
	v, err := t.eval(n, depth)
	if err != nil {
		return nil, err
	}
	if v.kind != seqNode {
		return nil, errAt(n, "%s must be a list, not %s", what, v.describe())
	}
	return v.vals, nil
}

// args reads a function's argument list of exactly n items.
func args(fn string, arg *node, n int) ([]*node, error) {
	if arg.kind != seqNode || len(arg.vals) != n {
		return nil, errAt(arg, "%s takes a list of %d items", fn, n)
	}
	return arg.vals, nil
}

func (t *template) intrinsic(fn string, arg, at *node, depth int) (*node, error) {
	switch fn {
	case "Ref":
		name, err := t.evalString(arg, depth, "Ref's argument")
		if err != nil {
			return nil, err
		}
		return t.ref(name, at, depth)
	case "Fn::GetAtt":
		var res, attr string
		switch {
		case arg.kind == strNode:
			var ok bool
			if res, attr, ok = strings.Cut(arg.text, "."); !ok {
				return nil, errAt(at, "Fn::GetAtt %q: write Resource.Attribute", arg.text)
			}
		default:
			a, err := args(fn, arg, 2)
			if err != nil {
				return nil, err
			}
			if res, err = t.evalString(a[0], depth, "Fn::GetAtt's resource"); err != nil {
				return nil, err
			}
			if attr, err = t.evalString(a[1], depth, "Fn::GetAtt's attribute"); err != nil {
				return nil, err
			}
		}
		s, err := t.getAtt(res, attr, at, depth)
		if err != nil {
			return nil, err
		}
		return str(s, at.line), nil
	case "Fn::Sub":
		text, vars := arg, (*node)(nil)
		if arg.kind == seqNode {
			a, err := args(fn, arg, 2)
			if err != nil {
				return nil, err
			}
			text = a[0]
			v, err := t.eval(a[1], depth)
			if err != nil {
				return nil, err
			}
			if v.kind != mapNode {
				return nil, errAt(a[1], "Fn::Sub's variables must be an object, not %s", v.describe())
			}
			vars = v
		}
		if text.kind != strNode {
			return nil, errAt(at, "Fn::Sub takes a string, or a string and an object of variables")
		}
		s, err := t.sub(text.text, vars, '$', at, depth)
		if err != nil {
			return nil, err
		}
		t.steps += len(s) / 32
		return str(s, at.line), nil
	case "Fn::Join":
		a, err := args(fn, arg, 2)
		if err != nil {
			return nil, err
		}
		delim, err := t.evalString(a[0], depth, "Fn::Join's delimiter")
		if err != nil {
			return nil, err
		}
		items, err := t.evalList(a[1], depth, "Fn::Join's values")
		if err != nil {
			return nil, err
		}
		var b strings.Builder
		for i, it := range items {
			if !it.isScalar() {
				return nil, errAt(it, "Fn::Join joins strings, not %s", it.describe())
			}
			if i > 0 {
				b.WriteString(delim)
			}
			b.WriteString(it.text)
			if b.Len() > maxText {
				return nil, errAt(at, "Fn::Join makes a string longer than %d bytes", maxText)
			}
		}
		t.steps += b.Len() / 32 // text made costs work too
		return str(b.String(), at.line), nil
	case "Fn::Select":
		a, err := args(fn, arg, 2)
		if err != nil {
			return nil, err
		}
		is, err := t.evalString(a[0], depth, "Fn::Select's index")
		if err != nil {
			return nil, err
		}
		i, err := strconv.Atoi(is)
		if err != nil {
			return nil, errAt(a[0], "Fn::Select's index %q is not a number", is)
		}
		items, err := t.evalList(a[1], depth, "Fn::Select's values")
		if err != nil {
			return nil, err
		}
		if i < 0 || i >= len(items) {
			return nil, errAt(at, "Fn::Select: index %d is out of range (%d values)", i, len(items))
		}
		return items[i], nil
	case "Fn::Split":
		a, err := args(fn, arg, 2)
		if err != nil {
			return nil, err
		}
		delim, err := t.evalString(a[0], depth, "Fn::Split's delimiter")
		if err != nil {
			return nil, err
		}
		s, err := t.evalString(a[1], depth, "Fn::Split's source")
		if err != nil {
			return nil, err
		}
		if delim == "" {
			return nil, errAt(at, "Fn::Split needs a delimiter")
		}
		parts := strings.Split(s, delim)
		out := &node{kind: seqNode, line: at.line}
		for _, p := range parts {
			out.vals = append(out.vals, str(p, at.line))
		}
		return out, nil
	case "Fn::If":
		a, err := args(fn, arg, 3)
		if err != nil {
			return nil, err
		}
		name, err := t.evalString(a[0], depth, "Fn::If's condition")
		if err != nil {
			return nil, err
		}
		ok, err := t.condition(name, a[0], depth)
		if err != nil {
			return nil, err
		}
		if ok {
			return t.eval(a[1], depth)
		}
		return t.eval(a[2], depth)
	case "Condition":
		name, err := t.evalString(arg, depth, "Condition's argument")
		if err != nil {
			return nil, err
		}
		ok, err := t.condition(name, at, depth)
		if err != nil {
			return nil, err
		}
		return boolean(ok, at.line), nil
	case "Fn::Equals":
		a, err := args(fn, arg, 2)
		if err != nil {
			return nil, err
		}
		x, err := t.eval(a[0], depth)
		if err != nil {
			return nil, err
		}
		y, err := t.eval(a[1], depth)
		if err != nil {
			return nil, err
		}
		xs, ys := x.jsonText(), y.jsonText()
		t.steps += (len(xs) + len(ys)) / 32
		return boolean(xs == ys || (x.isScalar() && y.isScalar() && x.text == y.text), at.line), nil
	case "Fn::And", "Fn::Or", "Fn::Not":
		if arg.kind != seqNode || len(arg.vals) == 0 || (fn == "Fn::Not" && len(arg.vals) != 1) {
			return nil, errAt(at, "%s takes a list of conditions", fn)
		}
		result := fn == "Fn::And"
		for _, c := range arg.vals {
			v, err := t.eval(c, depth)
			if err != nil {
				return nil, err
			}
			b, ok := v.truthy()
			if !ok {
				return nil, errAt(c, "%s takes conditions, not %s", fn, v.describe())
			}
			switch fn {
			case "Fn::Not":
				result = !b
			case "Fn::And":
				result = result && b
			default:
				result = result || b
			}
		}
		return boolean(result, at.line), nil
	case "Fn::FindInMap":
		if arg.kind != seqNode || (len(arg.vals) != 3 && len(arg.vals) != 4) {
			return nil, errAt(at, "Fn::FindInMap takes [MapName, TopLevelKey, SecondLevelKey]")
		}
		var keys [3]string
		for i := range keys {
			var err error
			if keys[i], err = t.evalString(arg.vals[i], depth, "Fn::FindInMap's key"); err != nil {
				return nil, err
			}
		}
		v := t.mappings.get(keys[0]).get(keys[1]).get(keys[2])
		if v == nil {
			if len(arg.vals) == 4 { // AWS::LanguageExtensions' DefaultValue
				if d := arg.vals[3].get("DefaultValue"); d != nil {
					return t.eval(d, depth)
				}
			}
			return nil, errAt(at, "Fn::FindInMap: Mappings has no %s.%s.%s", keys[0], keys[1], keys[2])
		}
		return t.eval(v, depth)
	case "Fn::Base64":
		s, err := t.evalString(arg, depth, "Fn::Base64's argument")
		if err != nil {
			return nil, err
		}
		return str(base64.StdEncoding.EncodeToString([]byte(s)), at.line), nil
	case "Fn::ToJsonString":
		v, err := t.eval(arg, depth)
		if err != nil {
			return nil, err
		}
		text := v.jsonText()
		t.steps += len(text) / 32
		return str(text, at.line), nil
	case "Fn::Length":
		items, err := t.evalList(arg, depth, "Fn::Length's argument")
		if err != nil {
			return nil, err
		}
		return &node{kind: numNode, text: strconv.Itoa(len(items)), line: at.line}, nil
	case "Fn::ImportValue":
		what := "an export of another stack"
		if arg.kind == strNode {
			what = fmt.Sprintf("the export %q of another stack", arg.text)
		}
		return nil, errAt(at, "Fn::ImportValue reads %s, which cannot be known locally", what)
	case "Fn::GetAZs", "Fn::Cidr", "Fn::Transform", "Fn::GetStackOutput":
		return nil, errAt(at, "%s cannot be evaluated locally", fn)
	}
	return nil, errAt(at, "%s is not an intrinsic function Baton knows", fn)
}

// sub is Fn::Sub: ${Name} is a variable, a parameter, a pseudo parameter
// or a resource's Ref; ${Resource.Attribute} its Fn::GetAtt; ${!Text} is
// ${Text} as it is. delim is '$', or '#' for serverless's #{...}.
func (t *template) sub(text string, vars *node, delim byte, at *node, depth int) (string, error) {
	var b strings.Builder
	for {
		i := strings.Index(text, string(delim)+"{")
		if i < 0 {
			b.WriteString(text)
			break
		}
		b.WriteString(text[:i])
		rest := text[i+2:]
		j := strings.IndexByte(rest, '}')
		if j < 0 {
			b.WriteString(text[i:])
			break
		}
		name := rest[:j]
		text = rest[j+1:]
		if strings.HasPrefix(name, "!") {
			b.WriteString(string(delim) + "{" + name[1:] + "}")
			continue
		}
		name = strings.TrimSpace(name)
		if v := vars.get(name); v != nil {
			if !v.isScalar() {
				return "", errAt(at, "Fn::Sub: the variable %s is %s, not a string", name, v.describe())
			}
			b.WriteString(v.text)
			continue
		}
		var val string
		if res, attr, ok := strings.Cut(name, "."); ok && !strings.HasPrefix(name, "AWS::") {
			s, err := t.getAtt(res, attr, at, depth)
			if err != nil {
				return "", err
			}
			val = s
		} else {
			v, err := t.ref(name, at, depth)
			if err != nil {
				return "", err
			}
			if !v.isScalar() {
				return "", errAt(at, "Fn::Sub: ${%s} is %s, not a string", name, v.describe())
			}
			val = v.text
		}
		b.WriteString(val)
		if b.Len() > maxText {
			return "", errAt(at, "Fn::Sub makes a string longer than %d bytes", maxText)
		}
	}
	return b.String(), nil
}

// condition evaluates a named condition of the template's Conditions.
func (t *template) condition(name string, at *node, depth int) (bool, error) {
	if v, ok := t.condDone[name]; ok {
		return v, nil
	}
	c := t.conditions.get(name)
	if c == nil {
		return false, errAt(at, "no condition %q in Conditions", name)
	}
	if t.condBusy[name] {
		return false, errAt(at, "the condition %q refers to itself", name)
	}
	t.condBusy[name] = true
	defer delete(t.condBusy, name)
	v, err := t.eval(c, depth+1)
	if err != nil {
		return false, err
	}
	b, ok := v.truthy()
	if !ok || v.kind != boolNode {
		return false, errAt(c, "the condition %q is %s, not a condition", name, v.describe())
	}
	t.condDone[name] = b
	return b, nil
}
