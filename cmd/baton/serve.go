package main

import (
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
	"syscall"
	"time"

	"github.com/baton-sh/baton/config"
	"github.com/baton-sh/baton/engine"
	"github.com/baton-sh/baton/mock"
	"github.com/baton-sh/baton/resource"
	"github.com/baton-sh/baton/resource/httptask"
	"github.com/baton-sh/baton/resource/lambda"
	httpserver "github.com/baton-sh/baton/server"
	"github.com/baton-sh/baton/store/sqlite"
)

func cmdServe(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8083", "address to listen on")
	data := fs.String("data", "baton-data", "data folder (created if missing)")
	account := fs.String("account", "123456789012", "account id in ARNs")
	limit := fs.Int("payload-limit", 262144, "largest execution input and state output in bytes")
	verbose := fs.Bool("verbose", false, "log every request")
	expressHistory := fs.Bool("express-history", false, "keep Express executions and their histories for DescribeExecution and GetExecutionHistory")
	configFile := fs.String("config", "", "baton.yaml: where Lambda functions and HTTP connections go")
	mockFile := fs.String("mock-config", "", "a MockConfigFile.json: executions of STATE_MACHINE_ARN#TestCase answer mocked states from it")
	rest, err := parseFlags(fs, args)
	if err != nil {
		if err == flag.ErrHelp {
			fmt.Fprint(stdout, helpText(fs, "baton serve [--addr 127.0.0.1:8083] [--data DIR]"))
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
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	var cfg *config.Config
	if *configFile != "" {
		if cfg, err = config.Load(*configFile); err != nil {
			return usageError("serve: %v", err)
		}
	}
	var mocks *mock.Config
	if *mockFile != "" {
		if mocks, err = mock.Load(*mockFile); err != nil {
			return usageError("serve: %v", err)
		}
	}
	lock, err := sqlite.LockFolder(*data)
	if err != nil {
		return &exitError{code: 1, msg: "serve: " + err.Error()}
	}
	defer lock.Unlock()
	st, err := sqlite.Open(*data)
	if err != nil {
		return &exitError{code: 1, msg: err.Error()}
	}
	defer st.Close()
	resources := resource.NewRegistry()
	lambda.New(cfg).Register(resources)
	httptask.New(cfg).Register(resources)
	eng, err := engine.New(context.Background(), engine.Options{
		Store: st, Resources: resources, Logger: log, Account: *account, PayloadLimit: *limit, ExpressHistory: *expressHistory, Mocks: mocks,
	})
	if err != nil {
		return &exitError{code: 1, msg: err.Error()}
	}
	// Recovery runs nested workflows, whose children and parents the engine
	// serves: it starts once the engine is whole.
	if err := eng.Start(context.Background()); err != nil {
		return &exitError{code: 1, msg: err.Error()}
	}
	defer eng.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return &exitError{code: 1, msg: err.Error()}
	}
	srv := &http.Server{Handler: httpserver.Handler(eng, log), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("serving the Step Functions API", "url", "http://"+ln.Addr().String(), "data", *data)
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
