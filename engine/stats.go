package engine

import (
	"time"

	"github.com/baton-sh/baton/driver"
)

// Stats is what the engine holds at one moment, for metrics.
type Stats struct {
	// OpenExecutions counts the Standard executions this node owns that
	// have not ended (in memory or waiting in the store) and the Express
	// executions running here; IdleExecutions those Standard ones that
	// wait only on their timers (a Wait state, a retry's back-off), with
	// no task in flight.
	OpenExecutions, IdleExecutions int64
	// OwnedExecutions counts the Standard ones alone: those whose lease
	// this node holds.
	OwnedExecutions int64
	// TimersQueued counts the timers this node keeps in memory (those due
	// within a minute; later ones wait in the store), TimersDue those of
	// them due and not yet fired.
	TimersQueued, TimersDue int
	// Node is what this node did with its lease (zero without a store).
	Node driver.NodeStats
}

// Stats reports what the engine holds now.
func (e *Engine) Stats() Stats {
	s := Stats{OpenExecutions: e.express.running.Load()}
	if e.durable != nil {
		open, idle := e.durable.Counts()
		s.OpenExecutions += open
		s.OwnedExecutions = open
		s.IdleExecutions = idle
		s.TimersQueued, s.TimersDue = e.durable.Timers(e.clock.Now())
		s.Node = e.durable.NodeStats()
	}
	return s
}

// ObserveCommits has f told of every group commit of the store: how many
// execution steps it wrote and how long its transaction took. f runs on
// the committer's goroutine and must return at once. Without a store it
// is never called.
func (e *Engine) ObserveCommits(f func(steps int, took time.Duration)) {
	if e.durable != nil {
		e.durable.ObserveCommits(f)
	}
}

// ObserveClaims has f told how long each claim of work in the store took
// ("executions" taken over, due "timers", an "activity_task" for a poll);
// nil stops it. Without a store it is never called.
func (e *Engine) ObserveClaims(f func(what string, took time.Duration)) {
	if e.durable != nil {
		e.durable.ObserveClaims(f)
	}
}
