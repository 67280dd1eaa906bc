package api

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/baton-sh/baton/arn"
	"github.com/baton-sh/baton/driver"
	"github.com/baton-sh/baton/interpreter"
	"github.com/baton-sh/baton/intrinsic"
	"github.com/baton-sh/baton/machine"
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

func (s *Server) resolveTarget(ctx context.Context, text string) (*target, error) {
	text, testCase, hasCase := strings.Cut(text, "#")
	a, err := parseARN("stateMachineArn", text, arn.StateMachine, arn.Version, arn.Alias)
	if err != nil {
		return nil, err
	}
	t := &target{sm: a.StateMachineARN()}
	if hasCase {
		if s.cfg.Mocks == nil {
			return nil, validation("The state machine ARN names the test case '%s', but the server has no mock configuration (baton serve --mock-config FILE)", testCase)
		}
		tc, err := s.cfg.Mocks.Case(t.sm.Name, testCase)
		if err != nil {
			return nil, validation("%s", err.Error())
		}
		t.testCase, t.mock = testCase, tc
	}
	switch a.Kind {
	case arn.StateMachine, arn.Version:
		b, err := s.store.stateMachine(ctx, text)
		if err != nil {
			return nil, err
		}
		t.body = b
		if a.Kind == arn.Version {
			t.versionARN = text
		}
	case arn.Alias:
		ab, err := s.store.alias(ctx, text)
		if err != nil {
			return nil, err
		}
		pick := ab.Routing[0].StateMachineVersionArn
		if len(ab.Routing) > 1 && rand.IntN(100) >= ab.Routing[0].Weight {
			pick = ab.Routing[1].StateMachineVersionArn
		}
		b, err := s.store.stateMachine(ctx, pick)
		if err != nil {
			return nil, err
		}
		t.body, t.versionARN, t.aliasARN = b, pick, text
	}
	return t, nil
}

// checkInput validates an execution input as AWS does: too large is a
// ValidationException, not JSON is InvalidExecutionInput.
func (s *Server) checkInput(input *string) error {
	if *input == "" {
		*input = "{}"
	}
	if len(*input) > s.cfg.PayloadLimit {
		return validation("1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to %d", s.cfg.PayloadLimit)
	}
	if _, err := value.ParseString(*input); err != nil {
		return apiErrorf(400, "InvalidExecutionInput", "Invalid State Machine Execution Input: '%s'", err.Error())
	}
	return nil
}

type startInput struct {
	StateMachineArn string `json:"stateMachineArn"`
	Name            string `json:"name"`
	Input           string `json:"input"`
	TraceHeader     string `json:"traceHeader"`
}

type startOutput struct {
	ExecutionArn string `json:"executionArn"`
	StartDate    epoch  `json:"startDate"`
}

type syncOutput struct {
	ExecutionArn    string       `json:"executionArn"`
	StateMachineArn string       `json:"stateMachineArn"`
	Name            string       `json:"name"`
	StartDate       epoch        `json:"startDate"`
	StopDate        epoch        `json:"stopDate"`
	Status          string       `json:"status"`
	Error           string       `json:"error,omitempty"`
	Cause           string       `json:"cause,omitempty"`
	Input           string       `json:"input"`
	InputDetails    *dataDetails `json:"inputDetails"`
	Output          *string      `json:"output,omitempty"`
	OutputDetails   *dataDetails `json:"outputDetails,omitempty"`
	TraceHeader     string       `json:"traceHeader,omitempty"`
	BillingDetails  struct {
		Memory   int64 `json:"billedMemoryUsedInMB"`
		Duration int64 `json:"billedDurationInMilliseconds"`
	} `json:"billingDetails"`
}

type dataDetails struct {
	Included bool `json:"included"`
}

var included = &dataDetails{Included: true}

func (s *Server) startCommon(ctx context.Context, r *request, in *startInput) (*target, error) {
	if err := r.decode(in); err != nil {
		return nil, err
	}
	if in.Name != "" && !arn.ValidName(in.Name) {
		return nil, invalidName(in.Name)
	}
	if err := s.checkInput(&in.Input); err != nil {
		return nil, err
	}
	return s.resolveTarget(ctx, in.StateMachineArn)
}

func (s *Server) startExecution(ctx context.Context, r *request) (any, error) {
	var in startInput
	t, err := s.startCommon(ctx, r, &in)
	if err != nil {
		return nil, err
	}
	execARN, start, err := s.start(ctx, t, in.Name, in.Input, "", nil, nil)
	if err != nil {
		return nil, err
	}
	return &startOutput{execARN, epoch(start)}, nil
}

