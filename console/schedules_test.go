package console

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/baton-sh/baton/clock"
	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/engine/enginetest"
	"github.com/baton-sh/baton/scheduler"
	"github.com/baton-sh/baton/trigger"
)

// GET /console/api/schedules lists the runner's schedules with what the
// store holds: one that fired, one disabled.
func TestSchedules(t *testing.T) {
	ctx := context.Background()
	e, st := enginetest.New(t, engine.Options{})
	if _, err := e.CreateStateMachine(ctx, &engine.CreateStateMachineInput{Name: "job", Definition: `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`,
		RoleArn: "arn:aws:iam::123456789012:role/r"}); err != nil {
		t.Fatal(err)
	}
	clk := clock.NewManual(epoch) // 12:00
	hourly := trigger.Schedule{Name: "hourly", Expression: "cron(0 * * * ? *)", Target: trigger.Target{StateMachine: "job"}, Source: "baton.yaml: schedules.hourly"}
	off := trigger.Schedule{Name: "off", Expression: "rate(1 day)", Target: trigger.Target{StateMachine: "job"}, Disabled: true, Missed: trigger.Skip, WindowMinutes: 5}
	r, err := scheduler.New([]trigger.Schedule{hourly, off}, scheduler.Options{Store: st, Engine: e, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Turn(ctx); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(API(e, Options{Schedules: r}))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/console/api/schedules")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var got struct{ Schedules []map[string]any }
	if err := json.Unmarshal(body, &got); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	ms := func(t time.Time) float64 { return float64(t.UnixMilli()) }
	h, o := got.Schedules[0], got.Schedules[1]
	want := map[string]any{"name": "hourly", "expression": "cron(0 * * * ? *)", "timezone": "UTC", "enabled": true, "missed": "fire-once", "windowMinutes": 0.0,
		"source": "baton.yaml: schedules.hourly", "stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:job",
		"nextDue": ms(epoch.Add(time.Hour)), "fireAt": ms(epoch.Add(time.Hour)), "lastDue": ms(epoch), "lastFired": ms(epoch),
		"lastExecutionArn": "arn:aws:states:us-east-1:123456789012:execution:job:hourly-20240601T120000Z", "attempts": 0.0}
	for k, v := range want {
		if h[k] != v {
			t.Errorf("hourly.%s = %v, want %v", k, h[k], v)
		}
	}
	if len(h) != len(want) {
		t.Errorf("hourly has %d fields, want %d: %v", len(h), len(want), h)
	}
	if o["enabled"] != false || o["nextDue"] != nil || o["lastDue"] != nil || o["missed"] != "skip" || o["windowMinutes"] != 5.0 {
		t.Errorf("off: %v", o)
	}

	// A server without schedules answers an empty list.
	bare := httptest.NewServer(API(e, Options{}))
	defer bare.Close()
	resp, err = http.Get(bare.URL + "/console/api/schedules")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "{\"schedules\":[]}\n" {
		t.Errorf("no schedules: %s", body)
	}
}
