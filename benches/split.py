#!/usr/bin/env python3
"""The split benchmark of issue 13: one site as one process against the same
site split over NATS, on this machine, release build.

  benches/split.py [--seconds 10] [--uploads 12]

  FOLIO_BIN=path     the binary (default: cargo build --release, ./target/release/folio)
  FOLIO_PHOTO=path   the 12 MP reference photo (default: made by ../shared/fixtures/make-photo.sh)

Prints, for one process and for the split (gateway, auth, posts, render in one
process; media in another; a nats-server -js of its own on a free port; SQLite):
  - the latency of a call that crosses to media (GET /api/v1/media/{id}, one
    client, keep-alive, 2,000 requests): p50 and p99, and their difference,
    the added NATS hop;
  - requests/s of that API read, wrk -t2 -c16;
  - 12 MP uploads per minute, two clients, with one media process and with
    two, each media process pinned to a core of its own (taskset).
Needs nats-server, wrk and taskset.
"""
import argparse
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECRET = "split-benchmark-secret-0123456789abcdef0123"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(port, limit=30):
    deadline = time.time() + limit
    while time.time() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    sys.exit(f"split.py: nothing answers on port {port}")


class Site:
    """A data directory with an owner and a token, and the processes serving it."""

    def __init__(self, binary, work, name):
        self.bin, self.dir, self.procs = binary, os.path.join(work, name), {}
        subprocess.run([binary, "user", "add", "--data-dir", self.dir, "--email", "b@example.com",
                        "--name", "Bench", "--role", "owner", "--password-stdin"],
                       input=b"bench password", check=True, capture_output=True)
        self.token = subprocess.run([binary, "token", "add", "--data-dir", self.dir, "--email",
                                     "b@example.com", "--name", "bench", "--scope", "write"],
                                    check=True, capture_output=True, text=True).stdout.strip()

    def start(self, parts=None, nats=None, core=None):
        port = free_port()
        cmd = [self.bin, "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", self.dir,
               "--log", "warn"]
        if parts:
            cmd += ["--concerns", parts, "--nats", nats]
        if core is not None:
            cmd = ["taskset", "-c", str(core)] + cmd
        env = {"PATH": os.environ["PATH"], "FOLIO_SECRET_KEY": SECRET}
        self.procs[port] = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL)
        wait_healthy(port)
        return port

    def stop(self, port=None):
        """Stops the process listening on `port`, or every one."""
        for p in [port] if port else list(self.procs):
            proc = self.procs.pop(p)
            proc.terminate()
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()


def upload(port, token, path):
    boundary = "folio-bench-boundary"
    with open(path, "rb") as f:
        data = f.read()
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p.jpg\"\r\n"
            f"Content-Type: image/jpeg\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    c.request("POST", "/api/v1/media", body, {"Authorization": f"Bearer {token}",
                                               "Content-Type": f"multipart/form-data; boundary={boundary}"})
    r = c.getresponse()
    text = r.read()
    if r.status != 201:
        sys.exit(f"split.py: upload answered {r.status}: {text[:200]!r}")
    return json.loads(text)["id"]


