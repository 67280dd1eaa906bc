package audit_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/baton-sh/baton/api"
	"github.com/baton-sh/baton/audit"
	"github.com/baton-sh/baton/engine"
)

func TestChanges(t *testing.T) {
	tests := []struct {
		action   string
		response any
		want     bool
	}{
		{"CreateStateMachine", nil, true},
		{"StartExecution", nil, true},
		{"SendTaskSuccess", nil, true},
		{"TagResource", nil, true},
		{"DescribeExecution", nil, false},
		{"ListExecutions", nil, false},
		{"GetExecutionHistory", nil, false},
		{"ValidateStateMachineDefinition", nil, false},
		{"TestState", nil, false},
		{"GetActivityTask", &engine.GetActivityTaskOutput{}, false},
		{"GetActivityTask", &engine.GetActivityTaskOutput{TaskToken: "t"}, true},
	}
	for _, tt := range tests {
		if got := audit.Changes(tt.action, tt.response); got != tt.want {
			t.Errorf("%s %v: %v, want %v", tt.action, tt.response, got, tt.want)
		}
	}
}

func TestRecord(t *testing.T) {
	var out bytes.Buffer
	trail := audit.New(&out, "111122223333", nil)
	at := time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)
	trail.Record(&api.Call{Time: at, Action: "SendTaskSuccess", RequestID: "r1", Region: "eu-west-1", SourceIP: "10.0.0.1",
		Request: []byte(`{"taskToken":"tok","output":"{\"card\":\"4111\"}"}`), Response: &struct{}{}})
	trail.Record(&api.Call{Time: at, Action: "DescribeExecution", Request: []byte(`{}`)}) // a read: not recorded
	trail.Record(&api.Call{Time: at, Action: "StartExecution", Request: []byte(`not json`), ErrorCode: "SerializationException", ErrorMsg: "bad"})
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d records: %s", len(lines), out.String())
	}
	var r audit.Record
	if err := json.Unmarshal([]byte(lines[0]), &r); err != nil {
		t.Fatal(err)
	}
	if r.EventTime != "2026-12-01T14:00:00Z" || r.UserIdentity.Type != "Unknown" || r.RecipientAccountID != "111122223333" ||
		string(r.RequestParameters) != `{"output":"HIDDEN_DUE_TO_SECURITY_REASONS","taskToken":"HIDDEN_DUE_TO_SECURITY_REASONS"}` ||
		string(r.ResponseElements) != `{}` {
		t.Errorf("%s", lines[0])
	}
	if err := json.Unmarshal([]byte(lines[1]), &r); err != nil {
		t.Fatal(err)
	}
	if string(r.RequestParameters) != "null" || string(r.ResponseElements) != "null" || r.ErrorCode != "SerializationException" {
		t.Errorf("%s", lines[1])
	}
}

type failing struct{ n int }

func (f *failing) Write(p []byte) (int, error) {
	f.n++
	return 0, errors.New("disk full")
}

// A trail that cannot be written says so once, and stops trying.
func TestWriteFailure(t *testing.T) {
	w := &failing{}
	var logged bytes.Buffer
	trail := audit.New(w, "1", slog.New(slog.NewTextHandler(&logged, nil)))
	for range 3 {
		trail.Record(&api.Call{Action: "StartExecution"})
	}
	if w.n != 1 || trail.Err() == nil || strings.Count(logged.String(), "audit trail cannot be written") != 1 {
		t.Errorf("%d writes, %v, %q", w.n, trail.Err(), logged.String())
	}
}