// start starts an execution of a target: durably for a Standard machine,
// in memory for an Express one. parent, for a .sync child, is the task
// that waits for it; done, for an Express child, is told its end.
func (s *Server) start(ctx context.Context, t *target, name, input, startedBy string, parent *driver.Parent, done func(*interpreter.Execution, string)) (string, time.Time, error) {
	if name == "" {
		name = newUUID()
	}
	if t.body.Type == "EXPRESS" {
		return s.express.start(t, name, input, done), s.cfg.Clock.Now(), nil
	}
	execARN := arn.ARN{Partition: t.sm.Partition, Region: t.sm.Region, Account: t.sm.Account, Kind: arn.Execution, Name: t.sm.Name, Qualifier: name}.String()
	rec, err := s.cfg.Durable.StartExecution(ctx, driver.StartRequest{
		ExecutionARN: execARN, Name: name, StateMachineARN: t.sm.String(), StateMachineName: t.sm.Name,
		VersionARN: t.versionARN, AliasARN: t.aliasARN, Definition: t.body.Definition, RoleARN: t.body.RoleARN,
		Region: t.sm.Region, Input: input, PayloadLimit: s.cfg.PayloadLimit, Parent: parent, StartedBy: startedBy, TestCase: t.testCase,
	})
	if errors.Is(err, store.ErrConflict) {
		// Starting the same execution again is idempotent while it runs with
		// the same input; otherwise the name is taken.
		existing, gerr := s.store.GetExecution(ctx, execARN)
		if gerr == nil && existing.Status == "RUNNING" && existing.Input == input && existing.StateMachineARN == t.sm.String() {
			return execARN, existing.Start, nil
		}
		return "", time.Time{}, apiErrorf(400, "ExecutionAlreadyExists", "Execution Already Exists: '%s'", execARN)
	}
	if err != nil {
		return "", time.Time{}, err
	}
	return execARN, rec.Start, nil
}

func newUUID() string {
	return intrinsic.UUID(rand.NewPCG(rand.Uint64(), rand.Uint64()))
}

