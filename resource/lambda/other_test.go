package lambda_test

import (
	"strings"
	"testing"

	"github.com/baton-sh/baton/config"
	"github.com/baton-sh/baton/interpreter"
	"github.com/baton-sh/baton/resource/lambda"
	"github.com/baton-sh/baton/value"
)

// TestOtherFunctions: a function baton.yaml does not name goes to the
// otherFunctions endpoint, called by its own name, as one sam local
// start-lambda serves every function of a template; named ones still go
// where they are configured.
func TestOtherFunctions(t *testing.T) {
	t.Parallel()
	srv := invokeServer(t)
	defer srv.Close()
	cfg := &config.Config{
		Functions:      map[string]*config.Function{"ship-fn": commandFunc("echo", 0)},
		OtherFunctions: &config.Function{Lambda: srv.URL},
	}
	tests := []struct {
		name, resource, params string
		want                   string // the output, or the error name
		causeHas               string
	}{
		{name: "a named function runs as configured", resource: "arn:aws:lambda:eu-west-1:111122223333:function:ship-fn",
			want: `{"got":{"box":1},"function":"ship-fn"}`},
		{name: "an unnamed function, by its ARN", resource: "arn:aws:lambda:eu-west-1:111122223333:function:broken-fn",
			want: "ValueError", causeHas: "bad address"},
		{name: "an unnamed function, with a qualifier", resource: lambda.InvokeARN,
			params: `,"Parameters":{"FunctionName":"other-fn:live","Payload.$":"$"},"OutputPath":"$.Payload"`,
			want:   `{"other":"other-fn","got":{"box":1},"qualifier":"live"}`},
		{name: "a function the endpoint does not have", resource: "arn:aws:lambda:eu-west-1:111122223333:function:lost-fn",
			want: "Lambda.ResourceNotFoundException", causeHas: "Status Code: 404"},
	}
	for _, tt := range tests {
		r := run(t, cfg, task(tt.resource, tt.params), `{"box":1}`, nil)
		got := value.String(r.ex.Output)
		if r.ex.Status != interpreter.Succeeded {
			got = r.ex.Failure.Error
			if !strings.Contains(r.ex.Failure.Cause, tt.causeHas) {
				t.Errorf("%s: cause %q, want one containing %q", tt.name, r.ex.Failure.Cause, tt.causeHas)
			}
		}
		if got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}

// TestOtherFunctionsAsACommand: one command serves every function not
// named, and tells them apart by AWS_LAMBDA_FUNCTION_NAME.
func TestOtherFunctionsAsACommand(t *testing.T) {
	t.Parallel()
	cfg := &config.Config{OtherFunctions: commandFunc("echo", 0)}
	r := run(t, cfg, task("arn:aws:lambda:eu-west-1:111122223333:function:anything", ""), `{"n":1}`, nil)
	if got := value.String(r.ex.Output); got != `{"got":{"n":1},"function":"anything"}` {
		t.Errorf("%v %+v %s", r.ex.Status, r.ex.Failure, got)
	}
}
