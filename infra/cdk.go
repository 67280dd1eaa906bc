package infra

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

// A CDK cloud assembly (cdk.out): manifest.json names its stacks, each a
// CloudFormation template; `cdk synth` writes it.

type cdkManifest struct {
	Artifacts map[string]struct {
		Type        string `json:"type"`
		Environment string `json:"environment"`
		Properties  struct {
			TemplateFile string            `json:"templateFile"`
			StackName    string            `json:"stackName"`
			Parameters   map[string]string `json:"parameters"`
		} `json:"properties"`
	} `json:"artifacts"`
}

func isCDKManifest(data []byte) bool {
	var m cdkManifest
	return json.Unmarshal(data, &m) == nil && m.Artifacts != nil
}

func loadCDK(dir string, opts Options) (*File, error) {
	path := filepath.Join(dir, "manifest.json")
	data, err := opts.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s is not a cdk.out folder: %v", dir, err)
	}
	var man cdkManifest
	if err := json.Unmarshal(data, &man); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	f := &File{Path: dir, Format: CDK, Region: opts.Region, Account: opts.Account}
	ids := make([]string, 0, len(man.Artifacts))
	for id, a := range man.Artifacts {
		if a.Type == "aws:cloudformation:stack" {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	if len(ids) == 0 {
		f.problem(Error, Place{File: path}, "", "the cloud assembly has no stack")
	}
	for _, id := range ids {
		a := man.Artifacts[id]
		o := opts
		o.StackName = a.Properties.StackName
		if o.StackName == "" {
			o.StackName = id
		}
		// A stack bound to an account and region is deployed there,
		// unless another was asked for.
		if env, ok := strings.CutPrefix(a.Environment, "aws://"); ok && !opts.regionGiven {
			acct, region, _ := strings.Cut(env, "/")
			if region != "" && !strings.HasPrefix(region, "unknown-") {
				o.Region = region
			}
			if acct != "" && !strings.HasPrefix(acct, "unknown-") && opts.Account == "123456789012" {
				o.Account = acct
			}
		}
		if len(a.Properties.Parameters) > 0 {
			o.Params = map[string]string{}
			for k, v := range a.Properties.Parameters {
				o.Params[k] = v
			}
			for k, v := range opts.Params {
				o.Params[k] = v
			}
		}
		// The file's region is that of its (first) stack.
		if f.Region == opts.Region && f.Account == opts.Account {
			f.Region, f.Account = o.Region, o.Account
		}
		tpath := filepath.Join(dir, a.Properties.TemplateFile)
		data, err := opts.ReadFile(tpath)
		if err != nil {
			f.problem(Error, Place{File: path, Path: "artifacts." + id}, "", "cannot read the stack's template: %v", err)
			continue
		}
		root, err := parseDoc(data)
		if err != nil {
			f.problem(Error, Place{File: tpath}, "", "%v", err)
			continue
		}
		t := newTemplate(f, tpath, root, o)
		t.load()
		for _, id := range t.order {
			if r := t.res[id]; r.typ == "AWS::CloudFormation::Stack" {
				f.problem(Warning, t.place(r.n.line, "Resources."+id), "", "nested stacks are not read: their state machines are not loaded")
			}
		}
	}
	f.sortProblems()
	return f, nil
}
