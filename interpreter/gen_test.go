package interpreter_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/baton-sh/baton/value"
)

// genMachine makes a state machine from a fuzzer's bytes, each byte a
// choice: how many states, of which kinds, with which retriers, catchers,
// branches, waits, timeouts and variables. Mutating bytes of JSON rarely
// gives a valid definition; mutating choices always does (nearly), so the
// fuzzer spends its time on runs, not on the parser.
func genMachine(choices []byte) []byte {
	g := &gen{b: choices}
	g.jsonata = g.n(4) == 0
	m := g.machine(0)
	if g.jsonata {
		m["QueryLanguage"] = "JSONata"
	}
	if g.n(6) == 0 {
		m["TimeoutSeconds"] = 5 + g.n(120)
	}
	data, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return data
}

type gen struct {
	b       []byte
	i       int
	jsonata bool
	names   int
}

// n is the next choice, in [0, k).
func (g *gen) n(k int) int {
	if g.i >= len(g.b) {
		return 0
	}
	v := int(g.b[g.i]) % k
	g.i++
	return v
}

func (g *gen) pick(xs ...string) string { return xs[g.n(len(xs))] }

// machine makes a (sub-)machine: states in a row, each going on to the
// next (so that every one is reachable), Choice rules and catchers going
// anywhere in it, loops included.
func (g *gen) machine(depth int) map[string]any {
	count := 1 + g.n(5)
	names := make([]string, count)
	for i := range names {
		g.names++
		names[i] = fmt.Sprintf("S%d", g.names)
	}
	states := map[string]any{}
	for i, name := range names {
		next := ""
		if i+1 < count {
			next = names[i+1]
		}
		states[name] = g.state(depth, names, next)
	}
	return map[string]any{"StartAt": names[0], "States": states}
}

// state makes a state that goes on to next ("" for the last of its
// machine).
func (g *gen) state(depth int, names []string, next string) map[string]any {
	kinds := []string{"Pass", "Task", "Task", "Choice", "Wait", "Parallel", "Map"}
	if next == "" {
		kinds = append(kinds, "Succeed", "Fail")
	}
	kind := kinds[g.n(len(kinds))]
	if depth >= 2 && (kind == "Parallel" || kind == "Map") || next == "" && kind == "Choice" {
		kind = "Pass"
	}
	st := map[string]any{"Type": kind}
	switch kind {
	case "Succeed":
		return st
	case "Fail":
		st["Error"] = g.pick("Boom", "Flaky", "States.TaskFailed")
		return st
	case "Choice":
		g.choice(st, names)
		st["Default"] = next
		return st
	case "Pass":
		g.pass(st)
	case "Task":
		g.task(st)
	case "Wait":
		g.wait(st)
	case "Parallel":
		branches := make([]any, 1+g.n(3))
		for i := range branches {
			branches[i] = g.machine(depth + 1)
		}
		st["Branches"] = branches
		g.result(st)
	case "Map":
		g.mapState(st, depth)
	}
	if kind == "Task" || kind == "Parallel" || kind == "Map" {
		g.retry(st)
		g.catch(st, names)
	}
	if g.n(3) == 0 {
		g.assign(st)
	}
	if next == "" {
		st["End"] = true
	} else {
		st["Next"] = next
	}
	return st
}

func (g *gen) choice(st map[string]any, names []string) {
	rules := make([]any, 1+g.n(2))
	for i := range rules {
		var rule map[string]any
		if g.jsonata {
			rule = map[string]any{"Condition": g.pick("{% $random() < 0.5 %}", "{% $exists($states.input.x) %}", "{% $count($states.input.items) > 2 %}", "{% $exists($v0) %}")}
		} else {
			rule = map[string]any{"Variable": g.pick("$.x", "$.items[0]", "$$.State.RetryCount"), g.pick("IsPresent", "IsNumeric"): g.n(2) == 0}
		}
		rule["Next"] = names[g.n(len(names))]
		rules[i] = rule
	}
	st["Choices"] = rules
}

func (g *gen) pass(st map[string]any) {
	if g.jsonata {
		if g.n(2) == 0 {
			st["Output"] = map[string]any{"items": "{% $states.input.items %}", "r": "{% $random() %}", "t": "{% $now() %}"}
		}
		return
	}
	switch g.n(4) {
	case 0:
		st["Result"] = map[string]any{"n": g.n(100)}
		st["ResultPath"] = "$.r"
	case 1:
		st["Parameters"] = map[string]any{"items.$": "$.items", "u.$": "States.UUID()", "x.$": "States.MathRandom(0, 10)"}
	}
}

