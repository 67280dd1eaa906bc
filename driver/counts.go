package driver

import (
	"sync/atomic"
	"time"
)

// counts are the open executions this node owns, and those of them that
// are idle (no task in flight: they wait only on their timers), kept as
// steps are written, for metrics. An execution is counted once its first
// step is durable, or once this node takes it over, and no longer once it
// ends; one in the store only (evicted from memory) stays counted.
type counts struct{ open, idle atomic.Int64 }

// counted is what the counts hold of one execution.
type counted struct{ open, idle bool }

func (c *counts) move(from, to counted) {
	if from.open != to.open {
		c.open.Add(delta(to.open))
	}
	if from.idle != to.idle {
		c.idle.Add(delta(to.idle))
	}
}

func delta(added bool) int64 {
	if added {
		return 1
	}
	return -1
}

// Counts reports the open Standard executions this node owns, and how many
// of them are idle: they wait only on their timers (a Wait state, a retry's
// back-off), no task of theirs in flight.
func (d *Durable) Counts() (open, idle int64) {
	return d.counts.open.Load(), d.counts.idle.Load()
}

// Timers reports the timers this node keeps in memory (those that fall due
// within a minute; later ones wait in the store), and how many of them are
// due at now but not yet fired: a backlog.
func (d *Durable) Timers(now time.Time) (queued, due int) {
	q := d.timers
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, t := range q.h {
		if !t.at.After(now) {
			due++
		}
	}
	return len(q.h), due + len(q.firing)
}

// ObserveCommits has f told of every group commit: the steps it wrote and
// how long its transaction took. f runs on the committer's goroutine and
// must return at once.
func (d *Durable) ObserveCommits(f func(steps int, took time.Duration)) { d.commit.Observe(f) }
