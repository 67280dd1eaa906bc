// Package store defines where Baton keeps what must survive a restart:
// state machines and the other named resources, executions, their history
// and the journal of what happened to them, durable timers and activity
// tasks.
//
// Every driver (store/sqlite, the embedded default; store/postgres)
// implements Store and passes the suite in store/storetest. Callers branch
// only on the typed errors below.
package store

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Typed errors.
var (
	// ErrNotFound: no record has that key.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict: a record with that key exists already, or a conditional
	// write found the record changed: another writer got there first.
	ErrConflict = errors.New("store: conflict")
	// ErrLeaseLost: the writer does not hold the execution's lease (another
	// node took it over, or the writer's own lease is stale).
	ErrLeaseLost = errors.New("store: lease lost")
)

// Lease is a node's right to advance the executions it owns. A node
// registers (RegisterNode) and renews its lease while it runs; every
// execution it owns names it (node and epoch), and every write to an
// execution names the lease it was made under, so a node that lost an
// execution, or an older incarnation of the same node, cannot write it.
type Lease struct {
	Node  string
	Epoch int64 // the node's incarnation: each RegisterNode makes a new one
}

// Resource kinds kept in the resource table.
const (
	KindStateMachine = "stateMachine"
	KindVersion      = "version"
	KindAlias        = "alias"
	KindActivity     = "activity"
)

// Resource is a named, rarely written record: a state machine, one of its
// versions or aliases, or an activity. Body is the API layer's JSON; the
// store does not look inside it.
type Resource struct {
	ARN     string
	Kind    string
	Parent  string // the state machine of a version or alias
	Name    string
	Created time.Time
	Body    []byte
	Tags    map[string]string
}

// Page asks for one page of a list.
type Page struct {
	Limit int    // at most this many records (0: the driver's default of 100)
	After string // the key of the last record of the previous page
}

// Execution is the queryable summary of an execution. Input and output are
// JSON text; Status is AWS's (RUNNING, SUCCEEDED, FAILED, TIMED_OUT,
// ABORTED, PENDING_REDRIVE).
type Execution struct {
	ARN             string
	StateMachineARN string // the state machine, even when started through a version or alias
	VersionARN      string
	AliasARN        string
	Name            string
	Express         bool
	Status          string
	Input           string
	Output          string
	HasOutput       bool
	Error           string
	Cause           string
	Start           time.Time
	Stop            time.Time // zero while running
	RedriveCount    int
	RedriveDate     time.Time
	// Definition is the definition the execution runs (the state machine's,
	// its version's or the one an alias routed to), kept so that a later
	// update of the state machine does not change a running execution.
	Definition string
	RoleARN    string
	// Meta is the driver's own JSON about the execution (its configuration),
	// opaque to the store.
	Meta []byte
	// Owner is the lease of the node that advances the execution (the zero
	// Lease for none), and Seq the journal position of its last write.
	// Both are set by Commit; the fields are read, never written, by the
	// caller.
	Owner Lease
	Seq   int64
	// LastEvent and LastEventType are the id and type of the last history
	// event: what a replay of the journal must give back.
	LastEvent     int64
	LastEventType string
	// Idle says that no task of the execution is in flight: it waits only
	// on its timers, which wake it. Recovery need not rebuild it.
	Idle bool
	// Key is the store's own key of the execution, set when it is read:
	// lists of executions continue after it (ExecutionCursor).
	Key int64
}

// ExecutionFilter selects executions for ListExecutions.
type ExecutionFilter struct {
	// StateMachineARN is a state machine's, a version's or an alias's ARN
	// (ListBy says which: a version's and an alias's executions are filed
	// under them, not under their state machine).
	StateMachineARN string
	ListBy          ListBy
	Status          string // "" for all
	// Redriven selects executions redriven at least once (true) or never
	// (false); nil selects both.
	Redriven *bool
}

