package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// diffContext is how many unchanged lines are shown around a change.
const diffContext = 3

// minElided is the fewest unchanged lines replaced by a line that says
// how many there are: fewer take no more room shown.
const minElided = 3

// maxDiffCells bounds the table the line diff fills (lines of one side
// times lines of the other, once common ends are trimmed); past it, the
// differing middles are shown whole, one removed and one added.
const maxDiffCells = 4_000_000

// prettyJSON prints a JSON text indented, with the members of every object
// sorted by name: two values that are equal as JSON then differ only where
// their contents do, not where their members' order does.
func prettyJSON(text []byte) string {
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return string(text)
	}
	// Strings are shown as written: no \u003c for "<".
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return string(text)
	}
	return strings.TrimSuffix(out.String(), "\n")
}

// jsonDiff is a line diff of two JSON texts, pretty-printed: lines only in
// want start with "- ", lines only in got with "+ ", unchanged ones with
// "  "; long unchanged stretches are elided.
func jsonDiff(want, got []byte) string {
	return lineDiff(strings.Split(prettyJSON(want), "\n"), strings.Split(prettyJSON(got), "\n"))
}

type diffOp struct {
	kind byte // ' ', '-' or '+'
	line string
}

func lineDiff(a, b []string) string {
	ops := diffOps(a, b)
	// Lines are compared without their trailing comma (an array or object
	// that grows or shrinks at its end changes the comma of the member
	// before); an unchanged line is shown as it is in b.
	// Keep the lines within diffContext of a change.
	keep := make([]bool, len(ops))
	for i, op := range ops {
		if op.kind == ' ' {
			continue
		}
		for j := max(0, i-diffContext); j <= min(len(ops)-1, i+diffContext); j++ {
			keep[j] = true
		}
	}
	var w strings.Builder
	for i := 0; i < len(ops); {
		if keep[i] {
			fmt.Fprintf(&w, "%c %s\n", ops[i].kind, ops[i].line)
			i++
			continue
		}
		j := i
		for j < len(ops) && !keep[j] {
			j++
		}
		if j-i < minElided {
			for ; i < j; i++ {
				fmt.Fprintf(&w, "%c %s\n", ops[i].kind, ops[i].line)
			}
			continue
		}
		fmt.Fprintf(&w, "  ... %d unchanged %s\n", j-i, plural(j-i, "line", "lines"))
		i = j
	}
	return w.String()
}

// diffOps is a shortest edit script from a to b: a longest common
// subsequence, by dynamic programming between the common ends.
func diffOps(a, b []string) []diffOp {
	pre := 0
	for pre < len(a) && pre < len(b) && same(a[pre], b[pre]) {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && same(a[len(a)-1-suf], b[len(b)-1-suf]) {
		suf++
	}
	var ops []diffOp
	for _, l := range b[:pre] {
		ops = append(ops, diffOp{' ', l})
	}
	ops = append(ops, middleOps(a[pre:len(a)-suf], b[pre:len(b)-suf])...)
	for _, l := range b[len(b)-suf:] {
		ops = append(ops, diffOp{' ', l})
	}
	return ops
}

func middleOps(a, b []string) []diffOp {
	var ops []diffOp
	if (len(a)+1)*(len(b)+1) > maxDiffCells {
		for _, l := range a {
			ops = append(ops, diffOp{'-', l})
		}
		for _, l := range b {
			ops = append(ops, diffOp{'+', l})
		}
		return ops
	}
	// lcs[i][j] is the length of a longest common subsequence of a[i:]
	// and b[j:].
	w := len(b) + 1
	lcs := make([]int32, (len(a)+1)*w)
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if same(a[i], b[j]) {
				lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
			} else {
				lcs[i*w+j] = max(lcs[(i+1)*w+j], lcs[i*w+j+1])
			}
		}
	}
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case same(a[i], b[j]):
			ops = append(ops, diffOp{' ', b[j]})
			i++
			j++
		case lcs[(i+1)*w+j] >= lcs[i*w+j+1]:
			ops = append(ops, diffOp{'-', a[i]})
			i++
		default:
			ops = append(ops, diffOp{'+', b[j]})
			j++
		}
	}
	for ; i < len(a); i++ {
		ops = append(ops, diffOp{'-', a[i]})
	}
	for ; j < len(b); j++ {
		ops = append(ops, diffOp{'+', b[j]})
	}
	return ops
}

// same compares two lines of indented JSON, their trailing commas aside.
func same(x, y string) bool { return strings.TrimSuffix(x, ",") == strings.TrimSuffix(y, ",") }

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
