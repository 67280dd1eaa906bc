package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/baton-sh/baton/definition"
	"github.com/baton-sh/baton/infra"
	"github.com/baton-sh/baton/value"
)

// fileReport is what validate found in one file, or in one state machine
// of an infrastructure file.
type fileReport struct {
	file     string
	machine  string // the state machine's name, in an infrastructure file
	readErr  error  // the file could not be read
	diags    definition.Diagnostics
	problems infra.Problems // what resolving the infrastructure file found
}

func (r *fileReport) valid() bool {
	return r.readErr == nil && !r.diags.HasErrors() && len(r.problems.Errors()) == 0
}

// label is how lines name the report: the file, with the state machine.
func (r *fileReport) label() string {
	if r.machine != "" {
		return machineLabel(r.file, r.machine)
	}
	return r.file
}

func cmdValidate(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	typ := addTypeFlag(fs)
	asJSON := fs.Bool("json", false, "print one JSON object: each file, whether it is valid, and its diagnostics")
	smName := fs.String("state-machine", "", "in an infrastructure file, check this state machine only, by `NAME` or logical ID (default: all of them)")
	fl := addInfraFlags(fs)
	files, err := parseFlags(fs, args)
	if err != nil {
		if err == flag.ErrHelp {
			fmt.Fprint(stdout, helpText(fs, "baton validate [--type STANDARD|EXPRESS] [--json] [--state-machine NAME] [--param NAME=VALUE] [--stage STAGE] FILE..."))
		}
		return err
	}
	if len(files) == 0 {
		return usageError("validate: name at least one definition file")
	}
	// --type, when given, decides; else each machine of an
	// infrastructure file is checked as its own type.
	typeGiven := false
	fs.Visit(func(f *flag.Flag) { typeGiven = typeGiven || f.Name == "type" })
	var reports []*fileReport
	invalid := false
	for _, file := range files {
		rs, err := validateFile(file, typ.String(), typeGiven, *smName, fl)
		if err != nil {
			return err
		}
		for _, r := range rs {
			invalid = invalid || !r.valid()
		}
		reports = append(reports, rs...)
	}
	if *asJSON {
		_, err = stdout.Write(append(value.Marshal(validationJSON(reports)), '\n'))
	} else {
		err = printValidation(stdout, reports)
	}
	if err != nil {
		return err
	}
	if invalid {
		return &exitError{code: 1}
	}
	return nil
}

// validateFile checks a definition file, or each state machine of an
// infrastructure file (the one named, when one is).
func validateFile(file, typ string, typeGiven bool, name string, fl *infraFlags) ([]*fileReport, error) {
	var f *infra.File
	if _, err := os.Stat(file); err == nil {
		if f, err = loadInfra(file, fl); err != nil {
			msg := err.Error()
			var ee *exitError
			if errors.As(err, &ee) {
				msg = ee.msg
			}
			return []*fileReport{{file: file, readErr: errors.New(strings.TrimPrefix(msg, "cannot read the definition: "))}}, nil
		}
	}
	if f == nil {
		r := &fileReport{file: file}
		if data, err := os.ReadFile(file); err != nil {
			r.readErr = err
		} else {
			_, r.diags = definition.Load(data, definition.Options{Type: typ})
		}
		return []*fileReport{r}, nil
	}
	machines := f.Machines
	if name != "" {
		m, err := f.Machine(name)
		if err != nil {
			return nil, usageError("validate: %v", err)
		}
		machines = []*infra.Machine{m}
	}
	var reports []*fileReport
	// Problems of no state machine (a trigger, a parameter) are the
	// file's own.
	var own infra.Problems
	for _, p := range f.Problems {
		if p.Machine == "" {
			own = append(own, p)
		}
	}
	if len(own) > 0 || len(f.Machines) == 0 {
		r := &fileReport{file: file, problems: own}
		if len(f.Machines) == 0 && len(own.Errors()) == 0 {
			r.readErr = errors.New("it declares no state machine")
		}
		reports = append(reports, r)
	}
	for _, m := range machines {
		r := &fileReport{file: file, machine: m.Name}
		for _, p := range f.Problems {
			if p.Machine == m.Name {
				r.problems = append(r.problems, p)
			}
		}
		if m.Definition != "" {
			t := m.Type
			if typeGiven {
				t = typ
			}
			_, r.diags = definition.Load([]byte(m.Definition), definition.Options{Type: t})
		}
		reports = append(reports, r)
	}
	return reports, nil
}

