package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// get makes a plain GET of the server, as a browser or a probe would.
func get(t testing.TB, s *server, path string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.Get(s.url + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	body, err := io.ReadAll(resp.Body)
	if cerr := resp.Body.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("GET %s: reading the body: %v", path, err)
	}
	return resp.StatusCode, resp.Header, string(body)
}

// TestServePages checks what the server answers besides the API: the
// console for a browser that opens its address, health and readiness for probes,
// and any other path in the API's terms.
func TestServePages(t *testing.T) {
	t.Parallel()
	s := startServer(t, "")

	code, h, body := get(t, s, "/")
	if code != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		t.Errorf("GET /: %d %s", code, h.Get("Content-Type"))
	}
	// The console's page (its end-to-end tests, TestConsoleInBrowser, check
	// what it shows, how to point the aws CLI at the server among it).
	for _, want := range []string{"<html", `<div id="app">`, `src="/assets/`} {
		if !strings.Contains(body, want) {
			t.Errorf("GET /: the page lacks %q:\n%s", want, body)
		}
	}

	if code, _, body := get(t, s, "/readyz"); code != http.StatusOK || strings.TrimSpace(body) != "ready" {
		t.Errorf("GET /readyz: %d %q", code, body)
	}
	if code, _, body := get(t, s, "/healthz"); code != http.StatusOK || strings.TrimSpace(body) != "ok" {
		t.Errorf("GET /healthz: %d %q", code, body)
	}

	code, _, body = get(t, s, "/no/such/page")
	var answer struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal([]byte(body), &answer); err != nil {
		t.Fatalf("GET /no/such/page: %d, the body %q is not JSON: %v", code, body, err)
	}
	if code != http.StatusNotFound || answer.Type != "UnknownOperationException" || !strings.Contains(answer.Message, "/no/such/page") {
		t.Errorf("GET /no/such/page: %d %s", code, body)
	}
}
