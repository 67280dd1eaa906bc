package value

import "math"

const hexDigits = "0123456789abcdef"

// Marshal returns the compact JSON text of v, spelled as AWS spells it: no
// insignificant white space, members in order, and only the characters JSON
// requires escaped (quote, backslash and control characters; '/', '<' and
// non-ASCII characters stay as they are).
func Marshal(v any) []byte {
	return Append(make([]byte, 0, Size(v)), v)
}

// String returns the compact JSON text of v.
func String(v any) string {
	b := Marshal(v)
	return string(b)
}

// Append appends the compact JSON text of v to dst.
func Append(dst []byte, v any) []byte {
	switch t := v.(type) {
	case nil:
		return append(dst, "null"...)
	case bool:
		if t {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case Number:
		return append(dst, t...)
	case string:
		return AppendString(dst, t)
	case []any:
		dst = append(dst, '[')
		for i, x := range t {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = Append(dst, x)
		}
		return append(dst, ']')
	case *Object:
		dst = append(dst, '{')
		for i := range t.members {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendString(dst, t.members[i].Key)
			dst = append(dst, ':')
			dst = Append(dst, t.members[i].Value)
		}
		return append(dst, '}')
	}
	return append(dst, "null"...)
}

// AppendString appends s as a JSON string literal.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// Size returns len(Marshal(v)) without building the text. Objects remember
// their size, so checking the payload limit of a large document that a state
// only extended costs a walk along the changed spine.
func Size(v any) int { return sizeAtMost(v, math.MaxInt) }

// SizeAtMost returns Size(v) and true if it is at most limit, and false
// otherwise, after work in proportion to the smaller of the two: a value
// that holds another many times over (arrays built of the same array) is
// as long as its text, which Size would walk all of, and which could
// overflow an int.
func SizeAtMost(v any, limit int) (int, bool) {
	n := sizeAtMost(v, limit)
	return n, n <= limit
}

// sizeAtMost is Size, or a number above limit as soon as the size is.
func sizeAtMost(v any, limit int) int {
	switch t := v.(type) {
	case nil:
		return 4
	case bool:
		if t {
			return 4
		}
		return 5
	case Number:
		return len(t)
	case string:
		return stringSize(t)
	case []any:
		n := 2
		if len(t) > 1 {
			n += len(t) - 1
		}
		for _, x := range t {
			if n > limit {
				return n
			}
			n += sizeAtMost(x, limit-n)
		}
		return n
	case *Object:
		if s := t.size.Load(); s > 0 {
			return int(s - 1)
		}
		n := 2
		if len(t.members) > 1 {
			n += len(t.members) - 1
		}
		for i := range t.members {
			if n > limit {
				return n
			}
			n += stringSize(t.members[i].Key) + 1
			n += sizeAtMost(t.members[i].Value, limit-n)
		}
		if n <= limit {
			t.size.Store(int64(n) + 1)
		}
		return n
	}
	return 4
}

func stringSize(s string) int {
	n := len(s) + 2
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		switch c {
		case '"', '\\', '\n', '\r', '\t', '\b', '\f':
			n++
		default:
			n += 5
		}
	}
	return n
}

// AppendIndent appends v as JSON indented with two spaces, for people.
func AppendIndent(dst []byte, v any, prefix string) []byte {
	switch t := v.(type) {
	case []any:
		if len(t) == 0 {
			return append(dst, "[]"...)
		}
		dst = append(dst, "[\n"...)
		inner := prefix + "  "
		for i, x := range t {
			if i > 0 {
				dst = append(dst, ",\n"...)
			}
			dst = append(dst, inner...)
			dst = AppendIndent(dst, x, inner)
		}
		dst = append(dst, '\n')
		dst = append(dst, prefix...)
		return append(dst, ']')
	case *Object:
		if len(t.members) == 0 {
			return append(dst, "{}"...)
		}
		dst = append(dst, "{\n"...)
		inner := prefix + "  "
		for i := range t.members {
			if i > 0 {
				dst = append(dst, ",\n"...)
			}
			dst = append(dst, inner...)
			dst = AppendString(dst, t.members[i].Key)
			dst = append(dst, ": "...)
			dst = AppendIndent(dst, t.members[i].Value, inner)
		}
		dst = append(dst, '\n')
		dst = append(dst, prefix...)
		return append(dst, '}')
	}
	return Append(dst, v)
}
