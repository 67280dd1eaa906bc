package interpreter_test

import (
	"strings"
	"testing"

	"github.com/baton-sh/baton/failure"
	"github.com/baton-sh/baton/interpreter"
	"github.com/baton-sh/baton/value"
)

// jsonataMachine wraps states in a JSONata machine that starts at the
// first one named.
func jsonataMachine(start, states string) string {
	return `{"QueryLanguage":"JSONata","StartAt":"` + start + `","States":{` + states + `}}`
}

func TestJSONataStates(t *testing.T) {
	t.Parallel()
	failing := func(*interpreter.TaskRequest) answer { return answer{fail: failure.New("Boom", "it broke")} }
	h := map[string]handler{"arn:aws:states:::lambda:invoke": echo, "arn:aws:states:::sns:publish": failing}
	runCases(t, []stateCase{
		{name: "pass output and assign", def: jsonataMachine("A", `
			"A":{"Type":"Pass","Assign":{"n":"{% $states.input.n * 2 %}"},"Output":{"old":"{% $states.input.n %}"},"Next":"B"},
			"B":{"Type":"Pass","Output":"{% $n + $states.input.old %}","End":true}`),
			input: `{"n":3}`, output: `9`},
		{name: "pass without output passes its input", def: jsonataMachine("A", `"A":{"Type":"Pass","End":true}`), input: `{"a":[1]}`, output: `{"a":[1]}`},
		{name: "assign reads the values from before the state", def: jsonataMachine("A", `
			"A":{"Type":"Pass","Assign":{"x":1},"Next":"B"},
			"B":{"Type":"Pass","Assign":{"x":"{% $x + 1 %}","y":"{% $x %}"},"Output":{"x":"{% $x %}"},"Next":"C"},
			"C":{"Type":"Pass","Output":{"x":"{% $x %}","y":"{% $y %}","before":"{% $states.input.x %}"},"End":true}`),
			input: `{}`, output: `{"x":2,"y":1,"before":1}`},
		{name: "task arguments and result", def: jsonataMachine("T", `
			"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Arguments":{"v":"{% $states.input.a %}","k":"lit"},
				"Assign":{"got":"{% $states.result %}"},"Output":{"r":"{% $states.result.v %}","assigned yet":"{% $exists($got) %}"},"End":true}`),
			input: `{"a":5}`, handlers: h, output: `{"r":5,"assigned yet":false}`},
		{name: "task without arguments or output", def: jsonataMachine("T", `"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}`),
			input: `{"a":5}`, handlers: h, output: `{"a":5}`},
		{name: "catcher output and assign", def: jsonataMachine("T", `
			"T":{"Type":"Task","Resource":"arn:aws:states:::sns:publish","Assign":{"never":1},
				"Catch":[{"ErrorEquals":["Boom"],"Assign":{"err":"{% $states.errorOutput.Error %}"},"Output":{"cause":"{% $states.errorOutput.Cause %}","in":"{% $states.input %}"},"Next":"H"}],"End":true},
			"H":{"Type":"Pass","Output":{"err":"{% $err %}","out":"{% $states.input %}","never":"{% $exists($never) %}"},"End":true}`),
			input: `{"a":1}`, handlers: h, output: `{"err":"Boom","out":{"cause":"it broke","in":{"a":1}},"never":false}`},
		{name: "catcher without output passes the error output", def: jsonataMachine("T", `
			"T":{"Type":"Task","Resource":"arn:aws:states:::sns:publish","Catch":[{"ErrorEquals":["States.ALL"],"Next":"H"}],"End":true},
			"H":{"Type":"Succeed"}`),
			input: `{}`, handlers: h, output: `{"Error":"Boom","Cause":"it broke"}`},
		{name: "an evaluation error is caught", def: jsonataMachine("P", `
			"P":{"Type":"Parallel","Arguments":"{% $states.input.nope %}","Branches":[{"StartAt":"X","States":{"X":{"Type":"Succeed"}}}],
				"Catch":[{"ErrorEquals":["States.QueryEvaluationError"],"Output":"{% $states.errorOutput.Error %}","Next":"H"}],"End":true},
			"H":{"Type":"Succeed"}`),
			input: `{}`, output: `"States.QueryEvaluationError"`,
			events: "ExecutionStarted,ParallelStateEntered,EvaluationFailed,ParallelStateExited,SucceedStateEntered,SucceedStateExited,ExecutionSucceeded"},
		{name: "an evaluation error is retried", def: jsonataMachine("T", `
			"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Arguments":"{% $states.input.nope %}",
				"Retry":[{"ErrorEquals":["States.ALL"],"MaxAttempts":1,"IntervalSeconds":1}],"End":true}`),
			input: `{}`, handlers: h, status: "FAILED", error: "States.QueryEvaluationError",
			events: "ExecutionStarted,TaskStateEntered,EvaluationFailed,EvaluationFailed,ExecutionFailed"},
		{name: "choice rule output and assign", def: jsonataMachine("C", `
			"C":{"Type":"Choice","Choices":[{"Condition":"{% $states.input.n > 1 %}","Assign":{"big":true},"Output":{"n":"{% $states.input.n %}"},"Next":"D"}],
				"Default":"D","Assign":{"big":false},"Output":"default"},
			"D":{"Type":"Pass","Output":{"in":"{% $states.input %}","big":"{% $big %}"},"End":true}`),
			input: `{"n":2}`, output: `{"in":{"n":2},"big":true}`},
		{name: "choice default takes the state's assign and output", def: jsonataMachine("C", `
			"C":{"Type":"Choice","Choices":[{"Condition":"{% $states.input.n > 1 %}","Assign":{"big":true},"Next":"D"}],
				"Default":"D","Assign":{"big":false},"Output":"default"},
			"D":{"Type":"Pass","Output":{"in":"{% $states.input %}","big":"{% $big %}"},"End":true}`),
			input: `{"n":0}`, output: `{"in":"default","big":false}`},
		{name: "choice matched rule without output takes the state's", def: jsonataMachine("C", `
			"C":{"Type":"Choice","Choices":[{"Condition":true,"Next":"D"}],"Output":"state","Default":"D"},
			"D":{"Type":"Succeed"}`),
			input: `{"n":0}`, output: `"state"`},
		{name: "choice without any output passes its input", def: jsonataMachine("C", `
			"C":{"Type":"Choice","Choices":[{"Condition":true,"Next":"D"}],"Default":"D"},
			"D":{"Type":"Succeed"}`),
			input: `{"n":0}`, output: `{"n":0}`},
		{name: "choice state assign applies with a matched rule, the rule's after it", def: jsonataMachine("C", `
			"C":{"Type":"Choice","Choices":[{"Condition":true,"Assign":{"a":"rule","r":1},"Next":"D"}],"Assign":{"a":"state","s":1},"Default":"D"},
			"D":{"Type":"Pass","Output":{"a":"{% $a %}","r":"{% $r %}","s":"{% $s %}"},"End":true}`),
			input: `{}`, output: `{"a":"rule","r":1,"s":1}`},
		{name: "a condition that is not a boolean", def: jsonataMachine("C", `
			"C":{"Type":"Choice","Choices":[{"Condition":"{% $states.input.n %}","Next":"D"}],"Default":"D"},
			"D":{"Type":"Succeed"}`),
			input: `{"n":1}`, status: "FAILED", error: "States.QueryEvaluationError",
			cause: "The JSONata expression '$states.input.n' specified for the field 'Choices[0]/Condition' returned an unexpected result type. Expected 'boolean', but was 'number' for value: 1"},
		{name: "wait seconds", def: jsonataMachine("W", `"W":{"Type":"Wait","Seconds":"{% $states.input.s %}","Output":{"waited":"{% $states.input.s %}"},"End":true}`),
			input: `{"s":30}`, output: `{"waited":30}`},
		{name: "wait seconds not an integer", def: jsonataMachine("W", `"W":{"Type":"Wait","Seconds":"{% 1.5 %}","End":true}`),
			input: `{}`, status: "FAILED", error: "States.QueryEvaluationError", cause: "for the field 'Seconds' returned an unexpected result type"},
		{name: "fail error and cause", def: jsonataMachine("F", `"F":{"Type":"Fail","Error":"{% 'E' & $states.input.code %}","Cause":"{% $string($states.input) %}"}`),
			input: `{"code":42}`, status: "FAILED", error: "E42", cause: `{"code":42}`},
		{name: "fail cause not a string", def: jsonataMachine("F", `"F":{"Type":"Fail","Cause":"{% $states.input %}"}`),
			input: `{"code":42}`, status: "FAILED", error: "States.QueryEvaluationError", cause: "Expected 'string', but was 'object'"},
		{name: "map items, selector and limits", def: jsonataMachine("M", `
			"M":{"Type":"Map","Items":"{% $states.input.xs %}","MaxConcurrency":"{% 1 %}","ToleratedFailurePercentage":"{% 0 %}",
				"ItemSelector":{"i":"{% $states.context.Map.Item.Index %}","v":"{% $states.context.Map.Item.Value %}","k":"{% $states.input.k %}"},
				"ItemProcessor":{"StartAt":"X","States":{"X":{"Type":"Pass","Output":"{% $states.input.k & $states.input.i & $states.input.v %}","End":true}}},
				"Output":{"r":"{% $states.result %}"},"End":true}`),
			input: `{"xs":["a","b"],"k":"-"}`, output: `{"r":["-0a","-1b"]}`},
		{name: "map items literal with expressions", def: jsonataMachine("M", `
			"M":{"Type":"Map","Items":[1,"{% $states.input.two %}"],"ItemProcessor":{"StartAt":"X","States":{"X":{"Type":"Pass","End":true}}},"End":true}`),
			input: `{"two":2}`, output: `[1,2]`},
		{name: "task timeout from an expression", def: jsonataMachine("T", `
			"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","TimeoutSeconds":"{% 0 %}","End":true}`),
			input: `{}`, handlers: h, status: "FAILED", error: "States.QueryEvaluationError", cause: "for the field 'TimeoutSeconds'"},
		{name: "output with a non-finite number", def: jsonataMachine("P", `"P":{"Type":"Pass","Output":{"inf":"{% 1/0 %}"},"End":true}`),
			input: `{}`, output: `{"inf":"Infinity"}`},
		{name: "an expression that recurses without end", def: jsonataMachine("P", `"P":{"Type":"Pass","Output":"{% ($f := function($n){ $n + $f($n) }; $f(1)) %}","End":true}`),
			input: `{}`, status: "FAILED", error: "States.QueryEvaluationError", cause: "Stack overflow error: Check for non-terminating recursive function. Consider rewriting as tail-recursive. Depth=101 max=100"},
		{name: "eval is not available", def: jsonataMachine("P", `"P":{"Type":"Pass","Output":"{% $eval('1') %}","End":true}`),
			input: `{}`, status: "FAILED", error: "States.QueryEvaluationError", cause: "T1006"},
		{name: "aws functions", def: jsonataMachine("P", `"P":{"Type":"Pass","Output":{"p":"{% $partition([1,2,3], 2) %}","r":"{% $range(0, 6, 2) %}","h":"{% $hash('abc', 'SHA-256') %}","j":"{% $parse('{\"a\":[1,{\"b\":null}]}') %}"},"End":true}`),
			input: `{}`, output: `{"p":[[1,2],[3]],"r":[0,2,4,6],"h":"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad","j":{"a":[1,{"b":null}]}}`},
	})
}

