package interpreter_test

import (
	"strings"
	"testing"
	"time"

	"github.com/baton-sh/baton/failure"
	"github.com/baton-sh/baton/interpreter"
	"github.com/baton-sh/baton/value"
)

// run executes a definition (JSON) on an input with the given task
// handlers (by resource ARN), purely.
func run(t *testing.T, def, input string, handlers map[string]handler) *harness {
	t.Helper()
	return newHarness(t, def, byResource(t, handlers)).start(input)
}

type stateCase struct {
	name     string
	def      string
	input    string
	handlers map[string]handler
	status   string // default SUCCEEDED
	output   string // compared as JSON when status is SUCCEEDED
	error    string
	cause    string // substring
	events   string // optional, comma-separated types
}

func runCases(t *testing.T, cases []stateCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := run(t, c.def, c.input, c.handlers)
			want := c.status
			if want == "" {
				want = "SUCCEEDED"
			}
			if got := r.ex.Status.String(); got != want {
				t.Fatalf("status %s (%v), want %s", got, r.ex.Failure, want)
			}
			if want == "SUCCEEDED" && c.output != "" {
				if !value.Equal(r.ex.Output, value.MustParse(c.output)) {
					t.Errorf("output %s, want %s", value.String(r.ex.Output), c.output)
				}
			}
			if c.error != "" && (r.ex.Failure == nil || r.ex.Failure.Error != c.error) {
				t.Errorf("failure %v, want error %s", r.ex.Failure, c.error)
			}
			if c.cause != "" && (r.ex.Failure == nil || !strings.Contains(r.ex.Failure.Cause, c.cause)) {
				t.Errorf("failure %v, want a cause containing %q", r.ex.Failure, c.cause)
			}
			if c.events != "" && r.events() != c.events {
				t.Errorf("events\n got  %s\n want %s", r.events(), c.events)
			}
		})
	}
}

func one(state string) string {
	return `{"StartAt":"S","States":{"S":` + state + `}}`
}

func TestPass(t *testing.T) {
	t.Parallel()
	runCases(t, []stateCase{
		{name: "identity", def: one(`{"Type":"Pass","End":true}`), input: `{"a":1}`, output: `{"a":1}`,
			events: "ExecutionStarted,PassStateEntered,PassStateExited,ExecutionSucceeded"},
		{name: "result replaces", def: one(`{"Type":"Pass","Result":{"x":[1,2]},"End":true}`), input: `{"a":1}`, output: `{"x":[1,2]}`},
		{name: "result path", def: one(`{"Type":"Pass","Result":"r","ResultPath":"$.b.c","End":true}`), input: `{"a":1}`, output: `{"a":1,"b":{"c":"r"}}`},
		{name: "result path null", def: one(`{"Type":"Pass","Result":"r","ResultPath":null,"End":true}`), input: `{"a":1}`, output: `{"a":1}`},
		{name: "result path root", def: one(`{"Type":"Pass","Result":"r","ResultPath":"$","End":true}`), input: `{"a":1}`, output: `"r"`},
		{name: "input path", def: one(`{"Type":"Pass","InputPath":"$.a","End":true}`), input: `{"a":{"b":2}}`, output: `{"b":2}`},
		{name: "input path null", def: one(`{"Type":"Pass","InputPath":null,"End":true}`), input: `{"a":1}`, output: `{}`},
		{name: "output path", def: one(`{"Type":"Pass","OutputPath":"$.a","End":true}`), input: `{"a":[1]}`, output: `[1]`},
		{name: "output path null", def: one(`{"Type":"Pass","OutputPath":null,"End":true}`), input: `{"a":[1]}`, output: `{}`},
		{name: "parameters", def: one(`{"Type":"Pass","Parameters":{"k":"v","n.$":"$.a","nested":{"m.$":"$.b[1]"},"ctx.$":"$$.State.Name","arr":[{"x.$":"$.a"}]},"End":true}`),
			input: `{"a":1,"b":[5,6]}`, output: `{"k":"v","n":1,"nested":{"m":6},"ctx":"S","arr":[{"x":1}]}`},
		{name: "parameters intrinsic", def: one(`{"Type":"Pass","Parameters":{"s.$":"States.Format('{}-{}', $.a, $$.Execution.Name)"},"End":true}`),
			input: `{"a":"x"}`, output: `{"s":"x-e1"}`},
		// AWS formats an object as Java writes a map, members in the
		// context object's order: {Id=..., Name=...}.
		{name: "parameters intrinsic of an object", def: one(`{"Type":"Pass","Parameters":{"s.$":"States.Format('{} {}', $$.StateMachine, $.a)"},"End":true}`),
			input: `{"a":[1,{"b":null}]}`, output: `{"s":"{Id=arn:aws:states:us-east-1:123456789012:stateMachine:M, Name=M} [1, {b=null}]"}`},
		{name: "parameters after input path", def: one(`{"Type":"Pass","InputPath":"$.in","Parameters":{"v.$":"$.v"},"ResultPath":"$.out","End":true}`),
			input: `{"in":{"v":3}}`, output: `{"in":{"v":3},"out":{"v":3}}`},
		{name: "missing parameter path", def: one(`{"Type":"Pass","Parameters":{"v.$":"$.nope"},"End":true}`), input: `{"a":1}`,
			status: "FAILED", error: "States.Runtime",
			cause:  `An error occurred while executing the state 'S' (entered at the event id #2). The JSONPath '$.nope' specified for the field 'v.$' could not be found in the input '{"a":1}'`,
			events: "ExecutionStarted,PassStateEntered,ExecutionFailed"},
		{name: "missing input path", def: one(`{"Type":"Pass","InputPath":"$.nope","End":true}`), input: `{}`,
			status: "FAILED", error: "States.Runtime", cause: "Invalid path '$.nope' : No results for path: $['nope']"},
		{name: "result path conflict", def: one(`{"Type":"Pass","Result":1,"ResultPath":"$.a.b","End":true}`), input: `{"a":"s"}`,
			status: "FAILED", error: "States.ReferencePathConflict", cause: `Unable to apply step "b" to input {"a":"s"}`},
		{name: "indefinite path", def: one(`{"Type":"Pass","Parameters":{"ids.$":"$.items[?(@.ok)].id"},"End":true}`),
			input: `{"items":[{"id":1,"ok":true},{"id":2},{"id":3,"ok":false}]}`, output: `{"ids":[1,3]}`},
		{name: "endless loop", def: `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Choice","Choices":[{"Variable":"$.stop","IsPresent":true,"Next":"E"}],"Default":"A"},"E":{"Type":"Succeed"}}}`,
			input: `{}`, status: "FAILED", error: "States.Runtime", cause: "maximum number of events in its history (25000)"},
		{name: "payload limit", def: one(`{"Type":"Pass","Parameters":{"a.$":"$.s","b.$":"$.s"},"End":true}`),
			input: `{"s":"` + strings.Repeat("x", 140000) + `"}`, status: "FAILED", error: "States.DataLimitExceeded",
			cause: "The state/task 'S' returned a result with a size exceeding the maximum number of bytes service limit."},
	})
}

