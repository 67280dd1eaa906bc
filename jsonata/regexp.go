package jsonata

import (
	"sort"
	"sync"
	"unicode"
)

// Baton's own ECMAScript regular expressions, as JavaScript runs them
// without the u flag (the only flags JSONata knows are i and m): the
// pattern and the text are UTF-16 code units, and the syntax is that of
// the standard's Annex B, which browsers and Node accept (an identity
// escape of any character, legacy octal escapes, a '{' or ']' that
// starts nothing taken literally, quantified lookaheads), with V8's error
// messages.
//
// A pattern is parsed into a tree, then compiled once into a program for
// a backtracking machine with an explicit stack: alternatives and loop
// iterations push the position to come back to, and every change to a
// register (a capture, a loop counter) pushes its old value, which
// backtracking restores. Loops count their iterations in registers (so
// a{1000} is one loop, not a thousand copies) and follow the standard's
// RepeatMatcher: the captures inside are cleared at each iteration, and
// an iteration past the minimum that matches the empty string fails.
// Lookbehinds match backwards, as the standard specifies. A loop over a
// single character (\d+, [^,]*, .*?) is one instruction that consumes
// greedily and gives back one character at a time.
//
// Every instruction executed and every backtrack costs costRegex steps of
// the evaluation's budget (budget.go), so that catastrophic backtracking
// ends deterministically with the budget error; the backtracking stack is
// also bounded (reMaxStack), as V8's is.

// reMaxStack bounds the backtracking stack (16 bytes an entry): past it a
// match fails as V8's does, with "Maximum call stack size exceeded".
const reMaxStack = 1 << 22

// reInfinity is an unbounded loop's maximum, and the value quantifier
// bounds are clamped to (V8's kInfinity).
const reInfinity = 1<<31 - 1

// reMaxNesting bounds the nesting of groups in a pattern.
const reMaxNesting = 2000

// reProgram is a compiled regular expression.
type reProgram struct {
	insts []reInst
	ncap  int // capturing groups, group 0 (the match) included
	nregs int // registers: two a group, then loop counters and positions
	// anchored: every match starts at 0 (a leading ^ without the m flag).
	anchored bool
	// first, when hasFirst, is the code unit every match starts with.
	first    uint16
	hasFirst bool
}

type reOp uint8

const (
	opChar       reOp = iota // the unit c
	opCharFold               // a unit whose canonical form is c
	opAny                    // any unit but a line terminator
	opClass                  // a unit in cls
	opString                 // the units str
	opStringFold             // units whose canonical forms are str
	opBOL                    // start of input (or of a line, if multiline)
	opEOL                    // end of input (or of a line, if multiline)
	opWordB                  // \b
	opNotWordB               // \B
	opSplit                  // go to x, or else to y
	opJmp                    // go to x
	opSave                   // register x = position
	opClear                  // registers x to y-1 = -1 (unset captures)
	opZero                   // register x = 0 (a loop counter)
	opRepeat                 // loop head: counter x, exit y
	opRepeatEnd              // loop tail: counter x, position register y (or -1), head z
	opStar                   // a loop over the single-unit instruction atom
	opBackref                // the text of group x
	opLook                   // lookaround: body at the next instruction, continue at y
	opLookEnd                // end of a lookaround's body
	opMatch                  // the end of the pattern
)

type reInst struct {
	op       reOp
	back     bool // reads backwards (in a lookbehind)
	fold     bool // opBackref: case-insensitive
	greedy   bool
	negate   bool // opLook
	behind   bool // opLook
	multi    bool // opBOL, opEOL: multiline
	hasNext  bool // opStar: greedy, forward, followed by the unit next
	c        uint16
	next     uint16
	x, y, z  int
	min, max int
	cls      *reClass
	str      []uint16
	atom     *reInst
}

// ---- canonical case (the standard's Canonicalize, without the u flag)

// canon maps a code unit to the unit of its uppercase form when that is a
// single unit and, for a non-ASCII unit, not ASCII.
func canon(u uint16) uint16 {
	if u < 128 {
		if 'a' <= u && u <= 'z' {
			return u - 32
		}
		return u
	}
	return foldTable()[u]
}

var foldTable = sync.OnceValue(func() *[65536]uint16 {
	t := new([65536]uint16)
	for u := range 65536 {
		t[u] = uint16(u)
		if u < 128 || u >= 0xD800 && u <= 0xDFFF {
			if 'a' <= u && u <= 'z' {
				t[u] = uint16(u - 32)
			}
			continue
		}
		r := unicode.ToUpper(rune(u))
		if r < 0x10000 && r >= 128 {
			t[u] = uint16(r)
		}
	}
	// Characters whose uppercase is more than one unit in JavaScript
	// (SpecialCasing), which Go maps to their titlecase.
	for _, r := range [][2]uint16{{0x1F80, 0x1F87}, {0x1F90, 0x1F97}, {0x1FA0, 0x1FA7}, {0x1FB3, 0x1FB3}, {0x1FC3, 0x1FC3}, {0x1FF3, 0x1FF3}} {
		for u := r[0]; u <= r[1]; u++ {
			t[u] = u
		}
	}
	// Mappings of Unicode 16 and 17, which Go's tables (15) lack.
	for _, m := range [][2]uint16{{0x019B, 0xA7DC}, {0x0264, 0xA7CB}, {0x1C8A, 0x1C89}, {0xA7CD, 0xA7CC}, {0xA7CF, 0xA7CE}, {0xA7D3, 0xA7D2}, {0xA7D5, 0xA7D4}, {0xA7DB, 0xA7DA}} {
		t[m[0]] = m[1]
	}
	return t
})

// foldList is the sorted list of the units whose canonical form is not
// themselves.
var foldList = sync.OnceValue(func() []uint16 {
	t := foldTable()
	var l []uint16
	for u := range 65536 {
		if t[u] != uint16(u) {
			l = append(l, uint16(u))
		}
	}
	return l
})

// ---- character classes

