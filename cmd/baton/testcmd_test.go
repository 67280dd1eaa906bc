package main

import (
	"os"
	"path/filepath"
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
	if r.code != 1 || !strings.Contains(r.stdout, "PASS  ") || !strings.Contains(r.stdout, `wrong expectation: output {"MessageId":"1"}, want {"MessageId":"2"}`) ||
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
