#!/usr/bin/env bash
# Load script: what a round trip through a concern actor costs, next to a route
# that touches no concern. Builds the release binary, starts it on a fresh data
# directory and runs wrk against each path.
#
#   benches/load.sh [seconds] [connections]      (needs wrk: apt-get install wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
connections=${2:-64}
port=${FOLIO_BENCH_PORT:-18080}

command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install wrk" >&2; exit 1; }
cargo build --release --quiet

data=$(mktemp -d)
# The stats routes are for administrators: an owner and a read token, made offline.
echo "bench password" | ./target/release/folio user add --data-dir "$data" --email bench@example.com --name Bench --role owner --password-stdin >/dev/null 2>&1
token=$(./target/release/folio token add --data-dir "$data" --email bench@example.com --name bench --scope read 2>/dev/null)
./target/release/folio --listen "127.0.0.1:$port" --data-dir "$data" --log warn &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break
  sleep 0.1
done

for path in /healthz /api/v1/admin/stats/auth /api/v1/admin/stats/posts /api/v1/admin/stats; do
  echo "== GET $path  (wrk -t1 -c$connections -d${seconds}s)"
  wrk -t1 -c"$connections" -d"${seconds}s" --latency -H "Authorization: Bearer $token" "http://127.0.0.1:$port$path" \
    | grep -E 'Requests/sec|^ +(50|99)%|Non-2xx|Socket errors'
done
echo "== resident memory after the runs"
grep -E 'VmRSS|VmHWM' "/proc/$pid/status"
