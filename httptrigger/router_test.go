package httptrigger

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/eventpattern"
	"github.com/baton-sh/baton/internal/golden"
	"github.com/baton-sh/baton/sigv4"
	"github.com/baton-sh/baton/trigger"
)

// starter records the starts; state machines named after an outcome
// answer with it.
type starter struct {
	mu          sync.Mutex
	last        *engine.StartExecutionInput
	lastMachine string
	sync        bool
}

var outage = errors.New("disk full")

func (s *starter) record(in *engine.StartExecutionInput, sync bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.last, s.sync = in, sync
	s.lastMachine = in.StateMachineArn[strings.LastIndex(in.StateMachineArn, ":")+1:]
	switch {
	case strings.HasSuffix(in.StateMachineArn, ":missing"):
		return &engine.Error{Code: engine.StateMachineDoesNotExist, Message: "State Machine Does Not Exist: '" + in.StateMachineArn + "'"}
	case strings.HasSuffix(in.StateMachineArn, ":outage"):
		return outage
	case strings.HasSuffix(in.StateMachineArn, ":bug"):
		return errors.New("a bug")
	}
	return nil
}

func (s *starter) StartExecution(_ context.Context, in *engine.StartExecutionInput) (*engine.StartExecutionOutput, error) {
	if err := s.record(in, false); err != nil {
		return nil, err
	}
	return &engine.StartExecutionOutput{ExecutionArn: "arn:aws:states:us-east-1:123456789012:execution:x:1", StartDate: engine.Time(time.Unix(1700000000, 250e6))}, nil
}

func (s *starter) StartSyncExecution(_ context.Context, in *engine.StartExecutionInput) (*engine.StartSyncExecutionOutput, error) {
	if err := s.record(in, true); err != nil {
		return nil, err
	}
	out := &engine.StartSyncExecutionOutput{ExecutionArn: "arn:aws:states:us-east-1:123456789012:express:x:1:2", Status: "SUCCEEDED"}
	switch {
	case strings.HasSuffix(in.StateMachineArn, ":failing"):
		out.Status, out.Error, out.Cause = "FAILED", "Oops", "it broke"
	case strings.HasSuffix(in.StateMachineArn, ":slow"):
		out.Status, out.Error, out.Cause = "TIMED_OUT", "States.Timeout", ""
	default:
		o := `{"echo":` + in.Input + `}`
		out.Output = &o
	}
	return out, nil
}

func (s *starter) input() (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.last == nil {
		return "", false
	}
	in := s.last.Input
	s.last = nil
	return in, true
}

func newRoute(method, path, sm string) trigger.HTTP {
	return trigger.HTTP{Method: method, Path: path, Target: trigger.Target{StateMachine: sm}}
}

func testRoutes() []trigger.HTTP {
	sync := newRoute("POST", "/quote", "quote")
	sync.Sync = true
	failing := newRoute("POST", "/fail", "failing")
	failing.Sync = true
	slow := newRoute("POST", "/slow", "slow")
	slow.Sync = true
	proxy := newRoute("POST", "/proxy/{id}", "proxy")
	proxy.Template = "lambda_proxy"
	mapped := newRoute("GET", "/orders/{id}/status", "status")
	mapped.Mapping = &eventpattern.Target{InputTransformer: &eventpattern.InputTransformer{
		InputPathsMap: map[string]string{"id": "$.path.id", "q": "$.querystring.q", "agent": "$.header.User-Agent", "item": "$.body.item"},
		InputTemplate: `{"id": <id>, "q": <q>, "agent": <agent>, "item": <item>}`}}
	constant := newRoute("POST", "/ping", "ping")
	constant.Input = `{"ping": true}`
	prod := newRoute("POST", "orders", "prod-orders")
	prod.Stage = "prod"
	signed := newRoute("POST", "/signed", "orders")
	signed.IAM = true
	return []trigger.HTTP{
		newRoute("POST", "/orders", "orders"),
		newRoute("POST", "/orders/{id}", "order"),
		newRoute("GET", "/orders/new", "new-order"),
		newRoute("ANY", "/orders/{id}", "any-order"),
		newRoute("GET", "/files/{path+}", "files"),
		newRoute("POST", "/", "root"),
		newRoute("POST", "/missing", "missing"),
		newRoute("POST", "/outage", "outage"),
		newRoute("POST", "/bug", "bug"),
		sync, failing, slow, proxy, mapped, constant, prod, signed,
	}
}

