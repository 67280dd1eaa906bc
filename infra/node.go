package infra

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// kind is what a node holds.
type kind uint8

const (
	nullNode kind = iota
	boolNode
	numNode
	strNode
	seqNode
	mapNode
)

// node is a JSON-like value that remembers the line it came from, so that
// every problem found while resolving a template can name its place. Maps
// keep their keys' order: a definition is written back as it was.
type node struct {
	kind kind
	text string   // a scalar's text: a string, a JSON number, "true"/"false"
	keys []string // a map's keys, in order
	vals []*node  // a map's values (beside keys) or a sequence's items
	line int
}

func str(s string, line int) *node { return &node{kind: strNode, text: s, line: line} }
func boolean(b bool, line int) *node {
	return &node{kind: boolNode, text: strconv.FormatBool(b), line: line}
}

// get is a map's value under key, or nil.
func (n *node) get(key string) *node {
	if n == nil || n.kind != mapNode {
		return nil
	}
	for i, k := range n.keys {
		if k == key {
			return n.vals[i]
		}
	}
	return nil
}

// set replaces or appends a map's member.
func (n *node) set(key string, v *node) {
	for i, k := range n.keys {
		if k == key {
			n.vals[i] = v
			return
		}
	}
	n.keys = append(n.keys, key)
	n.vals = append(n.vals, v)
}

// str is a scalar's text ("" for collections and null).
func (n *node) str() string {
	if n == nil || n.kind == seqNode || n.kind == mapNode || n.kind == nullNode {
		return ""
	}
	return n.text
}

func (n *node) isScalar() bool {
	return n != nil && (n.kind == strNode || n.kind == numNode || n.kind == boolNode)
}

// truthy reads a boolean written as YAML's true/false or as a string.
func (n *node) truthy() (bool, bool) {
	if n == nil {
		return false, false
	}
	switch strings.ToLower(n.text) {
	case "true":
		return true, n.isScalar()
	case "false":
		return false, n.isScalar()
	}
	return false, false
}

// describe names a node's kind for messages.
func (n *node) describe() string {
	if n == nil {
		return "nothing"
	}
	switch n.kind {
	case nullNode:
		return "null"
	case boolNode:
		return "a boolean"
	case numNode:
		return "a number"
	case strNode:
		return "a string"
	case seqNode:
		return "a list"
	}
	return "an object"
}

// json writes a node as JSON text: maps in their order, numbers as they
// were written.
func (n *node) json(b *bytes.Buffer) {
	switch n.kind {
	case nullNode:
		b.WriteString("null")
	case boolNode, numNode:
		b.WriteString(n.text)
	case strNode:
		quote(b, n.text)
	case seqNode:
		b.WriteByte('[')
		for i, v := range n.vals {
			if i > 0 {
				b.WriteByte(',')
			}
			v.json(b)
		}
		b.WriteByte(']')
	case mapNode:
		b.WriteByte('{')
		for i, k := range n.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			quote(b, k)
			b.WriteByte(':')
			n.vals[i].json(b)
		}
		b.WriteByte('}')
	}
}

func (n *node) jsonText() string {
	var b bytes.Buffer
	n.json(&b)
	return b.String()
}

// quote writes a JSON string; unlike json.Marshal it leaves <, > and &
// as they are, as a definition has them.
func quote(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)       // a string always encodes
	b.Truncate(b.Len() - 1) // Encode ends with a newline
}

// maxNodes bounds the nodes one document may expand to: YAML aliases can
// make a small file name an enormous tree.
const maxNodes = 1 << 20

// errTooBig is a document that expands past maxNodes.
var errTooBig = errors.New("the document expands to more than 1,048,576 values (YAML aliases?)")

// parseDoc reads one YAML or JSON document. CloudFormation's short forms
// (!Ref X, !GetAtt A.B, !Sub ...) become their long forms ({"Ref": "X"},
// {"Fn::GetAtt": ["A", "B"]}, ...), as CloudFormation reads them.
func parseDoc(data []byte) (*node, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("the file is empty")
		}
		return nil, errors.New(strings.TrimPrefix(err.Error(), "yaml: "))
	}
	c := converter{budget: maxNodes}
	n, err := c.convert(&doc, 0)
	if err != nil {
		return nil, err
	}
	return n, nil
}

type converter struct {
	budget int
}

// maxDepth bounds nesting, in documents and in the evaluation of intrinsic
// functions.
const maxDepth = 200

