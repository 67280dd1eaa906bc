# A throwaway PostgreSQL cluster for the benchmarks, sourced by their
# scripts. Unlike the tests' (.ci/postgres.sh) it keeps PostgreSQL's
# durability on (fsync, synchronous_commit, full_page_writes), as SQLite's
# synchronous=FULL is, so that the figures compare durable with durable.
#
# bench_pg_start: initdb in a temporary folder, pg_ctl on loopback and a
# free port, exports BATON_BENCH_STORE (a URL) and BATON_BENCH_PGPID (the
# postmaster's pid, for its processor time). bench_pg_stop removes it.
# As root the cluster runs as the postgres user (Debian's package makes it).

bench_pg=""

bench_pg_run() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

bench_pg_start() {
	local bin port
	bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	[ -x "$bin/initdb" ] || { echo "pgcluster.sh: no PostgreSQL (apt-get install postgresql)" >&2; return 1; }
	bench_pg=$(mktemp -d)
	[ "$(id -u)" != 0 ] || chown postgres "$bench_pg"
	bench_pg_run "$bin/initdb" -D "$bench_pg/data" -U baton --auth=trust --no-locale -E UTF8 >/dev/null || return 1
	port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
	bench_pg_run "$bin/pg_ctl" -D "$bench_pg/data" -l "$bench_pg/server.log" -w -t 60 \
		-o "-c listen_addresses=127.0.0.1 -p $port -k $bench_pg -c max_connections=400 -c shared_buffers=512MB -c max_wal_size=4GB" start >/dev/null || return 1
	export BATON_BENCH_STORE="postgres://baton@127.0.0.1:$port/postgres?sslmode=disable"
	BATON_BENCH_PGPID=$(head -n 1 "$bench_pg/data/postmaster.pid")
	export BATON_BENCH_PGPID
}

bench_pg_stop() {
	[ -n "$bench_pg" ] || return 0
	bench_pg_run "$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)/pg_ctl" -D "$bench_pg/data" -m fast -w stop >/dev/null 2>&1 || true
	rm -rf "$bench_pg"
	bench_pg=""
}
