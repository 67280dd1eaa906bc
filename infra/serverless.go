package infra

import (
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/baton-sh/baton/eventpattern"
	"github.com/baton-sh/baton/trigger"
)

// serverless.yml with the serverless-step-functions plugin. The file
// stands for the CloudFormation template the framework would make of it:
// its functions, activities and state machines become resources under the
// logical IDs the framework gives them, beside resources.Resources, so
// that Ref, Fn::GetAtt and #{...} resolve as they would once deployed.
// Variables (${self:...}, ${opt:...}, ${env:...}, ${file(...)}, ...) are
// resolved where they are read.

type serverless struct {
	root    *node
	dir     string
	o       Options
	stage   string
	region  string
	service string
	// ids maps the plugin's short names (a function's key, a state
	// machine's key, an activity's name) to logical IDs.
	ids   map[string]string
	files map[string]*node
}

func (s *serverless) logicalID(name string) string {
	if id, ok := s.ids[name]; ok {
		return id
	}
	return name
}

// normalize is the framework's getNormalizedFunctionName: the first letter
// in upper case, - as Dash, _ as Underscore.
func normalize(name string) string {
	name = strings.ReplaceAll(name, "-", "Dash")
	name = strings.ReplaceAll(name, "_", "Underscore")
	if name == "" {
		return name
	}
	return strings.ToUpper(name[:1]) + name[1:]
}

// string resolves the variables of a string; a string that is one
// variable becomes its value, whatever it is (an object, a list).
// #{...} (serverless-pseudo-parameters) is Fn::Sub with # for $.
func (s *serverless) string(t *template, n *node, depth int) (*node, error) {
	text := n.text
	if !strings.Contains(text, "${") && !strings.Contains(text, "#{") {
		return n, nil
	}
	v, err := s.resolve(t, n, depth)
	if err != nil {
		return nil, err
	}
	if v.kind != strNode {
		return t.eval(v, depth+1)
	}
	if strings.Contains(v.text, "#{") {
		out, err := t.sub(v.text, nil, '#', n, depth)
		if err != nil {
			return nil, err
		}
		return str(out, n.line), nil
	}
	return v, nil
}

// resolve replaces the variables of a string, innermost first (an address
// may hold a variable: ${self:custom.${opt:stage}}).
func (s *serverless) resolve(t *template, n *node, depth int) (*node, error) {
	text := n.text
	for iter := 0; ; iter++ {
		if iter > 256 || depth > maxDepth {
			return nil, errAt(n, "%q has too many variables, or variables that refer to themselves", n.text)
		}
		t.steps++
		if t.steps > maxSteps {
			return nil, errAt(n, "evaluating this file takes too many steps (variables that refer to themselves?)")
		}
		start, end := -1, -1
		for i := 0; i < len(text); i++ {
			if text[i] == '$' && i+1 < len(text) && text[i+1] == '{' {
				start = i
				i++
				continue
			}
			if text[i] == '}' && start >= 0 {
				end = i
				break
			}
		}
		if end < 0 {
			return str(text, n.line), nil
		}
		v, err := s.variable(t, text[start+2:end], n, depth+1)
		if err != nil {
			return nil, err
		}
		if start == 0 && end == len(text)-1 {
			if v.kind == strNode && strings.Contains(v.text, "${") {
				text = v.text
				continue
			}
			return v, nil
		}
		if !v.isScalar() {
			return nil, errAt(n, "${%s} is %s: it cannot be part of a string", text[start+2:end], v.describe())
		}
		text = text[:start] + v.text + text[end+1:]
		if len(text) > maxText {
			return nil, errAt(n, "variables make a string longer than %d bytes", maxText)
		}
	}
}

