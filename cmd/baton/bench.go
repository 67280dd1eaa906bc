package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/baton-sh/baton"
	"github.com/baton-sh/baton/config"
	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/metrics"
	"github.com/baton-sh/baton/mock"
	"github.com/baton-sh/baton/value"
)

// maxLatencySamples bounds the memory the latency distribution takes; with
// more executions, every k-th one is timed.
const maxLatencySamples = 1 << 18

// benchBatch is how many executions a worker claims at a time.
const benchBatch = 64

type benchReport struct {
	Executions    int
	Concurrency   int
	Seconds       float64
	ExecPerSec    float64
	TransPerSec   float64
	Transitions   int64
	P50ms         float64
	P99ms         float64
	AllocsPerExec float64
	BytesPerExec  float64
	PeakRSSMB     float64
}

func cmdBench(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	input := fs.String("input", "", "execution input: JSON text, or @FILE")
	n := fs.Int("executions", 1000, "number of executions")
	c := fs.Int("concurrency", 1, "executions in flight at once (1: one after another)")
	asJSON := fs.Bool("json", false, "print one JSON line with the figures")
	noHistory := fs.Bool("no-history", false, "do not record execution histories (as Express workflows)")
	withMetrics := fs.Bool("metrics", false, "count the executions' metrics as baton serve does (what metrics cost)")
	typ := addTypeFlag(fs)
	var tasks taskFlags
	tasks.add(fs)
	files, err := parseFlags(fs, args)
	if err != nil {
		if err == flag.ErrHelp {
			fmt.Fprint(stdout, helpText(fs, "baton bench FILE [--input JSON|@FILE] --executions N --concurrency C [--type STANDARD|EXPRESS]\n"+
				"           [--config baton.yaml] [--mock-config FILE --test-case NAME] [--json]"))
		}
		return err
	}
	if len(files) != 1 {
		return usageError("bench: name exactly one definition file")
	}
	if *n < 1 || *c < 1 {
		return usageError("bench: --executions and --concurrency must be at least 1")
	}
	raw, err := readInput(*input)
	if err != nil {
		return err
	}
	in, err := value.Parse(raw)
	if err != nil {
		return usageError("bench: the input is not valid JSON: %v", err)
	}
	opts, mocks, err := tasks.options()
	if err != nil {
		return usageError("bench: %v", err)
	}
	lopts := []baton.LoadOption{baton.Named(tasks.machineName(files[0], mocks))}
	if typ.Express() {
		lopts = append(lopts, baton.Express())
	}
	sm, err := loadMachine(baton.New(opts...), files[0], lopts...)
	if err != nil {
		return err
	}
	if err := tasks.checkCase(files[0], mocks); err != nil {
		return usageError("bench: %v", err)
	}
	m := sm.Machine()
	if *withMetrics {
		defer metrics.New(m.Engine(), metrics.Options{}).Close()
	}

	step := 1
	if *n > maxLatencySamples {
		step = (*n + maxLatencySamples - 1) / maxLatencySamples
	}
	var (
		next        atomic.Int64
		done        atomic.Int64
		transitions atomic.Int64
		failMu      sync.Mutex
		firstFail   string
		latMu       sync.Mutex
		latencies   = make([]time.Duration, 0, min(*n, maxLatencySamples))
	)
	progress := isTerminal(stdout) && !*asJSON
	stopProgress := make(chan struct{})
	var progressDone sync.WaitGroup
	if progress {
		progressDone.Add(1)
		go func() {
			defer progressDone.Done()
			drawProgress(stdout, &done, *n, stopProgress)
		}()
	}

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < *c; w++ {
		wg.Add(1)
		go func(worker int) {
			defer wg.Done()
			src := rand.NewPCG(uint64(time.Now().UnixNano()), uint64(worker))
			var local []time.Duration
			var localTrans int64
			// Executions are claimed in batches so that workers on different
			// cores do not fight over one counter at every execution.
			for {
				first := next.Add(benchBatch) - benchBatch
				if first >= int64(*n) {
					break
				}
				last := min(first+benchBatch, int64(*n))
				for i := first; i < last; i++ {
					timed := i%int64(step) == 0
					var t0 time.Time
					if timed {
						t0 = time.Now()
					}
					run, err := m.Run(context.Background(), in, engine.RunOptions{Name: strconv.FormatInt(i, 10), Random: src, NoHistory: *noHistory, TestCase: tasks.testCase})
					if err != nil {
						failMu.Lock()
						firstFail = err.Error()
						failMu.Unlock()
						break
					}
					if timed {
						local = append(local, time.Since(t0))
					}
					localTrans += int64(run.StatesEntered())
					if !run.Succeeded() {
						failMu.Lock()
						if firstFail == "" {
							name, cause := run.Failure()
							firstFail = run.Status() + " " + name + ": " + cause
						}
						failMu.Unlock()
					}
					run.Release()
				}
				done.Add(last - first)
			}
			transitions.Add(localTrans)
			latMu.Lock()
			latencies = append(latencies, local...)
			latMu.Unlock()
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	if progress {
		close(stopProgress)
		progressDone.Wait()
	}
	if firstFail != "" {
		return &exitError{code: 1, msg: "bench: an execution did not succeed: " + firstFail}
	}
	slices.Sort(latencies)
	r := benchReport{
		Executions:    *n,
		Concurrency:   *c,
		Seconds:       elapsed.Seconds(),
		ExecPerSec:    float64(*n) / elapsed.Seconds(),
		Transitions:   transitions.Load(),
		TransPerSec:   float64(transitions.Load()) / elapsed.Seconds(),
		P50ms:         percentile(latencies, 0.50),
		P99ms:         percentile(latencies, 0.99),
		AllocsPerExec: float64(after.Mallocs-before.Mallocs) / float64(*n),
		BytesPerExec:  float64(after.TotalAlloc-before.TotalAlloc) / float64(*n),
		PeakRSSMB:     peakRSSMB(),
	}
	perTrans := 0.0
	if r.Transitions > 0 {
		perTrans = r.AllocsPerExec * float64(r.Executions) / float64(r.Transitions)
	}
	if *asJSON {
		fmt.Fprintf(stdout, `{"executions":%d,"concurrency":%d,"seconds":%.6f,"executions_per_s":%.1f,"transitions_per_s":%.1f,"transitions":%d,"p50_ms":%.4f,"p99_ms":%.4f,"allocs_per_execution":%.1f,"allocs_per_transition":%.2f,"bytes_per_execution":%.0f,"peak_rss_mb":%.1f}`+"\n",
			r.Executions, r.Concurrency, r.Seconds, r.ExecPerSec, r.TransPerSec, r.Transitions, r.P50ms, r.P99ms, r.AllocsPerExec, perTrans, r.BytesPerExec, r.PeakRSSMB)
		return nil
	}
	fmt.Fprintf(stdout, "executions       %d (concurrency %d) in %.3fs\n", r.Executions, r.Concurrency, r.Seconds)
	fmt.Fprintf(stdout, "executions/s     %.1f\n", r.ExecPerSec)
	fmt.Fprintf(stdout, "transitions/s    %.1f (%d states entered)\n", r.TransPerSec, r.Transitions)
	fmt.Fprintf(stdout, "latency          p50 %.3fms  p99 %.3fms\n", r.P50ms, r.P99ms)
	fmt.Fprintf(stdout, "allocations      %.1f per execution, %.2f per transition, %.0f bytes per execution\n", r.AllocsPerExec, perTrans, r.BytesPerExec)
	fmt.Fprintf(stdout, "peak RSS         %.1f MB\n", r.PeakRSSMB)
	return nil
}

func percentile(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p * float64(len(sorted)-1))
	return float64(sorted[i]) / float64(time.Millisecond)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func drawProgress(w io.Writer, done *atomic.Int64, total int, stop <-chan struct{}) {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	const width = 40
	for {
		select {
		case <-stop:
			fmt.Fprintf(w, "\r%s\r", strings.Repeat(" ", width+30))
			return
		case <-t.C:
			d := int(done.Load())
			filled := width * d / total
			fmt.Fprintf(w, "\r[%s%s] %d/%d", strings.Repeat("#", filled), strings.Repeat(".", width-filled), d, total)
		}
	}
}

// peakRSSMB reads the process's peak resident set size (Linux).
func peakRSSMB() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			return kb / 1024
		}
	}
	return 0
}

