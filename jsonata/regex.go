package jsonata

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/dlclark/regexp2"
)

// Regular expressions are JavaScript's, so regexp2 in ECMAScript mode runs
// them (lookaround and backreferences included). It backtracks, so every
// match is bounded in time.

// regexTimeout bounds one regular expression match.
var regexTimeout = 5 * time.Second

type regexLiteral struct {
	source string
	flags  string
	re     *regexp2.Regexp
}

func compileRegex(pattern, flags string) (*regexLiteral, error) {
	opts := regexp2.RegexOptions(regexp2.ECMAScript)
	for _, f := range flags {
		switch f {
		case 'i':
			opts |= regexp2.IgnoreCase
		case 'm':
			opts |= regexp2.Multiline
		}
	}
	re, err := regexp2.Compile(numberGroups(pattern), opts)
	if err != nil {
		return nil, err
	}
	re.MatchTimeout = regexTimeout
	return &regexLiteral{source: pattern, flags: flags, re: re}, nil
}

// numberGroups turns named groups into plain ones: JavaScript numbers every
// capturing group from the left, named or not, while regexp2 numbers named
// groups after the others. Backreferences by name become numbered ones.
func numberGroups(p string) string {
	if !strings.Contains(p, "(?<") {
		return p
	}
	names := map[string]int{}
	n := 0
	inClass := false
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c == '\\':
			i++
		case inClass:
			if c == ']' {
				inClass = false
			}
		case c == '[':
			inClass = true
		case c == '(':
			if i+1 < len(p) && p[i+1] == '?' {
				if strings.HasPrefix(p[i:], "(?<") && !strings.HasPrefix(p[i:], "(?<=") && !strings.HasPrefix(p[i:], "(?<!") {
					n++
					if end := strings.IndexByte(p[i:], '>'); end > 0 {
						names[p[i+3:i+end]] = n
					}
				}
				continue
			}
			n++
		}
	}
	var b strings.Builder
	inClass = false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && strings.HasPrefix(p[i:], "\\k<") && !inClass:
			if end := strings.IndexByte(p[i:], '>'); end > 0 {
				if g, ok := names[p[i+3:i+end]]; ok {
					b.WriteString("(?:\\" + strconv.Itoa(g) + ")")
					i += end
					continue
				}
			}
			b.WriteByte(c)
		case c == '\\':
			b.WriteByte(c)
			if i+1 < len(p) {
				i++
				b.WriteByte(p[i])
			}
		case inClass:
			if c == ']' {
				inClass = false
			}
			b.WriteByte(c)
		case c == '[':
			inClass = true
			b.WriteByte(c)
		case c == '(' && strings.HasPrefix(p[i:], "(?<") && !strings.HasPrefix(p[i:], "(?<=") && !strings.HasPrefix(p[i:], "(?<!"):
			if end := strings.IndexByte(p[i:], '>'); end > 0 {
				b.WriteByte('(')
				i += end
				continue
			}
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// regexFunc is the value of a regular expression literal: a function that
// finds the first match in a string.
type regexFunc struct {
	re *regexLiteral
}

// text is a string prepared for matching: its runes and, for each rune
// index, the byte offset and the UTF-16 offset.
type text struct {
	s      string
	runes  []rune
	bytes  []int
	units  []int
	astral bool
}

func newText(s string) *text {
	t := &text{s: s}
	t.runes = make([]rune, 0, len(s))
	t.bytes = make([]int, 0, len(s)+1)
	t.units = make([]int, 0, len(s)+1)
	u := 0
	for i, r := range s {
		t.runes = append(t.runes, r)
		t.bytes = append(t.bytes, i)
		t.units = append(t.units, u)
		if r >= 0x10000 {
			u += 2
			t.astral = true
		} else {
			u++
		}
	}
	t.bytes = append(t.bytes, len(s))
	t.units = append(t.units, u)
	return t
}

// runeAtUnit maps a UTF-16 offset to a rune index.
func (t *text) runeAtUnit(u int) int {
	if !t.astral {
		return u
	}
	for i, x := range t.units {
		if x >= u {
			return i
		}
	}
	return len(t.runes)
}

// match is one match of a matcher, native or supplied by the caller.
type match struct {
	match  string
	start  int // UTF-16 offsets, as JavaScript reports them
	end    int
	groups []any // strings, or null for a group that did not take part
	next   func() *match
	obj    func() any // the match as the object a function receives
}

func (r *regexLiteral) exec(s string, from int) *match {
	return r.execText(newText(s), from)
}

// execText finds the first match at or after the UTF-16 offset from, and
// wires next() the way jsonata-js's regex closure does.
func (r *regexLiteral) execText(t *text, from int) *match {
	if from > t.units[len(t.units)-1] {
		return nil
	}
	m, err := r.re.FindRunesMatchStartingAt(t.runes, t.runeAtUnit(from))
	if err != nil {
		// regexp2 fails a match only when it runs out of time
		e := newError("U1001")
		e.Message = "Regular expression evaluation timeout: " + r.source
		panic(e)
	}
	if m == nil {
		return nil
	}
	ri, rl := m.Index, m.Length
	res := &match{
		match: t.s[t.bytes[ri]:t.bytes[ri+rl]],
		start: t.units[ri],
		end:   t.units[ri+rl],
	}
	gs := m.Groups()
	res.groups = make([]any, 0, len(gs))
	for _, g := range gs[1:] {
		if len(g.Captures) == 0 {
			res.groups = append(res.groups, null)
		} else {
			res.groups = append(res.groups, t.s[t.bytes[g.Index]:t.bytes[g.Index+g.Length]])
		}
	}
	lastIndex := res.end
	res.next = func() *match {
		if lastIndex >= t.units[len(t.units)-1] {
			return nil
		}
		n := r.execText(t, lastIndex)
		if n != nil && n.match == "" {
			panic(newError("D1004", r.source))
		}
		return n
	}
	return res
}

// object is the match as jsonata-js's regex closure returns it.
func (m *match) object(r *regexLiteral, s string) any {
	o := newObject(5)
	o.Set("match", m.match)
	o.Set("start", float64(m.start))
	o.Set("end", float64(m.end))
	o.Set("groups", &array{items: m.groups})
	next := m.next
	o.Set("next", &builtin{name: "next", fn: func(c *call, args []any) any {
		n := next()
		if n == nil {
			return nil
		}
		return n.object(r, s)
	}})
	return o
}

// firstMatch runs a matcher (a regular expression or a caller's function
// returning jsonata-js's match structure) against s.
func (c *call) firstMatch(matcher any, s string) *match {
	if rf, ok := matcher.(*regexFunc); ok {
		m := rf.re.exec(s, 0)
		if m != nil {
			re := rf.re
			m.obj = func() any { return m.object(re, s) }
		}
		return m
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
		start, _ = get(o, "start")
		end, _ = get(o, "end")
		groups, _ = get(o, "groups")
		next, _ = get(o, "next")
		text, _ = get(o, "match")
	}
	_, startNum := num(start)
	_, endNum := num(end)
	_, groupsArr := groups.(*array)
	if !startNum && !endNum && !groupsArr && !isFunction(next) {
		panic(newError("T1010").withToken(c.name))
	}
	m := &match{obj: func() any { return res }}
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
	m.next = func() *match {
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

// codePoints splits s into its characters (JavaScript's Array.from).
func codePoints(s string) []string {
	out := make([]string, 0, len(s))
	for i := 0; i < len(s); {
		_, size := decodeRune(s[i:])
		out = append(out, s[i:i+size])
		i += size
	}
	return out
}
