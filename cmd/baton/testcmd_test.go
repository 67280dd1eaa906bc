package main

import (
	"encoding/json"
	"encoding/xml"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The example's test files pass in CI: with every task mocked, and with
// its functions running as real commands.
func TestExampleOrderPipeline(t *testing.T) {
	t.Parallel()
	files := must(filepath.Glob(filepath.Join("..", "..", "examples", "order-pipeline", "*.test.yaml")))(t)
	if len(files) != 2 {
		t.Fatalf("test files: %v", files)
	}
	r := cli(t, append([]string{"test"}, files...)...)
	if r.code != 0 || !strings.HasSuffix(r.stdout, "12 passed, 0 failed\n") {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestTestCommandReportsFailures(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	check(t, os.WriteFile(filepath.Join(dir, "m.json"), []byte(`{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","Parameters":{"QueueUrl":"q","MessageBody":"b"},"Next":"W"},
		"W":{"Type":"Wait","Seconds":86400,"End":true}}}`), 0o644))
	check(t, os.WriteFile(filepath.Join(dir, "mocks.json"), []byte(`{"StateMachines":{"m":{"TestCases":{"Sent":{"T":"Ok"}}}},"MockedResponses":{"Ok":{"0":{"Return":{"MessageId":"1"}}}}}`), 0o644))
	check(t, os.WriteFile(filepath.Join(dir, "m.test.yaml"), []byte(`definition: m.json
mocks: mocks.json
cases:
  - name: sent, and the day-long wait takes no time
    testCase: Sent
    expect: {output: {MessageId: "1"}}
  - name: wrong expectation
    testCase: Sent
    expect: {output: {MessageId: "2"}}
  - name: not mocked
    expect: {status: SUCCEEDED}
`), 0o644))
	r := cli(t, "test", filepath.Join(dir, "m.test.yaml"))
	if r.code != 1 || !strings.Contains(r.stdout, "PASS  ") || !strings.Contains(r.stdout, "wrong expectation: the output differs (- expected, + actual):\n        {\n      -   \"MessageId\": \"2\"\n      +   \"MessageId\": \"1\"\n        }\n") ||
		!strings.Contains(r.stdout, "not mocked: status FAILED, want SUCCEEDED (States.TaskFailed: The resource 'arn:aws:states:::sqs:sendMessage' of the state 'T' is not available here") ||
		!strings.HasSuffix(r.stdout, "1 passed, 2 failed\n") {
		t.Errorf("exit %d\n%s", r.code, r.stdout)
	}
	check(t, os.WriteFile(filepath.Join(dir, "bad.test.yaml"), []byte("definition: m.json\ncases: [{nmae: typo}]\n"), 0o644))
	if r := cli(t, "test", filepath.Join(dir, "bad.test.yaml")); r.code != 1 || !strings.Contains(r.stdout, "not a test file") {
		t.Errorf("bad file: exit %d\n%s", r.code, r.stdout)
	}
	// baton run takes the same mock config and a test case.
	check(t, os.WriteFile(filepath.Join(dir, "n.json"), []byte(`{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","Parameters":{"QueueUrl":"q","MessageBody":"b"},"End":true}}}`), 0o644))
	r = cli(t, "run", filepath.Join(dir, "n.json"), "--mock-config", filepath.Join(dir, "mocks.json"), "--test-case", "Sent")
	if r.code != 0 || strings.TrimSpace(r.stdout) != `{"MessageId":"1"}` {
		t.Errorf("run with a test case: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := cli(t, "run", filepath.Join(dir, "n.json"), "--mock-config", filepath.Join(dir, "mocks.json"), "--test-case", "Nope"); r.code != 2 || !strings.Contains(r.stderr, `no test case "Nope"`) {
		t.Errorf("unknown test case: exit %d %s", r.code, r.stderr)
	}
}

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		check(t, os.MkdirAll(filepath.Dir(path), 0o755))
		check(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	check(t, err)
	if got != string(want) {
		t.Errorf("%s differs; got:\n%s\nwant:\n%s", path, got, want)
	}
}

func TestJSONDiff(t *testing.T) {
	t.Parallel()
	long := func(change string) string {
		var b strings.Builder
		b.WriteString(`{"a":"o-1"`)
		for i := range 12 {
			fmt.Fprintf(&b, `,"f%02d":%d`, i, i)
		}
		return b.String() + change + "}"
	}
	for _, tc := range []struct{ name, want, got string }{
		{"changed-member", `{"orderId":"o-1","total":50}`, `{"orderId":"o-1","total":51}`},
		{"member-order-is-not-a-difference", `{"b":1,"a":{"y":2,"x":1}}`, `{"a":{"x":1,"y":3},"b":1}`},
		{"array-grows", `{"lines":["a","b"]}`, `{"lines":["a","x","b","c"]}`},
		{"far-apart-changes-elide-the-middle", long(`,"z":1`), strings.Replace(long(`,"z":2`), `"a":"o-1"`, `"a":"o-2"`, 1)},
		{"type-changes", `[1,"1",null]`, `{"1":1}`},
		{"numbers-are-compared-as-written", `{"n":1.50,"big":12345678901234567890}`, `{"n":1.5,"big":12345678901234567891}`},
		{"not-json-is-shown-as-it-is", `{"a":`, `"text"`},
		{"strings-as-written", `{"html":"<b>&amp;</b>","é":"\u00e9"}`, `{"html":"<i>&amp;</i>","é":"é"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			golden(t, filepath.Join("diff", tc.name+".golden"), jsonDiff([]byte(tc.want), []byte(tc.got)))
		})
	}
}

// testFixture writes a definition, mocks and a test file with cases that
// pass and cases that fail in each way, and a file that cannot be loaded.
func testFixture(t *testing.T) (dir, good, bad string) {
	t.Helper()
	dir = t.TempDir()
	check(t, os.WriteFile(filepath.Join(dir, "order.json"), []byte(`{"StartAt":"Ship","States":{"Ship":{"Type":"Pass",
		"Parameters":{"order.$":"$.order","total.$":"$.total","lines.$":"$.lines","status":"shipped"},"End":true}}}`), 0o644))
	good = filepath.Join(dir, "order.test.yaml")
	check(t, os.WriteFile(good, []byte(`definition: order.json
cases:
  - name: shipped
    input: {order: o-1, total: 5, lines: [a, b]}
    expect: {output: {order: o-1, total: 5, lines: [a, b], status: shipped}}
  - name: the total and lines differ
    input: {order: o-1, total: 5, lines: [a, b]}
    expect: {output: {order: o-1, total: 6, lines: [a, b, c], status: shipped}}
  - name: the status differs
    input: {order: o-1, total: 5, lines: []}
    expect: {status: FAILED}
`), 0o644))
	bad = filepath.Join(dir, "broken.test.yaml")
	check(t, os.WriteFile(bad, []byte("definition: missing.json\ncases: []\n"), 0o644))
	return dir, good, bad
}

// The text report: a line per case, a diff under a mismatched output.
func TestTestMismatchReport(t *testing.T) {
	t.Parallel()
	dir, good, bad := testFixture(t)
	r := cli(t, "test", good, bad)
	if r.code != 1 {
		t.Errorf("exit %d, want 1: %s", r.code, r.stderr)
	}
	out := strings.ReplaceAll(r.stdout, dir+string(filepath.Separator), "DIR/")
	out = regexp.MustCompile(`\([0-9.]+[µnm]?s\)\n`).ReplaceAllString(out, "(TIME)\n")
	golden(t, "test-mismatch.golden", out)

	// -v adds the history's event types under each failing case.
	r = cli(t, "test", "-v", good)
	if want := "FAIL  " + good + ": the status differs: status SUCCEEDED, want FAILED\n" +
		"      events: ExecutionStarted, PassStateEntered, PassStateExited, ExecutionSucceeded\n"; r.code != 1 || !strings.Contains(r.stdout, want) ||
		strings.Count(r.stdout, "events: ") != 2 {
		t.Errorf("-v: exit %d\n%s", r.code, r.stdout)
	}
}

func TestTestJSONReport(t *testing.T) {
	t.Parallel()
	_, good, bad := testFixture(t)
	r := cli(t, "test", "--json", good, bad)
	var got struct {
		Passed, Failed int
		Files          []struct {
			File, Error string
			Cases       []struct {
				Name          string
				Passed        bool
				Seconds       float64
				Problem, Diff string
				Events        []string
			}
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("exit %d: %v\n%s%s", r.code, err, r.stdout, r.stderr)
	}
	if r.code != 1 || got.Passed != 1 || got.Failed != 3 || len(got.Files) != 2 {
		t.Fatalf("exit %d: %+v", r.code, got)
	}
	cases := got.Files[0].Cases
	if len(cases) != 3 || !cases[0].Passed || cases[0].Problem != "" || cases[0].Events != nil || cases[0].Seconds <= 0 ||
		cases[1].Passed || !strings.Contains(cases[1].Diff, "-   \"total\": 6\n+   \"total\": 5\n") ||
		cases[2].Problem != "status SUCCEEDED, want FAILED" || strings.Join(cases[2].Events, ",") != "ExecutionStarted,PassStateEntered,PassStateExited,ExecutionSucceeded" {
		t.Errorf("cases: %+v", cases)
	}
	if got.Files[1].File != bad || !strings.Contains(got.Files[1].Error, "missing.json") || len(got.Files[1].Cases) != 0 {
		t.Errorf("the file that cannot be loaded: %+v", got.Files[1])
	}
}

// The JUnit report, read back as a CI system reads it.
func TestTestJUnit(t *testing.T) {
	t.Parallel()
	dir, good, bad := testFixture(t)
	report := filepath.Join(dir, "out", "junit.xml")
	if r := cli(t, "test", "--junit", report, good); r.code != 2 || !strings.Contains(r.stderr, "cannot write the JUnit report: open "+report) ||
		!strings.HasSuffix(r.stdout, "1 passed, 2 failed\n") {
		t.Errorf("a report that cannot be written: exit %d %s", r.code, r.stderr)
	}
	check(t, os.MkdirAll(filepath.Dir(report), 0o755))
	r := cli(t, "test", good, bad, "--junit", report)
	if r.code != 1 || !strings.HasSuffix(r.stdout, "1 passed, 3 failed\n") {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	type problem struct {
		Message string `xml:"message,attr"`
		Text    string `xml:",chardata"`
	}
	var got struct {
		XMLName  xml.Name
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Errors   int `xml:"errors,attr"`
		Suites   []struct {
			Name     string `xml:"name,attr"`
			Tests    int    `xml:"tests,attr"`
			Failures int    `xml:"failures,attr"`
			Errors   int    `xml:"errors,attr"`
			Cases    []struct {
				Name      string   `xml:"name,attr"`
				ClassName string   `xml:"classname,attr"`
				Time      float64  `xml:"time,attr"`
				Failure   *problem `xml:"failure"`
				Error     *problem `xml:"error"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	data, err := os.ReadFile(report)
	check(t, err)
	if err := xml.Unmarshal(data, &got); err != nil {
		t.Fatalf("exit %d: %v\n%s", r.code, err, data)
	}
	if got.XMLName.Local != "testsuites" || got.Tests != 4 || got.Failures != 2 || got.Errors != 1 || len(got.Suites) != 2 {
		t.Fatalf("%s", data)
	}
	s := got.Suites[0]
	if s.Name != good || s.Tests != 3 || s.Failures != 2 || len(s.Cases) != 3 {
		t.Fatalf("suite: %+v", s)
	}
	if c := s.Cases[0]; c.Name != "shipped" || c.ClassName != good || c.Failure != nil || c.Error != nil {
		t.Errorf("passing case: %+v", c)
	}
	if c := s.Cases[1]; c.Failure == nil || c.Failure.Message != "the output differs (- expected, + actual):" || !strings.Contains(c.Failure.Text, "+   \"total\": 5\n") {
		t.Errorf("mismatched output: %+v", c)
	}
	if c := s.Cases[2]; c.Failure == nil || c.Failure.Message != "status SUCCEEDED, want FAILED" || !strings.Contains(c.Failure.Text, "events: ExecutionStarted,") {
		t.Errorf("mismatched status: %+v", c)
	}
	if b := got.Suites[1]; b.Errors != 1 || len(b.Cases) != 1 || b.Cases[0].Error == nil || !strings.Contains(b.Cases[0].Error.Message, "missing.json") {
		t.Errorf("the file that cannot be loaded: %+v", b)
	}
}

// --type decides for every file; without it, a file's own type does.
func TestTestType(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// Express machines cannot wait for a task token: the definition
	// loads as a Standard machine only.
	check(t, os.WriteFile(filepath.Join(dir, "cb.json"), []byte(`{"StartAt":"Ask","States":{"Ask":{"Type":"Task",
		"Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","Parameters":{"QueueUrl":"q","MessageBody":{"t.$":"$$.Task.Token"}},"End":true}}}`), 0o644))
	check(t, os.WriteFile(filepath.Join(dir, "mocks.json"), []byte(`{"StateMachines":{"cb":{"TestCases":{"Ok":{"Ask":"Done"}}}},"MockedResponses":{"Done":{"0":{"Return":{"ok":true}}}}}`), 0o644))
	for _, tc := range []struct {
		name, fileType string
		flags          []string
		express        bool
	}{
		{"standard by default", "", nil, false},
		{"the file's type", "type: express\n", nil, true},
		{"the file's older spelling", "express: true\n", nil, true},
		{"--type overrides the file", "type: EXPRESS\n", []string{"--type", "standard"}, false},
		{"--type in any case", "", []string{"--type=Express"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "cb.test.yaml")
			check(t, os.WriteFile(file, []byte(tc.fileType+"definition: "+filepath.Join(dir, "cb.json")+"\nmocks: "+filepath.Join(dir, "mocks.json")+
				"\ncases: [{testCase: Ok, expect: {output: {ok: true}}}]\n"), 0o644))
			r := cli(t, append([]string{"test", file}, tc.flags...)...)
			refused := strings.Contains(r.stdout, "FAIL  "+file+": ") && strings.Contains(r.stdout, ".waitForTaskToken")
			if tc.express && (r.code != 1 || !refused) || !tc.express && (r.code != 0 || !strings.HasSuffix(r.stdout, "1 passed, 0 failed\n")) {
				t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
		})
	}
	if r := cli(t, "test", "--type", "batch", "x.test.yaml"); r.code != 2 || !strings.Contains(r.stderr, `"batch" is not a type`) {
		t.Errorf("bad --type: exit %d %s", r.code, r.stderr)
	}
	bad := filepath.Join(dir, "bad.test.yaml")
	check(t, os.WriteFile(bad, []byte("type: batch\ndefinition: cb.json\ncases: []\n"), 0o644))
	if r := cli(t, "test", bad); r.code != 1 || !strings.Contains(r.stdout, `type: "batch" is not a type`) {
		t.Errorf("bad type in the file: exit %d %s", r.code, r.stdout)
	}
}

// An edit script gives back both sides: b from its unchanged and added
// lines, a (trailing commas aside) from its unchanged and removed ones;
// and it is shortest: no line both removed and added could have been kept.
func TestDiffOps(t *testing.T) {
	t.Parallel()
	split := func(s string) []string {
		if s == "" {
			return nil
		}
		return strings.Split(s, " ")
	}
	for _, tc := range []struct {
		a, b  string
		edits int
	}{
		{"", "", 0},
		{"a b c", "a b c", 0},
		{"a b c", "", 3},
		{"", "x y", 2},
		{"a b c d", "a c d e", 2},
		{"a, b", "a b", 0},
		{"x a b c y", "a b c", 2},
		{"a b a b a", "b a b a b", 2},
		{"1 2 3 4 5 6", "6 5 4 3 2 1", 10},
		// Past maxDiffCells, the middles are removed and added whole.
		{numbered("a", 2100), numbered("b", 2100), 4200},
	} {
		a, b := split(tc.a), split(tc.b)
		ops := diffOps(a, b)
		var gotA, gotB []string
		edits := 0
		for _, op := range ops {
			switch op.kind {
			case ' ':
				gotA, gotB = append(gotA, op.line), append(gotB, op.line)
			case '-':
				gotA = append(gotA, op.line)
				edits++
			case '+':
				gotB = append(gotB, op.line)
				edits++
			}
		}
		trim := func(ls []string) string { return strings.ReplaceAll(strings.Join(ls, " "), ",", "") }
		if strings.Join(gotB, " ") != tc.b || trim(gotA) != strings.ReplaceAll(tc.a, ",", "") || edits != tc.edits {
			t.Errorf("%q -> %q: %v (%d edits, want %d)", tc.a, tc.b, ops, edits, tc.edits)
		}
	}
}

// numbered is "p0 p1 ... p(n-1)".
func numbered(p string, n int) string {
	words := make([]string, n)
	for i := range words {
		words[i] = p + strconv.Itoa(i)
	}
	return strings.Join(words, " ")
}
