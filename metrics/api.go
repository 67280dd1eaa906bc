package metrics

import (
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// actions are the Step Functions API's actions Baton answers: an action
// label takes these values and "unknown" (anything else a client names),
// so that a client cannot grow the label's values.
var actions = []string{
	"CreateStateMachine", "DescribeStateMachine", "UpdateStateMachine", "DeleteStateMachine", "ListStateMachines",
	"PublishStateMachineVersion", "ListStateMachineVersions", "DeleteStateMachineVersion",
	"CreateStateMachineAlias", "DescribeStateMachineAlias", "UpdateStateMachineAlias", "DeleteStateMachineAlias", "ListStateMachineAliases",
	"ValidateStateMachineDefinition", "TestState",
	"StartExecution", "StartSyncExecution", "DescribeExecution", "StopExecution", "RedriveExecution", "ListExecutions",
	"GetExecutionHistory", "DescribeStateMachineForExecution",
	"CreateActivity", "DeleteActivity", "DescribeActivity", "ListActivities", "GetActivityTask",
	"SendTaskSuccess", "SendTaskFailure", "SendTaskHeartbeat",
	"TagResource", "UntagResource", "ListTagsForResource",
}

// maxErrorCodes bounds the error label's values: the codes are the
// server's own, but a bound costs nothing.
const maxErrorCodes = 64

// apiMetrics count the API's requests by action and error code, and time
// them by action. Series are made on first use and kept in a map that is
// replaced, never changed (a request reads it without a lock: requests of
// many cores do not fight over a lock's word).
type apiMetrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	known    map[string]bool
	mu       sync.Mutex // held by who adds series
	series   atomic.Pointer[map[[2]string]apiSeries]
	codes    map[string]bool
}

// apiSeries are the counter of an action and error code, and the timer of
// the action.
type apiSeries struct {
	count prometheus.Counter
	time  prometheus.Observer
}

func newAPIMetrics(reg *prometheus.Registry) *apiMetrics {
	a := &apiMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "baton_api_requests_total",
			Help: "Step Functions API requests, by action and error code (the x-amzn-ErrorType of the answer; empty when it succeeded)."},
			[]string{"action", "error"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "baton_api_request_seconds",
			Help:    "How long Step Functions API requests took to answer, by action (GetActivityTask waits up to a minute for a task).",
			Buckets: apiBuckets}, []string{"action"}),
		known: map[string]bool{"unknown": true}, codes: map[string]bool{},
	}
	a.series.Store(&map[[2]string]apiSeries{})
	reg.MustRegister(a.requests, a.latency)
	for _, name := range actions {
		a.known[name] = true
	}
	return a
}

// API counts and times the Step Functions API's requests (POST /) that a
// handler answers, refused ones included; it passes other requests on.
func (m *Metrics) API(next http.Handler) http.Handler {
	a := m.api
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/" {
			next.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		next.ServeHTTP(w, r)
		took := time.Since(start)
		action := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AWSStepFunctions.")
		if !a.known[action] {
			action = "unknown"
		}
		// The API names its errors in a header, as AWS does.
		se := a.get(action, w.Header().Get("X-Amzn-ErrorType"))
		se.count.Inc()
		se.time.Observe(took.Seconds())
	})
}

// get returns the series of an action and error code.
func (a *apiMetrics) get(action, code string) apiSeries {
	k := [2]string{action, code}
	if se, ok := (*a.series.Load())[k]; ok {
		return se
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if code != "" && !a.codes[code] {
		// Past the bound, a new code is counted as "other", and found by
		// that name (under the lock: it never happens in practice).
		if len(a.codes) >= maxErrorCodes {
			code = Other
			k = [2]string{action, code}
		}
		a.codes[code] = true
	}
	old := *a.series.Load()
	if se, ok := old[k]; ok {
		return se
	}
	se := apiSeries{count: a.requests.WithLabelValues(action, code), time: a.latency.WithLabelValues(action)}
	m := make(map[[2]string]apiSeries, len(old)+1)
	for k, v := range old {
		m[k] = v
	}
	m[k] = se
	a.series.Store(&m)
	return se
}
