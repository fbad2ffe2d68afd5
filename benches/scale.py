#!/usr/bin/env python3
"""The scale benchmark's driver (issue 11): grows a Folio site through the
public API to each size in turn and, at each size, times every page and API
route cold (right after an edit dropped the page cache) and warm, checks the
sitemap, and reads the server's memory and the size of its data.

Run it through benches/scale.sh, which builds or picks the binary, makes the
data directory, the owner account and its token (and the PostgreSQL databases
with --postgres) and cleans everything up. This file starts and stops the
server itself, so it can also kill it with SIGKILL for the durability check.

Python 3 standard library only. Timings are taken in this client with
time.perf_counter() around one request on a keep-alive http.client connection:
from sending the request to having read the whole body.
"""

import argparse
import http.client
import json
import math
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
import xml.etree.ElementTree as ET

PER_PAGE_SITE = 10  # posts per listing page on the public site (src/gateway/src/site.rs)
PER_PAGE_API = 20
EVERYTHING = "Everything"
RARE_TAG = "Rarities"  # on posts 1, 2001, 4001, …: 5 at 10,000 posts, 50 at 100,000
RARE_EVERY = 2000
RARE_WORD = "quokka"  # in the titles of the first 5 posts only: the oldest
RARE_WORD_POSTS = 5
COMMON_WORD = "notes"  # in every post's title
EXTRA_EVERY = 2000  # one page and one draft per 2,000 posts
TOPICS = [
    "Photography", "Travel", "Cooking", "Gardening", "Cycling", "Running", "Books", "Music",
    "Film", "Design", "Typography", "Architecture", "Hiking", "Birds", "Coffee", "Tea",
    "Baking", "Woodwork", "Pottery", "Sailing", "Climbing", "Chess", "Astronomy", "Weather",
    "History", "Maps", "Trains", "Bridges", "Rivers", "Islands", "Markets", "Bicycles",
    "Letters", "Poetry", "Drawing", "Painting", "Printing", "Paper", "Knitting", "Sewing",
    "Fishing", "Camping", "Mountains", "Forests", "Gardens", "Lighthouses", "Harbours", "Winter",
    "Summer",
]  # 49 common tags; with RARE_TAG, 50 besides EVERYTHING
assert len(TOPICS) == 49

TARGET_PAGE = 20
TARGET_SITEMAP = 100
TARGET_API = 20
TARGET_SEARCH = 50


class BenchError(Exception):
    """A failure that ends the run, with a sentence saying what went wrong."""

    def __init__(self, message, status=None, elapsed=None):
        super().__init__(message)
        self.status = status
        self.elapsed = elapsed


def load():
    """The 1-minute load average, as uptime shows it."""
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


def loads():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def out(line=""):
    print(line, flush=True)


