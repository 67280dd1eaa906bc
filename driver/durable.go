package driver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/baton-sh/baton/clock"
	"github.com/baton-sh/baton/definition"
	"github.com/baton-sh/baton/failure"
	"github.com/baton-sh/baton/interpreter"
	"github.com/baton-sh/baton/machine"
	"github.com/baton-sh/baton/mock"
	"github.com/baton-sh/baton/resource"
	"github.com/baton-sh/baton/store"
	"github.com/baton-sh/baton/value"
)

// Durable runs Standard executions on a store, so that they survive a
// crash. Every input an execution receives (its start, a task's result, a
// timer, a stop) is written to its journal in the same transaction as the
// history events, timers and activity tasks that input caused; nothing acts
// on a step before it is durable. An execution not in memory is rebuilt by
// replaying its journal through the pure interpreter, which reproduces it
// exactly: the interpreter is deterministic, its randomness is seeded from
// the execution's ARN and the journal holds the time of every input.
//
// Waiting costs storage, not memory: timers and activity tasks are rows, and
// executions that wait only on them are dropped from memory when it fills.
type Durable struct {
	store     store.Store
	commit    *store.Committer
	resources *resource.Registry
	clock     clock.Clock
	log       *slog.Logger
	maxLive   int
	mocks     *mock.Config
	onFinish  atomic.Pointer[func(rec *store.Execution, parent Parent)]

	machines sync.Map // definition text -> *machine.Machine

	mu   sync.Mutex
	live map[string]*live

	timers *timerQueue

	actMu   sync.Mutex
	actWake map[string]chan struct{}

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// DurableOptions configures a Durable driver.
type DurableOptions struct {
	Store     store.Store
	Resources *resource.Registry
	Clock     clock.Clock
	Logger    *slog.Logger
	// MaxLive bounds the executions kept in memory (default 10,000).
	MaxLive int
	// MaxBatch bounds the steps written per transaction (default 256).
	MaxBatch int
	// Mocks answers the Task states of executions started with a test
	// case (StartRequest.TestCase) from their mocked responses.
	Mocks *mock.Config
}

// Parent is the task of another execution that waits for an execution to
// end: its token and the pattern of its integration ("sync" or "sync:2").
type Parent struct {
	Token   string `json:"token"`
	Pattern string `json:"pattern"`
}

// Errors of the durable driver.
var (
	ErrExecutionClosed = errors.New("the execution is not running")
	ErrStale           = errors.New("the execution no longer waits for this")
	ErrInvalidToken    = errors.New("invalid task token")
	ErrNoSuchTask      = errors.New("the task does not exist")
)

type live struct {
	mu     sync.Mutex
	arn    string
	ex     *interpreter.Execution
	rec    store.Execution
	seq    int64
	closed bool
	gone   bool                         // removed from the live map
	tasks  map[int64]context.CancelFunc // in-process tasks running
	// early holds completions by token of tasks whose call has not yet
	// returned (a .sync child that ended first): they are recorded after
	// the call's own result, so that the history keeps AWS's order.
	early      map[int64][]entry
	activities map[int64]string // pending activity tasks: id -> token
	redrives   []redrive        // the execution's redrives, from its journal
	mock       *mock.Case       // its test case, when it runs one
	mockRead   bool             // mock has been looked up
}

// redrive remembers one redrive and the client token that asked for it.
type redrive struct {
	token string
	at    time.Time
}

// entry is one journal entry: an input to the interpreter.
type entry struct {
	Kind   string          `json:"k"` // start, timer, started, submitted, ok, fail, heartbeat, stop, redrive
	Time   int64           `json:"t"`
	ID     int64           `json:"id,omitempty"`
	Data   json.RawMessage `json:"d,omitempty"`
	Error  string          `json:"error,omitempty"`
	Cause  string          `json:"cause,omitempty"`
	Worker string          `json:"worker,omitempty"`
	Token  string          `json:"token,omitempty"` // a redrive's client token
}

// meta is the execution configuration kept in store.Execution.Meta.
type meta struct {
	StateMachineName string  `json:"sm"`
	Region           string  `json:"region"`
	PayloadLimit     int     `json:"payloadLimit,omitempty"`
	Parent           *Parent `json:"parent,omitempty"`
	StartedBy        string  `json:"startedBy,omitempty"`
	TestCase         string  `json:"testCase,omitempty"`
}

// NewDurable makes a durable driver. Call Start to recover open executions
// and run timers.
func NewDurable(o DurableOptions) *Durable {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MaxLive <= 0 {
		o.MaxLive = 10000
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 256
	}
	if o.Resources == nil {
		o.Resources = resource.NewRegistry()
	}
	ctx, cancel := context.WithCancel(context.Background())
	d := &Durable{
		store: o.Store, commit: store.NewCommitter(o.Store, o.MaxBatch), resources: o.Resources, clock: o.Clock, log: o.Logger,
		maxLive: o.MaxLive, mocks: o.Mocks, live: map[string]*live{}, actWake: map[string]chan struct{}{}, ctx: ctx, cancel: cancel,
	}
	d.timers = newTimerQueue()
	return d
}

// Start recovers the executions left open by the previous run and starts
// the timer loop.
func (d *Durable) Start(ctx context.Context) error {
	open, err := d.store.OpenExecutions(ctx)
	if err != nil {
		return fmt.Errorf("recovery: %w", err)
	}
	for _, arn := range open {
		l, err := d.acquire(ctx, arn)
		if err != nil {
			d.log.Error("recovering an execution", "execution", arn, "error", err)
			continue
		}
		// Tasks that were running in this process when it stopped run again:
		// at least once for the call, exactly once for the transition.
		if !l.closed {
			for _, t := range l.ex.PendingTasks() {
				if t.Submitted {
					// Its result comes with its token, or when its work
					// ends; work that ended while we were down is found now.
					d.resume(l.arn, t)
					continue
				}
				if !isActivity(t.Resource) || d.mocked(l, t) {
					d.runTask(l, t)
				} else if !l.ex.IsTaskStarted(t.ID) {
					// Claimed by a poll whose ActivityStarted never became
					// durable: no worker holds it, so it goes back to the queue.
					if err := d.store.ReleaseActivityTask(ctx, t.Token); err != nil && !errors.Is(err, store.ErrNotFound) {
						d.log.Error("releasing an activity task", "execution", arn, "error", err)
					}
				}
			}
		}
		l.mu.Unlock()
	}
	if len(open) > 0 {
		d.log.Info("recovered executions", "count", len(open))
	}
	d.wg.Add(1)
	go d.timerLoop()
	return nil
}

// resume asks the resource of a submitted task whether its work ended
// while the driver was down, and delivers the result if so.
func (d *Durable) resume(arn string, t *interpreter.TaskRequest) {
	res, _ := d.resources.Lookup(t.Resource)
	rs, ok := res.(resource.Resumer)
	if !ok {
		return
	}
	req, id := requestOf(arn, t), t.ID
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		out, err := rs.Resume(d.ctx, req, t.Receipt)
		if _, ok := resource.AsSubmitted(err); ok || d.ctx.Err() != nil {
			return
		}
		e := entry{Kind: "ok", ID: id, Data: json.RawMessage(value.Marshal(out))}
		if err != nil {
			fl := resource.ToFailure(err)
			e = entry{Kind: "fail", ID: id, Error: fl.Error, Cause: fl.Cause}
		}
		err = d.deliver(d.ctx, arn, []entry{e}, func(ex *interpreter.Execution) bool { return ex.WaitsOnTask(id) })
		if err != nil && !errors.Is(err, ErrStale) && !errors.Is(err, ErrExecutionClosed) && d.ctx.Err() == nil {
			d.log.Error("resuming a submitted task", "execution", arn, "task", id, "error", err)
		}
	}()
}

