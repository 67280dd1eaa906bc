package main

import (
	"os"
	"strings"
	"time"
	"unicode"
)

// sqliteNode is the node of a server on SQLite: the data folder's lock
// makes it the only one, and its executions carry this name from run to
// run, so a restart takes them back at once.
const sqliteNode = "local"

// minLeaseTTL bounds --lease-ttl from below: the lease is renewed three
// times per period, and a pause of the process (a GC, a slow database)
// longer than the period loses it, and every execution the node holds.
const minLeaseTTL = time.Second

// serveNode is the name under which a server holds its lease. SQLite's is
// always "local". On PostgreSQL, where several servers may share the
// database, it is --node, else the host's name: stable from run to run, so
// that a server restarted on its host takes its executions back at once
// instead of waiting for its lease to run out. The database refuses a
// second live process under one name (postgres.HoldNode): two servers on
// one host need a --node each.
func serveNode(flagValue, url string) (string, error) {
	if url == "" {
		if flagValue != "" && flagValue != sqliteNode {
			return "", usageError("serve: --node names a server among several on one PostgreSQL database (--store); on SQLite the node is %q", sqliteNode)
		}
		return sqliteNode, nil
	}
	if flagValue == "" {
		return hostNode(), nil
	}
	if err := checkNodeName(flagValue); err != nil {
		return "", err
	}
	return flagValue, nil
}

// checkNodeName keeps node names short and printable: they show in logs
// and metrics.
func checkNodeName(name string) error {
	if len(name) > maxNodeName {
		return usageError("serve: --node is at most %d characters", maxNodeName)
	}
	for _, r := range name {
		if !unicode.IsPrint(r) || unicode.IsSpace(r) {
			return usageError("serve: --node %q: use letters, digits and punctuation, no spaces", name)
		}
	}
	return nil
}

const maxNodeName = 128

// hostNode is the host's name up to its first dot ("baton" when it has
// none).
func hostNode() string {
	host, err := os.Hostname()
	if err != nil {
		host = ""
	}
	host, _, _ = strings.Cut(host, ".")
	host = strings.Map(func(r rune) rune {
		if !unicode.IsPrint(r) || unicode.IsSpace(r) {
			return '-'
		}
		return r
	}, host)
	if host == "" {
		return "baton"
	}
	if len(host) > maxNodeName {
		host = host[:maxNodeName]
	}
	return host
}

// checkLeaseTTL refuses lease periods too short to be renewed reliably.
func checkLeaseTTL(d time.Duration) error {
	if d < minLeaseTTL {
		return usageError("serve: --lease-ttl is at least %s, not %s", minLeaseTTL, d)
	}
	return nil
}
