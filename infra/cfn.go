package infra

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"
)

// CloudFormation and SAM: the state machines, functions, versions,
// aliases and triggers a template's Resources declare.

// reader evaluates the properties of one declaration, recording every
// problem at its place and going on.
type reader struct {
	t       *template
	machine string
	path    string
	failed  bool
}

func (t *template) reader(machine, path string) *reader {
	return &reader{t: t, machine: machine, path: path}
}

func (rd *reader) fail(err error, at *node, key string) {
	rd.failed = true
	p := rd.path
	if key != "" {
		p += "." + key
	}
	rd.t.report(err, at, p, rd.machine)
}

// val is the evaluated property key of n, or nil when it is absent or
// could not be evaluated.
func (rd *reader) val(n *node, key string) *node {
	raw := n.get(key)
	if raw == nil {
		return nil
	}
	v, err := rd.t.eval(raw, 0)
	if err != nil {
		rd.fail(err, raw, key)
		return nil
	}
	if v == noValue {
		return nil
	}
	return v
}

// str is the evaluated property key of n as a string ("" when absent).
func (rd *reader) str(n *node, key string) string {
	v := rd.val(n, key)
	if v == nil {
		return ""
	}
	if !v.isScalar() {
		rd.fail(errAt(v, "%s must be a string, not %s", key, v.describe()), v, key)
		return ""
	}
	return v.text
}

// json is the evaluated property key of n as JSON text: an object as it
// is, a string taken to be JSON already.
func (rd *reader) json(n *node, key string) string {
	v := rd.val(n, key)
	if v == nil {
		return ""
	}
	if v.kind == strNode {
		if !json.Valid([]byte(v.text)) {
			rd.fail(errAt(v, "%s is not JSON", key), v, key)
			return ""
		}
		return v.text
	}
	return v.jsonText()
}

// enabled reads a State (ENABLED/DISABLED) or an Enabled boolean.
func (rd *reader) enabled(n *node) bool {
	if s := rd.str(n, "State"); s != "" {
		return s != "DISABLED"
	}
	if v := rd.val(n, "Enabled"); v != nil {
		b, _ := v.truthy()
		return b
	}
	return true
}

func (t *template) load() {
	machines := map[string]*Machine{} // by logical ID
	for _, id := range t.order {
		r := t.res[id]
		if !t.exists(r) {
			continue
		}
		switch r.typ {
		case "AWS::StepFunctions::StateMachine", "AWS::Serverless::StateMachine":
			if m := t.machine(r); m != nil {
				machines[id] = m
			}
		case "AWS::Lambda::Function", "AWS::Serverless::Function":
			t.function(r)
		case "AWS::StepFunctions::Activity":
			t.activity(r)
		}
	}
	for _, id := range t.order {
		r := t.res[id]
		if !t.exists(r) {
			continue
		}
		switch r.typ {
		case "AWS::StepFunctions::StateMachineVersion":
			t.version(r)
		case "AWS::StepFunctions::StateMachineAlias":
			t.alias(r)
		case "AWS::Events::Rule":
			t.eventRule(r)
		case "AWS::Scheduler::Schedule":
			t.scheduler(r)
		case "AWS::Serverless::StateMachine":
			if m := machines[id]; m != nil {
				t.samEvents(r, m)
			}
		}
	}
}

// exists says whether a resource is created: its condition, if any, holds.
func (t *template) exists(r *resource) bool {
	if r.cond == "" {
		return true
	}
	ok, err := t.condition(r.cond, r.n, 0)
	if err != nil {
		t.report(err, r.n, "Resources."+r.id+".Condition", "")
		return false
	}
	return ok
}

func (t *template) function(r *resource) {
	name, err := t.attribute(r, "", r.n, 0)
	if err != nil {
		t.report(err, r.n, "Resources."+r.id, "")
		return
	}
	t.f.Functions = append(t.f.Functions, Function{ID: r.id, Name: name, ARN: t.arn("lambda", "function:"+name)})
}

func (t *template) activity(r *resource) {
	arn, err := t.attribute(r, "", r.n, 0)
	if err != nil {
		t.report(err, r.n, "Resources."+r.id, "")
		return
	}
	name, _ := t.physicalName(r, "Name", r.n, 0) // read already by attribute
	t.f.Activities = append(t.f.Activities, Activity{ID: r.id, Name: name, ARN: arn})
}

