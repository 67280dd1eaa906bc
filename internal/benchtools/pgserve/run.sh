#!/usr/bin/env bash
# Issue 12's API benchmark: the harness of ../shared/bench/api (its apibench
# client, run.sh's contract) against stepfunctions-local (the peer), Baton on
# SQLite, Baton on PostgreSQL with one node, and three nodes behind a
# round-robin proxy (pgserve), interleaved per repetition so that noise on a
# shared machine hits them alike.
#
#   run.sh HARNESS_DIR BATON_BIN [WORKLOADS] [ENGINES]
#
#   HARNESS_DIR  a writable copy of the harness folder (node_modules is installed there)
#   WORKLOADS    hello,chain10,activity (default hello,chain10)
#   ENGINES      peer,sqlite,pg1,pg3 (default all four); pgN is N nodes, pg1p one node
#                behind the proxy (what the proxy alone costs)
#
# Env: REPS [5], EXECUTIONS [2000], CONCURRENCY [32], WORKERS [16],
# BATON_BENCH_STORE (a PostgreSQL URL; without it a durable cluster is made
# in a temporary folder: fsync and synchronous_commit on, as SQLite's
# synchronous=FULL). A line: engine, workload, repetition, the started
# process's peak RSS (kB) and processor time from its start's answer to the
# end (s; for pg* that is the proxy's, the nodes' are in the report),
# apibench's JSON, pgserve's report. Raw lines go to HARNESS_DIR/results/pg-<time>.tsv; a table
# of medians is printed (summary.py).
set -euo pipefail
H="$(cd "${1:?usage: run.sh HARNESS_DIR BATON_BIN [WORKLOADS] [ENGINES]}" && pwd)"
BATON="$(cd "$(dirname "${2:?}")" && pwd)/$(basename "$2")"
WORKLOADS="${3:-hello,chain10}"; ENGINES="${4:-peer,sqlite,pg1,pg3}"
REPS="${REPS:-5}"; N="${EXECUTIONS:-2000}"; C="${CONCURRENCY:-32}"; W="${WORKERS:-16}"
here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"; SPID=""
. "$here/../pgcluster.sh"
cleanup() {
	[[ -z $SPID ]] || kill "$SPID" 2>/dev/null || true
	bench_pg_stop
	rm -rf "$tmp"
}
trap cleanup EXIT
(cd "$H" && { [[ -f node_modules/stepfunctions-local/package.json ]] || npm ci --no-audit --no-fund >&2; } && go build -o "$tmp/apibench" .)
(cd "$here" && go build -o "$tmp/pgserve" .)

[[ -n ${BATON_BENCH_STORE:-} ]] || bench_pg_start
export BATON_BENCH_BIN="$BATON" BATON_BENCH_REPORT="$tmp/report"

mkdir -p "$H/results"; out="$H/results/pg-$(date -u +%Y%m%dT%H%M%SZ).tsv"
port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
cpu() { awk '{sub(/.*\) /, ""); print ($12 + $13) / 100}' "/proc/$1/stat" 2>/dev/null || echo 0; }
wait_up() { for _ in $(seq 300); do curl -s -o /dev/null -X POST "http://127.0.0.1:$1/" && return 0; sleep 0.1; done; echo "server on $1 did not start" >&2; return 1; }
start() { # $1 = engine, $2 = port
	rm -rf "$tmp/data" "$tmp/report"
	case $1 in
	peer) node "$H/node_modules/stepfunctions-local/bin/stepfunctions-local-start.js" --port "$2" >"$tmp/peer.log" 2>&1 & SPID=$! ;;
	sqlite) "$BATON" serve --addr "127.0.0.1:$2" --data "$tmp/data" >"$tmp/server.log" 2>&1 & SPID=$! ;;
	pg*p) BATON_BENCH_PROXY=1 BATON_BENCH_NODES="${1//[!0-9]/}" "$tmp/pgserve" serve --addr "127.0.0.1:$2" --data "$tmp/data" >"$tmp/server.log" 2>&1 & SPID=$! ;;
	pg*) BATON_BENCH_NODES="${1#pg}" "$tmp/pgserve" serve --addr "127.0.0.1:$2" --data "$tmp/data" >"$tmp/server.log" 2>&1 & SPID=$! ;;
	esac
	wait_up "$2"
}
for w in ${WORKLOADS//,/ }; do
	for r in $(seq "$REPS"); do
		for e in ${ENGINES//,/ }; do
			p=$(port); start "$e" "$p"
			cpu0=$(cpu "$SPID")
			line=$(timeout 600 "$tmp/apibench" -endpoint "http://127.0.0.1:$p" -workload "$w" -executions "$N" -concurrency "$C" -workers "$W" || echo '{"failed":-1}')
			rss=$(awk '/VmHWM/{print $2}' /proc/$SPID/status 2>/dev/null || echo 0)
			cpu=$(python3 -c "print($(cpu "$SPID") - $cpu0)")
			kill "$SPID"; wait "$SPID" 2>/dev/null || true; SPID=""
			rep='{}'; [[ -s $tmp/report ]] && rep="$(cat "$tmp/report")"
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$e" "$w" "$r" "$rss" "$cpu" "$line" "$rep" | tee -a "$out" >&2
		done
	done
done
python3 "$here/summary.py" "$out"
