package driver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/baton-sh/baton/history"
	"github.com/baton-sh/baton/interpreter"
	"github.com/baton-sh/baton/mock"
	"github.com/baton-sh/baton/store"
	"github.com/baton-sh/baton/value"
)

// live is an execution in memory. Its lock is held while anything reads or
// changes it.
type live struct {
	mu sync.Mutex
	// loading is set while the execution is rebuilt from its journal, for
	// StopExecution, which does not wait for that.
	loading atomic.Bool
	arn     string
	ex      *interpreter.Execution
	rec     store.Execution
	seq     int64 // the journal position of its last entry
	closed  bool
	gone    atomic.Bool                  // removed from the live map
	tasks   map[int64]context.CancelFunc // in-process tasks running
	// early holds completions by token of tasks whose call has not yet
	// returned (a .sync child that ended first): they are recorded after
	// the call's own result, so that the history keeps AWS's order.
	early      map[int64][]entry
	activities map[int64]string // pending activity tasks: id -> token
	redrives   []redrive        // the execution's redrives, from its journal
	mock       *mock.Case       // its test case, when it runs one
	mockRead   bool             // mock has been looked up
	counted    counted          // what d.counts holds of it
}

// redrive remembers one redrive and the client token that asked for it.
type redrive struct {
	token string
	at    time.Time
}

// summary fills the execution's record from the interpreter's state.
func summary(l *live) {
	ex := l.ex
	r := &l.rec
	r.Status = ex.Status.String()
	r.RedriveCount = ex.Config().RedriveCount
	if !ex.Done() {
		// Running again after a redrive: the last attempt's end is gone.
		r.Stop, r.Output, r.HasOutput, r.Error, r.Cause = time.Time{}, "", false, "", ""
	} else {
		r.Stop = ex.StopTime
		if ex.Status == interpreter.Succeeded {
			r.Output, r.HasOutput = value.String(ex.Output), true
		}
		if ex.Failure != nil {
			r.Error, r.Cause = ex.Failure.Error, ex.Failure.Cause
		}
	}
}

// step builds the store write for entries just applied, and returns the
// history events it writes.
func (d *Durable) step(l *live, entries []entry, cmds []interpreter.Command, create bool, now time.Time) (*store.Step, []history.Event, error) {
	if p := l.ex.Panic; p != nil {
		// The interpreter failed the execution on a fault of its own.
		l.ex.Panic = nil
		d.log.Error("an internal error failed an execution", "execution", l.arn, "panic", fmt.Sprint(p.Value), "stack", string(p.Stack))
	}
	st := &store.Step{Create: create, Lease: d.currentLease(), ExpectSeq: l.seq, Now: now}
	seq := l.seq
	for i := range entries {
		data, err := json.Marshal(&entries[i])
		if err != nil {
			return nil, nil, err
		}
		seq++
		st.Inputs = append(st.Inputs, store.Input{Seq: seq, JSON: data})
		e := &entries[i]
		switch {
		case e.Kind == kindTimer:
			st.DeleteTimers = append(st.DeleteTimers, e.ID)
		case e.completes():
			if tok, ok := l.activities[e.ID]; ok {
				st.DeleteTasks = append(st.DeleteTasks, tok)
			}
		case e.claim:
			st.ClaimTasks = append(st.ClaimTasks, store.TaskClaim{Token: l.activities[e.ID], Worker: e.Worker, At: now})
		}
		if e.posted != 0 {
			st.TakeInbox = append(st.TakeInbox, e.posted)
		}
	}
	events := l.ex.TakeEvents()
	for i := range events {
		st.Events = append(st.Events, store.Event{ID: events[i].ID, JSON: events[i].AppendJSON(nil, true)})
	}
	if n := len(events); n > 0 {
		l.rec.LastEvent, l.rec.LastEventType = events[n-1].ID, events[n-1].Type.String()
	}
	for _, c := range cmds {
		switch c.Kind {
		case interpreter.StartTimer:
			st.AddTimers = append(st.AddTimers, store.Timer{ExecutionARN: l.arn, ID: c.ID, Due: c.At})
		case interpreter.CancelTimer:
			st.DeleteTimers = append(st.DeleteTimers, c.ID)
		case interpreter.RunTask:
			if route(nil, d.mockOf(l), c.Task, true).queued {
				st.AddTasks = append(st.AddTasks, store.ActivityTask{Token: c.Task.Token, ActivityARN: c.Task.Resource.ARN, ExecutionARN: l.arn,
					TaskID: c.ID, Input: value.String(c.Task.Input), Created: now})
			}
		case interpreter.CancelTask:
			if tok, ok := l.activities[c.ID]; ok {
				st.DeleteTasks = append(st.DeleteTasks, tok)
			}
		}
	}
	prev := l.rec.Status
	if create {
		prev = ""
	}
	summary(l)
	l.rec.Idle = !l.ex.Done() && !l.ex.HasTasks()
	st.Execution = l.rec
	// Inputs posted for it that are still waiting will never apply; a
	// redrive must not find them either.
	st.ClearInbox = l.ex.Done()
	if d.notify != nil && l.rec.Status != prev {
		st.Notices = d.notify(prev, &l.rec, now)
	}
	return st, events, nil
}

