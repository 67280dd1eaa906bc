// Package mock reads the mock configuration file of AWS's Step Functions
// Local (MockConfigFile.json) and answers mocked Task states from it.
//
// A file names state machines, each with test cases; a test case maps
// state names to mocked responses; a mocked response maps invocation
// numbers ("0", "1-2", ...) to a Return (the task's result) or a Throw
// (its error and cause). An execution that runs a test case answers every
// state the case names from its responses, in the order the state is
// invoked (retries and Map iterations count); a state invoked more often
// than its responses cover keeps the last one.
package mock

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/baton-sh/baton/failure"
	"github.com/baton-sh/baton/resource"
	"github.com/baton-sh/baton/value"
)

// Config is a parsed mock configuration file.
type Config struct {
	machines  map[string]map[string]map[string]string // state machine -> test case -> state -> response name
	responses map[string][]response                   // response name -> one per invocation
}

type response struct {
	ret   any
	throw *failure.Failure
}

// Load reads a mock configuration file.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

type rawFile struct {
	StateMachines map[string]struct {
		TestCases map[string]map[string]string `json:"TestCases"`
	} `json:"StateMachines"`
	MockedResponses map[string]map[string]json.RawMessage `json:"MockedResponses"`
}

// Parse reads a mock configuration and checks it whole: every test case
// names defined responses, and every response's invocation ranges start
// at 0 and follow each other without gaps or overlaps.
func Parse(data []byte) (*Config, error) {
	var raw rawFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("not a mock configuration: %v", err)
	}
	c := &Config{machines: map[string]map[string]map[string]string{}, responses: map[string][]response{}}
	var problems []string
	for name, ranges := range raw.MockedResponses {
		rs, err := parseResponse(ranges)
		if err != nil {
			problems = append(problems, fmt.Sprintf("MockedResponses.%s: %v", name, err))
			continue
		}
		c.responses[name] = rs
	}
	for smName, sm := range raw.StateMachines {
		if sm.TestCases == nil {
			problems = append(problems, fmt.Sprintf("StateMachines.%s: no TestCases", smName))
			continue
		}
		c.machines[smName] = sm.TestCases
		for tcName, states := range sm.TestCases {
			for state, resp := range states {
				if _, ok := raw.MockedResponses[resp]; !ok {
					problems = append(problems, fmt.Sprintf("StateMachines.%s.TestCases.%s.%s: no mocked response named %q", smName, tcName, state, resp))
				}
			}
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return c, nil
}

type span struct {
	from, to int
	r        response
}

func parseResponse(ranges map[string]json.RawMessage) ([]response, error) {
	if len(ranges) == 0 {
		return nil, fmt.Errorf("no responses")
	}
	var spans []span
	for key, body := range ranges {
		from, to, err := parseRange(key)
		if err != nil {
			return nil, err
		}
		r, err := parseOne(body)
		if err != nil {
			return nil, fmt.Errorf("%q: %v", key, err)
		}
		spans = append(spans, span{from, to, r})
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].from < spans[j].from })
	next := 0
	var out []response
	for _, s := range spans {
		if s.from != next {
			return nil, fmt.Errorf("invocation numbers must follow each other from 0: %d comes after %d", s.from, next-1)
		}
		for i := s.from; i <= s.to; i++ {
			out = append(out, s.r)
		}
		next = s.to + 1
	}
	return out, nil
}

func parseRange(key string) (int, int, error) {
	a, b, isRange := strings.Cut(strings.TrimSpace(key), "-")
	from, err1 := strconv.Atoi(strings.TrimSpace(a))
	to := from
	var err2 error
	if isRange {
		to, err2 = strconv.Atoi(strings.TrimSpace(b))
	}
	if err1 != nil || err2 != nil || from < 0 || to < from {
		return 0, 0, fmt.Errorf("%q is not an invocation number (\"0\") or range (\"1-2\")", key)
	}
	return from, to, nil
}

func parseOne(body json.RawMessage) (response, error) {
	v, err := value.Parse(body)
	o, ok := v.(*value.Object)
	if err != nil || !ok {
		return response{}, fmt.Errorf("a response is an object with Return or Throw")
	}
	ret, hasReturn := o.Get("Return")
	throw, hasThrow := o.Get("Throw")
	if hasReturn == hasThrow || o.Len() != 1 {
		return response{}, fmt.Errorf("a response has exactly one of Return and Throw")
	}
	if hasReturn {
		return response{ret: ret}, nil
	}
	t, ok := throw.(*value.Object)
	if !ok {
		return response{}, fmt.Errorf("Throw is an object with Error and Cause")
	}
	errV, _ := t.Get("Error")
	causeV, _ := t.Get("Cause")
	name, ok1 := errV.(string)
	cause, ok2 := causeV.(string)
	if !ok1 || name == "" || (causeV != nil && !ok2) {
		return response{}, fmt.Errorf("Throw needs an Error (and a Cause) as strings")
	}
	return response{throw: failure.New(name, cause)}, nil
}

// StateMachines lists the state machines the file names.
func (c *Config) StateMachines() []string {
	out := make([]string, 0, len(c.machines))
	for k := range c.machines {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Case is one test case of one state machine, ready to answer.
type Case struct {
	Name   string
	states map[string][]response
}

// Case finds a test case of a state machine.
func (c *Config) Case(stateMachine, testCase string) (*Case, error) {
	cases, ok := c.machines[stateMachine]
	if !ok {
		return nil, fmt.Errorf("the mock configuration has no state machine named %q", stateMachine)
	}
	states, ok := cases[testCase]
	if !ok {
		return nil, fmt.Errorf("the mock configuration has no test case %q for state machine %q", testCase, stateMachine)
	}
	tc := &Case{Name: testCase, states: map[string][]response{}}
	for state, resp := range states {
		tc.states[state] = c.responses[resp]
	}
	return tc, nil
}

// Answer gives the mocked outcome of a state's task: its result, or its
// failure. ok is false when the case does not mock the state.
func (tc *Case) Answer(state string, invocation int) (result any, fl *failure.Failure, ok bool) {
	if tc == nil {
		return nil, nil, false
	}
	rs, ok := tc.states[state]
	if !ok || len(rs) == 0 {
		return nil, nil, false
	}
	r := rs[min(invocation, len(rs)-1)]
	if r.throw != nil {
		return nil, r.throw, true
	}
	return r.ret, nil, true
}

// Mocks reports whether the case mocks a state.
func (tc *Case) Mocks(state string) bool {
	if tc == nil {
		return false
	}
	_, ok := tc.states[state]
	return ok
}

// Resource answers the tasks of the states the case mocks, as a task
// resource: by the request's state name and invocation number.
func (tc *Case) Resource() resource.Resource {
	return resource.Func(func(_ context.Context, req *resource.Request) (any, error) {
		out, fl, ok := tc.Answer(req.StateName, req.Invocation)
		switch {
		case !ok:
			return nil, failure.New(failure.TaskFailed, "the test case does not mock the state '"+req.StateName+"'").AsError()
		case fl != nil:
			return nil, fl.AsError()
		}
		return out, nil
	})
}
