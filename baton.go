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
// It is the in-process side of Baton's engine (package engine), which also
// runs `baton run`, `baton test` and the server.
package baton

import (
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"sync"

	"github.com/baton-sh/baton/clock"
	"github.com/baton-sh/baton/config"
	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/history"
	"github.com/baton-sh/baton/mock"
	"github.com/baton-sh/baton/resource"
	"github.com/baton-sh/baton/resource/httptask"
	"github.com/baton-sh/baton/resource/lambda"
	"github.com/baton-sh/baton/value"
)

// Engine runs state machines in-process.
type Engine struct {
	resources *resource.Registry
	opts      engine.Options
	config    *config.Config
	funcOut   io.Writer // where functions' log output goes (nil: nowhere)
	once      sync.Once
	engine    *engine.Engine
}

// Option configures an Engine.
type Option func(*Engine)

// WithClock sets the clock Wait states, retries and timeouts use.
func WithClock(c clock.Clock) Option { return func(e *Engine) { e.opts.Clock = c } }

// WithPayloadLimit raises the largest state input and output, in bytes, from
// AWS's 256 KiB.
func WithPayloadLimit(n int) Option { return func(e *Engine) { e.opts.PayloadLimit = n } }

// WithMaxEvents raises the largest history an execution may write from
// AWS's 25,000 events.
func WithMaxEvents(n int64) Option { return func(e *Engine) { e.opts.MaxEvents = n } }

// WithRegion sets the region in ARNs (default us-east-1).
func WithRegion(r string) Option { return func(e *Engine) { e.opts.Region = r } }

// WithAccount sets the account id in ARNs (default 123456789012).
func WithAccount(a string) Option { return func(e *Engine) { e.opts.Account = a } }

// WithConfig serves the Lambda functions a baton.yaml configures (local
// commands, HTTP endpoints, Lambda-API endpoints), for Tasks whose Resource
// is a function's ARN or arn:aws:states:::lambda:invoke, HTTP Tasks
// (arn:aws:states:::http:invoke) with the connections it configures, and
// the child state machines of nested workflows.
func WithConfig(cfg *config.Config) Option {
	return func(e *Engine) {
		e.config = cfg // its functions are made once every option is known
		httptask.New(cfg).Register(e.resources)
		if e.opts.Children == nil {
			e.opts.Children = map[string]string{}
		}
		for name, f := range cfg.StateMachines {
			if !filepath.IsAbs(f) {
				f = filepath.Join(cfg.Dir, f)
			}
			e.opts.Children[name] = f
		}
	}
}

// WithChild makes a state machine, given by its definition, one that
// nested workflows may start by name (an infrastructure file's other
// state machines); baton.yaml's stateMachines win for a name both have.
func WithChild(name string, definition []byte, express bool) Option {
	return func(e *Engine) {
		if e.opts.ChildDefinitions == nil {
			e.opts.ChildDefinitions = map[string]engine.ChildDefinition{}
		}
		e.opts.ChildDefinitions[name] = engine.ChildDefinition{Definition: definition, Express: express}
	}
}

// WithFunctionOutput copies what the functions of WithConfig that run as
// local commands log (their standard error, and what they print on their
// standard output before their result) to w as they write it, each line
// after the function's name in brackets.
func WithFunctionOutput(w io.Writer) Option { return func(e *Engine) { e.funcOut = w } }

// WithMocks answers Task states from a mock configuration (AWS's
// MockConfigFile format) in the runs that name a test case (TestCase).
func WithMocks(m *mock.Config) Option { return func(e *Engine) { e.opts.Mocks = m } }

// NoCallbacks makes tasks that wait for a callback (.waitForTaskToken)
// fail at once with a clear cause, for runs that nothing outside can call
// back into, such as `baton run`; a nested execution's callback, which its
// child may send, still waits.
func NoCallbacks() Option { return func(e *Engine) { e.opts.NoExternalCallbacks = true } }

// New returns an engine.
func New(opts ...Option) *Engine {
	e := &Engine{resources: resource.NewRegistry()}
	for _, o := range opts {
		o(e)
	}
	if e.config != nil {
		var lopts []lambda.Option
		if e.funcOut != nil {
			lopts = append(lopts, lambda.WithOutput(e.funcOut))
		}
		lambda.New(e.config, lopts...).Register(e.resources)
	}
	e.opts.Resources = e.resources
	return e
}

