package interpreter

import (
	"time"

	"github.com/baton-sh/baton/failure"
	"github.com/baton-sh/baton/history"
	"github.com/baton-sh/baton/machine"
	"github.com/baton-sh/baton/value"
)

type frameStatus uint8

const (
	framePending   frameStatus = iota // a Map iteration not started yet
	frameRunning                      // in the ready queue or being advanced
	frameBlocked                      // waiting for a task, a timer or children
	frameDone                         // finished with an output
	frameFailed                       // finished with an error
	frameCancelled                    // aborted
)

// phase says what a running frame does next with its current state.
type phase uint8

const (
	phaseExecute      phase = iota // run the state (first entry or a retry)
	phaseTaskDone                  // a task result arrived
	phaseWaitDone                  // a Wait state's timer fired
	phaseChildrenDone              // every branch or iteration finished
	phaseFailed                    // handle f.pendingFail with Retry and Catch
)

type waitKind uint8

const (
	waitNone waitKind = iota
	waitTask
	waitTimer
	waitRetry
	waitChildren
)

// frame runs one (sub-)machine: the execution itself, a Parallel branch or
// a Map iteration.
type frame struct {
	ex *Execution
	m  *machine.Machine

	st          *machine.State
	input       any // the current state's raw input
	entered     bool
	enteredID   int64
	enteredTime time.Time
	prev        int64 // last event of this frame, for previousEventId
	status      frameStatus
	phase       phase
	wait        waitKind
	ctx         any

	// error handling of the current state
	attempts    []int64
	retryCount  int
	pendingFail *failure.Failure
	fromKids    bool // pendingFail came from a branch or an iteration
	retryTimer  int64

	// The bookkeeping of Task, Parallel and Map states lives in structs made
	// only for frames that need them: most frames never run a task, and a
	// Map iteration is a frame.
	*taskState
	*kidState

	// Wait
	waitTimer int64

	// as a child
	parent  *frame
	slot    int // position in the parent's results
	index   int // Map iteration index; -1 otherwise
	output  any
	failure *failure.Failure
	// silent frames are the iterations of a distributed Map (and the
	// frames inside them): on AWS they are child executions, and their
	// events are not in the parent's history. nil: not silent.
	silent *childRun

	// Workflow variables: the frame's own scope (made when it first
	// assigns), the scope it reads from outside, and the assignments of
	// the current state, which take effect when it leaves.
	vars    *varScope
	outer   *varScope
	assigns *value.Object
	// env is the environment of the JSONata states' expressions.
	env *machine.JEnv
}

// childRun is an iteration of a distributed Map, a child execution on
// AWS: it writes no events into the execution's history, but counts them,
// as its own history's length is bounded.
type childRun struct {
	events int64
}

// emitAux writes an event of this frame that carries only a number.
func (f *frame) emitAux(t history.Type, prev int64, name string, aux int64) int64 {
	if f.silent != nil {
		f.silent.events++
		return prev
	}
	return f.ex.emitAux(t, prev, name, aux)
}

// emit writes an event of this frame.
func (f *frame) emit(t history.Type, prev int64, name string, data any, hasData bool, fl *failure.Failure, d *history.Detail) int64 {
	if f.silent != nil {
		f.silent.events++
		return prev
	}
	return f.ex.emit(t, prev, name, data, hasData, fl, d)
}

func (f *frame) enter(st *machine.State, input any) {
	f.st = st
	f.input = input
	f.entered = false
	f.phase = phaseExecute
	f.status = frameRunning
}

// advance runs the frame until it waits or ends.
func (f *frame) advance() {
	ex := f.ex
	if f.status == framePending {
		f.status = frameRunning
		if f.parent != nil && f.index >= 0 && !f.parent.st.Distributed {
			f.prev = f.emitAux(history.MapIterationStarted, f.prev, f.parent.st.Name, int64(f.index))
		}
	}
	for f.status == frameRunning && !ex.Done() {
		if ex.lastID >= ex.cfg.MaxEvents {
			ex.tooManyEvents()
			return
		}
		if f.silent != nil && f.silent.events >= ex.cfg.MaxEvents {
			// The child execution has too long a history: it fails (and
			// so, in turn, does every frame of it that still runs).
			f.frameFailed(ex.tooManyEventsFailure())
			return
		}
		f.step()
	}
}

func (f *frame) step() {
	switch f.phase {
	case phaseExecute:
		if !f.entered {
			f.entered = true
			f.enteredTime = f.ex.now
			f.attempts = nil
			f.retryCount = 0
			f.ctx = nil
			f.assigns = nil
			f.enteredID = f.emit(enteredType[f.st.Kind], f.prev, f.st.Name, f.input, true, nil, nil)
			f.prev = f.enteredID
			f.ex.StatesEntered++
			if f.tested() {
				f.testEntered()
			}
			f.inspect(StepInput, f.input)
		}
		f.execute()
	case phaseTaskDone:
		f.taskDone()
	case phaseWaitDone:
		f.waitFinished()
	case phaseChildrenDone:
		f.childrenDone()
	case phaseFailed:
		fl := f.pendingFail
		f.pendingFail = nil
		f.stateFailed(fl, f.fromKids)
	}
}

var enteredType = [...]history.Type{
	machine.Pass: history.PassStateEntered, machine.Task: history.TaskStateEntered, machine.Choice: history.ChoiceStateEntered,
	machine.Wait: history.WaitStateEntered, machine.Succeed: history.SucceedStateEntered, machine.Fail: history.FailStateEntered,
	machine.Parallel: history.ParallelStateEntered, machine.Map: history.MapStateEntered,
}

