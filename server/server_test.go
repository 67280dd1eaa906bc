package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/engine/enginetest"
	"github.com/baton-sh/baton/server"
)

func TestRoutes(t *testing.T) {
	t.Parallel()
	e, _ := enginetest.New(t, engine.Options{})
	srv := httptest.NewServer(server.Handler(e, server.Options{}))
	defer srv.Close()
	do := func(method, path, target string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		if target != "" {
			req.Header.Set("X-Amz-Target", target)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, string(body)
	}
	tests := []struct {
		method, path, target string
		status               int
		contains             string
	}{
		{"GET", "/", "", 200, "--endpoint-url http://" + strings.TrimPrefix(srv.URL, "http://")},
		{"GET", "/healthz", "", 200, "ok"},
		{"GET", "/readyz", "", 200, "ready"},
		{"POST", "/", "AWSStepFunctions.ListStateMachines", 200, `"stateMachines":[]`},
		{"POST", "/other", "AWSStepFunctions.ListStateMachines", 404, "UnknownOperationException"},
		{"GET", "/nothing", "", 404, "UnknownOperationException"},
		{"POST", "/", "AWSStepFunctions.Nope", 400, "UnknownOperationException"},
	}
	for _, tt := range tests {
		status, body := do(tt.method, tt.path, tt.target)
		if status != tt.status || !strings.Contains(body, tt.contains) {
			t.Errorf("%s %s: %d %q, want %d and %q", tt.method, tt.path, status, body, tt.status, tt.contains)
		}
		if status == 404 {
			var e struct {
				Type string `json:"__type"`
			}
			if err := json.Unmarshal([]byte(body), &e); err != nil || e.Type != "UnknownOperationException" {
				t.Errorf("%s %s: not an API error: %q %v", tt.method, tt.path, body, err)
			}
		}
	}
}
