// Package graph draws a state machine as Mermaid or Graphviz DOT text:
// Parallel branches and Map processors become subgraphs whose ends meet in
// a join before the state that follows, Choice edges carry their rule,
// Default and Catch edges are marked.
//
// It draws from the definition document, not from a compiled machine, so
// that a definition that is still invalid is drawn too: the states a
// problem is found in are marked, a transition to a state that does not
// exist goes to a marked "missing" node, and the problems are written as
// comments at the top.
package graph

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/baton-sh/baton/definition"
	"github.com/baton-sh/baton/machine"
	"github.com/baton-sh/baton/value"
)

// Formats the package writes.
const (
	Mermaid = "mermaid"
	DOT     = "dot"
)

type edgeKind uint8

const (
	edgeNext edgeKind = iota
	edgeChoice
	edgeDefault
	edgeCatch
	edgeBranch
)

type edge struct {
	from, to string
	label    string
	kind     edgeKind
}

type shape uint8

const (
	shapeState shape = iota
	shapeChoice
	shapeTerminal // Succeed, Fail
	shapeEndpoint // Start, End
	shapeJoin     // where a Parallel's branches or a Map's iterations end
	shapeMissing  // a state a transition names that does not exist
)

type node struct {
	id, label string
	shape     shape
	problem   bool // a diagnostic points into it
}

type cluster struct {
	id, label string
	nodes     []*node
	clusters  []*cluster
}

type builder struct {
	diags   definition.Diagnostics
	n       int
	ids     map[string]string // a state's location ("/States/A") to its node's id
	nodes   map[string]*node  // by id
	missing map[string]string // a missing state's location to its node's id
	edges   []edge
}

// Render draws a compiled machine.
func Render(m *machine.Machine, format string) (string, error) {
	return Draw(m.Source, nil, format)
}

// Draw draws a definition document, valid or not, with the diagnostics its
// validation gave (nil for none). Errors mark the states they point into;
// every diagnostic is written as a comment.
func Draw(def *value.Object, diags definition.Diagnostics, format string) (string, error) {
	if format != Mermaid && format != DOT {
		return "", fmt.Errorf("unknown graph format %q (want mermaid or dot)", format)
	}
	b, top := build(def, diags)
	if format == Mermaid {
		return b.mermaid(top), nil
	}
	return b.dot(top), nil
}

// build lays the graph out: its nodes in nested clusters, and its edges.
func build(def *value.Object, diags definition.Diagnostics) (*builder, *cluster) {
	b := &builder{diags: diags, ids: map[string]string{}, nodes: map[string]*node{}, missing: map[string]string{}}
	top := &cluster{}
	b.add(top, &node{id: "start_node", label: "Start", shape: shapeEndpoint})
	b.add(top, &node{id: "end_node", label: "End", shape: shapeEndpoint})
	if def == nil {
		def = value.NewObject(nil)
	}
	b.assign(def, "")
	start := b.machine(def, "", top, "end_node")
	if start != "" {
		b.edges = append([]edge{{from: "start_node", to: start, kind: edgeNext}}, b.edges...)
	}
	b.mark()
	return b, top
}

func (b *builder) add(c *cluster, n *node) {
	c.nodes = append(c.nodes, n)
	b.nodes[n.id] = n
}

// states returns a (sub-)machine's states, or nil when it has none that can
// be read.
func states(m *value.Object) *value.Object {
	s, _ := m.Get("States")
	o, _ := s.(*value.Object)
	return o
}

// subMachines returns the machines a Parallel or Map state holds, each
// with its location relative to the state's.
func subMachines(st *value.Object) (subs []*value.Object, locs []string) {
	switch str(st, "Type") {
	case definition.TypeParallel:
		br, _ := st.Get("Branches")
		arr, _ := br.([]any)
		for i, x := range arr {
			if o, ok := x.(*value.Object); ok {
				subs = append(subs, o)
				locs = append(locs, "/Branches["+strconv.Itoa(i)+"]")
			}
		}
	case definition.TypeMap:
		for _, f := range []string{"ItemProcessor", "Iterator"} {
			if p, ok := st.Get(f); ok {
				if o, ok := p.(*value.Object); ok {
					subs = append(subs, o)
					locs = append(locs, "/"+f)
				}
				break
			}
		}
	}
	return subs, locs
}

// assign numbers every state, depth first in definition order, before any
// edge is drawn: a transition may name a state further down.
func (b *builder) assign(m *value.Object, loc string) {
	sts := states(m)
	if sts == nil {
		return
	}
	for _, mem := range sts.Members() {
		stLoc := loc + "/States/" + mem.Key
		b.n++
		b.ids[stLoc] = "s" + strconv.Itoa(b.n)
		if st, ok := mem.Value.(*value.Object); ok {
			subs, locs := subMachines(st)
			for i, sub := range subs {
				b.assign(sub, stLoc+locs[i])
			}
		}
	}
}

