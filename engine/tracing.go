package engine

import (
	"context"
	"encoding/json"

	"github.com/baton-sh/baton/driver"
)

type traceHeaderKey struct{}

// WithTraceHeader says which trace a request is part of (a StartExecution
// caller's X-Ray trace header or W3C traceparent), when its body does not.
func WithTraceHeader(ctx context.Context, h string) context.Context {
	return context.WithValue(ctx, traceHeaderKey{}, h)
}

func traceHeaderOf(ctx context.Context) string {
	h, _ := ctx.Value(traceHeaderKey{}).(string)
	return h
}

// TracingOf says whether a state machine's tracingConfiguration enables
// tracing.
func (e *Engine) TracingOf(ctx context.Context, stateMachineARN string) (bool, error) {
	_, b, err := e.getStateMachine(ctx, stateMachineARN)
	if err != nil {
		return false, err
	}
	var c struct {
		Enabled bool `json:"enabled"`
	}
	if len(b.Tracing) > 0 && json.Unmarshal(b.Tracing, &c) != nil {
		return false, nil
	}
	return c.Enabled, nil
}

// ExecutionTraceHeader is the trace header a durable execution was
// started with ("" for none, or for an execution the store does not
// keep).
func (e *Engine) ExecutionTraceHeader(ctx context.Context, executionARN string) string {
	rec, err := e.store.GetExecution(ctx, executionARN)
	if err != nil {
		return ""
	}
	return driver.TraceHeader(rec)
}
