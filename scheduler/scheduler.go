// Package scheduler fires schedules in baton serve: each enabled schedule
// starts one execution per due time, across restarts and across the nodes
// that share a store.
//
// The schedules are declared in files (trigger.Schedule); the store keeps,
// per schedule, the next due time not yet fired (store.ScheduleRecord).
// A turn of the runner claims the records whose time has come
// (ClaimSchedules: one node at a time), starts each one's execution, and
// moves its due time on under the claim (UpdateSchedule). The execution's
// name is made from the schedule's name and the due time (ExecutionName),
// so a node that crashed after starting it and before moving on starts it
// again on its next turn and is told it exists: the due time fires once.
//
// A due time is late once its flexible window and a grace period (a
// minute) have passed: no server ran then, or none could start it. A late
// due time is dealt with by the schedule's Missed policy: FireOnce starts
// one execution, for the latest late due time, and Skip starts none; the
// schedule then carries on from the next due time.
//
// The runner talks to the engine only through StartExecution, and reads
// time only from its clock.
package scheduler

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/baton-sh/baton/arn"
	"github.com/baton-sh/baton/clock"
	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/schedule"
	"github.com/baton-sh/baton/store"
	"github.com/baton-sh/baton/trigger"
	"github.com/baton-sh/baton/value"
)

// Starter starts executions: the engine.
type Starter interface {
	StartExecution(ctx context.Context, in *engine.StartExecutionInput) (*engine.StartExecutionOutput, error)
}

// Options configure a Runner.
type Options struct {
	Store  store.ScheduleStore
	Engine Starter
	Clock  clock.Clock
	Logger *slog.Logger
	// Node names this node in claims (default "local").
	Node string
	// Account and Region make the ARN of a state machine given by name,
	// and of the schedules (defaults 123456789012 and us-east-1, the
	// engine's).
	Account, Region string
	// Grace is how long after its window a due time may still start
	// before it counts as missed (default a minute).
	Grace time.Duration
	// Poll is the longest the runner waits before it looks at the store
	// again (default 10 s): another node may have changed a schedule.
	Poll time.Duration
	// ClaimFor is how long a claim holds (default a minute): a node that
	// dies holding one delays that due time by as much.
	ClaimFor time.Duration
	// MaxAttempts bounds the starts tried for one due time when they fail
	// for a reason that may pass (the state machine does not exist yet,
	// the store is unavailable); they are retried after 1 s, 2 s, 4 s...
	// up to a minute apart. Default 10.
	MaxAttempts int
	// Started, when set, is called once an execution started and before
	// the runner records it: tests crash the process there.
	Started func(schedule string, due time.Time)
}

// Runner fires the schedules it was given. Its methods are safe for
// concurrent use.
type Runner struct {
	o       Options
	log     *slog.Logger
	entries map[string]*entry
	names   []string // sorted

	mu     sync.Mutex // guards the entries' rec and sched
	cancel context.CancelFunc
	done   chan struct{}
}

// entry is a declared schedule, checked, with what the store said of it.
type entry struct {
	decl   trigger.Schedule
	fp     string
	window schedule.Window
	seed   uint64
	target string // the state machine's (version's, alias's) ARN
	arn    string // the schedule's
	// sched is the expression parsed with the start the store holds for
	// it (a rate without a start counts from when it was first seen).
	sched *schedule.Schedule
	seen  time.Time
	rec   *store.ScheduleRecord
}

// New checks the schedules and makes a runner for them. Errors name the
// schedule and where it was declared.
func New(decls []trigger.Schedule, o Options) (*Runner, error) {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	o.Node = cmp.Or(o.Node, "local")
	o.Account = cmp.Or(o.Account, "123456789012")
	o.Region = cmp.Or(o.Region, "us-east-1")
	o.Grace = cmp.Or(o.Grace, time.Minute)
	o.Poll = cmp.Or(o.Poll, 10*time.Second)
	o.ClaimFor = cmp.Or(o.ClaimFor, time.Minute)
	o.MaxAttempts = cmp.Or(o.MaxAttempts, 10)
	r := &Runner{o: o, log: o.Logger, entries: map[string]*entry{}}
	var problems []string
	for _, d := range decls {
		e, err := r.check(d)
		if err != nil {
			where := "schedule " + strconv.Quote(d.Name)
			if d.Source != "" {
				where = d.Source
			}
			problems = append(problems, where+": "+err.Error())
			continue
		}
		if _, dup := r.entries[d.Name]; dup {
			problems = append(problems, fmt.Sprintf("schedule %q is declared twice", d.Name))
			continue
		}
		r.entries[d.Name] = e
		r.names = append(r.names, d.Name)
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "; "))
	}
	slices.Sort(r.names)
	return r, nil
}

