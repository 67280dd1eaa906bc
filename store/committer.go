package store

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// Committer batches the steps of many executions into few transactions
// (group commit): while one batch is being written, the next one fills, so
// throughput is not bound by one fsync per step.
type Committer struct {
	s        Store
	maxBatch int
	mu       sync.Mutex
	queue    []pending
	wake     chan struct{}
	done     chan struct{}
	closed   bool
	observe  atomic.Pointer[func(steps int, took time.Duration)]
}

type pending struct {
	step *Step
	ch   chan error
}

// ErrClosed is returned by a Committer that was closed.
var ErrClosed = errors.New("store: committer closed")

// NewCommitter starts a committer that writes at most maxBatch steps per
// transaction.
func NewCommitter(s Store, maxBatch int) *Committer {
	c := &Committer{s: s, maxBatch: maxBatch, wake: make(chan struct{}, 1), done: make(chan struct{})}
	go c.loop()
	return c
}

// Commit writes one step and returns once it is durable.
func (c *Committer) Commit(ctx context.Context, st *Step) error {
	ch := make(chan error, 1)
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return ErrClosed
	}
	c.queue = append(c.queue, pending{st, ch})
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
	select {
	case err := <-ch:
		return err
	case <-ctx.Done():
		// The step may still be written; the caller must treat the outcome
		// as unknown.
		return ctx.Err()
	}
}

func (c *Committer) loop() {
	defer close(c.done)
	for {
		c.mu.Lock()
		if len(c.queue) == 0 {
			closed := c.closed
			c.mu.Unlock()
			if closed {
				return
			}
			<-c.wake
			continue
		}
		n := min(len(c.queue), c.maxBatch)
		batch := make([]pending, n)
		copy(batch, c.queue)
		c.queue = append(c.queue[:0], c.queue[n:]...)
		c.mu.Unlock()
		steps := make([]*Step, n)
		for i := range batch {
			steps[i] = batch[i].step
		}
		obs := c.observe.Load()
		var start time.Time
		if obs != nil {
			start = time.Now()
		}
		errs := c.s.Commit(context.Background(), steps)
		if obs != nil {
			(*obs)(n, time.Since(start))
		}
		for i := range batch {
			batch[i].ch <- errs[i]
		}
	}
}

// Observe has f told of every batch written: how many steps it held and
// how long its transaction took (metrics). f runs on the committer's own
// goroutine, between batches: it must return at once. Observe(nil) stops
// telling.
func (c *Committer) Observe(f func(steps int, took time.Duration)) {
	if f == nil {
		c.observe.Store(nil)
		return
	}
	c.observe.Store(&f)
}

// Close writes what is queued and stops.
func (c *Committer) Close() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
	<-c.done
}
