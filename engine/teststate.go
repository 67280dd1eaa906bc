package engine

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"strings"

	"github.com/baton-sh/baton/arn"
	"github.com/baton-sh/baton/definition"
	"github.com/baton-sh/baton/driver"
	"github.com/baton-sh/baton/failure"
	"github.com/baton-sh/baton/interpreter"
	"github.com/baton-sh/baton/machine"
	"github.com/baton-sh/baton/value"
)

// TestState runs one state on a given input, as AWS's TestState does: a
// single state's definition, or a whole state machine and the name of the
// state in it. The state's Retry and Catch are decided, not carried out;
// its Next is reported, not run; a Wait state does not wait.

// testStateName names the state of a single-state definition.
const testStateName = "TestState"

// TestStateInput is TestState's request.
type TestStateInput struct {
	Caller
	Definition      string  `json:"definition"`
	RoleArn         string  `json:"roleArn"`
	Input           string  `json:"input"`
	InspectionLevel string  `json:"inspectionLevel"`
	RevealSecrets   bool    `json:"revealSecrets"`
	Variables       *string `json:"variables"`
	StateName       *string `json:"stateName"`
	Context         *string `json:"context"`
	Mock            *struct {
		Result      *string `json:"result"`
		ErrorOutput *struct {
			Error *string `json:"error"`
			Cause *string `json:"cause"`
		} `json:"errorOutput"`
		FieldValidationMode string `json:"fieldValidationMode"`
	} `json:"mock"`
	StateConfiguration *struct {
		RetrierRetryCount        *int    `json:"retrierRetryCount"`
		ErrorCausedByState       *string `json:"errorCausedByState"`
		MapIterationFailureCount *int    `json:"mapIterationFailureCount"`
		MapItemReaderData        *string `json:"mapItemReaderData"`
	} `json:"stateConfiguration"`
}

// TestStateOutput is TestState's answer.
type TestStateOutput struct {
	Output         *string         `json:"output,omitempty"`
	Error          string          `json:"error,omitempty"`
	Cause          string          `json:"cause,omitempty"`
	InspectionData *InspectionData `json:"inspectionData,omitempty"`
	NextState      string          `json:"nextState,omitempty"`
	Status         string          `json:"status"`
}

// InspectionData is what TestState saw at DEBUG and TRACE.
type InspectionData struct {
	Input                      *string       `json:"input,omitempty"`
	AfterInputPath             *string       `json:"afterInputPath,omitempty"`
	AfterParameters            *string       `json:"afterParameters,omitempty"`
	AfterArguments             *string       `json:"afterArguments,omitempty"`
	Result                     *string       `json:"result,omitempty"`
	AfterResultSelector        *string       `json:"afterResultSelector,omitempty"`
	AfterResultPath            *string       `json:"afterResultPath,omitempty"`
	AfterItemsPath             *string       `json:"afterItemsPath,omitempty"`
	AfterItemSelector          *string       `json:"afterItemSelector,omitempty"`
	MaxConcurrency             any           `json:"maxConcurrency,omitempty"`
	ToleratedFailureCount      any           `json:"toleratedFailureCount,omitempty"`
	ToleratedFailurePercentage any           `json:"toleratedFailurePercentage,omitempty"`
	Variables                  *string       `json:"variables,omitempty"`
	ErrorDetails               *ErrorDetails `json:"errorDetails,omitempty"`
}

// ErrorDetails is the retrier or catcher a failure met.
type ErrorDetails struct {
	CatchIndex                  *int   `json:"catchIndex,omitempty"`
	RetryIndex                  *int   `json:"retryIndex,omitempty"`
	RetryBackoffIntervalSeconds *int64 `json:"retryBackoffIntervalSeconds,omitempty"`
}