// taskFlags are the flags that say where a benchmarked machine's Tasks go:
// functions and HTTP connections of a baton.yaml, or a mock config's test
// case (as baton run takes them).
type taskFlags struct {
	configFile, mockFile, testCase, stateMachine string
}

func (f *taskFlags) add(fs *flag.FlagSet) {
	fs.StringVar(&f.configFile, "config", "", "baton.yaml: where Lambda functions and HTTP connections go")
	fs.StringVar(&f.mockFile, "mock-config", "", "a MockConfigFile.json whose test case (--test-case) answers mocked states")
	fs.StringVar(&f.testCase, "test-case", "", "the test case of --mock-config every execution runs")
	fs.StringVar(&f.stateMachine, "state-machine", "", "the state machine's name, as the mock config knows it (default: the file's name)")
}

// options are the engine's options the flags give, with the mock config.
func (f *taskFlags) options() ([]baton.Option, *mock.Config, error) {
	if (f.testCase == "") != (f.mockFile == "") {
		return nil, nil, fmt.Errorf("--mock-config and --test-case go together")
	}
	// Nothing can call a task token back into an in-process run: such a
	// task fails at once rather than hang the benchmark.
	opts := []baton.Option{baton.NoCallbacks()}
	if f.configFile != "" {
		cfg, err := config.Load(f.configFile)
		if err != nil {
			return nil, nil, err
		}
		opts = append(opts, baton.WithConfig(cfg))
	}
	if f.mockFile == "" {
		return opts, nil, nil
	}
	mocks, err := mock.Load(f.mockFile)
	if err != nil {
		return nil, nil, err
	}
	return append(opts, baton.WithMocks(mocks)), mocks, nil
}

func (f *taskFlags) machineName(file string, mocks *mock.Config) string {
	return machineName(f.stateMachine, file, mocks)
}

// checkCase refuses a test case the mock config does not have before any
// execution runs: every one of them would fail.
func (f *taskFlags) checkCase(file string, mocks *mock.Config) error {
	if mocks == nil {
		return nil
	}
	_, err := mocks.Case(f.machineName(file, mocks), f.testCase)
	return err
}