// reClass is a set of code units: ranges, with a bitmap for ASCII.
type reClass struct {
	ascii  [4]uint32
	ranges []uint16 // lo, hi pairs, sorted and disjoint
	negate bool
	fold   bool // the set holds canonical units: compare canon(u)
}

func (c *reClass) has(u uint16) bool {
	if u < 128 {
		return c.ascii[u>>5]>>(u&31)&1 != 0
	}
	r := c.ranges
	lo, hi := 0, len(r)/2
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if r[2*mid+1] < u {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo < len(r)/2 && r[2*lo] <= u
}

func (c *reClass) matches(u uint16) bool {
	if c.fold {
		u = canon(u)
	}
	return c.has(u) != c.negate
}

// rangeSet builds a class.
type rangeSet [][2]uint16

func (s *rangeSet) add(lo, hi uint16) { *s = append(*s, [2]uint16{lo, hi}) }

func (s *rangeSet) addSet(o rangeSet) { *s = append(*s, o...) }

// normal sorts and merges the ranges.
func (s rangeSet) normal() rangeSet {
	if len(s) == 0 {
		return s
	}
	t := append(rangeSet(nil), s...)
	sort.Slice(t, func(i, j int) bool { return t[i][0] < t[j][0] })
	out := t[:1]
	for _, r := range t[1:] {
		last := &out[len(out)-1]
		if uint32(r[0]) <= uint32(last[1])+1 {
			last[1] = max(last[1], r[1])
		} else {
			out = append(out, r)
		}
	}
	return out
}

// complement is the set of the units not in s.
func (s rangeSet) complement() rangeSet {
	var out rangeSet
	next := uint32(0)
	for _, r := range s.normal() {
		if uint32(r[0]) > next {
			out.add(uint16(next), r[0]-1)
		}
		next = uint32(r[1]) + 1
	}
	if next <= 0xFFFF {
		out.add(uint16(next), 0xFFFF)
	}
	return out
}

func (s rangeSet) class(negate, fold bool) *reClass {
	s = s.normal()
	if fold {
		// the canonical forms of the members: canon(u) of a member is then
		// in the set exactly when some member has the same canonical form
		// as u, canon being idempotent
		list := foldList()
		var extra rangeSet
		for _, r := range s {
			i := sort.Search(len(list), func(i int) bool { return list[i] >= r[0] })
			for ; i < len(list) && list[i] <= r[1]; i++ {
				c := canon(list[i])
				extra.add(c, c)
			}
		}
		s = append(s, extra...).normal()
	}
	c := &reClass{negate: negate, fold: fold}
	for _, r := range s {
		for u := uint32(r[0]); u <= uint32(r[1]) && u < 128; u++ {
			c.ascii[u>>5] |= 1 << (u & 31)
		}
		if r[1] >= 128 {
			c.ranges = append(c.ranges, max(r[0], 128), r[1])
		}
	}
	return c
}

var (
	digitSet = rangeSet{{'0', '9'}}
	wordSet  = rangeSet{{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}}
	spaceSet = rangeSet{{9, 13}, {' ', ' '}, {0xA0, 0xA0}, {0x1680, 0x1680}, {0x2000, 0x200A},
		{0x2028, 0x2029}, {0x202F, 0x202F}, {0x205F, 0x205F}, {0x3000, 0x3000}, {0xFEFF, 0xFEFF}}
)

func isLineTerminator(u uint16) bool {
	return u == '\n' || u == '\r' || u == 0x2028 || u == 0x2029
}

func isWordUnit(u uint16) bool {
	return u < 128 && ('a' <= u && u <= 'z' || 'A' <= u && u <= 'Z' || '0' <= u && u <= '9' || u == '_')
}

// ---- syntax

type reKind uint8

const (
	rEmpty reKind = iota
	rChar
	rAny
	rClass
	rSeq
	rAlt
	rGroup // capturing
	rRepeat
	rBOL
	rEOL
	rWordB
	rNotWordB
	rLook
	rBackref
)

type reNode struct {
	kind     reKind
	c        uint16
	set      rangeSet
	negate   bool
	subs     []*reNode
	sub      *reNode
	cap      int // rGroup: its number; rBackref: the group's
	name     string
	min, max int
	greedy   bool
	behind   bool
	// capFrom and capTo are the groups inside (rRepeat).
	capFrom, capTo int
}

// reSyntaxError is a pattern's error, with V8's message.
type reSyntaxError struct{ msg string }

func (e *reSyntaxError) Error() string { return e.msg }

type reParser struct {
	src   []uint16
	pos   int
	ncap  int // groups opened so far
	total int // groups in the whole pattern (-1: not counted yet)
	named bool
	names map[string]int
	refs  []*reNode // backreferences by name
	depth int
}

func (p *reParser) fail(msg string) { panic(&reSyntaxError{msg}) }

func (p *reParser) more() bool { return p.pos < len(p.src) }

func (p *reParser) cur() uint16 {
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0xFFFF // never a syntax character
}

func (p *reParser) peek(k int) uint16 {
	if p.pos+k < len(p.src) {
		return p.src[p.pos+k]
	}
	return 0xFFFF
}

// scan counts the capturing groups and notes whether any is named (V8's
// ScanForCaptures).
func (p *reParser) scan() {
	n := 0
	inClass := false
	s := p.src
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			i++
		case inClass:
			if c == ']' {
				inClass = false
			}
		case c == '[':
			inClass = true
		case c == '(':
			if i+1 < len(s) && s[i+1] == '?' {
				if i+2 < len(s) && s[i+2] == '<' && (i+3 >= len(s) || s[i+3] != '=' && s[i+3] != '!') {
					n++
					p.named = true
				}
				continue
			}
			n++
		}
	}
	p.total = n
}

func parseRegex(pattern []uint16) (root *reNode, ncap int, err error) {
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(*reSyntaxError)
			if !ok {
				panic(r)
			}
			root, err = nil, e
		}
	}()
	p := &reParser{src: pattern}
	p.scan()
	root = p.disjunction()
	if p.more() { // only a ')' stops the top level
		p.fail("Unmatched ')'")
	}
	for _, ref := range p.refs {
		g, ok := p.names[ref.name]
		if !ok {
			p.fail("Invalid named capture referenced")
		}
		ref.cap = g
	}
	return root, p.ncap + 1, nil
}