// Close stops the driver. Steps already written stay written; tasks in
// flight are cancelled and run again at the next start.
func (d *Durable) Close() {
	d.cancel()
	d.timers.wakeUp()
	d.wg.Wait()
	d.commit.Close()
}

func isActivity(resource string) bool {
	parts := strings.SplitN(resource, ":", 7)
	return len(parts) >= 6 && parts[2] == "states" && parts[5] == "activity"
}

// machine compiles a definition once per distinct text.
func (d *Durable) machine(def string) (*machine.Machine, error) {
	if m, ok := d.machines.Load(def); ok {
		return m.(*machine.Machine), nil
	}
	doc, diags := definition.Load([]byte(def), definition.Options{})
	if diags.HasErrors() {
		return nil, diags
	}
	m, err := machine.Compile(doc)
	if err != nil {
		return nil, err
	}
	d.machines.Store(def, m)
	return m, nil
}

func seed(arn string) rand.Source {
	h := fnv.New64a()
	h.Write([]byte(arn))
	return rand.NewPCG(h.Sum64(), 0x5ba7_0de1_c0ff_ee00)
}

func (d *Durable) config(rec *store.Execution) interpreter.Config {
	var mt meta
	json.Unmarshal(rec.Meta, &mt)
	return interpreter.Config{
		ExecutionARN: rec.ARN, ExecutionName: rec.Name, StateMachineARN: rec.StateMachineARN, StateMachineName: mt.StateMachineName,
		// The redrive count starts at zero: replaying the journal's redrives
		// counts them again.
		RoleARN: rec.RoleARN, Region: mt.Region, PayloadLimit: mt.PayloadLimit, Random: seed(rec.ARN),
	}
}

