package driver_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/baton-sh/baton/clock"
	"github.com/baton-sh/baton/driver"
	"github.com/baton-sh/baton/interpreter"
	"github.com/baton-sh/baton/resource"
	"github.com/baton-sh/baton/store"
	"github.com/baton-sh/baton/store/sqlite"
	"github.com/baton-sh/baton/token"
)

const smARN = "arn:aws:states:us-east-1:123456789012:stateMachine:M"

var epoch = time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)

// node is a Durable driver on a SQLite data folder, on a manual clock that
// the test moves. It learns from the driver's observer when executions end.
type node struct {
	t    *testing.T
	dir  string
	name string
	clk  *clock.Manual
	reg  *resource.Registry
	keys *token.Key
	d    *driver.Durable
	s    store.Store

	mu    sync.Mutex
	ended map[string]chan struct{}
}

func newNode(t *testing.T, dir string, clk *clock.Manual, reg *resource.Registry) *node {
	t.Helper()
	n := &node{t: t, dir: dir, name: "local", clk: clk, reg: reg, keys: token.RandomKey(), ended: map[string]chan struct{}{}}
	n.open()
	return n
}

func (n *node) open() {
	n.t.Helper()
	s, err := sqlite.Open(n.dir)
	if err != nil {
		n.t.Fatal(err)
	}
	n.s = s
	n.d = driver.NewDurable(driver.DurableOptions{Store: s, Resources: n.reg, Clock: n.clk, Tokens: n.keys, Node: n.name, Observe: n.observe})
	if err := n.d.Start(context.Background()); err != nil {
		n.t.Fatal(err)
	}
	n.t.Cleanup(n.close)
}

func (n *node) close() {
	if n.d == nil {
		return
	}
	n.d.Close()
	if err := n.s.Close(); err != nil {
		n.t.Error(err)
	}
	n.d, n.s = nil, nil
}

func (n *node) restart() {
	n.close()
	n.open()
}

func (n *node) endedChan(arn string) chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	ch := n.ended[arn]
	if ch == nil {
		ch = make(chan struct{})
		n.ended[arn] = ch
	}
	return ch
}

func (n *node) observe(o *driver.Observation) {
	if o.Status != interpreter.Running {
		ch := n.endedChan(o.ExecutionARN)
		select {
		case <-ch:
		default:
			close(ch)
		}
	}
}

// rearm forgets that an execution ended, before it runs again (a redrive).
func (n *node) rearm(arn string) {
	n.mu.Lock()
	delete(n.ended, arn)
	n.mu.Unlock()
}

// wait waits for an execution to end and returns its record. The real-time
// limit only keeps a broken test from hanging.
func (n *node) wait(arn string) *store.Execution {
	n.t.Helper()
	select {
	case <-n.endedChan(arn):
	case <-time.After(10 * time.Second):
		n.t.Fatalf("%s did not end", arn)
	}
	rec, err := n.s.GetExecution(context.Background(), arn)
	if err != nil {
		n.t.Fatal(err)
	}
	return rec
}

func (n *node) start(name, def, input string) *store.Execution {
	n.t.Helper()
	rec, err := n.d.StartExecution(context.Background(), startReq(name, def, input))
	if err != nil {
		n.t.Fatal(err)
	}
	if rec.Status != "RUNNING" {
		n.endedChan(rec.ARN) // started and ended at once: the observer saw it
	}
	return rec
}

func startReq(name, def, input string) driver.StartRequest {
	return driver.StartRequest{
		ExecutionARN: "arn:aws:states:us-east-1:123456789012:execution:M:" + name, Name: name,
		StateMachineARN: smARN, StateMachineName: "M", Definition: def, Input: input, Region: "us-east-1",
		RoleARN: "arn:aws:iam::123456789012:role/r",
	}
}

func (n *node) eventTypes(arn string) string {
	n.t.Helper()
	evs, err := n.s.Events(context.Background(), arn, 0, 1000, false)
	if err != nil {
		n.t.Fatal(err)
	}
	var types []string
	for _, e := range evs {
		var v struct{ Type string }
		if err := json.Unmarshal(e.JSON, &v); err != nil {
			n.t.Fatal(err)
		}
		types = append(types, v.Type)
	}
	return strings.Join(types, ",")
}