class Client:
    """One keep-alive connection. GETs (and the idempotent bio edit) are tried
    again once on a fresh connection when the server closed an idle one; only
    the attempt that answered is timed."""

    def __init__(self, port, token=None, timeout=900):
        self.port = port
        self.token = token
        self.timeout = timeout
        self.conn = None

    def _connect(self):
        if self.conn is not None:
            self.conn.close()
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(self, method, path, body=None, expect=(200,), retry=True):
        """(status, body bytes, headers, seconds). Raises BenchError on a status not in `expect`."""
        headers = {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            if self.conn is None:
                self._connect()
            try:
                started = time.perf_counter()
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
                payload = response.read()
                elapsed = time.perf_counter() - started
                break
            except (http.client.HTTPException, ConnectionError, OSError) as error:
                self.close()
                if attempt == 2 or not retry:
                    raise BenchError(f"{method} {path}: no answer ({error.__class__.__name__}: {error})") from error
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        if response.status not in expect:
            raise BenchError(
                f"{method} {path}: HTTP {response.status}, expected {'/'.join(map(str, expect))}: "
                f"{payload[:300].decode('utf-8', 'replace')}",
                status=response.status, elapsed=elapsed,
            )
        return response.status, payload, response, elapsed

    def json(self, method, path, body=None, expect=(200,)):
        return json.loads(self.request(method, path, body, expect)[1])


class Poster:
    """A lean keep-alive client for the creates alone: one prebuilt request
    head and a socket, no header objects. http.client cost ~0.45 ms of this
    process's CPU per create, a share of the 2 cores the server needs at
    1,000 creates/s. Never retried: a create that may have happened is not
    sent twice."""

    def __init__(self, port, token, timeout=120):
        self.port = port
        self.timeout = timeout
        self.head = (f"POST /api/v1/posts HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                     f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
                     f"Content-Length: ").encode()
        self.sock = None
        self.buffer = b""

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        self.buffer = b""

    def _recv(self):
        chunk = self.sock.recv(262144)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        self.buffer += chunk

    def request(self, method, path, body, expect=(201,), retry=False):
        """The same answer as Client.request, for POST /api/v1/posts only."""
        assert method == "POST" and path == "/api/v1/posts"
        try:
            if self.sock is None:
                self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=self.timeout)
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            started = time.perf_counter()
            self.sock.sendall(self.head + str(len(body)).encode() + b"\r\n\r\n" + body)
            while (end := self.buffer.find(b"\r\n\r\n")) < 0:
                self._recv()
            head, self.buffer = self.buffer[:end].decode("latin-1"), self.buffer[end + 4:]
            lines = head.split("\r\n")
            status = int(lines[0].split(" ", 2)[1])
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            if "content-length" not in headers:
                raise BenchError(f"POST /api/v1/posts: an answer without Content-Length ({lines[0]})")
            length = int(headers["content-length"])
            while len(self.buffer) < length:
                self._recv()
            payload, self.buffer = self.buffer[:length], self.buffer[length:]
            elapsed = time.perf_counter() - started
        except (ConnectionError, OSError, ValueError, IndexError) as error:
            self.close()
            raise BenchError(f"POST /api/v1/posts: no answer ({error.__class__.__name__}: {error})") from error
        if headers.get("connection", "").lower() == "close":
            self.close()
        if status not in expect:
            raise BenchError(f"POST /api/v1/posts: HTTP {status}, expected {'/'.join(map(str, expect))}: "
                             f"{payload[:300].decode('utf-8', 'replace')}")
        return status, payload, headers, elapsed


class Server:
    def __init__(self, args):
        self.args = args
        self.proc = None
        self.log = open(args.log, "ab")

    def start(self):
        a = self.args
        self.proc = subprocess.Popen(
            [a.bin, "--listen", f"127.0.0.1:{a.port}", "--data-dir", a.data_dir, "--log", "warn"],
            stdout=self.log, stderr=self.log, stdin=subprocess.DEVNULL,
        )
        with open(a.pid_file, "w") as f:
            f.write(str(self.proc.pid))
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"the server exited with status {self.proc.returncode} while starting: {self.tail()}")
            try:
                Client(a.port, timeout=2).request("GET", "/healthz", retry=False)
                return
            except BenchError:
                time.sleep(0.1)
        raise BenchError(f"the server did not answer /healthz within 120 s: {self.tail()}")

    @property
    def pid(self):
        return self.proc.pid

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def tail(self, lines=15):
        self.log.flush()
        try:
            with open(self.args.log, "rb") as f:
                text = f.read().decode("utf-8", "replace").splitlines()
        except OSError:
            return "(no server log)"
        return "\n  server log: " + "\n  ".join(text[-lines:]) if text else "(the server log is empty)"

    def cpu_seconds(self):
        """User + system CPU time of the server so far."""
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def memory(self):
        found = {}
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    found[key] = int(value.split()[0]) // 1024
        return found


class Site:
    """What the benchmark made, so it can say what the sitemap must list."""

    def __init__(self):
        self.posts = 0  # published posts made so far (kind post)
        self.pages = 0
        self.drafts = 0
        self.public = {}  # path -> number of times created (must be 1)
        self.oldest = None
        self.newest = None
        self.lock = threading.Lock()

    def record(self, kind, status, slug):
        with self.lock:
            if status == "published":
                path = f"/{slug}/"
                self.public[path] = self.public.get(path, 0) + 1