// apply hands one journal entry to the interpreter and returns a copy of
// the commands it gave.
func apply(ex *interpreter.Execution, e *entry) []interpreter.Command {
	t := time.Unix(0, e.Time)
	var cmds []interpreter.Command
	switch e.Kind {
	case "start":
		in, err := value.Parse(e.Data)
		if err != nil {
			in = value.Empty
		}
		cmds = ex.Start(in, t)
	case "timer":
		cmds = ex.TimerFired(e.ID, t)
	case "started":
		cmds = ex.TaskStarted(e.ID, e.Worker, t)
	case "submitted":
		out, err := value.Parse(e.Data)
		if err != nil {
			out = nil
		}
		cmds = ex.TaskSubmitted(e.ID, out, t)
	case "ok":
		out, err := value.Parse(e.Data)
		if err != nil {
			out = nil
		}
		cmds = ex.TaskSucceeded(e.ID, out, t)
	case "fail":
		cmds = ex.TaskFailed(e.ID, failure.New(e.Error, e.Cause), t)
	case "heartbeat":
		cmds, _ = ex.TaskHeartbeat(e.ID, t)
	case "stop":
		cmds = ex.Stop(failure.New(e.Error, e.Cause), t)
	case "redrive":
		cmds = ex.Redrive(t)
	}
	return append([]interpreter.Command(nil), cmds...)
}

// summary fills the execution's record from the interpreter's state.
func summary(l *live) {
	ex := l.ex
	r := &l.rec
	r.Status = ex.Status.String()
	r.RedriveCount = ex.Config().RedriveCount
	if !ex.Done() {
		// Running again after a redrive: the last attempt's end is gone.
		r.Stop, r.Output, r.HasOutput, r.Error, r.Cause = time.Time{}, "", false, "", ""
	} else {
		r.Stop = ex.StopTime
		if ex.Status == interpreter.Succeeded {
			r.Output, r.HasOutput = value.String(ex.Output), true
		}
		if ex.Failure != nil {
			r.Error, r.Cause = ex.Failure.Error, ex.Failure.Cause
		}
	}
}

