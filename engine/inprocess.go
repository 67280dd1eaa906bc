package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/baton-sh/baton/arn"
	"github.com/baton-sh/baton/clock"
	"github.com/baton-sh/baton/definition"
	"github.com/baton-sh/baton/driver"
	"github.com/baton-sh/baton/graph"
	"github.com/baton-sh/baton/history"
	"github.com/baton-sh/baton/interpreter"
	"github.com/baton-sh/baton/intrinsic"
	"github.com/baton-sh/baton/machine"
	"github.com/baton-sh/baton/mock"
	"github.com/baton-sh/baton/resource"
	"github.com/baton-sh/baton/resource/nested"
	"github.com/baton-sh/baton/value"
)

// In-process runs: a definition is loaded once and run as often as wanted,
// each run in memory from start to end, as baton run, baton test, baton
// bench and the Go API do.

// ValidationError lists every problem of an invalid definition.
type ValidationError struct {
	Diagnostics definition.Diagnostics
}

func (e *ValidationError) Error() string { return e.Diagnostics.Message() }

// ErrUnsupported marks definitions that use a feature Baton does not run yet.
var ErrUnsupported = machine.ErrUnsupported

// Machine is a definition loaded for in-process runs.
type Machine struct {
	e         *Engine
	m         *machine.Machine
	name      string
	express   bool
	arn, role string
}

// LoadOptions configures Load.
type LoadOptions struct {
	Name    string // the state machine's name (default "StateMachine")
	Express bool   // load it as an Express state machine
}

// Load parses (JSON or YAML), validates and compiles a definition.
func (e *Engine) Load(def []byte, o LoadOptions) (*Machine, error) {
	if o.Name == "" {
		o.Name = "StateMachine"
	}
	typ := "STANDARD"
	if o.Express {
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
	sm := &Machine{e: e, m: m, name: o.Name, express: o.Express, role: "arn:aws:iam::" + e.o.Account + ":role/baton"}
	sm.arn = arn.ARN{Region: e.o.Region, Account: e.o.Account, Kind: arn.StateMachine, Name: o.Name}.String()
	return sm, nil
}

// Name returns the state machine's name.
func (m *Machine) Name() string { return m.name }

// ARN returns the state machine's ARN.
func (m *Machine) ARN() string { return m.arn }

// RunOptions configures one run.
type RunOptions struct {
	// Name names the execution (default: a new UUID).
	Name string
	// TestCase runs the execution as a test case of the engine's mock
	// configuration: the states the case names answer from their mocked
	// responses.
	TestCase string
	// NoHistory keeps no history (as Express workflows), for speed.
	NoHistory bool
	// Random is the run's source of randomness (default: a new one). It
	// must not be shared with another goroutine.
	Random rand.Source
}

// ErrNoMocks is returned by Run when a test case is named but the engine
// has no mock configuration.
var ErrNoMocks = errors.New("a test case needs a mock configuration")

// ErrInvalidInput is returned when the input is not valid JSON or is too
// large.
var ErrInvalidInput = errors.New("invalid execution input")

// Run is a finished in-process execution.
type Run struct {
	ex *interpreter.Execution
}

// ParseInput reads an execution input and checks it against the engine's
// payload limit.
func (e *Engine) ParseInput(input json.RawMessage) (any, error) {
	if len(input) == 0 {
		input = json.RawMessage("{}")
	}
	in, err := value.Parse(input)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidInput, err)
	}
	if n := value.Size(in); n > e.o.PayloadLimit {
		return nil, fmt.Errorf("%w: the input is %d bytes, more than the payload limit of %d", ErrInvalidInput, n, e.o.PayloadLimit)
	}
	return in, nil
}

// Run runs one execution to its end, with an input in the value model
// (ParseInput). It returns an error only when the execution could not
// start; a failed execution is a Run whose Status is FAILED.
func (m *Machine) Run(ctx context.Context, input any, o RunOptions) (Run, error) {
	tc, err := m.testCase(o.TestCase)
	if err != nil {
		return Run{}, err
	}
	src := o.Random
	if src == nil {
		src = rand.NewPCG(rand.Uint64(), rand.Uint64())
	}
	name := o.Name
	if name == "" {
		name = intrinsic.UUID(src)
	}
	// The configuration is built here, on this frame: a run of a small
	// machine takes a few hundred nanoseconds, and copying it through
	// pointers costs write barriers while the collector runs.
	e := m.e
	cfg := interpreter.Config{
		StateMachineName: m.name, StateMachineARN: m.arn, ExecutionName: name, RoleARN: m.role, Region: e.o.Region,
		PayloadLimit: e.o.PayloadLimit, MaxEvents: e.o.MaxEvents, Random: src, NoHistory: o.NoHistory, Tokens: e.tokens,
	}
	if m.express {
		cfg.ExecutionARN = m.expressARN(name, src)
	}
	ex := interpreter.New(m.m, cfg)
	cmds := ex.Start(input, e.clock.Now())
	if len(cmds) > 0 || !ex.Done() {
		e.local(tc).Drive(ctx, ex, cmds)
	} else if e.obs.n.Load() > 0 {
		m.observeDone(ex)
	}
	return Run{ex: ex}, nil
}

