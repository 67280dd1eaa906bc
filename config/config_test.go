package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/baton-sh/baton/config"
)

func TestParse(t *testing.T) {
	t.Setenv("PAYMENTS_PASSWORD", "s3cret")
	c, err := config.Parse([]byte(`
functions:
  validate: {command: [python3, validate.py], dir: fns, timeout: 1m30s}
  charge: {url: "http://localhost:9001/charge", headers: {X-Key: k}}
  ship: {lambda: "http://127.0.0.1:3001", function: ShipFn}
connections:
  Payments: {basic: {username: shop, password: "${PAYMENTS_PASSWORD}"}}
  Partner: {oauth: {url: "https://auth.example.com/token", clientId: c, clientSecret: s, method: get}}
  Open:
otherFunctions: {lambda: "http://127.0.0.1:3001", timeout: 30s}
stateMachines:
  Child: child.asl.json
`), "/srv/project")
	if err != nil {
		t.Fatal(err)
	}
	v := c.Functions["validate"]
	if v.Kind() != "command" || v.Dir != filepath.Join("/srv/project", "fns") || time.Duration(v.Timeout) != 90*time.Second || v.Name != "validate" {
		t.Errorf("validate: %+v", v)
	}
	if c.Functions["charge"].Kind() != "http" || c.Functions["ship"].Kind() != "lambda" || c.Functions["ship"].Name != "ShipFn" {
		t.Errorf("functions: %+v %+v", c.Functions["charge"], c.Functions["ship"])
	}
	if c.Connections["Payments"].Basic.Password != "s3cret" || c.Connections["Partner"].OAuth.Method != "GET" || c.Connections["Open"] == nil {
		t.Errorf("connections: %+v", c.Connections)
	}
	if o := c.OtherFunctions; o == nil || o.Kind() != "lambda" || o.Name != "" || time.Duration(o.Timeout) != 30*time.Second {
		t.Errorf("other functions: %+v", o)
	}
	if c.StateMachines["Child"] != "child.asl.json" {
		t.Errorf("state machines: %v", c.StateMachines)
	}
	if cmd, err := config.Parse([]byte("otherFunctions: {command: [./dispatch]}"), "/srv/project"); err != nil || cmd.OtherFunctions.Dir != "/srv/project" {
		t.Errorf("other functions as a command: %+v %v", cmd, err)
	}
	if empty, err := config.Parse(nil, "/"); err != nil || len(empty.Functions) != 0 {
		t.Errorf("an empty file: %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, file, want string }{
		{"unknown field", "functions: {f: {comand: [x]}}", "comand"},
		{"two kinds", "functions: {f: {command: [x], url: 'http://a'}}", "exactly one of command, url and lambda"},
		{"no kind", "functions: {f: {env: {A: b}}}", "exactly one of command, url and lambda"},
		{"bad url", "functions: {f: {url: 'ftp://a'}}", "is not an http(s) URL"},
		{"bad duration", "functions: {f: {command: [x], timeout: soon}}", "is not a duration"},
		{"missing variable", "functions: {f: {url: '${BATON_SURELY_UNSET_VAR}'}}", "BATON_SURELY_UNSET_VAR"},
		{"two auths", "connections: {c: {basic: {username: a}, apiKey: {name: k, value: v}}}", "at most one of basic, apiKey and oauth"},
		{"api key without a name", "connections: {c: {apiKey: {value: v}}}", "name the header"},
		{"oauth method", "connections: {c: {oauth: {url: 'https://a', method: PUT}}}", "POST or GET"},
		{"not YAML", "functions: [", "did not find"},
		{"other functions at a url", "otherFunctions: {url: 'http://a'}", "otherFunctions: give lambda or command"},
		{"other functions renamed", "otherFunctions: {lambda: 'http://a', function: f}", "otherFunctions: function is not for otherFunctions"},
		{"other functions without a kind", "otherFunctions: {timeout: 1s}", "otherFunctions: give exactly one of command, url and lambda"},
		{"other functions at a bad url", "otherFunctions: {lambda: 'localhost:3001'}", `otherFunctions: "localhost:3001" is not an http(s) URL`},
	}
	for _, tt := range tests {
		_, err := config.Parse([]byte(tt.file), "/")
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("functions: {f: {command: [x]}}\nconnections: {c: {oauth: {url: 'https://a'}}}\n"))
	f.Add([]byte("schedules: {s: {expression: cron(0 9 ? * MON *), timezone: Europe/Paris, stateMachine: m, input: {a: [1, .nan]}, window: 5m, start: 2027-01-01, missed: skip}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		// Any file is parsed or refused with a reason, never a panic.
		if _, err := config.Parse(data, "/"); err != nil && err.Error() == "" {
			t.Errorf("%q: an error without a message", data)
		}
	})
}

func TestAccessKeys(t *testing.T) {
	t.Setenv("BATON_TEST_SECRET", "s3cret")
	dir := t.TempDir()
	path := filepath.Join(dir, "baton.yaml")
	if err := os.WriteFile(path, []byte("accessKeys:\n  AKIDEXAMPLE: ${BATON_TEST_SECRET}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil || cfg.AccessKeys["AKIDEXAMPLE"] != "s3cret" {
		t.Fatalf("%+v %v", cfg, err)
	}
	if err := os.WriteFile(path, []byte("accessKeys:\n  AKIDEXAMPLE: \"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := config.Load(path); err == nil || !strings.Contains(err.Error(), "accessKeys.AKIDEXAMPLE") {
		t.Errorf("a key without its secret: %v", err)
	}
}

// TestShapeErrors: a key or a value that does not fit is reported by its
// key path and line, in the file's terms, never by a Go type; every
// problem of the file at once.
func TestShapeErrors(t *testing.T) {
	tests := []struct{ name, file, want string }{
		{"misspelt field", "functions:\n  F:\n    comand: [x]\n", "line 3: functions.F.comand: unknown field, did you mean 'command'?"},
		{"unknown field", "functions:\n  F:\n    zzz: 1\n", "line 3: functions.F.zzz: unknown field (the fields here: command, dir, env, url, headers, lambda, function, timeout)"},
		{"misspelt section", "function:\n  F: {command: [x]}\n", "line 1: function: unknown field, did you mean 'functions'?"},
		{"a list for a mapping", "functions: [1]\n", "line 1: functions: expected a mapping (key: value lines), found a list"},
		{"text for a list", "functions:\n  F:\n    command: python3 app.py\n", `line 3: functions.F.command: expected a list, found the text "python3 app.py"`},
		{"a mapping for text", "functions:\n  F:\n    command: [x]\n    env: {A: {b: 1}}\n", "line 4: functions.F.env.A: expected a single value, found a mapping"},
		{"bad duration", "functions:\n  F:\n    command: [x]\n    timeout: 3\n", `line 4: functions.F.timeout: "3" is not a duration such as 10s or 1m30s`},
		{"a list item", "statusWebhooks:\n  - url: http://a\n  - uri: http://b\n", "line 3: statusWebhooks[1].uri: unknown field, did you mean 'url'?"},
		{"nested connection", "connections:\n  C:\n    basic: {user: a}\n", "line 3: connections.C.basic.user: unknown field (the fields here: username, password)"},
		{"a key twice", "functions:\n  F: {command: [a]}\n  F: {url: 'http://x'}\n", "line 3: functions.F: given twice (first at line 2)"},
		{"not a mapping at all", "just text\n", `line 1: the file: expected a mapping (key: value lines), found the text "just text"`},
	}
	for _, tt := range tests {
		_, err := config.Parse([]byte(tt.file), "/")
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: %v\nwant %s", tt.name, err, tt.want)
		}
	}
	// Anchors, aliases and merge keys are read as YAML reads them.
	c, err := config.Parse([]byte("functions:\n  F: &f {command: [a], timeout: 5s}\n  G: *f\n  H: {<<: *f, dir: x}\n"), "/")
	if err != nil || c.Functions["G"].Command[0] != "a" || c.Functions["H"].Dir != "/x" || time.Duration(c.Functions["H"].Timeout) != 5*time.Second {
		t.Errorf("anchors and merges: %v %+v", err, c)
	}
	_, err = config.Parse([]byte("functions:\n  F: {comand: [x]}\n  G: {command: 1}\nconnections: []\n"), "/")
	if err == nil || strings.Count(err.Error(), "\n") != 2 || strings.Contains(err.Error(), "config.") || strings.Contains(err.Error(), "map[") {
		t.Errorf("every problem, in the file's terms: %v", err)
	}
}