func TestSucceedAndFail(t *testing.T) {
	t.Parallel()
	runCases(t, []stateCase{
		{name: "succeed", def: one(`{"Type":"Succeed","InputPath":"$.a","OutputPath":"$.b"}`), input: `{"a":{"b":7}}`, output: `7`,
			events: "ExecutionStarted,SucceedStateEntered,SucceedStateExited,ExecutionSucceeded"},
		{name: "fail", def: one(`{"Type":"Fail","Error":"E","Cause":"C"}`), input: `{}`, status: "FAILED", error: "E", cause: "C",
			events: "ExecutionStarted,FailStateEntered,ExecutionFailed"},
		{name: "fail without error", def: one(`{"Type":"Fail"}`), input: `{}`, status: "FAILED"},
		{name: "fail paths", def: one(`{"Type":"Fail","ErrorPath":"$.e","CausePath":"$.c"}`), input: `{"e":"Err","c":"because"}`,
			status: "FAILED", error: "Err", cause: "because"},
		{name: "fail intrinsic", def: one(`{"Type":"Fail","Error":"E","CausePath":"States.Format('bad {}', $.n)"}`), input: `{"n":3}`,
			status: "FAILED", error: "E", cause: "bad 3"},
		{name: "fail missing path", def: one(`{"Type":"Fail","ErrorPath":"$.nope"}`), input: `{}`, status: "FAILED", error: "States.Runtime",
			cause: "The JSONPath '$.nope' specified for the field 'ErrorPath' could not be found in the input '{}'"},
	})
}