// variable is the value of one variable: its sources in turn, the first
// that has a value.
func (s *serverless) variable(t *template, inner string, at *node, depth int) (*node, error) {
	for _, src := range splitSources(inner) {
		v, ok, err := s.source(t, strings.TrimSpace(src), at, depth)
		if err != nil {
			return nil, err
		}
		if ok {
			return v, nil
		}
	}
	return nil, errAt(at, "${%s} has no value%s", inner, hint(inner))
}

func hint(inner string) string {
	switch {
	case strings.HasPrefix(inner, "opt:stage"):
		return ": give --stage, or a default (${opt:stage, 'dev'})"
	case strings.HasPrefix(inner, "opt:"):
		return ": Baton takes --stage and --region, no other options; give a default"
	case strings.HasPrefix(inner, "env:"):
		return ": set the environment variable or give a default"
	case strings.HasPrefix(inner, "param:"):
		name, _, _ := strings.Cut(strings.TrimPrefix(inner, "param:"), ",")
		return ": give --param " + strings.TrimSpace(name) + "=VALUE"
	}
	return ""
}

// splitSources splits a variable at its top-level commas: ${a, b, 'c'}.
func splitSources(s string) []string {
	var out []string
	depth, quote, last := 0, byte(0), 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == ',' && depth == 0:
			out = append(out, s[last:i])
			last = i + 1
		}
	}
	return append(out, s[last:])
}

func (s *serverless) source(t *template, src string, at *node, depth int) (*node, bool, error) {
	line := at.line
	if len(src) >= 2 && (src[0] == '\'' || src[0] == '"') && src[len(src)-1] == src[0] {
		return str(src[1:len(src)-1], line), true, nil
	}
	if src == "true" || src == "false" {
		return &node{kind: boolNode, text: src, line: line}, true, nil
	}
	if _, err := strconv.ParseFloat(src, 64); err == nil && json.Valid([]byte(src)) {
		return &node{kind: numNode, text: src, line: line}, true, nil
	}
	kind, addr, _ := strings.Cut(src, ":")
	switch {
	case kind == "self":
		v, err := s.path(t, s.root, addr, at, depth)
		return v, v != nil, err
	case kind == "opt":
		switch addr {
		case "stage":
			return str(s.o.Stage, line), s.o.Stage != "", nil
		case "region":
			return str(s.o.Region, line), s.o.regionGiven, nil
		}
		return nil, false, nil
	case kind == "env":
		v, ok := s.o.Env(addr)
		return str(v, line), ok, nil
	case kind == "param":
		v, ok := s.o.Params[addr]
		return str(v, line), ok, nil
	case kind == "sls" && addr == "stage":
		return str(s.stage, line), true, nil
	case kind == "aws" && addr == "region":
		return str(s.region, line), true, nil
	case kind == "aws" && addr == "accountId":
		return str(s.o.Account, line), true, nil
	case strings.HasPrefix(src, "file("):
		return s.file(t, src, at, depth)
	case kind == "ssm" || kind == "cf" || kind == "s3" || kind == "aws" || strings.HasPrefix(src, "cf(") || strings.HasPrefix(src, "ssm("):
		return nil, false, errAt(at, "${%s} is read from AWS, which cannot be known locally", src)
	}
	return nil, false, errAt(at, "${%s}: Baton does not know this kind of variable (it knows self:, opt:stage, opt:region, env:, param:, sls:stage, aws:region, aws:accountId, file())", src)
}

