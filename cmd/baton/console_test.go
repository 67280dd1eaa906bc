package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
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
	web, chromium := browserTools(t)
	s := startServer(t, "")
	// A second server requires access keys: the console signs in to it.
	conf := filepath.Join(t.TempDir(), "baton.yaml")
	if err := os.WriteFile(conf, []byte("accessKeys:\n  AKIDCONSOLE: console-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	signed := startServerAt(t, t.TempDir(), "--auth", "sigv4", "--config", conf)
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
	cmd.Env = append(os.Environ(), "BATON_URL="+s.url, "BATON_SIGNED_URL="+signed.url, "BATON_E2E_ARTIFACTS="+artifacts, "CHROMIUM="+chromium, "NO_COLOR=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the console's browser tests failed (%v); screenshots in %s:\n%s\nserver log:\n%s", err, artifacts, out, s.logs)
	}
	t.Logf("%s", out)
}

// BenchmarkConsoleInBrowser measures, in Chromium, the time until an
// execution page is usable: a history of about 25,000 events, and a Map
// of 10,000 iterations (its page, and its table unfolded), the median of
// RUNS (5) page loads each (console/web/e2e/speed.mjs). Run it with
// -benchtime 1x.
func BenchmarkConsoleInBrowser(b *testing.B) {
	web, chromium := browserTools(b)
	s := startServerAt(b, b.TempDir(), "--max-events", "100000")
	for b.Loop() {
		cmd := exec.Command("node", "e2e/speed.mjs")
		cmd.Dir = web
		cmd.Env = append(os.Environ(), "BATON_URL="+s.url, "CHROMIUM="+chromium)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			b.Fatalf("%v: %s%s", err, out, &stderr)
		}
		sc := bufio.NewScanner(bytes.NewReader(out))
		for sc.Scan() {
			var m struct {
				Name string  `json:"name"`
				MS   float64 `json:"ms"`
				N    float64 `json:"n"`
			}
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				b.Fatalf("%q: %v", sc.Text(), err)
			}
			if m.N > 0 {
				b.ReportMetric(m.N, m.Name)
			} else {
				b.ReportMetric(m.MS, m.Name+"-ms")
			}
		}
	}
}

// browserTools finds the console's sources, Node, its packages and
// Chromium; without them the test is skipped, except in CI.
func browserTools(t testing.TB) (web, chromium string) {
	t.Helper()
	web = filepath.Join("..", "..", "console", "web")
	chromium = os.Getenv("CHROMIUM")
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
	return web, chromium
}