// step builds the store write for entries just applied.
func (d *Durable) step(l *live, entries []entry, cmds []interpreter.Command, create bool) (*store.Step, error) {
	st := &store.Step{Create: create}
	for i := range entries {
		data, err := json.Marshal(&entries[i])
		if err != nil {
			return nil, err
		}
		l.seq++
		st.Inputs = append(st.Inputs, store.Input{Seq: l.seq, JSON: data})
		e := &entries[i]
		switch e.Kind {
		case "timer":
			st.DeleteTimers = append(st.DeleteTimers, e.ID)
		case "ok", "fail":
			if tok, ok := l.activities[e.ID]; ok {
				st.DeleteTasks = append(st.DeleteTasks, tok)
			}
		}
	}
	for _, ev := range l.ex.TakeEvents() {
		st.Events = append(st.Events, store.Event{ID: ev.ID, JSON: ev.AppendJSON(nil, true)})
	}
	for _, c := range cmds {
		switch c.Kind {
		case interpreter.StartTimer:
			st.AddTimers = append(st.AddTimers, store.Timer{ExecutionARN: l.arn, ID: c.ID, Due: c.At})
		case interpreter.CancelTimer:
			st.DeleteTimers = append(st.DeleteTimers, c.ID)
		case interpreter.RunTask:
			if isActivity(c.Task.Resource) && !d.mocked(l, c.Task) {
				st.AddTasks = append(st.AddTasks, store.ActivityTask{Token: c.Task.Token, ActivityARN: c.Task.Resource, ExecutionARN: l.arn,
					TaskID: c.ID, Input: value.String(c.Task.Input), Created: d.clock.Now()})
			}
		case interpreter.CancelTask:
			if tok, ok := l.activities[c.ID]; ok {
				st.DeleteTasks = append(st.DeleteTasks, tok)
			}
		}
	}
	summary(l)
	st.Execution = l.rec
	return st, nil
}

// after carries out the commands of a step that is durable.
func (d *Durable) after(l *live, entries []entry, cmds []interpreter.Command) {
	for i := range entries {
		if k := entries[i].Kind; k == "ok" || k == "fail" {
			delete(l.activities, entries[i].ID)
		}
	}
	for _, c := range cmds {
		switch c.Kind {
		case interpreter.StartTimer:
			d.timers.add(l.arn, c.ID, c.At)
		case interpreter.RunTask:
			if isActivity(c.Task.Resource) && !d.mocked(l, c.Task) {
				if l.activities == nil {
					l.activities = map[int64]string{}
				}
				l.activities[c.ID] = c.Task.Token
				d.wakeActivity(c.Task.Resource)
			} else {
				d.runTask(l, c.Task)
			}
		case interpreter.CancelTask:
			if cancel, ok := l.tasks[c.ID]; ok {
				cancel()
				delete(l.tasks, c.ID)
			}
			delete(l.early, c.ID)
			delete(l.activities, c.ID)
			if c.Task != nil && c.Task.Submitted {
				d.cancelSubmitted(l.arn, c.Task)
			}
		}
	}
	if l.ex.Done() {
		l.closed = true
		d.forget(l)
		d.finished(&l.rec)
	}
}

// cancelSubmitted stops the work of a submitted task nobody waits for any
// more (a .sync child), where its resource knows how.
func (d *Durable) cancelSubmitted(arn string, t *interpreter.TaskRequest) {
	res, _ := d.resources.Lookup(t.Resource)
	cn, ok := res.(resource.Canceller)
	if !ok {
		return
	}
	req := requestOf(arn, t)
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		if err := cn.Cancel(d.ctx, req, t.Receipt); err != nil && d.ctx.Err() == nil {
			d.log.Warn("stopping the work of a cancelled task", "execution", arn, "resource", t.Resource, "error", err)
		}
	}()
}

// StartedBy reads the execution that started an execution through a
// nested workflow ("" for one started otherwise).
func StartedBy(rec *store.Execution) string {
	var mt meta
	json.Unmarshal(rec.Meta, &mt)
	return mt.StartedBy
}

