package main

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// The reports of `baton test`: JSON for scripts (--json) and JUnit XML for
// CI systems (--junit FILE).

type jsonReport struct {
	Passed int         `json:"passed"`
	Failed int         `json:"failed"`
	Files  []jsonSuite `json:"files"`
}

type jsonSuite struct {
	File  string     `json:"file"`
	Error string     `json:"error,omitempty"`
	Cases []jsonCase `json:"cases"`
}

type jsonCase struct {
	Name    string   `json:"name"`
	Passed  bool     `json:"passed"`
	Seconds float64  `json:"seconds"`
	Problem string   `json:"problem,omitempty"`
	Diff    string   `json:"diff,omitempty"`
	Events  []string `json:"events,omitempty"` // of a failing case
}

func writeJSONReport(w io.Writer, suites []testSuite) error {
	r := jsonReport{Files: make([]jsonSuite, 0, len(suites))}
	r.Passed, r.Failed = countCases(suites)
	for _, s := range suites {
		js := jsonSuite{File: s.File, Error: s.Error, Cases: make([]jsonCase, 0, len(s.Cases))}
		for _, c := range s.Cases {
			jc := jsonCase{Name: c.Name, Passed: c.Problem == "", Seconds: c.Took.Seconds(), Problem: c.Problem, Diff: c.Diff}
			if !jc.Passed {
				jc.Events = c.Events
			}
			js.Cases = append(js.Cases, jc)
		}
		r.Files = append(r.Files, js)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// JUnit XML as Jenkins, GitLab, GitHub's test reporters and the like read
// it: a testsuite per test file, a testcase per case, a failure per case
// that did not pass, an error for a file that could not be run.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// junitTime is a duration in seconds, as JUnit's time attributes are.
func junitTime(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 6, 64) }

func junitReport(suites []testSuite) junitSuites {
	all := junitSuites{Name: "baton test"}
	var total time.Duration
	for _, s := range suites {
		js := junitSuite{Name: s.File}
		var took time.Duration
		if s.Error != "" {
			js.Tests, js.Errors = 1, 1
			js.Cases = append(js.Cases, junitCase{Name: s.File, ClassName: s.File, Time: junitTime(0),
				Error: &junitProblem{Message: s.Error, Type: "load"}})
		}
		for _, c := range s.Cases {
			jc := junitCase{Name: c.Name, ClassName: s.File, Time: junitTime(c.Took)}
			if c.Problem != "" {
				text := c.Diff
				if len(c.Events) > 0 {
					text += "events: " + strings.Join(c.Events, ", ") + "\n"
				}
				jc.Failure = &junitProblem{Message: c.Problem, Type: "mismatch", Text: text}
				js.Failures++
			}
			js.Tests++
			took += c.Took
			js.Cases = append(js.Cases, jc)
		}
		js.Time = junitTime(took)
		total += took
		all.Tests += js.Tests
		all.Failures += js.Failures
		all.Errors += js.Errors
		all.Suites = append(all.Suites, js)
	}
	all.Time = junitTime(total)
	return all
}

func writeJUnit(file string, suites []testSuite) error {
	out, err := xml.MarshalIndent(junitReport(suites), "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(file, append([]byte(xml.Header), append(out, '\n')...), 0o644)
}
