package definition

import "strings"

// AWS's diagnostic codes, as ValidateStateMachineDefinition reports them.
const (
	InvalidJSONDescription  = "INVALID_JSON_DESCRIPTION"
	MissingDescription      = "MISSING_DESCRIPTION"
	SchemaValidationFailed  = "SCHEMA_VALIDATION_FAILED"
	InvalidResource         = "INVALID_RESOURCE"
	MissingEndState         = "MISSING_END_STATE"
	DuplicateStateName      = "DUPLICATE_STATE_NAME"
	InvalidStateName        = "INVALID_STATE_NAME"
	MissingTransitionTarget = "MISSING_TRANSITION_TARGET"
	TooDeeplyNested         = "TOO_DEEPLY_NESTED"

	// Warnings.
	NoDollar           = "NO_DOLLAR"
	NoPath             = "NO_PATH"
	PassResultIsStatic = "PASS_RESULT_IS_STATIC"
)

// Severity of a diagnostic.
const (
	Error   = "ERROR"
	Warning = "WARNING"
)

// Diagnostic is one problem found in a definition.
type Diagnostic struct {
	Code     string
	Message  string
	Location string // where in the definition: "/States/A/Next"; empty when the problem has no place
	Severity string // Error unless set to Warning
	// Hint is Baton's own suggestion ("did you mean 'Check'?"), kept out of
	// Message so that the API's messages stay AWS's.
	Hint string
}

// IsError reports whether the diagnostic makes the definition invalid.
func (d Diagnostic) IsError() bool { return d.Severity != Warning }

func (d Diagnostic) String() string {
	s := d.Code + ": " + d.Message
	if d.Location != "" {
		s += " at " + d.Location
	}
	if d.Hint != "" {
		s += "; " + d.Hint
	}
	return s
}

// Diagnostics is every problem found in a definition, in the order found.
type Diagnostics []Diagnostic

// Errors returns the diagnostics that are errors.
func (ds Diagnostics) Errors() Diagnostics {
	var out Diagnostics
	for _, d := range ds {
		if d.IsError() {
			out = append(out, d)
		}
	}
	return out
}

// HasErrors reports whether any diagnostic is an error.
func (ds Diagnostics) HasErrors() bool {
	for _, d := range ds {
		if d.IsError() {
			return true
		}
	}
	return false
}

// Message is the text AWS's CreateStateMachine puts in an InvalidDefinition
// error: "Invalid State Machine Definition: 'CODE: message at /place, ...'".
func (ds Diagnostics) Message() string {
	parts := make([]string, 0, len(ds))
	for _, d := range ds.Errors() {
		loc := d.Location
		if loc == "" {
			loc = "null"
		}
		if d.Code == SchemaValidationFailed && d.Location == "" && d.Message == "Definition must be a valid JSON object" {
			parts = append(parts, d.Code+": "+d.Message)
			continue
		}
		parts = append(parts, d.Code+": "+d.Message+" at "+loc)
	}
	return "Invalid State Machine Definition: '" + strings.Join(parts, ", ") + "'"
}

// Error makes Diagnostics usable as a Go error.
func (ds Diagnostics) Error() string { return ds.Message() }
