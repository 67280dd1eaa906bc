package failure

import (
	"errors"
	"testing"
)

func TestMatches(t *testing.T) {
	tests := []struct {
		equals []string
		name   string
		want   bool
	}{
		{[]string{"States.ALL"}, "MyError", true},
		{[]string{"States.ALL"}, "States.Timeout", true},
		{[]string{"States.ALL"}, "States.Runtime", false},
		{[]string{"States.ALL"}, "States.DataLimitExceeded", false},
		{[]string{"States.Runtime"}, "States.Runtime", true},
		{[]string{"States.DataLimitExceeded"}, "States.DataLimitExceeded", true},
		{[]string{"States.TaskFailed"}, "Lambda.ServiceException", true},
		{[]string{"States.TaskFailed"}, "States.Timeout", false},
		{[]string{"States.TaskFailed"}, "States.HeartbeatTimeout", true},
		{[]string{"States.TaskFailed"}, "States.Runtime", false},
		{[]string{"A", "B"}, "B", true},
		{[]string{"A", "B"}, "C", false},
		{[]string{"States.Timeout"}, "States.HeartbeatTimeout", false},
		{nil, "A", false},
	}
	for _, tt := range tests {
		if got := Matches(tt.equals, tt.name); got != tt.want {
			t.Errorf("Matches(%v, %s) = %v", tt.equals, tt.name, got)
		}
	}
}

func TestAsError(t *testing.T) {
	f := New("E", "c")
	err := f.AsError()
	if err.Error() != "E: c" {
		t.Errorf("Error() = %q", err.Error())
	}
	got, ok := From(err)
	if !ok || got != f {
		t.Errorf("From lost the failure")
	}
	if _, ok := From(errors.New("plain")); ok {
		t.Error("From accepted a plain error")
	}
	if New("E", "").String() != "E" {
		t.Error("String without cause")
	}
}
