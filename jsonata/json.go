package jsonata

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// writeJSON writes an evaluator value as JSON.stringify does. With str set
// it follows $string: numbers rounded to 15 significant digits, functions
// written as "".
// Writing is charged to ev (nil for none), and the room written into is
// counted as the text grows (see room): a value can be far larger written
// than held (one long string, or one array, many times over).
func writeJSON(ev *evaluator, dst []byte, v any, indent, prefix string, str bool) []byte {
	return writeJSONDepth(ev, dst, v, indent, prefix, str, 0)
}

func writeJSONDepth(ev *evaluator, dst []byte, v any, indent, prefix string, str bool, d int) []byte {
	checkDepth(d)
	ev.chargeItems(1)
	dst = ev.room(dst, 6) // a literal, or punctuation
	switch t := v.(type) {
	case nil, nullType:
		return append(dst, "null"...)
	case bool:
		if t {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case string:
		ev.chargeBytes(len(t))
		dst = ev.room(dst, quotedLen(t))
		return appendQuoted(dst, t)
	case *Lambda, *builtin, *regexFunc:
		if str {
			return append(dst, `""`...)
		}
		return append(dst, "null"...)
	case *array:
		if len(t.items) == 0 {
			return append(dst, "[]"...)
		}
		dst = append(dst, '[')
		inner := prefix + indent
		for i, x := range t.items {
			if i > 0 {
				dst = append(dst, ',')
			}
			if indent != "" {
				ev.chargeBytes(len(inner))
				dst = ev.room(dst, len(inner)+1)
				dst = append(dst, '\n')
				dst = append(dst, inner...)
			}
			dst = writeJSONDepth(ev, dst, x, indent, inner, str, d+1)
		}
		if indent != "" {
			dst = ev.room(dst, len(prefix)+2)
			dst = append(dst, '\n')
			dst = append(dst, prefix...)
		}
		return append(dst, ']')
	case *tuple:
		return writeJSONDepth(ev, dst, t.at, indent, prefix, str, d)
	}
	if f, ok := num(v); ok {
		ev.charge(costNumber)
		if str && isNumeric(v) {
			f = toPrecision15(f)
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return append(dst, "null"...)
		}
		dst = ev.room(dst, 32)
		return appendNumber(dst, f)
	}
	if o, ok := asObject(v); ok {
		inner := prefix + indent
		dst = append(dst, '{')
		n := 0
		ev.each(o, func(k string, x any) bool {
			if x == nil {
				return true
			}
			if !str && isFunction(x) {
				return true
			}
			if n > 0 {
				dst = append(dst, ',')
			}
			n++
			if indent != "" {
				ev.chargeBytes(len(inner))
				dst = ev.room(dst, len(inner)+1)
				dst = append(dst, '\n')
				dst = append(dst, inner...)
			}
			ev.chargeBytes(len(k))
			dst = ev.room(dst, quotedLen(k)+2)
			dst = appendQuoted(dst, k)
			dst = append(dst, ':')
			if indent != "" {
				dst = append(dst, ' ')
			}
			dst = writeJSONDepth(ev, dst, x, indent, inner, str, d+1)
			return true
		})
		if n > 0 && indent != "" {
			dst = ev.room(dst, len(prefix)+2)
			dst = append(dst, '\n')
			dst = append(dst, prefix...)
		}
		return append(dst, '}')
	}
	return append(dst, "null"...)
}

// room makes room in dst for n more bytes. In an evaluation it grows dst
// itself, doubling it, and counts each new capacity as it is made, so
// that what the count allows does not depend on how the Go runtime grows
// slices; text written at once into a large buffer counts about twice its
// length.
func (ev *evaluator) room(dst []byte, n int) []byte {
	if ev == nil || cap(dst)-len(dst) >= n {
		return dst
	}
	c := max(2*cap(dst), len(dst)+n, 64)
	ev.alloc(c)
	grown := make([]byte, len(dst), c)
	copy(grown, dst)
	return grown
}

// quotedLen is the length appendQuoted writes for s.
func quotedLen(s string) int {
	n := len(s) + 2
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := decodeRune(s[i:])
			if r >= 0xD800 && r <= 0xDFFF {
				n += 6 - size
			}
			i += size
			continue
		}
		switch c {
		case '"', '\\', '\b', '\f', '\n', '\r', '\t':
			n++
		default:
			n += 5
		}
		i++
	}
	return n
}

// appendJSON writes an evaluator value as JSON.
func appendJSON(dst []byte, v any, indent, prefix string) []byte {
	return writeJSON(nil, dst, v, indent, prefix, false)
}

// appendQuoted writes a JSON string as JSON.stringify does: control
// characters escaped, lone surrogates as \udxxx, everything else as is.
func appendQuoted(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := decodeRune(s[i:])
			if r >= 0xD800 && r <= 0xDFFF {
				dst = append(dst, s[start:i]...)
				dst = append(dst, '\\', 'u', hex[r>>12&15], hex[r>>8&15], hex[r>>4&15], hex[r&15])
				i += size
				start = i
				continue
			}
			i += size
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"':
			dst = append(dst, '\\', '"')
		case '\\':
			dst = append(dst, '\\', '\\')
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
		}
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// MarshalJSON writes a value of this package's API model (a result) as
// JSON; Undefined writes nothing.
func MarshalJSON(v any) []byte {
	if v == Undefined {
		return nil
	}
	if isFunction(v) {
		return []byte(`""`) // as $string writes a function
	}
	return appendJSON(nil, in(v), "", "")
}

