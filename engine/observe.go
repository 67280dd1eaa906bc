package engine

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/baton-sh/baton/driver"
	"github.com/baton-sh/baton/history"
	"github.com/baton-sh/baton/interpreter"
)

// Observers learn what happens to executions: the console, metrics, traces
// and execution logs are observers. The engine hands each observer a batch
// per execution step, on the observer's own goroutine, through a bounded
// queue: an observer never slows an execution, and one that falls behind
// loses batches (and is told how many) rather than holding anything up.
// An inline observer (SubscribeInline) is told on the execution's own
// goroutine instead: for counting, which costs less than the hand-over.

// EventKind says what happened.
type EventKind uint8

const (
	ExecutionStarted EventKind = iota + 1
	StateEntered
	StateExited
	TaskScheduled
	TaskStarted
	TaskSubmitted
	TaskSucceeded
	TaskFailed // failed or timed out
	TimerArmed
	TimerFired
	ExecutionFinished
	// ExecutionRedriven: a closed execution runs again (RedriveExecution).
	ExecutionRedriven
	// StateMachineDeleted and ActivityDeleted say that a resource is gone
	// (a state machine once its last execution has ended); they belong to
	// no execution.
	StateMachineDeleted
	ActivityDeleted
)

var eventKindNames = [...]string{"", "ExecutionStarted", "StateEntered", "StateExited", "TaskScheduled", "TaskStarted",
	"TaskSubmitted", "TaskSucceeded", "TaskFailed", "TimerArmed", "TimerFired", "ExecutionFinished", "ExecutionRedriven",
	"StateMachineDeleted", "ActivityDeleted"}

func (k EventKind) String() string { return eventKindNames[k] }

// Event is one thing that happened to an execution.
type Event struct {
	Kind            EventKind
	ExecutionARN    string
	StateMachineARN string
	Time            time.Time
	// History is the history event it comes from (nil for timers): read
	// it in Observe, never change or keep it (its memory serves a later
	// batch).
	History *history.Event
	// State names the state, for state and task events.
	State string
	// TimerID and Due, for timers.
	TimerID int64
	Due     time.Time
	// Status, for ExecutionFinished: SUCCEEDED, FAILED, TIMED_OUT or
	// ABORTED.
	Status string
	// RedriveCount is how many times the execution was redriven, and
	// TraceHeader the trace its starter was in ("" for none): every event
	// carries them (execution logs and spans need them).
	RedriveCount int
	TraceHeader  string
	// For ExecutionStarted, ExecutionRedriven and ExecutionFinished: the
	// version and alias the execution was started through ("" for none),
	// and when it started (or was last redriven).
	StateMachineVersionARN, StateMachineAliasARN string
	StartTime                                    time.Time
	// ActivityARN, for ActivityDeleted.
	ActivityARN string
}

// Observer is told what happens to executions. Observe gets the events of
// one step of one execution, in order, on a goroutine of the observer's
// own; it may take its time (the queue absorbs bursts) but must not keep
// the slice, nor the history events it points at: both serve later
// batches (copy what is needed). Dropped says that n batches were lost
// because the observer fell behind.
type Observer interface {
	Observe(events []Event)
	Dropped(n int)
}

// Selective is an Observer that wants only some kinds of events: events
// of other kinds are not made for it (making them costs). It may still
// be handed them, as other observers want them.
type Selective interface {
	Observer
	Kinds() []EventKind
}

// kindSet is a set of event kinds, one bit each.
type kindSet uint32

const allKinds = ^kindSet(0)

func (s kindSet) has(k EventKind) bool { return s&(1<<k) != 0 }

// observerQueue is the bounded queue in front of one observer.
const observerQueue = 4096

// batch is the events of a step on their way to the observers. Batches
// are pooled: every observer is done with one once its Observe returns
// (it may keep neither the slice nor the history events it points at).
type batch struct {
	events  []Event
	history []history.Event // the history events told, copied
	refs    atomic.Int32    // the observers it has yet to be handed to
}

var batches = sync.Pool{New: func() any { return new(batch) }}