// TestState runs one state on an input, as AWS's TestState does.
func (e *Engine) TestState(ctx context.Context, in *TestStateInput) (*TestStateOutput, error) {
	if in.Definition == "" {
		return nil, missing("definition")
	}
	if len(in.Definition) > definition.MaxSize {
		return nil, tooLong("definition", definition.MaxSize)
	}
	if in.RoleArn != "" {
		if err := checkRole(in.RoleArn); err != nil {
			return nil, err
		}
	}
	switch in.InspectionLevel {
	case "":
		in.InspectionLevel = "INFO"
	case "INFO", "DEBUG", "TRACE":
	default:
		return nil, notInEnum("inspectionLevel", in.InspectionLevel, "INFO, DEBUG, TRACE")
	}
	if err := e.checkInput(&in.Input); err != nil {
		return nil, err
	}
	st, err := testedState(in.Definition, in.StateName)
	if err != nil {
		return nil, err
	}
	test := &interpreter.StateTest{}
	if err := checkTestRequest(in, st, test); err != nil {
		return nil, err
	}

	input, err := value.ParseString(in.Input)
	if err != nil {
		return nil, err
	}
	region := in.region()
	cfg := interpreter.Config{
		ExecutionARN:     arn.ARN{Partition: "aws", Region: region, Account: e.o.Account, Kind: arn.Execution, Name: "TestStateMachine", Qualifier: NewUUID()}.String(),
		StateMachineARN:  arn.ARN{Partition: "aws", Region: region, Account: e.o.Account, Kind: arn.StateMachine, Name: "TestStateMachine"}.String(),
		StateMachineName: "TestStateMachine", RoleARN: in.RoleArn, Region: region, PayloadLimit: e.o.PayloadLimit, Tokens: e.tokens,
		Random: rand.NewPCG(rand.Uint64(), rand.Uint64()),
	}
	cfg.ExecutionName = cfg.ExecutionARN[strings.LastIndexByte(cfg.ExecutionARN, ':')+1:]
	ex, cmds := interpreter.TestState(st, input, cfg, test, e.clock.Now())
	defer ex.Release()
	ctx, cancel := context.WithTimeout(ctx, MaxTestDuration)
	defer cancel()
	d := driver.Local{Resources: e.resources, Clock: e.clock}
	d.Drive(ctx, ex, cmds)
	if test.Status == 0 {
		// The driver gave up: the call ran out of time (or the client left).
		test.Status = interpreter.TestFailed
		test.Failure = failure.New(failure.Timeout, "The TestState call ran longer than its limit of five minutes.")
	}
	return testStateResult(in, test), nil
}

// testedState finds the state a TestState call names: the only state of a
// single-state definition, or the named state of a whole machine, nested
// ones included.
func testedState(def string, name *string) (*machine.State, error) {
	if name != nil {
		if *name == "" || len(*name) > definition.MaxStateNameLength {
			return nil, validation("1 validation error detected: Value at 'stateName' failed to satisfy constraint: Member must have length between 1 and %d", definition.MaxStateNameLength)
		}
		doc, diags := definition.Load([]byte(def), definition.Options{})
		if diags.HasErrors() {
			return nil, errorf(InvalidDefinition, "%s", diags.Message())
		}
		m, err := machine.Compile(doc)
		if err != nil {
			return nil, errorf(InvalidDefinition, "%s", err.Error())
		}
		var found *machine.State
		m.Walk(func(st *machine.State) {
			if st.Name == *name && found == nil {
				found = st
			}
		})
		if found == nil {
			return nil, validation("State '%s' is not in the state machine definition", *name)
		}
		return found, nil
	}
	doc, diags := definition.Parse([]byte(def))
	if diags.HasErrors() {
		return nil, errorf(InvalidDefinition, "%s", diags.Message())
	}
	// The state stands in a machine of its own; each state it names as a
	// next one is a placeholder, so that its transitions validate.
	states := []value.Member{{Key: testStateName, Value: doc}}
	seen := map[string]bool{testStateName: true}
	for _, target := range transitionTargets(doc) {
		if !seen[target] {
			seen[target] = true
			states = append(states, value.Member{Key: target, Value: value.NewObject([]value.Member{{Key: "Type", Value: "Succeed"}})})
		}
	}
	wrapped := value.NewObject([]value.Member{{Key: "StartAt", Value: testStateName}, {Key: "States", Value: value.NewObject(states)}})
	if diags := definition.Validate(wrapped, definition.Options{}); diags.HasErrors() {
		for i := range diags {
			diags[i].Location = strings.TrimPrefix(diags[i].Location, "/States/"+testStateName)
		}
		return nil, errorf(InvalidDefinition, "%s", diags.Message())
	}
	m, err := machine.Compile(wrapped)
	if err != nil {
		return nil, errorf(InvalidDefinition, "%s", err.Error())
	}
	return m.StartAt, nil
}

