// Package jsonpath parses and evaluates the JSONPath dialect of the Amazon
// States Language.
//
// AWS evaluates paths with Jayway JsonPath semantics: a path is "definite"
// when it can select at most one node (only names and single indexes), and
// evaluating it on a document where that node is missing is an error. Any
// other path (wildcards, slices, filters, deep scan, unions) is "indefinite":
// it always yields a JSON array, empty when nothing matches.
//
// Reference paths, which ResultPath, ItemsPath, the Choice Variable and the
// *Path fields require, are definite paths made of names and non-negative
// indexes only.
//
// Paths are parsed once into a Path and evaluated many times; evaluation
// never changes the document.
package jsonpath

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Root says which document a path reads.
type Root uint8

const (
	RootInput    Root = iota // $    the state's input
	RootContext              // $$   the context object
	RootVariable             // $name a workflow variable
)

// Path is a compiled JSONPath. The zero value is not valid; use Parse.
type Path struct {
	text     string
	root     Root
	variable string
	segs     []segment
	definite bool
}

type segKind uint8

const (
	segName     segKind = iota // .name  ['name']
	segNames                   // ['a','b']
	segIndex                   // [n]
	segIndexes                 // [n,m]
	segSlice                   // [a:b]
	segWildcard                // .*  [*]
	segFilter                  // [?(...)]
)

type segment struct {
	kind    segKind
	deep    bool // reached through '..': applies to the node and every descendant
	name    string
	names   []string
	index   int
	indexes []int
	start   int
	end     int
	hasFrom bool
	hasTo   bool
	filter  expr
}

// Error is a path syntax error.
type Error struct {
	Path   string
	Offset int
	Msg    string
}

func (e *Error) Error() string {
	return fmt.Sprintf("invalid JSONPath %q at offset %d: %s", e.Path, e.Offset, e.Msg)
}

// Parse compiles a JSONPath beginning with "$", "$$" or "$name".
func Parse(text string) (*Path, error) {
	p := &pathParser{s: text}
	path, err := p.parse()
	if err != nil {
		return nil, err
	}
	return path, nil
}

// MustParse is Parse that panics, for constants.
func MustParse(text string) *Path {
	p, err := Parse(text)
	if err != nil {
		panic(err)
	}
	return p
}

// String returns the text the path was parsed from.
func (p *Path) String() string { return p.text }

// Root returns the document the path reads.
func (p *Path) Root() Root { return p.root }

// Variable returns the variable name of a $name path.
func (p *Path) Variable() string { return p.variable }

// Definite reports whether the path selects at most one node.
func (p *Path) Definite() bool { return p.definite }

// IsRoot reports whether the path is just the root ("$", "$$" or "$name").
func (p *Path) IsRoot() bool { return len(p.segs) == 0 }

