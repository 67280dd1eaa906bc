package eventpattern

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/baton-sh/baton/value"
)

// CodeValidation is the error code EventBridge answers a target it
// refuses with (PutTargets).
const CodeValidation = "ValidationException"

// Limits EventBridge applies to an input transformer.
const (
	MaxInputPaths       = 100
	MaxInputTemplateLen = 8192
	MaxInputLen         = 8192
	MaxInputPathLen     = 256
)

// TargetError is a target's input configuration EventBridge would refuse.
type TargetError struct{ Reason string }

func (e *TargetError) Error() string { return e.Reason }

// Code is the AWS error code of every target error.
func (e *TargetError) Code() string { return CodeValidation }

// Target says what a rule's target receives for a matched event: the
// event itself (all fields empty), a constant (Input), a part of the event
// (InputPath), or a template filled from the event (InputTransformer). At
// most one may be set, as in EventBridge's PutTargets.
type Target struct {
	Input            string
	InputPath        string
	InputTransformer *InputTransformer
}

// InputTransformer is EventBridge's InputTransformer: variables taken
// from the event by path, and a template that names them as <name>.
type InputTransformer struct {
	InputPathsMap map[string]string
	InputTemplate string
}

// Meta is what the predefined variables of a template name.
type Meta struct {
	RuleName      string
	RuleARN       string
	IngestionTime time.Time
}

// The predefined variables; a template may use them without defining
// them, and InputPathsMap may not define them.
const (
	varRuleARN       = "aws.events.rule-arn"
	varRuleName      = "aws.events.rule-name"
	varIngestionTime = "aws.events.event.ingestion-time"
	varEvent         = "aws.events.event"      // the event without "detail"
	varEventJSON     = "aws.events.event.json" // the whole event
)

var inputPathKey = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// Transform is a compiled Target: immutable, safe for concurrent use.
type Transform struct {
	input    []byte // Input, verbatim
	path     *Path  // InputPath
	paths    map[string]*Path
	segments []segment // InputTemplate, split at its placeholders
	json     bool      // the template is JSON (object, array or string)
	isInput  bool
}

// segment is literal text, or a placeholder (name set) and whether it
// stands inside a JSON string of the template.
type segment struct {
	text   string
	name   string
	quoted bool
}

// CompileTarget checks a target's input configuration as PutTargets does
// and compiles it.
func CompileTarget(t Target) (*Transform, error) {
	set := 0
	for _, b := range []bool{t.Input != "", t.InputPath != "", t.InputTransformer != nil} {
		if b {
			set++
		}
	}
	if set > 1 {
		return nil, &TargetError{Reason: "Only one of Input, InputPath, or InputTransformer may be provided"}
	}
	switch {
	case len(t.Input) > MaxInputLen:
		return nil, &TargetError{Reason: fmt.Sprintf("Input is longer than %d characters", MaxInputLen)}
	case len(t.InputPath) > MaxInputPathLen:
		return nil, &TargetError{Reason: fmt.Sprintf("InputPath is longer than %d characters", MaxInputPathLen)}
	case t.Input != "":
		if _, err := value.ParseString(t.Input); err != nil {
			return nil, &TargetError{Reason: "Input is not valid JSON: " + err.Error()}
		}
		return &Transform{input: []byte(t.Input), isInput: true}, nil
	case t.InputPath != "":
		p, err := ParsePath(t.InputPath)
		if err != nil {
			return nil, err
		}
		return &Transform{path: p}, nil
	case t.InputTransformer != nil:
		return compileTransformer(t.InputTransformer)
	}
	return &Transform{}, nil
}

func compileTransformer(it *InputTransformer) (*Transform, error) {
	if len(it.InputPathsMap) > MaxInputPaths {
		return nil, &TargetError{Reason: fmt.Sprintf("InputPathsMap has %d entries; the limit is %d", len(it.InputPathsMap), MaxInputPaths)}
	}
	tr := &Transform{paths: make(map[string]*Path, len(it.InputPathsMap))}
	for k, v := range it.InputPathsMap {
		if !inputPathKey.MatchString(k) || strings.HasPrefix(strings.ToLower(k), "aws.") {
			return nil, &TargetError{Reason: fmt.Sprintf("InputPathsMap key %q is not valid: use letters, digits, - and _", k)}
		}
		p, err := ParsePath(v)
		if err != nil {
			return nil, err
		}
		tr.paths[k] = p
	}
	if it.InputTemplate == "" || len(it.InputTemplate) > MaxInputTemplateLen {
		return nil, &TargetError{Reason: fmt.Sprintf("InputTemplate must be 1 to %d characters long", MaxInputTemplateLen)}
	}
	if err := tr.compileTemplate(it.InputTemplate); err != nil {
		return nil, err
	}
	return tr, nil
}

