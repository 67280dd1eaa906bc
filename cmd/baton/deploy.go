package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/baton-sh/baton/deploy"
	"github.com/baton-sh/baton/infra"
)

// cmdDeploy creates or updates the state machines of an infrastructure
// file on a server, through the Step Functions API.
func cmdDeploy(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("deploy", flag.ContinueOnError)
	endpoint := fs.String("endpoint", "", "the server's `URL` (default: $BATON_ENDPOINT, else http://127.0.0.1:8083)")
	smName := fs.String("state-machine", "", "deploy this state machine only, by `NAME` or logical ID (default: all of the file's)")
	asJSON := fs.Bool("json", false, "print what was done as one JSON object")
	fl := addInfraFlags(fs)
	files, err := parseFlags(fs, args)
	if err != nil {
		if err == flag.ErrHelp {
			fmt.Fprint(stdout, helpText(fs, "baton deploy FILE [--endpoint URL] [--state-machine NAME] [--param NAME=VALUE] [--stage STAGE] [--region REGION] [--account ID]"))
		}
		return err
	}
	if len(files) != 1 {
		return usageError("deploy: name exactly one infrastructure file")
	}
	f, err := loadInfra(files[0], fl)
	if err != nil {
		return err
	}
	if f == nil {
		return usageError("deploy: %s is a state machine definition, not an infrastructure file (serverless.yml, a SAM or CloudFormation template, cdk.out): create it with aws stepfunctions create-state-machine", files[0])
	}
	for _, p := range f.Problems {
		if p.Severity == infra.Warning {
			fmt.Fprintln(stderr, "baton: "+p.Error())
		}
	}
	url := *endpoint
	if url == "" {
		url = os.Getenv("BATON_ENDPOINT")
	}
	if url == "" {
		url = "http://127.0.0.1:8083"
	}
	// Credentials from the environment, as the aws CLI takes them; a
	// server that takes any request needs none.
	id, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if id == "" {
		id, secret = "baton", "baton"
	}
	client := sfn.New(sfn.Options{Region: f.Region, BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider(id, secret, os.Getenv("AWS_SESSION_TOKEN"))})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	rep, err := deploy.Deploy(ctx, checkAccount(deploy.SFN(client), f), f, deploy.Options{Machine: *smName})
	if rep != nil {
		if *asJSON {
			b, _ := json.Marshal(rep) //nolint:errchkjson // plain fields always encode
			fmt.Fprintln(stdout, string(b))
		} else {
			printDeploy(stdout, f.Path, rep)
		}
	}
	if err != nil {
		return &exitError{code: 1, msg: "deploy: " + err.Error()}
	}
	return nil
}

// printDeploy prints a line per change, or says that nothing changed.
func printDeploy(w io.Writer, file string, rep *deploy.Report) {
	for _, c := range rep.Changes {
		fmt.Fprintln(w, c.String())
	}
	switch {
	case len(rep.Changes) == 0:
		fmt.Fprintf(w, "nothing changed: %d %s (%s) as %s says\n", len(rep.Unchanged), plural(len(rep.Unchanged), "state machine is", "state machines are"), strings.Join(rep.Unchanged, ", "), file)
	case len(rep.Unchanged) > 0:
		fmt.Fprintf(w, "unchanged: %s\n", strings.Join(rep.Unchanged, ", "))
	}
}

// accountCheck refuses to go on when the server makes ARNs in another
// account than the file's: every later call would name machines that are
// not there.
type accountCheck struct {
	deploy.API
	f *infra.File
}

func checkAccount(api deploy.API, f *infra.File) deploy.API { return &accountCheck{API: api, f: f} }

func (a *accountCheck) Create(ctx context.Context, m *infra.Machine) (string, error) {
	arn, err := a.API.Create(ctx, m)
	if err == nil && arn != m.ARN {
		parts := strings.Split(arn, ":")
		acct := ""
		if len(parts) > 4 {
			acct = parts[4]
		}
		return arn, fmt.Errorf("the server made %s, not %s: its account is %s (give --account %s) or its region another (give --region)", arn, m.ARN, acct, acct)
	}
	return arn, err
}