// check reads a declaration.
func (r *Runner) check(d trigger.Schedule) (*entry, error) {
	if d.Name == "" {
		return nil, errors.New("a schedule needs a name")
	}
	s, err := schedule.Parse(d.Expression, schedule.Options{Timezone: d.Timezone, Start: d.Start, End: d.End})
	if err != nil {
		return nil, err
	}
	w := Window(d.WindowMinutes)
	if err := w.Validate(); err != nil {
		return nil, err
	}
	target, err := r.targetARN(d.StateMachine)
	if err != nil {
		return nil, err
	}
	e := &entry{decl: d, window: w, seed: schedule.Seed(d.Name), target: target, sched: s,
		arn: scheduleARN("aws", r.o.Region, r.o.Account, d.Name)}
	e.fp = fingerprint(d)
	if d.Input != "" {
		// Checked with its context attributes replaced, as it will start.
		if _, err := value.ParseString(e.input(time.Unix(0, 0), 1)); err != nil {
			return nil, fmt.Errorf("the input is not JSON: %v", err)
		}
	}
	return e, nil
}

// Window is the flexible window of a schedule given in minutes (0: OFF).
func Window(minutes int) schedule.Window {
	if minutes == 0 {
		return schedule.Window{Mode: "OFF"}
	}
	return schedule.Window{Mode: "FLEXIBLE", MaximumWindowInMinutes: minutes}
}

// targetARN is the ARN of the state machine a schedule names: an ARN as
// written, or a name in the runner's account and region.
func (r *Runner) targetARN(sm string) (string, error) {
	if sm == "" {
		return "", errors.New("a schedule needs a state machine to start")
	}
	if strings.HasPrefix(sm, "arn:") {
		a, err := arn.Parse(sm)
		if err != nil || (a.Kind != arn.StateMachine && a.Kind != arn.Version && a.Kind != arn.Alias) {
			return "", fmt.Errorf("%q is not the ARN of a state machine, a version or an alias", sm)
		}
		return sm, nil
	}
	if !arn.ValidName(sm) {
		return "", fmt.Errorf("%q is not a state machine's name", sm)
	}
	return arn.ARN{Partition: "aws", Region: r.o.Region, Account: r.o.Account, Kind: arn.StateMachine, Name: sm}.String(), nil
}

// fingerprint identifies what decides a schedule's due times. Its target
// and input are not part of it: changing them changes what the next due
// time starts, not when.
func fingerprint(d trigger.Schedule) string {
	var b strings.Builder
	for _, part := range []string{d.Expression, d.Timezone, stamp(d.Start), stamp(d.End), strconv.Itoa(d.WindowMinutes), strconv.FormatBool(d.Disabled)} {
		b.WriteString(part)
		b.WriteByte(0)
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:16])
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return strconv.FormatInt(t.UnixNano(), 10)
}

// parsed returns the schedule's expression as due times follow it for a
// record first seen at seen. e's lock (r.mu) is held.
func (e *entry) parsed(seen time.Time) *schedule.Schedule {
	if e.sched.Kind() != schedule.Rate || !e.decl.Start.IsZero() || e.seen.Equal(seen) {
		return e.sched
	}
	// A rate without a start counts from when the schedule was first seen:
	// AWS "begins invoking the target immediately".
	s, err := schedule.Parse(e.decl.Expression, schedule.Options{Timezone: e.decl.Timezone, Start: seen, End: e.decl.End})
	if err != nil { // parsed once already: only an End before seen can fail
		return e.sched
	}
	e.sched, e.seen = s, seen
	return s
}

// fresh is the record of a schedule first seen (or changed) at now: its
// first due time is the first at or after now.
func (e *entry) fresh(now time.Time) *store.ScheduleRecord {
	rec := &store.ScheduleRecord{Name: e.decl.Name, Fingerprint: e.fp, Seen: now}
	if !e.decl.Disabled {
		if due, ok := e.parsed(now).Next(now.Add(-time.Nanosecond)); ok {
			rec.Due, rec.FireAt = due, e.window.Pick(due, e.seed)
		}
	}
	return rec
}

