package trigger

import (
	"fmt"
	"strings"
	"testing"
)

func TestRoutePath(t *testing.T) {
	cases := []struct{ path, want string }{
		{"/", ""},
		{"", ""},
		{"orders", "orders"},
		{"/orders/{id}/", "orders {id}"},
		{"/files/{path+}", "files {path+}"},
		{"/a/{b.c-d_e}", "a {b.c-d_e}"},
		{"/a//b", `error: an empty segment (//)`},
		{"/a/{}", `error: "{}" is not a parameter: {name} or, last, {name+}`},
		{"/a/{b c}", `error: "{b c}" is not a parameter: {name} or, last, {name+}`},
		{"/a/{b+}/c", `error: the greedy parameter {b+} must be the path's last segment`},
		{"/a/x{b}", `error: "x{b}": a parameter takes a whole segment ({name})`},
		{"/a/{b", `error: "{b": a parameter takes a whole segment ({name})`},
	}
	for _, c := range cases {
		parts, err := RoutePath(c.path)
		got := render(parts)
		if err != nil {
			got = "error: " + err.Error()
		}
		if got != c.want {
			t.Errorf("RoutePath(%q) = %s, want %s", c.path, got, c.want)
		}
	}
}

func render(parts []PathPart) string {
	var s []string
	for _, p := range parts {
		switch {
		case p.Greedy:
			s = append(s, "{"+p.Text+"+}")
		case p.Param:
			s = append(s, "{"+p.Text+"}")
		default:
			s = append(s, p.Text)
		}
	}
	return strings.Join(s, " ")
}

// FuzzRoutePath: a path RoutePath takes, written back from its parts,
// reads the same; no part is empty or holds a slash or a brace.
func FuzzRoutePath(f *testing.F) {
	for _, p := range []string{"/", "/orders/{id}", "files/{p+}", "/a//b", "/{x}/{y+}", "/a/{b"} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, path string) {
		parts, err := RoutePath(path)
		if err != nil {
			return
		}
		var b strings.Builder
		for _, p := range parts {
			if p.Text == "" || strings.ContainsAny(p.Text, "/") || (!p.Param && !p.Greedy && strings.ContainsAny(p.Text, "{}")) {
				t.Fatalf("RoutePath(%q): part %+v", path, p)
			}
			b.WriteString("/" + render([]PathPart{p}))
		}
		again, err := RoutePath(b.String())
		if err != nil || fmt.Sprint(again) != fmt.Sprint(parts) {
			t.Fatalf("RoutePath(%q) = %v; written back %q reads %v, %v", path, parts, b.String(), again, err)
		}
	})
}

func TestRuleCheck(t *testing.T) {
	r := Rule{Name: "ok", EventBus: "orders/eu", Pattern: `{"source": ["a"]}`, Target: Target{StateMachine: "m"}}
	if errs := r.Check(); len(errs) != 0 {
		t.Errorf("a good rule: %v", errs)
	}
	r = Rule{Name: strings.Repeat("x", 65), EventBus: "a b"}
	var got []string
	for _, err := range r.Check() {
		got = append(got, err.Error())
	}
	want := []string{
		`name: "` + strings.Repeat("x", 65) + `" is not a rule name (1 to 64 letters, digits, '.', '-' or '_')`,
		`eventBus: "a b" is not an event bus name`,
		"pattern: a rule needs an event pattern",
		"stateMachine: name the state machine the rule starts",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