// ExecutionSearch selects executions for SearchExecutions (the console's
// list). Every field is optional; the filters given all apply.
type ExecutionSearch struct {
	// StateMachineARN and ListBy are as in ExecutionFilter: a state
	// machine's ARN selects all its executions, whatever version or alias
	// started them.
	StateMachineARN string
	ListBy          ListBy
	Status          string
	// StartedAfter selects executions started at or after it,
	// StartedBefore those started before it (zero: no bound).
	StartedAfter, StartedBefore time.Time
	// NamePrefix selects executions whose name begins with it.
	NamePrefix string
	// Text selects executions whose input, output, error or cause holds
	// it, ASCII letters matching in either case.
	Text string
}

// TaskCounts counts the tasks of an activity: waiting for a worker, and
// held by one.
type TaskCounts struct {
	Waiting, InFlight int
}

// ListBy is what an ExecutionFilter's StateMachineARN names.
type ListBy int

const (
	ByStateMachine ListBy = iota
	ByVersion
	ByAlias
)

// Event is one history event in its JSON form.
type Event struct {
	ID   int64
	JSON []byte
}

// Input is one entry of an execution's journal: what the driver handed the
// interpreter, in order. Replaying the journal rebuilds an execution.
type Input struct {
	Seq  int64
	JSON []byte
}

// Timer is a durable timer of an execution.
type Timer struct {
	ExecutionARN string
	ID           int64
	Due          time.Time
}

// ActivityTask is a task waiting for, or held by, an activity worker.
type ActivityTask struct {
	Token        string
	ActivityARN  string
	ExecutionARN string
	TaskID       int64
	Input        string
	Created      time.Time
	// Worker and Claimed are set once a worker took the task.
	Worker  string
	Claimed time.Time
}

// Step is everything one interpreter step changes, written in one
// transaction: the execution's new summary, the journal entries that caused
// the step, the history events it wrote, and the timers and activity tasks
// it armed or dropped.
type Step struct {
	Execution Execution
	// Create inserts the execution (ErrConflict when its ARN exists), owned
	// by Lease; otherwise the execution is updated, if Lease owns it
	// (else ErrLeaseLost) and its journal ends at ExpectSeq (else
	// ErrConflict: another write came first).
	Create       bool
	Lease        Lease
	ExpectSeq    int64
	Now          time.Time
	Inputs       []Input
	Events       []Event
	AddTimers    []Timer
	DeleteTimers []int64
	AddTasks     []ActivityTask
	DeleteTasks  []string // tokens
	// Ended deletes every timer and activity task of the execution: it
	// ended without the interpreter that knows which it has.
	Ended bool
	// Notices are messages owed to the world because of the step (an
	// execution's status change for a webhook), written with it.
	Notices []Notice
	// ClaimTasks hands activity tasks to workers in the step that records
	// their start: each must be unclaimed, else the step fails with
	// ErrConflict (another poll took it first). A worker's claim then costs
	// no transaction of its own.
	ClaimTasks []TaskClaim
	// TakeInbox deletes the execution's posted inputs of these ids: the
	// step applies them. Each must still be there, else the step fails with
	// ErrConflict (another step applied it first).
	TakeInbox []int64
	// ClearInbox deletes whatever else is posted for the execution (after
	// TakeInbox): it ended, or a redrive starts a new run.
	ClearInbox bool
}

// Posted is an input another node received for an execution (a task's
// result, a stop, an activity task's start), kept until the execution's
// owner applies it. Body is the driver's own JSON.
type Posted struct {
	ID           int64
	ExecutionARN string
	Body         []byte
	At           time.Time
}

// Notice is a message owed to a target (a webhook's URL): written with the
// step that made it, deleted once delivered, retried at Due until then.
type Notice struct {
	ID       int64 // set by the store
	Target   string
	Body     []byte
	Created  time.Time
	Due      time.Time
	Attempts int
}

// TaskClaim gives the activity task of a token to a worker.
type TaskClaim struct {
	Token  string
	Worker string
	At     time.Time
}

