package api

import (
	"context"
	"errors"
	"time"

	"github.com/baton-sh/baton/arn"
	"github.com/baton-sh/baton/driver"
	"github.com/baton-sh/baton/interpreter"
	"github.com/baton-sh/baton/resource"
	"github.com/baton-sh/baton/resource/nested"
	"github.com/baton-sh/baton/store"
	"github.com/baton-sh/baton/value"
)

// The server starts, describes and stops the executions that nested
// workflows (arn:aws:states:::states:startExecution) start, and completes a
// .sync parent's task when its child ends.

// Start starts a child execution, as StartExecution would.
func (s *Server) Start(ctx context.Context, c *nested.Child) (string, time.Time, error) {
	t, err := s.resolveTarget(ctx, c.StateMachineARN)
	if err == nil && c.Name != "" && !arn.ValidName(c.Name) {
		err = invalidName(c.Name)
	}
	if err == nil {
		input := c.Input
		err = s.checkInput(&input)
	}
	if err != nil {
		return "", time.Time{}, startError(err)
	}
	var parent *driver.Parent
	var done func(*interpreter.Execution, string)
	if c.ParentToken != "" {
		parent = &driver.Parent{Token: c.ParentToken, Pattern: c.Pattern}
		done = func(ex *interpreter.Execution, input string) { s.expressChildDone(t, c, ex, input) }
	}
	arn, start, err := s.start(ctx, t, c.Name, c.Input, c.ParentARN, parent, done)
	if err != nil {
		return "", time.Time{}, startError(err)
	}
	return arn, start, nil
}

// startError turns the API's refusal into the code the integration names.
func startError(err error) error {
	var ae *apiError
	if errors.As(err, &ae) {
		return &nested.StartError{Code: ae.code, Message: ae.message}
	}
	return err
}

// Describe describes a child.
func (s *Server) Describe(ctx context.Context, arn string) (*nested.Execution, error) {
	e, err := s.store.GetExecution(ctx, arn)
	if err != nil {
		return nil, err
	}
	return s.describeChild(ctx, e)
}

func (s *Server) describeChild(ctx context.Context, e *store.Execution) (*nested.Execution, error) {
	status, reason, err := s.redriveStatus(ctx, e)
	if err != nil {
		return nil, err
	}
	return &nested.Execution{
		ARN: e.ARN, StateMachineARN: e.StateMachineARN, VersionARN: e.VersionARN, AliasARN: e.AliasARN, Name: e.Name,
		Status: e.Status, Input: e.Input, Output: e.Output, HasOutput: e.HasOutput, Error: e.Error, Cause: e.Cause,
		Start: e.Start, Stop: e.Stop, RedriveCount: e.RedriveCount, RedriveStatus: status, RedriveStatusReason: reason,
	}, nil
}

