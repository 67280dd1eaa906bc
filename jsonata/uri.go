package jsonata

import (
	"strings"
	"unicode/utf8"
)

// The $encodeUrl... and $decodeUrl... functions are JavaScript's
// encodeURI, encodeURIComponent, decodeURI and decodeURIComponent; what
// those reject (a lone surrogate, a malformed escape) is error D3140.

const (
	uriComponentSafe = "-_.!~*'()"
	uriSafe          = "-_.!~*'();/?:@&=+$,#"
)

func encodeURI(c *call, s string, safe string, name string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := decodeRune(s[i:])
		if (r == utf8.RuneError && size == 1) || (r >= 0xD800 && r <= 0xDFFF) {
			e := newError("D3140", s)
			e.FunctionName = name
			panic(e)
		}
		if r < 0x80 && (isAlnum(byte(r)) || strings.IndexByte(safe, byte(r)) >= 0) {
			b.WriteByte(byte(r))
		} else {
			for _, x := range []byte(s[i : i+size]) {
				b.WriteByte('%')
				b.WriteByte(hex[x>>4])
				b.WriteByte(hex[x&15])
			}
		}
		i += size
	}
	return b.String()
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// decodeURI decodes %XX escapes (UTF-8); escapes of characters in reserved
// stay as they are.
func decodeURI(s string, reserved string, name string) string {
	fail := func() {
		e := newError("D3140", s)
		e.FunctionName = name
		panic(e)
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '%' {
			b.WriteByte(s[i])
			i++
			continue
		}
		start := i
		if i+3 > len(s) {
			fail()
		}
		hi, lo := unhex(s[i+1]), unhex(s[i+2])
		if hi < 0 || lo < 0 {
			fail()
		}
		first := byte(hi<<4 | lo)
		i += 3
		if first < 0x80 {
			if strings.IndexByte(reserved, first) >= 0 {
				b.WriteString(s[start:i])
			} else {
				b.WriteByte(first)
			}
			continue
		}
		n := 0
		switch {
		case first&0xE0 == 0xC0:
			n = 1
		case first&0xF0 == 0xE0:
			n = 2
		case first&0xF8 == 0xF0:
			n = 3
		default:
			fail()
		}
		buf := []byte{first}
		for k := 0; k < n; k++ {
			if i+3 > len(s) || s[i] != '%' {
				fail()
			}
			hi, lo := unhex(s[i+1]), unhex(s[i+2])
			if hi < 0 || lo < 0 {
				fail()
			}
			x := byte(hi<<4 | lo)
			if x&0xC0 != 0x80 {
				fail()
			}
			buf = append(buf, x)
			i += 3
		}
		r, size := utf8.DecodeRune(buf)
		if r == utf8.RuneError || size != len(buf) {
			fail()
		}
		b.Write(buf)
	}
	return b.String()
}
