package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/baton-sh/baton/definition"
)

func cmdValidate(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	typ := addTypeFlag(fs)
	files, err := parseFlags(fs, args)
	if err != nil {
		if err == flag.ErrHelp {
			fmt.Fprint(stdout, helpText(fs, "baton validate [--type STANDARD|EXPRESS] FILE..."))
		}
		return err
	}
	if len(files) == 0 {
		return usageError("validate: name at least one definition file")
	}
	invalid := false
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			fmt.Fprintf(stdout, "%s: cannot read: %v\n", file, err)
			invalid = true
			continue
		}
		_, diags := definition.Load(data, definition.Options{Type: typ.String()})
		for _, d := range diags {
			loc := ""
			if d.Location != "" {
				loc = d.Location + ": "
			}
			sev := ""
			if !d.IsError() {
				sev = "warning: "
			}
			fmt.Fprintf(stdout, "%s: %s%s%s (%s)\n", file, loc, sev, d.Message, d.Code)
		}
		if diags.HasErrors() {
			invalid = true
		}
	}
	if invalid {
		return &exitError{code: 1}
	}
	return nil
}
