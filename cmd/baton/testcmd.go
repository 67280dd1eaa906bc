package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/baton-sh/baton"
	"github.com/baton-sh/baton/clock"
	"github.com/baton-sh/baton/config"
	"github.com/baton-sh/baton/infra"
	"github.com/baton-sh/baton/mock"
	"github.com/baton-sh/baton/value"
)

// A test file names a definition and the cases to run against it:
//
//	definition: orders.asl.json     # relative to the test file
//	mocks: MockConfigFile.json      # optional: AWS's mock configuration format
//	config: baton.yaml              # optional: functions and HTTP connections
//	stateMachine: OrderPipeline     # the name in the mock config (default: the definition's file name)
//	type: EXPRESS                   # optional: STANDARD (the default) or EXPRESS, any case
//
// The definition may be an infrastructure file (serverless.yml, a SAM or
// CloudFormation template, a cdk.out folder): stateMachine then picks its
// state machine (by name or logical ID; not needed when it has one), whose
// name the mock config knows and whose type is the default; params and
// stage are what --param and --stage give the other commands:
//
//	definition: ../serverless.yml
//	stateMachine: orderFlow
//	stage: test
//	params: {TableName: orders-test}
//	cases:
//	  - name: a paid order ships
//	    testCase: HappyPath         # the mock config's test case (optional)
//	    input: {"orderId": "o-1"}
//	    expect:
//	      status: SUCCEEDED         # the default
//	      output: {"shipped": true} # equal as JSON
//	      states: [Charge, Ship]    # entered in this order (others may come between)
//
// expect may instead give error and cause (exact) or causeContains.
type testFile struct {
	Definition   string            `yaml:"definition"`
	Mocks        string            `yaml:"mocks"`
	Config       string            `yaml:"config"`
	StateMachine string            `yaml:"stateMachine"`
	Type         string            `yaml:"type"`
	Express      bool              `yaml:"express"` // before type: true is EXPRESS
	Stage        string            `yaml:"stage"`
	Params       map[string]string `yaml:"params"`
	Cases        []testCase        `yaml:"cases"`
}

type testCase struct {
	Name     string      `yaml:"name"`
	TestCase string      `yaml:"testCase"`
	Input    any         `yaml:"input"`
	Expect   expectation `yaml:"expect"`
}

type expectation struct {
	Status        string        `yaml:"status"`
	Output        optionalValue `yaml:"output"`
	Error         *string       `yaml:"error"`
	Cause         *string       `yaml:"cause"`
	CauseContains string        `yaml:"causeContains"`
	States        []string      `yaml:"states"`
}

func cmdTest(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	verbose := fs.Bool("v", false, "print each failing case's history event types")
	typ := addTypeFlag(fs)
	asJSON := fs.Bool("json", false, "print one JSON report of every case instead of a line per case")
	junit := fs.String("junit", "", "also write a JUnit XML report to `FILE`, for CI systems")
	files, err := parseFlags(fs, args)
	if err != nil {
		if err == flag.ErrHelp {
			fmt.Fprint(stdout, helpText(fs, "baton test FILE... [--type STANDARD|EXPRESS] [--json] [--junit FILE] [-v]"))
		}
		return err
	}
	if len(files) == 0 {
		return usageError("test: name at least one test file")
	}
	// --type, when given, decides for every file; else each file's own.
	var forced *typeFlag
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "type" {
			forced = typ
		}
	})
	lines := stdout
	if *asJSON {
		lines = io.Discard
	}
	var suites []testSuite
	for _, file := range files {
		suites = append(suites, runTestFile(file, forced, lines, *verbose))
	}
	passed, failed := countCases(suites)
	if *asJSON {
		if err := writeJSONReport(stdout, suites); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(stdout, "%d passed, %d failed\n", passed, failed)
	}
	if *junit != "" {
		if err := writeJUnit(*junit, suites); err != nil {
			return usageError("test: cannot write the JUnit report: %v", err)
		}
	}
	if failed > 0 {
		return &exitError{code: 1}
	}
	return nil
}

// testSuite is what one test file gave: its cases' results, or the reason
// it could not be run.
type testSuite struct {
	File  string
	Error string // the file, its definition or its mocks could not be loaded
	Cases []caseResult
}

