package interpreter

import (
	"errors"
	"math"
	"time"

	"github.com/baton-sh/baton/failure"
	"github.com/baton-sh/baton/history"
	"github.com/baton-sh/baton/intrinsic"
	"github.com/baton-sh/baton/jsonpath"
	"github.com/baton-sh/baton/machine"
	"github.com/baton-sh/baton/value"
)

// ---- input and output processing -------------------------------------------

// readPath evaluates a path on a document chosen by its root.
func (f *frame) readPath(p *jsonpath.Path, input any) (any, error) {
	switch p.Root() {
	case jsonpath.RootContext:
		return p.Lookup(f.Context())
	case jsonpath.RootVariable:
		v, ok := f.Variable(p.Variable())
		if !ok {
			return nil, &jsonpath.NotFoundError{Path: p.String(), Msg: "No results for path: " + p.Canonical()}
		}
		return p.Lookup(v)
	}
	return p.Lookup(input)
}

// selectPath applies InputPath or OutputPath.
func (f *frame) selectPath(p machine.Path, in any) (any, *failure.Failure) {
	if p.Null {
		return value.Empty, nil
	}
	if p.Path == nil {
		return in, nil
	}
	v, err := f.readPath(p.Path, in)
	if err != nil {
		return nil, f.runtimeFailure(failure.Newf(failure.Runtime, "Invalid path '%s' : %s", p.Path.String(), err.Error()))
	}
	return v, nil
}

func (f *frame) inputPath() (any, *failure.Failure) {
	v, fl := f.selectPath(f.st.InputPath, f.input)
	if t := f.ex.test; t != nil && fl == nil {
		t.Inspection.AfterInputPath.set(v)
	}
	return v, fl
}

func (f *frame) outputPath(v any) (any, *failure.Failure) { return f.selectPath(f.st.OutputPath, v) }

// effectiveInput applies InputPath then Parameters, or a JSONata state's
// Arguments.
func (f *frame) effectiveInput() (any, *failure.Failure) {
	if f.st.JSONata {
		in := f.input
		if f.st.Arguments != nil {
			v, fl := f.jEval(f.st.Arguments, f.jenv(f.input))
			if fl != nil {
				return nil, fl
			}
			in = v
		}
		if t := f.ex.test; t != nil {
			t.Inspection.AfterArguments.set(in)
		}
		return in, nil
	}
	in, fl := f.inputPath()
	if fl != nil {
		return nil, fl
	}
	if f.st.Parameters != nil {
		v, fl := f.st.Parameters.Eval(in, f)
		if fl != nil {
			return nil, f.runtimeFailure(fl)
		}
		in = v
	}
	if t := f.ex.test; t != nil {
		t.Inspection.AfterParameters.set(in)
	}
	return in, nil
}

// applyResultPath places a result into the raw input.
func applyResultPath(p machine.Path, raw, result any) (any, *failure.Failure) {
	if p.Null {
		return raw, nil
	}
	if p.Path == nil || p.Path.IsRoot() {
		return result, nil
	}
	out, err := p.Path.Set(raw, result)
	if err != nil {
		return nil, failure.New(failure.ReferencePathConflict, err.Error())
	}
	return out, nil
}

// finishState runs ResultSelector, ResultPath and OutputPath on a result and
// leaves the state.
func (f *frame) finishState(result any) {
	st := f.st
	if st.JSONata {
		f.jFinish(result)
		return
	}
	// Assign reads the result as the task gave it.
	if fl := f.assignPath(st.Assign, result); fl != nil {
		f.stateFailed(fl, false)
		return
	}
	if st.ResultSelector != nil {
		v, fl := st.ResultSelector.Eval(result, f)
		if fl != nil {
			f.stateFailed(f.runtimeFailure(fl), false)
			return
		}
		result = v
	}
	if t := f.ex.test; t != nil {
		t.Inspection.AfterResultSelector.set(result)
	}
	f.placeResult(result)
}

