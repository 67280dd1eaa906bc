// Package metrics serves Prometheus metrics for baton serve: every metric
// of AWS Step Functions' AWS/States CloudWatch namespace that has a meaning
// here, named after AWS's (ExecutionsStarted is
// baton_executions_started_total, ActivityRunTime
// baton_activity_run_time_seconds), with AWS's dimensions as labels
// (state_machine, version, alias; activity; function; resource), and
// Baton's own internals beside them: open and waiting executions, timers,
// group commits, activity queues and pollers, API requests, JSONata
// evaluations.
//
// What happens to executions comes from the engine's observer seam, inline:
// each step is counted on the goroutine of its execution, into numbers
// sharded by processor (counts), without a lock but where tasks are
// paired; a task whose beginning only the store knows is looked up on the
// metrics' own goroutine, never on an execution's path. What the engine
// holds now (open executions, queues) is read when
// the metrics are scraped. Labels are bounded: each dimension keeps at
// most Options.MaxLabelValues distinct values, and later ones are counted
// under "other"; a state machine's or an activity's series go when it is
// deleted.
package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/machine"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Other is the label value of what is past a dimension's bound, and
// Unknown that of a task whose resource could not be learnt (its
// scheduling event lost, and its history not kept).
const (
	Other   = "other"
	Unknown = "unknown"
)

// DefaultMaxLabelValues is the default bound on the distinct values of
// each dimension.
const DefaultMaxLabelValues = 1000

// Options configure Metrics.
type Options struct {
	// MaxLabelValues bounds the distinct values each dimension takes: state
	// machines (a state machine with a version or an alias counts once per
	// pair), activities, Lambda functions, service integration resources
	// (default 1,000 each). Later values are counted under "other".
	MaxLabelValues int
	Logger         *slog.Logger
	// Observed, when set, is called after each batch of the engine's events
	// (or part of one) has been counted, on the goroutine that counted it
	// (tests wait on it).
	Observed func(batch []engine.Event)
	// RoundTrips, when set, reports the requests the store has sent to its
	// database and waited for (PostgreSQL's: a batch counts once).
	RoundTrips func() int64
}

// Metrics collects an engine's metrics and serves them.
type Metrics struct {
	reg  *prometheus.Registry
	api  *apiMetrics
	stop []func()
}

// New starts collecting the metrics of an engine (with a store: baton
// serve's). Close stops it.
func New(e *engine.Engine, o Options) *Metrics {
	if o.MaxLabelValues <= 0 {
		o.MaxLabelValues = DefaultMaxLabelValues
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	reg := prometheus.NewRegistry()
	m := &Metrics{reg: reg}
	obs := newObserver(e, reg, o)
	go obs.run()
	m.api = newAPIMetrics(reg)
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&engineCollector{e: e, max: o.MaxLabelValues, log: o.Logger},
	)

	commits := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "baton_store_commit_seconds",
		Help: "How long a group commit's transaction took (one fsync for many execution steps).", Buckets: commitBuckets})
	steps := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "baton_store_commit_steps",
		Help: "How many execution steps one group commit wrote.", Buckets: batchBuckets})
	jsonata := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "baton_jsonata_evaluation_seconds",
		Help: "How long JSONata evaluations took: a random sample of one in 64 (reading a plain name path is not counted).", Buckets: jsonataBuckets})
	claims := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "baton_store_claim_seconds",
		Help: "How long a claim of work in the store took: executions to take over, due timers, an activity task for a poll.", Buckets: commitBuckets},
		[]string{"what"})
	reg.MustRegister(commits, steps, jsonata, claims)
	if o.RoundTrips != nil {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "baton_store_round_trips_total",
			Help: "Requests the store sent to its database and waited for (a batch of statements counts once): what group commit amortises."},
			func() float64 { return float64(o.RoundTrips()) }))
	}
	e.ObserveClaims(func(what string, took time.Duration) { claims.WithLabelValues(what).Observe(took.Seconds()) })
	m.stop = append(m.stop, func() { e.ObserveClaims(nil) })
	e.ObserveCommits(func(n int, took time.Duration) {
		commits.Observe(took.Seconds())
		steps.Observe(float64(n))
	})
	m.stop = append(m.stop,
		func() { e.ObserveCommits(nil) },
		machine.ObserveJSONata(func(took time.Duration) { jsonata.Observe(took.Seconds()) }),
		obs.close,
		e.SubscribeInline(obs),
	)
	return m
}

// Handler serves the metrics in Prometheus' text format (or its protobuf
// format, to a scraper that asks for it).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg, Timeout: 10 * time.Second})
}

// Close stops collecting.
func (m *Metrics) Close() {
	for i := len(m.stop) - 1; i >= 0; i-- {
		m.stop[i]()
	}
}

