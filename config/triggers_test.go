package config_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/baton-sh/baton/config"
	"github.com/baton-sh/baton/eventpattern"
	"github.com/baton-sh/baton/trigger"
)

func TestTriggers(t *testing.T) {
	c, err := config.Parse([]byte(`
http:
  stage: v1
  routes:
    - {method: post, path: '/orders/{id}', stateMachine: orders}
    - {method: POST, path: /quote, stateMachine: quote, sync: true, stage: prod, iam: true}
    - method: GET
      path: /orders/{id}/status
      stateMachine: "arn:aws:states:eu-west-1:123456789012:stateMachine:status"
      inputTransformer:
        inputPathsMap: {id: $.path.id}
        inputTemplate: '{"id": <id>}'
    - {method: POST, path: /proxy, stateMachine: p, template: lambda_proxy}
rules:
  - name: big-orders
    pattern:
      source: [shop]
      detail: {total: [{numeric: [">", 100]}], zip: [{prefix: "75"}]}
    stateMachine: orders
    inputPath: $.detail
  - name: on-failure
    eventBus: ops
    pattern: '{"source": ["aws.states"]}'
    stateMachine: alert
    input: {b: 1, a: [true, null, 2.50, "x"]}
    enabled: false
`), "/srv/project")
	if err != nil {
		t.Fatal(err)
	}
	got := c.Triggers("")
	want := trigger.Set{
		HTTP: []trigger.HTTP{
			{Target: trigger.Target{StateMachine: "orders"}, Method: "post", Path: "/orders/{id}", Stage: "v1", Source: "http.routes[0]"},
			{Target: trigger.Target{StateMachine: "quote"}, Method: "POST", Path: "/quote", Sync: true, Stage: "prod", IAM: true, Source: "http.routes[1]"},
			{Target: trigger.Target{StateMachine: "arn:aws:states:eu-west-1:123456789012:stateMachine:status"}, Method: "GET", Path: "/orders/{id}/status", Stage: "v1",
				Mapping: &eventpattern.Target{InputTransformer: &eventpattern.InputTransformer{InputPathsMap: map[string]string{"id": "$.path.id"}, InputTemplate: `{"id": <id>}`}},
				Source:  "http.routes[2]"},
			{Target: trigger.Target{StateMachine: "p"}, Method: "POST", Path: "/proxy", Stage: "v1", Template: "lambda_proxy", Source: "http.routes[3]"},
		},
		Rules: []trigger.Rule{
			{Name: "big-orders", Pattern: `{"source":["shop"],"detail":{"total":[{"numeric":[">",100]}],"zip":[{"prefix":"75"}]}}`,
				Target: trigger.Target{StateMachine: "orders"}, Transform: eventpattern.Target{InputPath: "$.detail"}, Source: "rules[0]"},
			{Name: "on-failure", EventBus: "ops", Pattern: `{"source": ["aws.states"]}`, Target: trigger.Target{StateMachine: "alert"},
				Transform: eventpattern.Target{Input: `{"b":1,"a":[true,null,2.50,"x"]}`}, Disabled: true, Source: "rules[1]"},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%+v\nwant\n%+v", got, want)
	}
}

// Mistakes in triggers are found when the file is read, each named by its
// key.
func TestTriggerErrors(t *testing.T) {
	tests := []struct{ name, file, want string }{
		{"unknown route field", "http: {routes: [{method: GET, path: /, stateMachine: m, inputPaths: x}]}",
			"line 1: http.routes[0].inputPaths: unknown field, did you mean 'inputPath'?"},
		{"unknown rule field", "rules: [{name: r, patern: {source: [a]}, stateMachine: m}]",
			"line 1: rules[0].patern: unknown field, did you mean 'pattern'?"},
		{"not a boolean", "http: {routes: [{method: GET, path: /, stateMachine: m, sync: yes please}]}",
			`line 1: http.routes[0].sync: expected true or false, found the text "yes please"`},
		{"routes not a list", "http: {routes: {a: 1}}", "line 1: http.routes: expected a list, found a mapping"},
		{"bad method and path", "http: {routes: [{method: FETCH, path: '/a/{b', stateMachine: m}]}",
			`http.routes[0].method: "FETCH" is not one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, ANY; ` +
				`http.routes[0].path: "/a/{b": "{b": a parameter takes a whole segment ({name})`},
		{"reserved stage", "http: {stage: metrics, routes: [{method: GET, path: /, stateMachine: m}]}",
			`http.stage: "metrics" would shadow baton serve's own /metrics/ (reserved: assets, console, healthz, readyz, metrics)`},
		{"reserved stage of a route", "http: {routes: [{method: GET, path: /, stateMachine: m, stage: assets}]}",
			`http.routes[0].stage: "assets" would shadow baton serve's own /assets/ (reserved: assets, console, healthz, readyz, metrics)`},
		{"no state machine", "http: {routes: [{method: GET, path: /}]}", "http.routes[0].stateMachine: name the state machine the route starts"},
		{"bad pattern", "rules: [{name: r, pattern: {source: aws.ec2}, stateMachine: m}]",
			`rules[0].pattern: Event pattern is not valid. Reason: "source" must be an object or an array at /source`},
		{"pattern text not JSON", "rules: [{name: r, pattern: 'source: [a]', stateMachine: m}]", "rules[0].pattern: Event pattern is not valid."},
		{"two inputs", "rules: [{name: r, pattern: {a: [1]}, stateMachine: m, input: {a: 1}, inputPath: $.detail}]",
			"rules[0].input: Only one of Input, InputPath, or InputTransformer may be provided"},
		{"bad template", "rules: [{name: r, pattern: {a: [1]}, stateMachine: m, inputTransformer: {inputPathsMap: {'a b': $.x}, inputTemplate: '<a b>'}}]",
			"rules[0].input: "},
		{"input text not JSON", "rules: [{name: r, pattern: {a: [1]}, stateMachine: m, input: 'hello'}]", "rules[0].input: Input is not valid JSON"},
		{"no name", "rules: [{pattern: {a: [1]}, stateMachine: m}]", `rules[0].name: "" is not a rule name`},
	}
	for _, tt := range tests {
		_, err := config.Parse([]byte(tt.file), "/srv/project")
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want %q in it", tt.name, err, tt.want)
		}
	}
}