func TestChoice(t *testing.T) {
	t.Parallel()
	def := func(rule string) string {
		return `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[` + rule + `],"Default":"No"},
			"Yes":{"Type":"Pass","Result":"yes","End":true},"No":{"Type":"Pass","Result":"no","End":true}}}`
	}
	rule := func(op, operand string) string {
		return `{"Variable":"$.v",` + `"` + op + `":` + operand + `,"Next":"Yes"}`
	}
	tests := []struct {
		rule, input string
		yes         bool
	}{
		{rule("StringEquals", `"a"`), `{"v":"a"}`, true},
		{rule("StringEquals", `"a"`), `{"v":1}`, false},
		{rule("StringLessThan", `"b"`), `{"v":"a"}`, true},
		{rule("StringGreaterThan", `"b"`), `{"v":"a"}`, false},
		{rule("StringLessThanEquals", `"a"`), `{"v":"a"}`, true},
		{rule("StringGreaterThanEquals", `"b"`), `{"v":"c"}`, true},
		{rule("StringMatches", `"log-*.txt"`), `{"v":"log-2024.txt"}`, true},
		{rule("StringMatches", `"log-*.txt"`), `{"v":"log-2024.csv"}`, false},
		{rule("StringMatches", `"a\\*b"`), `{"v":"a*b"}`, true},
		{rule("StringMatches", `"a\\*b"`), `{"v":"axb"}`, false},
		{rule("StringMatches", `"*"`), `{"v":""}`, true},
		{rule("NumericEquals", `2`), `{"v":2.0}`, true},
		{rule("NumericEquals", `2`), `{"v":"2"}`, false},
		{rule("NumericLessThan", `2`), `{"v":1.5}`, true},
		{rule("NumericGreaterThan", `2`), `{"v":1.5}`, false},
		{rule("NumericLessThanEquals", `2`), `{"v":2}`, true},
		{rule("NumericGreaterThanEquals", `2`), `{"v":3}`, true},
		{rule("BooleanEquals", `true`), `{"v":true}`, true},
		{rule("BooleanEquals", `true`), `{"v":"true"}`, false},
		{rule("TimestampEquals", `"2020-01-01T00:00:00Z"`), `{"v":"2020-01-01T01:00:00+01:00"}`, true},
		{rule("TimestampLessThan", `"2020-01-01T00:00:00Z"`), `{"v":"2019-12-31T23:59:59Z"}`, true},
		{rule("TimestampGreaterThan", `"2020-01-01T00:00:00Z"`), `{"v":"2019-12-31T23:59:59Z"}`, false},
		{rule("TimestampLessThanEquals", `"2020-01-01T00:00:00Z"`), `{"v":"2020-01-01T00:00:00Z"}`, true},
		{rule("TimestampGreaterThanEquals", `"2020-01-01T00:00:00Z"`), `{"v":"2020-01-01T00:00:00.5Z"}`, true},
		{rule("TimestampEquals", `"2020-01-01T00:00:00Z"`), `{"v":"2020-01-01"}`, false},
		{rule("StringEqualsPath", `"$.w"`), `{"v":"a","w":"a"}`, true},
		{rule("StringLessThanPath", `"$.w"`), `{"v":"a","w":"b"}`, true},
		{rule("StringGreaterThanPath", `"$.w"`), `{"v":"a","w":"b"}`, false},
		{rule("StringLessThanEqualsPath", `"$.w"`), `{"v":"b","w":"b"}`, true},
		{rule("StringGreaterThanEqualsPath", `"$.w"`), `{"v":"a","w":"b"}`, false},
		{rule("NumericEqualsPath", `"$.w"`), `{"v":1,"w":1.0}`, true},
		{rule("NumericLessThanPath", `"$.w"`), `{"v":1,"w":2}`, true},
		{rule("NumericGreaterThanPath", `"$.w"`), `{"v":1,"w":2}`, false},
		{rule("NumericLessThanEqualsPath", `"$.w"`), `{"v":2,"w":2}`, true},
		{rule("NumericGreaterThanEqualsPath", `"$.w"`), `{"v":1,"w":2}`, false},
		{rule("BooleanEqualsPath", `"$.w"`), `{"v":false,"w":false}`, true},
		{rule("TimestampEqualsPath", `"$.w"`), `{"v":"2020-01-01T00:00:00Z","w":"2020-01-01T00:00:00Z"}`, true},
		{rule("TimestampLessThanPath", `"$.w"`), `{"v":"2020-01-01T00:00:00Z","w":"2021-01-01T00:00:00Z"}`, true},
		{rule("TimestampGreaterThanPath", `"$.w"`), `{"v":"2020-01-01T00:00:00Z","w":"2021-01-01T00:00:00Z"}`, false},
		{rule("TimestampLessThanEqualsPath", `"$.w"`), `{"v":"2020-01-01T00:00:00Z","w":"2020-01-01T00:00:00Z"}`, true},
		{rule("TimestampGreaterThanEqualsPath", `"$.w"`), `{"v":"2022-01-01T00:00:00Z","w":"2020-01-01T00:00:00Z"}`, true},
		{rule("IsNull", `true`), `{"v":null}`, true},
		{rule("IsNull", `false`), `{"v":null}`, false},
		{rule("IsPresent", `true`), `{"v":0}`, true},
		{rule("IsPresent", `true`), `{}`, false},
		{rule("IsPresent", `false`), `{}`, true},
		{rule("IsNumeric", `true`), `{"v":1.5}`, true},
		{rule("IsNumeric", `true`), `{"v":"1"}`, false},
		{rule("IsString", `true`), `{"v":""}`, true},
		{rule("IsBoolean", `false`), `{"v":"x"}`, true},
		{rule("IsTimestamp", `true`), `{"v":"2020-01-01T00:00:00Z"}`, true},
		{rule("IsTimestamp", `true`), `{"v":"2020-01-01"}`, false},
		{`{"And":[{"Variable":"$.v","NumericGreaterThan":1},{"Variable":"$.v","NumericLessThan":3}],"Next":"Yes"}`, `{"v":2}`, true},
		{`{"And":[{"Variable":"$.v","NumericGreaterThan":1},{"Variable":"$.v","NumericLessThan":3}],"Next":"Yes"}`, `{"v":3}`, false},
		{`{"Or":[{"Variable":"$.v","StringEquals":"a"},{"Variable":"$.v","StringEquals":"b"}],"Next":"Yes"}`, `{"v":"b"}`, true},
		{`{"Not":{"Variable":"$.v","StringEquals":"a"},"Next":"Yes"}`, `{"v":"b"}`, true},
		{`{"Not":{"Or":[{"Variable":"$.v","IsNull":true},{"And":[{"Variable":"$.v","IsNumeric":true},{"Variable":"$.v","NumericEquals":0}]}]},"Next":"Yes"}`, `{"v":0}`, false},
		{`{"Variable":"$$.Execution.Input.v","StringEquals":"ctx","Next":"Yes"}`, `{"v":"ctx"}`, true},
	}
	for _, tt := range tests {
		r := run(t, def(tt.rule), tt.input, nil)
		want := `"no"`
		if tt.yes {
			want = `"yes"`
		}
		if r.ex.Status != interpreter.Succeeded || value.String(r.ex.Output) != want {
			t.Errorf("%s on %s: %v %s %v, want %s", tt.rule, tt.input, r.ex.Status, value.String(r.ex.Output), r.ex.Failure, want)
		}
	}
	runCases(t, []stateCase{
		{name: "no match", def: `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.v","IsNull":true,"Next":"E"}]},"E":{"Type":"Succeed"}}}`,
			input: `{"v":1}`, status: "FAILED", error: "States.NoChoiceMatched", events: "ExecutionStarted,ChoiceStateEntered,ExecutionFailed"},
		{name: "missing variable", def: def(rule("StringEquals", `"a"`)), input: `{}`, status: "FAILED", error: "States.Runtime",
			cause: "Invalid path '$.v': The choice state's condition path references an invalid value."},
		{name: "output path", def: `{"StartAt":"C","States":{"C":{"Type":"Choice","InputPath":"$.in","OutputPath":"$.x","Choices":[{"Variable":"$.x","IsPresent":true,"Next":"E"}]},"E":{"Type":"Succeed"}}}`,
			input: `{"in":{"x":5}}`, output: `5`},
	})
}

