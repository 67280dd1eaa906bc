package interpreter

import (
	"time"

	"github.com/baton-sh/baton/failure"
	"github.com/baton-sh/baton/machine"
	"github.com/baton-sh/baton/value"
)

// Wait states: a timer, unless the time has come.

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
				"The SecondsPath parameter does not reference an input value: %s", st.Seconds.Path.String())), false)
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
		if err != nil {
			f.stateFailed(f.runtimeFailure(failure.Newf(failure.Runtime,
				"The TimestampPath parameter does not reference an input value: %s", st.TimestampPath.String())), false)
			return
		}
		s, isStr := v.(string)
		t, ok := machine.ParseTimestamp(s)
		if !ok || !isStr {
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
	// TestState: a Wait state reports where it goes without waiting.
	if !until.After(ex.now) || f.tested() {
		f.phase = phaseWaitDone
		return
	}
	f.status = frameBlocked
	f.wait = waitTimer
	f.waitTimer = ex.armTimer(timerWait, f, 0, until)
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

// jWaitUntil evaluates a JSONata Wait state's Seconds or Timestamp.
func (f *frame) jWaitUntil() (time.Time, *failure.Failure) {
	st := f.st
	ex := f.ex
	env := f.jenv(f.input)
	switch {
	case st.Seconds.Set:
		s, fl := f.jInteger(st.Seconds, env, 0)
		if fl != nil {
			return time.Time{}, fl
		}
		return ex.now.Add(time.Duration(s) * time.Second), nil
	case st.TimestampExpr != nil:
		v, fl := st.TimestampExpr.Eval(env)
		if fl != nil {
			return time.Time{}, f.evalFailed(fl)
		}
		s, _ := v.(string)
		t, ok := machine.ParseTimestamp(s)
		if !ok {
			return time.Time{}, f.evalFailed(&failure.Failure{Error: failure.QueryEvaluationError, Location: "Timestamp",
				Cause: "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: " + rawText(v)})
		}
		return t, nil
	case !st.Timestamp.IsZero():
		return st.Timestamp, nil
	}
	return ex.now, nil
}