// parse reads a task token the node made.
func (n *node) parse(tok string) (string, int64) {
	n.t.Helper()
	arn, id, err := n.keys.Parse(tok)
	if err != nil {
		n.t.Fatal(err)
	}
	return arn, id
}

func TestDurableImmediate(t *testing.T) {
	t.Parallel()
	n := newNode(t, t.TempDir(), clock.NewManual(epoch), nil)
	rec := n.start("e1", `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":1,"ResultPath":"$.r","End":true}}}`, `{"a":1}`)
	if rec.Status != "SUCCEEDED" || rec.Output != `{"a":1,"r":1}` {
		t.Errorf("%+v", rec)
	}
	got, err := n.s.GetExecution(context.Background(), rec.ARN)
	if err != nil || got.Status != "SUCCEEDED" {
		t.Errorf("stored %+v %v", got, err)
	}
	if types := n.eventTypes(rec.ARN); types != "ExecutionStarted,PassStateEntered,PassStateExited,ExecutionSucceeded" {
		t.Errorf("events %s", types)
	}
	if _, err := n.d.StartExecution(context.Background(), startReq("e1", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`, `{}`)); !errors.Is(err, store.ErrConflict) {
		t.Errorf("second start: %v", err)
	}
}

func TestDurableWaitAcrossRestart(t *testing.T) {
	t.Parallel()
	clk := clock.NewManual(epoch)
	n := newNode(t, t.TempDir(), clk, nil)
	def := `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":30,"Next":"P"},"P":{"Type":"Pass","Parameters":{"token.$":"States.UUID()","in.$":"$"},"End":true}}}`
	rec := n.start("w1", def, `{"x":1}`)
	if rec.Status != "RUNNING" {
		t.Fatalf("%+v", rec)
	}
	n.restart()
	clk.Advance(29 * time.Second)
	if got, err := n.s.GetExecution(context.Background(), rec.ARN); err != nil || got.Status != "RUNNING" {
		t.Fatalf("before the wait ended: %+v %v", got, err)
	}
	clk.Advance(time.Second)
	done := n.wait(rec.ARN)
	if done.Status != "SUCCEEDED" || !strings.Contains(done.Output, `"in":{"x":1}`) {
		t.Errorf("%+v", done)
	}
	if !done.Stop.Equal(epoch.Add(30 * time.Second)) {
		t.Errorf("stopped at %v", done.Stop)
	}
	if types := n.eventTypes(rec.ARN); types != "ExecutionStarted,WaitStateEntered,WaitStateExited,PassStateEntered,PassStateExited,ExecutionSucceeded" {
		t.Errorf("events %s", types)
	}
}

func TestDurableTasksAndRecovery(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	called := make(chan struct{})
	reg := resource.NewRegistry()
	reg.Register("arn:aws:states:::lambda:invoke", resource.Func(func(ctx context.Context, req *resource.Request) (any, error) {
		if calls.Add(1) == 1 {
			close(called)
			<-ctx.Done() // the first call never finishes: the driver stops under it
			return nil, ctx.Err()
		}
		return req.Input, nil
	}))
	n := newNode(t, t.TempDir(), clock.NewManual(epoch), reg)
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}}`
	rec := n.start("t1", def, `{"v":7}`)
	<-called
	n.restart()
	done := n.wait(rec.ARN)
	if done.Status != "SUCCEEDED" || done.Output != `{"v":7}` || calls.Load() != 2 {
		t.Errorf("%+v after %d calls", done, calls.Load())
	}
	if types := n.eventTypes(rec.ARN); types != "ExecutionStarted,TaskStateEntered,TaskScheduled,TaskStarted,TaskSucceeded,TaskStateExited,ExecutionSucceeded" {
		t.Errorf("events %s", types)
	}
}

func TestDurableActivities(t *testing.T) {
	t.Parallel()
	clk := clock.NewManual(epoch)
	n := newNode(t, t.TempDir(), clk, nil)
	d := n.d
	act := "arn:aws:states:us-east-1:123456789012:activity:work"
	def := `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"` + act + `","HeartbeatSeconds":2,"TimeoutSeconds":30,"Retry":[{"ErrorEquals":["Again"],"IntervalSeconds":1}],"End":true}}}`
	ctx := context.Background()
	rec := n.start("a1", def, `{"job":1}`)
	task, err := d.PollActivity(ctx, act, "worker-1", time.Minute)
	if err != nil || task == nil || task.Input != `{"job":1}` {
		t.Fatalf("poll: %+v %v", task, err)
	}
	arn, id := n.parse(task.Token)
	if arn != rec.ARN || id != task.TaskID {
		t.Fatalf("token of %s task %d; the task is %s %d", arn, id, task.ExecutionARN, task.TaskID)
	}
	if err := d.TaskHeartbeat(ctx, arn, id); err != nil {
		t.Fatal(err)
	}
	if err := d.TaskFailed(ctx, arn, id, "Again", "once more"); err != nil {
		t.Fatal(err)
	}
	if err := d.TaskSucceeded(ctx, arn, id, `{}`); !errors.Is(err, driver.ErrStale) {
		t.Errorf("success after failure: %v", err)
	}
	clk.Advance(time.Second) // the retry's interval
	task2, err := d.PollActivity(ctx, act, "worker-2", time.Minute)
	if err != nil || task2 == nil || task2.Token == task.Token {
		t.Fatalf("second poll: %+v %v", task2, err)
	}
	if err := d.TaskSucceeded(ctx, task2.ExecutionARN, task2.TaskID, `{"done":true}`); err != nil {
		t.Fatal(err)
	}
	done := n.wait(rec.ARN)
	if done.Output != `{"done":true}` {
		t.Errorf("%+v", done)
	}
	want := "ExecutionStarted,TaskStateEntered,ActivityScheduled,ActivityStarted,ActivityFailed,ActivityScheduled,ActivityStarted,ActivitySucceeded,TaskStateExited,ExecutionSucceeded"
	if types := n.eventTypes(rec.ARN); types != want {
		t.Errorf("events\n got  %s\n want %s", types, want)
	}
	if err := d.TaskSucceeded(ctx, "arn:aws:states:us-east-1:123456789012:execution:M:none", 1, `{}`); !errors.Is(err, driver.ErrNoSuchTask) {
		t.Errorf("a task of no execution: %v", err)
	}

	// A heartbeat timeout fails the task with States.HeartbeatTimeout.
	def2 := `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"` + act + `","HeartbeatSeconds":1,"End":true}}}`
	rec2 := n.start("a2", def2, `{}`)
	if task, err := d.PollActivity(ctx, act, "slow", time.Minute); task == nil || err != nil {
		t.Fatalf("no task: %v", err)
	}
	clk.Advance(time.Second)
	failed := n.wait(rec2.ARN)
	if failed.Status != "FAILED" || failed.Error != "States.HeartbeatTimeout" {
		t.Errorf("%+v", failed)
	}
	if got, err := d.PollActivity(ctx, act, "late", 0); got != nil || err != nil {
		t.Errorf("a finished execution's task was handed out: %+v %v", got, err)
	}
}

func TestDurableStop(t *testing.T) {
	t.Parallel()
	clk := clock.NewManual(epoch)
	n := newNode(t, t.TempDir(), clk, nil)
	rec := n.start("s1", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`, `{}`)
	if err := n.d.StopExecution(context.Background(), rec.ARN, "Stop", "by test"); err != nil {
		t.Fatal(err)
	}
	got, err := n.s.GetExecution(context.Background(), rec.ARN)
	if err != nil || got.Status != "ABORTED" || got.Error != "Stop" {
		t.Errorf("%+v %v", got, err)
	}
	if err := n.d.StopExecution(context.Background(), rec.ARN, "", ""); !errors.Is(err, driver.ErrExecutionClosed) {
		t.Errorf("second stop: %v", err)
	}
	// The timer went with the execution: the store has none left to claim.
	lease, err := n.s.RegisterNode(context.Background(), "probe", clk.Now(), clk.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.s.ClaimExecutions(context.Background(), lease, clk.Now(), 10); err != nil {
		t.Fatal(err)
	}
	if timers, err := n.s.ClaimTimers(context.Background(), lease, clk.Now().Add(2*time.Hour), clk.Now().Add(3*time.Hour), 10); err != nil || len(timers) != 0 {
		t.Errorf("timers left: %v %v", timers, err)
	}
}

