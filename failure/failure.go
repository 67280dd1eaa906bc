// Package failure holds the error names of the Amazon States Language and
// the Failure value that carries an error name and its cause through an
// execution: from a task, a Fail state or a runtime problem to Retry, Catch
// and the execution's end.
package failure

import "fmt"

// The predefined error names. States.ALL matches every error but
// States.Runtime; States.TaskFailed matches every error but States.Timeout.
const (
	All                    = "States.ALL"
	DataLimitExceeded      = "States.DataLimitExceeded"
	ExceedToleratedFailure = "States.ExceedToleratedFailureThreshold"
	HeartbeatTimeout       = "States.HeartbeatTimeout"
	IntrinsicFailure       = "States.IntrinsicFailure"
	ItemReaderFailed       = "States.ItemReaderFailed"
	NoChoiceMatched        = "States.NoChoiceMatched"
	ParameterPathFailure   = "States.ParameterPathFailure"
	Permissions            = "States.Permissions"
	QueryEvaluationError   = "States.QueryEvaluationError"
	ReferencePathConflict  = "States.ReferencePathConflict"
	ResultPathMatchFailure = "States.ResultPathMatchFailure"
	ResultWriterFailed     = "States.ResultWriterFailed"
	Runtime                = "States.Runtime"
	TaskFailed             = "States.TaskFailed"
	Timeout                = "States.Timeout"
	BranchFailed           = "States.BranchFailed"
	HTTPSocket             = "States.Http.Socket"
)

// Failure is an error name with its cause. It is also a Go error, so that
// evaluation code can return it through ordinary error paths.
type Failure struct {
	Error string
	Cause string
	// Location names the field of a JSONata expression that failed
	// (States.QueryEvaluationError), for the EvaluationFailed event.
	Location string
}

// New returns a failure.
func New(name, cause string) *Failure { return &Failure{Error: name, Cause: cause} }

// Newf returns a failure whose cause is formatted.
func Newf(name, format string, args ...any) *Failure {
	return &Failure{Error: name, Cause: fmt.Sprintf(format, args...)}
}

func (f *Failure) String() string {
	if f.Cause == "" {
		return f.Error
	}
	return f.Error + ": " + f.Cause
}

// err adapts Failure to the error interface without giving Failure an
// Error method (its Error field already has that name).
type err struct{ f *Failure }

func (e err) Error() string { return e.f.String() }

// AsError returns f as a Go error.
func (f *Failure) AsError() error { return err{f} }

// From extracts the Failure carried by a Go error made with AsError.
func From(e error) (*Failure, bool) {
	if x, ok := e.(err); ok {
		return x.f, true
	}
	return nil, false
}

// Terminal reports whether an error is one that the wildcards never match:
// AWS's runtime errors and the payload limit end an execution unless a
// retrier or catcher names them.
func Terminal(name string) bool {
	return name == Runtime || name == DataLimitExceeded
}

// Matches reports whether an ErrorEquals list matches the error name, with
// AWS's rules for the wildcards: States.ALL matches every error that is not
// terminal; States.TaskFailed matches every error that is not terminal
// except States.Timeout.
func Matches(errorEquals []string, name string) bool {
	for _, e := range errorEquals {
		switch {
		case e == name:
			return true
		case e == All:
			if !Terminal(name) {
				return true
			}
		case e == TaskFailed:
			if !Terminal(name) && name != Timeout {
				return true
			}
		}
	}
	return false
}
