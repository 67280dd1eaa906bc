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
	"fmt"
	"strings"

	"github.com/baton-sh/baton/eventpattern"
	"github.com/baton-sh/baton/trigger"
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

// add puts a checked route in a stage's tree; sources name the routes
// already there, for messages.
func (n *node) add(r *route, sources map[*route]string) error {
	segs, _ := trigger.RoutePath(r.Path)
	for _, s := range segs {
		switch {
		case s.Param || s.Greedy:
			child := &n.param
			if s.Greedy {
				child = &n.greedy
			}
			other := n.param
			if other == nil {
				other = n.greedy
			}
			if other != nil && (other.name != s.Text || (other == n.greedy) != s.Greedy) {
				// API Gateway's own words for the same refusal.
				return fmt.Errorf("path %q: a sibling ({%s%s}) of this resource already has a variable path part -- only one is allowed",
					r.Path, other.name, map[bool]string{true: "+"}[other == n.greedy])
			}
			if *child == nil {
				*child = &node{name: s.Text}
			}
			n = *child
		default:
			if n.literal == nil {
				n.literal = map[string]*node{}
			}
			if n.literal[s.Text] == nil {
				n.literal[s.Text] = &node{}
			}
			n = n.literal[s.Text]
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
// params with the values of its parameters; nil when none (API Gateway
// answers a path it lacks and a method a path lacks alike).
func (n *node) match(segs []string, method string, params map[string]string) *route {
	if len(segs) == 0 {
		return n.route(method)
	}
	if c := n.literal[segs[0]]; c != nil {
		if r := c.match(segs[1:], method, params); r != nil {
			return r
		}
	}
	if c := n.param; c != nil {
		if r := c.match(segs[1:], method, params); r != nil {
			params[c.name] = segs[0]
			return r
		}
	}
	if c := n.greedy; c != nil {
		if r := c.route(method); r != nil {
			params[c.name] = strings.Join(segs, "/")
			return r
		}
	}
	return nil
}

// route is the node's route for a method, or its ANY route.
func (n *node) route(method string) *route {
	if r := n.methods[method]; r != nil {
		return r
	}
	return n.methods["ANY"]
}

func stageOf(r *route) string {
	if r.Stage == "" {
		return trigger.DefaultStage
	}
	return r.Stage
}
