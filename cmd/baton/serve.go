package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/baton-sh/baton/audit"
	"github.com/baton-sh/baton/config"
	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/events"
	"github.com/baton-sh/baton/execlog"
	"github.com/baton-sh/baton/httptrigger"
	"github.com/baton-sh/baton/infra"
	"github.com/baton-sh/baton/interpreter"
	"github.com/baton-sh/baton/metrics"
	"github.com/baton-sh/baton/mock"
	"github.com/baton-sh/baton/resource"
	"github.com/baton-sh/baton/resource/httptask"
	"github.com/baton-sh/baton/resource/lambda"
	httpserver "github.com/baton-sh/baton/server"
	"github.com/baton-sh/baton/store/postgres"
	"github.com/baton-sh/baton/store/sqlite"
	"github.com/baton-sh/baton/tracing"
	"github.com/baton-sh/baton/trigger"
	"github.com/baton-sh/baton/webhook"
)

func cmdServe(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8083", "address to listen on")
	data := fs.String("data", "baton-data", "data folder (created if missing)")
	storeFlag := fs.String("store", "", storeFlagHelp)
	nodeFlag := fs.String("node", "", "this server's `name` among several on one PostgreSQL database (default: the host's name; on SQLite always \"local\")")
	leaseTTL := fs.Duration("lease-ttl", 10*time.Second, "how long this server's lease on its executions lasts unrenewed: when it dies, other servers on the same PostgreSQL database take them over that long after (it renews three times per period)")
	account := fs.String("account", "123456789012", "account id in ARNs")
	limit := fs.Int("payload-limit", 262144, "largest execution input and state output in bytes")
	maxEvents := fs.Int64("max-events", 0, "largest history of a Standard execution in events (default 25000, AWS's limit)")
	verbose := fs.Bool("verbose", false, "log at debug level: every request, every execution's start and end")
	logFormat := fs.String("log-format", "text", "the server's log: text or json (one JSON object per line)")
	tracingMode := fs.String("tracing", "configured", "OpenTelemetry traces, exported by OTLP/HTTP as the OTEL_* environment variables say: configured (state machines whose tracingConfiguration enables it), all, or off")
	auditLog := fs.String("audit-log", "", "record every API call that changes something, as CloudTrail records them, to this file ('-': standard output)")
	expressHistory := fs.Bool("express-history", false, "keep Express executions and their histories for DescribeExecution and GetExecutionHistory")
	configFile := fs.String("config", "", "baton.yaml: where Lambda functions and HTTP connections go; the schedules, HTTP triggers and event rules that start executions")
	mockFile := fs.String("mock-config", "", "a MockConfigFile.json: executions of STATE_MACHINE_ARN#TestCase answer mocked states from it")
	var allowHosts listFlag
	fs.Var(&allowHosts, "allow-host", "a name the server answers to besides its own addresses (repeat, or commas; '*': any)")
	auth := fs.String("auth", "auto", "sigv4: every request signed with a key of baton.yaml's accessKeys; none: any request; auto: sigv4 unless --addr is loopback")
	maxConns := fs.Int("max-connections", 4096, "most connections open at once")
	readTimeout := fs.Duration("read-timeout", 30*time.Second, "longest a request may take to arrive, body included")
	tlsCert := fs.String("tls-cert", "", "serve HTTPS with this certificate (PEM), with --tls-key")
	tlsKey := fs.String("tls-key", "", "the certificate's private key (PEM)")
	var deployFiles listFlag
	fs.Var(&deployFiles, "deploy", "an infrastructure `FILE` (serverless.yml, a SAM or CloudFormation template, cdk.out) whose state machines are deployed at start and again when it changes, and whose schedules, HTTP routes and event rules start executions (read at start; repeat for several)")
	deployPoll := fs.Duration("deploy-poll", 2*time.Second, "how often the files of --deploy are checked for changes")
	deployParams := paramFlag{}
	fs.Var(deployParams, "param", "for --deploy: a template parameter or ${param:NAME}, `NAME=VALUE` (repeat for several)")
	deployStage := fs.String("stage", "", "for --deploy: serverless.yml's stage (default: provider.stage, else dev)")
	withMetrics := fs.Bool("metrics", true, "serve Prometheus metrics at /metrics (when requests must be signed, scrapers give an access key as HTTP Basic credentials)")
	rest, err := parseFlags(fs, args)
	if err != nil {
		if err == flag.ErrHelp {
			fmt.Fprint(stdout, helpText(fs, "baton serve [--addr 127.0.0.1:8083] [--data DIR] [--store postgres://...]"))
		}
		return err
	}
	if len(rest) != 0 {
		return usageError("serve: unexpected argument %q", rest[0])
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	var log *slog.Logger
	switch *logFormat {
	case "text":
		log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	case "json":
		log = slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))
	default:
		return usageError("serve: --log-format is text or json, not %q", *logFormat)
	}
	var trail *audit.Trail
	switch *auditLog {
	case "":
	case "-":
		trail = audit.New(stdout, *account, log)
	default:
		f, err := os.OpenFile(*auditLog, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return usageError("serve: --audit-log: %v", err)
		}
		defer f.Close()
		trail = audit.New(f, *account, log)
	}

	var cfg *config.Config
	if *configFile != "" {
		if cfg, err = config.Load(*configFile); err != nil {
			return usageError("serve: %v", err)
		}
	}
	// What starts executions besides API calls: baton.yaml's schedules,
	// HTTP triggers and rules (infrastructure files add theirs to the
	// same set).
	var triggers trigger.Set
	if cfg != nil {
		triggers = cfg.Triggers(*configFile)
	}
	deployOpts := infra.Options{Account: *account, Params: deployParams, Stage: *deployStage}
	if len(deployFiles) > 0 {
		fromFiles, err := fileTriggers(deployFiles, deployOpts)
		if err != nil {
			return err
		}
		triggers = triggers.Join(fromFiles)
	}
	var mocks *mock.Config
	if *mockFile != "" {
		if mocks, err = mock.Load(*mockFile); err != nil {
			return usageError("serve: %v", err)
		}
	}
	if (*tlsCert == "") != (*tlsKey == "") {
		return usageError("serve: --tls-cert and --tls-key go together")
	}
	keys, err := accessKeys(*auth, *addr, cfg)
	if err != nil {
		return err
	}
	url, err := storeURL(*storeFlag, cfg)
	if err != nil {
		return err
	}
	node, err := serveNode(*nodeFlag, url)
	if err != nil {
		return err
	}
	if err := checkLeaseTTL(*leaseTTL); err != nil {
		return err
	}
	st, closeStore, err := openStore(url, *data, node)
	if err != nil {
		return err
	}
	defer closeStore()
	resources := resource.NewRegistry()
	lambda.New(cfg, lambda.WithLogger(log)).Register(resources)
	httptask.New(cfg).Register(resources)
	var tracer atomic.Pointer[tracing.Tracer]
	traceTask := func(cfg *interpreter.Config, scheduled int64) string {
		if t := tracer.Load(); t != nil {
			return t.TaskTraceparent(cfg, scheduled)
		}
		return ""
	}
	var hooks []webhook.Target
	if cfg != nil {
		for _, h := range cfg.StatusWebhooks {
			hooks = append(hooks, webhook.Target{URL: h.URL, Headers: h.Headers})
		}
	}
	// Triggers are made (and checked) before the engine they start
	// executions of: the engine's notices need the event bus.
	late := &lateEngine{}
	bus, err := events.New(late, triggers.Rules, events.Options{Account: *account, Logger: log})
	if err != nil {
		return usageError("serve: %s: %v", *configFile, err)
	}
	routes, err := httptrigger.New(late, triggers.HTTP, httptrigger.Options{Account: *account, Logger: log, Keys: keys,
		Unavailable: func(err error) bool { return late.Unavailable(err) }})
	if err != nil {
		return usageError("serve: %s: %v", *configFile, err)
	}
	eng, err := engine.New(context.Background(), engine.Options{
		Store: st, Resources: resources, Logger: log, Account: *account, PayloadLimit: *limit, MaxEvents: *maxEvents, ExpressHistory: *expressHistory, Mocks: mocks,
		Notify: webhook.Join(webhook.Notices(hooks), bus.StatusNotices), TraceTask: traceTask, Node: node, LeaseDuration: *leaseTTL,
	})
	if err != nil {
		return &exitError{code: 1, msg: err.Error()}
	}
	late.Engine = eng
	// Metrics count from the first step recovery takes.
	var mets *metrics.Metrics
	if *withMetrics {
		mo := metrics.Options{Logger: log}
		if pg, ok := st.(*postgres.Store); ok {
			mo.RoundTrips = pg.RoundTrips
		}
		mets = metrics.New(eng, mo)
		defer mets.Close()
	}
	// Traces: the tracer observes the engine, and names the spans of the
	// tasks that the engine's executions run (traceTask) once it exists.
	if *tracingMode != "off" {
		tr, stopTracing, err := startTracing(eng, *tracingMode, log)
		if err != nil {
			return err
		}
		tracer.Store(tr)
		defer stopTracing()
	}
	// Recovery runs nested workflows, whose children and parents the engine
	// serves: it starts once the engine is whole.
	if err := eng.Start(context.Background()); err != nil {
		return &exitError{code: 1, msg: err.Error()}
	}
	defer eng.Close()
	// --deploy: the files' machines are there before the API answers and
	// before their schedules are looked at.
	deployer := newDeployer(eng, deployFiles, deployOpts, *deployPoll, log)
	if err := deployer.Start(); err != nil {
		return err
	}
	defer deployer.Close()
	// The runners of schedules, HTTP routes and rules take their set at
	// start: a file whose triggers changed is redeployed (its machines),
	// and its triggers follow at the next start.
	started := deployer.Triggers()
	deployer.OnChange(func(now trigger.Set) {
		if !now.Equal(started) {
			log.Warn("the deployed files' schedules, HTTP triggers or rules changed: they take effect when the server next starts")
		}
	})
	schedules, stopSchedules, err := startSchedules(eng, st, triggers, node, *account, log)
	if err != nil {
		return err
	}
	defer stopSchedules()
	// Status-change events go out from the store's notices, those a
	// previous run left included.
	hookCtx, stopHooks := context.WithCancel(context.Background())
	hooksDone := make(chan struct{})
	go func() {
		defer close(hooksDone)
		webhook.NewDispatcher(st, webhook.Options{Targets: hooks, Log: log,
			Local: map[string]func(context.Context, []byte) error{events.NoticeTarget: bus.Deliver}}).Run(hookCtx)
	}()
	defer func() {
		stopHooks()
		<-hooksDone
	}()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return &exitError{code: 1, msg: err.Error()}
	}
	hosts := ownNames(ln.Addr())
	hosts = append(hosts, allowHosts...)
	defer eng.Subscribe(engine.ExecutionLog(log))()
	// Execution logs, for the state machines whose loggingConfiguration
	// asks for them.
	var groups map[string]string
	if cfg != nil {
		groups = cfg.LogGroups
	}
	execLogs := execlog.New(eng, execlog.Options{Dir: filepath.Join(*data, "logs"), Groups: groups, Stdout: stdout, Log: log})
	defer execLogs.Close()
	defer eng.Subscribe(execLogs)()

	closing := make(chan struct{})
	hopts := httpserver.Options{Logger: log, Hosts: hosts, Keys: keys, Done: closing, Metrics: mets, Schedules: schedules, Events: bus, Triggers: routes}
	if trail != nil {
		hopts.OnCall = trail.Record
	}
	handler := httpserver.Handler(eng, hopts)
	// Timeouts fit for GetActivityTask's minute-long polls: a request must
	// arrive within --read-timeout, an answer may take 75 seconds, an idle
	// connection is closed after two minutes.
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: *readTimeout,
		WriteTimeout: engine.MaxPoll + 15*time.Second, IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelDebug)}
	srv.RegisterOnShutdown(func() { close(closing) })
	ln = httpserver.LimitListener(ln, *maxConns)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	served := make(chan error, 1)
	scheme := "http"
	if *tlsCert != "" {
		scheme = "https"
		go func() { served <- srv.ServeTLS(ln, *tlsCert, *tlsKey) }()
	} else {
		go func() { served <- srv.Serve(ln) }()
	}
	log.Info("serving the Step Functions API", "url", scheme+"://"+ln.Addr().String(), "data", *data, "store", storeName(url, *data), "node", node, "signatures", len(keys) > 0)
	for _, h := range triggers.HTTP {
		log.Info("HTTP trigger", "route", strings.ToUpper(h.Method)+" "+scheme+"://"+ln.Addr().String()+"/"+cmp.Or(h.Stage, trigger.DefaultStage)+"/"+strings.TrimPrefix(h.Path, "/"),
			"stateMachine", h.StateMachine, "sync", h.Sync)
	}
	if n := len(triggers.Rules); n > 0 {
		log.Info("event rules", "rules", n)
	}
	select {
	case err := <-served:
		return &exitError{code: 1, msg: err.Error()}
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Long polls answer at once; then the server waits for the requests in
	// flight, and stops.
	eng.Drain()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		log.Error("shutdown", "error", err)
	}
	return nil
}

