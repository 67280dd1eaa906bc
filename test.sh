#!/bin/sh
# The whole test suite. It installs what the tests need beyond Go when it
# is missing (Node and npm, Debian's chromium for the console's browser
# tests, the console's npm packages, Debian's PostgreSQL), starts a
# throwaway PostgreSQL cluster for the store's tests (unless
# BATON_TEST_POSTGRES names a database), then runs go test -race ./...
# Arguments go to go test.
set -eu
cd "$(dirname "$0")"

missing=""
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || missing="$missing chromium"
if [ -n "$missing" ]; then
	sudo=""
	[ "$(id -u)" = 0 ] || sudo="sudo"
	echo "test.sh: installing$missing" >&2
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# The console's npm packages, exactly as locked; again when the lock changed.
web=console/web
if [ ! -f $web/node_modules/.package-lock.json ] || [ $web/package-lock.json -nt $web/node_modules/.package-lock.json ]; then
	(cd $web && npm ci --no-audit --no-fund --loglevel=error)
fi

# PostgreSQL for store/postgres and serve --store: a cluster in a temporary
# folder, on loopback, stopped and removed when the tests end.
. ./.ci/postgres.sh
trap postgres_stop EXIT
trap 'exit 130' INT TERM
postgres_start

status=0
go test -race ./... "$@" || status=$?
exit $status
