package interpreter

import (
	"math"

	"github.com/baton-sh/baton/failure"
	"github.com/baton-sh/baton/history"
	"github.com/baton-sh/baton/machine"
)

// The branches of a Parallel state and the iterations of a Map state are
// frames of their own, children of the state's frame, which waits for them.

type kidState struct {
	kids      []*frame
	results   []any
	pending   int
	items     []any
	nextItem  int
	maxConc   int
	active    int
	failures  int
	tolCount  int64
	tolPct    float64
	effInput  any
	startedID int64 // ParallelStateStarted / MapStateStarted of this attempt
}

func (f *frame) abortChildren() {
	if f.kidState == nil {
		return
	}
	for _, k := range f.kids {
		k.abort()
	}
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