// file is ${file(path)} or ${file(path):a.b}: a JSON or YAML file beside
// serverless.yml, or a value in it.
func (s *serverless) file(t *template, src string, at *node, depth int) (*node, bool, error) {
	end := strings.Index(src, ")")
	if end < 0 {
		return nil, false, errAt(at, "${%s}: the file's name has no closing parenthesis", src)
	}
	name := strings.Trim(strings.TrimSpace(src[len("file("):end]), `'"`)
	addr := strings.TrimPrefix(src[end+1:], ":")
	path := name
	if !filepath.IsAbs(path) {
		path = filepath.Join(s.dir, path)
	}
	root, ok := s.files[path]
	if !ok {
		ext := strings.ToLower(filepath.Ext(path))
		if ext != ".yml" && ext != ".yaml" && ext != ".json" {
			return nil, false, errAt(at, "${file(%s)}: Baton reads JSON and YAML files only", name)
		}
		data, err := s.o.ReadFile(path)
		if err != nil {
			return nil, false, errAt(at, "${file(%s)}: %v", name, err)
		}
		if root, err = parseDoc(data); err != nil {
			return nil, false, errAt(at, "${file(%s)}: %v", name, err)
		}
		if len(s.files) > 64 {
			return nil, false, errAt(at, "${file(%s)}: more than 64 files", name)
		}
		s.files[path] = root
	}
	if addr == "" {
		return root, true, nil
	}
	v, err := s.path(t, root, addr, at, depth)
	return v, v != nil, err
}

// path walks a dotted path from a node, resolving the variables it meets
// on the way (custom: ${file(custom.yml)}). nil: nothing there.
func (s *serverless) path(t *template, from *node, addr string, at *node, depth int) (*node, error) {
	n := from
	if addr == "" {
		return n, nil
	}
	for _, seg := range strings.Split(addr, ".") {
		var err error
		if n, err = s.shallow(t, n, depth); err != nil {
			return nil, err
		}
		switch n.kind {
		case mapNode:
			n = n.get(seg)
		case seqNode:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(n.vals) {
				return nil, nil
			}
			n = n.vals[i]
		default:
			return nil, nil
		}
		if n == nil {
			return nil, nil
		}
	}
	return s.shallow(t, n, depth)
}

// shallow resolves a node that is a string of variables, so that it can
// be walked into; other nodes are as they are.
func (s *serverless) shallow(t *template, n *node, depth int) (*node, error) {
	for i := 0; n != nil && n.kind == strNode && strings.Contains(n.text, "${"); i++ {
		if i > 64 || depth > maxDepth {
			return nil, errAt(n, "%q refers to itself", n.text)
		}
		v, err := s.resolve(t, n, depth+1)
		if err != nil {
			return nil, err
		}
		if v.kind == strNode && v.text == n.text {
			break
		}
		n = v
		depth++
	}
	return n, nil
}

// field is a key of a map of the file, its variables resolved shallowly.
func (s *serverless) field(t *template, n *node, key string, path string) *node {
	v, err := s.shallow(t, n.get(key), 0)
	if err != nil {
		t.report(err, n.get(key), path+"."+key, "")
		return nil
	}
	return v
}

