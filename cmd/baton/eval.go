package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/baton-sh/baton/jsonata"
)

const evalUsage = `Usage: baton eval EXPR [--input JSON|@FILE] [--bindings JSON|@FILE] [--json]

Evaluates a JSONata expression and prints its result as JSON: nothing when
the result is undefined, "CODE: message" on stderr (exit status 1) when the
expression fails. Without --input the input is undefined, not null.

  --input JSON|@FILE     the input document
  --bindings JSON|@FILE  an object of variables, by name without the '$'
  --json                 print one object: {"result": ...}, {"undefined": true}
                         or {"error": {"code": "...", "message": "..."}}
`

func cmdEval(args []string, stdout, stderr io.Writer) error {
	var exprs []string
	var input, bindings string
	var hasInput, hasBindings, asJSON bool
	// Flags are taken by name only, so that an expression may begin with
	// '-' ("baton eval -1").
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") {
			name = ""
		}
		switch name {
		case "h", "help":
			fmt.Fprint(stdout, evalUsage)
			return nil
		case "json":
			asJSON = true
			continue
		case "input", "bindings":
			if !hasVal {
				if i+1 >= len(args) {
					return usageError("eval: --%s needs a value", name)
				}
				i++
				val = args[i]
			}
			if name == "input" {
				input, hasInput = val, true
			} else {
				bindings, hasBindings = val, true
			}
			continue
		}
		if a == "--" {
			exprs = append(exprs, args[i+1:]...)
			break
		}
		exprs = append(exprs, a)
	}
	if len(exprs) != 1 {
		return usageError("eval: give exactly one expression\n\n%s", evalUsage)
	}
	var in any = jsonata.Undefined
	if hasInput {
		data, err := readInput(input)
		if err != nil {
			return err
		}
		if in, err = jsonata.ParseJSON(data); err != nil {
			return usageError("eval: the input is not valid JSON: %v", err)
		}
	}
	opts := &jsonata.Options{}
	if hasBindings {
		data, err := readInput(bindings)
		if err != nil {
			return err
		}
		b, err := jsonata.ParseJSON(data)
		m, ok := b.(*jsonata.Map)
		if err != nil || !ok {
			return usageError("eval: the bindings must be a JSON object")
		}
		opts.Bindings = map[string]any{}
		for k, v := range m.All() {
			opts.Bindings[k] = v
		}
	}
	result, err := evaluate(exprs[0], in, opts)
	if err != nil {
		var je *jsonata.Error
		if !errors.As(err, &je) {
			return err
		}
		if asJSON {
			msg := jsonata.NewMap(2)
			msg.Set("code", je.Code)
			msg.Set("message", je.Text())
			obj := jsonata.NewMap(1)
			obj.Set("error", msg)
			stdout.Write(append(jsonata.MarshalJSON(obj), '\n'))
		} else {
			fmt.Fprintf(stderr, "%s: %s\n", je.Code, je.Text())
		}
		return &exitError{code: 1}
	}
	switch {
	case asJSON && result == jsonata.Undefined:
		fmt.Fprintln(stdout, `{"undefined":true}`)
	case asJSON:
		obj := jsonata.NewMap(1)
		obj.Set("result", result)
		stdout.Write(append(jsonata.MarshalJSON(obj), '\n'))
	case result != jsonata.Undefined:
		stdout.Write(append(jsonata.MarshalJSON(result), '\n'))
	}
	return nil
}

func evaluate(src string, input any, opts *jsonata.Options) (any, error) {
	e, err := jsonata.Compile(src)
	if err != nil {
		return nil, err
	}
	return e.Evaluate(input, opts)
}