func newRouter(t testing.TB, keys map[string]string) (*Router, *starter) {
	t.Helper()
	s := &starter{}
	rt, err := New(s, testRoutes(), Options{Account: "123456789012", Keys: keys, Now: func() time.Time { return testNow },
		Unavailable: func(err error) bool { return errors.Is(err, outage) }})
	if err != nil {
		t.Fatal(err)
	}
	return rt, s
}

var testNow = time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)

func serve(rt http.Handler, method, target, body string, header map[string]string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	for k, v := range header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	rt.ServeHTTP(w, r)
	return w
}

// Each request reaches the route API Gateway would pick: literal
// segments before a parameter, a parameter before a greedy one, a method
// before ANY; others are answered "Missing Authentication Token".
func TestRouting(t *testing.T) {
	rt, s := newRouter(t, nil)
	cases := []struct {
		method, target string
		want           string // the state machine started, or the status
	}{
		{"POST", "/dev/orders", "orders"},
		{"POST", "/dev/orders/", "orders"},
		{"POST", "/dev/orders/42", "order"},
		{"GET", "/dev/orders/new", "new-order"},
		{"POST", "/dev/orders/new", "order"},
		{"DELETE", "/dev/orders/42", "any-order"},
		{"GET", "/dev/orders/42", "any-order"},
		{"GET", "/dev/files/a/b/c.txt", "files"},
		{"GET", "/dev/files", "403"},
		{"POST", "/dev/files/a", "403"},
		{"POST", "/dev", "root"},
		{"POST", "/dev/", "root"},
		{"GET", "/dev/orders", "403"},
		{"POST", "/dev/nothing", "403"},
		{"POST", "/dev/orders/42/more", "403"},
		{"POST", "/prod/orders", "prod-orders"},
		{"POST", "/prod/quote", "403"},
		{"POST", "/test/orders", "403"},
		{"POST", "/dev/orders%2F42", "403"},
		{"POST", "/dev/orders/a%2Fb", "order"},
	}
	for _, c := range cases {
		w := serve(rt, c.method, c.target, "", nil)
		_, started := s.input()
		got := w.Result().Status[:3]
		if started {
			s.mu.Lock()
			got = s.lastMachine
			s.mu.Unlock()
		}
		if got != c.want {
			t.Errorf("%s %s: %s, want %s (%s)", c.method, c.target, got, c.want, w.Body)
		}
		if c.want == "403" && (w.Body.String() != `{"message":"Missing Authentication Token"}` || w.Header().Get("X-Amzn-ErrorType") != "MissingAuthenticationTokenException") {
			t.Errorf("%s %s: %s", c.method, c.target, w.Body)
		}
	}
}

// The execution's input: the body (JSON, a form, nothing), a constant,
// or a mapping of the request.
func TestInput(t *testing.T) {
	rt, s := newRouter(t, nil)
	cases := []struct {
		name, method, target, body, contentType string
		want                                    string
	}{
		{"json", "POST", "/dev/orders", `{"item": "book", "n": 2.50}`, "application/json", `{"item":"book","n":2.50}`},
		{"no content type", "POST", "/dev/orders", `[1, 2]`, "", `[1,2]`},
		{"empty", "POST", "/dev/orders", ``, "application/json", `{}`},
		{"blank", "POST", "/dev/orders", " \n", "", `{}`},
		{"form", "POST", "/dev/orders", `item=book&n=2&item=pen`, "application/x-www-form-urlencoded", `{"item":"book","n":"2"}`},
		{"json sent as a form (curl -d)", "POST", "/dev/orders", `{"foo":"bar"}`, "application/x-www-form-urlencoded", `{"foo":"bar"}`},
		{"constant", "POST", "/dev/ping", `not even json`, "text/plain", `{"ping": true}`},
		{"mapping", "GET", "/dev/orders/a%20b/status?q=fast&q=slow", `{"item": {"sku": 7}}`, "application/json",
			`{"id": "a b", "q": "fast", "agent": "tester", "item": {"sku":7}}`},
		{"mapping, no body", "GET", "/dev/orders/7/status", ``, "", `{"id": "7", "q": null, "agent": "tester", "item": null}`},
	}
	for _, c := range cases {
		w := serve(rt, c.method, c.target, c.body, map[string]string{"Content-Type": c.contentType, "User-Agent": "tester"})
		got, ok := s.input()
		if w.Code != 200 || !ok || got != c.want {
			t.Errorf("%s: %d %s, input %s, want %s", c.name, w.Code, w.Body, got, c.want)
		}
	}
}

