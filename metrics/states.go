package metrics

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"time"

	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/history"
	"github.com/prometheus/client_golang/prometheus"
)

// The AWS/States families. Each AWS metric is a Prometheus metric of its
// own, named "baton_" + AWS's name in snake case: counts end in _total,
// times (AWS's milliseconds) are histograms in seconds.

// execKey is an execution family's labels: the state machine, and the
// version and alias an execution was started through (AWS's StateMachineArn,
// Version and Alias dimensions).
type execKey struct{ sm, version, alias string }

// execSeries are one execKey's series, made once.
type execSeries struct {
	started, succeeded, failed, aborted, timedOut, throttled, redriven   prometheus.Counter
	redrivenSucceeded, redrivenFailed, redrivenAborted, redrivenTimedOut prometheus.Counter
	time                                                                 prometheus.Observer
}

type execFamilies struct {
	counters map[string]*prometheus.CounterVec
	time     *prometheus.HistogramVec
}

var execLabels = []string{"state_machine", "version", "alias"}

// The execution family's counters: AWS's name, and what it counts.
var execCounters = []struct{ aws, help string }{
	{"ExecutionsStarted", "Executions started."},
	{"ExecutionsSucceeded", "Executions that succeeded."},
	{"ExecutionsFailed", "Executions that failed."},
	{"ExecutionsAborted", "Executions stopped (StopExecution, or their state machine deleted)."},
	{"ExecutionsTimedOut", "Executions that timed out."},
	{"ExecutionThrottled", "State transitions throttled: always 0, Baton throttles none."},
	{"ExecutionsRedriven", "Executions redriven (RedriveExecution)."},
	{"RedrivenExecutionsSucceeded", "Redriven executions that succeeded (also counted in baton_executions_succeeded_total)."},
	{"RedrivenExecutionsFailed", "Redriven executions that failed (also counted in baton_executions_failed_total)."},
	{"RedrivenExecutionsAborted", "Redriven executions stopped (also counted in baton_executions_aborted_total)."},
	{"RedrivenExecutionsTimedOut", "Redriven executions that timed out (also counted in baton_executions_timed_out_total)."},
}

// taskKind says which family a task belongs to.
type taskKind uint8

const (
	activityTask taskKind = iota
	lambdaTask
	serviceTask
)

// taskSeries are the series of one activity, function or resource.
type taskSeries struct {
	scheduled, started, succeeded, failed, timedOut, heartbeatTimedOut prometheus.Counter
	scheduleTime, runTime, time                                        prometheus.Observer
}

// taskFamily is AWS's activity, Lambda function or service integration
// family.
type taskFamily struct {
	label                                                              string
	scheduled, started, succeeded, failed, timedOut, heartbeatTimedOut *prometheus.CounterVec
	scheduleTime, runTime, time                                        *prometheus.HistogramVec
	series                                                             map[string]*taskSeries
	max, named                                                         int // the bound, and the values it holds but "other"
	allVecs                                                            []interface{ DeleteLabelValues(...string) bool }
}

// newTaskFamily registers a family: plural and singular are AWS's stems
// ("Activities", "Activity"), noun what one is called in help texts.
func newTaskFamily(reg *prometheus.Registry, plural, singular, label, noun string, heartbeat bool, max int) *taskFamily {
	f := &taskFamily{label: label, series: map[string]*taskSeries{}, max: max}
	counter := func(aws, help string) *prometheus.CounterVec {
		v := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "baton_" + snake(aws) + "_total", Help: help}, []string{label})
		reg.MustRegister(v)
		f.allVecs = append(f.allVecs, v)
		return v
	}
	hist := func(aws, help string) *prometheus.HistogramVec {
		v := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "baton_" + snake(aws) + "_seconds", Help: help, Buckets: durationBuckets}, []string{label})
		reg.MustRegister(v)
		f.allVecs = append(f.allVecs, v)
		return v
	}
	f.scheduled = counter(plural+"Scheduled", noun+"s scheduled.")
	f.started = counter(plural+"Started", noun+"s started.")
	f.succeeded = counter(plural+"Succeeded", noun+"s that succeeded.")
	f.failed = counter(plural+"Failed", noun+"s that failed.")
	f.timedOut = counter(plural+"TimedOut", noun+"s that timed out.")
	if heartbeat {
		f.heartbeatTimedOut = counter(plural+"HeartbeatTimedOut", noun+"s whose heartbeat timed out.")
	}
	f.scheduleTime = hist(singular+"ScheduleTime", "How long "+noun+"s stayed scheduled before they started, in seconds (AWS: milliseconds).")
	f.runTime = hist(singular+"RunTime", "How long "+noun+"s ran, from their start to their end, in seconds (AWS: milliseconds).")
	f.time = hist(singular+"Time", "How long "+noun+"s took, from scheduled to their end, in seconds (AWS: milliseconds).")
	return f
}