// Store is the persistence every driver implements. Methods are safe for
// concurrent use.
type Store interface {
	// Resources.
	PutResource(ctx context.Context, r *Resource, create bool) error // create: ErrConflict if the ARN exists; else ErrNotFound if it does not
	GetResource(ctx context.Context, arn string) (*Resource, error)
	DeleteResource(ctx context.Context, arn string) error
	// ListResources lists resources of a kind (and parent, when given) in
	// ARN order.
	ListResources(ctx context.Context, kind, parent string, page Page) ([]*Resource, error)

	// Executions.
	// Commit applies steps, each atomically; it commits them together when
	// it can (group commit). A step that fails (ErrConflict on Create)
	// leaves the others applied: errs[i] is step i's outcome.
	Commit(ctx context.Context, steps []*Step) (errs []error)
	GetExecution(ctx context.Context, arn string) (*Execution, error)
	// ListExecutions lists executions newest first (by start time, then
	// key). Listing those of a state machine, version or alias takes a time
	// that does not grow with the number of executions.
	ListExecutions(ctx context.Context, f ExecutionFilter, page Page) ([]*Execution, error)
	// SearchExecutions lists the executions a search selects, newest first
	// (by start time, then key; Page.After is an ExecutionCursor). The
	// records are summaries: they carry no Input, Output, Definition or
	// Meta. A page filtered by no more than state machine, status and
	// time costs the same whatever the store holds; with NamePrefix or Text
	// the search reads executions in order until the page is full.
	SearchExecutions(ctx context.Context, s ExecutionSearch, page Page) ([]*Execution, error)
	// CountExecutions counts the executions started at or after since, by
	// state machine ARN (their StateMachineARN) and status. Pairs with none
	// are absent.
	CountExecutions(ctx context.Context, since time.Time) (map[string]map[string]int, error)
	// Events returns history events with ids after `after`, ascending, or
	// before `after` (0: the end) descending when reverse is set.
	Events(ctx context.Context, executionARN string, after int64, limit int, reverse bool) ([]Event, error)
	Journal(ctx context.Context, executionARN string) ([]Input, error)

	// Leases.
	// RegisterNode starts a new incarnation of a node, whose lease runs
	// until expires. The executions of its earlier incarnations are free to
	// be claimed at once.
	RegisterNode(ctx context.Context, node string, now, expires time.Time) (Lease, error)
	// RenewLease extends a lease (ErrLeaseLost when the node registered
	// again since).
	RenewLease(ctx context.Context, l Lease, expires time.Time) error
	// ReleaseLease ends a lease now, so that other nodes may take its
	// executions at once.
	ReleaseLease(ctx context.Context, l Lease) error
	// ClaimExecutions gives l the running Standard executions whose owner's
	// lease has expired or ended (or that have none) and returns them, at
	// most limit of them: their ARN, status, owner, journal position and
	// whether they are idle (what recovery decides on; it reads the
	// records of those it rebuilds).
	ClaimExecutions(ctx context.Context, l Lease, now time.Time, limit int) ([]*Execution, error)
	// TakeExecution gives l one running execution, unless another node's
	// lease that has not expired holds it (ErrLeaseLost); an ended one it
	// gives whoever holds it (a redrive runs it again on the node asked).
	// Taking one that l holds already does nothing. Epochs are unique
	// across nodes, so that a claim made under one names its incarnation.
	TakeExecution(ctx context.Context, arn string, l Lease, now time.Time) error

	// Timers.
	// ClaimTimers claims the timers due at now of the executions l owns that
	// nobody has claimed (or whose claim ran out), until the time until,
	// earliest first: two claimers never get the same timer at once.
	ClaimTimers(ctx context.Context, l Lease, now, until time.Time, limit int) ([]Timer, error)
	// DropTimer deletes a timer nobody waits for.
	DropTimer(ctx context.Context, executionARN string, id int64) error

	// Activity tasks.
	// ClaimActivityTask gives the oldest unclaimed task of an activity to a
	// worker, or ErrNotFound.
	ClaimActivityTask(ctx context.Context, activityARN, worker string, now time.Time) (*ActivityTask, error)
	GetActivityTask(ctx context.Context, token string) (*ActivityTask, error)
	// ReleaseActivityTask makes a claimed task available again (ErrNotFound
	// if it does not exist, or if its start was posted: PostStart).
	ReleaseActivityTask(ctx context.Context, token string) error
	// ActivityTaskCounts counts the tasks of every activity that has any,
	// by activity ARN.
	ActivityTaskCounts(ctx context.Context) (map[string]TaskCounts, error)

	// Secret returns the secret of that name, storing fresh as the secret
	// if it has none yet: every caller gets the same secret, whoever came
	// first.
	Secret(ctx context.Context, name string, fresh []byte) ([]byte, error)

	// Notices. DueNotices reads those due at now, oldest first;
	// NoticeDelivered deletes one; NoticeFailed counts a failed attempt and
	// sets when to try again.
	DueNotices(ctx context.Context, now time.Time, limit int) ([]Notice, error)
	// ClaimNotices takes the notices due at now, at most limit of them,
	// oldest first, and puts them off until until: a node that shares the
	// store does not send them meanwhile, and they are due again then if
	// the claimer neither delivered them nor counted a failure (it died).
	ClaimNotices(ctx context.Context, now, until time.Time, limit int) ([]Notice, error)
	NoticeDelivered(ctx context.Context, id int64) error
	NoticeFailed(ctx context.Context, id int64, due time.Time) error

	// Inbox: what a node that does not own an execution received for it,
	// for its owner to apply in order.
	// Post keeps an input for an execution and then returns its owner as
	// it stands after the input was kept (ErrNotFound: no such execution):
	// the owner to tell. One that took the execution over later reads its
	// inbox after taking it, so it finds the input. Once the input is kept
	// the answer is no error: a failed read of the owner gives the zero
	// Lease (the owner finds the input at its next look).
	Post(ctx context.Context, arn string, body []byte, now time.Time) (Lease, error)
	// PostStart is Post for the start of an activity task that a worker
	// claimed (ClaimActivityTask): in one transaction, if the claim still
	// holds (else ErrConflict: it was released), the task is marked
	// started and the input kept. ReleaseActivityTask leaves a task so
	// marked alone: its worker has it.
	PostStart(ctx context.Context, arn string, body []byte, claim TaskClaim, now time.Time) (Lease, error)
	// Inbox returns an execution's posted inputs, oldest first.
	Inbox(ctx context.Context, arn string) ([]Posted, error)
	// DropPosted deletes posted inputs that are no longer wanted.
	DropPosted(ctx context.Context, ids []int64) error
	// PostedTo lists the executions that l owns and that have posted
	// inputs, at most limit of them.
	PostedTo(ctx context.Context, l Lease, limit int) ([]string, error)

	// Schedules (store/schedules.go).
	ScheduleStore

	Close() error
}

