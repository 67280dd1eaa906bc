package driver

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/baton-sh/baton/clock"
	"github.com/baton-sh/baton/interpreter"
	"github.com/baton-sh/baton/store"
)

// Any node serves any request, but one node at a time advances an
// execution (its lease owns it). What a node receives for an execution
// another live node owns — a task's result or heartbeat, a stop, an
// activity task a worker polled here — goes into the execution's inbox in
// the store, and the owner is told (store.Signals, when the store has
// them). The owner applies the inbox in order, each input in a step that
// deletes it, so that it is applied once; a node that takes the execution
// over reads the inbox when it loads it, and every node looks at the
// inboxes of its executions at each turn of its lease loop, in case a
// signal was lost.
//
// The receiving node answers at once. It first checks what the owner
// would: it replays the execution's journal and its inbox so far, without
// owning it, and refuses an input the execution no longer waits for
// (TaskTimedOut, an ended execution) as the owner would.

// inboxSweep bounds the executions one look at the inboxes drains.
const inboxSweep = 1000

// check says whether the execution still waits for an entry, as the owner
// decides when it applies it.
func check(e *entry) func(*interpreter.Execution) bool {
	id := e.ID
	switch e.Kind {
	case kindSucceeded, kindFailed, kindHeartbeat:
		return func(ex *interpreter.Execution) bool { return ex.WaitsOnTask(id) }
	case kindStarted:
		return func(ex *interpreter.Execution) bool { return ex.WaitsOnTask(id) && !ex.IsTaskStarted(id) }
	}
	return nil
}

// post hands entries to the node that owns the execution, in order. It
// returns ErrExecutionClosed or ErrStale when the owner would refuse them
// all; those it would refuse are left out.
func (d *Durable) post(ctx context.Context, arn string, entries ...entry) error {
	return d.postClaimed(ctx, arn, nil, entries...)
}

// postClaimed is post for the start of an activity task a worker claimed
// in the store (claim): the start is kept only while the claim holds, and
// the claim then holds for good (store.PostStart). It returns
// store.ErrConflict when the claim was released meanwhile: the worker must
// not get the task.
func (d *Durable) postClaimed(ctx context.Context, arn string, claim *store.TaskClaim, entries ...entry) error {
	ex, err := d.preview(ctx, arn)
	if err != nil {
		return err
	}
	var bodies [][]byte
	for _, e := range entries {
		if ex.Done() {
			break
		}
		if ok := check(&e); ok != nil && !ok(ex) {
			continue
		}
		e.Time = d.clock.Now().UnixNano()
		apply(ex, &e)
		body, err := json.Marshal(&e)
		if err != nil {
			return err
		}
		bodies = append(bodies, body)
	}
	switch {
	case len(bodies) > 0:
	case ex.Done():
		return ErrExecutionClosed
	default:
		return ErrStale
	}
	var owner store.Lease
	for _, body := range bodies {
		if claim != nil {
			owner, err = d.store.PostStart(ctx, arn, body, *claim, d.clock.Now())
		} else {
			owner, err = d.store.Post(ctx, arn, body, d.clock.Now())
		}
		if err != nil {
			return err
		}
		d.nodeCounts.posted.Add(1)
	}
	d.wake(ctx, owner, arn)
	return nil
}

// wake tells an execution's owner that its inbox has mail.
func (d *Durable) wake(ctx context.Context, owner store.Lease, arn string) {
	if owner == d.currentLease() {
		// This node took it over meanwhile.
		d.drain(ctx, arn)
		return
	}
	if d.signals != nil && owner.Node != "" {
		if err := d.signals.Wake(ctx, owner.Node, arn); err != nil {
			// Its lease loop finds the input.
			d.logError("waking an execution's owner", err, "execution", arn, "owner", owner.Node)
		}
	}
}

