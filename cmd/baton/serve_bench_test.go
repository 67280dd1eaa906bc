package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// The server's throughput through its HTTP API, with the Go SDK as the
// client and executions in flight from many goroutines:
//
//	go test -run '^$' -bench Serve -benchtime 20000x ./cmd/baton/
//
// BATON_BENCH_SERVE_FLAGS adds flags to the servers the benchmarks start
// (BATON_BENCH_SERVE_FLAGS=--metrics=false).

func benchClient(s *server) *sfn.Client {
	hc := &http.Client{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}}
	c := s.client()
	return sfn.New(c.Options(), func(o *sfn.Options) { o.HTTPClient = hc })
}

type latencies struct {
	mu  sync.Mutex
	all []time.Duration
}

func (l *latencies) add(d []time.Duration) {
	l.mu.Lock()
	l.all = append(l.all, d...)
	l.mu.Unlock()
}

func (l *latencies) report(b *testing.B) {
	slices.Sort(l.all)
	if len(l.all) == 0 {
		return
	}
	b.ReportMetric(float64(l.all[len(l.all)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(l.all[len(l.all)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "executions/s")
}

func runParallel(b *testing.B, s *server, op func(c *sfn.Client, i int) error, c *sfn.Client) {
	var lat latencies
	var n sync.Mutex
	cpu0 := serverCPU(b, s)
	// The SDK client allocates far more per call than the server; a lazier
	// collector in this load-generating process leaves the shared cores to
	// the server being measured.
	defer debug.SetGCPercent(debug.SetGCPercent(800))
	seq := 0
	b.SetParallelism(32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var local []time.Duration
		for pb.Next() {
			n.Lock()
			seq++
			i := seq
			n.Unlock()
			t0 := time.Now()
			if err := op(c, i); err != nil {
				b.Error(err)
				return
			}
			local = append(local, time.Since(t0))
		}
		lat.add(local)
	})
	b.StopTimer()
	lat.report(b)
	if cpu := serverCPU(b, s); cpu > 0 {
		b.ReportMetric(float64((cpu-cpu0).Microseconds())/float64(b.N), "server-cpu-µs/op")
	}
}

// serverCPU is the CPU time the server process has used, from
// /proc/PID/stat (0 where there is no /proc): the client shares the
// machine, so its share tells what the server itself costs.
func serverCPU(b *testing.B, s *server) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if errors.Is(err, fs.ErrNotExist) {
		return 0
	}
	if err != nil {
		b.Fatal(err)
	}
	// Fields after the command name, which is in parentheses: utime and
	// stime are the 14th and 15th fields of the line.
	i := strings.LastIndexByte(string(data), ')')
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 13 {
		b.Fatalf("/proc/%d/stat: %q", s.cmd.Process.Pid, data)
	}
	ut := must(strconv.ParseInt(f[11], 10, 64))(b)
	st := must(strconv.ParseInt(f[12], 10, 64))(b)
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ is 100 on Linux
}

func BenchmarkServeStandardHello(b *testing.B) {
	s := startServerB(b)
	c := benchClient(s)
	sm, err := c.CreateStateMachine(context.Background(), &sfn.CreateStateMachineInput{Name: aws.String("hello"), RoleArn: aws.String(role),
		Definition: aws.String(`{"StartAt":"Hello","States":{"Hello":{"Type":"Pass","Result":"world","ResultPath":"$.hello","End":true}}}`)})
	if err != nil {
		b.Fatal(err)
	}
	// The machine has no wait, so an execution is complete and durable when
	// StartExecution answers.
	runParallel(b, s, func(c *sfn.Client, i int) error {
		_, err := c.StartExecution(context.Background(), &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(`{"name":"bench"}`)})
		return err
	}, c)
	out := must(c.ListExecutions(context.Background(), &sfn.ListExecutionsInput{StateMachineArn: sm.StateMachineArn, StatusFilter: types.ExecutionStatusRunning}))(b)
	if len(out.Executions) != 0 {
		b.Errorf("%d executions still running", len(out.Executions))
	}
	reportStore(b, s)
}

func BenchmarkServeExpressSync(b *testing.B) {
	s := startServerB(b)
	c := benchClient(s)
	sm, err := c.CreateStateMachine(context.Background(), &sfn.CreateStateMachineInput{Name: aws.String("hello"), RoleArn: aws.String(role), Type: types.StateMachineTypeExpress,
		Definition: aws.String(`{"StartAt":"Hello","States":{"Hello":{"Type":"Pass","Result":"world","ResultPath":"$.hello","End":true}}}`)})
	if err != nil {
		b.Fatal(err)
	}
	runParallel(b, s, func(c *sfn.Client, i int) error {
		out, err := c.StartSyncExecution(context.Background(), &sfn.StartSyncExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(`{"name":"bench"}`)}, withoutHostPrefix)
		if err == nil && out.Status != types.SyncExecutionStatusSucceeded {
			err = fmt.Errorf("status %s", out.Status)
		}
		return err
	}, c)
}

