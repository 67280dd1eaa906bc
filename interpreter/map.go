package interpreter

import (
	"errors"
	"math/rand/v2"

	"github.com/baton-sh/baton/failure"
	"github.com/baton-sh/baton/history"
	"github.com/baton-sh/baton/jsonpath"
	"github.com/baton-sh/baton/machine"
	"github.com/baton-sh/baton/value"
)

// Map states: an iteration (a frame of the item processor) per item.

// mapItemScope is the scope of a Map state's ItemSelector, whose context
// object also holds Map.Item.
type mapItemScope struct {
	f     *frame
	index int
	item  any
	ctx   any
}

func (s *mapItemScope) Context() any {
	if s.ctx == nil {
		s.ctx = s.f.ex.contextObject(s.f, s)
	}
	return s.ctx
}

func (s *mapItemScope) Variable(name string) (any, bool) { return s.f.Variable(name) }

func (s *mapItemScope) Random() rand.Source { return s.f.Random() }

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
	}
	if fl != nil {
		f.stateFailed(fl, false)
		return
	}
	if f.tested() {
		// TestState: the mock stands in for the iterations.
		f.testMap(in, arr, maxConc, tc, pct)
		return
	}
	if insp := ex.cfg.Inspector; insp != nil {
		f.inspectMap(insp, arr, maxConc)
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
		if insp := ex.cfg.Inspector; insp != nil {
			f.inspectTolerance(insp, tc, pct)
		}
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
		i, isInt := num.Int64()
		switch {
		case isInt && i >= 0:
			return float64(i), nil
		case isInt && field == "ToleratedFailureCountPath":
			// AWS's words for a negative count (for a percentage out of
			// range, see tolerancePercentage).
			return 0, f.runtimeFailure(failure.New(failure.Runtime, "ToleratedFailureCount cannot be negative."))
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
		k := &frame{ex: ex, m: st.Processor, parent: f, slot: i, index: i, prev: f.startedID, status: framePending, silent: f.silent}
		if st.Distributed {
			k.silent = &childRun{}
		}
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
