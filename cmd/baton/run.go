package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/baton-sh/baton"
	"github.com/baton-sh/baton/clock"
	"github.com/baton-sh/baton/config"
	"github.com/baton-sh/baton/infra"
	"github.com/baton-sh/baton/mock"
	"github.com/baton-sh/baton/value"
)

// loadMachine reads, validates and compiles a definition file; problems are
// usage errors (exit 2), one line per problem.
func loadMachine(engine *baton.Engine, file string, opts ...baton.LoadOption) (*baton.StateMachine, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, usageError("cannot read the definition: %v", err)
	}
	return loadDefinition(engine, file, data, opts...)
}

// loadDefinition validates and compiles a definition that file (a label
// in messages) holds.
func loadDefinition(engine *baton.Engine, file string, data []byte, opts ...baton.LoadOption) (*baton.StateMachine, error) {
	sm, err := engine.Load(data, opts...)
	var ve *baton.ValidationError
	switch {
	case errors.As(err, &ve):
		var b strings.Builder
		fmt.Fprintf(&b, "%s is not a valid state machine:", file)
		for _, d := range ve.Diagnostics.Errors() {
			b.WriteString("\n" + diagnosticLine(file, d))
		}
		return nil, usageError("%s", b.String())
	case err != nil:
		return nil, usageError("%s: %v", file, err)
	}
	return sm, nil
}

// machineName is the name a run gives its state machine: the one asked
// for, else the definition file's name without its extensions; with a mock
// config that knows one state machine only, that one.
func machineName(asked, file string, mocks *mock.Config) string {
	if asked != "" {
		return asked
	}
	base := filepath.Base(file)
	for _, ext := range []string{".json", ".yaml", ".yml", ".asl"} {
		base = strings.TrimSuffix(base, ext)
	}
	if mocks != nil {
		names := mocks.StateMachines()
		if !slices.Contains(names, base) && len(names) == 1 {
			return names[0]
		}
	}
	return base
}

