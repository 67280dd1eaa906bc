// Package corpus finds the test corpora that are kept beside the
// repository rather than in it (the AWS conformance recordings, the
// JSONata test suite), and says so loudly when one is missing.
//
// A suite whose corpus is missing skips, except in CI, where it fails: a
// CI run must not pass without the suites it exists to run. Skipping
// quietly is not enough either: go test prints only "ok" for a package
// that passes unless it runs with -v, so a skipped suite would go unseen.
// Missing therefore writes its line on stderr and, when go test keeps
// stderr to itself, on the terminal.
package corpus

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// Find returns the folder of the corpus: the one the environment variable
// env names, else shared/name beside the module's root folder
// (<root>/../shared/name).
func Find(env, name string) (string, error) {
	if d := os.Getenv(env); d != "" {
		return d, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", name), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("cannot find the module's root folder (go.mod)")
		}
		dir = parent
	}
}

// Required reports whether a missing corpus fails the tests rather than
// skipping them: when the CI environment variable is set, as CI systems
// set it.
func Required() bool {
	switch os.Getenv("CI") {
	case "", "0", "false":
		return false
	}
	return true
}

// Missing tells whoever runs the tests that a suite does not run, in a
// line that go test shows without -v. Call it from TestMain, after
// flag.Parse.
func Missing(line string) {
	fmt.Fprintln(os.Stderr, line)
	if flag.Parsed() && testing.Verbose() || isTerminal(os.Stderr) {
		return // stderr is shown already
	}
	// go test shows a passing package's output only with -v.
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		fmt.Fprintln(tty, line)
		tty.Close()
	}
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
