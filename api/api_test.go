package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/baton-sh/baton/api"
	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/engine/enginetest"
	"github.com/baton-sh/baton/server"
)

// newServer serves the API of an engine on a fresh SQLite data folder.
func newServer(t testing.TB) http.Handler {
	return newServerOpts(t, engine.Options{MaxPoll: 10 * time.Millisecond})
}

func newServerOpts(t testing.TB, o engine.Options) http.Handler {
	e, _ := enginetest.New(t, o)
	return server.Handler(e, server.Options{Hosts: []string{"*"}})
}

// call makes one API call; every answer, error or not, is a JSON object.
func call(t testing.TB, s http.Handler, action, body string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest("POST", "/", strings.NewReader(body))
	req.Header.Set("X-Amz-Target", "AWSStepFunctions."+action)
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Errorf("%s %s: the answer %q is not a JSON object: %v", action, body, rec.Body.String(), err)
	}
	return rec.Code, out
}

// mustCall makes an API call that must succeed.
func mustCall(t testing.TB, s http.Handler, action, body string) map[string]any {
	t.Helper()
	code, out := call(t, s, action, body)
	if code != http.StatusOK {
		t.Fatalf("%s %s: %d %v", action, body, code, out)
	}
	return out
}

var actions = []string{
	"CreateStateMachine", "DescribeStateMachine", "UpdateStateMachine", "DeleteStateMachine", "ListStateMachines",
	"PublishStateMachineVersion", "ListStateMachineVersions", "DeleteStateMachineVersion", "CreateStateMachineAlias",
	"DescribeStateMachineAlias", "UpdateStateMachineAlias", "DeleteStateMachineAlias", "ListStateMachineAliases",
	"ValidateStateMachineDefinition", "StartExecution", "StartSyncExecution", "DescribeExecution", "StopExecution",
	"ListExecutions", "GetExecutionHistory", "DescribeStateMachineForExecution", "CreateActivity", "DeleteActivity",
	"DescribeActivity", "ListActivities", "GetActivityTask", "SendTaskSuccess", "SendTaskFailure", "SendTaskHeartbeat",
	"TagResource", "UntagResource", "ListTagsForResource", "TestState", "RedriveExecution",
}

func TestBadRequests(t *testing.T) {
	s := newServer(t)
	tests := []struct {
		action, body, code string
		status             int
	}{
		{"Frobnicate", `{}`, "UnknownOperationException", 400},
		{"StartExecution", `{not json`, "SerializationException", 400},
		{"ListStateMachines", `{} {}`, "SerializationException", 400},
		{"ListStateMachines", `{}x`, "SerializationException", 400},
		{"StartExecution", `{"stateMachineArn": 5}`, "SerializationException", 400},
		{"StartExecution", `{}`, "ValidationException", 400},
		{"StartExecution", `{"stateMachineArn":"nope"}`, "InvalidArn", 400},
		{"StartExecution", `{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:activity:a"}`, "InvalidArn", 400},
		{"StartExecution", `{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:none"}`, "StateMachineDoesNotExist", 400},
		{"CreateStateMachine", `{"name":"x","definition":"{}","roleArn":"arn:aws:iam::1:role/r"}`, "InvalidDefinition", 400},
		{"CreateStateMachine", `{"name":"x","definition":"{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Succeed\"}}}","roleArn":"arn:aws:iam::1:role/r","type":"SOMETHING"}`, "ValidationException", 400},
		{"CreateStateMachine", `{"name":"x","definition":"{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Succeed\"}}}","roleArn":"not-a-role"}`, "InvalidArn", 400},
		{"DescribeExecution", `{"executionArn":"arn:aws:states:us-east-1:123456789012:execution:m:e"}`, "ExecutionDoesNotExist", 400},
		{"SendTaskSuccess", `{"taskToken":"x","output":"{}"}`, "InvalidToken", 400},
		{"SendTaskSuccess", `{"taskToken":"v1.YXJuOmF3czpzdGF0ZXM6dXMtZWFzdC0xOjE6ZXhlY3V0aW9uOm06ZQ.1.x","output":"{}"}`, "InvalidToken", 400}, // unsigned: forged
		{"ListStateMachines", `{"maxResults":5000}`, "ValidationException", 400},
		{"ListStateMachines", `{"nextToken":"!!"}`, "InvalidToken", 400},
		{"GetActivityTask", `{"activityArn":"arn:aws:states:us-east-1:123456789012:activity:none"}`, "ActivityDoesNotExist", 400},
	}
	for _, tt := range tests {
		status, out := call(t, s, tt.action, tt.body)
		if status != tt.status || out["__type"] != tt.code || out["message"] == "" {
			t.Errorf("%s %s: %d %v, want %d %s", tt.action, tt.body, status, out, tt.status, tt.code)
		}
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	if rec.Code != http.StatusOK {
		t.Errorf("healthz: %d", rec.Code)
	}
	rec = httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/", strings.NewReader(strings.Repeat(" ", api.MaxBodySize+1)))
	req.Header.Set("X-Amz-Target", "AWSStepFunctions.ListActivities")
	s.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: %d", rec.Code)
	}
}

// TestRegionOfTheCaller: ARNs take the region of the request's credential
// scope; a scope whose region is not one is refused.
func TestRegionOfTheCaller(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	create := func(region string) (int, map[string]any) {
		req := httptest.NewRequest("POST", "/", strings.NewReader(`{"name":"a"}`))
		req.Header.Set("X-Amz-Target", "AWSStepFunctions.CreateActivity")
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20240101/"+region+"/states/aws4_request, SignedHeaders=host, Signature=x")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		var out map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatal(err)
		}
		return rec.Code, out
	}
	if code, out := create("eu-west-3"); code != 200 || !strings.HasPrefix(out["activityArn"].(string), "arn:aws:states:eu-west-3:") {
		t.Errorf("eu-west-3: %d %v", code, out)
	}
	for _, bad := range []string{"us-east-1:evil", "US-EAST-1", "x", "us--east-1", "-us-east-1"} {
		if code, out := create(bad); code != 400 || out["__type"] != "InvalidSignatureException" {
			t.Errorf("%q: %d %v", bad, code, out)
		}
	}
}

// FuzzRequest sends arbitrary bodies to every action: the answer is never
// a 500 and never hangs.
func FuzzRequest(f *testing.F) {
	for _, seed := range []string{
		`{}`, `{"name":"m","definition":"{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Succeed\"}}}","roleArn":"arn:aws:iam::1:role/r"}`,
		`{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:m","input":"{\"a\":1}","name":"e"}`,
		`{"executionArn":"arn:aws:states:us-east-1:123456789012:execution:m:e","maxResults":1,"reverseOrder":true}`,
		`{"taskToken":"v1.YQ.1.1","output":"[]"}`, `{"resourceArn":"arn:aws:states:us-east-1:123456789012:stateMachine:m","tags":[{"key":"k","value":"v"}]}`,
		`[]`, `null`, `"x"`, `{"maxResults":-1}`,
	} {
		for i := range actions {
			f.Add(uint8(i), seed)
		}
	}
	s := newServer(f)
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		action := actions[int(which)%len(actions)]
		done := make(chan int, 1)
		go func() {
			status, _ := call(t, s, action, body)
			done <- status
		}()
		select {
		case status := <-done:
			if status >= 500 {
				t.Fatalf("%s %q: status %d", action, body, status)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s %q hangs", action, body)
		}
	})
}
