package server_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/engine/enginetest"
	"github.com/baton-sh/baton/metrics"
	"github.com/baton-sh/baton/server"
)

// TestMetricsRoute: /metrics answers when the server has metrics, to its
// own hosts; with access keys required, only to a scraper that gives one
// (HTTP Basic). The API's requests are counted.
func TestMetricsRoute(t *testing.T) {
	t.Parallel()
	keys := map[string]string{"AKIDEXAMPLE": "s3cret"}
	for _, tt := range []struct {
		name           string
		metrics        bool
		keys           map[string]string
		host           string
		user, password string
		status         int
		contains       string
	}{
		{"off", false, nil, "", "", "", 404, "UnknownOperationException"},
		{"open on loopback", true, nil, "", "", "", 200, "baton_open_executions 0"},
		{"another host", true, nil, "evil.example", "", "", 403, "AccessDeniedException"},
		{"keys, none given", true, keys, "", "", "", 401, "access key"},
		{"keys, a wrong secret", true, keys, "", "AKIDEXAMPLE", "nope", 401, "access key"},
		{"keys, an unknown key", true, keys, "", "AKIDOTHER", "s3cret", 401, "access key"},
		{"keys, given", true, keys, "", "AKIDEXAMPLE", "s3cret", 200, `baton_api_requests_total{action="ListStateMachines",error="MissingAuthenticationTokenException"} 1`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, _ := enginetest.New(t, engine.Options{})
			o := server.Options{Keys: tt.keys}
			if tt.metrics {
				m := metrics.New(e, metrics.Options{})
				defer m.Close()
				o.Metrics = m
			}
			srv := httptest.NewServer(server.Handler(e, o))
			defer srv.Close()
			// An unsigned API request first: counted, refused when keys
			// are required.
			req, err := http.NewRequest("POST", srv.URL+"/", strings.NewReader(`{}`))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("X-Amz-Target", "AWSStepFunctions.ListStateMachines")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.Copy(io.Discard, resp.Body); err != nil {
				t.Fatal(err)
			}
			if err := resp.Body.Close(); err != nil {
				t.Fatal(err)
			}
			req, err = http.NewRequest("GET", srv.URL+"/metrics", nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.host != "" {
				req.Host = tt.host
			}
			if tt.user != "" {
				req.SetBasicAuth(tt.user, tt.password)
			}
			resp, err = http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status || !strings.Contains(string(body), tt.contains) {
				t.Errorf("%d %.300q, want %d and %q", resp.StatusCode, body, tt.status, tt.contains)
			}
			if tt.status == 401 && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic ") {
				t.Errorf("WWW-Authenticate: %q", resp.Header.Get("WWW-Authenticate"))
			}
		})
	}
}
