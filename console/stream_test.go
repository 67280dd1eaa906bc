package console

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/history"
)

// item is one thing a stream said: an event with its data, or a comment.
type item struct {
	event, data, comment string
}

// stream opens a stream and reads it in the background; the request ends
// with the test.
func (f *fixture) stream(t *testing.T, query string) <-chan item {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, "GET", f.srv.URL+"/console/api/stream"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		resp.Body.Close()
		t.Fatalf("stream%s: %d %s", query, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	ch := make(chan item, 1024)
	go func() {
		defer close(ch)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		var it item
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if it != (item{}) {
					ch <- it
				}
				it = item{}
			case strings.HasPrefix(line, ":"):
				it.comment = strings.TrimSpace(line[1:])
			case strings.HasPrefix(line, "event: "):
				it.event = line[len("event: "):]
			case strings.HasPrefix(line, "data: "):
				it.data = line[len("data: "):]
			}
		}
	}()
	return ch
}

// next is the stream's next item (ok false once it ended). The deadline
// only keeps a broken test from hanging.
func next(t *testing.T, ch <-chan item) (item, bool) {
	t.Helper()
	select {
	case it, ok := <-ch:
		return it, ok
	case <-time.After(20 * time.Second):
		t.Fatal("the stream said nothing")
		return item{}, false
	}
}

// nextMessage is the stream's next "execution" message.
func nextMessage(t *testing.T, ch <-chan item) message {
	t.Helper()
	for {
		it, ok := next(t, ch)
		if !ok {
			t.Fatal("the stream ended")
		}
		if it.event != "execution" {
			continue
		}
		var m message
		if err := json.Unmarshal([]byte(it.data), &m); err != nil {
			t.Fatalf("%q: %v", it.data, err)
		}
		return m
	}
}

// opened waits for the stream's first comment: it is registered.
func opened(t *testing.T, ch <-chan item) {
	t.Helper()
	if it, ok := next(t, ch); !ok || it.comment != "open" {
		t.Fatalf("first %+v %v", it, ok)
	}
}

func (f *fixture) lastEventID(t *testing.T, arn string) int64 {
	t.Helper()
	h, err := f.e.GetExecutionHistory(context.Background(), &engine.GetExecutionHistoryInput{ExecutionArn: arn, ReverseOrder: true, MaxResults: 1})
	if err != nil || len(h.Events) != 1 {
		t.Fatalf("history: %v %v", h, err)
	}
	var ev struct{ ID int64 }
	if err := json.Unmarshal(h.Events[0], &ev); err != nil {
		t.Fatal(err)
	}
	return ev.ID
}

// TestStreamExecution: a stream of one execution tells its state at once,
// then each step, until it ends; the history then holds what it told.
func TestStreamExecution(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	act := f.activity(t, "work")
	sm := f.machine(t, "task", fmt.Sprintf(taskDef, act))
	pass := f.machine(t, "pass", passDef)
	arn := f.start(t, sm, "held", "{}")
	ch := f.stream(t, "?executionArn="+url.QueryEscape(arn))
	opened(t, ch)
	want := message{ExecutionArn: arn, StateMachineArn: sm, Status: "RUNNING", LastEventID: 3} // started, entered, scheduled
	if m := nextMessage(t, ch); m != want {
		t.Errorf("first message %+v, want %+v", m, want)
	}
	f.start(t, pass, "other", "{}") // not this stream's
	f.work(t, act, `{"done":true}`)
	for {
		m := nextMessage(t, ch)
		if m.ExecutionArn != arn || m.StateMachineArn != sm {
			t.Fatalf("another execution's message: %+v", m)
		}
		if m.Status == "RUNNING" {
			continue
		}
		last := f.lastEventID(t, arn)
		if m.Status != "SUCCEEDED" || m.LastEventID != last {
			t.Errorf("last message %+v, want SUCCEEDED at event %d", m, last)
		}
		break
	}
	// Told, the page refetches the history: it is there.
	out := f.mustGet(t, "/console/api/history?after=3&executionArn="+url.QueryEscape(arn))
	if out["status"] != "SUCCEEDED" || out["lastEventId"] != float64(f.lastEventID(t, arn)) {
		t.Errorf("the history after the stream's end: %v", out)
	}
}

// TestStreamAll: a stream of every execution tells starts and ends only.
func TestStreamAll(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	act := f.activity(t, "work")
	sm := f.machine(t, "task", fmt.Sprintf(taskDef, act))
	pass := f.machine(t, "pass", passDef)
	ch := f.stream(t, "")
	opened(t, ch)
	p := f.start(t, pass, "quick", "{}")
	if m := nextMessage(t, ch); m != (message{ExecutionArn: p, StateMachineArn: pass, Status: "SUCCEEDED", LastEventID: f.lastEventID(t, p)}) {
		t.Errorf("a quick execution: %+v", m)
	}
	r := f.start(t, sm, "held", "{}")
	f.work(t, act, `{}`) // its ActivityStarted (event 4) is not told
	for {
		m := nextMessage(t, ch)
		if m.ExecutionArn != r {
			t.Fatalf("message %+v", m)
		}
		if m.Status == "RUNNING" {
			if m.LastEventID != 3 {
				t.Errorf("a step that neither starts nor ends was told: %+v", m)
			}
			continue
		}
		if m.Status != "SUCCEEDED" || m.LastEventID != f.lastEventID(t, r) {
			t.Errorf("the end: %+v", m)
		}
		break
	}
}

