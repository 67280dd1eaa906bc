package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestValidateOutput: each problem on a line with its hint, a line for
// each valid file, JSON syntax errors by line and column, and --type.
func TestValidateOutput(t *testing.T) {
	t.Parallel()
	misspelt := write(t, "misspelt.json", `{"StartAt":"Chek","States":{"Check":{"Type":"Task","Resouce":"x","Next":"Dne"},"Done":{"Type":"Succeed"}}}`)
	broken := write(t, "broken.json", "{\"StartAt\": \"A\",\n  \"States\": {\"A\": {\"Type\": \"Pass\",, \"End\": true}}}\n")
	callback := write(t, "callback.yaml", "StartAt: T\nStates:\n  T:\n    Type: Task\n    Resource: arn:aws:states:::sqs:sendMessage.waitForTaskToken\n    End: true\n")
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"hints", []string{misspelt}, 1, misspelt + ": /States/Check: Field 'Resouce' is not supported (SCHEMA_VALIDATION_FAILED); did you mean 'Resource'?\n" +
			misspelt + ": /States/Check: These fields are required: [Resource] (SCHEMA_VALIDATION_FAILED)\n" +
			misspelt + ": /StartAt: Missing 'StartAt' target: Chek (MISSING_TRANSITION_TARGET); did you mean 'Check'?\n" +
			misspelt + ": /States/Check/Next: Missing 'Next' target: Dne (MISSING_TRANSITION_TARGET); did you mean 'Done'?\n"},
		{"line and column", []string{broken}, 1, broken + ": invalid JSON at line 2, column 35: expected a member name, found ',' (INVALID_JSON_DESCRIPTION)\n"},
		{"standard", []string{callback}, 0, callback + ": valid\n"},
		{"express, any case", []string{"--type", "express", callback}, 1, callback + ": /States/T/Resource: Express state machine does not support '.waitForTaskToken' service integration  (SCHEMA_VALIDATION_FAILED)\n"},
	}
	for _, tt := range tests {
		r := cli(t, append([]string{"validate"}, tt.args...)...)
		if r.code != tt.code || r.stdout != tt.want {
			t.Errorf("%s: exit %d\n%s\nwant exit %d\n%s", tt.name, r.code, r.stdout, tt.code, tt.want)
		}
	}
}

// TestValidateJSON: --json prints one document with every file, whether
// it is valid and its diagnostics, hints included.
func TestValidateJSON(t *testing.T) {
	t.Parallel()
	good := write(t, "good.json", passDef)
	bad := write(t, "bad.json", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Bee"},"Be":{"Type":"Succeed"}}}`)
	missing := good + ".missing"
	r := cli(t, "validate", "--json", good, bad, missing)
	type diagnostic struct{ Severity, Code, Message, Location, Hint string }
	var got struct {
		Valid bool
		Files []struct {
			File        string
			Valid       bool
			Error       string
			Diagnostics []diagnostic
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("%v: %q", err, r.stdout)
	}
	if r.code != 1 || got.Valid || len(got.Files) != 3 {
		t.Fatalf("exit %d: %s", r.code, r.stdout)
	}
	if f := got.Files[0]; f.File != good || !f.Valid || f.Diagnostics == nil || len(f.Diagnostics) != 0 {
		t.Errorf("valid file: %+v", f)
	}
	want := diagnostic{"ERROR", "MISSING_TRANSITION_TARGET", "Missing 'Next' target: Bee", "/States/A/Next", "did you mean 'Be'?"}
	if f := got.Files[1]; f.File != bad || f.Valid || len(f.Diagnostics) != 2 || f.Diagnostics[0] != want {
		t.Errorf("invalid file: %+v", f)
	}
	if f := got.Files[2]; f.Valid || !strings.HasPrefix(f.Error, "cannot read: ") {
		t.Errorf("missing file: %+v", f)
	}
	if r := cli(t, "validate", "--json", good); r.code != 0 || !strings.HasPrefix(r.stdout, `{"valid":true,`) {
		t.Errorf("all valid: exit %d %s", r.code, r.stdout)
	}
}
