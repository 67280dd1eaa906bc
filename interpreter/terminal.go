package interpreter

import (
	"github.com/baton-sh/baton/failure"
	"github.com/baton-sh/baton/intrinsic"
	"github.com/baton-sh/baton/jsonpath"
	"github.com/baton-sh/baton/machine"
	"github.com/baton-sh/baton/value"
)

// Succeed and Fail states, which end their branch or execution.

func (f *frame) succeed() {
	if f.st.JSONata {
		f.jPass() // Assign and Output, as a Pass state
		return
	}
	out, fl := f.inputPath()
	if fl == nil {
		out, fl = f.outputPath(out)
	}
	if fl != nil {
		f.stateFailed(fl, false)
		return
	}
	f.exit(out, nil)
}

func (f *frame) failState() {
	st := f.st
	if st.JSONata {
		f.jFail()
		return
	}
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
