// Package config reads baton.yaml: where a Task's work goes when it names a
// Lambda function or calls an HTTP API, in place of the AWS account that
// would hold the function and the EventBridge connection.
//
//	functions:
//	  ValidateOrder:                     # the function's name, as in its ARN
//	    command: [python3, validate.py]  # input JSON on stdin, result JSON on stdout
//	    dir: functions                   # relative to this file
//	    env: {STAGE: dev}
//	    timeout: 10s
//	  ChargeCard:
//	    url: http://localhost:9001/charge # POST of the input JSON
//	    headers: {Authorization: Bearer ${TOKEN}}
//	  Ship:
//	    lambda: http://127.0.0.1:3001    # an endpoint speaking Lambda's Invoke API
//	    function: ShipFunction           # its name there (default: the key)
//	otherFunctions:                      # every function not named under functions:
//	  lambda: http://127.0.0.1:3001      # (sam local start-lambda), by its own name
//	connections:
//	  Payments:                          # ...:connection/Payments/... in Authentication.ConnectionArn
//	    basic: {username: shop, password: ${PAYMENTS_PASSWORD}}
//	stateMachines:                       # children of nested workflows, for baton run and baton test
//	  ProcessItem: process-item.asl.json
//	accessKeys:                          # baton serve: the keys requests may be signed with (SigV4)
//	  AKIAEXAMPLE: ${BATON_SECRET_KEY}   # access key id: secret access key
//	store: postgres://baton:${PGPASSWORD}@db:5432/baton # baton serve's database (default: SQLite in --data)
//	schedules:                           # baton serve: executions started at due times (schedules.go)
//	  nightly: {expression: cron(0 2 * * ? *), stateMachine: report}
//	http:                                # baton serve: HTTP triggers (see HTTPTriggers)
//	  routes: [{method: POST, path: /orders, stateMachine: orders}]
//	rules:                               # baton serve: EventBridge rules (see Rule)
//	  - {name: on-order, pattern: {source: [shop]}, stateMachine: orders}
//
// ${NAME} in any string is replaced by the environment variable NAME, so
// that secrets stay out of the file.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Config is the content of a baton.yaml.
type Config struct {
	Functions map[string]*Function `yaml:"functions"`
	// OtherFunctions runs every function Functions does not name: one
	// Lambda-API endpoint that serves them all (sam local start-lambda),
	// called with each function's own name, or one command, which tells
	// them apart by AWS_LAMBDA_FUNCTION_NAME.
	OtherFunctions *Function              `yaml:"otherFunctions"`
	Connections    map[string]*Connection `yaml:"connections"`
	// StateMachines names the definition files of the state machines that
	// nested workflows start when Baton runs in-process (baton run, baton
	// test); relative to this file. The server has its own state machines.
	StateMachines map[string]string `yaml:"stateMachines"`
	// AccessKeys are the access keys (id: secret) that requests to baton
	// serve may be signed with, when it requires signed requests.
	AccessKeys map[string]string `yaml:"accessKeys"`
	// LogGroups maps a CloudWatch Logs log group's name (a state machine's
	// logging destination) to the file its execution logs go to ("-":
	// standard output); relative to this file. baton serve writes the
	// others to DATA/logs/NAME.log.
	LogGroups map[string]string `yaml:"logGroups"`
	// StatusWebhooks receive every "Step Functions Execution Status
	// Change" event of baton serve's Standard executions, at least once.
	StatusWebhooks []Webhook `yaml:"statusWebhooks"`
	// Schedules start executions of baton serve's state machines at the
	// due times of schedule expressions (schedules.go).
	Schedules map[string]*Schedule `yaml:"schedules"`
	// HTTP declares baton serve's HTTP triggers.
	HTTP *HTTPTriggers `yaml:"http"`
	// Rules are EventBridge rules on baton serve's event buses.
	Rules []Rule `yaml:"rules"`
	// Store is the database baton serve keeps its data in: a PostgreSQL
	// URL (postgres://...). Empty: SQLite in the data folder.
	Store string `yaml:"store"`
	// Dir is the folder of the file, against which relative paths resolve.
	Dir string `yaml:"-"`
}

// Webhook is where status-change events are posted.
type Webhook struct {
	URL     string            `yaml:"url"`
	Headers map[string]string `yaml:"headers"`
}

// Function says how to run one Lambda function. Exactly one of Command,
// URL and Lambda is set.
type Function struct {
	Command []string          `yaml:"command"`
	Dir     string            `yaml:"dir"`
	Env     map[string]string `yaml:"env"`
	URL     string            `yaml:"url"`
	Headers map[string]string `yaml:"headers"`
	Lambda  string            `yaml:"lambda"`
	// Name is the function's name at a Lambda-API endpoint (default: the
	// key it is configured under).
	Name    string   `yaml:"function"`
	Timeout Duration `yaml:"timeout"`
}

// Kind names how a function runs: "command", "http" or "lambda".
func (f *Function) Kind() string {
	switch {
	case len(f.Command) > 0:
		return "command"
	case f.URL != "":
		return "http"
	}
	return "lambda"
}

// Connection stands for an EventBridge connection: the authentication an
// HTTP Task sends, and the parameters the connection adds to each call.
type Connection struct {
	Basic   *Basic            `yaml:"basic"`
	APIKey  *APIKey           `yaml:"apiKey"`
	OAuth   *OAuth            `yaml:"oauth"`
	Headers map[string]string `yaml:"headers"`
	Query   map[string]string `yaml:"query"`
	Body    map[string]string `yaml:"body"`
}