func TestDurableManyWaiting(t *testing.T) {
	t.Parallel()
	clk := clock.NewManual(epoch)
	n := newNode(t, t.TempDir(), clk, nil)
	var arns []string
	for i := 0; i < 200; i++ {
		// Half wait in the heap (a minute at most), half in the store only.
		def := fmt.Sprintf(`{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":%d,"End":true}}}`, 30+i%2*3600)
		arns = append(arns, n.start(fmt.Sprint("m", i), def, `{}`).ARN)
	}
	clk.Advance(time.Hour + time.Minute)
	for _, arn := range arns {
		if e := n.wait(arn); e.Status != "SUCCEEDED" {
			t.Errorf("%s: %s", arn, e.Status)
		}
	}
}

// TestDurableCompletedBeforeSubmitted completes a task by its token while
// the call that hands the token out is still running (a .sync child that
// ends at once): the completion is recorded after the call's result, so the
// history keeps AWS's order.
func TestDurableCompletedBeforeSubmitted(t *testing.T) {
	t.Parallel()
	reg := resource.NewRegistry()
	var n *node
	reg.Register("arn:aws:states:::states:startExecution.sync:2", resource.Func(func(ctx context.Context, req *resource.Request) (any, error) {
		arn, id := n.parse(req.Token)
		if err := n.d.TaskSucceeded(ctx, arn, id, `{"child":"done"}`); err != nil {
			return nil, err
		}
		return nil, &resource.Submitted{Output: map[string]any{"ExecutionArn": "child"}}
	}))
	n = newNode(t, t.TempDir(), clock.NewManual(epoch), reg)
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2","End":true}}}`
	rec := n.start("early", def, `{}`)
	done := n.wait(rec.ARN)
	if done.Status != "SUCCEEDED" || done.Output != `{"child":"done"}` {
		t.Fatalf("%s %s", done.Status, done.Output)
	}
	if got := n.eventTypes(rec.ARN); got != "ExecutionStarted,TaskStateEntered,TaskScheduled,TaskStarted,TaskSubmitted,TaskSucceeded,TaskStateExited,ExecutionSucceeded" {
		t.Errorf("events %s", got)
	}
}

