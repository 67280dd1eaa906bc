package events_test

import (
	"context"
	"testing"
	"time"

	"github.com/baton-sh/baton/clock"
	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/engine/enginetest"
	"github.com/baton-sh/baton/eventpattern"
	"github.com/baton-sh/baton/events"
	"github.com/baton-sh/baton/store"
	"github.com/baton-sh/baton/trigger"
	"github.com/baton-sh/baton/webhook"
)

var t0 = time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)

// lateEngine lets the bus be made before the engine whose Notify it is.
type lateEngine struct{ *engine.Engine }

// world is an engine whose status-change events go to a bus through the
// store's notices, delivered by a webhook dispatcher on a manual clock.
type world struct {
	e   *engine.Engine
	st  store.Store
	bus *events.Bus
	d   *webhook.Dispatcher
	clk *clock.Manual
}

func newWorld(t *testing.T, rules []trigger.Rule, maxChain int) *world {
	t.Helper()
	w := &world{clk: clock.NewManual(t0)}
	late := &lateEngine{}
	bus, err := events.New(late, rules, events.Options{Account: "123456789012", MaxChain: maxChain})
	if err != nil {
		t.Fatal(err)
	}
	w.bus = bus
	w.e, w.st = enginetest.New(t, engine.Options{Clock: w.clk, Notify: webhook.Join(webhook.Notices(nil), bus.StatusNotices)})
	late.Engine = w.e
	w.d = webhook.NewDispatcher(w.st, webhook.Options{Clock: w.clk, Local: map[string]func(context.Context, []byte) error{events.NoticeTarget: bus.Deliver}})
	return w
}

func (w *world) machine(t *testing.T, name, def string) string {
	t.Helper()
	out, err := w.e.CreateStateMachine(context.Background(), &engine.CreateStateMachineInput{Name: name, RoleArn: "arn:aws:iam::123456789012:role/r", Definition: def})
	if err != nil {
		t.Fatal(err)
	}
	return out.StateMachineArn
}

func (w *world) executions(t *testing.T, sm string) []engine.ExecutionListItem {
	t.Helper()
	out, err := w.e.ListExecutions(context.Background(), &engine.ListExecutionsInput{StateMachineArn: sm})
	if err != nil {
		t.Fatal(err)
	}
	return out.Executions
}

const failing = `{"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Oops", "Cause": "on purpose"}}}`

// A failed execution's status-change event starts the rule's target once,
// with the transformed event; the notice is gone once delivered.
func TestStatusChangeStartsMachine(t *testing.T) {
	w := newWorld(t, []trigger.Rule{{Name: "on-failure", Pattern: `{"source": ["aws.states"], "detail": {"status": ["FAILED"]}}`,
		Target: trigger.Target{StateMachine: "alert"},
		Transform: eventpattern.Target{InputTransformer: &eventpattern.InputTransformer{
			InputPathsMap: map[string]string{"arn": "$.detail.executionArn", "error": "$.detail.error"},
			InputTemplate: `{"failed": <arn>, "error": <error>, "rule": <aws.events.rule-arn>}`}}}}, 0)
	fails := w.machine(t, "fails", failing)
	alert := w.machine(t, "alert", `{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}`)
	ctx := context.Background()
	out, err := w.e.StartExecution(ctx, &engine.StartExecutionInput{StateMachineArn: fails, Name: "one"})
	if err != nil {
		t.Fatal(err)
	}
	// RUNNING matches no rule: one notice, the FAILED event's.
	due, err := w.st.DueNotices(ctx, t0, 10)
	if err != nil || len(due) != 1 || due[0].Target != events.NoticeTarget {
		t.Fatalf("notices: %+v %v", due, err)
	}
	if n := w.d.Deliver(ctx); n != 1 {
		t.Fatalf("delivered %d", n)
	}
	execs := w.executions(t, alert)
	if len(execs) != 1 {
		t.Fatalf("%d alert executions", len(execs))
	}
	d, err := w.e.DescribeExecution(ctx, &engine.DescribeExecutionInput{ExecutionArn: execs[0].ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"failed": "` + out.ExecutionArn + `", "error": "Oops", "rule": "arn:aws:events:us-east-1:123456789012:rule/on-failure"}`
	if d.Input == nil || *d.Input != want {
		t.Errorf("input %v, want %s", d.Input, want)
	}
	if n := w.d.Deliver(ctx); n != 0 {
		t.Errorf("delivered %d more", n)
	}
}

// A rule that starts the machine whose failures it watches stops after
// MaxChain executions, however often the dispatcher runs.
func TestStatusChangeLoopStops(t *testing.T) {
	w := newWorld(t, []trigger.Rule{{Name: "again", Pattern: `{"source": ["aws.states"], "detail": {"status": ["FAILED"]}}`,
		Target: trigger.Target{StateMachine: "loop"}}}, 4)
	loop := w.machine(t, "loop", failing)
	ctx := context.Background()
	if _, err := w.e.StartExecution(ctx, &engine.StartExecutionInput{StateMachineArn: loop, Name: "first"}); err != nil {
		t.Fatal(err)
	}
	for range 10 {
		w.d.Deliver(ctx)
	}
	// The first, then 4 started by the rule.
	if n := len(w.executions(t, loop)); n != 5 {
		t.Errorf("%d executions, want 5", n)
	}
	if left, err := w.st.DueNotices(ctx, t0.Add(time.Hour), 10); err != nil || len(left) != 0 {
		t.Errorf("notices left: %d %v", len(left), err)
	}
}
