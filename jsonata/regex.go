package jsonata

import (
	"errors"
	"unicode/utf16"
	"unicode/utf8"
)

// Regular expressions are JavaScript's, run by Baton's own engine
// (regexp.go), which charges its work to the evaluation's budget.

type regexLiteral struct {
	source string
	flags  string
	prog   *reProgram
}

// compileRegex compiles a regular expression literal; the error's text is
// the message of V8's SyntaxError.
func compileRegex(pattern, flags string) (*regexLiteral, error) {
	for i := 0; i < len(flags); i++ {
		if containsByte(flags[i+1:], flags[i]) {
			return nil, errors.New("Invalid flags supplied to RegExp constructor '" + flags + "g'")
		}
	}
	prog, err := compileRegexp(pattern, containsByte(flags, 'i'), containsByte(flags, 'm'))
	if err != nil {
		return nil, errors.New(regexErrorMessage(pattern, flags, err))
	}
	return &regexLiteral{source: pattern, flags: flags, prog: prog}, nil
}

// regexFunc is the value of a regular expression literal: a function that
// finds the first match in a string.
type regexFunc struct {
	re *regexLiteral
}

// text is a string prepared for matching: its UTF-16 code units.
type text struct {
	s     string
	units []uint16
	ascii bool // a unit is a byte of s
}

func newText(ev *evaluator, s string) *text {
	ev.chargeText(len(s))
	units := utf16Units(s)
	return &text{s: s, units: units, ascii: len(units) == len(s) && isASCII(s)}
}

// slice is the text between two UTF-16 offsets.
func (t *text) slice(from, to int) string {
	if t.ascii {
		return t.s[from:to]
	}
	return unitsToString(t.units[from:to])
}

// match is one match of a matcher, native or supplied by the caller.
type match struct {
	match  string
	start  int // UTF-16 offsets, as JavaScript reports them
	end    int
	groups []any // strings, or null for a group that did not take part
	next   func(ev *evaluator) *match
	obj    func(ev *evaluator) any // the match as the object a function receives
}

func (r *regexLiteral) exec(ev *evaluator, s string, from int) *match {
	return r.execText(ev, newText(ev, s), from)
}

// execText finds the first match at or after the UTF-16 offset from, and
// wires next() the way jsonata-js's regex closure does.
func (r *regexLiteral) execText(ev *evaluator, t *text, from int) *match {
	if from > len(t.units) {
		return nil
	}
	caps := r.prog.exec(t.units, from, &ev.left)
	if caps == nil {
		return nil
	}
	res := &match{match: t.slice(caps[0], caps[1]), start: caps[0], end: caps[1]}
	res.obj = func(ev *evaluator) any { return res.object(ev, r, t.s) }
	ev.charge(costMatch + r.prog.ncap*costItem)
	res.groups = make([]any, r.prog.ncap-1)
	for g := range res.groups {
		if s, e := caps[2*g+2], caps[2*g+3]; s >= 0 && e >= 0 {
			res.groups[g] = t.slice(s, e)
		} else {
			res.groups[g] = null
		}
	}
	lastIndex := res.end
	res.next = func(ev *evaluator) *match {
		if lastIndex >= len(t.units) {
			return nil
		}
		n := r.execText(ev, t, lastIndex)
		if n != nil && n.match == "" {
			panic(newError("D1004", r.source))
		}
		return n
	}
	return res
}

// object is the match as jsonata-js's regex closure returns it.
func (m *match) object(ev *evaluator, r *regexLiteral, s string) any {
	ev.charge(costObject)
	ev.alloc(memObject + 5*memMember + memArray + memFunc)
	o := newObject(5)
	o.Set("match", m.match)
	o.Set("start", float64(m.start))
	o.Set("end", float64(m.end))
	o.Set("groups", &array{items: m.groups})
	next := m.next
	o.Set("next", &builtin{name: "next", fn: func(c *call, args []any) any {
		n := next(c.ev)
		if n == nil {
			return nil
		}
		return n.object(c.ev, r, s)
	}})
	return o
}