// transitionTargets lists the states a state may go to next.
func transitionTargets(st *value.Object) []string {
	var out []string
	add := func(v any) {
		if s, ok := v.(string); ok && s != "" {
			out = append(out, s)
		}
	}
	next, _ := st.Get("Next")
	add(next)
	def, _ := st.Get("Default")
	add(def)
	for _, field := range []string{"Choices", "Catch"} {
		list, _ := st.Get(field)
		items, _ := list.([]any)
		for _, item := range items {
			if o, ok := item.(*value.Object); ok {
				n, _ := o.Get("Next")
				add(n)
			}
		}
	}
	return out
}

// checkTestRequest applies AWS's rules on which options go with which
// states, and fills the test's configuration.
func checkTestRequest(in *TestStateInput, st *machine.State, t *interpreter.StateTest) error {
	isHTTP := st.Kind == machine.Task && st.Resource.Kind == machine.Integration && st.Resource.Service == "http"
	if in.InspectionLevel == "TRACE" && !isHTTP {
		return validation("The TRACE inspection level applies to HTTP Task states only")
	}
	if in.Mock == nil {
		if in.Context != nil {
			return validation("A context may only be given together with a mock")
		}
		switch {
		case st.Kind == machine.Map || st.Kind == machine.Parallel:
			return validation("A %s state can only be tested with a mock", st.TypeName())
		case st.Kind == machine.Task && (st.Resource.Pattern != machine.RequestResponse || st.Resource.Kind == machine.Activity):
			return validation("Activity tasks and the .sync and .waitForTaskToken integration patterns can only be tested with a mock")
		}
	} else {
		if err := checkMock(in, st, t); err != nil {
			return err
		}
	}
	if in.Context != nil {
		v, err := value.ParseString(*in.Context)
		o, ok := v.(*value.Object)
		if err != nil || !ok {
			return validation("The context must be a JSON object")
		}
		t.Context = o
	}
	if in.Variables != nil {
		v, err := value.ParseString(*in.Variables)
		o, ok := v.(*value.Object)
		if err != nil || !ok {
			return validation("The variables must be a JSON object literal")
		}
		t.Variables = o
	}
	if c := in.StateConfiguration; c != nil {
		if c.RetrierRetryCount != nil {
			if *c.RetrierRetryCount < 0 {
				return validation("1 validation error detected: Value '%d' at 'stateConfiguration.retrierRetryCount' failed to satisfy constraint: Member must have value greater than or equal to 0", *c.RetrierRetryCount)
			}
			t.RetryCount = *c.RetrierRetryCount
		}
		if c.MapIterationFailureCount != nil {
			if *c.MapIterationFailureCount < 0 {
				return validation("1 validation error detected: Value '%d' at 'stateConfiguration.mapIterationFailureCount' failed to satisfy constraint: Member must have value greater than or equal to 0", *c.MapIterationFailureCount)
			}
			if st.Kind != machine.Map {
				return validation("mapIterationFailureCount applies to Map states only")
			}
			t.MapIterationFailureCount = *c.MapIterationFailureCount
		}
		if c.ErrorCausedByState != nil {
			if st.Kind != machine.Map && st.Kind != machine.Parallel || in.Mock == nil || in.Mock.ErrorOutput == nil {
				return validation("errorCausedByState applies to a Map or Parallel state tested with a mocked error")
			}
			if !containsState(st, *c.ErrorCausedByState) {
				return validation("State '%s' is not in the %s state", *c.ErrorCausedByState, st.TypeName())
			}
		}
		if c.MapItemReaderData != nil && !st.Distributed {
			return validation("mapItemReaderData applies to Distributed Map states only")
		}
	}
	return nil
}

