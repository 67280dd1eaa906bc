package interpreter

import (
	"fmt"
	"maps"
	"runtime/debug"
	"slices"

	"github.com/baton-sh/baton/failure"
	"github.com/baton-sh/baton/history"
)

// A Panic is a fault of the interpreter itself (a bug) that ended an
// execution: the value the panic raised and where.
type Panic struct {
	Value any
	Stack []byte
}

// contain ends the execution when a step panics, instead of the process
// that runs it: the execution fails with States.Runtime, after the events
// the step wrote before the fault. Deferred by every entry point. The
// interpreter is deterministic, so a replay of the same input panics at
// the same point and writes the same history. The Panic is kept in
// ex.Panic for the driver to report.
func (ex *Execution) contain() {
	r := recover()
	if r == nil {
		return
	}
	ex.Panic = &Panic{Value: r, Stack: debug.Stack()}
	fl := failure.New(failure.Runtime, fmt.Sprintf("Baton failed the execution: an internal error occurred (%v).", r))
	// Tasks scheduled by the failed step never ran: cancelling them
	// undoes their scheduling.
	scheduled := map[int64]bool{}
	for _, c := range ex.cmds {
		if c.Kind == RunTask {
			scheduled[c.ID] = true
		}
	}
	ex.Status = Running // whatever the step left, it ends now
	func() {
		defer func() {
			if recover() != nil {
				ex.failBare(fl) // the frames themselves are broken
			}
		}()
		ex.finish(Failed, nil, fl)
	}()
	cmds := ex.cmds[:0]
	for _, c := range ex.cmds {
		if (c.Kind == RunTask || c.Kind == CancelTask) && scheduled[c.ID] {
			continue
		}
		cmds = append(cmds, c)
	}
	ex.cmds = cmds
}

// failBare ends the execution as failed without its frames: what finish
// does when they cannot be trusted.
func (ex *Execution) failBare(fl *failure.Failure) {
	ex.Status = Failed
	ex.StopTime = ex.now
	ex.Failure = fl
	ex.emit(history.ExecutionFailed, ex.lastID, "", nil, false, fl, nil)
	for _, id := range slices.Sorted(maps.Keys(ex.tasks)) {
		ex.cmds = append(ex.cmds, Command{Kind: CancelTask, ID: id, Task: ex.tasks[id].req})
	}
	for _, id := range slices.Sorted(maps.Keys(ex.timers)) {
		ex.cmds = append(ex.cmds, Command{Kind: CancelTimer, ID: id})
	}
	ex.tasks, ex.timers = nil, nil
	ex.ready, ex.head = ex.ready[:0], 0
}
