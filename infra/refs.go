package infra

import (
	"path/filepath"
	"strings"
)

// template is a CloudFormation template (SAM's and CDK's included, and the
// one serverless.yml stands for) being resolved.
type template struct {
	f    *File
	file string // the path in messages
	dir  string // where the files it names are
	root *node
	o    Options

	params     *node
	conditions *node
	mappings   *node
	res        map[string]*resource
	order      []string // logical IDs in the file's order

	condDone map[string]bool
	condBusy map[string]bool
	paramVal map[string]*node
	nameDone map[string]string
	nameBusy map[string]bool
	steps    int

	// sls is set for a serverless.yml: its variables, and the plugin's
	// names for functions and state machines.
	sls *serverless
}

type resource struct {
	id    string
	typ   string
	props *node
	n     *node
	cond  string
}

func newTemplate(f *File, file string, root *node, o Options) *template {
	t := &template{f: f, file: file, dir: filepath.Dir(file), root: root, o: o,
		params: root.get("Parameters"), conditions: root.get("Conditions"), mappings: root.get("Mappings"),
		res: map[string]*resource{}, condDone: map[string]bool{}, condBusy: map[string]bool{},
		paramVal: map[string]*node{}, nameDone: map[string]string{}, nameBusy: map[string]bool{}}
	t.addResources(root.get("Resources"))
	return t
}

func (t *template) addResources(rs *node) {
	if rs == nil || rs.kind != mapNode {
		return
	}
	for i, id := range rs.keys {
		r := rs.vals[i]
		if _, dup := t.res[id]; dup {
			continue
		}
		typ := r.get("Type").str()
		t.res[id] = &resource{id: id, typ: typ, props: r.get("Properties"), n: r, cond: r.get("Condition").str()}
		t.order = append(t.order, id)
	}
}

// place is a place in this template.
func (t *template) place(line int, path string) Place {
	return Place{File: t.file, Line: line, Path: path}
}

// report records an evaluation error at a path.
func (t *template) report(err error, at *node, path, machine string) {
	if es, ok := err.(evalErrors); ok {
		for _, e := range es {
			t.report(e, at, path, machine)
		}
		return
	}
	line := 0
	if at != nil {
		line = at.line
	}
	if ee, ok := err.(*evalError); ok && ee.line > 0 {
		line = ee.line
	}
	t.f.problem(Error, t.place(line, path), machine, "%s", err.Error())
}

