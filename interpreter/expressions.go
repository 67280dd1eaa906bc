package interpreter

import (
	"github.com/baton-sh/baton/failure"
	"github.com/baton-sh/baton/machine"
	"github.com/baton-sh/baton/value"
)

// JSONata states have no paths: Arguments shapes what a Task, Parallel or
// Map state works on, Output what it passes on, and every expression reads
// the state's data through $states and the variables through their names.
// This file evaluates their expressions.

// jenv is what the current state's expressions read. The frame keeps one
// environment for all its states.
func (f *frame) jenv(input any) *machine.JEnv {
	if f.env == nil {
		f.env = &machine.JEnv{}
	}
	f.env.Reset(f, input, f.ex.now)
	return f.env
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
