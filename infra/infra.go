// Package infra reads state machines from the files teams deploy them
// with: a serverless.yml (the serverless-step-functions plugin), a SAM
// template, a CloudFormation template (JSON or YAML, short forms
// included), or the templates of a CDK cdk.out folder.
//
// References resolve as a deployment would: a function declared in the
// same file becomes its ARN, parameters take their defaults or the values
// given, pseudo parameters the region and account asked for. Whatever a
// deployment would learn only from AWS (an import, a generated version
// number, an attribute of a resource Baton knows nothing of) is an error
// naming it and its place, never dropped. The triggers the file declares
// (schedules, API routes, event rules) come out as a trigger.Set.
//
// The package is pure apart from reading the file and those it names
// (${file(...)}, DefinitionUri): Options.ReadFile replaces that too.
package infra

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/baton-sh/baton/trigger"
)

// Format is the kind of file a state machine came from.
type Format string

// The formats Load reads.
const (
	// ASL is a bare state machine definition: not an infrastructure file.
	ASL            Format = "asl"
	Serverless     Format = "serverless"
	SAM            Format = "sam"
	CloudFormation Format = "cloudformation"
	CDK            Format = "cdk"
)

// Options say what a deployment would know beyond the file.
type Options struct {
	// Region and Account make ARNs and the pseudo parameters
	// AWS::Region and AWS::AccountId (defaults us-east-1, 123456789012:
	// those of baton serve).
	Region, Account string
	// Params are template parameters (CloudFormation, SAM, CDK) or
	// ${param:NAME} values (serverless.yml), by name.
	Params map[string]string
	// Stage is serverless's --stage (default: provider.stage, else dev).
	Stage string
	// StackName is AWS::StackName (default: the file's name without its
	// extension; a CDK stack's own name).
	StackName string
	// Env reads ${env:NAME} (default os.LookupEnv).
	Env func(string) (string, bool)
	// ReadFile reads the files a file names (default os.ReadFile).
	ReadFile func(string) ([]byte, error)

	// regionGiven: Region was asked for (it wins over a file's own).
	regionGiven, defaulted bool
}

func (o *Options) defaults() {
	if o.defaulted {
		return
	}
	o.defaulted = true
	o.regionGiven = o.Region != ""
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	if o.Account == "" {
		o.Account = "123456789012"
	}
	if o.Env == nil {
		o.Env = os.LookupEnv
	}
	if o.ReadFile == nil {
		o.ReadFile = os.ReadFile
	}
}

// File is what an infrastructure file declares.
type File struct {
	Path   string
	Format Format
	// Region and Account are those the file's ARNs were made in: the
	// options', or a serverless.yml's provider.region, or a CDK stack's
	// environment.
	Region, Account string
	Machines        []*Machine
	// Functions are the Lambda functions the file declares, under the
	// names their ARNs end with: the names baton.yaml's functions: take.
	Functions []Function
	// Activities are the activities the file declares: a deployment
	// creates them.
	Activities []Activity
	Triggers   trigger.Set
	// Problems are every error and warning found, in the file's order.
	Problems Problems
}

// Machine is one state machine as a deployment would create it.
type Machine struct {
	// Name is the state machine's name (its ARN ends with it).
	Name string `json:"name"`
	// ID is the logical ID (CloudFormation, SAM, CDK) or the key under
	// stepFunctions.stateMachines (serverless.yml).
	ID string `json:"id"`
	// Type is STANDARD or EXPRESS.
	Type string `json:"type"`
	// Definition is the resolved definition as JSON text; empty when it
	// could not be resolved (Problems say why).
	Definition string `json:"definition"`
	RoleARN    string `json:"roleArn"`
	// Logging and Tracing are the API's loggingConfiguration and
	// tracingConfiguration (nil: none given).
	Logging json.RawMessage `json:"logging,omitempty"`
	Tracing json.RawMessage `json:"tracing,omitempty"`
	Tags    []Tag           `json:"tags,omitempty"`
	// Publish asks for a version of each new revision; Aliases are
	// moved to it.
	Publish            bool    `json:"publish,omitempty"`
	VersionDescription string  `json:"versionDescription,omitempty"`
	Aliases            []Alias `json:"aliases,omitempty"`
	// Place is where it was declared.
	Place Place `json:"place"`
	// ARN is the state machine's ARN in Options' region and account.
	ARN string `json:"arn"`
}

// Tag is a resource tag.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Alias is a state machine alias that a deployment points at the version
// it publishes.
type Alias struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// Function is a Lambda function an infrastructure file declares.
type Function struct {
	// ID is its logical ID, or its key under functions: in serverless.yml.
	ID   string `json:"id"`
	Name string `json:"name"`
	ARN  string `json:"arn"`
}

// Activity is an activity an infrastructure file declares.
type Activity struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	ARN  string `json:"arn"`
}

// Place is where something is declared: the file, its line when known,
// and the path of keys to it.
type Place struct {
	File string `json:"file"`
	Line int    `json:"line,omitempty"`
	Path string `json:"path,omitempty"`
}

func (p Place) String() string {
	s := p.File
	if p.Line > 0 {
		s += ":" + strconv.Itoa(p.Line)
	}
	if p.Path != "" {
		s += ": " + p.Path
	}
	return s
}

// Severity of a problem.
const (
	Error   = "ERROR"
	Warning = "WARNING"
)

// Problem is something wrong with a file, at its place. Warnings name what
// Baton ignores that could matter (a request template, an authorizer);
// errors name what stops a machine or trigger from being what the file
// says.
type Problem struct {
	Place    Place  `json:"place"`
	Severity string `json:"severity"`
	// Machine is the name of the state machine it concerns, if one.
	Machine string `json:"machine,omitempty"`
	Message string `json:"message"`
}