// IsReference reports whether the path is a reference path: names and
// non-negative indexes only.
func (p *Path) IsReference() bool {
	for _, s := range p.segs {
		if s.deep {
			return false
		}
		switch s.kind {
		case segName:
		case segIndex:
			if s.index < 0 {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// Canonical returns the path in bracket notation, as Jayway prints it in
// its messages: $['a'][0].
func (p *Path) Canonical() string {
	var b strings.Builder
	switch p.root {
	case RootContext:
		b.WriteString("$$")
	case RootVariable:
		b.WriteString("$" + p.variable)
	default:
		b.WriteString("$")
	}
	for _, s := range p.segs {
		writeSegment(&b, s)
	}
	return b.String()
}

func writeSegment(b *strings.Builder, s segment) {
	if s.deep {
		b.WriteString("..")
	}
	switch s.kind {
	case segName:
		b.WriteString("['" + s.name + "']")
	case segNames:
		b.WriteString("[")
		for i, n := range s.names {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString("'" + n + "'")
		}
		b.WriteString("]")
	case segIndex:
		b.WriteString("[" + strconv.Itoa(s.index) + "]")
	case segIndexes:
		b.WriteString("[")
		for i, n := range s.indexes {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(strconv.Itoa(n))
		}
		b.WriteString("]")
	case segSlice:
		b.WriteString("[")
		if s.hasFrom {
			b.WriteString(strconv.Itoa(s.start))
		}
		b.WriteString(":")
		if s.hasTo {
			b.WriteString(strconv.Itoa(s.end))
		}
		b.WriteString("]")
	case segWildcard:
		b.WriteString("[*]")
	case segFilter:
		b.WriteString("[?]")
	}
}

type pathParser struct {
	s     string
	i     int
	depth int
}

func (p *pathParser) errorf(format string, args ...any) error {
	return &Error{Path: p.s, Offset: p.i, Msg: fmt.Sprintf(format, args...)}
}

func (p *pathParser) parse() (*Path, error) {
	path := &Path{text: p.s, definite: true}
	if !strings.HasPrefix(p.s, "$") {
		return nil, p.errorf("a path must begin with '$'")
	}
	p.i = 1
	if p.i < len(p.s) && p.s[p.i] == '$' {
		path.root = RootContext
		p.i++
	} else if p.i < len(p.s) && isIdentStart(p.s[p.i]) {
		start := p.i
		for p.i < len(p.s) && isIdentPart(p.s[p.i]) {
			p.i++
		}
		path.root = RootVariable
		path.variable = p.s[start:p.i]
	}
	segs, err := p.segments(false)
	if err != nil {
		return nil, err
	}
	path.segs = segs
	for _, s := range segs {
		if s.deep || (s.kind != segName && s.kind != segIndex) {
			path.definite = false
		}
	}
	return path, nil
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80
}

func isIdentPart(c byte) bool {
	return isIdentStart(c) || (c >= '0' && c <= '9')
}

// segments parses segments until the end of input, or, inside a filter
// (nested), until a character that cannot continue a path.
func (p *pathParser) segments(nested bool) ([]segment, error) {
	var segs []segment
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '.':
			deep := false
			if strings.HasPrefix(p.s[p.i:], "..") {
				deep = true
				p.i += 2
				if p.i < len(p.s) && p.s[p.i] == '[' {
					seg, err := p.bracket()
					if err != nil {
						return nil, err
					}
					seg.deep = true
					segs = append(segs, seg)
					continue
				}
			} else {
				p.i++
			}
			if p.i >= len(p.s) {
				return nil, p.errorf("a path must not end with '.'")
			}
			if p.s[p.i] == '*' {
				p.i++
				segs = append(segs, segment{kind: segWildcard, deep: deep})
				continue
			}
			name, err := p.dotName(nested)
			if err != nil {
				return nil, err
			}
			segs = append(segs, segment{kind: segName, name: name, deep: deep})
		case c == '[':
			seg, err := p.bracket()
			if err != nil {
				return nil, err
			}
			segs = append(segs, seg)
		default:
			if nested {
				return segs, nil
			}
			return nil, p.errorf("unexpected %q", p.rune())
		}
	}
	return segs, nil
}

func (p *pathParser) rune() rune {
	r, _ := utf8.DecodeRuneInString(p.s[p.i:])
	return r
}

// dotName reads a member name after '.': everything up to the next '.' or
// '[' (inside a filter, also up to an operator, space or parenthesis).
func (p *pathParser) dotName(nested bool) (string, error) {
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == '.' || c == '[' || c == ' ' || c == '\t' {
			break
		}
		if nested && strings.IndexByte(" \t\n)(=!<>&|,]", c) >= 0 {
			break
		}
		p.i++
	}
	if p.i == start {
		return "", p.errorf("expected a member name")
	}
	return p.s[start:p.i], nil
}

func (p *pathParser) skipSpace() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

// bracket parses [...] at p.i.
func (p *pathParser) bracket() (segment, error) {
	p.i++ // [
	p.skipSpace()
	if p.i >= len(p.s) {
		return segment{}, p.errorf("unterminated '['")
	}
	switch c := p.s[p.i]; {
	case c == '*':
		p.i++
		p.skipSpace()
		if err := p.expect(']'); err != nil {
			return segment{}, err
		}
		return segment{kind: segWildcard}, nil
	case c == '\'' || c == '"':
		var names []string
		for {
			p.skipSpace()
			name, err := p.quoted()
			if err != nil {
				return segment{}, err
			}
			names = append(names, name)
			p.skipSpace()
			if p.i < len(p.s) && p.s[p.i] == ',' {
				p.i++
				continue
			}
			break
		}
		if err := p.expect(']'); err != nil {
			return segment{}, err
		}
		if len(names) == 1 {
			return segment{kind: segName, name: names[0]}, nil
		}
		return segment{kind: segNames, names: names}, nil
	case c == '?':
		p.i++
		p.skipSpace()
		if err := p.expect('('); err != nil {
			return segment{}, err
		}
		f, err := p.filterExpr()
		if err != nil {
			return segment{}, err
		}
		p.skipSpace()
		if err := p.expect(')'); err != nil {
			return segment{}, err
		}
		p.skipSpace()
		if err := p.expect(']'); err != nil {
			return segment{}, err
		}
		return segment{kind: segFilter, filter: f}, nil
	case c == '-' || c == ':' || (c >= '0' && c <= '9'):
		return p.indexOrSlice()
	}
	return segment{}, p.errorf("unexpected %q in brackets", p.rune())
}

func (p *pathParser) expect(c byte) error {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return nil
	}
	if p.i >= len(p.s) {
		return p.errorf("expected %q, found the end of the path", c)
	}
	return p.errorf("expected %q, found %q", c, p.rune())
}

