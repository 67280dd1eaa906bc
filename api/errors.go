package api

import (
	"encoding/json"
	"net/http"
)

// apiError is an error of the protocol itself (a body that is not JSON, an
// unknown action), in AWS's shape: a code clients branch on (the __type),
// a message and an HTTP status.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func writeError(w http.ResponseWriter, e *apiError) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-ErrorType", e.code)
	w.WriteHeader(e.status)
	body, err := json.Marshal(struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}{e.code, e.message})
	if err != nil {
		return
	}
	w.Write(body) //nolint:errcheck // the client went away: nothing to tell it
}