// target is the node a transition from a machine at loc to the state
// named name goes to: the state's, or a marked node standing for it when
// it does not exist.
func (b *builder) target(c *cluster, loc string, name any) string {
	s, ok := name.(string)
	if !ok {
		s = string(value.Marshal(name))
	}
	stLoc := loc + "/States/" + s
	if id, ok := b.ids[stLoc]; ok {
		return id
	}
	if id, ok := b.missing[stLoc]; ok {
		return id
	}
	id := "missing" + strconv.Itoa(len(b.missing)+1)
	b.missing[stLoc] = id
	b.add(c, &node{id: id, label: s + "\n(missing)", shape: shapeMissing, problem: true})
	return id
}

// machine adds the states of the machine at loc to c; exit is the node its
// terminal states lead to. It returns the node of its StartAt ("" when it
// names none).
func (b *builder) machine(m *value.Object, loc string, c *cluster, exit string) string {
	if sts := states(m); sts != nil {
		for _, mem := range sts.Members() {
			b.state(mem.Key, mem.Value, loc, c, exit)
		}
	}
	start, ok := m.Get("StartAt")
	if !ok {
		return ""
	}
	return b.target(c, loc, start)
}

func (b *builder) state(name string, x any, loc string, c *cluster, exit string) {
	stLoc := loc + "/States/" + name
	id := b.ids[stLoc]
	st, ok := x.(*value.Object)
	if !ok {
		b.add(c, &node{id: id, label: name + "\n(not an object)", shape: shapeState})
		return
	}
	typ, _ := st.Get("Type")
	kind, _ := typ.(string)
	label := name + "\n" + kind
	if kind == "" {
		label = name + "\n(no Type)"
	}
	if res := str(st, "Resource"); res != "" && kind == definition.TypeTask {
		label += "\n" + res
	}
	n := &node{id: id, label: label}
	switch kind {
	case definition.TypeChoice:
		n.shape = shapeChoice
	case definition.TypeSucceed, definition.TypeFail:
		n.shape = shapeTerminal
	}
	b.add(c, n)

	// after is the node the state leads to ("" for none).
	after := func() string {
		if next, ok := st.Get("Next"); ok {
			return b.target(c, loc, next)
		}
		if end, _ := st.Get("End"); end == true {
			return exit
		}
		return ""
	}
	switch kind {
	case definition.TypeParallel, definition.TypeMap:
		b.container(st, stLoc, id, kind, c, after())
	case definition.TypeChoice:
		b.choice(st, loc, id, c)
	case definition.TypeSucceed, definition.TypeFail:
		b.edges = append(b.edges, edge{from: id, to: exit, kind: edgeNext})
	default:
		if to := after(); to != "" {
			b.edges = append(b.edges, edge{from: id, to: to, kind: edgeNext})
		}
	}
	if catch, ok := st.Get("Catch"); ok {
		arr, _ := catch.([]any)
		for _, x := range arr {
			ct, _ := x.(*value.Object)
			if ct == nil {
				continue
			}
			if next, ok := ct.Get("Next"); ok {
				b.edges = append(b.edges, edge{from: id, to: b.target(c, loc, next), label: "Catch " + errorNames(ct), kind: edgeCatch})
			}
		}
	}
}

// container draws a Parallel's branches or a Map's processor in a subgraph
// whose ends meet in a join node, which leads to the state after.
func (b *builder) container(st *value.Object, stLoc, id, kind string, c *cluster, after string) {
	name := strings.SplitN(b.nodes[id].label, "\n", 2)[0]
	join := &node{id: id + "_join", label: "join", shape: shapeJoin}
	subs, locs := subMachines(st)
	var box *cluster
	if kind == definition.TypeParallel {
		box = &cluster{id: id + "_branches", label: name + " branches"}
		for i, sub := range subs {
			bc := &cluster{id: fmt.Sprintf("%s_b%d", id, i), label: fmt.Sprintf("Branch %d", i+1)}
			if start := b.machine(sub, stLoc+locs[i], bc, join.id); start != "" {
				b.edges = append(b.edges, edge{from: id, to: start, kind: edgeBranch})
			}
			box.clusters = append(box.clusters, bc)
		}
	} else {
		box = &cluster{id: id + "_items", label: name + " item processor"}
		if len(subs) > 0 {
			if start := b.machine(subs[0], stLoc+locs[0], box, join.id); start != "" {
				b.edges = append(b.edges, edge{from: id, to: start, label: "each item", kind: edgeBranch})
			}
		}
	}
	b.add(box, join)
	c.clusters = append(c.clusters, box)
	if after != "" {
		b.edges = append(b.edges, edge{from: join.id, to: after, kind: edgeNext})
	}
}