var exitedType = [...]history.Type{
	machine.Pass: history.PassStateExited, machine.Task: history.TaskStateExited, machine.Choice: history.ChoiceStateExited,
	machine.Wait: history.WaitStateExited, machine.Succeed: history.SucceedStateExited, machine.Fail: 0,
	machine.Parallel: history.ParallelStateExited, machine.Map: history.MapStateExited,
}

var abortedType = [...]history.Type{
	machine.Task: history.TaskStateAborted, machine.Wait: history.WaitStateAborted,
	machine.Parallel: history.ParallelStateAborted, machine.Map: history.MapStateAborted,
}

func (f *frame) execute() {
	switch f.st.Kind {
	case machine.Pass:
		f.pass()
	case machine.Choice:
		f.choice()
	case machine.Succeed:
		f.succeed()
	case machine.Fail:
		f.failState()
	case machine.Wait:
		f.waitState()
	case machine.Task:
		f.task()
	case machine.Parallel:
		f.parallel()
	case machine.Map:
		f.mapState()
	}
}

// exit leaves the current state with its output and moves on to next (nil:
// the end of this frame).
func (f *frame) exit(output any, next *machine.State) {
	ex := f.ex
	if ex.tooLarge(output) {
		f.frameFailed(failure.Newf(failure.DataLimitExceeded,
			"The state/task '%s' returned a result with a size exceeding the maximum number of bytes service limit.", f.st.Name))
		return
	}
	var d *history.Detail
	if f.assigns != nil {
		assigned, fl := f.commit()
		if fl != nil {
			f.frameFailed(fl)
			return
		}
		if assigned != nil {
			d = &history.Detail{Assigned: assigned}
		}
	}
	if in := ex.cfg.Inspector; in != nil {
		f.inspectEnd(in)
		in.Exited(f.st, output, next)
	}
	if f.tested() {
		// TestState runs one state: its exit ends the run. Next was
		// reported (Exited), not entered.
		ex.finish(Succeeded, output, nil)
		return
	}
	f.prev = f.emit(exitedType[f.st.Kind], f.prev, f.st.Name, output, true, nil, d)
	if next == nil {
		f.complete(output)
		return
	}
	f.enter(next, output)
}

// complete ends the frame successfully.
func (f *frame) complete(output any) {
	ex := f.ex
	if f.parent == nil {
		ex.finish(Succeeded, output, nil)
		return
	}
	f.status = frameDone
	f.output = output
	if f.index >= 0 && !f.parent.st.Distributed {
		f.prev = f.emitAux(history.MapIterationSucceeded, f.prev, f.parent.st.Name, int64(f.index))
	}
	f.parent.childDone(f)
}

// frameFailed ends the frame with an error no retrier or catcher handled.
func (f *frame) frameFailed(fl *failure.Failure) {
	ex := f.ex
	f.cancelWaits()
	if in := ex.cfg.Inspector; in != nil {
		f.inspectEnd(in)
		in.Failed(f.st, fl)
	}
	if f.parent == nil {
		ex.finish(Failed, nil, fl)
		return
	}
	f.status = frameFailed
	f.failure = fl
	if f.index >= 0 && !f.parent.st.Distributed {
		f.prev = f.emitAux(history.MapIterationFailed, f.prev, f.parent.st.Name, int64(f.index))
	}
	f.parent.childFailed(f)
}

// resume makes a waiting frame runnable again in the given phase.
func (f *frame) resume(p phase) {
	f.wait = waitNone
	f.phase = p
	f.status = frameRunning
	f.ex.schedule(f)
}

// cancelWaits drops the timers and task of the current state.
func (f *frame) cancelWaits() {
	ex := f.ex
	ex.cancelTimer(f.waitTimer)
	ex.cancelTimer(f.retryTimer)
	f.waitTimer, f.retryTimer = 0, 0
	f.wait = waitNone
	if f.taskState == nil {
		return
	}
	ex.cancelTimer(f.taskTimer)
	ex.cancelTimer(f.hbTimer)
	f.taskTimer, f.hbTimer = 0, 0
	if f.taskID != 0 {
		if ex.tasks[f.taskID] == f {
			delete(ex.tasks, f.taskID)
			ex.cmds = append(ex.cmds, Command{Kind: CancelTask, ID: f.taskID, Task: f.req})
		}
		f.taskID = 0
	}
	f.wait = waitNone
}

// abort stops a frame that is still running, with the Aborted events AWS
// writes for the states and iterations it interrupts.
func (f *frame) abort() {
	switch f.status {
	case frameDone, frameFailed, frameCancelled:
		return
	case framePending:
		f.status = frameCancelled
		return
	}
	if f.st != nil && f.entered {
		switch f.wait {
		case waitChildren:
			f.abortChildren()
		}
		if t := abortedType[f.st.Kind]; t != 0 && (f.wait != waitNone || f.status == frameBlocked) {
			f.prev = f.emit(t, f.prev, "", nil, false, nil, nil)
		}
	}
	f.cancelWaits()
	if f.parent != nil && f.index >= 0 && !f.parent.st.Distributed {
		f.prev = f.emitAux(history.MapIterationAborted, f.prev, f.parent.st.Name, int64(f.index))
	}
	f.status = frameCancelled
}
