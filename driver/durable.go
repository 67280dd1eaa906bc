package driver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/baton-sh/baton/clock"
	"github.com/baton-sh/baton/failure"
	"github.com/baton-sh/baton/history"
	"github.com/baton-sh/baton/interpreter"
	"github.com/baton-sh/baton/machine"
	"github.com/baton-sh/baton/mock"
	"github.com/baton-sh/baton/resource"
	"github.com/baton-sh/baton/store"
	"github.com/baton-sh/baton/token"
)

// Durable runs Standard executions on a store, so that they survive a
// crash. Every input an execution receives (its start, a task's result, a
// timer, a stop) is written to its journal in the same transaction as the
// history events, timers and activity tasks that input caused; nothing acts
// on a step before it is durable. An execution not in memory is rebuilt by
// replaying its journal through the pure interpreter, and the history the
// replay regenerates is checked against the stored one.
//
// Each execution is advanced by one node at a time: the node whose lease
// owns it. Every write names the lease and the journal position it expects,
// so a node that lost an execution, or a second writer, cannot fork its
// history. When a node's lease runs out, the others claim its executions.
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
	tokens    *token.Key
	compile   func(def string) (*machine.Machine, error)
	observe   Observer
	onFinish  func(rec *store.Execution, parent Parent)
	terminate func(stateMachineARN string) (string, bool)
	notify    func(prev string, rec *store.Execution, now time.Time) []store.Notice
	traceTask TraceTask
	node      string
	leaseFor  time.Duration
	signals   store.Signals

	leaseMu sync.RWMutex
	lease   store.Lease

	mu   sync.Mutex
	live map[string]*live

	timers *timerQueue

	acts activityQueues

	counts     counts      // open and idle executions, for metrics
	nodeCounts nodeCounts  // what this node did with its lease, for metrics
	claiming   atomic.Bool // a takeover (and look at the inboxes) is under way

	recovered chan struct{} // closed once Start's recovery ends
	outage    *store.Outage // a full disk is logged once, not at every write

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
	// Tokens makes the task tokens (default: a random key, valid until the
	// process ends).
	Tokens *token.Key
	// Compile turns a definition into a machine (default: compile each
	// time).
	Compile func(def string) (*machine.Machine, error)
	// Observe is told every durable step.
	Observe Observer
	// OnFinish is called, in its own goroutine, once an execution that a
	// parent task waits for (a .sync child) has ended, durably; it may
	// complete the parent's task.
	OnFinish func(rec *store.Execution, parent Parent)
	// Terminate, when it says so for an execution's state machine, ends the
	// execution at its next state transition (ABORTED, with the cause it
	// gives) instead: as AWS does to the executions of a state machine
	// being deleted.
	Terminate func(stateMachineARN string) (cause string, ok bool)
	// Notify, when set, makes the notices a status change owes (webhooks'
	// messages), written in the step that changes it: prev is the status
	// before ("" for a new execution), rec the execution after.
	Notify func(prev string, rec *store.Execution, now time.Time) []store.Notice
	// TraceTask, when set, names the span a task's HTTP calls are made in.
	TraceTask TraceTask
	// Outage, when given, is where the driver reports the store's
	// unavailability (shared with the rest of the server, so that an
	// outage is logged once).
	Outage *store.Outage
	// Node names this node for its lease (default "local"), and
	// LeaseDuration is how long the lease lasts unless renewed (default 10
	// s): a node that stops renewing loses its executions to the others
	// that long after.
	Node          string
	LeaseDuration time.Duration
	// Signals, when the store has them, tell this node at once of inputs
	// other nodes received for its executions and of activity tasks they
	// queued (else it finds them at its lease loop's turns).
	Signals store.Signals
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
	// ErrOwnedElsewhere: another node's live lease holds the execution.
	ErrOwnedElsewhere = errors.New("another node advances the execution")
)

// ReplayError says that replaying an execution's journal did not give back
// its stored history: the execution is not advanced until someone looks.
type ReplayError struct {
	ExecutionARN string
	Stored       string // the stored history's length and last event
	Replayed     string // the replayed one's
}

func (e *ReplayError) Error() string {
	return fmt.Sprintf("execution %s: replaying its journal gave %s, but its stored history has %s", e.ExecutionARN, e.Replayed, e.Stored)
}

