package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	dto "github.com/prometheus/client_model/go"

	"github.com/baton-sh/baton/store/postgres"
	"github.com/baton-sh/baton/store/postgres/pgtest"
)

// TestServeNodeFlags: --node names a server on PostgreSQL only, and
// --lease-ttl refuses periods too short to renew.
func TestServeNodeFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--node", "a"}, "on SQLite the node is \"local\""},
		{[]string{"--node", "two words", "--store", "postgres://127.0.0.1:1/x"}, "no spaces"},
		{[]string{"--node", strings.Repeat("n", 129), "--store", "postgres://127.0.0.1:1/x"}, "at most 128 characters"},
		{[]string{"--lease-ttl", "100ms"}, "--lease-ttl is at least 1s, not 100ms"},
		{[]string{"--lease-ttl", "-5s"}, "--lease-ttl is at least 1s"},
	} {
		args := append([]string{"serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0"}, tc.args...)
		r := cli(t, args...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("serve %q: exit %d, stderr %q; want 2 and %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
}

// TestServePostgresNodes: each server holds its lease under a name of its
// own; a server that shuts down hands its lease back at once, so the next
// one takes its executions over without waiting for the lease to run out
// (a minute here); one killed with SIGKILL loses them once its lease runs
// out (--lease-ttl), and the next carries them on: each state entered
// once.
func TestServePostgresNodes(t *testing.T) {
	dbURL := pgtest.Schema(t)
	t.Parallel()
	ctx := context.Background()
	st, err := postgres.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	owner := func(arn string) string {
		t.Helper()
		rec, err := st.GetExecution(ctx, arn)
		if err != nil {
			t.Fatal(err)
		}
		return rec.Owner.Node
	}

	first := startServerAt(t, t.TempDir(), "--store", dbURL, "--lease-ttl", "1m")
	c := first.client()
	act := must(c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("nodes-work")}))(t)
	sm := createMachine(t, c, "nodes-flow", `{"StartAt":"Work","States":{
		"Work":{"Type":"Task","Resource":"`+aws.ToString(act.ActivityArn)+`","Next":"Done"},
		"Done":{"Type":"Pass","End":true}}}`)
	start := func(c *sfn.Client, name string) string {
		t.Helper()
		out := must(c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Name: aws.String(name), Input: aws.String(`{"run":"` + name + `"}`)}))(t)
		return aws.ToString(out.ExecutionArn)
	}
	// work takes the one task waiting and answers it with its input.
	work := func(c *sfn.Client) {
		t.Helper()
		task := must(c.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: act.ActivityArn, WorkerName: aws.String("w")}))(t)
		if task.TaskToken == nil {
			t.Fatal("no task within a poll")
		}
		must(c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: task.Input}))(t)
	}
	finished := func(c *sfn.Client, arn, name string) {
		t.Helper()
		done := waitDone(t, c, arn)
		if done.Status != "SUCCEEDED" || aws.ToString(done.Output) != `{"run":"`+name+`"}` {
			t.Errorf("%s: %s %s", name, done.Status, aws.ToString(done.Output))
		}
		want := "ExecutionStarted,TaskStateEntered,ActivityScheduled,ActivityStarted,ActivitySucceeded,TaskStateExited,PassStateEntered,PassStateExited,ExecutionSucceeded"
		if got := eventTypes(historyOf(t, c, aws.String(arn))); got != want {
			t.Errorf("%s's history:\n got %s\nwant %s", name, got, want)
		}
	}

	handedBack := start(c, "handed-back")
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	host, _, _ = strings.Cut(host, ".")
	firstNode := owner(handedBack)
	if firstNode != host {
		t.Errorf("the first server's node is %q, want the host's name %q", firstNode, host)
	}
	first.stop(t)

	// The lease was handed back: the second server (another node) takes
	// the execution over at start, not a minute later.
	second := startServerAt(t, t.TempDir(), "--store", dbURL, "--node", "second", "--lease-ttl", "2s")
	c = second.client()
	work(c)
	finished(c, handedBack, "handed-back")

	crashed := start(c, "crashed")
	if got := owner(crashed); got != "second" {
		t.Errorf("an execution started on the node %q is owned by %q", "second", got)
	}
	second.kill(t)
	third := startServerAt(t, t.TempDir(), "--store", dbURL, "--node", "third", "--lease-ttl", "2s")
	c = third.client()
	// Its task is claimable once the execution is the third node's: the
	// second's lease runs out 2 s after its last renewal.
	poll(t, "the third node owning the crashed node's execution", 30*time.Second, func() (bool, error) {
		rec, err := st.GetExecution(ctx, crashed)
		return err == nil && rec.Owner.Node == "third", err
	})
	work(c)
	finished(c, crashed, "crashed")

	// A second live process under the node's name is refused: it would
	// steal the lease at every renewal.
	twin := launch(t, t.TempDir(), "--store", dbURL, "--node", "third")
	err = twin.exited(t, 20*time.Second)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(twin.logs.String(), `another baton serve runs under this node name on this database ("third")`) {
		t.Errorf("a second server named third exited with %v, want status 1 and why: %s", err, twin.logs)
	}
	third.stop(t)
}

