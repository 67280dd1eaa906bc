package lambda_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/baton-sh/baton/clock"
	"github.com/baton-sh/baton/config"
	"github.com/baton-sh/baton/definition"
	"github.com/baton-sh/baton/driver"
	"github.com/baton-sh/baton/history"
	"github.com/baton-sh/baton/interpreter"
	"github.com/baton-sh/baton/machine"
	"github.com/baton-sh/baton/resource"
	"github.com/baton-sh/baton/resource/lambda"
	"github.com/baton-sh/baton/value"
)

// The test binary doubles as the functions' command: BATON_TEST_FUNCTION
// picks what it does with the payload on stdin.
func TestMain(m *testing.M) {
	if fn := os.Getenv("BATON_TEST_FUNCTION"); fn != "" {
		os.Exit(function(fn))
	}
	var err error
	if exe, err = os.Executable(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// exe is the test binary, which the functions' command runs.
var exe string

func function(name string) int {
	in, err := io.ReadAll(os.Stdin)
	if err == nil && !json.Valid(in) {
		err = fmt.Errorf("the payload %q is not JSON", in)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "the test function:", err)
		return 2
	}
	switch name {
	case "echo":
		fmt.Printf(`{"got":%s,"function":%q}`, in, os.Getenv("AWS_LAMBDA_FUNCTION_NAME"))
	case "fail":
		fmt.Print(`{"errorType":"CardDeclined","errorMessage":"insufficient funds","stackTrace":[]}`)
		return 1
	case "crash":
		fmt.Fprintln(os.Stderr, "panic: something broke")
		return 3
	case "sleep":
		time.Sleep(10 * time.Second)
	case "garbage":
		fmt.Print("this is not JSON")
	case "talk":
		// A line, then another once the test has seen the first, unended.
		fmt.Fprintln(os.Stderr, "first line")
		for {
			if _, err := os.Stat(os.Getenv("BATON_TEST_GO")); err == nil {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		fmt.Fprint(os.Stderr, "last words")
		fmt.Print(`{}`)
	}
	return 0
}

func commandFunc(behaviour string, timeout time.Duration) *config.Function {
	return &config.Function{Command: []string{exe}, Env: map[string]string{"BATON_TEST_FUNCTION": behaviour}, Timeout: config.Duration(timeout)}
}

type result struct {
	ex     *interpreter.Execution
	events []string
}

func run(t *testing.T, cfg *config.Config, def string, input string, callbacks *driver.Callbacks) result {
	t.Helper()
	return runWith(t, cfg, def, input, driver.Local{Callbacks: callbacks})
}

// runWith runs on a driver set up by the test (a clock, an observer);
// the functions of cfg are its resources.
func runWith(t *testing.T, cfg *config.Config, def string, input string, d driver.Local, opts ...lambda.Option) result {
	t.Helper()
	doc, diags := definition.Load([]byte(def), definition.Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Message())
	}
	m, err := machine.Compile(doc)
	if err != nil {
		t.Fatal(err)
	}
	reg := resource.NewRegistry()
	fns := lambda.New(cfg, opts...)
	fns.Register(reg)
	d.Resources = reg
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ex := d.Run(ctx, m, interpreter.Config{StateMachineARN: "arn:aws:states:eu-west-1:111122223333:stateMachine:m", ExecutionName: "e", Region: "eu-west-1"}, value.MustParse(input))
	fns.Wait()
	var types []string
	for _, e := range ex.Events {
		types = append(types, e.Type.String())
	}
	return result{ex: ex, events: types}
}

func task(resource string, extra string) string {
	return `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + resource + `"` + extra + `,"End":true}}}`
}

func TestFunctionARN(t *testing.T) {
	t.Parallel()
	cfg := &config.Config{Functions: map[string]*config.Function{"Echo": commandFunc("echo", 0)}}
	r := run(t, cfg, task("arn:aws:lambda:eu-west-1:111122223333:function:Echo", ""), `{"n":1}`, nil)
	if r.ex.Status != interpreter.Succeeded || value.String(r.ex.Output) != `{"got":{"n":1},"function":"Echo"}` {
		t.Fatalf("%v %v %s", r.ex.Status, r.ex.Failure, value.String(r.ex.Output))
	}
	want := "ExecutionStarted,TaskStateEntered,LambdaFunctionScheduled,LambdaFunctionStarted,LambdaFunctionSucceeded,TaskStateExited,ExecutionSucceeded"
	if got := strings.Join(r.events, ","); got != want {
		t.Errorf("events %s", got)
	}
}

func TestInvokeIntegration(t *testing.T) {
	t.Parallel()
	cfg := &config.Config{Functions: map[string]*config.Function{"Echo": commandFunc("echo", 0)}}
	r := run(t, cfg, task(lambda.InvokeARN, `,"Parameters":{"FunctionName":"arn:aws:lambda:eu-west-1:111122223333:function:Echo:7","Payload.$":"$"},"ResultSelector":{"p.$":"$.Payload","s.$":"$.StatusCode","v.$":"$.ExecutedVersion","h.$":"$.SdkHttpMetadata.HttpStatusCode"}`), `{"n":2}`, nil)
	if r.ex.Status != interpreter.Succeeded {
		t.Fatalf("%v %v", r.ex.Status, r.ex.Failure)
	}
	if got := value.String(r.ex.Output); got != `{"p":{"got":{"n":2},"function":"Echo"},"s":200,"v":"7","h":200}` {
		t.Errorf("output %s", got)
	}
	if got := strings.Join(r.events, ","); got != "ExecutionStarted,TaskStateEntered,TaskScheduled,TaskStarted,TaskSucceeded,TaskStateExited,ExecutionSucceeded" {
		t.Errorf("events %s", got)
	}
}

func TestFunctionFailures(t *testing.T) {
	t.Parallel()
	cfg := &config.Config{Functions: map[string]*config.Function{
		"Fail": commandFunc("fail", 0), "Crash": commandFunc("crash", 0), "Slow": commandFunc("sleep", 200*time.Millisecond),
		"Garbage": commandFunc("garbage", 0), "Missing": {Command: []string{"/no/such/program"}},
	}}
	tests := []struct {
		function, errName, causeHas string
	}{
		{"Fail", "CardDeclined", `"errorMessage":"insufficient funds"`},
		{"Crash", "Runtime.ExitError", "Runtime exited with error: exit status 3"},
		{"Slow", "Sandbox.Timedout", "Task timed out after 0.20 seconds"},
		{"Missing", "Runtime.InvalidEntrypoint", "no such file"},
		{"Nobody", "Lambda.ResourceNotFoundException", "Function not found: arn:aws:lambda:eu-west-1:111122223333:function:Nobody"},
	}
	for _, tt := range tests {
		for _, res := range []string{lambda.InvokeARN, "arn:aws:lambda:eu-west-1:111122223333:function:" + tt.function} {
			params := ""
			if res == lambda.InvokeARN {
				params = `,"Parameters":{"FunctionName":"` + tt.function + `"}`
			}
			r := run(t, cfg, task(res, params), `{}`, nil)
			if r.ex.Status != interpreter.Failed || r.ex.Failure.Error != tt.errName || !strings.Contains(r.ex.Failure.Cause, tt.causeHas) {
				t.Errorf("%s via %s: %v %+v", tt.function, res, r.ex.Status, r.ex.Failure)
			}
		}
	}
	// Text that is not JSON comes back as a string, as Lambda's payload.
	r := run(t, cfg, task(lambda.InvokeARN, `,"Parameters":{"FunctionName":"Garbage"},"OutputPath":"$.Payload"`), `{}`, nil)
	if value.String(r.ex.Output) != `"this is not JSON"` {
		t.Errorf("garbage: %v %s", r.ex.Failure, value.String(r.ex.Output))
	}
}

func TestTaskTimeoutKillsTheFunction(t *testing.T) {
	t.Parallel()
	cfg := &config.Config{Functions: map[string]*config.Function{"Slow": commandFunc("sleep", 0)}}
	start := time.Now()
	r := run(t, cfg, task("arn:aws:lambda:eu-west-1:111122223333:function:Slow", `,"TimeoutSeconds":1`), `{}`, nil)
	if r.ex.Status != interpreter.Failed || r.ex.Failure.Error != "States.Timeout" {
		t.Fatalf("%v %+v", r.ex.Status, r.ex.Failure)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("the timed-out function held the run for %v", time.Since(start))
	}
}

func TestHTTPEndpoint(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := readBody(t, r)
		switch r.URL.Path {
		case "/ok":
			if r.Header.Get("X-Api-Key") != "secret" || r.Header.Get("Content-Type") != "application/json" {
				w.WriteHeader(400)
				return
			}
			reply(t, w, `{"echo":`+string(body)+`}`)
		case "/declined":
			w.WriteHeader(500)
			reply(t, w, `{"errorType":"CardDeclined","errorMessage":"no"}`)
		case "/busy":
			if calls.Add(1) < 3 {
				w.WriteHeader(429)
				return
			}
			reply(t, w, `"finally"`)
		case "/down":
			w.WriteHeader(503)
			reply(t, w, "maintenance")
		}
	}))
	defer srv.Close()
	cfg := &config.Config{Functions: map[string]*config.Function{
		"Ok": {URL: srv.URL + "/ok", Headers: map[string]string{"X-Api-Key": "secret"}}, "Declined": {URL: srv.URL + "/declined"},
		"Busy": {URL: srv.URL + "/busy"}, "Down": {URL: srv.URL + "/down"}, "Gone": {URL: "http://127.0.0.1:1/nothing"},
	}}
	fn := func(name string) string { return "arn:aws:lambda:eu-west-1:111122223333:function:" + name }
	if r := run(t, cfg, task(fn("Ok"), ""), `{"a":[1]}`, nil); value.String(r.ex.Output) != `{"echo":{"a":[1]}}` {
		t.Errorf("ok: %v %v", r.ex.Failure, value.String(r.ex.Output))
	}
	if r := run(t, cfg, task(fn("Declined"), ""), `{}`, nil); r.ex.Failure == nil || r.ex.Failure.Error != "CardDeclined" {
		t.Errorf("declined: %+v", r.ex.Failure)
	}
	// The retries wait on a virtual clock: the test does not wait for them.
	retry := `,"Retry":[{"ErrorEquals":["Lambda.TooManyRequestsException"],"IntervalSeconds":1,"MaxAttempts":3,"BackoffRate":1}]`
	if r := runWith(t, cfg, task(fn("Busy"), retry), `{}`, driver.Local{Clock: clock.NewVirtual(time.Now())}); value.String(r.ex.Output) != `"finally"` {
		t.Errorf("busy: %+v", r.ex.Failure)
	}
	if r := run(t, cfg, task(fn("Down"), ""), `{}`, nil); r.ex.Failure == nil || r.ex.Failure.Error != "Lambda.ServiceException" || !strings.Contains(r.ex.Failure.Cause, "maintenance") {
		t.Errorf("down: %+v", r.ex.Failure)
	}
	if r := run(t, cfg, task(fn("Gone"), ""), `{}`, nil); r.ex.Failure == nil || r.ex.Failure.Error != "Lambda.SdkClientException" {
		t.Errorf("gone: %+v", r.ex.Failure)
	}
}