// Stop stops a child whose parent no longer waits for it.
func (s *Server) Stop(ctx context.Context, arn, cause string) error {
	err := s.cfg.Durable.StopExecution(ctx, arn, "", cause)
	if errors.Is(err, driver.ErrExecutionClosed) || errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

// childFinished completes the task of a .sync parent whose Standard child
// has ended.
func (s *Server) childFinished(rec *store.Execution, parent driver.Parent) {
	ctx := context.Background()
	e, err := s.describeChild(ctx, rec)
	if err != nil {
		s.cfg.Logger.Error("describing a finished child", "execution", rec.ARN, "error", err)
		return
	}
	s.completeParent(ctx, parent.Token, e, parent.Pattern)
}

// expressChildDone completes the task of a .sync parent whose Express
// child has ended (in memory, as Express executions run).
func (s *Server) expressChildDone(t *target, c *nested.Child, ex *interpreter.Execution, input string) {
	ctx := context.Background()
	if ex == nil {
		s.cfg.Durable.TaskFailure(ctx, c.ParentToken, "States.Runtime", "The child state machine could not be run")
		return
	}
	e := &nested.Execution{
		ARN: ex.ExecutionARN(), StateMachineARN: t.sm.String(), VersionARN: t.versionARN, AliasARN: t.aliasARN,
		Name: ex.Config().ExecutionName, Status: ex.Status.String(), Input: input, Start: ex.StartTime, Stop: ex.StopTime,
	}
	if ex.Status == interpreter.Succeeded {
		e.Output, e.HasOutput = value.String(ex.Output), true
	}
	if ex.Failure != nil {
		e.Error, e.Cause = ex.Failure.Error, ex.Failure.Cause
	}
	s.completeParent(ctx, c.ParentToken, e, c.Pattern)
}

func (s *Server) completeParent(ctx context.Context, token string, e *nested.Execution, pattern string) {
	out, err := nested.Result(e, pattern)
	if err != nil {
		fl := resource.ToFailure(err)
		err = s.cfg.Durable.TaskFailure(ctx, token, fl.Error, fl.Cause)
	} else {
		err = s.cfg.Durable.TaskSuccess(ctx, token, value.String(out))
	}
	if err != nil && !errors.Is(err, driver.ErrStale) && !errors.Is(err, driver.ErrNoSuchTask) {
		s.cfg.Logger.Error("completing a parent's task", "child", e.ARN, "error", err)
	}
}

// The aws-sdk:sfn callback actions let a child (or any execution) complete
// a task by its token, as the AWS SDK integration does: the usual end of a
// child started with .waitForTaskToken.
const (
	sdkSendTaskSuccess   = "arn:aws:states:::aws-sdk:sfn:sendTaskSuccess"
	sdkSendTaskFailure   = "arn:aws:states:::aws-sdk:sfn:sendTaskFailure"
	sdkSendTaskHeartbeat = "arn:aws:states:::aws-sdk:sfn:sendTaskHeartbeat"
)

func (s *Server) registerCallbacks(reg *resource.Registry) {
	for _, a := range []string{sdkSendTaskSuccess, sdkSendTaskFailure, sdkSendTaskHeartbeat} {
		reg.Register(a, resource.Func(s.sdkCallback))
	}
}

func (s *Server) sdkCallback(ctx context.Context, req *resource.Request) (any, error) {
	p, _ := req.Input.(*value.Object)
	str := func(key string) string {
		if p == nil {
			return ""
		}
		v, _ := p.Get(key)
		if s, ok := v.(string); ok {
			return s
		}
		if v == nil {
			return ""
		}
		return value.String(v)
	}
	token := str("TaskToken")
	if token == "" {
		return nil, &resource.Error{Name: "Sfn.SfnException", Cause: "1 validation error detected: Value null at 'taskToken' failed to satisfy constraint: Member must not be null (Service: Sfn, Status Code: 400)"}
	}
	var err error
	switch req.Resource {
	case sdkSendTaskSuccess:
		output := str("Output")
		if _, perr := value.ParseString(output); perr != nil {
			return nil, &resource.Error{Name: "Sfn.InvalidOutputException", Cause: "Invalid Output: " + perr.Error()}
		}
		err = s.cfg.Durable.TaskSuccess(ctx, token, output)
	case sdkSendTaskFailure:
		err = s.cfg.Durable.TaskFailure(ctx, token, str("Error"), str("Cause"))
	default:
		err = s.cfg.Durable.TaskHeartbeat(ctx, token)
	}
	switch {
	case err == nil:
		return value.NewObject(nil), nil
	case errors.Is(err, driver.ErrInvalidToken):
		return nil, &resource.Error{Name: "Sfn.InvalidTokenException", Cause: "Invalid token (Service: Sfn, Status Code: 400)"}
	case errors.Is(err, driver.ErrNoSuchTask):
		return nil, &resource.Error{Name: "Sfn.TaskDoesNotExistException", Cause: "Task Does Not Exist (Service: Sfn, Status Code: 400)"}
	case errors.Is(err, driver.ErrStale):
		return nil, &resource.Error{Name: "Sfn.TaskTimedOutException", Cause: "Task Timed Out (Service: Sfn, Status Code: 400)"}
	}
	return nil, err
}