def post_body(article_json, n):
    """The n-th post (from 1): the fixture article, a unique title, published,
    tagged Everything plus one of 50 others."""
    topic = RARE_TAG if n % RARE_EVERY == 1 else TOPICS[n % len(TOPICS)]
    title = f"Field {COMMON_WORD} {n}: {RARE_WORD} sighting" if n <= RARE_WORD_POSTS else f"Field {COMMON_WORD} {n}: {topic.lower()}"
    tags = json.dumps([EVERYTHING, topic])
    return f'{{"title":{json.dumps(title)},"markdown":{article_json},"tags":{tags},"status":"published"}}'.encode()


def page_body(article_json, n):
    return f'{{"type":"page","title":"About part {n}","markdown":{article_json},"status":"published"}}'.encode()


def draft_body(article_json, n):
    tags = json.dumps([EVERYTHING, TOPICS[n % len(TOPICS)]])
    return f'{{"title":"Unfinished draft {n}","markdown":{article_json},"tags":{tags}}}'.encode()


def create(client, site, kind, body):
    _, payload, _, elapsed = client.request("POST", "/api/v1/posts", body, expect=(201,), retry=False)
    post = json.loads(payload)
    site.record(post["type"], post["status"], post["slug"])
    return post, elapsed


def percentile(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def grow(args, server, site, article_json, size):
    """Creates posts (and a page and a draft per 2,000 posts) up to `size`
    published posts, with args.clients threads; the last post alone, after
    the others, so it is the newest."""
    first = site.posts + 1
    work = []
    for n in range(first, size):
        work.append(("post", n))
        if n % EXTRA_EVERY == 2:
            work.append(("page", n))
        if n % EXTRA_EVERY == 3:
            work.append(("draft", n))
    bodies = {"post": post_body, "page": page_body, "draft": draft_body}
    lock = threading.Lock()
    position = [0]
    latencies = [[] for _ in range(args.clients)]
    failures = []
    counts = {"post": 0, "page": 0, "draft": 0}

    if first == 1:  # the oldest post, alone, before everything else
        post, _ = create(Client(args.port, args.token), site, "post", post_body(article_json, 0 + 1))
        site.oldest = post["slug"]
        counts["post"] += 1
        work = work[1:] if work and work[0] == ("post", 1) else work

    def worker(index):
        client = Poster(args.port, args.token)
        mine = latencies[index]
        try:
            while not failures:
                with lock:
                    if position[0] >= len(work):
                        return
                    kind, n = work[position[0]]
                    position[0] += 1
                _, elapsed = create(client, site, kind, bodies[kind](article_json, n))
                mine.append(elapsed)
                with lock:
                    counts[kind] += 1
        except Exception as error:  # noqa: BLE001 — reported by the main thread
            failures.append(error)
        finally:
            client.close()

    load_before = loads()
    cpu_before = server.cpu_seconds()
    client_before = time.process_time()
    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(args.clients)]
    for t in threads:
        t.start()
    last_report = started
    while any(t.is_alive() for t in threads):
        for t in threads:
            t.join(timeout=1)
        now = time.perf_counter()
        if now - last_report >= 30:
            done = sum(len(l) for l in latencies)
            out(f"    … {done:,} of {len(work):,} created, {done / (now - started):,.0f}/s, load {load()}")
            last_report = now
    elapsed = time.perf_counter() - started
    if failures:
        raise BenchError(f"a create failed while growing to {size:,}: {failures[0]}{server.tail()}")
    cpu = server.cpu_seconds() - cpu_before
    client_cpu = time.process_time() - client_before
    load_after = loads()
    created = sum(len(l) for l in latencies)
    post, _ = create(Client(args.port, args.token), site, "post", post_body(article_json, size))
    counts["post"] += 1
    site.newest = post["slug"]
    site.posts += counts["post"]
    site.pages += counts["page"]
    site.drafts += counts["draft"]
    all_latencies = [x for l in latencies for x in l]
    rate = created / elapsed if elapsed > 0 else float("nan")
    out(f"  grew to {site.posts:,} published posts (+{site.pages} pages, +{site.drafts} drafts): "
        f"{created:,} creates with {args.clients} clients in {elapsed:.1f} s = {rate:,.0f} creates/s "
        f"(target ≥ 1,000/s)")
    out(f"    create latency p50 {percentile(all_latencies, 50) * 1000:.1f} ms, p99 {percentile(all_latencies, 99) * 1000:.1f} ms; "
        f"server CPU {cpu:.1f} s ({cpu / max(created, 1) * 1000:.2f} ms/create), this client's CPU {client_cpu:.1f} s; "
        f"load {load_before} → {load_after}")
    return rate


