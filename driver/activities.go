package driver

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/baton-sh/baton/clock"
	"github.com/baton-sh/baton/interpreter"
	"github.com/baton-sh/baton/store"
	"github.com/baton-sh/baton/value"
)

// Activity tasks are rows of the store, written in the step that schedules
// them; workers long-poll for them. The store is the truth, and its claim
// (ClaimActivityTask) works for any task whoever queued it; but a claim of
// its own is a transaction, an fsync, per task, outside group commit. So
// this process also keeps the tasks it queued (or found when it loaded an
// execution) in memory, and a poll takes one from there in the step that
// records ActivityStarted: claim and start are one write, batched with the
// others. The store is asked only when memory has none.
//
// A task woken for wakes one waiting poll, not all of them: a crowd of
// pollers racing for one task costs a claim each.

// maxQueued bounds the tasks kept in memory per activity; beyond it they
// are only in the store, and polls find them there once memory is empty.
const maxQueued = 10000

type activityQueues struct {
	mu     sync.Mutex
	queues map[string]*activityQueue
}

type activityQueue struct {
	tasks   []queuedTask // oldest first, from head
	head    int
	tokens  map[string]struct{} // the tokens in tasks
	waiters []*poller           // oldest first
}

type queuedTask struct {
	arn   string // the execution
	id    int64
	token string
	input any
}

// poller is a poll waiting for a task; ch is closed to wake it.
type poller struct {
	ch    chan struct{}
	woken bool
}

func (a *activityQueues) queue(arn string) *activityQueue {
	if a.queues == nil {
		a.queues = map[string]*activityQueue{}
	}
	q := a.queues[arn]
	if q == nil {
		q = &activityQueue{tokens: map[string]struct{}{}}
		a.queues[arn] = q
	}
	return q
}

// push queues a task of an activity and wakes one waiting poll.
func (a *activityQueues) push(activity string, t queuedTask) {
	a.mu.Lock()
	defer a.mu.Unlock()
	q := a.queue(activity)
	if _, ok := q.tokens[t.token]; ok || len(q.tokens) >= maxQueued {
		return
	}
	q.tokens[t.token] = struct{}{}
	q.tasks = append(q.tasks, t)
	q.wakeOne()
}

func (q *activityQueue) wakeOne() {
	if len(q.waiters) == 0 {
		return
	}
	w := q.waiters[0]
	q.waiters[0] = nil
	q.waiters = q.waiters[1:]
	w.woken = true
	close(w.ch)
}

// wakeOne wakes one poll waiting for an activity's tasks ("": one per
// activity), to look in the store: another node queued one. A poll that
// finds one there wakes the next (claimStored), so that a notice of many
// tasks wakes as many polls as there are tasks, one after the other.
func (a *activityQueues) wakeOne(activity string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for arn, q := range a.queues {
		if activity == "" || arn == activity {
			q.wakeOne()
		}
	}
}

// pop takes the oldest task queued in memory.
func (a *activityQueues) pop(activity string) (queuedTask, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	q := a.queues[activity]
	if q == nil || q.head == len(q.tasks) {
		return queuedTask{}, false
	}
	t := q.tasks[q.head]
	q.tasks[q.head] = queuedTask{}
	q.head++
	if q.head == len(q.tasks) {
		q.tasks, q.head = q.tasks[:0], 0
	} else if q.head > 1024 && q.head*2 > len(q.tasks) {
		q.tasks, q.head = append(q.tasks[:0], q.tasks[q.head:]...), 0
	}
	delete(q.tokens, t.token)
	return t, true
}

// wait registers a poll that found no task.
func (a *activityQueues) wait(activity string) *poller {
	a.mu.Lock()
	defer a.mu.Unlock()
	q := a.queue(activity)
	p := &poller{ch: make(chan struct{})}
	q.waiters = append(q.waiters, p)
	return p
}

// leave ends a poll's wait. A poll that was woken but leaves without
// looking (its time ran out at the same moment) passes the wake on, so
// that no queued task is left with pollers asleep.
func (a *activityQueues) leave(activity string, p *poller) {
	a.mu.Lock()
	defer a.mu.Unlock()
	q := a.queues[activity]
	if q == nil {
		return
	}
	if p.woken {
		if q.head < len(q.tasks) {
			q.wakeOne()
		}
		return
	}
	for i, w := range q.waiters {
		if w == p {
			q.waiters = append(q.waiters[:i], q.waiters[i+1:]...)
			break
		}
	}
}

// queueActivity makes a task that waits in the store claimable from
// memory too. Called with the execution's lock held, once the step that
// queued it is durable (or when the execution is loaded).
func (d *Durable) queueActivity(l *live, t *interpreter.TaskRequest) {
	d.acts.push(t.Resource.ARN, queuedTask{arn: l.arn, id: t.ID, token: t.Token, input: t.Input})
}