func TestVariables(t *testing.T) {
	t.Parallel()
	runCases(t, []stateCase{
		{name: "jsonpath assign reads the result", def: `{"StartAt":"A","States":{
			"A":{"Type":"Pass","Parameters":{"v.$":"$.a"},"ResultPath":"$.r","Assign":{"x.$":"$.v","c":"lit","ctx.$":"$$.State.Name"},"Next":"B"},
			"B":{"Type":"Pass","Parameters":{"x.$":"$x","c.$":"$c","ctx.$":"$ctx","in.$":"$"},"End":true}}}`,
			input: `{"a":7}`, output: `{"x":7,"c":"lit","ctx":"A","in":{"a":7,"r":{"v":7}}}`},
		{name: "jsonpath catcher assign reads the error output", def: `{"StartAt":"F","States":{
			"F":{"Type":"Parallel","Branches":[{"StartAt":"X","States":{"X":{"Type":"Fail","Error":"E","Cause":"C"}}}],
				"Catch":[{"ErrorEquals":["E"],"Assign":{"err.$":"$.Error"},"ResultPath":"$.e","Next":"H"}],"End":true},
			"H":{"Type":"Pass","Parameters":{"err.$":"$err","in.$":"$"},"End":true}}}`,
			input: `{}`, output: `{"err":"E","in":{"e":{"Error":"E","Cause":"C"}}}`},
		{name: "jsonpath choice rule assign", def: `{"StartAt":"C","States":{
			"C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThan":1,"Assign":{"big":true},"Next":"D"}],"Default":"D","Assign":{"big":false,"seen.$":"$.n"}},
			"D":{"Type":"Pass","Parameters":{"big.$":"$big","seen.$":"$seen"},"End":true}}}`,
			input: `{"n":5}`, output: `{"big":true,"seen":5}`},
		{name: "a branch reads outer variables and keeps its own", def: `{"StartAt":"A","States":{
			"A":{"Type":"Pass","Assign":{"outer":1},"Next":"P"},
			"P":{"Type":"Parallel","Branches":[{"StartAt":"X","States":{"X":{"Type":"Pass","Assign":{"inner":2},"Next":"Y"},
				"Y":{"Type":"Pass","Parameters":{"o.$":"$outer","i.$":"$inner"},"End":true}}}],"Next":"Z"},
			"Z":{"Type":"Pass","Parameters":{"r.$":"$","o.$":"$outer"},"End":true}}}`,
			input: `{}`, output: `{"r":[{"o":1,"i":2}],"o":1}`},
		{name: "a variable of a branch is gone after it", def: `{"StartAt":"P","States":{
			"P":{"Type":"Parallel","Branches":[{"StartAt":"X","States":{"X":{"Type":"Pass","Assign":{"inner":2},"End":true}}}],"Next":"Z"},
			"Z":{"Type":"Pass","Parameters":{"i.$":"$inner"},"End":true}}}`,
			input: `{}`, status: "FAILED", error: "States.Runtime"},
		{name: "a branch cannot assign an outer variable", def: `{"StartAt":"A","States":{
			"A":{"Type":"Pass","Assign":{"outer":1},"Next":"P"},
			"P":{"Type":"Parallel","Branches":[{"StartAt":"X","States":{"X":{"Type":"Pass","Assign":{"outer":2},"End":true}}}],"End":true}}}`,
			input: `{}`, status: "FAILED", error: "States.Runtime",
			cause: "Cannot bind value '2' to variable 'outer' as it belongs to an outer scope."},
		{name: "a map iteration reads outer variables", def: `{"StartAt":"A","States":{
			"A":{"Type":"Pass","Assign":{"k":10},"Next":"M"},
			"M":{"Type":"Map","ItemProcessor":{"StartAt":"X","States":{"X":{"Type":"Pass","Parameters":{"v.$":"States.MathAdd($, $k)"},"End":true}}},"End":true}}}`,
			input: `[1,2]`, output: `[{"v":11},{"v":12}]`},
		{name: "a distributed map iteration sees no outer variables", def: `{"StartAt":"A","States":{
			"A":{"Type":"Pass","Assign":{"k":10},"Next":"M"},
			"M":{"Type":"Map","ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"X","States":{"X":{"Type":"Pass","QueryLanguage":"JSONata","Output":"{% $exists($k) %}","End":true}}},"End":true}}}`,
			input: `[1]`, output: `[false]`},
		{name: "a variable over 256 KiB", def: `{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"big.$":"$.s"},"End":true}}}`,
			input: `{"s":"` + strings.Repeat("x", 200000) + `"}`, output: `{"s":"` + strings.Repeat("x", 200000) + `"}`},
		{name: "assignments over 256 KiB together", def: `{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"a.$":"$.s","b.$":"$.s"},"End":true}}}`,
			input: `{"s":"` + strings.Repeat("x", 140000) + `"}`, status: "FAILED", error: "States.DataLimitExceeded"},
	})
}

func TestAssignedVariablesInHistory(t *testing.T) {
	t.Parallel()
	r := run(t, `{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"x":{"a":1},"y.$":"$.v"},"Next":"B"},"B":{"Type":"Pass","End":true}}}`, `{"v":"s"}`, nil)
	if r.ex.Status.String() != "SUCCEEDED" {
		t.Fatal(r.ex.Failure)
	}
	var got []string
	for _, e := range r.ex.Events {
		if e.Detail != nil {
			for _, a := range e.Detail.Assigned {
				got = append(got, e.Name+":"+a.Name+"="+value.String(a.Value))
			}
		}
	}
	if want := `A:x={"a":1},A:y="s"`; strings.Join(got, ",") != want {
		t.Errorf("assigned %s, want %s", strings.Join(got, ","), want)
	}
}