func (p *reParser) disjunction() *reNode {
	first := p.alternative()
	if p.cur() != '|' || !p.more() {
		return first
	}
	alt := &reNode{kind: rAlt, subs: []*reNode{first}}
	for p.more() && p.cur() == '|' {
		p.pos++
		alt.subs = append(alt.subs, p.alternative())
	}
	return alt
}

func (p *reParser) alternative() *reNode {
	var terms []*reNode
	for p.more() {
		c := p.cur()
		if c == '|' || c == ')' {
			break
		}
		terms = append(terms, p.term())
	}
	switch len(terms) {
	case 0:
		return &reNode{kind: rEmpty}
	case 1:
		return terms[0]
	}
	return &reNode{kind: rSeq, subs: terms}
}

func (p *reParser) term() *reNode {
	switch p.cur() {
	case '^':
		p.pos++
		return &reNode{kind: rBOL}
	case '$':
		p.pos++
		return &reNode{kind: rEOL}
	case '\\':
		switch p.peek(1) {
		case 'b':
			p.pos += 2
			return &reNode{kind: rWordB}
		case 'B':
			p.pos += 2
			return &reNode{kind: rNotWordB}
		}
	case '*', '+', '?':
		p.fail("Nothing to repeat")
	case '{':
		if _, _, ok := p.interval(); ok {
			p.fail("Nothing to repeat")
		}
	}
	capsBefore := p.ncap
	atom, lookbehind := p.atom()
	min, max, ok := p.quantifier()
	if !ok {
		return atom
	}
	if lookbehind {
		p.fail("Invalid quantifier")
	}
	greedy := true
	if p.cur() == '?' && p.more() {
		p.pos++
		greedy = false
	}
	return &reNode{kind: rRepeat, sub: atom, min: min, max: max, greedy: greedy, capFrom: capsBefore + 1, capTo: p.ncap + 1}
}

// quantifier reads *, +, ? or {n}, {n,}, {n,m}.
func (p *reParser) quantifier() (min, max int, ok bool) {
	if !p.more() {
		return 0, 0, false
	}
	switch p.cur() {
	case '*':
		p.pos++
		return 0, reInfinity, true
	case '+':
		p.pos++
		return 1, reInfinity, true
	case '?':
		p.pos++
		return 0, 1, true
	case '{':
		if min, max, ok = p.interval(); ok {
			if max < min {
				p.fail("numbers out of order in {} quantifier")
			}
			return min, max, true
		}
	}
	return 0, 0, false
}

// interval reads {n}, {n,} or {n,m} at the position, or nothing.
func (p *reParser) interval() (lo, hi int, ok bool) {
	start := p.pos
	p.pos++ // '{'
	digits := func() int {
		v := 0
		for p.more() && p.cur() >= '0' && p.cur() <= '9' {
			v = min(v*10+int(p.cur()-'0'), reInfinity)
			p.pos++
		}
		return v
	}
	if !p.more() || p.cur() < '0' || p.cur() > '9' {
		p.pos = start
		return 0, 0, false
	}
	lo = digits()
	switch {
	case p.cur() == '}' && p.more():
		hi = lo
	case p.cur() == ',' && p.more():
		p.pos++
		switch {
		case p.cur() == '}' && p.more():
			hi = reInfinity
		case p.more() && p.cur() >= '0' && p.cur() <= '9':
			hi = digits()
			if p.cur() != '}' || !p.more() {
				p.pos = start
				return 0, 0, false
			}
		default:
			p.pos = start
			return 0, 0, false
		}
	default:
		p.pos = start
		return 0, 0, false
	}
	p.pos++ // '}'
	return lo, hi, true
}

// atom reads an atom; lookbehind reports a lookbehind, which no
// quantifier may follow.
func (p *reParser) atom() (n *reNode, lookbehind bool) {
	switch c := p.cur(); c {
	case '.':
		p.pos++
		return &reNode{kind: rAny}, false
	case '(':
		return p.group()
	case '[':
		return p.class(), false
	case '\\':
		return p.atomEscape(), false
	default:
		p.pos++
		return &reNode{kind: rChar, c: c}, false
	}
}

func (p *reParser) group() (*reNode, bool) {
	p.pos++ // '('
	if p.depth++; p.depth > reMaxNesting {
		p.fail("Regular expression too large")
	}
	defer func() { p.depth-- }()
	kind, capIndex := rGroup, 0
	var look *reNode
	if p.cur() == '?' && p.more() {
		switch p.peek(1) {
		case ':':
			p.pos += 2
			kind = rEmpty // non-capturing: the body itself
		case '=', '!':
			look = &reNode{kind: rLook, negate: p.peek(1) == '!'}
			p.pos += 2
		case '<':
			switch p.peek(2) {
			case '=', '!':
				look = &reNode{kind: rLook, negate: p.peek(2) == '!', behind: true}
				p.pos += 3
			default:
				p.pos += 2
				name := p.groupName()
				if p.names == nil {
					p.names = map[string]int{}
				}
				if _, dup := p.names[name]; dup {
					p.fail("Duplicate capture group name")
				}
				p.ncap++
				capIndex = p.ncap
				p.names[name] = capIndex
			}
		default:
			p.fail("Invalid group")
		}
	} else {
		p.ncap++
		capIndex = p.ncap
	}
	body := p.disjunction()
	if !p.more() || p.cur() != ')' {
		p.fail("Unterminated group")
	}
	p.pos++
	switch {
	case look != nil:
		look.sub = body
		return look, look.behind
	case kind == rEmpty:
		return body, false
	}
	return &reNode{kind: rGroup, cap: capIndex, sub: body}, false
}