// MarshalIndent is MarshalJSON with members and items on their own lines.
func MarshalIndent(v any, indent string) []byte {
	if v == Undefined {
		return nil
	}
	return appendJSON(nil, in(v), indent, "")
}

// maxJSONDepth bounds the nesting of a document ParseJSON reads.
const maxJSONDepth = 10000

// ParseJSON reads a JSON document into this package's API model: nil for
// null, bool, float64, string, []any and *Map (members in order). Unlike
// encoding/json it keeps a lone surrogate escape (\ud800) as it is, the
// way a JavaScript string holds it.
func ParseJSON(data []byte) (any, error) {
	p := &jsonParser{s: data}
	p.space()
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i < len(p.s) {
		return nil, p.errorf("unexpected %q after the document", p.s[p.i])
	}
	return v, nil
}

type jsonParser struct {
	s []byte
	i int
}

func (p *jsonParser) errorf(format string, args ...any) error {
	return fmt.Errorf("invalid JSON at offset %d: %s", p.i, fmt.Sprintf(format, args...))
}

func (p *jsonParser) space() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

var errJSONDepth = errors.New("invalid JSON: nested too deeply")

func (p *jsonParser) value(depth int) (any, error) {
	if depth > maxJSONDepth {
		return nil, errJSONDepth
	}
	if p.i >= len(p.s) {
		return nil, p.errorf("unexpected end")
	}
	switch c := p.s[p.i]; {
	case c == '{':
		p.i++
		m := NewMap(4)
		p.space()
		if p.i < len(p.s) && p.s[p.i] == '}' {
			p.i++
			return m, nil
		}
		for {
			p.space()
			if p.i >= len(p.s) || p.s[p.i] != '"' {
				return nil, p.errorf("expected a member name")
			}
			k, err := p.str()
			if err != nil {
				return nil, err
			}
			p.space()
			if p.i >= len(p.s) || p.s[p.i] != ':' {
				return nil, p.errorf("expected ':'")
			}
			p.i++
			p.space()
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			m.Set(k, v)
			p.space()
			if p.i < len(p.s) && p.s[p.i] == ',' {
				p.i++
				continue
			}
			if p.i < len(p.s) && p.s[p.i] == '}' {
				p.i++
				return m, nil
			}
			return nil, p.errorf("expected ',' or '}'")
		}
	case c == '[':
		p.i++
		items := []any{}
		p.space()
		if p.i < len(p.s) && p.s[p.i] == ']' {
			p.i++
			return items, nil
		}
		for {
			p.space()
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			items = append(items, v)
			p.space()
			if p.i < len(p.s) && p.s[p.i] == ',' {
				p.i++
				continue
			}
			if p.i < len(p.s) && p.s[p.i] == ']' {
				p.i++
				return items, nil
			}
			return nil, p.errorf("expected ',' or ']'")
		}
	case c == '"':
		return p.str()
	case c == 't':
		return p.literal("true", true)
	case c == 'f':
		return p.literal("false", false)
	case c == 'n':
		return p.literal("null", nil)
	case c == '-' || (c >= '0' && c <= '9'):
		start := p.i
		if p.s[p.i] == '-' {
			p.i++
		}
		for p.i < len(p.s) && (p.s[p.i] >= '0' && p.s[p.i] <= '9' || p.s[p.i] == '.' || p.s[p.i] == 'e' || p.s[p.i] == 'E' || p.s[p.i] == '+' || p.s[p.i] == '-') {
			p.i++
		}
		text := string(p.s[start:p.i])
		if !validDecimal(text) {
			p.i = start
			return nil, p.errorf("invalid number %q", text)
		}
		f, err := strconv.ParseFloat(text, 64)
		if err != nil && !isRangeErr(err) {
			return nil, p.errorf("invalid number %q", text)
		}
		return f, nil
	}
	return nil, p.errorf("unexpected %q", p.s[p.i])
}

func (p *jsonParser) literal(word string, v any) (any, error) {
	if len(p.s)-p.i < len(word) || string(p.s[p.i:p.i+len(word)]) != word {
		return nil, p.errorf("unexpected %q", p.s[p.i])
	}
	p.i += len(word)
	return v, nil
}

func (p *jsonParser) str() (string, error) {
	p.i++ // opening quote
	var b []byte
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			b = append(b, p.s[start:p.i]...)
			p.i++
			return string(b), nil
		case c < 0x20:
			return "", p.errorf("control character in a string")
		case c == '\\':
			b = append(b, p.s[start:p.i]...)
			if p.i+1 >= len(p.s) {
				return "", p.errorf("unterminated string")
			}
			e := p.s[p.i+1]
			p.i += 2
			switch e {
			case '"', '\\', '/':
				b = append(b, e)
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r, ok := hex4b(p.s, p.i)
				if !ok {
					return "", p.errorf("invalid \\u escape")
				}
				p.i += 4
				if utf16.IsSurrogate(r) && r < 0xDC00 && p.i+6 <= len(p.s) && p.s[p.i] == '\\' && p.s[p.i+1] == 'u' {
					if r2, ok := hex4b(p.s, p.i+2); ok && r2 >= 0xDC00 && r2 <= 0xDFFF {
						r = utf16.DecodeRune(r, r2)
						p.i += 6
					}
				}
				b = appendRune(b, r)
			default:
				return "", p.errorf("invalid escape '\\%c'", e)
			}
			start = p.i
		default:
			p.i++
		}
	}
	return "", p.errorf("unterminated string")
}

func hex4b(s []byte, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	var r rune
	for _, c := range s[i : i+4] {
		d := unhex(c)
		if d < 0 {
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	return r, true
}
