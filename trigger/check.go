package trigger

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/baton-sh/baton/eventpattern"
)

// DefaultStage is the stage of HTTP routes that name none: serverless'
// default stage, so that serverless-offline's URLs work unchanged.
const DefaultStage = "dev"

// ReservedStages are the first path segments baton serve answers itself
// (its API at POST /, the console at / and /assets/, its JSON API under
// /console/, health, readiness and metrics): no stage may take them.
var ReservedStages = []string{"assets", "console", "healthz", "readyz", "metrics"}

// Methods are the methods an HTTP route may name; ANY takes each that no
// route of the same path names.
var Methods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"}

// Templates are the request templates an HTTP route may name ("" is the
// body).
var Templates = []string{"", "lambda_proxy"}

var (
	stageName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
	paramName = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)
	ruleName  = regexp.MustCompile(`^[\.\-_A-Za-z0-9]{1,64}$`)
	busName   = regexp.MustCompile(`^[/\.\-_A-Za-z0-9]{1,256}$`)
)

// PathPart is one segment of an HTTP route's path: literal text, or a
// parameter's name ({name}, or {name+} for the rest of the path).
type PathPart struct {
	Text          string
	Param, Greedy bool
}

// RoutePath splits a route's path into its segments; a missing leading
// slash is taken as given (serverless writes "posts/create") and a
// trailing one dropped. "/" has none.
func RoutePath(p string) ([]PathPart, error) {
	p = strings.TrimSuffix(strings.TrimPrefix(p, "/"), "/")
	if p == "" {
		return nil, nil
	}
	var parts []PathPart
	segs := strings.Split(p, "/")
	for i, s := range segs {
		switch {
		case s == "":
			return nil, errors.New("an empty segment (//)")
		case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}"):
			name := s[1 : len(s)-1]
			greedy := strings.HasSuffix(name, "+")
			name = strings.TrimSuffix(name, "+")
			if !paramName.MatchString(name) {
				return nil, fmt.Errorf("%q is not a parameter: {name} or, last, {name+}", s)
			}
			if greedy && i != len(segs)-1 {
				return nil, fmt.Errorf("the greedy parameter %s must be the path's last segment", s)
			}
			parts = append(parts, PathPart{Text: name, Param: !greedy, Greedy: greedy})
		case strings.ContainsAny(s, "{}"):
			return nil, fmt.Errorf("%q: a parameter takes a whole segment ({name})", s)
		default:
			parts = append(parts, PathPart{Text: s})
		}
	}
	return parts, nil
}

// Check finds what is wrong with an HTTP route on its own (conflicts
// between routes are the server's to find); each problem names the field
// it is about, as baton.yaml spells it.
func (h *HTTP) Check() []error {
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
	if _, err := RoutePath(h.Path); err != nil {
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
			errs = append(errs, errors.New("template: a route takes a template or a mapping (input, inputPath, inputTransformer), not both"))
		}
		if _, err := eventpattern.CompileTarget(*h.Mapping); err != nil {
			errs = append(errs, fmt.Errorf("input: %w", err))
		}
	}
	return errs
}

// Check finds what is wrong with a rule, as PutRule and PutTargets would:
// its name, its bus's name, its pattern and its target's input; each
// problem names the field it is about, as baton.yaml spells it.
func (r *Rule) Check() []error {
	var errs []error
	if !ruleName.MatchString(r.Name) {
		errs = append(errs, fmt.Errorf("name: %q is not a rule name (1 to 64 letters, digits, '.', '-' or '_')", r.Name))
	}
	if r.EventBus != "" && !busName.MatchString(r.EventBus) {
		errs = append(errs, fmt.Errorf("eventBus: %q is not an event bus name", r.EventBus))
	}
	if r.Pattern == "" {
		errs = append(errs, errors.New("pattern: a rule needs an event pattern"))
	} else if _, err := eventpattern.Parse([]byte(r.Pattern)); err != nil {
		errs = append(errs, fmt.Errorf("pattern: %w", err))
	}
	if r.StateMachine == "" {
		errs = append(errs, errors.New("stateMachine: name the state machine the rule starts"))
	}
	if _, err := eventpattern.CompileTarget(r.Transform); err != nil {
		errs = append(errs, fmt.Errorf("input: %w", err))
	}
	return errs
}

// ValidBusName reports whether s can name an event bus.
func ValidBusName(s string) bool { return busName.MatchString(s) }