func (s *Server) startSyncExecution(ctx context.Context, r *request) (any, error) {
	var in startInput
	t, err := s.startCommon(ctx, r, &in)
	if err != nil {
		return nil, err
	}
	if t.body.Type != "EXPRESS" {
		return nil, apiErrorf(400, "StateMachineTypeNotSupported", "This operation is not supported by this type of state machine")
	}
	if in.Name == "" {
		in.Name = newUUID()
	}
	ex, execARN, err := s.express.run(ctx, t, in.Name, in.Input)
	if err != nil {
		return nil, err
	}
	defer ex.Release()
	// A failed execution is still a successful call: HTTP 200 with the
	// status, as AWS answers.
	out := &syncOutput{
		ExecutionArn: execARN, StateMachineArn: t.sm.String(), Name: in.Name,
		StartDate: epoch(ex.StartTime), StopDate: epoch(ex.StopTime), Status: ex.Status.String(),
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

func (s *Server) getExecution(ctx context.Context, field, text string) (*store.Execution, error) {
	if _, err := parseARN(field, text, arn.Execution, arn.Express); err != nil {
		return nil, err
	}
	e, err := s.store.GetExecution(ctx, text)
	if errors.Is(err, store.ErrNotFound) {
		return nil, executionDoesNotExist(text)
	}
	return e, err
}

func (s *Server) describeExecution(ctx context.Context, r *request) (any, error) {
	var in struct {
		ExecutionArn string `json:"executionArn"`
		IncludedData string `json:"includedData"`
	}
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	e, err := s.getExecution(ctx, "executionArn", in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	out := map[string]any{
		"executionArn": e.ARN, "stateMachineArn": e.StateMachineARN, "name": e.Name, "status": e.Status,
		"startDate": epoch(e.Start), "redriveCount": e.RedriveCount,
	}
	if in.IncludedData != "METADATA_ONLY" {
		out["input"] = e.Input
		out["inputDetails"] = map[string]bool{"included": true}
		if e.HasOutput {
			out["output"] = e.Output
			out["outputDetails"] = map[string]bool{"included": true}
		}
	}
	if !e.Stop.IsZero() {
		out["stopDate"] = epoch(e.Stop)
	}
	if e.Error != "" {
		out["error"] = e.Error
	}
	if e.Cause != "" {
		out["cause"] = e.Cause
	}
	if e.VersionARN != "" {
		out["stateMachineVersionArn"] = e.VersionARN
	}
	if e.AliasARN != "" {
		out["stateMachineAliasArn"] = e.AliasARN
	}
	if !e.RedriveDate.IsZero() {
		out["redriveDate"] = epoch(e.RedriveDate)
	}
	status, reason, err := s.redriveStatus(ctx, e)
	if err != nil {
		return nil, err
	}
	out["redriveStatus"] = status
	if reason != "" {
		out["redriveStatusReason"] = reason
	}
	return out, nil
}

// redriveStatus says whether RedriveExecution would accept the execution
// now, and if not, why.
func (s *Server) redriveStatus(ctx context.Context, e *store.Execution) (string, string, error) {
	var last int64
	if e.Status != "RUNNING" && e.Status != "SUCCEEDED" {
		events, err := s.store.Events(ctx, e.ARN, 0, 1, true)
		if err != nil {
			return "", "", err
		}
		if len(events) > 0 {
			last = events[0].ID
		}
	}
	if reason := driver.RedriveReason(e, last, s.cfg.Clock.Now()); reason != "" {
		return "NOT_REDRIVABLE", reason, nil
	}
	return "REDRIVABLE", "", nil
}

func (s *Server) redriveExecution(ctx context.Context, r *request) (any, error) {
	var in struct {
		ExecutionArn string `json:"executionArn"`
		ClientToken  string `json:"clientToken"`
	}
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	if len(in.ClientToken) > 64 {
		return nil, validation("1 validation error detected: Value at 'clientToken' failed to satisfy constraint: Member must have length less than or equal to 64")
	}
	e, err := s.getExecution(ctx, "executionArn", in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	date, err := s.cfg.Durable.RedriveExecution(ctx, e.ARN, in.ClientToken)
	var nr *driver.NotRedrivableError
	if errors.As(err, &nr) {
		return nil, apiErrorf(400, "ExecutionNotRedrivable", "Execution '%s' cannot be redriven: %s", e.ARN, nr.Reason)
	}
	if err != nil {
		return nil, err
	}
	return map[string]any{"redriveDate": epoch(date)}, nil
}

func (s *Server) stopExecution(ctx context.Context, r *request) (any, error) {
	var in struct {
		ExecutionArn string `json:"executionArn"`
		Error        string `json:"error"`
		Cause        string `json:"cause"`
	}
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	if len(in.Error) > 256 || len(in.Cause) > 32768 {
		return nil, validation("1 validation error detected: Value at 'error' or 'cause' failed to satisfy constraint: Member must have length less than or equal to 256 and 32768")
	}
	e, err := s.getExecution(ctx, "executionArn", in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	if e.Status == "RUNNING" {
		err := s.cfg.Durable.StopExecution(ctx, e.ARN, in.Error, in.Cause)
		if err != nil && !errors.Is(err, driver.ErrExecutionClosed) {
			return nil, err
		}
		if e, err = s.store.GetExecution(ctx, e.ARN); err != nil {
			return nil, err
		}
	}
	stop := e.Stop
	if stop.IsZero() {
		stop = s.cfg.Clock.Now()
	}
	return map[string]any{"stopDate": epoch(stop)}, nil
}

var executionStatuses = map[string]bool{"RUNNING": true, "SUCCEEDED": true, "FAILED": true, "TIMED_OUT": true, "ABORTED": true, "PENDING_REDRIVE": true}

func (s *Server) listExecutions(ctx context.Context, r *request) (any, error) {
	var in struct {
		StateMachineArn string `json:"stateMachineArn"`
		StatusFilter    string `json:"statusFilter"`
		MaxResults      int    `json:"maxResults"`
		NextToken       string `json:"nextToken"`
		MapRunArn       string `json:"mapRunArn"`
		RedriveFilter   string `json:"redriveFilter"`
	}
	if err := r.decode(&in); err != nil {
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
		return nil, validation("1 validation error detected: Value '%s' at 'redriveFilter' failed to satisfy constraint: Member must satisfy enum value set: [REDRIVEN, NOT_REDRIVEN]", in.RedriveFilter)
	}
	if in.StatusFilter != "" && !executionStatuses[in.StatusFilter] {
		return nil, validation("1 validation error detected: Value '%s' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE]", in.StatusFilter)
	}
	n, err := pageSize(in.MaxResults)
	if err != nil {
		return nil, err
	}
	a, err := parseARN("stateMachineArn", in.StateMachineArn, arn.StateMachine, arn.Version, arn.Alias)
	if err != nil {
		return nil, err
	}
	var typ string
	if a.Kind == arn.Alias {
		_, ab, err := s.getAlias(ctx, "stateMachineArn", in.StateMachineArn)
		if err != nil {
			return nil, err
		}
		_, b, err := s.getStateMachine(ctx, ab.Routing[0].StateMachineVersionArn)
		if err != nil {
			return nil, err
		}
		typ = b.Type
	} else {
		_, b, err := s.getStateMachine(ctx, in.StateMachineArn)
		if err != nil {
			return nil, err
		}
		typ = b.Type
	}
	if typ == "EXPRESS" {
		return nil, apiErrorf(400, "StateMachineTypeNotSupported", "This operation is not supported by this type of state machine")
	}
	after, err := decodeToken("exec", in.NextToken)
	if err != nil {
		return nil, err
	}
	list, err := s.store.ListExecutions(ctx, store.ExecutionFilter{StateMachineARN: in.StateMachineArn, Status: in.StatusFilter, Redriven: redriven}, store.Page{Limit: n + 1, After: after})
	if err != nil {
		return nil, err
	}
	items := []map[string]any{}
	out := map[string]any{}
	for i, e := range list {
		if i == n {
			out["nextToken"] = encodeToken("exec", store.ExecutionCursor(list[i-1]))
			break
		}
		item := map[string]any{"executionArn": e.ARN, "stateMachineArn": e.StateMachineARN, "name": e.Name, "status": e.Status, "startDate": epoch(e.Start)}
		if !e.Stop.IsZero() {
			item["stopDate"] = epoch(e.Stop)
		}
		if e.VersionARN != "" {
			item["stateMachineVersionArn"] = e.VersionARN
		}
		if e.AliasARN != "" {
			item["stateMachineAliasArn"] = e.AliasARN
		}
		item["redriveCount"] = e.RedriveCount
		if !e.RedriveDate.IsZero() {
			item["redriveDate"] = epoch(e.RedriveDate)
		}
		items = append(items, item)
	}
	out["executions"] = items
	return out, nil
}

func (s *Server) getExecutionHistory(ctx context.Context, r *request) (any, error) {
	var in struct {
		ExecutionArn         string `json:"executionArn"`
		MaxResults           int    `json:"maxResults"`
		NextToken            string `json:"nextToken"`
		ReverseOrder         bool   `json:"reverseOrder"`
		IncludeExecutionData *bool  `json:"includeExecutionData"`
	}
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	if _, err := s.getExecution(ctx, "executionArn", in.ExecutionArn); err != nil {
		return nil, err
	}
	n, err := pageSize(in.MaxResults)
	if err != nil {
		return nil, err
	}
	afterText, err := decodeToken("history", in.NextToken)
	if err != nil {
		return nil, err
	}
	after, _ := strconv.ParseInt(afterText, 10, 64)
	events, err := s.store.Events(ctx, in.ExecutionArn, after, n+1, in.ReverseOrder)
	if err != nil {
		return nil, err
	}
	include := in.IncludeExecutionData == nil || *in.IncludeExecutionData
	out := map[string]any{}
	items := make([]json.RawMessage, 0, len(events))
	for i, e := range events {
		if i == n {
			out["nextToken"] = encodeToken("history", strconv.FormatInt(events[i-1].ID, 10))
			break
		}
		if include {
			items = append(items, e.JSON)
		} else {
			items = append(items, withoutData(e.JSON))
		}
	}
	out["events"] = items
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

func (s *Server) describeStateMachineForExecution(ctx context.Context, r *request) (any, error) {
	var in struct {
		ExecutionArn string `json:"executionArn"`
	}
	if err := r.decode(&in); err != nil {
		return nil, err
	}
	e, err := s.getExecution(ctx, "executionArn", in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	a, _ := arn.Parse(e.StateMachineARN)
	out := map[string]any{
		"stateMachineArn": e.StateMachineARN, "name": a.Name, "definition": e.Definition, "roleArn": e.RoleARN,
		"updateDate": epoch(e.Start), "loggingConfiguration": defaultLogging, "tracingConfiguration": defaultTracing,
	}
	return out, nil
}

// ---- Express executions ------------------------------------------------------

// expressRunner runs Express executions in memory, at least once, without
// a stored history, as AWS runs them.
type expressRunner struct {
	s       *Server
	running atomic.Int64
}

func newExpressRunner(s *Server) *expressRunner { return &expressRunner{s: s} }

// MaxExpressDuration is AWS's limit on an Express execution.
const MaxExpressDuration = 5 * time.Minute

func (x *expressRunner) prepare(t *target, name, input string) (*machine.Machine, interpreter.Config, any, string, error) {
	m, err := x.s.compile(t.body.Definition)
	if err != nil {
		return nil, interpreter.Config{}, nil, "", err
	}
	in, _ := value.ParseString(input)
	id := newUUID()
	execARN := arn.ARN{Partition: t.sm.Partition, Region: t.sm.Region, Account: t.sm.Account, Kind: arn.Express, Name: t.sm.Name, Qualifier: name, ID: id}.String()
	cfg := interpreter.Config{
		ExecutionARN: execARN, ExecutionName: name, StateMachineARN: t.sm.String(), StateMachineName: t.sm.Name,
		RoleARN: t.body.RoleARN, Region: t.sm.Region, PayloadLimit: x.s.cfg.PayloadLimit, NoHistory: !x.s.cfg.ExpressHistory,
		Random: rand.NewPCG(rand.Uint64(), rand.Uint64()),
	}
	return m, cfg, in, execARN, nil
}

func (x *expressRunner) run(ctx context.Context, t *target, name, input string) (*interpreter.Execution, string, error) {
	m, cfg, in, execARN, err := x.prepare(t, name, input)
	if err != nil {
		return nil, "", err
	}
	ctx, cancel := context.WithTimeout(ctx, MaxExpressDuration)
	defer cancel()
	d := driver.Local{Resources: x.s.cfg.Resources, Clock: x.s.cfg.Clock, Mock: t.mock}
	ex := d.Run(ctx, m, cfg, in)
	x.keep(t, name, input, ex)
	return ex, execARN, nil
}

// keep stores a finished Express execution and its history when the server
// was asked to (Config.ExpressHistory), so that DescribeExecution and
// GetExecutionHistory show it; AWS sends these to CloudWatch Logs instead.
func (x *expressRunner) keep(t *target, name, input string, ex *interpreter.Execution) {
	if !x.s.cfg.ExpressHistory {
		return
	}
	rec := store.Execution{
		ARN: ex.ExecutionARN(), StateMachineARN: t.sm.String(), VersionARN: t.versionARN, AliasARN: t.aliasARN, Name: name, Express: true,
		Status: ex.Status.String(), Input: input, Start: ex.StartTime, Stop: ex.StopTime, Definition: t.body.Definition, RoleARN: t.body.RoleARN,
	}
	if ex.Status == interpreter.Succeeded {
		rec.Output, rec.HasOutput = value.String(ex.Output), true
	}
	if ex.Failure != nil {
		rec.Error, rec.Cause = ex.Failure.Error, ex.Failure.Cause
	}
	st := &store.Step{Create: true, Execution: rec}
	for _, ev := range ex.Events {
		st.Events = append(st.Events, store.Event{ID: ev.ID, JSON: ev.AppendJSON(nil, true)})
	}
	if errs := x.s.store.Commit(context.Background(), []*store.Step{st}); errs[0] != nil {
		x.s.cfg.Logger.Error("keeping an Express execution", "execution", rec.ARN, "error", errs[0])
	}
}

// start runs an Express execution in the background; done, when set, is
// told its end.
func (x *expressRunner) start(t *target, name, input string, done func(*interpreter.Execution, string)) string {
	m, cfg, in, execARN, err := x.prepare(t, name, input)
	if err != nil {
		if done != nil {
			go done(nil, input)
		}
		return execARN
	}
	x.running.Add(1)
	go func() {
		defer x.running.Add(-1)
		ctx, cancel := context.WithTimeout(context.Background(), MaxExpressDuration)
		defer cancel()
		d := driver.Local{Resources: x.s.cfg.Resources, Clock: x.s.cfg.Clock, Mock: t.mock}
		ex := d.Run(ctx, m, cfg, in)
		x.keep(t, name, input, ex)
		if done != nil {
			done(ex, input)
		}
		ex.Release()
	}()
	return execARN
}
