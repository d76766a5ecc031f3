#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL server on loopback and CRMKIT_POSTGRES_URL pointing
# at it, then stops the server and deletes its files (also on failure or Ctrl-C).
#
#   bash .ci/with-postgres.sh swift test
#
# - CRMKIT_POSTGRES_URL already set: the command runs against that server; nothing is started.
# - No server binaries: on CI (CI set) or as root with apt-get, Debian's `postgresql` package is
#   installed (the time it takes is printed); otherwise the command runs without PostgreSQL and
#   the PostgreSQL test cases report themselves as not run.
# - PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user.
# - CRMKIT_POSTGRES_PORT sets the port (default 54329).
set -euo pipefail

if [ -n "${CRMKIT_POSTGRES_URL:-}" ]; then
    exec "$@"
fi

find_bin() {
    local dir
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; return 0; fi
    done
    return 1
}

bin=$(find_bin || true)
if [ -z "$bin" ]; then
    if command -v apt-get >/dev/null 2>&1 && { [ -n "${CI:-}" ] || [ "$(id -u)" -eq 0 ]; }; then
        SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
        echo "postgresql: installing with apt-get"
        started=$(date +%s)
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends postgresql >/dev/null
        echo "postgresql: installed in $(( $(date +%s) - started )) s"
        bin=$(find_bin || true)
    fi
fi
if [ -z "$bin" ]; then
    echo "postgresql: no server found and not installing one (set CI=1, run as root, or install postgresql);"
    echo "            running without PostgreSQL: the PostgreSQL test cases report themselves as not run"
    exec "$@"
fi

port=${CRMKIT_POSTGRES_PORT:-54329}
dir=$(mktemp -d /tmp/crmkit-postgres.XXXXXX)
run=()
if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$dir"
    run=(runuser -u postgres --)
fi
stop() {
    "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}
trap stop EXIT
trap 'exit 130' INT TERM

"${run[@]}" "$bin/initdb" -D "$dir/data" -U crmkit --auth=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
"${run[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=200" start >/dev/null \
    || { cat "$dir/server.log" >&2; exit 1; }
echo "postgresql: $("$bin/postgres" --version | sed -E "s/^[^0-9]*([0-9.]+).*/\1/") running on 127.0.0.1:$port (data in $dir)"
export CRMKIT_POSTGRES_URL="postgres://crmkit@127.0.0.1:$port/postgres"
"$@"