// PollActivity waits up to wait for a task of an activity and hands it to
// the worker, recording ActivityStarted. It returns nil when no task came.
func (d *Durable) PollActivity(ctx context.Context, activityARN, worker string, wait time.Duration) (*store.ActivityTask, error) {
	deadline := clock.NewTimer(d.clock, wait)
	defer deadline.Stop()
	for {
		t, err := d.claimQueued(ctx, activityARN, worker)
		if t != nil || err != nil {
			return t, err
		}
		// Registered before the store is asked: a task queued after the
		// store's answer wakes this poll.
		p := d.acts.wait(activityARN)
		t, err = d.claimStored(ctx, activityARN, worker)
		if t != nil || err != nil {
			d.acts.leave(activityARN, p)
			return t, err
		}
		select {
		case <-p.ch:
			continue
		case <-deadline.C:
		case <-ctx.Done():
		case <-d.ctx.Done():
		}
		d.acts.leave(activityARN, p)
		return nil, nil
	}
}

// claimQueued hands the worker the oldest task queued in memory that is
// still waiting for one, claiming it in the step that starts it.
func (d *Durable) claimQueued(ctx context.Context, activityARN, worker string) (*store.ActivityTask, error) {
	for {
		q, ok := d.acts.pop(activityARN)
		if !ok {
			return nil, nil
		}
		t, err := d.startQueued(ctx, activityARN, worker, q)
		switch {
		case err == nil:
			return t, nil
		case errors.Is(err, ErrStale), errors.Is(err, ErrExecutionClosed), errors.Is(err, store.ErrConflict),
			errors.Is(err, store.ErrNotFound), errors.Is(err, ErrOwnedElsewhere):
			// Taken, cancelled or gone meanwhile: the next one.
			continue
		case ctx.Err() != nil || d.ctx.Err() != nil:
			// Cut short, its start perhaps not written: it stays claimable
			// (a started one is passed over when popped again).
			d.acts.push(activityARN, q)
			return nil, nil
		default:
			return nil, err
		}
	}
}

func (d *Durable) startQueued(ctx context.Context, activityARN, worker string, q queuedTask) (*store.ActivityTask, error) {
	l, err := d.acquire(ctx, q.arn)
	if err != nil {
		return nil, err
	}
	defer l.mu.Unlock()
	if l.closed || l.activities[q.id] != q.token {
		return nil, ErrStale
	}
	started := entry{Kind: kindStarted, ID: q.id, Worker: worker, claim: true}
	if err := d.deliverLocked(ctx, l, []entry{started}, check(&started)); err != nil {
		return nil, err
	}
	return &store.ActivityTask{Token: q.token, ActivityARN: activityARN, ExecutionARN: q.arn, TaskID: q.id, Input: value.String(q.input), Worker: worker}, nil
}

// claimStored claims the oldest unclaimed task of the activity in the
// store (one memory does not hold: queued before a restart, or past
// maxQueued), and records its start.
func (d *Durable) claimStored(ctx context.Context, activityARN, worker string) (*store.ActivityTask, error) {
	for {
		began := time.Now()
		t, err := d.store.ClaimActivityTask(ctx, activityARN, worker, d.clock.Now())
		d.claimed("activity_task", began)
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		id := t.TaskID
		// A task already started is some worker's, even if its row was
		// released meanwhile (recovery releases the claims of tasks whose
		// start it did not find, and a poll may record one just after).
		started := entry{Kind: kindStarted, ID: id, Worker: worker}
		err = d.deliver(ctx, t.ExecutionARN, []entry{started}, check(&started))
		if err == nil {
			// The store may hold more: the next poll looks.
			d.acts.wakeOne(activityARN)
			return t, nil
		}
		if errors.Is(err, ErrOwnedElsewhere) {
			// Another node's live lease holds the execution: the claim
			// gives the task to this worker, and its start goes to the
			// owner, to record.
			claim := &store.TaskClaim{Token: t.Token, Worker: t.Worker, At: t.Claimed}
			err = d.postClaimed(ctx, t.ExecutionARN, claim, started)
			if err == nil {
				d.acts.wakeOne(activityARN)
				return t, nil
			}
			if errors.Is(err, store.ErrConflict) {
				// The owner took the claim back (it found the task not
				// started when it took the execution over): the task is
				// its to hand out.
				continue
			}
			if !errors.Is(err, ErrStale) && !errors.Is(err, ErrExecutionClosed) {
				// Not posted: the task goes back, or it would stay
				// claimed by a worker that never got it.
				if rerr := d.store.ReleaseActivityTask(ctx, t.Token); rerr != nil && !errors.Is(rerr, store.ErrNotFound) {
					return nil, rerr
				}
				return nil, err
			}
			continue
		}
		if !errors.Is(err, ErrStale) && !errors.Is(err, ErrExecutionClosed) {
			return nil, err
		}
	}
}