// placeResult applies ResultPath and OutputPath to a result and leaves the
// state.
func (f *frame) placeResult(result any) {
	out, fl := applyResultPath(f.st.ResultPath, f.input, result)
	if t := f.ex.test; t != nil && fl == nil {
		if !t.Inspection.AfterResultSelector.Set {
			t.Inspection.AfterResultSelector.set(result)
		}
		t.Inspection.AfterResultPath.set(out)
	}
	if fl == nil {
		out, fl = f.outputPath(out)
	}
	if fl != nil {
		f.stateFailed(fl, false)
		return
	}
	f.exit(out, f.st.Next)
}

// ---- Pass, Choice, Fail, Wait ----------------------------------------------

func (f *frame) pass() {
	st := f.st
	var result any
	if st.HasResult {
		// Result replaces the effective input; InputPath and Parameters are
		// still evaluated so that their errors surface as on AWS.
		if st.Parameters != nil || !st.InputPath.IsIdentity() || f.ex.test != nil {
			if _, fl := f.effectiveInput(); fl != nil {
				f.stateFailed(fl, false)
				return
			}
		}
		result = st.Result
	} else {
		eff, fl := f.effectiveInput()
		if fl != nil {
			f.stateFailed(fl, false)
			return
		}
		result = eff
	}
	if fl := f.assignPath(st.Assign, result); fl != nil {
		f.stateFailed(fl, false)
		return
	}
	f.placeResult(result)
}

func (f *frame) choice() {
	st := f.st
	in, fl := f.inputPath()
	if fl != nil {
		f.stateFailed(fl, false)
		return
	}
	var next *machine.State
	var rule *machine.Rule
	for _, r := range st.Choices {
		ok, fl := r.Match(in, f)
		if fl != nil {
			f.stateFailed(f.runtimeFailure(fl), false)
			return
		}
		if ok {
			next, rule = r.Next, r
			break
		}
	}
	if next == nil {
		next = st.Default
	}
	if next == nil {
		f.stateFailed(failure.Newf(failure.NoChoiceMatched, "No Matches!"), false)
		return
	}
	// The state's Assign applies whichever way it goes, then the matched
	// rule's.
	fl = f.assignPath(st.Assign, in)
	if fl == nil && rule != nil {
		fl = f.assignPath(rule.Assign, in)
	}
	if fl != nil {
		f.stateFailed(fl, false)
		return
	}
	out, fl := f.outputPath(in)
	if fl != nil {
		f.stateFailed(fl, false)
		return
	}
	f.exit(out, next)
}

func (f *frame) failState() {
	st := f.st
	fl := &failure.Failure{Error: st.Error, Cause: st.Cause}
	if st.ErrorPath != nil || st.ErrorCall != nil {
		s, rfl := f.failField(st.ErrorPath, st.ErrorCall, "ErrorPath")
		if rfl != nil {
			f.frameFailed(rfl)
			return
		}
		fl.Error = s
	}
	if st.CausePath != nil || st.CauseCall != nil {
		s, rfl := f.failField(st.CausePath, st.CauseCall, "CausePath")
		if rfl != nil {
			f.frameFailed(rfl)
			return
		}
		fl.Cause = s
	}
	f.frameFailed(fl)
}

func (f *frame) failField(p *jsonpath.Path, c *intrinsic.Call, field string) (string, *failure.Failure) {
	var v any
	if c != nil {
		var fl *failure.Failure
		v, fl = machine.EvalCall(c, f.input, f, field)
		if fl != nil {
			return "", f.runtimeFailure(fl)
		}
	} else {
		var err error
		v, err = f.readPath(p, f.input)
		if err != nil {
			return "", f.runtimeFailure(failure.Newf(failure.Runtime,
				"The JSONPath '%s' specified for the field '%s' could not be found in the input '%s'", p.String(), field, value.String(f.input)))
		}
	}
	if s, ok := v.(string); ok {
		return s, nil
	}
	return value.String(v), nil
}

