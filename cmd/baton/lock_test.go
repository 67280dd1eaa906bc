package main

import (
	"context"
	"errors"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

// TestServeOneServerPerDataFolder starts a second server on the data
// folder of a running one: it is refused at once, naming the folder and
// the first one's pid, and the first one goes on serving.
func TestServeOneServerPerDataFolder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first := startServer(t, dir)
	c := first.client()
	ctx := context.Background()
	sm := createMachine(t, c, "before", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)

	second := launch(t, dir)
	err := second.exited(t, 20*time.Second)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("the second server exited with %v, want status 1: %s", err, second.logs)
	}
	pid := strconv.Itoa(first.cmd.Process.Pid)
	if logs := second.logs.String(); !strings.Contains(logs, "the data folder "+dir+" is in use by process "+pid) {
		t.Errorf("the second server's error does not name the folder %s and the pid %s: %q", dir, pid, logs)
	}
	if strings.Contains(second.logs.String(), "serving the Step Functions API") {
		t.Errorf("the second server served: %s", second.logs)
	}

	// The first one still answers, with the same store.
	if _, err := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(sm)}); err != nil {
		t.Fatalf("the first server after the second one's attempt: %v", err)
	}
	if done := startAndWait(t, c, sm, `{"still":"here"}`); aws.ToString(done.Output) != `{"still":"here"}` {
		t.Errorf("an execution on the first server: %s %s", done.Status, aws.ToString(done.Output))
	}
	first.stop(t)

	// Once the first one is gone, the folder is free again.
	third := startServer(t, dir)
	if _, err := third.client().DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(sm)}); err != nil {
		t.Errorf("a server on the folder after the first one stopped: %v", err)
	}
	third.stop(t)
}
