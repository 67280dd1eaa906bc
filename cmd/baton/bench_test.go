package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// benchJSON runs baton bench with --json and reads its report.
func benchJSON(t *testing.T, args ...string) (map[string]float64, result) {
	t.Helper()
	r := cli(t, append([]string{"bench", "--json"}, args...)...)
	var got map[string]float64
	if r.code == 0 {
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatalf("%v: %s", err, r.stdout)
		}
	}
	return got, r
}

// A machine whose Task calls a function benchmarks with the baton.yaml
// that says where the function runs: here, a real HTTP endpoint.
func TestBenchConfig(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	fn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct{ X int }
		body, err := io.ReadAll(r.Body)
		if err == nil {
			err = json.Unmarshal(body, &in)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]int{"double": 2 * in.X})
	}))
	defer fn.Close()
	dir := t.TempDir()
	def := filepath.Join(dir, "double.json")
	check(t, os.WriteFile(def, []byte(`{"StartAt":"Double","States":{"Double":{"Type":"Task",
		"Resource":"arn:aws:lambda:us-east-1:123456789012:function:double","Next":"Check"},
		"Check":{"Type":"Choice","Choices":[{"Variable":"$.double","NumericEquals":42,"Next":"Done"}],"Default":"Wrong"},
		"Done":{"Type":"Succeed"},"Wrong":{"Type":"Fail","Error":"Wrong"}}}`), 0o644))
	cfg := filepath.Join(dir, "baton.yaml")
	check(t, os.WriteFile(cfg, []byte("functions:\n  double: {url: "+fn.URL+"}\n"), 0o644))

	got, r := benchJSON(t, def, "--config", cfg, "--input", `{"x":21}`, "--executions", "40", "--concurrency", "4")
	if r.code != 0 || got["executions"] != 40 || got["transitions"] != 120 || calls.Load() != 40 {
		t.Errorf("exit %d, %d calls: %v %s", r.code, calls.Load(), got, r.stderr)
	}
	if _, r := benchJSON(t, def, "--executions", "2"); r.code != 1 || !strings.Contains(r.stderr, "of the state 'Double' is not available here") {
		t.Errorf("without the config: exit %d %s", r.code, r.stderr)
	}
	if _, r := benchJSON(t, def, "--config", filepath.Join(dir, "missing.yaml")); r.code != 2 || !strings.Contains(r.stderr, "missing.yaml") {
		t.Errorf("a config that is not there: exit %d %s", r.code, r.stderr)
	}
}

// A machine whose Tasks are mocked benchmarks with the mock config's test
// case; --type says whether it runs as an Express machine.
func TestBenchMocks(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// An Express machine cannot wait for a task token, so this one loads as
	// a Standard machine only.
	def := filepath.Join(dir, "ask.json")
	check(t, os.WriteFile(def, []byte(`{"StartAt":"Ask","States":{"Ask":{"Type":"Task",
		"Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","Parameters":{"QueueUrl":"q","MessageBody":{"t.$":"$$.Task.Token"}},
		"Retry":[{"ErrorEquals":["Busy"],"IntervalSeconds":1,"BackoffRate":1}],"End":true}}}`), 0o644))
	mocks := filepath.Join(dir, "mocks.json")
	check(t, os.WriteFile(mocks, []byte(`{"StateMachines":{"Approvals":{"TestCases":{
		"Yes":{"Ask":"Approved"},"No":{"Ask":"Refused"}}}},
		"MockedResponses":{"Approved":{"0":{"Return":{"approved":true}}},"Refused":{"0":{"Throw":{"Error":"No","Cause":"refused"}}}}}`), 0o644))

	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"a test case that succeeds", []string{"--mock-config", mocks, "--test-case", "Yes"}, 0, ""},
		{"the standard type, in any case", []string{"--mock-config", mocks, "--test-case", "Yes", "--type", "Standard"}, 0, ""},
		{"--state-machine names the machine in the mocks", []string{"--mock-config", mocks, "--test-case", "Yes", "--state-machine", "Approvals"}, 0, ""},
		{"a test case that fails", []string{"--mock-config", mocks, "--test-case", "No"}, 1, "an execution did not succeed: FAILED No: refused"},
		{"a test case the mocks do not have", []string{"--mock-config", mocks, "--test-case", "Maybe"}, 2, `no test case "Maybe"`},
		{"a state machine the mocks do not have", []string{"--mock-config", mocks, "--test-case", "Yes", "--state-machine", "Other"}, 2, `no state machine named "Other"`},
		{"a test case without mocks", []string{"--test-case", "Yes"}, 2, "--mock-config and --test-case go together"},
		{"mocks without a test case", []string{"--mock-config", mocks}, 2, "--mock-config and --test-case go together"},
		{"unmocked", nil, 1, "is not available here"},
		{"an Express machine", []string{"--mock-config", mocks, "--test-case", "Yes", "--type", "express"}, 2, "Express state machine does not support '.waitForTaskToken'"},
		{"not a type", []string{"--type", "fast"}, 2, `"fast" is not a type`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, r := benchJSON(t, append([]string{def, "--executions", "30", "--concurrency", "3"}, tc.args...)...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.stderr) {
				t.Fatalf("exit %d, want %d: %s", r.code, tc.code, r.stderr)
			}
			if tc.code == 0 && (got["executions"] != 30 || got["transitions"] != 30) {
				t.Errorf("report %v", got)
			}
		})
	}
}

// --no-history and --metrics change what each execution costs, not what it
// does.
func TestBenchCosts(t *testing.T) {
	t.Parallel()
	def := write(t, "def.json", passDef)
	for _, flags := range [][]string{{"--no-history"}, {"--metrics"}, {"--no-history", "--metrics", "--type", "EXPRESS"}} {
		got, r := benchJSON(t, append([]string{def, "--input", `{"name":"b"}`, "--executions", "50", "--concurrency", "2"}, flags...)...)
		if r.code != 0 || got["executions"] != 50 || got["transitions"] != 50 {
			t.Errorf("%v: exit %d %v %s", flags, r.code, got, r.stderr)
		}
	}
}
