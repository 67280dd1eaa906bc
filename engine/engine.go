package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/baton-sh/baton/arn"
	"github.com/baton-sh/baton/clock"
	"github.com/baton-sh/baton/driver"
	"github.com/baton-sh/baton/intrinsic"
	"github.com/baton-sh/baton/machine"
	"github.com/baton-sh/baton/mock"
	"github.com/baton-sh/baton/resource"
	"github.com/baton-sh/baton/resource/nested"
	"github.com/baton-sh/baton/store"
	"github.com/baton-sh/baton/token"
)

// Options configures an Engine.
type Options struct {
	// Store keeps state machines, activities and Standard executions. Without
	// one the engine runs executions in-process only (Load, Run): baton run,
	// baton test and the Go API.
	Store store.Store
	// Resources serves Task states (functions, HTTP Tasks, Go handlers). The
	// engine adds nested workflows and the aws-sdk:sfn callbacks to it.
	Resources *resource.Registry
	Clock     clock.Clock
	Logger    *slog.Logger
	// Account is the account id in ARNs (default 123456789012); Region the
	// region of in-process runs (default us-east-1; the API takes the
	// caller's).
	Account, Region string
	// PayloadLimit is the largest execution input and state output in bytes
	// (default 262,144, AWS's).
	PayloadLimit int
	// Notify, when set, makes the notices (webhooks' messages) a status
	// change of a durable execution owes; they are written with the change.
	Notify func(prev string, rec *store.Execution, now time.Time) []store.Notice
	// TraceTask, when set, names the span of a task of a traced execution,
	// for the HTTP calls the task makes (traceparent).
	TraceTask driver.TraceTask
	// MaxEvents bounds the history of an execution (default AWS's 25,000
	// for one that keeps its history).
	MaxEvents int64
	// MaxPoll is how long GetActivityTask waits for a task (default 60 s,
	// AWS's).
	MaxPoll time.Duration
	// Mocks answers the tasks of executions that run one of its test cases.
	Mocks *mock.Config
	// ExpressHistory keeps finished Express executions and their histories
	// in the store, for DescribeExecution and GetExecutionHistory (AWS
	// keeps none; this is for looking at them while developing).
	ExpressHistory bool
	// CompileCache bounds the compiled definitions kept (default 1,000).
	CompileCache int
	// MaxLive bounds the Standard executions kept in memory (default
	// 10,000); the others wait in the store.
	MaxLive int
	// Node names this node for its lease on executions, and LeaseDuration
	// is how long the lease lasts unless renewed (defaults "local", 10 s).
	Node          string
	LeaseDuration time.Duration
	// Tokens makes and checks task tokens. Default: with a store, a key
	// whose secret the store keeps (created on first start); without, a
	// random key.
	Tokens *token.Key
	// Children are the state machines that nested workflows of in-process
	// runs start, by name: their definition files.
	Children map[string]string
	// ChildDefinitions are more of them, given by their definitions: the
	// other state machines of an infrastructure file. Children wins for a
	// name both have.
	ChildDefinitions map[string]ChildDefinition
	// NoExternalCallbacks says that nothing outside the process can call
	// back into in-process runs (baton run): a .waitForTaskToken task fails
	// at once, but for a nested execution's.
	NoExternalCallbacks bool
}

// Engine is the one door to Baton's executions: the API, the console, the
// command line and the Go API all go through it. See the package doc.
type Engine struct {
	o         Options
	store     *resourceCache // nil without a store
	durable   *driver.Durable
	clock     clock.Clock
	log       *slog.Logger
	resources *resource.Registry
	tokens    *token.Key
	machines  *compileCache
	obs       observers
	callbacks *driver.Callbacks
	children  *children
	express   *expressRunner
	plain     *driver.Local // the driver of in-process runs without a test case or observers
	// deleting holds the state machines DeleteStateMachine marked DELETING
	// while their executions end (ARN -> true).
	deleting sync.Map
	bg       sync.WaitGroup // the engine's own loops
	// polls holds when a worker last polled each activity on this node
	// (activity ARN -> *atomic.Int64 of Unix nanoseconds), for the console.
	polls sync.Map
	// pollers counts the GetActivityTask calls in flight per activity
	// (activity ARN -> *atomic.Int64), for metrics.
	pollers sync.Map
	// outage logs the store's unavailability (a full disk) once per outage.
	outage store.Outage
	// ctx ends when the engine closes: work in the background stops then.
	ctx    context.Context
	cancel context.CancelFunc
	// drained ends once the server stops taking work: long polls end.
	drained context.Context
	drain   context.CancelFunc
}

