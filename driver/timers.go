package driver

import (
	"container/heap"
	"context"
	"errors"
	"sync"
	"time"

	"github.com/baton-sh/baton/interpreter"
	"github.com/baton-sh/baton/store"
)

// Timers live in the store. The driver also keeps the ones it armed itself
// and that fall due soon in a heap, so that short waits fire on time; the
// store is polled for the rest (long waits, and every timer after a
// restart).
const (
	heapHorizon  = time.Minute
	pollInterval = time.Second
	pollBatch    = 1000
	fireParallel = 64
)

type queuedTimer struct {
	arn string
	id  int64
	at  time.Time
}

type dueHeap []queuedTimer

func (h dueHeap) Len() int           { return len(h) }
func (h dueHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h dueHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *dueHeap) Push(x any)        { *h = append(*h, x.(queuedTimer)) }
func (h *dueHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

type timerQueue struct {
	mu     sync.Mutex
	h      dueHeap
	wake   chan struct{}
	firing map[timerKey]bool
}

type timerKey struct {
	arn string
	id  int64
}

func newTimerQueue() *timerQueue {
	return &timerQueue{wake: make(chan struct{}, 1), firing: map[timerKey]bool{}}
}

func (q *timerQueue) add(arn string, id int64, at time.Time) {
	if time.Until(at) > heapHorizon {
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

func (d *Durable) timerLoop() {
	defer d.wg.Done()
	sem := make(chan struct{}, fireParallel)
	lastPoll := time.Time{}
	for {
		now := d.clock.Now()
		var fire []queuedTimer
		fire = append(fire, d.timers.due(now)...)
		if now.Sub(lastPoll) >= pollInterval {
			lastPoll = now
			stored, err := d.store.DueTimers(d.ctx, now, pollBatch)
			if err != nil && d.ctx.Err() == nil {
				d.log.Error("reading due timers", "error", err)
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
			d.wg.Add(1)
			go func(t queuedTimer) {
				defer d.wg.Done()
				defer func() { <-sem }()
				defer d.timers.release(t.arn, t.id)
				d.fireTimer(t.arn, t.id)
			}(t)
		}
		wait := pollInterval - d.clock.Now().Sub(lastPoll)
		if at, ok := d.timers.next(); ok {
			if w := time.Until(at); w < wait {
				wait = w
			}
		}
		if wait < time.Millisecond {
			wait = time.Millisecond
		}
		t := time.NewTimer(wait)
		select {
		case <-d.ctx.Done():
			t.Stop()
			return
		case <-d.timers.wake:
			t.Stop()
		case <-t.C:
		}
	}
}

func (d *Durable) fireTimer(arn string, id int64) {
	err := d.deliver(d.ctx, arn, []entry{{Kind: "timer", ID: id}}, func(ex *interpreter.Execution) bool { return ex.HasTimer(id) })
	switch {
	case err == nil, d.ctx.Err() != nil:
	case errors.Is(err, ErrStale), errors.Is(err, ErrExecutionClosed), errors.Is(err, store.ErrNotFound):
		d.dropTimer(arn, id)
	default:
		d.log.Error("firing a timer", "execution", arn, "timer", id, "error", err)
	}
}

// dropTimer deletes a stored timer nobody waits for any more.
func (d *Durable) dropTimer(arn string, id int64) {
	l, err := d.acquire(d.ctx, arn)
	if err != nil {
		return
	}
	defer l.mu.Unlock()
	if !l.closed && l.ex.HasTimer(id) {
		return
	}
	err = d.commit.Commit(d.ctx, &store.Step{Execution: l.rec, DeleteTimers: []int64{id}})
	if err != nil && d.ctx.Err() == nil && !errors.Is(err, context.Canceled) {
		d.log.Error("dropping a stale timer", "execution", arn, "timer", id, "error", err)
	}
}
