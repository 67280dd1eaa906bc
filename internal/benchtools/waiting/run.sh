#!/usr/bin/env bash
# Issue 12's waiting executions on PostgreSQL:
#
#   run.sh BATON_BIN [MANY] [TAKEOVER]
#
# 1. MANY (default 1,000,000) executions waiting a day are loaded into a
#    schema (the loader, main.go, in-process with group commit), then a
#    `baton serve` node starts on it: its peak resident memory (VmHWM) is
#    read once its recovery has run (the "recovered executions" log line)
#    and again after it has held them for a while.
# 2. TAKEOVER (default 100,000) executions are loaded into another schema;
#    node a takes them at its start, node b starts beside it (default
#    --lease-ttl, 10s), a is killed with SIGKILL, and the number b owns is
#    polled in the database until it is all of them. Reported: from the
#    kill to b's first execution (the lease's wait, what remained of a's
#    lease after its last renewal), and from there to 99% and to the last
#    (the takeover proper).
#
# Env: BATON_BENCH_STORE (a PostgreSQL URL; without it a durable cluster is
# made in a temporary folder, see ../pgcluster.sh), HOLD (seconds node m is
# watched holding the MANY executions, default 30), CAP (seconds after b's
# first execution the takeover is watched at most, default 60).
set -euo pipefail
BATON="$(cd "$(dirname "${1:?usage: run.sh BATON_BIN [MANY] [TAKEOVER]}")" && pwd)/$(basename "$1")"
MANY="${2:-1000000}"; TAKEOVER="${3:-100000}"; HOLD="${HOLD:-30}"; CAP="${CAP:-60}"
here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"; pids=()
. "$here/../pgcluster.sh"
cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	bench_pg_stop
	rm -rf "$tmp"
}
trap cleanup EXIT
(cd "$here" && go build -o "$tmp/waiting" .)
[[ -n ${BATON_BENCH_STORE:-} ]] || bench_pg_start
sql() { psql -qtA "$BATON_BENCH_STORE" -c "SET client_min_messages = warning" -c "$1"; }
url() { python3 -c 'import sys,urllib.parse as u;p=u.urlsplit(sys.argv[1]);q=u.parse_qsl(p.query)+[("search_path",sys.argv[2])];print(u.urlunsplit(p._replace(query=u.urlencode(q))))' "$BATON_BENCH_STORE" "$1"; }
hwm() { awk '/VmHWM/{print $2}' "/proc/$1/status"; }
rss() { awk '/VmRSS/{print $2}' "/proc/$1/status"; }
port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
ms() { date +%s%3N; }
# serve NAME SCHEMA LOG: starts a node, prints its pid.
serve() {
	"$BATON" serve --addr "127.0.0.1:$(port)" --data "$tmp/data-$1" --store "$(url "$2")" --node "$1" >"$3" 2>&1 &
	echo $!
}
until_log() { # PID LOG PATTERN: waits for the pattern in the log
	while ! grep -q "$3" "$2"; do kill -0 "$1" || { cat "$2" >&2; return 1; }; sleep 0.2; done
}

if (( MANY > 0 )); then
	sql "CREATE SCHEMA many" >/dev/null
	echo "loading $MANY waiting executions" >&2
	load=$("$tmp/waiting" -store "$(url many)" -n "$MANY")
	echo "load: $load" >&2
	size=$(sql "SELECT pg_size_pretty(sum(pg_total_relation_size(c.oid))) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'many' AND c.relkind = 'r'")
	t0=$(ms); m=$(serve m many "$tmp/m.log"); pids+=("$m")
	until_log "$m" "$tmp/m.log" "recovered executions"
	recovered=$(( $(ms) - t0 ))
	owned=$(sql "SELECT count(*) FROM many.executions WHERE owner = 'm' AND status = 'RUNNING'")
	hwm_recovered=$(hwm "$m")
	sleep "$HOLD"
	printf '{"executions":%s,"load":%s,"database":"%s","recovered_ms":%s,"owned":%s,"peak_rss_kb_recovered":%s,"peak_rss_kb_after_hold":%s,"rss_kb_after_hold":%s,"hold_s":%s}\n' \
		"$MANY" "$load" "$size" "$recovered" "$owned" "$hwm_recovered" "$(hwm "$m")" "$(rss "$m")" "$HOLD"
	kill "$m"; wait "$m" 2>/dev/null || true
	sql "DROP SCHEMA many CASCADE" >/dev/null
fi

if (( TAKEOVER > 0 )); then
	sql "CREATE SCHEMA takeover" >/dev/null
	echo "loading $TAKEOVER waiting executions" >&2
	"$tmp/waiting" -store "$(url takeover)" -n "$TAKEOVER" >/dev/null
	owned() { sql "SELECT count(*) FROM takeover.executions WHERE owner = '$1' AND status = 'RUNNING'"; }
	a=$(serve a takeover "$tmp/a.log"); pids+=("$a")
	until_log "$a" "$tmp/a.log" "recovered executions"
	[[ $(owned a) == "$TAKEOVER" ]] || { echo "node a owns $(owned a), not $TAKEOVER" >&2; exit 1; }
	b=$(serve b takeover "$tmp/b.log"); pids+=("$b")
	until grep -q "serving the Step Functions API" "$tmp/b.log" 2>/dev/null; do sleep 0.2; done
	sleep 2
	killed=$(ms); kill -9 "$a"
	# Polled until b owns them all, or CAP seconds after its first: a claim
	# statement the dead node had sent runs on in PostgreSQL (its backend
	# learns of the death only when it answers), and the rows it locked are
	# skipped by b's claims until it ends. The statements still running then
	# are reported.
	first=""; p99=""; all=""; stuck=""
	while :; do
		n=$(owned b); now=$(ms)
		[[ -n $first || $n == 0 ]] || first=$now
		[[ -n $p99 ]] || (( n * 100 < TAKEOVER * 99 )) || p99=$now
		if [[ $n == "$TAKEOVER" ]]; then all=$now; break; fi
		if [[ -n $first ]] && (( now - first > CAP * 1000 )); then
			stuck=$(sql "SELECT count(*) || ' statement(s), oldest ' || round(extract(epoch FROM max(now() - query_start))) || ' s' FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%UPDATE executions e SET owner%'")
			break
		fi
		sleep 0.1
	done
	to_all=null; [[ -z $all ]] || to_all=$(( all - first ))
	printf '{"executions":%s,"kill_to_first_ms":%s,"first_to_99pct_ms":%s,"first_to_all_ms":%s,"owned_by_b":%s,"still_claiming":"%s","b_peak_rss_kb":%s}\n' \
		"$TAKEOVER" "$(( first - killed ))" "$(( p99 - first ))" "$to_all" "$n" "$stuck" "$(hwm "$b")"
	kill "$b"; wait "$b" 2>/dev/null || true
	sql "DROP SCHEMA takeover CASCADE" >/dev/null
fi