// TestDurableReplayDivergence alters a journal behind the driver's back:
// loading the execution replays it, finds a history other than the stored
// one, and refuses to go on, naming the execution.
func TestDurableReplayDivergence(t *testing.T) {
	t.Parallel()
	clk := clock.NewManual(epoch)
	dir := t.TempDir()
	n := newNode(t, dir, clk, nil)
	def := `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"Next":"C"},"C":{"Type":"Choice","Choices":[{"Variable":"$.go","BooleanEquals":true,"Next":"P"}],"Default":"F"},"P":{"Type":"Pass","End":true},"F":{"Type":"Fail"}}}`
	ok := n.start("ok", def, `{"go":true}`)
	bad := n.start("bad", def, `{"go":true}`)
	n.close()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	// The journal of "bad" gains a stop that never happened: replaying it
	// gives an aborted execution, and its history has no such end.
	if _, err := db.Exec(`INSERT INTO journal (execution, seq, body) VALUES ((SELECT id FROM executions WHERE arn = ?), 2, '{"k":"stop","t":1}')`, bad.ARN); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	n.open()
	// Loading it refuses to go on, naming the execution.
	err = n.d.Verify(context.Background(), bad.ARN)
	var re *driver.ReplayError
	if !errors.As(err, &re) || re.ExecutionARN != bad.ARN || !strings.Contains(err.Error(), bad.ARN) {
		t.Fatalf("verify of the altered execution: %v", err)
	}
	_, err = n.d.RedriveExecution(context.Background(), bad.ARN, "")
	if !errors.As(err, &re) {
		t.Errorf("redrive of the altered execution: %v", err)
	}
	clk.Advance(time.Minute)
	if done := n.wait(ok.ARN); done.Status != "SUCCEEDED" {
		t.Errorf("the sound execution: %+v", done)
	}
	if got, err := n.s.GetExecution(context.Background(), bad.ARN); err != nil || got.Status != "RUNNING" {
		t.Errorf("the altered execution moved: %+v %v", got, err)
	}
	// It can still be stopped: the stop is written without a replay.
	if err := n.d.StopExecution(context.Background(), bad.ARN, "Operator", "cannot be replayed"); err != nil {
		t.Fatalf("stop of the altered execution: %v", err)
	}
	got, err := n.s.GetExecution(context.Background(), bad.ARN)
	if err != nil || got.Status != "ABORTED" || got.Error != "Operator" || got.LastEventType != "ExecutionAborted" {
		t.Errorf("after the stop: %+v %v", got, err)
	}
	if types := n.eventTypes(bad.ARN); types != "ExecutionStarted,WaitStateEntered,ExecutionAborted" {
		t.Errorf("history %s", types)
	}
}

