package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// These tests build the real binary and run it as a user would.

var binary string

func TestMain(m *testing.M) {
	if addr := os.Getenv("BATON_NULL_SERVER"); addr != "" {
		nullServer(addr) // a benchmark's calibration server, in a process of its own
		return
	}
	dir, err := os.MkdirTemp("", "baton-cli")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "baton")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		panic(string(out))
	}
	code := m.Run()
	if err := os.RemoveAll(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.Exit(code)
}

type result struct {
	stdout, stderr string
	code           int
}

func cli(t *testing.T, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{out.String(), errb.String(), code}
}

func write(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const passDef = `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"hi.$":"$.name"},"End":true}}}`

func TestValidate(t *testing.T) {
	t.Parallel()
	good := write(t, "good.json", passDef)
	bad := write(t, "bad.json", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"C":{"Type":"Succeed"}}}`)
	if r := cli(t, "validate", good); r.code != 0 || r.stdout != good+": valid\n" {
		t.Errorf("valid file: %+v", r)
	}
	r := cli(t, "validate", good, bad)
	if r.code != 1 {
		t.Errorf("exit %d, want 1", r.code)
	}
	want := good + ": valid\n" +
		bad + ": /States/A/Next: Missing 'Next' target: B (MISSING_TRANSITION_TARGET)\n" +
		bad + ": /States/C: State \"C\" is not reachable. (MISSING_TRANSITION_TARGET)\n"
	if r.stdout != want {
		t.Errorf("output:\n%s\nwant:\n%s", r.stdout, want)
	}
	if r := cli(t, "validate"); r.code != 2 {
		t.Errorf("no file: exit %d", r.code)
	}
	if r := cli(t, "validate", filepath.Join(t.TempDir(), "missing.json")); r.code != 1 {
		t.Errorf("missing file: exit %d", r.code)
	}
}

func TestRun(t *testing.T) {
	t.Parallel()
	def := write(t, "def.json", passDef)
	if r := cli(t, "run", def, "--input", `{"name":"x"}`); r.code != 0 || r.stdout != `{"hi":"x"}`+"\n" {
		t.Errorf("plain run: %+v", r)
	}
	in := write(t, "in.json", `{"name":"from file"}`)
	if r := cli(t, "run", "--input", "@"+in, def); r.code != 0 || r.stdout != `{"hi":"from file"}`+"\n" {
		t.Errorf("input file: %+v", r)
	}
	r := cli(t, "run", def, "--input", `{"name":1}`, "--json", "--history")
	var got struct {
		Status  string
		Output  map[string]any
		History []map[string]any
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || r.code != 0 {
		t.Fatalf("--json: %v %+v", err, r)
	}
	if got.Status != "SUCCEEDED" || got.Output["hi"] != 1.0 || len(got.History) != 4 || got.History[1]["type"] != "PassStateEntered" {
		t.Errorf("--json --history: %s", r.stdout)
	}

	failing := write(t, "fail.yaml", "StartAt: F\nStates:\n  F:\n    Type: Fail\n    Error: Nope\n    Cause: not today\n")
	r = cli(t, "run", failing)
	if r.code != 1 || r.stderr != "Nope: not today\n" || r.stdout != "" {
		t.Errorf("failed run: %+v", r)
	}
	r = cli(t, "run", failing, "--json")
	if r.code != 1 || strings.TrimSpace(r.stdout) != `{"status":"FAILED","error":"Nope","cause":"not today"}` {
		t.Errorf("failed run --json: %+v", r)
	}
	invalid := write(t, "invalid.json", `{"StartAt":"X","States":{}}`)
	if r := cli(t, "run", invalid); r.code != 2 || !strings.Contains(r.stderr, "MISSING_TRANSITION_TARGET") {
		t.Errorf("invalid definition: %+v", r)
	}
	if r := cli(t, "run", def, "--input", "{nope"); r.code != 2 {
		t.Errorf("bad input: %+v", r)
	}
	if r := cli(t, "run"); r.code != 2 {
		t.Errorf("no file: %+v", r)
	}
	if r := cli(t, "frobnicate"); r.code != 2 {
		t.Errorf("unknown command: %+v", r)
	}
	task := write(t, "task.json", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}}`)
	if r := cli(t, "run", task); r.code != 1 || !strings.Contains(r.stderr, "is not available here. Mock the state") {
		t.Errorf("task without handler: %+v", r)
	}
}

func TestBench(t *testing.T) {
	t.Parallel()
	def := write(t, "def.json", passDef)
	r := cli(t, "bench", def, "--input", `{"name":"b"}`, "--executions", "500", "--concurrency", "4", "--json")
	var got map[string]float64
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || r.code != 0 {
		t.Fatalf("%v %+v", err, r)
	}
	if got["executions"] != 500 || got["transitions"] != 500 || got["executions_per_s"] <= 0 || got["transitions_per_s"] <= 0 {
		t.Errorf("report %v", got)
	}
	r = cli(t, "bench", def, "--input", `{"name":"b"}`, "--executions", "10")
	if r.code != 0 || !strings.Contains(r.stdout, "executions/s") || !strings.Contains(r.stdout, "p99") {
		t.Errorf("human report: %+v", r)
	}
	failing := write(t, "fail.json", `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E"}}}`)
	if r := cli(t, "bench", failing, "--executions", "3"); r.code != 1 {
		t.Errorf("failing executions must fail the bench: %+v", r)
	}
}

func TestGraph(t *testing.T) {
	t.Parallel()
	def := write(t, "def.json", `{"StartAt":"C","States":{
		"C":{"Type":"Choice","Choices":[{"Variable":"$.x","NumericEquals":1,"Next":"P"}],"Default":"M"},
		"P":{"Type":"Parallel","Branches":[{"StartAt":"B1","States":{"B1":{"Type":"Pass","End":true}}}],"Next":"T"},
		"M":{"Type":"Map","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"Next":"T"},
		"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Catch":[{"ErrorEquals":["States.ALL"],"Next":"F"}],"End":true},
		"F":{"Type":"Fail"}}}`)
	r := cli(t, "graph", def, "--format", "mermaid")
	for _, want := range []string{"flowchart TD", `s1 -->|"$.x NumericEquals 1"| s2`, `s1 -.->|"Default"| s4`, "subgraph s2_branches", "subgraph s4_items", `-.->|"Catch States.ALL"|`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("mermaid lacks %q:\n%s", want, r.stdout)
		}
	}
	r = cli(t, "graph", def, "--format", "dot")
	for _, want := range []string{"digraph StateMachine", "subgraph cluster_s2_branches", `label="Default", style=dashed`, `label="Catch States.ALL", style=dashed, color=red`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("dot lacks %q:\n%s", want, r.stdout)
		}
	}
	if r := cli(t, "graph", def, "--format", "png"); r.code != 2 {
		t.Errorf("bad format: %+v", r)
	}
}

func TestExamples(t *testing.T) {
	t.Parallel()
	r := cli(t, "run", "../../examples/orders.yaml", "--input", "@../../examples/orders.input.json")
	if r.code != 0 || !strings.Contains(r.stdout, `"discountPercent":10`) {
		t.Errorf("orders example: %+v", r)
	}
	r = cli(t, "run", "../../examples/hello.json", "--input", `{"name":"Baton"}`)
	if r.code != 0 || r.stdout != `{"greeting":"Hello, Baton!"}`+"\n" {
		t.Errorf("hello example: %+v", r)
	}
}
