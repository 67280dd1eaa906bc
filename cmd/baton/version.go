package main

import (
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/baton-sh/baton/value"
)

// buildVersion is what the binary knows of where it came from: the
// module's version (a tag, a pseudo-version, or "(devel)" for a build in
// a checkout) and, when Go stamped it, the VCS revision it was built from.
type buildVersion struct {
	Version  string
	Revision string
	Modified bool // built from a checkout with uncommitted changes
	Go       string
}

func readBuildVersion() buildVersion {
	v := buildVersion{Version: "(unknown)", Go: runtime.Version()}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	if info.Main.Version != "" {
		v.Version = info.Main.Version
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Revision = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	return v
}

// String is the one line `baton version` prints:
// "baton v1.2.3 (revision 0123456789ab, modified) go1.26.0".
func (v buildVersion) String() string {
	s := "baton " + v.Version
	if v.Revision != "" {
		rev := v.Revision
		if len(rev) > 12 {
			rev = rev[:12]
		}
		s += " (revision " + rev
		if v.Modified {
			s += ", modified"
		}
		s += ")"
	}
	return s + " " + v.Go
}

func cmdVersion(args []string, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print one JSON object: version, revision, modified, go")
	rest, err := parseFlags(fs, args)
	if err != nil {
		if err == flag.ErrHelp {
			fmt.Fprint(stdout, helpText(fs, "baton version [--json]"))
		}
		return err
	}
	if len(rest) != 0 {
		return usageError("version: unexpected argument %q", rest[0])
	}
	v := readBuildVersion()
	if !*asJSON {
		_, err := fmt.Fprintln(stdout, v)
		return err
	}
	ms := []value.Member{{Key: "version", Value: v.Version}}
	if v.Revision != "" {
		ms = append(ms, value.Member{Key: "revision", Value: v.Revision}, value.Member{Key: "modified", Value: v.Modified})
	}
	ms = append(ms, value.Member{Key: "go", Value: v.Go})
	_, err = stdout.Write(append(value.Marshal(value.NewObject(ms)), '\n'))
	return err
}
