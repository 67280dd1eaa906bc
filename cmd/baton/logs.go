package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/baton-sh/baton/config"
	"github.com/baton-sh/baton/execlog"
)

// cmdLogs prints execution logs that baton serve wrote: every log group's
// file in DATA/logs (and those baton.yaml names), or one group's, filtered
// by execution.
func cmdLogs(args []string, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("logs", flag.ContinueOnError)
	data := fs.String("data", "baton-data", "the data folder of baton serve")
	configFile := fs.String("config", "", "baton.yaml, for the files its logGroups name")
	group := fs.String("log-group", "", "one log group's records (its name, or its ARN)")
	execution := fs.String("execution", "", "one execution's records (its ARN)")
	fs.Bool("json", true, "the records are JSON lines already; accepted so that --json works on every command")
	rest, err := parseFlags(fs, args)
	if err != nil {
		if err == flag.ErrHelp {
			fmt.Fprint(stdout, helpText(fs, "baton logs [--data DIR] [--config baton.yaml] [--log-group NAME] [--execution ARN]"))
		}
		return err
	}
	if len(rest) != 0 {
		return usageError("logs: unexpected argument %q", rest[0])
	}
	groups := map[string]string{}
	if *configFile != "" {
		cfg, err := config.Load(*configFile)
		if err != nil {
			return usageError("logs: %v", err)
		}
		groups = cfg.LogGroups
	}
	dir := filepath.Join(*data, "logs")
	var files []string
	if *group != "" {
		f := execlog.FileOf(dir, groups, execlog.GroupName(*group))
		if f == "-" {
			return usageError("logs: the log group %s goes to standard output, not to a file", *group)
		}
		files = []string{f}
	} else {
		found, err := filepath.Glob(filepath.Join(dir, "*.log"))
		if err != nil {
			return err
		}
		files = found
		for _, f := range groups {
			if f != "-" && !slices.Contains(files, f) {
				files = append(files, f)
			}
		}
		slices.Sort(files)
	}
	for _, name := range files {
		f, err := os.Open(name)
		if errors.Is(err, iofs.ErrNotExist) && *group == "" {
			continue // a group baton.yaml names that nothing was logged to yet
		}
		if err != nil {
			return &exitError{code: 1, msg: "logs: " + err.Error()}
		}
		_, err = execlog.Read(f, *execution, stdout)
		f.Close()
		if err != nil {
			return &exitError{code: 1, msg: "logs: " + name + ": " + err.Error()}
		}
	}
	return nil
}