class Route:
    def __init__(self, label, path, target, auth=False, group="page"):
        self.label, self.path, self.target, self.auth, self.group = label, path, target, auth, group


def last_page(total, per_page):
    return max(1, math.ceil(total / per_page))


def sitemap_files(anon, args):
    """The sitemap's paths: ["/sitemap.xml"] and, when it is an index, every file it lists."""
    _, body, _, _ = anon.request("GET", "/sitemap.xml")
    root = parse_xml("/sitemap.xml", body)
    if local(root.tag) != "sitemapindex":
        return root, []
    files = []
    for loc in root.iter():
        if local(loc.tag) == "loc":
            files.append(to_path(loc.text))
    return root, files


def local(tag):
    return tag.rsplit("}", 1)[-1]


def to_path(url):
    parts = urllib.parse.urlsplit((url or "").strip())
    return parts.path + (f"?{parts.query}" if parts.query else "")


def parse_xml(path, body):
    try:
        return ET.fromstring(body)
    except ET.ParseError as error:
        raise BenchError(f"{path} is not well-formed XML: {error}") from error


def routes_at(args, site, anon, authed, owner, files):
    """Every route of the issue, with this size's page numbers."""
    n = site.posts
    site_last = last_page(n, PER_PAGE_SITE)
    # The API's totals, to find its last pages.
    def api_last(query):
        total = authed.json("GET", f"/api/v1/posts?per_page=1&{query}" if query else "/api/v1/posts?per_page=1")["total"]
        return last_page(total, PER_PAGE_API), total
    routes = [
        Route("/", "/", TARGET_PAGE),
        Route("/page/2/", "/page/2/", TARGET_PAGE),
        Route("/page/{last}/", f"/page/{site_last}/", TARGET_PAGE),
        Route("/{slug}/ oldest", f"/{site.oldest}/", TARGET_PAGE),
        Route("/{slug}/ newest", f"/{site.newest}/", TARGET_PAGE),
        Route("/tag/everything/", "/tag/everything/", TARGET_PAGE),
        Route("/tag/everything/page/{last}/", f"/tag/everything/page/{site_last}/", TARGET_PAGE),
        Route(f"/tag/{RARE_TAG.lower()}/ (rare)", f"/tag/{RARE_TAG.lower()}/", TARGET_PAGE),
        Route("/author/{slug}/", f"/author/{owner['slug']}/", TARGET_PAGE),
        Route("/author/{slug}/page/{last}/", f"/author/{owner['slug']}/page/{site_last}/", TARGET_PAGE),
        Route("/feed.xml", "/feed.xml", TARGET_PAGE),
        Route("/tag/everything/feed.xml", "/tag/everything/feed.xml", TARGET_PAGE),
        Route("/sitemap.xml", "/sitemap.xml", TARGET_SITEMAP, group="sitemap"),
    ]
    # The newest file is the partly filled one at every size: it keeps its
    # own label, so the growth rule compares full files with full files.
    for i, path in enumerate(files, 1):
        label = "sitemap file {last} (newest)" if i == len(files) and i > 1 else f"sitemap file {i}"
        routes.append(Route(label, path, TARGET_SITEMAP, group="sitemap-file"))
    for label, query in (
        ("", ""),
        ("status=published", "status=published"),
        ("tag=everything", "tag=everything"),
        ("author=ID", f"author={owner['id']}"),
    ):
        last, _ = api_last(query)
        amp = f"&{query}" if query else ""
        name = f" {label}" if label else ""
        routes.append(Route(f"API posts{name} first", f"/api/v1/posts?per_page={PER_PAGE_API}{amp}", TARGET_API, auth=True, group="api"))
        routes.append(Route(f"API posts{name} last", f"/api/v1/posts?per_page={PER_PAGE_API}&page={last}{amp}", TARGET_API, auth=True, group="api"))
    routes.append(Route(f"API posts q={RARE_WORD} (few)", f"/api/v1/posts?per_page={PER_PAGE_API}&q={RARE_WORD}", TARGET_SEARCH, auth=True, group="api"))
    routes.append(Route(f"API posts q={COMMON_WORD} (all)", f"/api/v1/posts?per_page={PER_PAGE_API}&q={COMMON_WORD}", TARGET_SEARCH, auth=True, group="api"))
    routes.append(Route("API tags", "/api/v1/tags", TARGET_API, group="api"))
    routes.append(Route("API authors", "/api/v1/authors", TARGET_API, group="api"))
    return routes, site_last