// invokeServer speaks Lambda's Invoke API, as sam local start-lambda does.
func invokeServer(t *testing.T) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=") || !strings.Contains(auth, "/lambda/aws4_request") || r.Header.Get("X-Amz-Date") == "" {
			w.WriteHeader(403)
			return
		}
		body := readBody(t, r)
		switch r.URL.Path {
		case "/2015-03-31/functions/ship-fn/invocations":
			w.Header().Set("X-Amz-Executed-Version", "3")
			reply(t, w, fmt.Sprintf(`{"shipped":%s,"qualifier":%q}`, body, r.URL.Query().Get("Qualifier")))
		case "/2015-03-31/functions/other-fn/invocations":
			reply(t, w, fmt.Sprintf(`{"other":"other-fn","got":%s,"qualifier":%q}`, body, r.URL.Query().Get("Qualifier")))
		case "/2015-03-31/functions/broken-fn/invocations":
			w.Header().Set("X-Amz-Function-Error", "Unhandled")
			reply(t, w, `{"errorType":"ValueError","errorMessage":"bad address"}`)
		default:
			w.Header().Set("X-Amzn-ErrorType", "ResourceNotFoundException:http://internal.amazon.com/coral/com.amazonaws.lambda/")
			w.WriteHeader(404)
			reply(t, w, `{"Type":"User","Message":"Function not found: `+r.URL.Path+`"}`)
		}
	}))
}

