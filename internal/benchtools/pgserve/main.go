// Command pgserve stands in for the baton binary in the API benchmark
// harness (../shared/bench/api/run.sh's contract: `BIN serve --addr ADDR
// --data DIR`), so that the unchanged harness drives Baton on PostgreSQL:
// one node, or several nodes behind a round-robin reverse proxy on ADDR.
//
// For each `serve` it makes a fresh schema in the database, starts the
// nodes on it (--node a, b, c, ...), scrapes each node's /metrics once
// they answer and again when it is told to stop (SIGTERM, as the harness
// stops its server), and appends one JSON line to $BATON_BENCH_REPORT:
// per node, its peak resident memory, the database round trips and the
// group commits (steps written, batches) between the two scrapes, and the
// seconds between them (the round trips of the nodes' background loops are
// counted too: an idle run tells their rate). The schema is dropped at the
// end.
//
// With BATON_BENCH_PGPID (the postmaster's pid, when the database runs on
// this machine and serves nothing else) it also reports the processor time
// of the postmaster and its children between the scrapes: the database's
// cost. The nodes' pooled connections live through the run, so their
// backends' time is all counted.
//
// Environment:
//
//	BATON_BENCH_BIN     the baton binary (required)
//	BATON_BENCH_STORE   a PostgreSQL URL; each run gets a schema of its own there (required)
//	BATON_BENCH_NODES   how many nodes (default 1; 1 listens on ADDR itself, more sit behind the proxy)
//	BATON_BENCH_PROXY   1: the proxy stands in front of a single node too (to tell its cost)
//	BATON_BENCH_REPORT  the file the JSON line is appended to (default: standard error)
//	BATON_BENCH_ARGS    more flags for each node's serve, space-separated
//	BATON_BENCH_PGPID   the database's postmaster, to count its processor time
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

func main() {
	if len(os.Args) < 2 || os.Args[1] != "serve" {
		fmt.Fprintln(os.Stderr, "usage: pgserve serve --addr ADDR --data DIR (see the package comment for the environment)")
		os.Exit(2)
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8083", "address the benchmark calls")
	data := fs.String("data", "", "data folder (each node gets a subfolder, for its logs)")
	if err := fs.Parse(os.Args[2:]); err != nil {
		os.Exit(2)
	}
	if err := run(*addr, *data); err != nil {
		fmt.Fprintln(os.Stderr, "pgserve:", err)
		os.Exit(1)
	}
}

// node is one baton serve process.
type node struct {
	Name string `json:"node"`
	addr string
	cmd  *exec.Cmd
	// Filled when the run ends: differences between the scrape after the
	// nodes came up and the one before they were stopped.
	PeakRSSKB   int64   `json:"peak_rss_kb"`
	RoundTrips  float64 `json:"round_trips"`
	Commits     float64 `json:"commits"`
	StepsInThem float64 `json:"commit_steps"`
	// Buckets of baton_store_commit_steps (le -> cumulative count), to
	// tell one big batch from many small ones.
	StepBuckets map[string]float64 `json:"commit_step_buckets"`
	// CPUSeconds is the node's own processor time (user and system).
	CPUSeconds float64 `json:"cpu_s"`
	before     map[string]float64
	cpuBefore  float64
}

func run(addr, data string) error {
	bin, dbURL := os.Getenv("BATON_BENCH_BIN"), os.Getenv("BATON_BENCH_STORE")
	if bin == "" || dbURL == "" {
		return errors.New("BATON_BENCH_BIN and BATON_BENCH_STORE must be set")
	}
	n := 1
	if v := os.Getenv("BATON_BENCH_NODES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 || n > 26 {
			return fmt.Errorf("BATON_BENCH_NODES: want 1 to 26, have %q", v)
		}
	}
	proxied := n > 1 || os.Getenv("BATON_BENCH_PROXY") == "1"
	ctx := context.Background()
	schema := fmt.Sprintf("bench_%d", time.Now().UnixNano())
	if err := exec1(ctx, dbURL, "CREATE SCHEMA "+schema); err != nil {
		return err
	}
	defer exec1(context.Background(), dbURL, "DROP SCHEMA "+schema+" CASCADE")
	storeURL, err := withSearchPath(dbURL, schema)
	if err != nil {
		return err
	}

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)

	nodes := make([]*node, n)
	for i := range nodes {
		nd := &node{Name: string(rune('a' + i)), addr: addr}
		if proxied {
			if nd.addr, err = freeAddr(); err != nil {
				return err
			}
		}
		args := []string{"serve", "--addr", nd.addr, "--data", filepath.Join(data, nd.Name), "--store", storeURL, "--node", nd.Name}
		args = append(args, strings.Fields(os.Getenv("BATON_BENCH_ARGS"))...)
		nd.cmd = exec.Command(bin, args...)
		nd.cmd.Stdout, nd.cmd.Stderr = os.Stderr, os.Stderr
		if err := nd.cmd.Start(); err != nil {
			return err
		}
		defer nd.cmd.Process.Kill()
		nodes[i] = nd
		// One node at a time: the first applies the migrations, and nodes
		// starting together would only queue on its lock.
		if err := waitUp(nd.addr, 60*time.Second); err != nil {
			return fmt.Errorf("node %s: %w", nd.Name, err)
		}
	}
	began := time.Now()
	for _, nd := range nodes {
		if nd.before, err = scrape(nd.addr); err != nil {
			return fmt.Errorf("node %s: %w", nd.Name, err)
		}
		nd.cpuBefore = cpuSeconds(nd.cmd.Process.Pid)
	}
	pgBefore := postgresCPU()

	var srv *http.Server
	if proxied {
		srv, err = serveProxy(addr, nodes)
		if err != nil {
			return err
		}
	}
	<-stop
	seconds := time.Since(began).Seconds()
	pgCPU := postgresCPU() - pgBefore
	if srv != nil {
		srv.Close()
	}
	for _, nd := range nodes {
		after, err := scrape(nd.addr)
		if err != nil {
			return fmt.Errorf("node %s: %w", nd.Name, err)
		}
		nd.RoundTrips = after["baton_store_round_trips_total"] - nd.before["baton_store_round_trips_total"]
		nd.Commits = after["baton_store_commit_steps_count"] - nd.before["baton_store_commit_steps_count"]
		nd.StepsInThem = after["baton_store_commit_steps_sum"] - nd.before["baton_store_commit_steps_sum"]
		nd.StepBuckets = map[string]float64{}
		for k, v := range after {
			if le, ok := strings.CutPrefix(k, `baton_store_commit_steps_bucket{le="`); ok {
				nd.StepBuckets[strings.TrimSuffix(le, `"}`)] = v - nd.before[k]
			}
		}
		nd.PeakRSSKB = peakRSS(nd.cmd.Process.Pid)
		nd.CPUSeconds = cpuSeconds(nd.cmd.Process.Pid) - nd.cpuBefore
	}
	for _, nd := range nodes {
		nd.cmd.Process.Signal(syscall.SIGTERM)
	}
	for _, nd := range nodes {
		nd.cmd.Wait()
	}
	line, _ := json.Marshal(map[string]any{"schema": schema, "seconds": seconds, "postgres_cpu_s": pgCPU, "nodes": nodes})
	out := os.Stderr
	if p := os.Getenv("BATON_BENCH_REPORT"); p != "" {
		f, err := os.OpenFile(p, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		defer f.Close()
		out = f
	}
	_, err = fmt.Fprintf(out, "%s\n", line)
	return err
}