func TestWait(t *testing.T) {
	t.Parallel()
	runCases(t, []stateCase{
		{name: "seconds", def: one(`{"Type":"Wait","Seconds":3600,"End":true}`), input: `{"a":1}`, output: `{"a":1}`,
			events: "ExecutionStarted,WaitStateEntered,WaitStateExited,ExecutionSucceeded"},
		{name: "seconds path", def: one(`{"Type":"Wait","SecondsPath":"$.s","End":true}`), input: `{"s":5}`, output: `{"s":5}`},
		{name: "timestamp in the past", def: one(`{"Type":"Wait","Timestamp":"2001-01-01T00:00:00Z","End":true}`), input: `{}`, output: `{}`},
		{name: "timestamp path", def: one(`{"Type":"Wait","TimestampPath":"$.t","End":true}`), input: `{"t":"2030-01-01T00:00:00Z"}`, output: `{"t":"2030-01-01T00:00:00Z"}`},
		{name: "negative seconds", def: one(`{"Type":"Wait","SecondsPath":"$.s","End":true}`), input: `{"s":-1}`, status: "FAILED", error: "States.Runtime",
			cause: "The SecondsPath parameter references a negative value: $.s == -1"},
		{name: "bad timestamp", def: one(`{"Type":"Wait","TimestampPath":"$.t","End":true}`), input: `{"t":"tomorrow"}`, status: "FAILED", error: "States.Runtime",
			cause: "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: $.t == tomorrow"},
		// AWS's causes when SecondsPath or TimestampPath selects nothing or
		// the wrong thing.
		{name: "seconds path selects nothing", def: one(`{"Type":"Wait","SecondsPath":"$.s","End":true}`), input: `{}`, status: "FAILED", error: "States.Runtime",
			cause:  "An error occurred while executing the state 'S' (entered at the event id #2). The SecondsPath parameter does not reference an input value: $.s",
			events: "ExecutionStarted,WaitStateEntered,ExecutionFailed"},
		{name: "seconds path selects a fraction", def: one(`{"Type":"Wait","SecondsPath":"$.s","End":true}`), input: `{"s":1.5}`, status: "FAILED", error: "States.Runtime",
			cause: "(entered at the event id #2). The SecondsPath parameter cannot be parsed as a long value: $.s == 1.5"},
		{name: "seconds path selects a string", def: one(`{"Type":"Wait","SecondsPath":"$.s","End":true}`), input: `{"s":"five"}`, status: "FAILED", error: "States.Runtime",
			cause: "The SecondsPath parameter cannot be parsed as a long value: $.s == five"},
		{name: "seconds path selects an object", def: one(`{"Type":"Wait","SecondsPath":"$.s","End":true}`), input: `{"s":{"a":1}}`, status: "FAILED", error: "States.Runtime",
			cause: `The SecondsPath parameter cannot be parsed as a long value: $.s == {"a":1}`},
		{name: "timestamp path selects nothing", def: one(`{"Type":"Wait","TimestampPath":"$.t","End":true}`), input: `{"u":1}`, status: "FAILED", error: "States.Runtime",
			cause: "An error occurred while executing the state 'S' (entered at the event id #2). The TimestampPath parameter does not reference an input value: $.t"},
		{name: "timestamp path selects a number", def: one(`{"Type":"Wait","TimestampPath":"$.t","End":true}`), input: `{"t":5}`, status: "FAILED", error: "States.Runtime",
			cause: "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: $.t == 5"},
		{name: "execution timeout", def: `{"TimeoutSeconds":10,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"End":true}}}`, input: `{}`,
			status: "TIMED_OUT", events: "ExecutionStarted,WaitStateEntered,WaitStateAborted,ExecutionTimedOut"},
	})
	r := run(t, `{"StartAt":"S","States":{"S":{"Type":"Wait","Seconds":90,"Next":"P"},"P":{"Type":"Pass","Parameters":{"t.$":"$$.State.EnteredTime"},"End":true}}}`, `{}`, nil)
	got, _ := r.ex.Output.(*value.Object).Get("t")
	if got != "2024-01-02T03:05:35.000Z" {
		t.Errorf("the Wait state did not wait 90 virtual seconds: entered %v", got)
	}
}

