package interpreter

import (
	"github.com/baton-sh/baton/failure"
	"github.com/baton-sh/baton/jsonpath"
	"github.com/baton-sh/baton/machine"
	"github.com/baton-sh/baton/value"
)

// Input and output processing: how a state's input becomes what it works
// on (InputPath and Parameters, or Arguments) and how its result becomes its
// output (ResultSelector, ResultPath and OutputPath, or Output).

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
	if fl == nil {
		f.inspect(StepAfterInputPath, v)
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
		f.inspect(StepAfterArguments, in)
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
	f.inspect(StepAfterParameters, in)
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
	f.inspect(StepAfterResultSelector, result)
	f.placeResult(result)
}

// placeResult applies ResultPath and OutputPath to a result and leaves the
// state.
func (f *frame) placeResult(result any) {
	out, fl := applyResultPath(f.st.ResultPath, f.input, result)
	if in := f.ex.cfg.Inspector; in != nil && fl == nil {
		if f.st.Kind == machine.Pass {
			// A Pass state has no ResultSelector: its result is the
			// data after that step.
			in.Data(f.st, StepAfterResultSelector, result)
		}
		in.Data(f.st, StepAfterResultPath, out)
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
