package interpreter_test

import (
	"strings"
	"testing"

	"github.com/baton-sh/baton/failure"
	"github.com/baton-sh/baton/interpreter"
	"github.com/baton-sh/baton/machine"
)

// panicky is an Inspector that panics when a state is entered with a given
// name: it stands for a bug anywhere in a step.
type panicky struct{ at string }

func (p panicky) Data(st *machine.State, step interpreter.Step, _ any) {
	if st.Name == p.at && step == interpreter.StepInput {
		panic("boom in " + st.Name)
	}
}
func (panicky) Exited(*machine.State, any, *machine.State)              {}
func (panicky) Failed(*machine.State, *failure.Failure)                 {}
func (panicky) Retrying(*machine.State, int, *failure.Failure, float64) {}
func (panicky) Caught(*machine.State, int, *failure.Failure)            {}

// TestContainedPanic: a step that panics fails its execution with
// States.Runtime after the events written before the fault; the panic does
// not leave the interpreter; tasks the step had scheduled are not run; the
// same input replayed writes the same history.
func TestContainedPanic(t *testing.T) {
	t.Parallel()
	def := `{"StartAt":"A","States":{
		"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Next":"P"},
		"P":{"Type":"Parallel","Branches":[
			{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}},
			{"StartAt":"Bad","States":{"Bad":{"Type":"Pass","End":true}}}],"End":true}}}`
	run := func() (*interpreter.Execution, []interpreter.Command) {
		cfg := defaultConfig()
		cfg.Inspector = panicky{at: "Bad"}
		ex := interpreter.New(compile(t, def), cfg)
		cmds := ex.Start(map[string]any{}, epoch)
		if len(cmds) != 1 || cmds[0].Kind != interpreter.RunTask {
			t.Fatalf("start: %+v", cmds)
		}
		id := cmds[0].ID
		cmds = append([]interpreter.Command(nil), ex.TaskSucceeded(id, "ok", epoch)...)
		return ex, cmds
	}
	ex, cmds := run()
	if ex.Status != interpreter.Failed || ex.Failure.Error != failure.Runtime || !strings.Contains(ex.Failure.Cause, "boom in Bad") {
		t.Fatalf("status %v %+v", ex.Status, ex.Failure)
	}
	if ex.Panic == nil || !strings.Contains(string(ex.Panic.Stack), "panicky") {
		t.Errorf("the panic is not reported: %+v", ex.Panic)
	}
	for _, c := range cmds {
		if c.Kind == interpreter.RunTask || c.Kind == interpreter.CancelTask {
			t.Errorf("the failed step's task is still handed out: %+v", c)
		}
	}
	types := func(ex *interpreter.Execution) string {
		var names []string
		for _, e := range ex.Events {
			names = append(names, e.Type.String())
		}
		return strings.Join(names, ",")
	}
	want := "ExecutionStarted,TaskStateEntered,TaskScheduled,TaskSucceeded,TaskStateExited,ParallelStateEntered,ParallelStateStarted,TaskStateEntered,TaskScheduled,PassStateEntered,TaskStateAborted,ExecutionFailed"
	if got := types(ex); got != want {
		t.Errorf("history\n%s\nwant\n%s", got, want)
	}
	again, _ := run()
	if types(again) != types(ex) || again.Failure.Cause != ex.Failure.Cause {
		t.Errorf("a replay differs: %s", types(again))
	}
	// Later inputs find the execution ended.
	if cmds := ex.TimerFired(1, epoch); len(cmds) != 0 || ex.Status != interpreter.Failed {
		t.Errorf("after the fault: %+v %v", cmds, ex.Status)
	}
}
