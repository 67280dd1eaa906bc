package intrinsic

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/baton-sh/baton/failure"
	"github.com/baton-sh/baton/jsonpath"
	"github.com/baton-sh/baton/value"
)

type testEnv struct {
	doc    any
	budget *value.Budget
}

func (e testEnv) Resolve(p *jsonpath.Path) (any, error) {
	v, ok := p.Get(e.doc)
	if !ok {
		return nil, failure.New(failure.Runtime, "missing "+p.String()).AsError()
	}
	return v, nil
}

func (testEnv) Random() rand.Source { return rand.NewPCG(1, 2) }

func (e testEnv) Budget() *value.Budget { return e.budget }

// TestBudget: a call whose result would exceed its evaluation's budget
// fails before it is made, however large the value it would write out
// (an array holding one big string a million times over), and a
// budget once spent stays spent.
func TestBudget(t *testing.T) {
	big := strings.Repeat("x", 100_000)
	many := make([]any, 1_000_000)
	for i := range many {
		many[i] = big
	}
	doc := value.MustParse(`{"small":"abc"}`)
	tests := []struct {
		call   string
		budget int
		fails  bool
	}{
		{`States.Format('{}', $.small)`, 1000, false},
		{`States.Format('{}{}{}{}', $.big, $.big, $.big, $.big)`, 350_000, true},
		{`States.Format('{}{}{}{}', $.big, $.big, $.big, $.big)`, 450_000, false},
		// An array is written with ", " between items: longer than its JSON.
		{`States.Format('{}', $.ones)`, 250_000, true},
		{`States.Format('{}', $.ones)`, 450_000, false},
		{`States.JsonToString($.many)`, 64 << 20, true},
		{`States.JsonToString(States.Array($.big, $.big))`, 64 << 20, false},
		{`States.StringSplit($.big, ',')`, 1 << 20, true},
		{`States.ArrayPartition($.many, 1)`, 64 << 20, true},
	}
	for _, tt := range tests {
		c, err := Parse(tt.call)
		if err != nil {
			t.Fatal(err)
		}
		env := testEnv{doc: doc, budget: value.NewBudget(tt.budget)}
		env.doc = docWith(doc, big, many)
		_, err = c.Eval(env)
		f, isFailure := failure.From(err)
		switch {
		case tt.fails && (!isFailure || f.Error != failure.IntrinsicFailure || !strings.Contains(f.Cause, "memory")):
			t.Errorf("%s within %d: %v, want a failure for its size", tt.call, tt.budget, err)
		case !tt.fails && err != nil:
			t.Errorf("%s within %d: %v", tt.call, tt.budget, err)
		}
	}
}

func docWith(doc any, big string, many []any) any {
	o := doc.(*value.Object)
	ones := make([]any, 100_000)
	for i := range ones {
		ones[i] = value.Number("1")
	}
	return o.With("big", big).With("many", many).With("ones", ones)
}

