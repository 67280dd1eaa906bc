package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baton-sh/baton/clock"
	"github.com/baton-sh/baton/resource"
	"github.com/baton-sh/baton/store/sqlite"
	"github.com/baton-sh/baton/token"
)

var epoch = time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)

// newEngine is an engine on a fresh SQLite data folder.
func newEngine(t *testing.T, o Options) *Engine {
	t.Helper()
	st, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	o.Store = st
	e, err := New(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		e.Close()
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	})
	return e
}

func createMachine(t *testing.T, e *Engine, name, def, typ string) string {
	t.Helper()
	out, err := e.CreateStateMachine(context.Background(), &CreateStateMachineInput{Name: name, Definition: def, Type: typ,
		RoleArn: "arn:aws:iam::123456789012:role/r"})
	if err != nil {
		t.Fatal(err)
	}
	return out.StateMachineArn
}

// recorder is an observer that keeps what it is told.
type recorder struct {
	mu      sync.Mutex
	events  []Event
	dropped int
	changed chan struct{}
}

func newRecorder() *recorder { return &recorder{changed: make(chan struct{}, 1)} }

func (r *recorder) Observe(events []Event) {
	r.mu.Lock()
	r.events = append(r.events, events...)
	r.mu.Unlock()
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

func (r *recorder) Dropped(n int) {
	r.mu.Lock()
	r.dropped += n
	r.mu.Unlock()
}

// waitFor waits until the recorder holds an event that matches.
func (r *recorder) waitFor(t *testing.T, match func(Event) bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		r.mu.Lock()
		for _, ev := range r.events {
			if match(ev) {
				r.mu.Unlock()
				return
			}
		}
		r.mu.Unlock()
		select {
		case <-r.changed:
		case <-deadline:
			t.Fatal("the awaited event never came")
		}
	}
}

