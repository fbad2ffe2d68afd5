#!/usr/bin/env python3
"""A hostile-input run against a running Folio: malformed, oversized, truncated,
slow and look-alike requests on every route. Prints what each got and fails
when any request hangs, any answer is a 5xx, or anything is left behind.

    benches/hostile.sh                       # builds the release binary, runs this against it
    benches/hostile.py URL TOKEN DATA_DIR    # against a server you started

Stdlib only: raw sockets, so bodies can stop half-way or never close.
"""

import json
import os
import socket
import sys
import time
import urllib.parse

URL, TOKEN, DATA_DIR = sys.argv[1], sys.argv[2], sys.argv[3]
HOST, PORT = urllib.parse.urlsplit(URL).hostname, urllib.parse.urlsplit(URL).port
HANG = 15.0  # seconds without an answer that count as a hang

results = []  # (name, status or None, seconds)
# Accepted creations: what the counts may grow by. Everything refused must leave nothing.
created = {"/api/v1/posts": 0, "/api/v1/media": 0}


def raw(name, data, read_timeout=HANG, send_pause=None, tail=b""):
    """Sends `data` (then, after `send_pause` seconds, `tail`), returns the status."""
    started = time.monotonic()
    status = None
    try:
        with socket.create_connection((HOST, PORT), timeout=5) as sock:
            sock.sendall(data)
            if send_pause is not None:
                time.sleep(send_pause)
                try:
                    sock.sendall(tail)
                except OSError:
                    pass
            sock.settimeout(read_timeout)
            answer = b""
            while b"\r\n" not in answer:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                answer += chunk
            if answer.startswith(b"HTTP/1."):
                status = int(answer.split(b" ", 2)[1])
            elif answer == b"":
                status = "closed"
    except socket.timeout:
        status = None
    except ConnectionResetError:
        status = "reset"
    results.append((name, status, time.monotonic() - started))
    return status


def request(name, method, path, body=b"", headers=None, auth=True, **kwargs):
    headers = dict(headers or {})
    if auth:
        headers.setdefault("Authorization", f"Bearer {TOKEN}")
    if isinstance(body, str):
        body = body.encode()
    headers.setdefault("Content-Length", str(len(body)))
    head = f"{method} {path} HTTP/1.1\r\nHost: {HOST}:{PORT}\r\nConnection: close\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    data = head.encode("latin-1", "replace") + b"\r\n" + body
    status = raw(name, data, **kwargs)
    if method == "POST" and status == 201 and path in created:
        created[path] += 1
    return status


def json_post(name, path, body, method="POST"):
    return request(name, method, path, body, {"Content-Type": "application/json"})


