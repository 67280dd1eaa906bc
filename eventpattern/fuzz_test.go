package eventpattern

import (
	"errors"
	"testing"

	"github.com/baton-sh/baton/value"
)

// FuzzPattern parses any text as a pattern and matches any event with it:
// neither may panic or hang, and a refused pattern is always an *Error.
func FuzzPattern(f *testing.F) {
	seeds := []string{
		`{}`, `{"source": ["aws.ec2"]}`,
		`{"detail": {"state": [{"anything-but": {"wildcard": ["*/lib/*", "a\\*"]}}]}}`,
		`{"a": [{"numeric": [">", 0, "<=", 5]}, {"exists": false}, {"cidr": "10.0.0.0/8"}]}`,
		`{"$or": [{"a": [{"prefix": {"equals-ignore-case": "X"}}]}, {"b": {"c": [{"suffix": "y"}, null, true, 1.5]}}]}`,
		`{"w": [{"wildcard": "*a*b*c*"}]}`,
	}
	for _, s := range seeds {
		f.Add(s, ec2)
		f.Add(s, `{"a": [[1, {"b": "x"}], "10.1.2.3"], "w": "xaxbxc", "detail": {"state": ["a/lib/b"]}}`)
	}
	f.Fuzz(func(t *testing.T, pattern, event string) {
		p, err := Parse([]byte(pattern))
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q): %T %v, want an *Error", pattern, err, err)
			}
			return
		}
		ev, err := value.ParseString(event)
		if err != nil {
			return
		}
		p.Match(ev)
	})
}

// FuzzTransform compiles any template and path and applies them.
func FuzzTransform(f *testing.F) {
	f.Add(`{"a": <x>, "b": "<x> \"<aws.events.rule-name>\""}`, "$.detail.tags")
	f.Add(`<x> is <aws.events.event.json>`, "$.resources[0]")
	f.Add(`[<x>, "<x>"]`, "$.detail.list[*]")
	f.Fuzz(func(t *testing.T, tmpl, path string) {
		tr, err := CompileTarget(transformer(tmpl, "x", path))
		if err != nil {
			var te *TargetError
			if !errors.As(err, &te) {
				t.Fatalf("CompileTarget: %T %v, want a *TargetError", err, err)
			}
			return
		}
		out := tr.Apply(value.MustParse(instanceEvent), meta)
		if tr.json {
			if _, err := value.Parse(out); err != nil {
				t.Fatalf("template %q gave invalid JSON %q: %v", tmpl, out, err)
			}
		}
	})
}
