// Package graph draws a compiled state machine as Mermaid or Graphviz DOT
// text: Parallel branches and Map processors become subgraphs, Choice edges
// carry their rule, Default and Catch edges are marked.
package graph

import (
	"fmt"
	"strings"

	"github.com/baton-sh/baton/machine"
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

type node struct {
	id, label string
	shape     string // "state", "choice", "terminal", "endpoint"
}

type cluster struct {
	id, label string
	nodes     []node
	clusters  []*cluster
}

type builder struct {
	ids   map[*machine.State]string
	n     int
	edges []edge
}

// Render draws m in the given format.
func Render(m *machine.Machine, format string) (string, error) {
	b := &builder{ids: map[*machine.State]string{}}
	top := &cluster{}
	top.nodes = append(top.nodes, node{id: "start_node", label: "Start", shape: "endpoint"}, node{id: "end_node", label: "End", shape: "endpoint"})
	b.assign(m)
	b.machine(m, top, "end_node")
	b.edges = append([]edge{{from: "start_node", to: b.ids[m.StartAt], kind: edgeNext}}, b.edges...)
	switch format {
	case Mermaid:
		return b.mermaid(top), nil
	case DOT:
		return b.dot(top), nil
	}
	return "", fmt.Errorf("unknown graph format %q (want mermaid or dot)", format)
}

func (b *builder) assign(m *machine.Machine) {
	m.Walk(func(st *machine.State) {
		b.n++
		b.ids[st] = fmt.Sprintf("s%d", b.n)
	})
}

// machine adds m's states to c; exit is the node its terminal states lead to.
func (b *builder) machine(m *machine.Machine, c *cluster, exit string) {
	for _, st := range m.States {
		id := b.ids[st]
		shape := "state"
		switch st.Kind {
		case machine.Choice:
			shape = "choice"
		case machine.Succeed, machine.Fail:
			shape = "terminal"
		}
		label := st.Name + "\n" + st.Kind.String()
		if st.Kind == machine.Task {
			label += "\n" + st.Resource.ARN
		}
		c.nodes = append(c.nodes, node{id: id, label: label, shape: shape})
		after := exit
		if st.Next != nil {
			after = b.ids[st.Next]
		}
		switch st.Kind {
		case machine.Parallel:
			pc := &cluster{id: id + "_branches", label: st.Name + " branches"}
			for i, br := range st.Branches {
				bc := &cluster{id: fmt.Sprintf("%s_b%d", id, i), label: fmt.Sprintf("Branch %d", i+1)}
				b.machine(br, bc, after)
				b.edges = append(b.edges, edge{from: id, to: b.ids[br.StartAt], kind: edgeBranch})
				pc.clusters = append(pc.clusters, bc)
			}
			c.clusters = append(c.clusters, pc)
		case machine.Map:
			pc := &cluster{id: id + "_items", label: st.Name + " item processor"}
			b.machine(st.Processor, pc, after)
			b.edges = append(b.edges, edge{from: id, to: b.ids[st.Processor.StartAt], label: "each item", kind: edgeBranch})
			c.clusters = append(c.clusters, pc)
		case machine.Choice:
			for _, r := range st.Choices {
				b.edges = append(b.edges, edge{from: id, to: b.ids[r.Next], label: r.Text, kind: edgeChoice})
			}
			if st.Default != nil {
				b.edges = append(b.edges, edge{from: id, to: b.ids[st.Default], label: "Default", kind: edgeDefault})
			}
		case machine.Succeed, machine.Fail:
			b.edges = append(b.edges, edge{from: id, to: exit, kind: edgeNext})
		default:
			b.edges = append(b.edges, edge{from: id, to: after, kind: edgeNext})
		}
		for _, ct := range st.Catch {
			b.edges = append(b.edges, edge{from: id, to: b.ids[ct.Next], label: "Catch " + strings.Join(ct.ErrorEquals, ", "), kind: edgeCatch})
		}
	}
}

// ---- Mermaid ---------------------------------------------------------------------

func mermaidText(s string) string {
	s = strings.ReplaceAll(s, `"`, "#quot;")
	return strings.ReplaceAll(s, "\n", "<br/>")
}

func (b *builder) mermaid(top *cluster) string {
	var w strings.Builder
	w.WriteString("flowchart TD\n")
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
	return w.String()
}

func (b *builder) mermaidCluster(w *strings.Builder, c *cluster, indent string) {
	for _, n := range c.nodes {
		l := mermaidText(n.label)
		switch n.shape {
		case "choice":
			fmt.Fprintf(w, "%s%s{\"%s\"}\n", indent, n.id, l)
		case "terminal":
			fmt.Fprintf(w, "%s%s([\"%s\"])\n", indent, n.id, l)
		case "endpoint":
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
		shape := "box, style=rounded"
		switch n.shape {
		case "choice":
			shape = "diamond"
		case "terminal":
			shape = "box, style=\"rounded,bold\""
		case "endpoint":
			shape = "circle"
		}
		fmt.Fprintf(w, "%s%s [label=\"%s\", shape=%s];\n", indent, n.id, dotText(n.label), shape)
	}
	for _, sub := range c.clusters {
		fmt.Fprintf(w, "%ssubgraph cluster_%s {\n%s    label=\"%s\";\n", indent, sub.id, indent, dotText(sub.label))
		b.dotCluster(w, sub, indent+"    ")
		fmt.Fprintf(w, "%s}\n", indent)
	}
}
