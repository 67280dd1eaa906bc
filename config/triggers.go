package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"go.yaml.in/yaml/v3"

	"github.com/baton-sh/baton/eventpattern"
	"github.com/baton-sh/baton/trigger"
)

// HTTPTriggers are baton serve's HTTP triggers: routes that start
// executions, as API Gateway's integration with Step Functions does.
//
//	http:
//	  stage: dev                      # the URL's first segment (default dev)
//	  routes:
//	    - method: POST
//	      path: /orders/{id}
//	      stateMachine: orders        # a name, or an ARN
//	      sync: false                 # true: StartSyncExecution, answer the output
//	      template: lambda_proxy      # or a mapping: input, inputPath, inputTransformer
//	      iam: false                  # true: requests signed (SigV4, execute-api)
type HTTPTriggers struct {
	Stage  string      `yaml:"stage"`
	Routes []HTTPRoute `yaml:"routes"`
}

// HTTPRoute is one HTTP trigger.
type HTTPRoute struct {
	Method       string `yaml:"method"`
	Path         string `yaml:"path"`
	StateMachine string `yaml:"stateMachine"`
	Sync         bool   `yaml:"sync"`
	// Stage overrides the section's stage for this route.
	Stage       string `yaml:"stage"`
	Template    string `yaml:"template"`
	TargetInput `yaml:",inline"`
	IAM         bool `yaml:"iam"`
}

// Rule is an EventBridge rule on one of baton serve's event buses.
//
//	rules:
//	  - name: on-failure
//	    eventBus: default             # the default
//	    pattern:                      # YAML, or JSON text
//	      source: [aws.states]
//	      detail-type: [Step Functions Execution Status Change]
//	      detail: {status: [FAILED, TIMED_OUT]}
//	    stateMachine: alert
//	    inputPath: $.detail           # or input, or inputTransformer
//	    enabled: true
type Rule struct {
	Name         string    `yaml:"name"`
	EventBus     string    `yaml:"eventBus"`
	Pattern      JSONValue `yaml:"pattern"`
	StateMachine string    `yaml:"stateMachine"`
	TargetInput  `yaml:",inline"`
	Enabled      *bool `yaml:"enabled"`
}

// TargetInput is what a rule's target (or an HTTP route) gives its
// execution, as EventBridge's Input, InputPath and InputTransformer: at
// most one of them.
type TargetInput struct {
	Input            *JSONValue        `yaml:"input"`
	InputPath        string            `yaml:"inputPath"`
	InputTransformer *InputTransformer `yaml:"inputTransformer"`
}

// InputTransformer is EventBridge's: paths read from the event into
// variables, and a template that names them as <name>.
type InputTransformer struct {
	InputPathsMap map[string]string `yaml:"inputPathsMap"`
	InputTemplate string            `yaml:"inputTemplate"`
}

// JSONValue is any YAML value, kept as JSON text (keys in the file's
// order); a YAML string is taken as JSON text itself, as EventBridge's
// EventPattern and Input are strings of JSON.
type JSONValue struct {
	Text string
}

// UnmarshalYAML converts the node to JSON.
func (j *JSONValue) UnmarshalYAML(n *yaml.Node) error {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str" {
		j.Text = n.Value
		return nil
	}
	var buf bytes.Buffer
	if err := writeJSON(&buf, n, 0); err != nil {
		return err
	}
	j.Text = buf.String()
	return nil
}