// BenchmarkServeNullBaseline measures the same StartSyncExecution calls
// against a server that does nothing but answer a fixed response, in a
// process of its own as baton serve is: the most any server could reach
// with this client on this machine, for reading the Express figure as a
// ratio on a noisy machine.
func BenchmarkServeNullBaseline(b *testing.B) {
	addr := freeAddr(b)
	cmd := exec.Command(os.Args[0], "-test.run", "^$")
	cmd.Env = append(os.Environ(), "BATON_NULL_SERVER="+addr)
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		check(b, cmd.Process.Kill())
		if err := cmd.Wait(); err == nil || err.Error() != "signal: killed" {
			b.Errorf("the null server: %v", err)
		}
	})
	s := &server{cmd: cmd, url: "http://" + addr, addr: addr}
	poll(b, "the null server to answer", 10*time.Second, func() (bool, error) {
		resp, err := http.Get(s.url + "/healthz")
		if err != nil {
			return false, nil // not listening yet
		}
		return true, resp.Body.Close()
	})
	c := benchClient(s)
	arn := aws.String("arn:aws:states:eu-west-3:123456789012:stateMachine:hello")
	runParallel(b, s, func(c *sfn.Client, i int) error {
		_, err := c.StartSyncExecution(context.Background(), &sfn.StartSyncExecutionInput{StateMachineArn: arn, Input: aws.String(`{"name":"bench"}`)}, withoutHostPrefix)
		return err
	}, c)
}

// nullServer answers every request with the same successful
// StartSyncExecution response.
func nullServer(addr string) {
	body := []byte(`{"executionArn":"arn:aws:states:eu-west-3:123456789012:express:hello:x:y","stateMachineArn":"arn:aws:states:eu-west-3:123456789012:stateMachine:hello",` +
		`"name":"x","startDate":1.7e9,"stopDate":1.7e9,"status":"SUCCEEDED","input":"{\"name\":\"bench\"}","inputDetails":{"included":true},` +
		`"output":"{\"name\":\"bench\",\"hello\":\"world\"}","outputDetails":{"included":true},"billingDetails":{"billedMemoryUsedInMB":64,"billedDurationInMilliseconds":100}}`)
	err := http.ListenAndServe(addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		if _, err := w.Write(body); err != nil {
			log.Print(err) // the benchmark's client went away
		}
	}))
	log.Fatal(err)
}

func BenchmarkServeStandardChain100(b *testing.B) {
	s := startServerB(b)
	c := benchClient(s)
	def, err := os.ReadFile(filepath.Join("..", "..", "interpreter", "testdata", "bench", "chain100.json"))
	if err != nil {
		b.Fatal(err)
	}
	in := must(os.ReadFile(filepath.Join("..", "..", "interpreter", "testdata", "bench", "chain100.input.json")))(b)
	sm, err := c.CreateStateMachine(context.Background(), &sfn.CreateStateMachineInput{Name: aws.String("chain"), RoleArn: aws.String(role), Definition: aws.String(string(def))})
	if err != nil {
		b.Fatal(err)
	}
	runParallel(b, s, func(c *sfn.Client, i int) error {
		_, err := c.StartExecution(context.Background(), &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(strings.TrimSpace(string(in)))})
		return err
	}, c)
	b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "transitions/s")
	reportStore(b, s)
}