// meta is the execution configuration kept in store.Execution.Meta.
type meta struct {
	StateMachineName string  `json:"sm"`
	Region           string  `json:"region"`
	PayloadLimit     int     `json:"payloadLimit,omitempty"`
	MaxEvents        int64   `json:"maxEvents,omitempty"`
	TraceHeader      string  `json:"traceHeader,omitempty"`
	Parent           *Parent `json:"parent,omitempty"`
	StartedBy        string  `json:"startedBy,omitempty"`
	TestCase         string  `json:"testCase,omitempty"`
}

func metaOf(rec *store.Execution) meta {
	var mt meta
	if len(rec.Meta) > 0 {
		json.Unmarshal(rec.Meta, &mt) //nolint:errcheck // a record we wrote; an empty meta is the safe reading
	}
	return mt
}

// NewDurable makes a durable driver. Call Start to take its lease, recover
// open executions and run timers.
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
	if o.Tokens == nil {
		o.Tokens = token.RandomKey()
	}
	if o.Compile == nil {
		o.Compile = machine.CompileText
	}
	if o.Node == "" {
		o.Node = "local"
	}
	if o.LeaseDuration <= 0 {
		o.LeaseDuration = 10 * time.Second
	}
	ctx, cancel := context.WithCancel(context.Background())
	d := &Durable{
		store: o.Store, commit: store.NewCommitter(o.Store, o.MaxBatch), resources: o.Resources, clock: o.Clock, log: o.Logger,
		maxLive: o.MaxLive, mocks: o.Mocks, tokens: o.Tokens, compile: o.Compile, observe: o.Observe, onFinish: o.OnFinish, terminate: o.Terminate, notify: o.Notify, traceTask: o.TraceTask,
		node: o.Node, leaseFor: o.LeaseDuration, signals: o.Signals,
		live: map[string]*live{}, timers: newTimerQueue(), recovered: make(chan struct{}), ctx: ctx, cancel: cancel,
	}
	d.outage = o.Outage
	if d.outage == nil {
		d.outage = &store.Outage{Log: o.Logger}
	}
	return d
}

// Close stops the driver and ends its lease, so that other nodes may take
// its executions at once. Steps already written stay written; tasks in
// flight are cancelled and run again at the next start.
func (d *Durable) Close() {
	d.cancel()
	d.timers.wakeUp()
	d.wg.Wait()
	d.commit.Close()
	if l := d.currentLease(); l.Node != "" {
		if err := d.store.ReleaseLease(context.Background(), l); err != nil {
			d.log.Warn("ending the lease", "error", err)
		}
	}
}

func (d *Durable) currentLease() store.Lease {
	d.leaseMu.RLock()
	defer d.leaseMu.RUnlock()
	return d.lease
}

func seed(arn string) rand.Source {
	h := fnv.New64a()
	h.Write([]byte(arn))
	return rand.NewPCG(h.Sum64(), 0x5ba7_0de1_c0ff_ee00)
}

func (d *Durable) config(rec *store.Execution) interpreter.Config {
	mt := metaOf(rec)
	return interpreter.Config{
		ExecutionARN: rec.ARN, ExecutionName: rec.Name, StateMachineARN: rec.StateMachineARN, StateMachineName: mt.StateMachineName,
		// The redrive count starts at zero: replaying the journal's redrives
		// counts them again.
		RoleARN: rec.RoleARN, Region: mt.Region, PayloadLimit: mt.PayloadLimit, MaxEvents: mt.MaxEvents, TraceHeader: mt.TraceHeader, Random: seed(rec.ARN), Tokens: d.tokens,
	}
}

// StartedBy reads the execution that started an execution through a
// nested workflow ("" for one started otherwise).
func StartedBy(rec *store.Execution) string { return metaOf(rec).StartedBy }

