package httptask_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/baton-sh/baton/config"
	"github.com/baton-sh/baton/definition"
	"github.com/baton-sh/baton/driver"
	"github.com/baton-sh/baton/history"
	"github.com/baton-sh/baton/interpreter"
	"github.com/baton-sh/baton/machine"
	"github.com/baton-sh/baton/resource"
	"github.com/baton-sh/baton/resource/httptask"
	"github.com/baton-sh/baton/value"
)

// tasks keeps one Task per config, as a server does, so that OAuth tokens
// are reused across runs.
var tasks = map[*config.Config]*httptask.Task{}

func run(t *testing.T, cfg *config.Config, resourceARN, params, input string, cb *driver.Callbacks) *interpreter.Execution {
	t.Helper()
	return runWith(t, cfg, resourceARN, params, input, driver.Local{Callbacks: cb})
}

// runWith runs on a driver set up by the test; the HTTP Task is its
// resource.
func runWith(t *testing.T, cfg *config.Config, resourceARN, params, input string, d driver.Local) *interpreter.Execution {
	t.Helper()
	def := `{"StartAt":"Call","States":{"Call":{"Type":"Task","Resource":"` + resourceARN + `","Parameters":` + params + `,"End":true}}}`
	doc, diags := definition.Load([]byte(def), definition.Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Message())
	}
	m, err := machine.Compile(doc)
	if err != nil {
		t.Fatal(err)
	}
	reg := resource.NewRegistry()
	if tasks[cfg] == nil {
		tasks[cfg] = httptask.New(cfg)
	}
	tasks[cfg].Register(reg)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	d.Resources = reg
	return d.Run(ctx, m, interpreter.Config{StateMachineARN: "arn:aws:states:eu-west-2:111122223333:stateMachine:m", ExecutionName: "e"}, value.MustParse(input))
}

// seen is one request the test server received.
type seen struct {
	method, path, query, contentType, auth, apiKey, userAgent, custom, body string
}

func server(t *testing.T) (*httptest.Server, chan seen, *atomic.Int32) {
	got := make(chan seen, 10)
	var tokens atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/token" {
			tokens.Add(1)
			user, pass, _ := r.BasicAuth()
			if err := r.ParseForm(); err != nil {
				t.Errorf("/token: %v", err)
			}
			if user != "client" || pass != "s3cret" || r.Form.Get("grant_type") != "client_credentials" {
				w.WriteHeader(401)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			reply(t, w, `{"access_token":"tok-1","expires_in":3600}`)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("%s: reading the request: %v", r.URL.Path, err)
		}
		got <- seen{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Content-Type"), r.Header.Get("Authorization"),
			r.Header.Get("X-Api-Key"), r.Header.Get("User-Agent"), r.Header.Get("X-Custom"), string(body)}
		switch r.URL.Path {
		case "/json":
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Request-Id", "r-1")
			reply(t, w, `{"id":7,"ok":true}`)
		case "/text":
			w.Header().Set("Content-Type", "text/plain")
			reply(t, w, "plain words")
		case "/missing":
			w.WriteHeader(404)
			reply(t, w, `{"message":"no such customer"}`)
		case "/later":
			w.WriteHeader(202)
		}
	}))
	return srv, got, &tokens
}

func TestCall(t *testing.T) {
	srv, got, _ := server(t)
	defer srv.Close()
	ex := run(t, nil, httptask.InvokeARN, `{"ApiEndpoint":"`+srv.URL+`/json?fixed=1","Method":"POST","Headers":{"X-Custom":"yes"},
		"QueryParameters":{"q":"a b","tags":["x","y"]},"RequestBody":{"name.$":"$.name","n":1}}`, `{"name":"Ada"}`, nil)
	if ex.Status != interpreter.Succeeded {
		t.Fatalf("%v %+v", ex.Status, ex.Failure)
	}
	out := ex.Output.(*value.Object)
	body, _ := out.Get("ResponseBody")
	code, _ := out.Get("StatusCode")
	text, _ := out.Get("StatusText")
	headers, _ := out.Get("Headers")
	rid, _ := headers.(*value.Object).Get("x-request-id")
	if value.String(body) != `{"id":7,"ok":true}` || value.String(code) != "200" || text != "OK" || value.String(rid) != `["r-1"]` {
		t.Errorf("output %s", value.String(ex.Output))
	}
	s := <-got
	if s.method != "POST" || s.custom != "yes" || s.body != `{"name":"Ada","n":1}` || s.contentType != "application/json; charset=UTF-8" ||
		s.userAgent != "Amazon|StepFunctions|HttpInvoke|eu-west-2" || s.query != "fixed=1&q=a+b&tags=x&tags=y" {
		t.Errorf("request %+v", s)
	}
}

