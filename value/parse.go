package value

import (
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxDepth is how deeply arrays and objects may nest in a parsed document,
// the same bound AWS's JSON reader applies. It keeps hostile input from
// exhausting the stack of every recursive walk over a value.
const MaxDepth = 1000

// SyntaxError describes malformed JSON text.
type SyntaxError struct {
	Offset int // byte offset of the problem
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at offset %d: %s", e.Offset, e.Msg)
}

// LineColumn turns a byte offset into text into the 1-based line and
// column (in characters) people and editors count in.
func LineColumn(text []byte, offset int) (line, column int) {
	offset = min(max(offset, 0), len(text))
	line, start := 1, 0
	for i := 0; i < offset; i++ {
		if text[i] == '\n' {
			line, start = line+1, i+1
		}
	}
	return line, utf8.RuneCount(text[start:offset]) + 1
}

// Parse parses one JSON document. Leading and trailing white space is
// allowed; anything else after the document is an error.
func Parse(data []byte) (any, error) {
	return ParseString(string(data))
}

// ParseString is Parse for a string. Strings without escapes in the result
// share memory with s.
func ParseString(s string) (v any, err error) {
	p := parser{s: s}
	p.skipSpace()
	v, err = p.value(0)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.i < len(p.s) {
		return nil, p.errorf("unexpected %s after the document", p.describe())
	}
	return v, nil
}

// MustParse parses s and panics on error; for constants in tests and tables.
func MustParse(s string) any {
	v, err := ParseString(s)
	if err != nil {
		panic(err)
	}
	return v
}

type parser struct {
	s       string
	i       int
	members []Member // scratch stack shared by nested objects
	items   []any    // scratch stack shared by nested arrays
}

func (p *parser) errorf(format string, args ...any) error {
	return &SyntaxError{Offset: p.i, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) describe() string {
	if p.i >= len(p.s) {
		return "end of input"
	}
	r, _ := utf8.DecodeRuneInString(p.s[p.i:])
	return strconv.QuoteRune(r)
}

func (p *parser) skipSpace() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *parser) value(depth int) (any, error) {
	if p.i >= len(p.s) {
		return nil, p.errorf("unexpected end of input")
	}
	switch c := p.s[p.i]; {
	case c == '{':
		return p.object(depth + 1)
	case c == '[':
		return p.array(depth + 1)
	case c == '"':
		return p.string()
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	}
	return nil, p.errorf("unexpected %s", p.describe())
}

func (p *parser) literal(lit string) error {
	if len(p.s)-p.i >= len(lit) && p.s[p.i:p.i+len(lit)] == lit {
		p.i += len(lit)
		return nil
	}
	return p.errorf("unexpected %s", p.describe())
}

func (p *parser) object(depth int) (any, error) {
	if depth > MaxDepth {
		return nil, p.errorf("nesting deeper than %d", MaxDepth)
	}
	p.i++ // {
	base := len(p.members)
	defer func() { p.members = p.members[:base] }()
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		return &Object{}, nil
	}
	var dup map[string]int
	for {
		p.skipSpace()
		if p.i >= len(p.s) || p.s[p.i] != '"' {
			return nil, p.errorf("expected a member name, found %s", p.describe())
		}
		key, err := p.string()
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return nil, p.errorf("expected ':' after a member name, found %s", p.describe())
		}
		p.i++
		p.skipSpace()
		v, err := p.value(depth)
		if err != nil {
			return nil, err
		}
		// A repeated key keeps its first place and takes the last value.
		n := len(p.members) - base
		at := -1
		if n <= indexAbove {
			for j := base; j < len(p.members); j++ {
				if p.members[j].Key == key {
					at = j
					break
				}
			}
		} else {
			if dup == nil {
				dup = make(map[string]int, n*2)
				for j := base; j < len(p.members); j++ {
					dup[p.members[j].Key] = j
				}
			}
			if j, ok := dup[key]; ok {
				at = j
			} else {
				dup[key] = len(p.members)
			}
		}
		if at >= 0 {
			p.members[at].Value = v
		} else {
			p.members = append(p.members, Member{Key: key, Value: v})
		}
		p.skipSpace()
		if p.i >= len(p.s) {
			return nil, p.errorf("unexpected end of input in an object")
		}
		if p.s[p.i] == ',' {
			p.i++
			continue
		}
		if p.s[p.i] == '}' {
			p.i++
			break
		}
		return nil, p.errorf("expected ',' or '}' in an object, found %s", p.describe())
	}
	o := Make(len(p.members) - base)
	copy(o.members, p.members[base:])
	return o, nil
}