// compileTemplate splits the template at its placeholders. A template is
// JSON when it starts with {, [ or ": then each placeholder's place
// (inside a string or not) decides how its value is written, placeholders
// may not be keys, and the template must be JSON once they are filled.
// Otherwise it is text, and values are written as they are. Text between
// < and > that names no variable stays as it is.
func (tr *Transform) compileTemplate(tmpl string) error {
	trimmed := strings.TrimLeft(tmpl, " \t\r\n")
	tr.json = trimmed != "" && strings.ContainsRune("{[\"", rune(trimmed[0]))
	inString, escaped, placeholderInString := false, false, false
	lit := 0
	for i := 0; i < len(tmpl); i++ {
		c := tmpl[i]
		if tr.json {
			switch {
			case escaped:
				escaped = false
				continue
			case c == '\\' && inString:
				escaped = true
				continue
			case c == '"':
				if inString && placeholderInString && nextNonSpace(tmpl, i+1) == ':' {
					return &TargetError{Reason: "InputTemplate uses a placeholder as an object key"}
				}
				inString, placeholderInString = !inString, false
				continue
			}
		}
		if c != '<' {
			continue
		}
		end := strings.IndexByte(tmpl[i:], '>')
		if end < 0 {
			break
		}
		name := tmpl[i+1 : i+end]
		if !tr.defines(name) {
			continue
		}
		quoted := tr.json && inString
		if quoted && (name == varEvent || name == varEventJSON) {
			return &TargetError{Reason: fmt.Sprintf("InputTemplate: <%s> can only be used as the value of a JSON field, not inside a string", name)}
		}
		if !quoted && tr.json && nextNonSpace(tmpl, i+end+1) == ':' {
			return &TargetError{Reason: "InputTemplate uses a placeholder as an object key"}
		}
		placeholderInString = placeholderInString || quoted
		tr.segments = append(tr.segments, segment{text: tmpl[lit:i]}, segment{name: name, quoted: quoted})
		lit = i + end + 1
		i = lit - 1
	}
	tr.segments = append(tr.segments, segment{text: tmpl[lit:]})
	if tr.json {
		if _, err := value.Parse(tr.fill(nil, Meta{}, true)); err != nil {
			return &TargetError{Reason: "InputTemplate is not valid JSON once its placeholders are filled: " + err.Error()}
		}
	}
	return nil
}

func (tr *Transform) defines(name string) bool {
	switch name {
	case varRuleARN, varRuleName, varIngestionTime, varEvent, varEventJSON:
		return true
	}
	_, ok := tr.paths[name]
	return ok
}

func nextNonSpace(s string, i int) byte {
	for ; i < len(s); i++ {
		if !strings.ContainsRune(" \t\r\n", rune(s[i])) {
			return s[i]
		}
	}
	return 0
}

// Apply gives the target's input for a matched event (a value of the
// value package) as text: JSON, or for a text template, the text.
func (tr *Transform) Apply(event any, meta Meta) []byte {
	switch {
	case tr.isInput:
		return tr.input
	case tr.path != nil:
		v, ok := tr.path.Get(event)
		if !ok {
			return []byte("null") // our choice: a path the event lacks selects null
		}
		return value.Marshal(v)
	case tr.segments != nil:
		return tr.fill(event, meta, false)
	}
	return value.Marshal(event)
}

// fill writes the template with each placeholder's value. With dry set
// (compiling), every variable is taken as missing.
func (tr *Transform) fill(event any, meta Meta, dry bool) []byte {
	var out []byte
	for _, s := range tr.segments {
		if s.name == "" {
			out = append(out, s.text...)
			continue
		}
		v, ok := tr.lookup(s.name, event, meta, dry)
		out = tr.appendValue(out, v, ok, s.quoted)
	}
	return out
}

func (tr *Transform) lookup(name string, event any, meta Meta, dry bool) (any, bool) {
	switch name {
	case varRuleARN:
		return meta.RuleARN, true
	case varRuleName:
		return meta.RuleName, true
	case varIngestionTime:
		return meta.IngestionTime.UTC().Format(time.RFC3339), true
	case varEventJSON:
		return event, true
	case varEvent:
		return withoutDetail(event), true
	}
	if dry {
		return nil, false
	}
	return tr.paths[name].Get(event)
}

// appendValue writes one placeholder's value. In a JSON template outside
// a string, a value is written as JSON (a string with its quotes); inside
// a string, a string's characters are written escaped (without quotes)
// and any other value as its JSON, escaped, so that the template stays
// JSON. In a text template, a string is written as it is and any other
// value as its JSON. A variable whose path the event lacks is null
// outside a string and nothing inside one.
func (tr *Transform) appendValue(out []byte, v any, ok, quoted bool) []byte {
	switch {
	case tr.json && !quoted:
		if !ok {
			return append(out, "null"...)
		}
		return value.Append(out, v)
	case !ok:
		return out
	}
	s, isString := v.(string)
	if !isString {
		s = string(value.Marshal(v))
	}
	if !tr.json {
		return append(out, s...)
	}
	q := value.AppendString(nil, s)
	return append(out, q[1:len(q)-1]...)
}

// withoutDetail is the event without its "detail" member, which
// <aws.events.event> names.
func withoutDetail(event any) any {
	obj, ok := event.(*value.Object)
	if !ok || !obj.Has("detail") {
		return event
	}
	b := value.NewBuilder(obj.Len() - 1)
	for k, v := range obj.All() {
		if k != "detail" {
			b.Set(k, v)
		}
	}
	return b.Object()
}