// Basic is HTTP basic authentication.
type Basic struct {
	Username string `yaml:"username"`
	Password string `yaml:"password"`
}

// APIKey sends a key in a header.
type APIKey struct {
	Name  string `yaml:"name"`
	Value string `yaml:"value"`
}

// OAuth gets a token with the client-credentials grant and sends it as a
// bearer token.
type OAuth struct {
	URL          string            `yaml:"url"`
	Method       string            `yaml:"method"` // POST (default) or GET
	ClientID     string            `yaml:"clientId"`
	ClientSecret string            `yaml:"clientSecret"`
	Scope        string            `yaml:"scope"`
	Headers      map[string]string `yaml:"headers"`
	Query        map[string]string `yaml:"query"`
	Body         map[string]string `yaml:"body"`
}

// Duration is a time.Duration written as "10s" or "1m30s".
type Duration time.Duration

// UnmarshalYAML reads a duration.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	if err != nil || v < 0 {
		return fmt.Errorf("line %d: %q is not a duration such as 10s or 1m30s", n.Line, s)
	}
	*d = Duration(v)
	return nil
}

// Load reads and checks a config file.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	c, err := Parse(data, filepath.Dir(abs))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// Parse reads a config; relative paths in it resolve against dir.
func Parse(data []byte, dir string) (*Config, error) {
	var missing []string
	expanded := envRef.ReplaceAllFunc(data, func(m []byte) []byte {
		name := string(m[2 : len(m)-1])
		v, ok := os.LookupEnv(name)
		if !ok {
			missing = append(missing, name)
		}
		return []byte(v)
	})
	if len(missing) > 0 {
		return nil, fmt.Errorf("environment variables not set: %s", strings.Join(missing, ", "))
	}
	c := &Config{Dir: dir}
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(expanded)).Decode(&doc); err != nil && !errors.Is(err, io.EOF) { // an empty file is a valid config
		return nil, fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if err := checkShape(&doc); err != nil {
		return nil, err
	}
	if doc.Kind != 0 { // an empty file leaves the node empty
		if err := doc.Decode(c); err != nil {
			return nil, fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "yaml: "))
		}
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	for name, f := range c.LogGroups {
		if f != "-" && f != "" && !filepath.IsAbs(f) {
			c.LogGroups[name] = filepath.Join(dir, f)
		}
	}
	return c, nil
}

func (c *Config) check() error {
	var problems []string
	for _, id := range sortedKeys(c.AccessKeys) {
		if id == "" || c.AccessKeys[id] == "" {
			problems = append(problems, fmt.Sprintf("accessKeys.%s: an access key needs an id and a secret (is its environment variable set?)", id))
		}
	}
	for _, name := range sortedKeys(c.Functions) {
		f := c.Functions[name]
		if f == nil {
			problems = append(problems, fmt.Sprintf("functions.%s: say how to run it: command, url or lambda", name))
			continue
		}
		problems = append(problems, c.checkFunction("functions."+name, f)...)
		if f.Name == "" {
			f.Name = name
		}
	}
	if f := c.OtherFunctions; f != nil {
		switch {
		case f.URL != "":
			problems = append(problems, "otherFunctions: give lambda or command: a plain url could not tell the functions apart")
		case f.Name != "":
			problems = append(problems, "otherFunctions: function is not for otherFunctions: each function is called by its own name")
		default:
			problems = append(problems, c.checkFunction("otherFunctions", f)...)
		}
	}
	for _, name := range sortedKeys(c.Connections) {
		cn := c.Connections[name]
		if cn == nil {
			c.Connections[name] = &Connection{}
			continue
		}
		n := 0
		for _, set := range []bool{cn.Basic != nil, cn.APIKey != nil, cn.OAuth != nil} {
			if set {
				n++
			}
		}
		if n > 1 {
			problems = append(problems, fmt.Sprintf("connections.%s: give at most one of basic, apiKey and oauth", name))
		}
		if cn.APIKey != nil && cn.APIKey.Name == "" {
			problems = append(problems, fmt.Sprintf("connections.%s.apiKey: name the header", name))
		}
		if o := cn.OAuth; o != nil {
			if pu, err := url.Parse(o.URL); err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
				problems = append(problems, fmt.Sprintf("connections.%s.oauth: %q is not an http(s) URL", name, o.URL))
			}
			switch strings.ToUpper(o.Method) {
			case "":
				o.Method = "POST"
			case "POST", "GET":
				o.Method = strings.ToUpper(o.Method)
			default:
				problems = append(problems, fmt.Sprintf("connections.%s.oauth: method is POST or GET", name))
			}
		}
	}
	problems = append(problems, c.checkSchedules()...)
	problems = append(problems, c.checkTriggers()...)
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// checkFunction checks how a function runs (at key in the file) and
// resolves its folder.
func (c *Config) checkFunction(key string, f *Function) []string {
	n := 0
	for _, set := range []bool{len(f.Command) > 0, f.URL != "", f.Lambda != ""} {
		if set {
			n++
		}
	}
	if n != 1 {
		return []string{key + ": give exactly one of command, url and lambda"}
	}
	var problems []string
	for _, u := range []string{f.URL, f.Lambda} {
		if u == "" {
			continue
		}
		if pu, err := url.Parse(u); err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			problems = append(problems, fmt.Sprintf("%s: %q is not an http(s) URL", key, u))
		}
	}
	if f.Kind() == "command" && f.Dir != "" && !filepath.IsAbs(f.Dir) {
		f.Dir = filepath.Join(c.Dir, f.Dir)
	}
	if f.Kind() == "command" && f.Dir == "" {
		f.Dir = c.Dir
	}
	return problems
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
