#!/usr/bin/env bash
# The media issue's targets, in one run, on one core:
#  - every JPEG variant of the 12 MP reference photo: Folio vs vipsthumbnail (one
#    process per width, VIPS_CONCURRENCY=1) vs one ImageMagick convert writing all five;
#  - serving a variant with wrk -t1 -c64.
# Needs libvips-tools, imagemagick and wrk (apt-get install libvips-tools imagemagick wrk).
#
#   benches/media-load.sh [seconds]
#
# FOLIO_BIN serves with a given binary instead of building this tree's (the
# variants benchmark is always this tree's).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
port=${FOLIO_BENCH_PORT:-18080}
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null; rm -rf "$work"' EXIT
pid=
photo=${FOLIO_PHOTO:-$work/photo.jpg}
[ -s "$photo" ] || ../shared/fixtures/make-photo.sh "$photo" >/dev/null
widths="320 640 1024 1600 2048"

cargo build --release --quiet --bench variants 2>/dev/null || true
echo "== JPEG variants of $(basename "$photo"), one core"
FOLIO_PHOTO=$photo taskset -c 0 cargo bench --quiet --bench variants 2>/dev/null | sed 's/^/folio: /'
start=$(date +%s.%N)
for w in $widths; do VIPS_CONCURRENCY=1 taskset -c 0 vipsthumbnail "$photo" --size "${w}x" -o "$work/vips-$w.jpg[Q=82,strip]"; done
echo "vipsthumbnail, one process per width: $(echo "$(date +%s.%N) - $start" | bc) s"
start=$(date +%s.%N)
args=()
for w in $widths; do args+=( \( +clone -resize "${w}x" -quality 82 -strip -write "$work/im-$w.jpg" +delete \) ); done
taskset -c 0 convert "$photo" "${args[@]}" null:
echo "ImageMagick convert, decode once, five widths: $(echo "$(date +%s.%N) - $start" | bc) s"

echo "== serving a variant, wrk -t1 -c64 -d${seconds}s"
if [ -z "${FOLIO_BIN:-}" ]; then cargo build --release --quiet --bin folio; fi
bin=${FOLIO_BIN:-./target/release/folio}
echo "bench password" | $bin user add --data-dir "$work/data" --email bench@example.com --name Bench --role owner --password-stdin >/dev/null 2>&1
token=$($bin token add --data-dir "$work/data" --email bench@example.com --name bench --scope write 2>/dev/null)
$bin --listen "127.0.0.1:$port" --data-dir "$work/data" --log warn &
pid=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
curl -fs -H "Authorization: Bearer $token" -F "file=@$photo" "http://127.0.0.1:$port/api/v1/media" >"$work/medium.json"
echo "== one 12 MP upload at a time (distinct bytes), five times: whole request, variants included"
for i in 1 2 3 4 5; do
  cp "$photo" "$work/single-$i.jpg" && printf 'single-%s' "$i" >> "$work/single-$i.jpg"
  curl -fs -o /dev/null -w "%{time_total}\n" -H "Authorization: Bearer $token" -F "file=@$work/single-$i.jpg" \
    "http://127.0.0.1:$port/api/v1/media"
done | sort -n | awk '{t[NR]=$1} END {printf "upload: min %.3f s, median %.3f s, max %.3f s\n", t[1], t[3], t[5]}'
for n in 0 1; do
  url=$(python3 -c "import json,sys; print(json.load(open('$work/medium.json'))['variants'][$n]['url'])")
  echo "$url ($(curl -fs "http://127.0.0.1:$port$url" | wc -c) bytes):"
  wrk -t1 -c64 -d"${seconds}s" --latency "http://127.0.0.1:$port$url" | grep -E 'Requests/sec|^ +(50|99)%|Non-2xx'
done
echo "$url, Range: bytes=0-65535:"
wrk -t1 -c64 -d"${seconds}s" --latency -H "Range: bytes=0-65535" "http://127.0.0.1:$port$url" | grep -E 'Requests/sec|^ +(50|99)%|Non-2xx'

echo "== eight 12 MP uploads at once (distinct bytes, so none is de-duplicated)"
for i in 1 2 3 4 5 6 7 8; do
  cp "$photo" "$work/photo-$i.jpg" && printf 'folio-%s' "$i" >> "$work/photo-$i.jpg"
done
before=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
for i in 1 2 3 4 5 6 7 8; do
  curl -s -o /dev/null -w "%{http_code} " -H "Authorization: Bearer $token" -F "file=@$work/photo-$i.jpg" \
    "http://127.0.0.1:$port/api/v1/media" &
done
wait_for=$(jobs -p | grep -v "^$pid$" || true)
for job in $wait_for; do wait "$job" || true; done
echo
echo "server resident memory: $before kB before, peak $(awk '/VmHWM/ {print $2}' "/proc/$pid/status") kB"