// caseResult is one case's outcome.
type caseResult struct {
	Name    string
	Took    time.Duration
	Problem string   // "" when the case passed
	Diff    string   // expected and actual output, when they differ
	Events  []string // the history's event types
}

func countCases(suites []testSuite) (passed, failed int) {
	for _, s := range suites {
		if s.Error != "" {
			failed++
		}
		for _, c := range s.Cases {
			if c.Problem == "" {
				passed++
			} else {
				failed++
			}
		}
	}
	return passed, failed
}

// runTestFile runs a file's cases, printing a line for each as it ends.
func runTestFile(file string, forced *typeFlag, out io.Writer, verbose bool) testSuite {
	suite := testSuite{File: file}
	tf, engine, sm, err := loadTestFile(file, forced)
	if err != nil {
		suite.Error = err.Error()
		fmt.Fprintf(out, "FAIL  %s: %v\n", file, err)
		return suite
	}
	for i, tc := range tf.Cases {
		name := tc.Name
		if name == "" {
			name = fmt.Sprintf("case %d", i+1)
		}
		start := time.Now()
		r := runTestCase(engine, sm, &tc)
		r.Name, r.Took = name, time.Since(start)
		suite.Cases = append(suite.Cases, r)
		if r.Problem == "" {
			fmt.Fprintf(out, "PASS  %s: %s (%s)\n", file, name, r.Took.Round(time.Microsecond))
			continue
		}
		fmt.Fprintf(out, "FAIL  %s: %s: %s\n", file, name, r.Problem)
		if r.Diff != "" {
			fmt.Fprint(out, indent(r.Diff, "      "))
		}
		if verbose && len(r.Events) > 0 {
			fmt.Fprintf(out, "      events: %s\n", strings.Join(r.Events, ", "))
		}
	}
	return suite
}

// indent puts prefix before every line of text.
func indent(text, prefix string) string {
	lines := strings.SplitAfter(text, "\n")
	var b strings.Builder
	for _, l := range lines {
		if l != "" {
			b.WriteString(prefix + l)
		}
	}
	return b.String()
}

func loadTestFile(file string, forced *typeFlag) (*testFile, *baton.Engine, *baton.StateMachine, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, nil, nil, err
	}
	var tf testFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&tf); err != nil {
		return nil, nil, nil, fmt.Errorf("not a test file: %s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if tf.Definition == "" {
		return nil, nil, nil, fmt.Errorf("the test file names no definition")
	}
	express, err := tf.express(forced)
	if err != nil {
		return nil, nil, nil, err
	}
	dir := filepath.Dir(file)
	rel := func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	// Wait states and retry back-offs take no real time in a test.
	opts := []baton.Option{baton.NoCallbacks(), baton.WithClock(clock.NewVirtual(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)))}
	var mocks *mock.Config
	if tf.Mocks != "" {
		if mocks, err = mock.Load(rel(tf.Mocks)); err != nil {
			return nil, nil, nil, err
		}
		opts = append(opts, baton.WithMocks(mocks))
	}
	if tf.Config != "" {
		cfg, err := config.Load(rel(tf.Config))
		if err != nil {
			return nil, nil, nil, err
		}
		opts = append(opts, baton.WithConfig(cfg))
	}
	name := machineName(tf.StateMachine, tf.Definition, mocks)
	var def []byte
	// A cdk.out folder is the one definition that is not a file.
	if st, err := os.Stat(rel(tf.Definition)); err != nil || !st.IsDir() {
		if def, err = os.ReadFile(rel(tf.Definition)); err != nil {
			return nil, nil, nil, err
		}
	}
	var inf *infra.File
	if def == nil || infra.Detect(tf.Definition, def) != infra.ASL {
		if inf, err = infra.Load(rel(tf.Definition), infra.Options{Stage: tf.Stage, Params: tf.Params}); err != nil {
			return nil, nil, nil, err
		}
	}
	switch {
	case inf != nil && inf.Format != infra.ASL:
		m, err := pickMachine(inf, tf.StateMachine, io.Discard)
		if err != nil {
			return nil, nil, nil, errors.New(err.(*exitError).msg)
		}
		name, def = m.Name, []byte(m.Definition)
		if forced == nil && tf.Type == "" && !tf.Express {
			express = m.Type == "EXPRESS"
		}
		opts = append(opts, baton.WithRegion(inf.Region), baton.WithAccount(inf.Account))
		opts = append(opts, siblings(inf, m)...)
	}
	engine := baton.New(opts...)
	lopts := []baton.LoadOption{baton.Named(name)}
	if express {
		lopts = append(lopts, baton.Express())
	}
	sm, err := engine.Load(def, lopts...)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %v", tf.Definition, err)
	}
	return &tf, engine, sm, nil
}