// TestDurableStopDuringReplay: a stop does not wait for a replay in
// progress. A Stop that comes while an execution is rebuilt is written in
// the store at once; the replayed execution then finds it moved, and a
// replay of the whole journal gives the history the stop wrote (Halt).
func TestDurableStopDuringReplay(t *testing.T) {
	t.Parallel()
	clk := clock.NewManual(epoch)
	dir := t.TempDir()
	n := newNode(t, dir, clk, nil)
	def := `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"Next":"P"},"P":{"Type":"Pass","End":true}}}`
	rec := n.start("w", def, `{}`)
	n.close()
	n.open()
	if err := n.d.StopExecutionWithoutReplay(context.Background(), rec.ARN, "Operator", "now"); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute) // the timer finds the execution ended
	got, err := n.s.GetExecution(context.Background(), rec.ARN)
	if err != nil || got.Status != "ABORTED" || got.Cause != "now" {
		t.Fatalf("%+v %v", got, err)
	}
	if err := n.d.Verify(context.Background(), rec.ARN); err != nil {
		t.Errorf("the journal does not give back the history: %v", err)
	}
	if types := n.eventTypes(rec.ARN); types != "ExecutionStarted,WaitStateEntered,ExecutionAborted" {
		t.Errorf("history %s", types)
	}
	// Redriven, it waits again and ends as it would have.
	n.rearm(rec.ARN)
	if _, err := n.d.RedriveExecution(context.Background(), rec.ARN, ""); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	if done := n.wait(rec.ARN); done.Status != "SUCCEEDED" {
		t.Errorf("after the redrive: %+v", done)
	}
}

// TestDurableHandover: a stop that reaches a node which does not own the
// execution goes to its owner, who stops it; a node that stops hands its
// lease back, and another node on the same database takes its executions
// over and finishes them.
func TestDurableHandover(t *testing.T) {
	t.Parallel()
	clk := clock.NewManual(epoch)
	dir := t.TempDir()
	a := newNode(t, dir, clk, nil)
	a.name = "a"
	a.restart()
	rec := a.start("h1", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":5,"End":true}}}`, `{}`)
	stopped := a.start("h2", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"End":true}}}`, `{}`)
	b := &node{t: t, dir: dir, name: "b", clk: clk, keys: a.keys, ended: map[string]chan struct{}{}}
	b.open()
	if err := b.d.StopExecution(context.Background(), stopped.ARN, "Operator", "from b"); err != nil {
		t.Fatalf("b's stop of a's execution: %v", err)
	}
	if err := b.d.StopExecution(context.Background(), stopped.ARN, "Operator", "twice"); !errors.Is(err, driver.ErrExecutionClosed) {
		t.Errorf("a second stop: %v", err)
	}
	clk.Advance(4 * time.Second) // a's lease loop looks at its inboxes
	if done := a.wait(stopped.ARN); done.Status != "ABORTED" || done.Cause != "from b" || done.Owner.Node != "a" {
		t.Errorf("the stopped execution: %+v", done)
	}
	a.close()
	clk.Advance(10 * time.Second) // b's lease loop runs and takes over
	done := b.wait(rec.ARN)
	if done.Status != "SUCCEEDED" || done.Owner.Node != "b" {
		t.Errorf("%+v", done)
	}
}

// TestObserveClaims: the lease loop's claim of executions to take over is
// timed for the claims' observer, each turn.
func TestObserveClaims(t *testing.T) {
	t.Parallel()
	clk := clock.NewManual(epoch)
	n := newNode(t, t.TempDir(), clk, nil)
	claims := make(chan string, 16)
	n.d.ObserveClaims(func(what string, took time.Duration) {
		if took < 0 {
			t.Errorf("a claim of %s took %v", what, took)
		}
		select {
		case claims <- what:
		default:
		}
	})
	clk.Advance(4 * time.Second) // a turn of the lease loop (every 10 s / 3)
	deadline := time.After(10 * time.Second)
	for {
		select {
		case what := <-claims:
			if what == "executions" {
				if st := n.d.NodeStats(); st.Node != "local" || st.Epoch == 0 {
					t.Errorf("node stats: %+v", st)
				}
				return
			}
		case <-deadline:
			t.Fatal("no claim of executions observed within 10 s of a lease loop's turn")
		}
	}
}
