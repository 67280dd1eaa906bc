package jsonpath

import (
	"errors"
	"strings"
	"testing"

	"github.com/baton-sh/baton/value"
)

const store = `{"store":{"book":[
 {"category":"reference","author":"Nigel Rees","title":"Sayings","price":8.95},
 {"category":"fiction","author":"Evelyn Waugh","title":"Sword","price":12.99},
 {"category":"fiction","author":"Herman Melville","title":"Moby Dick","isbn":"0-553","price":8.99},
 {"category":"fiction","author":"J. R. R. Tolkien","title":"The Lord","isbn":"0-395","price":22.99}],
 "bicycle":{"color":"red","price":19.95}},"expensive":10,"a-b":1,"list":[1,2,3,4,5]}`

func TestGet(t *testing.T) {
	doc := value.MustParse(store)
	tests := []struct {
		path  string
		want  string // "" = not found
		canon string
	}{
		{"$", "", "$"},
		{"$.expensive", "10", "$['expensive']"},
		{"$.a-b", "1", "$['a-b']"},
		{"$['store']['bicycle'].color", `"red"`, "$['store']['bicycle']['color']"},
		{`$["store"].bicycle`, `{"color":"red","price":19.95}`, "$['store']['bicycle']"},
		{"$.store.book[0].author", `"Nigel Rees"`, ""},
		{"$.store.book[-1].title", `"The Lord"`, ""},
		{"$.store.book[9]", "", ""},
		{"$.missing", "", "$['missing']"},
		{"$.store.book.author", "", ""},
		{"$.store.book[*].author", `["Nigel Rees","Evelyn Waugh","Herman Melville","J. R. R. Tolkien"]`, ""},
		{"$.store.*.color", `["red"]`, ""},
		{"$..author", `["Nigel Rees","Evelyn Waugh","Herman Melville","J. R. R. Tolkien"]`, ""},
		{"$..price", `[8.95,12.99,8.99,22.99,19.95]`, ""},
		{"$.store.book[?(@.isbn)].title", `["Moby Dick","The Lord"]`, ""},
		{"$.store.book[?(@.price < 10)].title", `["Sayings","Moby Dick"]`, ""},
		{"$.store.book[?(@.price > $.expensive)].title", `["Sword","The Lord"]`, ""},
		{"$.store.book[?(@.category == 'fiction' && @.price < 10)].title", `["Moby Dick"]`, ""},
		{"$.store.book[?(@.category != 'fiction' || @.price > 20)].title", `["Sayings","The Lord"]`, ""},
		{"$.store.book[?(!(@.isbn))].title", `["Sayings","Sword"]`, ""},
		{"$.store.book[?(@.author =~ /.*REES/i)].title", `["Sayings"]`, ""},
		{"$.store.book[?(@.author =~ /REES/i)].title", `[]`, ""},
		{"$.store.book[?(@.category in ['reference'])].title", `["Sayings"]`, ""},
		{"$.store.book[?(@.category nin ['reference'])].price", `[12.99,8.99,22.99]`, ""},
		{"$.list[1:3]", `[2,3]`, ""},
		{"$.list[:2]", `[1,2]`, ""},
		{"$.list[-2:]", `[4,5]`, ""},
		{"$.list[3:]", `[4,5]`, ""},
		{"$.list[0,4]", `[1,5]`, ""},
		{"$.list[9:]", `[]`, ""},
		{"$['expensive','a-b']", `[{"expensive":10,"a-b":1}]`, ""},
		{"$.nothing[*]", `[]`, ""},
		{"$.nothing[1:5].x", `[]`, ""},
		{"$[*]", "", ""},
		{"$.list.length()", "", ""},
	}
	for _, tt := range tests {
		p, err := Parse(tt.path)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.path, err)
			continue
		}
		got, ok := p.Get(doc)
		switch {
		case tt.path == "$":
			if got != doc {
				t.Errorf("$ is not the document")
			}
		case tt.path == "$[*]":
			if arr, _ := got.([]any); len(arr) != 4 {
				t.Errorf("$[*] = %s", value.String(got))
			}
		case tt.want == "":
			if ok {
				t.Errorf("Get(%q) = %s, want not found", tt.path, value.String(got))
			}
		case !ok:
			t.Errorf("Get(%q) not found, want %s", tt.path, tt.want)
		case value.String(got) != tt.want:
			t.Errorf("Get(%q) = %s, want %s", tt.path, value.String(got), tt.want)
		}
		if tt.canon != "" && p.Canonical() != tt.canon {
			t.Errorf("Canonical(%q) = %s, want %s", tt.path, p.Canonical(), tt.canon)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, s := range []string{"", "a", "$.", "$..", "$[", "$[1", "$['a", "$[?(@.a ==)]", "$[x]", "$.a[1:2", "$ .a", "$[?(@.a =~ /(/)]"} {
		if _, err := Parse(s); err == nil {
			t.Errorf("Parse(%q) succeeded", s)
		}
	}
}

func TestRoots(t *testing.T) {
	tests := []struct {
		path string
		root Root
		ref  bool
		def  bool
	}{
		{"$", RootInput, true, true},
		{"$$.Execution.Id", RootContext, true, true},
		{"$$", RootContext, true, true},
		{"$myVar.a[0]", RootVariable, true, true},
		{"$.a[*]", RootInput, false, false},
		{"$.a[-1]", RootInput, false, true},
		{"$..a", RootInput, false, false},
	}
	for _, tt := range tests {
		p := MustParse(tt.path)
		if p.Root() != tt.root || p.IsReference() != tt.ref || p.Definite() != tt.def {
			t.Errorf("%s: root %v ref %v definite %v", tt.path, p.Root(), p.IsReference(), p.Definite())
		}
	}
	if v := MustParse("$myVar.a").Variable(); v != "myVar" {
		t.Errorf("variable %q", v)
	}
}