func TestTask(t *testing.T) {
	t.Parallel()
	// Handlers are shared by the cases, which run in parallel: they keep
	// no state (a task's Invocation counts its earlier attempts).
	flaky := func(req *interpreter.TaskRequest) answer {
		if req.Invocation < 2 {
			return answer{fail: failure.New("Flaky", "try again")}
		}
		return answer{out: "ok"}
	}
	failing := func(*interpreter.TaskRequest) answer { return answer{fail: failure.New(failure.TaskFailed, "boom")} }
	slow := func(*interpreter.TaskRequest) answer { return answer{wait: true} }
	token := func(req *interpreter.TaskRequest) answer { return answer{out: req.Token} }
	late := func(req *interpreter.TaskRequest) answer { return answer{out: "late", after: 30 * time.Second} }
	beating := func(req *interpreter.TaskRequest) answer {
		return answer{out: "alive", after: 30 * time.Second, heartbeat: 5 * time.Second}
	}
	h := map[string]handler{
		"arn:aws:states:::ecs:runTask": late, "arn:aws:states:::batch:submitJob": beating,
		"arn:aws:states:::lambda:invoke": echo, "arn:aws:states:::sqs:sendMessage": flaky,
		"arn:aws:states:::sns:publish": failing, "arn:aws:states:::events:putEvents": slow,
		"arn:aws:states:::http:invoke": token,
	}
	task := func(resource, extra string) string {
		return one(`{"Type":"Task","Resource":"` + resource + `"` + extra + `,"End":true}`)
	}
	runCases(t, []stateCase{
		{name: "result", def: task("arn:aws:states:::lambda:invoke", `,"Parameters":{"p.$":"$.a"},"ResultSelector":{"r.$":"$.p"},"ResultPath":"$.out"`),
			input: `{"a":1}`, handlers: h, output: `{"a":1,"out":{"r":1}}`,
			events: "ExecutionStarted,TaskStateEntered,TaskScheduled,TaskStarted,TaskSucceeded,TaskStateExited,ExecutionSucceeded"},
		{name: "retry until success", def: task("arn:aws:states:::sqs:sendMessage", `,"Retry":[{"ErrorEquals":["Flaky"],"IntervalSeconds":1,"MaxAttempts":5}]`),
			input: `{}`, handlers: h, output: `"ok"`,
			events: "ExecutionStarted,TaskStateEntered,TaskScheduled,TaskStarted,TaskFailed,TaskScheduled,TaskStarted,TaskFailed,TaskScheduled,TaskStarted,TaskSucceeded,TaskStateExited,ExecutionSucceeded"},
		{name: "max attempts zero", def: task("arn:aws:states:::sns:publish", `,"Retry":[{"ErrorEquals":["States.ALL"],"MaxAttempts":0}]`),
			input: `{}`, handlers: h, status: "FAILED", error: "States.TaskFailed", cause: "boom"},
		{name: "catch", def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sns:publish","Catch":[{"ErrorEquals":["Nope"],"Next":"X"},{"ErrorEquals":["States.TaskFailed"],"ResultPath":"$.err","Next":"H"}],"End":true},
			"X":{"Type":"Fail"},"H":{"Type":"Pass","End":true}}}`,
			input: `{"k":1}`, handlers: h, output: `{"k":1,"err":{"Error":"States.TaskFailed","Cause":"boom"}}`,
			events: "ExecutionStarted,TaskStateEntered,TaskScheduled,TaskStarted,TaskFailed,TaskStateExited,PassStateEntered,PassStateExited,ExecutionSucceeded"},
		{name: "timeout", def: task("arn:aws:states:::events:putEvents", `,"TimeoutSeconds":1`), input: `{}`, handlers: h,
			status: "FAILED", error: "States.Timeout"},
		{name: "heartbeat", def: task("arn:aws:states:::events:putEvents", `,"TimeoutSeconds":50,"HeartbeatSeconds":1`), input: `{}`, handlers: h,
			status: "FAILED", error: "States.HeartbeatTimeout"},
		{name: "late answer within the timeout", def: task("arn:aws:states:::ecs:runTask", `,"TimeoutSeconds":31`), input: `{}`, handlers: h,
			output: `"late"`, events: "ExecutionStarted,TaskStateEntered,TaskScheduled,TaskStarted,TaskSucceeded,TaskStateExited,ExecutionSucceeded"},
		{name: "late answer after the timeout", def: task("arn:aws:states:::ecs:runTask", `,"TimeoutSeconds":29`), input: `{}`, handlers: h,
			status: "FAILED", error: "States.Timeout", events: "ExecutionStarted,TaskStateEntered,TaskScheduled,TaskStarted,TaskTimedOut,ExecutionFailed"},
		{name: "heartbeats keep a task alive", def: task("arn:aws:states:::batch:submitJob", `,"TimeoutSeconds":60,"HeartbeatSeconds":6`), input: `{}`, handlers: h,
			output: `"alive"`},
		{name: "heartbeats too rare", def: task("arn:aws:states:::batch:submitJob", `,"TimeoutSeconds":60,"HeartbeatSeconds":4`), input: `{}`, handlers: h,
			status: "FAILED", error: "States.HeartbeatTimeout"},
		{name: "timeout path", def: task("arn:aws:states:::events:putEvents", `,"TimeoutSecondsPath":"$.t"`), input: `{"t":1}`, handlers: h,
			status: "FAILED", error: "States.Timeout"},
		{name: "timeout caught by ALL", def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::events:putEvents","TimeoutSeconds":1,"Catch":[{"ErrorEquals":["States.ALL"],"Next":"H"}],"End":true},"H":{"Type":"Pass","End":true}}}`,
			input: `{}`, handlers: h, output: `{"Error":"States.Timeout"}`},
		{name: "task token", def: task("arn:aws:states:::http:invoke", `,"Parameters":{"t.$":"$$.Task.Token"}`), input: `{}`, handlers: h},
		{name: "activity events", def: task("arn:aws:states:us-east-1:123456789012:activity:work", ""), input: `{"a":1}`,
			handlers: map[string]handler{"arn:aws:states:us-east-1:123456789012:activity:work": echo}, output: `{"a":1}`,
			events: "ExecutionStarted,TaskStateEntered,ActivityScheduled,ActivityStarted,ActivitySucceeded,TaskStateExited,ExecutionSucceeded"},
		{name: "lambda function events", def: task("arn:aws:lambda:us-east-1:123456789012:function:f", ""), input: `{"a":1}`,
			handlers: map[string]handler{"arn:aws:lambda:us-east-1:123456789012:function:f": echo}, output: `{"a":1}`,
			events: "ExecutionStarted,TaskStateEntered,LambdaFunctionScheduled,LambdaFunctionStarted,LambdaFunctionSucceeded,TaskStateExited,ExecutionSucceeded"},
	})
}

