package metrics_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/baton-sh/baton/clock"
	"github.com/baton-sh/baton/config"
	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/engine/enginetest"
	"github.com/baton-sh/baton/metrics"
	"github.com/baton-sh/baton/resource"
	"github.com/baton-sh/baton/resource/lambda"
	"github.com/baton-sh/baton/server"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

var epoch = time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)

const role = "arn:aws:iam::123456789012:role/r"

// harness is an engine on a fresh SQLite store, on a manual clock, with its
// metrics served over real HTTP by the server's own mux.
type harness struct {
	t       *testing.T
	e       *engine.Engine
	fn      *function // the Lambda function "greet"
	clk     *clock.Manual
	url     string
	mu      sync.Mutex
	seen    []engine.Event
	changed chan struct{}
}

// function is a Lambda function served over HTTP: it fails while fail
// says so.
type function struct {
	calls atomic.Int64
	fail  atomic.Bool
}

func (f *function) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.calls.Add(1)
	if _, err := io.Copy(io.Discard, r.Body); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if f.fail.Load() {
		http.Error(w, `{"errorType":"Boom","errorMessage":"it broke"}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprint(w, `{"greeting":"hello"}`)
}

func newHarness(t *testing.T, mo metrics.Options) *harness {
	t.Helper()
	h := &harness{t: t, clk: clock.NewManual(epoch), changed: make(chan struct{}, 1), fn: &function{}}
	reg := resource.NewRegistry()
	fsrv := httptest.NewServer(h.fn)
	t.Cleanup(fsrv.Close)
	lambda.New(&config.Config{Functions: map[string]*config.Function{"greet": {URL: fsrv.URL}}}).Register(reg)
	h.e, _ = enginetest.New(t, engine.Options{Clock: h.clk, Resources: reg})
	mo.Observed = h.observed
	m := metrics.New(h.e, mo)
	t.Cleanup(m.Close)
	srv := httptest.NewServer(server.Handler(h.e, server.Options{Metrics: m}))
	t.Cleanup(srv.Close)
	h.url = srv.URL
	return h
}

func (h *harness) observed(batch []engine.Event) {
	h.mu.Lock()
	h.seen = append(h.seen, batch...)
	h.mu.Unlock()
	select {
	case h.changed <- struct{}{}:
	default:
	}
}

// waitFor waits until the metrics have counted an event that matches.
func (h *harness) waitFor(what string, match func(engine.Event) bool) {
	h.t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		h.mu.Lock()
		found := slices.ContainsFunc(h.seen, match)
		h.mu.Unlock()
		if found {
			return
		}
		select {
		case <-h.changed:
		case <-deadline:
			h.t.Fatalf("the metrics never counted %s", what)
		}
	}
}

// finished waits until the metrics have counted the end of an execution
// (its n-th end, for one redriven).
func (h *harness) finished(execARN string, n int) {
	h.t.Helper()
	h.waitFor("the end of "+execARN, func(ev engine.Event) bool {
		return ev.Kind == engine.ExecutionFinished && ev.ExecutionARN == execARN && ev.RedriveCount == n-1
	})
}

func (h *harness) machine(name, def string) string {
	h.t.Helper()
	out, err := h.e.CreateStateMachine(context.Background(), &engine.CreateStateMachineInput{Name: name, Definition: def, RoleArn: role})
	if err != nil {
		h.t.Fatal(err)
	}
	return out.StateMachineArn
}

func (h *harness) start(sm string) string {
	h.t.Helper()
	out, err := h.e.StartExecution(context.Background(), &engine.StartExecutionInput{StateMachineArn: sm, Input: `{"name":"metrics"}`})
	if err != nil {
		h.t.Fatal(err)
	}
	return out.ExecutionArn
}

// scrape reads /metrics over HTTP with Prometheus' own text parser.
func (h *harness) scrape() map[string]*dto.MetricFamily {
	h.t.Helper()
	return scrape(h.t, h.url+"/metrics", "", "")
}

func scrape(t *testing.T, url, user, password string) map[string]*dto.MetricFamily {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/plain")
	if user != "" {
		req.SetBasicAuth(user, password)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, err := io.ReadAll(resp.Body)
		t.Fatalf("GET /metrics: %s %s %v", resp.Status, body, err)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return fams
}

// sample finds the sample of a family with the labels given (a histogram's
// by NAME_count or NAME_sum), and says whether there is one.
func sample(fams map[string]*dto.MetricFamily, name string, labels map[string]string) (float64, bool) {
	base, part := name, ""
	for _, suffix := range []string{"_count", "_sum"} {
		if b, ok := strings.CutSuffix(name, suffix); ok && fams[b] != nil && fams[b].GetType() == dto.MetricType_HISTOGRAM {
			base, part = b, suffix
		}
	}
	f := fams[base]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range labels {
			if have[k] != v {
				continue next
			}
		}
		switch {
		case part == "_count":
			return float64(m.GetHistogram().GetSampleCount()), true
		case part == "_sum":
			return m.GetHistogram().GetSampleSum(), true
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		case m.Gauge != nil:
			return m.GetGauge().GetValue(), true
		}
	}
	return 0, false
}

// want is an expected sample: a metric (a histogram's NAME_count or
// NAME_sum), its labels, its value.
type want struct {
	name   string
	labels map[string]string
	value  float64
}

func check(t *testing.T, fams map[string]*dto.MetricFamily, wants []want) {
	t.Helper()
	for _, w := range wants {
		got, ok := sample(fams, w.name, w.labels)
		if !ok {
			t.Errorf("%s%v: no sample", w.name, w.labels)
			continue
		}
		if got != w.value {
			t.Errorf("%s%v = %v, want %v", w.name, w.labels, got, w.value)
		}
	}
}

func sm(arn string) map[string]string {
	return map[string]string{"state_machine": arn, "version": "", "alias": ""}
}

// TestStatesMetrics: after known executions, the scrape holds AWS's
// AWS/States metrics with AWS's dimensions as labels, and their times (on
// a manual clock, exact).
func TestStatesMetrics(t *testing.T) {
	t.Parallel()
	const fnARN = "arn:aws:lambda:us-east-1:123456789012:function:greet"
	const invoke = "arn:aws:states:::lambda:invoke"
	for _, tc := range []struct {
		name string
		// run drives executions; it returns the samples the scrape must
		// hold then.
		run func(h *harness) []want
	}{
		{"success", func(h *harness) []want {
			m := h.machine("ok", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3,"Next":"P"},"P":{"Type":"Pass","End":true}}}`)
			x := h.start(m)
			h.waitFor("the Wait's timer", func(ev engine.Event) bool { return ev.Kind == engine.TimerArmed })
			h.clk.Advance(3 * time.Second)
			h.finished(x, 1)
			return []want{
				{"baton_executions_started_total", sm(m), 1},
				{"baton_executions_succeeded_total", sm(m), 1},
				{"baton_executions_failed_total", sm(m), 0},
				{"baton_execution_throttled_total", sm(m), 0},
				{"baton_execution_time_seconds_count", sm(m), 1},
				{"baton_execution_time_seconds_sum", sm(m), 3},
				{"baton_timers_armed_total", nil, 1},
				{"baton_timers_fired_total", nil, 1},
			}
		}},
		{"failure", func(h *harness) []want {
			m := h.machine("fails", `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Oops"}}}`)
			h.finished(h.start(m), 1)
			return []want{
				{"baton_executions_started_total", sm(m), 1},
				{"baton_executions_failed_total", sm(m), 1},
				{"baton_executions_succeeded_total", sm(m), 0},
				{"baton_execution_time_seconds_count", sm(m), 1},
			}
		}},
		{"timeout", func(h *harness) []want {
			m := h.machine("slow", `{"StartAt":"W","TimeoutSeconds":10,"States":{"W":{"Type":"Wait","Seconds":60,"End":true}}}`)
			x := h.start(m)
			h.waitFor("the timers", func(ev engine.Event) bool { return ev.Kind == engine.TimerArmed })
			h.clk.Advance(10 * time.Second)
			h.finished(x, 1)
			return []want{
				{"baton_executions_timed_out_total", sm(m), 1},
				{"baton_execution_time_seconds_sum", sm(m), 10},
			}
		}},
		{"aborted", func(h *harness) []want {
			m := h.machine("stopped", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"End":true}}}`)
			x := h.start(m)
			h.clk.Advance(time.Second)
			if _, err := h.e.StopExecution(context.Background(), &engine.StopExecutionInput{ExecutionArn: x}); err != nil {
				h.t.Fatal(err)
			}
			h.finished(x, 1)
			return []want{
				{"baton_executions_aborted_total", sm(m), 1},
				{"baton_execution_time_seconds_sum", sm(m), 1},
			}
		}},
		{"activity", func(h *harness) []want {
			ctx := context.Background()
			act, err := h.e.CreateActivity(ctx, &engine.CreateActivityInput{Name: "work"})
			if err != nil {
				h.t.Fatal(err)
			}
			a := act.ActivityArn
			m := h.machine("worked", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"`+a+`","End":true}}}`)
			x := h.start(m)
			h.clk.Advance(2 * time.Second)
			task, err := h.e.GetActivityTask(ctx, &engine.GetActivityTaskInput{ActivityArn: a, WorkerName: "w"})
			if err != nil || task.TaskToken == "" {
				h.t.Fatalf("no task: %+v %v", task, err)
			}
			h.clk.Advance(3 * time.Second)
			if _, err := h.e.SendTaskSuccess(ctx, &engine.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: `{}`}); err != nil {
				h.t.Fatal(err)
			}
			h.finished(x, 1)
			// Two more: one whose heartbeat stops, one that runs out of time.
			hb := h.machine("heartbeat", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"`+a+`","HeartbeatSeconds":5,"End":true}}}`)
			to := h.machine("deadline", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"`+a+`","TimeoutSeconds":7,"End":true}}}`)
			x1, x2 := h.start(hb), h.start(to)
			h.clk.Advance(5 * time.Second)
			h.finished(x1, 1)
			h.clk.Advance(2 * time.Second)
			h.finished(x2, 1)
			act1 := map[string]string{"activity": a}
			return []want{
				{"baton_activities_scheduled_total", act1, 3},
				{"baton_activities_started_total", act1, 1},
				{"baton_activities_succeeded_total", act1, 1},
				{"baton_activities_heartbeat_timed_out_total", act1, 1},
				{"baton_activities_timed_out_total", act1, 1},
				{"baton_activities_failed_total", act1, 0},
				{"baton_activity_schedule_time_seconds_count", act1, 1},
				{"baton_activity_schedule_time_seconds_sum", act1, 2},
				{"baton_activity_run_time_seconds_sum", act1, 3},
				// 5 s for the one that succeeded, 5 and 7 for those that
				// timed out before a worker took them.
				{"baton_activity_time_seconds_count", act1, 3},
				{"baton_activity_time_seconds_sum", act1, 17},
				{"baton_execution_time_seconds_sum", sm(m), 5},
				{"baton_executions_failed_total", sm(hb), 1},
				{"baton_activity_tasks_waiting", act1, 0},
			}
		}},
		{"lambda function", func(h *harness) []want {
			m := h.machine("called", `{"StartAt":"L","States":{"L":{"Type":"Task","Resource":"`+fnARN+`","End":true}}}`)
			h.finished(h.start(m), 1)
			h.fn.fail.Store(true)
			h.finished(h.start(m), 1)
			return []want{
				{"baton_lambda_functions_scheduled_total", map[string]string{"function": fnARN}, 2},
				{"baton_lambda_functions_started_total", map[string]string{"function": fnARN}, 2},
				{"baton_lambda_functions_succeeded_total", map[string]string{"function": fnARN}, 1},
				{"baton_lambda_functions_failed_total", map[string]string{"function": fnARN}, 1},
				{"baton_lambda_function_time_seconds_count", map[string]string{"function": fnARN}, 2},
				{"baton_lambda_function_run_time_seconds_count", map[string]string{"function": fnARN}, 2},
				{"baton_executions_failed_total", sm(m), 1},
			}
		}},
		{"service integration", func(h *harness) []want {
			m := h.machine("integrated", `{"StartAt":"S","States":{"S":{"Type":"Task","Resource":"`+invoke+`",
				"Parameters":{"FunctionName":"greet","Payload.$":"$"},"End":true}}}`)
			h.finished(h.start(m), 1)
			res := map[string]string{"resource": invoke}
			return []want{
				{"baton_service_integrations_scheduled_total", res, 1},
				{"baton_service_integrations_started_total", res, 1},
				{"baton_service_integrations_succeeded_total", res, 1},
				{"baton_service_integration_schedule_time_seconds_count", res, 1},
				{"baton_service_integration_run_time_seconds_count", res, 1},
				{"baton_service_integration_time_seconds_count", res, 1},
				{"baton_executions_succeeded_total", sm(m), 1},
			}
		}},
		{"redrive", func(h *harness) []want {
			h.fn.fail.Store(true)
			m := h.machine("again", `{"StartAt":"L","States":{"L":{"Type":"Task","Resource":"`+fnARN+`","End":true}}}`)
			x := h.start(m)
			h.finished(x, 1)
			h.fn.fail.Store(false)
			h.clk.Advance(time.Minute)
			if _, err := h.e.RedriveExecution(context.Background(), &engine.RedriveExecutionInput{ExecutionArn: x}); err != nil {
				h.t.Fatal(err)
			}
			h.finished(x, 2)
			return []want{
				{"baton_executions_started_total", sm(m), 1},
				{"baton_executions_failed_total", sm(m), 1},
				{"baton_executions_redriven_total", sm(m), 1},
				{"baton_executions_succeeded_total", sm(m), 1},
				{"baton_redriven_executions_succeeded_total", sm(m), 1},
				{"baton_redriven_executions_failed_total", sm(m), 0},
				{"baton_lambda_functions_failed_total", map[string]string{"function": fnARN}, 1},
				{"baton_lambda_functions_succeeded_total", map[string]string{"function": fnARN}, 1},
				// From the start to the failure, then from the redrive to
				// the end: no time passed in either.
				{"baton_execution_time_seconds_count", sm(m), 2},
				{"baton_execution_time_seconds_sum", sm(m), 0},
			}
		}},
		{"version and alias", func(h *harness) []want {
			ctx := context.Background()
			m := h.machine("versioned", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
			v, err := h.e.PublishStateMachineVersion(ctx, &engine.PublishStateMachineVersionInput{StateMachineArn: m})
			if err != nil {
				h.t.Fatal(err)
			}
			al, err := h.e.CreateStateMachineAlias(ctx, &engine.CreateStateMachineAliasInput{Name: "prod",
				RoutingConfiguration: []engine.RoutingEntry{{StateMachineVersionArn: v.StateMachineVersionArn, Weight: 100}}})
			if err != nil {
				h.t.Fatal(err)
			}
			h.finished(h.start(m), 1)
			h.finished(h.start(v.StateMachineVersionArn), 1)
			h.finished(h.start(al.StateMachineAliasArn), 1)
			h.finished(h.start(al.StateMachineAliasArn), 1)
			return []want{
				{"baton_executions_started_total", sm(m), 1},
				{"baton_executions_started_total", map[string]string{"state_machine": m, "version": "1", "alias": ""}, 1},
				{"baton_executions_succeeded_total", map[string]string{"state_machine": m, "version": "1", "alias": "prod"}, 2},
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, metrics.Options{})
			wants := tc.run(h)
			check(t, h.scrape(), wants)
		})
	}
}

