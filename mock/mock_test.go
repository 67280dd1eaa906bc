package mock_test

import (
	"strings"
	"testing"

	"github.com/baton-sh/baton/mock"
	"github.com/baton-sh/baton/value"
)

// The example of AWS's documentation loads unchanged.
func TestAWSExample(t *testing.T) {
	c, err := mock.Load("testdata/MockConfigFile.json")
	if err != nil {
		t.Fatal(err)
	}
	retry, err := c.Case("LambdaSQSIntegration", "RetryPath")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Lambda.ResourceNotReadyException", "Lambda.TimeoutException", "Lambda.TimeoutException", "", ""}
	for i, w := range want {
		out, fl, ok := retry.Answer("LambdaState", i)
		switch {
		case !ok:
			t.Fatalf("invocation %d not mocked", i)
		case w != "" && (fl == nil || fl.Error != w):
			t.Errorf("invocation %d: %v %v, want %s", i, out, fl, w)
		case w == "" && (fl != nil || !strings.Contains(value.String(out), `"Hello from Lambda!"`)):
			t.Errorf("invocation %d: %v %v, want the Return", i, value.String(out), fl)
		}
	}
	hybrid, err := c.Case("LambdaSQSIntegration", "HybridPath")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, ok := hybrid.Answer("SQSState", 0); ok || hybrid.Mocks("SQSState") {
		t.Error("HybridPath does not mock SQSState")
	}
	if _, err := c.Case("LambdaSQSIntegration", "Nope"); err == nil {
		t.Error("an unknown test case")
	}
	if _, err := c.Case("Other", "HappyPath"); err == nil {
		t.Error("an unknown state machine")
	}
}

func TestBadFiles(t *testing.T) {
	tests := []struct{ name, file, want string }{
		{"not JSON", `{`, "not a mock configuration"},
		{"unknown field", `{"StateMachines":{},"MockedResponses":{},"Extra":1}`, "not a mock configuration"},
		{"gap", `{"StateMachines":{},"MockedResponses":{"R":{"0":{"Return":1},"2":{"Return":2}}}}`, "follow each other"},
		{"not from 0", `{"StateMachines":{},"MockedResponses":{"R":{"1":{"Return":1}}}}`, "follow each other"},
		{"bad range", `{"StateMachines":{},"MockedResponses":{"R":{"2-1":{"Return":1}}}}`, "not an invocation number"},
		{"both", `{"StateMachines":{},"MockedResponses":{"R":{"0":{"Return":1,"Throw":{"Error":"E"}}}}}`, "exactly one"},
		{"throw without error", `{"StateMachines":{},"MockedResponses":{"R":{"0":{"Throw":{"Cause":"c"}}}}}`, "needs an Error"},
		{"missing response", `{"StateMachines":{"M":{"TestCases":{"T":{"S":"Nope"}}}},"MockedResponses":{}}`, `no mocked response named "Nope"`},
	}
	for _, tt := range tests {
		_, err := mock.Parse([]byte(tt.file))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"StateMachines":{"M":{"TestCases":{"T":{"S":"R"}}}},"MockedResponses":{"R":{"0-1":{"Return":{"a":1}},"2":{"Throw":{"Error":"E","Cause":"C"}}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := mock.Parse(data)
		if err != nil {
			return
		}
		// A file that parses answers for its cases or says why not.
		for _, sm := range c.StateMachines() {
			if _, err := c.Case(sm, "T"); err != nil && err.Error() == "" {
				t.Errorf("%q: case T of %s: an error without a message", data, sm)
			}
		}
	})
}