func TestRetryBackoff(t *testing.T) {
	t.Parallel()
	var times []time.Time
	h := newHarness(t, one(`{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Retry":[{"ErrorEquals":["E"],"IntervalSeconds":2,"BackoffRate":3,"MaxAttempts":3,"MaxDelaySeconds":10}],"End":true}`), nil)
	h.handle = func(*interpreter.TaskRequest) answer {
		times = append(times, h.now)
		return answer{fail: failure.New("E", "")}
	}
	h.start(`{}`)
	if h.ex.Status != interpreter.Failed || len(times) != 4 {
		t.Fatalf("%v after %d attempts", h.ex.Status, len(times))
	}
	want := []time.Duration{2 * time.Second, 6 * time.Second, 10 * time.Second} // 2, 2*3, min(18, 10)
	for i, w := range want {
		if got := times[i+1].Sub(times[i]); got != w {
			t.Errorf("delay before attempt %d: %v, want %v", i+2, got, w)
		}
	}
}

// TestRetryBackoffHuge: a back-off too long for a time to hold waits as
// long as it can (a hundred years), not at all.
func TestRetryBackoffHuge(t *testing.T) {
	t.Parallel()
	var times []time.Time
	h := newHarness(t, one(`{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Retry":[{"ErrorEquals":["E"],"IntervalSeconds":99999999,"BackoffRate":1000,"MaxAttempts":3}],"End":true}`), nil)
	h.handle = func(*interpreter.TaskRequest) answer {
		times = append(times, h.now)
		return answer{fail: failure.New("E", "")}
	}
	h.start(`{}`)
	if len(times) != 4 {
		t.Fatalf("%d attempts", len(times))
	}
	century := 100 * 365 * 24 * time.Hour
	want := []time.Duration{99999999 * time.Second, century, century}
	for i, w := range want {
		if got := times[i+1].Sub(times[i]); got != w {
			t.Errorf("delay before attempt %d: %v, want %v", i+2, got, w)
		}
	}
}

