package jsonata

import (
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// reAll finds every match as String.prototype.matchAll does: [index,
// match, group 1, ...] each, nil for a group that did not take part.
func reAll(t testing.TB, prog *reProgram, s string, budget int) [][]any {
	units := utf16Units(s)
	var all [][]any
	for last := 0; last <= len(units); {
		caps := prog.exec(units, last, &budget)
		if caps == nil {
			break
		}
		m := []any{float64(caps[0])}
		for g := 0; g < prog.ncap; g++ {
			if caps[2*g] < 0 || caps[2*g+1] < 0 {
				m = append(m, nil)
			} else {
				m = append(m, unitsToString(units[caps[2*g]:caps[2*g+1]]))
			}
		}
		all = append(all, m)
		if caps[1] == caps[0] {
			last = caps[1] + 1
		} else {
			last = caps[1]
		}
	}
	return all
}

func resultJSON(v any) string {
	switch t := v.(type) {
	case [][]any:
		items := make([]any, len(t))
		for i, m := range t {
			items[i] = m
		}
		return string(MarshalJSON(items))
	}
	return string(MarshalJSON(v))
}

// TestRegexCases checks the engine against JavaScript: the expectations
// in testdata/regex_cases.json come from Node (see regex_cases.js there).
func TestRegexCases(t *testing.T) {
	data, err := os.ReadFile("testdata/regex_cases.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := ParseJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range doc.([]any) {
		c := c.([]any)
		pattern, flags, input, want := c[0].(string), c[1].(string), c[2].(string), c[3]
		re, err := compileRegex(pattern, flags)
		if err != nil {
			if msg, ok := want.(string); !ok || err.Error() != msg {
				t.Errorf("/%s/%s: error %q, want %s", pattern, flags, err, resultJSON(want))
			}
			continue
		}
		if _, ok := want.(string); ok {
			t.Errorf("/%s/%s compiles, want error %q", pattern, flags, want)
			continue
		}
		got := reAll(t, re.prog, input, 1e7)
		if g, w := resultJSON(got), resultJSON(want); g != w {
			t.Errorf("/%s/%s on %q:\n got %s\nwant %s", pattern, flags, input, g, w)
		}
	}
}

// TestRegexFold checks the case folding tables: canon is idempotent (which
// the classes rely on), and, with Node at hand, equal to JavaScript's
// Canonicalize over every code unit.
func TestRegexFold(t *testing.T) {
	for u := range 65536 {
		c := canon(uint16(u))
		if canon(c) != c {
			t.Errorf("canon(canon(%04X)) = %04X, not %04X", u, canon(c), c)
		}
	}
	if testing.Short() {
		return
	}
	out, err := runNode(`const o=[];for(let u=0;u<65536;u++){const s=String.fromCharCode(u).toUpperCase();let c=u;if(s.length===1){const x=s.charCodeAt(0);if(!(u>=128&&x<128))c=x}o.push(c)}console.log(o.join(","))`)
	if err != nil {
		t.Skip("node is not available:", err)
	}
	for u, f := range strings.Split(strings.TrimSpace(out), ",") {
		if want := f; itoa(int(canon(uint16(u)))) != want {
			t.Errorf("canon(%04X) = %04X, JavaScript says %s", u, canon(uint16(u)), want)
		}
	}
}

func TestRegexBudget(t *testing.T) {
	re, err := compileRegex(`(a+)+$`, "")
	if err != nil {
		t.Fatal(err)
	}
	units := utf16Units(strings.Repeat("a", 32) + "!")
	run := func() (left int, err error) {
		left = DefaultMaxSteps
		defer func() {
			if r := recover(); r != nil {
				err = r.(*Error)
			}
		}()
		re.prog.exec(units, 0, &left)
		return left, nil
	}
	start := time.Now()
	_, err1 := run()
	_, err2 := run()
	var e *Error
	if !errors.As(err1, &e) || e.Code != "U1001" || e.Text() != errTimeout {
		t.Fatalf("got %v, want the budget error", err1)
	}
	if err2 == nil || err2.Error() != err1.Error() {
		t.Errorf("second run: %v, first %v", err2, err1)
	}
	if d := time.Since(start) / 2; d > time.Second && !raceEnabled {
		t.Errorf("a catastrophic match took %v", d)
	}
	// the same work is charged the same steps
	re, _ = compileRegex(`(\w+)@(\w+)\.com`, "i")
	units = utf16Units(strings.Repeat("someone@example.org, ", 100) + "a@b.COM")
	var lefts []int
	for range 3 {
		left := 1 << 30
		if caps := re.prog.exec(units, 0, &left); caps == nil {
			t.Fatal("no match")
		}
		lefts = append(lefts, left)
	}
	if lefts[0] != lefts[1] || lefts[1] != lefts[2] || lefts[0] == 1<<30 {
		t.Errorf("steps left: %v", lefts)
	}
	// the backtracking stack is bounded as V8's is
	re, _ = compileRegex(`(a|b)*$`, "")
	units = utf16Units(strings.Repeat("ab", 1<<21) + "!")
	left := 1 << 40
	func() {
		defer func() {
			r := recover()
			e, ok := r.(*Error)
			if !ok || e.Code != "U1001" || e.Message != "Maximum call stack size exceeded" {
				t.Errorf("deep backtracking: %v", r)
			}
		}()
		re.prog.exec(units, 0, &left)
	}()
}

func runNode(script string) (string, error) {
	cmd := exec.Command("node", "-")
	cmd.Stdin = strings.NewReader(script)
	out, err := cmd.Output()
	return string(out), err
}

// FuzzRegex compiles and runs arbitrary patterns: no panic (but the budget
// error), no hang, and the same result twice.
func FuzzRegex(f *testing.F) {
	for _, s := range []string{
		`a|b`, `(a+)+$`, `(?<n>x)\k<n>`, `(?<=(a)\1)b`, `[\d-z]{2,3}?`, `(?:(a)|b)*\1`, `\cJ\x41\u0042\0`,
		`((a)|(b))+`, `(?=(a+))a*b\1`, `^\w+@[^.]+\.com$`, `(a*)*b`, `[^]*?x`, `(?!a)+`, `a{2,}?`, `\b\B$^`,
	} {
		f.Add(s, "aab ab\nAB_1", uint8(0))
	}
	f.Fuzz(func(t *testing.T, pattern, input string, flagBits uint8) {
		flags := ""
		if flagBits&1 != 0 {
			flags += "i"
		}
		if flagBits&2 != 0 {
			flags += "m"
		}
		re, err := compileRegex(pattern, flags)
		if err != nil {
			return
		}
		run := func() (res string) {
			defer func() {
				if r := recover(); r != nil {
					e, ok := r.(*Error)
					if !ok || e.Code != "U1001" {
						panic(r)
					}
					res = e.Message
				}
			}()
			return resultJSON(reAll(t, re.prog, input, 1e6))
		}
		start := time.Now()
		a, b := run(), run()
		if a != b {
			t.Fatalf("/%s/%s on %q: %s, then %s", pattern, flags, input, a, b)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("/%s/%s on %q took %v", pattern, flags, input, d)
		}
	})
}

// TestRegexDifferential compares the engine with Node on random patterns
// and inputs, when BATON_REGEX_DIFF gives their number.
func TestRegexDifferential(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("BATON_REGEX_DIFF"))
	if n == 0 {
		t.Skip("set BATON_REGEX_DIFF to the number of random cases")
	}
	rng := rand.New(rand.NewPCG(uint64(n), 7))
	type tcase struct{ p, f, s string }
	var cases []tcase
	for range n {
		named := false
		p := randomPattern(rng, 3, &named)
		f := []string{"", "i", "m", "im"}[rng.IntN(4)]
		var sb strings.Builder
		for range rng.IntN(14) {
			sb.WriteString([]string{"a", "b", "A", "B", "1", " ", "\n", "_", "c", "é", "É", "\U0001F600"}[rng.IntN(12)])
		}
		cases = append(cases, tcase{p, f, sb.String()})
	}
	var js strings.Builder
	js.WriteString("const cases=")
	items := make([]any, len(cases))
	for i, c := range cases {
		items[i] = []any{c.p, c.f, c.s}
	}
	js.Write(MarshalJSON(items))
	js.WriteString(`;const out=[];for(const [p,f,s] of cases){let r;try{const re=new RegExp(p,"g"+f);r=[...s.matchAll(re)].map(m=>[m.index,...Array.from(m,g=>g===undefined?null:g)])}catch(e){r=e.message}out.push(r)}console.log(JSON.stringify(out))`)
	outText, err := runNode(js.String())
	if err != nil {
		t.Skip("node is not available:", err)
	}
	want, err := ParseJSON([]byte(outText))
	if err != nil {
		t.Fatal(err)
	}
	fails := 0
	for i, c := range cases {
		w := want.([]any)[i]
		var got string
		re, err := compileRegex(c.p, c.f)
		if err != nil {
			got = resultJSON(err.Error())
		} else {
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Errorf("/%s/%s on %q: %v", c.p, c.f, c.s, r)
						got = "exhausted"
					}
				}()
				got = resultJSON(reAll(t, re.prog, c.s, 1e8))
			}()
		}
		if got != resultJSON(w) {
			fails++
			if fails <= 30 {
				t.Errorf("/%s/%s on %q:\n got %s\nwant %s", c.p, c.f, c.s, got, resultJSON(w))
			}
		}
	}
	t.Logf("%d cases, %d differ", n, fails)
}