func loadServerless(f *File, root *node, o Options) {
	s := &serverless{root: root, dir: filepath.Dir(f.Path), o: o, ids: map[string]string{}, files: map[string]*node{}}
	t := newTemplate(f, f.Path, &node{kind: mapNode}, o)
	t.sls = s
	text := func(n *node, path string) string {
		if n == nil {
			return ""
		}
		v, err := t.evalString(n, 0, path)
		if err != nil {
			t.report(err, n, path, "")
		}
		return v
	}
	provider := s.field(t, root, "provider", "")
	s.stage = o.Stage
	if s.stage == "" {
		s.stage = text(provider.get("stage"), "provider.stage")
	}
	if s.stage == "" {
		s.stage = "dev"
	}
	s.region = o.Region
	if !o.regionGiven {
		if r := text(provider.get("region"), "provider.region"); r != "" {
			s.region = r
		}
	}
	t.o.Region = s.region
	f.Region = s.region
	svc := s.field(t, root, "service", "")
	if svc != nil && svc.kind == mapNode {
		svc = svc.get("name")
	}
	s.service = text(svc, "service")
	if t.o.StackName == "" {
		t.o.StackName = s.service + "-" + s.stage
	}

	// resources: an object, or a list of objects merged.
	if res := s.field(t, root, "resources", ""); res != nil {
		parts := []*node{res}
		if res.kind == seqNode {
			parts = res.vals
		}
		for i, p := range parts {
			p, err := s.shallow(t, p, 0)
			if err != nil {
				t.report(err, parts[i], "resources", "")
				continue
			}
			t.addResources(s.field(t, p, "Resources", "resources"))
			for _, sec := range []struct {
				key string
				dst **node
			}{{"Conditions", &t.conditions}, {"Mappings", &t.mappings}, {"Parameters", &t.params}} {
				if v := p.get(sec.key); v != nil && v.kind == mapNode {
					if *sec.dst == nil {
						*sec.dst = &node{kind: mapNode}
					}
					for j, k := range v.keys {
						(*sec.dst).set(k, v.vals[j])
					}
				}
			}
		}
	}

	// Functions: service-stage-key unless named.
	if fns := s.field(t, root, "functions", ""); fns != nil && fns.kind == mapNode {
		for i, key := range fns.keys {
			fn, err := s.shallow(t, fns.vals[i], 0)
			if err != nil {
				t.report(err, fns.vals[i], "functions."+key, "")
				continue
			}
			name := s.service + "-" + s.stage + "-" + key
			if n := fn.get("name"); n != nil {
				name = text(n, "functions."+key+".name")
			}
			id := normalize(key) + "LambdaFunction"
			s.ids[key] = id
			t.addResources(&node{kind: mapNode, keys: []string{id}, vals: []*node{{kind: mapNode, line: fn.line,
				keys: []string{"Type", "Properties"},
				vals: []*node{str("AWS::Lambda::Function", fn.line), {kind: mapNode, keys: []string{"FunctionName"}, vals: []*node{str(name, fn.line)}}}}}})
			f.Functions = append(f.Functions, Function{ID: key, Name: name, ARN: t.arn("lambda", "function:"+name)})
		}
	}

	sf := s.field(t, root, "stepFunctions", "")
	if sf == nil {
		t.f.problem(Error, t.place(root.line, "stepFunctions"), "", "the file declares no stepFunctions: is the serverless-step-functions plugin's section missing?")
		return
	}
	if acts := s.field(t, sf, "activities", "stepFunctions"); acts != nil && acts.kind == seqNode {
		for i, a := range acts.vals {
			name := text(a, "stepFunctions.activities["+strconv.Itoa(i)+"]")
			if name == "" {
				continue // reported, or an empty name
			}
			id := normalize(name) + "StepFunctionsActivity"
			f.Activities = append(f.Activities, Activity{ID: name, Name: name, ARN: t.arn("states", "activity:"+name)})
			s.ids[name] = id
			t.addResources(&node{kind: mapNode, keys: []string{id}, vals: []*node{{kind: mapNode, line: a.line,
				keys: []string{"Type", "Properties"},
				vals: []*node{str("AWS::StepFunctions::Activity", a.line), {kind: mapNode, keys: []string{"Name"}, vals: []*node{str(name, a.line)}}}}}})
		}
	}
	sms := s.field(t, sf, "stateMachines", "stepFunctions")
	if sms == nil || sms.kind != mapNode {
		t.f.problem(Error, t.place(sf.line, "stepFunctions.stateMachines"), "", "stepFunctions declares no stateMachines")
		return
	}
	type decl struct {
		key  string
		n    *node
		name string
	}
	var decls []decl
	for i, key := range sms.keys {
		path := "stepFunctions.stateMachines." + key
		sm, err := s.shallow(t, sms.vals[i], 0)
		if err != nil || sm == nil || sm.kind != mapNode {
			if err == nil {
				err = errAt(sms.vals[i], "a state machine is an object")
			}
			t.report(err, sms.vals[i], path, "")
			continue
		}
		name := key
		if n := sm.get("name"); n != nil {
			if name = text(n, path+".name"); name == "" {
				t.f.problem(Error, t.place(n.line, path+".name"), "", "the state machine's name is empty")
				continue
			}
		}
		id := normalize(key) + "StepFunctionsStateMachine"
		if v := sm.get("id"); v != nil {
			id = normalize(text(v, path+".id"))
		} else if sm.get("name") != nil {
			id = normalize(name)
		}
		s.ids[key] = id
		t.addResources(&node{kind: mapNode, keys: []string{id}, vals: []*node{{kind: mapNode, line: sm.line,
			keys: []string{"Type", "Properties"},
			vals: []*node{str("AWS::StepFunctions::StateMachine", sm.line), {kind: mapNode, keys: []string{"StateMachineName"}, vals: []*node{str(name, sm.line)}}}}}})
		decls = append(decls, decl{key, sm, name})
	}
	var globalTags []Tag
	if provider != nil {
		globalTags = tagMap(s.evalField(t, provider, "tags", "provider"))
	}
	for _, d := range decls {
		s.machine(t, d.key, d.n, d.name, globalTags)
	}
}

