package interpreter

import "github.com/baton-sh/baton/history"

// Parallel states: every branch runs on the same input.

func (f *frame) parallel() {
	ex := f.ex
	f.kidState = nil // a redrive must not mistake an earlier attempt's branches for this one's
	eff, fl := f.effectiveInput()
	if fl != nil {
		f.stateFailed(fl, false)
		return
	}
	if f.tested() {
		// TestState: the mock stands in for the branches.
		f.testMock()
		return
	}
	f.kidState = &kidState{}
	f.startedID = f.emit(history.ParallelStateStarted, f.prev, "", nil, false, nil, nil)
	f.prev = f.startedID
	n := len(f.st.Branches)
	f.kids = make([]*frame, n)
	f.results = make([]any, n)
	f.pending = n
	for i, b := range f.st.Branches {
		k := &frame{ex: ex, m: b, parent: f, slot: i, index: -1, prev: f.prev, silent: f.silent, outer: f.scope()}
		k.enter(b.StartAt, eff)
		f.kids[i] = k
		ex.schedule(k)
	}
	f.status = frameBlocked
	f.wait = waitChildren
}
