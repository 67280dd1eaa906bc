package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// hookReceiver is a webhook that records every attempt and refuses them
// while refuse is set.
type hookReceiver struct {
	refuse   atomic.Bool
	mu       sync.Mutex
	attempts map[string][]string // event id -> "refused"/"accepted" per attempt
	events   map[string]string   // event id -> executionArn + " " + status
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	var ev struct {
		ID         string `json:"id"`
		DetailType string `json:"detail-type"`
		Source     string `json:"source"`
		Detail     struct {
			ExecutionArn, Status string
		} `json:"detail"`
	}
	if err != nil || json.Unmarshal(body, &ev) != nil || ev.DetailType != "Step Functions Execution Status Change" || ev.Source != "aws.states" ||
		r.Header.Get("Authorization") != "Bearer hook-secret" {
		http.Error(w, "not an event", http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events[ev.ID] = ev.Detail.ExecutionArn + " " + ev.Detail.Status
	if h.refuse.Load() {
		h.attempts[ev.ID] = append(h.attempts[ev.ID], "refused")
		http.Error(w, "down for now", http.StatusServiceUnavailable)
		return
	}
	h.attempts[ev.ID] = append(h.attempts[ev.ID], "accepted")
}

func (h *hookReceiver) snapshot() (map[string]string, map[string][]string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	ev, at := map[string]string{}, map[string][]string{}
	for k, v := range h.events {
		ev[k] = v
	}
	for k, v := range h.attempts {
		at[k] = append([]string(nil), v...)
	}
	return ev, at
}

// Status-change events reach a webhook at least once, each with one id
// across redeliveries, even when the server is killed while the webhook
// refuses them.
func TestServeWebhooksSurviveKill(t *testing.T) {
	t.Parallel()
	h := &hookReceiver{attempts: map[string][]string{}, events: map[string]string{}}
	h.refuse.Store(true)
	hook := httptest.NewServer(h)
	defer hook.Close()
	dir, data := t.TempDir(), t.TempDir()
	conf := filepath.Join(dir, "baton.yaml")
	yaml := "statusWebhooks:\n  - url: " + hook.URL + "/events\n    headers: {Authorization: Bearer hook-secret}\n"
	if err := os.WriteFile(conf, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServerAt(t, data, "--config", conf)
	c := s.client()
	sm := createMachine(t, c, "hooked", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	want := map[string]bool{}
	for range 3 {
		out := startAndWait(t, c, sm, `{}`)
		want[*out.ExecutionArn+" RUNNING"] = true
		want[*out.ExecutionArn+" SUCCEEDED"] = true
	}
	// Every event is tried (and refused) before the kill.
	poll(t, "every event tried once", time.Minute, func() (bool, error) {
		ev, _ := h.snapshot()
		return len(ev) == len(want), nil
	})
	before, _ := h.snapshot()
	s.kill(t)

	h.refuse.Store(false)
	startServerAt(t, data, "--config", conf)
	poll(t, "every event accepted", 2*time.Minute, func() (bool, error) {
		_, at := h.snapshot()
		n := 0
		for _, a := range at {
			if a[len(a)-1] == "accepted" {
				n++
			}
		}
		return n == len(want), nil
	})
	events, attempts := h.snapshot()
	// The same events, by id: nothing lost, none made anew.
	if len(events) != len(want) {
		t.Fatalf("%d events, want %d: %v", len(events), len(want), events)
	}
	for id, what := range events {
		if before[id] != what || !want[what] {
			t.Errorf("event %s (%s) was not the one refused before the kill (%q)", id, what, before[id])
		}
		if a := attempts[id]; a[0] != "refused" || a[len(a)-1] != "accepted" {
			t.Errorf("attempts of %s: %v", what, a)
		}
	}
}
