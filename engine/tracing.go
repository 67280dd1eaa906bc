package engine

import (
	"context"
	"encoding/json"
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
// tracing. Reads go through the engine's resource cache, as LoggingOf's.
func (e *Engine) TracingOf(ctx context.Context, stateMachineARN string) (bool, error) {
	b, err := e.store.stateMachine(ctx, stateMachineARN)
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