func TestLambdaInvokeAPI(t *testing.T) {
	t.Parallel()
	srv := invokeServer(t)
	defer srv.Close()
	cfg := &config.Config{Functions: map[string]*config.Function{
		"Ship": {Lambda: srv.URL, Name: "ship-fn"}, "Broken": {Lambda: srv.URL, Name: "broken-fn"}, "Lost": {Lambda: srv.URL, Name: "lost-fn"},
	}}
	r := run(t, cfg, task(lambda.InvokeARN, `,"Parameters":{"FunctionName":"Ship","Qualifier":"live","Payload":{"box":1}},"ResultSelector":{"p.$":"$.Payload","v.$":"$.ExecutedVersion"}`), `{}`, nil)
	if got := value.String(r.ex.Output); got != `{"p":{"shipped":{"box":1},"qualifier":"live"},"v":"3"}` {
		t.Errorf("ship: %v %s", r.ex.Failure, got)
	}
	r = run(t, cfg, task(lambda.InvokeARN, `,"Parameters":{"FunctionName":"Broken"}`), `{}`, nil)
	if r.ex.Failure == nil || r.ex.Failure.Error != "ValueError" || r.ex.Failure.Cause != `{"errorType":"ValueError","errorMessage":"bad address"}` {
		t.Errorf("broken: %+v", r.ex.Failure)
	}
	r = run(t, cfg, task(lambda.InvokeARN, `,"Parameters":{"FunctionName":"Lost"}`), `{}`, nil)
	if r.ex.Failure == nil || r.ex.Failure.Error != "Lambda.ResourceNotFoundException" || !strings.Contains(r.ex.Failure.Cause, "Status Code: 404") {
		t.Errorf("lost: %+v", r.ex.Failure)
	}
}