// TestStreamExpress: the stream of every execution tells the end of an
// Express execution only when the store keeps it, and then once it is
// kept: its history can be read.
func TestStreamExpress(t *testing.T) {
	t.Parallel()
	for _, keep := range []bool{false, true} {
		f := newFixtureOf(t, engine.Options{ExpressHistory: keep}, Options{})
		out, err := f.e.CreateStateMachine(context.Background(), &engine.CreateStateMachineInput{Name: "x", Definition: passDef, RoleArn: role, Type: "EXPRESS"})
		if err != nil {
			t.Fatal(err)
		}
		pass := f.machine(t, "pass", passDef)
		ch := f.stream(t, "")
		opened(t, ch)
		run, err := f.e.StartSyncExecution(context.Background(), &engine.StartExecutionInput{StateMachineArn: out.StateMachineArn, Input: "{}"})
		if err != nil || run.Status != "SUCCEEDED" {
			t.Fatalf("%+v %v", run, err)
		}
		standard := f.start(t, pass, "", "{}") // told after the Express one, if that is told
		m := nextMessage(t, ch)
		if !keep {
			if m.ExecutionArn != standard {
				t.Errorf("an Express execution nothing is kept of was told: %+v", m)
			}
			continue
		}
		if m.ExecutionArn != run.ExecutionArn || m.Status != "SUCCEEDED" || m.LastEventID != 6 { // six events: two Pass states
			t.Fatalf("a kept Express execution: %+v", m)
		}
		hist := f.mustGet(t, "/console/api/history?executionArn="+url.QueryEscape(m.ExecutionArn))
		if hist["status"] != "SUCCEEDED" || hist["lastEventId"] != 6.0 {
			t.Errorf("its history: %v", hist)
		}
		items := f.mustGet(t, "/console/api/executions?stateMachineArn="+url.QueryEscape(out.StateMachineArn))["executions"].([]any)
		if len(items) != 1 || items[0].(map[string]any)["express"] != true {
			t.Errorf("the list: %v", items)
		}
	}
}

func TestStreamRefusals(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	for _, tc := range []struct {
		query string
		code  int
	}{
		{"?executionArn=nope", http.StatusBadRequest},
		{"?executionArn=" + url.QueryEscape("arn:aws:states:us-east-1:123456789012:execution:m:none"), http.StatusNotFound},
	} {
		if code, out := f.get(t, "/console/api/stream"+tc.query); code != tc.code || out["error"] == "" {
			t.Errorf("%s: %d %v", tc.query, code, out)
		}
	}
}

// TestStreamShutdown: closing Options.Done ends open streams and refuses
// new ones, so that the server's Shutdown does not wait on them.
func TestStreamShutdown(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	all, one := f.stream(t, ""), f.stream(t, "?executionArn="+url.QueryEscape(f.start(t, f.machine(t, "pass", passDef), "", "{}")))
	opened(t, all)
	opened(t, one)
	close(f.done)
	for _, ch := range []<-chan item{all, one} {
		for {
			if _, ok := next(t, ch); !ok {
				break
			}
		}
	}
	if code, out := f.get(t, "/console/api/stream"); code != http.StatusServiceUnavailable || out["error"] == "" {
		t.Errorf("a stream after the end: %d %v", code, out)
	}
}

func TestStreamPing(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{Ping: 5 * time.Millisecond})
	ch := f.stream(t, "")
	opened(t, ch)
	if it, ok := next(t, ch); !ok || it.comment != "ping" {
		t.Errorf("%+v %v", it, ok)
	}
}

