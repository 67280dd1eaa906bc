package definition

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/baton-sh/baton/jsonata"
	"github.com/baton-sh/baton/value"
)

// JSONata and variables in a definition. AWS parses every expression of a
// JSONata state when the definition is created and refuses one that does
// not parse, or that reads what an expression there has no access to: its
// own input (there is none: the state's data is in $states), "$$", or a
// member of $states the field does not get.

// Diagnostic codes of JSONata expressions.
const (
	InvalidJSONataExpression     = "INVALID_JSONATA_EXPRESSION"
	UnsupportedJSONataExpression = "UNSUPPORTED_JSONATA_EXPRESSION"
)

// MaxVariableNameLength is AWS's limit on a variable name, in characters.
const MaxVariableNameLength = 80

// ExpressionText returns the expression of a JSONata string: one that
// starts with "{%" and ends with "%}", with nothing around them.
func ExpressionText(v any) (string, bool) {
	s, ok := v.(string)
	if !ok || len(s) < 4 || !strings.HasPrefix(s, "{%") || !strings.HasSuffix(s, "%}") {
		return "", false
	}
	return strings.TrimSpace(s[2 : len(s)-2]), true
}

// notExpressions are the fields of a JSONata state whose strings are never
// expressions (or that hold states of their own).
var notExpressions = map[string]bool{
	"Type": true, "Comment": true, "QueryLanguage": true, "Next": true, "End": true, "Default": true,
	"Resource": true, "Retry": true, "Branches": true, "ItemProcessor": true, "Iterator": true,
	"Label": true, "Choices": true, "Catch": true,
}

// jsonataState checks the expressions of a JSONata state.
func (v *validator) jsonataState(st *value.Object, loc, typ string) {
	// $states.result is the result of a Task, Parallel or Map state, which
	// only its Output and Assign see.
	hasResult := typ == TypeTask || typ == TypeParallel || typ == TypeMap
	for _, mem := range st.Members() {
		if notExpressions[mem.Key] {
			continue
		}
		result := hasResult && (mem.Key == "Output" || mem.Key == "Assign")
		v.expressions(mem.Value, join(loc, mem.Key), result, false)
	}
	if c, ok := st.Get("Choices"); ok {
		rules, _ := c.([]any)
		for i, r := range rules {
			ro, _ := r.(*value.Object)
			if ro == nil {
				continue
			}
			rl := index(join(loc, "Choices"), i)
			for _, f := range []string{"Condition", "Assign", "Output"} {
				if x, ok := ro.Get(f); ok {
					v.expressions(x, join(rl, f), false, false)
				}
			}
		}
	}
	if c, ok := st.Get("Catch"); ok {
		catchers, _ := c.([]any)
		for i, x := range catchers {
			co, _ := x.(*value.Object)
			if co == nil {
				continue
			}
			cl := index(join(loc, "Catch"), i)
			for _, f := range []string{"Assign", "Output"} {
				if x, ok := co.Get(f); ok {
					v.expressions(x, join(cl, f), false, true)
				}
			}
		}
	}
}

// expressions checks every expression in a field's value, at any depth.
func (v *validator) expressions(x any, loc string, result, errorOutput bool) {
	switch t := x.(type) {
	case string:
		if src, ok := ExpressionText(t); ok {
			v.expression(src, loc, result, errorOutput)
		}
	case *value.Object:
		for _, m := range t.Members() {
			v.expressions(m.Value, join(loc, m.Key), result, errorOutput)
		}
	case []any:
		for i, item := range t {
			v.expressions(item, index(loc, i), result, errorOutput)
		}
	}
}

func (v *validator) expression(src, loc string, result, errorOutput bool) {
	e, err := jsonata.Compile(src)
	if err != nil {
		msg := err.Error()
		if je, ok := err.(*jsonata.Error); ok {
			msg = je.Text()
		}
		v.add(InvalidJSONataExpression, loc, "%s", msg)
		return
	}
	refs := e.References()
	for _, name := range refs.TopLevel {
		v.add(UnsupportedJSONataExpression, loc, "Reference to '%s' at the top level is not supported.", name)
	}
	if refs.Root {
		v.add(UnsupportedJSONataExpression, loc, "Reference to '$$' is not supported.")
	}
	for _, f := range refs.Fields["states"] {
		switch {
		case f == "input" || f == "context":
		case f == "result" && result:
		case f == "errorOutput" && errorOutput:
		default:
			v.add(UnsupportedJSONataExpression, loc, "Field '$states.%s' does not exist.", f)
		}
	}
}

// assign checks an Assign field: an object whose keys name variables
// (with ".$" after the name for a path or an intrinsic function in a
// JSONPath state).
func (v *validator) assign(x any, loc, lang string) {
	o, ok := x.(*value.Object)
	if !ok {
		v.wrongType(loc, "Object", x)
		return
	}
	for _, m := range o.Members() {
		name := m.Key
		if lang == JSONPath {
			name = strings.TrimSuffix(name, ".$")
		}
		if !ValidVariableName(name) {
			v.schema(join(loc, m.Key), "The variable name '%s' is not valid: a variable name is a Unicode identifier of at most %d characters other than 'states'",
				name, MaxVariableNameLength)
		}
	}
	if lang == JSONPath {
		v.template(o, loc, false)
	}
}

// ValidVariableName reports whether a workflow variable may have the name:
// a Unicode identifier (UAX #31: an ID_Start character, then ID_Continue
// characters) of at most 80 characters, other than the reserved "states".
func ValidVariableName(name string) bool {
	if name == "" || name == "states" || utf8.RuneCountInString(name) > MaxVariableNameLength {
		return false
	}
	for i, r := range name {
		if i == 0 && !idStart(r) || i > 0 && !idContinue(r) {
			return false
		}
	}
	return true
}

func idStart(r rune) bool {
	return unicode.In(r, unicode.L, unicode.Nl, unicode.Other_ID_Start) && !unicode.In(r, unicode.Pattern_Syntax, unicode.Pattern_White_Space)
}

func idContinue(r rune) bool {
	return idStart(r) || unicode.In(r, unicode.Mn, unicode.Mc, unicode.Nd, unicode.Pc, unicode.Other_ID_Continue) &&
		!unicode.In(r, unicode.Pattern_Syntax, unicode.Pattern_White_Space)
}