func TestEval(t *testing.T) {
	doc := value.MustParse(`{"s":"a,b,,c","n":3,"f":1.5,"arr":[1,2,2,{"a":1},{"a":1}],"o1":{"a":1,"b":2},"o2":{"b":3,"c":4},
		"tmpl":"x={} y={}","json":"{\"k\":[1,2]}","empty":"","name":"Wor'ld","rec":{"Arg1": 1, "Arg2": []},
		"nested":{"s":"a \"q\" \\ é","n":[null,true,false,-2.5e3,1.50],"o":{}},"emptyObj":{},"emptyArr":[],"quote":"say \"hi\"\n"}`)
	tests := []struct{ call, want, err string }{
		{`States.Format('Hello, {}!', $.name)`, `"Hello, Wor'ld!"`, ""},
		{`States.Format('{} {} {} {}', 1, true, null, 'x')`, `"1 true null x"`, ""},
		{`States.Format('a \{\} \\ \' {}', 1)`, `"a {} \\ ' 1"`, ""},
		{`States.Format($.tmpl, 1, 2)`, `"x=1 y=2"`, ""},
		// Objects and arrays are written as Java writes maps and lists
		// (AWS formats {"Arg1": 1, "Arg2": []} as {Arg1=1, Arg2=[]}).
		{`States.Format('{}', $.arr)`, `"[1, 2, 2, {a=1}, {a=1}]"`, ""},
		{`States.Format('{} and {}', $.o1, $.rec)`, `"{a=1, b=2} and {Arg1=1, Arg2=[]}"`, ""},
		{`States.Format('{}|{}|{}', $.nested, $.emptyObj, $.emptyArr)`, `"{s=a \"q\" \\ é, n=[null, true, false, -2.5e3, 1.50], o={}}|{}|[]"`, ""},
		{`States.Format('{}', States.Array('x', 'y'))`, `"[x, y]"`, ""},
		// Numbers keep their literal text; strings are written as they are.
		{`States.Format('{} {} {}', $.f, -2.5e3, $.quote)`, `"1.5 -2.5e3 say \"hi\"\n"`, ""},
		{`States.Format('{} {}', 1)`, "", "more placeholders"},
		{`States.Format('{}', 1, 2)`, "", "has 1 placeholders but 2 arguments"},
		{`States.StringToJson($.json)`, `{"k":[1,2]}`, ""},
		{`States.StringToJson($.empty)`, `null`, ""},
		{`States.StringToJson('{')`, "", "not valid JSON"},
		{`States.JsonToString($.o1)`, `"{\"a\":1,\"b\":2}"`, ""},
		{`States.Array()`, `[]`, ""},
		{`States.Array(1, 'two', $.n, States.Array(null))`, `[1,"two",3,[null]]`, ""},
		{`States.ArrayPartition($.arr, 2)`, `[[1,2],[2,{"a":1}],[{"a":1}]]`, ""},
		{`States.ArrayPartition($.arr, 0)`, "", "positive"},
		{`States.ArrayContains($.arr, $.o1)`, `false`, ""},
		{`States.ArrayContains($.arr, States.StringToJson('{"a":1}'))`, `true`, ""},
		{`States.ArrayRange(1, 9, 2)`, `[1,3,5,7,9]`, ""},
		{`States.ArrayRange(10, 1, -3)`, `[10,7,4,1]`, ""},
		{`States.ArrayRange(1, 0, 1)`, `[]`, ""},
		{`States.ArrayRange(0, 1000, 1)`, "", "limit of 1000"},
		{`States.ArrayRange(0, 1, 0)`, "", "step"},
		{`States.ArrayGetItem($.arr, 3)`, `{"a":1}`, ""},
		{`States.ArrayGetItem($.arr, 5)`, "", "out of bounds"},
		{`States.ArrayLength($.arr)`, `5`, ""},
		{`States.ArrayLength($.n)`, "", "must be an array"},
		{`States.ArrayUnique($.arr)`, `[1,2,{"a":1}]`, ""},
		{`States.Base64Encode('Data to encode')`, `"RGF0YSB0byBlbmNvZGU="`, ""},
		{`States.Base64Decode('RGF0YSB0byBlbmNvZGU=')`, `"Data to encode"`, ""},
		{`States.Base64Decode('***')`, "", "base64"},
		{`States.Hash('input data', 'SHA-1')`, `"aaff4a450a104cd177d28d18d74485e8cae074b7"`, ""},
		{`States.Hash('input data', 'SHA-512')`, `"6ce4adb348546d4f449c4d25aad9a7c9cb711d9e91982d3f0b29ca2f3f47d4ce2deba23bf2954f0f1d593fc50283731a533d30d425402d4f91316d871303aac4"`, ""},
		{`States.Hash('x', 'SHA-3')`, "", "algorithm"},
		{`States.JsonMerge($.o1, $.o2, false)`, `{"a":1,"b":3,"c":4}`, ""},
		{`States.JsonMerge($.o1, $.o2, true)`, "", "deep"},
		{`States.MathAdd($.n, -1)`, `2`, ""},
		{`States.MathAdd($.f, 0)`, `2`, ""},
		{`States.MathAdd(-1.5, 0)`, `-1`, ""},
		{`States.MathAdd('1', 0)`, "", "must be a number"},
		{`States.MathAdd(1)`, "", "expected 2 arguments but got 1"},
		{`States.StringSplit($.s, ',')`, `["a","b","c"]`, ""},
		{`States.StringSplit('a.b+c', '.+')`, `["a","b","c"]`, ""},
		{`States.ArrayGetItem(States.StringSplit($.s, ','), States.MathAdd(States.ArrayLength(States.StringSplit($.s, ',')), -1))`, `"c"`, ""},
		{`States.MathRandom(1, 2)`, `1`, ""},
		{`States.MathRandom(5, 5)`, "", "greater"},
		{`States.Format('{}', $.missing)`, "", "missing $.missing"},
	}
	env := testEnv{doc: doc}
	for _, tt := range tests {
		c, err := Parse(tt.call)
		if err != nil {
			t.Errorf("Parse(%s): %v", tt.call, err)
			continue
		}
		got, err := c.Eval(env)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: error %v, want one containing %q", tt.call, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.call, err)
			continue
		}
		if s := value.String(got); s != tt.want {
			t.Errorf("%s = %s, want %s", tt.call, s, tt.want)
		}
	}
}

