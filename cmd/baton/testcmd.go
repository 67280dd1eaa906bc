package main

import (
	"bytes"
	"context"
	"encoding/json"
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
	"github.com/baton-sh/baton/mock"
	"github.com/baton-sh/baton/value"
)

// A test file names a definition and the cases to run against it:
//
//	definition: orders.asl.json     # relative to the test file
//	mocks: MockConfigFile.json      # optional: AWS's mock configuration format
//	config: baton.yaml              # optional: functions and HTTP connections
//	stateMachine: OrderPipeline     # the name in the mock config (default: the definition's file name)
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
	Definition   string     `yaml:"definition"`
	Mocks        string     `yaml:"mocks"`
	Config       string     `yaml:"config"`
	StateMachine string     `yaml:"stateMachine"`
	Express      bool       `yaml:"express"`
	Cases        []testCase `yaml:"cases"`
}

type testCase struct {
	Name     string `yaml:"name"`
	TestCase string `yaml:"testCase"`
	Input    any    `yaml:"input"`
	Expect   struct {
		Status        string        `yaml:"status"`
		Output        optionalValue `yaml:"output"`
		Error         *string       `yaml:"error"`
		Cause         *string       `yaml:"cause"`
		CauseContains string        `yaml:"causeContains"`
		States        []string      `yaml:"states"`
	} `yaml:"expect"`
}

func cmdTest(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	verbose := fs.Bool("v", false, "print each failing case's history event types")
	files, err := parseFlags(fs, args)
	if err != nil {
		if err == flag.ErrHelp {
			fmt.Fprint(stdout, helpText(fs, "baton test FILE... [-v]"))
		}
		return err
	}
	if len(files) == 0 {
		return usageError("test: name at least one test file")
	}
	passed, failed := 0, 0
	for _, file := range files {
		p, f := runTestFile(file, stdout, *verbose)
		passed += p
		failed += f
	}
	fmt.Fprintf(stdout, "%d passed, %d failed\n", passed, failed)
	if failed > 0 {
		return &exitError{code: 1}
	}
	return nil
}

func runTestFile(file string, out io.Writer, verbose bool) (passed, failed int) {
	tf, engine, sm, err := loadTestFile(file)
	if err != nil {
		fmt.Fprintf(out, "FAIL  %s: %v\n", file, err)
		return 0, 1
	}
	for i, tc := range tf.Cases {
		name := tc.Name
		if name == "" {
			name = fmt.Sprintf("case %d", i+1)
		}
		start := time.Now()
		problem, history := runTestCase(engine, sm, &tc)
		took := time.Since(start)
		if problem == "" {
			passed++
			fmt.Fprintf(out, "PASS  %s: %s (%s)\n", file, name, took.Round(time.Microsecond))
			continue
		}
		failed++
		fmt.Fprintf(out, "FAIL  %s: %s: %s\n", file, name, problem)
		if verbose && len(history) > 0 {
			fmt.Fprintf(out, "      events: %s\n", strings.Join(history, ", "))
		}
	}
	return passed, failed
}

func loadTestFile(file string) (*testFile, *baton.Engine, *baton.StateMachine, error) {
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
	engine := baton.New(opts...)
	def, err := os.ReadFile(rel(tf.Definition))
	if err != nil {
		return nil, nil, nil, err
	}
	lopts := []baton.LoadOption{baton.Named(machineName(tf.StateMachine, tf.Definition, mocks))}
	if tf.Express {
		lopts = append(lopts, baton.Express())
	}
	sm, err := engine.Load(def, lopts...)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %v", tf.Definition, err)
	}
	return &tf, engine, sm, nil
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
// ("" when nothing does), with the history's event types.
func runTestCase(engine *baton.Engine, sm *baton.StateMachine, tc *testCase) (string, []string) {
	input := []byte("{}")
	if tc.Input != nil {
		b, err := json.Marshal(jsonable(tc.Input))
		if err != nil {
			return "the input is not JSON: " + err.Error(), nil
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
		return err.Error(), nil
	}
	history := res.EventTypes()
	want := tc.Expect.Status
	if want == "" {
		want = "SUCCEEDED"
	}
	if res.Status != want {
		msg := fmt.Sprintf("status %s, want %s", res.Status, want)
		if res.Error != "" || res.Cause != "" {
			msg += fmt.Sprintf(" (%s: %s)", res.Error, res.Cause)
		}
		return msg, history
	}
	if tc.Expect.Output.set {
		wantOut, _ := json.Marshal(jsonable(tc.Expect.Output.v))
		wv, _ := value.Parse(wantOut)
		gv, _ := value.Parse(res.Output)
		if !value.Equal(wv, gv) {
			return fmt.Sprintf("output %s, want %s", res.Output, wantOut), history
		}
	}
	if e := tc.Expect.Error; e != nil && *e != res.Error {
		return fmt.Sprintf("error %q, want %q", res.Error, *e), history
	}
	if c := tc.Expect.Cause; c != nil && *c != res.Cause {
		return fmt.Sprintf("cause %q, want %q", res.Cause, *c), history
	}
	if c := tc.Expect.CauseContains; c != "" && !strings.Contains(res.Cause, c) {
		return fmt.Sprintf("cause %q does not contain %q", res.Cause, c), history
	}
	if len(tc.Expect.States) > 0 {
		entered := res.StatesEnteredNames()
		i := 0
		for _, s := range entered {
			if i < len(tc.Expect.States) && s == tc.Expect.States[i] {
				i++
			}
		}
		if i < len(tc.Expect.States) {
			return fmt.Sprintf("state %q was not entered after %v (entered: %s)", tc.Expect.States[i], tc.Expect.States[:i], strings.Join(entered, ", ")), history
		}
	}
	return "", history
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
