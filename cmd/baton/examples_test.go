package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// baton serve keeps its data in ./baton-data by default: the examples, and
// each example project (a folder with a baton.yaml) that may be copied as a
// project of its own, ignore it in git.
func TestExamplesIgnoreData(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "..", "examples")
	dirs := []string{root}
	projects := must(filepath.Glob(filepath.Join(root, "*", "baton.yaml")))(t)
	if len(projects) == 0 {
		t.Fatal("no example project (a folder with a baton.yaml)")
	}
	for _, p := range projects {
		dirs = append(dirs, filepath.Dir(p))
	}
	for _, dir := range dirs {
		data, err := os.ReadFile(filepath.Join(dir, ".gitignore"))
		if err != nil {
			t.Error(err)
			continue
		}
		if !slices.Contains(strings.Split(string(data), "\n"), "baton-data/") {
			t.Errorf("%s/.gitignore does not ignore baton-data/:\n%s", dir, data)
		}
	}
}
