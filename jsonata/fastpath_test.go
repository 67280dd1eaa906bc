package jsonata

import (
	"fmt"
	"testing"
)

func TestNamePath(t *testing.T) {
	for src, want := range map[string]string{
		"$a": "a", "$a.b.c": "a b c", "$states.input": "states input",
		"$a[0]": "", "$a.b[x]": "", "a.b": "", "$.a": "", "$$.a": "", "$a.b#$i": "", "$a.b[]": "", "$a[]": "", "$a{'k': 1}": "", "$a^(x)": "", "$a.*": "", "$f()": "",
	} {
		e := MustCompile(src)
		v, names, ok := e.NamePath()
		got := ""
		if ok {
			got = v
			for _, n := range names {
				got += " " + n
			}
		}
		if got != want {
			t.Errorf("%s: %q, want %q", src, got, want)
		}
	}
}

// TestConcurrentEvaluations evaluates expressions on one shared input from
// many goroutines (the race detector watches): reading an input, even a
// large object read many times, never writes to it, and pooled evaluation
// state is never shared.
func TestConcurrentEvaluations(t *testing.T) {
	in := NewMap(20)
	for i := range 20 {
		in.Set(string(rune('a'+i)), float64(i))
	}
	items := make([]any, 100)
	for i := range items {
		items[i] = in
	}
	exprs := []*Expression{
		MustCompile(`$sum(items.(a + b + c + d + e + f + g + h + i + j + k))`),
		MustCompile(`$count(items[t > 5])`),
		MustCompile(`$merge([items[0], {"z": 1}]).z`),
		MustCompile(`(items ~> $map(function($v){ $v.s })) ~> $sum()`),
	}
	want := []any{float64(5500), float64(100), float64(1), float64(1800)}
	done := make(chan error)
	for g := range 8 {
		go func() {
			for n := range 200 {
				i := (g + n) % len(exprs)
				v, err := exprs[i].Evaluate(map[string]any{"items": items}, nil)
				if err != nil || v != want[i] {
					done <- fmt.Errorf("%s: %v %v, want %v", exprs[i], v, err, want[i])
					return
				}
			}
			done <- nil
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