// get returns a label value's series, made on first use; past the bound,
// "other"'s.
func (f *taskFamily) get(v string) *taskSeries {
	if s, ok := f.series[v]; ok {
		return s
	}
	if v != Other {
		if f.named >= f.max {
			return f.get(Other)
		}
		f.named++
	}
	s := &taskSeries{
		scheduled: f.scheduled.WithLabelValues(v), started: f.started.WithLabelValues(v), succeeded: f.succeeded.WithLabelValues(v),
		failed: f.failed.WithLabelValues(v), timedOut: f.timedOut.WithLabelValues(v),
		scheduleTime: f.scheduleTime.WithLabelValues(v), runTime: f.runTime.WithLabelValues(v), time: f.time.WithLabelValues(v),
	}
	if f.heartbeatTimedOut != nil {
		s.heartbeatTimedOut = f.heartbeatTimedOut.WithLabelValues(v)
	}
	f.series[v] = s
	return s
}

// forget drops a label value's series.
func (f *taskFamily) forget(v string) {
	if _, ok := f.series[v]; !ok || v == Other {
		return
	}
	delete(f.series, v)
	f.named--
	for _, vec := range f.allVecs {
		vec.DeleteLabelValues(v)
	}
}

// openTask is a task between its scheduling and its end: what its end
// needs to be counted.
type openTask struct {
	kind               taskKind
	series             *taskSeries
	scheduled, started time.Time
}

// maxOpenTasks bounds the tasks followed in memory (about 100 bytes each);
// the end of one not followed is matched with its start in the store.
const maxOpenTasks = 65536

// observer counts what the engine tells. It runs on its subscription's
// goroutine alone: its maps need no lock.
type observer struct {
	e        *engine.Engine
	log      *slog.Logger
	observed func([]engine.Event)
	max      int

	execs     map[execKey]*execSeries
	named     int // keys in execs but "other"'s
	execF     execFamilies
	tasks     [3]*taskFamily
	open      map[string]map[int64]*openTask // execution ARN -> last event id of the task -> task
	nOpen     int
	timers    [2]prometheus.Counter // armed, fired
	dropped   prometheus.Counter
	unmatched prometheus.Counter
}

func newObserver(e *engine.Engine, reg *prometheus.Registry, o Options) *observer {
	ob := &observer{e: e, log: o.Logger, observed: o.Observed, max: o.MaxLabelValues,
		execs: map[execKey]*execSeries{}, open: map[string]map[int64]*openTask{}}
	ob.execF.counters = map[string]*prometheus.CounterVec{}
	for _, c := range execCounters {
		v := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "baton_" + snake(c.aws) + "_total", Help: c.help}, execLabels)
		reg.MustRegister(v)
		ob.execF.counters[c.aws] = v
	}
	ob.execF.time = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "baton_execution_time_seconds",
		Help:    "How long executions took, from their start (or their last redrive) to their end, in seconds (AWS: milliseconds).",
		Buckets: durationBuckets}, execLabels)
	reg.MustRegister(ob.execF.time)
	ob.tasks[activityTask] = newTaskFamily(reg, "Activities", "Activity", "activity", "activity task", true, o.MaxLabelValues)
	ob.tasks[lambdaTask] = newTaskFamily(reg, "LambdaFunctions", "LambdaFunction", "function", "Lambda function task", false, o.MaxLabelValues)
	ob.tasks[serviceTask] = newTaskFamily(reg, "ServiceIntegrations", "ServiceIntegration", "resource", "service integration task", false, o.MaxLabelValues)
	armed := prometheus.NewCounter(prometheus.CounterOpts{Name: "baton_timers_armed_total", Help: "Timers armed (Wait states, retry back-offs, task and execution timeouts)."})
	fired := prometheus.NewCounter(prometheus.CounterOpts{Name: "baton_timers_fired_total", Help: "Timers that fired."})
	ob.timers = [2]prometheus.Counter{armed, fired}
	ob.dropped = prometheus.NewCounter(prometheus.CounterOpts{Name: "baton_metrics_batches_dropped_total",
		Help: "Batches of execution events the metrics lost because they fell behind the engine (what they held is not counted)."})
	ob.unmatched = prometheus.NewCounter(prometheus.CounterOpts{Name: "baton_metrics_tasks_unmatched_total",
		Help: "Task events whose task's scheduling could be found neither in memory nor in the store: counted without their times."})
	reg.MustRegister(armed, fired, ob.dropped, ob.unmatched)
	return ob
}

