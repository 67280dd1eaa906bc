// Package history defines the events of an execution's history, the record
// GetExecutionHistory returns, and their JSON form.
//
// Events carry their data (state input and output) as values of the value
// model, not as text: an execution that nobody inspects never pays for
// serialising its history.
package history

import (
	"strconv"
	"time"

	"github.com/baton-sh/baton/failure"
	"github.com/baton-sh/baton/value"
)

// Type is an event type.
type Type uint8

// The event types of AWS's HistoryEventType.
const (
	ExecutionStarted Type = iota + 1
	ExecutionSucceeded
	ExecutionFailed
	ExecutionAborted
	ExecutionTimedOut
	ExecutionRedriven

	PassStateEntered
	PassStateExited
	TaskStateEntered
	TaskStateExited
	TaskStateAborted
	ChoiceStateEntered
	ChoiceStateExited
	WaitStateEntered
	WaitStateExited
	WaitStateAborted
	SucceedStateEntered
	SucceedStateExited
	FailStateEntered
	ParallelStateEntered
	ParallelStateExited
	ParallelStateStarted
	ParallelStateSucceeded
	ParallelStateFailed
	ParallelStateAborted
	MapStateEntered
	MapStateExited
	MapStateStarted
	MapStateSucceeded
	MapStateFailed
	MapStateAborted
	MapIterationStarted
	MapIterationSucceeded
	MapIterationFailed
	MapIterationAborted
	MapRunStarted
	MapRunSucceeded
	MapRunFailed
	MapRunAborted

	TaskScheduled
	TaskStarted
	TaskStartFailed
	TaskSubmitted
	TaskSubmitFailed
	TaskSucceeded
	TaskFailed
	TaskTimedOut

	ActivityScheduled
	ActivityScheduleFailed
	ActivityStarted
	ActivitySucceeded
	ActivityFailed
	ActivityTimedOut

	LambdaFunctionScheduled
	LambdaFunctionScheduleFailed
	LambdaFunctionStarted
	LambdaFunctionStartFailed
	LambdaFunctionSucceeded
	LambdaFunctionFailed
	LambdaFunctionTimedOut

	EvaluationFailed
	numTypes
)

var typeNames = [numTypes]string{
	ExecutionStarted: "ExecutionStarted", ExecutionSucceeded: "ExecutionSucceeded", ExecutionFailed: "ExecutionFailed",
	ExecutionAborted: "ExecutionAborted", ExecutionTimedOut: "ExecutionTimedOut", ExecutionRedriven: "ExecutionRedriven",
	PassStateEntered: "PassStateEntered", PassStateExited: "PassStateExited",
	TaskStateEntered: "TaskStateEntered", TaskStateExited: "TaskStateExited", TaskStateAborted: "TaskStateAborted",
	ChoiceStateEntered: "ChoiceStateEntered", ChoiceStateExited: "ChoiceStateExited",
	WaitStateEntered: "WaitStateEntered", WaitStateExited: "WaitStateExited", WaitStateAborted: "WaitStateAborted",
	SucceedStateEntered: "SucceedStateEntered", SucceedStateExited: "SucceedStateExited", FailStateEntered: "FailStateEntered",
	ParallelStateEntered: "ParallelStateEntered", ParallelStateExited: "ParallelStateExited", ParallelStateStarted: "ParallelStateStarted",
	ParallelStateSucceeded: "ParallelStateSucceeded", ParallelStateFailed: "ParallelStateFailed", ParallelStateAborted: "ParallelStateAborted",
	MapStateEntered: "MapStateEntered", MapStateExited: "MapStateExited", MapStateStarted: "MapStateStarted",
	MapStateSucceeded: "MapStateSucceeded", MapStateFailed: "MapStateFailed", MapStateAborted: "MapStateAborted",
	MapIterationStarted: "MapIterationStarted", MapIterationSucceeded: "MapIterationSucceeded",
	MapIterationFailed: "MapIterationFailed", MapIterationAborted: "MapIterationAborted",
	MapRunStarted: "MapRunStarted", MapRunSucceeded: "MapRunSucceeded", MapRunFailed: "MapRunFailed", MapRunAborted: "MapRunAborted",
	TaskScheduled: "TaskScheduled", TaskStarted: "TaskStarted", TaskStartFailed: "TaskStartFailed", TaskSubmitted: "TaskSubmitted",
	TaskSubmitFailed: "TaskSubmitFailed", TaskSucceeded: "TaskSucceeded", TaskFailed: "TaskFailed", TaskTimedOut: "TaskTimedOut",
	ActivityScheduled: "ActivityScheduled", ActivityScheduleFailed: "ActivityScheduleFailed", ActivityStarted: "ActivityStarted",
	ActivitySucceeded: "ActivitySucceeded", ActivityFailed: "ActivityFailed", ActivityTimedOut: "ActivityTimedOut",
	LambdaFunctionScheduled: "LambdaFunctionScheduled", LambdaFunctionScheduleFailed: "LambdaFunctionScheduleFailed",
	LambdaFunctionStarted: "LambdaFunctionStarted", LambdaFunctionStartFailed: "LambdaFunctionStartFailed",
	LambdaFunctionSucceeded: "LambdaFunctionSucceeded", LambdaFunctionFailed: "LambdaFunctionFailed",
	LambdaFunctionTimedOut: "LambdaFunctionTimedOut",
	EvaluationFailed:       "EvaluationFailed",
}