// evalField evaluates a key of a map of the file (nil when absent or
// wrong, reported).
func (s *serverless) evalField(t *template, n *node, key, path string) *node {
	raw := n.get(key)
	if raw == nil {
		return nil
	}
	v, err := t.eval(raw, 0)
	if err != nil {
		t.report(err, raw, path+"."+key, "")
		return nil
	}
	return v
}

func (s *serverless) machine(t *template, key string, sm *node, name string, globalTags []Tag) {
	path := "stepFunctions.stateMachines." + key
	m := &Machine{Name: name, ID: key, Type: "STANDARD", Place: t.place(sm.line, path), ARN: t.arn("states", "stateMachine:"+name)}
	rd := t.reader(name, path)
	if typ := rd.str(sm, "type"); typ != "" {
		m.Type = strings.ToUpper(typ)
	}
	m.RoleARN = rd.str(sm, "role")
	if m.RoleARN == "" {
		m.RoleARN = "arn:" + t.partition() + ":iam::" + t.o.Account + ":role/" + s.service + "-" + s.stage + "-" + normalize(key) + "Role"
	}
	if def := rd.val(sm, "definition"); def != nil {
		switch def.kind {
		case mapNode:
			m.Definition = def.jsonText()
		case strNode:
			// A definition given as text (JSON, or YAML) is read as one.
			if n, err := parseDoc([]byte(def.text)); err == nil && n.kind == mapNode {
				m.Definition = n.jsonText()
			} else {
				rd.fail(errAt(def, "definition must be an object"), def, "definition")
			}
		default:
			rd.fail(errAt(def, "definition must be an object, not %s", def.describe()), def, "definition")
		}
	} else if sm.get("definition") == nil {
		rd.fail(errAt(sm, "the state machine has no definition"), sm, "")
	}
	if lc := rd.val(sm, "loggingConfig"); lc != nil {
		m.Logging = slsLogging(lc)
	}
	if tc := rd.val(sm, "tracingConfig"); tc != nil {
		m.Tracing = json.RawMessage(tc.jsonText())
	}
	inherit := true
	if v := rd.val(sm, "inheritGlobalTags"); v != nil {
		inherit, _ = v.truthy()
	}
	own := tagMap(rd.val(sm, "tags"))
	if inherit {
		for _, g := range globalTags {
			overridden := false
			for _, o := range own {
				overridden = overridden || o.Key == g.Key
			}
			if !overridden {
				m.Tags = append(m.Tags, g)
			}
		}
	}
	m.Tags = append(m.Tags, own...)
	for _, k := range []string{"notifications", "alarms"} {
		if v := sm.get(k); v != nil {
			t.f.problem(Warning, t.place(v.line, path+"."+k), name, "%s are not carried out by Baton", k)
		}
	}
	t.f.Machines = append(t.f.Machines, m)
	if evs := s.field(t, sm, "events", path); evs != nil && evs.kind == seqNode {
		for i, ev := range evs.vals {
			s.event(t, m, ev, path+".events["+strconv.Itoa(i)+"]", i)
		}
	}
}

