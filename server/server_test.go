package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
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

// With access keys required, the console signs in with a key and its
// secret; its session cookie then stands in for a signature, for the API
// and the console's API alike, until it signs out.
func TestConsoleSignIn(t *testing.T) {
	t.Parallel()
	e, _ := enginetest.New(t, engine.Options{})
	srv := httptest.NewServer(server.Handler(e, server.Options{Keys: map[string]string{"AKIDEXAMPLE": "s3cret"}}))
	defer srv.Close()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Jar: jar}
	do := func(method, path, body string, headers ...string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, string(b)
	}
	list := func() (int, string) {
		return do("POST", "/", "{}", "X-Amz-Target", "AWSStepFunctions.ListStateMachines")
	}
	steps := []struct {
		name         string
		status       int
		contains     string
		method, path string
		body         string
		headers      []string
	}{
		{"who, before", 200, `"signedIn":false`, "GET", "/console/api/session", "", nil},
		{"the console's API, before", 401, "Sign in", "GET", "/console/api/activities", "", nil},
		{"a wrong secret", 401, "wrong secret", "POST", "/console/api/session", `{"accessKeyId":"AKIDEXAMPLE","secretAccessKey":"nope"}`, nil},
		{"an unknown key", 401, "Unknown access key", "POST", "/console/api/session", `{"accessKeyId":"AKIDOTHER","secretAccessKey":"s3cret"}`, nil},
		{"not JSON", 400, "accessKeyId", "POST", "/console/api/session", `{`, nil},
		{"another site's page signing in", 403, "Cross-origin", "POST", "/console/api/session", `{"accessKeyId":"AKIDEXAMPLE","secretAccessKey":"s3cret"}`, []string{"Sec-Fetch-Site", "cross-site"}},
		{"signing in", 200, `"signedIn":true`, "POST", "/console/api/session", `{"accessKeyId":"AKIDEXAMPLE","secretAccessKey":"s3cret"}`, nil},
		{"who, after", 200, `"accessKeyId":"AKIDEXAMPLE"`, "GET", "/console/api/session", "", nil},
		{"the console's API, after", 200, `"activities"`, "GET", "/console/api/activities", "", nil},
		{"another site's page with the session", 403, "Cross-origin", "POST", "/", "{}", []string{"X-Amz-Target", "AWSStepFunctions.ListStateMachines", "Sec-Fetch-Site", "cross-site"}},
	}
	if status, body := list(); status != 403 || !strings.Contains(body, "MissingAuthenticationToken") {
		t.Fatalf("the API unsigned, before: %d %s", status, body)
	}
	for _, s := range steps {
		if status, body := do(s.method, s.path, s.body, s.headers...); status != s.status || !strings.Contains(body, s.contains) {
			t.Errorf("%s: %d %s, want %d and %q", s.name, status, body, s.status, s.contains)
		}
	}
	if status, body := list(); status != 200 || !strings.Contains(body, `"stateMachines"`) {
		t.Fatalf("the API with the session: %d %s", status, body)
	}
	// A forged or altered cookie is nobody's.
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	good := jar.Cookies(u)
	if len(good) != 1 {
		t.Fatalf("cookies: %v", good)
	}
	forged := strings.Replace(good[0].Value, ".", ".x", 1)
	jar.SetCookies(u, []*http.Cookie{{Name: good[0].Name, Value: forged}})
	if status, _ := list(); status != 403 {
		t.Errorf("a forged session: %d", status)
	}
	jar.SetCookies(u, good)
	if status, body := do("DELETE", "/console/api/session", ""); status != 200 || !strings.Contains(body, `"signedIn":false`) {
		t.Errorf("signing out: %d %s", status, body)
	}
	if status, _ := list(); status != 403 {
		t.Errorf("the API after signing out: %d", status)
	}
}