func (t Type) String() string {
	if t > 0 && t < numTypes {
		return typeNames[t]
	}
	return "Unknown"
}

// IsStateEntered reports whether t is the <Type>StateEntered of a state.
func (t Type) IsStateEntered() bool {
	switch t {
	case PassStateEntered, TaskStateEntered, ChoiceStateEntered, WaitStateEntered, SucceedStateEntered,
		FailStateEntered, ParallelStateEntered, MapStateEntered:
		return true
	}
	return false
}

// IsStateExited reports whether t is the <Type>StateExited of a state.
func (t Type) IsStateExited() bool {
	switch t {
	case PassStateExited, TaskStateExited, ChoiceStateExited, WaitStateExited, SucceedStateExited,
		ParallelStateExited, MapStateExited:
		return true
	}
	return false
}

// ParseType returns the Type named s.
func ParseType(s string) (Type, bool) {
	for i, n := range typeNames {
		if n == s && i > 0 {
			return Type(i), true
		}
	}
	return 0, false
}

// Event is one history event. It is kept small: an execution of a long
// workflow holds thousands of them.
type Event struct {
	ID         int64
	PreviousID int64
	Time       int64 // Unix nanoseconds
	// Name is the state's name (state and Map iteration events); for
	// ExecutionStarted, the execution's role ARN.
	Name string
	// Data is the event's payload: the input of ExecutionStarted and
	// *StateEntered, the output of ExecutionSucceeded, *StateExited and
	// TaskSucceeded, the parameters of TaskScheduled.
	Data any
	// Failure is the error and cause of *Failed, *TimedOut and Aborted events.
	Failure *failure.Failure
	Detail  *Detail
	// Aux is the index of MapIteration* events and the length of
	// MapStateStarted.
	Aux     int64
	Type    Type
	HasData bool
}

// Timestamp returns the event's time.
func (e *Event) Timestamp() time.Time { return time.Unix(0, e.Time) }

// Detail holds the fields that only a few event types have.
type Detail struct {
	Resource               string
	ResourceType           string
	Region                 string
	Timeout                int64 // TaskScheduled timeoutInSeconds; 0 = absent
	Heartbeat              int64
	Index                  int // Map iterations
	Length                 int // MapStateStarted
	StateMachineVersionARN string
	StateMachineAliasARN   string
	MapRunARN              string
	WorkerName             string
	RedriveCount           int
	Location               string // EvaluationFailed
	// Assigned are the variables a state assigned (*StateExited).
	Assigned []Assignment
}

// Assignment is one variable a state assigned.
type Assignment struct {
	Name  string
	Value any
}

// AppendJSON appends the event in GetExecutionHistory's shape. When
// includeData is false, inputs and outputs are left out, as AWS does for
// includeExecutionData=false.
func (e *Event) AppendJSON(dst []byte, includeData bool) []byte {
	dst = append(dst, `{"timestamp":`...)
	dst = appendEpoch(dst, e.Timestamp())
	dst = append(dst, `,"type":"`...)
	dst = append(dst, e.Type.String()...)
	dst = append(dst, `","id":`...)
	dst = strconv.AppendInt(dst, e.ID, 10)
	dst = append(dst, `,"previousEventId":`...)
	dst = strconv.AppendInt(dst, e.PreviousID, 10)
	key := detailsKey(e.Type)
	if key != "" {
		dst = append(dst, `,"`...)
		dst = append(dst, key...)
		dst = append(dst, `":{`...)
		dst = e.appendDetails(dst, includeData)
		dst = append(dst, '}')
	}
	return append(dst, '}')
}

// AppendDetails appends the members of the event's details object (what
// AppendJSON writes inside its *EventDetails member; nothing for an event
// without details).
func (e *Event) AppendDetails(dst []byte, includeData bool) []byte {
	if detailsKey(e.Type) == "" {
		return dst
	}
	return e.appendDetails(dst, includeData)
}

