package definition

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/baton-sh/baton/internal/suggest"
	"github.com/baton-sh/baton/intrinsic"
	"github.com/baton-sh/baton/jsonpath"
	"github.com/baton-sh/baton/value"
)

// Options change what Validate accepts.
type Options struct {
	// Type is the state machine type, "STANDARD" (the default) or "EXPRESS".
	Type string
}

// MaxStateNameLength is AWS's limit on a state name.
const MaxStateNameLength = 80

// Validate checks a parsed definition and returns every problem found.
func Validate(def *value.Object, opts Options) Diagnostics {
	v := &validator{opts: opts, names: map[string]string{}}
	lang := JSONPath
	if ql, ok := def.Get("QueryLanguage"); ok {
		if s, ok := ql.(string); ok && s == JSONata {
			lang = JSONata
		}
	}
	v.topLang = lang
	v.machine(def, "", true, lang)
	return v.diags
}

// Load parses and validates a definition.
func Load(data []byte, opts Options) (*value.Object, Diagnostics) {
	if len(data) > MaxSize {
		return nil, Diagnostics{{Code: SchemaValidationFailed, Message: fmt.Sprintf("Definition is larger than %d bytes", MaxSize)}}
	}
	def, diags := Parse(data)
	if diags.HasErrors() {
		return nil, diags
	}
	diags = Validate(def, opts)
	if diags.HasErrors() {
		return nil, diags
	}
	return def, diags
}

type validator struct {
	opts  Options
	diags Diagnostics
	names map[string]string // every state name in the definition -> its location
	// topLang is the machine's QueryLanguage. Branches and Map processors
	// inherit it, not the QueryLanguage of the state that holds them.
	topLang string
}

func (v *validator) add(code, loc, format string, args ...any) {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	v.diags = append(v.diags, Diagnostic{Code: code, Message: msg, Location: loc, Severity: Error})
}

func (v *validator) schema(loc, format string, args ...any) {
	v.add(SchemaValidationFailed, loc, format, args...)
}

// hint attaches a suggestion to the diagnostic just added.
func (v *validator) hint(h string) {
	if h != "" && len(v.diags) > 0 {
		v.diags[len(v.diags)-1].Hint = h
	}
}

// unsupported reports a field the object at loc does not take, with the
// allowed field it most likely misspells.
func (v *validator) unsupported(loc, field string, allowed []string) {
	v.schema(loc, "Field '%s' is not supported", field)
	v.hint(suggest.DidYouMean(field, allowed))
}

// valueHint suggests the allowed value that a string x most likely
// misspells ("JSONATA" for "JSONata").
func valueHint(x any, values ...string) string {
	if s, ok := x.(string); ok {
		return suggest.DidYouMean(s, values)
	}
	return ""
}