func randomPattern(rng *rand.Rand, depth int, named *bool) string {
	var b strings.Builder
	terms := 1 + rng.IntN(4)
	for i := range terms {
		if i > 0 && rng.IntN(6) == 0 {
			b.WriteByte('|')
		}
		atom := ""
		k := rng.IntN(30)
		switch {
		case k < 8:
			atom = []string{"a", "b", "A", "1", " ", "é", "\U0001F600", "c"}[rng.IntN(8)]
		case k < 14:
			atom = []string{".", `\d`, `\w`, `\s`, `\W`, "[ab]", "[^a]", "[a-c]", `[\w-]`, "[A-Z]", `[\s\S]`, "[é]", `\n`, `\u0041`}[rng.IntN(14)]
		case k < 17:
			atom = []string{"^", "$", `\b`, `\B`}[rng.IntN(4)]
		case k < 19:
			atom = []string{`\1`, `\2`, `\k<n>`}[rng.IntN(3)]
			if atom == `\k<n>` && !*named {
				atom = `\1`
			}
		case depth > 0:
			inner := randomPattern(rng, depth-1, named)
			open := []string{"(", "(?:", "(?=", "(?!", "(?<=", "(?<!", "(?<n>"}[rng.IntN(7)]
			if open == "(?<n>" {
				if *named {
					open = "("
				} else {
					*named = true
				}
			}
			atom = open + inner + ")"
		default:
			atom = "a"
		}
		b.WriteString(atom)
		if rng.IntN(3) == 0 && atom != "^" && atom != "$" && atom != `\b` && atom != `\B` && !strings.HasPrefix(atom, "(?<=") && !strings.HasPrefix(atom, "(?<!") {
			b.WriteString([]string{"*", "+", "?", "{0,2}", "{1,}", "{2}", "*?", "+?", "??", "{1,3}?"}[rng.IntN(10)])
		}
	}
	return b.String()
}

