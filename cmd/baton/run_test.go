package main

import (
	"context"
	"errors"
	"flag"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

var updateRun = flag.Bool("update-run", false, "rewrite the golden traces of baton run under testdata/run")

// TestRunTrace runs definitions with --history and no --json and compares
// the trace with its golden file (testdata/run/NAME.trace). Waits and
// retries take no time with --skip-waits, so durations are exact.
func TestRunTrace(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"nested", []string{"--input", `{"xs":[1,2,3]}`}, 0, ""},
		{"retry", []string{"--input", `{"order":1}`, "--mock-config", "testdata/run/retry.mocks.json", "--test-case", "Down"}, 1,
			"Order.NotCharged: The payment service did not answer\n"},
		{"parallel-retry", []string{"--input", `{"items":[1,2]}`}, 1, "Stock.TooMany\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"run", "testdata/run/" + tt.name + ".asl.json", "--history", "--skip-waits"}, tt.args...)
			r := cli(t, args...)
			if r.code != tt.code || r.stderr != tt.stderr {
				t.Errorf("exit %d, stderr %q; want %d, %q", r.code, r.stderr, tt.code, tt.stderr)
			}
			checkGolden(t, "testdata/run/"+tt.name+".trace", r.stdout)
		})
	}
}

// checkGolden compares text with a golden file, or rewrites the file with
// -update-run.
func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *updateRun {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -run %s -update-run writes it)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("%s differs:\n--- got\n%s--- want\n%s", path, got, want)
	}
}

// TestRunSkipWaits: a day-long Wait and an hour of retry back-off pass at
// once on the virtual clock, and the history records the time they took.
func TestRunSkipWaits(t *testing.T) {
	t.Parallel()
	def := write(t, "wait.json", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":86400,"Next":"T"},
		"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"F"},
		"Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":3600,"MaxAttempts":1}],"End":true}}}`)
	// A run that really waited would be killed here, long before a day.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "run", def, "--skip-waits", "--history")
	out, err := cmd.Output()
	var ee *exec.ExitError
	if ctx.Err() != nil || !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("run: %v (%v)\n%s", err, ctx.Err(), out)
	}
	for _, want := range []string{"W  Wait  24h0m0s", "T  Task  1h0m0s (2 attempts)"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("trace lacks %q:\n%s", want, out)
		}
	}
}

// TestRunType: --type takes STANDARD or EXPRESS in any case, and the old
// --express still works; Express machines refuse callback integrations.
func TestRunType(t *testing.T) {
	t.Parallel()
	def := write(t, "callback.json", `{"StartAt":"T","States":{"T":{"Type":"Task",
		"Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","Parameters":{"QueueUrl":"q","MessageBody.$":"$$.Task.Token"},"End":true}}}`)
	const express = "Express state machine does not support '.waitForTaskToken'"
	tests := []struct {
		args []string
		code int
		want string // in stderr
	}{
		{[]string{"--type", "express"}, 2, express},
		{[]string{"--type=EXPRESS"}, 2, express},
		{[]string{"--express"}, 2, express},
		{[]string{"--type", "Standard"}, 1, "States.TaskFailed"}, // runs: nothing can call back into a run
		{nil, 1, "States.TaskFailed"},
		{[]string{"--type", "batch"}, 2, `"batch" is not a type: STANDARD or EXPRESS`},
	}
	for _, tt := range tests {
		r := cli(t, append([]string{"run", def}, tt.args...)...)
		if r.code != tt.code || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tt.args, r.code, r.stderr, tt.code, tt.want)
		}
	}
}

// TestRunInputErrors: input that is not JSON is refused with its line and
// column, and a hint when the shell seems to have eaten its quotes.
func TestRunInputErrors(t *testing.T) {
	t.Parallel()
	def := write(t, "def.json", passDef)
	file := write(t, "input.json", "{\n  \"name\": x\n}\n")
	const hint = "hint: the shell may have removed the quotes"
	tests := []struct {
		input   string
		want    []string
		notWant string
	}{
		{"{name: x}", []string{"the input is not valid JSON: line 1, column 2: expected a member name", "  {name: x}\n   ^\n", hint}, ""},
		{"[a, b]", []string{"line 1, column 2", hint}, ""},
		{`{"name": x}`, []string{"line 1, column 10: unexpected 'x'"}, hint},
		{"{true: 1", []string{"line 1, column 2"}, hint},
		{"@" + file, []string{file + " is not valid JSON: line 2, column 11", "    \"name\": x\n            ^\n"}, hint},
		{file, []string{file + " is not valid JSON: line 2, column 11"}, hint},
		{"missing/input.json", []string{"line 1, column 1", "hint: to read the input from a file, write --input @missing/input.json"}, hint},
		{"name", []string{"line 1, column 1: unexpected 'n'"}, "hint:"},
	}
	for _, tt := range tests {
		r := cli(t, "run", def, "--input", tt.input)
		if r.code != 2 {
			t.Errorf("%s: exit %d", tt.input, r.code)
		}
		for _, w := range tt.want {
			if !strings.Contains(r.stderr, w) {
				t.Errorf("%s: stderr lacks %q:\n%s", tt.input, w, r.stderr)
			}
		}
		if tt.notWant != "" && strings.Contains(r.stderr, tt.notWant) {
			t.Errorf("%s: stderr has %q:\n%s", tt.input, tt.notWant, r.stderr)
		}
	}
}

// TestRunTraceFromFailures: without --skip-waits the trace still shows
// every state, whatever the durations; a state whose error ended the
// execution shows the error.
func TestRunTraceFromFailures(t *testing.T) {
	t.Parallel()
	def := write(t, "def.json", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","InputPath":"$.missing","End":true}}}`)
	r := cli(t, "run", def, "--history")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 1 || len(lines) != 2 || !strings.HasPrefix(lines[0], "A  Pass  ") || !strings.Contains(lines[1], "error States.Runtime: ") {
		t.Errorf("exit %d:\n%s", r.code, r.stdout)
	}
}

// TestRunConfigErrors: a baton.yaml that does not fit says which key, on
// which line, in the file's terms.
func TestRunConfigErrors(t *testing.T) {
	t.Parallel()
	def := write(t, "def.json", passDef)
	cfg := write(t, "baton.yaml", "functions:\n  F:\n    comand: [python3, f.py]\n")
	r := cli(t, "run", def, "--config", cfg)
	if r.code != 2 || !strings.Contains(r.stderr, "line 3: functions.F.comand: unknown field, did you mean 'command'?") || strings.Contains(r.stderr, "config.Function") {
		t.Errorf("exit %d: %s", r.code, r.stderr)
	}
}
