// Package baton runs Amazon States Language state machines inside a Go
// program, with Go functions as the handlers of Task states.
//
//	engine := baton.New()
//	engine.Register("arn:aws:states:::lambda:invoke", func(ctx context.Context, t *baton.Task) (json.RawMessage, error) {
//		return json.RawMessage(`{"ok":true}`), nil
//	})
//	sm, err := engine.Load(definitionJSON)
//	if err != nil { ... } // a *baton.ValidationError lists every problem
//	res, err := sm.Run(ctx, json.RawMessage(`{"order":42}`))
//	fmt.Println(res.Status, string(res.Output))
//
// The same engine runs `baton run` and the server's Express workflows.
package baton

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/baton-sh/baton/clock"
	"github.com/baton-sh/baton/config"
	"github.com/baton-sh/baton/definition"
	"github.com/baton-sh/baton/driver"
	"github.com/baton-sh/baton/failure"
	"github.com/baton-sh/baton/history"
	"github.com/baton-sh/baton/interpreter"
	"github.com/baton-sh/baton/intrinsic"
	"github.com/baton-sh/baton/machine"
	"github.com/baton-sh/baton/mock"
	"github.com/baton-sh/baton/resource"
	"github.com/baton-sh/baton/resource/httptask"
	"github.com/baton-sh/baton/resource/lambda"
	"github.com/baton-sh/baton/resource/nested"
	"github.com/baton-sh/baton/value"
)

// Engine runs state machines in-process.
type Engine struct {
	resources    *resource.Registry
	callbacks    *driver.Callbacks
	noExternal   bool // nothing outside the process can call back
	mocks        *mock.Config
	clock        clock.Clock
	payloadLimit int
	maxEvents    int64
	region       string
	account      string
	seq          atomic.Uint64
}

// Option configures an Engine.
type Option func(*Engine)

// WithClock sets the clock Wait states, retries and timeouts use.
func WithClock(c clock.Clock) Option { return func(e *Engine) { e.clock = c } }

// WithPayloadLimit raises the largest state input and output, in bytes, from
// AWS's 256 KiB.
func WithPayloadLimit(n int) Option { return func(e *Engine) { e.payloadLimit = n } }

// WithMaxEvents raises the largest history an execution may write from
// AWS's 25,000 events.
func WithMaxEvents(n int64) Option { return func(e *Engine) { e.maxEvents = n } }

// WithRegion sets the region in ARNs (default us-east-1).
func WithRegion(r string) Option { return func(e *Engine) { e.region = r } }

// WithAccount sets the account id in ARNs (default 123456789012).
func WithAccount(a string) Option { return func(e *Engine) { e.account = a } }

// New returns an engine.
func New(opts ...Option) *Engine {
	e := &Engine{resources: resource.NewRegistry(), callbacks: driver.NewCallbacks(), clock: clock.Real{}, region: "us-east-1", account: "123456789012"}
	e.callbackResources()
	(&nested.Resource{Starter: newChildren(e, nil, "")}).Register(e.resources)
	for _, o := range opts {
		o(e)
	}
	return e
}

// WithConfig serves the Lambda functions a baton.yaml configures (local
// commands, HTTP endpoints, Lambda-API endpoints), for Tasks whose Resource
// is a function's ARN or arn:aws:states:::lambda:invoke, and HTTP Tasks
// (arn:aws:states:::http:invoke) with the connections it configures.
func WithConfig(cfg *config.Config) Option {
	return func(e *Engine) {
		lambda.New(cfg).Register(e.resources)
		httptask.New(cfg).Register(e.resources)
		(&nested.Resource{Starter: newChildren(e, cfg.StateMachines, cfg.Dir)}).Register(e.resources)
	}
}

// WithMocks answers Task states from a mock configuration (AWS's
// MockConfigFile format) in the runs that name a test case (TestCase).
func WithMocks(m *mock.Config) Option { return func(e *Engine) { e.mocks = m } }

// NoCallbacks makes tasks that wait for a callback (.waitForTaskToken)
// fail at once with a clear cause, for runs that nothing outside can call
// back into, such as `baton run`; a nested execution's callback, which its
// child may send, still waits.
func NoCallbacks() Option { return func(e *Engine) { e.noExternal = true } }

