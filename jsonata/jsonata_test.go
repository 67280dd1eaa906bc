package jsonata

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func eval(t *testing.T, src string, input any, opts *Options) (any, error) {
	t.Helper()
	e, err := Compile(src)
	if err != nil {
		return nil, err
	}
	return e.Evaluate(input, opts)
}

// Examples from the JSONata documentation and the XPath specification for
// the functions the suite in this repository covers least.
func TestFunctionExamples(t *testing.T) {
	now := time.Date(2026, 11, 21, 15, 4, 5, 6e6, time.UTC)
	tests := []struct {
		expr string
		want string // JSON
	}{
		{`$formatInteger(2789, 'w')`, `"two thousand, seven hundred and eighty-nine"`},
		{`$formatInteger(1999, 'I')`, `"MCMXCIX"`},
		{`$formatInteger(1999, 'i')`, `"mcmxcix"`},
		{`$formatInteger(27, 'A')`, `"AA"`},
		{`$formatInteger(3, 'w;o')`, `"third"`},
		{`$formatInteger(21, '1;o')`, `"21st"`},
		{`$formatInteger(12, '1;o')`, `"12th"`},
		{`$formatInteger(1234567, '#,##0')`, `"1,234,567"`},
		{`$formatInteger(123, '0000')`, `"0123"`},
		{`$formatInteger(123, 'Ww')`, `"One Hundred and Twenty-Three"`},
		{`$formatInteger(-5, '1')`, `"-5"`},
		{`$parseInteger("twelve thousand, four hundred and seventy-six", 'w')`, `12476`},
		{`$parseInteger('12,345,678', '#,##0')`, `12345678`},
		{`$parseInteger('MCMXCIX', 'I')`, `1999`},
		{`$parseInteger('AA', 'A')`, `27`},
		{`$fromMillis(1510067557121)`, `"2017-11-07T15:12:37.121Z"`},
		{`$fromMillis(1510067557121, '[M01]/[D01]/[Y0001] [h#1]:[m01][P]')`, `"11/07/2017 3:12pm"`},
		{`$fromMillis(1510067557121, '[H01]:[m01]:[s01] [z]', '-0500')`, `"10:12:37 GMT-05:00"`},
		{`$fromMillis(1510067557121, '[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01][Z]', '+0530')`, `"2017-11-07T20:42:37+05:30"`},
		{`$fromMillis(1510067557121, '[FNn], [D1o] [MNn] [Y]')`, `"Tuesday, 7th November 2017"`},
		{`$fromMillis(1510067557121, '[Dwo] [MNn,3-3]')`, `"seventh Nov"`},
		{`$fromMillis(1510067557121, '[W]')`, `"45"`},
		{`$toMillis("2017-11-07T15:07:54.972Z")`, `1510067274972`},
		{`$toMillis("2017-11-07T15:07:54+01:00")`, `1510063674000`},
		{`$millis()`, `1795273445006`},
		{`$now()`, `"2026-11-21T15:04:05.006Z"`},
		{`$now('[Y0001]')`, `"2026"`},
		{`$now('[H01]:[m01]', '+0100')`, `"16:04"`},
		{`$toMillis('15:30', '[H01]:[m01]')`, `1795275000000`},
		{`$formatNumber(1234.5678, "#,##0.00")`, `"1,234.57"`},
		{`$formatNumber(0.14, "01%")`, `"14%"`},
		{`$formatNumber(0.4857,'###.###‰')`, `"485.7‰"`},
		{`$formatNumber(34.555, "#0.00;(#0.00)")`, `"34.56"`},
		{`$formatNumber(-34.555, "#0.00;(#0.00)")`, `"(34.56)"`},
		{`$formatNumber(1234.5, "#.00e0")`, `"0.12e4"`},
		{`$formatNumber(0, "0.0e0")`, `"0.0e0"`},
		{`$formatNumber(-1234, "0.0e0")`, `"-1.2e3"`},
		{`$formatBase(100, 2)`, `"1100100"`},
		{`$formatBase(2555, 16)`, `"9fb"`},
		{`$lowercase("Hello WORLD")`, `"hello world"`},
		{`$uppercase("straße")`, `"STRASSE"`},
		{`$min([5, 1, 3])`, `1`},
		{`$decodeUrl("https://mozilla.org/?x=%D1%88%D0%B5%D0%BB%D0%BB%D1%8B")`, `"https://mozilla.org/?x=шеллы"`},
		{`$decodeUrl("a%2Fb")`, `"a%2Fb"`},
		{`$decodeUrlComponent("a%2Fb")`, `"a/b"`},
		{`$encodeUrl("https://mozilla.org/?x=шеллы")`, `"https://mozilla.org/?x=%D1%88%D0%B5%D0%BB%D0%BB%D1%8B"`},
		{`$base64encode("myuser:mypass")`, `"bXl1c2VyOm15cGFzcw=="`},
		{`$base64decode("bXl1c2VyOm15cGFzcw==")`, `"myuser:mypass"`},
		{`$string(1e21)`, `"1e+21"`},
		{`$string(0.000001)`, `"0.000001"`},
		{`$string(1e-7)`, `"1e-7"`},
		{`$string(1/3)`, `"0.333333333333333"`},
		{`$string({"b": 1, "a": [true, null]}, true)`, `"{\n  \"b\": 1,\n  \"a\": [\n    true,\n    null\n  ]\n}"`},
		{`$keys({"b": 1, "2": 2, "a": 3, "1": 4})`, `["1","2","b","a"]`},
		{`$round(2.5)`, `2`},
		{`$round(3.5)`, `4`},
		{`$round(-0.5)`, `0`},
		{`$round(1.005, 2)`, `1`},
		{`$round(1.125, 2)`, `1.12`},
		{`$round(12345, -2)`, `12300`},
		{`/(\w)\1/("hello").match`, `"ll"`},
		{`$replace("2017-11-07", /(?<y>\d{4})-(\d\d)/, "$2/$1")`, `"11/2017-07"`},
		{`$replace("abab", /(?<p>a)b\k<p>/, "[$1]")`, `"[a]b"`},
		{`$match("a1b22", /\d+/).index`, `[1,3]`},
		{`$split("😀a😀b", "a")`, `["😀","😀b"]`},
		{`$match("😀ab", /b/).index`, `3`},
		{`$substring("😀abc", 1, 2)`, `"ab"`},
		{`$length("😀")`, `1`},
		{`[1..3] ~> $reduce(function($a, $v, $i, $arr){ $a + $v * $i + $count($arr) })`, `15`},
	}
	for _, tt := range tests {
		got, err := eval(t, tt.expr, Undefined, &Options{Now: now})
		if err != nil {
			t.Errorf("%s: %v", tt.expr, err)
			continue
		}
		if s := string(MarshalJSON(got)); s != tt.want {
			t.Errorf("%s = %s, want %s", tt.expr, s, tt.want)
		}
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		expr, code, text string
	}{
		{`1 +`, "S0207", "Unexpected end of expression"},
		{`"abc`, "S0101", "String literal must be terminated by a matching quote"},
		{`1 + "a"`, "T2002", `The right side of the "+" operator must evaluate to a number`},
		{`$sum("a")`, "T0412", `Argument 1 of function "sum" must be an array of "numbers"`},
		{`$substring("a", "b")`, "T0410", `Argument 2 of function "substring" does not match function signature`},
		{`$number("x")`, "D3030", `Unable to cast value to a number: "x"`},
		{`$error("boom")`, "D3137", "boom"},
		{`$foo()`, "T1006", "Attempted to invoke a non-function"},
		{`[1..20000000]`, "D2014", "The size of the sequence allocated by the range operator (..) must not exceed 1e7.  Attempted to allocate 20000000."},
		{`$eval("1 +")`, "D3120", `Syntax error in expression passed to function eval: "Unexpected end of expression"`},
		{`(((((((((((((((((((((((((` + strings.Repeat("(", 2000), "U1001", "The expression is nested too deeply"},
	}
	for _, tt := range tests {
		_, err := eval(t, tt.expr, Undefined, nil)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s: got %v, want error %s", tt.expr, err, tt.code)
			continue
		}
		if e.Code != tt.code || e.Text() != tt.text {
			t.Errorf("%s: got %s %q, want %s %q", tt.expr, e.Code, e.Text(), tt.code, tt.text)
		}
	}
}

