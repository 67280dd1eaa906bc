package interpreter

import (
	"math/rand/v2"

	"github.com/baton-sh/baton/machine"
	"github.com/baton-sh/baton/value"
)

// The context object ($$ in JSONPath, $states.context in JSONata).

// Context implements machine.Scope: the context object $$ of the current
// state, built the first time a path asks for it.
func (f *frame) Context() any {
	if f.ctx == nil {
		f.ctx = f.ex.contextObject(f, nil)
	}
	return f.ctx
}

// Random implements machine.Scope.
func (f *frame) Random() rand.Source { return f.ex.cfg.Random }

// TimeFormat is how AWS writes timestamps in the context object.
const TimeFormat = "2006-01-02T15:04:05.000Z"

func (ex *Execution) contextObject(f *frame, item *mapItemScope) any {
	cfg := &ex.cfg
	members := []value.Member{
		{Key: "Id", Value: ex.ExecutionARN()},
		{Key: "Input", Value: ex.Input},
		{Key: "StartTime", Value: ex.StartTime.UTC().Format(TimeFormat)},
		{Key: "Name", Value: cfg.ExecutionName},
		{Key: "RoleArn", Value: cfg.RoleARN},
		{Key: "RedriveCount", Value: value.Int(int64(cfg.RedriveCount))},
	}
	if cfg.Synchronous {
		members = members[:len(members)-1]
	}
	execution := value.NewObject(members)
	sm := value.NewObject([]value.Member{
		{Key: "Id", Value: cfg.StateMachineARN},
		{Key: "Name", Value: cfg.StateMachineName},
	})
	stateMembers := []value.Member{
		{Key: "Name", Value: f.st.Name},
		{Key: "EnteredTime", Value: f.enteredTime.UTC().Format(TimeFormat)},
	}
	if len(f.st.Retry) > 0 {
		stateMembers = append(stateMembers, value.Member{Key: "RetryCount", Value: value.Int(int64(f.retryCount))})
	}
	ms := []value.Member{
		{Key: "Execution", Value: execution},
		{Key: "StateMachine", Value: sm},
		{Key: "State", Value: value.NewObject(stateMembers)},
	}
	if f.st.Kind == machine.Task && f.taskState != nil && f.token != "" {
		ms = append(ms, value.Member{Key: "Task", Value: value.NewObject([]value.Member{{Key: "Token", Value: f.token}})})
	}
	if item != nil {
		ms = append(ms, value.Member{Key: "Map", Value: value.NewObject([]value.Member{
			{Key: "Item", Value: value.NewObject([]value.Member{
				{Key: "Index", Value: value.Int(int64(item.index))},
				{Key: "Value", Value: item.item},
			})},
		})})
	}
	if item == nil && f.tested() {
		// TestState: the context object the test gives lays over this one.
		return testContext(value.NewObject(ms), ex.test.Context, f.st, ex.Input)
	}
	return value.NewObject(ms)
}
