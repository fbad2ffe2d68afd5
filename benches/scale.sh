#!/usr/bin/env bash
# The scale benchmark of issue 11: grows a site through the public API to each
# size in turn (8 concurrent clients) and, at each size, times every public
# page and API route cold (right after an edit dropped the page cache) and
# warm, checks the sitemap, and prints the server's RSS and the data's size;
# then a kill -9 during creates checks that acknowledged writes survive.
#
#   benches/scale.sh [--postgres] [SIZE ...]        (default: 10000 100000)
#
#   FOLIO_BIN=path        use this binary instead of `cargo build --release --bin folio`
#   --postgres, or FOLIO_SCALE_PG=1
#                         the three stores on fresh PostgreSQL databases, dropped
#                         afterwards (FOLIO_SCALE_PG_URL, default
#                         postgres://postgres@127.0.0.1:5432)
#   FOLIO_SCALE_ARTICLE=path  another Markdown file than ../shared/fixtures/article.md
#   FOLIO_SCALE_CLIENTS=8, FOLIO_SCALE_SAMPLES=5, FOLIO_SCALE_NO_KILL=1 (skip the kill -9 check)
#   FOLIO_SCALE_KEEP=1    keep the data directory and databases afterwards (to
#                         look into a slow query); their place is printed
#
# Output is plain text, fit to paste into an issue note. The exit status is 0
# when every check passed, 1 when a check failed (targets missed are reported,
# not failed), 2 when a request failed or the server would not start.
set -euo pipefail
cd "$(dirname "$0")/.."

die() { echo "scale.sh: $*" >&2; exit 2; }

postgres=${FOLIO_SCALE_PG:-0}
sizes=()
for arg in "$@"; do
  case $arg in
    --postgres) postgres=1 ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    ''|*[!0-9]*) die "unknown argument '$arg' (sizes are numbers of posts; see --help)" ;;
    *) sizes+=("$arg") ;;
  esac
done
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000)

# The fixture lives beside the repository (../shared/fixtures); from a git
# worktree elsewhere, beside the main checkout; FOLIO_SCALE_ARTICLE overrides.
article=${FOLIO_SCALE_ARTICLE:-../shared/fixtures/article.md}
if [ ! -f "$article" ] && [ -z "${FOLIO_SCALE_ARTICLE:-}" ]; then
  common=$(git rev-parse --path-format=absolute --git-common-dir 2>/dev/null || true)
  [ -n "$common" ] && [ -f "$common/../../shared/fixtures/article.md" ] && article=$common/../../shared/fixtures/article.md
fi
[ -f "$article" ] || die "the fixture article $article is missing (it lives beside the repository, in ../shared/fixtures)"
command -v python3 >/dev/null || die "python3 is needed"

if [ -n "${FOLIO_BIN:-}" ]; then
  bin=$FOLIO_BIN
else
  cargo build --release --bin folio
  bin=./target/release/folio
fi
[ -x "$bin" ] || die "$bin is not an executable"
bin=$(realpath "$bin")

# Settings from the caller's environment must not leak in (a FOLIO_POSTS_DATABASE_URL
# pointing at a real site, a FOLIO_CONFIG, …): only ours count.
for name in $(compgen -e); do
  case $name in FOLIO_BIN|FOLIO_SCALE_*) ;; FOLIO_*) unset "$name" ;; esac
done

tmp=$(mktemp -d -t folio-scale.XXXXXX)
data=$tmp/data
databases=()
pg_url=${FOLIO_SCALE_PG_URL:-postgres://postgres@127.0.0.1:5432}
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
  if [ -n "${FOLIO_SCALE_KEEP:-}" ]; then
    echo "scale.sh: kept the data directory $data${databases[*]:+ and the databases ${databases[*]}}" >&2
    exit "$status"
  fi
  for db in "${databases[@]}"; do
    psql "$pg_url/postgres" -qtAc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 \
      || echo "scale.sh: could not drop the database $db" >&2
  done
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

store=SQLite
if [ "$postgres" = 1 ]; then
  command -v psql >/dev/null || die "--postgres needs psql (apt-get install postgresql-client)"
  psql "$pg_url/postgres" -qtAc 'select 1' >/dev/null || die "cannot reach PostgreSQL at $pg_url"
  for concern in auth posts media; do
    db=folio_scale_$$_$concern
    psql "$pg_url/postgres" -qtAc "CREATE DATABASE $db" >/dev/null || die "could not create the database $db"
    databases+=("$db")
  done
  export FOLIO_AUTH_DATABASE_URL=$pg_url/folio_scale_$$_auth
  export FOLIO_POSTS_DATABASE_URL=$pg_url/folio_scale_$$_posts
  export FOLIO_MEDIA_DATABASE_URL=$pg_url/folio_scale_$$_media
  store="PostgreSQL ($pg_url)"
fi

echo "bench password" | "$bin" user add --data-dir "$data" --email bench@example.com --name Bench \
  --role owner --password-stdin >"$tmp/setup.log" 2>&1 || { cat "$tmp/setup.log" >&2; die "could not create the owner account"; }
FOLIO_SCALE_TOKEN=$("$bin" token add --data-dir "$data" --email bench@example.com --name scale --scope write 2>>"$tmp/setup.log") \
  || { cat "$tmp/setup.log" >&2; die "could not create an API token"; }
export FOLIO_SCALE_TOKEN

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
extra=()
[ -n "${FOLIO_SCALE_NO_KILL:-}" ] && extra+=(--no-kill-check)
# In the background so a TERM reaches the trap at once, not after the run.
python3 benches/scale.py --bin "$bin" --data-dir "$data" --port "$port" --article "$article" \
  --log "$tmp/server.log" --pid-file "$tmp/server.pid" --store "$store" \
  --pg-admin-url "$pg_url/postgres" --pg-databases "${databases[@]}" \
  --clients "${FOLIO_SCALE_CLIENTS:-8}" --samples "${FOLIO_SCALE_SAMPLES:-5}" \
  "${extra[@]}" -- "${sizes[@]}" &
driver=$!
status=0
wait "$driver" || status=$?
driver=
exit "$status"