// OnFinish sets what is called once an execution that a parent task waits
// for (a .sync child) has ended, durably: f runs in its own goroutine and
// may complete the parent's task. Set it before Start, so that children
// that end during recovery are seen.
func (d *Durable) OnFinish(f func(rec *store.Execution, parent Parent)) { d.onFinish.Store(&f) }

// finished tells OnFinish that an execution a parent waits for has ended.
func (d *Durable) finished(rec *store.Execution) {
	onFinish := d.onFinish.Load()
	if onFinish == nil {
		return
	}
	var mt meta
	if json.Unmarshal(rec.Meta, &mt) != nil || mt.Parent == nil {
		return
	}
	r := *rec
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		(*onFinish)(&r, *mt.Parent)
	}()
}

func requestOf(arn string, t *interpreter.TaskRequest) *resource.Request {
	return &resource.Request{Resource: t.Resource, Input: t.Input, StateName: t.StateName, ExecutionARN: arn,
		Token: t.Token, Timeout: t.Timeout, Heartbeat: t.Heartbeat, Context: t.Context}
}

// StartRequest describes a new Standard execution.
type StartRequest struct {
	ExecutionARN     string
	Name             string
	StateMachineARN  string
	StateMachineName string
	VersionARN       string
	AliasARN         string
	Definition       string
	RoleARN          string
	Region           string
	Input            string // JSON text
	PayloadLimit     int
	// Parent, when set, is the task that waits for this execution to end.
	Parent *Parent
	// StartedBy is the execution whose nested-workflow task started this
	// one, as AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID links them.
	StartedBy string
	// TestCase names the test case of the mock configuration (for the
	// state machine StateMachineName) whose responses answer its tasks.
	TestCase string
}

// StartExecution starts an execution and returns once its first step is
// durable. It returns store.ErrConflict when the ARN is taken.
func (d *Durable) StartExecution(ctx context.Context, req StartRequest) (*store.Execution, error) {
	m, err := d.machine(req.Definition)
	if err != nil {
		return nil, err
	}
	mt, _ := json.Marshal(meta{StateMachineName: req.StateMachineName, Region: req.Region, PayloadLimit: req.PayloadLimit, Parent: req.Parent, StartedBy: req.StartedBy, TestCase: req.TestCase})
	now := d.clock.Now()
	l := &live{arn: req.ExecutionARN}
	l.rec = store.Execution{
		ARN: req.ExecutionARN, StateMachineARN: req.StateMachineARN, VersionARN: req.VersionARN, AliasARN: req.AliasARN,
		Name: req.Name, Status: "RUNNING", Input: req.Input, Start: now, Definition: req.Definition, RoleARN: req.RoleARN, Meta: mt,
	}
	l.ex = interpreter.New(m, d.config(&l.rec))
	entries := []entry{{Kind: "start", Time: now.UnixNano(), Data: json.RawMessage(req.Input)}}
	cmds := apply(l.ex, &entries[0])
	l.mu.Lock()
	defer l.mu.Unlock()
	st, err := d.step(l, entries, cmds, true)
	if err != nil {
		return nil, err
	}
	if err := d.commit.Commit(ctx, st); err != nil {
		return nil, err
	}
	rec := l.rec
	if !l.ex.Done() {
		d.mu.Lock()
		if old := d.live[l.arn]; old == nil {
			d.live[l.arn] = l
		}
		d.evictLocked()
		d.mu.Unlock()
	}
	d.after(l, entries, cmds)
	return &rec, nil
}