def latencies(port, token, path, n=2000):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    out = []
    for _ in range(n):
        t = time.perf_counter()
        c.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        r = c.getresponse()
        r.read()
        if r.status != 200:
            sys.exit(f"split.py: {path} answered {r.status}")
        out.append((time.perf_counter() - t) * 1000)
    out.sort()
    return out[len(out) // 2], out[int(len(out) * 0.99)]


def wrk(port, token, path, seconds):
    res = subprocess.run(["wrk", "-t2", "-c16", f"-d{seconds}s", "-H", f"Authorization: Bearer {token}",
                          f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True)
    m = re.search(r"Requests/sec:\s+([\d.]+)", res.stdout)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", res.stdout)
    return float(m.group(1)), int(errors.group(1)) if errors else 0


def uploads_per_minute(port, token, photos):
    """Two clients upload `photos` (distinct bytes) between them."""
    queue = list(photos)
    lock = threading.Lock()

    def client():
        while True:
            with lock:
                if not queue:
                    return
                path = queue.pop()
            upload(port, token, path)

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(photos) / (time.perf_counter() - started) * 60


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--uploads", type=int, default=12)
    args = ap.parse_args()
    for tool in ("nats-server", "wrk", "taskset"):
        if not shutil.which(tool):
            sys.exit(f"split.py: {tool} is needed")
    binary = os.environ.get("FOLIO_BIN")
    if not binary:
        subprocess.run(["cargo", "build", "--release", "--bin", "folio"], cwd=ROOT, check=True)
        binary = os.path.join(ROOT, "target", "release", "folio")
    work = tempfile.mkdtemp(prefix="folio-split-")
    photo = os.environ.get("FOLIO_PHOTO") or os.path.join(work, "photo.jpg")
    if not os.path.exists(photo):
        subprocess.run([os.path.join(ROOT, "..", "shared", "fixtures", "make-photo.sh"), photo], check=True)
    photos = []
    for i in range(args.uploads + 1):
        path = os.path.join(work, f"photo-{i}.jpg")
        shutil.copyfile(photo, path)
        with open(path, "ab") as f:
            f.write(f"distinct-{i}".encode())
        photos.append(path)

    nats_port = free_port()
    nats = subprocess.Popen(["nats-server", "-a", "127.0.0.1", "-p", str(nats_port), "-js", "-sd",
                             os.path.join(work, "nats")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    nats_url = f"nats://127.0.0.1:{nats_port}"
    time.sleep(0.5)
    print(f"== split benchmark, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}")
    sites = []
    try:
        one = Site(binary, work, "one")
        sites.append(one)
        port = one.start()
        mid = upload(port, one.token, photos[0])
        path = f"/api/v1/media/{mid}"
        single_lat = latencies(port, one.token, path)
        single_rps = wrk(port, one.token, path, args.seconds)
        one.stop()

        split = Site(binary, work, "split")
        sites.append(split)
        gport = split.start("gateway,auth,posts,render", nats_url)
        media = split.start("media", nats_url)
        mid = upload(gport, split.token, photos[0])
        path = f"/api/v1/media/{mid}"
        split_lat = latencies(gport, split.token, path)
        split_rps = wrk(gport, split.token, path, args.seconds)
        print(f"GET /api/v1/media/{{id}} (gateway → media), one client, 2,000 requests:")
        print(f"  one process: p50 {single_lat[0]:.3f} ms, p99 {single_lat[1]:.3f} ms")
        print(f"  split:       p50 {split_lat[0]:.3f} ms, p99 {split_lat[1]:.3f} ms")
        print(f"  one NATS hop adds: p50 {split_lat[0] - single_lat[0]:.3f} ms, p99 {split_lat[1] - single_lat[1]:.3f} ms")
        print(f"same read, wrk -t2 -c16 -d{args.seconds}s:")
        print(f"  one process: {single_rps[0]:,.0f} req/s ({single_rps[1]} non-2xx)")
        print(f"  split:       {split_rps[0]:,.0f} req/s ({split_rps[1]} non-2xx)")

        # Uploads: media pinned to core 1, then a second replica on core 0.
        split.stop(media)
        split.start("media", nats_url, core=1)
        half = args.uploads // 2
        rate_one = uploads_per_minute(gport, split.token, photos[1:half + 1])
        split.start("media", nats_url, core=0)
        rate_two = uploads_per_minute(gport, split.token, photos[half + 1:2 * half + 1])
        print(f"12 MP uploads (distinct bytes), two clients, {half} per run:")
        print(f"  one media process (core 1):        {rate_one:.1f} uploads/min")
        print(f"  two media processes (cores 0, 1):  {rate_two:.1f} uploads/min")
        split.stop()
    finally:
        for site in sites:
            site.stop()
        nats.terminate()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
