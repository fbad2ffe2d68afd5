#!/usr/bin/env bash
# Load script for the posts issue's targets, in one run:
#  - a published post page (the fixture article) against a bare actix-web
#    handler returning the same bytes from memory (examples/bare.rs):
#    at least 50 % of its requests/s, p99 at most 5 ms;
#  - creating and updating a post, durable commit included: p50 at most 5 ms.
#
#   benches/site-load.sh [seconds] [connections]      (needs wrk: apt-get install wrk)
#
# FOLIO_BIN and BARE_BIN run given binaries instead of building this tree's
# (to compare two builds in one sitting, alternating runs).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
connections=${2:-64}
port=${FOLIO_BENCH_PORT:-18080}
bare_port=$((port + 10))
article=../shared/fixtures/article.md

command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install wrk" >&2; exit 1; }
if [ -z "${FOLIO_BIN:-}" ]; then cargo build --release --quiet --bin folio --example bare; fi
bin=${FOLIO_BIN:-./target/release/folio}
bare=${BARE_BIN:-./target/release/examples/bare}
data=$(mktemp -d)
echo "bench password" | $bin user add --data-dir "$data" --email bench@example.com --name Bench --role owner --password-stdin >/dev/null 2>&1
token=$($bin token add --data-dir "$data" --email bench@example.com --name bench --scope write 2>/dev/null)
$bin --listen "127.0.0.1:$port" --data-dir "$data" --log warn &
pid=$!
trap 'kill $pid $bare_pid 2>/dev/null; rm -rf "$data"' EXIT
bare_pid=
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

python3 - "$port" "$token" "$article" <<'PY'
import json, sys, time, urllib.request
port, token, article = sys.argv[1], sys.argv[2], open(sys.argv[3]).read()
def call(method, path, body):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method, data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return json.load(response)
post = call("POST", "/api/v1/posts", {"title": "Serving photos on a small blog", "slug": "article", "markdown": article,
    "tags": ["Photos"], "status": "published"})
creates, updates = [], []
for i in range(200):
    started = time.perf_counter()
    created = call("POST", "/api/v1/posts", {"title": f"Post {i}", "markdown": article})
    creates.append(time.perf_counter() - started)
    started = time.perf_counter()
    call("PATCH", f"/api/v1/posts/{created['id']}", {"markdown": article + "\n\nEdited.", "revision": created["revision"]})
    updates.append(time.perf_counter() - started)
for name, times in (("create", creates), ("update", updates)):
    times.sort()
    print(f"{name} a post (fixture article, durable commit), 200 sequential: p50 {times[100]*1000:.2f} ms, p99 {times[198]*1000:.2f} ms")
PY

curl -fs "http://127.0.0.1:$port/article/" -o "$data/article.html"
$bare "127.0.0.1:$bare_port" "$data/article.html" &
bare_pid=$!
sleep 0.5
echo "page is $(wc -c < "$data/article.html") bytes"
run() {
  local label=$1 url=$2
  wrk -t1 -c"$connections" -d"${seconds}s" --latency "$url" > "$data/$label.txt"
  printf '%-8s %10s req/s   p50 %-9s p99 %s\n' "$label" "$(awk '/Requests\/sec/ {print $2}' "$data/$label.txt")" \
    "$(awk '$1=="50%" {print $2}' "$data/$label.txt")" "$(awk '$1=="99%" {print $2}' "$data/$label.txt")"
}
echo "wrk -t1 -c$connections -d${seconds}s"
run bare "http://127.0.0.1:$bare_port/article/"
run folio "http://127.0.0.1:$port/article/"
awk -v b="$(awk '/Requests\/sec/ {print $2}' "$data/bare.txt")" -v f="$(awk '/Requests\/sec/ {print $2}' "$data/folio.txt")" \
  'BEGIN { printf "folio / bare = %.0f %%\n", 100 * f / b }'
