#!/usr/bin/env bash
# Memory under hostile media requests (issue 10, items 5 and 6), release build,
# fresh data directory:
#  - two uploads at once of the 35-byte GIF whose 10×10 screen holds a
#    30000×30000 frame: peak resident memory over the idle server (target: < +64 MB);
#  - 40 slow anonymous readers (curl --limit-rate) of a 38 MB kept original
#    (the reference photo with keep_metadata=true and 34 MB appended): the
#    highest resident memory sampled while they read, over the server before
#    they started (target: within +64 MB).
# Needs curl; the photo comes from ../shared/fixtures/make-photo.sh (or FOLIO_PHOTO).
#
#   benches/media-hostile.sh [seconds the readers read, default 10]
#   FOLIO_BIN=target/debug/folio benches/media-hostile.sh   # a binary already built
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
port=${FOLIO_BENCH_PORT:-18081}
work=$(mktemp -d)
pid=
trap 'jobs -p | xargs -r kill 2>/dev/null; [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
photo=${FOLIO_PHOTO:-$work/photo.jpg}
[ -s "$photo" ] || ../shared/fixtures/make-photo.sh "$photo" >/dev/null

bin=${FOLIO_BIN:-}
if [ -z "$bin" ]; then
  cargo build --release --quiet --bin folio
  bin=./target/release/folio
fi
echo "bench password" | $bin user add --data-dir "$work/data" --email bench@example.com --name Bench --role owner --password-stdin >/dev/null 2>&1
token=$($bin token add --data-dir "$work/data" --email bench@example.com --name bench --scope write 2>/dev/null)
$bin --listen "127.0.0.1:$port" --data-dir "$work/data" --log warn &
pid=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
rss() { awk "/^$1:/ {print \$2}" "/proc/$pid/status"; }
upload() { curl -s -o "$2" -w "%{http_code}" -H "Authorization: Bearer $token" -F "file=@$1" ${3:+-F "$3"} "http://127.0.0.1:$port/api/v1/media"; }

echo "== the 35-byte GIF (10×10 screen, one 30000×30000 frame), two uploads at once"
printf 'GIF89a\x0a\x00\x0a\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff\x2c\x00\x00\x00\x00\x30\x75\x30\x75\x00\x02\x02\x44\x01\x00\x3b' >"$work/tiny.gif"
echo "file: $(wc -c <"$work/tiny.gif") bytes"
before=$(rss VmRSS)
upload "$work/tiny.gif" "$work/gif-1.json" & first=$!
upload "$work/tiny.gif" "$work/gif-2.json" & second=$!
wait "$first" "$second"; echo
echo "answers: $(cat "$work/gif-1.json")"
peak=$(rss VmHWM)
echo "server resident memory: $before kB before, peak $peak kB: +$(( (peak - before) / 1024 )) MB"

echo "== 40 slow readers of a 38 MB kept original, ${seconds}s"
cp "$photo" "$work/big.jpg"
head -c $(( 38 * 1000 * 1000 - $(wc -c <"$photo") )) /dev/urandom >>"$work/big.jpg"
echo "upload: $(upload "$work/big.jpg" "$work/big.json" keep_metadata=true) ($(wc -c <"$work/big.jpg") bytes)"
url=$(python3 -c "import json; print(json.load(open('$work/big.json'))['original_url'])")
sleep 1
before=$(rss VmRSS)
readers=()
for _ in $(seq 1 40); do
  curl -s -o /dev/null --limit-rate 200k "http://127.0.0.1:$port$url" &
  readers+=($!)
done
highest=$before
end=$(( $(date +%s) + seconds ))
while [ "$(date +%s)" -lt "$end" ]; do
  now=$(rss VmRSS); [ "$now" -gt "$highest" ] && highest=$now
  sleep 0.2
done
kill "${readers[@]}" 2>/dev/null || true
echo "server resident memory: $before kB before the readers, highest while they read $highest kB: +$(( (highest - before) / 1024 )) MB"