// serveProxy spreads requests over the nodes in turn, as a load balancer
// would: every request may land on a node that does not own its execution.
func serveProxy(addr string, nodes []*node) (*http.Server, error) {
	targets := make([]*url.URL, len(nodes))
	for i, nd := range nodes {
		targets[i] = &url.URL{Scheme: "http", Host: nd.addr}
	}
	var next atomic.Uint64
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(targets[next.Add(1)%uint64(len(targets))])
			r.Out.Host = r.In.Host
		},
		// The harness keeps 32+ requests in flight; the default keeps 2
		// idle connections per node and would open one per request.
		Transport: &http.Transport{MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute},
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: rp}
	go srv.Serve(ln)
	return srv, nil
}

func exec1(ctx context.Context, dbURL, sql string) error {
	c, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	_, err = c.Exec(ctx, sql)
	return err
}

func withSearchPath(dbURL, schema string) (string, error) {
	u, err := url.Parse(dbURL)
	if err != nil {
		return "", errors.New("BATON_BENCH_STORE is not a URL")
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func waitUp(addr string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("not ready in time")
}

// scrape reads the samples of the metrics the report needs, keyed by
// name and labels as the text format writes them.
func scrape(addr string) (map[string]float64, error) {
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return samples(string(b)), nil
}

// samples reads the store's and the node's samples from Prometheus' text
// format, keyed by name and labels as written.
func samples(text string) map[string]float64 {
	m := map[string]float64{}
	for _, l := range strings.Split(text, "\n") {
		if !strings.HasPrefix(l, "baton_store_") && !strings.HasPrefix(l, "baton_node_") {
			continue
		}
		i := strings.LastIndexByte(l, ' ')
		if i < 0 {
			continue
		}
		if v, err := strconv.ParseFloat(l[i+1:], 64); err == nil {
			m[l[:i]] = v
		}
	}
	return m
}

func peakRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb
		}
	}
	return 0
}

// cpuSeconds is a process's user and system time so far.
func cpuSeconds(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name, in parentheses, may hold spaces: count fields
	// from its end. utime and stime are fields 14 and 15.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (u + st) / clockTicks
}

// clockTicks is USER_HZ, which Linux fixes at 100 for /proc.
const clockTicks = 100

// postgresCPU sums cpuSeconds over the postmaster BATON_BENCH_PGPID names
// and its children (backends, WAL writer, checkpointer).
func postgresCPU() float64 {
	pm, err := strconv.Atoi(os.Getenv("BATON_BENCH_PGPID"))
	if err != nil {
		return 0
	}
	total := cpuSeconds(pm)
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if parent(pid) == pm {
			total += cpuSeconds(pid)
		}
	}
	return total
}

func parent(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}
