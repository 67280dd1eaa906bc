// Package driver carries out what the interpreter decides: it starts
// executions, runs their tasks, arms their timers and feeds the results
// back. This file is the in-process driver, used by `baton run`, `baton
// bench`, the embedding API and Express executions: it keeps everything in
// memory and runs one execution to its end.
package driver

import (
	"container/heap"
	"context"
	"strings"
	"sync"
	"time"

	"github.com/baton-sh/baton/clock"
	"github.com/baton-sh/baton/failure"
	"github.com/baton-sh/baton/interpreter"
	"github.com/baton-sh/baton/machine"
	"github.com/baton-sh/baton/mock"
	"github.com/baton-sh/baton/resource"
)

// Local runs executions in the calling goroutine (tasks run in their own).
type Local struct {
	Resources *resource.Registry
	Clock     clock.Clock
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
}

type taskResult struct {
	id        int64
	started   bool
	submitted *resource.Submitted
	heartbeat bool
	output    any
	err       error
}

type pendingTimer struct {
	id int64
	at time.Time
}

type timerHeap []pendingTimer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if h[i].at.Equal(h[j].at) {
		return h[i].id < h[j].id
	}
	return h[i].at.Before(h[j].at)
}
func (h timerHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *timerHeap) Push(x any)        { *h = append(*h, x.(pendingTimer)) }
func (h *timerHeap) Pop() any          { old := *h; x := old[len(old)-1]; *h = old[:len(old)-1]; return x }
func (h timerHeap) peek() pendingTimer { return h[0] }

// run holds the bookkeeping of one execution.
type run struct {
	d         *Local
	ex        *interpreter.Execution
	ctx       context.Context
	results   chan taskResult
	inflight  map[int64]context.CancelFunc
	timers    timerHeap
	cancelled map[int64]bool
	mu        sync.Mutex // guards tokens, which task goroutines append to
	tokens    []string   // tokens registered with Callbacks
}

// Run starts an execution of m with input and returns when it has finished
// or ctx is done (the execution is then aborted).
func (d *Local) Run(ctx context.Context, m *machine.Machine, cfg interpreter.Config, input any) *interpreter.Execution {
	ex := interpreter.New(m, cfg)
	cmds := ex.Start(input, d.now())
	if len(cmds) == 0 && ex.Done() {
		return ex // the common case of a machine without tasks or waits
	}
	d.Drive(ctx, ex, cmds)
	return ex
}

// Drive carries an execution that has begun, with the commands it gave,
// to its end or until ctx is done.
func (d *Local) Drive(ctx context.Context, ex *interpreter.Execution, cmds []interpreter.Command) {
	if len(cmds) == 0 && ex.Done() {
		return
	}
	r := &run{d: d, ex: ex, ctx: ctx}
	r.loop(cmds)
}

func (d *Local) now() time.Time {
	if d.Clock == nil {
		return time.Now()
	}
	return d.Clock.Now()
}

func (d *Local) after(dur time.Duration) <-chan time.Time {
	if d.Clock == nil {
		return time.After(dur)
	}
	return d.Clock.After(dur)
}

func (r *run) loop(cmds []interpreter.Command) {
	ex := r.ex
	for {
		r.apply(cmds)
		if ex.Done() {
			r.cancelAll()
			return
		}
		var timerC <-chan time.Time
		for len(r.timers) > 0 && r.cancelled[r.timers.peek().id] {
			delete(r.cancelled, heap.Pop(&r.timers).(pendingTimer).id)
		}
		if len(r.timers) > 0 {
			wait := r.timers.peek().at.Sub(r.d.now())
			if wait <= 0 {
				t := heap.Pop(&r.timers).(pendingTimer)
				cmds = ex.TimerFired(t.id, r.d.now())
				continue
			}
			// With tasks in flight, a virtual clock must not jump ahead
			// of them: tasks get a moment of real time to answer first.
			if _, virtual := r.d.Clock.(*clock.Virtual); !virtual || len(r.inflight) == 0 {
				timerC = r.d.after(wait)
			} else {
				grace := time.NewTimer(virtualGrace)
				select {
				case res := <-r.results:
					grace.Stop()
					cmds = r.deliver(res)
					continue
				case <-grace.C:
					timerC = r.d.after(wait)
				}
			}
		}
		if timerC == nil && len(r.inflight) == 0 {
			// Nothing can move the execution forward: this is a bug.
			cmds = ex.Stop(failure.New(failure.Runtime, "the execution has nothing left to wait for"), r.d.now())
			continue
		}
		select {
		case res := <-r.results:
			cmds = r.deliver(res)
		case <-timerC:
			cmds = nil
		case <-r.ctx.Done():
			cmds = ex.Stop(failure.New("States.Aborted", "the execution was stopped"), r.d.now())
		}
	}
}

