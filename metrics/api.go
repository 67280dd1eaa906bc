package metrics

import (
	"net/http"
	"strings"
	"sync"
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
// them by action. Series are made on first use and kept in maps, so that
// a request costs a map read under a read lock, not a label hash.
type apiMetrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	known    map[string]bool
	mu       sync.RWMutex
	counters map[[2]string]prometheus.Counter // action, error code
	timers   map[string]prometheus.Observer   // action
	codes    map[string]bool
}

func newAPIMetrics(reg *prometheus.Registry) *apiMetrics {
	a := &apiMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "baton_api_requests_total",
			Help: "Step Functions API requests, by action and error code (the x-amzn-ErrorType of the answer; empty when it succeeded)."},
			[]string{"action", "error"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "baton_api_request_seconds",
			Help:    "How long Step Functions API requests took to answer, by action (GetActivityTask waits up to a minute for a task).",
			Buckets: apiBuckets}, []string{"action"}),
		known: map[string]bool{"unknown": true}, counters: map[[2]string]prometheus.Counter{},
		timers: map[string]prometheus.Observer{}, codes: map[string]bool{},
	}
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
		c, t := a.series(action, w.Header().Get("X-Amzn-ErrorType"))
		c.Inc()
		t.Observe(took.Seconds())
	})
}

// series returns the counter of an action and error code, and the timer of
// the action.
func (a *apiMetrics) series(action, code string) (prometheus.Counter, prometheus.Observer) {
	k := [2]string{action, code}
	a.mu.RLock()
	c, ok := a.counters[k]
	t := a.timers[action]
	a.mu.RUnlock()
	if ok && t != nil {
		return c, t
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if t = a.timers[action]; t == nil {
		t = a.latency.WithLabelValues(action)
		a.timers[action] = t
	}
	if code != "" && !a.codes[code] {
		if len(a.codes) >= maxErrorCodes {
			code = Other
		}
		a.codes[code] = true
		k = [2]string{action, code}
	}
	if c, ok = a.counters[k]; !ok {
		c = a.requests.WithLabelValues(action, code)
		a.counters[k] = c
	}
	return c, t
}
