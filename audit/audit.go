// Package audit keeps the audit trail of baton serve: every API call that
// changes something, one JSON record per line in the shape of AWS
// CloudTrail's records, so that tools that read CloudTrail read these.
// Payloads (definitions, inputs, outputs, causes) and task tokens are not
// recorded: CloudTrail hides them too.
package audit

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/baton-sh/baton/api"
	"github.com/baton-sh/baton/engine"
)

// Hidden stands for a field the trail does not keep, in CloudTrail's words.
const Hidden = "HIDDEN_DUE_TO_SECURITY_REASONS"

// Record is one call, as CloudTrail records one.
type Record struct {
	EventVersion       string          `json:"eventVersion"`
	UserIdentity       Identity        `json:"userIdentity"`
	EventTime          string          `json:"eventTime"`
	EventSource        string          `json:"eventSource"`
	EventName          string          `json:"eventName"`
	AwsRegion          string          `json:"awsRegion"`
	SourceIPAddress    string          `json:"sourceIPAddress"`
	UserAgent          string          `json:"userAgent"`
	ErrorCode          string          `json:"errorCode,omitempty"`
	ErrorMessage       string          `json:"errorMessage,omitempty"`
	RequestParameters  json.RawMessage `json:"requestParameters"`
	ResponseElements   json.RawMessage `json:"responseElements"`
	RequestID          string          `json:"requestID"`
	EventID            string          `json:"eventID"`
	ReadOnly           bool            `json:"readOnly"`
	EventType          string          `json:"eventType"`
	ManagementEvent    bool            `json:"managementEvent"`
	RecipientAccountID string          `json:"recipientAccountId"`
	EventCategory      string          `json:"eventCategory"`
}

// Identity is who called: the access key the call was signed with (or the
// console session's), or nobody known (a server that takes any request).
type Identity struct {
	Type        string `json:"type"`
	AccountID   string `json:"accountId,omitempty"`
	AccessKeyID string `json:"accessKeyId,omitempty"`
}

// Trail writes records to a writer, a line each.
type Trail struct {
	mu      sync.Mutex
	w       io.Writer
	account string
	log     *slog.Logger
	err     error // the first write that failed; later records are dropped
}

// New makes a trail writing to w for the server's account; a write that
// fails is logged to log, once.
func New(w io.Writer, account string, log *slog.Logger) *Trail {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Trail{w: w, account: account, log: log}
}

// Err is the first error writing the trail met.
func (t *Trail) Err() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.err
}

// Changes says whether an operation changes something: what is not a
// read (Describe*, List*, Get*, ValidateStateMachineDefinition, TestState).
// GetActivityTask changes something when it hands out a task.
func Changes(action string, response any) bool {
	switch {
	case action == "GetActivityTask":
		out, ok := response.(*engine.GetActivityTaskOutput)
		return ok && out.TaskToken != ""
	case strings.HasPrefix(action, "Describe"), strings.HasPrefix(action, "List"), strings.HasPrefix(action, "Get"),
		action == "ValidateStateMachineDefinition", action == "TestState":
		return false
	}
	return true
}

// Record writes the record of a call that changes something; other calls
// are not recorded. It is api.Options.OnCall.
func (t *Trail) Record(c *api.Call) {
	if !Changes(c.Action, c.Response) {
		return
	}
	rec := Build(c, t.account)
	line, err := json.Marshal(rec)
	if err != nil {
		return // the fields are strings and raw JSON we made: cannot happen
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.err != nil {
		return
	}
	if _, err := t.w.Write(append(line, '\n')); err != nil {
		t.err = err
		t.log.Error("the audit trail cannot be written: calls are no longer recorded", "error", err)
	}
}

// Build makes the record of a call.
func Build(c *api.Call, account string) *Record {
	id := Identity{Type: "Unknown"}
	if c.AccessKeyID != "" {
		id = Identity{Type: "IAMUser", AccountID: account, AccessKeyID: c.AccessKeyID}
	}
	rec := &Record{
		EventVersion: "1.09", UserIdentity: id, EventTime: c.Time.UTC().Format(time.RFC3339),
		EventSource: "states.amazonaws.com", EventName: c.Action, AwsRegion: c.Region,
		SourceIPAddress: c.SourceIP, UserAgent: c.UserAgent, ErrorCode: c.ErrorCode, ErrorMessage: c.ErrorMsg,
		RequestParameters: hide(c.Request), RequestID: c.RequestID, EventID: engine.NewUUID(),
		EventType: "AwsApiCall", ManagementEvent: true, RecipientAccountID: account, EventCategory: "Management",
	}
	rec.ResponseElements = json.RawMessage("null")
	if c.Response != nil && c.ErrorCode == "" {
		if b, err := json.Marshal(c.Response); err == nil {
			rec.ResponseElements = hide(b)
		}
	}
	return rec
}

// hidden are the members a record does not keep: payloads, and task
// tokens (whoever holds one may complete its task).
var hidden = map[string]bool{
	"definition": true, "input": true, "output": true, "cause": true, "taskToken": true, "variables": true, "context": true,
}

// hide gives an object's JSON with its payload members hidden; what is
// not an object becomes null (an empty or malformed request body).
func hide(b []byte) json.RawMessage {
	var m map[string]json.RawMessage
	if len(bytes.TrimSpace(b)) == 0 || json.Unmarshal(b, &m) != nil || m == nil {
		return json.RawMessage("null")
	}
	hiddenValue, _ := json.Marshal(Hidden)
	for k := range m {
		if hidden[k] {
			m[k] = hiddenValue
		}
	}
	out, err := json.Marshal(m)
	if err != nil {
		return json.RawMessage("null")
	}
	return out
}
