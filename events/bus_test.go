package events

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/eventpattern"
	"github.com/baton-sh/baton/internal/golden"
	"github.com/baton-sh/baton/store"
	"github.com/baton-sh/baton/trigger"
)

// starter records the executions a bus starts. Targets named "fail" fail
// as a store outage does, "refuse" as the engine refuses a start.
type starter struct {
	mu      sync.Mutex
	started []*engine.StartExecutionInput
	names   map[string]bool
}

func (s *starter) StartExecution(_ context.Context, in *engine.StartExecutionInput) (*engine.StartExecutionOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case strings.HasSuffix(in.StateMachineArn, ":fail"):
		return nil, errors.New("disk full")
	case strings.HasSuffix(in.StateMachineArn, ":refuse"):
		return nil, &engine.Error{Code: engine.StateMachineDoesNotExist, Message: "State Machine Does Not Exist: '" + in.StateMachineArn + "'"}
	}
	if s.names == nil {
		s.names = map[string]bool{}
	}
	key := in.StateMachineArn + "/" + in.Name
	if s.names[key] {
		return nil, &engine.Error{Code: engine.ExecutionAlreadyExists, Message: "Execution Already Exists"}
	}
	s.names[key] = true
	s.started = append(s.started, in)
	name := strings.TrimPrefix(in.StateMachineArn, "arn:aws:states:us-east-1:123456789012:stateMachine:")
	return &engine.StartExecutionOutput{ExecutionArn: "arn:aws:states:us-east-1:123456789012:execution:" + name + ":" + in.Name}, nil
}

func (s *starter) take() []*engine.StartExecutionInput {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.started
	s.started = nil
	return out
}

var testNow = time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)

func testRules() []trigger.Rule {
	return []trigger.Rule{
		{Name: "big-orders", Pattern: `{"source": ["shop"], "detail": {"total": [{"numeric": [">", 100]}]}}`,
			Target: trigger.Target{StateMachine: "orders"}, Transform: eventpattern.Target{InputPath: "$.detail"}},
		{Name: "everything-shop", Pattern: `{"source": ["shop"]}`, Target: trigger.Target{StateMachine: "audit"},
			Transform: eventpattern.Target{InputTransformer: &eventpattern.InputTransformer{
				InputPathsMap: map[string]string{"type": "$.detail-type"},
				InputTemplate: `{"type": <type>, "rule": <aws.events.rule-name>, "arn": <aws.events.rule-arn>}`}}},
		{Name: "orders-bus", EventBus: "orders", Pattern: `{"source": [{"prefix": ""}]}`, Target: trigger.Target{StateMachine: "bus-orders"}},
		{Name: "off", Pattern: `{"source": ["shop"]}`, Target: trigger.Target{StateMachine: "never"}, Disabled: true},
		{Name: "fails", Pattern: `{"source": ["fail"]}`, Target: trigger.Target{StateMachine: "fail"}},
		{Name: "refused", Pattern: `{"source": ["refuse"]}`, Target: trigger.Target{StateMachine: "refuse"}},
		{Name: "on-failure", Pattern: `{"source": ["aws.states"], "detail": {"status": ["FAILED"]}}`,
			Target: trigger.Target{StateMachine: "alert"}, Transform: eventpattern.Target{InputPath: "$.detail.executionArn"}},
	}
}

