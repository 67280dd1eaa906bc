// Package tracing turns executions into OpenTelemetry traces, as X-Ray
// traces a state machine whose tracingConfiguration enables it: one trace
// per execution (its root span the execution), a span per state entered and
// per task, a task's failures and retries as span events. An execution
// started by a caller in a trace (StartExecution's traceHeader, or the
// request's traceparent) joins that trace.
//
// Spans are made from the engine's observations, after the fact, with the
// times the history gives; IDs are derived from the execution's ARN, so
// that a span's id is the same whichever node records it.
package tracing

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/history"
	"github.com/baton-sh/baton/interpreter"
)

// Mode says which executions are traced.
type Mode int

const (
	// Configured traces the executions of state machines whose
	// tracingConfiguration is enabled.
	Configured Mode = iota
	// All traces every execution.
	All
)

// Tracer is the engine observer that makes spans.
type Tracer struct {
	e      *engine.Engine
	mode   Mode
	tracer trace.Tracer

	mu      sync.Mutex
	open    map[string]*execution // by execution ARN
	enabled map[string]cachedFlag // by state machine ARN
}

type cachedFlag struct {
	on   bool
	read time.Time
}

// execution is what is open of one execution's trace.
type execution struct {
	ctx    context.Context // holds the root span
	root   trace.Span
	states map[string][]trace.Span // by state name: visits open (a stack: Map iterations reuse names)
	tasks  map[string]trace.Span   // by state name: the task in flight
	tries  map[string]int          // by state name: attempts of its task
}

// New makes a tracer over a tracer provider made with NewProvider (its
// span IDs must come from IDs).
func New(e *engine.Engine, tp trace.TracerProvider, mode Mode) *Tracer {
	return &Tracer{e: e, mode: mode, tracer: tp.Tracer("github.com/baton-sh/baton"), open: map[string]*execution{}, enabled: map[string]cachedFlag{}}
}

// NewProvider makes a tracer provider that exports to exp, with span IDs
// from IDs.
func NewProvider(exp sdktrace.SpanExporter, opts ...sdktrace.TracerProviderOption) *sdktrace.TracerProvider {
	return sdktrace.NewTracerProvider(append([]sdktrace.TracerProviderOption{sdktrace.WithBatcher(exp), sdktrace.WithIDGenerator(IDs{})}, opts...)...)
}

// IDs gives spans the IDs the tracer chose for them (in the span's
// context); random ones otherwise.
type IDs struct{}

type chosenKey struct{}

type chosen struct {
	trace trace.TraceID
	span  trace.SpanID
}

// NewIDs returns the chosen trace and span IDs.
func (IDs) NewIDs(ctx context.Context) (trace.TraceID, trace.SpanID) {
	if c, ok := ctx.Value(chosenKey{}).(chosen); ok {
		return c.trace, c.span
	}
	return randomIDs()
}

// NewSpanID returns the chosen span ID.
func (IDs) NewSpanID(ctx context.Context, _ trace.TraceID) trace.SpanID {
	if c, ok := ctx.Value(chosenKey{}).(chosen); ok {
		return c.span
	}
	_, s := randomIDs()
	return s
}

func randomIDs() (trace.TraceID, trace.SpanID) {
	var t trace.TraceID
	var sp trace.SpanID
	rand.Read(t[:])  //nolint:errcheck // crypto/rand does not fail (Go 1.24+)
	rand.Read(sp[:]) //nolint:errcheck // as above
	return t, sp
}

// TraceID is the trace of an execution started outside any trace.
func TraceID(executionARN string) trace.TraceID {
	var t trace.TraceID
	b := sha256.Sum256([]byte("trace\x00" + executionARN))
	copy(t[:], b[:16])
	return t
}

// SpanID is the span of a part of an execution: "" for the execution,
// else a state visit's or task's key.
func SpanID(executionARN, part string) trace.SpanID {
	var s trace.SpanID
	b := sha256.Sum256([]byte("span\x00" + executionARN + "\x00" + part))
	copy(s[:], b[:8])
	if s == (trace.SpanID{}) {
		s[7] = 1
	}
	return s
}

