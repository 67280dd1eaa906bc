package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

// Infrastructure files in the commands that take a definition, and
// baton deploy and baton serve --deploy against the real binary.

const infraDir = "testdata/infra"

func infraFile(name string) string { return filepath.Join(infraDir, name) }

func TestInfraValidate(t *testing.T) {
	t.Parallel()
	cdkOut := filepath.Join("..", "..", "infra", "testdata", "cdk-app.out")
	cases := []struct {
		name   string
		args   []string
		code   int
		stdout string
	}{
		{"serverless", []string{"validate", infraFile("serverless.yml")}, 0, infraFile("serverless.yml") + " (order-dev): valid\n"},
		{"a stage", []string{"validate", infraFile("serverless.yml"), "--stage", "prod"}, 0, infraFile("serverless.yml") + " (order-prod): valid\n"},
		{"every machine", []string{"validate", infraFile("template.yaml")}, 0,
			infraFile("template.yaml") + " (greeter): valid\n" + infraFile("template.yaml") + " (fast): valid\n"},
		{"one machine", []string{"validate", infraFile("template.yaml"), "--state-machine", "Fast"}, 0, infraFile("template.yaml") + " (fast): valid\n"},
		{"an unknown machine", []string{"validate", infraFile("template.yaml"), "--state-machine", "nope"}, 2, ""},
		{"unknowable and invalid", []string{"validate", infraFile("broken.yaml")}, 1,
			infraFile("broken.yaml") + `:9: Resources.Broken.Properties.Definition: Fn::ImportValue reads the export "other-stack-function" of another stack, which cannot be known locally` + "\n"},
		{"an ASL file as before", []string{"validate", write(t, "def.json", passDef)}, 0, ""},
		{"a cdk.out folder", []string{"validate", cdkOut}, 0, cdkOut + " (OrdersStateMachine9F8E7D6C): valid\n"},
	}
	for _, c := range cases {
		r := cli(t, c.args...)
		if r.code != c.code || (c.stdout != "" && r.stdout != c.stdout) {
			t.Errorf("%s: exit %d, stdout:\n%s\nstderr: %s\nwant exit %d, stdout:\n%s", c.name, r.code, r.stdout, r.stderr, c.code, c.stdout)
		}
	}
	// An invalid definition in a valid template: its diagnostics under
	// the machine's name.
	bad := write(t, "template.yaml", "Resources:\n  M:\n    Type: AWS::StepFunctions::StateMachine\n    Properties:\n      Definition: {StartAt: X, States: {A: {Type: Pass, End: true}}}\n")
	r := cli(t, "validate", bad, "--json")
	var got struct {
		Valid bool
		Files []struct {
			File, StateMachine string
			Valid              bool
			Diagnostics        []struct{ Code string }
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || r.code != 1 || got.Valid || len(got.Files) != 1 || got.Files[0].StateMachine != "M" ||
		len(got.Files[0].Diagnostics) == 0 || got.Files[0].Diagnostics[0].Code != "MISSING_TRANSITION_TARGET" {
		t.Errorf("--json: %+v %v %s", got, err, r.stdout)
	}
}

func TestInfraRun(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("the function is a shell script")
	}
	cases := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"a serverless function from baton.yaml", []string{"run", infraFile("serverless.yml"), "--config", infraFile("baton.yaml"), "--input", `{"id":1}`}, 0,
			`{"stage":"dev","charged":true}` + "\n", ""},
		{"another stage names another function", []string{"run", infraFile("serverless.yml"), "--config", infraFile("baton.yaml"), "--stage", "prod"}, 1,
			"", "arn:aws:lambda:us-east-1:123456789012:function:shop-prod-charge"},
		{"two machines need a name", []string{"run", infraFile("template.yaml")}, 2, "", "declares 2 state machines (greeter, fast): name one with --state-machine"},
		{"by name", []string{"run", infraFile("template.yaml"), "--state-machine", "greeter", "--input", `{"name":"Baton"}`}, 0, `{"greeting":"Hello, Baton!"}` + "\n", ""},
		{"by logical ID, a parameter", []string{"run", infraFile("template.yaml"), "--state-machine", "Greeter", "--param", "Greeting=Bonjour", "--input", `{"name":"Baton"}`}, 0,
			`{"greeting":"Bonjour, Baton!"}` + "\n", ""},
		{"an Express machine, a region", []string{"run", infraFile("template.yaml"), "--state-machine", "fast", "--region", "eu-west-1", "--json"}, 0,
			`{"status":"SUCCEEDED","output":"eu-west-1"}` + "\n", ""},
		{"a parameter the template lacks is no problem", []string{"run", infraFile("template.yaml"), "--state-machine", "fast", "--param", "Other=1"}, 0, `"us-east-1"` + "\n", ""},
		{"unknowable", []string{"run", infraFile("broken.yaml")}, 2, "", "Fn::ImportValue reads the export"},
		{"a nested workflow's child from the same file", []string{"run", infraFile("nested.yaml"), "--state-machine", "parent", "--input", `{"n":21}`}, 0, `{"doubled":42}` + "\n", ""},
	}
	for _, c := range cases {
		r := cli(t, c.args...)
		if r.code != c.code || (c.stdout != "" && r.stdout != c.stdout) || !strings.Contains(r.stderr, c.stderr) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit %d, stdout %q, stderr with %q", c.name, r.code, r.stdout, r.stderr, c.code, c.stdout, c.stderr)
		}
	}
}

