package engine

import (
	"context"
	"errors"
	"time"

	"github.com/baton-sh/baton/arn"
	"github.com/baton-sh/baton/driver"
	"github.com/baton-sh/baton/failure"
	"github.com/baton-sh/baton/interpreter"
	"github.com/baton-sh/baton/resource"
	"github.com/baton-sh/baton/resource/nested"
	"github.com/baton-sh/baton/store"
	"github.com/baton-sh/baton/value"
)

// The engine starts, describes and stops the executions that nested
// workflows (arn:aws:states:::states:startExecution) start, and completes a
// .sync parent's task when its child ends: with a store, children are the
// store's state machines and run as any other execution; without, they are
// the definition files Options.Children names, run in-process.

// starter is the engine as nested workflows see it.
type starter struct{ e *Engine }

func (s starter) Start(ctx context.Context, c *nested.Child) (string, time.Time, error) {
	return s.e.startChild(ctx, c)
}

func (s starter) Describe(ctx context.Context, a string) (*nested.Execution, error) {
	return s.e.describeChildARN(ctx, a)
}

func (s starter) Stop(ctx context.Context, a, cause string) error {
	return s.e.stopChild(ctx, a, cause)
}

// startChild starts a child execution, as StartExecution would.
func (e *Engine) startChild(ctx context.Context, c *nested.Child) (string, time.Time, error) {
	if e.store == nil {
		return e.children.start(ctx, c)
	}
	t, err := e.resolveTarget(ctx, c.StateMachineARN)
	if err == nil && c.Name != "" && !arn.ValidName(c.Name) {
		err = invalidName(c.Name)
	}
	if err == nil {
		input := c.Input
		err = e.checkInput(&input)
	}
	if err != nil {
		return "", time.Time{}, startError(err)
	}
	var parent *driver.Parent
	var done func(*interpreter.Execution, string)
	if c.ParentToken != "" {
		parent = &driver.Parent{Token: c.ParentToken, Pattern: c.Pattern}
		done = func(ex *interpreter.Execution, input string) { e.expressChildDone(t, c, ex, input) }
	}
	execARN, start, err := e.start(ctx, t, c.Name, c.Input, c.ParentARN, parent, done)
	if err != nil {
		return "", time.Time{}, startError(err)
	}
	return execARN, start, nil
}

// startError turns a refusal into the code the integration names.
func startError(err error) error {
	var ae *Error
	if errors.As(err, &ae) {
		return &nested.StartError{Code: string(ae.Code), Message: ae.Message}
	}
	return err
}

// describeChildARN describes a child.
func (e *Engine) describeChildARN(ctx context.Context, a string) (*nested.Execution, error) {
	if e.store == nil {
		return e.children.describe(a)
	}
	rec, err := e.store.GetExecution(ctx, a)
	if err != nil {
		return nil, err
	}
	return e.describeChild(ctx, rec)
}

func (e *Engine) describeChild(ctx context.Context, rec *store.Execution) (*nested.Execution, error) {
	status, reason, err := e.redriveStatus(ctx, rec)
	if err != nil {
		return nil, err
	}
	return &nested.Execution{
		ARN: rec.ARN, StateMachineARN: rec.StateMachineARN, VersionARN: rec.VersionARN, AliasARN: rec.AliasARN, Name: rec.Name,
		Status: rec.Status, Input: rec.Input, Output: rec.Output, HasOutput: rec.HasOutput, Error: rec.Error, Cause: rec.Cause,
		Start: rec.Start, Stop: rec.Stop, RedriveCount: rec.RedriveCount, RedriveStatus: status, RedriveStatusReason: reason,
	}, nil
}