// ErrUnavailable says that the store cannot write for now: its disk is
// full, or failing. The write may be tried again later; nothing written
// before is lost.
var ErrUnavailable = errors.New("the store cannot write: its disk is full or failing")

// ExecutionCursor is the Page.After value that continues a list of
// executions after e: its start time and its key (executions that started
// at the same time are listed by key, the latest first). Every driver
// reads it with ParseExecutionCursor.
func ExecutionCursor(e *Execution) string {
	return strconv.FormatInt(e.Start.UnixNano(), 10) + "/" + strconv.FormatInt(e.Key, 10)
}

// ParseExecutionCursor reads an ExecutionCursor: the start time in Unix
// nanoseconds and the key, as text.
func ParseExecutionCursor(c string) (int64, string, bool) {
	startText, key, ok := strings.Cut(c, "/")
	start, err := strconv.ParseInt(startText, 10, 64)
	if ok && err == nil {
		_, err = strconv.ParseInt(key, 10, 64)
	}
	return start, key, ok && err == nil
}

// Signals is what a store that several nodes share offers so that a node
// hears at once what it would otherwise find at its next look: that an
// execution it owns has posted inputs, or that an activity it polls for
// has a new task. Drivers check for it; without it they look now and then.
type Signals interface {
	// Wake tells node that an execution it owns has posted inputs.
	Wake(ctx context.Context, node, arn string) error
	// Listen calls inbox with the executions node is told of, and activity
	// with the activities whose tasks other nodes queued, until ctx ends. An
	// empty name says that some may have been missed: look at them all.
	Listen(ctx context.Context, node string, inbox, activity func(arn string)) error
}