// after carries out the commands of a step that is durable.
func (d *Durable) after(l *live, entries []entry, cmds []interpreter.Command, events []history.Event) {
	l.seq += int64(len(entries))
	var fired int64
	for i := range entries {
		switch e := &entries[i]; {
		case e.completes():
			delete(l.activities, e.ID)
		case e.Kind == kindTimer:
			fired = e.ID
		}
	}
	for _, c := range cmds {
		switch c.Kind {
		case interpreter.StartTimer:
			d.timers.add(l.arn, c.ID, c.At, d.clock.Now())
		case interpreter.RunTask:
			to := route(d.resources, d.mockOf(l), c.Task, true)
			if to.queued {
				if l.activities == nil {
					l.activities = map[int64]string{}
				}
				l.activities[c.ID] = c.Task.Token
				d.queueActivity(l, c.Task)
			} else {
				d.runTask(l, c.Task, to)
			}
		case interpreter.CancelTask:
			if cancel, ok := l.tasks[c.ID]; ok {
				cancel()
				delete(l.tasks, c.ID)
			}
			delete(l.early, c.ID)
			delete(l.activities, c.ID)
			if c.Task != nil && c.Task.Submitted {
				d.cancelSubmitted(l.arn, c.Task)
			}
		}
	}
	now := counted{open: !l.ex.Done(), idle: l.rec.Idle}
	d.counts.move(l.counted, now)
	l.counted = now
	if d.observe != nil {
		observe(d.observe, l.ex, events, cmds, fired, len(entries) > 0 && entries[0].Kind == kindStart, &l.rec)
	}
	if l.ex.Done() {
		l.closed = true
		d.forget(l)
		d.finished(&l.rec)
	}
}

// finished tells OnFinish that an execution a parent waits for has ended.
func (d *Durable) finished(rec *store.Execution) {
	if d.onFinish == nil {
		return
	}
	mt := metaOf(rec)
	if mt.Parent == nil {
		return
	}
	r := *rec
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		d.onFinish(&r, *mt.Parent)
	}()
}

// acquire returns the execution locked, loading it when it is not in memory.
func (d *Durable) acquire(ctx context.Context, arn string) (*live, error) {
	return d.acquireRec(ctx, arn, nil)
}

func (d *Durable) acquireRec(ctx context.Context, arn string, rec *store.Execution) (*live, error) {
	for {
		d.mu.Lock()
		l := d.live[arn]
		if l == nil {
			l = &live{arn: arn}
			d.live[arn] = l
			d.evictLocked()
		}
		d.mu.Unlock()
		l.mu.Lock()
		if l.gone.Load() {
			l.mu.Unlock()
			continue
		}
		if l.ex == nil && !l.closed {
			if err := d.load(ctx, l, rec); err != nil {
				d.forget(l)
				l.mu.Unlock()
				return nil, err
			}
			if l.closed && d.signals != nil {
				// Another node may redrive it: memory must not keep it
				// ended. The caller holds it still.
				d.forget(l)
			}
		}
		return l, nil
	}
}

// load rebuilds an execution from its journal (its record read first,
// unless given), taking its lease first if another node's lapsed.
func (d *Durable) load(ctx context.Context, l *live, rec *store.Execution) error {
	if rec == nil {
		var err error
		if rec, err = d.store.GetExecution(ctx, l.arn); err != nil {
			return err
		}
	}
	l.rec = *rec
	l.counted = counted{}
	if rec.Status != "RUNNING" {
		l.closed = true
		return nil
	}
	if lease := d.currentLease(); rec.Owner != lease {
		err := d.store.TakeExecution(ctx, l.arn, lease, d.clock.Now())
		if errors.Is(err, store.ErrLeaseLost) {
			return ErrOwnedElsewhere
		}
		if err != nil {
			return err
		}
		// The record read before the take may be behind: its owner may
		// have written it since, ended it even (an ended execution is
		// anyone's to take).
		if rec, err = d.store.GetExecution(ctx, l.arn); err != nil {
			return err
		}
		l.rec = *rec
		if rec.Status != "RUNNING" {
			l.closed = true
			return nil
		}
		d.nodeCounts.takenOver.Add(1)
		d.counts.move(counted{}, counted{open: true, idle: rec.Idle})
	}
	// This node counts the executions it owns.
	l.counted = counted{open: true, idle: rec.Idle}
	l.loading.Store(true)
	err := d.replay(ctx, l)
	l.loading.Store(false)
	if err != nil {
		return err
	}
	for _, t := range l.ex.PendingTasks() {
		if route(nil, d.mockOf(l), t, true).queued {
			if l.activities == nil {
				l.activities = map[int64]string{}
			}
			l.activities[t.ID] = t.Token
			if !l.ex.IsTaskStarted(t.ID) {
				d.queueActivity(l, t)
			}
		}
	}
	// What other nodes received for it while another owned it, or while
	// it was out of memory.
	return d.drainLocked(ctx, l)
}

