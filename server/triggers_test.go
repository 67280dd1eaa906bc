package server_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/engine/enginetest"
	"github.com/baton-sh/baton/events"
	"github.com/baton-sh/baton/httptrigger"
	"github.com/baton-sh/baton/server"
	"github.com/baton-sh/baton/sigv4"
	"github.com/baton-sh/baton/trigger"
)

// triggerServer serves an engine with one HTTP trigger and one rule, both
// starting the Standard machine "orders".
func triggerServer(t *testing.T, keys map[string]string) (*httptest.Server, *engine.Engine) {
	t.Helper()
	e, _ := enginetest.New(t, engine.Options{})
	_, err := e.CreateStateMachine(context.Background(), &engine.CreateStateMachineInput{Name: "orders", RoleArn: "arn:aws:iam::123456789012:role/r",
		Definition: `{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}`})
	if err != nil {
		t.Fatal(err)
	}
	bus, err := events.New(e, []trigger.Rule{{Name: "orders", Pattern: `{"source": ["shop"]}`, Target: trigger.Target{StateMachine: "orders"}}},
		events.Options{Account: e.Account()})
	if err != nil {
		t.Fatal(err)
	}
	routes, err := httptrigger.New(e, []trigger.HTTP{{Method: "POST", Path: "/orders", Target: trigger.Target{StateMachine: "orders"}}},
		httptrigger.Options{Account: e.Account(), Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(server.Handler(e, server.Options{Events: bus, Triggers: routes, Keys: keys}))
	t.Cleanup(srv.Close)
	return srv, e
}

func call(t *testing.T, req *http.Request) (int, string, http.Header) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body), resp.Header
}

func request(t *testing.T, method, url, target, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	}
	return req
}

// Triggers and PutEvents live beside the server's own routes without
// shadowing any.
func TestTriggerRoutes(t *testing.T) {
	t.Parallel()
	srv, _ := triggerServer(t, nil)
	put := `{"Entries": [{"Source": "shop", "DetailType": "x", "Detail": "{}"}]}`
	tests := []struct {
		method, path, target, body string
		status                     int
		contains                   string
	}{
		{"GET", "/", "", "", 200, `<div id="app">`},
		{"GET", "/healthz", "", "", 200, "ok"},
		{"GET", "/readyz", "", "", 200, "ready"},
		{"POST", "/", "AWSStepFunctions.ListStateMachines", "{}", 200, `"name":"orders"`},
		{"POST", "/", "AWSEvents.PutEvents", put, 200, `"FailedEntryCount":0`},
		{"POST", "/", "AWSEvents.ListRules", "{}", 400, "UnknownOperationException"},
		{"POST", "/dev/orders", "", `{"n": 1}`, 200, `"executionArn":"arn:aws:states:us-east-1:123456789012:execution:orders:`},
		{"POST", "/dev", "", `{}`, 403, "Missing Authentication Token"},
		{"GET", "/dev/orders", "", "", 403, "Missing Authentication Token"},
		{"POST", "/prod/orders", "", `{}`, 404, "UnknownOperationException"},
		{"GET", "/nothing", "", "", 404, "UnknownOperationException"},
	}
	for _, tt := range tests {
		status, body, _ := call(t, request(t, tt.method, srv.URL+tt.path, tt.target, tt.body))
		if status != tt.status || !strings.Contains(body, tt.contains) {
			t.Errorf("%s %s %s: %d %q, want %d and %q", tt.method, tt.path, tt.target, status, body, tt.status, tt.contains)
		}
	}
}

// Requests to triggers follow the server's host and cross-origin checks.
func TestTriggerHostChecks(t *testing.T) {
	t.Parallel()
	srv, _ := triggerServer(t, nil)
	req := request(t, "POST", srv.URL+"/dev/orders", "", `{}`)
	req.Host = "evil.example"
	if status, body, _ := call(t, req); status != 403 || !strings.Contains(body, "does not answer to the host") {
		t.Errorf("another host: %d %s", status, body)
	}
	req = request(t, "POST", srv.URL+"/dev/orders", "", `{}`)
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if status, body, _ := call(t, req); status != 403 || !strings.Contains(body, "Cross-origin") {
		t.Errorf("cross-origin: %d %s", status, body)
	}
}

// With access keys, PutEvents must be signed for the service "events", as
// EventBridge's SDK clients sign it; HTTP triggers take unsigned requests
// unless a route asks for IAM.
func TestTriggerSignatures(t *testing.T) {
	t.Parallel()
	keys := map[string]string{"AKIDTEST": "secret"}
	srv, _ := triggerServer(t, keys)
	put := `{"Entries": [{"Source": "shop", "DetailType": "x", "Detail": "{}"}]}`
	signed := func(service string) (int, string) {
		req := request(t, "POST", srv.URL+"/", "AWSEvents.PutEvents", put)
		sigv4.Sign(req, []byte(put), "eu-west-1", service, "AKIDTEST", "secret", "", time.Now())
		status, body, _ := call(t, req)
		return status, body
	}
	if status, body := signed("events"); status != 200 || !strings.Contains(body, `"FailedEntryCount":0`) {
		t.Errorf("signed for events: %d %s", status, body)
	}
	if status, body := signed("states"); status != 400 || !strings.Contains(body, "InvalidSignatureException") && !strings.Contains(body, "IncompleteSignature") {
		t.Errorf("signed for states: %d %s", status, body)
	}
	if status, body, _ := call(t, request(t, "POST", srv.URL+"/", "AWSEvents.PutEvents", put)); status != 403 || !strings.Contains(body, "MissingAuthenticationToken") {
		t.Errorf("unsigned: %d %s", status, body)
	}
	if status, body, _ := call(t, request(t, "POST", srv.URL+"/dev/orders", "", `{}`)); status != 200 {
		t.Errorf("an open trigger: %d %s", status, body)
	}
}
