package config

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/baton-sh/baton/internal/suggest"
)

// checkShape compares a baton.yaml document with the Config it must
// decode into and reports every key that is unknown and every value of
// the wrong kind, by its key path and line ("line 3: functions.F.comand:
// unknown field, did you mean 'command'?"). The YAML decoder's own
// messages name Go types (map[string]*config.Function), which a person
// editing the file has never seen.
func checkShape(doc *yaml.Node) error {
	s := &shapeChecker{}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		s.check(doc.Content[0], reflect.TypeFor[Config](), "", 0)
	}
	if len(s.problems) == 0 {
		return nil
	}
	return errors.New(strings.Join(s.problems, "\n"))
}

type shapeChecker struct {
	problems []string
}

// maxShapeDepth bounds the walk; baton.yaml nests four levels at most, so
// anything deeper is reported before the walk gets there.
const maxShapeDepth = 32

var (
	durationType  = reflect.TypeFor[Duration]()
	jsonValueType = reflect.TypeFor[JSONValue]()
)

// jsonType takes any YAML value (it is written as JSON).
var jsonType = reflect.TypeFor[JSON]()

func (s *shapeChecker) add(n *yaml.Node, path, format string, args ...any) {
	if path == "" {
		path = "the file"
	}
	s.problems = append(s.problems, fmt.Sprintf("line %d: %s: %s", n.Line, path, fmt.Sprintf(format, args...)))
}

func (s *shapeChecker) check(n *yaml.Node, t reflect.Type, path string, depth int) {
	for n.Kind == yaml.AliasNode && n.Alias != nil && depth < maxShapeDepth {
		n, depth = n.Alias, depth+1
	}
	if depth >= maxShapeDepth {
		s.add(n, path, "nested too deeply")
		return
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return // nothing given: the field's zero value
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == jsonType:
	case t.Kind() == reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
			s.add(n, path, "expected true or false, found %s", kindOf(n))
		}
	case t == durationType:
		if n.Kind != yaml.ScalarNode {
			s.add(n, path, "expected a duration such as 10s or 1m30s, found %s", kindOf(n))
		} else if d, err := time.ParseDuration(n.Value); err != nil || d < 0 {
			s.add(n, path, "%q is not a duration such as 10s or 1m30s", n.Value)
		}
	case t == jsonValueType:
		// Any YAML value: an event pattern, an input.
	case t.Kind() == reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
			s.add(n, path, "expected true or false, found %s", kindOf(n))
		}
	case t.Kind() == reflect.Struct:
		s.mapping(n, path, depth, func(key *yaml.Node, value *yaml.Node) {
			f, ok := fieldByKey(t, key.Value)
			if !ok {
				s.add(key, join(path, key.Value), "unknown field%s", hintFor(key.Value, fieldKeys(t)))
				return
			}
			s.check(value, f.Type, join(path, key.Value), depth+1)
		})
	case t.Kind() == reflect.Map:
		s.mapping(n, path, depth, func(key *yaml.Node, value *yaml.Node) {
			s.check(value, t.Elem(), join(path, key.Value), depth+1)
		})
	case t.Kind() == reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			s.add(n, path, "expected a list, found %s", kindOf(n))
			return
		}
		for i, item := range n.Content {
			s.check(item, t.Elem(), path+"["+strconv.Itoa(i)+"]", depth+1)
		}
	case t.Kind() == reflect.String:
		if n.Kind != yaml.ScalarNode {
			s.add(n, path, "expected a single value, found %s", kindOf(n))
		}
	}
}

// mapping checks that n is a mapping and calls f for each of its own
// members (a merge key's are checked where they are written).
func (s *shapeChecker) mapping(n *yaml.Node, path string, depth int, f func(key, value *yaml.Node)) {
	if n.Kind != yaml.MappingNode {
		s.add(n, path, "expected a mapping (key: value lines), found %s", kindOf(n))
		return
	}
	seen := map[string]int{} // key -> its line
	for i := 0; i+1 < len(n.Content); i += 2 {
		key := n.Content[i]
		if key.Tag == "!!merge" {
			continue
		}
		if key.Kind != yaml.ScalarNode {
			s.add(key, path, "a key must be a single value, not %s", kindOf(key))
			continue
		}
		if line, dup := seen[key.Value]; dup {
			s.add(key, join(path, key.Value), "given twice (first at line %d)", line)
			continue
		}
		seen[key.Value] = key.Line
		f(key, n.Content[i+1])
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// kindOf names what a node holds in the words of a YAML file.
func kindOf(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!int", "!!float":
			return "the number " + n.Value
		case "!!bool":
			return "the boolean " + n.Value
		}
		return fmt.Sprintf("the text %q", n.Value)
	}
	return "nothing usable"
}

// fieldByKey is the field of a struct that a YAML key decodes into.
func fieldByKey(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == key && name != "-" {
			return f, true
		}
		if name == "" && opts == "inline" && f.Type.Kind() == reflect.Struct {
			if g, ok := fieldByKey(f.Type, key); ok {
				return g, true
			}
		}
	}
	return reflect.StructField{}, false
}

// fieldKeys are the YAML keys a struct takes, in declaration order.
func fieldKeys(t reflect.Type) []string {
	var keys []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		switch {
		case name == "" && opts == "inline" && f.Type.Kind() == reflect.Struct:
			keys = append(keys, fieldKeys(f.Type)...)
		case name != "" && name != "-":
			keys = append(keys, name)
		}
	}
	return keys
}

// hintFor is what follows "unknown field": the key it most likely
// misspells, else the keys allowed there.
func hintFor(key string, keys []string) string {
	if s := suggest.Closest(key, keys); s != "" {
		return fmt.Sprintf(", did you mean '%s'?", s)
	}
	return " (the fields here: " + strings.Join(keys, ", ") + ")"
}