func appendEpoch(dst []byte, t time.Time) []byte {
	ms := t.UnixMilli()
	dst = strconv.AppendInt(dst, ms/1000, 10)
	frac := ms % 1000
	if frac < 0 {
		frac = -frac
	}
	dst = append(dst, '.')
	s := strconv.FormatInt(frac+1000, 10)
	return append(dst, s[1:]...)
}

type fieldWriter struct {
	dst   []byte
	first bool
}

func (w *fieldWriter) str(k, v string) {
	w.sep()
	w.dst = value.AppendString(w.dst, k)
	w.dst = append(w.dst, ':')
	w.dst = value.AppendString(w.dst, v)
}

func (w *fieldWriter) num(k string, v int64) {
	w.sep()
	w.dst = value.AppendString(w.dst, k)
	w.dst = append(w.dst, ':')
	w.dst = strconv.AppendInt(w.dst, v, 10)
}

func (w *fieldWriter) raw(k, v string) {
	w.sep()
	w.dst = value.AppendString(w.dst, k)
	w.dst = append(w.dst, ':')
	w.dst = append(w.dst, v...)
}

func (w *fieldWriter) sep() {
	if !w.first {
		w.dst = append(w.dst, ',')
	}
	w.first = false
}

func (e *Event) appendDetails(dst []byte, includeData bool) []byte {
	w := &fieldWriter{dst: dst, first: true}
	d := e.Detail
	if d == nil {
		d = &Detail{}
	}
	data := func(k string) {
		if !e.HasData {
			return
		}
		if includeData {
			w.str(k, value.String(e.Data))
		}
		w.raw(k+"Details", `{"truncated":false}`)
	}
	fail := func() {
		if e.Failure == nil {
			return
		}
		if e.Failure.Error != "" {
			w.str("error", e.Failure.Error)
		}
		if e.Failure.Cause != "" {
			w.str("cause", e.Failure.Cause)
		}
	}
	resource := func() {
		if d.ResourceType != "" {
			w.str("resourceType", d.ResourceType)
		}
		if d.Resource != "" {
			w.str("resource", d.Resource)
		}
	}
	switch e.Type {
	case ExecutionStarted:
		data("input")
		if e.Name != "" {
			w.str("roleArn", e.Name)
		}
		if d.StateMachineAliasARN != "" {
			w.str("stateMachineAliasArn", d.StateMachineAliasARN)
		}
		if d.StateMachineVersionARN != "" {
			w.str("stateMachineVersionArn", d.StateMachineVersionARN)
		}
	case ExecutionSucceeded:
		data("output")
	case ExecutionFailed, ExecutionAborted, ExecutionTimedOut, MapRunFailed, ActivityFailed, ActivityTimedOut,
		ActivityScheduleFailed, LambdaFunctionFailed, LambdaFunctionTimedOut, LambdaFunctionScheduleFailed, LambdaFunctionStartFailed:
		fail()
	case ExecutionRedriven:
		w.num("redriveCount", int64(d.RedriveCount))
	case EvaluationFailed:
		fail()
		if d.Location != "" {
			w.str("location", d.Location)
		}
		w.str("state", e.Name)
	case TaskScheduled:
		resource()
		w.str("region", d.Region)
		if e.HasData {
			w.str("parameters", value.String(e.Data))
		}
		if d.Timeout > 0 {
			w.num("timeoutInSeconds", d.Timeout)
		}
		if d.Heartbeat > 0 {
			w.num("heartbeatInSeconds", d.Heartbeat)
		}
	case TaskStarted:
		resource()
	case TaskSubmitted:
		resource()
		data("output")
	case TaskSucceeded:
		resource()
		data("output")
	case TaskFailed, TaskTimedOut, TaskStartFailed, TaskSubmitFailed:
		resource()
		fail()
	case ActivityScheduled:
		w.str("resource", d.Resource)
		data("input")
		if d.Timeout > 0 {
			w.num("timeoutInSeconds", d.Timeout)
		}
		if d.Heartbeat > 0 {
			w.num("heartbeatInSeconds", d.Heartbeat)
		}
	case ActivityStarted:
		w.str("workerName", d.WorkerName)
	case ActivitySucceeded, LambdaFunctionSucceeded:
		data("output")
	case LambdaFunctionScheduled:
		w.str("resource", d.Resource)
		data("input")
		if d.Timeout > 0 {
			w.num("timeoutInSeconds", d.Timeout)
		}
	case MapStateStarted:
		w.num("length", e.Aux)
	case MapIterationStarted, MapIterationSucceeded, MapIterationFailed, MapIterationAborted:
		w.str("name", e.Name)
		w.num("index", e.Aux)
	case MapRunStarted:
		w.str("mapRunArn", d.MapRunARN)
	default:
		if isEntered(e.Type) {
			w.str("name", e.Name)
			data("input")
		} else if isExited(e.Type) {
			w.str("name", e.Name)
			data("output")
			if len(d.Assigned) > 0 {
				if includeData {
					w.sep()
					w.dst = append(w.dst, `"assignedVariables":{`...)
					for i, a := range d.Assigned {
						if i > 0 {
							w.dst = append(w.dst, ',')
						}
						w.dst = value.AppendString(w.dst, a.Name)
						w.dst = append(w.dst, ':')
						w.dst = value.AppendString(w.dst, value.String(a.Value))
					}
					w.dst = append(w.dst, '}')
				}
				w.raw("assignedVariablesDetails", `{"truncated":false}`)
			}
		}
	}
	return w.dst
}

