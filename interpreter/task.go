package interpreter

import (
	"time"

	"github.com/baton-sh/baton/failure"
	"github.com/baton-sh/baton/history"
	"github.com/baton-sh/baton/machine"
	"github.com/baton-sh/baton/value"
)

// Task states: a RunTask command per attempt, answered by the driver.

type taskState struct {
	req            *TaskRequest
	taskID         int64
	taskTimer      int64
	hbTimer        int64
	heartbeat      time.Duration
	token          string
	taskResult     any
	startedEmitted bool
}

func (f *frame) task() {
	ex := f.ex
	st := f.st
	if f.taskState == nil {
		f.taskState = &taskState{}
	} else {
		*f.taskState = taskState{}
	}
	// Each attempt of a task gets its own id and token. The token names the
	// execution and the task, so that a callback or an activity worker finds
	// them.
	ex.taskSeq++
	id := ex.taskSeq
	f.token = ex.tokens().Make(ex.ExecutionARN(), id, ex.cfg.Random.Uint64())
	eff, fl := f.effectiveInput()
	if fl != nil {
		f.stateFailed(fl, false)
		return
	}
	timeout, fl := f.seconds(st.Timeout, "TimeoutSecondsPath")
	if fl != nil {
		f.stateFailed(fl, false)
		return
	}
	heartbeat, fl := f.seconds(st.Heartbeat, "HeartbeatSecondsPath")
	if fl != nil {
		f.stateFailed(fl, false)
		return
	}
	if f.tested() && ex.test.Mock != nil {
		// TestState: the mock answers in place of the resource (without
		// one, the driver runs the task, as for any execution).
		f.testMock()
		return
	}
	res := st.Resource
	var ev int64
	// Task events carry their state's name, which their JSON does not show:
	// observers learn from it which state a task is of.
	switch res.Kind {
	case machine.Activity:
		ev = f.emit(history.ActivityScheduled, f.prev, f.st.Name, eff, true, nil, &history.Detail{Resource: res.ARN, Timeout: timeout, Heartbeat: heartbeat})
	case machine.Function:
		ev = f.emit(history.LambdaFunctionScheduled, f.prev, f.st.Name, eff, true, nil, &history.Detail{Resource: res.ARN, Timeout: timeout})
	default:
		ev = f.emit(history.TaskScheduled, f.prev, f.st.Name, eff, true, nil, &history.Detail{
			ResourceType: res.EventType, Resource: res.EventResource, Region: ex.cfg.Region, Timeout: timeout, Heartbeat: heartbeat})
	}
	f.prev = ev
	f.taskID = id
	f.startedEmitted = false
	if ex.tasks == nil {
		ex.tasks = map[int64]*frame{}
	}
	ex.tasks[id] = f
	if ex.invocations == nil {
		ex.invocations = map[string]int{}
	}
	req := &TaskRequest{
		ID: id, Resource: res, Input: eff, StateName: st.Name, ScheduledEvent: ev,
		Timeout: time.Duration(timeout) * time.Second, Heartbeat: time.Duration(heartbeat) * time.Second, Token: f.token,
		Invocation: ex.invocations[st.Name],
	}
	ex.invocations[st.Name]++
	if st.UsesContext {
		req.Context = f.Context()
	}
	f.req = req
	ex.cmds = append(ex.cmds, Command{Kind: RunTask, ID: id, Task: req})
	if timeout > 0 {
		f.taskTimer = ex.armTimer(timerTaskTimeout, f, id, ex.now.Add(req.Timeout))
	}
	f.heartbeat = req.Heartbeat
	// A callback's heartbeat starts counting once the call that hands out
	// the token has returned (TaskSubmitted), not while it runs.
	if heartbeat > 0 && res.Pattern != machine.WaitForTaskToken {
		f.hbTimer = ex.armTimer(timerHeartbeat, f, id, ex.now.Add(req.Heartbeat))
	}
	f.status = frameBlocked
	f.wait = waitTask
}

// seconds evaluates TimeoutSeconds(Path) or HeartbeatSeconds(Path).
func (f *frame) seconds(n machine.Number, field string) (int64, *failure.Failure) {
	if !n.Set {
		return 0, nil
	}
	if n.Expr != nil {
		return f.jInteger(n, f.jenv(f.input), 1)
	}
	if n.Path == nil {
		return n.Value, nil
	}
	in, fl := f.inputPath()
	if fl != nil {
		return 0, fl
	}
	v, err := f.readPath(n.Path, in)
	if err != nil {
		return 0, f.runtimeFailure(failure.Newf(failure.Runtime, "The JSONPath '%s' specified for the field '%s' could not be found in the input '%s'",
			n.Path.String(), field, value.String(in)))
	}
	num, ok := v.(value.Number)
	i, isInt := num.Int64()
	if !ok || !isInt || i <= 0 {
		return 0, f.runtimeFailure(failure.Newf(failure.Runtime, "The %s field refers to value \"%s\" which is not a valid positive integer: %s",
			field, rawText(v), n.Path.String()))
	}
	return i, nil
}