func (r *recorder) summary(arn string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var parts []string
	for _, ev := range r.events {
		if ev.ExecutionARN != arn {
			continue
		}
		s := ev.Kind.String()
		switch {
		case ev.State != "":
			s += " " + ev.State
		case ev.Kind == ExecutionFinished:
			s += " " + ev.Status
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

// TestObserver: an observer learns each step of a Standard execution after
// it is durable: states, tasks, timers, the end.
func TestObserver(t *testing.T) {
	t.Parallel()
	clk := clock.NewManual(epoch)
	reg := resource.NewRegistry()
	reg.Register("arn:aws:states:::lambda:invoke", resource.Func(func(_ context.Context, req *resource.Request) (any, error) {
		return req.Input, nil
	}))
	e := newEngine(t, Options{Clock: clk, Resources: reg})
	rec := newRecorder()
	defer e.Subscribe(rec)()
	sm := createMachine(t, e, "observed", `{"StartAt":"W","States":{
		"W":{"Type":"Wait","Seconds":10,"Next":"T"},
		"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}}`, "")
	out, err := e.StartExecution(context.Background(), &StartExecutionInput{StateMachineArn: sm, Name: "one"})
	if err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, func(ev Event) bool { return ev.Kind == TimerArmed })
	clk.Advance(10 * time.Second)
	rec.waitFor(t, func(ev Event) bool { return ev.Kind == ExecutionFinished })
	want := "ExecutionStarted, StateEntered W, TimerArmed, TimerFired, StateExited W, StateEntered T, TaskScheduled T, " +
		"TaskStarted T, TaskSucceeded T, StateExited T, ExecutionFinished SUCCEEDED"
	if got := rec.summary(out.ExecutionArn); got != want {
		t.Errorf("events\n got  %s\n want %s", got, want)
	}
}

// blocked is an observer that does not return until it is let go.
type blocked struct {
	recorder
	gate chan struct{}
}

func (b *blocked) Observe(events []Event) {
	<-b.gate
	b.recorder.Observe(events)
}

// TestSlowObserver: an observer that does not keep up never holds
// executions back; it is told how many batches it lost.
func TestSlowObserver(t *testing.T) {
	t.Parallel()
	e, err := New(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	b := &blocked{recorder: *newRecorder(), gate: make(chan struct{})}
	stop := e.Subscribe(b)
	m, err := e.Load([]byte(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	in, err := e.ParseInput(json.RawMessage(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	n := observerQueue + 100
	for i := range n {
		run, err := m.Run(context.Background(), in, RunOptions{Name: fmt.Sprint("e", i)})
		if err != nil || !run.Succeeded() {
			t.Fatalf("execution %d: %v %v", i, run.Status(), err)
		}
	}
	close(b.gate)
	stop()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.dropped == 0 || len(b.events) == 0 {
		t.Errorf("%d events seen, %d batches dropped, though the observer was %d behind", len(b.events), b.dropped, n)
	}
}

// TestObserveExpress: an Express execution keeps no history, and its
// observers still learn that it started and how it ended.
func TestObserveExpress(t *testing.T) {
	t.Parallel()
	e := newEngine(t, Options{Clock: clock.NewVirtual(epoch)})
	rec := newRecorder()
	defer e.Subscribe(rec)()
	sm := createMachine(t, e, "quick", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"Next":"F"},"F":{"Type":"Fail","Error":"E"}}}`, "EXPRESS")
	out, err := e.StartSyncExecution(context.Background(), &StartExecutionInput{StateMachineArn: sm})
	if err != nil || out.Status != "FAILED" {
		t.Fatalf("%+v %v", out, err)
	}
	rec.waitFor(t, func(ev Event) bool { return ev.Kind == ExecutionFinished })
	if got, want := rec.summary(out.ExecutionArn), "ExecutionStarted, TimerArmed, TimerFired, ExecutionFinished FAILED"; got != want {
		t.Errorf("events\n got  %s\n want %s", got, want)
	}
}

// TestCompileCacheBound: the compiled definitions kept stay within the
// bound, however many distinct ones run.
func TestCompileCacheBound(t *testing.T) {
	t.Parallel()
	e := newEngine(t, Options{CompileCache: 8})
	for i := range 40 {
		def := fmt.Sprintf(`{"StartAt":"P","States":{"P":{"Type":"Pass","Result":%d,"End":true}}}`, i)
		sm := createMachine(t, e, fmt.Sprint("m", i), def, "EXPRESS")
		out, err := e.StartSyncExecution(context.Background(), &StartExecutionInput{StateMachineArn: sm})
		if err != nil || out.Status != "SUCCEEDED" || *out.Output != fmt.Sprint(i) {
			t.Fatalf("run %d: %+v %v", i, out, err)
		}
	}
	if n := e.machines.len(); n > 8 {
		t.Errorf("%d machines cached, bound 8", n)
	}
}

// TestForgedToken: a token made with another key, or altered, is refused
// before anything is looked up.
func TestForgedToken(t *testing.T) {
	t.Parallel()
	e := newEngine(t, Options{})
	act, err := e.CreateActivity(context.Background(), &CreateActivityInput{Name: "work"})
	if err != nil {
		t.Fatal(err)
	}
	sm := createMachine(t, e, "waits", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"`+act.ActivityArn+`","End":true}}}`, "")
	started, err := e.StartExecution(context.Background(), &StartExecutionInput{StateMachineArn: sm, Name: "x"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{
		token.RandomKey().Make(started.ExecutionArn, 1, 0),
		"v1." + strings.Repeat("A", 40) + ".1.1",
		"not a token",
	} {
		_, err := e.SendTaskSuccess(context.Background(), &SendTaskSuccessInput{TaskToken: tok, Output: "{}"})
		if CodeOf(err) != InvalidToken {
			t.Errorf("%q: %v, want InvalidToken", tok, err)
		}
	}
	task, err := e.GetActivityTask(context.Background(), &GetActivityTaskInput{ActivityArn: act.ActivityArn})
	if err != nil || task.TaskToken == "" {
		t.Fatalf("poll: %+v %v", task, err)
	}
	if _, err := e.SendTaskSuccess(context.Background(), &SendTaskSuccessInput{TaskToken: task.TaskToken, Output: `{"done":1}`}); err != nil {
		t.Fatal(err)
	}
	d, err := e.DescribeExecution(context.Background(), &DescribeExecutionInput{ExecutionArn: started.ExecutionArn})
	if err != nil || d.Status != "SUCCEEDED" {
		t.Errorf("%+v %v", d, err)
	}
}

// TestErrors: refusals carry the API's codes; errors.Is matches by code.
func TestErrors(t *testing.T) {
	t.Parallel()
	e := newEngine(t, Options{})
	_, err := e.DescribeExecution(context.Background(), &DescribeExecutionInput{ExecutionArn: "arn:aws:states:us-east-1:123456789012:execution:m:none"})
	if CodeOf(err) != ExecutionDoesNotExist || !errors.Is(err, &Error{Code: ExecutionDoesNotExist}) || errors.Is(err, &Error{Code: InvalidArn}) {
		t.Errorf("%v", err)
	}
	_, err = e.ListStateMachines(context.Background(), &ListStateMachinesInput{MaxResults: 1001})
	if CodeOf(err) != ValidationException {
		t.Errorf("%v", err)
	}
	if CodeOf(errors.New("other")) != "" {
		t.Error("a plain error has a code")
	}
}

// TestTimeJSON: times are seconds since the epoch with milliseconds.
func TestTimeJSON(t *testing.T) {
	for _, tt := range []struct {
		t    time.Time
		want string
	}{
		{time.UnixMilli(1700000000123), "1700000000.123"},
		{time.UnixMilli(1700000000007), "1700000000.007"},
		{time.UnixMilli(5), "0.005"},
	} {
		got, err := json.Marshal(Time(tt.t))
		if err != nil || string(got) != tt.want {
			t.Errorf("%v: %s %v, want %s", tt.t, got, err, tt.want)
		}
	}
}

// TestInProcess: without a store the engine runs executions in-process,
// and refuses what needs a store.
func TestInProcess(t *testing.T) {
	t.Parallel()
	e, err := New(context.Background(), Options{Region: "eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	m, err := e.Load([]byte(`{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"n.$":"$$.Execution.Name"},"End":true}}}`), LoadOptions{Name: "local"})
	if err != nil {
		t.Fatal(err)
	}
	in, err := e.ParseInput(json.RawMessage(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	run, err := m.Run(context.Background(), in, RunOptions{Name: "r1"})
	if err != nil {
		t.Fatal(err)
	}
	if !run.Succeeded() || run.ExecutionARN() != "arn:aws:states:eu-west-1:123456789012:execution:local:r1" {
		t.Errorf("%s %s", run.Status(), run.ExecutionARN())
	}
	var ve *ValidationError
	if _, err := e.Load([]byte(`{"StartAt":"X","States":{}}`), LoadOptions{}); !errors.As(err, &ve) {
		t.Errorf("invalid definition: %v", err)
	}
	if _, err := e.ListStateMachines(context.Background(), &ListStateMachinesInput{}); !errors.Is(err, errNoStore) {
		t.Errorf("a list without a store: %v", err)
	}
}

// TestClientErrors: what the client got wrong is answered with AWS's code
// and message, never as the server's failure.
func TestClientErrors(t *testing.T) {
	t.Parallel()
	e := newEngine(t, Options{})
	ctx := context.Background()
	sm := createMachine(t, e, "m", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`, "")
	_, err := e.StartExecution(ctx, &StartExecutionInput{StateMachineArn: sm, TraceHeader: strings.Repeat("x", 257)})
	if CodeOf(err) != ValidationException || !strings.Contains(err.Error(), "traceHeader") {
		t.Errorf("long trace header: %v", err)
	}
	_, err = e.ListStateMachines(ctx, &ListStateMachinesInput{MaxResults: -1})
	if CodeOf(err) != ValidationException || !strings.Contains(err.Error(), "greater than or equal to 0") {
		t.Errorf("negative maxResults: %v", err)
	}
	// A token of the right kind whose position is not one.
	forged := encodeToken("exec", "not-a-cursor")
	_, err = e.ListExecutions(ctx, &ListExecutionsInput{StateMachineArn: sm, NextToken: forged})
	if CodeOf(err) != InvalidToken {
		t.Errorf("forged nextToken: %v", err)
	}
	// AWS accepts a Distributed Map reading from S3; Baton cannot run it
	// yet, and says so when the state machine is created.
	_, err = e.CreateStateMachine(ctx, &CreateStateMachineInput{Name: "reader", RoleArn: "arn:aws:iam::123456789012:role/r", Definition: `{"StartAt":"M","States":{"M":{"Type":"Map",
		"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON"},"Parameters":{"Bucket":"b","Key":"k"}},
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`})
	if CodeOf(err) != InvalidDefinition || !strings.Contains(err.Error(), "ItemReader") {
		t.Errorf("ItemReader: %v", err)
	}
}

// TestDeleteStateMachine: a state machine deleted while an execution runs
// is DELETING (no new executions, no namesake) until that execution ends,
// at its next state transition; then it is gone with its versions and
// aliases, and one created again under the same name lists only its own
// executions.
func TestDeleteStateMachine(t *testing.T) {
	t.Parallel()
	clk := clock.NewManual(epoch)
	e := newEngine(t, Options{Clock: clk})
	rec := newRecorder()
	e.Subscribe(rec)
	ctx := context.Background()
	def := `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"Next":"P"},"P":{"Type":"Pass","End":true}}}`
	sm := createMachine(t, e, "again", def, "")
	v, err := e.PublishStateMachineVersion(ctx, &PublishStateMachineVersionInput{StateMachineArn: sm})
	if err != nil {
		t.Fatal(err)
	}
	old, err := e.StartExecution(ctx, &StartExecutionInput{StateMachineArn: sm, Name: "old"})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // idempotent
		if _, err := e.DeleteStateMachine(ctx, &DeleteStateMachineInput{StateMachineArn: sm}); err != nil {
			t.Fatal(err)
		}
	}
	if d, err := e.DescribeStateMachine(ctx, &DescribeStateMachineInput{StateMachineArn: sm}); err != nil || d.Status != "DELETING" {
		t.Errorf("while its execution runs: %+v %v", d, err)
	}
	_, err = e.StartExecution(ctx, &StartExecutionInput{StateMachineArn: v.StateMachineVersionArn})
	if CodeOf(err) != StateMachineDeleting {
		t.Errorf("start while deleting: %v", err)
	}
	_, err = e.CreateStateMachine(ctx, &CreateStateMachineInput{Name: "again", Definition: def, RoleArn: "arn:aws:iam::123456789012:role/r"})
	if CodeOf(err) != StateMachineDeleting {
		t.Errorf("create while deleting: %v", err)
	}
	clk.Advance(time.Hour) // the Wait ends: the next transition
	rec.waitFor(t, func(ev Event) bool { return ev.ExecutionARN == old.ExecutionArn && ev.Kind == ExecutionFinished })
	d, err := e.DescribeExecution(ctx, &DescribeExecutionInput{ExecutionArn: old.ExecutionArn})
	if err != nil || d.Status != "ABORTED" || !strings.Contains(d.Cause, "was deleted") {
		t.Errorf("the running execution: %+v %v", d, err)
	}
	for _, a := range []string{sm, v.StateMachineVersionArn} {
		if _, err := e.DescribeStateMachine(ctx, &DescribeStateMachineInput{StateMachineArn: a}); CodeOf(err) != StateMachineDoesNotExist {
			t.Errorf("%s after its executions ended: %v", a, err)
		}
	}
	clk.Advance(time.Second)
	if again := createMachine(t, e, "again", def, ""); again != sm {
		t.Fatalf("%s, then %s", sm, again)
	}
	list, err := e.ListExecutions(ctx, &ListExecutionsInput{StateMachineArn: sm})
	if err != nil || len(list.Executions) != 0 || list.NextToken != nil {
		t.Fatalf("the new state machine lists %+v %v", list, err)
	}
	clk.Advance(time.Second)
	if _, err := e.StartExecution(ctx, &StartExecutionInput{StateMachineArn: sm, Name: "new"}); err != nil {
		t.Fatal(err)
	}
	list, err = e.ListExecutions(ctx, &ListExecutionsInput{StateMachineArn: sm})
	if err != nil || len(list.Executions) != 1 || list.Executions[0].Name != "new" {
		t.Errorf("%+v %v", list, err)
	}
	// Without running executions, a state machine goes at once.
	idle := createMachine(t, e, "idle", def, "")
	if _, err := e.DeleteStateMachine(ctx, &DeleteStateMachineInput{StateMachineArn: idle}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.DescribeStateMachine(ctx, &DescribeStateMachineInput{StateMachineArn: idle}); CodeOf(err) != StateMachineDoesNotExist {
		t.Errorf("an idle state machine deleted: %v", err)
	}
}

// TestDrain: a poll that waits for a task is answered, with none, as soon
// as the engine drains.
func TestDrain(t *testing.T) {
	t.Parallel()
	e := newEngine(t, Options{})
	ctx := context.Background()
	act, err := e.CreateActivity(ctx, &CreateActivityInput{Name: "idle"})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan *GetActivityTaskOutput, 1)
	go func() {
		out, err := e.GetActivityTask(ctx, &GetActivityTaskInput{ActivityArn: act.ActivityArn})
		if err != nil {
			t.Error(err)
		}
		done <- out
	}()
	e.Drain()
	select {
	case out := <-done:
		if out.TaskToken != "" {
			t.Errorf("%+v", out)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the poll was not answered")
	}
	// A poll after the drain is answered at once too.
	out, err := e.GetActivityTask(ctx, &GetActivityTaskInput{ActivityArn: act.ActivityArn})
	if err != nil || out.TaskToken != "" {
		t.Errorf("%+v %v", out, err)
	}
}

// TestListsByRegion: lists show the resources of the caller's region only,
// as AWS's do, and page through them.
func TestListsByRegion(t *testing.T) {
	t.Parallel()
	e := newEngine(t, Options{})
	ctx := context.Background()
	def := `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`
	for _, region := range []string{"us-east-1", "eu-west-1", "ap-south-1"} {
		for _, name := range []string{"a", "b", "c"} {
			if _, err := e.CreateStateMachine(ctx, &CreateStateMachineInput{Caller: Caller{Region: region}, Name: name, Definition: def, RoleArn: "arn:aws:iam::123456789012:role/r"}); err != nil {
				t.Fatal(err)
			}
			if _, err := e.CreateActivity(ctx, &CreateActivityInput{Caller: Caller{Region: region}, Name: name}); err != nil {
				t.Fatal(err)
			}
		}
	}
	var machines, activities []string
	token := ""
	for {
		out, err := e.ListStateMachines(ctx, &ListStateMachinesInput{Caller: Caller{Region: "eu-west-1"}, MaxResults: 2, NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.StateMachines {
			machines = append(machines, m.StateMachineArn)
		}
		if out.NextToken == nil {
			break
		}
		token = *out.NextToken
	}
	acts, err := e.ListActivities(ctx, &ListActivitiesInput{Caller: Caller{Region: "eu-west-1"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range acts.Activities {
		activities = append(activities, a.ActivityArn)
	}
	for _, list := range [][]string{machines, activities} {
		if len(list) != 3 {
			t.Errorf("eu-west-1 lists %v", list)
		}
		for _, a := range list {
			if !strings.Contains(a, ":eu-west-1:") {
				t.Errorf("eu-west-1 lists %s", a)
			}
		}
	}
}

// TestSyncContext: an Express execution started synchronously has no
// RedriveCount in its context object, as on AWS; a Standard one has.
func TestSyncContext(t *testing.T) {
	t.Parallel()
	e := newEngine(t, Options{})
	ctx := context.Background()
	def := `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"execution.$":"$$.Execution"},"End":true}}}`
	sync := createMachine(t, e, "sync", def, "EXPRESS")
	out, err := e.StartSyncExecution(ctx, &StartExecutionInput{StateMachineArn: sync})
	if err != nil || out.Status != "SUCCEEDED" || out.Output == nil {
		t.Fatalf("%+v %v", out, err)
	}
	if strings.Contains(*out.Output, "RedriveCount") || !strings.Contains(*out.Output, `"Name"`) {
		t.Errorf("a synchronous Express execution's context: %s", *out.Output)
	}
	std := createMachine(t, e, "std", def, "")
	started, err := e.StartExecution(ctx, &StartExecutionInput{StateMachineArn: std})
	if err != nil {
		t.Fatal(err)
	}
	d, err := e.DescribeExecution(ctx, &DescribeExecutionInput{ExecutionArn: started.ExecutionArn})
	if err != nil || d.Output == nil || !strings.Contains(*d.Output, `"RedriveCount":0`) {
		t.Errorf("a Standard execution's context: %+v %v", d, err)
	}
}
