package engine

import (
	"context"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"time"

	"github.com/baton-sh/baton/arn"
	"github.com/baton-sh/baton/definition"
	"github.com/baton-sh/baton/jsonata"
	"github.com/baton-sh/baton/machine"
	"github.com/baton-sh/baton/store"
	"github.com/baton-sh/baton/value"
)

// What the web console asks that the Step Functions API cannot answer:
// executions of every state machine, searched; counts; whole histories in
// one read; activity queues; JSONata evaluated as state machines evaluate
// it. These are Baton's own questions: their errors are *Error like the
// API's, but no AWS client sends them.

// Now is the time by the engine's clock.
func (e *Engine) Now() time.Time { return e.clock.Now() }

// KeepsExpress says whether finished Express executions are kept in the
// store (Options.ExpressHistory): otherwise nothing can be read about one.
func (e *Engine) KeepsExpress() bool { return e.o.ExpressHistory && e.store != nil }

// CountExecutions counts the executions started at or after since, by
// state machine ARN (those started through a version or alias count under
// their state machine) and status.
func (e *Engine) CountExecutions(ctx context.Context, since time.Time) (map[string]map[string]int, error) {
	if err := e.needStore(); err != nil {
		return nil, err
	}
	return e.store.CountExecutions(ctx, since)
}

// ExecutionQuery is a search of executions (SearchExecutions). Every
// filter is optional.
type ExecutionQuery struct {
	// StateMachineArn is a state machine's ARN (all its executions, whatever
	// started them), a version's or an alias's ("" for every state machine).
	StateMachineArn string
	// Status is one of AWS's execution statuses.
	Status string
	// StartedAfter selects executions started at or after it, StartedBefore
	// those started before it.
	StartedAfter, StartedBefore time.Time
	// NamePrefix selects names that begin with it (case counts).
	NamePrefix string
	// Text is looked for in the input, output, error and cause, ASCII
	// letters in either case.
	Text string
	// Limit is the page's size (default DefaultSearchLimit, at most
	// MaxSearchLimit); NextToken continues a search.
	Limit     int
	NextToken string
}

// The bounds of a search.
const (
	DefaultSearchLimit = 50
	MaxSearchLimit     = 1000
	// MaxSearchText bounds the text searched for (bytes).
	MaxSearchText = 1024
)

// ExecutionPage is a page of a search: execution summaries (no input,
// output or definition), newest first, and the token of the next page
// ("" at the end).
type ExecutionPage struct {
	Executions []*store.Execution
	NextToken  string
}

// SearchExecutions searches the executions the store holds, of every
// region and account, Express executions kept (Options.ExpressHistory)
// included.
func (e *Engine) SearchExecutions(ctx context.Context, q *ExecutionQuery) (*ExecutionPage, error) {
	if err := e.needStore(); err != nil {
		return nil, err
	}
	f := store.ExecutionSearch{Status: q.Status, StartedAfter: q.StartedAfter, StartedBefore: q.StartedBefore, NamePrefix: q.NamePrefix, Text: q.Text}
	if q.Status != "" && !executionStatuses[q.Status] {
		return nil, notInEnum("status", q.Status, "RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE")
	}
	n := q.Limit
	switch {
	case n == 0:
		n = DefaultSearchLimit
	case n < 0 || n > MaxSearchLimit:
		return nil, validation("The limit must be between 1 and %d", MaxSearchLimit)
	}
	if len(q.Text) > MaxSearchText {
		return nil, tooLong("text", MaxSearchText)
	}
	if len(q.NamePrefix) > 80 {
		return nil, tooLong("namePrefix", 80)
	}
	var after string
	if q.NextToken != "" {
		var err error
		if _, after, err = page(searchToken, 1, q.NextToken); err != nil {
			return nil, err
		}
		if _, _, ok := store.ParseExecutionCursor(after); !ok {
			return nil, errorf(InvalidToken, "Invalid Token: '%s'", q.NextToken)
		}
	}
	if q.StateMachineArn != "" {
		a, err := parseARN("stateMachineArn", q.StateMachineArn, arn.StateMachine, arn.Version, arn.Alias)
		if err != nil {
			return nil, err
		}
		f.StateMachineARN, f.ListBy = q.StateMachineArn, listBy[a.Kind]
	}
	out := &ExecutionPage{Executions: []*store.Execution{}}
	if !f.StartedBefore.IsZero() && !f.StartedAfter.Before(f.StartedBefore) {
		return out, nil // an empty range
	}
	list, err := e.store.SearchExecutions(ctx, f, store.Page{Limit: n + 1, After: after})
	if err != nil {
		return nil, err
	}
	list, next := paginate(searchToken, list, n, store.ExecutionCursor)
	out.Executions = append(out.Executions, list...)
	if next != nil {
		out.NextToken = *next
	}
	return out, nil
}

// searchToken is the kind of SearchExecutions' page tokens.
const searchToken = "search"

// MaxHistoryRead is the most events ExecutionEvents reads at once: four
// times a Standard execution's history as AWS bounds it (25,000), so that
// a history under a raised bound (serve --max-events) still comes in one
// read or a few (about 20 MB at most).
const MaxHistoryRead = 100000

// ExecutionEvents reads an execution's status, then its history events
// after the id after, at most limit of them (default and at most
// MaxHistoryRead), each in the JSON GetExecutionHistory answers. The status
// is read first: the events hold at least what it says (an execution that
// ended has its last event there).
func (e *Engine) ExecutionEvents(ctx context.Context, executionArn string, after int64, limit int) (string, []store.Event, error) {
	switch {
	case limit == 0:
		limit = MaxHistoryRead
	case limit < 0 || limit > MaxHistoryRead:
		return "", nil, validation("The limit must be between 1 and %d", MaxHistoryRead)
	case after < 0:
		return "", nil, validation("The event id to read after must not be negative")
	}
	var rec *store.Execution
	if e.store != nil {
		rec = e.store.execution(executionArn, e.durable.Lease())
	}
	if rec == nil {
		var err error
		if rec, err = e.getExecution(ctx, "executionArn", executionArn); err != nil {
			return "", nil, err
		}
	}
	events, err := e.store.Events(ctx, executionArn, after, limit, false)
	if err != nil {
		return "", nil, err
	}
	return rec.Status, events, nil
}

