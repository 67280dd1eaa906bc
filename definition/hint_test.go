package definition

import (
	"strings"
	"testing"
)

// TestHints: a misspelt name gets Baton's suggestion in Hint, and only
// there: Message, and the API's InvalidDefinition text made of the
// messages, stay AWS's.
func TestHints(t *testing.T) {
	tests := []struct {
		name, def, loc, hint string
	}{
		{"Next target", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Shipp"},"Ship":{"Type":"Succeed"}}}`, "/States/A/Next", "did you mean 'Ship'?"},
		{"Default target", `{"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[{"Variable":"$.x","IsNull":true,"Next":"B"}],"Default":"b"},"B":{"Type":"Succeed"}}}`, "/States/A/Default", "did you mean 'B'?"},
		{"Catch target", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Catch":[{"ErrorEquals":["States.ALL"],"Next":"Handel"}],"End":true},"Handle":{"Type":"Succeed"}}}`, "/States/A/Catch[0]/Next", "did you mean 'Handle'?"},
		{"StartAt in a branch", `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"Frist","States":{"First":{"Type":"Succeed"}}}],"End":true}}}`, "/States/P/Branches[0]/StartAt", "did you mean 'First'?"},
		{"state field", `{"StartAt":"A","States":{"A":{"Type":"Pass","OuputPath":"$","End":true}}}`, "/States/A", "did you mean 'OutputPath'?"},
		{"field of the machine", `{"StartAt":"A","State":{}}`, "/", "did you mean 'States'?"},
		{"choice operator", `{"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[{"Variable":"$.x","stringequals":"a","Next":"B"}]},"B":{"Type":"Succeed"}}}`, "/States/A/Choices[0]", "did you mean 'StringEquals'?"},
		{"state type", `{"StartAt":"A","States":{"A":{"Type":"pass","End":true}}}`, "/States/A/Type", "did you mean 'Pass'?"},
		{"intrinsic function", `{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"id.$":"States.UUID()","n.$":"States.MathAd(1, 2)"},"End":true}}}`, "/States/A/Parameters", "did you mean 'States.MathAdd'?"},
		{"query language", `{"QueryLanguage":"jsonata","StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`, "/QueryLanguage", "did you mean 'JSONata'?"},
	}
	for _, tt := range tests {
		_, diags := Load([]byte(tt.def), Options{})
		found := false
		for _, d := range diags {
			if strings.Contains(d.Message, "did you mean") {
				t.Errorf("%s: a hint in the message: %q", tt.name, d.Message)
			}
			if d.Location == tt.loc && d.Hint == tt.hint {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no %q at %s in %v", tt.name, tt.hint, tt.loc, diags)
		}
		if strings.Contains(diags.Message(), "did you mean") {
			t.Errorf("%s: a hint in the API's message: %s", tt.name, diags.Message())
		}
	}
	// Nothing close, nothing suggested; nothing wrong, nothing at all.
	_, diags := Load([]byte(`{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Zebra"},"B":{"Type":"Succeed"}}}`), Options{})
	for _, d := range diags {
		if d.Hint != "" {
			t.Errorf("a far-fetched hint: %v", d)
		}
	}
}

// TestSyntaxErrorPlaces: a definition that does not parse says where, by
// line and column for JSON (leading blank lines counted), by line for YAML.
func TestSyntaxErrorPlaces(t *testing.T) {
	tests := []struct{ text, want string }{
		{`{"StartAt": "A",, "States": {}}`, "invalid JSON at line 1, column 17: expected a member name, found ','"},
		{"\n\n  {\"StartAt\": \"A\",\n   \"States\": {\"A\": {\"Type\": \"Pass\" \"End\": true}}}", "invalid JSON at line 4, column 36: "},
		{"{\"Comment\": \"é\", \"StartAt\": x}", "invalid JSON at line 1, column 29: "},
		{"StartAt: A\nStates:\n  A: {Type: Pass\n", "invalid YAML: line 2: "},
	}
	for _, tt := range tests {
		_, diags := Parse([]byte(tt.text))
		if len(diags) != 1 || !strings.HasPrefix(diags[0].Message, tt.want) {
			t.Errorf("%q: %v, want %q...", tt.text, diags, tt.want)
		}
	}
}
