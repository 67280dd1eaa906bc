// Command baton runs AWS Step Functions state machines: validate, run,
// benchmark and draw them from the command line, or serve the Step
// Functions API.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

const usage = `baton: AWS Step Functions (the Amazon States Language) you run yourself.

Usage:
  baton serve [--addr 127.0.0.1:8083] [--data DIR]
                                         serve the Step Functions API, with durable executions
  baton migrate [--store postgres://...] apply the PostgreSQL store's migrations ahead of time
  baton validate [--type STANDARD|EXPRESS] [--json] FILE...
                                         check definitions; one line per problem
  baton run FILE [--input JSON|@FILE] [--type STANDARD|EXPRESS] [--json] [--history] [--skip-waits]
                                         run one execution in-process
  baton bench FILE [--input JSON|@FILE] --executions N --concurrency C [--type STANDARD|EXPRESS]
        [--config baton.yaml] [--mock-config FILE --test-case NAME] [--json]
                                         run N executions, C at a time, and report throughput
  baton graph FILE [--format mermaid|dot] [--type STANDARD|EXPRESS]
                                         print the state machine as a diagram
  baton test FILE... [--type STANDARD|EXPRESS] [--json] [--junit FILE] [-v]
                                         run test files (definition, mocks, cases, expectations)
  baton deploy FILE [--endpoint URL] [--state-machine NAME] [--param NAME=VALUE] [--stage STAGE]
                                         create or update an infrastructure file's state machines on a server
  baton eval EXPR [--input JSON|@FILE] [--bindings JSON|@FILE] [--json]
                                         evaluate a JSONata expression
  baton logs [--data DIR] [--config baton.yaml] [--log-group NAME] [--execution ARN]
                                         print the execution logs baton serve wrote
  baton schedules [--config baton.yaml] [--count N] [--endpoint URL] [--json]
                                         list baton.yaml's schedules, their next due times and what a server did
  baton version [--json]                 print Baton's version (also: baton --version)

Definitions may be JSON or YAML. validate, run, graph and test also take an infrastructure file
(serverless.yml, a SAM or CloudFormation template, a cdk.out folder) and --state-machine NAME.
Run "baton COMMAND --help" for a command's flags.
`

// exitError carries an exit status out of a command.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func usageError(format string, args ...any) error {
	return &exitError{code: 2, msg: fmt.Sprintf(format, args...)}
}

func main() {
	os.Exit(runMain(os.Args[1:], os.Stdout, os.Stderr))
}

func runMain(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	var err error
	switch args[0] {
	case "validate":
		err = cmdValidate(args[1:], stdout, stderr)
	case "run":
		err = cmdRun(args[1:], stdout, stderr)
	case "bench":
		err = cmdBench(args[1:], stdout, stderr)
	case "graph":
		err = cmdGraph(args[1:], stdout, stderr)
	case "logs":
		err = cmdLogs(args[1:], stdout, stderr)
	case "serve":
		err = cmdServe(args[1:], stdout, stderr)
	case "test":
		err = cmdTest(args[1:], stdout, stderr)
	case "eval":
		err = cmdEval(args[1:], stdout, stderr)
	case "migrate":
		err = cmdMigrate(args[1:], stdout, stderr)
	case "schedules":
		err = cmdSchedules(args[1:], stdout, stderr)
	case "deploy":
		err = cmdDeploy(args[1:], stdout, stderr)
	case "version", "--version", "-version":
		err = cmdVersion(args[1:], stdout, stderr)
	default:
		fmt.Fprintf(stderr, "baton: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintln(stderr, "baton: "+ee.msg)
		}
		return ee.code
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintln(stderr, "baton: "+err.Error())
	return 2
}

// parseFlags parses flags that may come before or after the positional
// arguments ("baton run FILE --json" and "baton run --json FILE").
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var flags, positional []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			positional = append(positional, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			positional = append(positional, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		f := fs.Lookup(name)
		if f == nil {
			continue // flag.Parse reports it
		}
		if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && bf.IsBoolFlag() {
			continue
		}
		if i+1 < len(args) {
			i++
			flags = append(flags, args[i])
		}
	}
	fs.SetOutput(io.Discard)
	if err := fs.Parse(flags); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, usageError("%v", err)
	}
	return positional, nil
}

// readInput reads --input: inline JSON, or @FILE. A value that is not JSON
// but names an existing file is read from that file too, as the benchmark
// harness passes plain paths.
func readInput(s string) ([]byte, error) {
	if s == "" {
		return []byte("{}"), nil
	}
	name, isFile := strings.CutPrefix(s, "@")
	if !isFile && !json.Valid([]byte(s)) {
		if st, err := os.Stat(s); err == nil && st.Mode().IsRegular() {
			name, isFile = s, true
		}
	}
	if isFile {
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, usageError("cannot read the input: %v", err)
		}
		return data, nil
	}
	return []byte(s), nil
}

// helpText is a command's --help: its synopsis, then each flag spelt with
// two dashes, as the synopsis and the README spell them (Go's flag package
// prints one). A flag without a description is a deprecated alias, kept
// working for old scripts but not shown.
func helpText(fs *flag.FlagSet, synopsis string) string {
	var b strings.Builder
	b.WriteString("Usage: " + synopsis + "\n")
	fs.VisitAll(func(f *flag.Flag) {
		if f.Usage == "" {
			return
		}
		arg, usage := flag.UnquoteUsage(f)
		b.WriteString("  --" + f.Name)
		if arg != "" {
			b.WriteString(" " + arg)
		}
		b.WriteString("\n      " + strings.ReplaceAll(usage, "\n", "\n      "))
		if !isZeroDefault(f.DefValue) {
			fmt.Fprintf(&b, " (default %s)", f.DefValue)
		}
		b.WriteString("\n")
	})
	return b.String()
}

// isZeroDefault reports whether a flag's default is its type's zero value,
// which help does not mention.
func isZeroDefault(def string) bool {
	switch def {
	case "", "0", "false", "0s", "[]":
		return true
	}
	return false
}