// after returns the due time following due and when to fire it.
func (e *entry) after(s *schedule.Schedule, due time.Time) (time.Time, time.Time) {
	next, ok := s.Next(due)
	if !ok {
		return time.Time{}, time.Time{}
	}
	return next, e.window.Pick(next, e.seed)
}

// Sync makes the store's records the runner's schedules: a schedule seen
// for the first time, or whose definition changed, starts afresh from now;
// records of schedules no longer declared are deleted, which stops them.
// Nodes that share a store must declare the same schedules.
func (r *Runner) Sync(ctx context.Context) error {
	now := r.o.Clock.Now()
	for _, name := range r.names {
		e := r.entries[name]
		r.mu.Lock()
		fresh := e.fresh(now)
		r.mu.Unlock()
		rec, err := r.o.Store.SyncSchedule(ctx, fresh)
		if err != nil {
			return fmt.Errorf("schedule %s: %w", name, err)
		}
		if rec.ClaimedBy == r.o.Node && rec.ClaimedUntil.After(now) {
			// Claimed by this node's previous process, which died holding
			// it (one live process per node name: the data folder's lock,
			// or PostgreSQL's HoldNode): no need to wait for it to run out.
			upd := *rec
			upd.ClaimedUntil = time.Time{}
			if err := r.o.Store.UpdateSchedule(ctx, r.o.Node, rec.Due, &upd); err == nil {
				rec = &upd
			} else if !errors.Is(err, store.ErrConflict) {
				return fmt.Errorf("schedule %s: %w", name, err)
			}
		}
		r.mu.Lock()
		e.parsed(rec.Seen)
		e.rec = rec
		r.mu.Unlock()
	}
	all, err := r.o.Store.ListSchedules(ctx)
	if err != nil {
		return err
	}
	for _, rec := range all {
		if _, ok := r.entries[rec.Name]; !ok {
			if err := r.o.Store.DeleteSchedule(ctx, rec.Name); err != nil {
				return err
			}
			r.log.Info("schedule removed: it is no longer declared", "schedule", rec.Name)
		}
	}
	return nil
}

// Turn claims the schedules due at the clock's time and starts their
// executions, and returns when the next turn is due.
func (r *Runner) Turn(ctx context.Context) (time.Time, error) {
	now := r.o.Clock.Now()
	for {
		claims, err := r.o.Store.ClaimSchedules(ctx, r.o.Node, now, now.Add(r.o.ClaimFor), 100)
		if err != nil {
			return now.Add(time.Second), err
		}
		for _, c := range claims {
			r.fire(ctx, c, now)
		}
		if len(claims) < 100 || ctx.Err() != nil {
			break
		}
	}
	wake := now.Add(r.o.Poll)
	next, ok, err := r.o.Store.NextScheduleTime(ctx)
	if err != nil {
		return now.Add(time.Second), err
	}
	if ok && next.Before(wake) {
		wake = next
	}
	return wake, nil
}

