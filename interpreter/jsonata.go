package interpreter

import (
	"time"

	"github.com/baton-sh/baton/failure"
	"github.com/baton-sh/baton/history"
	"github.com/baton-sh/baton/machine"
	"github.com/baton-sh/baton/value"
)

// JSONata states. They have no paths: Arguments shapes what a Task,
// Parallel or Map state works on, Output what it passes on, and every
// expression reads the state's data through $states and the variables
// through their names.

// jenv is what the current state's expressions read. The frame keeps one
// environment for all its states.
func (f *frame) jenv(input any) *machine.JEnv {
	if f.env == nil {
		f.env = &machine.JEnv{}
	}
	f.env.Reset(f, input, f.ex.now)
	return f.env
}

// executeJSONata runs the work of a JSONata state.
func (f *frame) executeJSONata() {
	st := f.st
	switch st.Kind {
	case machine.Pass, machine.Succeed:
		env := f.jenv(f.input)
		out, fl := f.jLeave(env, st.Assign, st.Output, f.input)
		if fl != nil {
			f.stateFailed(fl, false)
			return
		}
		f.exit(out, st.Next)
	case machine.Choice:
		f.jChoice()
	case machine.Fail:
		f.jFail()
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

// jEval evaluates a template; a failure is worded for the state and
// recorded with an EvaluationFailed event.
func (f *frame) jEval(t *machine.JTemplate, env *machine.JEnv) (any, *failure.Failure) {
	v, fl := t.Eval(env)
	if fl != nil {
		return nil, f.evalFailed(fl)
	}
	return v, nil
}

// jLeave evaluates the Assign and then the Output (def when there is none)
// of a state, a Choice rule or a catcher, and returns the output.
func (f *frame) jLeave(env *machine.JEnv, a *machine.Assign, out *machine.JTemplate, def any) (any, *failure.Failure) {
	if fl := f.assignJSONata(a, env); fl != nil {
		return nil, fl
	}
	if out == nil {
		return def, nil
	}
	return f.jEval(out, env)
}

// jFinish ends a Task, Parallel or Map state with its result.
func (f *frame) jFinish(result any) {
	env := f.jenv(f.input)
	env.Result, env.HasResult = result, true
	out, fl := f.jLeave(env, f.st.Assign, f.st.Output, result)
	if fl != nil {
		f.stateFailed(fl, false)
		return
	}
	f.exit(out, f.st.Next)
}

// jChoice runs a JSONata Choice state. The state's Assign applies
// whichever way it goes, as AWS documents it, and the matched rule's own
// after it; the rule's Output, else the state's, gives the output.
func (f *frame) jChoice() {
	st := f.st
	env := f.jenv(f.input)
	var rule *machine.Rule
	for _, r := range st.Choices {
		ok, fl := r.MatchJSONata(env)
		if fl != nil {
			f.stateFailed(f.evalFailed(fl), false)
			return
		}
		if ok {
			rule = r
			break
		}
	}
	next := st.Default
	if rule != nil {
		next = rule.Next
	}
	if next == nil {
		f.stateFailed(failure.Newf(failure.NoChoiceMatched, "No Matches!"), false)
		return
	}
	out, fl := f.jLeave(env, st.Assign, nil, f.input)
	if fl == nil && rule != nil {
		out, fl = f.jLeave(env, rule.Assign, rule.Output, out)
		if fl == nil && rule.Output == nil && st.Output != nil {
			out, fl = f.jEval(st.Output, env)
		}
	} else if fl == nil && st.Output != nil {
		out, fl = f.jEval(st.Output, env)
	}
	if fl != nil {
		f.stateFailed(fl, false)
		return
	}
	f.exit(out, next)
}

func (f *frame) jFail() {
	st := f.st
	fl := &failure.Failure{Error: st.Error, Cause: st.Cause}
	env := f.jenv(f.input)
	for _, x := range []struct {
		expr *machine.Expr
		dst  *string
	}{{st.ErrorExpr, &fl.Error}, {st.CauseExpr, &fl.Cause}} {
		if x.expr == nil {
			continue
		}
		v, efl := x.expr.Eval(env)
		if efl == nil {
			s, ok := v.(string)
			if !ok {
				efl = x.expr.TypeFailure("string", v)
			}
			*x.dst = s
		}
		if efl != nil {
			f.frameFailed(f.evalFailed(efl))
			return
		}
	}
	f.frameFailed(fl)
}

// jInteger evaluates a numeric field of a JSONata state: its value, or
// its expression, which must give an integer of at least min.
func (f *frame) jInteger(n machine.Number, env *machine.JEnv, min int64) (int64, *failure.Failure) {
	if !n.Set {
		return 0, nil
	}
	if n.Expr == nil {
		return n.Value, nil
	}
	v, fl := n.Expr.Eval(env)
	if fl == nil {
		num, ok := v.(value.Number)
		i, isInt := num.Int64()
		if ok && isInt && i >= min {
			return i, nil
		}
		fl = n.Expr.TypeFailure("integer", v)
	}
	return 0, f.evalFailed(fl)
}

// jFloat evaluates ToleratedFailurePercentage of a JSONata Map state.
func (f *frame) jFloat(n machine.Number, env *machine.JEnv) (float64, *failure.Failure) {
	if !n.Set {
		return 0, nil
	}
	if n.Expr == nil {
		return n.Float, nil
	}
	v, fl := n.Expr.Eval(env)
	if fl == nil {
		if num, ok := v.(value.Number); ok {
			return num.Float64(), nil
		}
		fl = n.Expr.TypeFailure("number", v)
	}
	return 0, f.evalFailed(fl)
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

// jMapItems evaluates a JSONata Map state's Items (the state's input when
// it has none), which must be an array.
func (f *frame) jMapItems(env *machine.JEnv) ([]any, *failure.Failure) {
	st := f.st
	if st.Items == nil {
		arr, ok := f.input.([]any)
		if !ok {
			return nil, f.evalFailed(&failure.Failure{Error: failure.QueryEvaluationError, Location: "Items",
				Cause: "Map state input must be an array but was: " + value.String(f.input)})
		}
		return arr, nil
	}
	v, fl := st.Items.Eval(env)
	if fl == nil {
		arr, ok := v.([]any)
		if ok {
			return arr, nil
		}
		x := st.Items.Expr()
		if x == nil { // a literal, which validation refuses unless it is an array
			return nil, f.runtimeFailure(failure.Newf(failure.Runtime, "Map state input must be an array but was: %s", value.String(v)))
		}
		fl = x.TypeFailure("array", v)
	}
	return nil, f.evalFailed(fl)
}

// jMapSettings evaluates a JSONata Map state's items and limits. On a
// failure it has written MapStateFailed after EvaluationFailed, as AWS does.
func (f *frame) jMapSettings() (items []any, maxConc float64, tolCount int64, tolPct float64, fl *failure.Failure) {
	st := f.st
	env := f.jenv(f.input)
	defer func() {
		if fl != nil && fl.Error == failure.QueryEvaluationError {
			f.prev = f.emit(history.MapStateFailed, f.prev, "", nil, false, nil, nil)
		}
	}()
	if items, fl = f.jMapItems(env); fl != nil {
		return
	}
	mc, fl := f.jInteger(st.MaxConcurrency, env, 0)
	if fl != nil {
		return
	}
	if tolCount, fl = f.jInteger(st.ToleratedFailureCount, env, 0); fl != nil {
		return
	}
	if tolPct, fl = f.jFloat(st.ToleratedFailurePercentage, env); fl != nil {
		return
	}
	if tolPct < 0 || tolPct > 100 {
		fl = f.runtimeFailure(failure.New(failure.Runtime, "ToleratedFailurePercentage must be between 0 and 100."))
		return
	}
	return items, float64(mc), tolCount, tolPct, nil
}
