package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// Every definition under testdata/graph is drawn in both formats and
// compared with its goldens: NAME.mermaid, NAME.dot, and NAME.stderr for
// the problems of an invalid one (-update rewrites them).
func TestGraphGoldens(t *testing.T) {
	t.Parallel()
	files := must(filepath.Glob(filepath.Join("testdata", "graph", "*.*")))(t)
	n := 0
	for _, file := range files {
		ext := filepath.Ext(file)
		if ext != ".json" && ext != ".yaml" {
			continue
		}
		n++
		name := strings.TrimSuffix(filepath.Base(file), ext)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for _, format := range []string{"mermaid", "dot"} {
				r := cli(t, "graph", file, "--format", format)
				if r.code != 0 {
					t.Fatalf("%s: exit %d: %s", format, r.code, r.stderr)
				}
				golden(t, filepath.Join("graph", name+"."+format), r.stdout)
				if strings.HasPrefix(name, "invalid") {
					golden(t, filepath.Join("graph", name+".stderr"), r.stderr)
				} else if r.stderr != "" {
					t.Errorf("a valid definition: %s", r.stderr)
				}
			}
		})
	}
	if n < 4 {
		t.Fatalf("only %d definitions under testdata/graph", n)
	}
}

func TestGraphRefusals(t *testing.T) {
	t.Parallel()
	express := write(t, "sync.json", `{"StartAt":"Run","States":{"Run":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync","Parameters":{"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:child"},"End":true}}}`)
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout string // a part of it
		stderr string // a part of it
	}{
		{"not an object", []string{write(t, "list.json", `[1]`)}, 2, "", "cannot be drawn:\n"},
		{"not JSON", []string{write(t, "broken.json", `{"StartAt":`)}, 2, "", "(INVALID_JSON_DESCRIPTION)"},
		{"no file", []string{filepath.Join(t.TempDir(), "none.json")}, 2, "", "cannot read the definition"},
		{"two files", []string{express, express}, 2, "", "exactly one definition file"},
		{"a format nobody reads", []string{express, "--format", "png"}, 2, "", "--format must be mermaid or dot"},
		{"standard", []string{express}, 0, `s1["Run<br/>Task<br/>arn:aws:states:::states:startExecution.sync"]`, ""},
		{"express, in any case: marked", []string{express, "--type", "Express"}, 0, `s1["⚠ Run<br/>Task`, "Express state machine does not support '.sync'"},
		{"not a type", []string{express, "--type", "fast"}, 2, "", `"fast" is not a type`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := cli(t, append([]string{"graph"}, tc.args...)...)
			if r.code != tc.code || !strings.Contains(r.stdout, tc.stdout) || !strings.Contains(r.stderr, tc.stderr) {
				t.Errorf("exit %d, want %d\n%s%s", r.code, tc.code, r.stdout, r.stderr)
			}
		})
	}
}
