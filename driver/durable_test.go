package driver_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/baton-sh/baton/driver"
	"github.com/baton-sh/baton/resource"
	"github.com/baton-sh/baton/store"
	"github.com/baton-sh/baton/store/sqlite"
)

const smARN = "arn:aws:states:us-east-1:123456789012:stateMachine:M"

func openDurable(t *testing.T, dir string, reg *resource.Registry) (*driver.Durable, store.Store) {
	t.Helper()
	s, err := sqlite.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	d := driver.NewDurable(driver.DurableOptions{Store: s, Resources: reg})
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return d, s
}

func startReq(name, def, input string) driver.StartRequest {
	return driver.StartRequest{
		ExecutionARN: "arn:aws:states:us-east-1:123456789012:execution:M:" + name, Name: name,
		StateMachineARN: smARN, StateMachineName: "M", Definition: def, Input: input, Region: "us-east-1",
		RoleARN: "arn:aws:iam::123456789012:role/r",
	}
}

func waitFor(t *testing.T, s store.Store, arn string, timeout time.Duration) *store.Execution {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		e, err := s.GetExecution(context.Background(), arn)
		if err == nil && e.Status != "RUNNING" {
			return e
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still running (%v)", arn, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func eventTypes(t *testing.T, s store.Store, arn string) string {
	evs, err := s.Events(context.Background(), arn, 0, 1000, false)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range evs {
		var v struct{ Type string }
		json.Unmarshal(e.JSON, &v)
		types = append(types, v.Type)
	}
	return strings.Join(types, ",")
}

func TestDurableImmediate(t *testing.T) {
	d, s := openDurable(t, t.TempDir(), nil)
	defer d.Close()
	rec, err := d.StartExecution(context.Background(), startReq("e1", `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":1,"ResultPath":"$.r","End":true}}}`, `{"a":1}`))
	if err != nil {
		t.Fatal(err)
	}
	if rec.Status != "SUCCEEDED" || rec.Output != `{"a":1,"r":1}` {
		t.Errorf("%+v", rec)
	}
	got, _ := s.GetExecution(context.Background(), rec.ARN)
	if got.Status != "SUCCEEDED" {
		t.Errorf("stored %s", got.Status)
	}
	if types := eventTypes(t, s, rec.ARN); types != "ExecutionStarted,PassStateEntered,PassStateExited,ExecutionSucceeded" {
		t.Errorf("events %s", types)
	}
	if _, err := d.StartExecution(context.Background(), startReq("e1", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`, `{}`)); !errors.Is(err, store.ErrConflict) {
		t.Errorf("second start: %v", err)
	}
}

func TestDurableWaitAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	d, s := openDurable(t, dir, nil)
	def := `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"Next":"P"},"P":{"Type":"Pass","Parameters":{"token.$":"States.UUID()","in.$":"$"},"End":true}}}`
	rec, err := d.StartExecution(context.Background(), startReq("w1", def, `{"x":1}`))
	if err != nil || rec.Status != "RUNNING" {
		t.Fatalf("%+v %v", rec, err)
	}
	d.Close()
	s.Close()
	time.Sleep(1100 * time.Millisecond)
	d, s = openDurable(t, dir, nil)
	defer d.Close()
	done := waitFor(t, s, rec.ARN, 5*time.Second)
	if done.Status != "SUCCEEDED" || !strings.Contains(done.Output, `"in":{"x":1}`) {
		t.Errorf("%+v", done)
	}
	if types := eventTypes(t, s, rec.ARN); types != "ExecutionStarted,WaitStateEntered,WaitStateExited,PassStateEntered,PassStateExited,ExecutionSucceeded" {
		t.Errorf("events %s", types)
	}
}

func TestDurableTasksAndRecovery(t *testing.T) {
	dir := t.TempDir()
	var calls atomic.Int32
	block := make(chan struct{})
	reg := resource.NewRegistry()
	reg.Register("arn:aws:states:::lambda:invoke", resource.Func(func(ctx context.Context, req *resource.Request) (any, error) {
		if calls.Add(1) == 1 {
			select { // the first call never finishes: the driver stops under it
			case <-block:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		return req.Input, nil
	}))
	d, s := openDurable(t, dir, reg)
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}}`
	rec, _ := d.StartExecution(context.Background(), startReq("t1", def, `{"v":7}`))
	time.Sleep(50 * time.Millisecond)
	d.Close()
	s.Close()
	d, s = openDurable(t, dir, reg)
	defer d.Close()
	done := waitFor(t, s, rec.ARN, 5*time.Second)
	if done.Status != "SUCCEEDED" || done.Output != `{"v":7}` || calls.Load() != 2 {
		t.Errorf("%+v after %d calls", done, calls.Load())
	}
	if types := eventTypes(t, s, rec.ARN); types != "ExecutionStarted,TaskStateEntered,TaskScheduled,TaskStarted,TaskSucceeded,TaskStateExited,ExecutionSucceeded" {
		t.Errorf("events %s", types)
	}
}

