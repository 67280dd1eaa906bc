package definition

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/baton-sh/baton/value"
)

var update = flag.Bool("update", false, "rewrite the golden .errors files")

// TestInvalidDefinitions checks every definition under testdata/invalid
// against its .errors twin: the diagnostics exactly as `baton validate`
// prints them. Run with -update to rewrite the twins after a deliberate
// change.
func TestInvalidDefinitions(t *testing.T) {
	files, _ := filepath.Glob("testdata/invalid/*.json")
	if len(files) == 0 {
		t.Fatal("no test definitions")
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		_, diags := Load(data, Options{})
		if !diags.HasErrors() {
			t.Errorf("%s: accepted", file)
			continue
		}
		var b strings.Builder
		for _, d := range diags {
			b.WriteString(d.String() + "\n")
		}
		golden := strings.TrimSuffix(file, ".json") + ".errors"
		if *update {
			os.WriteFile(golden, []byte(b.String()), 0o644)
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%s: %v (run go test -update)", golden, err)
		}
		if b.String() != string(want) {
			t.Errorf("%s diagnostics:\n%s\nwant:\n%s", file, b.String(), want)
		}
	}
}

func TestValidDefinitions(t *testing.T) {
	files, _ := filepath.Glob("testdata/valid/*")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if _, diags := Load(data, Options{}); diags.HasErrors() {
			t.Errorf("%s rejected: %s", file, diags.Message())
		}
	}
}

func TestYAMLEqualsJSON(t *testing.T) {
	y, diags := ParseString("StartAt: A\nStates:\n  A:\n    Type: Pass\n    Result: {n: 1.50, big: 12345678901234567890, t: true, s: '1'}\n    End: true\n")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	j, _ := ParseString(`{"StartAt":"A","States":{"A":{"Type":"Pass","Result":{"n":1.50,"big":12345678901234567890,"t":true,"s":"1"},"End":true}}}`)
	if value.String(y) != value.String(j) {
		t.Errorf("YAML %s != JSON %s", value.String(y), value.String(j))
	}
}

func TestYAMLMergeKeys(t *testing.T) {
	y, diags := ParseString("base: &b {Type: Pass, End: true}\nStartAt: A\nStates:\n  A:\n    <<: *b\n    Comment: merged\n")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	st, _ := y.Get("States")
	a, _ := st.(*value.Object).Get("A")
	if got := value.String(a); got != `{"Type":"Pass","End":true,"Comment":"merged"}` {
		t.Errorf("merged %s", got)
	}
}

func TestCreateStateMachineMessage(t *testing.T) {
	_, diags := Load([]byte(`{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","Next":"A"}}}`), Options{})
	if got := diags.Message(); got != "Invalid State Machine Definition: 'MISSING_END_STATE: Workflow has no terminal state at null'" {
		t.Errorf("message %q", got)
	}
	_, diags = Load([]byte(`{}`), Options{})
	if got := diags.Message(); got != "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: These fields are required: [StartAt, States] at /'" {
		t.Errorf("message %q", got)
	}
}

func TestExpressIntegrations(t *testing.T) {
	def := []byte(`{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","End":true}}}`)
	if _, diags := Load(def, Options{}); diags.HasErrors() {
		t.Errorf("standard rejected: %s", diags.Message())
	}
	_, diags := Load(def, Options{Type: "EXPRESS"})
	if !strings.Contains(diags.Message(), "Express state machine does not support '.waitForTaskToken' service integration") {
		t.Errorf("express: %s", diags.Message())
	}
}

func TestResources(t *testing.T) {
	tests := map[string]bool{
		"arn:aws:states:::lambda:invoke":                   true,
		"arn:aws:states:::lambda:invoke.waitForTaskToken":  true,
		"arn:aws:states:::states:startExecution.sync:2":    true,
		"arn:aws:states:::aws-sdk:s3:getObject":            true,
		"arn:aws:states:::dynamodb:query":                  false,
		"arn:aws:states:::sns:publish.sync":                false,
		"arn:aws:states:::nosuch:thing":                    false,
		"arn:aws:lambda:us-east-1:123456789012:function:f": true,
		// Lambda functions as Lambda's API names them.
		"arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST":  true,
		"arn:aws:lambda:eu-west-3:123456789012:function:my-fn_2:7":  true,
		"arn:aws:lambda:us-gov-west-1:123456789012:function:f:live": true,
		"arn:aws-cn:lambda:cn-north-1:123456789012:function:f":      true,
		"arn:aws:lambda:us-east-1:12345:function:f":                 false, // account
		"arn:aws:lambda:useast1:123456789012:function:f":            false, // region
		"arn:aws:lambda:us-east-1:123456789012:function:f.g":        false, // name
		"arn:aws:lambda:us-east-1:123456789012:function:":           false,
		"arn:aws:lambda:us-east-1:123456789012:function:f:a:b":      false, // qualifier
		"arn:aws:lambda:us-east-1:123456789012:function:f:${Stage}": false,
		"arn:aws:lambda:us-east-1:123456789012:layer:l":             false,
		"arn:aws:states:us-east-1:123456789012:activity:a":          true,
		"not-an-arn":                            false,
		"arn:aws:states:::http:invoke":          true,
		"arn:aws-us-gov:states:::lambda:invoke": true,
	}
	for arn, ok := range tests {
		if got := CheckResource(arn) == ""; got != ok {
			t.Errorf("CheckResource(%s) accepted=%v, want %v", arn, got, ok)
		}
	}
}

// FuzzLoad feeds arbitrary text through parsing and validation: any input
// must produce diagnostics, never a panic or a hang.
func FuzzLoad(f *testing.F) {
	for _, dir := range []string{"testdata/invalid", "testdata/valid"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*"))
		for _, file := range files {
			if strings.HasSuffix(file, ".errors") {
				continue
			}
			data, _ := os.ReadFile(file)
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		Load(data, Options{})
		Load(data, Options{Type: "EXPRESS"})
	})
}

// TestParseShapes: a YAML definition indented as a whole reads as it is
// written; a field named twice in one object is refused, in JSON and in
// YAML, as AWS refuses it, while a YAML merge key's fields may be
// overridden.
func TestParseShapes(t *testing.T) {
	tests := []struct {
		name, text string
		ok         bool
	}{
		{"indented YAML", "\n  StartAt: A\n  States:\n    A:\n      Type: Pass\n      End: true\n", true},
		{"indented YAML with a comment first", "  # a machine\n  StartAt: A\n  States:\n    A: {Type: Pass, End: true}\n", true},
		{"duplicate in JSON", `{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}},"StartAt":"A"}`, false},
		{"duplicate in a nested JSON object", `{"StartAt":"A","States":{"A":{"Type":"Pass","Type":"Pass","End":true}}}`, false},
		{"same name in sibling JSON objects", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","End":true}}}`, true},
		{"same name in an array's objects", `{"StartAt":"A","States":{"A":{"Type":"Pass","Result":[{"k":1},{"k":2}],"End":true}}}`, true},
		{"duplicate in YAML", "StartAt: A\nStates:\n  A:\n    Type: Pass\n    End: true\n    End: true\n", false},
		{"YAML merge key overridden", "base: &b {Type: Pass, End: false}\nStartAt: A\nStates:\n  A:\n    <<: *b\n    End: true\n", true},
	}
	for _, tt := range tests {
		obj, diags := Parse([]byte(tt.text))
		if tt.ok != (obj != nil && !diags.HasErrors()) {
			t.Errorf("%s: %v", tt.name, diags)
		}
	}
}
