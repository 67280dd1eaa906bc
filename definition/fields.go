package definition

import "sort"

// Query languages.
const (
	JSONPath = "JSONPath"
	JSONata  = "JSONata"
)

// State types.
const (
	TypePass     = "Pass"
	TypeTask     = "Task"
	TypeChoice   = "Choice"
	TypeWait     = "Wait"
	TypeSucceed  = "Succeed"
	TypeFail     = "Fail"
	TypeParallel = "Parallel"
	TypeMap      = "Map"
)

// stateTypes are the values of a state's Type.
var stateTypes = []string{TypePass, TypeTask, TypeChoice, TypeWait, TypeSucceed, TypeFail, TypeParallel, TypeMap}

// fieldSet lists the fields a state type accepts besides Type, Comment and
// QueryLanguage.
var fieldSet = map[string][]string{
	TypePass:     {"Next", "End", "InputPath", "OutputPath", "Parameters", "Result", "ResultPath", "Assign", "Output"},
	TypeTask:     {"Next", "End", "Resource", "InputPath", "OutputPath", "Parameters", "ResultSelector", "ResultPath", "Retry", "Catch", "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath", "Credentials", "Assign", "Arguments", "Output"},
	TypeChoice:   {"Choices", "Default", "InputPath", "OutputPath", "Assign", "Output"},
	TypeWait:     {"Next", "End", "Seconds", "SecondsPath", "Timestamp", "TimestampPath", "InputPath", "OutputPath", "Assign", "Output"},
	TypeSucceed:  {"InputPath", "OutputPath", "Output"},
	TypeFail:     {"Error", "ErrorPath", "Cause", "CausePath"},
	TypeParallel: {"Next", "End", "Branches", "InputPath", "OutputPath", "Parameters", "ResultSelector", "ResultPath", "Retry", "Catch", "Assign", "Arguments", "Output"},
	TypeMap: {"Next", "End", "Iterator", "ItemProcessor", "ItemsPath", "Items", "ItemSelector", "Parameters", "ItemReader", "ItemBatcher", "ResultWriter",
		"MaxConcurrency", "MaxConcurrencyPath", "ToleratedFailureCount", "ToleratedFailureCountPath", "ToleratedFailurePercentage", "ToleratedFailurePercentagePath",
		"Label", "InputPath", "OutputPath", "ResultSelector", "ResultPath", "Retry", "Catch", "Assign", "Output"},
}

// jsonPathOnly are the fields a JSONata state may not use.
var jsonPathOnly = map[string]bool{
	"InputPath": true, "OutputPath": true, "Parameters": true, "ResultSelector": true, "ResultPath": true, "Result": true,
	"ItemsPath": true, "Iterator": true, "MaxConcurrencyPath": true, "ToleratedFailureCountPath": true, "ToleratedFailurePercentagePath": true,
	"SecondsPath": true, "TimestampPath": true, "TimeoutSecondsPath": true, "HeartbeatSecondsPath": true, "ErrorPath": true, "CausePath": true,
}

// jsonataOnly are the fields a JSONPath state may not use.
var jsonataOnly = map[string]bool{"Arguments": true, "Output": true, "Items": true}

// terminalTypes end a branch of the workflow by themselves.
var terminalTypes = map[string]bool{TypeSucceed: true, TypeFail: true}

// needsTransition are the types that take Next or End.
var needsTransition = map[string]bool{TypePass: true, TypeTask: true, TypeWait: true, TypeParallel: true, TypeMap: true}

// Choice comparison operators and the JSON type each compares against.
var comparisons = map[string]string{
	"StringEquals": "string", "StringLessThan": "string", "StringGreaterThan": "string",
	"StringLessThanEquals": "string", "StringGreaterThanEquals": "string", "StringMatches": "string",
	"NumericEquals": "number", "NumericLessThan": "number", "NumericGreaterThan": "number",
	"NumericLessThanEquals": "number", "NumericGreaterThanEquals": "number",
	"BooleanEquals":   "boolean",
	"TimestampEquals": "timestamp", "TimestampLessThan": "timestamp", "TimestampGreaterThan": "timestamp",
	"TimestampLessThanEquals": "timestamp", "TimestampGreaterThanEquals": "timestamp",
	"StringEqualsPath": "path", "StringLessThanPath": "path", "StringGreaterThanPath": "path",
	"StringLessThanEqualsPath": "path", "StringGreaterThanEqualsPath": "path",
	"NumericEqualsPath": "path", "NumericLessThanPath": "path", "NumericGreaterThanPath": "path",
	"NumericLessThanEqualsPath": "path", "NumericGreaterThanEqualsPath": "path",
	"BooleanEqualsPath":   "path",
	"TimestampEqualsPath": "path", "TimestampLessThanPath": "path", "TimestampGreaterThanPath": "path",
	"TimestampLessThanEqualsPath": "path", "TimestampGreaterThanEqualsPath": "path",
	"IsNull": "boolean", "IsPresent": "boolean", "IsNumeric": "boolean", "IsString": "boolean",
	"IsBoolean": "boolean", "IsTimestamp": "boolean",
}

// failPathFunctions are the intrinsic functions ErrorPath and CausePath may
// call: the ones that return a string.
var failPathFunctions = map[string]bool{
	"States.Format": true, "States.JsonToString": true, "States.ArrayGetItem": true, "States.Base64Encode": true,
	"States.Base64Decode": true, "States.Hash": true, "States.UUID": true,
}

// choiceRuleFields are the fields of a JSONPath choice rule, for
// suggestions: the comparison operators in order, then the rest.
var choiceRuleFields = func() []string {
	fields := []string{"Variable", "Next", "And", "Or", "Not", "Assign", "Comment"}
	ops := make([]string, 0, len(comparisons))
	for op := range comparisons {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	return append(fields, ops...)
}()
