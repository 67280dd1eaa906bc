package engine

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/baton-sh/baton/arn"
)

// Code names an error of the Step Functions API: clients branch on it (it
// is the __type of AWS's error responses).
type Code string

// The codes the engine returns.
const (
	ValidationException          Code = "ValidationException"
	InvalidArn                   Code = "InvalidArn"
	InvalidName                  Code = "InvalidName"
	InvalidDefinition            Code = "InvalidDefinition"
	InvalidExecutionInput        Code = "InvalidExecutionInput"
	InvalidOutput                Code = "InvalidOutput"
	InvalidToken                 Code = "InvalidToken"
	MissingRequiredParameter     Code = "MissingRequiredParameter"
	StateMachineDoesNotExist     Code = "StateMachineDoesNotExist"
	StateMachineAlreadyExists    Code = "StateMachineAlreadyExists"
	StateMachineTypeNotSupported Code = "StateMachineTypeNotSupported"
	StateMachineDeleting         Code = "StateMachineDeleting"
	ExecutionDoesNotExist        Code = "ExecutionDoesNotExist"
	ExecutionAlreadyExists       Code = "ExecutionAlreadyExists"
	ExecutionNotRedrivable       Code = "ExecutionNotRedrivable"
	ActivityDoesNotExist         Code = "ActivityDoesNotExist"
	ResourceNotFound             Code = "ResourceNotFound"
	ConflictException            Code = "ConflictException"
	TooManyTags                  Code = "TooManyTags"
	TaskDoesNotExist             Code = "TaskDoesNotExist"
	TaskTimedOut                 Code = "TaskTimedOut"
)

// Error is a refusal in the API's terms: a code and a message, as AWS
// words them.
type Error struct {
	Code    Code
	Message string
}

func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

// Is matches errors of the same code: errors.Is(err, &Error{Code: X}).
func (e *Error) Is(target error) bool {
	var t *Error
	return errors.As(target, &t) && t.Code == e.Code && t.Message == ""
}

// CodeOf returns the code of an engine error, or "" for any other error.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

func validation(format string, args ...any) *Error {
	return errorf(ValidationException, format, args...)
}

func missing(field string) *Error {
	return validation("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", field)
}

func tooLong(field string, max int) *Error {
	return validation("1 validation error detected: Value at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", field, max)
}

func notInEnum(field, value, set string) *Error {
	return validation("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy enum value set: [%s]", value, field, set)
}

func invalidArn(format string, args ...any) *Error {
	return errorf(InvalidArn, "Invalid Arn: '"+format+"'", args...)
}

// checkName checks a resource's name as AWS does: its length is a
// constraint of the request (ValidationException), its characters
// InvalidName.
func checkName(name string) error {
	if utf8.RuneCountInString(name) > 80 {
		return tooLong("name", 80)
	}
	if !arn.ValidName(name) {
		return invalidName(name)
	}
	return nil
}

func invalidName(name string) *Error {
	return errorf(InvalidName, "Invalid Name: '%s'", name)
}

func stateMachineDeleting() *Error {
	return errorf(StateMachineDeleting, "State Machine is being deleted")
}

func stateMachineDoesNotExist(arn string) *Error {
	return errorf(StateMachineDoesNotExist, "State Machine Does Not Exist: '%s'", arn)
}

func executionDoesNotExist(arn string) *Error {
	return errorf(ExecutionDoesNotExist, "Execution Does Not Exist: '%s'", arn)
}

func activityDoesNotExist(arn string) *Error {
	return errorf(ActivityDoesNotExist, "Activity Does Not Exist: '%s'", arn)
}

func resourceNotFound(arn string) *Error {
	return errorf(ResourceNotFound, "Resource not found: '%s'", arn)
}

func typeNotSupported() *Error {
	return errorf(StateMachineTypeNotSupported, "This operation is not supported by this type of state machine")
}
