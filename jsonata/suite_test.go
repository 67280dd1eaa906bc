package jsonata

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/baton-sh/baton/internal/corpus"
)

// TestSuite runs the official JSONata test suite (jsonata-js 2.0.6), found
// at ../shared/jsonata-suite next to the repository or where
// BATON_JSONATA_SUITE points. Cases that depend on JavaScript-only
// behaviour are listed in testdata/known_failures.txt with their reason;
// the list only shrinks: a listed case that passes fails the test.
func TestSuite(t *testing.T) {
	dir, err := corpus.Find(suiteEnv, "jsonata-suite")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); err != nil {
		if corpus.Required() {
			t.Fatalf("the JSONata test suite is not at %s (set %s): %v", dir, suiteEnv, err)
		}
		t.Skipf("the JSONata test suite is not at %s (set %s): %v", dir, suiteEnv, err)
	}
	known := readKnownFailures(t)
	datasets := map[string]any{}
	entries, err := os.ReadDir(filepath.Join(dir, "datasets"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, "datasets", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		v, err := ParseJSON(data)
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		datasets[strings.TrimSuffix(e.Name(), ".json")] = v
	}
	groups, err := os.ReadDir(filepath.Join(dir, "groups"))
	if err != nil {
		t.Fatal(err)
	}
	total, passed := 0, 0
	seen := map[string]bool{}
	for _, g := range groups {
		files, _ := filepath.Glob(filepath.Join(dir, "groups", g.Name(), "*.json"))
		sort.Strings(files)
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			doc, err := ParseJSON(data)
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			cases := []any{doc}
			if list, ok := doc.([]any); ok {
				cases = list
			}
			for i, c := range cases {
				name := g.Name() + "/" + filepath.Base(file)
				if len(cases) > 1 {
					name += fmt.Sprintf("#%d", i)
				}
				total++
				seen[name] = true
				failure := runCase(c.(*Map), filepath.Dir(file), datasets)
				reason, isKnown := known[name]
				switch {
				case failure == "" && isKnown:
					t.Errorf("%s passes but is listed as a known failure (%s): remove it from the list", name, reason)
				case failure == "":
					passed++
				case !isKnown:
					t.Errorf("%s: %s", name, failure)
				}
			}
		}
	}
	for name := range known {
		if !seen[name] {
			t.Errorf("known failure %s is not in the suite", name)
		}
	}
	t.Logf("JSONata suite: %d of %d cases pass, %d known failures", passed, total, len(known))
}

// suiteEnv names the suite's folder when it is not at
// ../shared/jsonata-suite beside the repository.
const suiteEnv = "BATON_JSONATA_SUITE"

// TestMain says, even without -v, that the suite does not run when it is
// missing.
func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := corpus.Find(suiteEnv, "jsonata-suite")
	if err == nil {
		_, err = os.Stat(dir)
	}
	if err != nil {
		verdict := "SKIPPED (TestSuite)"
		if corpus.Required() {
			verdict = "FAILS, as CI is set"
		}
		corpus.Missing(fmt.Sprintf("jsonata: the JSONata test suite is not at %s (set %s; see the README's Conformance): the suite %s", dir, suiteEnv, verdict))
	}
	os.Exit(m.Run())
}

