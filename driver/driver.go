// Package driver carries out what the interpreter decides: it starts
// executions, runs their tasks, arms their timers and feeds the results
// back. Local runs an execution in memory, start to end (baton run, the Go
// API, Express workflows); Durable runs Standard executions on a store, so
// that they survive a crash and several nodes can share the work.
package driver

import (
	"context"
	"time"

	"github.com/baton-sh/baton/failure"
	"github.com/baton-sh/baton/history"
	"github.com/baton-sh/baton/interpreter"
	"github.com/baton-sh/baton/machine"
	"github.com/baton-sh/baton/mock"
	"github.com/baton-sh/baton/resource"
	"github.com/baton-sh/baton/store"
)

// Observation is what one step of an execution did: the history events it
// wrote and the timers it armed and fired. A Durable driver reports a step
// once it is durable.
type Observation struct {
	ExecutionARN    string
	StateMachineARN string
	// Events are the step's history events (none for an execution that
	// keeps no history). They are shared: read them, never change them.
	Events []history.Event
	Armed  []Timer // timers armed
	Fired  []int64 // timers that fired
	// Status is the execution's status after the step.
	Status interpreter.Status
	// Started says that the step began the execution.
	Started bool
	// VersionARN and AliasARN are the version and alias the execution was
	// started through ("" for none).
	VersionARN, AliasARN string
	// Start is when the execution started, or was last redriven, and
	// RedriveCount how often it was redriven.
	Start        time.Time
	RedriveCount int
	// TraceHeader is the trace the execution's starter was in.
	TraceHeader string
}

// Timer is a timer an execution armed.
type Timer struct {
	ID int64
	At time.Time
}

// Observer is told every step of every execution. It runs on the path of
// the execution: it must return at once, and must not keep the
// Observation (copy what it needs).
type Observer func(o *Observation)

// observe builds the Observation of a step for obs.
func observe(obs Observer, ex *interpreter.Execution, events []history.Event, cmds []interpreter.Command, fired int64, started bool, rec *store.Execution) {
	o := Observation{ExecutionARN: ex.ExecutionARN(), StateMachineARN: ex.Config().StateMachineARN, Events: events, Status: ex.Status,
		Started: started, Start: ex.StartTime, RedriveCount: ex.Config().RedriveCount, TraceHeader: ex.Config().TraceHeader}
	for i := range cmds {
		if cmds[i].Kind == interpreter.StartTimer {
			o.Armed = append(o.Armed, Timer{ID: cmds[i].ID, At: cmds[i].At})
		}
	}
	if fired != 0 {
		o.Fired = []int64{fired}
	}
	if rec != nil {
		o.VersionARN, o.AliasARN, o.RedriveCount = rec.VersionARN, rec.AliasARN, rec.RedriveCount
		if rec.RedriveCount > 0 {
			o.Start = rec.RedriveDate
		}
	}
	obs(&o)
}

// target is where a task's work goes: the answer of the execution's test
// case, the activity queue, or a registered resource (nil when nothing
// serves the task).
type target struct {
	res    resource.Resource
	queued bool // an activity: workers poll for it
}

// route decides where a task goes. Activities are queued only by drivers
// that have a queue.
func route(reg *resource.Registry, tc *mock.Case, t *interpreter.TaskRequest, queue bool) target {
	if tc.Mocks(t.StateName) {
		return target{res: tc.Resource()}
	}
	if queue && t.Resource.Kind == machine.Activity {
		return target{queued: true}
	}
	if reg == nil {
		return target{}
	}
	res, _ := reg.Lookup(t.Resource.ARN)
	return target{res: res}
}

// request is what a resource is asked to do for a task.
func request(executionARN string, t *interpreter.TaskRequest) *resource.Request {
	return &resource.Request{Resource: t.Resource.ARN, Input: t.Input, StateName: t.StateName, ExecutionARN: executionARN,
		Token: t.Token, Timeout: t.Timeout, Heartbeat: t.Heartbeat, Context: t.Context, Invocation: t.Invocation}
}

// TraceTask gives the traceparent of a task's span when its execution is
// traced ("" otherwise): cfg is the execution's, scheduled the id of the
// event that scheduled the task.
type TraceTask func(cfg *interpreter.Config, scheduled int64) string

// unserved is the failure of a task nothing serves.
func unserved(t *interpreter.TaskRequest) error {
	return failure.New(failure.TaskFailed, resource.NoHandlerCause(t.Resource.ARN, t.StateName)).AsError()
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
