package machine

import (
	"strings"
	"time"

	"github.com/baton-sh/baton/definition"
)

// ResourceKind says where a Task's work goes.
type ResourceKind uint8

const (
	// Integration is a service integration, arn:aws:states:::SERVICE:ACTION
	// (HTTP Tasks, nested workflows, lambda:invoke, aws-sdk:*, ...).
	Integration ResourceKind = iota
	// Activity is an activity ARN: workers poll GetActivityTask for it.
	Activity
	// Function is a Lambda function ARN, called with the state's input.
	Function
	// OtherResource is any other ARN, served only by a registered handler
	// or a mock.
	OtherResource
)

// Integration patterns.
type Pattern uint8

const (
	RequestResponse  Pattern = iota
	Sync                     // .sync
	Sync2                    // .sync:2
	WaitForTaskToken         // .waitForTaskToken
)

// Resource is a Task's Resource, taken apart once when the machine is
// compiled.
type Resource struct {
	ARN     string
	Kind    ResourceKind
	Service string // an integration's service: "lambda", "http", "states", "aws-sdk:dynamodb", ...
	Action  string // an integration's action: "invoke", "startExecution", ...
	Pattern Pattern
	// EventType and EventResource are the resourceType and resource that
	// Task* history events report.
	EventType, EventResource string
}

// Callback reports whether the task's result comes later, by its task
// token or when the work it started ends (.waitForTaskToken, .sync).
func (r *Resource) Callback() bool { return r.Pattern != RequestResponse }

// CompileResource takes a Resource ARN apart.
func CompileResource(arn string) *Resource {
	r := &Resource{ARN: arn, Kind: OtherResource}
	parsed, _ := definition.ParseResource(arn)
	switch parsed.Pattern {
	case definition.PatternSync:
		r.Pattern = Sync
	case definition.PatternSync2:
		r.Pattern = Sync2
	case definition.PatternWaitForTaskToken:
		r.Pattern = WaitForTaskToken
	}
	parts := strings.SplitN(arn, ":", 7)
	if len(parts) < 6 {
		r.EventType, r.EventResource = "unknown", arn
		return r
	}
	switch {
	case parts[2] == "states" && strings.HasPrefix(parts[5], "activity"):
		r.Kind = Activity
	case parts[2] == "lambda" && strings.HasPrefix(parts[5], "function"):
		r.Kind = Function
	case parts[2] == "states" && parts[3] == "" && parts[4] == "":
		r.Kind = Integration
		r.Service, r.Action = parsed.Service, parsed.Action
		rest := strings.Join(parts[5:], ":")
		if i := strings.Index(rest, ":"); i > 0 {
			r.EventType, r.EventResource = rest[:i], rest[i+1:]
		} else {
			r.EventType, r.EventResource = rest, rest
		}
	default:
		r.EventType, r.EventResource = parts[2], strings.Join(parts[5:], ":")
	}
	return r
}

// ParseTimestamp parses a timestamp as AWS accepts it in Wait states and
// Choice rules: RFC 3339 with a 'T' and an offset.
func ParseTimestamp(s string) (time.Time, bool) { return definition.ParseTimestamp(s) }