func TestParallel(t *testing.T) {
	t.Parallel()
	n := 0
	branch := func(result string) string {
		n++
		name := "B" + string(rune('0'+n))
		return `{"StartAt":"` + name + `","States":{"` + name + `":{"Type":"Pass","Result":` + result + `,"End":true}}}`
	}
	runCases(t, []stateCase{
		{name: "results in order", def: one(`{"Type":"Parallel","Branches":[` + branch(`1`) + `,` + branch(`"two"`) + `],"ResultPath":"$.r","End":true}`),
			input: `{"x":0}`, output: `{"x":0,"r":[1,"two"]}`,
			events: "ExecutionStarted,ParallelStateEntered,ParallelStateStarted,PassStateEntered,PassStateExited,PassStateEntered,PassStateExited,ParallelStateSucceeded,ParallelStateExited,ExecutionSucceeded"},
		{name: "parameters and selector", def: one(`{"Type":"Parallel","Parameters":{"v.$":"$.v"},"Branches":[{"StartAt":"B","States":{"B":{"Type":"Pass","End":true}}}],"ResultSelector":{"first.$":"$[0].v"},"End":true}`),
			input: `{"v":9}`, output: `{"first":9}`},
		{name: "branch failure", def: one(`{"Type":"Parallel","Branches":[` + branch(`1`) + `,{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Bad","Cause":"c"}}}],"End":true}`),
			input: `{}`, status: "FAILED", error: "Bad", cause: "c"},
		{name: "branch failure caught", def: `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Bad"}}}],"Catch":[{"ErrorEquals":["Bad"],"Next":"H"}],"End":true},"H":{"Type":"Pass","End":true}}}`,
			input: `{}`, output: `{"Error":"Bad"}`,
			events: "ExecutionStarted,ParallelStateEntered,ParallelStateStarted,FailStateEntered,ParallelStateFailed,ParallelStateExited,PassStateEntered,PassStateExited,ExecutionSucceeded"},
	})
}