func writeJSON(buf *bytes.Buffer, n *yaml.Node, depth int) error {
	if depth > maxShapeDepth {
		return fmt.Errorf("line %d: nested too deeply", n.Line)
	}
	switch n.Kind {
	case yaml.AliasNode:
		return writeJSON(buf, n.Alias, depth+1)
	case yaml.MappingNode:
		buf.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			if i > 0 {
				buf.WriteByte(',')
			}
			k, _ := json.Marshal(n.Content[i].Value)
			buf.Write(k)
			buf.WriteByte(':')
			if err := writeJSON(buf, n.Content[i+1], depth+1); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case yaml.SequenceNode:
		buf.WriteByte('[')
		for i, item := range n.Content {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeJSON(buf, item, depth+1); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			buf.WriteString("null")
		case "!!int", "!!float":
			if json.Valid([]byte(n.Value)) {
				buf.WriteString(n.Value) // the number as written: 2.50 stays 2.50
				return nil
			}
			fallthrough
		case "!!bool":
			var v any
			if err := n.Decode(&v); err != nil {
				return err
			}
			data, err := json.Marshal(v)
			if err != nil {
				return fmt.Errorf("line %d: %s is not a JSON number", n.Line, n.Value)
			}
			buf.Write(data)
		default:
			buf.WriteString(strconv.Quote(n.Value)) // JSON's escapes for what YAML text holds
		}
	default:
		return fmt.Errorf("line %d: not a value", n.Line)
	}
	return nil
}

// target is the eventpattern.Target of a TargetInput.
func (t *TargetInput) target() eventpattern.Target {
	out := eventpattern.Target{InputPath: t.InputPath}
	if t.Input != nil {
		out.Input = t.Input.Text
	}
	if it := t.InputTransformer; it != nil {
		out.InputTransformer = &eventpattern.InputTransformer{InputPathsMap: it.InputPathsMap, InputTemplate: it.InputTemplate}
	}
	return out
}

func (t *TargetInput) set() bool {
	return t.Input != nil || t.InputPath != "" || t.InputTransformer != nil
}

// httpAndRules adds the HTTP triggers and rules the file declares to set,
// each named by its key (http.routes[0], rules[1]) as its Source.
func (c *Config) httpAndRules(set *trigger.Set) {
	if c.HTTP != nil {
		for i, r := range c.HTTP.Routes {
			h := trigger.HTTP{
				Target: trigger.Target{StateMachine: r.StateMachine}, Method: r.Method, Path: r.Path, Sync: r.Sync,
				Stage: r.Stage, Template: r.Template, IAM: r.IAM, Source: fmt.Sprintf("http.routes[%d]", i),
			}
			if h.Stage == "" {
				h.Stage = c.HTTP.Stage
			}
			if r.TargetInput.set() {
				m := r.TargetInput.target()
				h.Mapping = &m
			}
			set.HTTP = append(set.HTTP, h)
		}
	}
	for i, r := range c.Rules {
		set.Rules = append(set.Rules, trigger.Rule{
			Name: r.Name, EventBus: r.EventBus, Pattern: r.Pattern.Text, Target: trigger.Target{StateMachine: r.StateMachine},
			Transform: r.TargetInput.target(), Disabled: r.Enabled != nil && !*r.Enabled, Source: fmt.Sprintf("rules[%d]", i),
		})
	}
}

// checkTriggers checks each HTTP route and rule on its own, as the server
// will, so that a mistake is reported when the file is read; each problem
// names its key (rules[0].pattern: ...).
func (c *Config) checkTriggers() []string {
	var problems []string
	var set trigger.Set
	c.httpAndRules(&set)
	if c.HTTP != nil && c.HTTP.Stage != "" {
		probe := trigger.HTTP{Stage: c.HTTP.Stage, Method: "GET", Target: trigger.Target{StateMachine: "x"}}
		for _, err := range probe.Check() {
			problems = append(problems, "http."+err.Error())
		}
	}
	for i, h := range set.HTTP {
		// A stage the section gives is reported once, as http.stage.
		h.Stage = c.HTTP.Routes[i].Stage
		for _, err := range h.Check() {
			problems = append(problems, h.Source+"."+err.Error())
		}
	}
	for _, r := range set.Rules {
		for _, err := range r.Check() {
			problems = append(problems, r.Source+"."+err.Error())
		}
	}
	return problems
}
