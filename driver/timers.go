package driver

import (
	"container/heap"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/baton-sh/baton/clock"
	"github.com/baton-sh/baton/interpreter"
	"github.com/baton-sh/baton/store"
)

// Timers live in the store, claimed by the node that fires them. The driver
// also keeps the ones it armed itself and that fall due soon in a heap, so
// that short waits fire on time; the store is polled for the rest (long
// waits, and every timer after a restart or a takeover).
const (
	heapHorizon  = time.Minute
	pollInterval = time.Second
	pollBatch    = 1000
	fireParallel = 64
	// claimFor is how long a claimed timer is left to its claimer before
	// another poll may claim it again.
	claimFor = time.Minute
)

// queuedTimer is a timer waiting in memory: of one execution in a Local
// run (arn empty), of any execution in the Durable driver's queue.
type queuedTimer struct {
	arn string
	id  int64
	at  time.Time
}

// timerHeap orders timers by their time, then their id: the one heap both
// drivers use.
type timerHeap []queuedTimer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if h[i].at.Equal(h[j].at) {
		return h[i].id < h[j].id
	}
	return h[i].at.Before(h[j].at)
}
func (h timerHeap) Swap(i, j int)     { h[i], h[j] = h[j], h[i] }
func (h *timerHeap) Push(x any)       { *h = append(*h, x.(queuedTimer)) }
func (h timerHeap) peek() queuedTimer { return h[0] }
func (h *timerHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

type timerQueue struct {
	mu     sync.Mutex
	h      timerHeap
	wake   chan struct{}
	firing map[timerKey]bool
	// poll asks the loop to poll the store at once: executions were just
	// taken over, and their timers are in the store only.
	poll atomic.Bool
}

type timerKey struct {
	arn string
	id  int64
}

func newTimerQueue() *timerQueue {
	return &timerQueue{wake: make(chan struct{}, 1), firing: map[timerKey]bool{}}
}

// add keeps a timer that falls due within the horizon.
func (q *timerQueue) add(arn string, id int64, at, now time.Time) {
	if at.Sub(now) > heapHorizon {
		return // the store poll will find it
	}
	q.mu.Lock()
	heap.Push(&q.h, queuedTimer{arn, id, at})
	first := q.h[0].id == id && q.h[0].arn == arn
	q.mu.Unlock()
	if first {
		q.wakeUp()
	}
}

func (q *timerQueue) wakeUp() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// due pops the timers due at now.
func (q *timerQueue) due(now time.Time) []queuedTimer {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []queuedTimer
	for len(q.h) > 0 && !q.h[0].at.After(now) {
		out = append(out, heap.Pop(&q.h).(queuedTimer))
	}
	return out
}

func (q *timerQueue) next() (time.Time, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.h) == 0 {
		return time.Time{}, false
	}
	return q.h[0].at, true
}

// claim marks a timer as being fired, so that the heap and the store poll
// do not fire it twice at once.
func (q *timerQueue) claim(arn string, id int64) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	k := timerKey{arn, id}
	if q.firing[k] {
		return false
	}
	q.firing[k] = true
	return true
}

func (q *timerQueue) release(arn string, id int64) {
	q.mu.Lock()
	delete(q.firing, timerKey{arn, id})
	q.mu.Unlock()
}

// timerLoop fires timers as they fall due. It holds a virtual clock while
// it works, and each timer it fires holds it until its step is durable.
func (d *Durable) timerLoop() {
	defer d.wg.Done()
	sem := make(chan struct{}, fireParallel)
	var lastPoll time.Time
	hold := clock.Hold(d.clock)
	defer func() { hold() }()
	for {
		now := d.clock.Now()
		fire := d.timers.due(now)
		if lastPoll.IsZero() || now.Sub(lastPoll) >= pollInterval || d.timers.poll.Swap(false) {
			lastPoll = now
			began := time.Now()
			stored, err := d.store.ClaimTimers(d.ctx, d.currentLease(), now, now.Add(claimFor), pollBatch)
			d.claimed("timers", began)
			if err != nil && d.ctx.Err() == nil {
				d.logError("claiming due timers", err)
			}
			for _, t := range stored {
				fire = append(fire, queuedTimer{t.ExecutionARN, t.ID, t.Due})
			}
		}
		for _, t := range fire {
			if !d.timers.claim(t.arn, t.id) {
				continue
			}
			select {
			case sem <- struct{}{}:
			case <-d.ctx.Done():
				return
			}
			release := clock.Hold(d.clock)
			d.wg.Add(1)
			go func(t queuedTimer) {
				defer d.wg.Done()
				defer func() { <-sem }()
				defer release()
				defer d.timers.release(t.arn, t.id)
				d.fireTimer(t.arn, t.id)
			}(t)
		}
		// The next poll or the next timer, as a time: a clock that moved
		// past it while this round ran fires at once. (A wait computed from
		// an earlier Now could miss a clock that moves only when told to.)
		wake := lastPoll.Add(pollInterval)
		if at, ok := d.timers.next(); ok && at.Before(wake) {
			wake = at
		}
		timer := clock.NewTimerAt(d.clock, wake)
		hold()
		select {
		case <-d.ctx.Done():
			hold = clock.Hold(d.clock)
			timer.Stop()
			return
		case <-d.timers.wake:
		case <-timer.C:
		}
		hold = clock.Hold(d.clock)
		timer.Stop()
	}
}

func (d *Durable) fireTimer(arn string, id int64) {
	err := d.deliver(d.ctx, arn, []entry{{Kind: kindTimer, ID: id}}, func(ex *interpreter.Execution) bool { return ex.HasTimer(id) })
	switch {
	case err == nil, d.ctx.Err() != nil:
	case errors.Is(err, ErrStale), errors.Is(err, ErrExecutionClosed), errors.Is(err, store.ErrNotFound):
		// Nobody waits for it any more.
		if err := d.store.DropTimer(d.ctx, arn, id); err != nil && d.ctx.Err() == nil {
			d.logError("dropping a stale timer", err, "execution", arn, "timer", id)
		}
	case errors.Is(err, ErrOwnedElsewhere):
		// Another node took the execution; its timers are its own.
	default:
		d.logError("firing a timer", err, "execution", arn, "timer", id)
	}
}
