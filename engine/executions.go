package engine

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/baton-sh/baton/arn"
	"github.com/baton-sh/baton/driver"
	"github.com/baton-sh/baton/interpreter"
	"github.com/baton-sh/baton/mock"
	"github.com/baton-sh/baton/store"
	"github.com/baton-sh/baton/value"
)

// target is what a StartExecution names: a state machine, one of its
// versions, or an alias that routes to versions.
type target struct {
	sm         arn.ARN
	body       *smBody
	versionARN string
	aliasARN   string
	// A state machine ARN suffixed #TestCase runs that test case of the
	// mock configuration, as AWS's Step Functions Local does.
	testCase string
	mock     *mock.Case
}

func (e *Engine) resolveTarget(ctx context.Context, text string) (*target, error) {
	text, testCase, hasCase := strings.Cut(text, "#")
	a, err := parseARN("stateMachineArn", text, arn.StateMachine, arn.Version, arn.Alias)
	if err != nil {
		return nil, err
	}
	t := &target{sm: a.StateMachineARN()}
	if _, ok := e.deleting.Load(t.sm.String()); ok {
		return nil, stateMachineDeleting()
	}
	if hasCase {
		if e.o.Mocks == nil {
			return nil, validation("The state machine ARN names the test case '%s', but the server has no mock configuration (baton serve --mock-config FILE)", testCase)
		}
		tc, err := e.o.Mocks.Case(t.sm.Name, testCase)
		if err != nil {
			return nil, validation("%s", err.Error())
		}
		t.testCase, t.mock = testCase, tc
	}
	switch a.Kind {
	case arn.StateMachine, arn.Version:
		b, err := e.store.stateMachine(ctx, text)
		if err != nil {
			return nil, err
		}
		t.body = b
		if a.Kind == arn.Version {
			t.versionARN = text
		}
	case arn.Alias:
		ab, err := e.store.alias(ctx, text)
		if err != nil {
			return nil, err
		}
		pick := ab.Routing[0].StateMachineVersionArn
		if len(ab.Routing) > 1 && rand.IntN(100) >= ab.Routing[0].Weight {
			pick = ab.Routing[1].StateMachineVersionArn
		}
		b, err := e.store.stateMachine(ctx, pick)
		if err != nil {
			return nil, err
		}
		t.body, t.versionARN, t.aliasARN = b, pick, text
	}
	return t, nil
}

// checkInput validates an execution input as AWS does: too large is a
// ValidationException, not JSON is InvalidExecutionInput.
func (e *Engine) checkInput(input *string) error {
	if *input == "" {
		*input = "{}"
	}
	if len(*input) > e.o.PayloadLimit {
		return tooLong("input", e.o.PayloadLimit)
	}
	if _, err := value.ParseString(*input); err != nil {
		return errorf(InvalidExecutionInput, "Invalid State Machine Execution Input: '%s'", err.Error())
	}
	return nil
}

// StartExecutionInput is StartExecution's and StartSyncExecution's request.
type StartExecutionInput struct {
	StateMachineArn string `json:"stateMachineArn"`
	Name            string `json:"name"`
	Input           string `json:"input"`
	TraceHeader     string `json:"traceHeader"`
}

// StartExecutionOutput is StartExecution's answer.
type StartExecutionOutput struct {
	ExecutionArn string `json:"executionArn"`
	StartDate    Time   `json:"startDate"`
}

func (e *Engine) startCommon(ctx context.Context, in *StartExecutionInput) (*target, error) {
	if err := e.needStore(); err != nil {
		return nil, err
	}
	if len(in.TraceHeader) > 256 {
		return nil, tooLong("traceHeader", 256)
	}
	if in.Name != "" {
		if err := checkName(in.Name); err != nil {
			return nil, err
		}
	}
	if err := e.checkInput(&in.Input); err != nil {
		return nil, err
	}
	return e.resolveTarget(ctx, in.StateMachineArn)
}

