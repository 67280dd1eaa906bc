package driver

import (
	"container/heap"
	"context"
	"time"

	"github.com/baton-sh/baton/clock"
	"github.com/baton-sh/baton/failure"
	"github.com/baton-sh/baton/interpreter"
	"github.com/baton-sh/baton/machine"
	"github.com/baton-sh/baton/mock"
	"github.com/baton-sh/baton/resource"
)

// Local runs an execution in memory, in the calling goroutine (tasks run in
// their own), from its start to its end.
//
// On a virtual clock (clock.Virtual) time moves only when nothing is at
// work: the execution's loop holds the clock while it decides, each task
// holds it while it runs, and a result hands its hold on to the loop; so a
// day of Wait states takes no time, and a task's TimeoutSeconds never runs
// out while the task is still working.
type Local struct {
	Resources *resource.Registry
	Clock     clock.Clock
	// TraceTask, when set, names the span a task's HTTP calls are made in.
	TraceTask TraceTask
	// Callbacks, when set, lets tasks that were submitted (a
	// .waitForTaskToken call, a .sync child) be completed by their token.
	// Without it such a task waits until its timeout.
	Callbacks *Callbacks
	// NoExternalCallbacks says that nothing outside this process can call
	// back (baton run): a .waitForTaskToken task fails at once, but for a
	// nested execution's, whose child may answer it.
	NoExternalCallbacks bool
	// Mock, when set, answers the Task states its test case names, in
	// place of their resources.
	Mock *mock.Case
	// Observe, when set, is told every step.
	Observe Observer
}

// taskResult is a message from a task to its execution's loop. done, set
// on a task's last message, ends the hold its sender had on a virtual clock:
// the loop calls it once it holds the clock itself.
type taskResult struct {
	id        int64
	started   bool
	submitted *resource.Submitted
	heartbeat bool
	output    any
	err       error
	done      func()
}

// run holds the bookkeeping of one execution.
type run struct {
	d         *Local
	ex        *interpreter.Execution
	ctx       context.Context
	results   chan taskResult
	inflight  map[int64]context.CancelFunc
	timers    timerHeap
	cancelled map[int64]bool
	tokens    []string // tokens registered with Callbacks
	seen      int      // events already observed
	release   func()   // ends the loop's hold on a virtual clock
}

// Run starts an execution of m with input and returns when it has finished
// or ctx is done (the execution is then aborted).
func (d *Local) Run(ctx context.Context, m *machine.Machine, cfg interpreter.Config, input any) *interpreter.Execution {
	ex := interpreter.New(m, cfg)
	cmds := ex.Start(input, d.now())
	if len(cmds) == 0 && ex.Done() {
		// The common case of a machine without tasks or waits: one step.
		if d.Observe != nil {
			observe(d.Observe, ex, ex.Events, nil, 0, true, nil)
		}
		return ex
	}
	d.Drive(ctx, ex, cmds)
	return ex
}

// Drive carries an execution that has begun, with the commands it gave,
// to its end or until ctx is done.
func (d *Local) Drive(ctx context.Context, ex *interpreter.Execution, cmds []interpreter.Command) {
	d.DriveHolding(ctx, ex, cmds, clock.Hold(d.Clock))()
}

// DriveHolding is Drive for a caller that holds the clock already (a
// nested execution started by a task that holds it): the loop takes over
// that hold, and hands the one it has at the end back, for the caller to
// release once it has reported the end.
func (d *Local) DriveHolding(ctx context.Context, ex *interpreter.Execution, cmds []interpreter.Command, hold func()) (release func()) {
	r := &run{d: d, ex: ex, ctx: ctx, release: hold}
	if len(cmds) == 0 && ex.Done() {
		r.observe(cmds, 0, true)
		return r.release
	}
	r.loop(cmds)
	return r.release
}

func (d *Local) now() time.Time {
	if d.Clock == nil {
		return time.Now()
	}
	return d.Clock.Now()
}

func (r *run) observe(cmds []interpreter.Command, fired int64, started bool) {
	if r.d.Observe == nil {
		return
	}
	events := r.ex.Events[r.seen:]
	r.seen = len(r.ex.Events)
	observe(r.d.Observe, r.ex, events, cmds, fired, started, nil)
}

func (r *run) loop(cmds []interpreter.Command) {
	ex := r.ex
	var fired int64
	started := true
	for {
		if started || fired != 0 || cmds != nil {
			r.observe(cmds, fired, started)
		}
		fired, started = 0, false
		r.apply(cmds)
		if ex.Done() {
			r.cancelAll()
			return
		}
		for len(r.timers) > 0 && r.cancelled[r.timers.peek().id] {
			delete(r.cancelled, heap.Pop(&r.timers).(queuedTimer).id)
		}
		var timer *clock.Timer
		var timerC <-chan time.Time
		if len(r.timers) > 0 {
			at := r.timers.peek().at
			if !at.After(r.d.now()) {
				t := heap.Pop(&r.timers).(queuedTimer)
				cmds, fired = ex.TimerFired(t.id, r.d.now()), t.id
				continue
			}
			timer = clock.NewTimerAt(r.d.Clock, at)
			timerC = timer.C
		}
		if timer == nil && len(r.inflight) == 0 {
			// Nothing can move the execution forward: this is a bug.
			cmds = ex.Stop(failure.New(failure.Runtime, "the execution has nothing left to wait for"), r.d.now())
			continue
		}
		// Waiting: a virtual clock may move now.
		r.release()
		var res taskResult
		got := false
		select {
		case res = <-r.results:
			got = true
		case <-timerC:
		case <-r.ctx.Done():
		}
		r.release = clock.Hold(r.d.Clock)
		if timer != nil {
			timer.Stop()
		}
		switch {
		case got:
			if res.done != nil {
				res.done()
			}
			cmds = r.deliver(res)
		case r.ctx.Err() != nil:
			cmds = ex.Stop(failure.New("States.Aborted", "the execution was stopped"), r.d.now())
		default:
			cmds = nil // the timer is due: the next turn fires it
		}
	}
}