func (b *builder) choice(st *value.Object, loc, id string, c *cluster) {
	if choices, ok := st.Get("Choices"); ok {
		arr, _ := choices.([]any)
		for _, x := range arr {
			r, _ := x.(*value.Object)
			if r == nil {
				continue
			}
			if next, ok := r.Get("Next"); ok {
				b.edges = append(b.edges, edge{from: id, to: b.target(c, loc, next), label: describe(r), kind: edgeChoice})
			}
		}
	}
	if def, ok := st.Get("Default"); ok {
		b.edges = append(b.edges, edge{from: id, to: b.target(c, loc, def), label: "Default", kind: edgeDefault})
	}
}

// str is a field's string value ("" when it is absent or not a string).
func str(o *value.Object, field string) string {
	x, _ := o.Get(field)
	s, _ := x.(string)
	return s
}

func errorNames(ct *value.Object) string {
	eq, _ := ct.Get("ErrorEquals")
	arr, _ := eq.([]any)
	names := make([]string, 0, len(arr))
	for _, x := range arr {
		if s, ok := x.(string); ok {
			names = append(names, s)
		} else {
			names = append(names, string(value.Marshal(x)))
		}
	}
	return strings.Join(names, ", ")
}

// ruleFields are the fields of a choice rule that are not its comparison.
var ruleFields = map[string]bool{"Variable": true, "Next": true, "Comment": true, "Assign": true, "Output": true}

// describe is a short text for a Choice rule: "$.x NumericEquals 1",
// "(a and b)", "not a", or a JSONata condition's expression.
func describe(r *value.Object) string {
	if cond, ok := r.Get("Condition"); ok {
		if src, ok := definition.ExpressionText(cond); ok {
			return src
		}
		return string(value.Marshal(cond))
	}
	for _, m := range r.Members() {
		switch m.Key {
		case "And", "Or":
			arr, _ := m.Value.([]any)
			parts := make([]string, 0, len(arr))
			for _, x := range arr {
				if o, ok := x.(*value.Object); ok {
					parts = append(parts, describe(o))
				}
			}
			return "(" + strings.Join(parts, " "+strings.ToLower(m.Key)+" ") + ")"
		case "Not":
			if o, ok := m.Value.(*value.Object); ok {
				return "not " + describe(o)
			}
		}
	}
	variable := ""
	if v := str(r, "Variable"); v != "" {
		variable = v + " "
	}
	for _, m := range r.Members() {
		if ruleFields[m.Key] {
			continue
		}
		return variable + m.Key + " " + operand(m.Key, m.Value)
	}
	return strings.TrimSpace(variable)
}

// operand prints a comparison's operand: strings quoted as JSON, except
// paths and timestamps, which read better bare.
func operand(op string, x any) string {
	s, ok := x.(string)
	if !ok {
		return string(value.Marshal(x))
	}
	if strings.HasPrefix(op, "String") && !strings.HasSuffix(op, "Path") {
		return string(value.Marshal(s))
	}
	return s
}

// mark marks the nodes of the states the errors point into: the state
// whose location is the longest prefix of the error's.
func (b *builder) mark() {
	for _, d := range b.diags {
		if !d.IsError() {
			continue
		}
		if id := b.owner(d.Location); id != "" {
			b.nodes[id].problem = true
		}
	}
}

func (b *builder) owner(loc string) string {
	best, id := -1, ""
	for stLoc, sid := range b.ids {
		if len(stLoc) <= best || !within(loc, stLoc) {
			continue
		}
		best, id = len(stLoc), sid
	}
	return id
}

// within reports whether loc is the location prefix or a place inside it.
func within(loc, prefix string) bool {
	rest, ok := strings.CutPrefix(loc, prefix)
	return ok && (rest == "" || rest[0] == '/' || rest[0] == '[')
}

// comments are the diagnostics, one line each, for the top of the graph.
func (b *builder) comments() []string {
	var out []string
	for _, d := range b.diags {
		sev := "error"
		if !d.IsError() {
			sev = "warning"
		}
		loc := d.Location
		if loc == "" {
			loc = "(definition)"
		}
		line := fmt.Sprintf("%s %s: %s (%s)", sev, loc, d.Message, d.Code)
		out = append(out, strings.Join(strings.Fields(line), " "))
	}
	return out
}

// ---- Mermaid ---------------------------------------------------------------------

func mermaidText(s string) string {
	s = strings.ReplaceAll(s, `"`, "#quot;")
	return strings.ReplaceAll(s, "\n", "<br/>")
}

