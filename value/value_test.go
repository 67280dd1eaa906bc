package value

import (
	"errors"
	"strings"
	"testing"
)

func TestParseRoundTrip(t *testing.T) {
	tests := []struct{ in, want string }{
		{`null`, `null`},
		{` true `, `true`},
		{`false`, `false`},
		{`0`, `0`},
		{`-1.50`, `-1.50`},
		{`1e300`, `1e300`},
		{`123456789012345678901234567890`, `123456789012345678901234567890`},
		{`"a\"b\\c\/d\n\t\u0001\u00e9"`, `"a\"b\\c/d\n\t\u0001é"`},
		{`"\ud83d\ude00"`, `"😀"`},
		{`"\ud83d"`, `"` + "\uFFFD" + `"`},
		{`[]`, `[]`},
		{`[1, [2, {}], "x"]`, `[1,[2,{}],"x"]`},
		{`{"b": 1, "a": 2}`, `{"b":1,"a":2}`},
		{`{"a": 1, "b": 2, "a": 3}`, `{"a":3,"b":2}`},
		{"\"<tag>&\u2028\"", "\"<tag>&\u2028\""},
	}
	for _, tt := range tests {
		v, err := ParseString(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		got := String(v)
		if got != tt.want {
			t.Errorf("Parse(%q) printed %q, want %q", tt.in, got, tt.want)
		}
		if Size(v) != len(got) {
			t.Errorf("Size(%q) = %d, want %d", tt.in, Size(v), len(got))
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []string{
		``, `{`, `[1,]`, `{"a"}`, `{"a":1,}`, `nul`, `01`, `1.`, `-`, `1e`, `"abc`, `"\x"`, "\"a\tb\"",
		`{} {}`, `[1 2]`, `{1: 2}`, strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1),
	}
	for _, in := range tests {
		_, err := ParseString(in)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q) = %v, want a SyntaxError", in, err)
		}
	}
	deep := strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth)
	if _, err := ParseString(deep); err != nil {
		t.Errorf("nesting of exactly MaxDepth: %v", err)
	}
}

func TestInvalidUTF8IsReplaced(t *testing.T) {
	v, err := Parse([]byte("\"a\xffb\""))
	if err != nil {
		t.Fatal(err)
	}
	if v != "a\uFFFDb" {
		t.Errorf("got %q", v)
	}
}

func TestObjectWithKeepsOriginal(t *testing.T) {
	o := MustParse(`{"a":1,"b":{"c":2}}`).(*Object)
	before := String(o)
	n := o.With("a", "x").With("z", true)
	if String(o) != before {
		t.Errorf("With changed the original: %s", String(o))
	}
	if got := String(n); got != `{"a":"x","b":{"c":2},"z":true}` {
		t.Errorf("With: %s", got)
	}
	if Size(n) != len(String(n)) || Size(o) != len(before) {
		t.Errorf("sizes disagree")
	}
	// With on an object whose size is known derives the new size.
	for _, tc := range []struct{ key, v string }{{"a", `"longer value"`}, {"b", `1`}, {"new", `[1,2]`}, {"q\"", `null`}} {
		m := o.With(tc.key, MustParse(tc.v))
		if Size(m) != len(String(m)) {
			t.Errorf("With(%s): size %d, text %d", tc.key, Size(m), len(String(m)))
		}
	}
	e := Empty.With("k", "v")
	Size(Empty)
	e2 := Empty.With("k", "v")
	if Size(e) != len(String(e)) || Size(e2) != len(String(e2)) {
		t.Errorf("With on the empty object: %d %d", Size(e), Size(e2))
	}
}

func TestLargeObjectLookup(t *testing.T) {
	b := NewBuilder(0)
	for i := 0; i < 100; i++ {
		b.Set(string(rune('a'+i%26))+strings.Repeat("x", i/26), Int(int64(i)))
	}
	b.Set("a", "replaced")
	o := b.Object()
	if o.Len() != 100 {
		t.Fatalf("len %d", o.Len())
	}
	if v, _ := o.Get("a"); v != "replaced" {
		t.Errorf("a = %v", v)
	}
	if v, _ := o.Get("zxx"); v != Int(77) {
		t.Errorf("zxx = %v", v)
	}
	if _, ok := o.Get("nope"); ok {
		t.Error("found a missing key")
	}
}