def drop_cache(authed, owner):
    """An edit of the owner's bio: auth announces AuthorChanged, on which the
    gateway drops every cached page (src/gateway/src/site.rs, PageCache::follow)."""
    bio = f"Bio {uuid.uuid4().hex[:12]}"
    authed.request("PATCH", f"/api/v1/users/{owner['id']}", {"bio": bio})
    return bio


def time_route(args, route, anon, authed, owner):
    client = authed if route.auth else anon
    colds, warms = [], []
    started = time.monotonic()
    for _ in range(args.samples):
        drop_cache(authed, owner)
        try:
            colds.append(client.request("GET", route.path)[3] * 1000)
            warms.append(client.request("GET", route.path)[3] * 1000)
        except BenchError as error:
            if error.status is None or error.status < 500:
                raise
            # A deadline passed inside the server (503): a figure in itself,
            # reported in the row rather than ending the run.
            return error.elapsed * 1000, None, len(colds) + 1, error.status
        if time.monotonic() - started > args.route_budget:
            break  # a very slow route: fewer samples rather than a run of hours
    return statistics.median(colds), statistics.median(warms), len(colds), None


def fmt_ms(ms):
    if ms is None:
        return "–"
    return f"{ms:,.1f}" if ms < 100 else f"{ms:,.0f}"


def check_sitemap(args, site, anon, files, root):
    """Every published post and page exactly once, the home page allowed, nothing else."""
    seen = {}
    sizes = []
    entity_count = 0
    roots = [("/sitemap.xml", root)] if not files else []
    for path in files:
        _, body, _, _ = anon.request("GET", path)
        entity_count += body.count(b"&#x2f;")
        roots.append((path, parse_xml(path, body)))
    if not files:
        _, body, _, _ = anon.request("GET", "/sitemap.xml")
        entity_count += body.count(b"&#x2f;")
    for path, r in roots:
        if local(r.tag) != "urlset":
            raise BenchError(f"{path}: a <{local(r.tag)}> where a <urlset> was expected")
        count = 0
        for loc in r.iter():
            if local(loc.tag) == "loc":
                p = to_path(loc.text)
                seen[p] = seen.get(p, 0) + 1
                count += 1
        sizes.append(count)
    expected = set(site.public)
    listed = set(seen)
    missing = expected - listed
    duplicates = [p for p, c in seen.items() if c > 1]
    extra = listed - expected - {"/"}
    ok = not missing and not duplicates and not extra
    kind = f"a sitemap index of {len(files)} files" if files else "a single <urlset> (not an index)"
    out(f"  sitemap: {kind}, {sum(sizes):,} URLs, largest file {max(sizes, default=0):,} URLs "
        f"({'≤' if max(sizes, default=0) <= 10000 else '>'} 10,000)")
    detail = []
    if missing:
        detail.append(f"{len(missing):,} published missing (e.g. {sorted(missing)[0]})")
    if duplicates:
        detail.append(f"{len(duplicates):,} listed more than once (e.g. {sorted(duplicates)[0]})")
    if extra:
        detail.append(f"{len(extra):,} not published (e.g. {sorted(extra)[0]})")
    out(f"  sitemap lists every published post and page ({len(expected):,}) exactly once and nothing else "
        f"(the home page allowed): {'OK' if ok else 'FAIL: ' + '; '.join(detail)}")
    files_ok = max(sizes, default=0) <= 10000 and bool(files)
    out(f"  sitemap is an index of files of at most 10,000 URLs: {'OK' if files_ok else 'FAIL'}")
    return ok, files_ok, entity_count