func (f *frame) waitState() {
	ex := f.ex
	st := f.st
	if st.JSONata {
		until, fl := f.jWaitUntil()
		if fl != nil {
			f.stateFailed(fl, false)
			return
		}
		f.waitUntil(until)
		return
	}
	in, fl := f.inputPath()
	if fl != nil {
		f.stateFailed(fl, false)
		return
	}
	var until time.Time
	switch {
	case st.Seconds.Set && st.Seconds.Path == nil:
		until = ex.now.Add(time.Duration(st.Seconds.Value) * time.Second)
	case st.Seconds.Path != nil:
		v, err := f.readPath(st.Seconds.Path, in)
		if err != nil {
			f.stateFailed(f.runtimeFailure(failure.Newf(failure.Runtime,
				"The SecondsPath parameter does not reference an existing value: %s", st.Seconds.Path.String())), false)
			return
		}
		n, ok := v.(value.Number)
		i, isInt := n.Int64()
		if !ok || !isInt || !n.IsInteger() {
			f.stateFailed(f.runtimeFailure(failure.Newf(failure.Runtime,
				"The SecondsPath parameter cannot be parsed as a long value: %s == %s", st.Seconds.Path.String(), rawText(v))), false)
			return
		}
		if i < 0 {
			f.stateFailed(f.runtimeFailure(failure.Newf(failure.Runtime,
				"The SecondsPath parameter references a negative value: %s == %s", st.Seconds.Path.String(), rawText(v))), false)
			return
		}
		until = ex.now.Add(time.Duration(i) * time.Second)
	case !st.Timestamp.IsZero():
		until = st.Timestamp
	case st.TimestampPath != nil:
		v, err := f.readPath(st.TimestampPath, in)
		var t time.Time
		ok := err == nil
		if ok {
			s, isStr := v.(string)
			t, ok = machine.ParseTimestamp(s)
			ok = ok && isStr
		}
		if !ok {
			f.stateFailed(f.runtimeFailure(failure.Newf(failure.Runtime,
				"The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: %s == %s",
				st.TimestampPath.String(), rawText(v))), false)
			return
		}
		until = t
	}
	f.input = in
	f.waitUntil(until)
}

// waitUntil blocks the frame until the time comes.
func (f *frame) waitUntil(until time.Time) {
	ex := f.ex
	// A tested Wait state reports where it goes without waiting.
	if !until.After(ex.now) || ex.test != nil {
		f.phase = phaseWaitDone
		return
	}
	f.status = frameBlocked
	f.wait = waitTimer
	f.waitTimer = ex.armTimer(timerWait, f, 0, until)
}

// rawText prints a value as AWS quotes it in messages: strings bare, other
// values as JSON.
func rawText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return value.String(v)
}

// waitFinished leaves a Wait state whose time has come.
func (f *frame) waitFinished() {
	st := f.st
	if st.JSONata {
		out, fl := f.jLeave(f.jenv(f.input), st.Assign, st.Output, f.input)
		if fl != nil {
			f.stateFailed(fl, false)
			return
		}
		f.exit(out, st.Next)
		return
	}
	if fl := f.assignPath(st.Assign, f.input); fl != nil {
		f.stateFailed(fl, false)
		return
	}
	out, fl := f.outputPath(f.input)
	if fl != nil {
		f.stateFailed(fl, false)
		return
	}
	f.exit(out, st.Next)
}

func (f *frame) waitDone() {
	f.waitTimer = 0
	f.resume(phaseWaitDone)
}