func checkMock(in *TestStateInput, st *machine.State, t *interpreter.StateTest) error {
	m := in.Mock
	if in.RevealSecrets {
		return validation("revealSecrets cannot be used together with a mock")
	}
	if st.Kind != machine.Task && st.Kind != machine.Map && st.Kind != machine.Parallel {
		return validation("A mock can only be specified for Task, Map, or Parallel states")
	}
	switch m.FieldValidationMode {
	case "", "STRICT", "PRESENT", "NONE":
	default:
		return validation("1 validation error detected: Value '%s' at 'mock.fieldValidationMode' failed to satisfy constraint: Member must satisfy enum value set: [STRICT, PRESENT, NONE]", m.FieldValidationMode)
	}
	switch {
	case m.Result != nil && m.ErrorOutput != nil:
		return validation("A mock has either a result or an errorOutput, not both")
	case m.Result == nil && m.ErrorOutput == nil:
		return validation("A mock needs a result or an errorOutput")
	case m.ErrorOutput != nil:
		if m.ErrorOutput.Error == nil || *m.ErrorOutput.Error == "" {
			return missing("mock.errorOutput.error")
		}
		fl := &failure.Failure{Error: *m.ErrorOutput.Error}
		if m.ErrorOutput.Cause != nil {
			fl.Cause = *m.ErrorOutput.Cause
		}
		t.Mock = &interpreter.Mock{Failure: fl}
		return nil
	}
	result, err := value.ParseString(*m.Result)
	if err != nil {
		return validation("The mocked result must be valid JSON")
	}
	switch st.Kind {
	case machine.Parallel:
		if arr, ok := result.([]any); !ok || len(arr) != len(st.Branches) {
			return validation("The mocked result of a Parallel state must be an array with one element for each of its %d branches", len(st.Branches))
		}
	case machine.Map:
		if _, ok := result.([]any); !ok {
			return validation("The mocked result of a Map state must be an array")
		}
	}
	t.Mock = &interpreter.Mock{Result: result}
	return nil
}

// containsState reports whether a Parallel or Map state holds a state of
// that name in its branches or its processor.
func containsState(st *machine.State, name string) bool {
	subs := st.Branches
	if st.Processor != nil {
		subs = append(subs[:len(subs):len(subs)], st.Processor)
	}
	found := false
	for _, m := range subs {
		m.Walk(func(s *machine.State) { found = found || s.Name == name })
	}
	return found
}

func testStateResult(in *TestStateInput, t *interpreter.StateTest) *TestStateOutput {
	out := &TestStateOutput{Status: t.Status.String(), NextState: t.Next}
	if t.Output.Set {
		s := value.String(t.Output.Value)
		out.Output = &s
	}
	if t.Failure != nil {
		out.Error, out.Cause = t.Failure.Error, t.Failure.Cause
	}
	if in.InspectionLevel == "INFO" {
		return out
	}
	text := func(d interpreter.Data) *string {
		if !d.Set {
			return nil
		}
		s := value.String(d.Value)
		return &s
	}
	num := func(d interpreter.Data) any {
		if !d.Set {
			return nil
		}
		return json.RawMessage(value.String(d.Value))
	}
	ins := &t.Inspection
	data := &InspectionData{
		Input: text(ins.Input), AfterInputPath: text(ins.AfterInputPath), AfterParameters: text(ins.AfterParameters),
		AfterArguments: text(ins.AfterArguments), Variables: text(ins.Variables),
		Result: text(ins.Result), AfterResultSelector: text(ins.AfterResultSelector), AfterResultPath: text(ins.AfterResultPath),
		AfterItemsPath: text(ins.AfterItemsPath), AfterItemSelector: text(ins.AfterItemSelector),
		MaxConcurrency: num(ins.MaxConcurrency), ToleratedFailureCount: num(ins.ToleratedFailureCount),
		ToleratedFailurePercentage: num(ins.ToleratedFailurePercentage),
	}
	switch {
	case ins.RetryIndex >= 0:
		i, b := ins.RetryIndex, ins.RetryBackoffSeconds
		data.ErrorDetails = &ErrorDetails{RetryIndex: &i, RetryBackoffIntervalSeconds: &b}
	case ins.CatchIndex >= 0:
		i := ins.CatchIndex
		data.ErrorDetails = &ErrorDetails{CatchIndex: &i}
	}
	out.InspectionData = data
	return out
}