// ExecutionStatus reads an execution's status and the id of its last
// history event.
func (e *Engine) ExecutionStatus(ctx context.Context, executionArn string) (*store.Execution, error) {
	if e.store != nil {
		if rec := e.store.execution(executionArn, e.durable.Lease()); rec != nil {
			return rec, nil
		}
	}
	return e.getExecution(ctx, "executionArn", executionArn)
}

// ActivityStats is an activity and its queue.
type ActivityStats struct {
	ActivityArn  string
	Name         string
	CreationDate time.Time
	// Waiting counts its tasks no worker has taken, InFlight those a
	// worker holds.
	Waiting, InFlight int
	// LastPoll is when a worker last called GetActivityTask for it on this
	// node (zero: none since the node started).
	LastPoll time.Time
	// Pollers counts the GetActivityTask calls that wait for one of its
	// tasks on this node now.
	Pollers int
}

// ActivityStats lists every activity (of every region) in ARN order, with
// its queue.
func (e *Engine) ActivityStats(ctx context.Context) ([]ActivityStats, error) {
	if err := e.needStore(); err != nil {
		return nil, err
	}
	var acts []*store.Resource
	for after := ""; ; {
		page, err := e.store.ListResources(ctx, store.KindActivity, "", store.Page{Limit: 1000, After: after})
		if err != nil {
			return nil, err
		}
		acts = append(acts, page...)
		if len(page) < 1000 {
			break
		}
		after = page[len(page)-1].ARN
	}
	counts, err := e.store.ActivityTaskCounts(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]ActivityStats, 0, len(acts))
	for _, a := range acts {
		s := ActivityStats{ActivityArn: a.ARN, Name: a.Name, CreationDate: a.Created, Waiting: counts[a.ARN].Waiting, InFlight: counts[a.ARN].InFlight}
		if p, ok := e.polls.Load(a.ARN); ok {
			if ns := p.(*atomic.Int64).Load(); ns != 0 {
				s.LastPoll = time.Unix(0, ns).UTC()
			}
		}
		if p, ok := e.pollers.Load(a.ARN); ok {
			s.Pollers = int(p.(*atomic.Int64).Load())
		}
		out = append(out, s)
	}
	return out, nil
}

// polled records a worker's poll of an activity (one atomic store on the
// poll's path once the activity has been polled before).
func (e *Engine) polled(activityArn string) {
	now := e.clock.Now().UnixNano()
	p, ok := e.polls.Load(activityArn)
	if !ok {
		p, _ = e.polls.LoadOrStore(activityArn, new(atomic.Int64))
	}
	p.(*atomic.Int64).Store(now)
}

// polling counts a poll of an activity in flight until the function it
// returns is called.
func (e *Engine) polling(activityArn string) (done func()) {
	p, ok := e.pollers.Load(activityArn)
	if !ok {
		p, _ = e.pollers.LoadOrStore(activityArn, new(atomic.Int64))
	}
	n := p.(*atomic.Int64)
	n.Add(1)
	return func() { n.Add(-1) }
}

// JSONataRequest is an expression to evaluate as a state machine's field
// would be: with AWS's functions ($partition, $uuid, $hash, $parse, ...)
// and the same bounds.
type JSONataRequest struct {
	// Expression is the expression's text, bare or "{% ... %}".
	Expression string
	// Input is $states.input, Context $states.context, in Baton's value
	// model (value.Parse); Variables are the workflow variables, by name
	// without '$'.
	Input, Context any
	Variables      map[string]any
}

// EvaluateJSONata evaluates an expression. It answers the result (in
// Baton's value model) and whether there is one (false: undefined), or
// JSONata's own error (*jsonata.Error: a code such as S0201, a message and
// a position) when the expression cannot be parsed or fails.
func (e *Engine) EvaluateJSONata(r *JSONataRequest) (any, bool, error) {
	src := r.Expression
	if text, ok := definition.ExpressionText(strings.TrimSpace(src)); ok {
		src = text
	}
	if _, ok := r.Variables["states"]; ok {
		return nil, false, validation("The variable name 'states' is reserved")
	}
	x, err := jsonata.Compile(src)
	if err != nil {
		return nil, false, err
	}
	scope := &playScope{vars: r.Variables, context: r.Context, random: rand.NewPCG(rand.Uint64(), rand.Uint64())}
	if scope.context == nil {
		scope.context = value.NewObject(nil)
	}
	env := &machine.JEnv{Scope: scope, Input: r.Input, Now: e.clock.Now()}
	v, err := env.Evaluate(x)
	switch {
	case err != nil:
		return nil, false, err
	case v == jsonata.Undefined:
		return nil, false, nil
	case jsonata.IsFunction(v):
		return nil, false, &jsonata.Error{Code: "States.QueryEvaluationError", Message: "The expression returned a function: an unsupported result type"}
	}
	return v, true, nil
}

// playScope is the scope of an expression evaluated on its own.
type playScope struct {
	vars    map[string]any
	context any
	random  rand.Source
}

func (s *playScope) Context() any { return s.context }

func (s *playScope) Variable(name string) (any, bool) {
	v, ok := s.vars[name]
	return v, ok
}

func (s *playScope) Random() rand.Source { return s.random }