// stopChild stops a child whose parent no longer waits for it.
func (e *Engine) stopChild(ctx context.Context, a, cause string) error {
	if e.store == nil {
		e.children.stop(a)
		return nil
	}
	err := e.durable.StopExecution(ctx, a, "", cause)
	if errors.Is(err, driver.ErrExecutionClosed) || errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

// childFinished completes the task of a .sync parent whose Standard child
// has ended.
func (e *Engine) childFinished(rec *store.Execution, parent driver.Parent) {
	ctx := context.Background()
	child, err := e.describeChild(ctx, rec)
	if err != nil {
		e.log.Error("describing a finished child", "execution", rec.ARN, "error", err)
		return
	}
	e.completeParent(ctx, parent.Token, child, parent.Pattern)
}

// expressChildDone completes the task of a .sync parent whose Express
// child has ended (in memory, as Express executions run).
func (e *Engine) expressChildDone(t *target, c *nested.Child, ex *interpreter.Execution, input string) {
	ctx := context.Background()
	if ex == nil {
		e.failParent(ctx, c.ParentToken, failure.New(failure.Runtime, "The child state machine could not be run"))
		return
	}
	child := &nested.Execution{
		ARN: ex.ExecutionARN(), StateMachineARN: t.sm.String(), VersionARN: t.versionARN, AliasARN: t.aliasARN,
		Name: ex.Config().ExecutionName, Status: ex.Status.String(), Input: input, Start: ex.StartTime, Stop: ex.StopTime,
	}
	if ex.Status == interpreter.Succeeded {
		child.Output, child.HasOutput = value.String(ex.Output), true
	}
	if ex.Failure != nil {
		child.Error, child.Cause = ex.Failure.Error, ex.Failure.Cause
	}
	e.completeParent(ctx, c.ParentToken, child, c.Pattern)
}

// completeParent completes a .sync parent's task with its child's end.
func (e *Engine) completeParent(ctx context.Context, tok string, child *nested.Execution, pattern string) {
	out, err := nested.Result(child, pattern)
	if err != nil {
		e.failParent(ctx, tok, resource.ToFailure(err))
		return
	}
	e.reportParent(ctx, tok, child.ARN, e.completeTask(ctx, tok, completion{output: out, text: value.String(out)}))
}

func (e *Engine) failParent(ctx context.Context, tok string, fl *failure.Failure) {
	e.reportParent(ctx, tok, "", e.completeTask(ctx, tok, completion{failure: fl}))
}

// reportParent logs a parent's task that could not be completed, unless it
// no longer waits (it timed out, or its execution ended).
func (e *Engine) reportParent(_ context.Context, _, child string, err error) {
	if err == nil || CodeOf(err) == TaskTimedOut || CodeOf(err) == TaskDoesNotExist {
		return
	}
	e.log.Error("completing a parent's task", "child", child, "error", err)
}

// ---- aws-sdk:sfn callbacks --------------------------------------------------

// The aws-sdk:sfn callback actions let an execution complete a task by its
// token, as the AWS SDK integration does: the usual end of a child started
// with .waitForTaskToken.
const (
	sdkSendTaskSuccess   = "arn:aws:states:::aws-sdk:sfn:sendTaskSuccess"
	sdkSendTaskFailure   = "arn:aws:states:::aws-sdk:sfn:sendTaskFailure"
	sdkSendTaskHeartbeat = "arn:aws:states:::aws-sdk:sfn:sendTaskHeartbeat"
)

func (e *Engine) registerCallbacks() {
	for _, a := range []string{sdkSendTaskSuccess, sdkSendTaskFailure, sdkSendTaskHeartbeat} {
		e.resources.Register(a, resource.Func(e.sdkCallback))
	}
}

// sdkCallback serves the aws-sdk:sfn callbacks as SendTaskSuccess,
// SendTaskFailure and SendTaskHeartbeat do, with the integration's error
// names (Sfn.<Code>Exception).
func (e *Engine) sdkCallback(ctx context.Context, req *resource.Request) (any, error) {
	p, _ := req.Input.(*value.Object)
	str := func(key string) string {
		if p == nil {
			return ""
		}
		v, _ := p.Get(key)
		switch v := v.(type) {
		case string:
			return v
		case nil:
			return ""
		}
		return value.String(v)
	}
	var err error
	switch req.Resource {
	case sdkSendTaskSuccess:
		_, err = e.SendTaskSuccess(ctx, &SendTaskSuccessInput{TaskToken: str("TaskToken"), Output: str("Output")})
	case sdkSendTaskFailure:
		_, err = e.SendTaskFailure(ctx, &SendTaskFailureInput{TaskToken: str("TaskToken"), Error: str("Error"), Cause: str("Cause")})
	default:
		_, err = e.SendTaskHeartbeat(ctx, &SendTaskHeartbeatInput{TaskToken: str("TaskToken")})
	}
	if err == nil {
		return value.NewObject(nil), nil
	}
	var ae *Error
	if !errors.As(err, &ae) {
		return nil, err
	}
	// The integration names a service's error <Service>.<Exception>; an
	// unmodelled validation error is the service's base exception.
	name := "Sfn." + string(ae.Code) + "Exception"
	if ae.Code == ValidationException {
		name = "Sfn.SfnException"
	}
	return nil, &resource.Error{Name: name, Cause: ae.Message + " (Service: Sfn, Status Code: 400)"}
}
