package jsonpath

import (
	"errors"
	"testing"

	"github.com/baton-sh/baton/value"
)

// TestLenientForms: the forms Jayway reads that a strict JSONPath grammar
// refuses select what their plain spelling selects.
func TestLenientForms(t *testing.T) {
	doc := value.MustParse(`{"Items":[{"Name":"a","n":1},{"Name":"b","n":2},{"Name":"Receipt","n":3}],
		"list":[1,2,3],"def ghi":7,"o":{"x":1,"y":2},"q'uote":1,"back\\slash":2,"new\nline":3,"é":4,"😀":5}`)
	tests := []struct {
		path, want string // want "" = not found
		canon      string
	}{
		// a dot before a bracket
		{"$.[0]", "", "$[0]"}, // the document is an object
		{"$.list.[0]", `1`, "$['list'][0]"},
		{"$.Items.[1].Name", `"b"`, "$['Items'][1]['Name']"},
		{"$.['def ghi']", `7`, "$['def ghi']"},
		{"$.Items.[*].Name", `["a","b","Receipt"]`, ""},
		{"$.Items.[0:2].n", `[1,2]`, ""},
		{"$.Items.[?(@.n > 1)].Name", `["b","Receipt"]`, ""},
		{"$.o.['x','y']", `[{"x":1,"y":2}]`, ""},
		{"$..[0].Name", `["a"]`, ""},
		// blanks around the path
		{"  $.list[1]", `2`, "$['list'][1]"},
		{"$.list[1] ", `2`, "$['list'][1]"},
		{"\t$.o.x\n", `1`, "$['o']['x']"},
		// script expressions: the n-th item from the end
		{"$.list[(@.length-1)]", `3`, "$['list'][-1]"},
		{"$.list[( @.length - 2 )]", `2`, "$['list'][-2]"},
		{"$.list[(@.size()-3)]", `1`, "$['list'][-3]"},
		{"$.list[(@.length-4)]", "", ""},
		{"$.list[@.length-1]", `3`, "$['list'][-1]"},
		{"$.list[(@.length-0)]", "", "$['list'][(@.length-0)]"},
		{"$.Items[(@.length-1)].Name", `"Receipt"`, ""},
		// bare words on the right of a comparison are strings
		{"$.Items[?(@.Name==Receipt)].n", `[3]`, ""},
		{"$.Items[?(@.Name == b )].n", `[2]`, ""},
		{"$.Items[?(@.Name!=Receipt)].n", `[1,2]`, ""},
		{"$.Items[?(@.Name==a || @.Name==b)].n", `[1,2]`, ""},
		{"$.Items[?(@.Name==a&&@.n==1)].Name", `["a"]`, ""},
		{"$.Items[?(@.n==2)].Name", `["b"]`, ""},
		{"$.Items[?(@.n==2.0)].Name", `["b"]`, ""},
		{"$.Items[?(@.Name==/x/y)].n", `[]`, ""},
		{"$.Items[?(@.Name==true)].n", `[]`, ""},
		// Java's escapes in quoted names
		{`$['q\'uote']`, `1`, ""},
		{`$["q'uote"]`, `1`, ""},
		{`$['back\\slash']`, `2`, ""},
		{`$['new\nline']`, `3`, ""},
		{`$['\u00e9']`, `4`, ""},
		{`$['\ud83d\ude00']`, `5`, ""},
		{`$['\x']`, "", "$['x']"},
		{`$.Items[?(@.Name == 'Rec\u0065ipt')].n`, `[3]`, ""},
	}
	for _, tt := range tests {
		p, err := Parse(tt.path)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.path, err)
			continue
		}
		got, ok := p.Get(doc)
		switch {
		case tt.want == "" && ok:
			t.Errorf("Get(%q) = %s, want not found", tt.path, value.String(got))
		case tt.want != "" && !ok:
			t.Errorf("Get(%q) not found, want %s", tt.path, tt.want)
		case tt.want != "" && value.String(got) != tt.want:
			t.Errorf("Get(%q) = %s, want %s", tt.path, value.String(got), tt.want)
		}
		if tt.canon != "" && p.Canonical() != tt.canon {
			t.Errorf("Canonical(%q) = %s, want %s", tt.path, p.Canonical(), tt.canon)
		}
		if p.String() != tt.path {
			t.Errorf("String(%q) = %q: the text as written", tt.path, p.String())
		}
	}
}