func TestLimits(t *testing.T) {
	// endless tail recursion stops at the work budget
	start := time.Now()
	_, err := eval(t, `($f := function($n){ $f($n + 1) }; $f(0))`, Undefined, &Options{MaxSteps: 10_000_000})
	var e *Error
	if !errors.As(err, &e) || e.Code != "U1001" {
		t.Fatalf("got %v, want U1001", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("stopped after %v", d)
	}
	// deep recursion stops at the depth limit without exhausting the stack
	_, err = eval(t, `($f := function($n){ 1 + $f($n + 1) }; $f(0))`, Undefined, nil)
	if !errors.As(err, &e) || e.Code != "U1001" {
		t.Fatalf("got %v, want U1001", err)
	}
	// values nested past the data depth limit fail instead of exhausting
	// the stack
	_, err = eval(t, `($f := function($n, $a){ $n = 0 ? $a : $f($n - 1, {"x": $a}) }; $string($f(150000, 1)))`, Undefined, nil)
	if !errors.As(err, &e) || e.Code != "U1001" {
		t.Fatalf("got %v, want U1001", err)
	}
	// catastrophic backtracking is bounded
	_, err = eval(t, `$match("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", /(a+)+b/)`, Undefined, nil)
	if !errors.As(err, &e) || e.Code != "U1001" {
		t.Fatalf("got %v, want U1001", err)
	}
}

func TestAPIModel(t *testing.T) {
	input := map[string]any{"a": []any{1, nil, "x"}, "n": nil}
	got, err := eval(t, `{"a": a, "n": n, "none": nothing, "t": $type(n)}`, input, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(MarshalJSON(got)); s != `{"a":[1,null,"x"],"n":null,"t":"null"}` {
		t.Errorf("got %s", s)
	}
	got, _ = eval(t, `nothing`, input, nil)
	if got != Undefined {
		t.Errorf("got %v, want Undefined", got)
	}
	got, _ = eval(t, `$`, Undefined, nil)
	if got != Undefined {
		t.Errorf("no input: got %v", got)
	}
	got, _ = eval(t, `$`, nil, nil)
	if got != nil {
		t.Errorf("null input: got %v", got)
	}
	double, err := NewFunction("double", "<n:n>", 1, func(_ *Context, args []any) (any, error) {
		return args[0].(float64) * 2, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err = eval(t, `$map([1, 2], $double)`, Undefined, &Options{Bindings: map[string]any{"double": double, "x": 1}})
	if err != nil || string(MarshalJSON(got)) != `[2,4]` {
		t.Errorf("got %s, %v", MarshalJSON(got), err)
	}
}

func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		`Account.Order[0].Product.(Price * Quantity)`, `$sum(a.b)`, `{"a": [1..3]}`,
		`function($x)<n:n>{$x+1}`, `a ~> |b|{"c": 1}, ["d"]|`, `/a+/i`, `$.a@$x#$i[$i>1]`,
		`%.a`, `a^(>b, c)`, `a{b: c}`, `"\u00e9\ud83d\ude00"`, "`a b`.c", `/* c */ 1`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		e, err := Compile(src)
		if err != nil {
			var je *Error
			if !errors.As(err, &je) {
				t.Fatalf("%q: error of type %T", src, err)
			}
			return
		}
		start := time.Now()
		_, err = e.Evaluate(map[string]any{"a": []any{1.0, "b", map[string]any{"c": 2.0}}}, &Options{MaxSteps: 10_000_000, MaxDepth: 500})
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("%q took %v", src, d)
		}
		var je *Error
		if err != nil && (!errors.As(err, &je) || je.Code == "U1002") {
			t.Fatalf("%q: %v", src, err)
		}
	})
}

