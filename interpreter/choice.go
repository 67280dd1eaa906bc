package interpreter

import (
	"github.com/baton-sh/baton/failure"
	"github.com/baton-sh/baton/machine"
)

// Choice states: the first rule that matches names the next state.

func (f *frame) choice() {
	st := f.st
	if st.JSONata {
		f.jChoice()
		return
	}
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
