package corpus

import (
	"os"
	"path/filepath"
	"testing"
)

func TestRequired(t *testing.T) {
	for _, tc := range []struct {
		ci   string
		want bool
	}{{"", false}, {"false", false}, {"0", false}, {"true", true}, {"1", true}, {"yes", true}} {
		t.Setenv("CI", tc.ci)
		if got := Required(); got != tc.want {
			t.Errorf("CI=%q: %v, want %v", tc.ci, got, tc.want)
		}
	}
}

func TestFind(t *testing.T) {
	t.Setenv("BATON_TEST_CORPUS", "")
	dir, err := Find("BATON_TEST_CORPUS", "things")
	if err != nil {
		t.Fatal(err)
	}
	// This package is two folders below the module's root.
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(root, "..", "shared", "things"); dir != want {
		t.Errorf("beside the module: %s, want %s", dir, want)
	}
	t.Setenv("BATON_TEST_CORPUS", "/elsewhere/things")
	if dir, err := Find("BATON_TEST_CORPUS", "things"); err != nil || dir != "/elsewhere/things" {
		t.Errorf("from the environment: %s %v", dir, err)
	}
}
