package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/baton-sh/baton/definition"
	"github.com/baton-sh/baton/graph"
)

// cmdGraph draws a definition. One that is still invalid is drawn too,
// its problems marked in the drawing and listed on stderr: a diagram helps
// most while a machine is being written.
func cmdGraph(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("graph", flag.ContinueOnError)
	format := fs.String("format", "mermaid", "output format: mermaid or dot")
	typ := addTypeFlag(fs)
	smName := fs.String("state-machine", "", "the state machine to draw of an infrastructure file, by `NAME` or logical ID (default: its only one)")
	fl := addInfraFlags(fs)
	files, err := parseFlags(fs, args)
	if err != nil {
		if err == flag.ErrHelp {
			fmt.Fprint(stdout, helpText(fs, "baton graph FILE [--state-machine NAME] [--format mermaid|dot] [--type STANDARD|EXPRESS] [--param NAME=VALUE] [--stage STAGE]"))
		}
		return err
	}
	if len(files) != 1 {
		return usageError("graph: name exactly one definition file")
	}
	if *format != graph.Mermaid && *format != graph.DOT {
		return usageError("graph: --format must be mermaid or dot")
	}
	file := files[0]
	inf, err := loadInfra(file, fl)
	if err != nil {
		return err
	}
	var data []byte
	if inf != nil {
		m, err := pickMachine(inf, *smName, stderr)
		if err != nil {
			return err
		}
		typeGiven := false
		fs.Visit(func(f *flag.Flag) { typeGiven = typeGiven || f.Name == "type" })
		if !typeGiven {
			if err := typ.Set(m.Type); err != nil {
				return usageError("graph: %v", err)
			}
		}
		data, file = []byte(m.Definition), machineLabel(file, m.Name)
	} else if data, err = os.ReadFile(file); err != nil {
		return usageError("cannot read the definition: %v", err)
	}
	doc, diags := definition.Parse(data)
	if doc != nil {
		diags = definition.Validate(doc, definition.Options{Type: typ.String()})
	} else {
		// Not even a JSON or YAML object: there is nothing to draw.
		return usageError("%s", problems(file+" cannot be drawn:", file, diags))
	}
	text, err := graph.Draw(doc, diags, *format)
	if err != nil {
		return usageError("graph: %v", err)
	}
	if diags.HasErrors() {
		fmt.Fprintln(stderr, "baton: "+problems(file+" is not a valid state machine; the drawing marks its problems:", file, diags.Errors()))
	}
	_, err = io.WriteString(stdout, text)
	return err
}

// problems is a heading and one line per diagnostic, as loadMachine
// writes them.
func problems(heading, file string, diags definition.Diagnostics) string {
	s := heading
	for _, d := range diags {
		loc := ""
		if d.Location != "" {
			loc = d.Location + ": "
		}
		s += fmt.Sprintf("\n%s: %s%s (%s)", file, loc, d.Message, d.Code)
	}
	return s
}
