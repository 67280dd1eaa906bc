// Package deploy creates or updates the state machines of an
// infrastructure file on a Step Functions endpoint, as a deployment of the
// file would: each machine's definition, role, logging, tracing and tags,
// a version published when the file publishes one, its aliases moved to
// that version. It is idempotent: a second deployment of the same file
// changes nothing and says so. Machines that left the file are not
// deleted (there is no stack to remember them by).
//
// The same code deploys through the AWS SDK to a server (SFN) and
// in-process through the engine (Engine), for baton serve --deploy.
package deploy

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/baton-sh/baton/infra"
)

// API is the part of the Step Functions API a deployment uses. Describe
// and DescribeAlias answer nil, nil for what does not exist.
type API interface {
	Describe(ctx context.Context, arn string) (*Current, error)
	Create(ctx context.Context, m *infra.Machine) (arn string, err error)
	Update(ctx context.Context, arn string, m *infra.Machine) error
	Tags(ctx context.Context, arn string) ([]infra.Tag, error)
	Tag(ctx context.Context, arn string, tags []infra.Tag) error
	Untag(ctx context.Context, arn string, keys []string) error
	Versions(ctx context.Context, arn string) ([]string, error)
	Publish(ctx context.Context, arn, description string) (version string, err error)
	DescribeAlias(ctx context.Context, arn string) (*AliasState, error)
	CreateAlias(ctx context.Context, a infra.Alias, version string) error
	UpdateAlias(ctx context.Context, arn string, a infra.Alias, version string) error
	ActivityExists(ctx context.Context, arn string) (bool, error)
	CreateActivity(ctx context.Context, a infra.Activity) error
}

// Current is a state machine as the server has it.
type Current struct {
	Definition string
	RoleARN    string
	Type       string
	Logging    json.RawMessage
	Tracing    json.RawMessage
}

// AliasState is an alias as the server has it.
type AliasState struct {
	Description string
	Routing     map[string]int // version ARN -> weight
}

// Change is one thing a deployment did.
type Change struct {
	Machine string `json:"stateMachine,omitempty"`
	// Action is created, updated, tagged, published, alias created, alias
	// moved or activity created.
	Action string `json:"action"`
	ARN    string `json:"arn"`
}

func (c Change) String() string { return c.Action + " " + c.ARN }

// Report is what a deployment did.
type Report struct {
	Changes []Change `json:"changes"`
	// Unchanged are the machines nothing was done to.
	Unchanged []string `json:"unchanged"`
}

// Options narrow a deployment.
type Options struct {
	// Machine, when set, deploys that machine (name or ID) only.
	Machine string
}

// Deploy deploys a file's machines. A file with errors deploys nothing:
// a half-resolved machine is no deployment. The report holds what was
// done before a failure.
func Deploy(ctx context.Context, api API, f *infra.File, o Options) (*Report, error) {
	machines := f.Machines
	if o.Machine != "" {
		m, err := f.Machine(o.Machine)
		if err != nil {
			return nil, err
		}
		machines = []*infra.Machine{m}
	}
	var errs infra.Problems
	for _, m := range machines {
		errs = append(errs, f.Problems.Of(m.Name).Errors()...)
	}
	if o.Machine == "" {
		errs = f.Problems.Errors()
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s cannot be deployed:\n%w", f.Path, errs)
	}
	if len(machines) == 0 {
		return nil, fmt.Errorf("%s declares no state machine", f.Path)
	}
	r := &Report{}
	// Activities first: the machines' tasks name them.
	for _, a := range f.Activities {
		ok, err := api.ActivityExists(ctx, a.ARN)
		if err != nil {
			return r, fmt.Errorf("activity %s: %w", a.Name, err)
		}
		if !ok {
			if err := api.CreateActivity(ctx, a); err != nil {
				return r, fmt.Errorf("activity %s: %w", a.Name, err)
			}
			r.Changes = append(r.Changes, Change{Action: "activity created", ARN: a.ARN})
		}
	}
	for _, m := range machines {
		if err := deployOne(ctx, api, m, r); err != nil {
			return r, fmt.Errorf("%s: %w", m.Name, err)
		}
	}
	return r, nil
}