// Kinds are the events the metrics count: not states entered and exited,
// which the engine then need not make.
func (o *observer) Kinds() []engine.EventKind {
	return []engine.EventKind{engine.ExecutionStarted, engine.ExecutionRedriven, engine.ExecutionFinished,
		engine.TaskScheduled, engine.TaskStarted, engine.TaskSubmitted, engine.TaskSucceeded, engine.TaskFailed,
		engine.TimerArmed, engine.TimerFired, engine.StateMachineDeleted, engine.ActivityDeleted}
}

// Dropped counts batches the engine could not hand over.
func (o *observer) Dropped(n int) {
	o.dropped.Add(float64(n))
	o.log.Warn("metrics: batches of execution events lost, the metrics fell behind", "batches", n)
}

// Observe counts a batch.
func (o *observer) Observe(batch []engine.Event) {
	for i := range batch {
		o.event(&batch[i])
	}
	if o.observed != nil {
		o.observed(batch)
	}
}

func (o *observer) event(ev *engine.Event) {
	switch ev.Kind {
	case engine.ExecutionStarted:
		o.exec(ev).started.Inc()
	case engine.ExecutionRedriven:
		o.exec(ev).redriven.Inc()
	case engine.ExecutionFinished:
		o.finished(ev)
	case engine.TaskScheduled, engine.TaskStarted, engine.TaskSubmitted, engine.TaskSucceeded, engine.TaskFailed:
		if ev.History != nil {
			o.task(ev)
		}
	case engine.TimerArmed:
		o.timers[0].Inc()
	case engine.TimerFired:
		o.timers[1].Inc()
	case engine.StateMachineDeleted:
		o.forgetStateMachine(ev.StateMachineARN)
	case engine.ActivityDeleted:
		o.tasks[activityTask].forget(ev.ActivityARN)
	}
}

// exec returns the series of an execution's labels.
func (o *observer) exec(ev *engine.Event) *execSeries {
	k := execKey{ev.StateMachineARN, qualifier(ev.StateMachineVersionARN), qualifier(ev.StateMachineAliasARN)}
	if s, ok := o.execs[k]; ok {
		return s
	}
	if k.sm != Other {
		if o.named >= o.max {
			k = execKey{sm: Other}
			if s, ok := o.execs[k]; ok {
				return s
			}
		} else {
			o.named++
		}
	}
	c := func(aws string) prometheus.Counter {
		return o.execF.counters[aws].WithLabelValues(k.sm, k.version, k.alias)
	}
	s := &execSeries{
		started: c("ExecutionsStarted"), succeeded: c("ExecutionsSucceeded"), failed: c("ExecutionsFailed"),
		aborted: c("ExecutionsAborted"), timedOut: c("ExecutionsTimedOut"), throttled: c("ExecutionThrottled"),
		redriven: c("ExecutionsRedriven"), redrivenSucceeded: c("RedrivenExecutionsSucceeded"),
		redrivenFailed: c("RedrivenExecutionsFailed"), redrivenAborted: c("RedrivenExecutionsAborted"),
		redrivenTimedOut: c("RedrivenExecutionsTimedOut"),
		time:             o.execF.time.WithLabelValues(k.sm, k.version, k.alias),
	}
	o.execs[k] = s
	return s
}

// qualifier is a version's number or an alias's name: the last part of its
// ARN.
func qualifier(arn string) string {
	if arn == "" {
		return ""
	}
	return arn[strings.LastIndexByte(arn, ':')+1:]
}