// groupName reads a group name and its closing '>' (V8's
// ParseCaptureGroupName).
func (p *reParser) groupName() string {
	var name []rune
	for {
		var r rune
		switch {
		case !p.more():
			p.fail("Invalid capture group name")
		case p.cur() == '\\':
			p.pos++
			if p.cur() != 'u' || !p.more() {
				p.fail("Invalid capture group name")
			}
			p.pos++
			v, ok := p.unicodeEscape(true)
			if !ok {
				p.fail("Invalid capture group name")
			}
			r = v
		default:
			r = rune(p.cur())
			p.pos++
			if r >= 0xD800 && r <= 0xDBFF && p.more() && p.cur() >= 0xDC00 && p.cur() <= 0xDFFF {
				r = 0x10000 + (r-0xD800)<<10 + rune(p.cur()-0xDC00)
				p.pos++
			}
		}
		if len(name) == 0 {
			if !isIDStart(r) {
				p.fail("Invalid capture group name")
			}
		} else if r == '>' {
			return string(name)
		} else if !isIDPart(r) {
			p.fail("Invalid capture group name")
		}
		name = append(name, r)
	}
}

// unicodeEscape reads the digits of \uXXXX (and, in a group name, \u{X}
// and a surrogate pair of escapes), the "\u" read.
func (p *reParser) unicodeEscape(name bool) (rune, bool) {
	start := p.pos
	if name && p.cur() == '{' && p.more() {
		p.pos++
		v := rune(0)
		n := 0
		for p.more() && p.cur() < 0x80 && unhex(byte(p.cur())) >= 0 {
			v = v*16 + rune(unhex(byte(p.cur())))
			if v > 0x10FFFF {
				p.pos = start
				return 0, false
			}
			p.pos++
			n++
		}
		if n == 0 || p.cur() != '}' || !p.more() {
			p.pos = start
			return 0, false
		}
		p.pos++
		return v, true
	}
	v, ok := p.hex(4)
	if !ok {
		return 0, false
	}
	if name && v >= 0xD800 && v <= 0xDBFF && p.cur() == '\\' && p.peek(1) == 'u' {
		save := p.pos
		p.pos += 2
		if w, ok := p.hex(4); ok && w >= 0xDC00 && w <= 0xDFFF {
			return 0x10000 + (v-0xD800)<<10 + (w - 0xDC00), true
		}
		p.pos = save
	}
	return v, true
}

// hex reads n hexadecimal digits, or nothing.
func (p *reParser) hex(n int) (rune, bool) {
	if p.pos+n > len(p.src) {
		return 0, false
	}
	v := rune(0)
	for i := range n {
		u := p.src[p.pos+i]
		if u >= 0x80 || unhex(byte(u)) < 0 {
			return 0, false
		}
		v = v*16 + rune(unhex(byte(u)))
	}
	p.pos += n
	return v, true
}

func isIDStart(r rune) bool {
	return r == '$' || r == '_' || unicode.IsLetter(r) || unicode.Is(unicode.Nl, r) || unicode.Is(unicode.Other_ID_Start, r)
}

func isIDPart(r rune) bool {
	return isIDStart(r) || r == 0x200C || r == 0x200D || unicode.In(r, unicode.Mn, unicode.Mc, unicode.Nd, unicode.Pc, unicode.Other_ID_Continue)
}

func (p *reParser) atomEscape() *reNode {
	p.pos++ // '\'
	if !p.more() {
		p.fail("\\ at end of pattern")
	}
	switch c := p.cur(); c {
	case '1', '2', '3', '4', '5', '6', '7', '8', '9':
		start := p.pos
		v := 0
		for p.more() && p.cur() >= '0' && p.cur() <= '9' && v <= p.total {
			v = v*10 + int(p.cur()-'0')
			p.pos++
		}
		if v <= p.total {
			return &reNode{kind: rBackref, cap: v}
		}
		p.pos = start
		if c >= '8' {
			p.pos++
			return &reNode{kind: rChar, c: c}
		}
		return &reNode{kind: rChar, c: p.octal()}
	case '0':
		return &reNode{kind: rChar, c: p.octal()}
	case 'k':
		if !p.named {
			p.pos++
			return &reNode{kind: rChar, c: 'k'}
		}
		p.pos++
		if p.cur() != '<' || !p.more() {
			p.fail("Invalid named reference")
		}
		p.pos++
		ref := &reNode{kind: rBackref, name: p.groupName()}
		p.refs = append(p.refs, ref)
		return ref
	case 'd', 'D', 's', 'S', 'w', 'W':
		p.pos++
		set, negate := classEscape(c)
		return &reNode{kind: rClass, set: set, negate: negate}
	}
	return &reNode{kind: rChar, c: p.charEscape(false)}
}

// classEscape is the set of \d, \w, \s and their complements.
func classEscape(c uint16) (rangeSet, bool) {
	switch c {
	case 'd', 'D':
		return digitSet, c == 'D'
	case 'w', 'W':
		return wordSet, c == 'W'
	}
	return spaceSet, c == 'S'
}

// octal reads a legacy octal escape (up to 0377) at a digit 0-7.
func (p *reParser) octal() uint16 {
	v := p.cur() - '0'
	p.pos++
	if p.more() && p.cur() >= '0' && p.cur() <= '7' {
		v = v*8 + p.cur() - '0'
		p.pos++
		if v < 32 && p.more() && p.cur() >= '0' && p.cur() <= '7' {
			v = v*8 + p.cur() - '0'
			p.pos++
		}
	}
	return v
}

// charEscape reads the escape of a single unit, the '\' read.
func (p *reParser) charEscape(inClass bool) uint16 {
	c := p.cur()
	p.pos++
	switch c {
	case 'f':
		return '\f'
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	case 'v':
		return '\v'
	case 'c':
		if l := p.cur(); p.more() && ('a' <= l && l <= 'z' || 'A' <= l && l <= 'Z' ||
			inClass && ('0' <= l && l <= '9' || l == '_')) {
			p.pos++
			return l & 0x1F
		}
		p.pos-- // a '\' followed by a 'c'
		return '\\'
	case 'x':
		if v, ok := p.hex(2); ok {
			return uint16(v)
		}
		return 'x'
	case 'u':
		if v, ok := p.hex(4); ok {
			return uint16(v)
		}
		return 'u'
	}
	return c
}

