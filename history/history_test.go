package history

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/baton-sh/baton/failure"
	"github.com/baton-sh/baton/value"
)

func TestEventJSON(t *testing.T) {
	at := time.Date(2024, 1, 2, 3, 4, 5, 678_000_000, time.UTC).UnixNano()
	tests := []struct {
		e    Event
		want string
	}{
		{Event{Type: ExecutionStarted, ID: 1, Time: at, Name: "arn:aws:iam::1:role/r", Data: value.MustParse(`{"a":1}`), HasData: true},
			`{"timestamp":1704164645.678,"type":"ExecutionStarted","id":1,"previousEventId":0,"executionStartedEventDetails":{"input":"{\"a\":1}","inputDetails":{"truncated":false},"roleArn":"arn:aws:iam::1:role/r"}}`},
		{Event{Type: PassStateEntered, ID: 2, PreviousID: 1, Time: at, Name: "P", Data: "x", HasData: true},
			`{"timestamp":1704164645.678,"type":"PassStateEntered","id":2,"previousEventId":1,"stateEnteredEventDetails":{"name":"P","input":"\"x\"","inputDetails":{"truncated":false}}}`},
		{Event{Type: MapIterationStarted, ID: 5, PreviousID: 4, Time: at, Name: "M", Aux: 3},
			`{"timestamp":1704164645.678,"type":"MapIterationStarted","id":5,"previousEventId":4,"mapIterationStartedEventDetails":{"name":"M","index":3}}`},
		{Event{Type: ParallelStateStarted, ID: 3, PreviousID: 2, Time: at},
			`{"timestamp":1704164645.678,"type":"ParallelStateStarted","id":3,"previousEventId":2}`},
		{Event{Type: ExecutionFailed, ID: 9, PreviousID: 8, Time: at, Failure: failure.New("E", "why")},
			`{"timestamp":1704164645.678,"type":"ExecutionFailed","id":9,"previousEventId":8,"executionFailedEventDetails":{"error":"E","cause":"why"}}`},
		{Event{Type: TaskScheduled, ID: 3, PreviousID: 2, Time: at, Data: value.Empty, HasData: true, Detail: &Detail{ResourceType: "lambda", Resource: "invoke", Region: "us-east-1", Timeout: 30, Heartbeat: 10}},
			`{"timestamp":1704164645.678,"type":"TaskScheduled","id":3,"previousEventId":2,"taskScheduledEventDetails":{"resourceType":"lambda","resource":"invoke","region":"us-east-1","parameters":"{}","timeoutInSeconds":30,"heartbeatInSeconds":10}}`},
	}
	for _, tt := range tests {
		got := string(tt.e.AppendJSON(nil, true))
		if got != tt.want {
			t.Errorf("%s:\n got  %s\n want %s", tt.e.Type, got, tt.want)
		}
		if !json.Valid([]byte(got)) {
			t.Errorf("%s: invalid JSON", tt.e.Type)
		}
	}
	e := Event{Type: PassStateExited, ID: 3, PreviousID: 2, Time: at, Name: "P", Data: "secret", HasData: true,
		Detail: &Detail{Assigned: []Assignment{{Name: "x", Value: value.MustParse(`{"a":[1,"b"]}`)}, {Name: "y", Value: "s"}}}}
	if got := string(e.AppendJSON(nil, false)); got != `{"timestamp":1704164645.678,"type":"PassStateExited","id":3,"previousEventId":2,"stateExitedEventDetails":{"name":"P","outputDetails":{"truncated":false},"assignedVariablesDetails":{"truncated":false}}}` {
		t.Errorf("without data: %s", got)
	}
	want := `{"timestamp":1704164645.678,"type":"PassStateExited","id":3,"previousEventId":2,"stateExitedEventDetails":{"name":"P","output":"\"secret\"","outputDetails":{"truncated":false},` +
		`"assignedVariables":{"x":"{\"a\":[1,\"b\"]}","y":"\"s\""},"assignedVariablesDetails":{"truncated":false}}}`
	if got := string(e.AppendJSON(nil, true)); got != want {
		t.Errorf("assigned variables:\n got  %s\n want %s", got, want)
	}
}

func TestTypeNames(t *testing.T) {
	for ty := Type(1); ty < numTypes; ty++ {
		name := ty.String()
		if name == "" || name == "Unknown" {
			t.Errorf("type %d has no name", ty)
			continue
		}
		if back, ok := ParseType(name); !ok || back != ty {
			t.Errorf("ParseType(%s) = %d", name, back)
		}
	}
}
