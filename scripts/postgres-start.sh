#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster on a Unix socket and prints its
# connection URL, for the PostgreSQL store's tests:
#   export WARD_POSTGRES_URL=$(scripts/postgres-start.sh)
# Stop it with: pg_ctl -D "$dir/data" stop (the script prints the folder on
# standard error). Runs the server as the postgres user when run as root,
# since PostgreSQL refuses to run as root.
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$bin" ]; then
  bin=$(dirname "$(command -v initdb)")
fi
dir=$(mktemp -d /tmp/ward-pg.XXXXXX)
as=()
if [ "$(id -u)" = 0 ]; then
  chown postgres "$dir"
  as=(runuser -u postgres --)
fi
port=${WARD_PG_PORT:-$((20000 + RANDOM % 20000))}
"${as[@]}" "$bin/initdb" -D "$dir/data" -U ward -A trust --no-sync >"$dir/initdb.log" 2>&1
"${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
  -o "-k $dir -p $port -c listen_addresses='' -c fsync=on" start >/dev/null
echo "PostgreSQL in $dir" >&2
echo "postgres://ward@/postgres?host=$dir&port=$port&sslmode=disable"