func (p *reParser) class() *reNode {
	p.pos++ // '['
	n := &reNode{kind: rClass}
	if p.cur() == '^' && p.more() {
		n.negate = true
		p.pos++
	}
	for {
		if !p.more() {
			p.fail("Unterminated character class")
		}
		if p.cur() == ']' {
			p.pos++
			return n
		}
		lo, loSet, isSet := p.classAtom()
		if p.cur() != '-' || !p.more() {
			n.addAtom(lo, loSet, isSet)
			continue
		}
		p.pos++ // '-'
		if !p.more() {
			p.fail("Unterminated character class")
		}
		if p.cur() == ']' {
			n.addAtom(lo, loSet, isSet)
			n.set.add('-', '-')
			continue
		}
		hi, hiSet, hiIsSet := p.classAtom()
		if isSet || hiIsSet {
			n.addAtom(lo, loSet, isSet)
			n.set.add('-', '-')
			n.addAtom(hi, hiSet, hiIsSet)
			continue
		}
		if lo > hi {
			p.fail("Range out of order in character class")
		}
		n.set.add(lo, hi)
	}
}

func (n *reNode) addAtom(u uint16, set rangeSet, isSet bool) {
	if isSet {
		n.set.addSet(set)
	} else {
		n.set.add(u, u)
	}
}

// classAtom reads a unit or a class escape in a class.
func (p *reParser) classAtom() (uint16, rangeSet, bool) {
	c := p.cur()
	p.pos++
	if c != '\\' {
		return c, nil, false
	}
	if !p.more() {
		p.fail("\\ at end of pattern")
	}
	switch c = p.cur(); c {
	case 'b':
		p.pos++
		return '\b', nil, false
	case 'd', 'D', 's', 'S', 'w', 'W':
		p.pos++
		set, negate := classEscape(c)
		if negate {
			set = set.complement()
		}
		return 0, set, true
	case '0', '1', '2', '3', '4', '5', '6', '7':
		return p.octal(), nil, false
	case 'k':
		if p.named {
			p.fail("Invalid escape")
		}
	}
	return p.charEscape(true), nil, false
}

// ---- compilation

type reCompiler struct {
	prog      *reProgram
	fold      bool
	multiline bool
}

// compileRegexp compiles a pattern with the flags i and m.
func compileRegexp(pattern string, icase, multiline bool) (*reProgram, error) {
	root, ncap, err := parseRegex(utf16Units(pattern))
	if err != nil {
		return nil, err
	}
	prog := &reProgram{ncap: ncap, nregs: 2 * ncap}
	c := &reCompiler{prog: prog, fold: icase, multiline: multiline}
	c.emit(root, false)
	c.add(reInst{op: opMatch})
	c.optimize()
	prog.anchored = !multiline && anchoredAtStart(root)
	if first, ok := c.firstUnit(0); ok {
		prog.first, prog.hasFirst = first, true
	}
	return prog, nil
}

func (c *reCompiler) add(in reInst) int {
	c.prog.insts = append(c.prog.insts, in)
	return len(c.prog.insts) - 1
}

func (c *reCompiler) pc() int { return len(c.prog.insts) }

func (c *reCompiler) reg() int {
	c.prog.nregs++
	return c.prog.nregs - 1
}

// single returns the instruction matching one unit that n is, if it is
// one.
func (c *reCompiler) single(n *reNode, back bool) (reInst, bool) {
	switch n.kind {
	case rChar:
		if c.fold && canon(n.c) != n.c || c.fold && n.c >= 128 || c.fold && 'A' <= n.c && n.c <= 'Z' {
			return reInst{op: opCharFold, c: canon(n.c), back: back}, true
		}
		return reInst{op: opChar, c: n.c, back: back}, true
	case rAny:
		return reInst{op: opAny, back: back}, true
	case rClass:
		return reInst{op: opClass, cls: n.set.class(n.negate, c.fold), back: back}, true
	}
	return reInst{}, false
}

func (c *reCompiler) emit(n *reNode, back bool) {
	if in, ok := c.single(n, back); ok {
		c.add(in)
		return
	}
	switch n.kind {
	case rEmpty:
	case rSeq:
		subs := n.subs
		if back {
			subs = make([]*reNode, len(n.subs))
			for i, s := range n.subs {
				subs[len(subs)-1-i] = s
			}
		}
		for i := 0; i < len(subs); i++ {
			// runs of characters are one string
			j := i
			for j < len(subs) && subs[j].kind == rChar {
				j++
			}
			if j-i >= 2 {
				str := make([]uint16, 0, j-i)
				fold := false
				for _, s := range subs[i:j] {
					in, _ := c.single(s, back)
					str = append(str, in.c)
					fold = fold || in.op == opCharFold
				}
				if back {
					for a, b := 0, len(str)-1; a < b; a, b = a+1, b-1 {
						str[a], str[b] = str[b], str[a]
					}
				}
				if fold {
					for k, u := range str {
						str[k] = canon(u)
					}
					c.add(reInst{op: opStringFold, str: str, back: back})
				} else {
					c.add(reInst{op: opString, str: str, back: back})
				}
				i = j - 1
				continue
			}
			c.emit(subs[i], back)
		}
	case rAlt:
		var jumps []int
		for i, s := range n.subs {
			if i < len(n.subs)-1 {
				split := c.add(reInst{op: opSplit})
				c.prog.insts[split].x = c.pc()
				c.emit(s, back)
				jumps = append(jumps, c.add(reInst{op: opJmp}))
				c.prog.insts[split].y = c.pc()
			} else {
				c.emit(s, back)
			}
		}
		for _, j := range jumps {
			c.prog.insts[j].x = c.pc()
		}
	case rGroup:
		open, closing := 2*n.cap, 2*n.cap+1
		if back {
			open, closing = closing, open
		}
		c.add(reInst{op: opSave, x: open})
		c.emit(n.sub, back)
		c.add(reInst{op: opSave, x: closing})
	case rBOL:
		c.add(reInst{op: opBOL, multi: c.multiline})
	case rEOL:
		c.add(reInst{op: opEOL, multi: c.multiline})
	case rWordB:
		c.add(reInst{op: opWordB})
	case rNotWordB:
		c.add(reInst{op: opNotWordB})
	case rBackref:
		c.add(reInst{op: opBackref, x: n.cap, fold: c.fold, back: back})
	case rLook:
		look := c.add(reInst{op: opLook, negate: n.negate, behind: n.behind})
		c.emit(n.sub, n.behind)
		c.add(reInst{op: opLookEnd})
		c.prog.insts[look].y = c.pc()
	case rRepeat:
		c.emitRepeat(n, back)
	}
}

