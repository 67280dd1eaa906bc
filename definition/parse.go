// Package definition reads Amazon States Language definitions, in JSON or in
// YAML, and validates them the way AWS's CreateStateMachine and
// ValidateStateMachineDefinition do: every problem is reported, each with its
// place in the definition and AWS's diagnostic code.
//
// A definition is kept as a value.Object, the same ordered JSON model the
// engine runs on, so nothing is lost between validation and compilation.
package definition

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"

	"github.com/baton-sh/baton/value"
)

// MaxSize is the largest definition AWS accepts, in bytes.
const MaxSize = 1 << 20

// Parse reads a definition. Text whose first significant character is '{'
// is JSON; anything else is read as YAML (of which JSON is a subset, but the
// JSON reader keeps number literals exact and reports JSON's own errors).
func Parse(data []byte) (*value.Object, Diagnostics) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, Diagnostics{{Code: SchemaValidationFailed, Message: "Definition must be a valid JSON object"}}
	}
	if trimmed[0] == '{' || trimmed[0] == '[' || trimmed[0] == '"' {
		v, err := value.Parse(trimmed)
		if err != nil {
			return nil, Diagnostics{{Code: InvalidJSONDescription, Message: jsonError(data, len(data)-len(bytes.TrimLeftFunc(data, unicode.IsSpace)), err)}}
		}
		if msg := duplicateField(trimmed); msg != "" {
			return nil, Diagnostics{{Code: InvalidJSONDescription, Message: msg}}
		}
		obj, ok := v.(*value.Object)
		if !ok {
			return nil, Diagnostics{{Code: SchemaValidationFailed, Message: "Definition must be a valid JSON object"}}
		}
		return obj, nil
	}
	// YAML keeps its first line's indentation: a document indented as a
	// whole is read as it is written.
	v, err := parseYAML(bytes.TrimRight(data, " \t\r\n"))
	if err != nil {
		return nil, Diagnostics{{Code: InvalidJSONDescription, Message: err.Error()}}
	}
	obj, ok := v.(*value.Object)
	if !ok {
		return nil, Diagnostics{{Code: SchemaValidationFailed, Message: "Definition must be a valid JSON object"}}
	}
	return obj, nil
}

// jsonError says where the JSON text data went wrong by line and column,
// as editors count (the parser saw the text from byte lead on).
func jsonError(data []byte, lead int, err error) string {
	var se *value.SyntaxError
	if !errors.As(err, &se) {
		return err.Error()
	}
	line, col := value.LineColumn(data, lead+se.Offset)
	return fmt.Sprintf("invalid JSON at line %d, column %d: %s", line, col, se.Msg)
}

// duplicateField reports a member name that repeats within one object of a
// JSON text ("" when none does), as AWS refuses it. The text is known to
// be valid JSON.
func duplicateField(data []byte) string {
	dec := json.NewDecoder(bytes.NewReader(data))
	type frame struct {
		keys   map[string]bool
		object bool
		key    bool // the next string token of an object is a key
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return "" // the end (the text was checked before)
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.object && top.key {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				continue
			}
			k, _ := tok.(string)
			if top.keys[k] {
				return fmt.Sprintf("Duplicate field '%s' at line %d", k, 1+bytes.Count(data[:dec.InputOffset()], []byte("\n")))
			}
			top.keys[k] = true
			top.key = false
			continue
		}
		if top != nil && top.object {
			top.key = true // a value was read: a key comes next
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{keys: map[string]bool{}, object: true, key: true})
		case json.Delim('['):
			stack = append(stack, &frame{})
		case json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
	}
}

// ParseString is Parse for a string.
func ParseString(s string) (*value.Object, Diagnostics) { return Parse([]byte(s)) }

func parseYAML(data []byte) (any, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("invalid YAML: %s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, fmt.Errorf("invalid YAML: more than one document")
	}
	c := yamlConverter{}
	return c.convert(&doc, 0)
}

type yamlConverter struct {
	nodes int
}

// maxYAMLNodes bounds the work an alias-heavy document can cause.
const maxYAMLNodes = 1 << 20

func (c *yamlConverter) convert(n *yaml.Node, depth int) (any, error) {
	c.nodes++
	if c.nodes > maxYAMLNodes {
		return nil, fmt.Errorf("invalid YAML: the document expands to too many nodes")
	}
	if depth > value.MaxDepth {
		return nil, fmt.Errorf("invalid YAML: nesting deeper than %d", value.MaxDepth)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return c.convert(n.Content[0], depth)
	case yaml.AliasNode:
		return c.convert(n.Alias, depth)
	case yaml.MappingNode:
		// Merge keys (<<: *anchor) go first so that the mapping's own keys
		// override what they bring.
		b := value.NewBuilder(len(n.Content) / 2)
		own := map[string]bool{} // a mapping's own keys (merged ones it may override)
		for pass := 0; pass < 2; pass++ {
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i]
				isMerge := k.Kind == yaml.ScalarNode && k.Tag == "!!merge"
				if isMerge != (pass == 0) {
					continue
				}
				if !isMerge && k.Kind != yaml.ScalarNode {
					return nil, fmt.Errorf("invalid YAML: line %d: a mapping key must be a scalar", k.Line)
				}
				v, err := c.convert(n.Content[i+1], depth+1)
				if err != nil {
					return nil, err
				}
				if !isMerge {
					if own[k.Value] {
						return nil, fmt.Errorf("invalid YAML: line %d: duplicate field '%s'", k.Line, k.Value)
					}
					own[k.Value] = true
					b.Set(k.Value, v)
					continue
				}
				sources := []any{v}
				if list, ok := v.([]any); ok {
					sources = list
				}
				for _, src := range sources {
					if mo, ok := src.(*value.Object); ok {
						for _, m := range mo.Members() {
							b.Set(m.Key, m.Value)
						}
					}
				}
			}
		}
		return b.Object(), nil
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, item := range n.Content {
			v, err := c.convert(item, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.ScalarNode:
		return scalar(n)
	}
	return nil, fmt.Errorf("invalid YAML: line %d: unsupported node", n.Line)
}

func scalar(n *yaml.Node) (any, error) {
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, fmt.Errorf("invalid YAML: line %d: %v", n.Line, err)
		}
		return b, nil
	case "!!int":
		s := strings.ReplaceAll(n.Value, "_", "")
		if value.ValidNumber(s) {
			return value.Number(s), nil
		}
		i, err := strconv.ParseInt(s, 0, 64)
		if err != nil {
			return nil, fmt.Errorf("invalid YAML: line %d: invalid integer %q", n.Line, n.Value)
		}
		return value.Int(i), nil
	case "!!float":
		if value.ValidNumber(n.Value) {
			return value.Number(n.Value), nil
		}
		var f float64
		if err := n.Decode(&f); err != nil {
			return nil, fmt.Errorf("invalid YAML: line %d: %v", n.Line, err)
		}
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, fmt.Errorf("invalid YAML: line %d: %q is not a JSON number", n.Line, n.Value)
		}
		return value.Float(f), nil
	}
	return n.Value, nil
}
