// Package webhook delivers "Step Functions Execution Status Change" events,
// in EventBridge's shape, to webhooks, at least once. An event is written
// as a notice in the same transaction as the status change it tells of
// (store.Step.Notices), so a crash loses none; a dispatcher posts due
// notices, deletes those delivered and retries the others with a growing
// back-off for up to a day, as EventBridge retries its targets. Each event
// keeps its id across redeliveries, so receivers can drop duplicates.
package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/baton-sh/baton/arn"
	"github.com/baton-sh/baton/clock"
	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/store"
)

// Target is a webhook: where events are posted, with which headers.
type Target struct {
	URL     string
	Headers map[string]string
}

// Event is an EventBridge event.
type Event struct {
	Version    string   `json:"version"`
	ID         string   `json:"id"`
	DetailType string   `json:"detail-type"`
	Source     string   `json:"source"`
	Account    string   `json:"account"`
	Time       string   `json:"time"`
	Region     string   `json:"region"`
	Resources  []string `json:"resources"`
	Detail     Detail   `json:"detail"`
}

// Detail is a status change's detail.
type Detail struct {
	ExecutionArn    string          `json:"executionArn"`
	StateMachineArn string          `json:"stateMachineArn"`
	Name            string          `json:"name"`
	Status          string          `json:"status"`
	StartDate       int64           `json:"startDate"`
	StopDate        *int64          `json:"stopDate"`
	Input           *string         `json:"input"`
	InputDetails    *IncludedDetail `json:"inputDetails"`
	Output          *string         `json:"output"`
	OutputDetails   *IncludedDetail `json:"outputDetails"`
	Error           *string         `json:"error"`
	Cause           *string         `json:"cause"`
	RedriveCount    int             `json:"redriveCount"`
	RedriveDate     *int64          `json:"redriveDate"`
}

// IncludedDetail says whether the data is in the event.
type IncludedDetail struct {
	Included bool `json:"included"`
}

// DetailType is the events' detail-type.
const DetailType = "Step Functions Execution Status Change"

// MakeEvent is the event of an execution's status, at now.
func MakeEvent(rec *store.Execution, now time.Time) *Event {
	a, _ := arn.Parse(rec.ARN) // an ARN the engine made
	ms := func(t time.Time) *int64 {
		if t.IsZero() {
			return nil
		}
		v := t.UnixMilli()
		return &v
	}
	str := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	d := Detail{
		ExecutionArn: rec.ARN, StateMachineArn: rec.StateMachineARN, Name: rec.Name, Status: rec.Status,
		StartDate: rec.Start.UnixMilli(), StopDate: ms(rec.Stop), Input: &rec.Input, InputDetails: &IncludedDetail{true},
		Error: str(rec.Error), Cause: str(rec.Cause), RedriveCount: rec.RedriveCount, RedriveDate: ms(rec.RedriveDate),
	}
	if rec.HasOutput {
		d.Output, d.OutputDetails = &rec.Output, &IncludedDetail{true}
	}
	return &Event{
		Version: "0", ID: engine.NewUUID(), DetailType: DetailType, Source: "aws.states", Account: a.Account,
		Time: now.UTC().Format(time.RFC3339), Region: a.Region, Resources: []string{rec.ARN}, Detail: d,
	}
}

// Notices makes the driver's Notify: one notice per webhook for each
// status change of a Standard execution (Express executions send none, as
// on AWS). An execution that ends in its first step was RUNNING first, and
// is told so first.
func Notices(targets []Target) func(prev string, rec *store.Execution, now time.Time) []store.Notice {
	return func(prev string, rec *store.Execution, now time.Time) []store.Notice {
		if len(targets) == 0 {
			return nil
		}
		var out []store.Notice
		for _, ev := range StatusEvents(prev, rec, now) {
			body, err := json.Marshal(ev)
			if err != nil {
				continue // fields we made: cannot happen
			}
			for _, t := range targets {
				out = append(out, store.Notice{Target: t.URL, Body: body, Created: now, Due: now})
			}
		}
		return out
	}
}

// StatusEvents are the events of a status change of an execution that was
// prev before (the driver's Notify arguments): none for an Express
// execution, as on AWS; RUNNING then the end for one that ends in its
// first step.
func StatusEvents(prev string, rec *store.Execution, now time.Time) []*Event {
	if rec.Express {
		return nil
	}
	if prev == "" && rec.Status != "RUNNING" {
		started := *rec
		started.Status, started.Stop, started.Output, started.HasOutput, started.Error, started.Cause = "RUNNING", time.Time{}, "", false, "", ""
		return []*Event{MakeEvent(&started, now), MakeEvent(rec, now)}
	}
	return []*Event{MakeEvent(rec, now)}
}