def count(path):
    """The `total` (or list length) an authenticated GET answers."""
    import urllib.request

    req = urllib.request.Request(URL + path, headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(req, timeout=10) as answer:
        body = json.load(answer)
    if isinstance(body, dict):
        return body.get("total", len(body.get("items", [])))
    return len(body)


posts_before, media_before = count("/api/v1/posts?per_page=1"), count("/api/v1/media?per_page=1")

# --- JSON bodies: malformed, wrong types, oversized, deep ---------------------
bodies = {
    "empty": "",
    "not json": "hello",
    "truncated": '{"title": "x", "markdown": "y"',
    "array": "[]",
    "null": "null",
    "number title": '{"title": 5, "markdown": "x"}',
    "unknown field": '{"title": "x", "markdown": "y", "evil": true}',
    "deep": "[" * 100_000 + "]" * 100_000,
    "huge string": json.dumps({"title": "x" * 3_000_000, "markdown": "y"}),
    "nul": '{"title": "a\\u0000b", "markdown": "y"}',
    "lone surrogate": '{"title": "\\ud800", "markdown": "y"}',
    "bad utf8": b'{"title": "\xff\xfe", "markdown": "y"}',
    "slug traversal": '{"title": "x", "slug": "../../etc/passwd", "markdown": "y"}',
    "slug reserved": '{"title": "x", "slug": "api", "markdown": "y"}',
    "slug unicode": '{"title": "x", "slug": "ｓｌｕｇ", "markdown": "y"}',
    "status bogus": '{"title": "x", "markdown": "y", "status": "live"}',
    "publish_at bogus": '{"title": "x", "markdown": "y", "status": "scheduled", "publish_at": "tomorrow"}',
    "publish_at year 99999": '{"title": "x", "markdown": "y", "status": "scheduled", "publish_at": "99999-01-01T00:00:00Z"}',
    "tags not list": '{"title": "x", "markdown": "y", "tags": "a"}',
    "many tags": json.dumps({"title": "x", "markdown": "y", "tags": [f"t{i}" for i in range(5000)]}),
    "long tag": json.dumps({"title": "x", "markdown": "y", "tags": ["t" * 10_000]}),
    "feature image bogus": '{"title": "x", "markdown": "y", "feature_image": "javascript:alert(1)"}',
    "type bogus": '{"title": "x", "markdown": "y", "type": "widget"}',
    "nesting markdown": json.dumps({"title": "x", "markdown": ">" * 50_000}),
    "list nesting": json.dumps({"title": "x", "markdown": "".join("  " * i + "- a\n" for i in range(500))}),
}
for name, body in bodies.items():
    for path in ["/api/v1/posts", "/api/v1/render", "/api/v1/session", "/api/v1/users", "/api/v1/tokens"]:
        json_post(f"{name} → POST {path}", path, body)
    json_post(f"{name} → PATCH post", "/api/v1/posts/00000000-0000-0000-0000-000000000000", body, "PATCH")
json_post("wrong content type", "/api/v1/posts", '{"title": "x", "markdown": "y"}')
request("text/plain body", "POST", "/api/v1/posts", '{"title":"x","markdown":"y"}', {"Content-Type": "text/plain"})

# --- Paths: ids, traversal, encodings ------------------------------------------
paths = [
    "/api/v1/posts/not-a-uuid", "/api/v1/posts/%00", "/api/v1/posts/" + "9" * 5000,
    "/api/v1/posts?page=-1", "/api/v1/posts?page=99999999999999999999", "/api/v1/posts?per_page=0",
    "/api/v1/posts?per_page=100000", "/api/v1/posts?status=bogus", "/api/v1/posts?q=%ff%fe",
    "/api/v1/posts?tag=" + "a" * 10_000, "/api/v1/media?owner=x", "/api/v1/tags?x=%zz",
    "/page/0/", "/page/-1/", "/page/99999999999999999999/", "/page/abc/", "/tag/%2e%2e/",
    "/tag/%ff/", "/author/%00/", "/%2e%2e/%2e%2e/etc/passwd", "/static/../Cargo.toml",
    "/static/%2e%2e/Cargo.toml", "/static/admin/../../src/main.rs", "/media/../../media.db",
    "/media/00000000-0000-0000-0000-000000000000/v1/640.jpg",
    "/media/00000000-0000-0000-0000-000000000000/v0/640.jpg",
    "/media/00000000-0000-0000-0000-000000000000/v99999999999999999999/640.jpg",
    "/media/x/v1/original", "/media/00000000-0000-0000-0000-000000000000/v1/..%2f..%2fmedia.db",
    "/" + "a" * 8000 + "/", "/sitemap.xml?x=" + "%" * 100, "/feed.xml/", "/robots.txt/../",
    "/setup/" + "x" * 500, "/setup/%00", "/api/v1/admin/stats/bogus", "/api/v1/users/%ff",
]
for path in paths:
    for auth in (True, False):
        request(f"GET {path[:60]} auth={auth}", "GET", path, auth=auth)

# --- Headers: forged, oversized, conflicting -------------------------------------
request("huge header", "GET", "/", headers={"X-Big": "a" * 40_000}, auth=False)
request("many headers", "GET", "/", headers={f"X-H{i}": "v" for i in range(300)}, auth=False)
request("bad bearer", "GET", "/api/v1/me", headers={"Authorization": "Bearer " + "x" * 5000}, auth=False)
request("basic auth", "GET", "/api/v1/me", headers={"Authorization": "Basic Zm9vOmJhcg=="}, auth=False)
request("cookie junk", "GET", "/api/v1/me", headers={"Cookie": "folio_session=" + "%" * 3000}, auth=False)
request("forged forwarded", "POST", "/api/v1/session", '{"email":"a@b.c","password":"x"}',
        {"Content-Type": "application/json", "X-Forwarded-For": "1.2.3.4, 5.6.7.8", "Forwarded": "for=evil"}, auth=False)
request("if-none-match junk", "GET", "/", headers={"If-None-Match": '"' * 5000}, auth=False)
request("range junk", "GET", "/static/site.css", headers={"Range": "bytes=999999999-1"}, auth=False)
request("range many", "GET", "/static/site.css", headers={"Range": "bytes=" + ",".join(f"{i}-{i}" for i in range(2000))}, auth=False)
request("content-length lies short", "POST", "/api/v1/posts", '{"title":"x","markdown":"y"}',
        {"Content-Type": "application/json", "Content-Length": "5"})
request("content-length negative", "POST", "/api/v1/posts", "{}", {"Content-Type": "application/json", "Content-Length": "-1"})
request("content-length huge", "POST", "/api/v1/posts", "{}", {"Content-Type": "application/json", "Content-Length": "99999999999999"}, read_timeout=40)
request("two content-lengths", "POST", "/api/v1/posts", "{}", {"Content-Type": "application/json", "Content-Length": "2", "content-length": "3"})
raw("not http", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + os.urandom(200))
raw("bad method", b"BREW / HTTP/1.1\r\nHost: x\r\n\r\n")
raw("http/0.9", b"GET /\r\n\r\n")
raw("bad chunked", b"POST /api/v1/render HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nzz\r\n")

# --- Multipart uploads: truncated, malformed, hostile images --------------------
B = "folioboundary"


def multipart(name, parts_bytes, close=True, extra=b"", headers=None):
    body = parts_bytes + (f"--{B}--\r\n".encode() if close else b"") + extra
    return request(name, "POST", "/api/v1/media", body,
                   {"Content-Type": f"multipart/form-data; boundary={B}", **(headers or {})})


def part(field, data, filename=None, ctype="application/octet-stream"):
    disp = f'form-data; name="{field}"' + (f'; filename="{filename}"' if filename else "")
    return f"--{B}\r\nContent-Disposition: {disp}\r\nContent-Type: {ctype}\r\n\r\n".encode() + data + b"\r\n"


png1 = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                     "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")
gif_bomb = (b"GIF89a\x0a\x00\x0a\x00\x00\x00\x00" + b"\x2c\x00\x00\x00\x00\x30\x75\x30\x75\x00" + b"\x02\x02\x44\x01\x00\x3b")
multipart("truncated, trailing CRLF", part("file", png1, "a.png")[:-2] + b"\r\n", close=False)
multipart("truncated, no CRLF", part("file", png1, "a.png")[:-2], close=False)
multipart("no parts", b"")
multipart("no file part", part("alt", b"hello"))
multipart("empty file", part("file", b"", "a.png"))
multipart("text file", part("file", b"hello world", "a.txt"))
multipart("html as image", part("file", b"<html><script>alert(1)</script>", "a.png", "image/png"))
multipart("svg", part("file", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "a.svg", "image/svg+xml"))
multipart("truncated png", part("file", png1[:40], "a.png"))
multipart("png 100000x100000", part("file", png1[:16] + (100000).to_bytes(4, "big") * 2 + png1[24:], "a.png"))
multipart("gif frame bigger than screen", part("file", gif_bomb, "a.gif"))
multipart("two file parts", part("file", png1, "a.png") + part("file", png1, "b.png"))
multipart("alt huge", part("file", png1, "a.png") + part("alt", b"a" * 2_000_000))
multipart("filename traversal", part("file", png1, "../../../../etc/passwd"))
multipart("filename nul", part("file", png1, "a\x00.png"))
multipart("boundary missing", part("file", png1, "a.png"), headers={"Content-Type": "multipart/form-data"})
multipart("header flood", f"--{B}\r\n".encode() + b"".join(f"X-H{i}: v\r\n".encode() for i in range(10000)) + b"\r\n\r\n")
multipart("unknown field", part("evil", b"1") + part("file", png1, "a.png"))
request("slow body: stops half-way", "POST", "/api/v1/media", part("file", png1, "a.png"),
        {"Content-Type": f"multipart/form-data; boundary={B}", "Content-Length": "100000"}, read_timeout=60)