// TestServePostgresTwoNodes: two servers on one database serve any
// request. A worker polling the node that does not own an execution gets
// its task; its heartbeat and result there, and a stop there, reach the
// owner at once (its lease loop, which would find them too, runs only every
// 20 s here: the signal is what carries them).
func TestServePostgresTwoNodes(t *testing.T) {
	dbURL := pgtest.Schema(t)
	t.Parallel()
	ctx := context.Background()
	a := startServerAt(t, t.TempDir(), "--store", dbURL, "--node", "a", "--lease-ttl", "1m")
	b := startServerAt(t, t.TempDir(), "--store", dbURL, "--node", "b", "--lease-ttl", "1m")
	ca, cb := a.client(), b.client()
	act := must(ca.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("two-nodes")}))(t)
	sm := createMachine(t, ca, "two-nodes", `{"StartAt":"Work","States":{
		"Work":{"Type":"Task","Resource":"`+aws.ToString(act.ActivityArn)+`","HeartbeatSeconds":30,"End":true}}}`)

	const runs = 5
	for i := range runs {
		name := "run-" + string(rune('0'+i))
		started := must(ca.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Name: aws.String(name), Input: aws.String(`{"n":"` + name + `"}`)}))(t)
		// A poll at b, already waiting or not, gets the task queued at a.
		task := must(cb.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: act.ActivityArn, WorkerName: aws.String("at-b")}))(t)
		if task.TaskToken == nil || aws.ToString(task.Input) != `{"n":"`+name+`"}` {
			t.Fatalf("%s: the task at b: %+v", name, task)
		}
		must(cb.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: task.TaskToken}))(t)
		must(cb.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: task.Input}))(t)
		_, err := cb.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: task.TaskToken})
		wantCode(t, err, "TaskTimedOut")
		done := waitStatusWithin(t, ca, aws.ToString(started.ExecutionArn), "SUCCEEDED", 10*time.Second)
		if aws.ToString(done.Output) != `{"n":"`+name+`"}` {
			t.Errorf("%s: output %s", name, aws.ToString(done.Output))
		}
		want := "ExecutionStarted,TaskStateEntered,ActivityScheduled,ActivityStarted,ActivitySucceeded,TaskStateExited,ExecutionSucceeded"
		if got := eventTypes(historyOf(t, cb, started.ExecutionArn)); got != want {
			t.Errorf("%s's history:\n got %s\nwant %s", name, got, want)
		}
	}
	// No task is left for anyone: a poll of a second finds none.
	for _, c := range []*sfn.Client{ca, cb} {
		short, cancel := context.WithTimeout(ctx, time.Second)
		task, err := c.GetActivityTask(short, &sfn.GetActivityTaskInput{ActivityArn: act.ActivityArn})
		cancel()
		if err == nil && task.TaskToken != nil {
			t.Errorf("a task handed out again: %s", aws.ToString(task.Input))
		}
	}

	// A stop at b of an execution a runs.
	waiting := createMachine(t, ca, "two-nodes-wait", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`)
	started := must(ca.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(waiting)}))(t)
	must(cb.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: started.ExecutionArn, Cause: aws.String("from b")}))(t)
	done := waitStatusWithin(t, cb, aws.ToString(started.ExecutionArn), "ABORTED", 10*time.Second)
	if aws.ToString(done.Cause) != "from b" {
		t.Errorf("stopped: %+v", done)
	}
	// Each node counts what it handed to the other and what it applied,
	// and its database round trips.
	fa, _, _ := scrapeMetrics(t, a, "", "")
	fb, _, _ := scrapeMetrics(t, b, "", "")
	if v := metricValue(fb, "baton_node_inputs_posted_total", nil); v < runs*3 {
		t.Errorf("b posted %v inputs to a, want at least %d", v, runs*3)
	}
	if v := metricValue(fa, "baton_node_inputs_applied_total", nil); v < runs*3 {
		t.Errorf("a applied %v inputs from b, want at least %d", v, runs*3)
	}
	for name, f := range map[string]map[string]*dto.MetricFamily{"a": fa, "b": fb} {
		if v := metricValue(f, "baton_store_round_trips_total", nil); v <= 0 {
			t.Errorf("%s's round trips: %v", name, v)
		}
		if v := metricValue(f, "baton_node_info", map[string]string{"node": name}); v != 1 {
			t.Errorf("%s's node info: %v", name, v)
		}
	}
	a.stop(t)
	b.stop(t)
}

// waitStatusWithin waits at most within for an execution to reach status.
func waitStatusWithin(t *testing.T, c *sfn.Client, arn string, status types.ExecutionStatus, within time.Duration) *sfn.DescribeExecutionOutput {
	t.Helper()
	var out *sfn.DescribeExecutionOutput
	poll(t, arn+" "+string(status), within, func() (bool, error) {
		var err error
		out, err = c.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
		return err == nil && out.Status == status, err
	})
	return out
}