// TestInternals: Baton's own gauges and histograms beside AWS's: open and
// waiting executions, timers, activity queues, group commits, API
// requests.
func TestInternals(t *testing.T) {
	t.Parallel()
	h := newHarness(t, metrics.Options{})
	ctx := context.Background()
	act, err := h.e.CreateActivity(ctx, &engine.CreateActivityInput{Name: "queue"})
	if err != nil {
		t.Fatal(err)
	}
	waits := h.machine("waits", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":30,"End":true}}}`)
	works := h.machine("works", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"`+act.ActivityArn+`","End":true}}}`)
	h.start(waits)
	h.start(works)
	h.start(works)
	// Through the API: one that succeeds, one unknown action, one refused.
	for _, r := range []struct{ target, body string }{
		{"AWSStepFunctions.ListStateMachines", `{}`},
		{"AWSStepFunctions.Nonsense", `{}`},
		{"AWSStepFunctions.DescribeExecution", `{"executionArn":"nope"}`},
	} {
		req, err := http.NewRequest("POST", h.url+"/", strings.NewReader(r.body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Amz-Target", r.target)
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
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
	}
	fams := h.scrape()
	a := map[string]string{"activity": act.ActivityArn}
	check(t, fams, []want{
		{"baton_open_executions", nil, 3},
		{"baton_waiting_executions", nil, 1},
		{"baton_timers_queued", nil, 1},
		{"baton_timers_due", nil, 0},
		{"baton_activity_tasks_waiting", a, 2},
		{"baton_activity_tasks_in_flight", a, 0},
		{"baton_activity_pollers", a, 0},
		{"baton_api_requests_total", map[string]string{"action": "ListStateMachines", "error": ""}, 1},
		{"baton_api_requests_total", map[string]string{"action": "unknown", "error": "UnknownOperationException"}, 1},
		{"baton_api_requests_total", map[string]string{"action": "DescribeExecution", "error": "InvalidArn"}, 1},
		{"baton_api_request_seconds_count", map[string]string{"action": "ListStateMachines"}, 1},
		{"baton_node_executions_owned", nil, 3},
		{"baton_node_takeovers_total", nil, 0},
		{"baton_node_leases_lost_total", nil, 0},
		{"baton_node_inputs_posted_total", nil, 0},
		{"baton_node_inputs_applied_total", nil, 0},
	})
	if v, ok := sample(fams, "baton_node_info", map[string]string{"node": "local", "epoch": "1"}); !ok || v != 1 {
		t.Errorf("baton_node_info = %v (%v)", v, ok)
	}

	for _, name := range []string{"baton_store_commit_seconds_count", "baton_store_commit_steps_count", "baton_store_commit_steps_sum"} {
		if v, ok := sample(fams, name, nil); !ok || v < 1 {
			t.Errorf("%s = %v (%v), want some", name, v, ok)
		}
	}
	for _, name := range []string{"baton_jsonata_evaluation_seconds", "go_goroutines", "process_cpu_seconds_total"} {
		if fams[name] == nil {
			t.Errorf("no %s", name)
		}
	}
	// A worker takes one: in flight; the Wait ends: no more waiting.
	task, err := h.e.GetActivityTask(ctx, &engine.GetActivityTaskInput{ActivityArn: act.ActivityArn})
	if err != nil || task.TaskToken == "" {
		t.Fatalf("%+v %v", task, err)
	}
	h.clk.Advance(30 * time.Second)
	h.waitFor("the end of the Wait", func(ev engine.Event) bool {
		return ev.Kind == engine.ExecutionFinished && ev.StateMachineARN == waits
	})
	check(t, h.scrape(), []want{
		{"baton_open_executions", nil, 2},
		{"baton_waiting_executions", nil, 0},
		{"baton_activity_tasks_waiting", a, 1},
		{"baton_activity_tasks_in_flight", a, 1},
	})
}

// TestCardinality: each dimension keeps at most MaxLabelValues values; the
// rest are counted under "other". A deleted state machine's and activity's
// series go, and make room.
func TestCardinality(t *testing.T) {
	t.Parallel()
	h := newHarness(t, metrics.Options{MaxLabelValues: 3})
	ctx := context.Background()
	var machines []string
	for i := range 5 {
		m := h.machine(fmt.Sprint("m", i), `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
		machines = append(machines, m)
		h.finished(h.start(m), 1)
	}
	fams := h.scrape()
	if got := labelValues(fams, "baton_executions_started_total", "state_machine"); !slices.Equal(got, append(slices.Clone(machines[:3]), "other")) {
		t.Errorf("state machines: %v", got)
	}
	check(t, fams, []want{
		{"baton_executions_started_total", sm(machines[0]), 1},
		{"baton_executions_started_total", map[string]string{"state_machine": "other"}, 2},
		{"baton_executions_succeeded_total", map[string]string{"state_machine": "other"}, 2},
	})
	// Activities alike, for tasks and for queues.
	var acts []string
	for i := range 5 {
		a, err := h.e.CreateActivity(ctx, &engine.CreateActivityInput{Name: fmt.Sprint("a", i)})
		if err != nil {
			t.Fatal(err)
		}
		acts = append(acts, a.ActivityArn)
		m := h.machine(fmt.Sprint("t", i), `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"`+a.ActivityArn+`","End":true}}}`)
		x := h.start(m)
		h.waitFor("the task of "+x, func(ev engine.Event) bool { return ev.Kind == engine.TaskScheduled && ev.ExecutionARN == x })
	}
	fams = h.scrape()
	if got := labelValues(fams, "baton_activities_scheduled_total", "activity"); !slices.Equal(got, append(slices.Clone(acts[:3]), "other")) {
		t.Errorf("activities: %v", got)
	}
	if got := labelValues(fams, "baton_activity_tasks_waiting", "activity"); !slices.Equal(got, append(slices.Clone(acts[:3]), "other")) {
		t.Errorf("activity queues: %v", got)
	}
	check(t, fams, []want{
		{"baton_activity_tasks_waiting", map[string]string{"activity": "other"}, 2},
		{"baton_activities_scheduled_total", map[string]string{"activity": "other"}, 2},
	})
	// A deleted state machine's series go; the next one takes its place.
	if _, err := h.e.DeleteStateMachine(ctx, &engine.DeleteStateMachineInput{StateMachineArn: machines[1]}); err != nil {
		t.Fatal(err)
	}
	h.waitFor("the deletion", func(ev engine.Event) bool {
		return ev.Kind == engine.StateMachineDeleted && ev.StateMachineARN == machines[1]
	})
	h.finished(h.start(machines[4]), 1)
	if _, err := h.e.DeleteActivity(ctx, &engine.ActivityInput{ActivityArn: acts[0]}); err != nil {
		t.Fatal(err)
	}
	h.waitFor("the activity's deletion", func(ev engine.Event) bool { return ev.Kind == engine.ActivityDeleted })
	fams = h.scrape()
	want := []string{machines[0], machines[2], "other", machines[4]}
	sort.Strings(want)
	if got := labelValues(fams, "baton_executions_started_total", "state_machine"); !slices.Equal(got, want) {
		t.Errorf("after a deletion: %v, want %v", got, want)
	}
	if got := labelValues(fams, "baton_activities_scheduled_total", "activity"); slices.Contains(got, acts[0]) {
		t.Errorf("a deleted activity's series stay: %v", got)
	}
	// However many come, the scrape stays bounded.
	for i := range 20 {
		m := h.machine(fmt.Sprint("more", i), `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
		h.finished(h.start(m), 1)
	}
	if got := labelValues(h.scrape(), "baton_executions_started_total", "state_machine"); len(got) > 4 {
		t.Errorf("%d state machines in the labels: %v", len(got), got)
	}
}

// labelValues lists the values a label takes in a family, sorted.
func labelValues(fams map[string]*dto.MetricFamily, name, label string) []string {
	var out []string
	for _, m := range fams[name].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == label && !slices.Contains(out, l.GetValue()) {
				out = append(out, l.GetValue())
			}
		}
	}
	sort.Strings(out)
	return out
}

// TestTaskFromBefore: a task scheduled before the metrics began (a
// restart) is matched with its scheduling in the store when it ends: its
// activity and its times are right.
func TestTaskFromBefore(t *testing.T) {
	t.Parallel()
	clk := clock.NewManual(epoch)
	e, _ := enginetest.New(t, engine.Options{Clock: clk})
	ctx := context.Background()
	act, err := e.CreateActivity(ctx, &engine.CreateActivityInput{Name: "old"})
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.CreateStateMachine(ctx, &engine.CreateStateMachineInput{Name: "before", RoleArn: role,
		Definition: `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"` + act.ActivityArn + `","End":true}}}`})
	if err != nil {
		t.Fatal(err)
	}
	x, err := e.StartExecution(ctx, &engine.StartExecutionInput{StateMachineArn: out.StateMachineArn})
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(4 * time.Second)
	task, err := e.GetActivityTask(ctx, &engine.GetActivityTaskInput{ActivityArn: act.ActivityArn})
	if err != nil || task.TaskToken == "" {
		t.Fatalf("%+v %v", task, err)
	}
	// Now the metrics begin.
	done := make(chan struct{})
	m := metrics.New(e, metrics.Options{Observed: func(batch []engine.Event) {
		for _, ev := range batch {
			if ev.Kind == engine.ExecutionFinished {
				close(done)
			}
		}
	}})
	defer m.Close()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	clk.Advance(6 * time.Second)
	if _, err := e.SendTaskSuccess(ctx, &engine.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: `{}`}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("the end of %s was never counted", x.ExecutionArn)
	}
	a := map[string]string{"activity": act.ActivityArn}
	check(t, scrape(t, srv.URL, "", ""), []want{
		{"baton_activities_succeeded_total", a, 1},
		{"baton_activity_run_time_seconds_sum", a, 6},
		{"baton_activity_time_seconds_sum", a, 10},
		{"baton_metrics_tasks_unmatched_total", nil, 0},
		{"baton_execution_time_seconds_sum", sm(out.StateMachineArn), 10},
	})
}