// printValidation prints one line per problem, then "FILE: valid" for a
// file without errors, so that a clean run says so.
func printValidation(w io.Writer, reports []*fileReport) error {
	for _, r := range reports {
		if r.readErr != nil {
			if _, err := fmt.Fprintf(w, "%s: cannot read: %v\n", r.label(), r.readErr); err != nil {
				return err
			}
			continue
		}
		for _, p := range r.problems {
			if _, err := fmt.Fprintln(w, p.Error()); err != nil {
				return err
			}
		}
		for _, d := range r.diags {
			if _, err := fmt.Fprintln(w, diagnosticLine(r.label(), d)); err != nil {
				return err
			}
		}
		if r.valid() {
			if _, err := fmt.Fprintf(w, "%s: valid\n", r.label()); err != nil {
				return err
			}
		}
	}
	return nil
}

// diagnosticLine is one problem as validate and run print it:
// "FILE: PLACE: [warning: ]MESSAGE (CODE)[; did you mean 'X'?]".
func diagnosticLine(file string, d definition.Diagnostic) string {
	loc := ""
	if d.Location != "" {
		loc = d.Location + ": "
	}
	sev := ""
	if !d.IsError() {
		sev = "warning: "
	}
	hint := ""
	if d.Hint != "" {
		hint = "; " + d.Hint
	}
	return fmt.Sprintf("%s: %s%s%s (%s)%s", file, loc, sev, d.Message, d.Code, hint)
}

// validationJSON is validate's --json document:
//
//	{"valid": false, "files": [{"file": "a.json", "valid": false,
//	  "diagnostics": [{"severity": "ERROR", "code": "...", "message": "...",
//	  "location": "/States/A/Next", "hint": "did you mean 'B'?"}]}]}
func validationJSON(reports []*fileReport) *value.Object {
	all := true
	files := make([]any, len(reports))
	for i, r := range reports {
		all = all && r.valid()
		ms := []value.Member{{Key: "file", Value: r.file}}
		if r.machine != "" {
			ms = append(ms, value.Member{Key: "stateMachine", Value: r.machine})
		}
		ms = append(ms, value.Member{Key: "valid", Value: r.valid()})
		if len(r.problems) > 0 {
			probs := make([]any, len(r.problems))
			for j, p := range r.problems {
				pm := []value.Member{{Key: "severity", Value: p.Severity}, {Key: "file", Value: p.Place.File}}
				if p.Place.Line > 0 {
					pm = append(pm, value.Member{Key: "line", Value: value.Number(strconv.Itoa(p.Place.Line))})
				}
				if p.Place.Path != "" {
					pm = append(pm, value.Member{Key: "path", Value: p.Place.Path})
				}
				probs[j] = value.NewObject(append(pm, value.Member{Key: "message", Value: p.Message}))
			}
			ms = append(ms, value.Member{Key: "problems", Value: probs})
		}
		if r.readErr != nil {
			ms = append(ms, value.Member{Key: "error", Value: "cannot read: " + r.readErr.Error()})
		}
		diags := make([]any, len(r.diags))
		for j, d := range r.diags {
			dm := []value.Member{{Key: "severity", Value: severity(d)}, {Key: "code", Value: d.Code}, {Key: "message", Value: d.Message}}
			if d.Location != "" {
				dm = append(dm, value.Member{Key: "location", Value: d.Location})
			}
			if d.Hint != "" {
				dm = append(dm, value.Member{Key: "hint", Value: d.Hint})
			}
			diags[j] = value.NewObject(dm)
		}
		files[i] = value.NewObject(append(ms, value.Member{Key: "diagnostics", Value: diags}))
	}
	return value.NewObject([]value.Member{{Key: "valid", Value: all}, {Key: "files", Value: files}})
}

func severity(d definition.Diagnostic) string {
	if d.IsError() {
		return definition.Error
	}
	return definition.Warning
}