// machine reads an AWS::StepFunctions::StateMachine or an
// AWS::Serverless::StateMachine.
func (t *template) machine(r *resource) *Machine {
	sam := r.typ == "AWS::Serverless::StateMachine"
	path := "Resources." + r.id + ".Properties"
	name, err := t.attribute(r, "Name", r.n, 0)
	if err == nil && name == "" {
		err = errAt(r.n, "the state machine's name is empty")
	}
	if err != nil {
		t.report(err, r.n, path, "")
		return nil
	}
	m := &Machine{Name: name, ID: r.id, Type: "STANDARD", Place: t.place(r.n.line, "Resources."+r.id), ARN: t.arn("states", "stateMachine:"+name)}
	rd := t.reader(name, path)
	p := r.props
	if sam {
		if s := rd.str(p, "Type"); s != "" {
			m.Type = strings.ToUpper(s)
		}
		m.RoleARN = rd.str(p, "Role")
		m.Logging = camelJSON(rd.val(p, "Logging"))
		m.Tracing = camelJSON(rd.val(p, "Tracing"))
		m.Tags = tagMap(rd.val(p, "Tags"))
		if a := rd.str(p, "AutoPublishAlias"); a != "" {
			m.Publish = true
			m.Aliases = append(m.Aliases, Alias{Name: a})
			if dp := rd.val(p, "DeploymentPreference"); dp != nil {
				if typ := dp.get("Type").str(); typ != "" && typ != "ALL_AT_ONCE" {
					t.f.problem(Warning, t.place(dp.line, path+".DeploymentPreference"), name, "the %s deployment is done all at once: Baton moves the alias to the new version at once", typ)
				}
			}
		}
	} else {
		if s := rd.str(p, "StateMachineType"); s != "" {
			m.Type = strings.ToUpper(s)
		}
		m.RoleARN = rd.str(p, "RoleArn")
		m.Logging = camelJSON(rd.val(p, "LoggingConfiguration"))
		m.Tracing = camelJSON(rd.val(p, "TracingConfiguration"))
		m.Tags = tagList(rd.val(p, "Tags"))
	}
	if m.RoleARN == "" {
		// Baton runs no task under a role; CreateStateMachine still wants
		// one, so a role the deployment would create stands in.
		m.RoleARN = "arn:" + t.partition() + ":iam::" + t.o.Account + ":role/" + r.id + "Role"
	}
	m.Definition = t.definition(rd, p, sam)
	t.f.Machines = append(t.f.Machines, m)
	return m
}

// definition is a machine's definition as JSON text, its substitutions
// made.
func (t *template) definition(rd *reader, p *node, sam bool) string {
	var text string
	switch {
	case p.get("Definition") != nil:
		v := rd.val(p, "Definition")
		switch {
		case v == nil:
			return ""
		case v.kind == mapNode:
			text = v.jsonText()
		default:
			rd.fail(errAt(v, "Definition must be an object, not %s", v.describe()), v, "Definition")
			return ""
		}
	case p.get("DefinitionString") != nil && !sam:
		text = rd.str(p, "DefinitionString")
		if text == "" {
			return ""
		}
	case p.get("DefinitionUri") != nil && sam:
		v := rd.val(p, "DefinitionUri")
		if v == nil {
			return ""
		}
		if v.kind != strNode {
			rd.fail(errAt(v, "DefinitionUri names an object in S3, which cannot be read locally: name a local file"), v, "DefinitionUri")
			return ""
		}
		if text = t.readDefinition(rd, v); text == "" {
			return ""
		}
	case p.get("DefinitionS3Location") != nil:
		rd.fail(errAt(p.get("DefinitionS3Location"), "DefinitionS3Location names an object in S3, which cannot be read locally: use Definition or DefinitionString"), p.get("DefinitionS3Location"), "DefinitionS3Location")
		return ""
	default:
		what := "Definition or DefinitionString"
		if sam {
			what = "Definition or DefinitionUri"
		}
		rd.fail(errAt(p, "the state machine has no definition: give %s", what), p, "")
		return ""
	}
	subs := rd.val(p, "DefinitionSubstitutions")
	if subs == nil {
		return text
	}
	if subs.kind != mapNode {
		rd.fail(errAt(subs, "DefinitionSubstitutions must be an object"), subs, "DefinitionSubstitutions")
		return text
	}
	return substitute(text, subs, func(key string, v *node) {
		rd.fail(errAt(v, "the substitution %s is %s, not a string, number or boolean", key, v.describe()), v, "DefinitionSubstitutions."+key)
	})
}