// observeDone tells the observers of a run done in one step, as most runs
// of small machines are.
func (m *Machine) observeDone(ex *interpreter.Execution) {
	m.e.observeStep(&driver.Observation{ExecutionARN: ex.ExecutionARN(), StateMachineARN: m.arn, Events: ex.Events,
		Status: ex.Status, Started: true, Start: ex.StartTime})
}

// testCase finds the test case a run names.
func (m *Machine) testCase(name string) (*mock.Case, error) {
	if name == "" {
		return nil, nil
	}
	if m.e.o.Mocks == nil {
		return nil, ErrNoMocks
	}
	return m.e.o.Mocks.Case(m.name, name)
}

// expressARN is the ARN of an Express execution. A Standard execution's
// is derived from the state machine's when first needed: most runs never
// need it.
func (m *Machine) expressARN(name string, src rand.Source) string {
	return arn.ARN{Region: m.e.o.Region, Account: m.e.o.Account, Kind: arn.Express, Name: m.name, Qualifier: name, ID: intrinsic.UUID(src)}.String()
}

// local is the driver of in-process runs.
func (e *Engine) local(tc *mock.Case) *driver.Local {
	if tc == nil && e.obs.n.Load() == 0 {
		return e.plain
	}
	d := *e.plain
	d.Mock = tc
	if e.obs.n.Load() > 0 {
		d.Observe = e.observeStep
	}
	return &d
}

// ExecutionARN returns the execution's ARN.
func (r Run) ExecutionARN() string { return r.ex.ExecutionARN() }

// Status returns SUCCEEDED, FAILED, TIMED_OUT or ABORTED.
func (r Run) Status() string { return r.ex.Status.String() }

// Succeeded reports whether the execution succeeded.
func (r Run) Succeeded() bool { return r.ex.Status == interpreter.Succeeded }

// Output returns the output of a successful execution, in the value model.
func (r Run) Output() any { return r.ex.Output }

// Failure returns the error and cause of an execution that did not succeed.
func (r Run) Failure() (errName, cause string) {
	if r.ex.Failure == nil {
		return "", ""
	}
	return r.ex.Failure.Error, r.ex.Failure.Cause
}

// Events returns the history (none with NoHistory).
func (r Run) Events() []history.Event { return r.ex.Events }

// StatesEntered counts the states entered, nested ones included.
func (r Run) StatesEntered() int { return r.ex.StatesEntered }

// Release hands the run's memory back for reuse by later runs: neither the
// run nor its Events may be used afterwards. It is optional.
func (r Run) Release() { r.ex.Release() }

// ---- in-process children -----------------------------------------------------

// children runs, in-process, the executions that nested workflows start:
// their state machines are the definition files Options.Children names.
type children struct {
	e     *Engine
	files map[string]string // state machine name -> definition file
	defs  map[string]ChildDefinition

	mu       sync.Mutex
	machines map[string]*Machine
	runs     map[string]*childRun
}

// ChildDefinition is a child state machine given by its definition.
type ChildDefinition struct {
	Definition []byte
	Express    bool
}

type childRun struct {
	exec   nested.Execution
	cancel context.CancelFunc
}

func newChildren(e *Engine, files map[string]string) *children {
	return &children{e: e, files: files, machines: map[string]*Machine{}, runs: map[string]*childRun{}}
}

func (c *children) machine(name string) (*Machine, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if sm := c.machines[name]; sm != nil {
		return sm, nil
	}
	file, ok := c.files[name]
	if d, given := c.defs[name]; !ok && given {
		sm, err := c.e.Load(d.Definition, LoadOptions{Name: name, Express: d.Express})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		c.machines[name] = sm
		return sm, nil
	}
	if !ok {
		return nil, &nested.StartError{Code: string(StateMachineDoesNotExist), Message: "State Machine Does Not Exist: '" + name +
			"' (name its definition file under stateMachines in baton.yaml)"}
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	sm, err := c.e.Load(data, LoadOptions{Name: name})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(file), err)
	}
	c.machines[name] = sm
	return sm, nil
}