// Bad bodies are refused before anything starts, as API Gateway refuses
// them.
func TestBadBodies(t *testing.T) {
	rt, s := newRouter(t, nil)
	cases := []struct {
		name, target, body string
		status             int
		want               string
	}{
		{"not json", "/dev/orders", `{"item": `, 400, `{"message":"Could not parse request body into json: `},
		{"text after", "/dev/orders", `{} {}`, 400, `{"message":"Could not parse request body into json: `},
		{"mapping, not json", "/dev/orders/1/status", `nope`, 400, `{"message":"Could not parse request body into json: `},
		{"too long", "/dev/orders", `"` + strings.Repeat("x", MaxBody) + `"`, 413, `HTTP content length exceeded 10485760 bytes.`},
	}
	for _, c := range cases {
		method := "POST"
		if strings.HasSuffix(c.target, "/status") {
			method = "GET"
		}
		w := serve(rt, method, c.target, c.body, nil)
		if w.Code != c.status || !strings.HasPrefix(w.Body.String(), c.want) {
			t.Errorf("%s: %d %s", c.name, w.Code, w.Body)
		}
		if _, started := s.input(); started {
			t.Errorf("%s: an execution started", c.name)
		}
	}
}

// The answers, as API Gateway's Step Functions integration gives them.
func TestAnswers(t *testing.T) {
	rt, _ := newRouter(t, nil)
	cases := []struct {
		target, body string
		status       int
		errorType    string
		want         string
	}{
		{"/dev/orders", `{}`, 200, "", `{"executionArn":"arn:aws:states:us-east-1:123456789012:execution:x:1","startDate":1700000000.250}`},
		{"/dev/quote", `{"n": 1}`, 200, "", `{"echo":{"n":1}}`},
		{"/dev/fail", `{}`, 500, "", `{"executionArn":"arn:aws:states:us-east-1:123456789012:express:x:1:2","status":"FAILED","error":"Oops","cause":"it broke"}`},
		{"/dev/slow", `{}`, 504, "", `{"executionArn":"arn:aws:states:us-east-1:123456789012:express:x:1:2","status":"TIMED_OUT","error":"States.Timeout"}`},
		{"/dev/missing", `{}`, 400, "StateMachineDoesNotExist",
			`{"__type":"StateMachineDoesNotExist","message":"State Machine Does Not Exist: 'arn:aws:states:us-east-1:123456789012:stateMachine:missing'"}`},
		{"/dev/outage", `{}`, 503, "ServiceUnavailable", `{"message":"Service Unavailable"}`},
		{"/dev/bug", `{}`, 500, "", `{"message":"Internal server error"}`},
	}
	for _, c := range cases {
		w := serve(rt, "POST", c.target, c.body, nil)
		if w.Code != c.status || w.Body.String() != c.want || w.Header().Get("X-Amzn-ErrorType") != c.errorType {
			t.Errorf("%s: %d %s %s\nwant %d %s %s", c.target, w.Code, w.Header().Get("X-Amzn-ErrorType"), w.Body, c.status, c.errorType, c.want)
		}
		if ct := w.Header().Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s: Content-Type %q", c.target, ct)
		}
		if len(w.Header()["x-amzn-RequestId"]) != 1 {
			t.Errorf("%s: no request id", c.target)
		}
	}
}

// A route's trace header reaches the execution it starts.
func TestTraceHeader(t *testing.T) {
	rt, s := newRouter(t, nil)
	serve(rt, "POST", "/dev/orders", `{}`, map[string]string{"X-Amzn-Trace-Id": "Root=1-5759e988-bd862e3fe1be46a994272793"})
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.last == nil || s.last.TraceHeader != "Root=1-5759e988-bd862e3fe1be46a994272793" {
		t.Errorf("started %+v", s.last)
	}
}

