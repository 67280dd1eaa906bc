package interpreter

// Pass states.

func (f *frame) pass() {
	st := f.st
	if st.JSONata {
		f.jPass()
		return
	}
	var result any
	if st.HasResult {
		// Result replaces the effective input; InputPath and Parameters are
		// still evaluated so that their errors surface as on AWS (and
		// for an inspector, which sees what they give).
		if st.Parameters != nil || !st.InputPath.IsIdentity() || f.ex.cfg.Inspector != nil {
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

// jPass runs a JSONata Pass (or Succeed) state: its Assign and its Output,
// which is its input when it has none.
func (f *frame) jPass() {
	st := f.st
	env := f.jenv(f.input)
	out, fl := f.jLeave(env, st.Assign, st.Output, f.input)
	if fl != nil {
		f.stateFailed(fl, false)
		return
	}
	f.exit(out, st.Next)
}