func TestIntrinsicFailureName(t *testing.T) {
	c, _ := Parse(`States.ArrayLength(1)`)
	_, err := c.Eval(testEnv{})
	f, ok := failure.From(err)
	if !ok || f.Error != failure.IntrinsicFailure {
		t.Errorf("got %v", err)
	}
}

func TestUUIDAndSeededRandom(t *testing.T) {
	c, _ := Parse(`States.UUID()`)
	v, _ := c.Eval(testEnv{})
	s := v.(string)
	if len(s) != 36 || s[14] != '4' || !strings.ContainsRune("89ab", rune(s[19])) {
		t.Errorf("UUID %s", s)
	}
	c, _ = Parse(`States.MathRandom(0, 1000000, 7)`)
	a, _ := c.Eval(testEnv{})
	b, _ := c.Eval(testEnv{})
	if a != b {
		t.Errorf("seeded MathRandom differs: %v %v", a, b)
	}
}

func TestParseErrors(t *testing.T) {
	for _, s := range []string{
		`States.Nope()`, `States.Format(`, `States.Format('x'`, `States.Format('x' 'y')`, `States.Format('unterminated)`,
		`States.Format('He said, \"Hi\"')`, `States.Array($.a b)`, `States.Array(@)`, `States.Array(1) x`,
		`States.Array(` + strings.Repeat(`States.Array(`, 10) + strings.Repeat(`)`, 11),
		`States.Array($.[)`,
	} {
		_, err := Parse(s)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("Parse(%s) = %v, want a syntax error", s, err)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	for _, s := range []string{`States.Format('a\{b\} {}', $.x)`, `States.Array(1, true, null, $$.Execution.Id, States.UUID())`} {
		c, err := Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		if c.String() != s {
			t.Errorf("String() = %s, want %s", c.String(), s)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{`States.Format('{} {}', $.a, 'b')`, `States.Array(1, -2.5e3, true, null)`, `States.MathAdd(States.ArrayLength($.x), 1)`, `States.StringSplit('a\'b', ',')`} {
		f.Add(s)
	}
	env := testEnv{doc: value.MustParse(`{"a":"x","x":[1,2]}`)}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse(s)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if _, err := c.Eval(env); err != nil {
			if _, ok := failure.From(err); !ok {
				t.Fatalf("evaluation error is not a failure: %v", err)
			}
		}
		if _, err := Parse(c.String()); err != nil {
			t.Fatalf("re-parse of %s: %v", c.String(), err)
		}
	})
}
