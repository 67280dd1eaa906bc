package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/baton-sh/baton/scheduler"
	"github.com/baton-sh/baton/store/postgres/pgtest"
)

// The durability tests run the real server on the real clock: a schedule
// at(...) a few seconds ahead is the one whose due time a test can put a
// crash across without waiting minutes (rate(1 minute) would), and with
// no clock of the test's own inside the server.

const tickDef = `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`

// tickConfig writes a baton.yaml whose schedule tick is due at due.
func tickConfig(t *testing.T, due time.Time) string {
	return write(t, "baton.yaml", fmt.Sprintf(`schedules:
  tick:
    expression: at(%s)
    stateMachine: arn:aws:states:eu-west-3:123456789012:stateMachine:tick
    input: '{"due": "<aws.scheduler.scheduled-time>"}'
`, due.UTC().Format("2006-01-02T15:04:05")))
}

// ticks lists the names of the executions of tick.
func ticks(t *testing.T, c *sfn.Client) []string {
	t.Helper()
	out := must(c.ListExecutions(context.Background(), &sfn.ListExecutionsInput{
		StateMachineArn: aws.String("arn:aws:states:eu-west-3:123456789012:stateMachine:tick")}))(t)
	var names []string
	for _, e := range out.Executions {
		names = append(names, aws.ToString(e.Name))
	}
	return names
}

// consoleSchedules reads GET /console/api/schedules.
func consoleSchedules(t *testing.T, s *server) []map[string]any {
	t.Helper()
	resp, err := http.Get(s.url + "/console/api/schedules")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Schedules []map[string]any }
	check(t, json.NewDecoder(resp.Body).Decode(&body))
	return body.Schedules
}

func sleepUntil(t *testing.T, at time.Time) {
	t.Helper()
	time.Sleep(time.Until(at)) // the real server keeps real time
}

// TestScheduleAcrossCrash: the server is killed (SIGKILL) before a due time
// and started again after it: the due time fires once, on the restart, and
// a further crash and restart do not fire it again. On both stores.
func TestScheduleAcrossCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for a due time a few seconds ahead")
	}
	t.Parallel()
	onEachStore(t, scheduleAcrossCrash)
}

// onEachStore runs f on a server's default store, SQLite, and on
// PostgreSQL (a schema of its own), in parallel: extra is the flags that
// choose the store.
func onEachStore(t *testing.T, f func(t *testing.T, extra ...string)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		f(t)
	})
	t.Run("postgres", func(t *testing.T) {
		dbURL := pgtest.Schema(t)
		t.Parallel()
		f(t, "--store", dbURL)
	})
}