// substitute replaces ${key} in a definition's JSON text with each
// substitution's value, escaped for the JSON string it usually stands in.
func substitute(text string, subs *node, bad func(string, *node)) string {
	for i, k := range subs.keys {
		v := subs.vals[i]
		if !v.isScalar() {
			bad(k, v)
			continue
		}
		q, _ := json.Marshal(v.text)
		esc := string(q[1 : len(q)-1])
		text = strings.ReplaceAll(text, "${"+k+"}", esc)
	}
	return text
}

// readDefinition reads a DefinitionUri: a local JSON or YAML file,
// relative to the template.
func (t *template) readDefinition(rd *reader, v *node) string {
	path := v.text
	if !filepath.IsAbs(path) {
		path = filepath.Join(t.dir, path)
	}
	data, err := t.o.ReadFile(path)
	if err != nil {
		rd.fail(errAt(v, "DefinitionUri: %v", err), v, "DefinitionUri")
		return ""
	}
	n, err := parseDoc(data)
	if err != nil {
		rd.fail(errAt(v, "DefinitionUri %s: %v", v.text, err), v, "DefinitionUri")
		return ""
	}
	if n.kind != mapNode {
		rd.fail(errAt(v, "DefinitionUri %s holds %s, not a definition", v.text, n.describe()), v, "DefinitionUri")
		return ""
	}
	return n.jsonText()
}

// camelJSON writes a CloudFormation configuration (LoggingConfiguration,
// TracingConfiguration) in the API's spelling: keys begin in lower case.
func camelJSON(v *node) json.RawMessage {
	if v == nil {
		return nil
	}
	return json.RawMessage(lowerKeys(v).jsonText())
}

func lowerKeys(v *node) *node {
	switch v.kind {
	case mapNode:
		out := &node{kind: mapNode, line: v.line}
		for i, k := range v.keys {
			out.keys = append(out.keys, lowerFirst(k))
			out.vals = append(out.vals, lowerKeys(v.vals[i]))
		}
		return out
	case seqNode:
		out := &node{kind: seqNode, line: v.line}
		for _, it := range v.vals {
			out.vals = append(out.vals, lowerKeys(it))
		}
		return out
	}
	return v
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}

// tagList reads CloudFormation's [{Key, Value}].
func tagList(v *node) []Tag {
	if v == nil || v.kind != seqNode {
		return nil
	}
	var tags []Tag
	for _, it := range v.vals {
		tags = append(tags, Tag{Key: it.get("Key").str(), Value: it.get("Value").str()})
	}
	return tags
}

// tagMap reads SAM's and serverless's {key: value}.
func tagMap(v *node) []Tag {
	if v == nil || v.kind != mapNode {
		return nil
	}
	var tags []Tag
	for i, k := range v.keys {
		tags = append(tags, Tag{Key: k, Value: v.vals[i].str()})
	}
	return tags
}

// machineOf is the machine of this file an ARN names.
func (t *template) machineOf(arn string) *Machine {
	for _, m := range t.f.Machines {
		if m.ARN == arn {
			return m
		}
	}
	return nil
}

func (t *template) version(r *resource) {
	path := "Resources." + r.id + ".Properties"
	rd := t.reader("", path)
	arn := rd.str(r.props, "StateMachineArn")
	if arn == "" {
		if !rd.failed {
			rd.fail(errAt(r.n, "a version needs StateMachineArn"), r.n, "")
		}
		return
	}
	m := t.machineOf(arn)
	if m == nil {
		rd.fail(errAt(r.props.get("StateMachineArn"), "%s is not a state machine of this template", arn), r.props.get("StateMachineArn"), "StateMachineArn")
		return
	}
	m.Publish = true
	m.VersionDescription = rd.str(r.props, "Description")
}

func (t *template) alias(r *resource) {
	path := "Resources." + r.id + ".Properties"
	v, err := t.aliasVersion(r)
	if err != nil {
		t.report(err, r.n, path, "")
		return
	}
	rd := t.reader("", path)
	m := t.machineOf(rd.str(v.props, "StateMachineArn"))
	if m == nil {
		return // the version reported it
	}
	name, err := t.physicalName(r, "Name", r.n, 0)
	if err != nil {
		t.report(err, r.n, path+".Name", m.Name)
		return
	}
	if dp := r.props.get("DeploymentPreference"); dp != nil {
		if typ := rd.str(dp, "Type"); typ != "" && typ != "ALL_AT_ONCE" {
			t.f.problem(Warning, t.place(dp.line, path+".DeploymentPreference"), m.Name, "the %s deployment is done all at once: Baton moves the alias to the new version at once", typ)
		}
	}
	m.Aliases = append(m.Aliases, Alias{Name: name, Description: rd.str(r.props, "Description")})
}