// fire deals with the due time of a claimed record.
func (r *Runner) fire(ctx context.Context, c *store.ScheduleRecord, now time.Time) {
	e := r.entries[c.Name]
	if e == nil || e.fp != c.Fingerprint {
		// Another node declares it otherwise (a deployment under way): let
		// that node have it, and look again at the next poll.
		upd := *c
		upd.ClaimedUntil = now.Add(r.o.Poll)
		r.update(ctx, c, &upd)
		return
	}
	r.mu.Lock()
	s := e.parsed(c.Seen)
	r.mu.Unlock()
	upd := *c
	due := c.Due
	window := time.Duration(e.window.MaximumWindowInMinutes) * time.Minute
	if c.Attempts == 0 && now.After(due.Add(window+r.o.Grace)) {
		// Missed: no server started it in its window.
		last := latest(s, due, now.Add(-window-r.o.Grace))
		if e.decl.Missed == trigger.Skip {
			upd.Due, upd.FireAt = e.after(s, last)
			upd.ClaimedUntil = time.Time{}
			upd.LastError = fmt.Sprintf("due times from %s to %s were missed and skipped", due.UTC().Format(time.RFC3339), last.UTC().Format(time.RFC3339))
			r.log.Warn("schedule missed due times: skipped", "schedule", e.decl.Name, "from", due, "to", last)
			r.update(ctx, c, &upd)
			return
		}
		r.log.Warn("schedule missed due times: firing once, for the latest", "schedule", e.decl.Name, "from", due, "latest", last)
		due = last
	}
	name := ExecutionName(e.decl.Name, due)
	out, err := r.o.Engine.StartExecution(ctx, &engine.StartExecutionInput{StateMachineArn: e.target, Name: name, Input: e.input(due, c.Attempts+1)})
	var started string
	switch {
	case err == nil:
		started = out.ExecutionArn
	case engine.CodeOf(err) == engine.ExecutionAlreadyExists:
		// Started before: by this node before a crash, or by another one
		// whose claim ran out. The due time has fired.
		started = executionARN(e.target, name)
		err = nil
	case ctx.Err() != nil:
		// Shutting down: give the claim back so that the next server
		// need not wait for it to run out.
		upd.Due, upd.FireAt, upd.ClaimedUntil = due, now, time.Time{}
		r.update(ctx, c, &upd)
		return
	case retryable(err) && c.Attempts+1 < r.o.MaxAttempts:
		upd.Due, upd.Attempts, upd.LastError = due, c.Attempts+1, err.Error()
		upd.ClaimedUntil = now.Add(backoff(upd.Attempts))
		r.log.Warn("schedule could not start its execution: will retry", "schedule", e.decl.Name, "due", due, "attempt", upd.Attempts, "error", err)
		r.update(ctx, c, &upd)
		return
	default:
		r.log.Error("schedule could not start its execution: given up", "schedule", e.decl.Name, "due", due, "attempts", c.Attempts+1, "error", err)
	}
	if err == nil && r.o.Started != nil {
		r.o.Started(e.decl.Name, due)
	}
	upd.Due, upd.FireAt = e.after(s, due)
	upd.Attempts, upd.ClaimedUntil = 0, time.Time{}
	upd.LastDue, upd.LastFired, upd.LastExecution, upd.LastError = due, r.o.Clock.Now(), started, ""
	if err != nil {
		upd.LastExecution, upd.LastError = "", err.Error()
	} else {
		r.log.Info("schedule started an execution", "schedule", e.decl.Name, "due", due, "execution", started)
	}
	r.update(ctx, c, &upd)
}

// update writes a record moved on from claim c.
func (r *Runner) update(ctx context.Context, c, upd *store.ScheduleRecord) {
	// Recorded even while shutting down: a start made must be written down,
	// and a claim given back.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	err := r.o.Store.UpdateSchedule(wctx, r.o.Node, c.Due, upd)
	switch {
	case err == nil:
		r.mu.Lock()
		if e := r.entries[c.Name]; e != nil && e.fp == upd.Fingerprint {
			e.rec = upd
		}
		r.mu.Unlock()
	case errors.Is(err, store.ErrConflict):
		// The claim ran out and another node took the due time, or the
		// schedule changed: whatever it starts has this one's name.
		r.log.Debug("schedule moved on elsewhere", "schedule", c.Name, "due", c.Due)
	default:
		// The claim runs out and the due time is tried again; its
		// execution's name keeps the start from repeating.
		r.log.Error("schedule could not be recorded", "schedule", c.Name, "due", c.Due, "error", err)
	}
}

// retryable says whether a start that failed may succeed later: not when
// the request itself is wrong.
func retryable(err error) bool {
	switch engine.CodeOf(err) {
	case engine.InvalidExecutionInput, engine.ValidationException, engine.InvalidArn, engine.InvalidName, engine.StateMachineTypeNotSupported:
		return false
	}
	return true
}

// backoff is the wait before the attempt after the n-th failed one.
func backoff(n int) time.Duration {
	if n > 6 {
		return time.Minute
	}
	return min(time.Second<<(n-1), time.Minute)
}

// executionARN is the ARN of the execution named name of a target.
func executionARN(target, name string) string {
	a, err := arn.Parse(target)
	if err != nil {
		return ""
	}
	return arn.ARN{Partition: a.Partition, Region: a.Region, Account: a.Account, Kind: arn.Execution, Name: a.Name, Qualifier: name}.String()
}