func (t *template) partition() string {
	switch {
	case strings.HasPrefix(t.o.Region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(t.o.Region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

func (t *template) urlSuffix() string {
	if strings.HasPrefix(t.o.Region, "cn-") {
		return "amazonaws.com.cn"
	}
	return "amazonaws.com"
}

// arn makes an ARN of this region and account.
func (t *template) arn(service, rest string) string {
	return "arn:" + t.partition() + ":" + service + ":" + t.o.Region + ":" + t.o.Account + ":" + rest
}

// ref is Ref: a pseudo parameter, a parameter, or a resource.
func (t *template) ref(name string, at *node, depth int) (*node, error) {
	line := at.line
	switch name {
	case "AWS::Region":
		return str(t.o.Region, line), nil
	case "AWS::AccountId":
		return str(t.o.Account, line), nil
	case "AWS::Partition":
		return str(t.partition(), line), nil
	case "AWS::URLSuffix":
		return str(t.urlSuffix(), line), nil
	case "AWS::StackName":
		return str(t.o.StackName, line), nil
	case "AWS::StackId":
		// A stack's ID holds a UUID AWS makes at creation: a fixed one
		// stands for it, the same on every load.
		return str("arn:"+t.partition()+":cloudformation:"+t.o.Region+":"+t.o.Account+":stack/"+t.o.StackName+"/00000000-0000-0000-0000-000000000000", line), nil
	case "AWS::NoValue":
		return noValue, nil
	case "AWS::NotificationARNs":
		return &node{kind: seqNode, line: line}, nil
	}
	if p := t.params.get(name); p != nil {
		return t.param(name, p, at, depth)
	}
	if t.sls != nil {
		name = t.sls.logicalID(name)
	}
	r := t.res[name]
	if r == nil {
		if strings.HasPrefix(name, "AWS::") {
			return nil, errAt(at, "%s is not a pseudo parameter Baton knows", name)
		}
		return nil, errAt(at, "Ref %s: no parameter or resource of that name in %s", name, t.file)
	}
	s, err := t.attribute(r, "", at, depth)
	if err != nil {
		return nil, err
	}
	return str(s, line), nil
}

// param is a parameter's value: the one given, else its default.
func (t *template) param(name string, p, at *node, depth int) (*node, error) {
	if v, ok := t.paramVal[name]; ok {
		return v, nil
	}
	typ := p.get("Type").str()
	var text string
	given, ok := t.o.Params[name]
	switch {
	case ok:
		text = given
	case strings.HasPrefix(typ, "AWS::SSM::Parameter::Value<"):
		if d := p.get("Default"); d != nil {
			return nil, errAt(at, "the parameter %s is read from SSM Parameter Store (%s), which cannot be known locally: give --param %s=VALUE", name, d.str(), name)
		}
		return nil, errAt(at, "the parameter %s is read from SSM Parameter Store, which cannot be known locally: give --param %s=VALUE", name, name)
	case p.get("Default") != nil:
		d := p.get("Default")
		if !d.isScalar() {
			return nil, errAt(d, "the parameter %s's default must be a string", name)
		}
		text = d.text
	default:
		return nil, errAt(at, "the parameter %s has no default: give --param %s=VALUE", name, name)
	}
	if av := p.get("AllowedValues"); av != nil && av.kind == seqNode {
		allowed := false
		for _, a := range av.vals {
			if a.text == text {
				allowed = true
			}
		}
		if !allowed {
			return nil, errAt(at, "the parameter %s is %q, which is not one of its AllowedValues", name, text)
		}
	}
	var v *node
	if typ == "CommaDelimitedList" || strings.HasPrefix(typ, "List<") {
		v = &node{kind: seqNode, line: at.line}
		for _, s := range strings.Split(text, ",") {
			v.vals = append(v.vals, str(strings.TrimSpace(s), at.line))
		}
	} else {
		v = str(text, at.line)
	}
	t.paramVal[name] = v
	return v, nil
}

// getAtt is Fn::GetAtt of a resource.
func (t *template) getAtt(id, attr string, at *node, depth int) (string, error) {
	if t.sls != nil {
		id = t.sls.logicalID(id)
	}
	r := t.res[id]
	if r == nil {
		return "", errAt(at, "Fn::GetAtt %s.%s: no resource %s in %s", id, attr, id, t.file)
	}
	if attr == "" {
		return "", errAt(at, "Fn::GetAtt %s: name an attribute", id)
	}
	return t.attribute(r, attr, at, depth)
}

// attribute is a resource's Ref (attr "") or one of its attributes, for
// the kinds of resource whose names and ARNs a deployment makes from the
// template alone. A resource without a name property is named after its
// logical ID, as sam local names it (AWS would add a random suffix).
func (t *template) attribute(r *resource, attr string, at *node, depth int) (string, error) {
	if r.cond != "" {
		ok, err := t.condition(r.cond, at, depth)
		if err != nil {
			return "", err
		}
		if !ok {
			return "", errAt(at, "%s is not created: its condition %s is false", r.id, r.cond)
		}
	}
	unknown := func() (string, error) {
		what := "Ref " + r.id
		if attr != "" {
			what = "Fn::GetAtt " + r.id + "." + attr
		}
		return "", errAt(at, "%s: the %s of a %s resource cannot be known locally", what, attrName(attr), r.typ)
	}
	name := func(prop string) (string, error) { return t.physicalName(r, prop, at, depth) }
	var n string
	var err error
	switch r.typ {
	case "AWS::Lambda::Function", "AWS::Serverless::Function":
		if n, err = name("FunctionName"); err != nil {
			return "", err
		}
		switch attr {
		case "":
			return n, nil
		case "Arn":
			return t.arn("lambda", "function:"+n), nil
		}
	case "AWS::StepFunctions::StateMachine", "AWS::Serverless::StateMachine":
		prop := "StateMachineName"
		if r.typ == "AWS::Serverless::StateMachine" {
			prop = "Name"
		}
		if n, err = name(prop); err != nil {
			return "", err
		}
		switch attr {
		case "", "Arn":
			return t.arn("states", "stateMachine:"+n), nil
		case "Name":
			return n, nil
		}
	case "AWS::StepFunctions::Activity":
		if n, err = name("Name"); err != nil {
			return "", err
		}
		switch attr {
		case "", "Arn":
			return t.arn("states", "activity:"+n), nil
		case "Name":
			return n, nil
		}
	case "AWS::StepFunctions::StateMachineAlias":
		if attr == "" || attr == "Arn" {
			sm, err := t.aliasMachine(r, at, depth)
			if err != nil {
				return "", err
			}
			if n, err = name("Name"); err != nil {
				return "", err
			}
			return sm + ":" + n, nil
		}
	case "AWS::StepFunctions::StateMachineVersion":
		return "", errAt(at, "%s is a state machine version: its number is given by the server when it is published, so its ARN cannot be known locally", r.id)
	case "AWS::SNS::Topic":
		if n, err = name("TopicName"); err != nil {
			return "", err
		}
		switch attr {
		case "", "TopicArn":
			return t.arn("sns", n), nil
		case "TopicName":
			return n, nil
		}
	case "AWS::SQS::Queue":
		if n, err = name("QueueName"); err != nil {
			return "", err
		}
		url := "https://sqs." + t.o.Region + "." + t.urlSuffix() + "/" + t.o.Account + "/" + n
		switch attr {
		case "", "QueueUrl":
			return url, nil
		case "Arn":
			return t.arn("sqs", n), nil
		case "QueueName":
			return n, nil
		}
	case "AWS::DynamoDB::Table", "AWS::Serverless::SimpleTable":
		if n, err = name("TableName"); err != nil {
			return "", err
		}
		switch attr {
		case "":
			return n, nil
		case "Arn":
			return t.arn("dynamodb", "table/"+n), nil
		}
	case "AWS::S3::Bucket":
		if n, err = name("BucketName"); err != nil {
			return "", err
		}
		n = strings.ToLower(n)
		switch attr {
		case "":
			return n, nil
		case "Arn":
			return "arn:" + t.partition() + ":s3:::" + n, nil
		case "DomainName":
			return n + ".s3." + t.urlSuffix(), nil
		}
	case "AWS::IAM::Role":
		if n, err = name("RoleName"); err != nil {
			return "", err
		}
		path := "/"
		if p := r.props.get("Path"); p != nil {
			if path, err = t.evalString(p, depth, "Path"); err != nil {
				return "", err
			}
		}
		switch attr {
		case "":
			return n, nil
		case "Arn":
			return "arn:" + t.partition() + ":iam::" + t.o.Account + ":role" + path + n, nil
		}
	case "AWS::Logs::LogGroup":
		if n, err = name("LogGroupName"); err != nil {
			return "", err
		}
		switch attr {
		case "":
			return n, nil
		case "Arn":
			return t.arn("logs", "log-group:"+n+":*"), nil
		}
	case "AWS::Events::EventBus":
		if n, err = name("Name"); err != nil {
			return "", err
		}
		switch attr {
		case "", "Name":
			return n, nil
		case "Arn":
			return t.arn("events", "event-bus/"+n), nil
		}
	case "AWS::Events::Rule":
		if n, err = name("Name"); err != nil {
			return "", err
		}
		switch attr {
		case "":
			return n, nil
		case "Arn":
			return t.arn("events", "rule/"+n), nil
		}
	}
	return unknown()
}

func attrName(attr string) string {
	if attr == "" {
		return "Ref value"
	}
	return "attribute " + attr
}

// physicalName is a resource's name: its name property evaluated, else its
// logical ID.
func (t *template) physicalName(r *resource, prop string, at *node, depth int) (string, error) {
	if n, ok := t.nameDone[r.id]; ok {
		return n, nil
	}
	p := r.props.get(prop)
	if p == nil {
		t.nameDone[r.id] = r.id
		return r.id, nil
	}
	if t.nameBusy[r.id] {
		return "", errAt(at, "the name of %s refers to itself", r.id)
	}
	t.nameBusy[r.id] = true
	defer delete(t.nameBusy, r.id)
	n, err := t.evalString(p, depth+1, r.id+"'s "+prop)
	if err != nil {
		return "", err
	}
	t.nameDone[r.id] = n
	return n, nil
}

// aliasMachine is the ARN of the state machine an alias routes to, through
// the AWS::StepFunctions::StateMachineVersion of this template it names.
func (t *template) aliasMachine(r *resource, at *node, depth int) (string, error) {
	v, err := t.aliasVersion(r)
	if err != nil {
		return "", err
	}
	sm := v.props.get("StateMachineArn")
	if sm == nil {
		return "", errAt(v.n, "%s has no StateMachineArn", v.id)
	}
	return t.evalString(sm, depth+1, v.id+"'s StateMachineArn")
}

// aliasVersion is the version resource an alias routes to: it must be one
// of this template, as the version a deployment publishes is.
func (t *template) aliasVersion(r *resource) (*resource, error) {
	var ref *node
	if dp := r.props.get("DeploymentPreference"); dp != nil {
		ref = dp.get("StateMachineVersionArn")
	}
	if rc := r.props.get("RoutingConfiguration"); ref == nil && rc != nil && rc.kind == seqNode {
		if len(rc.vals) != 1 {
			return nil, errAt(rc, "%s routes to %d versions: Baton deploys aliases that route to the one version the template publishes", r.id, len(rc.vals))
		}
		ref = rc.vals[0].get("StateMachineVersionArn")
	}
	id := ref.get("Ref").str()
	v := t.res[id]
	if v == nil || v.typ != "AWS::StepFunctions::StateMachineVersion" {
		return nil, errAt(r.n, "%s must route to an AWS::StepFunctions::StateMachineVersion of this template (with Ref): another version's number cannot be known locally", r.id)
	}
	return v, nil
}
