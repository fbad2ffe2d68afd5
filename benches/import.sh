#!/usr/bin/env bash
# The import benchmark: a generated WordPress export of N posts of SIZE KB
# each (default 10,000 × 10 KB, a 108 MB file) imported into an empty site;
# reports the import's wall time and peak RSS (targets: ≤ 60 s, ≤ 300 MB),
# then starts the site and checks a post is served and search finds them all;
# then exports the site (.xml and .zip: time, RSS, size) and imports the
# .xml into another empty site.
#
#   FOLIO_BIN=path benches/import.sh [N] [SIZE_KB]
#
# Without FOLIO_BIN, builds `cargo build --release --bin folio` into
# $CARGO_TARGET_DIR (default ../target-rel). Needs python3 and GNU time
# (/usr/bin/time, Debian's package `time`).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
size=${2:-10}
if [ -n "${FOLIO_BIN:-}" ]; then
  bin=$FOLIO_BIN
else
  export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$(realpath -m ../target-rel)}
  cargo build --release --bin folio
  bin=$CARGO_TARGET_DIR/release/folio
fi
[ -x /usr/bin/time ] || { echo "import.sh: /usr/bin/time is needed (apt-get install time)" >&2; exit 2; }
for name in $(compgen -e); do case $name in FOLIO_BIN) ;; FOLIO_*) unset "$name" ;; esac; done
tmp=$(mktemp -d -t folio-import.XXXXXX)
server=
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

python3 benches/make-wxr.py "$n" "$size" "$tmp/export.xml"
echo "export: $n posts, $(du -m "$tmp/export.xml" | cut -f1) MB; $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "bench password" | "$bin" user add --data-dir "$tmp/data" --email bench@example.com --name Bench \
  --role owner --password-stdin >/dev/null 2>&1
/usr/bin/time -f "%e %M" -o "$tmp/time" "$bin" import wordpress "$tmp/export.xml" --data-dir "$tmp/data" --log warn >"$tmp/report"
read -r seconds kb <"$tmp/time"
grep -E '^(The file holds|[0-9]+ posts and|Old addresses)' "$tmp/report"
echo "import: ${seconds} s (target ≤ 60 s), peak RSS $((kb / 1024)) MB (target ≤ 300 MB)"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin" --listen "127.0.0.1:$port" --data-dir "$tmp/data" --log warn >"$tmp/server.log" 2>&1 &
server=$!
python3 - "$port" "$n" <<'PY'
import json, sys, time, urllib.request
port, n = sys.argv[1], int(sys.argv[2])
base = f"http://127.0.0.1:{port}"
def get(path):
    with urllib.request.urlopen(base + path, timeout=10) as r:
        return r.status, r.read()
deadline = time.monotonic() + 120
while True:
    try:
        get("/healthz"); break
    except Exception:
        if time.monotonic() > deadline: sys.exit("the server did not start")
        time.sleep(0.2)
status, body = get(f"/post-{n // 2}/")
print(f"GET /post-{n // 2}/: {status}, {'title found' if f'Post number {n // 2}'.encode() in body else 'TITLE MISSING'}")
started = time.monotonic()
while True:
    total = json.loads(get("/api/v1/search?q=bicycle%20light&per_page=1")[1])["total"]
    total = json.loads(get("/api/v1/search?q=riding&per_page=1")[1])["total"]
    if total >= n or time.monotonic() - started > 120: break
    time.sleep(1)
print(f"search finds {total:,} of {n:,} posts {time.monotonic() - started:.1f} s after the start")
PY

# The way out: the same site exported (stopped first, as the command asks),
# then the export imported into another empty site.
kill "$server"; wait "$server" 2>/dev/null || true; server=
for kind in xml zip; do
  /usr/bin/time -f "%e %M" -o "$tmp/time" "$bin" export "$tmp/site.$kind" --data-dir "$tmp/data" --log warn >"$tmp/exported"
  read -r seconds kb <"$tmp/time"
  echo "export .$kind: ${seconds} s, peak RSS $((kb / 1024)) MB, $(du -m "$tmp/site.$kind" | cut -f1) MB: $(cat "$tmp/exported")"
done
echo "bench password" | "$bin" user add --data-dir "$tmp/again" --email bench@example.com --name Bench \
  --role owner --password-stdin >/dev/null 2>&1
/usr/bin/time -f "%e %M" -o "$tmp/time" "$bin" import wordpress "$tmp/site.xml" --data-dir "$tmp/again" --log warn >"$tmp/report"
read -r seconds kb <"$tmp/time"
grep -E '^[0-9]+ posts and' "$tmp/report"
echo "the export imported into an empty site: ${seconds} s, peak RSS $((kb / 1024)) MB"
