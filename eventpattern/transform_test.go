package eventpattern

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/baton-sh/baton/value"
)

const instanceEvent = `{"version":"0","id":"7bf73129","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","time":"2015-11-11T21:29:54Z","resources":["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],"detail":{"instance-id":"i-0123456789","state":"RUNNING","count":3,"note":"say \"hi\"","tags":{"env":"prod"},"list":[1,2]}}`

var meta = Meta{
	RuleName:      "my-rule",
	RuleARN:       "arn:aws:events:us-east-1:123456789012:rule/my-rule",
	IngestionTime: time.Date(2015, 11, 11, 21, 29, 55, 0, time.UTC),
}

func transformer(tmpl string, paths ...string) Target {
	m := map[string]string{}
	for i := 0; i+1 < len(paths); i += 2 {
		m[paths[i]] = paths[i+1]
	}
	return Target{InputTransformer: &InputTransformer{InputPathsMap: m, InputTemplate: tmpl}}
}

func TestTransform(t *testing.T) {
	event := value.MustParse(instanceEvent)
	tests := []struct {
		name   string
		target Target
		want   string
	}{
		{"no input settings: the event", Target{}, instanceEvent},
		{"constant Input", Target{Input: `{"fixed": [1, 2]}`}, `{"fixed": [1, 2]}`},
		{"InputPath $", Target{InputPath: "$"}, instanceEvent},
		{"InputPath to an object", Target{InputPath: "$.detail.tags"}, `{"env":"prod"}`},
		{"InputPath to a string", Target{InputPath: "$.detail.state"}, `"RUNNING"`},
		{"InputPath with a dash and an index", Target{InputPath: "$.resources[0]"}, `"arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"`},
		{"InputPath with a wildcard", Target{InputPath: "$.detail.list[*]"}, `[1,2]`},
		{"InputPath with a wildcard on an object", Target{InputPath: "$.detail.tags.*"}, `["prod"]`},
		{"InputPath the event lacks", Target{InputPath: "$.detail.nope"}, `null`},

		{"text template: strings as they are",
			transformer(`<instance> is in state <state>`, "instance", "$.detail.instance-id", "state", "$.detail.state"),
			`i-0123456789 is in state RUNNING`},
		{"text template with quotes",
			transformer(`<instance> is in state "<state>"`, "instance", "$.detail.instance-id", "state", "$.detail.state"),
			`i-0123456789 is in state "RUNNING"`},
		{"text template: a number and an object as JSON",
			transformer(`count <c>, tags <t>`, "c", "$.detail.count", "t", "$.detail.tags"),
			`count 3, tags {"env":"prod"}`},
		{"JSON string template",
			transformer(`"<instance> is in state <state>"`, "instance", "$.detail.instance-id", "state", "$.detail.state"),
			`"i-0123456789 is in state RUNNING"`},
		{"JSON template: unquoted values as JSON",
			transformer(`{"instance": <instance>, "state": [9, <state>, true], "count": <c>, "tags": <t>}`,
				"instance", "$.detail.instance-id", "state", "$.detail.state", "c", "$.detail.count", "t", "$.detail.tags"),
			`{"instance": "i-0123456789", "state": [9, "RUNNING", true], "count": 3, "tags": {"env":"prod"}}`},
		{"JSON template: quoted values as text",
			transformer(`{"message": "<instance> is in state \"<state>\"", "count": "<c>"}`,
				"instance", "$.detail.instance-id", "state", "$.detail.state", "c", "$.detail.count"),
			`{"message": "i-0123456789 is in state \"RUNNING\"", "count": "3"}`},
		{"JSON template: quoted strings are escaped",
			transformer(`{"note": "<n>"}`, "n", "$.detail.note"),
			`{"note": "say \"hi\""}`},
		{"JSON template: a quoted object is escaped",
			transformer(`{"tags": "<t>"}`, "t", "$.detail.tags"),
			`{"tags": "{\"env\":\"prod\"}"}`},
		{"JSON template: a path the event lacks",
			transformer(`{"a": <x>, "b": "[<x>]"}`, "x", "$.detail.nope"),
			`{"a": null, "b": "[]"}`},
		{"JSON array template",
			transformer(`[<s>, <c>]`, "s", "$.detail.state", "c", "$.detail.count"),
			`["RUNNING", 3]`},
		{"undefined placeholders stay as they are",
			transformer(`<b>bold</b> <s>`, "s", "$.detail.state"),
			`<b>bold</b> RUNNING`},
		{"predefined variables",
			transformer(`{"rule": <aws.events.rule-name>, "arn": "<aws.events.rule-arn>", "at": <aws.events.event.ingestion-time>}`),
			`{"rule": "my-rule", "arn": "arn:aws:events:us-east-1:123456789012:rule/my-rule", "at": "2015-11-11T21:29:55Z"}`},
		{"aws.events.event is the event without detail",
			transformer(`{"e": <aws.events.event>}`),
			`{"e": {"version":"0","id":"7bf73129","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","time":"2015-11-11T21:29:54Z","resources":["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"]}}`},
		{"aws.events.event.json is the whole event",
			transformer(`{"e": <aws.events.event.json>}`),
			`{"e": ` + instanceEvent + `}`},
		{"predefined variables in a text template",
			transformer(`rule <aws.events.rule-name> at <aws.events.event.ingestion-time>`),
			`rule my-rule at 2015-11-11T21:29:55Z`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := CompileTarget(tt.target)
			if err != nil {
				t.Fatalf("CompileTarget: %v", err)
			}
			if got := string(tr.Apply(event, meta)); got != tt.want {
				t.Errorf("Apply =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestTargetInvalid(t *testing.T) {
	many := map[string]string{}
	for i := range MaxInputPaths + 1 {
		many["v"+strings.Repeat("x", i)] = "$"
	}
	tests := []struct {
		name   string
		target Target
		want   string
	}{
		{"two settings", Target{Input: `{}`, InputPath: "$"}, "Only one of Input, InputPath, or InputTransformer"},
		{"Input not JSON", Target{Input: `{"a":`}, "Input is not valid JSON"},
		{"Input too long", Target{Input: `"` + strings.Repeat("x", MaxInputLen) + `"`}, "Input is longer than 8192"},
		{"InputPath too long", Target{InputPath: "$." + strings.Repeat("x", MaxInputPathLen)}, "InputPath is longer than 256"},
		{"InputPath without $", Target{InputPath: "detail"}, `must start with $`},
		{"InputPath with brackets", Target{InputPath: "$['detail']"}, "is not valid at position 1"},
		{"InputPath with an empty name", Target{InputPath: "$.detail..x"}, "is not valid at position 8"},
		{"InputPath with a negative index", Target{InputPath: "$.a[-1]"}, "is not valid at position 3"},
		{"InputPath with an open bracket", Target{InputPath: "$.a[1"}, "is not valid at position 3"},
		{"too many paths", Target{InputTransformer: &InputTransformer{InputPathsMap: many, InputTemplate: "x"}}, "the limit is 100"},
		{"reserved key", transformer(`x`, "aws.events.rule-name", "$"), "is not valid"},
		{"key with a space", transformer(`x`, "a b", "$"), "is not valid"},
		{"bad path in the map", transformer(`x`, "a", "$.[0"), "is not valid"},
		{"empty template", transformer(``), "InputTemplate must be 1 to 8192"},
		{"long template", transformer(strings.Repeat("x", MaxInputTemplateLen+1)), "InputTemplate must be 1 to 8192"},
		{"placeholder as a key", transformer(`{<a>: 1}`, "a", "$.id"), "placeholder as an object key"},
		{"quoted placeholder as a key", transformer(`{"<a>": 1}`, "a", "$.id"), "placeholder as an object key"},
		{"event inside a string", transformer(`{"e": "<aws.events.event>"}`), "can only be used as the value of a JSON field"},
		{"invalid JSON template", transformer(`{"a": <a>`, "a", "$.id"), "InputTemplate is not valid JSON"},
		{"undefined placeholder in a JSON template", transformer(`{"a": <b>}`, "a", "$.id"), "InputTemplate is not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := CompileTarget(tt.target)
			var te *TargetError
			if !errors.As(err, &te) {
				t.Fatalf("CompileTarget = %v, want a *TargetError", err)
			}
			if te.Code() != "ValidationException" || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("CompileTarget = %q (%s), want %q", err, te.Code(), tt.want)
			}
		})
	}
}
