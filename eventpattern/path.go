package eventpattern

import (
	"strconv"
	"strings"

	"github.com/baton-sh/baton/value"
)

// Path is the JSONPath subset EventBridge evaluates for InputPath and
// InputPathsMap: "$", then dot-notation names (letters, digits, dashes,
// underscores, slashes and other characters but . [ ] and spaces), array
// indices [n], and wildcards (.* or [*]). Bracketed names are refused, as
// EventBridge asks for dot notation.
type Path struct {
	text string
	segs []pathSeg
	wild bool // selects a list of matches rather than one value
}

type pathSeg struct {
	name  string
	index int // >= 0 for [n]
	star  bool
}

// ParsePath parses a path; the error says what is wrong.
func ParsePath(s string) (*Path, error) {
	if !strings.HasPrefix(s, "$") {
		return nil, &TargetError{Reason: "JSON path " + strconv.Quote(s) + " must start with $"}
	}
	p := &Path{text: s}
	for i := 1; i < len(s); {
		switch s[i] {
		case '.':
			j := i + 1
			for j < len(s) && !strings.ContainsRune(".[] \t\n\r", rune(s[j])) {
				j++
			}
			name := s[i+1 : j]
			if name == "" {
				return nil, pathError(s, i)
			}
			if name == "*" {
				p.segs = append(p.segs, pathSeg{star: true, index: -1})
				p.wild = true
			} else {
				p.segs = append(p.segs, pathSeg{name: name, index: -1})
			}
			i = j
		case '[':
			end := strings.IndexByte(s[i:], ']')
			if end < 0 {
				return nil, pathError(s, i)
			}
			inner := s[i+1 : i+end]
			if inner == "*" {
				p.segs = append(p.segs, pathSeg{star: true, index: -1})
				p.wild = true
			} else {
				n, err := strconv.Atoi(inner)
				if err != nil || n < 0 || inner[0] == '+' {
					return nil, pathError(s, i)
				}
				p.segs = append(p.segs, pathSeg{index: n})
			}
			i += end + 1
		default:
			return nil, pathError(s, i)
		}
	}
	return p, nil
}

func pathError(s string, at int) error {
	return &TargetError{Reason: "JSON path " + strconv.Quote(s) + " is not valid at position " + strconv.Itoa(at) + ": use dot notation, array indices and *"}
}

// String returns the path as written.
func (p *Path) String() string { return p.text }

// Get evaluates the path on v. A path without a wildcard yields its value
// or false when missing; a path with one yields the list of what it
// selects (possibly empty) and true.
func (p *Path) Get(v any) (any, bool) {
	if !p.wild {
		for _, s := range p.segs {
			var ok bool
			if v, ok = s.step(v); !ok {
				return nil, false
			}
		}
		return v, true
	}
	out := []any{}
	collect(v, p.segs, &out)
	return out, true
}

func (s pathSeg) step(v any) (any, bool) {
	if s.index >= 0 {
		arr, ok := v.([]any)
		if !ok || s.index >= len(arr) {
			return nil, false
		}
		return arr[s.index], true
	}
	obj, ok := v.(*value.Object)
	if !ok {
		return nil, false
	}
	return obj.Get(s.name)
}

func collect(v any, segs []pathSeg, out *[]any) {
	if len(segs) == 0 {
		*out = append(*out, v)
		return
	}
	s := segs[0]
	if !s.star {
		if next, ok := s.step(v); ok {
			collect(next, segs[1:], out)
		}
		return
	}
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			collect(e, segs[1:], out)
		}
	case *value.Object:
		for _, e := range x.All() {
			collect(e, segs[1:], out)
		}
	}
}
