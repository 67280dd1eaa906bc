// Package conformance runs the executions recorded against AWS Step
// Functions (the corpus under ../shared/conformance, or
// $BATON_CONFORMANCE_DIR; skipped without it, loudly, and failed in CI) and compares Baton's status, output, error, cause
// and history event types with AWS's.
//
// Cases Baton cannot pass yet are listed, each with its reason, in
// known_failures.txt. A listed case that passes fails the test too, so that
// the list only shrinks.
package conformance

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/baton-sh/baton/clock"
	"github.com/baton-sh/baton/definition"
	"github.com/baton-sh/baton/driver"
	"github.com/baton-sh/baton/failure"
	"github.com/baton-sh/baton/internal/corpus"
	"github.com/baton-sh/baton/interpreter"
	"github.com/baton-sh/baton/machine"
	"github.com/baton-sh/baton/resource"
	"github.com/baton-sh/baton/value"
)

type testCase struct {
	Name             string          `json:"name"`
	Tags             []string        `json:"tags"`
	Type             string          `json:"state_machine_type"`
	Definition       json.RawMessage `json:"definition"`
	DefinitionString *string         `json:"definition_string"`
	Input            json.RawMessage `json:"input"`
	Expected         struct {
		Status          string          `json:"status"`
		Output          json.RawMessage `json:"output"`
		Error           *string         `json:"error"`
		Cause           *string         `json:"cause"`
		CauseJSON       json.RawMessage `json:"cause_json"`
		ErrorJSON       json.RawMessage `json:"error_json"`
		API             string          `json:"api"`
		MessageContains string          `json:"message_contains"`
		Unstable        bool            `json:"unstable"`
		UnstableFields  []string        `json:"unstable_fields"`
		Diagnostics     []struct {
			Code     string `json:"code"`
			Message  string `json:"message"`
			Location string `json:"location"`
		} `json:"diagnostics"`
	} `json:"expected"`
	Events []string `json:"events"`
	Note   string   `json:"note"`
}

// corpusEnv names the folder of the corpus when it is not at
// ../shared/conformance beside the repository.
const corpusEnv = "BATON_CONFORMANCE_DIR"

// casesDir is the corpus's folder of cases.
func casesDir() (string, error) {
	dir, err := corpus.Find(corpusEnv, "conformance")
	return filepath.Join(dir, "cases"), err
}

// TestMain says, even without -v, that the suite does not run when its
// corpus is missing.
func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := casesDir()
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		verdict := "SKIPPED (TestConformance, TestConformanceDurable)"
		if corpus.Required() {
			verdict = "FAILS, as CI is set"
		}
		corpus.Missing(fmt.Sprintf("conformance: no AWS conformance cases at %s (set %s; see the README's Conformance): the suite %s", dir, corpusEnv, verdict))
	}
	os.Exit(m.Run())
}

// knownFailures reads known_failures.txt: "name: reason" per line, or
// "tag NAME: reason" for every case carrying a tag.
func knownFailures(t *testing.T) (byName, byTag map[string]string) {
	byName, byTag = map[string]string{}, map[string]string{}
	f, err := os.Open("known_failures.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, reason, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(reason) == "" {
			t.Fatalf("known_failures.txt: %q has no reason", line)
		}
		name = strings.TrimSpace(name)
		if tag, isTag := strings.CutPrefix(name, "tag "); isTag {
			byTag[strings.TrimSpace(tag)] = strings.TrimSpace(reason)
		} else {
			byName[name] = strings.TrimSpace(reason)
		}
	}
	return byName, byTag
}

// outcome is what an execution of a case gave.
type outcome struct {
	status        string
	output        any
	failure       *failure.Failure
	events        []string // history event types
	verifyProblem string   // a durable run's replay that disagreed
}

// executor runs one execution of a compiled machine to its end.
type executor func(m *machine.Machine, cfg interpreter.Config, input any) outcome

// TestConformance runs every case in-process, through the Local driver.
func TestConformance(t *testing.T) {
	t.Parallel()
	runCorpus(t, runLocal)
}

func runLocal(m *machine.Machine, cfg interpreter.Config, input any) outcome {
	d := &driver.Local{Resources: resource.NewRegistry(), Clock: clock.NewVirtual(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC))}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ex := d.Run(ctx, m, cfg, input)
	o := outcome{status: ex.Status.String(), output: ex.Output, failure: ex.Failure}
	for _, e := range ex.Events {
		o.events = append(o.events, e.Type.String())
	}
	return o
}