func readKnownFailures(t *testing.T) map[string]string {
	known := map[string]string{}
	f, err := os.Open(filepath.Join("testdata", "known_failures.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, reason, ok := strings.Cut(line, ": ")
		if !ok || strings.TrimSpace(reason) == "" {
			t.Fatalf("known_failures.txt: %q needs a reason", line)
		}
		known[name] = reason
	}
	return known
}

// runCase runs one case and returns what went wrong, or "".
func runCase(c *Map, dir string, datasets map[string]any) (failure string) {
	field := func(k string) (any, bool) { return c.Get(k) }
	src, _ := field("expr")
	if file, ok := field("expr-file"); ok {
		data, err := os.ReadFile(filepath.Join(dir, file.(string)))
		if err != nil {
			return err.Error()
		}
		src = string(data)
	}
	var input any = Undefined
	if d, ok := field("data"); ok {
		input = d
	} else if ds, ok := field("dataset"); ok && ds != nil {
		input = datasets[ds.(string)]
	}
	opts := &Options{}
	if b, ok := field("bindings"); ok {
		if m, ok := b.(*Map); ok && m.Len() > 0 {
			opts.Bindings = map[string]any{}
			for k, v := range m.All() {
				opts.Bindings[k] = v
			}
		}
	}
	// A case's timelimit is jsonata-js's wall-clock bound: every case
	// runs with the default budget instead, which must suffice.
	if d, ok := field("depth"); ok {
		opts.MaxDepth = int(d.(float64))
	}
	defer func() {
		if r := recover(); r != nil {
			failure = fmt.Sprintf("panic: %v", r)
		}
	}()
	var result any
	var err error
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("panic: %v", r)
			}
		}()
		var e *Expression
		e, err = Compile(src.(string))
		if err == nil {
			result, err = e.Evaluate(input, opts)
		}
	}()
	// A hang detector, not a time limit: a case that runs out its work
	// budget (5 seconds of work, tail-recursion/case006) takes several
	// times that under the race detector on a busy machine.
	hang := 30 * time.Second
	if raceEnabled {
		hang = 5 * time.Minute
	}
	select {
	case <-done:
	case <-time.After(hang):
		return "hangs"
	}
	expectCode := ""
	var expectErr *Map
	if code, ok := field("code"); ok {
		expectCode = code.(string)
	}
	if e, ok := field("error"); ok {
		expectErr = e.(*Map)
		code, _ := expectErr.Get("code")
		expectCode, _ = code.(string)
	}
	if expectCode != "" {
		if err == nil {
			return fmt.Sprintf("expected error %s, got result %s", expectCode, MarshalJSON(result))
		}
		je, ok := err.(*Error)
		if !ok {
			return fmt.Sprintf("expected error %s, got %v", expectCode, err)
		}
		if je.Code != expectCode {
			return fmt.Sprintf("expected error %s, got %v", expectCode, err)
		}
		if expectErr != nil {
			for k, want := range expectErr.All() {
				var got any
				switch k {
				case "code":
					continue
				case "message":
					got = je.Text()
				case "token":
					got = je.Token
				case "functionName":
					got = je.FunctionName
				case "value":
					got = je.Value
				default:
					return "unknown error field " + k
				}
				if !apiEqual(got, want) {
					return fmt.Sprintf("error %s: %s is %s, want %s", je.Code, k, MarshalJSON(got), MarshalJSON(want))
				}
			}
		}
		if tok, ok := field("token"); ok && je.Token != tok {
			return fmt.Sprintf("error %s: token is %q, want %q", je.Code, je.Token, tok)
		}
		return ""
	}
	if err != nil {
		return "error: " + err.Error()
	}
	if u, ok := field("undefinedResult"); ok && u == true {
		if result != Undefined {
			return fmt.Sprintf("expected undefined, got %s", MarshalJSON(result))
		}
		return ""
	}
	want, ok := field("result")
	if !ok {
		return "case has no outcome"
	}
	if result == Undefined {
		return fmt.Sprintf("got undefined, want %s", MarshalJSON(want))
	}
	if !apiEqual(result, want) {
		return fmt.Sprintf("got %s, want %s", MarshalJSON(result), MarshalJSON(want))
	}
	return ""
}

// apiEqual compares API-model values: numbers by value, objects whatever
// their member order.
func apiEqual(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case float64:
		y, ok := b.(float64)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !apiEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case *Map:
		y, ok := b.(*Map)
		if !ok || x.Len() != y.Len() {
			return false
		}
		for k, v := range x.All() {
			w, ok := y.Get(k)
			if !ok || !apiEqual(v, w) {
				return false
			}
		}
		return true
	}
	return false
}
