package api

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// apiError is an error in AWS's shape: a code clients branch on (the
// __type), a message and an HTTP status.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func apiErrorf(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

func writeError(w http.ResponseWriter, e *apiError) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-ErrorType", e.code)
	w.WriteHeader(e.status)
	body, _ := json.Marshal(struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}{e.code, e.message})
	w.Write(body)
}

// The errors of the Step Functions API. All are HTTP 400 but for the
// internal failure.
func validation(format string, args ...any) *apiError {
	return apiErrorf(400, "ValidationException", format, args...)
}

func missing(field string) *apiError {
	return validation("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", field)
}

func invalidArn(format string, args ...any) *apiError {
	return apiErrorf(400, "InvalidArn", "Invalid Arn: '"+format+"'", args...)
}

func invalidName(name string) *apiError {
	return apiErrorf(400, "InvalidName", "Invalid Name: '%s'", name)
}

func notFound(code, what, arn string) *apiError {
	return apiErrorf(400, code, "%s Does Not Exist: '%s'", what, arn)
}

func stateMachineDoesNotExist(arn string) *apiError {
	return notFound("StateMachineDoesNotExist", "State Machine", arn)
}

func executionDoesNotExist(arn string) *apiError {
	return notFound("ExecutionDoesNotExist", "Execution", arn)
}

func activityDoesNotExist(arn string) *apiError {
	return notFound("ActivityDoesNotExist", "Activity", arn)
}

func resourceNotFound(arn string) *apiError {
	return apiErrorf(400, "ResourceNotFound", "Resource not found: '%s'", arn)
}
