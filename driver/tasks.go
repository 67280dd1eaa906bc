package driver

import (
	"context"
	"errors"

	"github.com/baton-sh/baton/clock"
	"github.com/baton-sh/baton/interpreter"
	"github.com/baton-sh/baton/resource"
)

// runTask invokes a task's resource (or its mock) in its own goroutine;
// the result comes back through deliverCall.
func (d *Durable) runTask(l *live, t *interpreter.TaskRequest, to target) {
	ctx, cancel := context.WithCancel(d.ctx)
	if l.tasks == nil {
		l.tasks = map[int64]context.CancelFunc{}
	}
	l.tasks[t.ID] = cancel
	req := request(l.arn, t)
	if d.traceTask != nil {
		req.TraceParent = d.traceTask(l.ex.Config(), t.ScheduledEvent)
	}
	arn, id := l.arn, t.ID
	hold := clock.Hold(d.clock)
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		defer hold()
		defer cancel()
		var entries []entry
		if to.res == nil {
			entries = []entry{taskResultEntry(id, nil, unserved(t))}
		} else {
			out, err := invoke(ctx, to.res, req)
			if ctx.Err() != nil {
				return // cancelled: the execution moved on, or the driver stops
			}
			entries = []entry{{Kind: kindStarted, ID: id}, taskResultEntry(id, out, err)}
		}
		err := d.deliverCall(d.ctx, arn, id, entries)
		if err != nil && !errors.Is(err, ErrStale) && !errors.Is(err, ErrExecutionClosed) && d.ctx.Err() == nil {
			d.logError("recording a task result", err, "execution", arn, "task", id)
		}
	}()
}

// deliverCall records the result of an in-process task's call, and after
// it the completions that arrived by token while the call ran.
func (d *Durable) deliverCall(ctx context.Context, arn string, id int64, entries []entry) error {
	l, err := d.acquire(ctx, arn)
	if err != nil {
		if l := d.peek(arn); l != nil {
			l.mu.Lock()
			entries = append(entries, l.early[id]...)
			delete(l.tasks, id)
			delete(l.early, id)
			l.mu.Unlock()
		}
		if errors.Is(err, ErrOwnedElsewhere) {
			// Another node advances the execution now: the result is its.
			return d.post(ctx, arn, entries...)
		}
		return err
	}
	defer l.mu.Unlock()
	entries = append(entries, l.early[id]...)
	delete(l.early, id)
	delete(l.tasks, id)
	return d.deliverLocked(ctx, l, entries, func(ex *interpreter.Execution) bool { return ex.WaitsOnTask(id) })
}

// park keeps a completion of a task whose in-process call is still running,
// for deliverCall to record after the call's result.
func (d *Durable) park(arn string, e entry) bool {
	l := d.peek(arn)
	if l == nil {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, running := l.tasks[e.ID]; !running || l.closed || l.gone.Load() {
		return false
	}
	if l.early == nil {
		l.early = map[int64][]entry{}
	}
	l.early[e.ID] = append(l.early[e.ID], e)
	return true
}

// resume asks the resource of a submitted task whether its work ended
// while the driver was down, and delivers the result if so.
func (d *Durable) resume(arn string, t *interpreter.TaskRequest) {
	res, _ := d.resources.Lookup(t.Resource.ARN)
	rs, ok := res.(resource.Resumer)
	if !ok {
		return
	}
	req, id := request(arn, t), t.ID
	hold := clock.Hold(d.clock)
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		defer hold()
		out, err := rs.Resume(d.ctx, req, t.Receipt)
		if _, ok := resource.AsSubmitted(err); ok || d.ctx.Err() != nil {
			return
		}
		result := taskResultEntry(id, out, err)
		err = d.deliver(d.ctx, arn, []entry{result}, func(ex *interpreter.Execution) bool { return ex.WaitsOnTask(id) })
		if errors.Is(err, ErrOwnedElsewhere) {
			err = d.post(d.ctx, arn, result)
		}
		if err != nil && !errors.Is(err, ErrStale) && !errors.Is(err, ErrExecutionClosed) && d.ctx.Err() == nil {
			d.logError("resuming a submitted task", err, "execution", arn, "task", id)
		}
	}()
}

// cancelSubmitted stops the work of a submitted task nobody waits for any
// more (a .sync child), where its resource knows how.
func (d *Durable) cancelSubmitted(arn string, t *interpreter.TaskRequest) {
	res, _ := d.resources.Lookup(t.Resource.ARN)
	cn, ok := res.(resource.Canceller)
	if !ok {
		return
	}
	req := request(arn, t)
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		if err := cn.Cancel(d.ctx, req, t.Receipt); err != nil && d.ctx.Err() == nil {
			d.log.Warn("stopping the work of a cancelled task", "execution", arn, "resource", t.Resource.ARN, "error", err)
		}
	}()
}