func newBus(t *testing.T, rules []trigger.Rule) (*Bus, *starter) {
	t.Helper()
	s := &starter{}
	b, err := New(s, rules, Options{Account: "123456789012", Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	return b, s
}

// put sends a PutEvents request to the bus's handler.
func put(t *testing.T, h http.Handler, body string, header map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	r.Header.Set("X-Amz-Target", "AWSEvents.PutEvents")
	for k, v := range header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func handlerOf(b *Bus) http.Handler {
	return b.Handler(HandlerOptions{Caller: func(*http.Request, []byte) (string, error) { return "us-east-1", nil }})
}

var uuid = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// TestPutEventsGolden answers each request of testdata/putevents.txt and
// compares the answers, and the executions they started, with
// testdata/putevents.golden.
func TestPutEventsGolden(t *testing.T) {
	var out bytes.Buffer
	for _, line := range golden.Cases(t, "testdata/putevents.txt") {
		b, s := newBus(t, testRules())
		w := put(t, handlerOf(b), line, nil)
		body := uuid.ReplaceAllString(w.Body.String(), "<id>")
		out.WriteString(line + "\n  " + w.Result().Status + " " + w.Header().Get("X-Amzn-ErrorType") + "\n  " + body + "\n")
		for _, st := range s.take() {
			out.WriteString("  started " + strings.TrimPrefix(st.StateMachineArn, "arn:aws:states:us-east-1:123456789012:stateMachine:") + " " + uuid.ReplaceAllString(st.Input, "<id>") + "\n")
		}
		if ct := w.Header().Get("Content-Type"); ct != "application/x-amz-json-1.1" {
			t.Errorf("%s: Content-Type %q", line, ct)
		}
	}
	golden.Check(t, "testdata/putevents.golden", out.Bytes())
}

// The event a rule's target receives is EventBridge's envelope, the
// entry's fields in it.
func TestEnvelope(t *testing.T) {
	b, s := newBus(t, []trigger.Rule{{Name: "all", Pattern: `{"source": ["shop"]}`, Target: trigger.Target{StateMachine: "orders"}}})
	w := put(t, handlerOf(b), `{"Entries": [{"Source": "shop", "DetailType": "OrderPlaced", "Detail": "{\"total\": 1.50, \"items\": [1]}",
		"Resources": ["arn:aws:s3:::bucket"], "Time": 1700000000.5, "TraceHeader": "Root=1-5759e988-bd862e3fe1be46a994272793"}]}`, nil)
	var res PutEventsOutput
	if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil || res.FailedEntryCount != 0 || len(res.Entries) != 1 {
		t.Fatalf("answer %s (%v)", w.Body, err)
	}
	started := s.take()
	if len(started) != 1 {
		t.Fatalf("started %d executions", len(started))
	}
	want := `{"version":"0","id":"` + res.Entries[0].EventID + `","detail-type":"OrderPlaced","source":"shop","account":"123456789012",` +
		`"time":"2023-11-14T22:13:20Z","region":"us-east-1","resources":["arn:aws:s3:::bucket"],"detail":{"total":1.50,"items":[1]}}`
	if started[0].Input != want {
		t.Errorf("input\n%s\nwant\n%s", started[0].Input, want)
	}
	if started[0].TraceHeader != "Root=1-5759e988-bd862e3fe1be46a994272793" {
		t.Errorf("trace header %q", started[0].TraceHeader)
	}
	if !uuid.MatchString(started[0].Name) || started[0].Name != executionName("default", "all", res.Entries[0].EventID, 0) {
		t.Errorf("execution name %q", started[0].Name)
	}
}

// Entries larger than 256 KB together are refused as a whole, counted as
// AWS counts them.
func TestPutEventsSize(t *testing.T) {
	b, s := newBus(t, testRules())
	entry := func(n int) string {
		return `{"Source": "shop", "DetailType": "x", "Detail": "{\"a\": \"` + strings.Repeat("x", n) + `\"}"}`
	}
	// Source (4) + DetailType (1) + Detail (9 + n) = 14 + n per entry.
	fits := MaxEntrySize/2 - 14
	w := put(t, handlerOf(b), `{"Entries": [`+entry(fits)+`, `+entry(fits)+`]}`, nil)
	if w.Code != 200 {
		t.Fatalf("two entries of %d bytes: %d %s", MaxEntrySize, w.Code, w.Body)
	}
	if n := len(s.take()); n != 2 {
		t.Errorf("started %d executions, want 2", n)
	}
	w = put(t, handlerOf(b), `{"Entries": [`+entry(fits)+`, `+entry(fits+1)+`]}`, nil)
	if w.Code != 400 || w.Header().Get("X-Amzn-ErrorType") != "ValidationException" ||
		!strings.Contains(w.Body.String(), "Total size of the entries in the request is over the limit.") {
		t.Errorf("one byte over: %d %s", w.Code, w.Body)
	}
	if n := len(s.take()); n != 0 {
		t.Errorf("a refused request started %d executions", n)
	}
	w = put(t, handlerOf(b), `{"Entries": [`+entry(maxBody)+`]}`, nil)
	if w.Code != 413 {
		t.Errorf("a body over %d bytes: %d %s", maxBody, w.Code, w.Body)
	}
}

func TestUnknownOperation(t *testing.T) {
	b, _ := newBus(t, nil)
	w := put(t, handlerOf(b), `{"Name": "r"}`, map[string]string{"X-Amz-Target": "AWSEvents.PutRule"})
	if w.Code != 400 || w.Header().Get("X-Amzn-ErrorType") != "UnknownOperationException" {
		t.Errorf("PutRule: %d %s", w.Code, w.Body)
	}
}

func TestCallerRefuses(t *testing.T) {
	b, s := newBus(t, testRules())
	h := b.Handler(HandlerOptions{Caller: func(*http.Request, []byte) (string, error) {
		return "", errors.New("MissingAuthenticationTokenException: Missing Authentication Token")
	}})
	w := put(t, h, `{"Entries": [{"Source": "shop", "DetailType": "x", "Detail": "{}"}]}`, nil)
	if w.Code != 403 || w.Header().Get("X-Amzn-ErrorType") != "MissingAuthenticationTokenException" || len(s.take()) != 0 {
		t.Errorf("unsigned: %d %s", w.Code, w.Body)
	}
}

// Status-change events become notices only when a rule of the default bus
// matches them, and their delivery starts the rule's target once however
// often it is delivered.
func TestStatusNotices(t *testing.T) {
	b, s := newBus(t, testRules())
	rec := &store.Execution{ARN: "arn:aws:states:us-east-1:123456789012:execution:pay:one", StateMachineARN: "arn:aws:states:us-east-1:123456789012:stateMachine:pay",
		Name: "one", Status: "RUNNING", Start: testNow, Input: "{}"}
	if n := b.StatusNotices("", rec, testNow); len(n) != 0 {
		t.Errorf("RUNNING: %d notices, want none (no rule matches)", len(n))
	}
	failed := *rec
	failed.Status, failed.Stop, failed.Error = "FAILED", testNow, "Oops"
	notices := b.StatusNotices("RUNNING", &failed, testNow)
	if len(notices) != 1 || notices[0].Target != NoticeTarget {
		t.Fatalf("FAILED: notices %+v", notices)
	}
	// Failing in its first step, it was RUNNING first: one notice still.
	if n := b.StatusNotices("", &failed, testNow); len(n) != 1 {
		t.Errorf("FAILED at once: %d notices", len(n))
	}
	express := failed
	express.Express = true
	if n := b.StatusNotices("RUNNING", &express, testNow); len(n) != 0 {
		t.Errorf("Express: %d notices, want none (as on AWS)", len(n))
	}
	for range 3 {
		if err := b.Deliver(context.Background(), notices[0].Body); err != nil {
			t.Fatal(err)
		}
	}
	started := s.take()
	if len(started) != 1 || started[0].StateMachineArn != "arn:aws:states:us-east-1:123456789012:stateMachine:alert" || started[0].Input != `"`+rec.ARN+`"` {
		t.Errorf("delivered three times, started %+v", started)
	}
	noRules, _ := newBus(t, nil)
	if n := noRules.StatusNotices("RUNNING", &failed, testNow); n != nil {
		t.Errorf("no rules: %d notices", len(n))
	}
}

// A delivery whose target could not be started for a reason a retry could
// cure asks to be delivered again; a refusal does not.
func TestDeliverRetries(t *testing.T) {
	b, _ := newBus(t, []trigger.Rule{
		{Name: "a", Pattern: `{"detail": {"status": ["FAILED"]}}`, Target: trigger.Target{StateMachine: "fail"}},
		{Name: "b", Pattern: `{"detail": {"status": ["ABORTED"]}}`, Target: trigger.Target{StateMachine: "refuse"}},
	})
	ev := func(status string) []byte {
		return []byte(`{"version":"0","id":"e1","detail-type":"Step Functions Execution Status Change","source":"aws.states","region":"us-east-1","detail":{"status":"` + status + `","executionArn":"x"}}`)
	}
	if err := b.Deliver(context.Background(), ev("FAILED")); err == nil {
		t.Error("a store outage: no error")
	}
	if err := b.Deliver(context.Background(), ev("ABORTED")); err != nil {
		t.Errorf("a refusal: %v", err)
	}
	if err := b.Deliver(context.Background(), []byte("not json")); err != nil {
		t.Errorf("garbage: %v", err)
	}
}

// A rule that starts its own machine on that machine's status changes
// stops after MaxChain executions.
func TestLoopStops(t *testing.T) {
	s := &starter{}
	b, err := New(s, []trigger.Rule{{Name: "loop", Pattern: `{"source": ["aws.states"]}`, Target: trigger.Target{StateMachine: "loop"}}},
		Options{Account: "123456789012", MaxChain: 5})
	if err != nil {
		t.Fatal(err)
	}
	name := "first"
	for i := 0; i < 20; i++ {
		rec := &store.Execution{ARN: "arn:aws:states:us-east-1:123456789012:execution:loop:" + name, StateMachineARN: "arn:aws:states:us-east-1:123456789012:stateMachine:loop",
			Name: name, Status: "FAILED", Start: testNow, Stop: testNow}
		notices := b.StatusNotices("RUNNING", rec, testNow)
		if len(notices) != 1 {
			t.Fatalf("hop %d: %d notices", i, len(notices))
		}
		if err := b.Deliver(context.Background(), notices[0].Body); err != nil {
			t.Fatal(err)
		}
		started := s.take()
		if len(started) == 0 {
			if i != 5 {
				t.Errorf("the chain stopped after %d executions, want 5", i)
			}
			return
		}
		name = started[0].Name
	}
	t.Error("the chain never stopped")
}

// The place in a chain travels in the names rules give executions, and
// nowhere else.
func TestPlaceInName(t *testing.T) {
	for place := 0; place <= maxPlace; place++ {
		name := executionName("default", "r", "e1", place)
		if !uuid.MatchString(name) || len(name) != 36 || placeOf(name) != place {
			t.Fatalf("place %d: name %s reads %d", place, name, placeOf(name))
		}
	}
	if executionName("default", "r", "e1", 1) == executionName("default", "r", "e2", 1) || executionName("a", "r", "e1", 1) == executionName("b", "r", "e1", 1) {
		t.Error("names of different events or buses coincide")
	}
	for _, name := range []string{"", "first", engine.NewUUID(), "8f4e0a2c-7b1d-5c3e-9a4f-000000000003",
		executionName("default", "r", "e1", 3)[:35] + "4"} {
		if p := placeOf(name); p != 0 {
			t.Errorf("placeOf(%q) = %d, want 0", name, p)
		}
	}
}

// New refuses what PutRule and PutTargets would, every problem at once,
// each named by its rule's Source.
func TestNewRefuses(t *testing.T) {
	_, err := New(&starter{}, []trigger.Rule{
		{Name: "ok", Pattern: `{"source": ["a"]}`, Target: trigger.Target{StateMachine: "m"}, Source: "baton.yaml: rules[0]"},
		{Name: "ok", Pattern: `{"source": ["b"]}`, Target: trigger.Target{StateMachine: "m"}, Source: "baton.yaml: rules[1]"},
		{Name: "ok", EventBus: "other", Pattern: `{"source": ["b"]}`, Target: trigger.Target{StateMachine: "m"}},
		{Name: "bad name!", Pattern: `{"source": "a"}`, Transform: eventpattern.Target{Input: "{", InputPath: "$.x"}},
	}, Options{})
	want := `baton.yaml: rules[1]: rule "ok" on bus "default" is declared twice (first at baton.yaml: rules[0])
rules[3]: name: "bad name!" is not a rule name (1 to 64 letters, digits, '.', '-' or '_')
rules[3]: pattern: Event pattern is not valid. Reason: "source" must be an object or an array at /source
rules[3]: stateMachine: name the state machine the rule starts
rules[3]: input: Only one of Input, InputPath, or InputTransformer may be provided`
	if err == nil || err.Error() != want {
		t.Errorf("got\n%v\nwant\n%s", err, want)
	}
}

func TestRuleARN(t *testing.T) {
	for _, c := range []struct{ bus, want string }{
		{"default", "arn:aws:events:eu-west-1:123456789012:rule/r"},
		{"orders", "arn:aws:events:eu-west-1:123456789012:rule/orders/r"},
	} {
		if got := RuleARN("eu-west-1", "123456789012", c.bus, "r"); got != c.want {
			t.Errorf("RuleARN(%s) = %s", c.bus, got)
		}
	}
	if got := StateMachineARN("arn:aws:states:eu-west-1:1:stateMachine:m:prod", "us-east-1", "2"); got != "arn:aws:states:eu-west-1:1:stateMachine:m:prod" {
		t.Errorf("an ARN is kept: %s", got)
	}
	if got := StateMachineARN("m", "us-east-1", "2"); got != "arn:aws:states:us-east-1:2:stateMachine:m" {
		t.Errorf("a name: %s", got)
	}
}

// FuzzPutEvents: no request body makes the handler fail other than with
// an answer in AWS's shape.
func FuzzPutEvents(f *testing.F) {
	in, err := os.ReadFile("testdata/putevents.txt")
	if err != nil {
		f.Fatal(err)
	}
	for _, line := range strings.Split(string(in), "\n") {
		if !strings.HasPrefix(line, "#") {
			f.Add(line)
		}
	}
	s := &starter{}
	b, err := New(s, testRules(), Options{Account: "123456789012"})
	if err != nil {
		f.Fatal(err)
	}
	h := handlerOf(b)
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		r.Header.Set("X-Amz-Target", "AWSEvents.PutEvents")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		data, _ := io.ReadAll(w.Result().Body)
		var v map[string]any
		if json.Unmarshal(data, &v) != nil {
			t.Fatalf("%q: answer %d %q is not a JSON object", body, w.Code, data)
		}
		if w.Code != 200 && v["__type"] == nil {
			t.Fatalf("%q: error %d without __type: %s", body, w.Code, data)
		}
		s.take()
	})
}