func TestAsyncInvocation(t *testing.T) {
	t.Parallel()
	got := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- string(readBody(t, r))
	}))
	defer srv.Close()
	cfg := &config.Config{Functions: map[string]*config.Function{"Later": {URL: srv.URL}}}
	r := run(t, cfg, task(lambda.InvokeARN, `,"Parameters":{"FunctionName":"Later","InvocationType":"Event","Payload":{"x":1}},"ResultSelector":{"s.$":"$.StatusCode","p.$":"$.Payload"}`), `{}`, nil)
	if got := value.String(r.ex.Output); got != `{"s":202,"p":""}` {
		t.Errorf("event: %v %s", r.ex.Failure, got)
	}
	select {
	case body := <-got:
		if body != `{"x":1}` {
			t.Errorf("the function got %s", body)
		}
	case <-time.After(5 * time.Second):
		t.Error("the function never ran")
	}
}

func TestWaitForTaskToken(t *testing.T) {
	t.Parallel()
	callbacks := driver.NewCallbacks()
	tokens := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p struct{ Token string }
		if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
			t.Errorf("the function's payload: %v", err)
		}
		select {
		case tokens <- p.Token:
		default: // a run that nobody approves
		}
		reply(t, w, `{"queued":true}`)
	}))
	defer srv.Close()
	// The approver answers after the function has returned: once the run
	// has recorded TaskSubmitted.
	approve := func(o *driver.Observation) {
		for _, e := range o.Events {
			if e.Type == history.TaskSubmitted {
				go func(token string) {
					if err := callbacks.Success(token, value.MustParse(`{"approved":true}`)); err != nil {
						t.Errorf("the approver: %v", err)
					}
				}(<-tokens)
			}
		}
	}
	cfg := &config.Config{Functions: map[string]*config.Function{"Ask": {URL: srv.URL}}}
	r := runWith(t, cfg, task(lambda.InvokeCallbackARN, `,"Parameters":{"FunctionName":"Ask","Payload":{"Token.$":"$$.Task.Token"}},"HeartbeatSeconds":5`), `{}`, driver.Local{Callbacks: callbacks, Observe: approve})
	if r.ex.Status != interpreter.Succeeded || value.String(r.ex.Output) != `{"approved":true}` {
		t.Fatalf("%v %+v %s", r.ex.Status, r.ex.Failure, value.String(r.ex.Output))
	}
	if got := strings.Join(r.events, ","); got != "ExecutionStarted,TaskStateEntered,TaskScheduled,TaskStarted,TaskSubmitted,TaskSucceeded,TaskStateExited,ExecutionSucceeded" {
		t.Errorf("events %s", got)
	}
	// A callback nobody answers runs out of heartbeat, counted from the
	// call's return.
	silent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reply(t, w, `{}`) }))
	defer silent.Close()
	cfg2 := &config.Config{Functions: map[string]*config.Function{"Ask": {URL: silent.URL}}}
	r = runWith(t, cfg2, `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"`+lambda.InvokeCallbackARN+`","Parameters":{"FunctionName":"Ask","Payload":{}},"HeartbeatSeconds":1,
		"Catch":[{"ErrorEquals":["States.HeartbeatTimeout"],"Next":"Late"}],"End":true},"Late":{"Type":"Pass","Result":"late","End":true}}}`, `{}`,
		driver.Local{Callbacks: driver.NewCallbacks(), Clock: clock.NewVirtual(time.Now())})
	if r.ex.Status != interpreter.Succeeded || value.String(r.ex.Output) != `"late"` {
		t.Errorf("heartbeat: %v %+v", r.ex.Status, r.ex.Failure)
	}

	// Without anyone to call back, the run says so instead of hanging.
	r = run(t, cfg, task(lambda.InvokeCallbackARN, `,"Parameters":{"FunctionName":"Ask","Payload":{}}`), `{}`, nil)
	if r.ex.Failure == nil || r.ex.Failure.Error != "States.TaskFailed" || !strings.Contains(r.ex.Failure.Cause, "callback") {
		t.Errorf("no callbacks: %+v", r.ex.Failure)
	}
}