func isEntered(t Type) bool {
	switch t {
	case PassStateEntered, TaskStateEntered, ChoiceStateEntered, WaitStateEntered, SucceedStateEntered,
		FailStateEntered, ParallelStateEntered, MapStateEntered:
		return true
	}
	return false
}

func isExited(t Type) bool {
	switch t {
	case PassStateExited, TaskStateExited, ChoiceStateExited, WaitStateExited, SucceedStateExited,
		ParallelStateExited, MapStateExited:
		return true
	}
	return false
}

// detailsKey is the name of the details member for an event type, or "" for
// types that have none.
func detailsKey(t Type) string {
	switch t {
	case ExecutionStarted:
		return "executionStartedEventDetails"
	case ExecutionSucceeded:
		return "executionSucceededEventDetails"
	case ExecutionFailed:
		return "executionFailedEventDetails"
	case ExecutionAborted:
		return "executionAbortedEventDetails"
	case ExecutionTimedOut:
		return "executionTimedOutEventDetails"
	case ExecutionRedriven:
		return "executionRedrivenEventDetails"
	case TaskScheduled:
		return "taskScheduledEventDetails"
	case TaskStarted:
		return "taskStartedEventDetails"
	case TaskSubmitted:
		return "taskSubmittedEventDetails"
	case TaskSucceeded:
		return "taskSucceededEventDetails"
	case TaskFailed:
		return "taskFailedEventDetails"
	case TaskTimedOut:
		return "taskTimedOutEventDetails"
	case TaskStartFailed:
		return "taskStartFailedEventDetails"
	case TaskSubmitFailed:
		return "taskSubmitFailedEventDetails"
	case ActivityScheduled:
		return "activityScheduledEventDetails"
	case ActivityScheduleFailed:
		return "activityScheduleFailedEventDetails"
	case ActivityStarted:
		return "activityStartedEventDetails"
	case ActivitySucceeded:
		return "activitySucceededEventDetails"
	case ActivityFailed:
		return "activityFailedEventDetails"
	case ActivityTimedOut:
		return "activityTimedOutEventDetails"
	case LambdaFunctionScheduled:
		return "lambdaFunctionScheduledEventDetails"
	case LambdaFunctionScheduleFailed:
		return "lambdaFunctionScheduleFailedEventDetails"
	case LambdaFunctionStartFailed:
		return "lambdaFunctionStartFailedEventDetails"
	case LambdaFunctionSucceeded:
		return "lambdaFunctionSucceededEventDetails"
	case LambdaFunctionFailed:
		return "lambdaFunctionFailedEventDetails"
	case LambdaFunctionTimedOut:
		return "lambdaFunctionTimedOutEventDetails"
	case MapStateStarted:
		return "mapStateStartedEventDetails"
	case MapIterationStarted:
		return "mapIterationStartedEventDetails"
	case MapIterationSucceeded:
		return "mapIterationSucceededEventDetails"
	case MapIterationFailed:
		return "mapIterationFailedEventDetails"
	case MapIterationAborted:
		return "mapIterationAbortedEventDetails"
	case MapRunStarted:
		return "mapRunStartedEventDetails"
	case MapRunFailed:
		return "mapRunFailedEventDetails"
	case EvaluationFailed:
		return "evaluationFailedEventDetails"
	}
	if isEntered(t) {
		return "stateEnteredEventDetails"
	}
	if isExited(t) {
		return "stateExitedEventDetails"
	}
	return ""
}

// AppendJSONArray appends events as a JSON array.
func AppendJSONArray(dst []byte, events []Event, includeData bool) []byte {
	dst = append(dst, '[')
	for i := range events {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = events[i].AppendJSON(dst, includeData)
	}
	return append(dst, ']')
}