// maxPooled bounds the events of a batch that goes back to the pool: one
// step of a 10,000-item Map is not kept for the next.
const maxPooled = 64

// release is called by each observer done with a batch.
func (b *batch) release() {
	if b.refs.Add(-1) != 0 {
		return
	}
	if cap(b.events) > maxPooled || cap(b.history) > maxPooled {
		return
	}
	// What they point at is not kept alive by the pool.
	clear(b.events)
	clear(b.history)
	b.events, b.history = b.events[:0], b.history[:0]
	batches.Put(b)
}

type subscription struct {
	o       Observer
	kinds   kindSet
	inline  bool
	ch      chan *batch   // never closed: publish sends without a lock
	kick    chan struct{} // the queue is half full: hand it over now
	dropped atomic.Int64
	quit    chan struct{}
	done    chan struct{}
}

type observers struct {
	mu    sync.Mutex // held by who changes subs
	subs  atomic.Pointer[[]*subscription]
	n     atomic.Int32  // len(subs), read on the hot path
	kinds atomic.Uint32 // the kinds any of them wants
}

// Subscribe registers an observer until the returned function is called.
func (e *Engine) Subscribe(o Observer) (unsubscribe func()) {
	s := &subscription{o: o, kinds: kindsOf(o), ch: make(chan *batch, observerQueue), kick: make(chan struct{}, 1), quit: make(chan struct{}),
		done: make(chan struct{})}
	go s.run()
	e.obs.set(func(subs []*subscription) []*subscription { return append(subs, s) })
	var once sync.Once
	return func() {
		once.Do(func() {
			e.obs.remove(s)
			close(s.quit)
			<-s.done
		})
	}
}

// SubscribeInline registers an observer that is told on the goroutine of
// the execution whose step it is, as the step is made, without a queue:
// handing a step to another goroutine costs more (about a microsecond in
// wake-ups and cache traffic) than counting it. Its Observe is called by
// many goroutines at once, one execution's steps in order; it must be
// quick and never wait (no I/O, no lock held for long): whatever it does
// slows every execution. Dropped is never called.
func (e *Engine) SubscribeInline(o Observer) (unsubscribe func()) {
	s := &subscription{o: o, kinds: kindsOf(o), inline: true}
	e.obs.set(func(subs []*subscription) []*subscription { return append(subs, s) })
	var once sync.Once
	return func() { once.Do(func() { e.obs.remove(s) }) }
}

// kindsOf is the kinds an observer wants.
func kindsOf(o Observer) kindSet {
	sel, ok := o.(Selective)
	if !ok {
		return allKinds
	}
	var kinds kindSet
	for _, k := range sel.Kinds() {
		kinds |= 1 << k
	}
	return kinds
}

// observerPause is how often an observer's goroutine takes what queued
// for it while executions keep coming: handing each step over as it comes
// (waking the goroutine, moving the lock of the queue between cores) costs
// more than most observers' work, so under load it wakes once per pause,
// or sooner when its queue is half full. After quietIdle pauses with
// nothing queued it sleeps until the next step, which it then takes at
// once: an idle server wakes nobody.
const (
	observerPause = 5 * time.Millisecond
	quietIdle     = 20
)

// run hands the batches to the observer; once unsubscribed, it hands over
// what is queued, and ends.
func (s *subscription) run() {
	defer close(s.done)
	tick := time.NewTicker(observerPause)
	defer tick.Stop()
	idle := 0
	for {
		if idle >= quietIdle {
			// Quiet: wait for the next batch itself.
			tick.Stop()
			select {
			case b := <-s.ch:
				s.observe(b)
			case <-s.quit:
				s.drain()
				return
			}
			tick.Reset(observerPause)
			idle = 0
		}
		select {
		case <-tick.C:
		case <-s.kick:
		case <-s.quit:
			s.drain()
			return
		}
		if s.drain() {
			idle = 0
		} else {
			idle++
		}
	}
}