// express says whether the file's machine runs as an Express one: --type
// when given, else the file's type (or its older express: true).
func (tf *testFile) express(forced *typeFlag) (bool, error) {
	if forced != nil {
		return forced.Express(), nil
	}
	if tf.Type == "" {
		return tf.Express, nil
	}
	var t typeFlag
	if err := t.Set(tf.Type); err != nil {
		return false, fmt.Errorf("type: %v", err)
	}
	return t.Express(), nil
}

// optionalValue is a value that may be absent, and may be null.
type optionalValue struct {
	set bool
	v   any
}

func (o *optionalValue) UnmarshalYAML(n *yaml.Node) error {
	o.set = true
	return n.Decode(&o.v)
}

// runTestCase runs one case and says what differs from its expectation
// (Problem "" when nothing does), with the history's event types.
func runTestCase(engine *baton.Engine, sm *baton.StateMachine, tc *testCase) caseResult {
	input := []byte("{}")
	if tc.Input != nil {
		b, err := json.Marshal(jsonable(tc.Input))
		if err != nil {
			return caseResult{Problem: "the input is not JSON: " + err.Error()}
		}
		input = b
	}
	var ropts []baton.RunOption
	if tc.TestCase != "" {
		ropts = append(ropts, baton.TestCase(tc.TestCase))
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := sm.Run(ctx, input, ropts...)
	if err != nil {
		return caseResult{Problem: err.Error()}
	}
	r := caseResult{Events: res.EventTypes()}
	r.Problem, r.Diff = compare(res, &tc.Expect)
	return r
}

// compare says how a run differs from what was expected ("" when it does
// not), with a diff when the outputs differ.
func compare(res *baton.Result, want *expectation) (problem, diff string) {
	status := want.Status
	if status == "" {
		status = "SUCCEEDED"
	}
	if res.Status != status {
		msg := fmt.Sprintf("status %s, want %s", res.Status, status)
		if res.Error != "" || res.Cause != "" {
			msg += fmt.Sprintf(" (%s: %s)", res.Error, res.Cause)
		}
		return msg, ""
	}
	if want.Output.set {
		wantOut, err := json.Marshal(jsonable(want.Output.v))
		if err != nil {
			return "the expected output is not JSON: " + err.Error(), ""
		}
		wv, err := value.Parse(wantOut)
		if err != nil {
			return "the expected output is not JSON: " + err.Error(), ""
		}
		gv, err := value.Parse(res.Output)
		if err != nil {
			return "the output is not JSON: " + err.Error(), ""
		}
		if !value.Equal(wv, gv) {
			return "the output differs (- expected, + actual):", jsonDiff(wantOut, res.Output)
		}
	}
	if e := want.Error; e != nil && *e != res.Error {
		return fmt.Sprintf("error %q, want %q", res.Error, *e), ""
	}
	if c := want.Cause; c != nil && *c != res.Cause {
		return fmt.Sprintf("cause %q, want %q", res.Cause, *c), ""
	}
	if c := want.CauseContains; c != "" && !strings.Contains(res.Cause, c) {
		return fmt.Sprintf("cause %q does not contain %q", res.Cause, c), ""
	}
	if len(want.States) > 0 {
		entered := res.StatesEnteredNames()
		i := 0
		for _, s := range entered {
			if i < len(want.States) && s == want.States[i] {
				i++
			}
		}
		if i < len(want.States) {
			return fmt.Sprintf("state %q was not entered after %v (entered: %s)", want.States[i], want.States[:i], strings.Join(entered, ", ")), ""
		}
	}
	return "", ""
}

// jsonable turns what the YAML decoder gives (maps with any keys) into
// what encoding/json takes.
func jsonable(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			out[k] = jsonable(val)
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			out[fmt.Sprint(k)] = jsonable(val)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, val := range x {
			out[i] = jsonable(val)
		}
		return out
	}
	return v
}
