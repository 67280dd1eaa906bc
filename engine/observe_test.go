package engine

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/baton-sh/baton/clock"
	"github.com/baton-sh/baton/driver"
	"github.com/baton-sh/baton/resource"
)

// TestObserveEdges: an execution's start, redrive and end carry the version
// it started through, when it (re)started and its redrive count; a
// redrive is told; a state machine deleted once its last execution ends is
// told after that end, and an activity's deletion too.
func TestObserveEdges(t *testing.T) {
	t.Parallel()
	clk := clock.NewManual(epoch)
	reg := resource.NewRegistry()
	var fail atomic.Bool
	fail.Store(true)
	reg.Register("arn:aws:states:::lambda:invoke", resource.Func(func(_ context.Context, req *resource.Request) (any, error) {
		if fail.Load() {
			return nil, errors.New("not yet")
		}
		return req.Input, nil
	}))
	e := newEngine(t, Options{Clock: clk, Resources: reg})
	rec := newRecorder()
	defer e.Subscribe(rec)()
	ctx := context.Background()
	sm := createMachine(t, e, "edges", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}}`, "")
	v, err := e.PublishStateMachineVersion(ctx, &PublishStateMachineVersionInput{StateMachineArn: sm})
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.StartExecution(ctx, &StartExecutionInput{StateMachineArn: v.StateMachineVersionArn, Name: "one"})
	if err != nil {
		t.Fatal(err)
	}
	x := out.ExecutionArn
	rec.waitFor(t, func(ev Event) bool { return ev.Kind == ExecutionFinished && ev.ExecutionARN == x })
	fail.Store(false)
	clk.Advance(time.Minute)
	if _, err := e.RedriveExecution(ctx, &RedriveExecutionInput{ExecutionArn: x}); err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, func(ev Event) bool {
		return ev.Kind == ExecutionFinished && ev.ExecutionARN == x && ev.Status == "SUCCEEDED"
	})
	var edges []Event
	rec.mu.Lock()
	for _, ev := range rec.events {
		switch ev.Kind {
		case ExecutionStarted, ExecutionRedriven, ExecutionFinished:
			edges = append(edges, ev)
		}
	}
	rec.mu.Unlock()
	want := []struct {
		kind    EventKind
		status  string
		start   time.Time
		redrive int
	}{
		{ExecutionStarted, "", epoch, 0},
		{ExecutionFinished, "FAILED", epoch, 0},
		{ExecutionRedriven, "", epoch.Add(time.Minute), 1},
		{ExecutionFinished, "SUCCEEDED", epoch.Add(time.Minute), 1},
	}
	if len(edges) != len(want) {
		t.Fatalf("%d edges: %+v", len(edges), edges)
	}
	for i, w := range want {
		ev := edges[i]
		if ev.Kind != w.kind || ev.Status != w.status || !ev.StartTime.Equal(w.start) || ev.RedriveCount != w.redrive ||
			ev.StateMachineVersionARN != v.StateMachineVersionArn || ev.StateMachineAliasARN != "" || ev.StateMachineARN != sm {
			t.Errorf("edge %d: %v %s start %v redrives %d version %q alias %q machine %q", i, ev.Kind, ev.Status, ev.StartTime, ev.RedriveCount,
				ev.StateMachineVersionARN, ev.StateMachineAliasARN, ev.StateMachineARN)
		}
	}

	// A deletion waits for the running execution, and is told after its end.
	w := createMachine(t, e, "deleted", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":5,"End":true}}}`, "")
	out, err = e.StartExecution(ctx, &StartExecutionInput{StateMachineArn: w})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.DeleteStateMachine(ctx, &DeleteStateMachineInput{StateMachineArn: w}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(5 * time.Second)
	rec.waitFor(t, func(ev Event) bool { return ev.Kind == StateMachineDeleted && ev.StateMachineARN == w })
	rec.mu.Lock()
	end, deleted := -1, -1
	for i, ev := range rec.events {
		switch {
		case ev.Kind == ExecutionFinished && ev.ExecutionARN == out.ExecutionArn:
			end = i
		case ev.Kind == StateMachineDeleted:
			deleted = i
		}
	}
	rec.mu.Unlock()
	if end < 0 || deleted < end {
		t.Errorf("the end at %d, the deletion at %d", end, deleted)
	}
	act, err := e.CreateActivity(ctx, &CreateActivityInput{Name: "gone"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.DeleteActivity(ctx, &ActivityInput{ActivityArn: act.ActivityArn}); err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, func(ev Event) bool { return ev.Kind == ActivityDeleted && ev.ActivityARN == act.ActivityArn })
}

// selective wants executions' ends only.
type selective struct{ *recorder }

func (selective) Kinds() []EventKind { return []EventKind{ExecutionFinished} }

// TestSelectiveObserver: an observer that names the kinds it wants gets
// those; the others are not made for it.
func TestSelectiveObserver(t *testing.T) {
	t.Parallel()
	e := newEngine(t, Options{Clock: clock.NewManual(epoch)})
	rec := newRecorder()
	defer e.Subscribe(selective{rec})()
	sm := createMachine(t, e, "few", `{"StartAt":"P","States":{"P":{"Type":"Pass","Next":"Q"},"Q":{"Type":"Pass","End":true}}}`, "")
	out, err := e.StartExecution(context.Background(), &StartExecutionInput{StateMachineArn: sm})
	if err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, func(ev Event) bool { return ev.Kind == ExecutionFinished })
	if got := rec.summary(out.ExecutionArn); got != "ExecutionFinished SUCCEEDED" {
		t.Errorf("told %s", got)
	}
}

