package driver

import (
	"encoding/json"
	"time"

	"github.com/baton-sh/baton/failure"
	"github.com/baton-sh/baton/interpreter"
	"github.com/baton-sh/baton/resource"
	"github.com/baton-sh/baton/value"
)

// An execution's journal is the list of inputs its interpreter received,
// in order, each with its time. Replaying the journal through the pure
// interpreter rebuilds the execution exactly.

// entryKind says what an input was. The names are stored: never change one.
type entryKind string

const (
	kindStart     entryKind = "start"     // the execution began (Data: its input)
	kindTimer     entryKind = "timer"     // timer ID fired
	kindStarted   entryKind = "started"   // task ID began (Worker: who took it)
	kindSubmitted entryKind = "submitted" // task ID's call was accepted; its result comes later (Data: the call's answer)
	kindSucceeded entryKind = "ok"        // task ID succeeded (Data: its result)
	kindFailed    entryKind = "fail"      // task ID failed (Error, Cause)
	kindHeartbeat entryKind = "heartbeat" // task ID's worker is alive
	kindStop      entryKind = "stop"      // StopExecution (Error, Cause)
	kindRedrive   entryKind = "redrive"   // RedriveExecution (Token: its client token)
	// kindHalt is a StopExecution written without the interpreter (Error,
	// Cause): the execution was being replayed, or could not be.
	kindHalt entryKind = "halt"
)

// entry is one journal entry.
type entry struct {
	Kind   entryKind       `json:"k"`
	Time   int64           `json:"t"` // Unix nanoseconds
	ID     int64           `json:"id,omitempty"`
	Data   json.RawMessage `json:"d,omitempty"`
	Error  string          `json:"error,omitempty"`
	Cause  string          `json:"cause,omitempty"`
	Worker string          `json:"worker,omitempty"`
	Token  string          `json:"token,omitempty"`
	// claim, on a started entry, claims the activity task in the same
	// step (not stored: the claim is the task row's).
	claim bool
	// posted, when set, is the id of the inbox input the entry came from:
	// the step that records it deletes it (not stored).
	posted int64
}

// completes reports whether the entry ends its task.
func (e *entry) completes() bool { return e.Kind == kindSucceeded || e.Kind == kindFailed }

// taskResultEntry records the outcome of a task's call.
func taskResultEntry(id int64, out any, err error) entry {
	if s, ok := resource.AsSubmitted(err); ok {
		return entry{Kind: kindSubmitted, ID: id, Data: json.RawMessage(value.Marshal(s.Output))}
	}
	if err != nil {
		fl := resource.ToFailure(err)
		return entry{Kind: kindFailed, ID: id, Error: fl.Error, Cause: fl.Cause}
	}
	return entry{Kind: kindSucceeded, ID: id, Data: json.RawMessage(value.Marshal(out))}
}

// apply hands one entry to the interpreter and returns a copy of the
// commands it gave.
func apply(ex *interpreter.Execution, e *entry) []interpreter.Command {
	t := time.Unix(0, e.Time)
	var cmds []interpreter.Command
	switch e.Kind {
	case kindStart:
		in, err := value.Parse(e.Data)
		if err != nil {
			in = value.Empty
		}
		cmds = ex.Start(in, t)
	case kindTimer:
		cmds = ex.TimerFired(e.ID, t)
	case kindStarted:
		cmds = ex.TaskStarted(e.ID, e.Worker, t)
	case kindSubmitted:
		cmds = ex.TaskSubmitted(e.ID, parseData(e.Data), t)
	case kindSucceeded:
		cmds = ex.TaskSucceeded(e.ID, parseData(e.Data), t)
	case kindFailed:
		cmds = ex.TaskFailed(e.ID, failure.New(e.Error, e.Cause), t)
	case kindHeartbeat:
		cmds, _ = ex.TaskHeartbeat(e.ID, t)
	case kindStop:
		cmds = ex.Stop(failure.New(e.Error, e.Cause), t)
	case kindRedrive:
		cmds = ex.Redrive(t)
	case kindHalt:
		cmds = ex.Halt(failure.New(e.Error, e.Cause), t)
	}
	return append([]interpreter.Command(nil), cmds...)
}

func parseData(data json.RawMessage) any {
	v, err := value.Parse(data)
	if err != nil {
		return nil
	}
	return v
}