// readBody reads a request's body in a test server's handler.
func readBody(t testing.TB, r *http.Request) []byte {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		t.Errorf("%s: reading the request: %v", r.URL.Path, err)
	}
	return body
}

// reply writes a test server's answer; the code under test reads it.
func reply(t testing.TB, w http.ResponseWriter, body string) {
	if _, err := io.WriteString(w, body); err != nil {
		t.Errorf("answering %q: %v", body, err)
	}
}

// records is a log handler that hands each record to the test.
type records chan slog.Record

func (h records) Enabled(context.Context, slog.Level) bool { return true }
func (h records) Handle(_ context.Context, r slog.Record) error {
	h <- r.Clone()
	return nil
}
func (h records) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h records) WithGroup(string) slog.Handler      { return h }

// What a function writes on its standard error reaches the server's log a
// line at a time, while the function still runs.
func TestFunctionOutputLogged(t *testing.T) {
	t.Parallel()
	fn := commandFunc("talk", 0)
	proceed := filepath.Join(t.TempDir(), "go")
	fn.Env["BATON_TEST_GO"] = proceed
	cfg := &config.Config{Functions: map[string]*config.Function{"Talk": fn}}
	logged := make(records, 16)
	done := make(chan result, 1)
	go func() {
		done <- runWith(t, cfg, task("arn:aws:lambda:eu-west-1:111122223333:function:Talk", ""), `{}`, driver.Local{},
			lambda.WithLogger(slog.New(logged)))
	}()
	line := func() map[string]string {
		r := <-logged
		attrs := map[string]string{"msg": r.Message}
		r.Attrs(func(a slog.Attr) bool {
			attrs[a.Key] = a.Value.String()
			return true
		})
		return attrs
	}
	first := line() // before the function may end: it waits for the file
	if first["msg"] != "function output" || first["line"] != "first line" || first["function"] != "Talk" || first["request_id"] == "" {
		t.Fatalf("%v", first)
	}
	if err := os.WriteFile(proceed, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if last := line(); last["line"] != "last words" {
		t.Errorf("the unended last line: %v", last)
	}
	if r := <-done; r.ex.Status != interpreter.Succeeded {
		t.Errorf("%v %v", r.ex.Status, r.ex.Failure)
	}
}