func TestMap(t *testing.T) {
	t.Parallel()
	proc := `{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}}`
	runCases(t, []stateCase{
		{name: "items path", def: one(`{"Type":"Map","ItemsPath":"$.xs","ItemProcessor":` + proc + `,"ResultPath":"$.ys","End":true}`),
			input: `{"xs":[1,2]}`, output: `{"xs":[1,2],"ys":[1,2]}`,
			events: "ExecutionStarted,MapStateEntered,MapStateStarted,MapIterationStarted,PassStateEntered,PassStateExited,MapIterationSucceeded,MapIterationStarted,PassStateEntered,PassStateExited,MapIterationSucceeded,MapStateSucceeded,MapStateExited,ExecutionSucceeded"},
		{name: "item selector", def: one(`{"Type":"Map","ItemsPath":"$.xs","ItemSelector":{"i.$":"$$.Map.Item.Index","v.$":"$$.Map.Item.Value","k.$":"$.k"},"ItemProcessor":` + proc + `,"End":true}`),
			input: `{"xs":["a","b"],"k":7}`, output: `[{"i":0,"v":"a","k":7},{"i":1,"v":"b","k":7}]`},
		{name: "legacy iterator and parameters", def: one(`{"Type":"Map","Parameters":{"v.$":"$$.Map.Item.Value"},"Iterator":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"End":true}`),
			input: `[3,4]`, output: `[{"v":3},{"v":4}]`},
		{name: "empty", def: one(`{"Type":"Map","ItemProcessor":` + proc + `,"End":true}`), input: `[]`, output: `[]`,
			events: "ExecutionStarted,MapStateEntered,MapStateStarted,MapStateSucceeded,MapStateExited,ExecutionSucceeded"},
		{name: "max concurrency path", def: one(`{"Type":"Map","ItemsPath":"$.xs","MaxConcurrencyPath":"$.c","ItemProcessor":` + proc + `,"End":true}`),
			input: `{"xs":[1,2,3],"c":2}`, output: `[1,2,3]`},
		{name: "not an array", def: one(`{"Type":"Map","ItemsPath":"$.xs","ItemProcessor":` + proc + `,"End":true}`),
			input: `{"xs":{"a":1}}`, status: "FAILED", error: "States.Runtime", cause: `Map state input must be an array but was: {"a":1}`},
		{name: "iteration failure", def: one(`{"Type":"Map","ItemProcessor":{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E"}}},"End":true}`),
			input: `[1,2]`, status: "FAILED", error: "E",
			events: "ExecutionStarted,MapStateEntered,MapStateStarted,MapIterationStarted,FailStateEntered,MapIterationFailed,MapStateFailed,ExecutionFailed"},
		{name: "tolerated failures", def: one(`{"Type":"Map","ToleratedFailureCount":1,"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$","NumericEquals":2,"Next":"F"}],"Default":"P"},"F":{"Type":"Fail","Error":"E"},"P":{"Type":"Pass","End":true}}},"End":true}`),
			input: `[1,2,3]`, output: `[1,{"Error":"E"},3]`,
			events: "ExecutionStarted,MapStateEntered,MapStateStarted,MapRunStarted,MapRunSucceeded,MapStateSucceeded,MapStateExited,ExecutionSucceeded"},
		{name: "tolerance exceeded", def: one(`{"Type":"Map","ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E"}}},"End":true}`),
			input: `[1]`, status: "FAILED", error: "States.ExceedToleratedFailureThreshold"},
		{name: "endless loop in a distributed iteration", def: one(`{"Type":"Map","ToleratedFailureCount":1,"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"A","States":{
			"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Choice","Choices":[{"Variable":"$","NumericEquals":2,"Next":"E"}],"Default":"A"},"E":{"Type":"Succeed"}}},"End":true}`),
			input: `[1,2]`, output: `[{"Error":"States.Runtime","Cause":"The execution reached the maximum number of events in its history (25000)."},2]`},
		{name: "endless loop in distributed iterations", def: one(`{"Type":"Map","ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"A","States":{
			"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Parallel","Branches":[{"StartAt":"C","States":{"C":{"Type":"Pass","End":true}}}],"Next":"D"},
			"D":{"Type":"Choice","Choices":[{"Variable":"$.stop","IsPresent":true,"Next":"E"}],"Default":"A"},"E":{"Type":"Succeed"}}},"End":true}`),
			input: `[1]`, status: "FAILED", error: "States.ExceedToleratedFailureThreshold"},
		// AWS's causes for tolerances read from the input that are out of
		// range or not numbers; the state has started when they are read.
		{name: "negative tolerated failure count", def: distributed(`"ToleratedFailureCountPath":"$.c"`), input: `{"xs":[0],"c":-1}`, status: "FAILED", error: "States.Runtime",
			cause:  "An error occurred while executing the state 'S' (entered at the event id #2). ToleratedFailureCount cannot be negative.",
			events: "ExecutionStarted,MapStateEntered,MapStateStarted,ExecutionFailed"},
		{name: "negative tolerated failure count as text", def: distributed(`"ToleratedFailureCountPath":"$.c"`), input: `{"xs":[0],"c":"-3"}`, status: "FAILED", error: "States.Runtime",
			cause: "). ToleratedFailureCount cannot be negative."},
		{name: "tolerated failure count of an object", def: distributed(`"ToleratedFailureCountPath":"$.c"`), input: `{"xs":[0],"c":{}}`, status: "FAILED", error: "States.Runtime",
			cause: `). The ToleratedFailureCountPath field refers to value "{}" which is not a valid integer: $.c`},
		{name: "fractional tolerated failure count", def: distributed(`"ToleratedFailureCountPath":"$.c"`), input: `{"xs":[0],"c":1.5}`, status: "FAILED", error: "States.Runtime",
			cause: `). The ToleratedFailureCountPath field refers to value "1.5" which is not a valid integer: $.c`},
		{name: "tolerated failure count as text", def: distributed(`"ToleratedFailureCountPath":"$.c"`), input: `{"xs":[0],"c":"2"}`, output: `[0]`},
		{name: "negative tolerated failure percentage", def: distributed(`"ToleratedFailurePercentagePath":"$.p"`), input: `{"xs":[0],"p":-0.5}`, status: "FAILED", error: "States.Runtime",
			cause: "An error occurred while executing the state 'S' (entered at the event id #2). ToleratedFailurePercentage must be between 0 and 100."},
		{name: "tolerated failure percentage over 100", def: distributed(`"ToleratedFailurePercentagePath":"$.p"`), input: `{"xs":[0],"p":100.5}`, status: "FAILED", error: "States.Runtime",
			cause: "). ToleratedFailurePercentage must be between 0 and 100."},
		{name: "tolerated failure percentage of an array", def: distributed(`"ToleratedFailurePercentagePath":"$.p"`), input: `{"xs":[0],"p":[1]}`, status: "FAILED", error: "States.Runtime",
			cause: `). The ToleratedFailurePercentagePath field refers to value "[1]" which is not a valid float: $.p`},
		{name: "tolerated failure percentage of 100", def: distributed(`"ToleratedFailurePercentagePath":"$.p"`), input: `{"xs":[0],"p":100}`, output: `[0]`},
		{name: "nested", def: one(`{"Type":"Map","ItemProcessor":{"StartAt":"Inner","States":{"Inner":{"Type":"Map","ItemProcessor":` + proc + `,"End":true}}},"End":true}`),
			input: `[[1],[2,3]]`, output: `[[1],[2,3]]`},
	})
}

// distributed is a one-state machine whose distributed Map state S, with
// the fields given, passes the items of $.xs through.
func distributed(fields string) string {
	return one(`{"Type":"Map","ItemsPath":"$.xs",` + fields + `,"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}`)
}
