package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/baton-sh/baton/definition"
	"github.com/baton-sh/baton/value"
)

// fileReport is what validate found in one file.
type fileReport struct {
	file    string
	readErr error // the file could not be read
	diags   definition.Diagnostics
}

func (r *fileReport) valid() bool { return r.readErr == nil && !r.diags.HasErrors() }

func cmdValidate(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	typ := addTypeFlag(fs)
	asJSON := fs.Bool("json", false, "print one JSON object: each file, whether it is valid, and its diagnostics")
	files, err := parseFlags(fs, args)
	if err != nil {
		if err == flag.ErrHelp {
			fmt.Fprint(stdout, helpText(fs, "baton validate [--type STANDARD|EXPRESS] [--json] FILE..."))
		}
		return err
	}
	if len(files) == 0 {
		return usageError("validate: name at least one definition file")
	}
	reports := make([]*fileReport, len(files))
	invalid := false
	for i, file := range files {
		r := &fileReport{file: file}
		if data, err := os.ReadFile(file); err != nil {
			r.readErr = err
		} else {
			_, r.diags = definition.Load(data, definition.Options{Type: typ.String()})
		}
		reports[i] = r
		invalid = invalid || !r.valid()
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

// printValidation prints one line per problem, then "FILE: valid" for a
// file without errors, so that a clean run says so.
func printValidation(w io.Writer, reports []*fileReport) error {
	for _, r := range reports {
		if r.readErr != nil {
			if _, err := fmt.Fprintf(w, "%s: cannot read: %v\n", r.file, r.readErr); err != nil {
				return err
			}
			continue
		}
		for _, d := range r.diags {
			if _, err := fmt.Fprintln(w, diagnosticLine(r.file, d)); err != nil {
				return err
			}
		}
		if r.valid() {
			if _, err := fmt.Fprintf(w, "%s: valid\n", r.file); err != nil {
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
		ms := []value.Member{{Key: "file", Value: r.file}, {Key: "valid", Value: r.valid()}}
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