// TestCoalesce: at most one message per execution per window, the latest;
// other executions are not held back.
func TestCoalesce(t *testing.T) {
	t.Parallel()
	c := newClient("")
	const window = 100 * time.Millisecond
	t0 := time.Unix(1000, 0)
	msg := func(arn string, id int64, status string) message {
		return message{ExecutionArn: arn, StateMachineArn: "sm", Status: status, LastEventID: id}
	}
	type step struct {
		offer  []message
		at     time.Duration
		want   []message
		next   time.Duration // -1: nothing waits
		resync bool
	}
	steps := []step{
		{offer: []message{msg("a", 3, "RUNNING")}, at: 0, want: []message{msg("a", 3, "RUNNING")}, next: -1},
		{offer: []message{msg("a", 5, "RUNNING"), msg("a", 7, "RUNNING"), msg("b", 2, "RUNNING")}, at: 50 * time.Millisecond,
			want: []message{msg("b", 2, "RUNNING")}, next: 100 * time.Millisecond},
		{offer: []message{msg("a", 0, "RUNNING")}, at: 99 * time.Millisecond, next: 100 * time.Millisecond}, // an id never goes back
		{at: 100 * time.Millisecond, want: []message{msg("a", 7, "RUNNING")}, next: -1},
		{offer: []message{msg("a", 9, "SUCCEEDED")}, at: 150 * time.Millisecond, next: 200 * time.Millisecond},
		{offer: []message{msg("b", 4, "FAILED")}, at: 160 * time.Millisecond, want: []message{msg("b", 4, "FAILED")}, next: 200 * time.Millisecond},
		{at: 250 * time.Millisecond, want: []message{msg("a", 9, "SUCCEEDED")}, next: -1},
	}
	for i, s := range steps {
		for _, m := range s.offer {
			c.offer(m)
		}
		got, nextAt, resync := c.take(t0.Add(s.at), window)
		wantNext := time.Time{}
		if s.next >= 0 {
			wantNext = t0.Add(s.next)
		}
		if fmt.Sprint(got) != fmt.Sprint(s.want) || !nextAt.Equal(wantNext) || resync != s.resync {
			t.Errorf("step %d: %v next %v resync %v; want %v next %v", i, got, nextAt, resync, s.want, wantNext)
		}
	}
}

// TestReadRace: a stream of one execution opens while it takes a step: the
// state read from the store, older than the step told meanwhile, is not
// told after it.
func TestReadRace(t *testing.T) {
	t.Parallel()
	c := newClient("e")
	c.offer(message{ExecutionArn: "e", StateMachineArn: "sm", Status: "SUCCEEDED", LastEventID: 10})
	c.offerRead(message{ExecutionArn: "e", StateMachineArn: "sm", Status: "RUNNING", LastEventID: 3})
	got, _, _ := c.take(time.Unix(1, 0), time.Millisecond)
	if len(got) != 1 || got[0].Status != "SUCCEEDED" {
		t.Errorf("%v", got)
	}
	c.offerRead(message{ExecutionArn: "e", StateMachineArn: "sm", Status: "RUNNING", LastEventID: 3}) // after it was written
	if got, _, _ := c.take(time.Unix(2, 0), time.Millisecond); len(got) != 0 {
		t.Errorf("an older state was told after a newer: %v", got)
	}
	c.offerRead(message{ExecutionArn: "e", StateMachineArn: "sm", Status: "RUNNING", LastEventID: 12}) // redriven since
	if got, _, _ := c.take(time.Unix(3, 0), time.Millisecond); len(got) != 1 || got[0].LastEventID != 12 {
		t.Errorf("a newer read: %v", got)
	}
}

// TestSlowClient: a stream that is never read costs a bounded buffer and
// never holds the engine's observer: its oldest messages go, and it is
// told to resync.
func TestSlowClient(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	h := newHub(f.e, Options{Logger: slog.New(slog.DiscardHandler)})
	slow := newClient("")
	h.clients[slow] = struct{}{}
	const n = maxPending + 100
	for i := range n {
		h.Observe([]engine.Event{{Kind: engine.ExecutionStarted, ExecutionARN: fmt.Sprint("arn:", i), StateMachineARN: "sm",
			History: &history.Event{ID: 1}}})
	}
	got, _, resync := slow.take(time.Now(), time.Millisecond)
	if len(got) != maxPending || !resync || got[0].ExecutionArn != "arn:100" || got[len(got)-1].ExecutionArn != fmt.Sprint("arn:", n-1) {
		t.Errorf("%d messages from %v, resync %v", len(got), got[0], resync)
	}
}

// TestDropped: when the engine dropped batches for the console, streams of
// every execution resync, and a stream of one execution is told its state.
func TestDropped(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	pass := f.machine(t, "pass", passDef)
	arn := f.start(t, pass, "", "{}")
	h := newHub(f.e, Options{Logger: slog.New(slog.DiscardHandler)})
	all, one, gone := newClient(""), newClient(arn), newClient(arn+"x")
	for _, c := range []*client{all, one, gone} {
		h.clients[c] = struct{}{}
	}
	h.Dropped(3)
	if got, _, resync := all.take(time.Now(), time.Millisecond); len(got) != 0 || !resync {
		t.Errorf("every execution's stream: %v %v", got, resync)
	}
	want := message{ExecutionArn: arn, StateMachineArn: pass, Status: "SUCCEEDED", LastEventID: f.lastEventID(t, arn)}
	if got, _, resync := one.take(time.Now(), time.Millisecond); len(got) != 1 || got[0] != want || resync {
		t.Errorf("one execution's stream: %v %v", got, resync)
	}
	if got, _, resync := gone.take(time.Now(), time.Millisecond); len(got) != 0 || !resync {
		t.Errorf("an unknown execution's stream: %v %v", got, resync)
	}
}
