#!/usr/bin/env bash
# Runs the load test: ward serve, a bare net/http handler, and Moto's
# server (moto_server from the machine's Python, with IAM enforcement on:
# its first three actions are free, for creating the load user) on
# loopback, in one run. Moto is optional: without it, ward and the bare
# handler are measured.
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${DURATION:-3s}
args=()
moto_pid=""
trap '[ -n "$moto_pid" ] && kill "$moto_pid" 2>/dev/null; wait 2>/dev/null || true' EXIT
if command -v moto_server >/dev/null 2>&1; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  INITIAL_NO_AUTH_ACTION_COUNT=3 moto_server -H 127.0.0.1 -p "$port" >/tmp/moto-load.log 2>&1 &
  moto_pid=$!
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/moto-api/" >/dev/null 2>&1 && break; sleep 0.1; done
  args=(-moto "http://127.0.0.1:$port")
  echo "moto_server $(python3 -c 'import moto; print(moto.__version__)') on port $port" >&2
fi
go run ./bench/load -duration "$duration" "${args[@]}"