// replay rebuilds l.ex from the journal of the execution in l.rec, and
// checks that it gives back the stored history.
func (d *Durable) replay(ctx context.Context, l *live) error { return d.replayTo(ctx, l, 0) }

// replayTo is replay of the journal's entries up to position upTo (0: all
// of them): a node that does not own the execution reads its record and
// then its journal, which the owner may have written past the record
// meanwhile.
func (d *Durable) replayTo(ctx context.Context, l *live, upTo int64) error {
	m, err := d.compile(l.rec.Definition)
	if err != nil {
		return &ReplayError{ExecutionARN: l.arn, Stored: "a definition", Replayed: "none that compiles: " + err.Error()}
	}
	journal, err := d.store.Journal(ctx, l.arn)
	if err != nil {
		return err
	}
	ex := interpreter.New(m, d.config(&l.rec))
	l.redrives = nil
	l.seq = 0
	for _, in := range journal {
		if upTo > 0 && in.Seq > upTo {
			break
		}
		var e entry
		if err := json.Unmarshal(in.JSON, &e); err != nil {
			return &ReplayError{ExecutionARN: l.arn, Stored: fmt.Sprintf("journal entry %d", in.Seq), Replayed: "none readable: " + err.Error()}
		}
		apply(ex, &e)
		if e.Kind == kindRedrive {
			l.redrives = append(l.redrives, redrive{token: e.Token, at: time.Unix(0, e.Time)})
		}
		l.seq = in.Seq
	}
	if err := d.verify(&l.rec, ex.TakeEvents()); err != nil {
		return err
	}
	l.ex = ex
	return nil
}

// verify compares a replayed history with the stored one: their lengths
// and their last events' ids and types (which the execution's record keeps).
func (d *Durable) verify(rec *store.Execution, replayed []history.Event) error {
	describe := func(n int, id int64, typ string) string {
		if n == 0 {
			return "no events"
		}
		return fmt.Sprintf("%d events, the last #%d %s", n, id, typ)
	}
	n := len(replayed)
	if n == 0 && rec.LastEvent == 0 {
		return nil
	}
	if n > 0 && int64(n) == rec.LastEvent && replayed[n-1].ID == rec.LastEvent && replayed[n-1].Type.String() == rec.LastEventType {
		return nil
	}
	got := describe(0, 0, "")
	if n > 0 {
		got = describe(n, replayed[n-1].ID, replayed[n-1].Type.String())
	}
	return &ReplayError{ExecutionARN: rec.ARN, Stored: describe(int(rec.LastEvent), rec.LastEvent, rec.LastEventType), Replayed: got}
}

// forget drops an execution from memory; the store keeps it.
func (d *Durable) forget(l *live) {
	d.mu.Lock()
	if d.live[l.arn] == l {
		delete(d.live, l.arn)
	}
	l.gone.Store(true)
	d.mu.Unlock()
}

// evictLocked drops idle executions when memory holds too many: those with
// no task running in this process and nobody working on them. Called with
// d.mu held.
func (d *Durable) evictLocked() {
	if len(d.live) <= d.maxLive {
		return
	}
	target := d.maxLive * 9 / 10
	scanned := 0
	for arn, l := range d.live {
		if len(d.live) <= target || scanned > 4096 {
			return
		}
		scanned++
		if !l.mu.TryLock() {
			continue
		}
		if len(l.tasks) == 0 {
			l.gone.Store(true)
			delete(d.live, arn)
		}
		l.mu.Unlock()
	}
}

func (d *Durable) peek(arn string) *live {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.live[arn]
}