func scheduleAcrossCrash(t *testing.T, extra ...string) {
	dir := t.TempDir()
	due := time.Now().Truncate(time.Second).Add(10 * time.Second)
	cfg := tickConfig(t, due)
	extra = append(extra, "--config", cfg)
	s := startServerAt(t, dir, extra...)
	createMachine(t, s.client(), "tick", tickDef)
	if got := ticks(t, s.client()); len(got) != 0 {
		t.Fatalf("fired before its time: %v", got)
	}
	if time.Until(due) < time.Second {
		t.Fatal("the server took too long to start: the crash cannot come before the due time")
	}
	sleepUntil(t, due.Add(-time.Second))
	s.kill(t)
	sleepUntil(t, due.Add(time.Second))

	s = startServerAt(t, dir, extra...)
	c := s.client()
	want := scheduler.ExecutionName("tick", due)
	poll(t, "the missed due time to fire on restart", 30*time.Second, func() (bool, error) { return len(ticks(t, c)) > 0, nil })
	if got := ticks(t, c); len(got) != 1 || got[0] != want {
		t.Fatalf("executions %v, want [%s]", got, want)
	}
	arn := "arn:aws:states:eu-west-3:123456789012:execution:tick:" + want
	d := waitDone(t, c, arn)
	if in := aws.ToString(d.Input); in != `{"due": "`+due.UTC().Format(time.RFC3339)+`"}` {
		t.Errorf("input %s", in)
	}
	poll(t, "the start to be recorded", 30*time.Second, func() (bool, error) {
		l := consoleSchedules(t, s)
		return len(l) == 1 && l[0]["lastExecutionArn"] == arn, nil
	})

	s.kill(t)
	s = startServerAt(t, dir, extra...)
	l := consoleSchedules(t, s)
	if len(l) != 1 || l[0]["lastExecutionArn"] != arn || l[0]["nextDue"] != nil {
		t.Errorf("after another restart: %v", l)
	}
	if got := ticks(t, s.client()); len(got) != 1 {
		t.Errorf("executions after another restart: %v", got)
	}
	r := cli(t, "schedules", "--config", cfg, "--endpoint", s.url)
	if r.code != 0 || !strings.Contains(r.stdout, "server: next due none") || !strings.Contains(r.stdout, ": "+arn) {
		t.Errorf("baton schedules --endpoint: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	s.stop(t)
}

// TestScheduleCrashAfterStart: the server dies in the instant after it
// started a due time's execution and before it recorded that (a test-only
// variable makes it kill itself there). Started again, it starts the same
// execution name, is told it exists, and records it: one execution. On
// both stores.
func TestScheduleCrashAfterStart(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for a due time a few seconds ahead")
	}
	t.Parallel()
	onEachStore(t, scheduleCrashAfterStart)
}

func scheduleCrashAfterStart(t *testing.T, extra ...string) {
	dir := t.TempDir()
	due := time.Now().Truncate(time.Second).Add(6 * time.Second)
	cfg := tickConfig(t, due)
	extra = append(extra, "--config", cfg)
	s := startServerEnv(t, dir, []string{crashAfterScheduledStart + "=1"}, extra...)
	createMachine(t, s.client(), "tick", tickDef)
	err := s.exited(t, time.Until(due)+time.Minute)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("the server ended with %v, want SIGKILL: %s", err, s.logs)
	}

	s = startServerAt(t, dir, extra...)
	arn := "arn:aws:states:eu-west-3:123456789012:execution:tick:" + scheduler.ExecutionName("tick", due)
	poll(t, "the start to be recorded", 30*time.Second, func() (bool, error) {
		l := consoleSchedules(t, s)
		return len(l) == 1 && l[0]["lastExecutionArn"] == arn, nil
	})
	if got := ticks(t, s.client()); len(got) != 1 {
		t.Errorf("executions %v, want one", got)
	}
	s.stop(t)
}

// startServerEnv is startServerAt with more environment variables.
func startServerEnv(t *testing.T, dir string, env []string, extra ...string) *server {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"serve", "--addr", "127.0.0.1:0", "--data", dir}, extra...)...)
	cmd.Env = append(os.Environ(), env...)
	s := &server{cmd: cmd, dir: dir, logs: newSyncBuffer(), done: make(chan struct{})}
	cmd.Stderr = s.logs
	check(t, cmd.Start())
	go func() {
		s.err = cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() { s.kill(t) })
	timeout := time.After(2 * time.Minute)
	for {
		if url, ok := servingURL(s.logs.String()); ok {
			s.url, s.addr = url, strings.TrimPrefix(url, "http://")
			return s
		}
		select {
		case <-s.logs.wrote:
		case <-s.done:
			t.Fatalf("the server exited before it listened (%v): %s", s.err, s.logs)
		case <-timeout:
			t.Fatalf("the server did not listen within 2 minutes: %s", s.logs)
		}
	}
}

// A schedule baton.yaml gets wrong stops serve before it starts, naming
// the key.
func TestServeScheduleRefused(t *testing.T) {
	t.Parallel()
	cfg := write(t, "baton.yaml", "schedules:\n  x: {expression: cron(0 12 * * * *), stateMachine: s}\n")
	r := cli(t, "serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--config", cfg)
	if r.code != 2 || !strings.Contains(r.stderr, "schedules.x.expression: Invalid Schedule Expression cron(0 12 * * * *)") {
		t.Errorf("exit %d: %s", r.code, r.stderr)
	}
}
