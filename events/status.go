package events

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/baton-sh/baton/store"
	"github.com/baton-sh/baton/value"
	"github.com/baton-sh/baton/webhook"
)

// NoticeTarget is the target of the store's notices that carry status-change
// events to the default bus (webhook.Options.Local delivers them with
// Deliver).
const NoticeTarget = "events:" + DefaultBus

// StatusNotices is a driver Notify (engine.Options.Notify): the notices
// that put an execution's "Step Functions Execution Status Change" events
// on the default bus. They are written in the same transaction as the
// status change, so a crash loses none, and delivered by the webhooks'
// dispatcher, at least once (a redelivered event starts no second
// execution: see Bus). Only events some rule of the default bus matches
// become notices: the others would go nowhere.
func (b *Bus) StatusNotices(prev string, rec *store.Execution, now time.Time) []store.Notice {
	rules := b.buses[DefaultBus]
	if len(rules) == 0 {
		return nil
	}
	var out []store.Notice
	for _, ev := range webhook.StatusEvents(prev, rec, now) {
		body, err := json.Marshal(ev)
		if err != nil {
			continue // fields webhook made: cannot happen
		}
		v, err := value.Parse(body)
		if err != nil {
			continue
		}
		for _, r := range rules {
			if r.pattern.Match(v) {
				out = append(out, store.Notice{Target: NoticeTarget, Body: body, Created: now, Due: now})
				break
			}
		}
	}
	return out
}

// Deliver puts a status-change event (a notice's body) on the default bus.
// An error asks for the notice to be delivered again later.
func (b *Bus) Deliver(ctx context.Context, body []byte) error {
	var head struct {
		ID     string `json:"id"`
		Region string `json:"region"`
		Detail struct {
			ExecutionArn string `json:"executionArn"`
			Name         string `json:"name"`
		} `json:"detail"`
	}
	if err := json.Unmarshal(body, &head); err != nil {
		b.log.Warn("a status-change event is not JSON: dropped", "error", err)
		return nil
	}
	v, err := value.Parse(body)
	if err != nil {
		return nil // Unmarshal took it: cannot happen
	}
	if err := b.deliver(ctx, delivery{bus: DefaultBus, id: head.ID, region: head.Region, event: v, from: head.Detail.ExecutionArn, fromName: head.Detail.Name}); err != nil {
		return fmt.Errorf("status-change event %s: %w", head.ID, err)
	}
	return nil
}