func (r *run) deliver(res taskResult) []interpreter.Command {
	ex := r.ex
	if _, ok := r.inflight[res.id]; !ok {
		return nil
	}
	switch {
	case res.started:
		return ex.TaskStarted(res.id, "", r.d.now())
	case res.submitted != nil:
		return ex.TaskSubmitted(res.id, res.submitted.Output, r.d.now())
	case res.heartbeat:
		cmds, _ := ex.TaskHeartbeat(res.id, r.d.now())
		return cmds
	case res.err != nil:
		delete(r.inflight, res.id)
		return ex.TaskFailed(res.id, resource.ToFailure(res.err), r.d.now())
	}
	delete(r.inflight, res.id)
	return ex.TaskSucceeded(res.id, res.output, r.d.now())
}

func (r *run) apply(cmds []interpreter.Command) {
	for i := range cmds {
		c := &cmds[i]
		switch c.Kind {
		case interpreter.RunTask:
			r.startTask(c.Task)
		case interpreter.CancelTask:
			if cancel, ok := r.inflight[c.ID]; ok {
				cancel()
				delete(r.inflight, c.ID)
			}
		case interpreter.StartTimer:
			heap.Push(&r.timers, queuedTimer{id: c.ID, at: c.At})
		case interpreter.CancelTimer:
			if r.cancelled == nil {
				r.cancelled = map[int64]bool{}
			}
			r.cancelled[c.ID] = true
		}
	}
}

func (r *run) startTask(t *interpreter.TaskRequest) {
	if r.results == nil {
		r.results = make(chan taskResult, 16)
		r.inflight = map[int64]context.CancelFunc{}
	}
	ctx, cancel := context.WithCancel(r.ctx)
	r.inflight[t.ID] = cancel
	to := route(r.d.Resources, r.d.Mock, t, false)
	req := request(r.ex.ExecutionARN(), t)
	if r.d.TraceTask != nil {
		req.TraceParent = r.d.TraceTask(r.ex.Config(), t.ScheduledEvent)
	}
	results := r.results
	// The task holds a virtual clock while it runs; its last message hands
	// the hold to the loop.
	hold := clock.Hold(r.d.Clock)
	// A send gives up once the task is cancelled: the execution may have
	// ended and stopped reading.
	send := func(tr taskResult) {
		select {
		case results <- tr:
		case <-ctx.Done():
			if tr.done != nil {
				tr.done()
			}
		}
	}
	last := func(tr taskResult) {
		tr.done = hold
		send(tr)
	}
	// A task whose result may come by its token listens for it before the
	// call: the answer can come before the call returns (a quick child, a
	// worker that replies at once).
	mayCallBack := to.res != nil && t.Resource.Callback() && !r.d.Mock.Mocks(t.StateName)
	if mayCallBack {
		r.awaitCallback(t)
	}
	go func() {
		defer cancel()
		if to.res == nil {
			last(taskResult{id: t.ID, err: unserved(t)})
			return
		}
		send(taskResult{id: t.ID, started: true})
		out, err := invoke(ctx, to.res, req)
		if s, ok := resource.AsSubmitted(err); ok {
			if !mayCallBack || r.d.Callbacks == nil || r.d.NoExternalCallbacks && t.Resource.Pattern == machine.WaitForTaskToken &&
				!(t.Resource.Service == "states" && t.Resource.Action == "startExecution") {
				// Nothing can call back: fail now rather than wait forever.
				send(taskResult{id: t.ID, submitted: s})
				last(taskResult{id: t.ID, err: failure.New(failure.TaskFailed, "The task '"+t.Resource.ARN+
					"' waits for a callback with its task token, which cannot arrive in this run: use baton serve, or mock the task.").AsError()})
				return
			}
			last(taskResult{id: t.ID, submitted: s})
			return
		}
		last(taskResult{id: t.ID, output: out, err: err})
	}()
}

// awaitCallback lets Callbacks complete a submitted task. The task's
// deliveries stop when the run ends or the execution no longer waits.
func (r *run) awaitCallback(t *interpreter.TaskRequest) {
	cb := r.d.Callbacks
	if cb == nil {
		return
	}
	results, done, clk := r.results, r.ctx.Done(), r.d.Clock
	cb.wait(t.Token, func(tr taskResult) bool {
		tr.id = t.ID
		// Whoever calls back is at work: the message holds the clock until
		// the loop has taken it.
		tr.done = clock.Hold(clk)
		select {
		case results <- tr:
			return true
		case <-done:
			tr.done()
			return false
		}
	})
	r.tokens = append(r.tokens, t.Token)
}

func (r *run) cancelAll() {
	for id, cancel := range r.inflight {
		cancel()
		delete(r.inflight, id)
	}
	if r.d.Callbacks != nil {
		for _, tok := range r.tokens {
			r.d.Callbacks.forget(tok)
		}
		r.tokens = nil
	}
}