func runCorpus(t *testing.T, run executor) {
	dir, err := casesDir()
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) == 0 {
		if corpus.Required() {
			t.Fatalf("no conformance cases at %s (set %s)", dir, corpusEnv)
		}
		t.Skipf("no conformance cases at %s; set %s to run them", dir, corpusEnv)
	}
	byName, byTag := knownFailures(t)
	seen := map[string]bool{}
	passed, failed, known := 0, 0, 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var c testCase
		if err := json.Unmarshal(data, &c); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		reason, isKnown := byName[c.Name]
		byTagOnly := false
		if isKnown {
			seen[c.Name] = true
		} else {
			for _, tag := range c.Tags {
				if r, ok := byTag[tag]; ok {
					reason, isKnown, byTagOnly = r, true, true
				}
			}
		}
		problem := runCase(&c, run)
		switch {
		case problem == "" && byTagOnly:
			// A case of a feature that is not done yet may pass already.
			passed++
		case problem == "" && isKnown:
			t.Errorf("%s passes but is listed as a known failure (%s): remove it from known_failures.txt", c.Name, reason)
			failed++
		case problem == "":
			passed++
		case isKnown:
			known++
		default:
			t.Errorf("%s: %s", c.Name, problem)
			failed++
		}
	}
	for name := range byName {
		if !seen[name] {
			t.Errorf("known_failures.txt lists %s, which is not in the corpus", name)
		}
	}
	t.Logf("conformance: %d passed, %d known failures, %d failed, of %d cases", passed, known, failed, len(files))
}

// runCase returns "" when Baton agrees with AWS, else what differs.
func runCase(c *testCase, run executor) (problem string) {
	defer func() {
		if p := recover(); p != nil {
			problem = fmt.Sprintf("panic: %v", p)
		}
	}()
	var defText []byte
	if c.DefinitionString != nil {
		defText = []byte(*c.DefinitionString)
	} else {
		defText = c.Definition
	}
	typ := "STANDARD"
	if c.Type == "EXPRESS" {
		typ = "EXPRESS"
	}
	def, diags := definition.Parse(defText)
	if !diags.HasErrors() {
		diags = definition.Validate(def, definition.Options{Type: typ})
	}
	exp := &c.Expected
	switch exp.Status {
	case "INVALID_DEFINITION":
		if !diags.HasErrors() {
			return "the definition was accepted; AWS rejected it: " + exp.MessageContains
		}
		msg := diags.Message()
		if exp.API == "ValidateStateMachineDefinition" {
			if exp.Error != nil && diags.Errors()[0].Code != *exp.Error {
				return fmt.Sprintf("diagnostic code %s, want %s", diags.Errors()[0].Code, *exp.Error)
			}
			found := false
			for _, d := range diags.Errors() {
				if strings.Contains(d.Message, exp.MessageContains) {
					found = true
				}
			}
			if !found {
				return fmt.Sprintf("diagnostics %q do not contain %q", msg, exp.MessageContains)
			}
			return ""
		}
		if !strings.Contains(msg, exp.MessageContains) {
			return fmt.Sprintf("message %q does not contain %q", msg, exp.MessageContains)
		}
		return ""
	case "VALID_DEFINITION":
		if diags.HasErrors() {
			return "the definition was rejected: " + diags.Message()
		}
		return ""
	}
	if diags.HasErrors() {
		return "the definition was rejected: " + diags.Message()
	}
	m, err := machine.Compile(def)
	if err != nil {
		return "compile: " + err.Error()
	}
	input, err := value.Parse(c.Input)
	if err != nil {
		input = value.Empty
	}
	const smName, execName = "ConformanceMachine", "conformance-execution"
	cfg := interpreter.Config{
		StateMachineName: smName,
		StateMachineARN:  "arn:aws:states:us-east-1:123456789012:stateMachine:" + smName,
		ExecutionName:    execName,
		ExecutionARN:     "arn:aws:states:us-east-1:123456789012:execution:" + smName + ":" + execName,
		RoleARN:          "arn:aws:iam::123456789012:role/baton",
		Region:           "us-east-1",
	}
	if typ == "EXPRESS" {
		cfg.ExecutionARN = "arn:aws:states:us-east-1:123456789012:express:" + smName + ":" + execName + ":0b6a2c1e-5f1d-4f7e-9a53-8a7d2b1c9e40"
	}
	ex := run(m, cfg, input)
	if ex.verifyProblem != "" {
		return "replay: " + ex.verifyProblem
	}

	unstable := map[string]bool{}
	for _, f := range exp.UnstableFields {
		unstable[f] = true
	}
	if got := ex.status; got != exp.Status {
		detail := ""
		if ex.failure != nil {
			detail = " (" + ex.failure.String() + ")"
		}
		return fmt.Sprintf("status %s%s, want %s", got, detail, exp.Status)
	}
	if exp.Status == "SUCCEEDED" {
		want, err := value.Parse(exp.Output)
		if err != nil {
			return "bad expected output: " + err.Error()
		}
		if !matchValue(want, ex.output, unstable["output"], "") {
			return fmt.Sprintf("output %s, want %s", value.String(ex.output), value.String(want))
		}
	} else {
		gotErr, gotCause := "", ""
		if ex.failure != nil {
			gotErr, gotCause = ex.failure.Error, ex.failure.Cause
		}
		if p := compareText("error", exp.Error, exp.ErrorJSON, gotErr, unstable["error"]); p != "" {
			return p
		}
		if p := compareText("cause", exp.Cause, exp.CauseJSON, gotCause, unstable["cause"]); p != "" {
			return p
		}
	}
	if c.Events != nil {
		if p := compareEvents(c.Events, ex.events, strings.Contains(c.Note, "normalised")); p != "" {
			return p
		}
	}
	return ""
}

