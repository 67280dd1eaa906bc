package tracing_test

import (
	"context"
	"sync"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/baton-sh/baton/clock"
	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/engine/enginetest"
	"github.com/baton-sh/baton/tracing"
)

// recorder is an exporter that tells the test when a root span ends.
type recorder struct {
	mu    sync.Mutex
	spans []sdktrace.ReadOnlySpan
	roots chan string
}

func (r *recorder) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range spans {
		r.spans = append(r.spans, s)
		if !s.Parent().IsValid() || s.Parent().IsRemote() {
			r.roots <- s.Name()
		}
	}
	return nil
}
func (r *recorder) Shutdown(context.Context) error { return nil }

var t0 = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func TestSpans(t *testing.T) {
	clk := clock.NewManual(t0)
	e, _ := enginetest.New(t, engine.Options{Clock: clk})
	rec := &recorder{roots: make(chan string, 8)}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(rec), sdktrace.WithIDGenerator(tracing.IDs{}))
	tr := tracing.New(e, tp, tracing.Configured)
	defer e.Subscribe(tr)()
	ctx := context.Background()
	act, err := e.CreateActivity(ctx, &engine.CreateActivityInput{Name: "work"})
	if err != nil {
		t.Fatal(err)
	}
	def := `{"StartAt":"Prepare","States":{
		"Prepare":{"Type":"Pass","Next":"Work"},
		"Work":{"Type":"Task","Resource":"` + act.ActivityArn + `","Retry":[{"ErrorEquals":["Flaky"],"IntervalSeconds":1}],"End":true}}}`
	create := func(name, tracingCfg string) string {
		out, err := e.CreateStateMachine(ctx, &engine.CreateStateMachineInput{Name: name, Definition: def, RoleArn: "arn:aws:iam::123456789012:role/r",
			TracingConfiguration: []byte(tracingCfg)})
		if err != nil {
			t.Fatal(err)
		}
		return out.StateMachineArn
	}
	untraced := create("untraced", `{"enabled":false}`)
	traced := create("traced", `{"enabled":true}`)
	work := func(fail bool) {
		t.Helper()
		task, err := e.GetActivityTask(ctx, &engine.GetActivityTaskInput{ActivityArn: act.ActivityArn})
		if err != nil || task.TaskToken == "" {
			t.Fatalf("%+v %v", task, err)
		}
		if fail {
			_, err = e.SendTaskFailure(ctx, &engine.SendTaskFailureInput{TaskToken: task.TaskToken, Error: "Flaky", Cause: "try again"})
		} else {
			_, err = e.SendTaskSuccess(ctx, &engine.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: `{}`})
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.StartExecution(ctx, &engine.StartExecutionInput{StateMachineArn: untraced, Name: "u"}); err != nil {
		t.Fatal(err)
	}
	work(false)
	// The caller's trace, as W3C's traceparent.
	parent := "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	out, err := e.StartExecution(ctx, &engine.StartExecutionInput{StateMachineArn: traced, Name: "x", TraceHeader: parent})
	if err != nil {
		t.Fatal(err)
	}
	work(true)
	clk.Advance(time.Second) // the retry's interval
	work(false)
	select {
	case name := <-rec.roots:
		if name != "traced" {
			t.Fatalf("root %q", name)
		}
	case <-time.After(time.Minute):
		t.Fatal("no trace")
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	byName := map[string][]sdktrace.ReadOnlySpan{}
	for _, s := range rec.spans {
		byName[s.Name()] = append(byName[s.Name()], s)
	}
	root := byName["traced"][0]
	if len(byName["untraced"]) != 0 {
		t.Errorf("an untraced state machine's execution was traced")
	}
	if root.SpanContext().TraceID().String() != "4bf92f3577b34da6a3ce929d0e0e4736" || root.Parent().SpanID().String() != "00f067aa0ba902b7" {
		t.Errorf("the root does not join the caller's trace: %v parent %v", root.SpanContext(), root.Parent())
	}
	if root.SpanContext().SpanID() != tracing.SpanID(out.ExecutionArn, "") || root.Status().Code.String() != "Ok" {
		t.Errorf("root %v %v", root.SpanContext().SpanID(), root.Status())
	}
	for _, state := range []string{"Prepare", "Work"} {
		s := byName[state]
		if len(s) != 1 || s[0].Parent().SpanID() != root.SpanContext().SpanID() {
			t.Fatalf("state %s: %v", state, s)
		}
	}
	workSpan := byName["Work"][0]
	tasks := byName["Task "+act.ActivityArn]
	if len(tasks) != 2 {
		t.Fatalf("%d task spans", len(tasks))
	}
	for _, task := range tasks {
		if task.Parent().SpanID() != workSpan.SpanContext().SpanID() {
			t.Errorf("a task is not the state's child")
		}
	}
	if tasks[0].Status().Description != "Flaky" || tasks[1].Status().Code.String() != "Ok" {
		t.Errorf("attempts: %v, %v", tasks[0].Status(), tasks[1].Status())
	}
	var retries int
	for _, ev := range workSpan.Events() {
		if ev.Name == "retry" {
			retries++
		}
	}
	if retries != 1 {
		t.Errorf("retries on the state: %v", workSpan.Events())
	}
	// The state's span lasts from its entry to its exit on the clock the
	// execution ran by: the retry's second included.
	if d := workSpan.EndTime().Sub(workSpan.StartTime()); d != time.Second {
		t.Errorf("the state took %v", d)
	}
}

func TestParseHeader(t *testing.T) {
	tests := []struct {
		h           string
		trace, span string
		ok          bool
	}{
		{"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", true},
		{"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1", "5759e988bd862e3fe1be46a994272793", "53995c3f42cd8ad8", true},
		{"garbage", "", "", false},
		{"00-zz-00f067aa0ba902b7-01", "", "", false},
	}
	for _, tt := range tests {
		sc, ok := tracing.ParseHeader(tt.h)
		if ok != tt.ok || (ok && (sc.TraceID().String() != tt.trace || sc.SpanID().String() != tt.span)) {
			t.Errorf("%q: %v %v", tt.h, sc, ok)
		}
	}
}