// New makes an engine. With a store, call Start before serving.
func New(ctx context.Context, o Options) (*Engine, error) {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Resources == nil {
		o.Resources = resource.NewRegistry()
	}
	if o.Account == "" {
		o.Account = "123456789012"
	}
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	if o.PayloadLimit <= 0 {
		o.PayloadLimit = DefaultPayloadLimit
	}
	if o.MaxPoll <= 0 {
		o.MaxPoll = MaxPoll
	}
	e := &Engine{o: o, clock: o.Clock, log: o.Logger, resources: o.Resources, machines: newCompileCache(o.CompileCache),
		callbacks: driver.NewCallbacks()}
	e.outage.Log = o.Logger
	e.ctx, e.cancel = context.WithCancel(context.Background())
	e.drained, e.drain = context.WithCancel(context.Background())
	e.tokens = o.Tokens
	if e.tokens == nil && o.Store != nil {
		secret, err := o.Store.Secret(ctx, "task-token-key", token.NewSecret())
		if err != nil {
			return nil, fmt.Errorf("the task token key: %w", err)
		}
		if e.tokens, err = token.NewKey(secret); err != nil {
			return nil, err
		}
	}
	if e.tokens == nil {
		e.tokens = token.RandomKey()
	}
	e.children = newChildren(e, o.Children)
	e.children.defs = o.ChildDefinitions
	e.plain = &driver.Local{Resources: e.resources, Clock: e.clock, Callbacks: e.callbacks, NoExternalCallbacks: o.NoExternalCallbacks}
	e.express = &expressRunner{e: e}
	// Nested workflows start their children here, and tasks complete other
	// tasks by their token here.
	(&nested.Resource{Starter: starter{e}}).Register(e.resources)
	e.registerCallbacks()
	if o.Store != nil {
		e.store = newResourceCache(o.Store, o.Clock.Now)
		signals, _ := o.Store.(store.Signals)
		e.durable = driver.NewDurable(driver.DurableOptions{Signals: signals,
			Store: e.store, Resources: e.resources, Clock: o.Clock, Logger: o.Logger, MaxLive: o.MaxLive, Mocks: o.Mocks,
			Tokens: e.tokens, Compile: e.machines.compile, Observe: e.observeStep, OnFinish: e.childFinished, Terminate: e.terminates, Outage: &e.outage,
			Node: o.Node, LeaseDuration: o.LeaseDuration, Notify: o.Notify, TraceTask: o.TraceTask,
		})
	}
	return e, nil
}

// Start takes this node's lease and recovers the executions that need it:
// those left open by the previous run, and those of nodes whose lease ran
// out. Call it once, before serving.
func (e *Engine) Start(ctx context.Context) error {
	if e.durable == nil {
		return nil
	}
	if err := e.resumeDeletions(ctx); err != nil {
		return fmt.Errorf("state machines being deleted: %w", err)
	}
	if err := e.durable.Start(ctx); err != nil {
		return err
	}
	var err error
	e.deleting.Range(func(sm, _ any) bool {
		_, err = e.finishDeletion(ctx, sm.(string))
		return err == nil
	})
	if e.store.shared {
		// Other nodes delete state machines too: their executions here
		// end at their next transition once this node knows.
		e.bg.Go(e.watchDeletions)
	}
	return err
}

// Drain ends the engine's long polls (GetActivityTask answers no task at
// once): the first thing a server that is stopping does, so that its
// pollers are not kept waiting a minute for its shutdown.
func (e *Engine) Drain() { e.drain() }

// Close stops the engine: Standard executions stop where they are (their
// state is durable) and carry on at the next Start.
func (e *Engine) Close() {
	e.drain()
	e.cancel()
	if e.durable != nil {
		e.durable.Close()
	}
	e.children.stopAll()
	e.express.wait()
	e.bg.Wait()
}

// Ready reports whether the engine can serve: its store answers.
func (e *Engine) Ready(ctx context.Context) error {
	if e.store == nil {
		return nil
	}
	_, err := e.store.ListResources(ctx, store.KindActivity, "", store.Page{Limit: 1})
	return err
}

// Unavailable reports whether err says the store cannot write for now
// (its disk is full): a call may be tried again later. The first such
// error of an outage is logged.
func (e *Engine) Unavailable(err error) bool { return e.outage.Failed(err) }

// OwnedElsewhere says that err is a refusal because another node's live
// lease holds the execution asked about. It passes: the owner's lease
// lapses if it died (and this node takes the execution over), so the
// caller may retry.
func OwnedElsewhere(err error) bool { return errors.Is(err, driver.ErrOwnedElsewhere) }

// Account is the account id in the engine's ARNs.
func (e *Engine) Account() string { return e.o.Account }

// The defaults of AWS's limits.
const (
	// DefaultPayloadLimit is AWS's limit on an execution's input and a
	// state's output: 256 KiB.
	DefaultPayloadLimit = 262144
	// MaxPoll is how long GetActivityTask waits for a task, as on AWS.
	MaxPoll = 60 * time.Second
	// MaxExpressDuration is AWS's limit on an Express execution.
	MaxExpressDuration = 5 * time.Minute
	// MaxTestDuration is AWS's limit on a TestState call.
	MaxTestDuration = 5 * time.Minute
)

var errNoStore = errors.New("this engine runs in-process only: it has no store")

func (e *Engine) needStore() error {
	if e.store == nil {
		return errNoStore
	}
	return nil
}

func (e *Engine) compile(def string) (*machine.Machine, error) { return e.machines.compile(def) }

// NewUUID returns a random UUID (version 4), as AWS's names, execution
// ids and request ids are.
func NewUUID() string {
	return intrinsic.UUID(rand.NewPCG(rand.Uint64(), rand.Uint64()))
}

// parseARN checks an ARN argument and its kind.
func parseARN(field, text string, kinds ...arn.Kind) (arn.ARN, error) {
	if text == "" {
		return arn.ARN{}, missing(field)
	}
	a, err := arn.Parse(text)
	if err != nil {
		return arn.ARN{}, invalidArn("Invalid ARN prefix: %s", text)
	}
	for _, k := range kinds {
		if a.Kind == k {
			return a, nil
		}
	}
	return arn.ARN{}, invalidArn("Resource type not valid in this context: %s", a.Kind)
}
