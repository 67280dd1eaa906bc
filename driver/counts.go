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

// NodeStats is what a node sharing its store with others did so far.
type NodeStats struct {
	// Node is this node's name, Epoch its incarnation.
	Node  string
	Epoch int64
	// TakenOver counts the executions this node took over from a node
	// whose lease ran out (or from its own earlier incarnation).
	TakenOver uint64
	// LeasesLost counts the times this node found its lease gone (it
	// stalled longer than a lease) and registered again.
	LeasesLost uint64
	// Posted counts the inputs this node received for executions another
	// node owned and handed to them; Applied those it applied, received
	// by others for executions it owns.
	Posted, Applied uint64
}

type nodeCounts struct {
	takenOver, leasesLost, posted, applied atomic.Uint64
	// claims, when set, is told how long each claim took.
	claims atomic.Pointer[func(what string, took time.Duration)]
}

// NodeStats reports what this node did with its lease so far.
func (d *Durable) NodeStats() NodeStats {
	l := d.currentLease()
	return NodeStats{Node: l.Node, Epoch: l.Epoch, TakenOver: d.nodeCounts.takenOver.Load(), LeasesLost: d.nodeCounts.leasesLost.Load(),
		Posted: d.nodeCounts.posted.Load(), Applied: d.nodeCounts.applied.Load()}
}

// ObserveClaims has f told how long each claim of work in the store took:
// of executions to take over ("executions"), of due timers ("timers"), of
// an activity task for a poll ("activity_task"). f must return at once;
// nil stops telling.
func (d *Durable) ObserveClaims(f func(what string, took time.Duration)) {
	if f == nil {
		d.nodeCounts.claims.Store(nil)
		return
	}
	d.nodeCounts.claims.Store(&f)
}

// claimed tells the claims' observer how long a claim that began at start
// (on the real clock: the store's time, not the executions') took.
func (d *Durable) claimed(what string, start time.Time) {
	if f := d.nodeCounts.claims.Load(); f != nil {
		(*f)(what, time.Since(start))
	}
}