// Join makes one Notify of several: the notices of each.
func Join(notify ...func(prev string, rec *store.Execution, now time.Time) []store.Notice) func(prev string, rec *store.Execution, now time.Time) []store.Notice {
	return func(prev string, rec *store.Execution, now time.Time) []store.Notice {
		var out []store.Notice
		for _, n := range notify {
			out = append(out, n(prev, rec, now)...)
		}
		return out
	}
}

// Options configure a Dispatcher.
type Options struct {
	Targets []Target
	Clock   clock.Clock
	Log     *slog.Logger
	Client  *http.Client
	// Poll is how often due notices are looked for (default 250 ms).
	Poll time.Duration
	// GiveUp is how long a notice is retried (default 24 hours).
	GiveUp time.Duration
	// Local delivers the notices whose target is one of its keys in
	// this process instead of posting them (the event bus: "events:NAME");
	// an error retries the notice as a webhook's refusal does.
	Local map[string]func(ctx context.Context, body []byte) error
}

// Dispatcher posts due notices to their webhooks.
type Dispatcher struct {
	s       store.Store
	o       Options
	headers map[string]map[string]string
}

// NewDispatcher makes a dispatcher over a store.
func NewDispatcher(s store.Store, o Options) *Dispatcher {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if o.Poll <= 0 {
		o.Poll = 250 * time.Millisecond
	}
	if o.GiveUp <= 0 {
		o.GiveUp = 24 * time.Hour
	}
	d := &Dispatcher{s: s, o: o, headers: map[string]map[string]string{}}
	for _, t := range o.Targets {
		d.headers[t.URL] = t.Headers
	}
	return d
}

// Run delivers notices until ctx ends.
// claimFor is how long a dispatcher holds the notices it took, claimBatch
// how many it takes at once. Short, because a dispatcher that dies (a
// killed server) leaves its claims behind, and its notices wait that long
// after a restart; a batch of webhooks slow enough to outlast it (each
// call may take 10 s) may then be sent by another node too: at least
// once, as always.
const (
	claimFor   = 30 * time.Second
	claimBatch = 25
)

func (d *Dispatcher) Run(ctx context.Context) {
	for {
		d.Deliver(ctx)
		t := clock.NewTimer(d.o.Clock, d.o.Poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
			t.Stop()
		}
	}
}

// Deliver posts the notices due now, once each, and says how many it
// delivered.
func (d *Dispatcher) Deliver(ctx context.Context) int {
	n := 0
	for ctx.Err() == nil {
		now := d.o.Clock.Now()
		// Claimed, so that another node sharing the store does not send
		// them too; due again after claimFor if this one dies meanwhile.
		due, err := d.s.ClaimNotices(ctx, now, now.Add(claimFor), claimBatch)
		if err != nil {
			if ctx.Err() == nil {
				d.o.Log.Warn("reading the webhooks' notices", "error", err)
			}
			return n
		}
		for _, nt := range due {
			if err := d.post(ctx, nt); err == nil {
				if err := d.s.NoticeDelivered(ctx, nt.ID); err != nil && ctx.Err() == nil {
					d.o.Log.Warn("a delivered notice could not be deleted: it will be sent again", "error", err)
				}
				n++
				continue
			} else if ctx.Err() != nil {
				return n
			} else if now.Sub(nt.Created) >= d.o.GiveUp {
				d.o.Log.Error("a webhook's event is dropped: not delivered for a day", "url", nt.Target, "attempts", nt.Attempts+1, "error", err)
				if err := d.s.NoticeDelivered(ctx, nt.ID); err != nil {
					d.o.Log.Warn("deleting a dropped notice", "error", err)
				}
				continue
			} else {
				if nt.Attempts == 0 {
					d.o.Log.Warn("a webhook refused an event: it will be retried", "url", nt.Target, "error", err)
				}
				if err := d.s.NoticeFailed(ctx, nt.ID, now.Add(Backoff(nt.Attempts+1))); err != nil && ctx.Err() == nil {
					d.o.Log.Warn("rescheduling a notice", "error", err)
				}
			}
		}
		if len(due) < claimBatch {
			return n
		}
	}
	return n
}

// Backoff is the wait after the nth failed attempt: 1 s, doubling, at
// most 5 minutes.
func Backoff(attempts int) time.Duration {
	if attempts > 9 {
		return 5 * time.Minute
	}
	return min(time.Second<<(attempts-1), 5*time.Minute)
}

type refused struct{ status int }

func (r refused) Error() string { return "HTTP " + http.StatusText(r.status) }

func (d *Dispatcher) post(ctx context.Context, nt store.Notice) error {
	if local, ok := d.o.Local[nt.Target]; ok {
		return local(ctx, nt.Body)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, nt.Target, bytes.NewReader(nt.Body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Baton")
	for k, v := range d.headers[nt.Target] {
		req.Header.Set(k, v)
	}
	resp, err := d.o.Client.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) //nolint:errcheck // draining for reuse only
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return refused{resp.StatusCode}
	}
	return nil
}