// StartExecution starts an execution: a Standard one durably (it returns
// once the start is durable), an Express one in memory.
func (e *Engine) StartExecution(ctx context.Context, in *StartExecutionInput) (*StartExecutionOutput, error) {
	t, err := e.startCommon(ctx, in)
	if err != nil {
		return nil, err
	}
	if in.TraceHeader != "" {
		ctx = WithTraceHeader(ctx, in.TraceHeader)
	}
	execARN, start, err := e.start(ctx, t, in.Name, in.Input, "", nil, nil)
	if err != nil {
		return nil, err
	}
	return &StartExecutionOutput{execARN, Time(start)}, nil
}

// start starts an execution of a target: durably for a Standard machine,
// in memory for an Express one. parent, for a .sync child, is the task
// that waits for it; done, for an Express child, is told its end.
func (e *Engine) start(ctx context.Context, t *target, name, input, startedBy string, parent *driver.Parent, done func(*interpreter.Execution, string)) (string, time.Time, error) {
	if name == "" {
		name = NewUUID()
	}
	if t.body.Type == "EXPRESS" {
		return e.express.start(t, name, input, traceHeaderOf(ctx), done), e.clock.Now(), nil
	}
	execARN := arn.ARN{Partition: t.sm.Partition, Region: t.sm.Region, Account: t.sm.Account, Kind: arn.Execution, Name: t.sm.Name, Qualifier: name}.String()
	rec, err := e.durable.StartExecution(ctx, driver.StartRequest{
		ExecutionARN: execARN, Name: name, StateMachineARN: t.sm.String(), StateMachineName: t.sm.Name,
		VersionARN: t.versionARN, AliasARN: t.aliasARN, Definition: t.body.Definition, RoleARN: t.body.RoleARN,
		Region: t.sm.Region, Input: input, PayloadLimit: e.o.PayloadLimit, MaxEvents: e.o.MaxEvents, TraceHeader: traceHeaderOf(ctx), Parent: parent, StartedBy: startedBy, TestCase: t.testCase,
	})
	if errors.Is(err, store.ErrConflict) {
		// Starting the same execution again is idempotent while it runs with
		// the same input; otherwise the name is taken.
		existing, gerr := e.store.GetExecution(ctx, execARN)
		if gerr == nil && existing.Status == "RUNNING" && existing.Input == input && existing.StateMachineARN == t.sm.String() {
			return execARN, existing.Start, nil
		}
		return "", time.Time{}, errorf(ExecutionAlreadyExists, "Execution Already Exists: '%s'", execARN)
	}
	if err != nil {
		return "", time.Time{}, err
	}
	return execARN, rec.Start, nil
}

// StartSyncExecutionOutput is StartSyncExecution's answer: the finished
// Express execution.
type StartSyncExecutionOutput struct {
	ExecutionArn    string       `json:"executionArn"`
	StateMachineArn string       `json:"stateMachineArn"`
	Name            string       `json:"name"`
	StartDate       Time         `json:"startDate"`
	StopDate        Time         `json:"stopDate"`
	Status          string       `json:"status"`
	Error           string       `json:"error,omitempty"`
	Cause           string       `json:"cause,omitempty"`
	Input           string       `json:"input"`
	InputDetails    *DataDetails `json:"inputDetails"`
	Output          *string      `json:"output,omitempty"`
	OutputDetails   *DataDetails `json:"outputDetails,omitempty"`
	TraceHeader     string       `json:"traceHeader,omitempty"`
	BillingDetails  struct {
		Memory   int64 `json:"billedMemoryUsedInMB"`
		Duration int64 `json:"billedDurationInMilliseconds"`
	} `json:"billingDetails"`
}

// StartSyncExecution runs an Express execution to its end and answers it;
// a failed execution is still an answer, not an error.
func (e *Engine) StartSyncExecution(ctx context.Context, in *StartExecutionInput) (*StartSyncExecutionOutput, error) {
	t, err := e.startCommon(ctx, in)
	if err != nil {
		return nil, err
	}
	if t.body.Type != "EXPRESS" {
		return nil, typeNotSupported()
	}
	if in.Name == "" {
		in.Name = NewUUID()
	}
	ex, execARN, err := e.express.run(ctx, t, in.Name, in.Input, cmp.Or(in.TraceHeader, traceHeaderOf(ctx)))
	if err != nil {
		return nil, err
	}
	defer ex.Release()
	out := &StartSyncExecutionOutput{
		ExecutionArn: execARN, StateMachineArn: t.sm.String(), Name: in.Name,
		StartDate: Time(ex.StartTime), StopDate: Time(ex.StopTime), Status: ex.Status.String(),
		Input: in.Input, InputDetails: included, TraceHeader: in.TraceHeader,
	}
	out.BillingDetails.Memory = 64
	out.BillingDetails.Duration = max(100, ex.StopTime.Sub(ex.StartTime).Milliseconds())
	if ex.Status == interpreter.Succeeded {
		o := value.String(ex.Output)
		out.Output, out.OutputDetails = &o, included
	}
	if ex.Failure != nil {
		out.Error, out.Cause = ex.Failure.Error, ex.Failure.Cause
	}
	return out, nil
}

