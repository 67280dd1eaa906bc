package webhook_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/baton-sh/baton/clock"
	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/engine/enginetest"
	"github.com/baton-sh/baton/store"
	"github.com/baton-sh/baton/webhook"
)

var t0 = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// collector is a webhook that answers with the statuses it is given, in
// turn (then 200), and keeps what it got.
type collector struct {
	mu     sync.Mutex
	answer []int
	got    []webhook.Event
	header http.Header
}

func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var ev webhook.Event
	if err := json.NewDecoder(r.Body).Decode(&ev); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	c.got = append(c.got, ev)
	c.header = r.Header.Clone()
	if len(c.answer) > 0 {
		w.WriteHeader(c.answer[0])
		c.answer = c.answer[1:]
	}
}

func TestDelivery(t *testing.T) {
	col := &collector{answer: []int{500, 503, 500}}
	srv := httptest.NewServer(col)
	defer srv.Close()
	targets := []webhook.Target{{URL: srv.URL, Headers: map[string]string{"X-Token": "t"}}}
	clk := clock.NewManual(t0)
	e, st := enginetest.New(t, engine.Options{Clock: clk, Notify: webhook.Notices(targets)})
	ctx := context.Background()
	sm, err := e.CreateStateMachine(ctx, &engine.CreateStateMachineInput{Name: "m", RoleArn: "arn:aws:iam::123456789012:role/r",
		Definition: `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E","Cause":"C"}}}`})
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.StartExecution(ctx, &engine.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Name: "x", Input: `{"a":1}`})
	if err != nil {
		t.Fatal(err)
	}
	due, err := st.DueNotices(ctx, t0, 10)
	if err != nil || len(due) != 2 {
		t.Fatalf("notices: %+v %v", due, err)
	}
	d := webhook.NewDispatcher(st, webhook.Options{Targets: targets, Clock: clk})
	// Both fail at first, and are retried after 1 s; then one fails again,
	// and is retried 2 s later.
	if n := d.Deliver(ctx); n != 0 {
		t.Fatalf("delivered %d", n)
	}
	clk.Advance(time.Second)
	if n := d.Deliver(ctx); n != 1 {
		t.Fatalf("delivered %d", n)
	}
	clk.Advance(time.Second)
	if n := d.Deliver(ctx); n != 0 {
		t.Fatalf("delivered %d before its time", n)
	}
	clk.Advance(time.Second)
	if n := d.Deliver(ctx); n != 1 {
		t.Fatalf("delivered %d", n)
	}
	if left, err := st.DueNotices(ctx, t0.Add(time.Hour), 10); err != nil || len(left) != 0 {
		t.Fatalf("left: %+v %v", left, err)
	}
	// Each event kept its id across attempts; the statuses in order.
	ids := map[string][]string{}
	for _, ev := range col.got {
		ids[ev.ID] = append(ids[ev.ID], ev.Detail.Status)
	}
	if len(ids) != 2 || len(col.got) != 5 {
		t.Fatalf("%d attempts of %d events: %+v", len(col.got), len(ids), col.got)
	}
	var running, failed *webhook.Event
	for i := range col.got {
		switch col.got[i].Detail.Status {
		case "RUNNING":
			running = &col.got[i]
		case "FAILED":
			failed = &col.got[i]
		}
	}
	if running == nil || failed == nil {
		t.Fatalf("%+v", col.got)
	}
	if running.Detail.StopDate != nil || running.Detail.Error != nil || *running.Detail.Input != `{"a":1}` ||
		running.Detail.ExecutionArn != out.ExecutionArn || running.Account != "123456789012" || running.Region != "us-east-1" ||
		running.Resources[0] != out.ExecutionArn || running.Time != "2026-12-01T12:00:00Z" {
		t.Errorf("RUNNING: %+v", running)
	}
	if failed.Detail.StopDate == nil || *failed.Detail.Error != "E" || *failed.Detail.Cause != "C" || failed.Detail.Output != nil {
		t.Errorf("FAILED: %+v", failed.Detail)
	}
	if col.header.Get("X-Token") != "t" || col.header.Get("Content-Type") != "application/json" {
		t.Errorf("headers: %v", col.header)
	}
}

// A notice never delivered is dropped after a day.
func TestGiveUp(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(500) }))
	defer srv.Close()
	clk := clock.NewManual(t0)
	_, st := enginetest.New(t, engine.Options{Clock: clk})
	l, err := st.RegisterNode(context.Background(), "n", t0, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	rec := store.Execution{ARN: "arn:aws:states:us-east-1:1:execution:m:x", StateMachineARN: "arn:aws:states:us-east-1:1:stateMachine:m", Name: "x", Status: "RUNNING", Start: t0}
	for _, err := range st.Commit(context.Background(), []*store.Step{{Create: true, Lease: l, Execution: rec, Now: t0,
		Inputs: []store.Input{{Seq: 1, JSON: []byte(`{}`)}}, Notices: []store.Notice{{Target: srv.URL, Body: []byte(`{}`), Created: t0, Due: t0}}}}) {
		if err != nil {
			t.Fatal(err)
		}
	}
	d := webhook.NewDispatcher(st, webhook.Options{Clock: clk, GiveUp: time.Hour})
	d.Deliver(context.Background())
	clk.Advance(time.Hour)
	d.Deliver(context.Background())
	if left, err := st.DueNotices(context.Background(), t0.Add(48*time.Hour), 10); err != nil || len(left) != 0 {
		t.Errorf("left: %+v %v", left, err)
	}
}

func TestBackoff(t *testing.T) {
	for n, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 9: 256 * time.Second, 10: 5 * time.Minute, 50: 5 * time.Minute} {
		if got := webhook.Backoff(n); got != want {
			t.Errorf("Backoff(%d) = %v, want %v", n, got, want)
		}
	}
}