func TestEqual(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{`1`, `1.0`, true},
		{`1`, `2`, false},
		{`"1"`, `1`, false},
		{`{"a":1,"b":[1,2]}`, `{"b":[1,2.0],"a":1}`, true},
		{`{"a":1}`, `{"a":1,"b":2}`, false},
		{`[1,2]`, `[2,1]`, false},
		{`null`, `false`, false},
		{`123456789012345678901`, `123456789012345678902`, false},
	}
	for _, tt := range tests {
		a, b := MustParse(tt.a), MustParse(tt.b)
		if got := Equal(a, b); got != tt.want {
			t.Errorf("Equal(%s, %s) = %v", tt.a, tt.b, got)
		}
		if tt.want && Hash(a) != Hash(b) {
			t.Errorf("Hash(%s) != Hash(%s)", tt.a, tt.b)
		}
	}
}

var tenth = 0.1

func TestNumbers(t *testing.T) {
	tests := []struct {
		f    float64
		want Number
	}{
		{0, "0"}, {3, "3"}, {-2, "-2"}, {1.5, "1.5"}, {tenth + 2*tenth, "0.30000000000000004"}, {1e21, "1e+21"}, {1e-7, "1e-07"},
	}
	for _, tt := range tests {
		if got := Float(tt.f); got != tt.want {
			t.Errorf("Float(%v) = %q, want %q", tt.f, got, tt.want)
		}
	}
	if i, ok := Number("2.0").Int64(); !ok || i != 2 {
		t.Errorf("Int64(2.0) = %d, %v", i, ok)
	}
	if _, ok := Number("2.5").Int64(); ok {
		t.Error("Int64(2.5) ok")
	}
	if _, ok := Number("99999999999999999999").Int64(); ok {
		t.Error("Int64 of a huge integer ok")
	}
}

func TestOf(t *testing.T) {
	v := Of(map[string]any{"b": []any{1, 2.5, "x", nil, true}, "a": map[string]any{}})
	if got := String(v); got != `{"a":{},"b":[1,2.5,"x",null,true]}` {
		t.Errorf("Of: %s", got)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{`{"a":[1,2,{"b":null}]}`, `"\u00e9\ud83d\ude00"`, `-1.5e10`, `[[[]]]`, `{"a":1,"a":2}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseString(s)
		if err != nil {
			return
		}
		out := String(v)
		if Size(v) != len(out) {
			t.Fatalf("Size %d != len %d for %q", Size(v), len(out), out)
		}
		v2, err := ParseString(out)
		if err != nil {
			t.Fatalf("re-parse of %q: %v", out, err)
		}
		if !Equal(v, v2) || String(v2) != out {
			t.Fatalf("round trip changed %q to %q", out, String(v2))
		}
	})
}

func BenchmarkParse(b *testing.B) {
	doc := `{"records":[` + strings.Repeat(`{"id":1,"sku":"SKU-000001","name":"Widget","price":0.57,"tags":["a","b"],"active":true},`, 99) +
		`{"id":1}],"meta":{"count":100}}`
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		if _, err := ParseString(doc); err != nil {
			b.Fatal(err)
		}
	}
}

func TestLineColumn(t *testing.T) {
	tests := []struct {
		text         string
		offset       int
		line, column int
	}{
		{"", 0, 1, 1},
		{`{"a":}`, 5, 1, 6},
		{"{\n  \"a\": ,\n}", 9, 2, 8},
		{"{\n\n}", 3, 3, 1},
		{`{"é":x}`, 6, 1, 6}, // columns count characters, not bytes
		{"ab", 99, 1, 3},     // past the end: the end
		{"ab", -1, 1, 1},
	}
	for _, tt := range tests {
		line, col := LineColumn([]byte(tt.text), tt.offset)
		if line != tt.line || col != tt.column {
			t.Errorf("LineColumn(%q, %d) = %d:%d, want %d:%d", tt.text, tt.offset, line, col, tt.line, tt.column)
		}
	}
}