func TestInfraGraphAndTest(t *testing.T) {
	t.Parallel()
	r := cli(t, "graph", infraFile("template.yaml"), "--state-machine", "greeter")
	if r.code != 0 || !strings.Contains(r.stdout, "Greet") {
		t.Errorf("graph: %+v", r)
	}
	if runtime.GOOS == "windows" {
		t.Skip("the function is a shell script")
	}
	r = cli(t, "test", infraFile("orders.test.yaml"))
	if r.code != 0 || !strings.Contains(r.stdout, "1 passed, 0 failed") {
		t.Errorf("test: %+v", r)
	}
}

// copyInfra copies a file of testdata/infra to a folder of the test's
// own, where the test may change it.
func copyInfra(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(infraFile(name))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func describeDefinition(t *testing.T, c *sfn.Client, arn string) string {
	t.Helper()
	out, err := c.DescribeStateMachine(context.Background(), &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)})
	if err != nil {
		t.Fatalf("describe %s: %v", arn, err)
	}
	return aws.ToString(out.Definition)
}

// TestDeployCommand deploys a template to a real server, twice (the second
// time nothing changes), then a changed one.
func TestDeployCommand(t *testing.T) {
	t.Parallel()
	s := startServer(t, "")
	file := copyInfra(t, "template.yaml")
	r := cli(t, "deploy", file, "--endpoint", s.url)
	want := "created arn:aws:states:us-east-1:123456789012:stateMachine:greeter\ncreated arn:aws:states:us-east-1:123456789012:stateMachine:fast\n"
	if r.code != 0 || r.stdout != want {
		t.Fatalf("first deploy: %+v", r)
	}
	r = cli(t, "deploy", file, "--endpoint", s.url)
	if r.code != 0 || r.stdout != "nothing changed: 2 state machines are (greeter, fast) as "+file+" says\n" {
		t.Errorf("second deploy: %+v", r)
	}
	text, err := os.ReadFile(file)
	check(t, err)
	check(t, os.WriteFile(file, []byte(strings.Replace(string(text), "Default: Hello", "Default: Hi", 1)), 0o644))
	r = cli(t, "deploy", file, "--endpoint", s.url, "--json")
	if r.code != 0 || r.stdout != `{"changes":[{"stateMachine":"greeter","action":"updated","arn":"arn:aws:states:us-east-1:123456789012:stateMachine:greeter"}],"unchanged":["fast"]}`+"\n" {
		t.Errorf("third deploy: %+v", r)
	}
	c := s.client()
	if def := describeDefinition(t, c, "arn:aws:states:us-east-1:123456789012:stateMachine:greeter"); !strings.Contains(def, "Hi, {}!") {
		t.Errorf("deployed definition %s", def)
	}
	// Another account than the server's is refused with what to give.
	r = cli(t, "deploy", infraFile("serverless.yml"), "--endpoint", s.url, "--account", "111111111111")
	if r.code != 1 || !strings.Contains(r.stderr, "give --account 123456789012") {
		t.Errorf("another account: %+v", r)
	}
	// A file with problems deploys nothing.
	r = cli(t, "deploy", infraFile("broken.yaml"), "--endpoint", s.url)
	if r.code != 1 || !strings.Contains(r.stderr, "cannot be deployed") {
		t.Errorf("broken: %+v", r)
	}
}

// TestServeDeploy: serve --deploy deploys at start, again when the file
// changes; a bad edit is logged and the machines stay.
func TestServeDeploy(t *testing.T) {
	t.Parallel()
	file := copyInfra(t, "template.yaml")
	s := startServerAt(t, t.TempDir(), "--deploy", file, "--deploy-poll", "20ms", "--param", "Greeting=Hey")
	c := s.client()
	arn := "arn:aws:states:us-east-1:123456789012:stateMachine:greeter"
	if def := describeDefinition(t, c, arn); !strings.Contains(def, "Hey, {}!") {
		t.Fatalf("deployed at start: %s", def)
	}
	text, err := os.ReadFile(file)
	check(t, err)
	edit := func(s string) {
		t.Helper()
		check(t, os.WriteFile(file, []byte(s), 0o644))
		// Modification times may be coarse: make the change visible.
		later := time.Now().Add(time.Duration(len(s)) * time.Second)
		check(t, os.Chtimes(file, later, later))
	}
	edit(strings.Replace(string(text), "greeting.$", "salutation.$", 1))
	poll(t, "the edit to be deployed", 20*time.Second, func() (bool, error) {
		return strings.Contains(describeDefinition(t, c, arn), "salutation"), nil
	})
	edit("Resources: [this is not a template")
	poll(t, "the bad edit to be logged", 20*time.Second, func() (bool, error) {
		return strings.Contains(s.logs.String(), "cannot deploy"), nil
	})
	if def := describeDefinition(t, c, arn); !strings.Contains(def, "salutation") {
		t.Errorf("after a bad edit: %s", def)
	}
	s.stop(t)
}

// TestServerlessExample: the README's serverless.yml validates and its
// tests pass.
func TestServerlessExample(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("the function is a shell script")
	}
	dir := filepath.Join("..", "..", "examples", "serverless-shop")
	if r := cli(t, "validate", filepath.Join(dir, "serverless.yml")); r.code != 0 {
		t.Errorf("validate: %+v", r)
	}
	if r := cli(t, "test", filepath.Join(dir, "place-order.test.yaml")); r.code != 0 || !strings.Contains(r.stdout, "2 passed, 0 failed") {
		t.Errorf("test: %+v", r)
	}
}