// TestStats: the engine counts the executions it holds open, those that
// wait only on timers, and its timers; activity polls in flight.
func TestStats(t *testing.T) {
	t.Parallel()
	clk := clock.NewManual(epoch)
	e := newEngine(t, Options{Clock: clk})
	ctx := context.Background()
	act, err := e.CreateActivity(ctx, &CreateActivityInput{Name: "q"})
	if err != nil {
		t.Fatal(err)
	}
	waits := createMachine(t, e, "waits", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":10,"End":true}}}`, "")
	works := createMachine(t, e, "works", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"`+act.ActivityArn+`","End":true}}}`, "")
	if got := e.Stats(); got != (Stats{Node: driver.NodeStats{Node: "local", Epoch: 1}}) {
		t.Errorf("before: %+v", got)
	}
	for _, sm := range []string{waits, works} {
		if _, err := e.StartExecution(ctx, &StartExecutionInput{StateMachineArn: sm}); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := e.Stats(), (Stats{OpenExecutions: 2, IdleExecutions: 1, OwnedExecutions: 2, TimersQueued: 1, Node: driver.NodeStats{Node: "local", Epoch: 1}}); got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	task, err := e.GetActivityTask(ctx, &GetActivityTaskInput{ActivityArn: act.ActivityArn})
	if err != nil || task.TaskToken == "" {
		t.Fatalf("%+v %v", task, err)
	}
	if _, err := e.SendTaskSuccess(ctx, &SendTaskSuccessInput{TaskToken: task.TaskToken, Output: "{}"}); err != nil {
		t.Fatal(err)
	}
	if got, want := e.Stats(), (Stats{OpenExecutions: 1, IdleExecutions: 1, OwnedExecutions: 1, TimersQueued: 1, Node: driver.NodeStats{Node: "local", Epoch: 1}}); got != want {
		t.Errorf("after the task: got %+v, want %+v", got, want)
	}
	// A poll that waits counts until it ends.
	polled := make(chan error, 1)
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		_, err := e.GetActivityTask(pctx, &GetActivityTaskInput{ActivityArn: act.ActivityArn})
		polled <- err
	}()
	done := e.polling(act.ActivityArn) // as a second poll would
	stats, err := e.ActivityStats(ctx)
	if err != nil || len(stats) != 1 || stats[0].Pollers < 1 {
		t.Errorf("%+v %v", stats, err)
	}
	done()
	cancel()
	if err := <-polled; err != nil && !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	if stats, err := e.ActivityStats(ctx); err != nil || stats[0].Pollers != 0 {
		t.Errorf("once the polls ended: %+v %v", stats, err)
	}
}

// historian is an inline observer that notes each event's kind and the
// type of the history event it comes from, while it may read it.
type historian struct {
	mu   sync.Mutex
	seen []string
}

func (h *historian) Observe(events []Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, ev := range events {
		s := ev.Kind.String()
		if ev.History != nil {
			s += "/" + ev.History.Type.String()
		}
		h.seen = append(h.seen, s)
	}
}

func (h *historian) Dropped(n int) { panic("an inline observer is never told of drops") }

// TestInlineObserver: an inline observer is told a step before the call
// that made it returns, while it may read the history events, beside an
// observer that has a queue; both are told the same.
func TestInlineObserver(t *testing.T) {
	t.Parallel()
	e := newEngine(t, Options{Clock: clock.NewManual(epoch)})
	ctx := context.Background()
	m, err := e.Load([]byte(`{"StartAt":"P","States":{"P":{"Type":"Pass","Next":"Q"},"Q":{"Type":"Pass","End":true}}}`), LoadOptions{Name: "inline"})
	if err != nil {
		t.Fatal(err)
	}
	in := &historian{}
	unsubscribe := e.SubscribeInline(in)
	run := func() (arn string) {
		t.Helper()
		in.mu.Lock()
		in.seen = nil
		in.mu.Unlock()
		r, err := m.Run(ctx, map[string]any{}, RunOptions{})
		if err != nil || !r.Succeeded() {
			t.Fatalf("%+v %v", r, err)
		}
		arn = r.ExecutionARN()
		r.Release() // its history goes back for reuse
		return arn
	}
	const want = "ExecutionStarted/ExecutionStarted, StateEntered/PassStateEntered, StateExited/PassStateExited, " +
		"StateEntered/PassStateEntered, StateExited/PassStateExited, ExecutionFinished/ExecutionSucceeded"
	for _, queued := range []bool{false, true} {
		rec := newRecorder()
		if queued {
			defer e.Subscribe(rec)()
		}
		arn := run()
		in.mu.Lock()
		got := strings.Join(in.seen, ", ")
		in.mu.Unlock()
		if got != want {
			t.Errorf("with a queued observer %v, the inline one was told %s", queued, got)
		}
		if queued {
			rec.waitFor(t, func(ev Event) bool { return ev.Kind == ExecutionFinished })
			if got, want := rec.summary(arn), "ExecutionStarted, StateEntered P, StateExited P, StateEntered Q, StateExited Q, "+
				"ExecutionFinished SUCCEEDED"; got != want {
				t.Errorf("the queued one was told %s", got)
			}
		}
	}
	unsubscribe()
	run()
	in.mu.Lock()
	defer in.mu.Unlock()
	if len(in.seen) != 0 {
		t.Errorf("told after unsubscribing: %v", in.seen)
	}
}