func TestReferences(t *testing.T) {
	tests := []struct {
		expr      string
		top, vars []string
		root      bool
	}{
		{`phone`, []string{"phone"}, nil, false},
		{`aaa + bbb`, []string{"aaa", "bbb"}, nil, false},
		{`$.phone`, []string{"$"}, nil, false},
		{`$states.input.items[phone > 3]`, nil, []string{"states"}, false},
		{`$map($states.input.a, function($x){ $x.phone })`, nil, []string{"states"}, false},
		{`$map($states.input.a, function($x){ b })`, []string{"b"}, []string{"states"}, false},
		{`$phone & $sum($other)`, nil, []string{"phone", "other"}, false},
		{`($y := 1; $y + $z)`, nil, []string{"z"}, false},
		{`$$.a`, nil, nil, true},
		{`{"a": x}`, []string{"x"}, nil, false},
		{`$states.input ~> |a|{"b": c}|`, nil, []string{"states"}, false},
		{`*.a`, []string{"*"}, nil, false},
		{`foo()`, []string{"foo"}, nil, false},
	}
	for _, tt := range tests {
		r := MustCompile(tt.expr).References()
		if !equalStrings(r.TopLevel, tt.top) || !equalStrings(r.Variables, tt.vars) || r.Root != tt.root {
			t.Errorf("%s: got %q %q %v, want %q %q %v", tt.expr, r.TopLevel, r.Variables, r.Root, tt.top, tt.vars, tt.root)
		}
	}
	r := MustCompile(`$states.input.a & $states.context.b & $states.input.c`).References()
	if !equalStrings(r.Fields["states"], []string{"input", "context"}) {
		t.Errorf("fields: %v", r.Fields)
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
