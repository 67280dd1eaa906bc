package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/baton-sh/baton/config"
	"github.com/baton-sh/baton/store/postgres"
)

// cmdMigrate applies the PostgreSQL store's migrations ahead of time (a
// deployment step before the nodes start; they would apply them too) and
// prints those it applied.
func cmdMigrate(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	storeFlag := fs.String("store", "", "the PostgreSQL database (postgres://...); also "+storeEnv+" or baton.yaml's store:")
	configFile := fs.String("config", "", "baton.yaml, for its store:")
	rest, err := parseFlags(fs, args)
	if err != nil {
		if err == flag.ErrHelp {
			fmt.Fprint(stdout, helpText(fs, "baton migrate [--store postgres://...]"))
		}
		return err
	}
	if len(rest) != 0 {
		return usageError("migrate: unexpected argument %q", rest[0])
	}
	var cfg *config.Config
	if *configFile != "" {
		if cfg, err = config.Load(*configFile); err != nil {
			return usageError("migrate: %v", err)
		}
	}
	url, err := storeURL(*storeFlag, cfg)
	if err != nil {
		return err
	}
	if url == "" {
		return usageError("migrate: no database: give --store postgres://..., %s or baton.yaml's store: (SQLite in a data folder migrates itself when baton serve opens it)", storeEnv)
	}
	ctx, cancel := context.WithTimeout(context.Background(), openTimeout)
	defer cancel()
	applied, err := postgres.Migrate(ctx, url)
	if err != nil {
		return &exitError{code: 1, msg: "migrate: " + err.Error()}
	}
	for _, m := range applied {
		fmt.Fprintf(stdout, "applied %04d %s\n", m.Version, m.Name)
	}
	fmt.Fprintf(stdout, "%s: schema version %d, up to date\n", postgres.Describe(url), postgres.SchemaVersion())
	return nil
}
