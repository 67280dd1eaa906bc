// Package golden compares what a test made with a file under testdata/,
// and rewrites the file instead when the test runs with -update. Only
// tests import it (it defines the -update flag).
package golden

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// Check compares got with the file at path, or writes it there under
// -update.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run with -update to accept):\n%s", path, got)
	}
}

// Cases reads the cases of a test, one a line, from the file at path:
// blank lines and lines that begin with # are left out.
func Cases(t testing.TB, path string) []string {
	t.Helper()
	in, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cases []string
	for line := range strings.Lines(string(in)) {
		line = strings.TrimRight(line, "\r\n")
		if line != "" && !strings.HasPrefix(line, "#") {
			cases = append(cases, line)
		}
	}
	return cases
}