// firstMatch runs a matcher (a regular expression or a caller's function
// returning jsonata-js's match structure) against s.
func (c *call) firstMatch(matcher any, s string) *match {
	if rf, ok := matcher.(*regexFunc); ok {
		return rf.re.exec(c.ev, s, 0)
	}
	return c.fnMatch(matcher, []any{s})
}

// fnMatch calls a matcher function and reads the structure it returns.
func (c *call) fnMatch(fn any, args []any) *match {
	res := c.ev.apply(fn, args, nil, c.env, c.name, 0)
	if res == nil {
		return nil
	}
	o, isObj := asObject(res)
	var start, end, groups, next, text any
	if isObj {
		start, _ = c.ev.get(o, "start")
		end, _ = c.ev.get(o, "end")
		groups, _ = c.ev.get(o, "groups")
		next, _ = c.ev.get(o, "next")
		text, _ = c.ev.get(o, "match")
	}
	_, startNum := num(start)
	_, endNum := num(end)
	_, groupsArr := groups.(*array)
	if !startNum && !endNum && !groupsArr && !isFunction(next) {
		panic(newError("T1010").withToken(c.name))
	}
	m := &match{obj: func(*evaluator) any { return res }}
	if f, ok := num(start); ok {
		m.start = int(f)
	}
	if f, ok := num(end); ok {
		m.end = int(f)
	}
	if s, ok := text.(string); ok {
		m.match = s
	}
	if a, ok := groups.(*array); ok {
		m.groups = a.items
	}
	m.next = func(*evaluator) *match {
		if !isFunction(next) {
			return nil
		}
		return c.fnMatch(next, []any{nil})
	}
	return m
}

// utf16Units returns s as UTF-16 code units; a lone surrogate kept in
// WTF-8 form is one unit.
func utf16Units(s string) []uint16 {
	units := make([]uint16, 0, len(s))
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			units = append(units, uint16(c))
			i++
			continue
		}
		r, size := decodeRune(s[i:])
		i += size
		if r >= 0x10000 {
			a, b := utf16.EncodeRune(r)
			units = append(units, uint16(a), uint16(b))
		} else {
			units = append(units, uint16(r))
		}
	}
	return units
}

// decodeRune decodes UTF-8, and also a surrogate in WTF-8 form.
func decodeRune(s string) (rune, int) {
	r, size := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError && size == 1 && len(s) >= 3 && s[0] == 0xED && s[1]&0xE0 == 0xA0 && s[2]&0xC0 == 0x80 {
		return rune(s[0]&0x0F)<<12 | rune(s[1]&0x3F)<<6 | rune(s[2]&0x3F), 3
	}
	return r, size
}

// unitsToString turns UTF-16 code units back into a string; a lone
// surrogate stays in WTF-8 form.
func unitsToString(units []uint16) string {
	b := make([]byte, 0, len(units))
	for i := 0; i < len(units); i++ {
		u := rune(units[i])
		if utf16.IsSurrogate(u) && u < 0xDC00 && i+1 < len(units) && units[i+1] >= 0xDC00 && units[i+1] <= 0xDFFF {
			b = utf8.AppendRune(b, utf16.DecodeRune(u, rune(units[i+1])))
			i++
			continue
		}
		b = appendRune(b, u)
	}
	return string(b)
}

// substringUnits is JavaScript's str.substring on UTF-16 offsets.
func substringUnits(s string, from, to int) string {
	units := utf16Units(s)
	n := len(units)
	from = clampInt(from, 0, n)
	to = clampInt(to, 0, n)
	if from > to {
		from, to = to, from
	}
	return unitsToString(units[from:to])
}

func clampInt(v, lo, hi int) int {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

// countPoints is the number of characters of s (the length of JavaScript's
// Array.from(s)).
func countPoints(s string) int {
	n := 0
	for i := 0; i < len(s); n++ {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		_, size := decodeRune(s[i:])
		i += size
	}
	return n
}

// pointOffset is the byte offset of the character k of s (len(s) from the
// end on).
func pointOffset(s string, k int) int {
	i := 0
	for ; k > 0 && i < len(s); k-- {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		_, size := decodeRune(s[i:])
		i += size
	}
	return i
}