// TestCaseOf reads the test case an execution runs ("" for none).
func TestCaseOf(rec *store.Execution) string { return metaOf(rec).TestCase }

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
	MaxEvents        int64 // the largest history (0: AWS's 25,000), kept with the execution so replays agree
	// TraceHeader is the trace its starter was in (X-Ray's
	// Root=...;Parent=... or W3C's traceparent), for its spans.
	TraceHeader string
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
	defer clock.Hold(d.clock)()
	m, err := d.compile(req.Definition)
	if err != nil {
		return nil, err
	}
	mt, err := json.Marshal(meta{StateMachineName: req.StateMachineName, Region: req.Region, PayloadLimit: req.PayloadLimit, MaxEvents: req.MaxEvents, TraceHeader: req.TraceHeader, Parent: req.Parent,
		StartedBy: req.StartedBy, TestCase: req.TestCase})
	if err != nil {
		return nil, err
	}
	now := d.clock.Now()
	l := &live{arn: req.ExecutionARN}
	l.rec = store.Execution{
		ARN: req.ExecutionARN, StateMachineARN: req.StateMachineARN, VersionARN: req.VersionARN, AliasARN: req.AliasARN,
		Name: req.Name, Status: "RUNNING", Input: req.Input, Start: now, Definition: req.Definition, RoleARN: req.RoleARN, Meta: mt,
	}
	l.ex = interpreter.New(m, d.config(&l.rec))
	entries := []entry{{Kind: kindStart, Time: now.UnixNano(), Data: json.RawMessage(req.Input)}}
	cmds := apply(l.ex, &entries[0])
	l.mu.Lock()
	defer l.mu.Unlock()
	st, events, err := d.step(l, entries, cmds, true, now)
	if err != nil {
		return nil, err
	}
	if err := d.commitStep(ctx, st); err != nil {
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
	d.after(l, entries, cmds, events)
	return &rec, nil
}

// StopExecution aborts a running execution. It does not wait for a
// replay: an execution being rebuilt from its journal (a recovery at work
// on it), or one whose journal cannot be replayed, is stopped in the store
// alone (halt).
func (d *Durable) StopExecution(ctx context.Context, arn, errName, cause string) error {
	if l := d.peek(arn); l != nil && l.loading.Load() {
		return d.halt(ctx, arn, errName, cause)
	}
	stop := entry{Kind: kindStop, Error: errName, Cause: cause}
	err := d.deliver(ctx, arn, []entry{stop}, nil)
	var re *ReplayError
	if errors.As(err, &re) {
		d.log.Warn("stopping an execution that cannot be replayed", "execution", arn, "error", err)
		err = d.halt(ctx, arn, errName, cause)
	}
	if errors.Is(err, ErrOwnedElsewhere) {
		// Its owner stops it, told at once.
		return d.post(ctx, arn, stop)
	}
	return err
}