// BenchmarkServeWaiting leaves b.N executions waiting in a Wait state at
// once and reports the server's memory and store size; -benchtime 100000x
// is the figure that matters.
func BenchmarkServeWaiting(b *testing.B) {
	s := startServerB(b)
	c := benchClient(s)
	sm, err := c.CreateStateMachine(context.Background(), &sfn.CreateStateMachineInput{Name: aws.String("waiting"), RoleArn: aws.String(role),
		Definition: aws.String(`{"StartAt":"Prepare","States":{"Prepare":{"Type":"Pass","Result":{"order":42},"ResultPath":"$.prepared","Next":"Wait"},"Wait":{"Type":"Wait","Seconds":3600,"Next":"Done"},"Done":{"Type":"Succeed"}}}`)})
	if err != nil {
		b.Fatal(err)
	}
	runParallel(b, s, func(c *sfn.Client, i int) error {
		_, err := c.StartExecution(context.Background(), &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(`{"customer":"c-` + strconv.Itoa(i) + `"}`)})
		return err
	}, c)
	// Every execution has been acknowledged; give the server a moment to
	// settle (evicting idle executions from memory) before reading it.
	time.Sleep(2 * time.Second)
	out, err := c.DescribeStateMachine(context.Background(), &sfn.DescribeStateMachineInput{StateMachineArn: sm.StateMachineArn})
	if err != nil || out.Status != types.StateMachineStatusActive {
		b.Fatal(err)
	}
	rss, peak := serverMemory(b, s)
	b.ReportMetric(float64(rss)/(1<<20), "rss-MB")
	b.ReportMetric(float64(peak)/(1<<20), "peak-rss-MB")
	reportStore(b, s)

	// A restart answers at once and recovers every waiting execution
	// meanwhile: restart-s is until it has.
	s.stop(b)
	t0 := time.Now()
	s2 := startServerAt(b, s.dir)
	for !strings.Contains(s2.logs.String(), `msg="recovered executions"`) {
		select {
		case <-s2.logs.wrote:
		case <-s2.done:
			b.Fatalf("the server exited: %s", s2.logs)
		case <-time.After(5 * time.Minute):
			b.Fatalf("no recovery within 5 minutes: %s", s2.logs)
		}
	}
	b.ReportMetric(time.Since(t0).Seconds(), "restart-s")
	_, peak = serverMemory(b, s2)
	b.ReportMetric(float64(peak)/(1<<20), "restart-peak-rss-MB")
	s2.stop(b)
}

// serverMemory is the server's resident memory now and at its peak, from
// /proc/PID/status (0 where there is no /proc).
func serverMemory(b *testing.B, s *server) (rss, peak int64) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, 0
	}
	if err != nil {
		b.Fatal(err)
	}
	for line := range strings.Lines(string(data)) {
		k, v, _ := strings.Cut(line, ":")
		if k != "VmRSS" && k != "VmHWM" {
			continue
		}
		n := must(strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64))(b) << 10
		if k == "VmRSS" {
			rss = n
		} else {
			peak = n
		}
	}
	return rss, peak
}

// startServerB starts the server for a benchmark, with the flags of
// BATON_BENCH_SERVE_FLAGS besides (compare "--metrics=false" with the
// default, or "--tracing all" with "--tracing off", in one run). With
// tracing on, spans go to a receiver in this process that takes them and
// answers at once.
func startServerB(b *testing.B) *server {
	args := strings.Fields(os.Getenv("BATON_BENCH_SERVE_FLAGS"))
	if i := slices.Index(args, "--tracing"); i >= 0 && i+1 < len(args) && args[i+1] != "off" {
		sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body) //nolint:errcheck // a sink
			w.Header().Set("Content-Type", "application/x-protobuf")
		}))
		b.Cleanup(sink.Close)
		b.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", sink.URL)
	}
	s := startServerAt(b, b.TempDir(), args...)
	b.Cleanup(func() { s.stop(b) })
	return s
}

func reportStore(b *testing.B, s *server) {
	var size int64
	check(b, filepath.Walk(s.dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			size += info.Size()
		}
		return err
	}))
	b.ReportMetric(float64(size)/float64(b.N), "store-bytes/execution")
}

// BenchmarkServeChurn creates b.N state machines, each with a definition of
// its own, runs one execution of each and deletes it, and reports the
// server's memory after: caches of definitions are bounded, so it stays
// what a few hundred machines take however many came and went
// (-benchtime 10000x is the figure that matters).
func BenchmarkServeChurn(b *testing.B) {
	s := startServerB(b)
	c := benchClient(s)
	runParallel(b, s, func(c *sfn.Client, i int) error {
		ctx := context.Background()
		def := `{"Comment":"machine ` + strconv.Itoa(i) + `","StartAt":"P","States":{"P":{"Type":"Pass","Result":{"n":` + strconv.Itoa(i) + `},"End":true}}}`
		sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("churn-" + strconv.Itoa(i)), RoleArn: aws.String(role), Definition: aws.String(def)})
		if err != nil {
			return err
		}
		if _, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn}); err != nil {
			return err
		}
		_, err = c.DeleteStateMachine(ctx, &sfn.DeleteStateMachineInput{StateMachineArn: sm.StateMachineArn})
		return err
	}, c)
	rss, peak := serverMemory(b, s)
	b.ReportMetric(float64(rss)/(1<<20), "rss-MB")
	b.ReportMetric(float64(peak)/(1<<20), "peak-rss-MB")
	s.stop(b)
}