var uuid = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// The lambda_proxy template gives API Gateway's Lambda proxy event.
func TestLambdaProxy(t *testing.T) {
	rt, s := newRouter(t, nil)
	for _, c := range []struct{ target, body, contentType string }{
		{"/dev/proxy/a%2Fb?x=1&x=2&y=", `{"not": "parsed"}`, "application/json"},
		{"/dev/proxy/7", "", ""},
		{"/dev/proxy/bin", "\xff\xfe", "application/octet-stream"},
	} {
		r := httptest.NewRequest("POST", c.target, strings.NewReader(c.body))
		r.Header = http.Header{"User-Agent": {"tester"}, "X-Custom": {"one", "two"}}
		if c.contentType != "" {
			r.Header.Set("Content-Type", c.contentType)
		}
		w := httptest.NewRecorder()
		rt.ServeHTTP(w, r)
		in, ok := s.input()
		if w.Code != 200 || !ok {
			t.Fatalf("%s: %d %s", c.target, w.Code, w.Body)
		}
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, []byte(in), "", "  "); err != nil {
			t.Fatal(err)
		}
		golden.Check(t, "testdata/lambda_proxy"+strings.NewReplacer("/", "_", "?", "_", "%", "_", "&", "_", "=", "_").Replace(c.target)+".json",
			[]byte(uuid.ReplaceAllString(pretty.String(), "<request id>")+"\n"))
	}
}

// An IAM route takes requests signed for execute-api with a key the
// server knows; without keys (a server that takes any request) it takes
// any.
func TestIAM(t *testing.T) {
	keys := map[string]string{"AKIDTEST": "secret"}
	rt, s := newRouter(t, keys)
	signed := func(service, id, secret string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", "http://localhost/dev/signed", strings.NewReader(`{}`))
		sigv4.Sign(r, []byte(`{}`), "us-east-1", service, id, secret, "", testNow)
		w := httptest.NewRecorder()
		rt.ServeHTTP(w, r)
		return w
	}
	if w := signed("execute-api", "AKIDTEST", "secret"); w.Code != 200 {
		t.Errorf("signed: %d %s", w.Code, w.Body)
	}
	if w := signed("states", "AKIDTEST", "secret"); w.Code != 403 {
		t.Errorf("signed for states: %d %s", w.Code, w.Body)
	}
	if w := signed("execute-api", "AKIDTEST", "wrong"); w.Code != 403 {
		t.Errorf("a wrong secret: %d %s", w.Code, w.Body)
	}
	s.input()
	if w := serve(rt, "POST", "/dev/signed", `{}`, nil); w.Code != 403 || w.Body.String() != `{"message":"Missing Authentication Token"}` {
		t.Errorf("unsigned: %d %s", w.Code, w.Body)
	}
	if _, started := s.input(); started {
		t.Error("an unsigned request started an execution")
	}
	// Other routes take unsigned requests: API Gateway's default.
	if w := serve(rt, "POST", "/dev/orders", `{}`, nil); w.Code != 200 {
		t.Errorf("an open route: %d %s", w.Code, w.Body)
	}
	open, _ := newRouter(t, nil)
	if w := serve(open, "POST", "/dev/signed", `{}`, nil); w.Code != 200 {
		t.Errorf("no keys: %d %s", w.Code, w.Body)
	}
}

