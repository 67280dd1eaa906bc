# A throwaway PostgreSQL cluster for the tests, sourced by test.sh.
#
# postgres_start: unless BATON_TEST_POSTGRES already names a database,
# install Debian's PostgreSQL if initdb is missing, make a cluster in a
# temporary folder (initdb), start it on loopback on a free port (pg_ctl)
# and export BATON_TEST_POSTGRES, the URL the tests reach it by. The tests
# make a schema each. postgres_stop stops the cluster and removes it.
# PostgreSQL refuses to run as root: as root the cluster runs as the
# postgres user (Debian's package makes it), or nobody.

pg_dir=""
pg_user=""

pg_bin() {
	ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

pg_run() {
	if [ -n "$pg_user" ]; then
		runuser -u "$pg_user" -- "$@"
	else
		"$@"
	fi
}

postgres_start() {
	[ -z "${BATON_TEST_POSTGRES:-}" ] || return 0
	bin=$(pg_bin)
	if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
		sudo=""
		[ "$(id -u)" = 0 ] || sudo="sudo"
		echo "postgres.sh: installing postgresql" >&2
		$sudo apt-get update -qq
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends postgresql >/dev/null
		bin=$(pg_bin)
	fi
	pg_dir=$(mktemp -d)
	if [ "$(id -u)" = 0 ]; then
		pg_user=nobody
		id postgres >/dev/null 2>&1 && pg_user=postgres
		chown "$pg_user" "$pg_dir"
	fi
	pg_run "$bin/initdb" -D "$pg_dir/data" -U baton --auth=trust --no-locale -E UTF8 >"$pg_dir/initdb.log" 2>&1 || {
		cat "$pg_dir/initdb.log" >&2
		return 1
	}
	# A free port: another cluster may hold the one drawn, so try a few.
	# The cluster is for tests: durability is traded for speed.
	for try in 1 2 3 4 5 6 7 8; do
		port=$(( $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 20000 + 30000 ))
		if pg_run "$bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 \
			-o "-c listen_addresses=127.0.0.1 -p $port -k $pg_dir -c max_connections=400 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
			start >/dev/null 2>&1; then
			export BATON_TEST_POSTGRES="postgres://baton@127.0.0.1:$port/postgres?sslmode=disable"
			echo "postgres.sh: a throwaway PostgreSQL on 127.0.0.1:$port" >&2
			return 0
		fi
	done
	cat "$pg_dir/server.log" >&2
	return 1
}

postgres_stop() {
	[ -n "$pg_dir" ] || return 0
	pg_run "$(pg_bin)/pg_ctl" -D "$pg_dir/data" -m immediate -w stop >/dev/null 2>&1 || true
	rm -rf "$pg_dir"
	pg_dir=""
}
