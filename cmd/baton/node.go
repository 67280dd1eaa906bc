package main

import (
	"crypto/rand"
	"encoding/hex"
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
// database, each process gets a name of its own (the host's name and a
// random suffix) unless --node gives one: two processes under one name
// would each register a new incarnation of it and steal the other's lease
// at every renewal.
func serveNode(flagValue, url string) (string, error) {
	if url == "" {
		if flagValue != "" && flagValue != sqliteNode {
			return "", usageError("serve: --node names a server among several on one PostgreSQL database (--store); on SQLite the node is %q", sqliteNode)
		}
		return sqliteNode, nil
	}
	if flagValue != "" {
		if err := checkNodeName(flagValue); err != nil {
			return "", err
		}
		return flagValue, nil
	}
	return processNode()
}

// checkNodeName keeps node names short and printable: they show in logs
// and metrics.
func checkNodeName(name string) error {
	if len(name) > 128 {
		return usageError("serve: --node is at most 128 characters")
	}
	for _, r := range name {
		if !unicode.IsPrint(r) || unicode.IsSpace(r) {
			return usageError("serve: --node %q: use letters, digits and punctuation, no spaces", name)
		}
	}
	return nil
}

// processNode is HOST-XXXXXXXX: the host says where the process runs, the
// suffix tells processes apart (two on one host, or a restart: the
// executions of the one before are taken over once its lease runs out).
func processNode() (string, error) {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "baton"
	}
	host, _, _ = strings.Cut(host, ".")
	if len(host) > 100 {
		host = host[:100]
	}
	var suffix [4]byte
	if _, err := rand.Read(suffix[:]); err != nil {
		return "", err
	}
	return host + "-" + hex.EncodeToString(suffix[:]), nil
}

// checkLeaseTTL refuses lease periods too short to be renewed reliably.
func checkLeaseTTL(d time.Duration) error {
	if d < minLeaseTTL {
		return usageError("serve: --lease-ttl is at least %s, not %s", minLeaseTTL, d)
	}
	return nil
}