func (p Problem) Error() string {
	sev := ""
	if p.Severity == Warning {
		sev = "warning: "
	}
	return p.Place.String() + ": " + sev + p.Message
}

// Problems are every problem of a file, in order.
type Problems []Problem

// Errors are the problems that are not warnings.
func (ps Problems) Errors() Problems {
	var out Problems
	for _, p := range ps {
		if p.Severity != Warning {
			out = append(out, p)
		}
	}
	return out
}

// Of are the problems of one machine, and those of no machine.
func (ps Problems) Of(machine string) Problems {
	var out Problems
	for _, p := range ps {
		if p.Machine == "" || p.Machine == machine {
			out = append(out, p)
		}
	}
	return out
}

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// Machine returns the file's state machine of that name or ID, or its
// only one when name is "".
func (f *File) Machine(name string) (*Machine, error) {
	if name == "" {
		switch len(f.Machines) {
		case 1:
			return f.Machines[0], nil
		case 0:
			return nil, fmt.Errorf("%s declares no state machine", f.Path)
		}
		return nil, fmt.Errorf("%s declares %d state machines (%s): name one with --state-machine", f.Path, len(f.Machines), strings.Join(f.names(), ", "))
	}
	for _, m := range f.Machines {
		if m.Name == name {
			return m, nil
		}
	}
	for _, m := range f.Machines {
		if m.ID == name {
			return m, nil
		}
	}
	return nil, fmt.Errorf("%s declares no state machine %q (it has: %s)", f.Path, name, strings.Join(f.names(), ", "))
}

func (f *File) names() []string {
	names := make([]string, len(f.Machines))
	for i, m := range f.Machines {
		names[i] = m.Name
	}
	return names
}

// Load reads an infrastructure file, or a cdk.out folder. A file that is
// a bare state machine definition gives Format ASL and nothing else: the
// caller reads it as a definition. The error is for a file that cannot be
// read or parsed at all; problems with what it declares are in Problems.
func Load(path string, opts Options) (*File, error) {
	opts.defaults()
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return loadCDK(path, opts)
	}
	data, err := opts.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if filepath.Base(path) == "manifest.json" && isCDKManifest(data) {
		return loadCDK(filepath.Dir(path), opts)
	}
	return LoadBytes(path, data, opts)
}

// LoadBytes reads an infrastructure file's content; path names it in
// messages and is where the files it names are found from.
func LoadBytes(path string, data []byte, opts Options) (*File, error) {
	opts.defaults()
	root, err := parseDoc(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	f := &File{Path: path, Format: detect(path, root), Region: opts.Region, Account: opts.Account}
	switch f.Format {
	case ASL:
		return f, nil
	case Serverless:
		loadServerless(f, root, opts)
	default:
		if opts.StackName == "" {
			opts.StackName = stackName(path)
		}
		t := newTemplate(f, path, root, opts)
		t.load()
	}
	f.sortProblems()
	return f, nil
}

// Detect says what kind of file content is, from its content and name.
func Detect(path string, data []byte) Format {
	root, err := parseDoc(data)
	if err != nil {
		return ASL
	}
	return detect(path, root)
}

func detect(path string, root *node) Format {
	if root.kind != mapNode {
		return ASL
	}
	if root.get("StartAt") != nil || root.get("States") != nil {
		return ASL
	}
	if root.get("service") != nil && (root.get("stepFunctions") != nil || root.get("provider") != nil || root.get("functions") != nil) {
		return Serverless
	}
	if root.get("Resources") != nil || root.get("AWSTemplateFormatVersion") != nil {
		if isSAM(root.get("Transform")) {
			return SAM
		}
		return CloudFormation
	}
	base := strings.ToLower(filepath.Base(path))
	if strings.HasPrefix(base, "serverless.") {
		return Serverless
	}
	return ASL
}

func isSAM(t *node) bool {
	if t == nil {
		return false
	}
	if t.kind == seqNode {
		for _, v := range t.vals {
			if isSAM(v) {
				return true
			}
		}
		return false
	}
	return strings.HasPrefix(t.str(), "AWS::Serverless-")
}

func stackName(path string) string {
	base := filepath.Base(path)
	for {
		ext := filepath.Ext(base)
		if ext == "" || ext == base {
			break
		}
		base = strings.TrimSuffix(base, ext)
	}
	return base
}

// problem records a problem at a place.
func (f *File) problem(sev string, place Place, machine, format string, args ...any) {
	f.Problems = append(f.Problems, Problem{Place: place, Severity: sev, Machine: machine, Message: fmt.Sprintf(format, args...)})
}

// checkNames reports two state machines under one name: a deployment
// would make one of them only.
func (f *File) checkNames() {
	seen := map[string]*Machine{}
	for _, m := range f.Machines {
		if first := seen[m.ARN]; first != nil {
			f.problem(Error, m.Place, m.Name, "the state machine %s is declared twice (first at %s)", m.Name, first.Place)
			continue
		}
		seen[m.ARN] = m
	}
}

func (f *File) sortProblems() {
	f.checkNames()
	// A reference met twice (a name read by two declarations) is one
	// problem.
	seen := map[Problem]bool{}
	out := f.Problems[:0]
	for _, p := range f.Problems {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	f.Problems = out
	sort.SliceStable(f.Problems, func(i, j int) bool {
		a, b := f.Problems[i].Place, f.Problems[j].Place
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Line < b.Line
	})
}