request("slow JSON: stops half-way", "POST", "/api/v1/posts", '{"title": "x",',
        {"Content-Type": "application/json", "Content-Length": "1000"}, read_timeout=60)
raw("chunked upload that stalls",
    f"POST /api/v1/media HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n"
    f"Content-Type: multipart/form-data; boundary={B}\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
    + b"10\r\n" + part("file", png1, "a.png")[:16] + b"\r\n", read_timeout=60)

# --- Media edits with hostile operations ----------------------------------------
for ops in ['{"operations": [{"rotate": 45}]}', '{"operations": [{"crop": {"x": -1, "y": 0, "width": 1, "height": 1}}]}',
            '{"operations": [{"crop": {"x": 0, "y": 0, "width": 4294967295, "height": 4294967295}}]}',
            '{"operations": ' + json.dumps([{"rotate": 90}] * 10000) + "}", '{"operations": "flip"}']:
    json_post(f"edit {ops[:50]}", "/api/v1/media/00000000-0000-0000-0000-000000000000/edit", ops)

# --- Report ------------------------------------------------------------------------
hangs = [r for r in results if r[1] is None]
errors = [r for r in results if isinstance(r[1], int) and r[1] >= 500]
statuses = {}
for _, status, _ in results:
    statuses[status] = statuses.get(status, 0) + 1
for name, status, seconds in results:
    print(f"{status!s:>7} {seconds:6.2f}s  {name[:110]}")
print(f"\n{len(results)} inputs; statuses {dict(sorted(statuses.items(), key=str))}")

posts_after, media_after = count("/api/v1/posts?per_page=1"), count("/api/v1/media?per_page=1")
left = []
print(f"accepted creations: {created}")
if posts_after != posts_before + created["/api/v1/posts"]:
    left.append(f"posts {posts_before} → {posts_after} with {created['/api/v1/posts']} accepted")
if media_after != media_before + created["/api/v1/media"]:
    left.append(f"media {media_before} → {media_after} with {created['/api/v1/media']} accepted")
uploads = os.path.join(DATA_DIR, "uploads")
if os.path.isdir(uploads) and os.listdir(uploads):
    left.append(f"temp uploads left: {os.listdir(uploads)}")
print(f"hangs: {len(hangs)}; 5xx: {len(errors)}; left behind: {left or 'nothing'}")
for name, status, seconds in hangs + errors:
    print(f"  ✗ {status} after {seconds:.1f}s: {name}")
sys.exit(1 if hangs or errors or left else 0)