def check_xml_escaping(anon, entities_in_sitemap):
    counts = entities_in_sitemap
    for path in ("/feed.xml", "/tag/everything/feed.xml"):
        _, body, _, _ = anon.request("GET", path)
        parse_xml(path, body)
        counts += body.count(b"&#x2f;")
    ok = counts == 0
    out(f"  sitemaps and feeds escaped as XML (no HTML-style &#x2f;): {'OK' if ok else f'FAIL ({counts:,} &#x2f; in them)'}")
    return ok


def check_cache_drop(anon, authed, owner):
    """That the bio edit really drops cached pages: the author page, cached
    just before, must show the new bio."""
    path = f"/author/{owner['slug']}/"
    anon.request("GET", path)
    bio = drop_cache(authed, owner)
    _, body, _, _ = anon.request("GET", path)
    ok = bio.encode() in body
    out(f"  a bio edit drops cached pages (the author page shows the new bio at once): "
        f"{'OK' if ok else 'FAIL — the cold figures below may be warm ones'}")
    return ok


def data_size(args):
    du = subprocess.run(["du", "-sb", args.data_dir], capture_output=True, text=True, check=True)
    total = int(du.stdout.split()[0])
    size = f"{total / 1e6:,.1f} MB" if total >= 1e6 else f"{total:,} bytes"
    parts = [f"data directory {size} (du -sb)"]
    if args.pg_databases:
        sql = "select sum(pg_database_size(datname)) from pg_database where datname in (%s)" % ",".join(
            f"'{name}'" for name in args.pg_databases)
        pg = subprocess.run(["psql", args.pg_admin_url, "-tAc", sql], capture_output=True, text=True)
        if pg.returncode == 0 and pg.stdout.strip():
            parts.append(f"PostgreSQL databases {int(pg.stdout.strip()) / 1e6:,.1f} MB (pg_database_size)")
        else:
            parts.append(f"PostgreSQL size unknown ({pg.stderr.strip()})")
    return ", ".join(parts)


def analyze_without_autovacuum(args):
    """PostgreSQL's planner reads statistics that autovacuum gathers; a
    server with autovacuum off (CI's is) never has any, and plans a search
    for a word in every title as if it were rare (80 ms instead of 0.2 ms at
    100,000 posts). Where it is off, ANALYZE stands in for it, and says so."""
    if not args.pg_databases:
        return
    setting = subprocess.run(["psql", args.pg_admin_url, "-tAc", "show autovacuum"],
                             capture_output=True, text=True)
    if setting.stdout.strip() != "off":
        return
    for name in args.pg_databases:
        url = args.pg_admin_url.rsplit("/", 1)[0] + "/" + name
        subprocess.run(["psql", url, "-qtAc", "analyze"], capture_output=True, text=True, check=True)
    out("  this PostgreSQL server has autovacuum off: ran ANALYZE on the three databases, "
        "as autovacuum would have")