func TestLookupMessages(t *testing.T) {
	doc := value.MustParse(`{"a":{"b":1},"n":5}`)
	tests := []struct{ path, msg string }{
		{"$.x", "No results for path: $['x']"},
		{"$.x.y", "Missing property in path $['x']"},
		{"$.a.c", "No results for path: $['a']['c']"},
		{"$.n.c", "No results for path: $['n']['c']"},
	}
	for _, tt := range tests {
		_, err := MustParse(tt.path).Lookup(doc)
		var nf *NotFoundError
		if !errors.As(err, &nf) || nf.Msg != tt.msg {
			t.Errorf("Lookup(%s) = %v, want %q", tt.path, err, tt.msg)
		}
	}
}

func TestSet(t *testing.T) {
	tests := []struct {
		doc, path, v, want, err string
	}{
		{`{"a":1}`, "$", `2`, `2`, ""},
		{`{"a":1}`, "$.b", `2`, `{"a":1,"b":2}`, ""},
		{`{"a":1}`, "$.a", `2`, `{"a":2}`, ""},
		{`{"a":1}`, "$.x.y.z", `2`, `{"a":1,"x":{"y":{"z":2}}}`, ""},
		{`{"a":{"b":1}}`, "$.a.c", `2`, `{"a":{"b":1,"c":2}}`, ""},
		{`{"a":[1,2]}`, "$.a[1]", `9`, `{"a":[1,9]}`, ""},
		{`[1,{"x":1}]`, "$[1].x", `9`, `[1,{"x":9}]`, ""},
		{`"str"`, "$.a", `1`, ``, `Unable to apply ReferencePath $.a to input "str"`},
		{`{"a":5}`, "$.a.b", `1`, ``, `Unable to apply step "b" to input {"a":5}`},
		{`{"a":[1]}`, "$.a[3]", `1`, ``, `Unable to apply step "3" to input {"a":[1]}`},
	}
	for _, tt := range tests {
		doc := value.MustParse(tt.doc)
		before := value.String(doc)
		got, err := MustParse(tt.path).Set(doc, value.MustParse(tt.v))
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("Set(%s, %s) error = %v, want %q", tt.doc, tt.path, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Set(%s, %s): %v", tt.doc, tt.path, err)
			continue
		}
		if value.String(got) != tt.want {
			t.Errorf("Set(%s, %s) = %s, want %s", tt.doc, tt.path, value.String(got), tt.want)
		}
		if value.String(doc) != before {
			t.Errorf("Set changed its input")
		}
	}
}

// FuzzParse: any text parses or fails with a typed error, never panics or
// hangs; a path that parses evaluates and, when a reference path, sets;
// blanks around a path change nothing.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"$", "$.a.b[0]", "$..a[?(@.b > 1 && @.c =~ /x/i)]", "$['a','b'][1:3]", "$$.Map.Item.Value", "$v[*]",
		"$.[0]", "$.a.[*].['b','c']", " $$.Execution.Name ", "$.a[(@.length-1)]", "$[( @.size() - 2 )].x",
		"$[?(@.Name==Receipt)]", "$[?(@.a == b c && @.d != 1e3)]", `$['a\'b\\c\u00e9\n']`, `$[?(@.a == "x\"y")]`} {
		f.Add(s)
	}
	doc := value.MustParse(store)
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s)
		padded, perr := Parse(" " + s + "\t")
		if (err == nil) != (perr == nil) {
			t.Fatalf("Parse(%q): %v, but with blanks around it: %v", s, err, perr)
		}
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if padded.Canonical() != p.Canonical() {
			t.Fatalf("Parse(%q) = %s, with blanks around it %s", s, p.Canonical(), padded.Canonical())
		}
		p.Get(doc)
		p.Lookup(doc)
		if p.IsReference() {
			p.Set(doc, "x")
		}
		_ = p.Canonical()
	})
}

// TestBudget: an indefinite path's selection stops once it has spent its
// budget, however the path multiplies the document (scans of scans,
// filters that scan from the root), and reports it; within the budget it
// selects everything.
func TestBudget(t *testing.T) {
	deep := value.MustParse(`{"a":` + strings.Repeat("[", 300) + strings.Repeat("]", 300) + `}`)
	wide := value.MustParse(`[` + strings.TrimSuffix(strings.Repeat(`{"k":1},`, 2000), ",") + `]`)
	tests := []struct {
		path   string
		doc    any
		budget int
		ok     bool
	}{
		{`$..*`, deep, 1 << 20, true},
		{`$..*..*..*`, deep, 1 << 20, false},
		{`$[?(@.k == 1)]`, wide, 1 << 20, true},
		{`$[?($..k)]`, wide, 1 << 20, false},
		{`$[*]`, wide, 1000, false},
	}
	for _, tt := range tests {
		p, err := Parse(tt.path)
		if err != nil {
			t.Fatal(err)
		}
		_, found, err := p.GetWithin(tt.doc, value.NewBudget(tt.budget))
		if tt.ok != (err == nil && found) || (!tt.ok && !errors.Is(err, value.ErrTooLarge)) {
			t.Errorf("%s within %d: %v %v", tt.path, tt.budget, found, err)
		}
		_, err = p.LookupWithin(tt.doc, value.NewBudget(tt.budget))
		if tt.ok != (err == nil) {
			t.Errorf("lookup %s within %d: %v", tt.path, tt.budget, err)
		}
	}
}