func (b *builder) mermaid(top *cluster) string {
	var w strings.Builder
	w.WriteString("flowchart TD\n")
	for _, c := range b.comments() {
		w.WriteString("    %% " + c + "\n")
	}
	b.mermaidCluster(&w, top, "    ")
	for _, e := range b.edges {
		arrow := "-->"
		switch e.kind {
		case edgeDefault, edgeCatch:
			arrow = "-.->"
		case edgeBranch:
			arrow = "==>"
		}
		if e.label != "" {
			fmt.Fprintf(&w, "    %s %s|\"%s\"| %s\n", e.from, arrow, mermaidText(e.label), e.to)
		} else {
			fmt.Fprintf(&w, "    %s %s %s\n", e.from, arrow, e.to)
		}
	}
	var marked []string
	for _, id := range b.order(top) {
		if b.nodes[id].problem {
			marked = append(marked, id)
		}
	}
	if len(marked) > 0 {
		w.WriteString("    classDef problem stroke:#d33,stroke-width:3px,stroke-dasharray:6 3,color:#d33\n")
		fmt.Fprintf(&w, "    class %s problem\n", strings.Join(marked, ","))
	}
	return w.String()
}

// order is every node's id in the order the nodes are written.
func (b *builder) order(c *cluster) []string {
	var ids []string
	for _, n := range c.nodes {
		ids = append(ids, n.id)
	}
	for _, sub := range c.clusters {
		ids = append(ids, b.order(sub)...)
	}
	return ids
}

func (b *builder) mermaidCluster(w *strings.Builder, c *cluster, indent string) {
	for _, n := range c.nodes {
		l := mermaidText(n.label)
		if n.problem && n.shape != shapeMissing {
			l = "⚠ " + l
		}
		switch n.shape {
		case shapeChoice:
			fmt.Fprintf(w, "%s%s{\"%s\"}\n", indent, n.id, l)
		case shapeTerminal:
			fmt.Fprintf(w, "%s%s([\"%s\"])\n", indent, n.id, l)
		case shapeEndpoint, shapeJoin:
			fmt.Fprintf(w, "%s%s((\"%s\"))\n", indent, n.id, l)
		default:
			fmt.Fprintf(w, "%s%s[\"%s\"]\n", indent, n.id, l)
		}
	}
	for _, sub := range c.clusters {
		fmt.Fprintf(w, "%ssubgraph %s [\"%s\"]\n", indent, sub.id, mermaidText(sub.label))
		b.mermaidCluster(w, sub, indent+"    ")
		fmt.Fprintf(w, "%send\n", indent)
	}
}

// ---- DOT -----------------------------------------------------------------------

func dotText(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, `"`, `\"`)
	return strings.ReplaceAll(s, "\n", `\n`)
}

func (b *builder) dot(top *cluster) string {
	var w strings.Builder
	for _, c := range b.comments() {
		w.WriteString("// " + c + "\n")
	}
	w.WriteString("digraph StateMachine {\n    rankdir=TB;\n    node [fontname=\"Helvetica\"];\n    edge [fontname=\"Helvetica\"];\n")
	b.dotCluster(&w, top, "    ")
	for _, e := range b.edges {
		attrs := []string{}
		if e.label != "" {
			attrs = append(attrs, fmt.Sprintf("label=\"%s\"", dotText(e.label)))
		}
		switch e.kind {
		case edgeDefault:
			attrs = append(attrs, "style=dashed")
		case edgeCatch:
			attrs = append(attrs, "style=dashed", "color=red")
		case edgeBranch:
			attrs = append(attrs, "style=bold")
		}
		if len(attrs) > 0 {
			fmt.Fprintf(&w, "    %s -> %s [%s];\n", e.from, e.to, strings.Join(attrs, ", "))
		} else {
			fmt.Fprintf(&w, "    %s -> %s;\n", e.from, e.to)
		}
	}
	w.WriteString("}\n")
	return w.String()
}

func (b *builder) dotCluster(w *strings.Builder, c *cluster, indent string) {
	for _, n := range c.nodes {
		attrs := "shape=box, style=rounded"
		switch n.shape {
		case shapeChoice:
			attrs = "shape=diamond"
		case shapeTerminal:
			attrs = "shape=box, style=\"rounded,bold\""
		case shapeEndpoint:
			attrs = "shape=circle"
		case shapeJoin:
			attrs = "shape=circle, style=filled, fillcolor=lightgray, fontsize=10"
		case shapeMissing:
			attrs = "shape=box, style=dashed"
		}
		label := n.label
		if n.problem {
			if n.shape != shapeMissing {
				label = "⚠ " + label
			}
			attrs += ", color=red, fontcolor=red, penwidth=2"
		}
		fmt.Fprintf(w, "%s%s [label=\"%s\", %s];\n", indent, n.id, dotText(label), attrs)
	}
	for _, sub := range c.clusters {
		fmt.Fprintf(w, "%ssubgraph cluster_%s {\n%s    label=\"%s\";\n", indent, sub.id, indent, dotText(sub.label))
		b.dotCluster(w, sub, indent+"    ")
		fmt.Fprintf(w, "%s}\n", indent)
	}
}