func (c *converter) convert(y *yaml.Node, depth int) (*node, error) {
	c.budget--
	if c.budget < 0 {
		return nil, errTooBig
	}
	if depth > maxDepth {
		return nil, fmt.Errorf("line %d: nested more than %d levels deep", y.Line, maxDepth)
	}
	switch y.Kind {
	case yaml.DocumentNode:
		if len(y.Content) == 0 {
			return &node{kind: nullNode, line: y.Line}, nil
		}
		return c.convert(y.Content[0], depth+1)
	case yaml.AliasNode:
		return c.convert(y.Alias, depth+1)
	}
	tag := y.Tag
	if tag != "" && !strings.HasPrefix(tag, "!!") && strings.HasPrefix(tag, "!") {
		return c.shortForm(y, tag[1:], depth)
	}
	switch y.Kind {
	case yaml.ScalarNode:
		return scalar(y), nil
	case yaml.SequenceNode:
		n := &node{kind: seqNode, line: y.Line, vals: make([]*node, 0, len(y.Content))}
		for _, item := range y.Content {
			v, err := c.convert(item, depth+1)
			if err != nil {
				return nil, err
			}
			n.vals = append(n.vals, v)
		}
		return n, nil
	case yaml.MappingNode:
		n := &node{kind: mapNode, line: y.Line}
		var merges []*yaml.Node
		for i := 0; i+1 < len(y.Content); i += 2 {
			k, v := y.Content[i], y.Content[i+1]
			if k.ShortTag() == "!!merge" {
				merges = append(merges, v)
				continue
			}
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: a key must be a string", k.Line)
			}
			val, err := c.convert(v, depth+1)
			if err != nil {
				return nil, err
			}
			if n.get(k.Value) != nil {
				return nil, fmt.Errorf("line %d: the key %q appears twice", k.Line, k.Value)
			}
			n.keys = append(n.keys, k.Value)
			n.vals = append(n.vals, val)
		}
		// << merges: the map's own keys win, then earlier merged maps.
		for _, m := range merges {
			srcs := []*yaml.Node{m}
			if m.Kind == yaml.SequenceNode {
				srcs = m.Content
			}
			for _, s := range srcs {
				mv, err := c.convert(s, depth+1)
				if err != nil {
					return nil, err
				}
				if mv.kind != mapNode {
					return nil, fmt.Errorf("line %d: << merges a map, not %s", s.Line, mv.describe())
				}
				for i, k := range mv.keys {
					if n.get(k) == nil {
						n.keys = append(n.keys, k)
						n.vals = append(n.vals, mv.vals[i])
					}
				}
			}
		}
		return n, nil
	}
	return &node{kind: nullNode, line: y.Line}, nil
}

// scalar reads a plain YAML scalar as the JSON value it stands for.
func scalar(y *yaml.Node) *node {
	n := &node{kind: strNode, text: y.Value, line: y.Line}
	switch y.ShortTag() {
	case "!!null":
		n.kind = nullNode
		n.text = ""
	case "!!bool":
		var b bool
		if y.Decode(&b) == nil {
			n.kind, n.text = boolNode, strconv.FormatBool(b)
		}
	case "!!int":
		n.kind = numNode
		if !json.Valid([]byte(y.Value)) || strings.HasPrefix(y.Value, "+") {
			var i int64
			if y.Decode(&i) == nil {
				n.text = strconv.FormatInt(i, 10)
			} else {
				n.kind = strNode
			}
		}
	case "!!float":
		n.kind = numNode
		if !json.Valid([]byte(y.Value)) {
			var f float64
			if y.Decode(&f) == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
				n.text = strconv.FormatFloat(f, 'g', -1, 64)
			} else {
				n.kind = strNode
			}
		}
	}
	return n
}

// shortForm reads CloudFormation's YAML short form of an intrinsic
// function: !Name x is {"Fn::Name": x}, except !Ref and !Condition.
func (c *converter) shortForm(y *yaml.Node, name string, depth int) (*node, error) {
	key := "Fn::" + name
	switch name {
	case "Ref", "Condition":
		key = name
	}
	var arg *node
	switch {
	case name == "GetAtt" && y.Kind == yaml.ScalarNode:
		// !GetAtt Resource.Attribute: the attribute may hold dots itself.
		res, attr, ok := strings.Cut(y.Value, ".")
		if !ok {
			return nil, fmt.Errorf("line %d: !GetAtt %s: write Resource.Attribute", y.Line, y.Value)
		}
		arg = &node{kind: seqNode, line: y.Line, vals: []*node{str(res, y.Line), str(attr, y.Line)}}
	case y.Kind == yaml.ScalarNode:
		arg = str(y.Value, y.Line)
	default:
		cp := *y
		cp.Tag = ""
		if y.Kind == yaml.SequenceNode {
			cp.Tag = "!!seq"
		} else if y.Kind == yaml.MappingNode {
			cp.Tag = "!!map"
		}
		var err error
		if arg, err = c.convert(&cp, depth+1); err != nil {
			return nil, err
		}
	}
	return &node{kind: mapNode, line: y.Line, keys: []string{key}, vals: []*node{arg}}, nil
}
