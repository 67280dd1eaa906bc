package baton_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/baton-sh/baton"
)

// A Go program runs a state machine whose Task states call its own
// functions.
func Example() {
	engine := baton.New()
	engine.Register("arn:aws:states:::lambda:invoke", func(ctx context.Context, t *baton.Task) (json.RawMessage, error) {
		var in struct{ Amount int }
		if err := json.Unmarshal(t.Input, &in); err != nil {
			return nil, err
		}
		if in.Amount > 100 {
			return nil, &baton.TaskError{Name: "Declined", Cause: "amount too large"}
		}
		return json.RawMessage(`{"charged":true}`), nil
	})
	sm, err := engine.Load([]byte(`{
		"StartAt": "Charge",
		"States": {
			"Charge": {
				"Type": "Task",
				"Resource": "arn:aws:states:::lambda:invoke",
				"ResultPath": "$.result",
				"Catch": [{"ErrorEquals": ["Declined"], "ResultPath": "$.error", "Next": "Rejected"}],
				"End": true
			},
			"Rejected": {"Type": "Fail", "Error": "PaymentRejected"}
		}
	}`))
	if err != nil {
		panic(err)
	}
	for _, input := range []string{`{"Amount": 20}`, `{"Amount": 500}`} {
		res, err := sm.Run(context.Background(), json.RawMessage(input))
		if err != nil {
			panic(err)
		}
		if res.Status == "SUCCEEDED" {
			fmt.Println(res.Status, string(res.Output))
		} else {
			fmt.Println(res.Status, res.Error)
		}
	}
	// Output:
	// SUCCEEDED {"Amount":20,"result":{"charged":true}}
	// FAILED PaymentRejected
}

// Load reports every problem of an invalid definition.
func ExampleEngine_Load() {
	_, err := baton.New().Load([]byte(`{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}}`))
	if ve, ok := err.(*baton.ValidationError); ok {
		for _, d := range ve.Diagnostics {
			fmt.Println(d)
		}
	}
	// Output:
	// MISSING_TRANSITION_TARGET: Missing 'Next' target: B at /States/A/Next
	// MISSING_END_STATE: Workflow has no terminal state
}
