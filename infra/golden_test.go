package infra

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/baton-sh/baton/trigger"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// options are what a test file is loaded with besides the defaults: a
// fixed environment, and the stage or parameters some files ask for.
var options = map[string]Options{
	"serverless-stage.yml":   {Stage: "prod", Region: "eu-central-1"},
	"cfn-parameters.yaml":    {Params: map[string]string{"Env": "prod", "Subnets": "a,b"}},
	"serverless-params.yml":  {Params: map[string]string{"owner": "team-a"}},
	"cfn-missing-param.yaml": {},
}

var testEnv = map[string]string{"TABLE_SUFFIX": "v2", "HOME": "/home/test"}

// TestGolden loads every file (and cdk.out-like folder, named *.out) of
// testdata and compares what it declares, its triggers and its problems
// with testdata/golden/NAME.json; -update rewrites them.
func TestGolden(t *testing.T) {
	entries, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		name := e.Name()
		ext := filepath.Ext(name)
		if e.IsDir() && ext != ".out" || !e.IsDir() && ext != ".yml" && ext != ".yaml" && ext != ".json" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			o := options[name]
			o.Env = func(k string) (string, bool) { v, ok := testEnv[k]; return v, ok }
			f, err := Load(filepath.Join("testdata", name), o)
			var got []byte
			if err != nil {
				got = []byte(`{"error": ` + quoteString(err.Error()) + "}\n")
			} else {
				got = render(f)
			}
			golden := filepath.Join("testdata", "golden", strings.TrimSuffix(name, ext)+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to write it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from %s:\n%s", name, golden, got)
			}
		})
	}
}

func quoteString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// render is the golden view of a file: definitions as JSON (not text),
// zero fields left out.
func render(f *File) []byte {
	type machine struct {
		*Machine
		Definition json.RawMessage `json:"definition,omitempty"`
	}
	view := struct {
		Format     Format         `json:"format"`
		Machines   []machine      `json:"machines"`
		Functions  []Function     `json:"functions,omitempty"`
		Activities []Activity     `json:"activities,omitempty"`
		Triggers   map[string]any `json:"triggers,omitempty"`
		Problems   Problems       `json:"problems,omitempty"`
	}{Format: f.Format, Functions: f.Functions, Activities: f.Activities, Problems: f.Problems, Machines: []machine{}}
	for _, m := range f.Machines {
		mv := machine{Machine: m}
		if m.Definition != "" {
			mv.Definition = json.RawMessage(m.Definition)
		}
		view.Machines = append(view.Machines, mv)
	}
	view.Triggers = triggersView(f.Triggers)
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(view); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func triggersView(s trigger.Set) map[string]any {
	out := map[string]any{}
	var scheds []map[string]any
	for _, x := range s.Schedules {
		m := map[string]any{"name": x.Name, "stateMachine": x.StateMachine, "expression": x.Expression, "source": x.Source}
		if x.Input != "" {
			m["input"] = x.Input
		}
		if x.Timezone != "" {
			m["timezone"] = x.Timezone
		}
		if !x.Start.IsZero() {
			m["start"] = x.Start
		}
		if !x.End.IsZero() {
			m["end"] = x.End
		}
		if x.WindowMinutes != 0 {
			m["windowMinutes"] = x.WindowMinutes
		}
		if x.Disabled {
			m["disabled"] = true
		}
		scheds = append(scheds, m)
	}
	if scheds != nil {
		out["schedules"] = scheds
	}
	var https []map[string]any
	for _, x := range s.HTTP {
		m := map[string]any{"method": x.Method, "path": x.Path, "stateMachine": x.StateMachine, "source": x.Source}
		if x.Sync {
			m["sync"] = true
		}
		https = append(https, m)
	}
	if https != nil {
		out["http"] = https
	}
	var rules []map[string]any
	for _, x := range s.Rules {
		m := map[string]any{"name": x.Name, "eventBus": x.EventBus, "pattern": json.RawMessage(x.Pattern), "stateMachine": x.StateMachine, "source": x.Source}
		if x.Transform.Input != "" {
			m["input"] = x.Transform.Input
		}
		if x.Transform.InputPath != "" {
			m["inputPath"] = x.Transform.InputPath
		}
		if x.Transform.InputTransformer != nil {
			m["inputTransformer"] = x.Transform.InputTransformer
		}
		if x.Disabled {
			m["disabled"] = true
		}
		rules = append(rules, m)
	}
	if rules != nil {
		out["rules"] = rules
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// TestBounded: documents that expand without end, or whose references
// go round, end with a problem instead of running away.
func TestBounded(t *testing.T) {
	cases := map[string]string{
		"laughs.yaml":    "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\nResources: {}\n",
		"names.yaml":     "Resources:\n  A: {Type: AWS::StepFunctions::StateMachine, Properties: {StateMachineName: !GetAtt B.Name, Definition: {StartAt: P, States: {P: {Type: Pass, End: true}}}}}\n  B: {Type: AWS::StepFunctions::StateMachine, Properties: {StateMachineName: !GetAtt A.Name, Definition: {StartAt: P, States: {P: {Type: Pass, End: true}}}}}\n",
		"serverless.yml": "service: s\ncustom: {a: '${self:custom.b}', b: '${self:custom.a}'}\nstepFunctions:\n  stateMachines:\n    m: {definition: {StartAt: P, States: {P: {Type: Pass, Result: '${self:custom.a}', End: true}}}}\n",
	}
	for name, text := range cases {
		f, err := LoadBytes(name, []byte(text), Options{})
		if err != nil {
			if name != "laughs.yaml" {
				t.Errorf("%s: %v", name, err)
			}
			continue
		}
		if len(f.Problems.Errors()) == 0 {
			t.Errorf("%s: no problem reported", name)
		}
	}
}