// slsLogging turns the plugin's loggingConfig (destinations are log group
// ARNs) into the API's loggingConfiguration.
func slsLogging(lc *node) json.RawMessage {
	out := &node{kind: mapNode, line: lc.line}
	for i, k := range lc.keys {
		v := lc.vals[i]
		if k == "destinations" && v.kind == seqNode {
			ds := &node{kind: seqNode}
			for _, d := range v.vals {
				ds.vals = append(ds.vals, &node{kind: mapNode, keys: []string{"cloudWatchLogsLogGroup"},
					vals: []*node{{kind: mapNode, keys: []string{"logGroupArn"}, vals: []*node{d}}}})
			}
			v = ds
		}
		out.keys = append(out.keys, k)
		out.vals = append(out.vals, v)
	}
	return json.RawMessage(out.jsonText())
}

func (s *serverless) event(t *template, m *Machine, ev *node, path string, index int) {
	ev, err := s.shallow(t, ev, 0)
	if err != nil || ev.kind != mapNode || len(ev.keys) != 1 {
		if err == nil {
			err = errAt(ev, "an event is an object with one key: http, schedule, eventBridge or cloudwatchEvent")
		}
		t.report(err, ev, path, m.Name)
		return
	}
	kind := ev.keys[0]
	body, err := t.eval(ev.vals[0], 0)
	if err != nil {
		t.report(err, ev.vals[0], path+"."+kind, m.Name)
		return
	}
	path += "." + kind
	rd := t.reader(m.Name, path)
	src := t.place(ev.line, path).String()
	switch kind {
	case "schedule":
		s.schedule(t, m, rd, body, src, index)
	case "http":
		if body.kind == strNode { // "POST path" shorthand
			method, p, _ := strings.Cut(strings.TrimSpace(body.text), " ")
			body = &node{kind: mapNode, line: body.line, keys: []string{"method", "path"}, vals: []*node{str(method, body.line), str(strings.TrimSpace(p), body.line)}}
		}
		p, method := body.get("path").str(), strings.ToUpper(body.get("method").str())
		if p == "" || method == "" {
			rd.fail(errAt(body, "an http event needs path and method"), body, "")
			return
		}
		sync := false
		switch a := body.get("action").str(); a {
		case "", "StartExecution":
		case "StartSyncExecution":
			sync = true
			if m.Type != "EXPRESS" {
				rd.fail(errAt(body.get("action"), "StartSyncExecution runs EXPRESS state machines only"), body.get("action"), "action")
				return
			}
		default:
			rd.fail(errAt(body.get("action"), "the action %s does not start an execution: Baton's HTTP triggers start them (StartExecution, StartSyncExecution)", a), body.get("action"), "action")
			return
		}
		for _, k := range []string{"authorizer", "private", "request", "response", "cors"} {
			if v := body.get(k); v != nil {
				t.f.problem(Warning, t.place(v.line, path+"."+k), m.Name, "%s is not carried out by Baton: the route starts executions without it", k)
			}
		}
		if !strings.HasPrefix(p, "/") {
			p = "/" + p
		}
		t.f.Triggers.HTTP = append(t.f.Triggers.HTTP, trigger.HTTP{Target: trigger.Target{StateMachine: m.Name}, Method: method, Path: p, Sync: sync, Source: src})
	case "eventBridge", "cloudwatchEvent":
		if body.kind != mapNode {
			rd.fail(errAt(body, "%s takes an object", kind), body, "")
			return
		}
		pattern := body.get("event")
		if pattern == nil {
			pattern = body.get("pattern")
		}
		if pattern == nil || pattern.kind != mapNode {
			rd.fail(errAt(body, "%s needs event: the event pattern", kind), body, "")
			return
		}
		name := body.get("name").str()
		if name == "" {
			name = m.ID + "-" + kind + "-" + strconv.Itoa(index+1)
		}
		bus := busName(body.get("eventBusName").str())
		tr := eventpattern.Target{InputPath: body.get("inputPath").str()}
		if in := body.get("input"); in != nil {
			tr.Input = inputJSON(rd, in)
		}
		if it := body.get("inputTransformer"); it != nil {
			tr.InputTransformer = &eventpattern.InputTransformer{InputTemplate: it.get("inputTemplate").str()}
			if pm := it.get("inputPathsMap"); pm != nil && pm.kind == mapNode {
				tr.InputTransformer.InputPathsMap = map[string]string{}
				for i, k := range pm.keys {
					tr.InputTransformer.InputPathsMap[k] = pm.vals[i].str()
				}
			}
		}
		if _, err := eventpattern.CompileTarget(tr); err != nil {
			rd.fail(errAt(body, "%v", err), body, "")
			return
		}
		enabled := true
		if v := body.get("enabled"); v != nil {
			enabled, _ = v.truthy()
		}
		if rd.failed || !rd.checkPattern(pattern, "event", pattern.jsonText()) {
			return
		}
		t.f.Triggers.Rules = append(t.f.Triggers.Rules, trigger.Rule{Name: name, EventBus: bus, Pattern: pattern.jsonText(), Target: trigger.Target{StateMachine: m.Name},
			Transform: tr, Disabled: !enabled, Source: src})
	default:
		t.f.problem(Error, t.place(ev.line, path), m.Name, "the event %q is not one Baton knows for a state machine (http, schedule, eventBridge, cloudwatchEvent)", kind)
	}
}