// New refuses routes API Gateway would refuse together, and those that
// would shadow the server's own paths, every problem at once.
func TestNewRefuses(t *testing.T) {
	withStage := func(h trigger.HTTP, stage string) trigger.HTTP { h.Stage = stage; return h }
	withSource := func(h trigger.HTTP, src string) trigger.HTTP { h.Source = src; return h }
	cases := []struct {
		name   string
		routes []trigger.HTTP
		want   string
	}{
		{"twice", []trigger.HTTP{withSource(newRoute("POST", "/a/{id}", "m"), "serverless.yml: hello.events[0]"), newRoute("post", "a/{id}/", "m")},
			`http[1]: POST a/{id}/ in stage "dev" is declared twice (first at serverless.yml: hello.events[0])`},
		{"siblings", []trigger.HTTP{newRoute("GET", "/a/{id}", "m"), newRoute("POST", "/a/{name}/b", "m")},
			`http[1]: path "/a/{name}/b": a sibling ({id}) of this resource already has a variable path part -- only one is allowed`},
		{"greedy sibling", []trigger.HTTP{newRoute("GET", "/a/{id}", "m"), newRoute("POST", "/a/{rest+}", "m")},
			`http[1]: path "/a/{rest+}": a sibling ({id}) of this resource already has a variable path part -- only one is allowed`},
		{"reserved stage", []trigger.HTTP{withStage(newRoute("GET", "/x", "m"), "console"), withStage(newRoute("GET", "/x", "m"), "healthz")},
			"http[0]: stage: \"console\" would shadow baton serve's own /console/ (reserved: assets, console, healthz, readyz, metrics)\n" +
				"http[1]: stage: \"healthz\" would shadow baton serve's own /healthz/ (reserved: assets, console, healthz, readyz, metrics)"},
		{"each on its own", []trigger.HTTP{{Method: "FETCH", Path: "/a/{b+}/c", Stage: "no/slash", Template: "velocity"}},
			"http[0]: stage: \"no/slash\" is not a stage name (letters, digits, '-' and '_')\n" +
				"http[0]: method: \"FETCH\" is not one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, ANY\n" +
				"http[0]: path: \"/a/{b+}/c\": the greedy parameter {b+} must be the path's last segment\n" +
				"http[0]: stateMachine: name the state machine the route starts\n" +
				"http[0]: template: \"velocity\" is not a template Baton knows (lambda_proxy, or none for the body)"},
		{"template and mapping", []trigger.HTTP{{Method: "GET", Path: "/", Target: trigger.Target{StateMachine: "m"}, Template: "lambda_proxy",
			Mapping: &eventpattern.Target{InputPath: "$.body", Input: "{}"}}},
			"http[0]: template: a route takes a template or a mapping (input, inputPath, inputTransformer), not both\n" +
				"http[0]: input: Only one of Input, InputPath, or InputTransformer may be provided"},
	}
	for _, c := range cases {
		_, err := New(&starter{}, c.routes, Options{})
		if err == nil || err.Error() != c.want {
			t.Errorf("%s: got\n%v\nwant\n%s", c.name, err, c.want)
		}
	}
	// The same path in two stages, and one method beside ANY, are fine.
	if _, err := New(&starter{}, []trigger.HTTP{newRoute("GET", "/a", "m"), withStage(newRoute("GET", "/a", "m"), "prod"), newRoute("ANY", "/a", "m")}, Options{}); err != nil {
		t.Error(err)
	}
}

func TestStages(t *testing.T) {
	rt, _ := newRouter(t, nil)
	if got := strings.Join(rt.Stages(), ","); got != "dev,prod" {
		t.Errorf("stages %s", got)
	}
}

// FuzzRequest: whatever the path, body and content type, a route answers
// JSON with one of the statuses it documents, and an execution's input is
// JSON.
func FuzzRequest(f *testing.F) {
	f.Add("POST", "/dev/orders/42", `{"item": "book"}`, "application/json")
	f.Add("GET", "/dev/orders/a%2Fb/status?q=1", `{"item": [1]}`, "")
	f.Add("POST", "/dev/proxy/x", "\xff", "application/octet-stream")
	f.Add("POST", "/dev/orders", "a=1&b", "application/x-www-form-urlencoded")
	f.Add("POST", "/dev/quote", `{`, "text/plain")
	rt, s := newRouter(f, nil)
	allowed := map[int]bool{200: true, 400: true, 403: true, 413: true, 500: true, 503: true, 504: true}
	f.Fuzz(func(t *testing.T, method, target, body, contentType string) {
		r, err := http.NewRequest(method, "http://localhost"+target, strings.NewReader(body))
		if err != nil || !strings.HasPrefix(r.URL.Path, "/") {
			return
		}
		r.Header.Set("Content-Type", contentType)
		r.RemoteAddr = "192.0.2.1:1234"
		w := httptest.NewRecorder()
		rt.ServeHTTP(w, r)
		if !allowed[w.Code] || !json.Valid(w.Body.Bytes()) && w.Code != 413 {
			t.Fatalf("%s %q %q: %d %q", method, target, body, w.Code, w.Body)
		}
		if in, ok := s.input(); ok && !json.Valid([]byte(in)) {
			t.Fatalf("%s %q %q: input %q is not JSON", method, target, body, in)
		}
	})
}