// SendTaskSuccess completes a task that waits for a callback (a
// .waitForTaskToken task) with its output, given the token the task
// handed out ($$.Task.Token).
func (e *Engine) SendTaskSuccess(token string, output json.RawMessage) error {
	v, err := value.Parse(output)
	if err != nil {
		return fmt.Errorf("the output is not JSON: %w", err)
	}
	return e.callbacks.Success(token, v)
}

// SendTaskFailure fails a task that waits for a callback.
func (e *Engine) SendTaskFailure(token, errName, cause string) error {
	return e.callbacks.Failure(token, failure.New(errName, cause))
}

// SendTaskHeartbeat reports that the work of a task that waits for a
// callback goes on.
func (e *Engine) SendTaskHeartbeat(token string) error {
	return e.callbacks.Heartbeat(token)
}

// Task is one attempt of a Task state, as a handler sees it.
type Task struct {
	Resource     string
	State        string
	ExecutionARN string
	Token        string // $$.Task.Token, when the state reads the context object
	Input        json.RawMessage
}

// Handler carries out Task states. To fail with a chosen error name (for
// Retry and Catch), return a *TaskError.
type Handler func(ctx context.Context, task *Task) (json.RawMessage, error)

// TaskError fails a task with an error name and cause.
type TaskError = resource.Error

// Register makes h the handler of a Task resource ARN. An ARN ending in '*'
// registers every resource with that prefix.
func (e *Engine) Register(resourceARN string, h Handler) {
	e.resources.Register(resourceARN, resource.Func(func(ctx context.Context, req *resource.Request) (any, error) {
		t := &Task{Resource: req.Resource, State: req.StateName, ExecutionARN: req.ExecutionARN, Token: req.Token,
			Input: json.RawMessage(value.Marshal(req.Input))}
		out, err := h(ctx, t)
		if err != nil {
			return nil, err
		}
		if len(out) == 0 {
			return nil, nil
		}
		v, perr := value.Parse(out)
		if perr != nil {
			return nil, &TaskError{Name: "States.Runtime", Cause: "the task handler returned invalid JSON: " + perr.Error()}
		}
		return v, nil
	}))
}

// ValidationError lists every problem of an invalid definition.
type ValidationError struct {
	Diagnostics definition.Diagnostics
}

func (e *ValidationError) Error() string { return e.Diagnostics.Message() }

// ErrUnsupported marks definitions that use a feature Baton does not run yet.
var ErrUnsupported = machine.ErrUnsupported

// StateMachine is a loaded, validated and compiled definition.
type StateMachine struct {
	engine  *Engine
	machine *machine.Machine
	name    string
	express bool
}

// LoadOption configures Load.
type LoadOption func(*StateMachine)

// Named sets the state machine's name (default "StateMachine").
func Named(name string) LoadOption { return func(sm *StateMachine) { sm.name = name } }

// Express loads the definition as an Express state machine.
func Express() LoadOption { return func(sm *StateMachine) { sm.express = true } }

// Load parses (JSON or YAML), validates and compiles a definition.
func (e *Engine) Load(def []byte, opts ...LoadOption) (*StateMachine, error) {
	sm := &StateMachine{engine: e, name: "StateMachine"}
	for _, o := range opts {
		o(sm)
	}
	typ := "STANDARD"
	if sm.express {
		typ = "EXPRESS"
	}
	doc, diags := definition.Load(def, definition.Options{Type: typ})
	if diags.HasErrors() {
		return nil, &ValidationError{Diagnostics: diags}
	}
	m, err := machine.Compile(doc)
	if err != nil {
		return nil, err
	}
	sm.machine = m
	return sm, nil
}

// Machine returns the compiled machine.
func (sm *StateMachine) Machine() *machine.Machine { return sm.machine }

// ARN returns the state machine's ARN.
func (sm *StateMachine) ARN() string {
	return fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s", sm.engine.region, sm.engine.account, sm.name)
}

// Result is a finished execution.
type Result struct {
	Status        string // SUCCEEDED, FAILED, TIMED_OUT or ABORTED
	Output        json.RawMessage
	Error         string
	Cause         string
	ExecutionARN  string
	StatesEntered int
	events        []history.Event
}

