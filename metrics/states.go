package metrics

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
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

// The execution family's metrics, in the order of their words.
const (
	executionsStarted = iota
	executionsSucceeded
	executionsFailed
	executionsAborted
	executionsTimedOut
	executionThrottled
	executionsRedriven
	redrivenSucceeded
	redrivenFailed
	redrivenAborted
	redrivenTimedOut
	executionCounters
)

var execCounters = []metric{
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

var execTime = metric{"ExecutionTime", "How long executions took, from their start (or their last redrive) to their end, in seconds (AWS: milliseconds)."}

func newExecFamily(max int) *family[execKey] {
	return newFamily([]string{"state_machine", "version", "alias"}, func(k execKey) []string { return []string{k.sm, k.version, k.alias} },
		execKey{sm: Other}, max, execCounters, []metric{execTime})
}

// taskKind says which family a task belongs to.
type taskKind uint8

const (
	activityTask taskKind = iota
	lambdaTask
	serviceTask
)

// A task family's metrics, in the order of their words (an activity's
// heartbeat time-outs last: only activities have them).
const (
	tasksScheduled = iota
	tasksStarted
	tasksSucceeded
	tasksFailed
	tasksTimedOut
	tasksHeartbeatTimedOut
)

// The histograms of a task family.
const (
	scheduleTime = iota
	runTime
	taskTime
)

// newTaskFamily makes a family: plural and singular are AWS's stems
// ("Activities", "Activity"), noun what one is called in help texts.
func newTaskFamily(plural, singular, label, noun string, heartbeat bool, max int) *family[string] {
	counters := []metric{
		{plural + "Scheduled", noun + "s scheduled."},
		{plural + "Started", noun + "s started."},
		{plural + "Succeeded", noun + "s that succeeded."},
		{plural + "Failed", noun + "s that failed."},
		{plural + "TimedOut", noun + "s that timed out."},
	}
	if heartbeat {
		counters = append(counters, metric{plural + "HeartbeatTimedOut", noun + "s whose heartbeat timed out."})
	}
	hists := []metric{
		{singular + "ScheduleTime", "How long " + noun + "s stayed scheduled before they started, in seconds (AWS: milliseconds)."},
		{singular + "RunTime", "How long " + noun + "s ran, from their start to their end, in seconds (AWS: milliseconds)."},
		{singular + "Time", "How long " + noun + "s took, from scheduled to their end, in seconds (AWS: milliseconds)."},
	}
	return newFamily([]string{label}, func(v string) []string { return []string{v} }, Other, max, counters, hists)
}

// The timers' counters.
const (
	timersArmed = iota
	timersFired
)

func newTimerFamily() *family[struct{}] {
	return newFamily(nil, func(struct{}) []string { return nil }, struct{}{}, 1, []metric{
		{"TimersArmed", "Timers armed (Wait states, retry back-offs, task and execution timeouts)."},
		{"TimersFired", "Timers that fired."},
	}, nil)
}

// openTask is a task between its scheduling and its end: what its end
// needs to be counted.
type openTask struct {
	kind               taskKind
	series             *series
	scheduled, started time.Time
}

// maxOpenTasks bounds the tasks followed in memory (about 100 bytes each);
// the end of one not followed is matched with its start in the store.
const maxOpenTasks = 65536

// observer counts what the engine tells, inline: on the goroutine of the
// execution whose step it is. Executions' starts and ends, and timers,
// are counted without a lock (counts); tasks are paired under one lock,
// held for a few hundred nanoseconds. A task event whose task memory does
// not hold needs the store: that is reading, which an execution must not
// wait for, so the rest of its batch, and the execution's later batches
// until it is done, are counted in order on the metrics' own goroutine
// (slow).
type observer struct {
	e        *engine.Engine
	log      *slog.Logger
	observed func([]engine.Event)

	execs     *family[execKey]
	tasks     [3]*family[string]
	timers    *family[struct{}]
	unmatched prometheus.Counter

	mu      sync.Mutex                     // held by who pairs tasks, or postpones
	open    map[string]map[int64]*openTask // execution ARN -> last event id of the task -> task
	nOpen   atomic.Int64
	waiting map[string]int // execution ARN -> its batches in slow
	nWait   atomic.Int64   // len(waiting)
	slow    chan deferred
	quit    chan struct{}
	done    chan struct{}
}

// deferred is what is left of a batch to count on the metrics' goroutine:
// copies, since the engine reuses its events and their history.
type deferred struct {
	events  []engine.Event
	history []history.Event
}

// maxDeferred bounds the batches waiting for the store; past it, their
// tasks are counted without their times (and as unmatched).
const maxDeferred = 1024

func newObserver(e *engine.Engine, reg *prometheus.Registry, o Options) *observer {
	ob := &observer{e: e, log: o.Logger, observed: o.Observed,
		execs: newExecFamily(o.MaxLabelValues), timers: newTimerFamily(),
		open: map[string]map[int64]*openTask{}, waiting: map[string]int{},
		slow: make(chan deferred, maxDeferred), quit: make(chan struct{}), done: make(chan struct{})}
	ob.tasks[activityTask] = newTaskFamily("Activities", "Activity", "activity", "activity task", true, o.MaxLabelValues)
	ob.tasks[lambdaTask] = newTaskFamily("LambdaFunctions", "LambdaFunction", "function", "Lambda function task", false, o.MaxLabelValues)
	ob.tasks[serviceTask] = newTaskFamily("ServiceIntegrations", "ServiceIntegration", "resource", "service integration task", false, o.MaxLabelValues)
	ob.unmatched = prometheus.NewCounter(prometheus.CounterOpts{Name: "baton_metrics_tasks_unmatched_total",
		Help: "Task events whose task's scheduling could be found neither in memory nor in the store: counted without their times."})
	reg.MustRegister(ob.execs, ob.tasks[0], ob.tasks[1], ob.tasks[2], ob.timers, ob.unmatched)
	ob.timers.get(struct{}{}) // counted from 0
	return ob
}

// Kinds are the events the metrics count: not states entered and exited,
// which the engine then need not make.
func (o *observer) Kinds() []engine.EventKind {
	return []engine.EventKind{engine.ExecutionStarted, engine.ExecutionRedriven, engine.ExecutionFinished,
		engine.TaskScheduled, engine.TaskStarted, engine.TaskSubmitted, engine.TaskSucceeded, engine.TaskFailed,
		engine.TimerArmed, engine.TimerFired, engine.StateMachineDeleted, engine.ActivityDeleted}
}

// Dropped is never called: the metrics observe inline.
func (o *observer) Dropped(int) {}

// Observe counts a batch: without a lock when it can, or as far as it can
// without the store; the rest goes to the metrics' goroutine.
func (o *observer) Observe(batch []engine.Event) {
	p := takeShard()
	defer putShard(p)
	sh := int(*p)
	if o.nWait.Load() == 0 && o.lockFree(batch) {
		for i := range batch {
			o.event(&batch[i], stop, sh)
		}
		if o.observed != nil {
			o.observed(batch)
		}
		return
	}
	o.mu.Lock()
	n := o.count(batch, sh)
	if n < len(batch) && !o.postpone(batch[n:]) {
		// Too many wait for the store: count them without it.
		for i := n; i < len(batch); i++ {
			o.event(&batch[i], countWithout, sh)
			o.ended(&batch[i])
		}
		n = len(batch)
	}
	o.mu.Unlock()
	if o.observed != nil && n > 0 {
		o.observed(batch[:n])
	}
}

// lockFree says whether a batch can be counted without the lock: it holds
// no task's event, and no end of an execution that may have tasks in
// memory. (An execution whose tasks memory holds has made them known
// before its end: nOpen counts them then.)
func (o *observer) lockFree(batch []engine.Event) bool {
	for i := range batch {
		switch batch[i].Kind {
		case engine.TaskScheduled, engine.TaskStarted, engine.TaskSubmitted, engine.TaskSucceeded, engine.TaskFailed:
			return false
		case engine.ExecutionFinished:
			if o.nOpen.Load() > 0 {
				return false
			}
		}
	}
	return true
}

// count counts the events of a batch up to the first that needs the store,
// or whose execution waits for it, and says how many it counted. o.mu is
// held.
func (o *observer) count(batch []engine.Event, sh int) int {
	for i := range batch {
		ev := &batch[i]
		if len(o.waiting) > 0 && o.waiting[ev.ExecutionARN] > 0 {
			return i
		}
		if !o.event(ev, stop, sh) {
			return i
		}
		o.ended(ev)
	}
	return len(batch)
}

// ended forgets, at an execution's end, its tasks that did not end
// (aborted). o.mu is held.
func (o *observer) ended(ev *engine.Event) {
	if ev.Kind != engine.ExecutionFinished {
		return
	}
	if m, ok := o.open[ev.ExecutionARN]; ok {
		o.nOpen.Add(-int64(len(m)))
		delete(o.open, ev.ExecutionARN)
	}
}

// onMiss says what event does with a task event whose task memory does
// not hold.
type onMiss uint8

const (
	stop         onMiss = iota // stop: it is counted later (on an execution's goroutine)
	readStore                  // read the task from the store (on the metrics' goroutine)
	countWithout               // count it without its task's times
)

// postpone queues events for the metrics' goroutine, and says whether it
// could.
func (o *observer) postpone(events []engine.Event) bool {
	d := deferred{events: slices.Clone(events), history: make([]history.Event, 0, len(events))}
	for i := range d.events {
		if h := d.events[i].History; h != nil {
			d.history = append(d.history, *h)
			d.events[i].History = &d.history[len(d.history)-1]
		}
	}
	select {
	case o.slow <- d:
	default:
		return false
	}
	for i := range d.events {
		if i == 0 || d.events[i].ExecutionARN != d.events[i-1].ExecutionARN {
			o.waiting[d.events[i].ExecutionARN]++
		}
	}
	o.nWait.Store(int64(len(o.waiting)))
	return true
}

// run counts the deferred events, reading the store without the lock.
func (o *observer) run() {
	defer close(o.done)
	for {
		select {
		case d := <-o.slow:
			o.countDeferred(d)
		case <-o.quit:
			return
		}
	}
}

func (o *observer) countDeferred(d deferred) {
	p := takeShard()
	defer putShard(p)
	o.mu.Lock()
	for i := range d.events {
		o.event(&d.events[i], readStore, int(*p))
		o.ended(&d.events[i])
	}
	for i := range d.events {
		if i == 0 || d.events[i].ExecutionARN != d.events[i-1].ExecutionARN {
			arn := d.events[i].ExecutionARN
			if o.waiting[arn]--; o.waiting[arn] <= 0 {
				delete(o.waiting, arn)
			}
		}
	}
	o.nWait.Store(int64(len(o.waiting)))
	o.mu.Unlock()
	if o.observed != nil {
		o.observed(d.events)
	}
}

// read looks a task up in the store, without the lock (o.mu is held when
// it is called).
func (o *observer) read(ev *engine.Event, kind taskKind) *openTask {
	o.mu.Unlock()
	t, resource := o.lookUp(ev.ExecutionARN, ev.History.PreviousID, kind)
	o.mu.Lock()
	if t != nil && resource != "" {
		t.series = o.tasks[kind].get(resource)
	}
	return t
}

// close stops the metrics' goroutine (the engine no longer tells).
func (o *observer) close() {
	close(o.quit)
	<-o.done
}

// event counts an event, and says false when it stopped at a miss
// without changing anything. Only task events need o.mu held.
func (o *observer) event(ev *engine.Event, miss onMiss, sh int) bool {
	switch ev.Kind {
	case engine.ExecutionStarted:
		o.exec(ev).c.add(sh, executionsStarted, 1)
	case engine.ExecutionRedriven:
		o.exec(ev).c.add(sh, executionsRedriven, 1)
	case engine.ExecutionFinished:
		o.finished(ev, sh)
	case engine.TaskScheduled, engine.TaskStarted, engine.TaskSubmitted, engine.TaskSucceeded, engine.TaskFailed:
		if ev.History != nil {
			return o.task(ev, miss, sh)
		}
	case engine.TimerArmed:
		o.timers.get(struct{}{}).c.add(sh, timersArmed, 1)
	case engine.TimerFired:
		o.timers.get(struct{}{}).c.add(sh, timersFired, 1)
	case engine.StateMachineDeleted:
		sm := ev.StateMachineARN
		o.execs.forget(func(k execKey) bool { return k.sm == sm })
	case engine.ActivityDeleted:
		act := ev.ActivityARN
		o.tasks[activityTask].forget(func(k string) bool { return k == act })
	}
	return true
}

// exec returns the series of an execution's labels.
func (o *observer) exec(ev *engine.Event) *series {
	return o.execs.get(execKey{ev.StateMachineARN, qualifier(ev.StateMachineVersionARN), qualifier(ev.StateMachineAliasARN)})
}

// qualifier is a version's number or an alias's name: the last part of its
// ARN.
func qualifier(arn string) string {
	if arn == "" {
		return ""
	}
	return arn[strings.LastIndexByte(arn, ':')+1:]
}

func (o *observer) finished(ev *engine.Event, sh int) {
	c := o.exec(ev).c
	w := executionsAborted
	switch ev.Status {
	case "SUCCEEDED":
		w = executionsSucceeded
	case "FAILED":
		w = executionsFailed
	case "TIMED_OUT":
		w = executionsTimedOut
	}
	c.add(sh, w, 1)
	if ev.RedriveCount > 0 {
		c.add(sh, redrivenSucceeded+w-executionsSucceeded, 1)
	}
	if !ev.StartTime.IsZero() {
		o.execs.hists[0].observe(c, sh, ev.Time.Sub(ev.StartTime))
	}
}

// task counts a task's event. A task's events follow one another
// (previousEventId): scheduled, started, submitted (a callback), then its
// end; the task is followed from one to the next in memory. o.mu is held.
func (o *observer) task(ev *engine.Event, miss onMiss, sh int) bool {
	h := ev.History
	kind, ok := kindOfTask(h.Type)
	if !ok {
		return true
	}
	f := o.tasks[kind]
	if ev.Kind == engine.TaskScheduled {
		s := f.get(o.resource(ev.ExecutionARN, kind, h))
		s.c.add(sh, tasksScheduled, 1)
		o.follow(ev.ExecutionARN, h.ID, &openTask{kind: kind, series: s, scheduled: ev.Time})
		return true
	}
	t := o.take(ev.ExecutionARN, h.PreviousID)
	if t == nil && miss != countWithout && o.kept(ev.ExecutionARN) {
		if miss == stop {
			return false
		}
		t = o.read(ev, kind)
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
	c := t.series.c
	switch h.Type {
	case history.ActivityStarted, history.LambdaFunctionStarted, history.TaskStarted:
		c.add(sh, tasksStarted, 1)
		t.started = ev.Time
		if !t.scheduled.IsZero() {
			f.hists[scheduleTime].observe(c, sh, ev.Time.Sub(t.scheduled))
		}
		o.follow(ev.ExecutionARN, h.ID, t)
		return true
	case history.TaskSubmitted:
		o.follow(ev.ExecutionARN, h.ID, t)
		return true
	case history.ActivitySucceeded, history.LambdaFunctionSucceeded, history.TaskSucceeded:
		c.add(sh, tasksSucceeded, 1)
	case history.ActivityTimedOut, history.LambdaFunctionTimedOut, history.TaskTimedOut:
		if kind == activityTask && h.Failure != nil && h.Failure.Error == "States.HeartbeatTimeout" {
			c.add(sh, tasksHeartbeatTimedOut, 1)
		} else {
			c.add(sh, tasksTimedOut, 1)
		}
	default:
		c.add(sh, tasksFailed, 1)
	}
	if !t.started.IsZero() {
		f.hists[runTime].observe(c, sh, ev.Time.Sub(t.started))
	}
	if !t.scheduled.IsZero() {
		f.hists[taskTime].observe(c, sh, ev.Time.Sub(t.scheduled))
	}
	return true
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
	if o.nOpen.Load() >= maxOpenTasks {
		return // its next event finds it in the store
	}
	m := o.open[execARN]
	if m == nil {
		m = map[int64]*openTask{}
		o.open[execARN] = m
	}
	m[id] = t
	o.nOpen.Add(1)
}

// take removes the task whose last event is id from memory.
func (o *observer) take(execARN string, id int64) *openTask {
	m := o.open[execARN]
	t := m[id]
	if t == nil {
		return nil
	}
	delete(m, id)
	o.nOpen.Add(-1)
	if len(m) == 0 {
		delete(o.open, execARN)
	}
	return t
}

// kept says whether the store keeps an execution's history.
func (o *observer) kept(execARN string) bool {
	return o.e != nil && (!strings.Contains(execARN, ":express:") || o.e.KeepsExpress())
}

// lookUp rebuilds a task that memory does not hold (it began before this
// server started) from the execution's history in the store: its events
// back from id to its scheduling. It returns the activity or function
// too, for the caller to find its series under the lock.
func (o *observer) lookUp(execARN string, id int64, kind taskKind) (*openTask, string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	t := &openTask{kind: kind}
	for range 3 { // started or submitted, then started, then scheduled
		_, events, err := o.e.ExecutionEvents(ctx, execARN, id-1, 1)
		if err != nil || len(events) != 1 || events[0].ID != id {
			return nil, ""
		}
		var ev storedEvent
		if err := json.Unmarshal(events[0].JSON, &ev); err != nil {
			return nil, ""
		}
		at := time.UnixMilli(int64(ev.Timestamp*1000 + 0.5))
		switch ev.Type {
		case "ActivityStarted", "LambdaFunctionStarted", "TaskStarted":
			t.started = at
		case "TaskSubmitted":
		case "ActivityScheduled", "LambdaFunctionScheduled", "TaskScheduled":
			t.scheduled = at
			if kind != serviceTask {
				return t, ev.resource()
			}
			return t, ""
		default:
			return nil, ""
		}
		id = ev.PreviousEventID
	}
	return nil, ""
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
