package jsonata

import (
	"fmt"
	"strings"
	"testing"
)

// benchDoc is an order with 1,000 line items, parsed once.
var benchDoc = func() any {
	var b strings.Builder
	b.WriteString(`{"order":{"id":"o-1","customer":{"name":"Ada Lovelace","email":"ada@example.com","tier":"gold"},"items":[`)
	for i := range 1000 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"sku":"SKU-%04d","name":"Item number %d","price":%d.5,"qty":%d,"tags":["a","b"]}`, i, i, i%97, i%5+1)
	}
	b.WriteString(`]}}`)
	v, err := ParseJSON([]byte(b.String()))
	if err != nil {
		panic(err)
	}
	return v
}()

// The common shapes of expressions in state machines, and some heavier
// ones: each runs against benchDoc.
var benchExprs = []struct{ name, src string }{
	{"field", `order.customer.name`},
	{"sum", `$sum(order.items.price)`},
	{"filter", `order.items[price > 90].sku`},
	{"map", `$map(order.items, function($i){ $i.price * $i.qty })`},
	{"object", `{"id": order.id, "who": order.customer.name, "n": $count(order.items), "tier": order.customer.tier}`},
	{"concat", `order.customer.name & " <" & order.customer.email & ">"`},
	{"string", `$string(order.items[[0..99]])`},
	{"sort", `$sort(order.items, function($a, $b){ $a.price > $b.price }).sku`},
	{"orderby", `order.items^(>price, sku).sku`},
	{"reduce", `$reduce(order.items, function($acc, $i){ $acc + $i.qty }, 0)`},
	{"group", `order.items{$string(qty): $sum(price)}`},
	{"join", `$join(order.items.sku, ",")`},
	{"range", `$sum([1..10000])`},
	{"match", `$match(order.customer.email, /^([^@]+)@(.+)$/)`},
	{"contains", `$count(order.items[$contains(name, /number 9\d$/)])`},
	{"replace", `$replace(order.customer.name, /(\w+)\s(\w+)/, "$2, $1")`},
	{"split", `$split("a, b,c ,  d", /\s*,\s*/)`},
	{"matchAll", `$count($match($join(order.items.sku, " "), /SKU-(\d+)/))`},
	{"lookaround", `$replace($join(order.items.sku, ","), /(?<=SKU-)0+(?=\d)/, "")`},
}

func BenchmarkEval(b *testing.B) {
	for _, bm := range benchExprs {
		b.Run(bm.name, func(b *testing.B) {
			e := MustCompile(bm.src)
			if _, err := e.Evaluate(benchDoc, nil); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.Evaluate(benchDoc, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkCompile(b *testing.B) {
	srcs := []string{
		`$map(order.items, function($i){ $i.price * $i.qty })`,
		`$replace(s, /(?<first>\w+)\s+(\w+)/i, "$2 $1")`,
		`$match(s, /^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$/i)`,
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range srcs {
			MustCompile(s)
		}
	}
}