// lateEngine is the engine that triggers made before it start executions
// of: set once it exists, before any request or execution can reach them.
type lateEngine struct{ *engine.Engine }

// listFlag collects a flag given several times or with commas.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

// accessKeys decides whether requests must be signed, and with which keys:
// by default, a server reachable only from this machine takes any request,
// as emulators do, and one reachable from the network takes signed ones.
func accessKeys(mode, addr string, cfg *config.Config) (map[string]string, error) {
	var keys map[string]string
	if cfg != nil {
		keys = cfg.AccessKeys
	}
	switch mode {
	case "none":
		return nil, nil
	case "sigv4":
	case "auto":
		if loopback(addr) {
			return nil, nil
		}
	default:
		return nil, usageError("serve: --auth is auto, sigv4 or none, not %q", mode)
	}
	if len(keys) == 0 {
		return nil, usageError("serve: %s accepts requests from the network, so it requires them signed (AWS Signature Version 4) with an access key "+
			"it knows: list them under accessKeys in a baton.yaml (--config), or accept any request with --auth none", addr)
	}
	return keys, nil
}

// loopback reports whether an address listens on this machine only.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ownNames are the names a server listening on addr answers to: its
// address, and when it listens on every interface, theirs and the
// machine's name.
func ownNames(addr net.Addr) []string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return nil
	}
	if !tcp.IP.IsUnspecified() {
		return []string{tcp.IP.String()}
	}
	var names []string
	if h, err := os.Hostname(); err == nil {
		names = append(names, h)
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return names
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			names = append(names, n.IP.String())
		}
	}
	return names
}

// ownerOnly makes the data folder and the database's files readable by
// their owner only.
func ownerOnly(dir string) error {
	if err := os.Chmod(dir, 0o700); err != nil {
		return err
	}
	files, err := filepath.Glob(filepath.Join(dir, sqlite.FileName+"*"))
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := os.Chmod(f, 0o600); err != nil {
			return err
		}
	}
	return nil
}