// acquire returns the execution locked, loading it when it is not in memory.
func (d *Durable) acquire(ctx context.Context, arn string) (*live, error) {
	for {
		d.mu.Lock()
		l := d.live[arn]
		if l == nil {
			l = &live{arn: arn}
			d.live[arn] = l
			d.evictLocked()
		}
		d.mu.Unlock()
		l.mu.Lock()
		if l.gone {
			l.mu.Unlock()
			continue
		}
		if l.ex == nil && !l.closed {
			if err := d.load(ctx, l); err != nil {
				d.forget(l)
				l.mu.Unlock()
				return nil, err
			}
		}
		return l, nil
	}
}

// load rebuilds an execution from its journal.
func (d *Durable) load(ctx context.Context, l *live) error {
	rec, err := d.store.GetExecution(ctx, l.arn)
	if err != nil {
		return err
	}
	l.rec = *rec
	if rec.Status != "RUNNING" {
		l.closed = true
		return nil
	}
	if err := d.replay(ctx, l); err != nil {
		return err
	}
	for _, t := range l.ex.PendingTasks() {
		if isActivity(t.Resource) {
			if l.activities == nil {
				l.activities = map[int64]string{}
			}
			l.activities[t.ID] = t.Token
		}
	}
	return nil
}

// replay rebuilds l.ex from the journal of the execution in l.rec.
func (d *Durable) replay(ctx context.Context, l *live) error {
	m, err := d.machine(l.rec.Definition)
	if err != nil {
		return err
	}
	journal, err := d.store.Journal(ctx, l.arn)
	if err != nil {
		return err
	}
	ex := interpreter.New(m, d.config(&l.rec))
	l.redrives = nil
	for _, in := range journal {
		var e entry
		if err := json.Unmarshal(in.JSON, &e); err != nil {
			return fmt.Errorf("journal of %s: %w", l.arn, err)
		}
		apply(ex, &e)
		if e.Kind == "redrive" {
			l.redrives = append(l.redrives, redrive{token: e.Token, at: time.Unix(0, e.Time)})
		}
		l.seq = in.Seq
	}
	ex.TakeEvents()
	l.ex = ex
	return nil
}

// forget drops an execution from memory; the store keeps it.
func (d *Durable) forget(l *live) {
	d.mu.Lock()
	if d.live[l.arn] == l {
		delete(d.live, l.arn)
	}
	l.gone = true
	d.mu.Unlock()
}

// evictLocked drops idle executions when memory holds too many: those with
// no task running in this process and nobody working on them. Called with
// d.mu held.
func (d *Durable) evictLocked() {
	if len(d.live) <= d.maxLive {
		return
	}
	target := d.maxLive * 9 / 10
	scanned := 0
	for arn, l := range d.live {
		if len(d.live) <= target || scanned > 4096 {
			return
		}
		scanned++
		if !l.mu.TryLock() {
			continue
		}
		if len(l.tasks) == 0 {
			l.gone = true
			delete(d.live, arn)
		}
		l.mu.Unlock()
	}
}

// deliver applies entries to an execution, durably, if check accepts the
// execution's state.
func (d *Durable) deliver(ctx context.Context, arn string, entries []entry, check func(*interpreter.Execution) bool) error {
	l, err := d.acquire(ctx, arn)
	if err != nil {
		return err
	}
	defer l.mu.Unlock()
	return d.deliverLocked(ctx, l, entries, check)
}

// deliverCall records the result of an in-process task's call, and after
// it the completions that arrived by token while the call ran.
func (d *Durable) deliverCall(ctx context.Context, arn string, id int64, entries []entry) error {
	l, err := d.acquire(ctx, arn)
	if err != nil {
		if l := d.peek(arn); l != nil {
			l.mu.Lock()
			delete(l.tasks, id)
			delete(l.early, id)
			l.mu.Unlock()
		}
		return err
	}
	defer l.mu.Unlock()
	entries = append(entries, l.early[id]...)
	delete(l.early, id)
	delete(l.tasks, id)
	return d.deliverLocked(ctx, l, entries, func(ex *interpreter.Execution) bool { return ex.WaitsOnTask(id) })
}

