package baton_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/baton-sh/baton"
)

// TestLenientPaths: the path forms Jayway reads leniently (a dot before a
// bracket, blanks around a path, [(@.length-n)], bare words in filters,
// Java's escapes in quoted names) mean at run time, in every field that
// takes a path, what their plain spelling means.
func TestLenientPaths(t *testing.T) {
	tests := []struct {
		name, states, input string
		want                string // the output, or the failure "Error: cause fragment"
	}{
		{
			"Parameters",
			`"A": {"Type": "Pass", "Parameters": {
				"first.$": "$.Items.[0].Name",
				"last.$": "$.Items[(@.length-1)].Name",
				"receipt.$": "$.Items[?(@.Name==Receipt)].n",
				"both.$": "$.Items.[0].['Name','n']",
				"name.$": "$$.Execution.Name ",
				"quoted.$": "$['it\\'s']",
				"format.$": "States.Format('{}-{}', $.Items.[1].Name, States.ArrayGetItem($.Items[?(@.Name == Receipt && @.n > 2)].n, 0))"
			}, "End": true}`,
			`{"Items":[{"Name":"a","n":1},{"Name":"Receipt","n":3}],"it's":true}`,
			`{"first":"a","last":"Receipt","receipt":[3],"both":[{"Name":"a","n":1}],"name":"run-1","quoted":true,"format":"Receipt-3"}`,
		},
		{
			"InputPath, ResultPath and OutputPath",
			`"A": {"Type": "Pass", "InputPath": " $.wrap.[0]", "Parameters": {"x.$": "$.x"}, "ResultPath": "$.out.[1] ", "OutputPath": "$.['out']", "End": true}`,
			`{"wrap":[{"x":1}],"out":[0,1]}`,
			`[0,{"x":1}]`,
		},
		{
			"Choice",
			`"A": {"Type": "Choice", "Choices": [
				{"Variable": "$.list.[0] ", "NumericEqualsPath": "$.list[(@.length-1)]", "Next": "Yes"}
			], "Default": "No"},
			"Yes": {"Type": "Pass", "Result": "yes", "End": true},
			"No": {"Type": "Pass", "Result": "no", "End": true}`,
			`{"list":[7,0,7]}`,
			`"yes"`,
		},
		{
			"Map",
			`"A": {"Type": "Map", "ItemsPath": "$.groups.[0] ",
				"ItemSelector": {"v.$": "$$.Map.Item.Value.['v']"},
				"ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "OutputPath": "$.v", "End": true}}},
				"End": true}`,
			`{"groups":[[{"v":1},{"v":2}]]}`,
			`[1,2]`,
		},
		{
			"Wait",
			`"A": {"Type": "Wait", "SecondsPath": "$.w.[0] ", "Next": "B"},
			"B": {"Type": "Pass", "End": true}`,
			`{"w":[0]}`,
			`{"w":[0]}`,
		},
		{
			"Fail",
			`"A": {"Type": "Fail", "ErrorPath": "$.['err'] ", "CausePath": "$.cause.[0]"}`,
			`{"err":"Oops","cause":["it broke"]}`,
			`Oops: it broke`,
		},
		{
			"a missing path named as written",
			`"A": {"Type": "Pass", "Parameters": {"x.$": "$.nope.[0] "}, "End": true}`,
			`{}`,
			`States.Runtime: The JSONPath '$.nope.[0] ' specified for the field 'x.$' could not be found`,
		},
	}
	engine := baton.New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			def := `{"StartAt": "A", "States": {` + tt.states + `}}`
			sm, err := engine.Load([]byte(def))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			res, err := sm.Run(context.Background(), json.RawMessage(tt.input), baton.ExecutionName("run-1"))
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if res.Status == "SUCCEEDED" {
				if string(res.Output) != tt.want {
					t.Errorf("output %s, want %s", res.Output, tt.want)
				}
				return
			}
			errName, cause, _ := strings.Cut(tt.want, ": ")
			if res.Error != errName || !strings.Contains(res.Cause, cause) {
				t.Errorf("%s %s: %s, want %s", res.Status, res.Error, res.Cause, tt.want)
			}
		})
	}
}