func TestDurableActivities(t *testing.T) {
	d, s := openDurable(t, t.TempDir(), nil)
	defer d.Close()
	act := "arn:aws:states:us-east-1:123456789012:activity:work"
	def := `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"` + act + `","HeartbeatSeconds":2,"TimeoutSeconds":30,"Retry":[{"ErrorEquals":["Again"],"IntervalSeconds":1}],"End":true}}}`
	ctx := context.Background()
	rec, err := d.StartExecution(ctx, startReq("a1", def, `{"job":1}`))
	if err != nil {
		t.Fatal(err)
	}
	task, err := d.PollActivity(ctx, act, "worker-1", 5*time.Second)
	if err != nil || task == nil || task.Input != `{"job":1}` {
		t.Fatalf("poll: %+v %v", task, err)
	}
	if err := d.TaskHeartbeat(ctx, task.Token); err != nil {
		t.Fatal(err)
	}
	if err := d.TaskFailure(ctx, task.Token, "Again", "once more"); err != nil {
		t.Fatal(err)
	}
	if err := d.TaskSuccess(ctx, task.Token, `{}`); !errors.Is(err, driver.ErrStale) {
		t.Errorf("success after failure: %v", err)
	}
	task2, err := d.PollActivity(ctx, act, "worker-2", 5*time.Second)
	if err != nil || task2 == nil || task2.Token == task.Token {
		t.Fatalf("second poll: %+v %v", task2, err)
	}
	if err := d.TaskSuccess(ctx, task2.Token, `{"done":true}`); err != nil {
		t.Fatal(err)
	}
	done := waitFor(t, s, rec.ARN, 5*time.Second)
	if done.Output != `{"done":true}` {
		t.Errorf("%+v", done)
	}
	want := "ExecutionStarted,TaskStateEntered,ActivityScheduled,ActivityStarted,ActivityFailed,ActivityScheduled,ActivityStarted,ActivitySucceeded,TaskStateExited,ExecutionSucceeded"
	if types := eventTypes(t, s, rec.ARN); types != want {
		t.Errorf("events\n got  %s\n want %s", types, want)
	}
	if err := d.TaskSuccess(ctx, "garbage", `{}`); !errors.Is(err, driver.ErrInvalidToken) {
		t.Errorf("garbage token: %v", err)
	}

	// A heartbeat timeout fails the task with States.HeartbeatTimeout.
	def2 := `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"` + act + `","HeartbeatSeconds":1,"End":true}}}`
	rec2, _ := d.StartExecution(ctx, startReq("a2", def2, `{}`))
	if task, _ := d.PollActivity(ctx, act, "slow", 5*time.Second); task == nil {
		t.Fatal("no task")
	}
	failed := waitFor(t, s, rec2.ARN, 5*time.Second)
	if failed.Status != "FAILED" || failed.Error != "States.HeartbeatTimeout" {
		t.Errorf("%+v", failed)
	}
	if got, _ := d.PollActivity(ctx, act, "late", 100*time.Millisecond); got != nil {
		t.Errorf("a finished execution's task was handed out: %+v", got)
	}
}

func TestDurableStop(t *testing.T) {
	d, s := openDurable(t, t.TempDir(), nil)
	defer d.Close()
	rec, _ := d.StartExecution(context.Background(), startReq("s1", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`, `{}`))
	if err := d.StopExecution(context.Background(), rec.ARN, "Stop", "by test"); err != nil {
		t.Fatal(err)
	}
	got, _ := s.GetExecution(context.Background(), rec.ARN)
	if got.Status != "ABORTED" || got.Error != "Stop" {
		t.Errorf("%+v", got)
	}
	if timers, _ := s.DueTimers(context.Background(), time.Now().Add(2*time.Hour), 10); len(timers) != 0 {
		t.Errorf("timers left: %v", timers)
	}
	if err := d.StopExecution(context.Background(), rec.ARN, "", ""); !errors.Is(err, driver.ErrExecutionClosed) {
		t.Errorf("second stop: %v", err)
	}
}

func TestDurableManyWaiting(t *testing.T) {
	d, s := openDurable(t, t.TempDir(), nil)
	defer d.Close()
	def := `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"End":true}}}`
	var arns []string
	for i := 0; i < 200; i++ {
		rec, err := d.StartExecution(context.Background(), startReq(fmt.Sprint("m", i), def, `{}`))
		if err != nil {
			t.Fatal(err)
		}
		arns = append(arns, rec.ARN)
	}
	for _, arn := range arns {
		if e := waitFor(t, s, arn, 10*time.Second); e.Status != "SUCCEEDED" {
			t.Errorf("%s: %s", arn, e.Status)
		}
	}
}

// TestDurableCompletedBeforeSubmitted completes a task by its token while
// the call that hands the token out is still running (a .sync child that
// ends at once): the completion is recorded after the call's result, so the
// history keeps AWS's order.
func TestDurableCompletedBeforeSubmitted(t *testing.T) {
	reg := resource.NewRegistry()
	var d *driver.Durable
	reg.Register("arn:aws:states:::states:startExecution.sync:2", resource.Func(func(ctx context.Context, req *resource.Request) (any, error) {
		if err := d.TaskSuccess(ctx, req.Token, `{"child":"done"}`); err != nil {
			return nil, err
		}
		return nil, &resource.Submitted{Output: map[string]any{"ExecutionArn": "child"}}
	}))
	d, s := openDurable(t, t.TempDir(), reg)
	defer d.Close()
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2","End":true}}}`
	rec, err := d.StartExecution(context.Background(), startReq("early", def, `{}`))
	if err != nil {
		t.Fatal(err)
	}
	done := waitFor(t, s, rec.ARN, 10*time.Second)
	if done.Status != "SUCCEEDED" || done.Output != `{"child":"done"}` {
		t.Fatalf("%s %s", done.Status, done.Output)
	}
	if got := eventTypes(t, s, rec.ARN); got != "ExecutionStarted,TaskStateEntered,TaskScheduled,TaskStarted,TaskSubmitted,TaskSucceeded,TaskStateExited,ExecutionSucceeded" {
		t.Errorf("events %s", got)
	}
}
