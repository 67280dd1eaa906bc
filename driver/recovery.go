package driver

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/baton-sh/baton/clock"
	"github.com/baton-sh/baton/store"
)

// claimBatch is how many executions one claim takes over.
const claimBatch = 1000

// Start takes this node's lease and starts the lease loop, then recovers,
// in the background, the executions no live lease holds (those this node
// ran before it stopped, and those of nodes whose lease ran out), and
// starts the timer loop once they are. Requests are served meanwhile: an
// execution asked for before its turn is loaded then, and a StopExecution
// does not wait for a replay (see StopExecution). Recovered() is closed
// once recovery ends.
func (d *Durable) Start(ctx context.Context) error {
	defer clock.Hold(d.clock)()
	now := d.clock.Now()
	l, err := d.store.RegisterNode(ctx, d.node, now, now.Add(d.leaseFor))
	if err != nil {
		return fmt.Errorf("lease: %w", err)
	}
	d.leaseMu.Lock()
	d.lease = l
	d.leaseMu.Unlock()
	// The lease is renewed while recovery runs: recovering a hundred
	// thousand executions takes longer than a lease lasts.
	d.wg.Add(2)
	go d.leaseLoop(now)
	if d.signals != nil {
		d.wg.Add(1)
		go d.listen(d.signals)
	}
	release := clock.Hold(d.clock)
	d.claiming.Store(true) // the lease loop's turns leave the takeover to it
	go func() {
		defer d.wg.Done()
		defer close(d.recovered)
		n, err := d.takeOver(d.ctx)
		d.claiming.Store(false)
		release()
		switch {
		case err != nil && d.ctx.Err() == nil:
			// The lease loop takes over what is left when it next runs.
			d.logError("recovering executions", err, "recovered", n)
		case n > 0:
			d.log.Info("recovered executions", "count", n)
		}
		if d.ctx.Err() != nil {
			return
		}
		d.wg.Add(1)
		go d.timerLoop()
	}()
	return nil
}

// Recovered is closed once the executions Start found have been recovered.
func (d *Durable) Recovered() <-chan struct{} { return d.recovered }

// takeOver claims the executions no live lease holds, and carries each on.
func (d *Durable) takeOver(ctx context.Context) (int, error) {
	total := 0
	for {
		began := time.Now()
		recs, err := d.store.ClaimExecutions(ctx, d.currentLease(), d.clock.Now(), claimBatch)
		d.claimed("executions", began)
		if err != nil {
			return total, err
		}
		d.nodeCounts.takenOver.Add(uint64(len(recs)))
		for _, rec := range recs {
			d.counts.move(counted{}, counted{open: true, idle: rec.Idle})
		}
		// Executions are rebuilt independently: one replayer per core.
		var wg sync.WaitGroup
		next := atomic.Int64{}
		for range max(2, runtime.GOMAXPROCS(0)) {
			wg.Go(func() {
				for i := next.Add(1) - 1; i < int64(len(recs)); i = next.Add(1) - 1 {
					d.recover(ctx, recs[i])
				}
			})
		}
		wg.Wait()
		total += len(recs)
		if len(recs) > 0 {
			d.timers.poll.Store(true)
			d.timers.wakeUp()
		}
		if len(recs) < claimBatch {
			return total, nil
		}
	}
}

// recover loads an execution just claimed and runs again what it waited
// for in the process that ran it before.
func (d *Durable) recover(ctx context.Context, rec *store.Execution) {
	if rec.Idle {
		// Nothing of it is in flight: its timers wake it (the timer loop
		// claims those of the executions this node owns), and it is
		// rebuilt, and checked, then.
		return
	}
	arn := rec.ARN
	l, err := d.acquire(ctx, arn)
	if err != nil {
		d.logError("recovering an execution", err, "execution", arn)
		return
	}
	defer l.mu.Unlock()
	if l.closed {
		return
	}
	tc := d.mockOf(l)
	for _, t := range l.ex.PendingTasks() {
		if _, running := l.tasks[t.ID]; running {
			continue
		}
		if t.Submitted {
			// Its result comes with its token, or when its work ends; work
			// that ended meanwhile is found now.
			d.resume(l.arn, t)
			continue
		}
		to := route(d.resources, tc, t, true)
		if !to.queued {
			// At least once for the call, exactly once for the transition.
			d.runTask(l, t, to)
		} else if !l.ex.IsTaskStarted(t.ID) {
			// Claimed by a poll whose ActivityStarted never became durable:
			// no worker holds it, so it goes back to the queue.
			if err := d.store.ReleaseActivityTask(ctx, t.Token); err != nil && !errors.Is(err, store.ErrNotFound) {
				d.logError("releasing an activity task", err, "execution", arn)
			}
		}
	}
}

// leaseLoop renews this node's lease three times per lease duration, and
// takes over the executions of nodes whose lease ran out. A node that
// finds its lease lost (it stalled longer than a lease, and another node
// may have taken its executions) forgets what it holds in memory and
// registers again.
//
// Its renewals are due at times counted from since, the time of the lease
// it started with: a timer armed from a later reading of the clock could
// miss a clock that moved meanwhile (one that moves only when told to).
func (d *Durable) leaseLoop(since time.Time) {
	defer d.wg.Done()
	every := d.leaseFor / 3
	next := since.Add(every)
	for {
		timer := clock.NewTimerAt(d.clock, next)
		select {
		case <-d.ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		}
		release := clock.Hold(d.clock)
		timer.Stop()
		d.renew()
		next = d.clock.Now().Add(every)
		release()
	}
}

func (d *Durable) renew() {
	now := d.clock.Now()
	err := d.store.RenewLease(d.ctx, d.currentLease(), now.Add(d.leaseFor))
	if errors.Is(err, store.ErrLeaseLost) {
		d.log.Error("this node lost its lease; it forgets the executions it held and registers again")
		d.nodeCounts.leasesLost.Add(1)
		d.forgetAll()
		l, err := d.store.RegisterNode(d.ctx, d.node, now, now.Add(d.leaseFor))
		if err != nil {
			d.logError("registering again", err)
			return
		}
		d.leaseMu.Lock()
		d.lease = l
		d.leaseMu.Unlock()
	} else if err != nil {
		if d.ctx.Err() == nil {
			d.logError("renewing the lease", err)
		}
		return
	}
	// Beside the loop, not in it: taking over a hundred thousand
	// executions, or draining inboxes, takes longer than a lease, and the
	// next renewal must not wait for it. One at a time: two claimers of
	// one node would lock rows the other waits for.
	if d.claiming.CompareAndSwap(false, true) {
		release := clock.Hold(d.clock)
		d.wg.Go(func() {
			defer d.claiming.Store(false)
			defer release()
			if _, err := d.takeOver(d.ctx); err != nil && d.ctx.Err() == nil {
				d.logError("taking over executions", err)
			}
			d.sweepInboxes(d.ctx)
		})
	}
}

// forgetAll drops every execution from memory.
func (d *Durable) forgetAll() {
	d.mu.Lock()
	all := make([]*live, 0, len(d.live))
	for _, l := range d.live {
		all = append(all, l)
	}
	d.mu.Unlock()
	for _, l := range all {
		l.mu.Lock()
		d.drop(l)
		l.mu.Unlock()
	}
	// The node registers again and takes its executions over: they are
	// counted again then.
	d.counts.open.Store(0)
	d.counts.idle.Store(0)
}