// sortedKeys are a set's members in order, for suggestions that do not
// depend on map order.
func sortedKeys(set map[string]bool) []string {
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// stateNames are the names of a (sub-)machine's states, in order.
func stateNames(states *value.Object) []string {
	names := make([]string, 0, states.Len())
	for _, m := range states.Members() {
		names = append(names, m.Key)
	}
	return names
}

func join(loc, field string) string { return loc + "/" + field }

func index(loc string, i int) string { return loc + "[" + strconv.Itoa(i) + "]" }

func place(loc string) string {
	if loc == "" {
		return "/"
	}
	return loc
}

// jsonType names a value's type as AWS's schema messages do.
func jsonType(x any) string {
	switch t := x.(type) {
	case nil:
		return "Null"
	case bool:
		return "Boolean"
	case string:
		return "String"
	case value.Number:
		if t.IsInteger() {
			return "Integer"
		}
		return "Number"
	case []any:
		return "Array"
	case *value.Object:
		return "Object"
	}
	return "Unknown"
}

func (v *validator) wrongType(loc, want string, got any) {
	v.schema(loc, "Expected value of type %s but was %s", want, jsonType(got))
}

// ---- machines ------------------------------------------------------------

// machine validates a state machine or a sub-machine (a Parallel branch or a
// Map processor) at loc.
func (v *validator) machine(m *value.Object, loc string, top bool, lang string) {
	allowed := map[string]bool{"Comment": true, "StartAt": true, "States": true}
	if top {
		allowed["TimeoutSeconds"] = true
		allowed["Version"] = true
		allowed["QueryLanguage"] = true
	} else {
		allowed["ProcessorConfig"] = true // only valid in a Map processor; checked there
	}
	var missing []string
	for _, f := range []string{"StartAt", "States"} {
		if !m.Has(f) {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		v.schema(place(loc), "These fields are required: [%s]", strings.Join(missing, ", "))
	}
	for _, mem := range m.Members() {
		if !allowed[mem.Key] {
			v.unsupported(place(loc), mem.Key, sortedKeys(allowed))
		}
	}
	if c, ok := m.Get("Comment"); ok {
		if _, isStr := c.(string); !isStr {
			v.wrongType(join(loc, "Comment"), "String", c)
		}
	}
	if top {
		if ts, ok := m.Get("TimeoutSeconds"); ok {
			v.positiveInt(join(loc, "TimeoutSeconds"), ts, 1, 99999999)
		}
		if ver, ok := m.Get("Version"); ok {
			if s, isStr := ver.(string); !isStr || s != "1.0" {
				v.schema(join(loc, "Version"), "The value for the field 'Version' must be '1.0'")
			}
		}
		if ql, ok := m.Get("QueryLanguage"); ok {
			if s, isStr := ql.(string); !isStr || (s != JSONPath && s != JSONata) {
				v.schema(join(loc, "QueryLanguage"), "The value for the field 'QueryLanguage' must be one of [JSONPath, JSONata]")
				v.hint(valueHint(ql, JSONPath, JSONata))
			}
		}
	}
	startAt, hasStart := m.Get("StartAt")
	start, startIsStr := startAt.(string)
	if hasStart && !startIsStr {
		v.wrongType(join(loc, "StartAt"), "String", startAt)
	}
	statesV, hasStates := m.Get("States")
	states, ok := statesV.(*value.Object)
	if hasStates && !ok {
		v.wrongType(join(loc, "States"), "Object", statesV)
		return
	}
	if !hasStates {
		return
	}
	statesLoc := join(loc, "States")
	if states.Len() == 0 {
		v.schema(statesLoc, "At least one state is required")
	}
	for _, mem := range states.Members() {
		stLoc := join(statesLoc, mem.Key)
		if prev, dup := v.names[mem.Key]; dup {
			v.add(DuplicateStateName, stLoc, "Duplicate State name: %s (also at %s)", mem.Key, prev)
		} else {
			v.names[mem.Key] = stLoc
		}
		if mem.Key == "" || len([]rune(mem.Key)) > MaxStateNameLength {
			v.add(InvalidStateName, stLoc, "State names must be 1 to %d characters long", MaxStateNameLength)
		}
		st, isObj := mem.Value.(*value.Object)
		if !isObj {
			v.wrongType(stLoc, "Object", mem.Value)
			continue
		}
		v.state(mem.Key, st, stLoc, lang, top)
	}
	if hasStart && startIsStr && !states.Has(start) {
		v.add(MissingTransitionTarget, join(loc, "StartAt"), "Missing 'StartAt' target: %s", start)
		v.hint(suggest.DidYouMean(start, stateNames(states)))
	}
	v.graph(states, statesLoc, start)
}

// graph checks transitions, the existence of a terminal state and
// reachability within one (sub-)machine.
func (v *validator) graph(states *value.Object, statesLoc, start string) {
	type edge struct{ from, to, loc string }
	var edges []edge
	terminal := false
	for _, mem := range states.Members() {
		st, ok := mem.Value.(*value.Object)
		if !ok {
			continue
		}
		loc := join(statesLoc, mem.Key)
		typ, _ := st.Get("Type")
		if t, _ := typ.(string); terminalTypes[t] {
			terminal = true
		}
		if end, _ := st.Get("End"); end == true {
			terminal = true
		}
		if next, ok := st.Get("Next"); ok {
			if s, ok := next.(string); ok {
				edges = append(edges, edge{mem.Key, s, join(loc, "Next")})
			}
		}
		if def, ok := st.Get("Default"); ok {
			if s, ok := def.(string); ok {
				edges = append(edges, edge{mem.Key, s, join(loc, "Default")})
			}
		}
		if choices, ok := st.Get("Choices"); ok {
			if arr, ok := choices.([]any); ok {
				for i, c := range arr {
					if co, ok := c.(*value.Object); ok {
						if next, ok := co.Get("Next"); ok {
							if s, ok := next.(string); ok {
								edges = append(edges, edge{mem.Key, s, join(index(join(loc, "Choices"), i), "Next")})
							}
						}
					}
				}
			}
		}
		if catch, ok := st.Get("Catch"); ok {
			if arr, ok := catch.([]any); ok {
				for i, c := range arr {
					if co, ok := c.(*value.Object); ok {
						if next, ok := co.Get("Next"); ok {
							if s, ok := next.(string); ok {
								edges = append(edges, edge{mem.Key, s, join(index(join(loc, "Catch"), i), "Next")})
							}
						}
					}
				}
			}
		}
	}
	for _, e := range edges {
		if !states.Has(e.to) {
			v.add(MissingTransitionTarget, e.loc, "Missing 'Next' target: %s", e.to)
			v.hint(suggest.DidYouMean(e.to, stateNames(states)))
		}
	}
	if !terminal && states.Len() > 0 {
		v.add(MissingEndState, "", "Workflow has no terminal state")
		return
	}
	if !states.Has(start) {
		return
	}
	reached := map[string]bool{start: true}
	queue := []string{start}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		for _, e := range edges {
			if e.from == cur && !reached[e.to] && states.Has(e.to) {
				reached[e.to] = true
				queue = append(queue, e.to)
			}
		}
	}
	for _, mem := range states.Members() {
		if !reached[mem.Key] {
			v.add(MissingTransitionTarget, join(statesLoc, mem.Key), "State \"%s\" is not reachable.", mem.Key)
		}
	}
}

// ---- states ----------------------------------------------------------------

func (v *validator) state(name string, st *value.Object, loc string, machineLang string, top bool) {
	typV, ok := st.Get("Type")
	if !ok {
		v.schema(loc, "These fields are required: [Type]")
		return
	}
	typ, isStr := typV.(string)
	fields, known := fieldSet[typ]
	if !isStr || !known {
		v.schema(join(loc, "Type"), "The value for the field 'Type' must be one of [Pass, Task, Choice, Wait, Succeed, Fail, Parallel, Map]")
		if isStr {
			v.hint(suggest.DidYouMean(typ, stateTypes))
		}
		return
	}
	lang := machineLang
	if qlV, ok := st.Get("QueryLanguage"); ok {
		ql, _ := qlV.(string)
		switch {
		case ql != JSONPath && ql != JSONata:
			v.schema(join(loc, "QueryLanguage"), "The value for the field 'QueryLanguage' must be one of [JSONPath, JSONata]")
			v.hint(valueHint(ql, JSONPath, JSONata))
		case machineLang == JSONata && ql == JSONPath:
			v.schema(loc, "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine")
		default:
			lang = ql
		}
	}
	allowed := map[string]bool{"Type": true, "Comment": true, "QueryLanguage": true}
	for _, f := range fields {
		allowed[f] = true
	}
	for _, mem := range st.Members() {
		switch {
		case !allowed[mem.Key]:
			v.unsupported(loc, mem.Key, append([]string{"Type", "Comment", "QueryLanguage"}, fields...))
		case lang == JSONPath && jsonataOnly[mem.Key]:
			v.schema(loc, "The QueryLanguage is set to 'JSONPath', but field '%s' is only supported for the 'JSONata' QueryLanguage", mem.Key)
		case lang == JSONata && jsonPathOnly[mem.Key]:
			v.schema(loc, "The QueryLanguage is set to 'JSONata', but field '%s' is only supported for the 'JSONPath' QueryLanguage", mem.Key)
		}
	}
	if c, ok := st.Get("Comment"); ok {
		if _, isStr := c.(string); !isStr {
			v.wrongType(join(loc, "Comment"), "String", c)
		}
	}

	// Transitions.
	next, hasNext := st.Get("Next")
	end, hasEnd := st.Get("End")
	if hasNext {
		if _, isStr := next.(string); !isStr {
			v.wrongType(join(loc, "Next"), "String", next)
		}
	}
	if hasEnd {
		if _, isBool := end.(bool); !isBool {
			v.wrongType(join(loc, "End"), "Boolean", end)
		}
	}
	if needsTransition[typ] {
		switch {
		case hasNext && hasEnd && end == true:
			v.schema(loc, "There should only be one of the following fields: [Next, End]")
		case !hasNext && end != true:
			v.schema(loc, "These fields are required: [Next | End]")
		}
	}

	// Paths common to JSONPath states.
	if lang == JSONPath {
		v.pathOrNull(st, loc, "InputPath", false)
		v.pathOrNull(st, loc, "OutputPath", false)
		v.pathOrNull(st, loc, "ResultPath", true)
		for _, f := range []string{"Parameters", "ResultSelector"} {
			if t, ok := st.Get(f); ok {
				v.template(t, join(loc, f), f == "Parameters" && typ == TypePass)
			}
		}
	}
	if a, ok := st.Get("Assign"); ok {
		v.assign(a, join(loc, "Assign"), lang)
	}
	if lang == JSONata {
		v.jsonataState(st, loc, typ)
	}

	switch typ {
	case TypeTask:
		v.task(st, loc, lang)
	case TypeChoice:
		v.choice(st, loc, lang)
	case TypeWait:
		v.wait(st, loc, lang)
	case TypeFail:
		v.fail(st, loc, lang)
	case TypeParallel:
		v.parallel(st, loc, lang)
	case TypeMap:
		v.mapState(st, loc, lang)
	}
	if typ == TypeTask || typ == TypeParallel || typ == TypeMap {
		v.retry(st, loc, lang)
		v.catch(st, loc, lang)
	}
}

// pathOrNull checks InputPath/OutputPath (paths) and ResultPath (a
// reference path), each of which may also be null.
func (v *validator) pathOrNull(st *value.Object, loc, field string, reference bool) {
	x, ok := st.Get(field)
	if !ok || x == nil {
		return
	}
	s, isStr := x.(string)
	if !isStr {
		v.wrongType(join(loc, field), "String", x)
		return
	}
	// A result goes into the state's output: never into the context
	// object, which is read only (checkPath refuses $$ there), nor into a
	// variable (Assign sets those).
	resultPath := field == "ResultPath"
	p := v.checkPath(join(loc, field), s, reference, !resultPath)
	if p != nil && resultPath && p.Root() == jsonpath.RootVariable {
		v.schema(join(loc, field), "Value is not a Reference Path")
	}
}

// checkPath validates a path string. Context paths ($$) are allowed where
// the field allows them (everywhere but ResultPath).
func (v *validator) checkPath(loc, s string, reference, allowContext bool) *jsonpath.Path {
	p, err := jsonpath.Parse(s)
	if err != nil {
		v.schema(loc, "The value for the field '%s' must be a valid JSONPath", lastField(loc))
		return nil
	}
	if reference && !p.IsReference() {
		v.schema(loc, "Value is not a Reference Path")
		return nil
	}
	if p.Root() == jsonpath.RootContext && !allowContext {
		v.schema(loc, "Value is not a Reference Path")
		return nil
	}
	return p
}

func lastField(loc string) string {
	if i := strings.LastIndex(loc, "/"); i >= 0 {
		return loc[i+1:]
	}
	return loc
}

// template checks a payload template: every "key.$" holds a path or an
// intrinsic function call.
func (v *validator) template(t any, loc string, pass bool) {
	switch x := t.(type) {
	case *value.Object:
		for _, mem := range x.Members() {
			if strings.HasSuffix(mem.Key, ".$") {
				s, isStr := mem.Value.(string)
				if !isStr || !validDynamic(s) {
					v.schema(loc, "The value for the field '%s' must be a valid JSONPath or a valid intrinsic function call", mem.Key)
					if isStr {
						v.hint(functionHint(s))
					}
				}
				continue
			}
			v.template(mem.Value, join(loc, mem.Key), pass)
		}
	case []any:
		for i, item := range x {
			v.template(item, index(loc, i), pass)
		}
	}
}

// functionHint suggests the intrinsic function that a call to an unknown
// one (States.StringToJsn) most likely meant.
func functionHint(s string) string {
	if !intrinsic.IsCall(s) {
		return ""
	}
	_, err := intrinsic.Parse(s)
	var ie *intrinsic.Error
	if !errors.As(err, &ie) || ie.Offset >= len(ie.Text) {
		return ""
	}
	// The parser stops at the start of a name it does not know.
	name := ie.Text[ie.Offset:]
	if i := strings.IndexFunc(name, func(r rune) bool { return r == '(' || unicode.IsSpace(r) }); i >= 0 {
		name = name[:i]
	}
	if !strings.HasPrefix(name, "States.") || slices.Contains(intrinsic.Names(), name) {
		return ""
	}
	return suggest.DidYouMean(name, intrinsic.Names())
}

func validDynamic(s string) bool {
	if intrinsic.IsCall(s) {
		_, err := intrinsic.Parse(s)
		return err == nil
	}
	_, err := jsonpath.Parse(s)
	return err == nil
}

func (v *validator) positiveInt(loc string, x any, min, max int64) (int64, bool) {
	n, ok := x.(value.Number)
	if !ok || !n.IsInteger() {
		v.wrongType(loc, "Integer", x)
		return 0, false
	}
	i, ok := n.Int64()
	if !ok || i < min {
		v.schema(loc, "Minimum value is %d", min)
		return 0, false
	}
	if max > 0 && i > max {
		v.schema(loc, "Maximum value is %d", max)
		return 0, false
	}
	return i, true
}

// exclusive reports fields of which at most one may be present.
func (v *validator) exclusive(st *value.Object, loc string, fields ...string) int {
	n := 0
	for _, f := range fields {
		if st.Has(f) {
			n++
		}
	}
	if n > 1 {
		v.schema(loc, "There should only be one of the following fields: [%s]", strings.Join(fields, ", "))
	}
	return n
}

func (v *validator) isExpression(x any) bool {
	_, ok := ExpressionText(x)
	return ok
}

func (v *validator) referencePathField(st *value.Object, loc, field string, allowContext bool) {
	x, ok := st.Get(field)
	if !ok {
		return
	}
	s, isStr := x.(string)
	if !isStr {
		v.wrongType(join(loc, field), "String", x)
		return
	}
	v.checkPath(join(loc, field), s, true, allowContext)
}

func (v *validator) task(st *value.Object, loc, lang string) {
	res, ok := st.Get("Resource")
	if !ok {
		v.schema(loc, "These fields are required: [Resource]")
	} else if s, isStr := res.(string); !isStr {
		v.wrongType(join(loc, "Resource"), "String", res)
	} else {
		if msg := CheckResource(s); msg != "" {
			v.add(InvalidResource, join(loc, "Resource"), "%s", msg)
		} else if v.opts.Type == "EXPRESS" {
			r, _ := ParseResource(s)
			switch r.Pattern {
			case PatternSync, PatternSync2:
				v.schema(join(loc, "Resource"), "Express state machine does not support '.sync' service integration")
			case PatternWaitForTaskToken:
				v.schema(join(loc, "Resource"), "Express state machine does not support '.waitForTaskToken' service integration ")
			}
		}
	}
	v.exclusive(st, loc, "TimeoutSeconds", "TimeoutSecondsPath")
	v.exclusive(st, loc, "HeartbeatSeconds", "HeartbeatSecondsPath")
	var timeout, heartbeat int64
	if x, ok := st.Get("TimeoutSeconds"); ok && !(lang == JSONata && v.isExpression(x)) {
		timeout, _ = v.positiveInt(join(loc, "TimeoutSeconds"), x, 1, 99999999)
	}
	if x, ok := st.Get("HeartbeatSeconds"); ok && !(lang == JSONata && v.isExpression(x)) {
		heartbeat, _ = v.positiveInt(join(loc, "HeartbeatSeconds"), x, 1, 99999999)
	}
	if timeout > 0 && heartbeat > 0 && heartbeat >= timeout {
		v.schema(join(loc, "HeartbeatSeconds"), "HeartbeatSeconds must be smaller than TimeoutSeconds")
	}
	v.referencePathField(st, loc, "TimeoutSecondsPath", true)
	v.referencePathField(st, loc, "HeartbeatSecondsPath", true)
	if c, ok := st.Get("Credentials"); ok {
		co, isObj := c.(*value.Object)
		if !isObj {
			v.wrongType(join(loc, "Credentials"), "Object", c)
		} else if !co.Has("RoleArn") && !co.Has("RoleArn.$") {
			v.schema(join(loc, "Credentials"), "The field 'RoleArn' is required but was missing")
		} else if lang == JSONPath {
			v.template(co, join(loc, "Credentials"), false)
		}
	}
	if lang == JSONata {
		if a, ok := st.Get("Arguments"); ok {
			if _, isObj := a.(*value.Object); !isObj && !v.isExpression(a) {
				v.schema(join(loc, "Arguments"), "The value for the field 'Arguments' must be an object or a JSONata expression")
			}
		}
	}
}

func (v *validator) wait(st *value.Object, loc, lang string) {
	n := v.exclusive(st, loc, "Seconds", "Timestamp", "SecondsPath", "TimestampPath")
	if n == 0 {
		v.schema(loc, "These fields are required: [Seconds | Timestamp | SecondsPath | TimestampPath]")
	}
	if x, ok := st.Get("Seconds"); ok && !(lang == JSONata && v.isExpression(x)) {
		v.positiveInt(join(loc, "Seconds"), x, 0, 99999999)
	}
	if x, ok := st.Get("Timestamp"); ok && !(lang == JSONata && v.isExpression(x)) {
		s, isStr := x.(string)
		if !isStr {
			v.wrongType(join(loc, "Timestamp"), "String", x)
		} else if _, ok := ParseTimestamp(s); !ok {
			v.schema(join(loc, "Timestamp"), "String does not match RFC3339 timestamp")
		}
	}
	v.referencePathField(st, loc, "SecondsPath", true)
	v.referencePathField(st, loc, "TimestampPath", true)
}

func (v *validator) fail(st *value.Object, loc, lang string) {
	v.exclusive(st, loc, "Error", "ErrorPath")
	v.exclusive(st, loc, "Cause", "CausePath")
	for _, f := range []string{"Error", "Cause"} {
		if x, ok := st.Get(f); ok {
			if _, isStr := x.(string); !isStr {
				v.wrongType(join(loc, f), "String", x)
			}
		}
	}
	for _, f := range []string{"ErrorPath", "CausePath"} {
		x, ok := st.Get(f)
		if !ok {
			continue
		}
		s, isStr := x.(string)
		if !isStr {
			v.wrongType(join(loc, f), "String", x)
			continue
		}
		if intrinsic.IsCall(s) {
			c, err := intrinsic.Parse(s)
			if err != nil || !failPathFunctions[c.Name] {
				v.schema(join(loc, f), "The value for the field '%s' must be a valid Reference Path or a valid intrinsic function call that returns a string", f)
				v.hint(functionHint(s))
			}
			continue
		}
		v.checkPath(join(loc, f), s, true, true)
	}
}

func (v *validator) parallel(st *value.Object, loc, lang string) {
	b, ok := st.Get("Branches")
	if !ok {
		v.schema(loc, "These fields are required: [Branches]")
		return
	}
	arr, isArr := b.([]any)
	if !isArr {
		v.wrongType(join(loc, "Branches"), "Array", b)
		return
	}
	if len(arr) == 0 {
		v.schema(join(loc, "Branches"), "At least one branch is required")
	}
	for i, br := range arr {
		bl := index(join(loc, "Branches"), i)
		bo, isObj := br.(*value.Object)
		if !isObj {
			v.wrongType(bl, "Object", br)
			continue
		}
		if bo.Has("ProcessorConfig") {
			v.schema(bl, "Field 'ProcessorConfig' is not supported")
		}
		v.machine(bo, bl, false, v.topLang)
	}
}

func (v *validator) mapState(st *value.Object, loc, lang string) {
	n := v.exclusive(st, loc, "ItemProcessor", "Iterator")
	if n == 0 {
		v.schema(loc, "These fields are required: [ItemProcessor]")
	}
	v.exclusive(st, loc, "ItemSelector", "Parameters")
	if x, ok := st.Get("Items"); ok && lang == JSONata {
		if _, isArr := x.([]any); !isArr && !v.isExpression(x) {
			v.schema(join(loc, "Items"), "The value for the field 'Items' must be an array or a JSONata expression")
		}
	}
	v.exclusive(st, loc, "MaxConcurrency", "MaxConcurrencyPath")
	v.exclusive(st, loc, "ToleratedFailureCount", "ToleratedFailureCountPath")
	v.exclusive(st, loc, "ToleratedFailurePercentage", "ToleratedFailurePercentagePath")
	mode := "INLINE"
	for _, f := range []string{"ItemProcessor", "Iterator"} {
		p, ok := st.Get(f)
		if !ok {
			continue
		}
		pl := join(loc, f)
		po, isObj := p.(*value.Object)
		if !isObj {
			v.wrongType(pl, "Object", p)
			continue
		}
		if po.Has("QueryLanguage") {
			v.schema(pl, "Field 'QueryLanguage' is not supported")
		}
		if pc, ok := po.Get("ProcessorConfig"); ok {
			pco, isObj := pc.(*value.Object)
			if !isObj {
				v.wrongType(join(pl, "ProcessorConfig"), "Object", pc)
			} else {
				for _, mem := range pco.Members() {
					switch mem.Key {
					case "Mode":
						if s, _ := mem.Value.(string); s != "INLINE" && s != "DISTRIBUTED" {
							v.schema(join(join(pl, "ProcessorConfig"), "Mode"), "The value for the field 'Mode' must be one of [INLINE, DISTRIBUTED]")
							v.hint(valueHint(mem.Value, "INLINE", "DISTRIBUTED"))
						} else {
							mode = s
						}
					case "ExecutionType":
						if s, _ := mem.Value.(string); s != "STANDARD" && s != "EXPRESS" {
							v.schema(join(join(pl, "ProcessorConfig"), "ExecutionType"), "The value for the field 'ExecutionType' must be one of [STANDARD, EXPRESS]")
							v.hint(valueHint(mem.Value, "STANDARD", "EXPRESS"))
						}
					default:
						v.unsupported(join(pl, "ProcessorConfig"), mem.Key, []string{"Mode", "ExecutionType"})
					}
				}
			}
		}
		sub := value.NewBuilder(po.Len())
		for _, mem := range po.Members() {
			if mem.Key != "ProcessorConfig" && mem.Key != "QueryLanguage" {
				sub.Set(mem.Key, mem.Value)
			}
		}
		v.machine(sub.Object(), pl, false, v.topLang)
	}
	if mode != "DISTRIBUTED" {
		for _, f := range []string{"ItemReader", "ItemBatcher", "ResultWriter"} {
			if st.Has(f) {
				v.schema(loc, "Field '%s' is only supported for the 'DISTRIBUTED' Map mode", f)
			}
		}
	} else {
		v.distributedFields(st, loc, lang)
	}
	if lang == JSONPath {
		v.referencePathField(st, loc, "ItemsPath", true)
		if x, ok := st.Get("ItemSelector"); ok {
			v.template(x, join(loc, "ItemSelector"), false)
		}
		v.referencePathField(st, loc, "MaxConcurrencyPath", false)
		v.referencePathField(st, loc, "ToleratedFailureCountPath", false)
		v.referencePathField(st, loc, "ToleratedFailurePercentagePath", false)
	}
	if x, ok := st.Get("MaxConcurrency"); ok && !(lang == JSONata && v.isExpression(x)) {
		v.positiveInt(join(loc, "MaxConcurrency"), x, 0, 0)
	}
	if x, ok := st.Get("ToleratedFailureCount"); ok && !(lang == JSONata && v.isExpression(x)) {
		v.positiveInt(join(loc, "ToleratedFailureCount"), x, 0, 0)
	}
	if x, ok := st.Get("ToleratedFailurePercentage"); ok && !(lang == JSONata && v.isExpression(x)) {
		n, isNum := x.(value.Number)
		switch {
		case !isNum:
			v.wrongType(join(loc, "ToleratedFailurePercentage"), "Number", x)
		case n.Float64() < 0:
			v.schema(join(loc, "ToleratedFailurePercentage"), "Minimum value is 0.0")
		case n.Float64() > 100:
			v.schema(join(loc, "ToleratedFailurePercentage"), "Maximum value is 100.0")
		}
	}
	if x, ok := st.Get("Label"); ok {
		s, isStr := x.(string)
		if !isStr {
			v.wrongType(join(loc, "Label"), "String", x)
		} else if len([]rune(s)) > 40 {
			v.schema(join(loc, "Label"), "Maximum length is 40")
		}
	}
}

func (v *validator) retry(st *value.Object, loc, lang string) {
	r, ok := st.Get("Retry")
	if !ok {
		return
	}
	arr, isArr := r.([]any)
	if !isArr {
		v.wrongType(join(loc, "Retry"), "Array", r)
		return
	}
	for i, x := range arr {
		rl := index(join(loc, "Retry"), i)
		ro, isObj := x.(*value.Object)
		if !isObj {
			v.wrongType(rl, "Object", x)
			continue
		}
		for _, mem := range ro.Members() {
			switch mem.Key {
			case "ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds", "JitterStrategy", "Comment":
			default:
				v.unsupported(rl, mem.Key, []string{"ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds", "JitterStrategy", "Comment"})
			}
		}
		v.errorEquals(ro, rl, i == len(arr)-1, "Retry")
		if x, ok := ro.Get("IntervalSeconds"); ok {
			v.positiveInt(join(rl, "IntervalSeconds"), x, 1, 99999999)
		}
		if x, ok := ro.Get("MaxAttempts"); ok {
			v.positiveInt(join(rl, "MaxAttempts"), x, 0, 99999999)
		}
		if x, ok := ro.Get("MaxDelaySeconds"); ok {
			v.positiveInt(join(rl, "MaxDelaySeconds"), x, 1, 31622400)
		}
		if x, ok := ro.Get("BackoffRate"); ok {
			n, isNum := x.(value.Number)
			if !isNum {
				v.wrongType(join(rl, "BackoffRate"), "Number", x)
			} else if n.Float64() < 1 {
				v.schema(join(rl, "BackoffRate"), "Minimum value is 1.0")
			}
		}
		if x, ok := ro.Get("JitterStrategy"); ok {
			if s, _ := x.(string); s != "FULL" && s != "NONE" {
				v.schema(join(rl, "JitterStrategy"), "The value for the field 'JitterStrategy' must be one of [FULL, NONE]")
				v.hint(valueHint(x, "FULL", "NONE"))
			}
		}
	}
}

func (v *validator) catch(st *value.Object, loc, lang string) {
	c, ok := st.Get("Catch")
	if !ok {
		return
	}
	arr, isArr := c.([]any)
	if !isArr {
		v.wrongType(join(loc, "Catch"), "Array", c)
		return
	}
	for i, x := range arr {
		cl := index(join(loc, "Catch"), i)
		co, isObj := x.(*value.Object)
		if !isObj {
			v.wrongType(cl, "Object", x)
			continue
		}
		for _, mem := range co.Members() {
			switch mem.Key {
			case "ErrorEquals", "Next", "Comment", "Assign":
			case "ResultPath":
				if lang == JSONata {
					v.schema(cl, "The QueryLanguage is set to 'JSONata', but field 'ResultPath' is only supported for the 'JSONPath' QueryLanguage")
				}
			case "Output":
				if lang == JSONPath {
					v.schema(cl, "The QueryLanguage is set to 'JSONPath', but field 'Output' is only supported for the 'JSONata' QueryLanguage")
				}
			default:
				v.unsupported(cl, mem.Key, []string{"ErrorEquals", "Next", "ResultPath", "Output", "Assign", "Comment"})
			}
		}
		v.errorEquals(co, cl, i == len(arr)-1, "Catch")
		if a, ok := co.Get("Assign"); ok {
			v.assign(a, join(cl, "Assign"), lang)
		}
		if next, ok := co.Get("Next"); !ok {
			v.schema(cl, "These fields are required: [Next]")
		} else if _, isStr := next.(string); !isStr {
			v.wrongType(join(cl, "Next"), "String", next)
		}
		if lang == JSONPath {
			v.pathOrNull(co, cl, "ResultPath", true)
		}
	}
}

func (v *validator) errorEquals(o *value.Object, loc string, last bool, kind string) {
	ee, ok := o.Get("ErrorEquals")
	if !ok {
		v.schema(loc, "These fields are required: [ErrorEquals]")
		return
	}
	arr, isArr := ee.([]any)
	if !isArr {
		v.wrongType(join(loc, "ErrorEquals"), "Array", ee)
		return
	}
	if len(arr) == 0 {
		v.schema(join(loc, "ErrorEquals"), "At least one error name is required")
	}
	for i, e := range arr {
		s, isStr := e.(string)
		if !isStr {
			v.wrongType(index(join(loc, "ErrorEquals"), i), "String", e)
			continue
		}
		if s == "States.ALL" {
			if len(arr) > 1 {
				v.schema(join(loc, "ErrorEquals"), "States.ALL must appear alone in ErrorEquals")
			}
			if !last {
				v.schema(loc, "The %s with States.ALL must be the last one", map[string]string{"Retry": "retrier", "Catch": "catcher"}[kind])
			}
		}
	}
}

// ---- Choice ----------------------------------------------------------------

func (v *validator) choice(st *value.Object, loc, lang string) {
	c, ok := st.Get("Choices")
	if !ok {
		v.schema(loc, "These fields are required: [Choices]")
		return
	}
	arr, isArr := c.([]any)
	if !isArr {
		v.wrongType(join(loc, "Choices"), "Array", c)
		return
	}
	if len(arr) == 0 {
		v.schema(join(loc, "Choices"), "At least one choice rule is required")
	}
	if d, ok := st.Get("Default"); ok {
		if _, isStr := d.(string); !isStr {
			v.wrongType(join(loc, "Default"), "String", d)
		}
	}
	for i, r := range arr {
		rl := index(join(loc, "Choices"), i)
		ro, isObj := r.(*value.Object)
		if !isObj {
			v.wrongType(rl, "Object", r)
			continue
		}
		v.choiceRule(ro, rl, true, lang)
	}
}

func (v *validator) choiceRule(r *value.Object, loc string, top bool, lang string) {
	if top {
		if next, ok := r.Get("Next"); !ok {
			v.schema(loc, "These fields are required: [Next]")
		} else if _, isStr := next.(string); !isStr {
			v.wrongType(join(loc, "Next"), "String", next)
		}
	} else if r.Has("Next") {
		v.schema(loc, "Field 'Next' is not supported")
	}
	if lang == JSONata {
		cond, ok := r.Get("Condition")
		if !ok {
			v.schema(loc, "These fields are required: [Condition]")
		} else if _, isBool := cond.(bool); !isBool && !v.isExpression(cond) {
			v.schema(join(loc, "Condition"), "The value for the field 'Condition' must be a JSONata expression or a boolean")
		}
		for _, mem := range r.Members() {
			switch mem.Key {
			case "Assign":
				v.assign(mem.Value, join(loc, "Assign"), lang)
			case "Condition", "Next", "Comment", "Output":
			default:
				v.unsupported(loc, mem.Key, []string{"Condition", "Next", "Comment", "Output", "Assign"})
			}
		}
		return
	}
	var ops []string
	for _, mem := range r.Members() {
		switch mem.Key {
		case "Next", "Comment", "Variable":
		case "Assign":
			if !top {
				v.schema(loc, "Field 'Assign' is not supported")
			} else {
				v.assign(mem.Value, join(loc, "Assign"), lang)
			}
		case "And", "Or", "Not":
			ops = append(ops, mem.Key)
		case "Condition", "Output":
			v.schema(loc, "The QueryLanguage is set to 'JSONPath', but field '%s' is only supported for the 'JSONata' QueryLanguage", mem.Key)
		default:
			if _, isOp := comparisons[mem.Key]; isOp {
				ops = append(ops, mem.Key)
			} else {
				v.unsupported(loc, mem.Key, choiceRuleFields)
			}
		}
	}
	if len(ops) == 0 {
		v.schema(loc, "A choice rule must have exactly one comparison operator or And, Or, Not")
		return
	}
	if len(ops) > 1 {
		sort.Strings(ops)
		v.schema(loc, "There should only be one of the following fields: [%s]", strings.Join(ops, ", "))
		return
	}
	op := ops[0]
	x, _ := r.Get(op)
	switch op {
	case "And", "Or":
		arr, isArr := x.([]any)
		if !isArr || len(arr) == 0 {
			v.schema(join(loc, op), "The value for the field '%s' must be a non-empty array of choice rules", op)
			return
		}
		if r.Has("Variable") {
			v.schema(loc, "Field 'Variable' is not supported")
		}
		for i, sub := range arr {
			so, isObj := sub.(*value.Object)
			if !isObj {
				v.wrongType(index(join(loc, op), i), "Object", sub)
				continue
			}
			v.choiceRule(so, index(join(loc, op), i), false, lang)
		}
		return
	case "Not":
		so, isObj := x.(*value.Object)
		if !isObj {
			v.wrongType(join(loc, op), "Object", x)
			return
		}
		if r.Has("Variable") {
			v.schema(loc, "Field 'Variable' is not supported")
		}
		v.choiceRule(so, join(loc, op), false, lang)
		return
	}
	vr, ok := r.Get("Variable")
	if !ok {
		v.schema(loc, "These fields are required: [Variable]")
	} else if s, isStr := vr.(string); !isStr {
		v.wrongType(join(loc, "Variable"), "String", vr)
	} else {
		v.checkPath(join(loc, "Variable"), s, false, true)
	}
	ol := join(loc, op)
	switch comparisons[op] {
	case "string":
		if _, isStr := x.(string); !isStr {
			v.wrongType(ol, "String", x)
		}
	case "number":
		if _, isNum := x.(value.Number); !isNum {
			v.wrongType(ol, "Number", x)
		}
	case "boolean":
		if _, isBool := x.(bool); !isBool {
			v.wrongType(ol, "Boolean", x)
		}
	case "timestamp":
		s, isStr := x.(string)
		if !isStr {
			v.wrongType(ol, "String", x)
		} else if _, ok := ParseTimestamp(s); !ok {
			v.schema(ol, "String does not match RFC3339 timestamp")
		}
	case "path":
		s, isStr := x.(string)
		if !isStr {
			v.wrongType(ol, "String", x)
		} else {
			v.checkPath(ol, s, false, true)
		}
	}
}

// ParseTimestamp parses an RFC 3339 timestamp as AWS accepts it: a 'T'
// between date and time, and a zone ('Z' or an offset).
func ParseTimestamp(s string) (time.Time, bool) {
	if len(s) < 20 || (s[10] != 'T' && s[10] != 't') {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}
