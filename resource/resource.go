// Package resource is where a Task state's work goes. A Task's Resource
// names it (an ARN); a Registry maps resource ARNs to implementations of
// Resource. Each kind of resource (Go functions here; commands, HTTP
// endpoints, activities and mocks later) is one implementation of the same
// interface, so adding a kind never touches the interpreter.
package resource

import (
	"context"
	"errors"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/baton-sh/baton/failure"
)

// Request is one attempt of a Task state.
type Request struct {
	Resource     string
	Input        any // the effective input, in the value model
	StateName    string
	ExecutionARN string
	Token        string // $$.Task.Token
	Timeout      time.Duration
	Heartbeat    time.Duration
	Context      any // the context object, when the state reads it
	// Invocation counts the earlier tasks of the same state in the
	// execution (retries and Map iterations included): 0 for the first.
	Invocation int
	// TraceParent, when the execution is traced, is the W3C traceparent
	// of the task's span: calls the task makes over HTTP carry it.
	TraceParent string
}

// Resource carries out tasks. Invoke returns the task's result, or an error:
// a *Error chooses the error name AWS would report; any other error becomes
// States.TaskFailed with the error's text as the cause. Invoke must return
// soon after ctx is done.
type Resource interface {
	Invoke(ctx context.Context, req *Request) (any, error)
}

// Func adapts a function to Resource.
type Func func(ctx context.Context, req *Request) (any, error)

// Invoke calls f.
func (f Func) Invoke(ctx context.Context, req *Request) (any, error) { return f(ctx, req) }

// Error is a task failure with an explicit error name, as a Lambda function
// reports its errorType.
type Error struct {
	Name  string
	Cause string
}

func (e *Error) Error() string {
	if e.Cause == "" {
		return e.Name
	}
	return e.Name + ": " + e.Cause
}

// Submitted is returned, as the error, by a resource whose call was
// accepted but whose result comes later: a .waitForTaskToken call, whose
// result arrives with SendTaskSuccess or SendTaskFailure and the task's
// token, or a .sync call, whose result arrives when the work it started
// ends. Output is what the call answered; the execution records it in a
// TaskSubmitted event and keeps waiting.
type Submitted struct {
	Output any
}

func (s *Submitted) Error() string { return "submitted: the result comes later" }

// Canceller is a Resource whose submitted work can be stopped: a driver
// calls Cancel when the execution no longer waits for a submitted task
// (the execution ended, or the task timed out or was aborted). receipt is
// what the call answered when it was submitted.
type Canceller interface {
	Cancel(ctx context.Context, req *Request, receipt any) error
}

// Resumer is a Resource whose submitted work can be looked at again after
// a restart: Resume answers the task's result if its work has ended
// meanwhile, or a *Submitted error if it goes on (and will report then).
type Resumer interface {
	Resume(ctx context.Context, req *Request, receipt any) (any, error)
}

// AsSubmitted reports whether err says that the task was submitted.
func AsSubmitted(err error) (*Submitted, bool) {
	var s *Submitted
	ok := errors.As(err, &s)
	return s, ok
}

// ToFailure turns a Resource's error into the failure the execution sees.
func ToFailure(err error) *failure.Failure {
	var e *Error
	if errors.As(err, &e) {
		return failure.New(e.Name, e.Cause)
	}
	if f, ok := failure.From(err); ok {
		return f
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return failure.New(failure.Timeout, "")
	}
	return failure.New(failure.TaskFailed, err.Error())
}

// Registry maps resource ARNs to resources. An entry ending in '*' matches
// every ARN with that prefix. It is safe for concurrent use.
type Registry struct {
	mu       sync.RWMutex
	exact    map[string]Resource
	prefixes []prefixEntry
}

type prefixEntry struct {
	prefix string
	r      Resource
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{exact: map[string]Resource{}} }

// Register maps arn (or a prefix ending in '*') to r.
func (reg *Registry) Register(arn string, r Resource) {
	reg.mu.Lock()
	defer reg.mu.Unlock()
	if p, ok := strings.CutSuffix(arn, "*"); ok {
		for i := range reg.prefixes {
			if reg.prefixes[i].prefix == p {
				reg.prefixes[i].r = r
				return
			}
		}
		reg.prefixes = append(reg.prefixes, prefixEntry{p, r})
		// Longest prefix first, so that the most specific entry wins.
		sort.Slice(reg.prefixes, func(i, j int) bool { return len(reg.prefixes[i].prefix) > len(reg.prefixes[j].prefix) })
		return
	}
	reg.exact[arn] = r
}

// Lookup finds the resource for an ARN.
func (reg *Registry) Lookup(arn string) (Resource, bool) {
	reg.mu.RLock()
	defer reg.mu.RUnlock()
	if r, ok := reg.exact[arn]; ok {
		return r, true
	}
	for _, p := range reg.prefixes {
		if strings.HasPrefix(arn, p.prefix) {
			return p.r, true
		}
	}
	return nil, false
}

// NoHandlerCause explains a Task whose resource nothing here can reach, and
// how to make it reachable.
func NoHandlerCause(arn, state string) string {
	return "The resource '" + arn + "' of the state '" + state + "' is not available here. Mock the state " +
		"(a mock config with a test case that names '" + state + "': --mock-config FILE, and the state machine ARN suffixed #TestCase " +
		"or --test-case NAME), configure it in baton.yaml if it is a Lambda function or an HTTP Task, or register a Go handler for it."
}
