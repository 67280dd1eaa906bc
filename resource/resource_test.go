package resource

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/baton-sh/baton/failure"
)

func named(name string) Resource {
	return Func(func(context.Context, *Request) (any, error) { return name, nil })
}

func TestRegistryLookup(t *testing.T) {
	reg := NewRegistry()
	reg.Register("arn:aws:states:::lambda:invoke", named("exact"))
	reg.Register("arn:aws:states:::*", named("states"))
	reg.Register("arn:aws:states:::lambda:*", named("lambda"))
	reg.Register("*", named("any"))
	tests := map[string]string{
		"arn:aws:states:::lambda:invoke":                  "exact",
		"arn:aws:states:::lambda:invoke.waitForTaskToken": "lambda",
		"arn:aws:states:::sqs:sendMessage":                "states",
		"arn:aws:lambda:us-east-1:1:function:f":           "any",
	}
	for arn, want := range tests {
		r, ok := reg.Lookup(arn)
		if !ok {
			t.Errorf("%s: not found", arn)
			continue
		}
		if got, err := r.Invoke(context.Background(), nil); err != nil || got != want {
			t.Errorf("%s: %v %v, want %s", arn, got, err, want)
		}
	}
	if _, ok := NewRegistry().Lookup("x"); ok {
		t.Error("an empty registry found something")
	}
}

func TestToFailure(t *testing.T) {
	tests := []struct {
		err         error
		name, cause string
	}{
		{&Error{Name: "Custom", Cause: "c"}, "Custom", "c"},
		{fmt.Errorf("wrapped: %w", &Error{Name: "Inner"}), "Inner", ""},
		{failure.New("States.Runtime", "r").AsError(), "States.Runtime", "r"},
		{context.DeadlineExceeded, "States.Timeout", ""},
		{errors.New("plain"), "States.TaskFailed", "plain"},
	}
	for _, tt := range tests {
		f := ToFailure(tt.err)
		if f.Error != tt.name || f.Cause != tt.cause {
			t.Errorf("ToFailure(%v) = %v", tt.err, f)
		}
	}
}