func (c *reCompiler) emitRepeat(n *reNode, back bool) {
	if n.max == 0 {
		return
	}
	if n.min == 1 && n.max == 1 {
		c.emit(n.sub, back)
		return
	}
	if atom, ok := c.single(n.sub, back); ok {
		c.add(reInst{op: opStar, atom: &atom, min: n.min, max: n.max, greedy: n.greedy, back: back})
		return
	}
	caps := n.capTo > n.capFrom
	clear := func() {
		if caps {
			c.add(reInst{op: opClear, x: 2 * n.capFrom, y: 2 * n.capTo})
		}
	}
	if minWidth(n.sub) > 0 && n.min <= 1 && (n.max == reInfinity || n.min == 0 && n.max == 1) {
		// no counter and no check for empty iterations
		switch {
		case n.max == 1: // x?
			split := c.add(reInst{op: opSplit})
			body := c.pc()
			clear()
			c.emit(n.sub, back)
			c.setSplit(split, body, c.pc(), n.greedy)
		case n.min == 0: // x*
			split := c.add(reInst{op: opSplit})
			body := c.pc()
			clear()
			c.emit(n.sub, back)
			c.add(reInst{op: opJmp, x: split})
			c.setSplit(split, body, c.pc(), n.greedy)
		default: // x+
			body := c.pc()
			clear()
			c.emit(n.sub, back)
			split := c.add(reInst{op: opSplit})
			c.setSplit(split, body, c.pc(), n.greedy)
		}
		return
	}
	count := c.reg()
	posReg := -1
	if minWidth(n.sub) == 0 {
		posReg = c.reg()
	}
	c.add(reInst{op: opZero, x: count})
	head := c.add(reInst{op: opRepeat, x: count, min: n.min, max: n.max, greedy: n.greedy})
	if posReg >= 0 {
		c.add(reInst{op: opSave, x: posReg})
	}
	clear()
	c.emit(n.sub, back)
	c.add(reInst{op: opRepeatEnd, x: count, y: posReg, z: head, min: n.min})
	c.prog.insts[head].y = c.pc()
}

// setSplit makes a split prefer body (greedy) or exit.
func (c *reCompiler) setSplit(split, body, exit int, greedy bool) {
	in := &c.prog.insts[split]
	if greedy {
		in.x, in.y = body, exit
	} else {
		in.x, in.y = exit, body
	}
}

// minWidth is the fewest units n can match.
func minWidth(n *reNode) int {
	switch n.kind {
	case rChar, rAny, rClass:
		return 1
	case rSeq:
		w := 0
		for _, s := range n.subs {
			w = min(w+minWidth(s), reInfinity)
		}
		return w
	case rAlt:
		w := reInfinity
		for _, s := range n.subs {
			w = min(w, minWidth(s))
		}
		return w
	case rGroup:
		return minWidth(n.sub)
	case rRepeat:
		return min(n.min*minWidth(n.sub), reInfinity)
	}
	return 0
}

// anchoredAtStart reports whether n matches only at the start of the
// input (without the m flag).
func anchoredAtStart(n *reNode) bool {
	switch n.kind {
	case rBOL:
		return true
	case rSeq:
		return len(n.subs) > 0 && anchoredAtStart(n.subs[0])
	case rAlt:
		for _, s := range n.subs {
			if !anchoredAtStart(s) {
				return false
			}
		}
		return true
	case rGroup:
		return anchoredAtStart(n.sub)
	}
	return false
}

// optimize notes, for a greedy loop over a unit followed by a character,
// the character, so that backtracking skips the positions it cannot
// follow.
func (c *reCompiler) optimize() {
	insts := c.prog.insts
	for i := range insts {
		in := &insts[i]
		if in.op != opStar || !in.greedy || in.back || i+1 >= len(insts) {
			continue
		}
		switch next := insts[i+1]; {
		case next.op == opChar && !next.back:
			in.hasNext, in.next = true, next.c
		case next.op == opString && !next.back:
			in.hasNext, in.next = true, next.str[0]
		}
	}
}

// firstUnit finds the unit every match starting at pc begins with.
func (c *reCompiler) firstUnit(pc int) (uint16, bool) {
	insts := c.prog.insts
	for steps := 0; pc < len(insts) && steps < 16; steps++ {
		in := insts[pc]
		switch in.op {
		case opChar:
			return in.c, !in.back
		case opString:
			return in.str[0], !in.back
		case opSave:
			pc++
		case opStar:
			if in.min > 0 && in.atom.op == opChar && !in.back {
				return in.atom.c, true
			}
			return 0, false
		default:
			return 0, false
		}
	}
	return 0, false
}

// ---- matching

type reFrameKind uint8

const (
	frBranch   reFrameKind = iota // resume at pc, pos
	frUndo                        // register x had the value pos
	frStar                        // a greedy loop over a unit: give one back
	frStarBack                    // the same, backwards
	frLazy                        // a lazy loop over a unit: take one more
)

type reFrame struct {
	kind reFrameKind
	pc   int32
	pos  int32
	x    int32
}

type reMachine struct {
	prog   *reProgram
	text   []uint16
	regs   []int
	stack  []reFrame
	left   int  // the budget left, in steps
	budget *int // where it is kept
	depth  int  // lookarounds being matched
}