func (p *parser) array(depth int) (any, error) {
	if depth > MaxDepth {
		return nil, p.errorf("nesting deeper than %d", MaxDepth)
	}
	p.i++ // [
	base := len(p.items)
	defer func() {
		clear(p.items[base:])
		p.items = p.items[:base]
	}()
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		return []any{}, nil
	}
	for {
		p.skipSpace()
		v, err := p.value(depth)
		if err != nil {
			return nil, err
		}
		p.items = append(p.items, v)
		p.skipSpace()
		if p.i >= len(p.s) {
			return nil, p.errorf("unexpected end of input in an array")
		}
		if p.s[p.i] == ',' {
			p.i++
			continue
		}
		if p.s[p.i] == ']' {
			p.i++
			break
		}
		return nil, p.errorf("expected ',' or ']' in an array, found %s", p.describe())
	}
	out := make([]any, len(p.items)-base)
	copy(out, p.items[base:])
	return out, nil
}

func (p *parser) number() (any, error) {
	start := p.i
	s := p.s
	i := p.i
	if s[i] == '-' {
		i++
	}
	if i >= len(s) {
		p.i = i
		return nil, p.errorf("unexpected end of input in a number")
	}
	switch {
	case s[i] == '0':
		i++
	case s[i] >= '1' && s[i] <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		p.i = i
		return nil, p.errorf("invalid number")
	}
	if i < len(s) && s[i] == '.' {
		i++
		d := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == d {
			p.i = i
			return nil, p.errorf("invalid number: no digit after '.'")
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		d := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == d {
			p.i = i
			return nil, p.errorf("invalid number: no digit in the exponent")
		}
	}
	p.i = i
	return Number(s[start:i]), nil
}

// string parses a JSON string at p.i (which holds '"').
func (p *parser) string() (string, error) {
	p.i++
	start := p.i
	s := p.s
	// Fast path: no escapes, valid UTF-8, no control characters.
	for i := start; i < len(s); {
		c := s[i]
		switch {
		case c == '"':
			p.i = i + 1
			return s[start:i], nil
		case c == '\\' || c < 0x20:
			return p.slowString(start)
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				return p.slowString(start)
			}
			i += size
		}
	}
	p.i = len(s)
	return "", p.errorf("unterminated string")
}

func (p *parser) slowString(start int) (string, error) {
	s := p.s
	buf := make([]byte, 0, 2*(len(s)-start)/2+8)
	i := start
	for i < len(s) {
		c := s[i]
		switch {
		case c == '"':
			p.i = i + 1
			return string(buf), nil
		case c < 0x20:
			p.i = i
			return "", p.errorf("control character %q in a string", rune(c))
		case c == '\\':
			if i+1 >= len(s) {
				p.i = len(s)
				return "", p.errorf("unterminated string")
			}
			e := s[i+1]
			i += 2
			switch e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				r, ok := hex4(s, i)
				if !ok {
					p.i = i
					return "", p.errorf("invalid \\u escape")
				}
				i += 4
				if utf16.IsSurrogate(r) {
					// A high surrogate followed by a low one is one character;
					// a lone surrogate becomes U+FFFD.
					if r < 0xDC00 && i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
						if r2, ok := hex4(s, i+2); ok && r2 >= 0xDC00 && r2 <= 0xDFFF {
							r = utf16.DecodeRune(r, r2)
							i += 6
						} else {
							r = utf8.RuneError
						}
					} else {
						r = utf8.RuneError
					}
				}
				buf = utf8.AppendRune(buf, r)
			default:
				p.i = i - 1
				return "", p.errorf("invalid escape '\\%c'", e)
			}
		case c < utf8.RuneSelf:
			buf = append(buf, c)
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				buf = utf8.AppendRune(buf, utf8.RuneError)
			} else {
				buf = append(buf, s[i:i+size]...)
			}
			i += size
		}
	}
	p.i = len(s)
	return "", p.errorf("unterminated string")
}

func hex4(s string, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[i : i+4]) {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}
