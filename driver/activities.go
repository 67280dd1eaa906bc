package driver

import (
	"context"
	"errors"
	"time"

	"github.com/baton-sh/baton/clock"
	"github.com/baton-sh/baton/interpreter"
	"github.com/baton-sh/baton/store"
)

// Activity tasks are rows of the store, written in the step that schedules
// them; workers long-poll for them. A poll that finds none waits until a
// step of this process queues one for its activity, or its time runs out.

func (d *Durable) wakeActivity(arn string) {
	d.actMu.Lock()
	if ch, ok := d.actWake[arn]; ok {
		close(ch)
		delete(d.actWake, arn)
	}
	d.actMu.Unlock()
}

func (d *Durable) activityWaiter(arn string) <-chan struct{} {
	d.actMu.Lock()
	defer d.actMu.Unlock()
	ch, ok := d.actWake[arn]
	if !ok {
		ch = make(chan struct{})
		d.actWake[arn] = ch
	}
	return ch
}

// PollActivity waits up to wait for a task of an activity and hands it to
// the worker, recording ActivityStarted. It returns nil when no task came.
func (d *Durable) PollActivity(ctx context.Context, activityARN, worker string, wait time.Duration) (*store.ActivityTask, error) {
	deadline := clock.NewTimer(d.clock, wait)
	defer deadline.Stop()
	for {
		woken := d.activityWaiter(activityARN)
		t, err := d.store.ClaimActivityTask(ctx, activityARN, worker, d.clock.Now())
		if err == nil {
			id := t.TaskID
			err = d.deliver(ctx, t.ExecutionARN, []entry{{Kind: kindStarted, ID: id, Worker: worker}},
				func(ex *interpreter.Execution) bool { return ex.WaitsOnTask(id) })
			if err == nil {
				return t, nil
			}
			if errors.Is(err, ErrStale) || errors.Is(err, ErrExecutionClosed) {
				continue
			}
			return nil, err
		}
		if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		select {
		case <-woken:
		case <-deadline.C:
			return nil, nil
		case <-ctx.Done():
			return nil, nil
		case <-d.ctx.Done():
			return nil, nil
		}
	}
}
