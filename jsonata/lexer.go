package jsonata

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

type tokenType uint8

const (
	tokEnd tokenType = iota
	tokName
	tokVariable
	tokOperator
	tokString
	tokNumber
	tokValue // true, false, null
	tokRegex
)

type token struct {
	typ tokenType
	// op is the operator or the name/variable/string text.
	op  string
	num float64
	val any // tokValue: true, false or null
	re  *regexLiteral
	pos int
}

// operators are the operator characters and strings, with their binding
// power; '!' and '~' only stop a name.
var operators = map[string]int{
	".": 75, "[": 80, "]": 0, "{": 70, "}": 0, "(": 80, ")": 0, ",": 0,
	"@": 80, "#": 80, ";": 80, ":": 80, "?": 20, "+": 50, "-": 50, "*": 60,
	"/": 60, "%": 60, "|": 20, "=": 40, "<": 40, ">": 40, "^": 40, "**": 60,
	"..": 20, ":=": 10, "!=": 40, "<=": 40, ">=": 40, "~>": 40, "and": 30,
	"or": 25, "in": 40, "&": 50, "!": 0, "~": 0,
}

func isOperatorChar(c byte) bool {
	switch c {
	case '.', '[', ']', '{', '}', '(', ')', ',', '@', '#', ';', ':', '?', '+', '-', '*', '/', '%', '|', '=', '<', '>', '^', '&', '!', '~':
		return true
	}
	return false
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v'
}

type lexer struct {
	src string
	pos int
}

// next returns the next token. After an operand (infix), '/' divides;
// elsewhere it starts a regular expression.
func (l *lexer) next(infix bool) token {
	src := l.src
	for l.pos < len(src) && isSpace(src[l.pos]) {
		l.pos++
	}
	if l.pos >= len(src) {
		return token{typ: tokEnd, pos: len(src)}
	}
	c := src[l.pos]
	if c == '/' && l.pos+1 < len(src) && src[l.pos+1] == '*' {
		start := l.pos
		end := strings.Index(src[l.pos+2:], "*/")
		if end < 0 {
			l.pos = len(src)
			panic(newError("S0106").at(start))
		}
		l.pos += 2 + end + 2
		return l.next(infix)
	}
	if !infix && c == '/' {
		l.pos++
		return l.regex()
	}
	if l.pos+1 < len(src) {
		two := src[l.pos : l.pos+2]
		switch two {
		case "..", ":=", "!=", ">=", "<=", "**", "~>":
			t := token{typ: tokOperator, op: two, pos: l.pos}
			l.pos += 2
			return t
		}
	}
	if isOperatorChar(c) {
		t := token{typ: tokOperator, op: src[l.pos : l.pos+1], pos: l.pos}
		l.pos++
		return t
	}
	if c == '"' || c == '\'' {
		return l.string(c)
	}
	if c >= '0' && c <= '9' {
		start := l.pos
		i := l.pos
		if src[i] == '0' {
			i++
		} else {
			for i < len(src) && src[i] >= '0' && src[i] <= '9' {
				i++
			}
		}
		if i+1 < len(src) && src[i] == '.' && src[i+1] >= '0' && src[i+1] <= '9' {
			i++
			for i < len(src) && src[i] >= '0' && src[i] <= '9' {
				i++
			}
		}
		if i < len(src) && (src[i] == 'e' || src[i] == 'E') {
			j := i + 1
			if j < len(src) && (src[j] == '+' || src[j] == '-') {
				j++
			}
			if j < len(src) && src[j] >= '0' && src[j] <= '9' {
				for j < len(src) && src[j] >= '0' && src[j] <= '9' {
					j++
				}
				i = j
			}
		}
		text := src[start:i]
		f, err := strconv.ParseFloat(text, 64)
		if (err != nil && !isRangeErr(err)) || math.IsInf(f, 0) || math.IsNaN(f) {
			panic(newError("S0102").withToken(text).at(start))
		}
		l.pos = i
		return token{typ: tokNumber, num: f, pos: start}
	}
	if c == '`' {
		start := l.pos
		end := strings.IndexByte(src[l.pos+1:], '`')
		if end < 0 {
			l.pos = len(src)
			panic(newError("S0105").at(start))
		}
		name := src[l.pos+1 : l.pos+1+end]
		l.pos += end + 2
		return token{typ: tokName, op: name, pos: start}
	}
	start := l.pos
	i := l.pos
	for i < len(src) && !isSpace(src[i]) && !isOperatorChar(src[i]) {
		i++
	}
	l.pos = i
	if src[start] == '$' {
		return token{typ: tokVariable, op: src[start+1 : i], pos: start}
	}
	name := src[start:i]
	switch name {
	case "or", "in", "and":
		return token{typ: tokOperator, op: name, pos: start}
	case "true":
		return token{typ: tokValue, val: true, pos: start}
	case "false":
		return token{typ: tokValue, val: false, pos: start}
	case "null":
		return token{typ: tokValue, val: null, pos: start}
	}
	return token{typ: tokName, op: name, pos: start}
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

func (l *lexer) string(quote byte) token {
	src := l.src
	start := l.pos
	l.pos++
	var b []byte
	plain := l.pos
	for l.pos < len(src) {
		c := src[l.pos]
		if c == quote {
			var s string
			if b == nil {
				s = src[plain:l.pos]
			} else {
				b = append(b, src[plain:l.pos]...)
				s = string(b)
			}
			l.pos++
			return token{typ: tokString, op: s, pos: start}
		}
		if c != '\\' {
			l.pos++
			continue
		}
		b = append(b, src[plain:l.pos]...)
		l.pos++
		if l.pos >= len(src) {
			break
		}
		e := src[l.pos]
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
			r, ok := hex4(src, l.pos+1)
			if !ok {
				panic(newError("S0104").at(l.pos))
			}
			l.pos += 4
			if utf16.IsSurrogate(r) && r < 0xDC00 && l.pos+6 < len(src)+1 && strings.HasPrefix(src[l.pos+1:], "\\u") {
				if r2, ok := hex4(src, l.pos+3); ok && r2 >= 0xDC00 && r2 <= 0xDFFF {
					r = utf16.DecodeRune(r, r2)
					l.pos += 6
				}
			}
			b = appendRune(b, r)
		default:
			_, size := utf8.DecodeRuneInString(src[l.pos:])
			panic(newError("S0103").withToken(src[l.pos : l.pos+size]).at(l.pos))
		}
		l.pos++
		plain = l.pos
	}
	panic(newError("S0101").at(l.pos))
}