func (e *Engine) getExecution(ctx context.Context, field, text string) (*store.Execution, error) {
	if err := e.needStore(); err != nil {
		return nil, err
	}
	if _, err := parseARN(field, text, arn.Execution, arn.Express); err != nil {
		return nil, err
	}
	rec, err := e.store.GetExecution(ctx, text)
	if errors.Is(err, store.ErrNotFound) {
		return nil, executionDoesNotExist(text)
	}
	return rec, err
}

// DescribeExecutionInput is DescribeExecution's request.
type DescribeExecutionInput struct {
	ExecutionArn string `json:"executionArn"`
	IncludedData string `json:"includedData"`
}

// DescribeExecutionOutput describes an execution.
type DescribeExecutionOutput struct {
	ExecutionArn           string       `json:"executionArn"`
	StateMachineArn        string       `json:"stateMachineArn"`
	Name                   string       `json:"name"`
	Status                 string       `json:"status"`
	StartDate              Time         `json:"startDate"`
	StopDate               *Time        `json:"stopDate,omitempty"`
	Input                  *string      `json:"input,omitempty"`
	InputDetails           *DataDetails `json:"inputDetails,omitempty"`
	Output                 *string      `json:"output,omitempty"`
	OutputDetails          *DataDetails `json:"outputDetails,omitempty"`
	Error                  string       `json:"error,omitempty"`
	Cause                  string       `json:"cause,omitempty"`
	StateMachineVersionArn string       `json:"stateMachineVersionArn,omitempty"`
	StateMachineAliasArn   string       `json:"stateMachineAliasArn,omitempty"`
	RedriveCount           int          `json:"redriveCount"`
	RedriveDate            *Time        `json:"redriveDate,omitempty"`
	RedriveStatus          string       `json:"redriveStatus"`
	RedriveStatusReason    string       `json:"redriveStatusReason,omitempty"`
}

// DescribeExecution describes an execution: its status, input, output or
// failure, and whether it can be redriven.
func (e *Engine) DescribeExecution(ctx context.Context, in *DescribeExecutionInput) (*DescribeExecutionOutput, error) {
	var rec *store.Execution
	if e.store != nil {
		rec = e.store.execution(in.ExecutionArn, e.durable.Lease())
	}
	if rec == nil {
		var err error
		if rec, err = e.getExecution(ctx, "executionArn", in.ExecutionArn); err != nil {
			return nil, err
		}
	}
	var err error
	out := &DescribeExecutionOutput{
		ExecutionArn: rec.ARN, StateMachineArn: rec.StateMachineARN, Name: rec.Name, Status: rec.Status, StartDate: Time(rec.Start),
		StopDate: timePtr(rec.Stop), Error: rec.Error, Cause: rec.Cause, StateMachineVersionArn: rec.VersionARN,
		StateMachineAliasArn: rec.AliasARN, RedriveCount: rec.RedriveCount, RedriveDate: timePtr(rec.RedriveDate),
	}
	if in.IncludedData != "METADATA_ONLY" {
		out.Input, out.InputDetails = &rec.Input, included
		if rec.HasOutput {
			out.Output, out.OutputDetails = &rec.Output, included
		}
	}
	if out.RedriveStatus, out.RedriveStatusReason, err = e.redriveStatus(ctx, rec); err != nil {
		return nil, err
	}
	return out, nil
}