def measure(args, server, site, owner):
    analyze_without_autovacuum(args)
    anon = Client(args.port)
    authed = Client(args.port, args.token)
    checks = {}
    started = time.perf_counter()
    checks["cache drop"] = check_cache_drop(anon, authed, owner)
    root, files = sitemap_files(anon, args)
    routes, site_last = routes_at(args, site, anon, authed, owner, files)
    # The page numbers are computed from PER_PAGE_SITE: check the site agrees.
    anon.request("GET", f"/page/{site_last + 1}/", expect=(404, 503))
    results = {}
    out(f"  timings: median of {args.samples} (cold = right after a bio edit dropped the page cache; "
        f"warm = the same request again), ms, from this client")
    out(f"  {'route':<40} {'cold':>8} {'warm':>8} {'target':>7}  {'n':>2}  load  path")
    for route in routes:
        cold, warm, n, failed = time_route(args, route, anon, authed, owner)
        results[route.label] = (cold, warm, route)
        flag = "" if cold <= route.target else "  SLOW"
        if failed:
            flag = f"  HTTP {failed} after {cold:,.0f} ms (cold column)"
            checks.setdefault("every route answers", True)
            checks["every route answers"] = False
        path = route.path if len(route.path) <= 60 else route.path[:57] + "…"
        out(f"  {route.label:<40} {fmt_ms(cold):>8} {fmt_ms(warm):>8} {route.target:>7}  {n:>2}  {load():>4}  {path}{flag}")
    timed = time.perf_counter() - started
    checked = time.perf_counter()
    try:
        ok, files_ok, entities = check_sitemap(args, site, anon, files, root)
        checks["XML escaping"] = check_xml_escaping(anon, entities)
    except BenchError as error:
        if error.status is None or error.status < 500:
            raise
        # A deadline passed in the server: the sitemap could not be checked.
        out(f"  sitemap and feeds not checked: FAIL ({error})"[:300])
        ok = files_ok = False
        checks["XML escaping"] = False
    checks["sitemap contents"] = ok
    checks["sitemap files"] = files_ok
    # Warm-up over every route, then the server's memory.
    for route in routes:
        (authed if route.auth else anon).request("GET", route.path, expect=(200, 503))
    memory = server.memory()
    mem_ok = memory.get("VmRSS", 0) <= 200
    out(f"  server memory after a warm-up over every route: VmRSS {memory.get('VmRSS')} MB "
        f"(target ≤ 200 MB: {'OK' if mem_ok else 'FAIL'}), peak VmHWM {memory.get('VmHWM')} MB")
    checks["RSS"] = mem_ok
    out(f"  {data_size(args)}")
    out(f"  (timings took {timed:.0f} s, checks {time.perf_counter() - checked:.0f} s; load {loads()})")
    anon.close()
    authed.close()
    return results, checks