var machinePool = sync.Pool{New: func() any { return new(reMachine) }}

// exec finds the first match at or after the offset from, charging the
// work to *budget. It returns the captures: two offsets a group, group 0
// (the match) first, -1 where a group did not take part; nil if there is
// no match. Past the budget it panics with the budget error.
func (prog *reProgram) exec(text []uint16, from int, budget *int) []int {
	caps, _ := prog.search(text, from, budget, true)
	return caps
}

// test reports whether there is a match at or after from.
func (prog *reProgram) test(text []uint16, from int, budget *int) bool {
	_, ok := prog.search(text, from, budget, false)
	return ok
}

func (prog *reProgram) search(text []uint16, from int, budget *int, wantCaps bool) (caps []int, found bool) {
	m := machinePool.Get().(*reMachine)
	m.prog, m.text, m.left, m.budget, m.depth = prog, text, *budget, budget, 0
	if cap(m.regs) < prog.nregs {
		m.regs = make([]int, prog.nregs)
	}
	m.regs = m.regs[:prog.nregs]
	last := len(text)
	if prog.anchored {
		last = min(last, 0)
	}
	for start := from; start <= last; start++ {
		if prog.hasFirst {
			// skip to the first unit, a step for each unit passed
			i := start
			for i < len(text) && text[i] != prog.first {
				i++
			}
			m.left -= (i - start) * costRegex
			if m.left < 0 {
				m.exhausted()
			}
			if i == len(text) {
				break
			}
			start = i
		}
		for i := range 2 * prog.ncap {
			m.regs[i] = -1
		}
		m.stack = m.stack[:0]
		if end, ok := m.run(0, start); ok {
			found = true
			if wantCaps {
				caps = make([]int, 2*prog.ncap)
				copy(caps, m.regs)
				caps[0], caps[1] = start, end
			}
			break
		}
	}
	*budget = m.left
	m.text, m.budget = nil, nil
	if cap(m.stack) > 1<<16 {
		m.stack = nil // do not keep a large stack
	}
	machinePool.Put(m)
	return caps, found
}

func (m *reMachine) exhausted() {
	*m.budget = -1
	m.text, m.stack, m.budget = nil, nil, nil
	panic(budgetError())
}

// set changes a register, noting its old value for backtracking (unless
// nothing can backtrack: no alternative is left, and no lookaround may
// fail and have to restore it).
func (m *reMachine) set(r, v int) {
	if len(m.stack) > 0 || m.depth > 0 {
		m.push(reFrame{kind: frUndo, x: int32(r), pos: int32(m.regs[r])})
	}
	m.regs[r] = v
}

func (m *reMachine) push(f reFrame) {
	if len(m.stack) >= reMaxStack {
		m.text = nil
		m.stack = nil
		e := newError("U1001")
		e.Message = "Maximum call stack size exceeded"
		panic(e)
	}
	m.stack = append(m.stack, f)
}

func (m *reMachine) matchOne(a *reInst, u uint16) bool {
	switch a.op {
	case opChar:
		return u == a.c
	case opCharFold:
		return canon(u) == a.c
	case opAny:
		return !isLineTerminator(u)
	}
	return a.cls.matches(u)
}

// run runs the program from pc at pos until opMatch or opLookEnd (the
// end position, true) or until it fails back to the stack it started with
// (false).
func (m *reMachine) run(pc, pos int) (int, bool) {
	base := len(m.stack)
	insts := m.prog.insts
	text := m.text
	for {
		if m.left -= costRegex; m.left < 0 {
			m.exhausted()
		}
		in := &insts[pc]
		ok := true
		switch in.op {
		case opChar, opCharFold, opAny, opClass:
			if in.back {
				if ok = pos > 0 && m.matchOne(in, text[pos-1]); ok {
					pos--
				}
			} else if ok = pos < len(text) && m.matchOne(in, text[pos]); ok {
				pos++
			}
			pc++
		case opString, opStringFold:
			n := len(in.str)
			m.left -= n * costRegex
			at := pos
			if in.back {
				at = pos - n
			}
			if ok = at >= 0 && at+n <= len(text); ok {
				seg := text[at : at+n]
				if in.op == opString {
					for i, u := range in.str {
						if seg[i] != u {
							ok = false
							break
						}
					}
				} else {
					for i, u := range in.str {
						if canon(seg[i]) != u {
							ok = false
							break
						}
					}
				}
			}
			if in.back {
				pos -= n
			} else {
				pos += n
			}
			pc++
		case opBOL:
			ok = pos == 0 || in.multi && isLineTerminator(text[pos-1])
			pc++
		case opEOL:
			ok = pos == len(text) || in.multi && isLineTerminator(text[pos])
			pc++
		case opWordB, opNotWordB:
			a := pos > 0 && isWordUnit(text[pos-1])
			b := pos < len(text) && isWordUnit(text[pos])
			ok = (a != b) == (in.op == opWordB)
			pc++
		case opSplit:
			m.push(reFrame{kind: frBranch, pc: int32(in.y), pos: int32(pos)})
			pc = in.x
		case opJmp:
			pc = in.x
		case opSave:
			m.set(in.x, pos)
			pc++
		case opClear:
			for r := in.x; r < in.y; r++ {
				if m.regs[r] != -1 {
					m.set(r, -1)
				}
			}
			m.left -= (in.y - in.x) * costRegex
			pc++
		case opZero:
			m.set(in.x, 0)
			pc++
		case opRepeat:
			n := m.regs[in.x]
			switch {
			case n < in.min:
				pc++
			case in.max != reInfinity && n >= in.max:
				pc = in.y
			case in.greedy:
				m.push(reFrame{kind: frBranch, pc: int32(in.y), pos: int32(pos)})
				pc++
			default:
				m.push(reFrame{kind: frBranch, pc: int32(pc + 1), pos: int32(pos)})
				pc = in.y
			}
		case opRepeatEnd:
			n := m.regs[in.x]
			if in.y >= 0 && n >= in.min && pos == m.regs[in.y] {
				ok = false // an empty iteration past the minimum
				break
			}
			m.set(in.x, n+1)
			pc = in.z
		case opStar:
			pos, ok = m.star(in, pc, pos)
			pc++
		case opBackref:
			pos, ok = m.backref(in, pos)
			pc++
		case opLook:
			lookBase := len(m.stack)
			m.depth++
			_, matched := m.run(pc+1, pos)
			m.depth--
			if matched != in.negate {
				if matched {
					m.keepUndo(lookBase)
				}
				pc = in.y
			} else {
				if matched {
					m.unwind(lookBase)
				}
				ok = false
			}
		case opLookEnd, opMatch:
			return pos, true
		}
		if ok {
			continue
		}
		if pc, pos, ok = m.backtrack(base); !ok {
			return 0, false
		}
	}
}

