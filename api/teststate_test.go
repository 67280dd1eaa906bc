package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/resource"
	"github.com/baton-sh/baton/value"
)

// testStateBody builds a TestState request from its parts; definition and
// the other JSON-in-a-string fields are given as JSON and quoted here.
func testStateBody(fields map[string]any) string {
	body := map[string]any{}
	for k, v := range fields {
		switch k {
		case "definition", "input", "context", "variables":
			body[k] = string(mustJSON(v))
		default:
			body[k] = v
		}
	}
	return string(mustJSON(body))
}

// mustJSON is the JSON of a test's own value, which always has one.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func errMock(name, cause string) map[string]any {
	return map[string]any{"errorOutput": map[string]any{"error": name, "cause": cause}}
}

func resultMock(v string) map[string]any { return map[string]any{"result": v} }

var lambdaTask = map[string]any{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
	"Parameters": map[string]any{"FunctionName": "f", "Payload.$": "$"}}

func with(base map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range base {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

func TestTestState(t *testing.T) {
	s := newServerWith(t, func(reg *resource.Registry) {
		reg.Register("arn:aws:lambda:us-east-1:123456789012:function:double", resource.Func(func(ctx context.Context, req *resource.Request) (any, error) {
			n := req.Input.(*value.Object)
			x, _ := n.Get("x")
			f := x.(value.Number).Float64()
			return value.NewObject([]value.Member{{Key: "doubled", Value: value.Float(2 * f)}}), nil
		}))
	})
	tests := []struct {
		name   string
		req    map[string]any
		want   map[string]any // top-level fields that must match exactly
		absent []string
	}{
		{
			name: "choice",
			req: map[string]any{"definition": map[string]any{"Type": "Choice", "Choices": []any{
				map[string]any{"Variable": "$.number", "NumericEquals": 1, "Next": "Equals 1"},
				map[string]any{"Variable": "$.number", "NumericEquals": 2, "Next": "Equals 2"}}, "Default": "No Match"},
				"input": map[string]any{"number": 2}},
			want:   map[string]any{"output": `{"number":2}`, "nextState": "Equals 2", "status": "SUCCEEDED"},
			absent: []string{"inspectionData", "error"},
		},
		{
			name: "pass with every path, DEBUG",
			req: map[string]any{"definition": map[string]any{"Type": "Pass", "InputPath": "$.payload", "Parameters": map[string]any{"data": 1},
				"ResultPath": "$.result", "OutputPath": "$.result.data", "Next": "Another State"},
				"input": map[string]any{"payload": map[string]any{"foo": "bar"}}, "inspectionLevel": "DEBUG"},
			want: map[string]any{"output": "1", "nextState": "Another State", "status": "SUCCEEDED", "inspectionData": map[string]any{
				"input": `{"payload":{"foo":"bar"}}`, "afterInputPath": `{"foo":"bar"}`, "afterParameters": `{"data":1}`,
				"afterResultSelector": `{"data":1}`, "afterResultPath": `{"payload":{"foo":"bar"},"result":{"data":1}}`}},
		},
		{
			name: "mocked error, retriable",
			req: map[string]any{"definition": with(lambdaTask, "End", true, "Retry", []any{map[string]any{"ErrorEquals": []any{"Lambda.ServiceException"},
				"IntervalSeconds": 2, "MaxAttempts": 3, "BackoffRate": 2.0}}),
				"input": map[string]any{"data": "value"}, "stateConfiguration": map[string]any{"retrierRetryCount": 1},
				"mock": errMock("Lambda.ServiceException", "Service error"), "inspectionLevel": "DEBUG"},
			want: map[string]any{"status": "RETRIABLE", "error": "Lambda.ServiceException", "cause": "Service error"},
		},
		{
			name: "mocked error, caught",
			req: map[string]any{"definition": with(lambdaTask, "Next", "Success", "Catch", []any{map[string]any{"ErrorEquals": []any{"Lambda.TooManyRequestsException"},
				"ResultPath": "$.error", "Next": "HandleThrottling"}}),
				"input": map[string]any{"data": "value"}, "mock": errMock("Lambda.TooManyRequestsException", "Rate exceeded"), "inspectionLevel": "DEBUG"},
			want: map[string]any{"status": "CAUGHT_ERROR", "nextState": "HandleThrottling", "error": "Lambda.TooManyRequestsException", "cause": "Rate exceeded",
				"output": `{"data":"value","error":{"Error":"Lambda.TooManyRequestsException","Cause":"Rate exceeded"}}`},
		},
		{
			name: "retries used up, then caught",
			req: map[string]any{"definition": with(lambdaTask, "End", true,
				"Retry", []any{map[string]any{"ErrorEquals": []any{"Custom.Boom"}, "MaxAttempts": 2}},
				"Catch", []any{map[string]any{"ErrorEquals": []any{"States.ALL"}, "Next": "Recover", "ResultPath": "$.err"}}),
				"mock": errMock("Custom.Boom", "it broke"), "stateConfiguration": map[string]any{"retrierRetryCount": 2}},
			want: map[string]any{"status": "CAUGHT_ERROR", "nextState": "Recover", "output": `{"err":{"Error":"Custom.Boom","Cause":"it broke"}}`},
		},
		{
			name: "unhandled error",
			req: map[string]any{"definition": with(lambdaTask, "End", true, "Catch", []any{map[string]any{"ErrorEquals": []any{"Other"}, "Next": "Recover"}}),
				"mock": errMock("Custom.Boom", "it broke")},
			want:   map[string]any{"status": "FAILED", "error": "Custom.Boom", "cause": "it broke"},
			absent: []string{"output", "nextState"},
		},
		{
			name: "mocked result through ResultSelector",
			req: map[string]any{"definition": with(lambdaTask, "End", true, "ResultSelector", map[string]any{"body.$": "$.Payload.body"}, "ResultPath", "$.r"),
				"input": map[string]any{"a": 1}, "mock": resultMock(`{"Payload":{"statusCode":200,"body":"ok"}}`), "inspectionLevel": "DEBUG"},
			want: map[string]any{"status": "SUCCEEDED", "output": `{"a":1,"r":{"body":"ok"}}`, "inspectionData": map[string]any{
				"input": `{"a":1}`, "afterInputPath": `{"a":1}`, "afterParameters": `{"FunctionName":"f","Payload":{"a":1}}`,
				"result": `{"Payload":{"statusCode":200,"body":"ok"}}`, "afterResultSelector": `{"body":"ok"}`, "afterResultPath": `{"a":1,"r":{"body":"ok"}}`}},
		},
		{
			name: "a real task",
			req: map[string]any{"definition": map[string]any{"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:double", "Next": "After"},
				"input": map[string]any{"x": 21}},
			want: map[string]any{"status": "SUCCEEDED", "output": `{"doubled":42}`, "nextState": "After"},
		},
		{
			name: "a task nobody serves",
			req:  map[string]any{"definition": map[string]any{"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:nobody", "End": true}},
			want: map[string]any{"status": "FAILED"},
		},
		{
			name: "fail state",
			req:  map[string]any{"definition": map[string]any{"Type": "Fail", "Error": "Oops", "Cause": "bad"}},
			want: map[string]any{"status": "FAILED", "error": "Oops", "cause": "bad"},
		},
		{
			name: "a long wait does not wait",
			req:  map[string]any{"definition": map[string]any{"Type": "Wait", "Seconds": 86400, "Next": "Later"}, "input": map[string]any{"k": true}},
			want: map[string]any{"status": "SUCCEEDED", "nextState": "Later", "output": `{"k":true}`},
		},
		{
			name: "succeed",
			req:  map[string]any{"definition": map[string]any{"Type": "Succeed", "OutputPath": "$.a"}, "input": map[string]any{"a": 5}},
			want: map[string]any{"status": "SUCCEEDED", "output": "5"},
		},
		{
			name: "a runtime error in a path",
			req:  map[string]any{"definition": map[string]any{"Type": "Pass", "InputPath": "$.missing", "End": true}},
			want: map[string]any{"status": "FAILED", "error": "States.Runtime"},
		},
		{
			name: "map with a mock, DEBUG",
			req: map[string]any{"definition": map[string]any{"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2,
				"ItemSelector":  map[string]any{"value.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index"},
				"ItemProcessor": map[string]any{"StartAt": "P", "States": map[string]any{"P": map[string]any{"Type": "Pass", "End": true}}},
				"End":           true}, "input": map[string]any{"items": []any{1, 2}}, "mock": resultMock(`[10,20]`), "inspectionLevel": "DEBUG"},
			want: map[string]any{"status": "SUCCEEDED", "output": "[10,20]", "inspectionData": map[string]any{
				"input": `{"items":[1,2]}`, "afterInputPath": `{"items":[1,2]}`, "afterItemsPath": `[1,2]`,
				"afterItemSelector": `[{"index":0,"value":1},{"index":1,"value":2}]`, "maxConcurrency": 2.0,
				"result": `[10,20]`, "afterResultSelector": `[10,20]`, "afterResultPath": `[10,20]`}},
		},
		{
			name: "distributed map over its failure tolerance",
			req: map[string]any{"definition": map[string]any{"Type": "Map", "ToleratedFailureCount": 1,
				"ItemProcessor": map[string]any{"ProcessorConfig": map[string]any{"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
					"StartAt": "P", "States": map[string]any{"P": map[string]any{"Type": "Pass", "End": true}}}, "End": true},
				"input": []any{1, 2, 3}, "mock": resultMock(`[1,2,3]`), "stateConfiguration": map[string]any{"mapIterationFailureCount": 2}},
			want: map[string]any{"status": "FAILED", "error": "States.ExceedToleratedFailureThreshold"},
		},
		{
			name: "parallel with a mocked error from a branch",
			req: map[string]any{"definition": map[string]any{"Type": "Parallel", "Branches": []any{
				map[string]any{"StartAt": "A", "States": map[string]any{"A": map[string]any{"Type": "Pass", "End": true}}},
				map[string]any{"StartAt": "B", "States": map[string]any{"B": map[string]any{"Type": "Pass", "End": true}}}},
				"Catch": []any{map[string]any{"ErrorEquals": []any{"States.TaskFailed"}, "Next": "Handle"}}, "End": true},
				"mock": errMock("States.TaskFailed", "boom"), "stateConfiguration": map[string]any{"errorCausedByState": "B"}},
			want: map[string]any{"status": "CAUGHT_ERROR", "nextState": "Handle", "output": `{"Error":"States.TaskFailed","Cause":"boom"}`},
		},
		{
			name: "a state inside a whole machine, in a Map",
			req: map[string]any{"definition": map[string]any{"StartAt": "M", "States": map[string]any{"M": map[string]any{"Type": "Map",
				"ItemProcessor": map[string]any{"StartAt": "Inner", "States": map[string]any{
					"Inner": map[string]any{"Type": "Pass", "Parameters": map[string]any{"i.$": "$$.Map.Item.Index", "v.$": "$$.Map.Item.Value"}, "Next": "Last"},
					"Last":  map[string]any{"Type": "Succeed"}}}, "End": true}}},
				"stateName": "Inner", "input": "item"},
			want: map[string]any{"status": "SUCCEEDED", "nextState": "Last", "output": `{"i":0,"v":"item"}`},
		},
		{
			name: "context given with a mock",
			req: map[string]any{"definition": with(lambdaTask, "End", true, "Parameters", map[string]any{"id.$": "$$.Execution.Id", "state.$": "$$.State.Name"},
				"ResultPath", "$.r"),
				"mock": resultMock(`{}`), "context": map[string]any{"Execution": map[string]any{"Id": "exec-1"}, "State": map[string]any{"Name": "Process"}},
				"inspectionLevel": "DEBUG"},
			want: map[string]any{"status": "SUCCEEDED", "output": `{"r":{}}`},
		},
		{
			name: "variables",
			req: map[string]any{"definition": map[string]any{"Type": "Pass", "Parameters": map[string]any{"who.$": "$name"}, "End": true},
				"variables": map[string]any{"name": "Ada"}},
			want: map[string]any{"status": "SUCCEEDED", "output": `{"who":"Ada"}`},
		},
		{
			name: "a JSONata task assigns variables",
			req: map[string]any{"definition": map[string]any{"QueryLanguage": "JSONata", "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
				"Arguments": map[string]any{"FunctionName": "f", "Payload": map[string]any{"n": "{% $states.input.n + $base %}"}},
				"Assign":    map[string]any{"last": "{% $states.result.Payload %}", "base": "{% $base * 2 %}"},
				"Output":    "{% $states.result.Payload.total %}", "End": true},
				"input": map[string]any{"n": 1}, "variables": map[string]any{"base": 10, "other": "x"},
				"mock": resultMock(`{"Payload":{"total":11}}`), "inspectionLevel": "DEBUG"},
			want: map[string]any{"status": "SUCCEEDED", "output": "11", "inspectionData": map[string]any{
				"input": `{"n":1}`, "afterArguments": `{"FunctionName":"f","Payload":{"n":11}}`, "result": `{"Payload":{"total":11}}`,
				"variables": `{"base":20,"other":"x","last":{"total":11}}`,
			}},
		},
		{
			name: "a JSONata expression that gives nothing",
			req: map[string]any{"definition": map[string]any{"QueryLanguage": "JSONata", "Type": "Pass", "Output": map[string]any{"v": "{% $states.input.missing %}"}, "End": true},
				"input": map[string]any{}},
			want: map[string]any{"status": "FAILED", "error": "States.QueryEvaluationError"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out := call(t, s, "TestState", testStateBody(tt.req))
			if code != 200 {
				t.Fatalf("HTTP %d: %v", code, out)
			}
			for k, want := range tt.want {
				if got := out[k]; !reflect.DeepEqual(got, want) {
					t.Errorf("%s = %#v, want %#v", k, got, want)
				}
			}
			for _, k := range tt.absent {
				if v, ok := out[k]; ok {
					t.Errorf("%s = %v, want it absent", k, v)
				}
			}
		})
	}
}

func TestTestStateErrorDetails(t *testing.T) {
	s := newServer(t)
	out := mustCall(t, s, "TestState", testStateBody(map[string]any{"definition": with(lambdaTask, "End", true, "Retry", []any{
		map[string]any{"ErrorEquals": []any{"Other"}}, map[string]any{"ErrorEquals": []any{"Lambda.ServiceException"}, "IntervalSeconds": 2, "MaxAttempts": 3, "BackoffRate": 2.0}}),
		"stateConfiguration": map[string]any{"retrierRetryCount": 1}, "mock": errMock("Lambda.ServiceException", "x"), "inspectionLevel": "DEBUG"}))
	details, _ := out["inspectionData"].(map[string]any)["errorDetails"].(map[string]any)
	if !reflect.DeepEqual(details, map[string]any{"retryIndex": 1.0, "retryBackoffIntervalSeconds": 4.0}) {
		t.Errorf("errorDetails = %v", details)
	}
	out = mustCall(t, s, "TestState", testStateBody(map[string]any{"definition": with(lambdaTask, "End", true, "Catch", []any{
		map[string]any{"ErrorEquals": []any{"Other"}, "Next": "A"}, map[string]any{"ErrorEquals": []any{"States.ALL"}, "Next": "B"}}),
		"mock": errMock("Lambda.ServiceException", "x"), "inspectionLevel": "DEBUG"}))
	details, _ = out["inspectionData"].(map[string]any)["errorDetails"].(map[string]any)
	if !reflect.DeepEqual(details, map[string]any{"catchIndex": 1.0}) || out["nextState"] != "B" {
		t.Errorf("errorDetails = %v, nextState %v", details, out["nextState"])
	}
}

func TestTestStateBadRequests(t *testing.T) {
	s := newServer(t)
	pass := map[string]any{"Type": "Pass", "End": true}
	mapState := map[string]any{"Type": "Map", "ItemProcessor": map[string]any{"StartAt": "P", "States": map[string]any{"P": pass}}, "End": true}
	parallel := map[string]any{"Type": "Parallel", "Branches": []any{map[string]any{"StartAt": "P", "States": map[string]any{"P": pass}}}, "End": true}
	tests := []struct {
		name string
		body string
		code string
	}{
		{"no definition", `{}`, "ValidationException"},
		{"bad JSON definition", `{"definition":"{nope"}`, "InvalidDefinition"},
		{"invalid state", testStateBody(map[string]any{"definition": map[string]any{"Type": "Pass"}}), "InvalidDefinition"},
		{"unknown state type", testStateBody(map[string]any{"definition": map[string]any{"Type": "Nope", "End": true}}), "InvalidDefinition"},
		{"bad input", `{"definition":"{\"Type\":\"Pass\",\"End\":true}","input":"{x"}`, "InvalidExecutionInput"},
		{"bad role", testStateBody(map[string]any{"definition": pass, "roleArn": "nope"}), "InvalidArn"},
		{"bad inspection level", testStateBody(map[string]any{"definition": pass, "inspectionLevel": "LOUD"}), "ValidationException"},
		{"TRACE on a Pass state", testStateBody(map[string]any{"definition": pass, "inspectionLevel": "TRACE"}), "ValidationException"},
		{"mock on a Pass state", testStateBody(map[string]any{"definition": pass, "mock": resultMock("1")}), "ValidationException"},
		{"map without a mock", testStateBody(map[string]any{"definition": mapState, "input": []any{}}), "ValidationException"},
		{"parallel without a mock", testStateBody(map[string]any{"definition": parallel}), "ValidationException"},
		{"parallel mock of the wrong length", testStateBody(map[string]any{"definition": parallel, "mock": resultMock("[1,2]")}), "ValidationException"},
		{"activity without a mock", testStateBody(map[string]any{"definition": map[string]any{"Type": "Task", "Resource": "arn:aws:states:us-east-1:123456789012:activity:a", "End": true}}), "ValidationException"},
		{".sync without a mock", testStateBody(map[string]any{"definition": map[string]any{"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync", "Parameters": map[string]any{"StateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:x"}, "End": true}}), "ValidationException"},
		{"mock with result and error", testStateBody(map[string]any{"definition": with(lambdaTask, "End", true), "mock": map[string]any{"result": "1", "errorOutput": map[string]any{"error": "E"}}}), "ValidationException"},
		{"mock result not JSON", testStateBody(map[string]any{"definition": with(lambdaTask, "End", true), "mock": resultMock("{")}), "ValidationException"},
		{"mock error without a name", testStateBody(map[string]any{"definition": with(lambdaTask, "End", true), "mock": map[string]any{"errorOutput": map[string]any{"cause": "c"}}}), "ValidationException"},
		{"context without a mock", testStateBody(map[string]any{"definition": pass, "context": map[string]any{}}), "ValidationException"},
		{"revealSecrets with a mock", testStateBody(map[string]any{"definition": with(lambdaTask, "End", true), "mock": resultMock("1"), "revealSecrets": true}), "ValidationException"},
		{"variables not an object", testStateBody(map[string]any{"definition": pass, "variables": []any{}}), "ValidationException"},
		{"state not in the machine", testStateBody(map[string]any{"definition": map[string]any{"StartAt": "A", "States": map[string]any{"A": pass}}, "stateName": "B"}), "ValidationException"},
		{"errorCausedByState not in the state", testStateBody(map[string]any{"definition": parallel, "mock": errMock("E", ""), "stateConfiguration": map[string]any{"errorCausedByState": "Q"}}), "ValidationException"},
		{"negative retry count", testStateBody(map[string]any{"definition": with(lambdaTask, "End", true), "mock": resultMock("1"), "stateConfiguration": map[string]any{"retrierRetryCount": -1}}), "ValidationException"},
	}
	for _, tt := range tests {
		code, out := call(t, s, "TestState", tt.body)
		if code != 400 || out["__type"] != tt.code {
			t.Errorf("%s: %d %v, want 400 %s", tt.name, code, out, tt.code)
		}
	}
}

func newServerWith(t testing.TB, register func(*resource.Registry)) http.Handler {
	reg := resource.NewRegistry()
	register(reg)
	return newServerOpts(t, engine.Options{Resources: reg, MaxPoll: 10 * time.Millisecond})
}
