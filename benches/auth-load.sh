#!/usr/bin/env bash
# Load script for the auth issue's target: an authenticated API read must
# sustain at least 70 % of the requests/s of the same read made anonymously.
# Runs GET /api/v1/authors three ways in one run: anonymous, with a session
# cookie, with a bearer token.
#
#   benches/auth-load.sh [seconds] [connections]      (needs wrk: apt-get install wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
connections=${2:-64}
port=${FOLIO_BENCH_PORT:-18080}

command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install wrk" >&2; exit 1; }
cargo build --release --quiet
bin=./target/release/folio
data=$(mktemp -d)
echo "bench password" | $bin user add --data-dir "$data" --email bench@example.com --name Bench --role owner --password-stdin >/dev/null 2>&1
token=$($bin token add --data-dir "$data" --email bench@example.com --name bench --scope read 2>/dev/null)

$bin --listen "127.0.0.1:$port" --data-dir "$data" --log warn &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
cookie=$(curl -fs -D - -o /dev/null -H 'content-type: application/json' \
  -d '{"email":"bench@example.com","password":"bench password"}' "http://127.0.0.1:$port/api/v1/session" \
  | sed -n 's/^set-cookie: \([^;]*\).*/\1/ip')

url="http://127.0.0.1:$port/api/v1/authors"
run() {
  local label=$1; shift
  local rps
  rps=$(wrk -t1 -c"$connections" -d"${seconds}s" --latency "$@" "$url" | tee /tmp/folio-wrk.txt | awk '/Requests\/sec/ {print $2}')
  printf '%-10s %10s req/s   p50 %-9s p99 %s\n' "$label" "$rps" \
    "$(awk '$1=="50%" {print $2}' /tmp/folio-wrk.txt)" "$(awk '$1=="99%" {print $2}' /tmp/folio-wrk.txt)"
  echo "$rps"  > "/tmp/folio-$label.rps"
}
echo "GET /api/v1/authors, wrk -t1 -c$connections -d${seconds}s"
run anonymous
run cookie -H "Cookie: $cookie"
run bearer -H "Authorization: Bearer $token"
anon=$(cat /tmp/folio-anonymous.rps)
for label in cookie bearer; do
  awk -v a="$anon" -v b="$(cat /tmp/folio-$label.rps)" -v l="$label" 'BEGIN { printf "%s / anonymous = %.0f %%\n", l, 100 * b / a }'
done