// markStarted writes the Started event of the task, once.
func (f *frame) markStarted(worker string) {
	if f.startedEmitted {
		return
	}
	f.startedEmitted = true
	switch f.st.Resource.Kind {
	case machine.Activity:
		f.prev = f.emit(history.ActivityStarted, f.prev, f.st.Name, nil, false, nil, &history.Detail{WorkerName: worker})
	case machine.Function:
		f.prev = f.emit(history.LambdaFunctionStarted, f.prev, f.st.Name, nil, false, nil, nil)
	default:
		f.prev = f.emit(history.TaskStarted, f.prev, f.st.Name, nil, false, nil, f.taskDetail())
	}
}

// submitted writes TaskSubmitted for a service integration whose result
// comes later, and keeps what the call answered with the task.
func (f *frame) submitted(output any) {
	if f.req == nil || f.req.Submitted {
		return
	}
	f.req.Submitted, f.req.Receipt = true, output
	if f.heartbeat > 0 && f.hbTimer == 0 {
		f.hbTimer = f.ex.armTimer(timerHeartbeat, f, f.taskID, f.ex.now.Add(f.heartbeat))
	}
	if k := f.st.Resource.Kind; k != machine.Activity && k != machine.Function {
		f.prev = f.emit(history.TaskSubmitted, f.prev, f.st.Name, output, true, nil, f.taskDetail())
	}
}

// taskDetail is the detail of a service integration's Task* events.
func (f *frame) taskDetail() *history.Detail {
	res := f.st.Resource
	return &history.Detail{ResourceType: res.EventType, Resource: res.EventResource}
}

func (f *frame) heartbeatReceived() {
	if f.hbTimer != 0 {
		ex := f.ex
		ex.cancelTimer(f.hbTimer)
		f.hbTimer = ex.armTimer(timerHeartbeat, f, f.taskID, ex.now.Add(f.heartbeat))
	}
}

func (f *frame) endTask() {
	ex := f.ex
	delete(ex.tasks, f.taskID)
	f.taskID = 0
	ex.cancelTimer(f.taskTimer)
	ex.cancelTimer(f.hbTimer)
	f.taskTimer, f.hbTimer = 0, 0
	f.wait = waitNone
}

func (f *frame) taskSucceeded(output any) {
	f.endTask()
	switch f.st.Resource.Kind {
	case machine.Activity:
		f.prev = f.emit(history.ActivitySucceeded, f.prev, f.st.Name, output, true, nil, nil)
	case machine.Function:
		f.prev = f.emit(history.LambdaFunctionSucceeded, f.prev, f.st.Name, output, true, nil, nil)
	default:
		f.prev = f.emit(history.TaskSucceeded, f.prev, f.st.Name, output, true, nil, f.taskDetail())
	}
	f.taskResult = output
	f.resume(phaseTaskDone)
}

func (f *frame) taskFailed(fl *failure.Failure) {
	f.endTask()
	switch f.st.Resource.Kind {
	case machine.Activity:
		f.prev = f.emit(history.ActivityFailed, f.prev, f.st.Name, nil, false, fl, nil)
	case machine.Function:
		f.prev = f.emit(history.LambdaFunctionFailed, f.prev, f.st.Name, nil, false, fl, nil)
	default:
		f.prev = f.emit(history.TaskFailed, f.prev, f.st.Name, nil, false, fl, f.taskDetail())
	}
	f.fail(fl, false)
}

func (f *frame) taskTimedOut(task int64, name string) {
	if f.taskID != task {
		return
	}
	ex := f.ex
	if name == failure.Timeout {
		f.taskTimer = 0
	} else {
		f.hbTimer = 0
	}
	req := f.req
	f.endTask()
	ex.cmds = append(ex.cmds, Command{Kind: CancelTask, ID: task, Task: req})
	fl := failure.New(name, "")
	switch f.st.Resource.Kind {
	case machine.Activity:
		f.prev = f.emit(history.ActivityTimedOut, f.prev, f.st.Name, nil, false, fl, nil)
	case machine.Function:
		f.prev = f.emit(history.LambdaFunctionTimedOut, f.prev, f.st.Name, nil, false, fl, nil)
	default:
		f.prev = f.emit(history.TaskTimedOut, f.prev, f.st.Name, nil, false, fl, f.taskDetail())
	}
	f.fail(fl, false)
}

func (f *frame) taskDone() {
	result := f.taskResult
	f.taskResult = nil
	f.inspect(StepResult, result)
	f.finishState(result)
}
