// Package interpreter runs the Amazon States Language.
//
// It is pure: an Execution changes only when its driver hands it an input
// (start, a task's result, a timer that fired, a stop request) together
// with the current time, and it answers with history events and commands
// (run this task, arm that timer). It does no I/O, reads no clock, draws
// randomness only from the source it was given and starts no goroutines, so
// the same code runs in `baton run`, in the server and in tests.
//
// Parallel branches and Map iterations are frames that the interpreter
// schedules itself, one at a time; each runs until it finishes or waits on
// the outside world.
package interpreter

import (
	"maps"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/baton-sh/baton/failure"
	"github.com/baton-sh/baton/history"
	"github.com/baton-sh/baton/machine"
	"github.com/baton-sh/baton/token"
	"github.com/baton-sh/baton/value"
)

// DefaultPayloadLimit is AWS's limit on state input and output: 256 KiB.
const DefaultPayloadLimit = 256 * 1024

// Config describes one execution.
type Config struct {
	// ExecutionARN may be left empty: it is then derived from the state
	// machine's ARN and the execution's name when first needed.
	ExecutionARN     string
	ExecutionName    string
	StateMachineARN  string
	StateMachineName string
	RoleARN          string
	Region           string
	// PayloadLimit is the largest state output, in bytes (0: the default).
	PayloadLimit int
	// Random is the execution's source of randomness (UUIDs, task tokens,
	// jitter). It must not be shared with another goroutine.
	Random rand.Source
	// NoHistory drops history events as they are made, for executions whose
	// history nobody will read (Express workflows, benchmarks).
	NoHistory bool
	// Tokens makes the task tokens; nil: a fixed key, for runs whose
	// tokens nothing outside the process checks.
	Tokens *token.Key
	// RedriveCount is the number of times the execution was redriven.
	RedriveCount int
	// TraceHeader is the trace the execution's starter was in, for the
	// observers that trace it; the interpreter does not read it.
	TraceHeader string
	// Synchronous marks an Express execution started by
	// StartSyncExecution: it cannot be redriven, and AWS leaves
	// RedriveCount out of its context object.
	Synchronous bool
	// MaxEvents bounds the history (0: AWS's 25,000 for Standard
	// workflows, a million without a recorded history). An execution that
	// would write more fails, which also stops a loop of Pass and Choice
	// states that never ends.
	MaxEvents int64
	// Inspector, when set, is told what the states decide (nil: nothing
	// is told, at no cost).
	Inspector Inspector
}

// DefaultMaxEvents is AWS's limit on a Standard execution's history.
const DefaultMaxEvents = 25000

// DefaultMaxEventsNoHistory bounds executions that keep no history, as
// Express workflows: AWS limits those by duration, which a run of Pass and
// Choice states never gives back to the driver to check.
const DefaultMaxEventsNoHistory = 1000000

// Status of an execution.
type Status uint8

const (
	Running Status = iota
	Succeeded
	Failed
	TimedOut
	Aborted
)