// redriveStatus says whether RedriveExecution would accept the execution
// now, and if not, why.
func (e *Engine) redriveStatus(ctx context.Context, rec *store.Execution) (string, string, error) {
	var last int64
	if rec.Status != "RUNNING" && rec.Status != "SUCCEEDED" {
		events, err := e.store.Events(ctx, rec.ARN, 0, 1, true)
		if err != nil {
			return "", "", err
		}
		if len(events) > 0 {
			last = events[0].ID
		}
	}
	if reason := driver.RedriveReason(rec, last, e.clock.Now()); reason != "" {
		return "NOT_REDRIVABLE", reason, nil
	}
	return "REDRIVABLE", "", nil
}

// RedriveExecutionInput is RedriveExecution's request.
type RedriveExecutionInput struct {
	ExecutionArn string `json:"executionArn"`
	ClientToken  string `json:"clientToken"`
}

// RedriveExecutionOutput is RedriveExecution's answer.
type RedriveExecutionOutput struct {
	RedriveDate Time `json:"redriveDate"`
}

// RedriveExecution resumes a failed, timed-out or aborted Standard
// execution from the states that did not finish.
func (e *Engine) RedriveExecution(ctx context.Context, in *RedriveExecutionInput) (*RedriveExecutionOutput, error) {
	if len(in.ClientToken) > 64 {
		return nil, tooLong("clientToken", 64)
	}
	rec, err := e.getExecution(ctx, "executionArn", in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	if _, ok := e.deleting.Load(rec.StateMachineARN); ok {
		return nil, stateMachineDeleting()
	}
	date, err := e.durable.RedriveExecution(ctx, rec.ARN, in.ClientToken)
	var nr *driver.NotRedrivableError
	if errors.As(err, &nr) {
		return nil, errorf(ExecutionNotRedrivable, "Execution '%s' cannot be redriven: %s", rec.ARN, nr.Reason)
	}
	if err != nil {
		return nil, err
	}
	return &RedriveExecutionOutput{Time(date)}, nil
}

// StopExecutionInput is StopExecution's request.
type StopExecutionInput struct {
	ExecutionArn string `json:"executionArn"`
	Error        string `json:"error"`
	Cause        string `json:"cause"`
}

// StopExecutionOutput is StopExecution's answer.
type StopExecutionOutput struct {
	StopDate Time `json:"stopDate"`
}

// StopExecution aborts a running execution; one that has ended is left as
// it is.
func (e *Engine) StopExecution(ctx context.Context, in *StopExecutionInput) (*StopExecutionOutput, error) {
	if len(in.Error) > 256 || len(in.Cause) > 32768 {
		return nil, validation("1 validation error detected: Value at 'error' or 'cause' failed to satisfy constraint: Member must have length less than or equal to 256 and 32768")
	}
	rec, err := e.getExecution(ctx, "executionArn", in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	if rec.Status == "RUNNING" && !rec.Express {
		err := e.durable.StopExecution(ctx, rec.ARN, in.Error, in.Cause)
		if err != nil && !errors.Is(err, driver.ErrExecutionClosed) {
			return nil, err
		}
		if rec, err = e.store.GetExecution(ctx, rec.ARN); err != nil {
			return nil, err
		}
	}
	stop := rec.Stop
	if stop.IsZero() {
		stop = e.clock.Now()
	}
	return &StopExecutionOutput{Time(stop)}, nil
}

// ListExecutionsInput is ListExecutions' request.
type ListExecutionsInput struct {
	StateMachineArn string `json:"stateMachineArn"`
	StatusFilter    string `json:"statusFilter"`
	MaxResults      int    `json:"maxResults"`
	NextToken       string `json:"nextToken"`
	MapRunArn       string `json:"mapRunArn"`
	RedriveFilter   string `json:"redriveFilter"`
}

// ExecutionListItem is one execution of a list.
type ExecutionListItem struct {
	ExecutionArn           string `json:"executionArn"`
	StateMachineArn        string `json:"stateMachineArn"`
	Name                   string `json:"name"`
	Status                 string `json:"status"`
	StartDate              Time   `json:"startDate"`
	StopDate               *Time  `json:"stopDate,omitempty"`
	StateMachineVersionArn string `json:"stateMachineVersionArn,omitempty"`
	StateMachineAliasArn   string `json:"stateMachineAliasArn,omitempty"`
	RedriveCount           int    `json:"redriveCount"`
	RedriveDate            *Time  `json:"redriveDate,omitempty"`
}

// ListExecutionsOutput is a page of executions.
type ListExecutionsOutput struct {
	Executions []ExecutionListItem `json:"executions"`
	NextToken  *string             `json:"nextToken,omitempty"`
}

var executionStatuses = map[string]bool{"RUNNING": true, "SUCCEEDED": true, "FAILED": true, "TIMED_OUT": true, "ABORTED": true, "PENDING_REDRIVE": true}

// ListExecutions lists the executions of a state machine, version or
// alias, newest first.
// listBy says how the store files the executions of each kind of ARN.
var listBy = map[arn.Kind]store.ListBy{arn.StateMachine: store.ByStateMachine, arn.Version: store.ByVersion, arn.Alias: store.ByAlias}

func (e *Engine) ListExecutions(ctx context.Context, in *ListExecutionsInput) (*ListExecutionsOutput, error) {
	if err := e.needStore(); err != nil {
		return nil, err
	}
	if in.MapRunArn != "" {
		return nil, resourceNotFound(in.MapRunArn)
	}
	var redriven *bool
	switch in.RedriveFilter {
	case "":
	case "REDRIVEN", "NOT_REDRIVEN":
		v := in.RedriveFilter == "REDRIVEN"
		redriven = &v
	default:
		return nil, notInEnum("redriveFilter", in.RedriveFilter, "REDRIVEN, NOT_REDRIVEN")
	}
	if in.StatusFilter != "" && !executionStatuses[in.StatusFilter] {
		return nil, notInEnum("statusFilter", in.StatusFilter, "RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE")
	}
	n, after, err := page("exec", in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	if _, _, ok := store.ParseExecutionCursor(after); after != "" && !ok {
		return nil, errorf(InvalidToken, "Invalid Token: '%s'", in.NextToken)
	}
	a, err := parseARN("stateMachineArn", in.StateMachineArn, arn.StateMachine, arn.Version, arn.Alias)
	if err != nil {
		return nil, err
	}
	// The resource named (state machine, version or alias) lists the
	// executions started since it was created: not those of a namesake
	// deleted before it.
	var since time.Time
	smText := in.StateMachineArn
	if a.Kind == arn.Alias {
		res, ab, err := e.getAlias(ctx, "stateMachineArn", in.StateMachineArn)
		if err != nil {
			return nil, err
		}
		smText, since = ab.Routing[0].StateMachineVersionArn, res.Created
	}
	res, b, err := e.getStateMachine(ctx, smText)
	if err != nil {
		return nil, err
	}
	if since.IsZero() {
		since = res.Created
	}
	if b.Type == "EXPRESS" {
		return nil, typeNotSupported()
	}
	list, err := e.store.ListExecutions(ctx, store.ExecutionFilter{StateMachineARN: in.StateMachineArn, ListBy: listBy[a.Kind], Status: in.StatusFilter, Redriven: redriven},
		store.Page{Limit: n + 1, After: after})
	if err != nil {
		return nil, err
	}
	// Newest first: the first execution older than the resource ends the
	// list.
	for i, rec := range list {
		if rec.Start.Before(since) {
			list = list[:i]
			break
		}
	}
	list, next := paginate("exec", list, n, store.ExecutionCursor)
	out := &ListExecutionsOutput{Executions: []ExecutionListItem{}, NextToken: next}
	for _, rec := range list {
		out.Executions = append(out.Executions, ExecutionListItem{
			ExecutionArn: rec.ARN, StateMachineArn: rec.StateMachineARN, Name: rec.Name, Status: rec.Status, StartDate: Time(rec.Start),
			StopDate: timePtr(rec.Stop), StateMachineVersionArn: rec.VersionARN, StateMachineAliasArn: rec.AliasARN,
			RedriveCount: rec.RedriveCount, RedriveDate: timePtr(rec.RedriveDate),
		})
	}
	return out, nil
}

// GetExecutionHistoryInput is GetExecutionHistory's request.
type GetExecutionHistoryInput struct {
	ExecutionArn         string `json:"executionArn"`
	MaxResults           int    `json:"maxResults"`
	NextToken            string `json:"nextToken"`
	ReverseOrder         bool   `json:"reverseOrder"`
	IncludeExecutionData *bool  `json:"includeExecutionData"`
}

// GetExecutionHistoryOutput is a page of history events, each in AWS's
// JSON shape.
type GetExecutionHistoryOutput struct {
	Events    []json.RawMessage `json:"events"`
	NextToken *string           `json:"nextToken,omitempty"`
}

// GetExecutionHistory reads an execution's history.
func (e *Engine) GetExecutionHistory(ctx context.Context, in *GetExecutionHistoryInput) (*GetExecutionHistoryOutput, error) {
	if _, err := e.getExecution(ctx, "executionArn", in.ExecutionArn); err != nil {
		return nil, err
	}
	n, afterText, err := page("history", in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	var after int64
	if afterText != "" {
		if after, err = strconv.ParseInt(afterText, 10, 64); err != nil {
			return nil, errorf(InvalidToken, "Invalid Token: '%s'", in.NextToken)
		}
	}
	events, err := e.store.Events(ctx, in.ExecutionArn, after, n+1, in.ReverseOrder)
	if err != nil {
		return nil, err
	}
	events, next := paginate("history", events, n, func(ev store.Event) string { return strconv.FormatInt(ev.ID, 10) })
	include := in.IncludeExecutionData == nil || *in.IncludeExecutionData
	out := &GetExecutionHistoryOutput{Events: make([]json.RawMessage, 0, len(events)), NextToken: next}
	for _, ev := range events {
		if include {
			out.Events = append(out.Events, ev.JSON)
		} else {
			out.Events = append(out.Events, withoutData(ev.JSON))
		}
	}
	return out, nil
}

// withoutData drops the input and output of an event's details, as
// includeExecutionData=false asks.
func withoutData(event []byte) json.RawMessage {
	v, err := value.Parse(event)
	obj, ok := v.(*value.Object)
	if err != nil || !ok {
		return event
	}
	b := value.NewBuilder(obj.Len())
	for _, m := range obj.Members() {
		if d, isObj := m.Value.(*value.Object); isObj && strings.HasSuffix(m.Key, "EventDetails") {
			db := value.NewBuilder(d.Len())
			for _, dm := range d.Members() {
				if dm.Key != "input" && dm.Key != "output" {
					db.Set(dm.Key, dm.Value)
				}
			}
			b.Set(m.Key, db.Object())
			continue
		}
		b.Set(m.Key, m.Value)
	}
	return value.Marshal(b.Object())
}

// DescribeStateMachineForExecutionInput is
// DescribeStateMachineForExecution's request.
type DescribeStateMachineForExecutionInput struct {
	ExecutionArn string `json:"executionArn"`
}

// DescribeStateMachineForExecutionOutput is the state machine an execution
// runs, as it was when the execution started.
type DescribeStateMachineForExecutionOutput struct {
	StateMachineArn      string          `json:"stateMachineArn"`
	Name                 string          `json:"name"`
	Definition           string          `json:"definition"`
	RoleArn              string          `json:"roleArn"`
	UpdateDate           Time            `json:"updateDate"`
	LoggingConfiguration json.RawMessage `json:"loggingConfiguration"`
	TracingConfiguration json.RawMessage `json:"tracingConfiguration"`
}

// DescribeStateMachineForExecution describes the definition an execution
// runs.
func (e *Engine) DescribeStateMachineForExecution(ctx context.Context, in *DescribeStateMachineForExecutionInput) (*DescribeStateMachineForExecutionOutput, error) {
	rec, err := e.getExecution(ctx, "executionArn", in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	a, err := arn.Parse(rec.StateMachineARN)
	if err != nil {
		return nil, err
	}
	return &DescribeStateMachineForExecutionOutput{
		StateMachineArn: rec.StateMachineARN, Name: a.Name, Definition: rec.Definition, RoleArn: rec.RoleARN,
		UpdateDate: Time(rec.Start), LoggingConfiguration: defaultLogging, TracingConfiguration: defaultTracing,
	}, nil
}
