// Package nested is the nested-workflow integration,
// arn:aws:states:::states:startExecution: a Task starts an execution of
// another state machine. Plain, the task ends once the child has started;
// .sync and .sync:2, once the child has ended, with its DescribeExecution
// (the output as a string, or as JSON); .waitForTaskToken, once someone
// sends the task's token back. The host (the server, or the in-process
// engine) starts, describes and stops executions through a Starter.
package nested

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/baton-sh/baton/intrinsic"
	"github.com/baton-sh/baton/resource"
	"github.com/baton-sh/baton/value"
)

// Resource ARNs this package serves.
const (
	StartARN         = "arn:aws:states:::states:startExecution"
	StartSyncARN     = StartARN + ".sync"
	StartSync2ARN    = StartARN + ".sync:2"
	StartCallbackARN = StartARN + ".waitForTaskToken"
)

// Child is an execution to start.
type Child struct {
	StateMachineARN string
	Name            string // "" for a generated one
	Input           string // JSON text
	ParentARN       string // the execution whose task starts it
	// ParentToken, for .sync and .sync:2, is the token of the task that
	// waits for the child: the host completes that task when the child
	// ends, with Result.
	ParentToken string
	Pattern     string // "", "sync" or "sync:2", "waitForTaskToken"
}

// Execution is a child as DescribeExecution shows it.
type Execution struct {
	ARN, StateMachineARN, VersionARN, AliasARN, Name string
	Status                                           string
	Input, Output                                    string
	HasOutput                                        bool
	Error, Cause                                     string
	Start, Stop                                      time.Time
	RedriveCount                                     int
	RedriveStatus, RedriveStatusReason               string
}

// StartError is the host's refusal to start a child, with the API's error
// code (ExecutionAlreadyExists, StateMachineDoesNotExist, ...).
type StartError struct {
	Code, Message string
}

func (e *StartError) Error() string { return e.Code + ": " + e.Message }

// Starter starts, describes and stops executions for nested workflows.
type Starter interface {
	Start(ctx context.Context, c *Child) (arn string, start time.Time, err error)
	Describe(ctx context.Context, arn string) (*Execution, error)
	Stop(ctx context.Context, arn, cause string) error
}

// Resource serves states:startExecution in its four patterns.
type Resource struct {
	Starter Starter
}

// Register serves the integration's ARNs.
func (r *Resource) Register(reg *resource.Registry) {
	for _, a := range []string{StartARN, StartSyncARN, StartSync2ARN, StartCallbackARN} {
		reg.Register(a, r)
	}
}

func pattern(resourceARN string) string {
	return strings.TrimPrefix(strings.TrimPrefix(resourceARN, StartARN), ".")
}

// Invoke starts the child.
func (r *Resource) Invoke(ctx context.Context, req *resource.Request) (any, error) {
	params, ok := req.Input.(*value.Object)
	if !ok {
		return nil, &resource.Error{Name: "States.Runtime", Cause: "The parameters of a states:startExecution task must be an object"}
	}
	c := &Child{ParentARN: req.ExecutionARN, Pattern: pattern(req.Resource)}
	smV, _ := params.Get("StateMachineArn")
	c.StateMachineARN, _ = smV.(string)
	if c.StateMachineARN == "" {
		return nil, startFailure(&StartError{Code: "ValidationException", Message: "1 validation error detected: Value null at 'stateMachineArn' failed to satisfy constraint: Member must not be null"})
	}
	if n, ok := params.Get("Name"); ok {
		name, isString := n.(string)
		if !isString || name == "" {
			return nil, &resource.Error{Name: "States.Runtime", Cause: "The Name of a states:startExecution task must be a non-empty string, not " + value.String(n)}
		}
		c.Name = name
	}
	c.Input = "{}"
	if in, ok := params.Get("Input"); ok && in != nil {
		if s, isString := in.(string); isString {
			// A string that is JSON text (States.JsonToString) is the input
			// itself; any other string is a JSON string.
			if _, err := value.ParseString(s); err == nil {
				c.Input = s
			} else {
				c.Input = value.String(s)
			}
		} else {
			c.Input = value.String(in)
		}
	}
	if c.Pattern == "sync" || c.Pattern == "sync:2" {
		c.ParentToken = req.Token
	}
	arn, start, err := r.Starter.Start(ctx, c)
	if err != nil {
		return nil, startFailure(err)
	}
	started := value.NewObject([]value.Member{{Key: "ExecutionArn", Value: arn}, {Key: "StartDate", Value: millis(start)}})
	if c.Pattern == "" {
		return withMetadata(started), nil
	}
	return nil, &resource.Submitted{Output: started}
}

// Resume looks at a .sync child again after a restart.
func (r *Resource) Resume(ctx context.Context, req *resource.Request, receipt any) (any, error) {
	p := pattern(req.Resource)
	if p != "sync" && p != "sync:2" {
		return nil, &resource.Submitted{Output: receipt}
	}
	arn := childARN(receipt)
	e, err := r.Starter.Describe(ctx, arn)
	if err != nil {
		return nil, err
	}
	if e.Status == "RUNNING" {
		return nil, &resource.Submitted{Output: receipt}
	}
	return Result(e, p)
}

