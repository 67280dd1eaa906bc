package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestConsoleInBrowser runs the console's end-to-end tests
// (console/web/e2e): Chromium, driven by playwright-core, against this
// binary. They need Node, the console's npm packages and Debian's
// chromium (the test script installs them); without them the test is
// skipped, except in CI, where that is a failure.
func TestConsoleInBrowser(t *testing.T) {
	web := filepath.Join("..", "..", "console", "web")
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	var missing []string
	if _, err := exec.LookPath("node"); err != nil {
		missing = append(missing, "node")
	}
	if _, err := os.Stat(filepath.Join(web, "node_modules", "playwright-core")); err != nil {
		missing = append(missing, "the console's npm packages (npm ci in console/web)")
	}
	if _, err := os.Stat(chromium); err != nil {
		missing = append(missing, chromium)
	}
	if len(missing) > 0 {
		if os.Getenv("CI") != "" {
			t.Fatalf("missing for the console's browser tests: %v (test.sh installs them)", missing)
		}
		t.Skipf("missing for the console's browser tests: %v", missing)
	}
	s := startServer(t, "")
	artifacts := os.Getenv("BATON_E2E_ARTIFACTS")
	if artifacts == "" {
		artifacts = filepath.Join(web, "e2e", "artifacts")
	}
	artifacts, err := filepath.Abs(artifacts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "--test", "--test-reporter=spec", "--test-concurrency=1", "e2e/")
	cmd.Dir = web
	cmd.Env = append(os.Environ(), "BATON_URL="+s.url, "BATON_E2E_ARTIFACTS="+artifacts, "CHROMIUM="+chromium, "NO_COLOR=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the console's browser tests failed (%v); screenshots in %s:\n%s\nserver log:\n%s", err, artifacts, out, s.logs)
	}
	t.Logf("%s", out)
}