// HistoryJSON returns the execution's events in GetExecutionHistory's shape,
// as a JSON array.
func (r *Result) HistoryJSON() []byte {
	return history.AppendJSONArray(nil, r.events, true)
}

// EventTypes returns the type of every history event, in order.
func (r *Result) EventTypes() []string {
	out := make([]string, len(r.events))
	for i := range r.events {
		out[i] = r.events[i].Type.String()
	}
	return out
}

// StatesEnteredNames returns the name of every state entered, in order,
// nested ones included.
func (r *Result) StatesEnteredNames() []string {
	var out []string
	for i := range r.events {
		if r.events[i].Type.IsStateEntered() {
			out = append(out, r.events[i].Name)
		}
	}
	return out
}

// RunOption configures Run.
type RunOption func(*runConfig)

type runConfig struct {
	name     string
	testCase string
}

// ExecutionName names the execution (default: a new UUID).
func ExecutionName(name string) RunOption { return func(c *runConfig) { c.name = name } }

// TestCase runs the execution as a test case of the engine's mock
// configuration (WithMocks): the states the case names answer from their
// mocked responses. The case is looked up under the state machine's name.
func TestCase(name string) RunOption { return func(c *runConfig) { c.testCase = name } }

// ErrNoMocks is returned by Run when a test case is named but the engine
// has no mock configuration.
var ErrNoMocks = errors.New("a test case needs a mock configuration (WithMocks)")

// ErrInvalidInput is returned when the input is not valid JSON.
var ErrInvalidInput = errors.New("invalid execution input")

// Run runs one execution to its end. It returns an error only when the
// execution could not start; a failed execution is a Result with Status
// FAILED.
func (sm *StateMachine) Run(ctx context.Context, input json.RawMessage, opts ...RunOption) (*Result, error) {
	if len(input) == 0 {
		input = json.RawMessage("{}")
	}
	in, err := value.Parse(input)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidInput, err)
	}
	limit := sm.engine.payloadLimit
	if limit <= 0 {
		limit = interpreter.DefaultPayloadLimit
	}
	if n := value.Size(in); n > limit {
		return nil, fmt.Errorf("%w: the input is %d bytes, more than the payload limit of %d", ErrInvalidInput, n, limit)
	}
	rc := runConfig{}
	for _, o := range opts {
		o(&rc)
	}
	e := sm.engine
	var tc *mock.Case
	if rc.testCase != "" {
		if e.mocks == nil {
			return nil, ErrNoMocks
		}
		if tc, err = e.mocks.Case(sm.name, rc.testCase); err != nil {
			return nil, err
		}
	}
	src := rand.NewPCG(uint64(time.Now().UnixNano()), e.seq.Add(1))
	if rc.name == "" {
		rc.name = intrinsic.UUID(src)
	}
	cfg := interpreter.Config{
		StateMachineName: sm.name,
		StateMachineARN:  sm.ARN(),
		ExecutionName:    rc.name,
		ExecutionARN:     fmt.Sprintf("arn:aws:states:%s:%s:execution:%s:%s", e.region, e.account, sm.name, rc.name),
		RoleARN:          fmt.Sprintf("arn:aws:iam::%s:role/baton", e.account),
		Region:           e.region,
		PayloadLimit:     e.payloadLimit,
		MaxEvents:        e.maxEvents,
		Random:           src,
	}
	if sm.express {
		cfg.ExecutionARN = fmt.Sprintf("arn:aws:states:%s:%s:express:%s:%s:%s", e.region, e.account, sm.name, rc.name, intrinsic.UUID(src))
	}
	d := &driver.Local{Resources: e.resources, Clock: e.clock, Callbacks: e.callbacks, NoExternalCallbacks: e.noExternal, Mock: tc}
	ex := d.Run(ctx, sm.machine, cfg, in)
	res := &Result{Status: ex.Status.String(), ExecutionARN: cfg.ExecutionARN, StatesEntered: ex.StatesEntered, events: ex.Events}
	if ex.Status == interpreter.Succeeded {
		res.Output = json.RawMessage(value.Marshal(ex.Output))
	}
	if ex.Failure != nil {
		res.Error, res.Cause = ex.Failure.Error, ex.Failure.Cause
	}
	return res, nil
}