// ParseHeader reads a trace header: W3C's traceparent
// (00-TRACEID-SPANID-FLAGS) or X-Ray's (Root=1-XXXXXXXX-YYYY...;Parent=...;
// Sampled=1). It returns the remote parent it names.
func ParseHeader(h string) (trace.SpanContext, bool) {
	h = strings.TrimSpace(h)
	if parts := strings.Split(h, "-"); len(parts) == 4 && len(parts[1]) == 32 && len(parts[2]) == 16 {
		t, err1 := trace.TraceIDFromHex(parts[1])
		s, err2 := trace.SpanIDFromHex(parts[2])
		if err1 != nil || err2 != nil {
			return trace.SpanContext{}, false
		}
		flags, _ := hex.DecodeString(parts[3])
		cfg := trace.SpanContextConfig{TraceID: t, SpanID: s, Remote: true}
		if len(flags) == 1 {
			cfg.TraceFlags = trace.TraceFlags(flags[0])
		}
		return trace.NewSpanContext(cfg), true
	}
	var root, parent string
	for _, kv := range strings.Split(h, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
		switch k {
		case "Root":
			root = v
		case "Parent":
			parent = v
		}
	}
	// Root=1-5759e988-bd862e3fe1be46a994272793: the epoch and the rest
	// make the 32 hex digits of a trace ID.
	if r := strings.Split(root, "-"); len(r) == 3 && len(r[1])+len(r[2]) == 32 {
		t, err := trace.TraceIDFromHex(r[1] + r[2])
		if err != nil {
			return trace.SpanContext{}, false
		}
		s, err := trace.SpanIDFromHex(parent)
		if err != nil {
			// No parent span: the trace only.
			s = SpanID(root, "")
		}
		return trace.NewSpanContext(trace.SpanContextConfig{TraceID: t, SpanID: s, Remote: true, TraceFlags: trace.FlagsSampled}), true
	}
	return trace.SpanContext{}, false
}

// Observe makes the spans of a step.
func (t *Tracer) Observe(batch []engine.Event) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := range batch {
		ev := &batch[i]
		if ev.ExecutionARN == "" || ev.Kind == engine.StateMachineDeleted || ev.Kind == engine.ActivityDeleted {
			continue // a deletion, not a step of an execution
		}
		x := t.open[ev.ExecutionARN]
		if x == nil {
			if ev.Kind == engine.ExecutionFinished || !t.traced(ev.StateMachineARN) {
				continue
			}
			if len(t.open) >= maxOpen {
				// Executions whose ends never came (steps lost, or
				// executions that wait for weeks): their traces end here,
				// marked unfinished, rather than memory growing.
				t.endAll(ev.Time)
			}
			x = t.begin(ev)
		}
		t.apply(x, ev)
	}
}

// Dropped says steps were lost: their spans are missing.
func (t *Tracer) Dropped(int) {}

// Close ends the spans still open (executions that outlive the server):
// they show as unfinished.
func (t *Tracer) Close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.endAll(time.Now())
}

// maxOpen bounds the executions whose traces are open at once.
const maxOpen = 100000

func (t *Tracer) endAll(at time.Time) {
	for arn, x := range t.open {
		for _, spans := range x.states {
			for _, s := range spans {
				s.End(trace.WithTimestamp(at))
			}
		}
		for _, s := range x.tasks {
			s.End(trace.WithTimestamp(at))
		}
		x.root.SetAttributes(attribute.Bool("baton.unfinished", true))
		x.root.End(trace.WithTimestamp(at))
		delete(t.open, arn)
	}
}

const flagTTL = time.Second

func (t *Tracer) traced(sm string) bool {
	if t.mode == All {
		return true
	}
	now := time.Now()
	if c, ok := t.enabled[sm]; ok && now.Sub(c.read) < flagTTL {
		return c.on
	}
	on, err := t.e.TracingOf(context.Background(), sm)
	if err != nil {
		on = false
	}
	if len(t.enabled) > 10000 {
		clear(t.enabled)
	}
	t.enabled[sm] = cachedFlag{on, now}
	return on
}

func (t *Tracer) begin(ev *engine.Event) *execution {
	ctx := context.Background()
	traceID := TraceID(ev.ExecutionARN)
	if h := ev.TraceHeader; h != "" {
		if sc, ok := ParseHeader(h); ok {
			ctx = trace.ContextWithRemoteSpanContext(ctx, sc)
			traceID = sc.TraceID()
		}
	}
	name, _ := strings.CutPrefix(lastPart(ev.StateMachineARN), "stateMachine:")
	ctx, root := t.tracer.Start(context.WithValue(ctx, chosenKey{}, chosen{traceID, SpanID(ev.ExecutionARN, "")}), name,
		trace.WithTimestamp(ev.Time), trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(attribute.String("aws.states.execution_arn", ev.ExecutionARN),
			attribute.String("aws.states.state_machine_arn", ev.StateMachineARN),
			attribute.Int("aws.states.redrive_count", ev.RedriveCount)))
	x := &execution{ctx: ctx, root: root, states: map[string][]trace.Span{}, tasks: map[string]trace.Span{}, tries: map[string]int{}}
	t.open[ev.ExecutionARN] = x
	return x
}

func lastPart(a string) string {
	i := strings.LastIndexByte(a, ':')
	return a[i+1:]
}