// preview replays an execution this node does not own, with the inputs
// posted for it so far: what its owner will hold once it applied them.
//
// Its inbox, its record and its journal are three reads, and the owner may
// write between them. The inbox is read first: an input the owner applies
// meanwhile moves from the inbox to the journal, and is then read twice
// rather than not at all (the second time it is refused as the owner would
// refuse it, or finds the execution ended). The journal is replayed up to
// the record's position (the owner may have written past it since); a
// replay that still does not give back the record's history is tried
// again before it is believed.
func (d *Durable) preview(ctx context.Context, arn string) (*interpreter.Execution, error) {
	for attempt := 0; ; attempt++ {
		posted, err := d.store.Inbox(ctx, arn)
		if err != nil {
			return nil, err
		}
		rec, err := d.store.GetExecution(ctx, arn)
		if err != nil {
			return nil, err
		}
		if rec.Status != "RUNNING" {
			return nil, ErrExecutionClosed
		}
		l := &live{arn: arn, rec: *rec}
		err = d.replayTo(ctx, l, rec.Seq)
		var re *ReplayError
		if errors.As(err, &re) && attempt < 5 {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, p := range posted {
			var e entry
			if json.Unmarshal(p.Body, &e) != nil || l.ex.Done() {
				continue
			}
			if ok := check(&e); ok == nil || ok(l.ex) {
				apply(l.ex, &e)
			}
		}
		return l.ex, nil
	}
}

// drain applies an execution's inbox, if this node owns it or may take it.
func (d *Durable) drain(ctx context.Context, arn string) {
	defer clock.Hold(d.clock)()
	l, err := d.acquire(ctx, arn)
	switch {
	case errors.Is(err, ErrOwnedElsewhere), errors.Is(err, store.ErrNotFound):
		// Another node's to apply, or gone.
		return
	case err != nil:
		d.logError("applying an execution's inbox", err, "execution", arn)
		return
	}
	defer l.mu.Unlock()
	// acquire drained it if it loaded it; what came since is read now.
	if err := d.drainLocked(ctx, l); err != nil {
		d.logError("applying an execution's inbox", err, "execution", arn)
	}
}

// drainLocked applies the inputs posted for an execution held locked,
// oldest first, each in a step that deletes it. Those it no longer waits
// for are dropped. On an error, the execution is dropped from memory (as
// deliverLocked does) and the rest stays in the inbox.
func (d *Durable) drainLocked(ctx context.Context, l *live) error {
	posted, err := d.store.Inbox(ctx, l.arn)
	if err != nil || len(posted) == 0 {
		return err
	}
	var stale []int64
	for _, p := range posted {
		var e entry
		if err := json.Unmarshal(p.Body, &e); err != nil {
			d.log.Warn("an unreadable input in an execution's inbox is dropped", "execution", l.arn, "error", err)
			stale = append(stale, p.ID)
			continue
		}
		if l.closed || l.ex == nil {
			stale = append(stale, p.ID)
			continue
		}
		e.posted = p.ID
		if _, running := l.tasks[e.ID]; running && e.completes() {
			// A completion by token of a task whose in-process call still
			// runs (a .sync child that ended first): recorded after the
			// call's result, as park does, and taken from the inbox then.
			if !parked(l.early[e.ID], p.ID) {
				if l.early == nil {
					l.early = map[int64][]entry{}
				}
				l.early[e.ID] = append(l.early[e.ID], e)
			}
			continue
		}
		err := d.deliverLocked(ctx, l, []entry{e}, check(&e))
		switch {
		case err == nil:
			d.nodeCounts.applied.Add(1)
		case errors.Is(err, ErrStale), errors.Is(err, ErrExecutionClosed):
			stale = append(stale, p.ID)
		default:
			return err
		}
	}
	if len(stale) > 0 {
		return d.store.DropPosted(ctx, stale)
	}
	return nil
}

// parked reports whether a posted input is among a task's parked
// completions already.
func parked(early []entry, id int64) bool {
	for i := range early {
		if early[i].posted == id {
			return true
		}
	}
	return false
}

// sweepInboxes drains the inboxes of this node's executions that have
// mail: what a lost signal left.
func (d *Durable) sweepInboxes(ctx context.Context) {
	arns, err := d.store.PostedTo(ctx, d.currentLease(), inboxSweep)
	if err != nil {
		if ctx.Err() == nil {
			d.logError("looking at the inboxes", err)
		}
		return
	}
	for _, arn := range arns {
		d.drain(ctx, arn)
	}
}

// listen hears the store's signals until the driver stops: its inbox's,
// and new activity tasks queued by any node, which wake this node's polls.
func (d *Durable) listen(sig store.Signals) {
	defer d.wg.Done()
	err := sig.Listen(d.ctx, d.node, func(arn string) {
		if arn == "" {
			d.wg.Go(func() { d.sweepInboxes(d.ctx) })
			return
		}
		d.wg.Go(func() { d.drain(d.ctx, arn) })
	}, func(activity string) {
		d.acts.wakeOne(activity)
	})
	if err != nil && d.ctx.Err() == nil {
		d.logError("listening for other nodes", err)
	}
}
