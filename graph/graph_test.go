package graph

import (
	"strings"
	"testing"

	"github.com/baton-sh/baton/definition"
)

// FuzzDraw draws whatever parses as a definition: it must not panic, every
// edge must join two nodes that are drawn, and a node stands for each
// state once.
func FuzzDraw(f *testing.F) {
	for _, seed := range []string{
		`{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`,
		`{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"X","States":{"X":{"Type":"Fail"}}},7,{"StartAt":1}],"Catch":[{"ErrorEquals":"x","Next":"Q"},null],"Next":"P"}}}`,
		`{"StartAt":"M","States":{"M":{"Type":"Map","Iterator":{"StartAt":"I","States":{"I":{"Type":"Choice","Choices":[{"Not":[]},{"And":{}},{"Or":[1,{"Variable":5,"NumericEquals":"x","Next":"Z"}],"Next":"Z"}],"Default":3}}},"End":true}}}`,
		`{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":[],"Iterator":{},"Next":["x"]},"N":[],"":{"Type":"Task","Resource":5}}}`,
		`{"States":[],"StartAt":{"a":1}}`,
		`{"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[{"Condition":"{% 1 %}","Next":"A"},{"Condition":false,"Next":"B"},{"Next":"A"}]}}}`,
		"StartAt: A\nStates:\n  A: {Type: Succeed}\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		doc, diags := definition.Parse([]byte(text))
		if doc == nil {
			return
		}
		diags = definition.Validate(doc, definition.Options{})
		b, top := build(doc, diags)
		drawn := map[string]int{}
		var count func(c *cluster)
		count = func(c *cluster) {
			for _, n := range c.nodes {
				drawn[n.id]++
			}
			for _, sub := range c.clusters {
				count(sub)
			}
		}
		count(top)
		for id, k := range drawn {
			if k != 1 {
				t.Errorf("node %s drawn %d times", id, k)
			}
		}
		for _, id := range b.ids {
			if drawn[id] != 1 {
				t.Errorf("state node %s is not drawn", id)
			}
		}
		for _, e := range b.edges {
			if drawn[e.from] != 1 || drawn[e.to] != 1 {
				t.Errorf("edge %s -> %s joins a node that is not drawn", e.from, e.to)
			}
		}
		for _, format := range []string{Mermaid, DOT} {
			if _, err := Draw(doc, diags, format); err != nil {
				t.Error(err)
			}
		}
	})
}

func TestUnknownFormat(t *testing.T) {
	if _, err := Draw(nil, nil, "png"); err == nil || !strings.Contains(err.Error(), `unknown graph format "png"`) {
		t.Errorf("got %v", err)
	}
}

// A problem marks the state it is found in, the deepest one.
func TestMarks(t *testing.T) {
	doc, _ := definition.Parse([]byte(`{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}],"End":true},"P2":{"Type":"Pass","End":true}}}`))
	for _, tc := range []struct {
		loc, marked string
	}{
		{"/States/P/Branches[0]/States/A/Next", "s2"},
		{"/States/P/Branches[0]/StartAt", "s1"},
		{"/States/P", "s1"},
		{"/States/P2", "s3"},
		{"/States/P2/Result", "s3"},
		{"", ""},
		{"/States/Other", ""},
	} {
		b, _ := build(doc, definition.Diagnostics{{Code: "X", Message: "m", Location: tc.loc}})
		var got []string
		for id, n := range b.nodes {
			if n.problem {
				got = append(got, id)
			}
		}
		if strings.Join(got, ",") != tc.marked {
			t.Errorf("%q marks %v, want %q", tc.loc, got, tc.marked)
		}
	}
}
