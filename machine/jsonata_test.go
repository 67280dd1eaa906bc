package machine

import (
	"math/rand/v2"
	"testing"

	"github.com/baton-sh/baton/value"
)

// varScope is a scope with variables and a context object.
type varScope map[string]any

func (s varScope) Context() any { return value.MustParse(`{"State":{"Name":"S"}}`) }
func (s varScope) Variable(name string) (any, bool) {
	v, ok := s[name]
	return v, ok
}
func (s varScope) Random() rand.Source { return rand.NewPCG(1, 1) }

// TestNamePathsAgree checks that expressions read without an evaluation
// give what evaluating them gives.
func TestNamePathsAgree(t *testing.T) {
	sc := varScope{"order": value.MustParse(`{"id":7,"lines":[{"n":1},{"n":2}],"none":null,"s":"x","one":[5]}`), "n": value.MustParse(`null`)}
	env := &JEnv{Scope: sc, Input: value.MustParse(`{"a":{"b":[1,2]},"c":"s"}`), Result: value.MustParse(`[1]`), HasResult: true}
	for _, src := range []string{
		"$states.input", "$states.input.a", "$states.input.a.b", "$states.input.c.d", "$states.input.nope",
		"$states.result", "$states.errorOutput", "$states.context.State.Name", "$states", "$states.input.a.b.x",
		"$order.id", "$order.lines", "$order.lines.n", "$order.none", "$order.none.x", "$order.s.x", "$order.one",
		"$n", "$n.x", "$missing", "$missing.x", "$sum", "$states.nope.x",
	} {
		x, err := CompileExpr("{% "+src+" %}", "Output")
		if err != nil {
			t.Fatal(err)
		}
		fast, ffl := x.Eval(env)
		slow := *x
		slow.variable = "" // evaluate it
		full, sfl := slow.Eval(env)
		if (ffl == nil) != (sfl == nil) || ffl != nil && ffl.Cause != sfl.Cause || !value.Equal(fast, full) {
			t.Errorf("%s: read %s %v, evaluated %s %v", src, value.String(fast), ffl, value.String(full), sfl)
		}
	}
}

// TestStatesAsAValue checks that $states used whole becomes an object.
func TestStatesAsAValue(t *testing.T) {
	env := &JEnv{Scope: varScope{}, Input: value.MustParse(`{"a":1}`)}
	for src, want := range map[string]string{
		`{% $states %}`: `{"input":{"a":1},"context":{"State":{"Name":"S"}}}`,
		`{% {"s": $states.input, "t": $states} %}`: `{"s":{"a":1},"t":{"input":{"a":1},"context":{"State":{"Name":"S"}}}}`,
		`{% [$states] %}`:                          `[{"input":{"a":1},"context":{"State":{"Name":"S"}}}]`,
	} {
		x, _ := CompileExpr(src, "Output")
		v, fl := x.Eval(env)
		if fl != nil || value.String(v) != want {
			t.Errorf("%s: %s %v, want %s", src, value.String(v), fl, want)
		}
	}
}