var statusNames = [...]string{"RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}

func (s Status) String() string { return statusNames[s] }

// CommandKind says what a command asks the driver to do.
type CommandKind uint8

const (
	// RunTask: invoke Task.Resource with Task.Input; answer with TaskStarted
	// (optional), then TaskSucceeded or TaskFailed.
	RunTask CommandKind = iota + 1
	// CancelTask: the task's result is no longer wanted. Task says which,
	// and whether it was submitted (work that a driver may have to stop).
	CancelTask
	// StartTimer: call TimerFired(ID) at At.
	StartTimer
	// CancelTimer: the timer is no longer wanted.
	CancelTimer
)

// Command is work for the driver.
type Command struct {
	Kind CommandKind
	ID   int64
	At   time.Time
	Task *TaskRequest
}

// TaskRequest describes one attempt of a Task state.
type TaskRequest struct {
	ID        int64
	Resource  *machine.Resource
	Input     any
	StateName string
	Timeout   time.Duration // 0: none
	Heartbeat time.Duration // 0: none
	Token     string        // $$.Task.Token
	Context   any           // the context object the state saw
	// Invocation counts the earlier tasks of the same state in this
	// execution (retries and Map iterations included): 0 for the first.
	// Mocked responses are chosen by it.
	Invocation int
	// ScheduledEvent is the id of the history event that scheduled the
	// task: a trace names the task's span by it.
	ScheduledEvent int64
	// Submitted says that the call was accepted and its result comes later
	// (TaskSubmitted); Receipt is what the call answered then.
	Submitted bool
	Receipt   any
}

// Execution is one running (or finished) execution.
type Execution struct {
	m   *machine.Machine
	cfg Config

	Input     any
	StartTime time.Time
	Status    Status
	Output    any
	Failure   *failure.Failure
	StopTime  time.Time
	// Panic is set when the interpreter itself failed the execution (see
	// contain).
	Panic *Panic

	// Events is the history so far.
	Events []history.Event
	// StatesEntered counts states entered, nested ones included.
	StatesEntered int

	lastID   int64
	now      time.Time
	nowNanos int64
	root     *frame
	ready    []*frame
	head     int
	cmds     []Command
	tasks    map[int64]*frame
	timers   map[int64]*timer
	execTmr  int64
	timerSeq int64
	taskSeq  int64
	limit    int
	quiet    bool       // events are not written (Halt)
	test     *StateTest // set when one state runs on its own (TestState)
	// invocations counts the tasks scheduled per state name.
	invocations map[string]int

	// Storage for the common case, so that a short execution allocates
	// little beyond its own struct.
	rootFrame frame
	readyBuf  [4]*frame
	cmdBuf    [2]Command
}

type timerKind uint8

const (
	timerWait timerKind = iota + 1
	timerRetry
	timerTaskTimeout
	timerHeartbeat
	timerExecution
)

type timer struct {
	kind timerKind
	f    *frame
	task int64
}

var pool = sync.Pool{New: func() any { return new(Execution) }}

// New prepares an execution of m. Call Start to begin it.
func New(m *machine.Machine, cfg Config) *Execution {
	ex := pool.Get().(*Execution)
	events := ex.Events[:0]
	*ex = Execution{m: m, cfg: cfg, Events: events}
	ex.ready = ex.readyBuf[:0]
	ex.cmds = ex.cmdBuf[:0]
	ex.limit = cfg.PayloadLimit
	if ex.limit <= 0 {
		ex.limit = DefaultPayloadLimit
	}
	if ex.cfg.MaxEvents <= 0 {
		ex.cfg.MaxEvents = DefaultMaxEvents
		if ex.cfg.NoHistory {
			ex.cfg.MaxEvents = DefaultMaxEventsNoHistory
		}
	}
	if ex.cfg.Random == nil {
		ex.cfg.Random = rand.NewPCG(1, 2)
	}
	return ex
}

// Release hands a finished execution back for reuse by a later New. Neither
// the execution nor its Events may be used afterwards. Releasing is
// optional; it spares the garbage collector in loops that run many
// executions and keep none (benchmarks, Express workflows).
func (ex *Execution) Release() {
	// Drop what the execution points to; New zeroes the rest.
	clear(ex.Events)
	if cap(ex.Events) > 1<<16 {
		ex.Events = nil
	}
	ex.m, ex.Input, ex.Output, ex.root, ex.test = nil, nil, nil, nil, nil
	ex.rootFrame = frame{}
	ex.cfg = Config{}
	pool.Put(ex)
}

// ExecutionARN returns the execution's ARN. When the configuration gave
// none, it is derived from the state machine's ARN and the execution name
// the first time it is needed.
func (ex *Execution) ExecutionARN() string {
	if ex.cfg.ExecutionARN == "" {
		// Made in one allocation: observers of short in-process runs ask for
		// it on every run.
		sm, name := ex.cfg.StateMachineARN, ex.cfg.ExecutionName
		const from, to = ":stateMachine:", ":execution:"
		i := strings.Index(sm, from)
		if i < 0 {
			ex.cfg.ExecutionARN = sm + ":" + name
			return ex.cfg.ExecutionARN
		}
		var b strings.Builder
		b.Grow(len(sm) - len(from) + len(to) + 1 + len(name))
		b.WriteString(sm[:i])
		b.WriteString(to)
		b.WriteString(sm[i+len(from):])
		b.WriteByte(':')
		b.WriteString(name)
		ex.cfg.ExecutionARN = b.String()
	}
	return ex.cfg.ExecutionARN
}

// Machine returns the machine being run.
func (ex *Execution) Machine() *machine.Machine { return ex.m }

// Config returns the execution's configuration.
func (ex *Execution) Config() *Config { return &ex.cfg }

// fixedKey makes the tokens of executions configured without a key.
var fixedKey, _ = token.NewKey([]byte("baton: tokens checked in this process only"))

func (ex *Execution) tokens() *token.Key {
	if ex.cfg.Tokens != nil {
		return ex.cfg.Tokens
	}
	return fixedKey
}

// Done reports whether the execution has finished.
func (ex *Execution) Done() bool { return ex.Status != Running }

// Start begins the execution with its input.
func (ex *Execution) Start(input any, now time.Time) []Command {
	defer ex.contain()
	ex.begin(now)
	ex.Input = input
	ex.StartTime = now
	if !ex.cfg.NoHistory && ex.Events == nil {
		// Room for a straight run through the machine; loops and Map
		// iterations grow it.
		ex.Events = make([]history.Event, 0, min(2*ex.m.Count+2, 1024))
	}
	id := ex.emit(history.ExecutionStarted, 0, ex.cfg.RoleARN, input, true, nil, nil)
	if ex.m.TimeoutSeconds > 0 {
		ex.execTmr = ex.armTimer(timerExecution, nil, 0, now.Add(time.Duration(ex.m.TimeoutSeconds)*time.Second))
	}
	ex.root = &ex.rootFrame
	*ex.root = frame{ex: ex, m: ex.m, prev: id, index: -1}
	ex.root.enter(ex.m.StartAt, input)
	ex.schedule(ex.root)
	ex.run()
	return ex.cmds
}

func (ex *Execution) begin(now time.Time) {
	ex.now = now
	ex.nowNanos = now.UnixNano()
	ex.cmds = ex.cmds[:0]
}

// TaskStarted records that a worker began a task.
func (ex *Execution) TaskStarted(id int64, worker string, now time.Time) []Command {
	defer ex.contain()
	ex.begin(now)
	if f := ex.tasks[id]; f != nil && !ex.Done() {
		f.markStarted(worker)
		ex.run()
	}
	return ex.cmds
}

// TaskSubmitted records that a task's call was accepted and its result
// comes later: through its task token (.waitForTaskToken) or when the work
// it started ends (.sync). output is what the call answered.
func (ex *Execution) TaskSubmitted(id int64, output any, now time.Time) []Command {
	defer ex.contain()
	ex.begin(now)
	if f := ex.tasks[id]; f != nil && !ex.Done() {
		f.markStarted("")
		f.submitted(output)
		ex.run()
	}
	return ex.cmds
}

// TaskSucceeded delivers a task's result.
func (ex *Execution) TaskSucceeded(id int64, output any, now time.Time) []Command {
	defer ex.contain()
	ex.begin(now)
	if f := ex.tasks[id]; f != nil && !ex.Done() {
		f.taskSucceeded(output)
		ex.run()
	}
	return ex.cmds
}

// TaskFailed delivers a task's failure.
func (ex *Execution) TaskFailed(id int64, fl *failure.Failure, now time.Time) []Command {
	defer ex.contain()
	ex.begin(now)
	if f := ex.tasks[id]; f != nil && !ex.Done() {
		f.taskFailed(fl)
		ex.run()
	}
	return ex.cmds
}

// TaskHeartbeat records a heartbeat; it reports false when the task is no
// longer running.
func (ex *Execution) TaskHeartbeat(id int64, now time.Time) ([]Command, bool) {
	defer ex.contain()
	ex.begin(now)
	f := ex.tasks[id]
	if f == nil || ex.Done() {
		return ex.cmds, false
	}
	f.heartbeatReceived()
	return ex.cmds, true
}

// LastEventID is the id of the execution's last history event.
func (ex *Execution) LastEventID() int64 { return ex.lastID }

// HasTasks reports whether a task of the execution is in flight.
func (ex *Execution) HasTasks() bool { return len(ex.tasks) > 0 }

// WaitsOnTask reports whether the execution waits for the task's result.
func (ex *Execution) WaitsOnTask(id int64) bool { return ex.tasks[id] != nil && !ex.Done() }

// IsTaskStarted reports whether a task the execution waits for has started
// (a worker took it).
func (ex *Execution) IsTaskStarted(id int64) bool {
	f := ex.tasks[id]
	return f != nil && f.taskState != nil && f.startedEmitted
}

// HasTimer reports whether the execution waits for the timer.
func (ex *Execution) HasTimer(id int64) bool { return ex.timers[id] != nil && !ex.Done() }

// PendingTasks returns the tasks the execution waits for, oldest first: what
// a driver must run again after rebuilding an execution from its journal.
func (ex *Execution) PendingTasks() []*TaskRequest {
	out := make([]*TaskRequest, 0, len(ex.tasks))
	for _, f := range ex.tasks {
		if f.taskState != nil && f.req != nil {
			out = append(out, f.req)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// TakeEvents returns the events written since the last call and forgets
// them: a durable driver stores them and need not keep them in memory.
func (ex *Execution) TakeEvents() []history.Event {
	out := ex.Events
	ex.Events = nil
	return out
}

// TimerFired delivers a timer armed by a StartTimer command.
func (ex *Execution) TimerFired(id int64, now time.Time) []Command {
	defer ex.contain()
	ex.begin(now)
	t := ex.timers[id]
	if t == nil || ex.Done() {
		return ex.cmds
	}
	delete(ex.timers, id)
	switch t.kind {
	case timerExecution:
		ex.finish(TimedOut, nil, nil)
	case timerWait:
		t.f.waitDone()
	case timerRetry:
		t.f.retryDue()
	case timerTaskTimeout:
		t.f.taskTimedOut(t.task, failure.Timeout)
	case timerHeartbeat:
		t.f.taskTimedOut(t.task, failure.HeartbeatTimeout)
	}
	ex.run()
	return ex.cmds
}

// Stop aborts the execution, as StopExecution does.
func (ex *Execution) Stop(fl *failure.Failure, now time.Time) []Command {
	defer ex.contain()
	ex.begin(now)
	if !ex.Done() {
		ex.finish(Aborted, nil, fl)
	}
	return ex.cmds
}

// Halt aborts the execution as Stop does, writing ExecutionAborted alone:
// the history of an execution that a driver stopped without its
// interpreter (it could not wait for a replay) ends so. Its states are
// aborted all the same, so that it can be redriven.
func (ex *Execution) Halt(fl *failure.Failure, now time.Time) []Command {
	defer ex.contain()
	ex.begin(now)
	if ex.Done() {
		return ex.cmds
	}
	if ex.root != nil {
		ex.quiet = true
		ex.root.abort()
		ex.quiet = false
	}
	ex.finish(Aborted, nil, fl)
	return ex.cmds
}

// emit appends a history event and returns its id.
func (ex *Execution) emit(t history.Type, prev int64, name string, data any, hasData bool, fl *failure.Failure, d *history.Detail) int64 {
	if ex.quiet {
		return ex.lastID
	}
	ex.lastID++
	if ex.cfg.NoHistory {
		return ex.lastID
	}
	ex.Events = append(ex.Events, history.Event{
		Type: t, ID: ex.lastID, PreviousID: prev, Time: ex.nowNanos,
		Name: name, Data: data, HasData: hasData, Failure: fl, Detail: d,
	})
	return ex.lastID
}

// emitAux appends an event that carries only a number.
func (ex *Execution) emitAux(t history.Type, prev int64, name string, aux int64) int64 {
	if ex.quiet {
		return ex.lastID
	}
	ex.lastID++
	if ex.cfg.NoHistory {
		return ex.lastID
	}
	ex.Events = append(ex.Events, history.Event{Type: t, ID: ex.lastID, PreviousID: prev, Time: ex.nowNanos, Name: name, Aux: aux})
	return ex.lastID
}

func (ex *Execution) schedule(f *frame) {
	ex.ready = append(ex.ready, f)
}

func (ex *Execution) run() {
	for ex.head < len(ex.ready) {
		if ex.lastID >= ex.cfg.MaxEvents {
			ex.tooManyEvents()
			break
		}
		f := ex.ready[ex.head]
		ex.ready[ex.head] = nil
		ex.head++
		if ex.Done() {
			continue
		}
		f.advance()
	}
	ex.ready = ex.ready[:0]
	ex.head = 0
}

func (ex *Execution) armTimer(kind timerKind, f *frame, task int64, at time.Time) int64 {
	if ex.timers == nil {
		ex.timers = map[int64]*timer{}
	}
	ex.timerSeq++
	id := ex.timerSeq
	ex.timers[id] = &timer{kind: kind, f: f, task: task}
	ex.cmds = append(ex.cmds, Command{Kind: StartTimer, ID: id, At: at})
	return id
}

func (ex *Execution) cancelTimer(id int64) {
	if id == 0 {
		return
	}
	if _, ok := ex.timers[id]; ok {
		delete(ex.timers, id)
		ex.cmds = append(ex.cmds, Command{Kind: CancelTimer, ID: id})
	}
}

// finish ends the execution. Frames still running are aborted.
func (ex *Execution) finish(st Status, output any, fl *failure.Failure) {
	if ex.Done() {
		return
	}
	if st != Succeeded && st != Failed && ex.root != nil {
		ex.root.abort()
	}
	if st == Failed && ex.root != nil {
		ex.root.abortChildren()
	}
	ex.Status = st
	ex.StopTime = ex.now
	prev := ex.lastID
	switch st {
	case Succeeded:
		ex.Output = output
		ex.emit(history.ExecutionSucceeded, prev, "", output, true, nil, nil)
	case Failed:
		ex.Failure = fl
		ex.emit(history.ExecutionFailed, prev, "", nil, false, fl, nil)
	case TimedOut:
		ex.Failure = fl
		ex.emit(history.ExecutionTimedOut, prev, "", nil, false, fl, nil)
	case Aborted:
		ex.Failure = fl
		ex.emit(history.ExecutionAborted, prev, "", nil, false, fl, nil)
	}
	// Commands come out in id order, never in map order: a replay must
	// give exactly what the first run gave.
	if len(ex.tasks) > 0 {
		for _, id := range slices.Sorted(maps.Keys(ex.tasks)) {
			ex.cmds = append(ex.cmds, Command{Kind: CancelTask, ID: id, Task: ex.tasks[id].req})
		}
		ex.tasks = nil
	}
	if len(ex.timers) > 0 {
		for _, id := range slices.Sorted(maps.Keys(ex.timers)) {
			ex.cmds = append(ex.cmds, Command{Kind: CancelTimer, ID: id})
		}
		ex.timers = nil
	}
	ex.ready = ex.ready[:0]
	ex.head = 0
}

func (ex *Execution) tooManyEvents() {
	ex.finish(Failed, nil, ex.tooManyEventsFailure())
}

func (ex *Execution) tooManyEventsFailure() *failure.Failure {
	return failure.Newf(failure.Runtime, "The execution reached the maximum number of events in its history (%d).", ex.cfg.MaxEvents)
}

// tooLarge enforces the payload limit on a state's output.
func (ex *Execution) tooLarge(v any) bool {
	return value.Size(v) > ex.limit
}