// core is the engine underneath, made once the options are known.
func (e *Engine) core() *engine.Engine {
	e.once.Do(func() {
		// Without a store New cannot fail.
		e.engine, _ = engine.New(context.Background(), e.opts) //nolint:errcheck // no store: nothing to fail
	})
	return e.engine
}

// SendTaskSuccess completes a task that waits for a callback (a
// .waitForTaskToken task) with its output, given the token the task
// handed out ($$.Task.Token).
func (e *Engine) SendTaskSuccess(token string, output json.RawMessage) error {
	_, err := e.core().SendTaskSuccess(context.Background(), &engine.SendTaskSuccessInput{TaskToken: token, Output: string(output)})
	return err
}

// SendTaskFailure fails a task that waits for a callback.
func (e *Engine) SendTaskFailure(token, errName, cause string) error {
	_, err := e.core().SendTaskFailure(context.Background(), &engine.SendTaskFailureInput{TaskToken: token, Error: errName, Cause: cause})
	return err
}

// SendTaskHeartbeat reports that the work of a task that waits for a
// callback goes on.
func (e *Engine) SendTaskHeartbeat(token string) error {
	_, err := e.core().SendTaskHeartbeat(context.Background(), &engine.SendTaskHeartbeatInput{TaskToken: token})
	return err
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
type ValidationError = engine.ValidationError

// ErrUnsupported marks definitions that use a feature Baton does not run yet.
var ErrUnsupported = engine.ErrUnsupported

// StateMachine is a loaded, validated and compiled definition.
type StateMachine struct {
	m *engine.Machine
}

// LoadOption configures Load.
type LoadOption func(*engine.LoadOptions)

// Named sets the state machine's name (default "StateMachine").
func Named(name string) LoadOption { return func(o *engine.LoadOptions) { o.Name = name } }

// Express loads the definition as an Express state machine.
func Express() LoadOption { return func(o *engine.LoadOptions) { o.Express = true } }

// Load parses (JSON or YAML), validates and compiles a definition.
func (e *Engine) Load(def []byte, opts ...LoadOption) (*StateMachine, error) {
	var o engine.LoadOptions
	for _, f := range opts {
		f(&o)
	}
	m, err := e.core().Load(def, o)
	if err != nil {
		return nil, err
	}
	return &StateMachine{m: m}, nil
}

// ARN returns the state machine's ARN.
func (sm *StateMachine) ARN() string { return sm.m.ARN() }

// Graph draws the state machine: format "mermaid" or "dot".
func (sm *StateMachine) Graph(format string) (string, error) { return sm.m.Graph(format) }

// Machine is the engine's view of the state machine, for running it as
// fast as it goes (see engine.Machine.Run).
func (sm *StateMachine) Machine() *engine.Machine { return sm.m }

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
type RunOption func(*engine.RunOptions)

// ExecutionName names the execution (default: a new UUID).
func ExecutionName(name string) RunOption { return func(o *engine.RunOptions) { o.Name = name } }

// TestCase runs the execution as a test case of the engine's mock
// configuration (WithMocks): the states the case names answer from their
// mocked responses. The case is looked up under the state machine's name.
func TestCase(name string) RunOption { return func(o *engine.RunOptions) { o.TestCase = name } }

// ErrNoMocks is returned by Run when a test case is named but the engine
// has no mock configuration.
var ErrNoMocks = engine.ErrNoMocks

// ErrInvalidInput is returned when the input is not valid JSON.
var ErrInvalidInput = engine.ErrInvalidInput

// Run runs one execution to its end. It returns an error only when the
// execution could not start; a failed execution is a Result with Status
// FAILED.
func (sm *StateMachine) Run(ctx context.Context, input json.RawMessage, opts ...RunOption) (*Result, error) {
	var o engine.RunOptions
	for _, f := range opts {
		f(&o)
	}
	in, err := sm.m.Engine().ParseInput(input)
	if err != nil {
		return nil, err
	}
	run, err := sm.m.Run(ctx, in, o)
	if err != nil {
		return nil, err
	}
	res := &Result{Status: run.Status(), ExecutionARN: run.ExecutionARN(), StatesEntered: run.StatesEntered(), events: run.Events()}
	if run.Succeeded() {
		res.Output = json.RawMessage(value.Marshal(run.Output()))
	}
	res.Error, res.Cause = run.Failure()
	return res, nil
}