// Histogram buckets, in seconds (AWS reports its times in milliseconds).
var (
	// Executions and tasks: from a Pass state's milliseconds to a day.
	durationBuckets = []float64{0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600, 86400}
	// API requests: from a cached read to a long poll's minute.
	apiBuckets     = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 30, 60}
	commitBuckets  = []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1}
	batchBuckets   = []float64{1, 2, 4, 8, 16, 32, 64, 128, 256, 512}
	jsonataBuckets = []float64{0.000001, 0.000005, 0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5}
)

// engineCollector reads what the engine holds when the metrics are
// scraped.
type engineCollector struct {
	e   *engine.Engine
	max int
	log *slog.Logger
}

var (
	openDesc = prometheus.NewDesc("baton_open_executions",
		"Executions in progress: the Standard executions this server owns that have not ended, and the Express ones running (AWS's OpenExecutionCount).", nil, nil)
	waitingDesc = prometheus.NewDesc("baton_waiting_executions",
		"Open Standard executions that wait only on their timers (a Wait state, a retry's back-off), no task of theirs in flight: they hold no memory.", nil, nil)
	timersQueuedDesc = prometheus.NewDesc("baton_timers_queued",
		"Timers kept in memory: those due within a minute (later ones wait in the store).", nil, nil)
	timersDueDesc = prometheus.NewDesc("baton_timers_due",
		"Timers due and not yet fired: a backlog.", nil, nil)
	tasksWaitingDesc = prometheus.NewDesc("baton_activity_tasks_waiting",
		"Activity tasks no worker has taken yet.", []string{"activity"}, nil)
	tasksInFlightDesc = prometheus.NewDesc("baton_activity_tasks_in_flight",
		"Activity tasks a worker has taken and not yet finished.", []string{"activity"}, nil)
	pollersDesc = prometheus.NewDesc("baton_activity_pollers",
		"GetActivityTask calls waiting for a task of the activity now.", []string{"activity"}, nil)
	nodeDesc = prometheus.NewDesc("baton_node_info",
		"This server's node: its name and its lease's incarnation (epoch) on the store. Always 1.", []string{"node", "epoch"}, nil)
	ownedDesc = prometheus.NewDesc("baton_node_executions_owned",
		"Standard executions whose lease this node holds: those it advances.", nil, nil)
	takenOverDesc = prometheus.NewDesc("baton_node_takeovers_total",
		"Executions this node took over from a node whose lease ran out (or from its own earlier incarnation).", nil, nil)
	leasesLostDesc = prometheus.NewDesc("baton_node_leases_lost_total",
		"Times this node found its lease gone (it stalled longer than a lease) and registered again.", nil, nil)
	postedDesc = prometheus.NewDesc("baton_node_inputs_posted_total",
		"Callbacks, stops, activity starts and task results this node received for executions other nodes own, handed to them.", nil, nil)
	appliedDesc = prometheus.NewDesc("baton_node_inputs_applied_total",
		"Inputs other nodes received for executions this node owns, applied here.", nil, nil)
)

func (c *engineCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{openDesc, waitingDesc, timersQueuedDesc, timersDueDesc, tasksWaitingDesc, tasksInFlightDesc, pollersDesc,
		nodeDesc, ownedDesc, takenOverDesc, leasesLostDesc, postedDesc, appliedDesc} {
		ch <- d
	}
}

func (c *engineCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.e.Stats()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	gauge(openDesc, float64(s.OpenExecutions))
	gauge(waitingDesc, float64(s.IdleExecutions))
	gauge(timersQueuedDesc, float64(s.TimersQueued))
	gauge(timersDueDesc, float64(s.TimersDue))
	if n := s.Node; n.Node != "" {
		counter := func(d *prometheus.Desc, v uint64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v))
		}
		gauge(nodeDesc, 1, n.Node, strconv.FormatInt(n.Epoch, 10))
		gauge(ownedDesc, float64(s.OwnedExecutions))
		counter(takenOverDesc, n.TakenOver)
		counter(leasesLostDesc, n.LeasesLost)
		counter(postedDesc, n.Posted)
		counter(appliedDesc, n.Applied)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	acts, err := c.e.ActivityStats(ctx)
	if err != nil {
		c.log.Warn("metrics: reading the activities' queues", "error", err)
		return
	}
	// Activities come in ARN order: the first ones keep their own series,
	// the rest are summed under "other".
	var other engine.ActivityStats
	for i, a := range acts {
		if i >= c.max {
			other.Waiting += a.Waiting
			other.InFlight += a.InFlight
			other.Pollers += a.Pollers
			continue
		}
		gauge(tasksWaitingDesc, float64(a.Waiting), a.ActivityArn)
		gauge(tasksInFlightDesc, float64(a.InFlight), a.ActivityArn)
		gauge(pollersDesc, float64(a.Pollers), a.ActivityArn)
	}
	if len(acts) > c.max {
		gauge(tasksWaitingDesc, float64(other.Waiting), Other)
		gauge(tasksInFlightDesc, float64(other.InFlight), Other)
		gauge(pollersDesc, float64(other.Pollers), Other)
	}
}