func compareText(field string, want *string, wantJSON json.RawMessage, got string, unstable bool) string {
	if wantJSON != nil {
		w, err := value.Parse(wantJSON)
		if err != nil {
			return "bad expected " + field
		}
		g, err := value.ParseString(got)
		if err != nil || !matchValue(w, g, unstable, "") {
			return fmt.Sprintf("%s %q, want %s", field, got, value.String(w))
		}
		return ""
	}
	if want == nil {
		if got != "" {
			return fmt.Sprintf("%s %q, want none", field, got)
		}
		return ""
	}
	if unstable {
		if !matchPlaceholders(*want, got) {
			return fmt.Sprintf("%s %q, want %q", field, got, *want)
		}
		return ""
	}
	if got != *want {
		return fmt.Sprintf("%s %q, want %q", field, got, *want)
	}
	return ""
}

// compareEvents compares event types. Where the test that recorded the case
// normalised Parallel events, only the multiset of types is compared.
func compareEvents(want, got []string, normalised bool) string {
	if normalised {
		w := append([]string(nil), want...)
		g := append([]string(nil), got...)
		sort.Strings(w)
		sort.Strings(g)
		// The recording kept a subset of the events; each must be present.
		count := map[string]int{}
		for _, e := range g {
			count[e]++
		}
		for _, e := range w {
			if count[e] == 0 {
				return fmt.Sprintf("events %v lack %s (recorded %v)", got, e, want)
			}
			count[e]--
		}
		return ""
	}
	if strings.Join(want, ",") != strings.Join(got, ",") {
		return fmt.Sprintf("events\n  got  %v\n  want %v", got, want)
	}
	return ""
}

var placeholder = regexp.MustCompile(`<[A-Za-z0-9_-]+(:\d+)?>|111111111111|snf_role_arn|sfn_role_arn`)

// matchPlaceholders matches a recorded string in which LocalStack replaced
// run-specific parts with placeholders.
func matchPlaceholders(want, got string) bool {
	if want == "date" || want == "timestamp" || want == "start-time" || want == "entered-time" {
		return got != ""
	}
	var re strings.Builder
	re.WriteString("^")
	last := 0
	for _, loc := range placeholder.FindAllStringIndex(want, -1) {
		re.WriteString(regexp.QuoteMeta(want[last:loc[0]]))
		re.WriteString("(?s:.+?)")
		last = loc[1]
	}
	re.WriteString(regexp.QuoteMeta(want[last:]))
	re.WriteString("$")
	ok, _ := regexp.MatchString(re.String(), got)
	return ok
}

func matchValue(want, got any, unstable bool, key string) bool {
	if !unstable {
		return value.Equal(want, got)
	}
	switch w := want.(type) {
	case string:
		g, ok := got.(string)
		if strings.Contains(strings.ToLower(key), "timestamp") && w == "timestamp" {
			return true
		}
		return ok && matchPlaceholders(w, g)
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range w {
			if !matchValue(w[i], g[i], true, key) {
				return false
			}
		}
		return true
	case *value.Object:
		g, ok := got.(*value.Object)
		if !ok || g.Len() != w.Len() {
			return false
		}
		for _, m := range w.Members() {
			gv, ok := g.Get(m.Key)
			if !ok || !matchValue(m.Value, gv, true, m.Key) {
				return false
			}
		}
		return true
	}
	return value.Equal(want, got)
}