func (p *pathParser) quoted() (string, error) {
	if p.i >= len(p.s) || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
		return "", p.errorf("expected a quoted name")
	}
	q := p.s[p.i]
	p.i++
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == '\\' && p.i+1 < len(p.s) {
			b.WriteByte(p.s[p.i+1])
			p.i += 2
			continue
		}
		if c == q {
			p.i++
			return b.String(), nil
		}
		b.WriteByte(c)
		p.i++
	}
	return "", p.errorf("unterminated quoted name")
}

func (p *pathParser) integer() (int, bool, error) {
	start := p.i
	if p.i < len(p.s) && p.s[p.i] == '-' {
		p.i++
	}
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		p.i++
	}
	if p.i == start {
		return 0, false, nil
	}
	n, err := strconv.Atoi(p.s[start:p.i])
	if err != nil {
		p.i = start
		return 0, false, p.errorf("invalid index %q", p.s[start:p.i])
	}
	return n, true, nil
}

func (p *pathParser) indexOrSlice() (segment, error) {
	first, hasFirst, err := p.integer()
	if err != nil {
		return segment{}, err
	}
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == ':' {
		p.i++
		p.skipSpace()
		second, hasSecond, err := p.integer()
		if err != nil {
			return segment{}, err
		}
		p.skipSpace()
		if err := p.expect(']'); err != nil {
			return segment{}, err
		}
		return segment{kind: segSlice, start: first, hasFrom: hasFirst, end: second, hasTo: hasSecond}, nil
	}
	if !hasFirst {
		return segment{}, p.errorf("expected an index")
	}
	idx := []int{first}
	for p.i < len(p.s) && p.s[p.i] == ',' {
		p.i++
		p.skipSpace()
		n, ok, err := p.integer()
		if err != nil {
			return segment{}, err
		}
		if !ok {
			return segment{}, p.errorf("expected an index after ','")
		}
		idx = append(idx, n)
		p.skipSpace()
	}
	if err := p.expect(']'); err != nil {
		return segment{}, err
	}
	if len(idx) == 1 {
		return segment{kind: segIndex, index: first}, nil
	}
	return segment{kind: segIndexes, indexes: idx}, nil
}