// appendRune appends r as UTF-8; a lone surrogate, which JavaScript strings
// may hold, is kept in the same three-byte form (WTF-8).
func appendRune(b []byte, r rune) []byte {
	if utf16.IsSurrogate(r) {
		return append(b, byte(0xE0|r>>12), byte(0x80|(r>>6)&0x3F), byte(0x80|r&0x3F))
	}
	return utf8.AppendRune(b, r)
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

// regex scans a regular expression literal; the opening '/' is consumed.
func (l *lexer) regex() token {
	src := l.src
	start := l.pos
	depth := 0
	for l.pos < len(src) {
		c := src[l.pos]
		if c == '/' && depth == 0 {
			backslashes := 0
			for j := l.pos - 1; j >= start && src[j] == '\\'; j-- {
				backslashes++
			}
			if backslashes%2 == 0 {
				pattern := src[start:l.pos]
				if pattern == "" {
					panic(newError("S0301").at(l.pos))
				}
				l.pos++
				fstart := l.pos
				for l.pos < len(src) && (src[l.pos] == 'i' || src[l.pos] == 'm') {
					l.pos++
				}
				flags := src[fstart:l.pos]
				re, err := compileRegex(pattern, flags)
				if err != nil {
					e := newError("S0303", pattern).at(start)
					e.Message = err.Error()
					panic(e)
				}
				return token{typ: tokRegex, re: re, pos: start - 1}
			}
		}
		prevEscaped := l.pos > 0 && src[l.pos-1] == '\\'
		if (c == '(' || c == '[' || c == '{') && !prevEscaped {
			depth++
		}
		if (c == ')' || c == ']' || c == '}') && !prevEscaped {
			depth--
		}
		l.pos++
	}
	panic(newError("S0302").at(l.pos))
}