// halt stops an execution in the store without its interpreter: a journal
// entry that a replay reads as Halt, and the ExecutionAborted event that
// Halt writes. The write expects the journal position it read, so a step
// written meanwhile (by whoever replays the execution) comes first and the
// stop is tried again after it; the step that comes later finds the
// execution moved and is dropped.
func (d *Durable) halt(ctx context.Context, arn, errName, cause string) error {
	defer clock.Hold(d.clock)()
	for attempt := 0; ; attempt++ {
		rec, err := d.store.GetExecution(ctx, arn)
		if err != nil {
			return err
		}
		if rec.Status != "RUNNING" {
			return ErrExecutionClosed
		}
		lease := d.currentLease()
		ours := rec.Owner == lease // counted in d.counts
		if rec.Owner != lease {
			err := d.store.TakeExecution(ctx, arn, lease, d.clock.Now())
			if errors.Is(err, store.ErrLeaseLost) {
				return ErrOwnedElsewhere
			}
			if err != nil {
				return err
			}
			rec.Owner = lease
		}
		// The journal may hold more than its record says (it is why the
		// execution cannot be replayed): the entry goes after its end.
		journal, err := d.store.Journal(ctx, arn)
		if err != nil {
			return err
		}
		next := rec.Seq + 1
		if n := len(journal); n > 0 {
			next = max(next, journal[n-1].Seq+1)
		}
		now := d.clock.Now()
		data, err := json.Marshal(&entry{Kind: kindHalt, Time: now.UnixNano(), Error: errName, Cause: cause})
		if err != nil {
			return err
		}
		ev := history.Event{Type: history.ExecutionAborted, ID: rec.LastEvent + 1, PreviousID: rec.LastEvent, Time: now.UnixNano(),
			Failure: failure.New(errName, cause)}
		prev := rec.Status
		rec.Status, rec.Stop, rec.Error, rec.Cause = "ABORTED", now, errName, cause
		rec.LastEvent, rec.LastEventType = ev.ID, ev.Type.String()
		st := &store.Step{Execution: *rec, Lease: lease, ExpectSeq: rec.Seq, Now: now, Ended: true,
			Inputs: []store.Input{{Seq: next, JSON: data}}, Events: []store.Event{{ID: ev.ID, JSON: ev.AppendJSON(nil, true)}}}
		if d.notify != nil && prev != rec.Status {
			st.Notices = d.notify(prev, rec, now)
		}
		err = d.commitStep(ctx, st)
		switch {
		case errors.Is(err, store.ErrConflict) && attempt < 10:
			continue
		case errors.Is(err, store.ErrLeaseLost):
			return ErrOwnedElsewhere
		case err != nil:
			return err
		}
		// What memory holds of it is behind the store now: the next to
		// need it loads it again.
		if l := d.peek(arn); l != nil {
			d.forget(l)
		}
		if ours {
			d.counts.move(counted{open: true, idle: rec.Idle}, counted{})
		}
		if d.observe != nil {
			ob := &Observation{ExecutionARN: arn, StateMachineARN: rec.StateMachineARN, Events: []history.Event{ev}, Status: interpreter.Aborted,
				VersionARN: rec.VersionARN, AliasARN: rec.AliasARN, Start: rec.Start, RedriveCount: rec.RedriveCount, TraceHeader: metaOf(rec).TraceHeader}
			if rec.RedriveCount > 0 {
				ob.Start = rec.RedriveDate
			}
			d.observe(ob)
		}
		d.finished(rec)
		return nil
	}
}

// ErrNoSuchTask says that no execution holds the task: the execution named
// by its token does not exist.
var ErrNoSuchTask = errors.New("the task does not exist")

// TaskSucceeded records the output (JSON text) of a task that an outside
// worker or callback completed: task id of the execution arn, read from a
// task token the caller has checked.
func (d *Durable) TaskSucceeded(ctx context.Context, arn string, id int64, output string) error {
	return d.complete(ctx, arn, entry{Kind: kindSucceeded, ID: id, Data: json.RawMessage(output)})
}

// TaskFailed records the failure of such a task.
func (d *Durable) TaskFailed(ctx context.Context, arn string, id int64, errName, cause string) error {
	return d.complete(ctx, arn, entry{Kind: kindFailed, ID: id, Error: errName, Cause: cause})
}

// TaskHeartbeat records a heartbeat of such a task.
func (d *Durable) TaskHeartbeat(ctx context.Context, arn string, id int64) error {
	return d.complete(ctx, arn, entry{Kind: kindHeartbeat, ID: id})
}

func (d *Durable) complete(ctx context.Context, arn string, e entry) error {
	defer clock.Hold(d.clock)()
	if e.Kind != kindHeartbeat && d.park(arn, e) {
		return nil
	}
	err := d.deliverAfterPosted(ctx, arn, e)
	if errors.Is(err, ErrOwnedElsewhere) {
		// Its owner records it, told at once.
		err = d.post(ctx, arn, e)
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return ErrNoSuchTask
	case errors.Is(err, ErrStale), errors.Is(err, ErrExecutionClosed):
		return ErrStale
	}
	return err
}

// deliverAfterPosted delivers a task's completion. On a store other nodes
// share, a completion of a task whose start is not recorded may have
// overtaken the start itself, posted to the inbox by the node whose poll
// handed the task out (the worker answered before this node applied it):
// the inbox is applied first, so that the history keeps their order.
func (d *Durable) deliverAfterPosted(ctx context.Context, arn string, e entry) error {
	l, err := d.acquire(ctx, arn)
	if err != nil {
		return err
	}
	defer l.mu.Unlock()
	startAwaited := check(&entry{Kind: kindStarted, ID: e.ID})
	if d.signals != nil && l.ex != nil && !l.closed && startAwaited(l.ex) {
		if err := d.drainLocked(ctx, l); err != nil {
			return err
		}
	}
	return d.deliverLocked(ctx, l, []entry{e}, check(&e))
}
