package console

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/baton-sh/baton/clock"
	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/engine/enginetest"
)

var epoch = time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)

// fixture is an engine on a real SQLite file with the console's API served
// over real HTTP, as a server mounts it.
type fixture struct {
	e    *engine.Engine
	clk  *clock.Manual
	srv  *httptest.Server
	done chan struct{}
}

func newFixture(t *testing.T, o Options) *fixture {
	t.Helper()
	return newFixtureOf(t, engine.Options{}, o)
}

// newFixtureOf is newFixture with the engine's options.
func newFixtureOf(t *testing.T, eo engine.Options, o Options) *fixture {
	t.Helper()
	clk := clock.NewManual(epoch)
	eo.Clock = clk
	e, _ := enginetest.New(t, eo)
	f := &fixture{e: e, clk: clk, done: make(chan struct{})}
	if o.Done == nil {
		o.Done = f.done
	}
	mux := http.NewServeMux()
	mux.Handle("/console/api/", API(e, o))
	f.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		select {
		case <-f.done:
		default:
			close(f.done)
		}
		f.srv.Close()
	})
	return f
}

// get answers a GET as its status and JSON object.
func (f *fixture) get(t *testing.T, path string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Get(f.srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	return decode(t, resp)
}

func (f *fixture) post(t *testing.T, path, body string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(f.srv.URL+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return decode(t, resp)
}

func decode(t *testing.T, resp *http.Response) (int, map[string]any) {
	t.Helper()
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	var out map[string]any
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("the answer %q is not a JSON object: %v", body, err)
	}
	return resp.StatusCode, out
}

// mustGet is a GET that must answer 200.
func (f *fixture) mustGet(t *testing.T, path string) map[string]any {
	t.Helper()
	code, out := f.get(t, path)
	if code != http.StatusOK {
		t.Fatalf("GET %s: %d %v", path, code, out)
	}
	return out
}

const (
	role     = "arn:aws:iam::123456789012:role/r"
	passDef  = `{"StartAt":"P","States":{"P":{"Type":"Pass","Next":"Q"},"Q":{"Type":"Pass","End":true}}}`
	failDef  = `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Oops","Cause":"it broke: NEEDLE inside"}}}`
	taskDef  = `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"%s","End":true}}}`
	activity = "arn:aws:states:us-east-1:123456789012:activity:work"
)

func (f *fixture) machine(t *testing.T, name, def string) string {
	t.Helper()
	out, err := f.e.CreateStateMachine(context.Background(), &engine.CreateStateMachineInput{Name: name, Definition: def, RoleArn: role})
	if err != nil {
		t.Fatal(err)
	}
	return out.StateMachineArn
}

func (f *fixture) activity(t *testing.T, name string) string {
	t.Helper()
	out, err := f.e.CreateActivity(context.Background(), &engine.CreateActivityInput{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return out.ActivityArn
}

// start starts an execution, a millisecond after the previous one.
func (f *fixture) start(t *testing.T, target, name, input string) string {
	t.Helper()
	f.clk.Advance(time.Millisecond)
	out, err := f.e.StartExecution(context.Background(), &engine.StartExecutionInput{StateMachineArn: target, Name: name, Input: input})
	if err != nil {
		t.Fatal(err)
	}
	return out.ExecutionArn
}

func (f *fixture) describe(t *testing.T, arn string) *engine.DescribeExecutionOutput {
	t.Helper()
	out, err := f.e.DescribeExecution(context.Background(), &engine.DescribeExecutionInput{ExecutionArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// work takes one task of an activity as a worker does and completes it.
func (f *fixture) work(t *testing.T, activityArn, output string) {
	t.Helper()
	task, err := f.e.GetActivityTask(context.Background(), &engine.GetActivityTaskInput{ActivityArn: activityArn, WorkerName: "w"})
	if err != nil || task.TaskToken == "" {
		t.Fatalf("no task: %+v %v", task, err)
	}
	if _, err := f.e.SendTaskSuccess(context.Background(), &engine.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: output}); err != nil {
		t.Fatal(err)
	}
}

func TestOverview(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	a := f.machine(t, "a", passDef)
	b := f.machine(t, "b", failDef)
	v, err := f.e.PublishStateMachineVersion(context.Background(), &engine.PublishStateMachineVersionInput{StateMachineArn: a})
	if err != nil {
		t.Fatal(err)
	}
	f.start(t, a, "", "{}")
	f.start(t, b, "", "{}")
	middle := f.clk.Now().Add(time.Millisecond)
	f.start(t, a, "", "{}")
	f.start(t, v.StateMachineVersionArn, "", "{}") // counts under a
	f.start(t, b, "", "{}")
	act := f.activity(t, "work")
	c := f.machine(t, "c", fmt.Sprintf(taskDef, act))
	f.start(t, c, "", "{}")

	want := map[string]any{a: map[string]any{"SUCCEEDED": 3.0}, b: map[string]any{"FAILED": 2.0}, c: map[string]any{"RUNNING": 1.0}}
	for _, q := range []string{"", "?since="} {
		out := f.mustGet(t, "/console/api/overview"+q)
		if since := out["since"].(float64); since != float64(f.clk.Now().Add(-24*time.Hour).UnixMilli()) {
			t.Errorf("%q: default since %v", q, since)
		}
		if !reflect.DeepEqual(out["stateMachines"], want) {
			t.Errorf("%q: counts %v, want %v", q, out["stateMachines"], want)
		}
	}
	ms := strconv.FormatInt(middle.UnixMilli(), 10)
	out := f.mustGet(t, "/console/api/overview?since="+ms)
	want = map[string]any{a: map[string]any{"SUCCEEDED": 2.0}, b: map[string]any{"FAILED": 1.0}, c: map[string]any{"RUNNING": 1.0}}
	if !reflect.DeepEqual(out["stateMachines"], want) || out["since"].(float64) != float64(middle.UnixMilli()) {
		t.Errorf("since %s: %v", ms, out)
	}
	out = f.mustGet(t, "/console/api/overview?since="+strconv.FormatInt(f.clk.Now().Add(time.Hour).UnixMilli(), 10))
	if !reflect.DeepEqual(out["stateMachines"], map[string]any{}) {
		t.Errorf("counts of the future: %v", out)
	}
	for _, bad := range []string{"x", "-1", "1.5", "99999999999999999999"} {
		if code, out := f.get(t, "/console/api/overview?since="+bad); code != http.StatusBadRequest || out["error"] == "" {
			t.Errorf("since=%s: %d %v", bad, code, out)
		}
	}
}

// The state machines whose name holds a text, in any case, page by page.
func TestStateMachineSearch(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	for _, name := range []string{"orders-intake", "Orders-Refund", "billing", "ship-orders", "audit"} {
		f.machine(t, name, passDef)
	}
	names := func(out map[string]any) []string {
		var got []string
		for _, sm := range out["stateMachines"].([]any) {
			got = append(got, sm.(map[string]any)["name"].(string))
		}
		return got
	}
	tests := []struct {
		query string
		want  []string
	}{
		{"search=orders", []string{"Orders-Refund", "orders-intake", "ship-orders"}},
		{"search=ORDERS-", []string{"Orders-Refund", "orders-intake"}},
		{"search=", []string{"Orders-Refund", "audit", "billing", "orders-intake", "ship-orders"}},
		{"search=nothing", nil},
	}
	for _, tt := range tests {
		out := f.mustGet(t, "/console/api/state-machines?"+tt.query)
		if got := names(out); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.query, got, tt.want)
		}
		if out["nextToken"] != nil {
			t.Errorf("%s: a next page after the last: %v", tt.query, out["nextToken"])
		}
	}
	for _, bad := range []string{"limit=0", "limit=1001", "limit=x", "nextToken=garbage"} {
		if code, out := f.get(t, "/console/api/state-machines?"+bad); code != http.StatusBadRequest || out["error"] == "" {
			t.Errorf("%s: %d %v", bad, code, out)
		}
	}
}

// started is what the test knows of an execution it started.
type started struct {
	arn, sm, version, alias, name, status string
	start                                 time.Time
	text                                  string // input, output, error and cause
}

func TestExecutions(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	ctx := context.Background()
	pass := f.machine(t, "pass", passDef)
	fail := f.machine(t, "fail", failDef)
	act := f.activity(t, "work")
	task := f.machine(t, "task", fmt.Sprintf(taskDef, act))
	v, err := f.e.PublishStateMachineVersion(ctx, &engine.PublishStateMachineVersionInput{StateMachineArn: pass})
	if err != nil {
		t.Fatal(err)
	}
	alias, err := f.e.CreateStateMachineAlias(ctx, &engine.CreateStateMachineAliasInput{Name: "live",
		RoutingConfiguration: []engine.RoutingEntry{{StateMachineVersionArn: v.StateMachineVersionArn, Weight: 100}}})
	if err != nil {
		t.Fatal(err)
	}
	var all []started
	for i := range 24 {
		x := started{name: []string{"order-", "invoice-", "Order-"}[i%3] + strconv.Itoa(i)}
		input := fmt.Sprintf(`{"i":%d}`, i)
		if i%5 == 0 {
			input = `{"note":"a needle here"}`
		}
		switch i % 4 {
		case 0:
			x.sm, x.status = pass, "SUCCEEDED"
		case 1:
			x.sm, x.status = fail, "FAILED"
		case 2:
			x.sm, x.status = task, "RUNNING"
		case 3:
			x.sm, x.status = pass, "SUCCEEDED"
			x.version, x.alias = v.StateMachineVersionArn, alias.StateMachineAliasArn
		}
		target := x.sm
		if x.alias != "" {
			target = x.alias
		}
		x.arn = f.start(t, target, x.name, input)
		x.start = f.clk.Now()
		x.text = input
		if x.status == "FAILED" {
			x.text += "Oops it broke: NEEDLE inside"
		}
		if x.status == "SUCCEEDED" {
			x.text += input // the output
		}
		all = append(all, x)
	}
	slices.Reverse(all) // newest first
	at := func(i int) string { return strconv.FormatInt(all[i].start.UnixMilli(), 10) }

	tests := []struct {
		query string
		match func(x started) bool
	}{
		{"", func(started) bool { return true }},
		{"stateMachineArn=" + pass, func(x started) bool { return x.sm == pass }},
		{"stateMachineArn=" + v.StateMachineVersionArn, func(x started) bool { return x.version != "" }},
		{"stateMachineArn=" + alias.StateMachineAliasArn, func(x started) bool { return x.alias != "" }},
		{"stateMachineArn=arn:aws:states:us-east-1:123456789012:stateMachine:none", func(started) bool { return false }},
		{"status=FAILED", func(x started) bool { return x.status == "FAILED" }},
		{"status=RUNNING&stateMachineArn=" + task, func(x started) bool { return x.status == "RUNNING" }},
		{"status=ABORTED", func(started) bool { return false }},
		{"startedAfter=" + at(10), func(x started) bool { return !x.start.Before(all[10].start) }},
		{"startedBefore=" + at(10), func(x started) bool { return x.start.Before(all[10].start) }},
		{"startedAfter=" + at(15) + "&startedBefore=" + at(5), func(x started) bool { return !x.start.Before(all[15].start) && x.start.Before(all[5].start) }},
		{"startedAfter=" + at(5) + "&startedBefore=" + at(15), func(started) bool { return false }},
		{"namePrefix=order-", func(x started) bool { return strings.HasPrefix(x.name, "order-") }},
		{"namePrefix=order-1", func(x started) bool { return strings.HasPrefix(x.name, "order-1") }},
		{"namePrefix=Order-&status=SUCCEEDED", func(x started) bool { return strings.HasPrefix(x.name, "Order-") && x.status == "SUCCEEDED" }},
		{"namePrefix=inv&stateMachineArn=" + fail, func(x started) bool { return strings.HasPrefix(x.name, "inv") && x.sm == fail }},
		{"text=NeEdLe", func(x started) bool { return strings.Contains(strings.ToLower(x.text), "needle") }},
		{"text=oops", func(x started) bool { return x.status == "FAILED" }},
		{"text=" + url.QueryEscape(`"i":1`), func(x started) bool { return strings.Contains(x.text, `"i":1`) }},
		{"text=needle&status=SUCCEEDED&namePrefix=order", func(x started) bool {
			return strings.Contains(strings.ToLower(x.text), "needle") && x.status == "SUCCEEDED" && strings.HasPrefix(x.name, "order")
		}},
		{"text=absent", func(started) bool { return false }},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			var want []string
			for _, x := range all {
				if tc.match(x) {
					want = append(want, x.arn)
				}
			}
			// Whole, and in pages of 1, 2 and 5: no gaps, no duplicates.
			for _, limit := range []string{"", "1", "2", "5"} {
				var got []string
				token := ""
				for pages := 0; ; pages++ {
					q := url.Values{}
					if tc.query != "" {
						var err error
						if q, err = url.ParseQuery(tc.query); err != nil {
							t.Fatal(err)
						}
					}
					if limit != "" {
						q.Set("limit", limit)
					}
					if token != "" {
						q.Set("nextToken", token)
					}
					out := f.mustGet(t, "/console/api/executions?"+q.Encode())
					for _, x := range out["executions"].([]any) {
						got = append(got, x.(map[string]any)["executionArn"].(string))
					}
					next, ok := out["nextToken"].(string)
					if !ok || pages > 30 {
						break
					}
					token = next
				}
				if !slices.Equal(got, want) {
					t.Errorf("limit %q:\n got %v\nwant %v", limit, got, want)
				}
			}
		})
	}

	// The items.
	out := f.mustGet(t, "/console/api/executions?limit=4")
	items := out["executions"].([]any)
	for i, item := range items {
		x := all[i]
		m := item.(map[string]any)
		d := f.describe(t, x.arn)
		want := map[string]any{"executionArn": x.arn, "stateMachineArn": x.sm, "name": x.name, "status": x.status,
			"startDate": float64(x.start.UnixMilli()), "redriveCount": 0.0}
		if x.version != "" {
			want["stateMachineVersionArn"], want["stateMachineAliasArn"] = x.version, x.alias
		}
		if x.status != "RUNNING" {
			want["stopDate"] = float64(d.StopDate.Time().UnixMilli())
		}
		if x.status == "FAILED" {
			want["error"], want["cause"] = "Oops", "it broke: NEEDLE inside"
		}
		if !reflect.DeepEqual(m, want) {
			t.Errorf("item %d:\n got %v\nwant %v", i, m, want)
		}
	}
	if len(items) != 4 || out["nextToken"] == nil {
		t.Errorf("a first page of 4: %d items, token %v", len(items), out["nextToken"])
	}

	for _, bad := range []string{
		"status=NOPE", "status=running", "limit=0", "limit=1001", "limit=x", "limit=-1", "startedAfter=x", "startedBefore=-5",
		"stateMachineArn=nope", "stateMachineArn=" + act, "nextToken=garbage", "nextToken=" + url.QueryEscape(tokenOf(t, "other", "1/2")),
		"nextToken=" + url.QueryEscape(tokenOf(t, "search", "nope")), "text=" + strings.Repeat("x", engine.MaxSearchText+1),
		"namePrefix=" + strings.Repeat("x", 81),
	} {
		if code, out := f.get(t, "/console/api/executions?"+bad); code != http.StatusBadRequest || out["error"] == "" {
			t.Errorf("%s: %d %v", bad, code, out)
		}
	}
}

// tokenOf makes a page token of another kind or content, as the engine
// encodes them.
func tokenOf(t *testing.T, kind, after string) string {
	t.Helper()
	b, err := json.Marshal(map[string]string{"k": kind, "a": after})
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func TestHistory(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	ctx := context.Background()
	sm := f.machine(t, "chain", `{"StartAt":"A","States":{
		"A":{"Type":"Pass","Result":{"x":"é\u2028<>&"},"Next":"B"},
		"B":{"Type":"Parallel","Branches":[{"StartAt":"C","States":{"C":{"Type":"Pass","End":true}}}],"Next":"D"},
		"D":{"Type":"Succeed"}}}`)
	arn := f.start(t, sm, "h", `{"big":12345678901234567890}`)
	want, err := f.e.GetExecutionHistory(ctx, &engine.GetExecutionHistoryInput{ExecutionArn: arn, MaxResults: 1000})
	if err != nil {
		t.Fatal(err)
	}
	n := len(want.Events)
	if n < 8 {
		t.Fatalf("a history of %d events", n)
	}
	// As JSON values, the console's events are GetExecutionHistory's.
	wantEvents := func(from, to int) any {
		var v []any
		for _, ev := range want.Events[from:to] {
			var x any
			if err := json.Unmarshal(ev, &x); err != nil {
				t.Fatal(err)
			}
			v = append(v, x)
		}
		if v == nil {
			v = []any{}
		}
		return v
	}
	q := "/console/api/history?executionArn=" + url.QueryEscape(arn)
	out := f.mustGet(t, q)
	if !reflect.DeepEqual(out["events"], wantEvents(0, n)) || out["status"] != "SUCCEEDED" || out["lastEventId"] != float64(n) {
		t.Errorf("the whole history: %v", out)
	}
	out = f.mustGet(t, q+"&after=2&limit=3")
	if !reflect.DeepEqual(out["events"], wantEvents(2, 5)) || out["lastEventId"] != 5.0 {
		t.Errorf("after 2, 3 events: %v", out)
	}
	out = f.mustGet(t, q+"&after="+strconv.Itoa(n))
	if !reflect.DeepEqual(out["events"], []any{}) || out["lastEventId"] != float64(n) {
		t.Errorf("after the last event: %v", out)
	}
	// The stored bytes are written as they are: numbers keep their digits.
	resp, err := http.Get(f.srv.URL + q + "&limit=1")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(body, want.Events[0]) || !bytes.Contains(body, []byte(`12345678901234567890`)) {
		t.Errorf("the first event %s is not in %s", want.Events[0], body)
	}

	// A running execution's status.
	act := f.activity(t, "work")
	running := f.start(t, f.machine(t, "task", fmt.Sprintf(taskDef, act)), "r", "{}")
	out = f.mustGet(t, "/console/api/history?executionArn="+url.QueryEscape(running))
	if out["status"] != "RUNNING" || len(out["events"].([]any)) != 3 {
		t.Errorf("a running execution: %v", out)
	}

	tests := []struct {
		query string
		code  int
	}{
		{"", http.StatusBadRequest},
		{"executionArn=nope", http.StatusBadRequest},
		{"executionArn=" + url.QueryEscape(sm), http.StatusBadRequest},
		{"executionArn=" + url.QueryEscape(arn+"x"), http.StatusNotFound},
		{"executionArn=" + url.QueryEscape(arn) + "&after=-1", http.StatusBadRequest},
		{"executionArn=" + url.QueryEscape(arn) + "&after=x", http.StatusBadRequest},
		{"executionArn=" + url.QueryEscape(arn) + "&limit=0", http.StatusBadRequest},
		{"executionArn=" + url.QueryEscape(arn) + "&limit=" + strconv.Itoa(engine.MaxHistoryRead+1), http.StatusBadRequest},
	}
	for _, tc := range tests {
		if code, out := f.get(t, "/console/api/history?"+tc.query); code != tc.code || out["error"] == "" {
			t.Errorf("%s: %d %v, want %d", tc.query, code, out, tc.code)
		}
	}
}

func TestActivities(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	if out := f.mustGet(t, "/console/api/activities"); !reflect.DeepEqual(out, map[string]any{"activities": []any{}}) {
		t.Errorf("no activities: %v", out)
	}
	created := f.clk.Now()
	a := f.activity(t, "a")
	b := f.activity(t, "b")
	sm := f.machine(t, "m", fmt.Sprintf(taskDef, a))
	for range 3 {
		f.start(t, sm, "", "{}")
	}
	f.clk.Advance(time.Second)
	polled := f.clk.Now()
	task, err := f.e.GetActivityTask(context.Background(), &engine.GetActivityTaskInput{ActivityArn: a, WorkerName: "w"})
	if err != nil || task.TaskToken == "" {
		t.Fatalf("no task: %+v %v", task, err)
	}
	out := f.mustGet(t, "/console/api/activities")
	want := map[string]any{"activities": []any{
		map[string]any{"activityArn": a, "name": "a", "creationDate": float64(created.UnixMilli()), "waiting": 2.0, "inFlight": 1.0, "lastPoll": float64(polled.UnixMilli())},
		map[string]any{"activityArn": b, "name": "b", "creationDate": float64(created.UnixMilli()), "waiting": 0.0, "inFlight": 0.0, "lastPoll": nil},
	}}
	if !reflect.DeepEqual(out, want) {
		t.Errorf("activities:\n got %v\nwant %v", out, want)
	}
	if _, err := f.e.SendTaskSuccess(context.Background(), &engine.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: "{}"}); err != nil {
		t.Fatal(err)
	}
	out = f.mustGet(t, "/console/api/activities")
	if first := out["activities"].([]any)[0].(map[string]any); first["waiting"] != 2.0 || first["inFlight"] != 0.0 {
		t.Errorf("after the task succeeded: %v", first)
	}
}

func TestJSONata(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	tests := []struct {
		name, body string
		want       string // the answer, as JSON
	}{
		{"input", `{"expression":"$states.input.a + 1","input":{"a":41}}`, `{"result":42}`},
		{"delimited", `{"expression":"{% $states.input.a %}","input":{"a":[1,2]}}`, `{"result":[1,2]}`},
		{"no input", `{"expression":"$states.input"}`, `{"result":{}}`},
		{"null input", `{"expression":"$states.input","input":null}`, `{"result":null}`},
		{"variables", `{"expression":"$x & '-' & $y.z","variables":{"x":"a","y":{"z":"b"}}}`, `{"result":"a-b"}`},
		{"context", `{"expression":"$states.context.Execution.Name","context":{"Execution":{"Name":"e1"}}}`, `{"result":"e1"}`},
		{"digits kept", `{"expression":"$states.input.n","input":{"n":12345678901234567890}}`, `{"result":12345678901234567890}`},
		{"partition", `{"expression":"$partition([1,2,3], 2)"}`, `{"result":[[1,2],[3]]}`},
		{"parse", `{"expression":"$parse('{\"a\":[true]}').a"}`, `{"result":[true]}`},
		{"hash", `{"expression":"$hash('abc', 'SHA-256')"}`, `{"result":"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}`},
		{"undefined", `{"expression":"$states.input.nope","input":{}}`, `{"result":null,"undefined":true}`},
		{"parse error", `{"expression":"1 +"}`, `{"error":{"code":"S0207","message":"Unexpected end of expression","position":3}}`},
		{"type error", `{"expression":"'a' + 1"}`, `{"error":{"code":"T2001","message":"The left side of the \"+\" operator must evaluate to a number","position":4}}`},
		{"eval removed", `{"expression":"$eval('1')"}`, `{"error":{"code":"T1006","message":"Attempted to invoke a non-function","position":5}}`},
		{"a function", `{"expression":"function($x){$x}"}`, `{"error":{"code":"States.QueryEvaluationError","message":"The expression returned a function: an unsupported result type"}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out := f.post(t, "/console/api/jsonata", tc.body)
			var want map[string]any
			if err := json.Unmarshal([]byte(tc.want), &want); err != nil {
				t.Fatal(err)
			}
			if code != http.StatusOK || !reflect.DeepEqual(out, want) {
				t.Errorf("%d %v, want %v", code, out, want)
			}
		})
	}
	// The digits of a number are kept as they came.
	resp, err := http.Post(f.srv.URL+"/console/api/jsonata", "application/json", strings.NewReader(`{"expression":"$states.input","input":[1.50,12345678901234567890]}`))
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || string(body) != `{"result":[1.50,12345678901234567890]}`+"\n" {
		t.Errorf("%s %v", body, err)
	}

	// Bounded as state machines are: recursion 100 deep, at most.
	code, out := f.post(t, "/console/api/jsonata", `{"expression":"($f := function($n){ $n <= 0 ? 0 : 1 + $f($n - 1) }; $f(200))"}`)
	if code != http.StatusOK || out["error"].(map[string]any)["code"] != "U1001" {
		t.Errorf("deep recursion: %d %v", code, out)
	}
	code, out = f.post(t, "/console/api/jsonata", `{"expression":"($f := function($n){ $n <= 0 ? 0 : 1 + $f($n - 1) }; $f(20))"}`)
	if code != http.StatusOK || out["result"] != 20.0 {
		t.Errorf("shallow recursion: %d %v", code, out)
	}
	code, out = f.post(t, "/console/api/jsonata", `{"expression":"$uuid()"}`)
	if s, _ := out["result"].(string); code != http.StatusOK || len(s) != 36 {
		t.Errorf("$uuid: %d %v", code, out)
	}

	bad := []struct {
		name, body string
		code       int
	}{
		{"not JSON", `{`, http.StatusBadRequest},
		{"not an object", `[1]`, http.StatusBadRequest},
		{"no expression", `{"input":{}}`, http.StatusBadRequest},
		{"expression not a string", `{"expression":1}`, http.StatusBadRequest},
		{"variables not an object", `{"expression":"1","variables":[1]}`, http.StatusBadRequest},
		{"states reserved", `{"expression":"1","variables":{"states":1}}`, http.StatusBadRequest},
		{"too large", `{"expression":"1","input":"` + strings.Repeat("x", MaxBody) + `"}`, http.StatusRequestEntityTooLarge},
	}
	for _, tc := range bad {
		if code, out := f.post(t, "/console/api/jsonata", tc.body); code != tc.code || out["error"] == "" {
			t.Errorf("%s: %d %v, want %d", tc.name, code, out, tc.code)
		}
	}
}

func TestRoutes(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	for _, tc := range []struct {
		method, path string
		code         int
	}{
		{"GET", "/console/api/nope", http.StatusNotFound},
		{"GET", "/console/api/", http.StatusNotFound},
		{"POST", "/console/api/overview", http.StatusMethodNotAllowed},
		{"GET", "/console/api/jsonata", http.StatusMethodNotAllowed},
		{"DELETE", "/console/api/executions", http.StatusMethodNotAllowed},
	} {
		req, err := http.NewRequest(tc.method, f.srv.URL+tc.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if code, out := decode(t, resp); code != tc.code || out["error"] == "" {
			t.Errorf("%s %s: %d %v", tc.method, tc.path, code, out)
		}
	}
}

// TestOddInput: whatever a query holds, the answer is JSON: 200 or a
// refusal, never a crash or an internal error.
func TestOddInput(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	f.start(t, f.machine(t, "m", passDef), "e", "{}")
	odd := []string{"%00", "%ff%fe", "\u2028", "%25", "_", `\`, "'", `"`, "%20", strings.Repeat("%e2%82%ac", 30), "0", "-0", "1e3", "9223372036854775807", "-9223372036854775808"}
	for _, path := range []string{"overview?since=", "executions?namePrefix=", "executions?text=", "executions?status=", "executions?nextToken=",
		"executions?stateMachineArn=", "executions?startedAfter=", "executions?limit=", "history?after=1&executionArn=", "history?executionArn=x&after=",
		"stream?executionArn="} {
		for _, v := range odd {
			resp, err := http.Get(f.srv.URL + "/console/api/" + path + v)
			if err != nil {
				t.Fatal(err)
			}
			code, out := decode(t, resp)
			if code != http.StatusOK && code != http.StatusBadRequest && code != http.StatusNotFound || (code != http.StatusOK && out["error"] == "") {
				t.Errorf("%s%s: %d %v", path, v, code, out)
			}
		}
	}
}