func deployOne(ctx context.Context, api API, m *infra.Machine, r *Report) error {
	n := len(r.Changes)
	change := func(action, arn string) {
		r.Changes = append(r.Changes, Change{Machine: m.Name, Action: action, ARN: arn})
	}
	cur, err := api.Describe(ctx, m.ARN)
	if err != nil {
		return err
	}
	var versionsBefore []string
	switch {
	case cur == nil:
		if _, err := api.Create(ctx, m); err != nil {
			return err
		}
		change("created", m.ARN)
	case !strings.EqualFold(cur.Type, m.Type):
		return fmt.Errorf("the state machine is %s and the file says %s: a state machine's type cannot change (delete it first)", cur.Type, m.Type)
	default:
		if versionsBefore, err = api.Versions(ctx, m.ARN); err != nil {
			return err
		}
		if !same(cur, m) {
			if err := api.Update(ctx, m.ARN, m); err != nil {
				return err
			}
			change("updated", m.ARN)
		}
		have, err := api.Tags(ctx, m.ARN)
		if err != nil {
			return err
		}
		add, drop := tagDiff(have, m.Tags)
		if len(add) > 0 {
			if err := api.Tag(ctx, m.ARN, add); err != nil {
				return err
			}
		}
		if len(drop) > 0 {
			if err := api.Untag(ctx, m.ARN, drop); err != nil {
				return err
			}
		}
		if len(add)+len(drop) > 0 {
			change("tagged", m.ARN)
		}
	}
	if m.Publish || len(m.Aliases) > 0 {
		// Publishing a revision that has a version already answers that
		// version: only a new one is a change.
		v, err := api.Publish(ctx, m.ARN, m.VersionDescription)
		if err != nil {
			return err
		}
		if !contains(versionsBefore, v) {
			change("published", v)
		}
		for _, a := range m.Aliases {
			arn := m.ARN + ":" + a.Name
			st, err := api.DescribeAlias(ctx, arn)
			if err != nil {
				return err
			}
			switch {
			case st == nil:
				if err := api.CreateAlias(ctx, a, v); err != nil {
					return err
				}
				change("alias created", arn)
			case st.Description != a.Description || len(st.Routing) != 1 || st.Routing[v] != 100:
				if err := api.UpdateAlias(ctx, arn, a, v); err != nil {
					return err
				}
				change("alias moved", arn)
			}
		}
	}
	if len(r.Changes) == n {
		r.Unchanged = append(r.Unchanged, m.Name)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// same says whether the server's machine is the file's: what
// UpdateStateMachine would change.
func same(cur *Current, m *infra.Machine) bool {
	return cur.Definition == m.Definition && cur.RoleARN == m.RoleARN &&
		reflect.DeepEqual(logging(cur.Logging), logging(m.Logging)) && tracing(cur.Tracing) == tracing(m.Tracing)
}

type loggingConfig struct {
	Level                string   `json:"level"`
	IncludeExecutionData bool     `json:"includeExecutionData"`
	Destinations         []string `json:"-"`
}

// logging reads a loggingConfiguration with its defaults (OFF, no data).
func logging(raw json.RawMessage) loggingConfig {
	var l struct {
		Level                string `json:"level"`
		IncludeExecutionData bool   `json:"includeExecutionData"`
		Destinations         []struct {
			CloudWatchLogsLogGroup struct {
				LogGroupArn string `json:"logGroupArn"`
			} `json:"cloudWatchLogsLogGroup"`
		} `json:"destinations"`
	}
	_ = json.Unmarshal(raw, &l) // a configuration that does not read is the default one
	out := loggingConfig{Level: strings.ToUpper(l.Level), IncludeExecutionData: l.IncludeExecutionData}
	if out.Level == "" {
		out.Level = "OFF"
	}
	for _, d := range l.Destinations {
		out.Destinations = append(out.Destinations, d.CloudWatchLogsLogGroup.LogGroupArn)
	}
	return out
}

func tracing(raw json.RawMessage) bool {
	var t struct {
		Enabled bool `json:"enabled"`
	}
	_ = json.Unmarshal(raw, &t) // absent: disabled
	return t.Enabled
}

// tagDiff is the tags to set and the keys to remove to go from have to
// want.
func tagDiff(have, want []infra.Tag) (add []infra.Tag, drop []string) {
	h := map[string]string{}
	for _, t := range have {
		h[t.Key] = t.Value
	}
	w := map[string]bool{}
	for _, t := range want {
		w[t.Key] = true
		if v, ok := h[t.Key]; !ok || v != t.Value {
			add = append(add, t)
		}
	}
	for k := range h {
		if !w[k] {
			drop = append(drop, k)
		}
	}
	sort.Strings(drop)
	return add, drop
}
