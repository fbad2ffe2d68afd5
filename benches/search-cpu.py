#!/usr/bin/env python3
"""Server CPU per fresh search query: a figure that other load on the machine
barely moves (unlike wrk's latencies), for comparing two builds of search.

    benches/search-cpu.py BIN DATA_DIR [N]      (N: 3000 queries by default)

Starts BIN on DATA_DIR (a site `benches/search.sh --keep` left, say) on a free
port, asks the search benchmark's queries at distinct pages 1-1,000 (none
answered from what search keeps), 4 at a time, and prints the server's CPU
time (user + system, from /proc) divided by the queries. Run the two builds
alternately on the same data, a few times each.
"""
import os
import random
import socket
import subprocess
import sys
import threading
import time
import urllib.request

QUERIES = ["photo", "harbour", "small%20blog", "quiet%20garden", "quokka", "50001", "cafe", "sailed",
           "quiet%20harb&prefix=true", "se&prefix=true", "zyxwvutsrq"]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    binary, data = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 3000
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([binary, "--listen", f"127.0.0.1:{port}", "--data-dir", data, "--log", "warn"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"

    def get(path):
        with urllib.request.urlopen(base + path, timeout=30) as response:
            return response.read()

    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                get("/healthz")
                break
            except OSError:
                if time.monotonic() > deadline:
                    sys.exit("search-cpu.py: the server did not start")
                time.sleep(0.1)
        time.sleep(3)  # the index's own check against posts at start
        pairs = [(q, page) for q in QUERIES for page in range(1, 1001)]
        random.Random(7).shuffle(pairs)
        warm, measured = pairs[:300], pairs[300:300 + n]

        def run(items, threads=4):
            left = iter(items)
            lock = threading.Lock()

            def worker():
                while True:
                    with lock:
                        item = next(left, None)
                    if item is None:
                        return
                    get(f"/api/v1/search?q={item[0]}&page={item[1]}")
            workers = [threading.Thread(target=worker) for _ in range(threads)]
            for w in workers:
                w.start()
            for w in workers:
                w.join()

        def cpu():
            fields = open(f"/proc/{server.pid}/stat").read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

        run(warm)
        cpu_before, started = cpu(), time.monotonic()
        run(measured)
        cpu_after, ended = cpu(), time.monotonic()
        print(f"{len(measured)} fresh queries: server CPU {1000 * (cpu_after - cpu_before) / len(measured):.3f} ms "
              f"a query; {ended - started:.1f} s")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
