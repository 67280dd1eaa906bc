package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/baton-sh/baton"
	"github.com/baton-sh/baton/infra"
)

// Infrastructure files (serverless.yml, SAM and CloudFormation templates,
// cdk.out) in the commands that take a definition: each reads its state
// machines through package infra; a bare definition goes on as before.

// infraFlags are the flags of every command that reads such files.
type infraFlags struct {
	params  paramFlag
	stage   *string
	region  *string
	account *string
}

func addInfraFlags(fs *flag.FlagSet) *infraFlags {
	f := &infraFlags{params: paramFlag{}}
	fs.Var(&f.params, "param", "a template parameter (CloudFormation, SAM, CDK) or ${param:NAME} (serverless.yml), `NAME=VALUE`; repeat for several")
	f.stage = fs.String("stage", "", "serverless.yml's `STAGE`, as its --stage (default: provider.stage, else dev)")
	f.region = fs.String("region", "", "the `REGION` of the file's ARNs and AWS::Region (default: the file's own, else us-east-1)")
	f.account = fs.String("account", "123456789012", "the account `ID` of the file's ARNs and AWS::AccountId")
	return f
}

func (f *infraFlags) options() infra.Options {
	return infra.Options{Params: f.params, Stage: *f.stage, Region: *f.region, Account: *f.account}
}

// paramFlag collects --param NAME=VALUE.
type paramFlag map[string]string

func (p paramFlag) String() string {
	var parts []string
	for k, v := range p {
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, ",")
}

func (p paramFlag) Set(s string) error {
	name, value, ok := strings.Cut(s, "=")
	if !ok || name == "" {
		return fmt.Errorf("%q: write NAME=VALUE", s)
	}
	p[name] = value
	return nil
}

// loadInfra reads file as an infrastructure file. It returns nil for a
// bare state machine definition (or a file that is neither: the
// definition's parser says what is wrong with it).
func loadInfra(file string, fl *infraFlags) (*infra.File, error) {
	st, err := os.Stat(file)
	if err != nil {
		return nil, usageError("cannot read the definition: %v", err)
	}
	if !st.IsDir() {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, usageError("cannot read the definition: %v", err)
		}
		if infra.Detect(file, data) == infra.ASL {
			return nil, nil
		}
	}
	f, err := infra.Load(file, fl.options())
	if err != nil {
		return nil, usageError("%v", err)
	}
	if f.Format == infra.ASL {
		return nil, nil
	}
	return f, nil
}

// pickMachine is the machine a command runs: the one named, or the file's
// only one. Problems that concern it are usage errors; warnings go to
// stderr.
func pickMachine(f *infra.File, name string, stderr io.Writer) (*infra.Machine, error) {
	m, err := f.Machine(name)
	if err != nil {
		return nil, usageError("%v", err)
	}
	probs := f.Problems.Of(m.Name)
	if errs := probs.Errors(); len(errs) > 0 || m.Definition == "" {
		var b strings.Builder
		fmt.Fprintf(&b, "%s: the state machine %s cannot be read:", f.Path, m.Name)
		for _, p := range errs {
			b.WriteString("\n" + p.Error())
		}
		return nil, usageError("%s", b.String())
	}
	for _, p := range probs {
		fmt.Fprintln(stderr, "baton: "+p.Error())
	}
	return m, nil
}

// siblings makes a file's other state machines children that its nested
// workflows may start in-process, as they would once deployed together.
// Machines with errors are left out: starting one fails as an unknown
// state machine, which names it.
func siblings(f *infra.File, except *infra.Machine) []baton.Option {
	var opts []baton.Option
	for _, m := range f.Machines {
		if m == except || m.Definition == "" || len(f.Problems.Of(m.Name).Errors()) > 0 {
			continue
		}
		opts = append(opts, baton.WithChild(m.Name, []byte(m.Definition), m.Type == "EXPRESS"))
	}
	return opts
}

// machineLabel names a machine of a file in messages: "FILE (NAME)".
func machineLabel(file, name string) string { return file + " (" + name + ")" }