func cmdRun(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	input := fs.String("input", "", "execution input, `JSON|@FILE`: JSON text, or the file named after @")
	asJSON := fs.Bool("json", false, "print one JSON object with status, output, error and cause")
	withHistory := fs.Bool("history", false, "print a trace of the states run (with --json: add the execution history, GetExecutionHistory's events)")
	skipWaits := fs.Bool("skip-waits", false, "Wait states, retry back-offs and timeouts take no time (a virtual clock)")
	name := fs.String("name", "", "the execution's `name` (default: a UUID)")
	typ := addTypeFlag(fs)
	// --express is the older spelling of --type EXPRESS, kept working for
	// scripts and hidden from --help (no usage text).
	fs.BoolFunc("express", "", func(s string) error {
		if on, err := strconv.ParseBool(s); err != nil || !on {
			return err
		}
		return typ.Set("EXPRESS")
	})
	limit := fs.Int("payload-limit", 0, "largest state input/output in `bytes` (default 262144, AWS's limit)")
	maxEvents := fs.Int64("max-events", 0, "largest history in events (default 25000, AWS's limit)")
	configFile := fs.String("config", "", "`baton.yaml`: where Lambda functions and HTTP connections go")
	mockFile := fs.String("mock-config", "", "a `MockConfigFile.json` whose test case (--test-case) answers mocked states")
	testCase := fs.String("test-case", "", "the test `case` of --mock-config to run")
	smName := fs.String("state-machine", "", "the state machine's name: the one to run of an infrastructure file (serverless.yml, a SAM or CloudFormation template, cdk.out), and the name the mock config knows (default: the file's only one, or the file's name)")
	fl := addInfraFlags(fs)
	files, err := parseFlags(fs, args)
	if err != nil {
		if err == flag.ErrHelp {
			fmt.Fprint(stdout, helpText(fs, "baton run FILE [--state-machine NAME] [--input JSON|@FILE] [--type STANDARD|EXPRESS] [--json] [--history] [--skip-waits] [--param NAME=VALUE] [--stage STAGE]"))
		}
		return err
	}
	if len(files) != 1 {
		return usageError("run: name exactly one definition file")
	}
	// An infrastructure file gives the definition, its name and its type
	// (--type still decides when given).
	inf, err := loadInfra(files[0], fl)
	if err != nil {
		return err
	}
	var im *infra.Machine
	if inf != nil {
		if im, err = pickMachine(inf, *smName, stderr); err != nil {
			return err
		}
		typeGiven := false
		fs.Visit(func(f *flag.Flag) { typeGiven = typeGiven || f.Name == "type" || f.Name == "express" })
		if !typeGiven && im.Type == "EXPRESS" {
			if err := typ.Set("EXPRESS"); err != nil {
				return err
			}
		}
	}
	in, err := readInput(*input)
	if err != nil {
		return err
	}
	if err := checkInput(*input, in); err != nil {
		return err
	}
	opts := []baton.Option{baton.NoCallbacks()}
	if inf != nil {
		opts = append(opts, baton.WithRegion(inf.Region), baton.WithAccount(inf.Account))
		opts = append(opts, siblings(inf, im)...)
	}
	if *skipWaits {
		opts = append(opts, baton.WithClock(clock.NewVirtual(time.Now())))
	}
	if *configFile != "" {
		cfg, err := config.Load(*configFile)
		if err != nil {
			return usageError("run: %v", err)
		}
		// Functions' logs show on stderr as they come, as with sam local invoke.
		opts = append(opts, baton.WithConfig(cfg), baton.WithFunctionOutput(stderr))
	}
	var mocks *mock.Config
	if *mockFile != "" {
		if mocks, err = mock.Load(*mockFile); err != nil {
			return usageError("run: %v", err)
		}
		opts = append(opts, baton.WithMocks(mocks))
	}
	if (*testCase == "") != (*mockFile == "") {
		return usageError("run: --mock-config and --test-case go together")
	}
	if *limit > 0 {
		opts = append(opts, baton.WithPayloadLimit(*limit))
	}
	if *maxEvents > 0 {
		opts = append(opts, baton.WithMaxEvents(*maxEvents))
	}
	engine := baton.New(opts...)
	var lopts []baton.LoadOption
	if typ.Express() {
		lopts = append(lopts, baton.Express())
	}
	var sm *baton.StateMachine
	if im != nil {
		lopts = append(lopts, baton.Named(im.Name))
		sm, err = loadDefinition(engine, machineLabel(files[0], im.Name), []byte(im.Definition), lopts...)
	} else {
		if name := machineName(*smName, files[0], mocks); name != "" {
			lopts = append(lopts, baton.Named(name))
		}
		sm, err = loadMachine(engine, files[0], lopts...)
	}
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var ropts []baton.RunOption
	if *name != "" {
		ropts = append(ropts, baton.ExecutionName(*name))
	}
	if *testCase != "" {
		ropts = append(ropts, baton.TestCase(*testCase))
	}
	res, err := sm.Run(ctx, in, ropts...)
	if err != nil {
		return usageError("run: %v", err)
	}
	if *asJSON {
		ms := []value.Member{{Key: "status", Value: res.Status}}
		if res.Output != nil {
			out, _ := value.Parse(res.Output)
			ms = append(ms, value.Member{Key: "output", Value: out})
		}
		if res.Error != "" {
			ms = append(ms, value.Member{Key: "error", Value: res.Error})
		}
		if res.Cause != "" {
			ms = append(ms, value.Member{Key: "cause", Value: res.Cause})
		}
		if *withHistory {
			h, _ := value.Parse(res.HistoryJSON())
			ms = append(ms, value.Member{Key: "history", Value: h})
		}
		stdout.Write(append(value.Marshal(value.NewObject(ms)), '\n'))
	} else {
		if *withHistory {
			if err := writeTrace(stdout, res.HistoryJSON()); err != nil {
				return &exitError{code: 1, msg: "run: " + err.Error()}
			}
		}
		if res.Status == "SUCCEEDED" {
			stdout.Write(append(res.Output, '\n'))
		} else {
			fmt.Fprintln(stderr, failureLine(res))
		}
	}
	if res.Status != "SUCCEEDED" {
		return &exitError{code: 1}
	}
	return nil
}

// failureLine is how run reports an execution that did not succeed:
// "Error: Cause", the error alone when there is no cause, else the status.
func failureLine(res *baton.Result) string {
	switch {
	case res.Error != "" && res.Cause != "":
		return res.Error + ": " + res.Cause
	case res.Error != "" || res.Cause != "":
		return res.Error + res.Cause
	}
	return res.Status
}