// drain hands over what is queued, and says whether there was any.
func (s *subscription) drain() bool {
	some := false
	for {
		select {
		case batch := <-s.ch:
			s.observe(batch)
			some = true
		default:
			return some
		}
	}
}

func (s *subscription) observe(b *batch) {
	if n := s.dropped.Swap(0); n > 0 {
		s.o.Dropped(int(n))
	}
	s.o.Observe(b.events)
	b.release()
}

// set changes the subscriptions: publish reads them without a lock, so
// they are replaced, never changed in place.
func (o *observers) set(change func([]*subscription) []*subscription) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var subs []*subscription
	if old := o.subs.Load(); old != nil {
		subs = slices.Clone(*old)
	}
	subs = change(subs)
	var kinds kindSet
	for _, s := range subs {
		kinds |= s.kinds
	}
	o.subs.Store(&subs)
	o.kinds.Store(uint32(kinds))
	o.n.Store(int32(len(subs)))
}

// queuedIn counts the observers that are not inline.
func queuedIn(subs *[]*subscription) int {
	if subs == nil {
		return 0
	}
	n := 0
	for _, s := range *subs {
		if !s.inline {
			n++
		}
	}
	return n
}

func (o *observers) remove(s *subscription) {
	o.set(func(subs []*subscription) []*subscription {
		return slices.DeleteFunc(subs, func(x *subscription) bool { return x == s })
	})
}

// publish tells the inline observers a batch, then hands it to the
// others without waiting.
func (o *observers) publish(b *batch) {
	o.publishTo(o.subs.Load(), b)
}

// publishTo publishes to the observers subs (read once by the caller,
// who may have decided on them how to make the batch).
func (o *observers) publishTo(subs *[]*subscription, b *batch) {
	if subs == nil || len(*subs) == 0 {
		b.refs.Store(1)
		b.release()
		return
	}
	b.refs.Store(int32(queuedIn(subs)) + 1) // one for the inline observers
	for _, s := range *subs {
		if s.inline {
			s.o.Observe(b.events)
		}
	}
	b.release()
	for _, s := range *subs {
		if s.inline {
			continue
		}
		select {
		case s.ch <- b:
			if len(s.ch) > observerQueue/2 {
				select {
				case s.kick <- struct{}{}:
				default:
				}
			}
		default:
			s.dropped.Add(1)
			b.release()
		}
	}
}

// publishEvents publishes events that come with no history.
func (o *observers) publishEvents(events ...Event) {
	b := batches.Get().(*batch)
	b.events = append(b.events, events...)
	o.publish(b)
}

// observeStep is the drivers' Observer: it turns a step into events.
func (e *Engine) observeStep(ob *driver.Observation) {
	deleted := false
	if ob.Status != interpreter.Running {
		if _, ok := e.deleting.Load(ob.StateMachineARN); ok {
			deleted = e.executionEnded(ob.StateMachineARN)
		}
	}
	if e.obs.n.Load() > 0 {
		e.publishStep(ob, deleted)
	}
}

// publishDeleted tells observers that a state machine is gone.
func (e *Engine) publishDeleted(sm string) {
	if e.obs.n.Load() > 0 {
		e.obs.publishEvents(Event{Kind: StateMachineDeleted, StateMachineARN: sm, Time: e.clock.Now()})
	}
}