func TestTextAndFailures(t *testing.T) {
	srv, _, _ := server(t)
	defer srv.Close()
	ex := run(t, nil, httptask.InvokeARN, `{"ApiEndpoint":"`+srv.URL+`/text","Method":"GET"}`, `{}`, nil)
	if b, _ := ex.Output.(*value.Object).Get("ResponseBody"); b != "plain words" {
		t.Errorf("text body: %s", value.String(ex.Output))
	}
	ex = run(t, nil, httptask.InvokeARN, `{"ApiEndpoint":"`+srv.URL+`/missing","Method":"GET"}`, `{}`, nil)
	if ex.Failure == nil || ex.Failure.Error != "States.Http.StatusCode.404" || ex.Failure.Cause != "Not Found" {
		t.Errorf("404: %+v", ex.Failure)
	}
	ex = run(t, nil, httptask.InvokeARN, `{"ApiEndpoint":"http://127.0.0.1:1/x","Method":"GET"}`, `{}`, nil)
	if ex.Failure == nil || ex.Failure.Error != "States.Http.Socket" {
		t.Errorf("unreachable: %+v", ex.Failure)
	}
	for _, params := range []string{
		`{"ApiEndpoint":"ftp://example.com","Method":"GET"}`,
		`{"ApiEndpoint":"` + srv.URL + `","Method":"FETCH"}`,
		`{"ApiEndpoint":"` + srv.URL + `","Method":"GET","Headers":{"Host":"evil"}}`,
	} {
		if ex := run(t, nil, httptask.InvokeARN, params, `{}`, nil); ex.Failure == nil || ex.Failure.Error != "States.Runtime" {
			t.Errorf("%s: %+v", params, ex.Failure)
		}
	}
}

func TestFormEncoding(t *testing.T) {
	srv, got, _ := server(t)
	defer srv.Close()
	for format, want := range map[string]string{
		"INDICES":  "a%5B0%5D=1&a%5B1%5D=2&o%5Bk%5D=v&s=x+y",
		"REPEAT":   "a=1&a=2&o%5Bk%5D=v&s=x+y",
		"COMMAS":   "a=1%2C2&o%5Bk%5D=v&s=x+y",
		"BRACKETS": "a%5B%5D=1&a%5B%5D=2&o%5Bk%5D=v&s=x+y",
	} {
		run(t, nil, httptask.InvokeARN, `{"ApiEndpoint":"`+srv.URL+`/json","Method":"POST","RequestBody":{"a":[1,2],"o":{"k":"v"},"s":"x y"},
			"Transform":{"RequestBodyEncoding":"URL_ENCODED","RequestEncodingOptions":{"ArrayFormat":"`+format+`"}}}`, `{}`, nil)
		s := <-got
		if s.body != want || s.contentType != "application/x-www-form-urlencoded" {
			t.Errorf("%s: %q %q", format, s.body, s.contentType)
		}
	}
}