// Run syncs the schedules, then fires them until ctx ends. A store that
// fails is tried again a second later.
func (r *Runner) Run(ctx context.Context) {
	c := r.o.Clock
	release := clock.Hold(c)
	defer func() { release() }()
	wake := c.Now()
	failing := false // logged once per outage, not every second
	for synced := false; ; {
		var err error
		if !synced {
			if err = r.Sync(ctx); err == nil {
				synced = true
			}
		}
		if synced {
			wake, err = r.Turn(ctx)
		} else {
			wake = c.Now().Add(time.Second)
		}
		switch {
		case err != nil && ctx.Err() == nil && !failing:
			r.log.Error("schedules: the store failed; trying again every second", "error", err)
			failing = true
		case err == nil && failing:
			r.log.Info("schedules: the store answers again")
			failing = false
		}
		t := clock.NewTimerAt(c, wake)
		release()
		select {
		case <-t.C:
			release = clock.Hold(c)
			t.Stop()
		case <-ctx.Done():
			t.Stop()
			release = func() {}
			return
		}
	}
}

// Start runs the runner in the background until Close.
func (r *Runner) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel, r.done = cancel, make(chan struct{})
	go func() {
		defer close(r.done)
		r.Run(ctx)
	}()
}

// Close stops a runner started with Start and waits for its turn in
// progress: a start under way is given up and its claim given back.
func (r *Runner) Close() {
	if r.cancel == nil {
		return
	}
	r.cancel()
	<-r.done
}

// Status is what a server says of one of its schedules.
type Status struct {
	Name         string
	Expression   string
	Timezone     string
	StateMachine string // the ARN of what it starts
	Enabled      bool
	Missed       string // "fire-once" or "skip"
	// WindowMinutes is the flexible window (0: OFF).
	WindowMinutes int
	Source        string
	// Next is the next due time (zero: none left), FireAt when its
	// execution starts.
	Next, FireAt time.Time
	// LastDue, LastFired, LastExecution and LastError tell what happened
	// last; Attempts counts failed starts of Next so far.
	LastDue, LastFired time.Time
	LastExecution      string
	LastError          string
	Attempts           int
}

// MissedName is how baton.yaml and the console write a Missed policy.
func MissedName(m trigger.Missed) string {
	if m == trigger.Skip {
		return "skip"
	}
	return "fire-once"
}

// Schedules lists the runner's schedules with what the store holds of
// them, by name.
func (r *Runner) Schedules(ctx context.Context) ([]Status, error) {
	recs, err := r.o.Store.ListSchedules(ctx)
	if err != nil {
		return nil, err
	}
	byName := map[string]*store.ScheduleRecord{}
	for _, rec := range recs {
		byName[rec.Name] = rec
	}
	out := make([]Status, 0, len(r.names))
	for _, name := range r.names {
		e := r.entries[name]
		st := Status{Name: name, Expression: e.decl.Expression, Timezone: cmp.Or(e.decl.Timezone, "UTC"), StateMachine: e.target,
			Enabled: !e.decl.Disabled, Missed: MissedName(e.decl.Missed), WindowMinutes: e.decl.WindowMinutes, Source: e.decl.Source}
		if rec := byName[name]; rec != nil && rec.Fingerprint == e.fp {
			st.Next, st.FireAt, st.Attempts = rec.Due, rec.FireAt, rec.Attempts
			st.LastDue, st.LastFired, st.LastExecution, st.LastError = rec.LastDue, rec.LastFired, rec.LastExecution, rec.LastError
		}
		out = append(out, st)
	}
	return out, nil
}

// NextTimes returns the next n due times of a declared schedule after the
// instant given, computed from its declaration alone (a rate without a
// start counts from after): what baton schedules shows without a server.
func NextTimes(d trigger.Schedule, after time.Time, n int) ([]time.Time, error) {
	start := d.Start
	s, err := schedule.Parse(d.Expression, schedule.Options{Timezone: d.Timezone, Start: start, End: d.End})
	if err != nil {
		return nil, err
	}
	if s.Kind() == schedule.Rate && start.IsZero() {
		if s, err = schedule.Parse(d.Expression, schedule.Options{Timezone: d.Timezone, Start: after, End: d.End}); err != nil {
			return nil, err
		}
	}
	var out []time.Time
	t := after.Add(-time.Nanosecond)
	for len(out) < n {
		next, ok := s.Next(t)
		if !ok {
			break
		}
		out = append(out, next)
		t = next
	}
	return out, nil
}
