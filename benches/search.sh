#!/usr/bin/env bash
# The search benchmark: grows a site through the public API to SIZE published
# posts, waits for search to index them, then measures how soon a new post is
# found (target ≤ 1 s), query latency under wrk on /api/v1/search and /search/
# (target p99 ≤ 20 ms), a rebuild of the index from scratch with the site
# answering meanwhile (target ≤ 60 s), the index's size and the server's memory.
#
#   benches/search.sh [options] [SIZE]        (default SIZE: 100000; 10000 for a quick run)
#
#   --clients N       concurrent clients while growing (default 8)
#   --wrk-seconds S   duration of each wrk run (default 20)
#   --keep            keep the data directory, server log and wrk outputs afterwards
#                     (their place is printed)
#   --article path    another Markdown file than ../shared/fixtures/article.md
#   FOLIO_BIN=path    use this binary instead of building one with
#                     `cargo build --release --bin folio` into $CARGO_TARGET_DIR
#                     (default ../target-rel, beside the checkout)
#
# Needs python3 and wrk (apt-get install wrk). Output is plain text, fit to
# paste into an issue note. The exit status is 0 when the run went through
# (targets missed are reported, not failed), 2 when a request failed (a non-2xx
# answer under wrk, GET / failing during the rebuild, …) or the server would not start.
set -euo pipefail
cd "$(dirname "$0")/.."

die() { echo "search.sh: $*" >&2; exit 2; }

size=100000
clients=8
wrk_seconds=20
keep=0
article=
while [ $# -gt 0 ]; do
  case $1 in
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --clients) [ $# -ge 2 ] || die "--clients needs a number"; clients=$2; shift ;;
    --clients=*) clients=${1#*=} ;;
    --wrk-seconds) [ $# -ge 2 ] || die "--wrk-seconds needs a number"; wrk_seconds=$2; shift ;;
    --wrk-seconds=*) wrk_seconds=${1#*=} ;;
    --keep) keep=1 ;;
    --article) [ $# -ge 2 ] || die "--article needs a path"; article=$2; shift ;;
    --article=*) article=${1#*=} ;;
    ''|*[!0-9]*) die "unknown argument '$1' (see --help)" ;;
    *) size=$1 ;;
  esac
  shift
done
for value in "$clients" "$wrk_seconds"; do
  case $value in ''|*[!0-9]*|0) die "'$value' is not a positive number (see --help)" ;; esac
done

# The fixture lives beside the repository (../shared/fixtures); from a git
# worktree elsewhere, beside the main checkout (as benches/scale.sh finds it).
if [ -z "$article" ]; then
  article=../shared/fixtures/article.md
  if [ ! -f "$article" ]; then
    common=$(git rev-parse --path-format=absolute --git-common-dir 2>/dev/null || true)
    [ -n "$common" ] && [ -f "$common/../../shared/fixtures/article.md" ] && article=$common/../../shared/fixtures/article.md
  fi
fi
[ -f "$article" ] || die "the fixture article $article is missing (it lives beside the repository, in ../shared/fixtures)"
command -v python3 >/dev/null || die "python3 is needed"
command -v wrk >/dev/null || die "wrk is needed (apt-get install wrk)"

if [ -n "${FOLIO_BIN:-}" ]; then
  bin=$FOLIO_BIN
else
  # The release build goes to its own target directory, not ./target beside
  # the debug one (CARGO_TARGET_DIR overrides).
  export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$(realpath -m ../target-rel)}
  cargo build --release --bin folio
  bin=$CARGO_TARGET_DIR/release/folio
fi
[ -x "$bin" ] || die "$bin is not an executable"
bin=$(realpath "$bin")

# Settings from the caller's environment must not leak in (FOLIO_SEARCH_LANGUAGE,
# a FOLIO_POSTS_DATABASE_URL pointing at a real site, a FOLIO_CONFIG, …): only ours count.
for name in $(compgen -e); do
  case $name in FOLIO_BIN) ;; FOLIO_*) unset "$name" ;; esac
done

tmp=$(mktemp -d -t folio-search.XXXXXX)
data=$tmp/data
driver=

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  [ -n "$driver" ] && kill "$driver" 2>/dev/null || true
  if [ -f "$tmp/server.pid" ]; then
    local pid
    pid=$(cat "$tmp/server.pid")
    if kill "$pid" 2>/dev/null; then
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
  fi
  if [ "$keep" = 1 ]; then
    echo "search.sh: kept the data directory $data (server log $tmp/server.log, wrk outputs in $tmp)" >&2
    exit "$status"
  fi
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "bench password" | "$bin" user add --data-dir "$data" --email bench@example.com --name Bench \
  --role owner --password-stdin >"$tmp/setup.log" 2>&1 || { cat "$tmp/setup.log" >&2; die "could not create the owner account"; }
FOLIO_SEARCH_BENCH_TOKEN=$("$bin" token add --data-dir "$data" --email bench@example.com --name search-bench --scope write 2>>"$tmp/setup.log") \
  || { cat "$tmp/setup.log" >&2; die "could not create an API token"; }
export FOLIO_SEARCH_BENCH_TOKEN

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# In the background so a TERM reaches the trap at once, not after the run.
python3 benches/search.py --bin "$bin" --data-dir "$data" --port "$port" --article "$article" \
  --log "$tmp/server.log" --pid-file "$tmp/server.pid" --tmp "$tmp" \
  --clients "$clients" --wrk-seconds "$wrk_seconds" "$size" &
driver=$!
status=0
wait "$driver" || status=$?
driver=
exit "$status"
