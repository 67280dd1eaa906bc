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
// The grammar is Jayway's, lenient where Jayway is: blanks around a path
// are trimmed, a dot may stand before a bracket ($.[0], $.a.['b']), a
// bracket-quoted name takes Java's escapes, "[(@.length-n)]" is the n-th
// item from the end, and a bare word on the right of a filter comparison
// is a string ([?(@.type==book)]).
//
// Paths are parsed once into a Path and evaluated many times; evaluation
// never changes the document.
package jsonpath

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
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
	script  bool // [(@.length-n)]: index is -n, or pastEnd for n = 0
}

// pastEnd is the index of "[(@.length-0)]": the item after the last, which
// never exists.
const pastEnd = math.MinInt

// Error is a path syntax error.
type Error struct {
	Path   string
	Offset int
	Msg    string
}

func (e *Error) Error() string {
	return fmt.Sprintf("invalid JSONPath %q at offset %d: %s", e.Path, e.Offset, e.Msg)
}

// Parse compiles a JSONPath beginning with "$", "$$" or "$name". Blanks
// around the path are ignored, as Jayway trims a path before it compiles
// it; String still returns the text as written, which AWS quotes in its
// messages.
func Parse(text string) (*Path, error) {
	trimmed := strings.TrimLeftFunc(text, isBlank)
	p := &pathParser{s: strings.TrimRightFunc(trimmed, isBlank), text: text, base: len(text) - len(trimmed)}
	path, err := p.parse()
	if err != nil {
		return nil, err
	}
	return path, nil
}

// isBlank is what Java's String.trim removes: every character up to and
// including the space.
func isBlank(r rune) bool { return r <= ' ' }

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
		if s.script && s.index == pastEnd {
			b.WriteString("[(@.length-0)]")
			return
		}
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
	s     string // the path without the blanks around it
	text  string // the path as written
	base  int    // where s begins in text
	i     int
	depth int
}

func (p *pathParser) errorf(format string, args ...any) error {
	return &Error{Path: p.text, Offset: p.base + p.i, Msg: fmt.Sprintf(format, args...)}
}

func (p *pathParser) parse() (*Path, error) {
	path := &Path{text: p.text, definite: true}
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
				if p.i < len(p.s) && p.s[p.i] == '[' {
					// Jayway reads the token after a dot whatever it is:
					// $.[0] is $[0], as AWS's own examples write it.
					continue
				}
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
	case c == '(' || c == '@':
		return p.script()
	}
	return segment{}, p.errorf("unexpected %q in brackets", p.rune())
}

// script parses the one script expression Jayway evaluates, an index
// counted from the end: (@.length-n) or (@.size()-n), the parentheses
// optional as they were to Jayway, p.i at '(' or '@'.
func (p *pathParser) script() (segment, error) {
	paren := p.s[p.i] == '('
	if paren {
		p.i++
		p.skipSpace()
	}
	rest := p.s[p.i:]
	switch {
	case strings.HasPrefix(rest, "@.length"):
		p.i += len("@.length")
	case strings.HasPrefix(rest, "@.size()"):
		p.i += len("@.size()")
	default:
		return segment{}, p.errorf("expected (@.length-n) in brackets")
	}
	p.skipSpace()
	if err := p.expect('-'); err != nil {
		return segment{}, err
	}
	p.skipSpace()
	start := p.i
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		p.i++
	}
	n, err := strconv.Atoi(p.s[start:p.i])
	if err != nil || n > maxScriptIndex {
		p.i = start
		return segment{}, p.errorf("expected a number of items after '-'")
	}
	p.skipSpace()
	if paren {
		if err := p.expect(')'); err != nil {
			return segment{}, err
		}
		p.skipSpace()
	}
	if err := p.expect(']'); err != nil {
		return segment{}, err
	}
	if n == 0 {
		return segment{kind: segIndex, index: pastEnd, script: true}, nil
	}
	return segment{kind: segIndex, index: -n, script: true}, nil
}

// maxScriptIndex keeps -n far from pastEnd.
const maxScriptIndex = 1 << 30

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

// quoted reads a quoted name or string. A backslash keeps the next
// character from closing it; the text between the quotes is then unescaped
// as Jayway does (Java's escapes: \\ \' \" \b \f \n \r \t \uXXXX, any
// other escaped character stands for itself).
func (p *pathParser) quoted() (string, error) {
	if p.i >= len(p.s) || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
		return "", p.errorf("expected a quoted name")
	}
	q := p.s[p.i]
	p.i++
	start := p.i
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case '\\':
			p.i += 2
			continue
		case q:
			raw := p.s[start:p.i]
			p.i++
			s, ok := unescape(raw)
			if !ok {
				p.i = start
				return "", p.errorf("invalid \\u escape in %q", raw)
			}
			return s, nil
		}
		p.i++
	}
	p.i = len(p.s)
	return "", p.errorf("unterminated quoted name")
}

// unescape undoes Java's escapes, as Jayway's Utils.unescape does. A \u
// escape needs four hex digits; Java's UTF-16 surrogate pairs are joined.
func unescape(raw string) (string, bool) {
	if strings.IndexByte(raw, '\\') < 0 {
		return raw, true
	}
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		if i+1 == len(raw) {
			b.WriteByte('\\') // a lone backslash at the end stays
			break
		}
		i++
		switch e := raw[i]; e {
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, ok := hex4(raw[i+1:])
			if !ok {
				return "", false
			}
			i += 4
			if utf16.IsSurrogate(r) && strings.HasPrefix(raw[i+1:], "\\u") {
				if r2, ok := hex4(raw[i+3:]); ok {
					if pair := utf16.DecodeRune(r, r2); pair != utf8.RuneError {
						r = pair
						i += 6
					}
				}
			}
			b.WriteRune(r) // a lone surrogate becomes U+FFFD
		default:
			b.WriteByte(e)
		}
	}
	return b.String(), true
}

func hex4(s string) (rune, bool) {
	if len(s) < 4 {
		return 0, false
	}
	n, err := strconv.ParseUint(s[:4], 16, 32)
	if err != nil {
		return 0, false
	}
	return rune(n), true
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