def durability(args, server, article_json):
    """kill -9 while 8 clients create: every create answered 201 must be there after a restart."""
    acknowledged = []
    lock = threading.Lock()
    stop = threading.Event()
    counter = [0]

    def worker():
        client = Poster(args.port, args.token)
        while not stop.is_set():
            with lock:
                counter[0] += 1
                n = counter[0]
            body = f'{{"title":"Crash probe {n}","markdown":{article_json}}}'.encode()
            try:
                _, payload, _, _ = client.request("POST", "/api/v1/posts", body, expect=(201,), retry=False)
            except BenchError:
                return  # the server is gone: this write was never acknowledged
            with lock:
                acknowledged.append(json.loads(payload)["id"])

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(args.clients)]
    for t in threads:
        t.start()
    time.sleep(2)
    server.kill9()
    stop.set()
    for t in threads:
        t.join(timeout=30)
    server.start()
    authed = Client(args.port, args.token)
    lost = [i for i in acknowledged if authed.request("GET", f"/api/v1/posts/{i}", expect=(200, 404))[0] != 200]
    authed.close()
    ok = bool(acknowledged) and not lost
    out(f"  kill -9 during creates with {args.clients} clients: {len(acknowledged):,} acknowledged, "
        f"{len(lost):,} lost after the restart: {'OK' if ok else 'FAIL'}")
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bin", required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token", default=os.environ.get("FOLIO_SCALE_TOKEN"))
    parser.add_argument("--article", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--pid-file", required=True)
    parser.add_argument("--store", default="SQLite")
    parser.add_argument("--pg-admin-url", default="")
    parser.add_argument("--pg-databases", nargs="*", default=[])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--samples", type=int, default=5)
    parser.add_argument("--route-budget", type=float, default=30, help="seconds of sampling per route before taking fewer samples")
    parser.add_argument("--no-kill-check", action="store_true")
    parser.add_argument("sizes", type=int, nargs="+")
    args = parser.parse_args()
    if args.sizes != sorted(set(args.sizes)) or args.sizes[0] < 2:
        raise BenchError(f"sizes must grow and be at least 2: {args.sizes}")
    if not args.token:
        raise BenchError("no API token (FOLIO_SCALE_TOKEN)")
    with open(args.article) as f:
        article_json = json.dumps(f.read())

    version = subprocess.run([args.bin, "--version"], capture_output=True, text=True).stdout.strip()
    out(f"Folio scale benchmark — {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}")
    out(f"binary {args.bin} ({version}, built {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(os.path.getmtime(args.bin)))}); "
        f"stores on {args.store}; {os.cpu_count()} cores; load {loads()}")
    out(f"sizes {', '.join(f'{s:,}' for s in args.sizes)} published posts (fixture article, tags Everything + 1 of 50), "
        f"plus a page and a draft per {EXTRA_EVERY:,} posts; {args.clients} clients")
    server = Server(args)
    all_results = {}
    all_checks = {}
    rates = {}
    run_started = time.perf_counter()
    try:
        server.start()
        authed = Client(args.port, args.token)
        users = authed.json("GET", "/api/v1/users")
        owner = next(u for u in users if u["role"] == "owner")
        authed.close()
        site = Site()
        for size in args.sizes:
            out()
            out(f"== {size:,} posts ==")
            phase = time.perf_counter()
            rates[size] = grow(args, server, site, article_json, size)
            out(f"  (growth took {time.perf_counter() - phase:.0f} s)")
            all_results[size], all_checks[size] = measure(args, server, site, owner)
        if not args.no_kill_check:
            out()
            out("== durability ==")
            all_checks["durability"] = {"kill -9": durability(args, server, article_json)}
    except BenchError as error:
        out()
        out(f"FAILED: {error}")
        server.stop()
        return 2
    finally:
        server.stop()

    summary(args, all_results, all_checks, rates)
    out(f"(whole run {time.perf_counter() - run_started:.0f} s; load {loads()})")
    return 0 if all(all(c.values()) for c in all_checks.values()) else 1


def summary(args, all_results, all_checks, rates):
    sizes = args.sizes
    first, last = sizes[0], sizes[-1]
    out()
    out(f"== summary ({args.store}) ==")
    header = f"{'route':<40} {'target':>6}"
    for s in sizes:
        header += f" {'cold ' + short(s):>11} {'warm ' + short(s):>11}"
    if len(sizes) > 1:
        header += f" {'growth':>7}"
    out(header)
    labels = list(all_results[last].keys())
    for label in all_results[first]:
        if label not in labels:
            labels.append(label)
    within = total = 0
    for label in labels:
        row = None
        line = ""
        for s in sizes:
            got = all_results[s].get(label)
            if got:
                row = got[2]
                line += f" {fmt_ms(got[0]):>11} {fmt_ms(got[1]):>11}"
            else:
                line += f" {'–':>11} {'–':>11}"
        notes = []
        colds = [all_results[s][label][0] for s in sizes if label in all_results[s]]
        if any(c > row.target for c in colds):
            notes.append("over target")
        if len(sizes) > 1:
            a, b = all_results[first].get(label), all_results[last].get(label)
            if a and b and a[0] > 0:
                ratio = b[0] / a[0]
                line += f" {ratio:>6.1f}×"
                if ratio > 2:
                    notes.append("more than doubles")
            else:
                line += f" {'–':>7}"
        total += 1
        within += not notes
        out(f"{label:<40} {row.target:>6}{line}  {', '.join(notes)}")
    out(f"routes within target{' and the growth rule' if len(sizes) > 1 else ''}: {within} of {total}")
    out("creates/s with %d clients: %s (target ≥ 1,000)" % (args.clients, ", ".join(f"{short(s)}: {r:,.0f}" for s, r in rates.items())))
    for key, checks in all_checks.items():
        name = short(key) if isinstance(key, int) else key
        out(f"checks at {name}: " + ", ".join(f"{k} {'OK' if v else 'FAIL'}" for k, v in checks.items()))


def short(size):
    return f"{size // 1000}k" if size % 1000 == 0 else f"{size:,}"


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as error:
        print(f"FAILED: {error}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