// inputJSON is an event's input: an object as JSON, a string as it is
// (JSON already).
func inputJSON(rd *reader, in *node) string {
	if in.kind == strNode {
		if !json.Valid([]byte(in.text)) {
			rd.fail(errAt(in, "input is not JSON"), in, "input")
			return ""
		}
		return in.text
	}
	return in.jsonText()
}

func (s *serverless) schedule(t *template, m *Machine, rd *reader, body *node, src string, index int) {
	var rates []*node
	name, input, tz := "", "", ""
	enabled := true
	switch body.kind {
	case strNode:
		rates = []*node{body}
	case mapNode:
		r := body.get("rate")
		if r != nil && r.kind == seqNode {
			rates = r.vals
		} else if r != nil {
			rates = []*node{r}
		}
		name = body.get("name").str()
		tz = body.get("timezone").str()
		if v := body.get("enabled"); v != nil {
			enabled, _ = v.truthy()
		}
		if in := body.get("input"); in != nil {
			input = inputJSON(rd, in)
		}
		for _, k := range []string{"inputPath", "inputTransformer"} {
			if v := body.get(k); v != nil {
				rd.fail(errAt(v, "%s is not supported on a schedule: Baton starts scheduled executions with a constant input (input)", k), v, k)
			}
		}
	}
	if len(rates) == 0 {
		rd.fail(errAt(body, "a schedule needs rate: rate(...) or cron(...)"), body, "")
		return
	}
	if rd.failed {
		return
	}
	for j, r := range rates {
		n := name
		if n == "" {
			n = m.ID + "-schedule-" + strconv.Itoa(index+1)
		}
		if len(rates) > 1 {
			n += "-" + strconv.Itoa(j+1)
		}
		if !rd.checkSchedule(r, "rate", r.text, tz, time.Time{}, time.Time{}) {
			continue
		}
		t.f.Triggers.Schedules = append(t.f.Triggers.Schedules, trigger.Schedule{Name: n, Target: trigger.Target{StateMachine: m.Name, Input: input},
			Expression: r.text, Timezone: tz, Disabled: !enabled, Source: src})
	}
}
