package baton

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
	"github.com/baton-sh/baton/driver"
	"github.com/baton-sh/baton/failure"
	"github.com/baton-sh/baton/intrinsic"
	"github.com/baton-sh/baton/resource"
	"github.com/baton-sh/baton/resource/nested"
	"github.com/baton-sh/baton/value"
)

// children runs, in-process, the executions that nested workflows
// (arn:aws:states:::states:startExecution) start: their state machines
// are the definition files a config names under stateMachines.
type children struct {
	e     *Engine
	files map[string]string // state machine name -> definition file

	mu       sync.Mutex
	machines map[string]*StateMachine
	runs     map[string]*childRun
}

type childRun struct {
	exec   nested.Execution
	cancel context.CancelFunc
}

func newChildren(e *Engine, files map[string]string, dir string) *children {
	c := &children{e: e, files: map[string]string{}, machines: map[string]*StateMachine{}, runs: map[string]*childRun{}}
	for name, f := range files {
		if !filepath.IsAbs(f) {
			f = filepath.Join(dir, f)
		}
		c.files[name] = f
	}
	return c
}

func (c *children) machine(name string) (*StateMachine, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if sm := c.machines[name]; sm != nil {
		return sm, nil
	}
	file, ok := c.files[name]
	if !ok {
		return nil, &nested.StartError{Code: "StateMachineDoesNotExist", Message: "State Machine Does Not Exist: '" + name +
			"' (name its definition file under stateMachines in baton.yaml)"}
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	sm, err := c.e.Load(data, Named(name))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	c.machines[name] = sm
	return sm, nil
}

// Start runs a child in the background.
func (c *children) Start(ctx context.Context, ch *nested.Child) (string, time.Time, error) {
	smARN, testCase, _ := strings.Cut(ch.StateMachineARN, "#")
	a, err := arn.Parse(smARN)
	if err != nil || a.Kind != arn.StateMachine {
		return "", time.Time{}, &nested.StartError{Code: "InvalidArn", Message: "Invalid Arn: '" + ch.StateMachineARN + "'"}
	}
	sm, err := c.machine(a.Name)
	if err != nil {
		return "", time.Time{}, err
	}
	name := ch.Name
	if name == "" {
		name = intrinsic.UUID(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	execARN := fmt.Sprintf("arn:aws:states:%s:%s:execution:%s:%s", c.e.region, c.e.account, a.Name, name)
	start := c.e.clock.Now()
	c.mu.Lock()
	if _, taken := c.runs[execARN]; taken {
		c.mu.Unlock()
		return "", time.Time{}, &nested.StartError{Code: "ExecutionAlreadyExists", Message: "Execution Already Exists: '" + execARN + "'"}
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	run := &childRun{cancel: cancel, exec: nested.Execution{ARN: execARN, StateMachineARN: sm.ARN(), Name: name, Status: "RUNNING", Input: ch.Input, Start: start}}
	c.runs[execARN] = run
	c.mu.Unlock()
	opts := []RunOption{ExecutionName(name)}
	if testCase != "" {
		opts = append(opts, TestCase(testCase))
	}
	go func() {
		defer cancel()
		res, err := sm.Run(runCtx, json.RawMessage(ch.Input), opts...)
		c.mu.Lock()
		e := &run.exec
		e.Stop = c.e.clock.Now()
		if err != nil {
			e.Status, e.Error, e.Cause = "FAILED", "States.Runtime", err.Error()
		} else {
			e.Status, e.Error, e.Cause = res.Status, res.Error, res.Cause
			if res.Output != nil {
				e.Output, e.HasOutput = string(res.Output), true
			}
		}
		if e.Status == "SUCCEEDED" {
			e.RedriveStatus, e.RedriveStatusReason = "NOT_REDRIVABLE", "Execution is SUCCEEDED and cannot be redriven."
		}
		done := *e
		c.mu.Unlock()
		if ch.ParentToken == "" {
			return
		}
		out, rerr := nested.Result(&done, ch.Pattern)
		if rerr != nil {
			fl := resource.ToFailure(rerr)
			c.e.callbacks.Failure(ch.ParentToken, fl)
			return
		}
		c.e.callbacks.Success(ch.ParentToken, out)
	}()
	return execARN, start, nil
}

// Describe describes a child.
func (c *children) Describe(_ context.Context, arn string) (*nested.Execution, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.runs[arn]
	if !ok {
		return nil, errors.New("no such child execution: " + arn)
	}
	e := r.exec
	return &e, nil
}

// Stop aborts a child.
func (c *children) Stop(_ context.Context, arn, _ string) error {
	c.mu.Lock()
	r, ok := c.runs[arn]
	c.mu.Unlock()
	if ok {
		r.cancel()
	}
	return nil
}

// callbackResources lets executions complete other tasks by their token,
// as the aws-sdk:sfn integration does: a child started with
// .waitForTaskToken answers its parent so.
func (e *Engine) callbackResources() {
	send := func(_ context.Context, req *resource.Request) (any, error) {
		p, _ := req.Input.(*value.Object)
		get := func(k string) string {
			if p == nil {
				return ""
			}
			v, _ := p.Get(k)
			if s, ok := v.(string); ok {
				return s
			}
			return ""
		}
		var err error
		switch {
		case strings.HasSuffix(req.Resource, ":sendTaskSuccess"):
			out, perr := value.ParseString(get("Output"))
			if perr != nil {
				return nil, &resource.Error{Name: "Sfn.InvalidOutputException", Cause: "Invalid Output: " + perr.Error()}
			}
			err = e.callbacks.Success(get("TaskToken"), out)
		case strings.HasSuffix(req.Resource, ":sendTaskFailure"):
			err = e.callbacks.Failure(get("TaskToken"), failure.New(get("Error"), get("Cause")))
		default:
			err = e.callbacks.Heartbeat(get("TaskToken"))
		}
		if errors.Is(err, driver.ErrUnknownToken) {
			return nil, &resource.Error{Name: "Sfn.TaskTimedOutException", Cause: "Task Timed Out"}
		}
		if err != nil {
			return nil, err
		}
		return value.NewObject(nil), nil
	}
	for _, action := range []string{"sendTaskSuccess", "sendTaskFailure", "sendTaskHeartbeat"} {
		e.resources.Register("arn:aws:states:::aws-sdk:sfn:"+action, resource.Func(send))
	}
}