// deliverLocked is deliver with the execution's lock held.
func (d *Durable) deliverLocked(ctx context.Context, l *live, entries []entry, check func(*interpreter.Execution) bool) error {
	if l.closed {
		return ErrExecutionClosed
	}
	if check != nil && !check(l.ex) {
		return ErrStale
	}
	now := d.clock.Now()
	var cmds []interpreter.Command
	for i := range entries {
		entries[i].Time = now.UnixNano()
		cmds = append(cmds, apply(l.ex, &entries[i])...)
	}
	st, err := d.step(l, entries, cmds, false)
	if err == nil {
		err = d.commit.Commit(ctx, st)
	}
	if err != nil {
		// Memory is ahead of the store now: rebuild from the store next time.
		l.ex, l.closed = nil, false
		d.forget(l)
		return err
	}
	d.after(l, entries, cmds)
	return nil
}

// mockOf finds the test case an execution runs, if any.
func (d *Durable) mockOf(l *live) *mock.Case {
	if !l.mockRead {
		l.mockRead = true
		var mt meta
		if json.Unmarshal(l.rec.Meta, &mt) == nil && mt.TestCase != "" && d.mocks != nil {
			tc, err := d.mocks.Case(mt.StateMachineName, mt.TestCase)
			if err != nil {
				d.log.Warn("the test case of an execution", "execution", l.arn, "error", err)
			}
			l.mock = tc
		}
	}
	return l.mock
}

func (d *Durable) mocked(l *live, t *interpreter.TaskRequest) bool {
	return d.mockOf(l).Mocks(t.StateName)
}

// runTask invokes an in-process resource, or the execution's mock; the
// result comes back through deliver.
func (d *Durable) runTask(l *live, t *interpreter.TaskRequest) {
	if out, fl, ok := d.mockOf(l).Answer(t.StateName, t.Invocation); ok {
		res := resource.Func(func(context.Context, *resource.Request) (any, error) {
			if fl != nil {
				return nil, fl.AsError()
			}
			return out, nil
		})
		d.invokeTask(l, t, res, true)
		return
	}
	res, found := d.resources.Lookup(t.Resource)
	d.invokeTask(l, t, res, found)
}

func (d *Durable) invokeTask(l *live, t *interpreter.TaskRequest, res resource.Resource, found bool) {
	ctx, cancel := context.WithCancel(d.ctx)
	if l.tasks == nil {
		l.tasks = map[int64]context.CancelFunc{}
	}
	l.tasks[t.ID] = cancel
	req := requestOf(l.arn, t)
	arn, id := l.arn, t.ID
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		defer cancel()
		var entries []entry
		if !found {
			entries = []entry{{Kind: "fail", ID: id, Error: failure.TaskFailed, Cause: resource.NoHandlerCause(t.Resource, t.StateName)}}
		} else {
			out, err := invoke(ctx, res, req)
			if ctx.Err() != nil {
				return // cancelled: the execution moved on, or the driver stops
			}
			entries = []entry{{Kind: "started", ID: id}}
			if s, ok := resource.AsSubmitted(err); ok {
				// The result comes later, with the task's token.
				entries = append(entries, entry{Kind: "submitted", ID: id, Data: json.RawMessage(value.Marshal(s.Output))})
			} else if err != nil {
				fl := resource.ToFailure(err)
				entries = append(entries, entry{Kind: "fail", ID: id, Error: fl.Error, Cause: fl.Cause})
			} else {
				entries = append(entries, entry{Kind: "ok", ID: id, Data: json.RawMessage(value.Marshal(out))})
			}
		}
		err := d.deliverCall(d.ctx, arn, id, entries)
		if err != nil && !errors.Is(err, ErrStale) && !errors.Is(err, ErrExecutionClosed) && d.ctx.Err() == nil {
			d.log.Error("recording a task result", "execution", arn, "task", id, "error", err)
		}
	}()
}

func (d *Durable) peek(arn string) *live {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.live[arn]
}