func TestConnections(t *testing.T) {
	srv, got, tokens := server(t)
	defer srv.Close()
	cfg := &config.Config{Connections: map[string]*config.Connection{
		"Basic":  {Basic: &config.Basic{Username: "u", Password: "p"}},
		"Key":    {APIKey: &config.APIKey{Name: "X-Api-Key", Value: "k-1"}, Query: map[string]string{"tenant": "t1"}, Body: map[string]string{"source": "baton"}},
		"OAuth":  {OAuth: &config.OAuth{URL: srv.URL + "/token", Method: "POST", ClientID: "client", ClientSecret: "s3cret"}},
		"BadKey": {OAuth: &config.OAuth{URL: srv.URL + "/token", Method: "POST", ClientID: "client", ClientSecret: "wrong"}},
	}}
	conn := func(name string) string {
		return `"Authentication":{"ConnectionArn":"arn:aws:events:eu-west-2:111122223333:connection/` + name + `/0e2c0f6d-1b8c-4c57-9c1a-3f0c2c0e1a55"}`
	}
	run(t, cfg, httptask.InvokeARN, `{"ApiEndpoint":"`+srv.URL+`/json","Method":"GET",`+conn("Basic")+`}`, `{}`, nil)
	if s := <-got; s.auth != "Basic dTpw" {
		t.Errorf("basic: %+v", s)
	}
	run(t, cfg, httptask.InvokeARN, `{"ApiEndpoint":"`+srv.URL+`/json","Method":"POST","RequestBody":{"a":1},`+conn("Key")+`}`, `{}`, nil)
	if s := <-got; s.apiKey != "k-1" || s.query != "tenant=t1" || s.body != `{"a":1,"source":"baton"}` {
		t.Errorf("api key: %+v", s)
	}
	for range 2 {
		run(t, cfg, httptask.InvokeARN, `{"ApiEndpoint":"`+srv.URL+`/json","Method":"GET",`+conn("OAuth")+`}`, `{}`, nil)
		if s := <-got; s.auth != "Bearer tok-1" {
			t.Errorf("oauth: %+v", s)
		}
	}
	if n := tokens.Load(); n != 1 {
		t.Errorf("the OAuth token was fetched %d times, want once", n)
	}
	ex := run(t, cfg, httptask.InvokeARN, `{"ApiEndpoint":"`+srv.URL+`/json","Method":"GET",`+conn("BadKey")+`}`, `{}`, nil)
	if ex.Failure == nil || ex.Failure.Error != "Events.ConnectionResource.InvalidConnectionState" {
		t.Errorf("bad oauth: %+v", ex.Failure)
	}
	ex = run(t, cfg, httptask.InvokeARN, `{"ApiEndpoint":"`+srv.URL+`/json","Method":"GET",`+conn("Nowhere")+`}`, `{}`, nil)
	if ex.Failure == nil || ex.Failure.Error != "Events.ConnectionResource.ResourceNotFound" || !strings.Contains(ex.Failure.Cause, "baton.yaml") {
		t.Errorf("unknown connection: %+v", ex.Failure)
	}
}

func TestCallback(t *testing.T) {
	srv, got, _ := server(t)
	defer srv.Close()
	cb := driver.NewCallbacks()
	// The approver answers once the call has returned: once the run has
	// recorded TaskSubmitted.
	approve := func(o *driver.Observation) {
		for _, e := range o.Events {
			if e.Type != history.TaskSubmitted {
				continue
			}
			var body struct{ Token string }
			if s := <-got; json.Unmarshal([]byte(s.body), &body) != nil || body.Token == "" {
				t.Errorf("the request %+v carries no token", s)
			}
			go func() {
				if err := cb.Success(body.Token, value.MustParse(`{"approved":"by hand"}`)); err != nil {
					t.Errorf("the approver: %v", err)
				}
			}()
		}
	}
	ex := runWith(t, nil, httptask.InvokeCallbackARN, `{"ApiEndpoint":"`+srv.URL+`/later","Method":"POST","RequestBody":{"Token.$":"$$.Task.Token"}}`, `{}`, driver.Local{Callbacks: cb, Observe: approve})
	if ex.Status != interpreter.Succeeded || value.String(ex.Output) != `{"approved":"by hand"}` {
		t.Fatalf("%v %+v %s", ex.Status, ex.Failure, value.String(ex.Output))
	}
}

// reply writes a test server's answer; the code under test reads it.
func reply(t testing.TB, w http.ResponseWriter, body string) {
	if _, err := io.WriteString(w, body); err != nil {
		t.Errorf("answering %q: %v", body, err)
	}
}
