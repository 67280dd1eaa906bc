package arn

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in        string
		kind      Kind
		name, q   string
		machineOf string
	}{
		{"arn:aws:states:us-east-1:123456789012:stateMachine:M", StateMachine, "M", "", "arn:aws:states:us-east-1:123456789012:stateMachine:M"},
		{"arn:aws:states:us-east-1:123456789012:stateMachine:M:12", Version, "M", "12", "arn:aws:states:us-east-1:123456789012:stateMachine:M"},
		{"arn:aws:states:us-east-1:123456789012:stateMachine:M:prod", Alias, "M", "prod", "arn:aws:states:us-east-1:123456789012:stateMachine:M"},
		{"arn:aws:states:eu-west-1:1:execution:M:run-1", Execution, "M", "run-1", "arn:aws:states:eu-west-1:1:stateMachine:M"},
		{"arn:aws:states:eu-west-1:1:express:M:run-1:abc", Express, "M", "run-1", "arn:aws:states:eu-west-1:1:stateMachine:M"},
		{"arn:aws:states:eu-west-1:1:activity:A", Activity, "A", "", ""},
		{"arn:aws-cn:states:cn-north-1:1:activity:A", Activity, "A", "", ""},
	}
	for _, tt := range tests {
		a, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%s): %v", tt.in, err)
			continue
		}
		if a.Kind != tt.kind || a.Name != tt.name || a.Qualifier != tt.q {
			t.Errorf("Parse(%s) = %+v", tt.in, a)
		}
		if a.String() != tt.in {
			t.Errorf("String() = %s, want %s", a.String(), tt.in)
		}
		if tt.machineOf != "" && a.StateMachineARN().String() != tt.machineOf {
			t.Errorf("StateMachineARN(%s) = %s", tt.in, a.StateMachineARN())
		}
	}
	for _, bad := range []string{"", "arn", "arn:aws:lambda:us-east-1:1:function:f", "arn:aws:states:us-east-1:1:stateMachine:", "arn:aws:states::1:stateMachine:M",
		"arn:aws:states:us-east-1:1:execution:M", "arn:aws:states:us-east-1:1:thing:M", "arn:aws:states:us-east-1:1:stateMachine:M:1:2", "arn:aws:states:us-east-1:1:express:M:e"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) succeeded", bad)
		}
	}
}

func TestValidName(t *testing.T) {
	for _, ok := range []string{"a", "my-machine_1", "ünïcode", strings.Repeat("x", 80)} {
		if !ValidName(ok) {
			t.Errorf("ValidName(%q) = false", ok)
		}
	}
	for _, bad := range []string{"", "a b", "a/b", "a:b", "a*", "tab\t", "a\x7f", strings.Repeat("x", 81), "{x}", "a$"} {
		if ValidName(bad) {
			t.Errorf("ValidName(%q) = true", bad)
		}
	}
}