// virtualGrace is how long, in real time, a driver on a virtual clock lets
// running tasks answer before it moves the clock to the next timer.
const virtualGrace = 20 * time.Millisecond

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
			heap.Push(&r.timers, pendingTimer{id: c.ID, at: c.At})
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
	var res resource.Resource
	if r.d.Resources != nil {
		res, _ = r.d.Resources.Lookup(t.Resource)
	}
	req := &resource.Request{
		Resource: t.Resource, Input: t.Input, StateName: t.StateName, ExecutionARN: r.ex.ExecutionARN(),
		Token: t.Token, Timeout: t.Timeout, Heartbeat: t.Heartbeat, Context: t.Context,
	}
	results := r.results
	// A send gives up once the task is cancelled: the execution may have
	// ended and stopped reading.
	send := func(tr taskResult) {
		select {
		case results <- tr:
		case <-ctx.Done():
		}
	}
	if out, fl, ok := r.d.Mock.Answer(t.StateName, t.Invocation); ok {
		go func() {
			defer cancel()
			send(taskResult{id: t.ID, started: true})
			if fl != nil {
				send(taskResult{id: t.ID, err: fl.AsError()})
				return
			}
			send(taskResult{id: t.ID, output: out})
		}()
		return
	}
	// A task whose result may come by its token listens for it before the
	// call: the answer can come before the call returns (a quick child, a
	// worker that replies at once).
	mayCallBack := res != nil && (strings.HasSuffix(t.Resource, ".waitForTaskToken") || strings.Contains(t.Resource, ".sync"))
	if mayCallBack {
		r.awaitCallback(t)
	}
	go func() {
		defer cancel()
		if res == nil {
			send(taskResult{id: t.ID, err: failure.New(failure.TaskFailed, resource.NoHandlerCause(t.Resource, t.StateName)).AsError()})
			return
		}
		send(taskResult{id: t.ID, started: true})
		out, err := invoke(ctx, res, req)
		if s, ok := resource.AsSubmitted(err); ok {
			send(taskResult{id: t.ID, submitted: s})
			if !mayCallBack || r.d.Callbacks == nil || r.d.NoExternalCallbacks && strings.HasSuffix(t.Resource, ".waitForTaskToken") &&
				!strings.HasPrefix(t.Resource, "arn:aws:states:::states:startExecution") {
				// Nothing can call back: fail now rather than wait forever.
				send(taskResult{id: t.ID, err: failure.New(failure.TaskFailed, "The task '"+t.Resource+
					"' waits for a callback with its task token, which cannot arrive in this run: use baton serve, or mock the task.").AsError()})
			}
			return
		}
		send(taskResult{id: t.ID, output: out, err: err})
	}()
}

// awaitCallback lets Callbacks complete a submitted task. The task's
// deliveries stop when the run ends or the execution no longer waits.
func (r *run) awaitCallback(t *interpreter.TaskRequest) {
	cb := r.d.Callbacks
	if cb == nil {
		return
	}
	results, done := r.results, r.ctx.Done()
	cb.wait(t.Token, func(tr taskResult) bool {
		tr.id = t.ID
		select {
		case results <- tr:
			return true
		case <-done:
			return false
		}
	})
	r.mu.Lock()
	r.tokens = append(r.tokens, t.Token)
	r.mu.Unlock()
}

// invoke calls a resource and turns a panic into a task failure, so that a
// faulty handler fails its task, not the process.
func invoke(ctx context.Context, res resource.Resource, req *resource.Request) (out any, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = failure.Newf(failure.TaskFailed, "the task handler panicked: %v", p).AsError()
		}
	}()
	return res.Invoke(ctx, req)
}

func (r *run) cancelAll() {
	for id, cancel := range r.inflight {
		cancel()
		delete(r.inflight, id)
	}
	if r.d.Callbacks != nil {
		r.mu.Lock()
		for _, tok := range r.tokens {
			r.d.Callbacks.forget(tok)
		}
		r.tokens = nil
		r.mu.Unlock()
	}
}
