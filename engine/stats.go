package engine

import "time"

// Stats is what the engine holds at one moment, for metrics.
type Stats struct {
	// OpenExecutions counts the Standard executions this node owns that
	// have not ended (in memory or waiting in the store) and the Express
	// executions running here; IdleExecutions those Standard ones that
	// wait only on their timers (a Wait state, a retry's back-off), with
	// no task in flight.
	OpenExecutions, IdleExecutions int64
	// TimersQueued counts the timers this node keeps in memory (those due
	// within a minute; later ones wait in the store), TimersDue those of
	// them due and not yet fired.
	TimersQueued, TimersDue int
}

// Stats reports what the engine holds now.
func (e *Engine) Stats() Stats {
	s := Stats{OpenExecutions: e.express.running.Load()}
	if e.durable != nil {
		open, idle := e.durable.Counts()
		s.OpenExecutions += open
		s.IdleExecutions = idle
		s.TimersQueued, s.TimersDue = e.durable.Timers(e.clock.Now())
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
