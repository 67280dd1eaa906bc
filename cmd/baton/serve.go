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

	"github.com/baton-sh/baton/api"
	"github.com/baton-sh/baton/config"
	"github.com/baton-sh/baton/driver"
	"github.com/baton-sh/baton/mock"
	"github.com/baton-sh/baton/resource"
	"github.com/baton-sh/baton/resource/httptask"
	"github.com/baton-sh/baton/resource/lambda"
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
	st, err := sqlite.Open(*data)
	if err != nil {
		return &exitError{code: 1, msg: err.Error()}
	}
	defer st.Close()
	resources := resource.NewRegistry()
	lambda.New(cfg).Register(resources)
	httptask.New(cfg).Register(resources)
	durable := driver.NewDurable(driver.DurableOptions{Store: st, Resources: resources, Logger: log, Mocks: mocks})
	// The API before recovery: it serves nested workflows, whose children
	// and parents recovery may find.
	handler := api.New(api.Config{Store: st, Durable: durable, Resources: resources, Logger: log, Account: *account, PayloadLimit: *limit, ExpressHistory: *expressHistory, Mocks: mocks})
	if err := durable.Start(context.Background()); err != nil {
		return &exitError{code: 1, msg: err.Error()}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		durable.Close()
		return &exitError{code: 1, msg: err.Error()}
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("serving the Step Functions API", "url", "http://"+ln.Addr().String(), "data", *data)
	select {
	case err := <-served:
		durable.Close()
		return &exitError{code: 1, msg: err.Error()}
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		log.Error("shutdown", "error", err)
	}
	durable.Close()
	return nil
}