// TestRegexFunctions checks the functions that take regular expressions,
// against jsonata-js.
func TestRegexFunctions(t *testing.T) {
	for _, c := range []struct{ expr, want string }{
		{`$replace("abcabc", /b|c/, function($m){"X"})`, `"aXXaXX"`},
		{`$replace("abcabc", /(b)|c/, function($m){$m.match & $count($m.groups) & $m.start})`, `"ab11c12ab14c15"`},
		{`$match("a1b22", /\d+/)`, `[{"match":"1","index":1,"groups":[]},{"match":"22","index":3,"groups":[]}]`},
		{`$split("a1b22c", /\d+/)`, `["a","b","c"]`},
		{`$contains("abc", /B/i)`, `true`},
		{`/(?<y>\d{4})-(\d\d)/("on 2024-05-06").groups`, `["2024","05"]`},
		{`$match("😀a😀b", /[ab]/).index`, `[2,5]`},
		{`$replace("😀😀", /./, "x", 1)`, `"x\ude00😀"`},
		{`$match("xaby", /(a)|(b)/).groups`, `["a",null,null,"b"]`},
		{`$replace("aaa", /a*?/, "x")`, `D1004`},
		{`$split("abc", /(?:)/)`, `D1004`},
		{`$match("ab", /(?<=a)b/)`, `{"match":"b","index":1,"groups":[]}`},
		{`$replace("2024-05-06", /(\d+)-(\d+)-(\d+)/, "$3/$2/$1 $$ $0 $4 $10")`, `"06/05/2024 $ 2024-05-06  20240"`},
		{`$length("\ud800x")`, `2`},
		{`$substring("a😀b\ud800c", 1, 3)`, `"😀b\ud800"`},
		{`$pad("😀", 4, "é")`, `"😀ééé"`},
		{`/[/`, `S0302`},
		{`/x**/m`, `S0303 Invalid regular expression: /x**/gm: Nothing to repeat`},
		{`/a{2,1}/`, `S0303 Invalid regular expression: /a{2,1}/g: numbers out of order in {} quantifier`},
		{`/a/ii`, `S0303 Invalid flags supplied to RegExp constructor 'iig'`},
	} {
		v, err := eval(t, c.expr, Undefined, nil)
		got := string(MarshalJSON(v))
		if err != nil {
			e := err.(*Error)
			got = e.Code
			if strings.HasPrefix(c.want, e.Code+" ") {
				got += " " + e.Text()
			}
		}
		if got != c.want {
			t.Errorf("%s: got %s, want %s", c.expr, got, c.want)
		}
	}
}
