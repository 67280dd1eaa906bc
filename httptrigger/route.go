// Package httptrigger serves HTTP triggers (trigger.HTTP) as API Gateway's
// integration with Step Functions does: a method and a path, with {name}
// parameters, under a stage (/<stage>/orders/{id}), that start an
// execution with the request's body, or a mapping of the request, as
// input, and answer with StartExecution's answer (the execution's ARN and
// start date) or, for a synchronous route, with the Express execution's
// output.
//
// Routes live under their stage's prefix so that none can shadow baton
// serve's own paths: a stage named like one of them (assets, console,
// healthz, readyz, metrics) is refused, as are two routes that API
// Gateway would refuse together. The package talks to the engine through
// StartExecution and StartSyncExecution only (Starter).
package httptrigger

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/baton-sh/baton/eventpattern"
	"github.com/baton-sh/baton/trigger"
)

// DefaultStage is the stage of routes that name none: serverless'
// default stage, so that serverless-offline's URLs work unchanged.
const DefaultStage = "dev"

// ReservedStages are the first path segments baton serve answers itself
// (its API at POST /, the console at / and /assets/, its JSON API under
// /console/, health, readiness and metrics): no stage may take them.
var ReservedStages = []string{"assets", "console", "healthz", "readyz", "metrics"}

// Methods are the methods a route may name; ANY takes each that no route
// of the same path names.
var Methods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"}

// Templates are the request templates a route may name ("" is the body).
var Templates = []string{"", "lambda_proxy"}

var (
	stageName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
	paramName = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)
)

// route is a trigger.HTTP checked and compiled.
type route struct {
	trigger.HTTP
	mapping *eventpattern.Transform
}

// node is a path segment in a stage's tree of routes. Literal children
// are tried before the variable one, and the variable before the greedy
// one, as API Gateway prefers the most specific resource.
type node struct {
	literal map[string]*node
	param   *node // {name}
	greedy  *node // {name+}: the rest of the path, one segment or more
	name    string
	methods map[string]*route
}

// segment is one part of a route's path.
type segment struct {
	text          string
	param, greedy bool
}

// parsePath splits a route's path into segments; a missing leading slash
// is added (serverless writes "posts/create") and a trailing one dropped.
func parsePath(p string) ([]segment, error) {
	p = strings.TrimSuffix(strings.TrimPrefix(p, "/"), "/")
	if p == "" {
		return nil, nil
	}
	var segs []segment
	parts := strings.Split(p, "/")
	for i, part := range parts {
		switch {
		case part == "":
			return nil, errors.New("an empty segment (//)")
		case strings.HasPrefix(part, "{") && strings.HasSuffix(part, "}"):
			name := part[1 : len(part)-1]
			greedy := strings.HasSuffix(name, "+")
			name = strings.TrimSuffix(name, "+")
			if !paramName.MatchString(name) {
				return nil, fmt.Errorf("%q is not a parameter: {name} or, last, {name+}", part)
			}
			if greedy && i != len(parts)-1 {
				return nil, fmt.Errorf("the greedy parameter %s must be the path's last segment", part)
			}
			segs = append(segs, segment{text: name, param: !greedy, greedy: greedy})
		case strings.ContainsAny(part, "{}"):
			return nil, fmt.Errorf("%q: a parameter takes a whole segment ({name})", part)
		default:
			segs = append(segs, segment{text: part})
		}
	}
	return segs, nil
}

// CheckRoute checks a route on its own (the problems that need no other
// route), each problem naming the field it is about.
func CheckRoute(h *trigger.HTTP) []error {
	var errs []error
	if h.Stage != "" && !stageName.MatchString(h.Stage) {
		errs = append(errs, fmt.Errorf("stage: %q is not a stage name (letters, digits, '-' and '_')", h.Stage))
	}
	if slices.Contains(ReservedStages, h.Stage) {
		errs = append(errs, fmt.Errorf("stage: %q would shadow baton serve's own /%s/ (reserved: %s)", h.Stage, h.Stage, strings.Join(ReservedStages, ", ")))
	}
	if !slices.Contains(Methods, strings.ToUpper(h.Method)) {
		errs = append(errs, fmt.Errorf("method: %q is not one of %s", h.Method, strings.Join(Methods, ", ")))
	}
	if _, err := parsePath(h.Path); err != nil {
		errs = append(errs, fmt.Errorf("path: %q: %w", h.Path, err))
	}
	if h.StateMachine == "" {
		errs = append(errs, errors.New("stateMachine: name the state machine the route starts"))
	}
	if !slices.Contains(Templates, h.Template) {
		errs = append(errs, fmt.Errorf("template: %q is not a template Baton knows (lambda_proxy, or none for the body)", h.Template))
	}
	if h.Mapping != nil {
		if h.Template != "" {
			errs = append(errs, errors.New("mapping: a route takes a template or a mapping, not both"))
		}
		if _, err := eventpattern.CompileTarget(*h.Mapping); err != nil {
			errs = append(errs, fmt.Errorf("mapping: %w", err))
		}
	}
	return errs
}

// add puts a checked route in a stage's tree; where names the route in
// messages.
func (n *node) add(r *route, where string, sources map[*route]string) error {
	segs, _ := parsePath(r.Path)
	for _, s := range segs {
		switch {
		case s.param || s.greedy:
			child := &n.param
			if s.greedy {
				child = &n.greedy
			}
			other := n.param
			if other == nil {
				other = n.greedy
			}
			if other != nil && (other.name != s.text || (other == n.greedy) != s.greedy) {
				// API Gateway's own words for the same refusal.
				return fmt.Errorf("path %q: a sibling ({%s%s}) of this resource already has a variable path part -- only one is allowed",
					r.Path, other.name, map[bool]string{true: "+"}[other == n.greedy])
			}
			if *child == nil {
				*child = &node{name: s.text}
			}
			n = *child
		default:
			if n.literal == nil {
				n.literal = map[string]*node{}
			}
			if n.literal[s.text] == nil {
				n.literal[s.text] = &node{}
			}
			n = n.literal[s.text]
		}
	}
	m := strings.ToUpper(r.Method)
	if n.methods == nil {
		n.methods = map[string]*route{}
	}
	if first, dup := n.methods[m]; dup {
		return fmt.Errorf("%s %s in stage %q is declared twice (first at %s)", m, r.Path, stageOf(r), sources[first])
	}
	n.methods[m] = r
	return nil
}

// match finds the route of a path's segments and a method, and fills
// params with the values of its parameters. found says whether the path
// has a route for some method.
func (n *node) match(segs []string, method string, params map[string]string) (r *route, found bool) {
	if len(segs) == 0 {
		if n.methods == nil {
			return nil, false
		}
		if r := n.methods[method]; r != nil {
			return r, true
		}
		return n.methods["ANY"], true
	}
	if c := n.literal[segs[0]]; c != nil {
		if r, ok := c.match(segs[1:], method, params); r != nil {
			return r, true
		} else {
			found = found || ok
		}
	}
	if c := n.param; c != nil {
		if r, ok := c.match(segs[1:], method, params); r != nil {
			params[c.name] = segs[0]
			return r, true
		} else {
			found = found || ok
		}
	}
	if c := n.greedy; c != nil && c.methods != nil {
		r := c.methods[method]
		if r == nil {
			r = c.methods["ANY"]
		}
		if r != nil {
			params[c.name] = strings.Join(segs, "/")
			return r, true
		}
		found = true
	}
	return nil, found
}

func stageOf(r *route) string {
	if r.Stage == "" {
		return DefaultStage
	}
	return r.Stage
}