func (o *observer) finished(ev *engine.Event) {
	s := o.exec(ev)
	redriven := ev.RedriveCount > 0
	switch ev.Status {
	case "SUCCEEDED":
		s.succeeded.Inc()
		if redriven {
			s.redrivenSucceeded.Inc()
		}
	case "FAILED":
		s.failed.Inc()
		if redriven {
			s.redrivenFailed.Inc()
		}
	case "TIMED_OUT":
		s.timedOut.Inc()
		if redriven {
			s.redrivenTimedOut.Inc()
		}
	default:
		s.aborted.Inc()
		if redriven {
			s.redrivenAborted.Inc()
		}
	}
	if !ev.StartTime.IsZero() {
		s.time.Observe(max(ev.Time.Sub(ev.StartTime), 0).Seconds())
	}
	// Its tasks that did not end (aborted) are forgotten with it.
	o.nOpen -= len(o.open[ev.ExecutionARN])
	delete(o.open, ev.ExecutionARN)
}

// forgetStateMachine drops a deleted state machine's series.
func (o *observer) forgetStateMachine(sm string) {
	found := false
	for k := range o.execs {
		if k.sm == sm && sm != Other {
			delete(o.execs, k)
			o.named--
			found = true
		}
	}
	if !found {
		return
	}
	for _, v := range o.execF.counters {
		v.DeletePartialMatch(prometheus.Labels{"state_machine": sm})
	}
	o.execF.time.DeletePartialMatch(prometheus.Labels{"state_machine": sm})
}

// task counts a task's event. A task's events follow one another
// (previousEventId): scheduled, started, submitted (a callback), then its
// end; the task is followed from one to the next in memory.
func (o *observer) task(ev *engine.Event) {
	h := ev.History
	kind, ok := kindOfTask(h.Type)
	if !ok {
		return
	}
	f := o.tasks[kind]
	if ev.Kind == engine.TaskScheduled {
		s := f.get(o.resource(ev.ExecutionARN, kind, h))
		s.scheduled.Inc()
		o.follow(ev.ExecutionARN, h.ID, &openTask{kind: kind, series: s, scheduled: ev.Time})
		return
	}
	t := o.take(ev.ExecutionARN, h.PreviousID)
	if t == nil {
		t = o.lookUp(ev.ExecutionARN, h.PreviousID, kind)
	}
	if t == nil {
		o.unmatched.Inc()
		t = &openTask{kind: kind}
	}
	if t.series == nil {
		label := Unknown
		if kind == serviceTask {
			label = o.resource(ev.ExecutionARN, kind, h)
		}
		t.series = f.get(label)
	}
	s := t.series
	switch h.Type {
	case history.ActivityStarted, history.LambdaFunctionStarted, history.TaskStarted:
		s.started.Inc()
		t.started = ev.Time
		if !t.scheduled.IsZero() {
			s.scheduleTime.Observe(max(ev.Time.Sub(t.scheduled), 0).Seconds())
		}
		o.follow(ev.ExecutionARN, h.ID, t)
		return
	case history.TaskSubmitted:
		o.follow(ev.ExecutionARN, h.ID, t)
		return
	case history.ActivitySucceeded, history.LambdaFunctionSucceeded, history.TaskSucceeded:
		s.succeeded.Inc()
	case history.ActivityTimedOut, history.LambdaFunctionTimedOut, history.TaskTimedOut:
		if s.heartbeatTimedOut != nil && h.Failure != nil && h.Failure.Error == "States.HeartbeatTimeout" {
			s.heartbeatTimedOut.Inc()
		} else {
			s.timedOut.Inc()
		}
	default:
		s.failed.Inc()
	}
	if !t.started.IsZero() {
		s.runTime.Observe(max(ev.Time.Sub(t.started), 0).Seconds())
	}
	if !t.scheduled.IsZero() {
		s.time.Observe(max(ev.Time.Sub(t.scheduled), 0).Seconds())
	}
}