// deliver applies entries to an execution, durably, if check accepts the
// execution's state.
func (d *Durable) deliver(ctx context.Context, arn string, entries []entry, check func(*interpreter.Execution) bool) error {
	l, err := d.acquire(ctx, arn)
	if err != nil {
		return err
	}
	defer l.mu.Unlock()
	return d.deliverLocked(ctx, l, entries, check)
}

// deliverLocked is deliver with the execution's lock held.
func (d *Durable) deliverLocked(ctx context.Context, l *live, entries []entry, check func(*interpreter.Execution) bool) error {
	if l.closed {
		return ErrExecutionClosed
	}
	if check != nil && !check(l.ex) {
		return ErrStale
	}
	if d.terminate != nil && transitions(entries) {
		if cause, ok := d.terminate(l.rec.StateMachineARN); ok {
			entries = []entry{{Kind: kindStop, Cause: cause}}
		}
	}
	now := d.clock.Now()
	var cmds []interpreter.Command
	for i := range entries {
		entries[i].Time = now.UnixNano()
		cmds = append(cmds, apply(l.ex, &entries[i])...)
	}
	st, events, err := d.step(l, entries, cmds, false, now)
	if err == nil {
		err = d.commitStep(ctx, st)
	}
	if err != nil {
		// Memory is ahead of the store now (or another writer is): rebuild
		// from the store next time.
		d.drop(l)
		if errors.Is(err, store.ErrLeaseLost) {
			return ErrOwnedElsewhere
		}
		return err
	}
	d.after(l, entries, cmds, events)
	return nil
}

// commitStep writes a step, keeping count of the store's outages.
func (d *Durable) commitStep(ctx context.Context, st *store.Step) error {
	err := d.commit.Commit(ctx, st)
	if err == nil {
		d.outage.Succeeded()
	}
	return err
}

// logError logs an error of the driver's own work, but an unavailable
// store only as its outage begins.
func (d *Durable) logError(msg string, err error, args ...any) {
	if d.outage.Failed(err) {
		return
	}
	d.log.Error(msg, append(args, "error", err)...)
}

// transitions reports whether entries move an execution on to its next
// state (a result, a timer), as a heartbeat or a stop do not.
func transitions(entries []entry) bool {
	for i := range entries {
		switch entries[i].Kind {
		case kindTimer, kindSucceeded, kindFailed, kindSubmitted:
			return true
		}
	}
	return false
}

// drop forgets an execution whose memory can no longer be trusted: it is
// rebuilt from the store when needed. Its tasks in flight carry on, and
// deliver their results to whoever advances it then.
func (d *Durable) drop(l *live) {
	l.ex, l.closed = nil, false
	d.forget(l)
}

// mockOf finds the test case an execution runs, if any.
func (d *Durable) mockOf(l *live) *mock.Case {
	if !l.mockRead {
		l.mockRead = true
		if mt := metaOf(&l.rec); mt.TestCase != "" && d.mocks != nil {
			tc, err := d.mocks.Case(mt.StateMachineName, mt.TestCase)
			if err != nil {
				d.log.Warn("the test case of an execution", "execution", l.arn, "error", err)
			}
			l.mock = tc
		}
	}
	return l.mock
}

// Verify replays an execution's journal, running or not, and compares the
// history it gives with the stored one, event by event: every event's JSON
// must be the same. It is the whole of the check that loading an execution
// makes in part (its length and last event).
func (d *Durable) Verify(ctx context.Context, arn string) error {
	rec, err := d.store.GetExecution(ctx, arn)
	if err != nil {
		return err
	}
	m, err := d.compile(rec.Definition)
	if err != nil {
		return err
	}
	journal, err := d.store.Journal(ctx, arn)
	if err != nil {
		return err
	}
	ex := interpreter.New(m, d.config(rec))
	defer ex.Release()
	for _, in := range journal {
		var e entry
		if err := json.Unmarshal(in.JSON, &e); err != nil {
			return fmt.Errorf("journal of %s: %w", arn, err)
		}
		apply(ex, &e)
	}
	stored, err := d.store.Events(ctx, arn, 0, 1<<30, false)
	if err != nil {
		return err
	}
	replayed := ex.Events
	for i := range max(len(stored), len(replayed)) {
		if i >= len(stored) || i >= len(replayed) {
			return &ReplayError{ExecutionARN: arn, Stored: fmt.Sprintf("%d events", len(stored)), Replayed: fmt.Sprintf("%d events", len(replayed))}
		}
		if got := replayed[i].AppendJSON(nil, true); string(got) != string(stored[i].JSON) {
			return &ReplayError{ExecutionARN: arn, Stored: "event " + string(stored[i].JSON), Replayed: "event " + string(got)}
		}
	}
	return nil
}