// apply records one event in an execution's spans.
func (t *Tracer) apply(x *execution, ev *engine.Event) {
	h := ev.History
	var id int64
	if h != nil {
		id = h.ID
	}
	switch ev.Kind {
	case engine.StateEntered:
		kind := strings.TrimSuffix(h.Type.String(), "StateEntered")
		_, span := t.tracer.Start(context.WithValue(x.ctx, chosenKey{}, chosen{x.root.SpanContext().TraceID(), SpanID(ev.ExecutionARN, "state/"+strconv.FormatInt(id, 10))}),
			ev.State, trace.WithTimestamp(ev.Time), trace.WithAttributes(attribute.String("aws.states.state.name", ev.State), attribute.String("aws.states.state.type", kind)))
		x.states[ev.State] = append(x.states[ev.State], span)
	case engine.StateExited:
		if s := pop(x.states, ev.State); s != nil {
			s.End(trace.WithTimestamp(ev.Time))
		}
	case engine.TaskScheduled:
		parent := x.ctx
		if open := x.states[ev.State]; len(open) > 0 {
			parent = trace.ContextWithSpan(parent, open[len(open)-1])
			if x.tries[ev.State] > 0 {
				open[len(open)-1].AddEvent("retry", trace.WithTimestamp(ev.Time), trace.WithAttributes(attribute.Int("attempt", x.tries[ev.State]+1)))
			}
		}
		x.tries[ev.State]++
		resource := ""
		if h.Detail != nil {
			resource = h.Detail.Resource
		}
		_, span := t.tracer.Start(context.WithValue(parent, chosenKey{}, chosen{x.root.SpanContext().TraceID(), TaskSpanID(ev.ExecutionARN, id)}),
			"Task "+cmp.Or(resource, ev.State), trace.WithTimestamp(ev.Time), trace.WithSpanKind(trace.SpanKindClient),
			trace.WithAttributes(attribute.String("aws.states.state.name", ev.State), attribute.String("aws.states.task.resource", resource),
				attribute.String("aws.states.task.kind", strings.TrimSuffix(h.Type.String(), "Scheduled"))))
		x.tasks[ev.State] = span
	case engine.TaskStarted, engine.TaskSubmitted:
		if s := x.tasks[ev.State]; s != nil {
			s.AddEvent(strings.ToLower(ev.Kind.String()[4:]), trace.WithTimestamp(ev.Time))
		}
	case engine.TaskSucceeded:
		if s := x.tasks[ev.State]; s != nil {
			s.SetStatus(codes.Ok, "")
			s.End(trace.WithTimestamp(ev.Time))
			delete(x.tasks, ev.State)
		}
	case engine.TaskFailed:
		if s := x.tasks[ev.State]; s != nil {
			fail(s, h, ev.Time)
			s.End(trace.WithTimestamp(ev.Time))
			delete(x.tasks, ev.State)
		}
	case engine.ExecutionFinished:
		for name, spans := range x.states {
			for _, s := range spans {
				s.End(trace.WithTimestamp(ev.Time)) // a state the end cut short (a Fail state, an abort)
			}
			delete(x.states, name)
		}
		for _, s := range x.tasks {
			s.End(trace.WithTimestamp(ev.Time))
		}
		x.root.SetAttributes(attribute.String("aws.states.status", ev.Status))
		if ev.Status != "SUCCEEDED" {
			fail(x.root, h, ev.Time)
		} else {
			x.root.SetStatus(codes.Ok, "")
		}
		x.root.End(trace.WithTimestamp(ev.Time))
		delete(t.open, ev.ExecutionARN)
	}
}

// TaskTraceparent is the W3C traceparent of a task's span, when its
// execution is traced ("" otherwise): the driver's TraceTask.
func (t *Tracer) TaskTraceparent(cfg *interpreter.Config, scheduled int64) string {
	t.mu.Lock()
	on := t.traced(cfg.StateMachineARN)
	t.mu.Unlock()
	if !on {
		return ""
	}
	traceID := TraceID(cfg.ExecutionARN)
	if sc, ok := ParseHeader(cfg.TraceHeader); ok {
		traceID = sc.TraceID()
	}
	return "00-" + traceID.String() + "-" + TaskSpanID(cfg.ExecutionARN, scheduled).String() + "-01"
}

// TaskSpanID is the span of the task scheduled by the history event id:
// what a task's traceparent names as its parent.
func TaskSpanID(executionARN string, scheduledEvent int64) trace.SpanID {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(scheduledEvent))
	return SpanID(executionARN, "task/"+hex.EncodeToString(b[:]))
}

func fail(s trace.Span, h *history.Event, at time.Time) {
	if h == nil || h.Failure == nil {
		s.SetStatus(codes.Error, "")
		return
	}
	s.SetStatus(codes.Error, h.Failure.Error)
	s.AddEvent("exception", trace.WithTimestamp(at), trace.WithAttributes(
		attribute.String("exception.type", h.Failure.Error), attribute.String("exception.message", h.Failure.Cause)))
}

func pop(m map[string][]trace.Span, name string) trace.Span {
	open := m[name]
	if len(open) == 0 {
		return nil
	}
	s := open[len(open)-1]
	if len(open) == 1 {
		delete(m, name)
	} else {
		m[name] = open[:len(open)-1]
	}
	return s
}
