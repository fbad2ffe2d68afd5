#!/usr/bin/env bash
# The hostile-input run (benches/hostile.py) against the release binary on a
# fresh data directory: exits non-zero on any hang, any 5xx, or anything a
# refused request left behind.
#
#   benches/hostile.sh                  # the release binary, built first
#   FOLIO_BIN=target/debug/folio benches/hostile.sh
set -euo pipefail
cd "$(dirname "$0")/.."
port=${FOLIO_BENCH_PORT:-18090}
work=$(mktemp -d)
pid=
trap 'kill $pid 2>/dev/null; rm -rf "$work"' EXIT

bin=${FOLIO_BIN:-}
if [ -z "$bin" ]; then
  cargo build --release --quiet --bin folio
  bin=./target/release/folio
fi
echo "hostile password" | $bin user add --data-dir "$work/data" --email hostile@example.com --name Hostile --role owner --password-stdin >/dev/null 2>&1
token=$($bin token add --data-dir "$work/data" --email hostile@example.com --name hostile --scope write 2>/dev/null)
$bin --listen "127.0.0.1:$port" --data-dir "$work/data" --log warn &
pid=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
python3 benches/hostile.py "http://127.0.0.1:$port" "$token" "$work/data"