// Cancel stops a .sync child whose parent no longer waits for it, as AWS
// does when the parent's task is aborted.
func (r *Resource) Cancel(ctx context.Context, req *resource.Request, receipt any) error {
	p := pattern(req.Resource)
	if p != "sync" && p != "sync:2" {
		return nil
	}
	return r.Starter.Stop(ctx, childARN(receipt),
		"The Task state in AWS Step Functions execution ["+req.ExecutionARN+"] which was managing this resource was aborted")
}

func childARN(receipt any) string {
	if o, ok := receipt.(*value.Object); ok {
		if a, ok := o.Get("ExecutionArn"); ok {
			s, _ := a.(string)
			return s
		}
	}
	return ""
}

// Result is what a .sync (pattern "sync") or .sync:2 task answers for a
// child that has ended: its DescribeExecution, keys in AWS's order, dates
// in epoch milliseconds, input and output as JSON text (.sync) or JSON
// (.sync:2). A child that did not succeed fails the task with
// States.TaskFailed and that document as the cause.
func Result(e *Execution, pattern string) (any, error) {
	payload := func(s string) any {
		if pattern != "sync:2" {
			return s
		}
		v, err := value.ParseString(s)
		if err != nil {
			return s
		}
		return v
	}
	ms := []value.Member{}
	if e.Cause != "" {
		ms = append(ms, value.Member{Key: "Cause", Value: e.Cause})
	}
	if e.Error != "" {
		ms = append(ms, value.Member{Key: "Error", Value: e.Error})
	}
	ms = append(ms,
		value.Member{Key: "ExecutionArn", Value: e.ARN},
		value.Member{Key: "Input", Value: payload(e.Input)},
		value.Member{Key: "InputDetails", Value: value.NewObject([]value.Member{{Key: "Included", Value: true}})},
		value.Member{Key: "Name", Value: e.Name})
	if e.HasOutput {
		ms = append(ms, value.Member{Key: "Output", Value: payload(e.Output)},
			value.Member{Key: "OutputDetails", Value: value.NewObject([]value.Member{{Key: "Included", Value: true}})})
	}
	ms = append(ms, value.Member{Key: "RedriveCount", Value: value.Int(int64(e.RedriveCount))})
	if e.RedriveStatus != "" {
		ms = append(ms, value.Member{Key: "RedriveStatus", Value: e.RedriveStatus})
	}
	if e.RedriveStatusReason != "" {
		ms = append(ms, value.Member{Key: "RedriveStatusReason", Value: e.RedriveStatusReason})
	}
	ms = append(ms, value.Member{Key: "StartDate", Value: millis(e.Start)})
	if e.AliasARN != "" {
		ms = append(ms, value.Member{Key: "StateMachineAliasArn", Value: e.AliasARN})
	}
	ms = append(ms, value.Member{Key: "StateMachineArn", Value: e.StateMachineARN})
	if e.VersionARN != "" {
		ms = append(ms, value.Member{Key: "StateMachineVersionArn", Value: e.VersionARN})
	}
	ms = append(ms, value.Member{Key: "Status", Value: e.Status})
	if !e.Stop.IsZero() {
		ms = append(ms, value.Member{Key: "StopDate", Value: millis(e.Stop)})
	}
	doc := value.NewObject(ms)
	if e.Status == "SUCCEEDED" {
		return doc, nil
	}
	return nil, &resource.Error{Name: "States.TaskFailed", Cause: value.String(doc)}
}

func millis(t time.Time) value.Number { return value.Int(t.UnixMilli()) }

// withMetadata adds the SDK's response metadata, as the request-response
// pattern's result carries it.
func withMetadata(o *value.Object) *value.Object {
	reqID := intrinsic.UUID(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	date := time.Now().UTC().Format(time.RFC1123)
	body := value.String(o)
	headers := [][2]string{{"Content-Length", fmt.Sprint(len(body))}, {"Content-Type", "application/x-amz-json-1.0"}, {"Date", date}, {"x-amzn-RequestId", reqID}}
	all := make([]value.Member, len(headers))
	single := make([]value.Member, len(headers))
	for i, h := range headers {
		all[i] = value.Member{Key: h[0], Value: []any{h[1]}}
		single[i] = value.Member{Key: h[0], Value: h[1]}
	}
	return o.With("SdkHttpMetadata", value.NewObject([]value.Member{
		{Key: "AllHttpHeaders", Value: value.NewObject(all)},
		{Key: "HttpHeaders", Value: value.NewObject(single)},
		{Key: "HttpStatusCode", Value: value.Int(200)},
	})).With("SdkResponseMetadata", value.NewObject([]value.Member{{Key: "RequestId", Value: reqID}}))
}

// startFailure names a refused start as Step Functions names it for this
// integration: StepFunctions.<Code>Exception.
func startFailure(err error) error {
	se, ok := err.(*StartError)
	if !ok {
		return err
	}
	code := se.Code
	if !strings.HasSuffix(code, "Exception") {
		code += "Exception"
	}
	return &resource.Error{Name: "StepFunctions." + code, Cause: se.Message}
}
