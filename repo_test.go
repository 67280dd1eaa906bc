package baton_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The repository's own hygiene is part of the test suite, so that the one
// test command checks formatting and vet too.

func TestGofmt(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("gofmt", "-l", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("gofmt: %v\n%s", err, out)
	}
	if files := strings.TrimSpace(string(out)); files != "" {
		t.Errorf("files not formatted with gofmt:\n%s", files)
	}
}

func TestVet(t *testing.T) {
	if testing.Short() {
		t.Skip("go vet is slow")
	}
	t.Parallel()
	out, err := exec.Command("go", "vet", "./...").CombinedOutput()
	if err != nil {
		t.Errorf("go vet: %v\n%s", err, out)
	}
}