// publishStep hands the events of a step to the observers; deleted says
// that the step's end of an execution took its state machine away (the
// deletion is told after the end). Only the kinds some observer wants are
// made.
func (e *Engine) publishStep(ob *driver.Observation, deleted bool) {
	wants := kindSet(e.obs.kinds.Load())
	subs := e.obs.subs.Load()
	b := batches.Get().(*batch)
	events := ob.Events
	if queuedIn(subs) > 0 {
		// The history events told are copied for observers on goroutines of
		// their own: an in-process run hands its history back for reuse when
		// it ends, while they may still be reading. Inline observers are
		// done before it can.
		for i := range ob.Events {
			if k := kindOf(ob.Events[i].Type); k != 0 && wants.has(k) {
				b.history = append(b.history, ob.Events[i])
			}
		}
		events = b.history
	}
	// Not grown to the step's size: most of a long step's events are states
	// entered and exited, which few observers want.
	batch := b.events
	base := Event{ExecutionARN: ob.ExecutionARN, StateMachineARN: ob.StateMachineARN, RedriveCount: ob.RedriveCount, TraceHeader: ob.TraceHeader}
	// What an execution's start, redrive and end carry besides.
	edge := base
	edge.StateMachineVersionARN, edge.StateMachineAliasARN, edge.StartTime = ob.VersionARN, ob.AliasARN, ob.Start
	if len(ob.Events) == 0 && ob.Started && wants.has(ExecutionStarted) {
		// An execution without a history (Express) still starts.
		ev := edge
		ev.Kind, ev.Time = ExecutionStarted, e.clock.Now()
		batch = append(batch, ev)
	}
	for _, id := range ob.Fired {
		if !wants.has(TimerFired) {
			break
		}
		ev := base
		ev.Kind, ev.TimerID, ev.Time = TimerFired, id, e.clock.Now()
		batch = append(batch, ev)
	}
	for i := range events {
		h := &events[i]
		kind := kindOf(h.Type)
		if kind == 0 || !wants.has(kind) {
			continue
		}
		ev := base
		switch kind {
		case ExecutionStarted, ExecutionRedriven:
			ev = edge
		case ExecutionFinished:
			ev = edge
			ev.Status = finishStatus(h.Type)
		default:
			ev.State = h.Name
		}
		ev.Kind, ev.History, ev.Time = kind, h, time.Unix(0, h.Time)
		batch = append(batch, ev)
	}
	for _, t := range ob.Armed {
		if !wants.has(TimerArmed) {
			break
		}
		ev := base
		ev.Kind, ev.TimerID, ev.Due, ev.Time = TimerArmed, t.ID, t.At, e.clock.Now()
		batch = append(batch, ev)
	}
	if len(ob.Events) == 0 && ob.Status != interpreter.Running && wants.has(ExecutionFinished) {
		// An execution without a history (Express) still ends.
		ev := edge
		ev.Kind, ev.Status, ev.Time = ExecutionFinished, ob.Status.String(), e.clock.Now()
		batch = append(batch, ev)
	}
	if deleted && wants.has(StateMachineDeleted) {
		batch = append(batch, Event{Kind: StateMachineDeleted, StateMachineARN: ob.StateMachineARN, Time: e.clock.Now()})
	}
	b.events = batch
	if len(batch) == 0 {
		b.refs.Store(1)
		b.release()
		return
	}
	e.obs.publishTo(subs, b)
}

func kindOf(t history.Type) EventKind {
	switch {
	case t == history.ExecutionStarted:
		return ExecutionStarted
	case t == history.ExecutionRedriven:
		return ExecutionRedriven
	case t.IsStateEntered():
		return StateEntered
	case t.IsStateExited():
		return StateExited
	}
	switch t {
	case history.TaskScheduled, history.ActivityScheduled, history.LambdaFunctionScheduled:
		return TaskScheduled
	case history.TaskStarted, history.ActivityStarted, history.LambdaFunctionStarted:
		return TaskStarted
	case history.TaskSubmitted:
		return TaskSubmitted
	case history.TaskSucceeded, history.ActivitySucceeded, history.LambdaFunctionSucceeded:
		return TaskSucceeded
	case history.TaskFailed, history.ActivityFailed, history.LambdaFunctionFailed,
		history.TaskTimedOut, history.ActivityTimedOut, history.LambdaFunctionTimedOut:
		return TaskFailed
	case history.ExecutionSucceeded, history.ExecutionFailed, history.ExecutionTimedOut, history.ExecutionAborted:
		return ExecutionFinished
	}
	return 0
}

func finishStatus(t history.Type) string {
	switch t {
	case history.ExecutionSucceeded:
		return "SUCCEEDED"
	case history.ExecutionFailed:
		return "FAILED"
	case history.ExecutionTimedOut:
		return "TIMED_OUT"
	}
	return "ABORTED"
}
