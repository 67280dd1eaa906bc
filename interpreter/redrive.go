package interpreter

import (
	"time"

	"github.com/baton-sh/baton/history"
	"github.com/baton-sh/baton/machine"
)

// Redrivable reports whether Redrive can resume the execution: it ended
// without succeeding.
func (ex *Execution) Redrivable() bool {
	return ex.root != nil && (ex.Status == Failed || ex.Status == TimedOut || ex.Status == Aborted)
}

// Redrive resumes an execution that failed, timed out or was aborted, as
// RedriveExecution does: from the states that did not finish, with the
// input they had. What succeeded is kept and not run again; in a Parallel
// or Map state only the branches and iterations that did not succeed run
// again. A redriven state starts afresh, with its retries counted from
// zero, and the execution's own timeout starts over.
func (ex *Execution) Redrive(now time.Time) []Command {
	defer ex.contain()
	ex.begin(now)
	if !ex.Redrivable() {
		return ex.cmds
	}
	ex.cfg.RedriveCount++
	ex.Status = Running
	ex.Output, ex.Failure, ex.StopTime = nil, nil, time.Time{}
	id := ex.emit(history.ExecutionRedriven, ex.lastID, "", nil, false, nil, &history.Detail{RedriveCount: ex.cfg.RedriveCount})
	if ex.m.TimeoutSeconds > 0 {
		ex.execTmr = ex.armTimer(timerExecution, nil, 0, now.Add(time.Duration(ex.m.TimeoutSeconds)*time.Second))
	}
	ex.root.revive(id)
	ex.run()
	return ex.cmds
}

// revive makes a frame that failed or was aborted run again from the state
// it stopped in.
func (f *frame) revive(prev int64) {
	f.prev = prev
	f.pendingFail, f.failure, f.output = nil, nil, nil
	if ks := f.kidState; ks != nil && f.st != nil && (f.st.Kind == machine.Parallel || f.st.Kind == machine.Map) && len(ks.kids) > 0 {
		f.reviveKids(prev)
		return
	}
	f.enter(f.st, f.input)
	if f.parent != nil && f.index >= 0 {
		f.status = framePending // writes MapIterationStarted again
		if f.parent.st.Distributed {
			f.silent.events = 0 // a child execution that starts again
		}
	}
	f.ex.schedule(f)
}

// reviveKids runs again the branches or iterations of a Parallel or Map
// state that did not succeed; the results of those that did are kept.
func (f *frame) reviveKids(prev int64) {
	ks := f.kidState
	f.status = frameBlocked
	f.wait = waitChildren
	f.startedID = prev
	ks.active, ks.failures = 0, 0
	done := 0
	for _, k := range ks.kids {
		if k.status == frameDone {
			done++
			continue
		}
		k.revive(prev)
		ks.active++
	}
	if f.st.Kind == machine.Map {
		ks.pending = len(ks.items) - done
		f.startIterations()
	} else {
		ks.pending = len(ks.kids) - done
	}
	if ks.pending == 0 {
		f.resume(phaseChildrenDone)
	}
}
