package console

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// The front end's own checks need its npm packages (npm ci in web/; the
// test script installs them). Without them the tests are skipped, except
// in CI, where that is a failure.
func needNodeModules(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(filepath.Join("web", "node_modules", ".bin", "vite")); err == nil {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatal("the console's npm packages are not installed: run npm ci in console/web (test.sh does)")
	}
	t.Skip("the console's npm packages are not installed (npm ci in console/web)")
}

func npx(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.Command(filepath.Join("node_modules", ".bin", args[0]), args[1:]...)
	cmd.Dir = "web"
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "FORCE_COLOR=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, out)
	}
}

// TestFrontEnd runs the type checker and the front end's unit tests (the
// graph model from a definition, each state's status from a history).
func TestFrontEnd(t *testing.T) {
	needNodeModules(t)
	npx(t, "tsc", "--noEmit")
	npx(t, "vitest", "run")
}

// TestAssetsMatchSources fails when the committed build (dist/, which the
// binary embeds) is not what the sources build to: run npm run build in
// console/web and commit dist/.
func TestAssetsMatchSources(t *testing.T) {
	needNodeModules(t)
	out := t.TempDir()
	npx(t, "vite", "build", "--logLevel", "warn", "--outDir", out, "--emptyOutDir")
	fresh, committed := tree(t, out), tree(t, "dist")
	for name, b := range fresh {
		c, ok := committed[name]
		switch {
		case !ok:
			t.Errorf("dist/%s is missing: run npm run build in console/web and commit dist/", name)
		case !bytes.Equal(b, c):
			t.Errorf("dist/%s differs from a fresh build of the sources: run npm run build in console/web and commit dist/", name)
		}
	}
	for name := range committed {
		if _, ok := fresh[name]; !ok {
			t.Errorf("dist/%s is not built from the sources any more: delete it", name)
		}
	}
}

func tree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(path)
		files[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}
