package main

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// TestServePoisonPills runs evaluations that would each take gigabytes
// through the API: each fails its own execution with AWS's error, the
// server answers other clients meanwhile, and one that was waiting for an
// activity when the server stopped fails the same way after the restart
// instead of taking the server down again.
func TestServePoisonPills(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := startServer(t, dir)
	c := s.client()
	ctx := context.Background()

	jsonata := func(expr string) string {
		return `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% ` + expr + ` %}","End":true}}}`
	}
	// A template naming a 100 KB input 1,000 times in one States.Format
	// would make 100 MB.
	placeholders := strings.Repeat("{}", 1000)
	args := strings.Repeat(", $.big", 1000)
	pills := []struct {
		name, def, input, error, cause string
	}{
		{"doubling", jsonata(`($f := function($s, $n){ $n = 0 ? $s : $f($s & $s, $n - 1) }; $f('x', 34))`), `{}`, "States.QueryEvaluationError", "memory limit exceeded"},
		{"ranges", jsonata(`[1..10000000].[1..10000000]`), `{}`, "States.QueryEvaluationError", "memory limit exceeded"},
		{"string", jsonata(`$string([1..10000000])`), `{}`, "States.QueryEvaluationError", "memory limit exceeded"},
		{"format", `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"s.$":"States.Format('` + placeholders + `'` + args + `)"},"End":true}}}`,
			`{"big":"` + strings.Repeat("x", 100_000) + `"}`, "States.IntrinsicFailure", "memory"},
		{"scan", `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"s.$":"$..*..*..*..*"},"End":true}}}`,
			`{"a":` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `}`, "States.Runtime", "selects more than an evaluation may hold"},
	}
	var arns []string
	for _, p := range pills {
		sm := createMachine(t, c, p.name, p.def)
		out, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(p.input)})
		if err != nil {
			t.Fatalf("%s: %v", p.name, err)
		}
		arns = append(arns, aws.ToString(out.ExecutionArn))
	}
	// The server answers while they run.
	if _, err := c.ListStateMachines(ctx, &sfn.ListStateMachinesInput{}); err != nil {
		t.Fatal(err)
	}
	for i, p := range pills {
		done := waitDone(t, c, arns[i])
		if done.Status != types.ExecutionStatusFailed || aws.ToString(done.Error) != p.error || !strings.Contains(aws.ToString(done.Cause), p.cause) {
			t.Errorf("%s: %s %s: %s", p.name, done.Status, aws.ToString(done.Error), aws.ToString(done.Cause))
		}
	}
	if peak := peakMemory(t, s); peak > 1<<30 {
		t.Errorf("the server's memory peaked at %d MB", peak>>20)
	}

	// A pill behind an activity: the server stops while the execution
	// waits, and the restarted server runs the pill when the task ends.
	act := must(c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("before")}))(t)
	def := `{"QueryLanguage":"JSONata","StartAt":"Wait","States":{
		"Wait":{"Type":"Task","Resource":"` + aws.ToString(act.ActivityArn) + `","Next":"P"},
		"P":{"Type":"Pass","Output":"{% [1..10000000].[1..10000000] %}","End":true}}}`
	sm := createMachine(t, c, "behind", def)
	behind := must(c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm)}))(t)
	task := must(c.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: act.ActivityArn}))(t)
	if task.TaskToken == nil {
		t.Fatal("no activity task")
	}
	s.stop(t)
	s = startServer(t, dir)
	c = s.client()
	if _, err := c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: aws.String(`{}`)}); err != nil {
		t.Fatal(err)
	}
	done := waitDone(t, c, aws.ToString(behind.ExecutionArn))
	if done.Status != types.ExecutionStatusFailed || aws.ToString(done.Error) != "States.QueryEvaluationError" {
		t.Errorf("behind: %s %s: %s", done.Status, aws.ToString(done.Error), aws.ToString(done.Cause))
	}
	if _, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm)}); err != nil {
		t.Error(err)
	}
}

// peakMemory returns the server process's peak resident memory, in bytes.
func peakMemory(t testing.TB, s *server) int64 {
	t.Helper()
	status, err := os.ReadFile("/proc/" + strconv.Itoa(s.cmd.Process.Pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(status)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc status")
	return 0
}