func kindOfTask(t history.Type) (taskKind, bool) {
	switch t {
	case history.ActivityScheduled, history.ActivityStarted, history.ActivitySucceeded, history.ActivityFailed, history.ActivityTimedOut:
		return activityTask, true
	case history.LambdaFunctionScheduled, history.LambdaFunctionStarted, history.LambdaFunctionSucceeded, history.LambdaFunctionFailed,
		history.LambdaFunctionTimedOut:
		return lambdaTask, true
	case history.TaskScheduled, history.TaskStarted, history.TaskSubmitted, history.TaskSucceeded, history.TaskFailed, history.TaskTimedOut:
		return serviceTask, true
	}
	return 0, false
}

// resource is a task's label: the activity's or the function's ARN (on
// their scheduling event), a service integration's resource ARN (on each
// of its events: arn:aws:states:::lambda:invoke, ...).
func (o *observer) resource(execARN string, kind taskKind, h *history.Event) string {
	d := h.Detail
	if d == nil {
		return Unknown
	}
	if kind != serviceTask {
		return d.Resource
	}
	return integrationARN(execARN, d.ResourceType, d.Resource)
}

// integrationARN puts a service integration's ARN together again from the
// resourceType and resource its events report, in the partition of the
// execution.
func integrationARN(execARN, typ, res string) string {
	if typ == "" || typ == "unknown" {
		return res
	}
	partition := "aws"
	if parts := strings.SplitN(execARN, ":", 3); len(parts) == 3 && parts[1] != "" {
		partition = parts[1]
	}
	return "arn:" + partition + ":states:::" + typ + ":" + res
}

// follow keeps a task in memory under the id of its last event.
func (o *observer) follow(execARN string, id int64, t *openTask) {
	if o.nOpen >= maxOpenTasks {
		return // its next event finds it in the store
	}
	m := o.open[execARN]
	if m == nil {
		m = map[int64]*openTask{}
		o.open[execARN] = m
	}
	m[id] = t
	o.nOpen++
}

// take removes the task whose last event is id from memory.
func (o *observer) take(execARN string, id int64) *openTask {
	m := o.open[execARN]
	t := m[id]
	if t == nil {
		return nil
	}
	delete(m, id)
	o.nOpen--
	if len(m) == 0 {
		delete(o.open, execARN)
	}
	return t
}

// lookUp rebuilds a task that memory does not hold (it began before this
// server started, or its news were lost) from the execution's history in
// the store: its events back from id to its scheduling.
func (o *observer) lookUp(execARN string, id int64, kind taskKind) *openTask {
	if strings.Contains(execARN, ":express:") && !o.e.KeepsExpress() {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	t := &openTask{kind: kind}
	for range 3 { // started or submitted, then started, then scheduled
		_, events, err := o.e.ExecutionEvents(ctx, execARN, id-1, 1)
		if err != nil || len(events) != 1 || events[0].ID != id {
			return nil
		}
		var ev storedEvent
		if err := json.Unmarshal(events[0].JSON, &ev); err != nil {
			return nil
		}
		at := time.UnixMilli(int64(ev.Timestamp*1000 + 0.5))
		switch ev.Type {
		case "ActivityStarted", "LambdaFunctionStarted", "TaskStarted":
			t.started = at
		case "TaskSubmitted":
		case "ActivityScheduled", "LambdaFunctionScheduled", "TaskScheduled":
			t.scheduled = at
			if kind != serviceTask {
				if r := ev.resource(); r != "" {
					t.series = o.tasks[kind].get(r)
				}
			}
			return t
		default:
			return nil
		}
		id = ev.PreviousEventID
	}
	return nil
}

// storedEvent is what lookUp reads of a history event, in
// GetExecutionHistory's shape.
type storedEvent struct {
	Timestamp       float64 `json:"timestamp"`
	Type            string  `json:"type"`
	PreviousEventID int64   `json:"previousEventId"`
	Activity        *struct {
		Resource string `json:"resource"`
	} `json:"activityScheduledEventDetails"`
	Lambda *struct {
		Resource string `json:"resource"`
	} `json:"lambdaFunctionScheduledEventDetails"`
}

func (e *storedEvent) resource() string {
	switch {
	case e.Activity != nil:
		return e.Activity.Resource
	case e.Lambda != nil:
		return e.Lambda.Resource
	}
	return ""
}

// snake turns AWS's metric name into Prometheus' style: ActivityRunTime
// is activity_run_time.
func snake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('_')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}