// star runs a loop over a single unit.
func (m *reMachine) star(in *reInst, pc, pos int) (int, bool) {
	text := m.text
	a := in.atom
	if !in.greedy {
		n := 0
		for ; n < in.min; n++ {
			if in.back {
				if pos == 0 || !m.matchOne(a, text[pos-1]) {
					return pos, false
				}
				pos--
			} else {
				if pos == len(text) || !m.matchOne(a, text[pos]) {
					return pos, false
				}
				pos++
			}
		}
		m.left -= n * costRegex
		if n < in.max {
			m.push(reFrame{kind: frLazy, pc: int32(pc), pos: int32(pos), x: int32(n)})
		}
		return pos, true
	}
	start, n := pos, 0
	if in.back {
		for n < in.max && pos > 0 && m.matchOne(a, text[pos-1]) {
			pos--
			n++
		}
	} else {
		limit := len(text)
		if in.max < limit-pos {
			limit = pos + in.max
		}
		for pos < limit && m.matchOne(a, text[pos]) {
			pos++
		}
		n = pos - start
	}
	m.left -= n * costRegex
	if n < in.min {
		return pos, false
	}
	if n > in.min {
		if in.back {
			m.push(reFrame{kind: frStarBack, pc: int32(pc + 1), pos: int32(pos), x: int32(start - in.min)})
		} else {
			m.push(reFrame{kind: frStar, pc: int32(pc + 1), pos: int32(pos), x: int32(start + in.min)})
		}
	}
	return pos, true
}

func (m *reMachine) backref(in *reInst, pos int) (int, bool) {
	s, e := m.regs[2*in.x], m.regs[2*in.x+1]
	if s < 0 || e < 0 {
		return pos, true
	}
	n := e - s
	m.left -= n * costRegex
	at := pos
	if in.back {
		at = pos - n
	}
	if at < 0 || at+n > len(m.text) {
		return pos, false
	}
	for i := range n {
		a, b := m.text[s+i], m.text[at+i]
		if a != b && (!in.fold || canon(a) != canon(b)) {
			return pos, false
		}
	}
	if in.back {
		return at, true
	}
	return pos + n, true
}

// backtrack returns to the latest alternative above base, restoring the
// registers changed since.
func (m *reMachine) backtrack(base int) (pc, pos int, ok bool) {
	for len(m.stack) > base {
		if m.left -= costRegex; m.left < 0 {
			m.exhausted()
		}
		top := len(m.stack) - 1
		f := &m.stack[top]
		switch f.kind {
		case frUndo:
			m.regs[f.x] = int(f.pos)
			m.stack = m.stack[:top]
		case frBranch:
			m.stack = m.stack[:top]
			return int(f.pc), int(f.pos), true
		case frStar:
			in := &m.prog.insts[f.pc-1]
			p := int(f.pos) - 1
			if in.hasNext {
				for p > int(f.x) && m.text[p] != in.next {
					p--
					m.left -= costRegex
				}
			}
			pc = int(f.pc)
			if p <= int(f.x) {
				m.stack = m.stack[:top]
			} else {
				f.pos = int32(p)
			}
			return pc, p, true
		case frStarBack:
			p := int(f.pos) + 1
			pc = int(f.pc)
			if p >= int(f.x) {
				m.stack = m.stack[:top]
			} else {
				f.pos = int32(p)
			}
			return pc, p, true
		case frLazy:
			in := &m.prog.insts[f.pc]
			p, n := int(f.pos), int(f.x)
			if in.back {
				if p == 0 || !m.matchOne(in.atom, m.text[p-1]) {
					m.stack = m.stack[:top]
					continue
				}
				p--
			} else {
				if p == len(m.text) || !m.matchOne(in.atom, m.text[p]) {
					m.stack = m.stack[:top]
					continue
				}
				p++
			}
			pc = int(f.pc) + 1
			if n+1 >= in.max {
				m.stack = m.stack[:top]
			} else {
				f.pos, f.x = int32(p), int32(n+1)
			}
			return pc, p, true
		}
	}
	return 0, 0, false
}

// keepUndo drops the alternatives left above base by a lookaround that
// matched (it is atomic), keeping what restores the registers it set.
func (m *reMachine) keepUndo(base int) {
	k := base
	for _, f := range m.stack[base:] {
		if f.kind == frUndo {
			m.stack[k] = f
			k++
		}
	}
	m.stack = m.stack[:k]
}

// unwind pops everything above base, restoring the registers.
func (m *reMachine) unwind(base int) {
	for top := len(m.stack) - 1; top >= base; top-- {
		if f := m.stack[top]; f.kind == frUndo {
			m.regs[f.x] = int(f.pos)
		}
	}
	m.stack = m.stack[:base]
}

// regexErrorMessage is the message of an invalid pattern, as V8 writes it
// for the flags jsonata-js passes (g and the literal's).
func regexErrorMessage(pattern, flags string, err error) string {
	f := "g"
	if containsByte(flags, 'i') {
		f += "i"
	}
	if containsByte(flags, 'm') {
		f += "m"
	}
	return "Invalid regular expression: /" + pattern + "/" + f + ": " + err.Error()
}

func containsByte(s string, b byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == b {
			return true
		}
	}
	return false
}