// StopExecution aborts a running execution.
func (d *Durable) StopExecution(ctx context.Context, arn, errName, cause string) error {
	return d.deliver(ctx, arn, []entry{{Kind: "stop", Error: errName, Cause: cause}}, nil)
}

// ---- tasks completed from outside: activity workers and callbacks ----------

func (d *Durable) byToken(token string) (string, int64, error) {
	arn, id, err := interpreter.ParseTaskToken(token)
	if err != nil {
		return "", 0, ErrInvalidToken
	}
	return arn, id, nil
}

func (d *Durable) complete(ctx context.Context, token string, e entry) error {
	arn, id, err := d.byToken(token)
	if err != nil {
		return err
	}
	e.ID = id
	if e.Kind != "heartbeat" && d.park(arn, e) {
		return nil
	}
	err = d.deliver(ctx, arn, []entry{e}, func(ex *interpreter.Execution) bool { return ex.WaitsOnTask(id) })
	switch {
	case errors.Is(err, store.ErrNotFound):
		return ErrNoSuchTask
	case errors.Is(err, ErrStale), errors.Is(err, ErrExecutionClosed):
		return ErrStale
	}
	return err
}

// park keeps a completion of a task whose in-process call is still running,
// for deliverCall to record after the call's result.
func (d *Durable) park(arn string, e entry) bool {
	l := d.peek(arn)
	if l == nil {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, running := l.tasks[e.ID]; !running || l.closed || l.gone {
		return false
	}
	if l.early == nil {
		l.early = map[int64][]entry{}
	}
	l.early[e.ID] = append(l.early[e.ID], e)
	return true
}

// TaskSuccess records a task's output (JSON text) given its token.
func (d *Durable) TaskSuccess(ctx context.Context, token, output string) error {
	return d.complete(ctx, token, entry{Kind: "ok", Data: json.RawMessage(output)})
}

// TaskFailure records a task's failure given its token.
func (d *Durable) TaskFailure(ctx context.Context, token, errName, cause string) error {
	return d.complete(ctx, token, entry{Kind: "fail", Error: errName, Cause: cause})
}

// TaskHeartbeat records a heartbeat given its token.
func (d *Durable) TaskHeartbeat(ctx context.Context, token string) error {
	return d.complete(ctx, token, entry{Kind: "heartbeat"})
}

func (d *Durable) wakeActivity(arn string) {
	d.actMu.Lock()
	if ch, ok := d.actWake[arn]; ok {
		close(ch)
		delete(d.actWake, arn)
	}
	d.actMu.Unlock()
}

func (d *Durable) activityWaiter(arn string) <-chan struct{} {
	d.actMu.Lock()
	defer d.actMu.Unlock()
	ch, ok := d.actWake[arn]
	if !ok {
		ch = make(chan struct{})
		d.actWake[arn] = ch
	}
	return ch
}

// PollActivity waits up to wait for a task of an activity and hands it to
// the worker, recording ActivityStarted. It returns nil when no task came.
func (d *Durable) PollActivity(ctx context.Context, activityARN, worker string, wait time.Duration) (*store.ActivityTask, error) {
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		woken := d.activityWaiter(activityARN)
		t, err := d.store.ClaimActivityTask(ctx, activityARN, worker, d.clock.Now())
		if err == nil {
			id := t.TaskID
			err = d.deliver(ctx, t.ExecutionARN, []entry{{Kind: "started", ID: id, Worker: worker}},
				func(ex *interpreter.Execution) bool { return ex.WaitsOnTask(id) })
			if err == nil {
				return t, nil
			}
			if errors.Is(err, ErrStale) || errors.Is(err, ErrExecutionClosed) {
				continue
			}
			return nil, err
		}
		if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		select {
		case <-woken:
		case <-deadline.C:
			return nil, nil
		case <-ctx.Done():
			return nil, nil
		case <-d.ctx.Done():
			return nil, nil
		}
	}
}
