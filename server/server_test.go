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
		{"GET", "/", "", 200, `<div id="app">`},
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

// The console's page and files are served from the binary; its script is
// named in the page.
func TestConsoleSite(t *testing.T) {
	t.Parallel()
	e, _ := enginetest.New(t, engine.Options{})
	srv := httptest.NewServer(server.Handler(e, server.Options{}))
	defer srv.Close()
	status, page, h := get(t, srv.URL+"/")
	if status != 200 || h.Get("Content-Security-Policy") == "" || h.Get("X-Frame-Options") != "DENY" {
		t.Fatalf("page: %d %v", status, h)
	}
	_, rest, ok := strings.Cut(page, `src="/assets/`)
	if !ok {
		t.Fatalf("no script in the page: %s", page)
	}
	name, _, _ := strings.Cut(rest, `"`)
	status, body, h := get(t, srv.URL+"/assets/"+name)
	if status != 200 || len(body) < 1000 || !strings.Contains(h.Get("Content-Type"), "javascript") || !strings.Contains(h.Get("Cache-Control"), "immutable") {
		t.Fatalf("script: %d %d bytes %v", status, len(body), h)
	}
	if status, _, _ := get(t, srv.URL+"/assets/nothing.js"); status != 404 {
		t.Fatalf("a missing asset: %d", status)
	}
}

// A page of another site cannot make a visitor's browser act on the
// server; the console's own page, and clients that are no browser, can.
func TestCrossOrigin(t *testing.T) {
	t.Parallel()
	e, _ := enginetest.New(t, engine.Options{})
	srv := httptest.NewServer(server.Handler(e, server.Options{}))
	defer srv.Close()
	tests := []struct {
		name    string
		headers map[string]string
		status  int
	}{
		{"an SDK", nil, 200},
		{"the console", map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": srv.URL}, 200},
		{"another site", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, 403},
		{"an old browser on another site", map[string]string{"Origin": "https://evil.example"}, 403},
	}
	for _, tt := range tests {
		req, err := http.NewRequest("POST", srv.URL+"/", strings.NewReader(`{"name":"x","roleArn":"arn:aws:iam::123456789012:role/r","definition":"{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Pass\",\"End\":true}}}"}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Amz-Target", "AWSStepFunctions.ValidateStateMachineDefinition")
		for k, v := range tt.headers {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != tt.status {
			t.Errorf("%s: %d %s, want %d", tt.name, resp.StatusCode, body, tt.status)
		}
	}
}

func get(t *testing.T, url string) (int, string, http.Header) {
	t.Helper()
	resp, err := http.Get(url)
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