// ---- Task --------------------------------------------------------------------

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
	if ex.test != nil && ex.test.Mock != nil {
		f.testMock()
		return
	}
	res := st.Resource
	var ev int64
	switch res.Kind {
	case machine.Activity:
		ev = f.emit(history.ActivityScheduled, f.prev, "", eff, true, nil, &history.Detail{Resource: res.ARN, Timeout: timeout, Heartbeat: heartbeat})
	case machine.Function:
		ev = f.emit(history.LambdaFunctionScheduled, f.prev, "", eff, true, nil, &history.Detail{Resource: res.ARN, Timeout: timeout})
	default:
		ev = f.emit(history.TaskScheduled, f.prev, "", eff, true, nil, &history.Detail{
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
		ID: id, Resource: res, Input: eff, StateName: st.Name,
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
		f.prev = f.emit(history.ActivityStarted, f.prev, "", nil, false, nil, &history.Detail{WorkerName: worker})
	case machine.Function:
		f.prev = f.emit(history.LambdaFunctionStarted, f.prev, "", nil, false, nil, nil)
	default:
		f.prev = f.emit(history.TaskStarted, f.prev, "", nil, false, nil, f.taskDetail())
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
		f.prev = f.emit(history.TaskSubmitted, f.prev, "", output, true, nil, f.taskDetail())
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
		f.prev = f.emit(history.ActivitySucceeded, f.prev, "", output, true, nil, nil)
	case machine.Function:
		f.prev = f.emit(history.LambdaFunctionSucceeded, f.prev, "", output, true, nil, nil)
	default:
		f.prev = f.emit(history.TaskSucceeded, f.prev, "", output, true, nil, f.taskDetail())
	}
	f.taskResult = output
	f.resume(phaseTaskDone)
}

func (f *frame) taskFailed(fl *failure.Failure) {
	f.endTask()
	switch f.st.Resource.Kind {
	case machine.Activity:
		f.prev = f.emit(history.ActivityFailed, f.prev, "", nil, false, fl, nil)
	case machine.Function:
		f.prev = f.emit(history.LambdaFunctionFailed, f.prev, "", nil, false, fl, nil)
	default:
		f.prev = f.emit(history.TaskFailed, f.prev, "", nil, false, fl, f.taskDetail())
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
		f.prev = f.emit(history.ActivityTimedOut, f.prev, "", nil, false, fl, nil)
	case machine.Function:
		f.prev = f.emit(history.LambdaFunctionTimedOut, f.prev, "", nil, false, fl, nil)
	default:
		f.prev = f.emit(history.TaskTimedOut, f.prev, "", nil, false, fl, f.taskDetail())
	}
	f.fail(fl, false)
}

// fail hands an error to the frame's error handling on its next turn.
func (f *frame) fail(fl *failure.Failure, fromKids bool) {
	f.pendingFail = fl
	f.fromKids = fromKids
	f.resume(phaseFailed)
}

func (f *frame) taskDone() {
	result := f.taskResult
	f.taskResult = nil
	if t := f.ex.test; t != nil {
		t.Inspection.Result.set(result)
	}
	f.finishState(result)
}

// ---- Parallel and Map ----------------------------------------------------------

func (f *frame) parallel() {
	ex := f.ex
	f.kidState = nil // a redrive must not mistake an earlier attempt's branches for this one's
	eff, fl := f.effectiveInput()
	if fl != nil {
		f.stateFailed(fl, false)
		return
	}
	if ex.test != nil {
		f.testMock()
		return
	}
	f.kidState = &kidState{}
	f.startedID = f.emit(history.ParallelStateStarted, f.prev, "", nil, false, nil, nil)
	f.prev = f.startedID
	n := len(f.st.Branches)
	f.kids = make([]*frame, n)
	f.results = make([]any, n)
	f.pending = n
	for i, b := range f.st.Branches {
		k := &frame{ex: ex, m: b, parent: f, slot: i, index: -1, prev: f.prev, silent: f.silent, outer: f.scope()}
		k.enter(b.StartAt, eff)
		f.kids[i] = k
		ex.schedule(k)
	}
	f.status = frameBlocked
	f.wait = waitChildren
}

func (f *frame) mapState() {
	ex := f.ex
	st := f.st
	f.kidState = nil
	var (
		in      any
		arr     []any
		maxConc float64
		tc      int64
		pct     float64
		fl      *failure.Failure
	)
	if st.JSONata {
		in = f.input
		arr, maxConc, tc, pct, fl = f.jMapSettings()
	} else {
		in, arr, maxConc, fl = f.mapPathSettings()
		if fl == nil && ex.test != nil {
			tc, pct, fl = f.tolerance(in)
		}
	}
	if fl != nil {
		f.stateFailed(fl, false)
		return
	}
	if ex.test != nil {
		f.testMap(in, arr, maxConc, tc, pct)
		return
	}
	f.kidState = &kidState{}
	f.startedID = f.emitAux(history.MapStateStarted, f.prev, "", int64(len(arr)))
	f.prev = f.startedID
	f.tolCount, f.tolPct = 0, 0
	if st.Distributed {
		if !st.JSONata {
			if tc, pct, fl = f.tolerance(in); fl != nil {
				f.stateFailed(fl, false)
				return
			}
		}
		f.tolCount, f.tolPct = tc, pct
		f.prev = f.emit(history.MapRunStarted, f.prev, "", nil, false, nil, &history.Detail{MapRunARN: ex.cfg.StateMachineARN + "/" + st.Name + ":" + ex.cfg.ExecutionName})
	}
	f.effInput = in
	f.items = arr
	f.nextItem = 0
	f.failures = 0
	f.active = 0
	f.maxConc = int(maxConc)
	f.kids = make([]*frame, 0, len(arr))
	f.results = make([]any, len(arr))
	f.pending = len(arr)
	f.status = frameBlocked
	f.wait = waitChildren
	if len(arr) == 0 {
		f.phase = phaseChildrenDone
		f.status = frameRunning
		return
	}
	f.startIterations()
}

// mapPathSettings evaluates a JSONPath Map state's InputPath, ItemsPath
// and MaxConcurrencyPath.
func (f *frame) mapPathSettings() (in any, arr []any, maxConc float64, fl *failure.Failure) {
	st := f.st
	if in, fl = f.inputPath(); fl != nil {
		return
	}
	items := in
	if st.ItemsPath.Path != nil {
		v, err := f.readPath(st.ItemsPath.Path, in)
		if err != nil {
			var nf *jsonpath.NotFoundError
			msg := err.Error()
			if errors.As(err, &nf) {
				msg = nf.Msg
			}
			fl = f.runtimeFailure(failure.Newf(failure.Runtime, "Invalid path '%s' : %s", st.ItemsPath.Path.String(), msg))
			return
		}
		items = v
	}
	arr, ok := items.([]any)
	if !ok {
		fl = f.runtimeFailure(failure.Newf(failure.Runtime, "Map state input must be an array but was: %s", value.String(items)))
		return
	}
	if maxConc, fl = f.mapNumber(st.MaxConcurrency, "MaxConcurrencyPath", in, false); fl != nil {
		return
	}
	return in, arr, maxConc, nil
}

// tolerance evaluates a JSONPath Map state's ToleratedFailureCount(Path)
// and ToleratedFailurePercentage(Path).
func (f *frame) tolerance(in any) (int64, float64, *failure.Failure) {
	tc, fl := f.mapNumber(f.st.ToleratedFailureCount, "ToleratedFailureCountPath", in, false)
	if fl != nil {
		return 0, 0, fl
	}
	pct, fl := f.tolerancePercentage(in)
	if fl != nil {
		return 0, 0, fl
	}
	return int64(tc), pct, nil
}

// mapNumber evaluates MaxConcurrency(Path) and ToleratedFailureCount(Path).
func (f *frame) mapNumber(n machine.Number, field string, in any, float bool) (float64, *failure.Failure) {
	if !n.Set {
		return 0, nil
	}
	if n.Path == nil {
		if float {
			return n.Float, nil
		}
		return float64(n.Value), nil
	}
	v, err := f.readPath(n.Path, in)
	if err != nil {
		return 0, f.runtimeFailure(failure.Newf(failure.Runtime, "The %s field refers to a path that does not exist: %s", field, n.Path.String()))
	}
	num, ok := v.(value.Number)
	if s, isStr := v.(string); isStr {
		// AWS reads a number written as a string too ("1").
		num, ok = value.Number(s), value.ValidNumber(s)
	}
	kind := "integer"
	if float {
		kind = "float"
	}
	if ok {
		if float {
			return num.Float64(), nil
		}
		if i, isInt := num.Int64(); isInt && i >= 0 {
			return float64(i), nil
		}
	}
	return 0, f.runtimeFailure(failure.Newf(failure.Runtime, "The %s field refers to value \"%s\" which is not a valid %s: %s",
		field, rawText(v), kind, n.Path.String()))
}

func (f *frame) tolerancePercentage(in any) (float64, *failure.Failure) {
	pct, fl := f.mapNumber(f.st.ToleratedFailurePercentage, "ToleratedFailurePercentagePath", in, true)
	if fl != nil {
		return 0, fl
	}
	if pct < 0 || pct > 100 {
		return 0, f.runtimeFailure(failure.New(failure.Runtime, "ToleratedFailurePercentage must be between 0 and 100."))
	}
	return pct, nil
}

// startIterations starts Map iterations up to MaxConcurrency.
func (f *frame) startIterations() {
	ex := f.ex
	st := f.st
	for f.nextItem < len(f.items) && (f.maxConc == 0 || f.active < f.maxConc) {
		i := f.nextItem
		f.nextItem++
		item := f.items[i]
		input, fl := f.itemInput(f.effInput, i, item)
		if fl != nil {
			f.abortChildren()
			f.fail(fl, false)
			return
		}
		k := &frame{ex: ex, m: st.Processor, parent: f, slot: i, index: i, prev: f.startedID, status: framePending, silent: f.silent || st.Distributed}
		// The iterations of a distributed Map are executions of their
		// own: they see no variables of the parent.
		if !st.Distributed {
			k.outer = f.scope()
		}
		k.st = st.Processor.StartAt
		k.input = input
		k.phase = phaseExecute
		f.kids = append(f.kids, k)
		f.active++
		ex.schedule(k)
	}
}

// itemInput is the input of a Map state's iteration i: its item, or what
// the ItemSelector makes of it and of the state's input in.
func (f *frame) itemInput(in any, i int, item any) (any, *failure.Failure) {
	st := f.st
	switch {
	case st.JItemSelector != nil:
		env := &machine.JEnv{Scope: &mapItemScope{f: f, index: i, item: item}, Input: in, Now: f.ex.now}
		return f.jEval(st.JItemSelector, env)
	case st.ItemSelector != nil:
		v, fl := st.ItemSelector.Eval(in, &mapItemScope{f: f, index: i, item: item})
		if fl != nil {
			return nil, f.runtimeFailure(fl)
		}
		return v, nil
	}
	return item, nil
}

func (f *frame) childDone(k *frame) {
	if f.status != frameBlocked || f.wait != waitChildren {
		return
	}
	f.results[k.slot] = k.output
	f.pending--
	f.active--
	if f.st.Kind == machine.Map {
		f.startIterations()
	}
	if f.pending == 0 {
		f.resume(phaseChildrenDone)
	}
}

func (f *frame) childFailed(k *frame) {
	if f.status != frameBlocked || f.wait != waitChildren {
		return
	}
	if f.st.Kind == machine.Map && f.st.Distributed {
		f.failures++
		limit := f.tolCount
		if f.tolPct > 0 {
			if byPct := int64(math.Floor(f.tolPct / 100 * float64(len(f.items)))); byPct > limit {
				limit = byPct
			}
		}
		if int64(f.failures) <= limit {
			k.output = errorOutput(k.failure)
			f.childDone(k)
			return
		}
		f.abortChildren()
		f.wait = waitNone
		f.fail(failure.New(failure.ExceedToleratedFailure, "The specified tolerated failure threshold was exceeded"), true)
		return
	}
	f.abortChildren()
	f.wait = waitNone
	f.fail(k.failure, true)
}

func (f *frame) childrenDone() {
	result := any(f.results)
	f.kidState = nil
	switch f.st.Kind {
	case machine.Parallel:
		f.prev = f.emit(history.ParallelStateSucceeded, f.prev, "", nil, false, nil, nil)
	case machine.Map:
		if f.st.Distributed {
			f.prev = f.emit(history.MapRunSucceeded, f.prev, "", nil, false, nil, nil)
		}
		f.prev = f.emit(history.MapStateSucceeded, f.prev, "", nil, false, nil, nil)
	}
	f.finishState(result)
}
