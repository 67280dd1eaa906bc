package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/baton-sh/baton"
	"github.com/baton-sh/baton/graph"
)

func cmdGraph(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("graph", flag.ContinueOnError)
	format := fs.String("format", "mermaid", "output format: mermaid or dot")
	files, err := parseFlags(fs, args)
	if err != nil {
		if err == flag.ErrHelp {
			fmt.Fprint(stdout, helpText(fs, "baton graph FILE [--format mermaid|dot]"))
		}
		return err
	}
	if len(files) != 1 {
		return usageError("graph: name exactly one definition file")
	}
	if *format != graph.Mermaid && *format != graph.DOT {
		return usageError("graph: --format must be mermaid or dot")
	}
	sm, err := loadMachine(baton.New(), files[0])
	if err != nil {
		return err
	}
	text, err := sm.Graph(*format)
	if err != nil {
		return usageError("graph: %v", err)
	}
	_, err = io.WriteString(stdout, text)
	return err
}
