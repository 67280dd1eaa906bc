package interpreter

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/baton-sh/baton/failure"
	"github.com/baton-sh/baton/history"
	"github.com/baton-sh/baton/machine"
	"github.com/baton-sh/baton/value"
)

// Errors: how a state's failure is worded, retried and caught.

// runtimeFailure prefixes an evaluation failure with the state and its
// entered event, as AWS words runtime errors.
func (f *frame) runtimeFailure(fl *failure.Failure) *failure.Failure {
	if fl.Error == failure.DataLimitExceeded || fl.Error == failure.ReferencePathConflict {
		return fl
	}
	return &failure.Failure{Error: fl.Error, Cause: "An error occurred while executing the state '" + f.st.Name +
		"' (entered at the event id #" + itoa(f.enteredID) + "). " + fl.Cause}
}

func itoa(i int64) string {
	if i >= 0 && i < 10 {
		return string(rune('0' + i))
	}
	var b [20]byte
	n := len(b)
	neg := i < 0
	if neg {
		i = -i
	}
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	if neg {
		n--
		b[n] = '-'
	}
	return string(b[n:])
}

// stateFailed applies Retry, then Catch, to an error of the current state.
func (f *frame) stateFailed(fl *failure.Failure, fromKids bool) {
	ex := f.ex
	st := f.st
	f.cancelWaits()
	f.assigns = nil // a failed state assigns nothing
	for i := range st.Retry {
		r := &st.Retry[i]
		if !failure.Matches(r.ErrorEquals, fl.Error) {
			continue
		}
		if f.attempts == nil {
			f.attempts = make([]int64, len(st.Retry))
		}
		if f.attempts[i] >= r.MaxAttempts {
			break
		}
		delay := float64(r.IntervalSeconds) * math.Pow(r.BackoffRate, float64(f.attempts[i]))
		if r.MaxDelaySeconds > 0 && delay > float64(r.MaxDelaySeconds) {
			delay = float64(r.MaxDelaySeconds)
		}
		// A back-off beyond what a time can hold (IntervalSeconds up to
		// 99,999,999 times a rate to the power of the attempt) waits as
		// long as it can instead of overflowing into no wait at all: far
		// past any execution's end.
		delay = min(delay, maxRetryDelay)
		if f.tested() {
			// TestState decides the retry and does not make it: the
			// retrier and its back-off (without jitter, which is random)
			// are the verdict, and the run ends there.
			ex.cfg.Inspector.Retrying(st, i, fl, delay)
			ex.finish(Failed, nil, fl)
			return
		}
		if r.JitterFull {
			delay = rand.New(ex.cfg.Random).Float64() * delay
		}
		if in := ex.cfg.Inspector; in != nil {
			in.Retrying(st, i, fl, delay)
		}
		f.attempts[i]++
		f.retryCount++
		f.status = frameBlocked
		f.wait = waitRetry
		f.retryTimer = ex.armTimer(timerRetry, f, 0, ex.now.Add(time.Duration(delay*float64(time.Second))))
		return
	}
	if fromKids {
		switch st.Kind {
		case machine.Parallel:
			f.prev = f.emit(history.ParallelStateFailed, f.prev, "", nil, false, nil, nil)
		case machine.Map:
			if st.Distributed {
				f.prev = f.emit(history.MapRunFailed, f.prev, "", nil, false, fl, nil)
			}
			f.prev = f.emit(history.MapStateFailed, f.prev, "", nil, false, nil, nil)
		}
	}
	for i := range st.Catch {
		c := &st.Catch[i]
		if !failure.Matches(c.ErrorEquals, fl.Error) {
			continue
		}
		errOut := errorOutput(fl)
		var out any
		var rfl *failure.Failure
		if st.JSONata {
			env := f.jenv(f.input)
			env.ErrorOutput, env.HasError = errOut, true
			out, rfl = f.jLeave(env, c.Assign, c.Output, errOut)
		} else if rfl = f.assignPath(c.Assign, errOut); rfl == nil {
			out, rfl = applyResultPath(c.ResultPath, f.input, errOut)
		}
		if rfl != nil {
			f.frameFailed(rfl)
			return
		}
		f.status = frameRunning
		if in := ex.cfg.Inspector; in != nil {
			in.Caught(st, i, fl)
		}
		f.exit(out, c.Next)
		return
	}
	f.frameFailed(fl)
}

func errorOutput(fl *failure.Failure) any {
	ms := make([]value.Member, 0, 2)
	ms = append(ms, value.Member{Key: "Error", Value: fl.Error})
	if fl.Cause != "" {
		ms = append(ms, value.Member{Key: "Cause", Value: fl.Cause})
	}
	return value.NewObject(ms)
}

// retryDue re-runs the current state after a retry back-off.
func (f *frame) retryDue() {
	f.retryTimer = 0
	f.ctx = nil
	f.resume(phaseExecute)
}

// rawText prints a value as AWS quotes it in messages: strings bare, other
// values as JSON.
func rawText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return value.String(v)
}

// fail hands an error to the frame's error handling on its next turn.
func (f *frame) fail(fl *failure.Failure, fromKids bool) {
	f.pendingFail = fl
	f.fromKids = fromKids
	f.resume(phaseFailed)
}

// evalFailed words a JSONata failure for the state and records the
// EvaluationFailed event AWS writes for it.
func (f *frame) evalFailed(fl *failure.Failure) *failure.Failure {
	if fl.Error != failure.QueryEvaluationError {
		return f.runtimeFailure(fl)
	}
	full := f.runtimeFailure(fl)
	full.Location = fl.Location
	f.prev = f.emit(history.EvaluationFailed, f.prev, f.st.Name, nil, false, full, &history.Detail{Location: fl.Location})
	return full
}

// maxRetryDelay bounds a retry's back-off, in seconds: a hundred years.
const maxRetryDelay = 100 * 365 * 24 * 3600.0