func (g *gen) task(st map[string]any) {
	st["Resource"] = g.pick("arn:aws:states:::lambda:invoke", "arn:aws:states:::lambda:invoke", "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
		"arn:aws:states:us-east-1:123456789012:activity:work", "arn:aws:lambda:us-east-1:123456789012:function:f", "arn:aws:states:::ecs:runTask.sync")
	if g.n(2) == 0 {
		timeout := 1 + g.n(60)
		st["TimeoutSeconds"] = timeout
		if g.n(2) == 0 && timeout > 1 {
			st["HeartbeatSeconds"] = 1 + g.n(timeout-1)
		}
	}
	if g.jsonata {
		if g.n(2) == 0 {
			st["Arguments"] = map[string]any{"items": "{% $states.input.items %}", "token": "{% $states.context.Task.Token %}"}
		}
	} else if g.n(2) == 0 {
		st["Parameters"] = map[string]any{"items.$": "$.items", "token.$": "$$.Task.Token"}
	}
	g.result(st)
}

func (g *gen) wait(st map[string]any) {
	switch {
	case g.jsonata && g.n(2) == 0:
		st["Seconds"] = "{% $floor($random() * 30) %}"
	case g.n(4) == 0:
		st["Timestamp"] = g.pick("2024-01-02T03:05:00Z", "2020-01-01T00:00:00Z")
	default:
		st["Seconds"] = g.n(90)
	}
}

func (g *gen) mapState(st map[string]any, depth int) {
	proc := g.machine(depth + 1)
	if g.n(3) == 0 {
		proc["ProcessorConfig"] = map[string]any{"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}
		st["ToleratedFailureCount"] = g.n(3)
	}
	st["ItemProcessor"] = proc
	st["MaxConcurrency"] = g.n(4)
	if g.jsonata {
		st["Items"] = "{% $states.input.items %}"
		if g.n(2) == 0 {
			st["ItemSelector"] = map[string]any{"v": "{% $states.context.Map.Item.Value %}", "r": "{% $random() %}", "items": "{% [1] %}"}
		}
	} else {
		st["ItemsPath"] = "$.items"
		if g.n(2) == 0 {
			st["ItemSelector"] = map[string]any{"v.$": "$$.Map.Item.Value", "u.$": "States.UUID()", "items": []any{1}}
		}
	}
	g.result(st)
}

// result keeps the state's input (with its items) around its result, most
// of the time.
func (g *gen) result(st map[string]any) {
	if g.n(4) == 0 {
		return
	}
	if g.jsonata {
		st["Output"] = map[string]any{"items": "{% $states.input.items %}", "x": "{% $states.result %}"}
	} else {
		st["ResultPath"] = "$.x"
	}
}

func (g *gen) retry(st map[string]any) {
	if g.n(2) == 0 {
		return
	}
	r := map[string]any{
		"ErrorEquals":     []any{g.pick("States.ALL", "Flaky", "States.Timeout", "States.TaskFailed", "States.HeartbeatTimeout")},
		"IntervalSeconds": 1 + g.n(5), "MaxAttempts": g.n(4), "BackoffRate": 1 + float64(g.n(3))/2,
	}
	if g.n(2) == 0 {
		r["JitterStrategy"] = "FULL"
	}
	if g.n(2) == 0 {
		r["MaxDelaySeconds"] = 1 + g.n(10)
	}
	st["Retry"] = []any{r}
}

func (g *gen) catch(st map[string]any, names []string) {
	if g.n(2) == 0 {
		return
	}
	c := map[string]any{"ErrorEquals": []any{g.pick("States.ALL", "Flaky", "Boom", "States.Timeout")}, "Next": names[g.n(len(names))]}
	if !g.jsonata {
		c["ResultPath"] = "$.err"
	}
	st["Catch"] = []any{c}
}

func (g *gen) assign(st map[string]any) {
	name := fmt.Sprintf("v%d", g.n(3))
	if g.jsonata {
		st["Assign"] = map[string]any{name: "{% $random() %}", "u": "{% $uuid() %}"}
	} else {
		st["Assign"] = map[string]any{name + ".$": "States.UUID()", "c": g.n(10)}
	}
}

// FuzzReplayGenerated is FuzzReplay on generated state machines.
func FuzzReplayGenerated(f *testing.F) {
	for i, script := range replayScripts {
		for _, choices := range [][]byte{
			{1, 4, 1, 1, 2, 0, 3, 1, 4, 5, 2, 6, 1, 0, 0, 1},
			{0, 3, 5, 2, 1, 1, 2, 6, 0, 1, 3, 1, 1, 1, 1, 0, 1, 1},
			{2, 2, 1, 0, 1, 6, 1, 1, 1, 3, 1, 1, 1, 1, 1, 1, 1},
			{4, 4, 4, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17},
		} {
			f.Add(choices, script, uint64(i))
		}
	}
	f.Fuzz(func(t *testing.T, choices, script []byte, seed uint64) {
		def := genMachine(choices)
		m, ok := fuzzMachine(def)
		if !ok {
			return
		}
		rec := runScripted(t, m, value.MustParse(`{"items":[1,2,3],"x":1}`), script, seed)
		replay(t, m, rec, seed, nil)
		var first, second inspectLog
		replay(t, m, rec, seed, &first)
		replay(t, m, rec, seed, &second)
		if first.b.String() != second.b.String() {
			t.Fatalf("the inspector was told\n%s\nthen\n%s", first.b.String(), second.b.String())
		}
	})
}