// start runs a child in the background. The parent's task holds a virtual
// clock while it starts the child; the child's run takes that hold over,
// and keeps one until it has answered its parent.
func (c *children) start(ctx context.Context, ch *nested.Child) (string, time.Time, error) {
	smARN, testCase, _ := strings.Cut(ch.StateMachineARN, "#")
	a, err := arn.Parse(smARN)
	if err != nil || a.Kind != arn.StateMachine {
		return "", time.Time{}, &nested.StartError{Code: string(InvalidArn), Message: "Invalid Arn: '" + ch.StateMachineARN + "'"}
	}
	sm, err := c.machine(a.Name)
	if err != nil {
		return "", time.Time{}, err
	}
	in, err := c.e.ParseInput(json.RawMessage(ch.Input))
	if err != nil {
		return "", time.Time{}, &nested.StartError{Code: string(InvalidExecutionInput), Message: err.Error()}
	}
	tc, err := sm.testCase(testCase)
	if err != nil {
		return "", time.Time{}, err
	}
	src := rand.NewPCG(rand.Uint64(), rand.Uint64())
	name := ch.Name
	if name == "" {
		name = intrinsic.UUID(src)
	}
	e := c.e
	cfg := interpreter.Config{
		StateMachineName: sm.name, StateMachineARN: sm.arn, ExecutionName: name, RoleARN: sm.role, Region: e.o.Region,
		PayloadLimit: e.o.PayloadLimit, MaxEvents: e.o.MaxEvents, Random: src, Tokens: e.tokens,
		ExecutionARN: arn.ARN{Region: e.o.Region, Account: e.o.Account, Kind: arn.Execution, Name: sm.name, Qualifier: name}.String(),
	}
	start := c.e.clock.Now()
	c.mu.Lock()
	if _, taken := c.runs[cfg.ExecutionARN]; taken {
		c.mu.Unlock()
		return "", time.Time{}, &nested.StartError{Code: string(ExecutionAlreadyExists), Message: "Execution Already Exists: '" + cfg.ExecutionARN + "'"}
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	run := &childRun{cancel: cancel, exec: nested.Execution{ARN: cfg.ExecutionARN, StateMachineARN: sm.ARN(), Name: cfg.ExecutionName,
		Status: "RUNNING", Input: ch.Input, Start: start}}
	c.runs[cfg.ExecutionARN] = run
	c.mu.Unlock()
	hold := clock.Hold(c.e.clock)
	go func() {
		defer cancel()
		ex := interpreter.New(sm.m, cfg)
		cmds := ex.Start(in, c.e.clock.Now())
		release := c.e.local(tc).DriveHolding(runCtx, ex, cmds, hold)
		defer release()
		c.mu.Lock()
		e := &run.exec
		e.Stop = c.e.clock.Now()
		e.Status = ex.Status.String()
		if ex.Failure != nil {
			e.Error, e.Cause = ex.Failure.Error, ex.Failure.Cause
		}
		if ex.Status == interpreter.Succeeded {
			e.Output, e.HasOutput = value.String(ex.Output), true
			e.RedriveStatus, e.RedriveStatusReason = "NOT_REDRIVABLE", "Execution is SUCCEEDED and cannot be redriven."
		}
		done := *e
		c.mu.Unlock()
		if ch.ParentToken == "" {
			return
		}
		out, rerr := nested.Result(&done, ch.Pattern)
		if rerr != nil {
			c.e.failParent(context.Background(), ch.ParentToken, resource.ToFailure(rerr))
			return
		}
		c.e.reportParent(context.Background(), ch.ParentToken, done.ARN,
			c.e.completeTask(context.Background(), ch.ParentToken, completion{output: out, text: value.String(out)}))
	}()
	return cfg.ExecutionARN, start, nil
}

// describe describes a child.
func (c *children) describe(a string) (*nested.Execution, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.runs[a]
	if !ok {
		return nil, errors.New("no such child execution: " + a)
	}
	e := r.exec
	return &e, nil
}

// stop aborts a child.
func (c *children) stop(a string) {
	c.mu.Lock()
	r, ok := c.runs[a]
	c.mu.Unlock()
	if ok {
		r.cancel()
	}
}

// stopAll aborts every child still running.
func (c *children) stopAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range c.runs {
		r.cancel()
	}
}

// Engine returns the engine the machine runs on.
func (m *Machine) Engine() *Engine { return m.e }

// Graph draws the machine: format "mermaid" or "dot" (see package graph).
func (m *Machine) Graph(format string) (string, error) { return graph.Render(m.m, format) }
