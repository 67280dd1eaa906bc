package machine

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/baton-sh/baton/value"
)

// benchScope is a scope with no context object and no variables.
type benchScope struct{}

func (benchScope) Context() any                { return value.Empty }
func (benchScope) Variable(string) (any, bool) { return nil, false }
func (benchScope) Random() rand.Source         { return rand.NewPCG(1, 1) }

// benchInput is a typical state input: an order with 1,000 line items.
func benchInput() any {
	var b strings.Builder
	b.WriteString(`{"order":{"id":"o-1","customer":{"name":"Ada","tier":"gold"},"items":[`)
	for i := range 1000 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"sku":"s%d","price":%d,"qty":%d}`, i, i%97, i%5+1)
	}
	b.WriteString(`]}}`)
	return value.MustParse(b.String())
}

// The same work written for both query languages: a field, a sum (JSONPath
// has no sum: its nearest is selecting the prices), a filter over 1,000
// items and a transform of the input into a new object.
var exprBenchmarks = []struct {
	name     string
	jsonpath string // a Parameters template
	jsonata  string // an Output template
}{
	{"field", `{"v.$":"$.order.customer.name"}`, `{"v":"{% $states.input.order.customer.name %}"}`},
	{"sum", `{"v.$":"$.order.items[*].price"}`, `{"v":"{% $sum($states.input.order.items.price) %}"}`},
	{"filter1000", `{"v.$":"$.order.items[?(@.price > 90)]"}`, `{"v":"{% $states.input.order.items[price > 90] %}"}`},
	{"transform", `{"id.$":"$.order.id","customer.$":"$.order.customer.name","count.$":"States.ArrayLength($.order.items)","gold.$":"$.order.customer.tier"}`,
		`{"id":"{% $states.input.order.id %}","customer":"{% $states.input.order.customer.name %}","count":"{% $count($states.input.order.items) %}","gold":"{% $states.input.order.customer.tier %}"}`},
}

// BenchmarkExpression compares a JSONata state's expressions with the
// JSONPath templates that do the same, on the same input.
func BenchmarkExpression(b *testing.B) {
	in := benchInput()
	for _, bm := range exprBenchmarks {
		b.Run(bm.name+"/jsonpath", func(b *testing.B) {
			t, err := CompileTemplate(value.MustParse(bm.jsonpath))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, fl := t.Eval(in, benchScope{}); fl != nil {
					b.Fatal(fl)
				}
			}
		})
		b.Run(bm.name+"/jsonata", func(b *testing.B) {
			t, err := CompileJSONataTemplate(value.MustParse(bm.jsonata), "Output")
			if err != nil {
				b.Fatal(err)
			}
			env := &JEnv{}
			now := time.Unix(1700000000, 0)
			b.ReportAllocs()
			for b.Loop() {
				env.Reset(benchScope{}, in, now)
				if _, fl := t.Eval(env); fl != nil {
					b.Fatal(fl)
				}
			}
		})
	}
}

// TestExpressionBenchmarksAgree checks that each pair computes the same
// thing where the languages allow it.
func TestExpressionBenchmarksAgree(t *testing.T) {
	in := benchInput()
	for _, bm := range exprBenchmarks {
		if bm.name == "sum" {
			continue
		}
		p, _ := CompileTemplate(value.MustParse(bm.jsonpath))
		j, _ := CompileJSONataTemplate(value.MustParse(bm.jsonata), "Output")
		pv, fl := p.Eval(in, benchScope{})
		if fl != nil {
			t.Fatal(fl)
		}
		jv, fl := j.Eval(&JEnv{Scope: benchScope{}, Input: in})
		if fl != nil {
			t.Fatal(fl)
		}
		if !value.Equal(pv, jv) {
			t.Errorf("%s: JSONPath %s, JSONata %s", bm.name, value.String(pv), value.String(jv))
		}
	}
}