// TestLenientKinds: the lenient forms keep their kind: a dot before a
// bracket changes nothing, a script index is definite but, like a negative
// index, no reference path.
func TestLenientKinds(t *testing.T) {
	tests := []struct {
		path     string
		definite bool
		ref      bool
	}{
		{"$.[0]", true, true},
		{"$.a.[0].b", true, true},
		{"$.a.['b']", true, true},
		{" $.a ", true, true},
		{"$$.Execution.Name ", true, true},
		{"$.a[(@.length-1)]", true, false},
		{"$.a.[*]", false, false},
		{"$.a[?(@.b==c)]", false, false},
	}
	for _, tt := range tests {
		p, err := Parse(tt.path)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.path, err)
			continue
		}
		if p.Definite() != tt.definite || p.IsReference() != tt.ref {
			t.Errorf("%q: definite %v reference %v, want %v %v", tt.path, p.Definite(), p.IsReference(), tt.definite, tt.ref)
		}
	}
}

// TestLenientErrors: what Jayway refuses stays refused, and offsets count
// in the text as written.
func TestLenientErrors(t *testing.T) {
	tests := []struct {
		path   string
		offset int
	}{
		{" ", 1},
		{"$.", 2},
		{"$..", 3},
		{"$...a", 3},
		{"$.[", 3},
		{"$.a.", 4},
		{"  $ .a", 3},
		{"$[(@.length)]", 11},
		{"$[(@.length+1)]", 11},
		{"$[(@.foo-1)]", 3},
		{"$[(@.length-x)]", 12},
		{"$[(@.length-1)", 14},
		{"$[(@.length-1]", 13},
		{"$[@.length-1)]", 12},
		{"$[(@.length-99999999999)]", 12},
		{`$['\u00g0']`, 3},
		{`$['\u12']`, 3},
		{"$[?(@.a == )]", 11},
		{"$[?(@.a ==)]", 10},
		{"$[?(a == @.b)]", 4},
	}
	for _, tt := range tests {
		_, err := Parse(tt.path)
		var pe *Error
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%q) = %v, want a syntax error", tt.path, err)
			continue
		}
		if pe.Offset != tt.offset || pe.Path != tt.path {
			t.Errorf("Parse(%q): error at %d in %q, want at %d: %v", tt.path, pe.Offset, pe.Path, tt.offset, err)
		}
	}
}

// TestJavaDecimal: numbers print as Java's BigDecimal.toString prints them,
// which is what a string is compared with when a filter compares it with a
// number.
func TestJavaDecimal(t *testing.T) {
	tests := []struct{ in, want string }{
		{"123", "123"},
		{"-7", "-7"},
		{"0", "0"},
		{"-0", "0"},
		{"-0.0", "0.0"},
		{"0.00", "0.00"},
		{"1.50", "1.50"},
		{"0.5", "0.5"},
		{"0.05", "0.05"},
		{"1e3", "1E+3"},
		{"1.5e1", "15"},
		{"100e-2", "1.00"},
		{"1e-3", "0.001"},
		{"1e-7", "1E-7"},
		{"-12.5E-9", "-1.25E-8"},
		{"0e5", "0E+5"},
		{"1e99999999999", "1e99999999999"},
	}
	for _, tt := range tests {
		if got := javaDecimal(tt.in); got != tt.want {
			t.Errorf("javaDecimal(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// TestFilterEquality: in a filter, a number and a string are equal as
// Jayway's value nodes say, by the side the string is on; other types
// compare strictly.
func TestFilterEquality(t *testing.T) {
	doc := value.MustParse(`[{"id":"10","n":10},{"id":"10.0","n":10.0},{"id":"1E+3","n":1000},{"id":"x","n":-1},{"id":"true","n":0}]`)
	tests := []struct{ path, want string }{
		{`$[?(@.id == 10)].n`, `[10]`},
		{`$[?(@.id == 10.0)].n`, `[10.0]`},
		{`$[?(@.id == 1e3)].n`, `[1000]`},
		{`$[?(@.id != 10)].n`, `[10.0,1000,-1,0]`},
		{`$[?(@.n == '10')].id`, `["10","10.0"]`},
		{`$[?(@.n == '1e3')].id`, `["1E+3"]`},
		{`$[?(@.n == '+10.')].id`, `["10","10.0"]`},
		{`$[?(@.n == 'x')].id`, `[]`},
		{`$[?(@.n == '0x0')].id`, `[]`},
		{`$[?(@.id in [10, 'x'])].n`, `[10,-1]`},
		{`$[?(@.id nin [10, 'x'])].n`, `[10.0,1000,0]`},
		{`$[?(@.id == true)].n`, `[]`},
		{`$[?(@.id == @.n)].n`, `[10,10.0]`},
	}
	for _, tt := range tests {
		got, ok := MustParse(tt.path).Get(doc)
		if !ok || value.String(got) != tt.want {
			t.Errorf("Get(%s) = %s %v, want %s", tt.path, value.String(got), ok, tt.want)
		}
	}
}
