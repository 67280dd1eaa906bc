package main

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// TestHelpFlags: every command's --help spells its flags with two dashes,
// as the usage lines and the README do, and hides deprecated aliases.
func TestHelpFlags(t *testing.T) {
	t.Parallel()
	singleDash := regexp.MustCompile(`(?m)^\s+-[a-z]`)
	for _, cmd := range []string{"validate", "run", "bench", "graph", "test", "eval", "logs", "serve", "version"} {
		r := cli(t, cmd, "--help")
		if r.code != 0 || !strings.HasPrefix(r.stdout, "Usage: baton "+cmd) {
			t.Errorf("%s --help: exit %d\n%s%s", cmd, r.code, r.stdout, r.stderr)
			continue
		}
		if singleDash.MatchString(r.stdout) {
			t.Errorf("%s --help shows a flag with one dash:\n%s", cmd, r.stdout)
		}
	}
	r := cli(t, "run", "--help")
	for _, want := range []string{"\n  --type STANDARD|EXPRESS\n", "\n  --skip-waits\n", "\n  --input JSON|@FILE\n", "(default STANDARD)"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("run --help lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "--express") {
		t.Errorf("run --help shows the deprecated --express:\n%s", r.stdout)
	}
	if r := cli(t, "--help"); r.code != 0 || !strings.Contains(r.stdout, "baton version") {
		t.Errorf("baton --help: %+v", r)
	}
}

// TestVersion: `baton version` and `baton --version` print the same line:
// the module's version, the VCS revision when the build knows it, and Go's
// version; --json the same as an object.
func TestVersion(t *testing.T) {
	t.Parallel()
	line := regexp.MustCompile(`^baton \S+( \(revision [0-9a-f]{1,12}(, modified)?\))? go1\.\d+\S*\n$`)
	a, b := cli(t, "version"), cli(t, "--version")
	if a.code != 0 || !line.MatchString(a.stdout) {
		t.Errorf("version: %+v", a)
	}
	if b.code != 0 || b.stdout != a.stdout {
		t.Errorf("--version: %+v, want %q", b, a.stdout)
	}
	r := cli(t, "version", "--json")
	var got struct {
		Version, Revision, Go string
		Modified              *bool
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || r.code != 0 {
		t.Fatalf("%v: %+v", err, r)
	}
	if got.Version == "" || !strings.HasPrefix(got.Go, "go1.") || (got.Revision != "") != (got.Modified != nil) {
		t.Errorf("version --json: %s", r.stdout)
	}
	if got.Revision != "" && !strings.Contains(a.stdout, got.Revision[:min(12, len(got.Revision))]) {
		t.Errorf("the line %q lacks the revision %s", a.stdout, got.Revision)
	}
	if r := cli(t, "version", "extra"); r.code != 2 {
		t.Errorf("version extra: %+v", r)
	}
}

// TestJSONEverywhere: --json is accepted by every command that prints
// results (logs prints JSON lines with or without it).
func TestJSONEverywhere(t *testing.T) {
	t.Parallel()
	def := write(t, "def.json", passDef)
	dir := t.TempDir()
	for _, args := range [][]string{
		{"validate", "--json", def},
		{"run", "--json", def, "--input", `{"name":"x"}`},
		{"eval", "--json", "1+1"},
		{"version", "--json"},
		{"logs", "--json", "--data", dir},
	} {
		r := cli(t, args...)
		if r.code != 0 {
			t.Errorf("%v: %+v", args, r)
			continue
		}
		for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
			if l != "" && !json.Valid([]byte(l)) {
				t.Errorf("%v: not JSON: %q", args, l)
			}
		}
	}
}

func TestVersionLine(t *testing.T) {
	tests := []struct {
		v    buildVersion
		want string
	}{
		{buildVersion{Version: "(devel)", Go: "go1.26.0"}, "baton (devel) go1.26.0"},
		{buildVersion{Version: "v1.2.3", Revision: "0123456789abcdef0123", Go: "go1.26.0"}, "baton v1.2.3 (revision 0123456789ab) go1.26.0"},
		{buildVersion{Version: "(devel)", Revision: "abc", Modified: true, Go: "go1.26.1"}, "baton (devel) (revision abc, modified) go1.26.1"},
	}
	for _, tt := range tests {
		if got := tt.v.String(); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.v, got, tt.want)
		}
	}
}
