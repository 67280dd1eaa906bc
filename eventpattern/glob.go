package eventpattern

import (
	"fmt"
	"strings"
)

// glob is a compiled wildcard: the literal parts between its stars.
// Matching is greedy left to right, linear in the text for each part: a
// glob of stars alone cannot backtrack, so no pattern makes it slow.
type glob struct {
	parts       []string
	lead, trail bool // a star before the first part, after the last
}

// compileGlob compiles a wildcard. "*" matches any run of characters;
// "\*" is a literal star and "\\" a literal backslash; any other escape
// and two stars in a row are refused, as EventBridge refuses them.
func compileGlob(s, path string) (glob, error) {
	var g glob
	var cur strings.Builder
	star := false // the previous character was an unescaped star
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			if i+1 >= len(s) || (s[i+1] != '*' && s[i+1] != '\\') {
				return glob{}, &Error{Path: path, Reason: fmt.Sprintf("Invalid escape character at pos %d", i)}
			}
			i++
			cur.WriteByte(s[i])
			star = false
		case c == '*':
			if star {
				return glob{}, &Error{Path: path, Reason: fmt.Sprintf("Consecutive wildcard characters at pos %d", i)}
			}
			if len(g.parts) == 0 && cur.Len() == 0 {
				g.lead = true
			} else {
				g.parts = append(g.parts, cur.String())
				cur.Reset()
			}
			star = true
		default:
			cur.WriteByte(c)
			star = false
		}
	}
	g.trail = star
	if !star {
		g.parts = append(g.parts, cur.String())
	}
	return g, nil
}

func (g glob) match(s string) bool {
	parts := g.parts
	if len(parts) == 0 { // "*"
		return true
	}
	if !g.lead {
		if !strings.HasPrefix(s, parts[0]) {
			return false
		}
		if len(parts) == 1 && !g.trail {
			return len(s) == len(parts[0])
		}
		s, parts = s[len(parts[0]):], parts[1:]
	}
	if !g.trail {
		last := parts[len(parts)-1]
		if !strings.HasSuffix(s, last) {
			return false
		}
		s, parts = s[:len(s)-len(last)], parts[:len(parts)-1]
	}
	for _, p := range parts {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return true
}

func anyGlob(gs []glob, s string) bool {
	for _, g := range gs {
		if g.match(s) {
			return true
		}
	}
	return false
}
