#!/usr/bin/env python3
"""How fast do executions exports stream? (issue 15, item 6)

One `batchcall serve` (SQLite). A batch of --rows contacts (E.164 check only,
so the upload is quick) is uploaded and left unstarted; then, --runs times
each, the whole executions list is read as CSV (`?format=csv`) and as JSON,
timing the first byte and the whole body. The baseline, measured in the same
run on the same database file: the `sqlite3` command-line tool writing the
same rows as CSV and as JSON (`-csv`, `-json`). Prints rows/s, time to first
byte and each figure's ratio to the baseline. The exports are read by curl when
it is installed (--client python for http.client). Targets: >= 1M rows/s as CSV,
>= 300k rows/s as JSON, first byte < 50 ms.

    cmake --preset release -DBATCHCALL_BUILD_TESTS=OFF -DBATCHCALL_BUILD_BENCH=ON
    cmake --build --preset release --target batchcall
    BATCHCALL_BIN=build/release/batchcall python3 bench/export_bench.py [--rows 200000] [--runs 3]

Loopback only; bounded by --rows and --timeout.
"""
import argparse
import http.client
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "test", "integration"))
from harness import Server  # noqa: E402

# The columns the CSV export writes, from the stored rows (the baseline query).
BASELINE_SQL = (
    "SELECT contact_number, variables, status, attempt_count, conversation_duration, "
    "answered_by_voice_mail, error_message, created_at, updated_at, id FROM executions")


def read_export_curl(port, key, path, timeout):
    """read_export through curl: a C client, so that the figure is the
    server's rate and not Python's chunked decoding (which read 200k JSON rows
    at ~270k rows/s while curl took the same body at ~330k)."""
    out = subprocess.run(
        ["curl", "-sS", "-o", "/dev/null", "--max-time", str(timeout), "-H", "Authorization: Bearer " + key,
         "-w", "%{http_code} %{time_total} %{size_download} %{time_pretransfer}",
         "http://127.0.0.1:%d%s" % (port, path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout + 5)
    code, total, size, pre = out.stdout.decode().split()
    if out.returncode != 0 or code != "200":
        raise RuntimeError("%s: curl %d, HTTP %s %s" % (path, out.returncode, code, out.stderr[:200]))
    # curl's first byte is the status line's, sent before the body is read from
    # the store: the first body byte is timed by a read of its own.
    # From the request sent (pretransfer) on: curl's own start-up is not the server's.
    return first_body_byte(port, key, path, timeout), float(total) - float(pre), int(size)


def first_body_byte(port, key, path, timeout):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    start = time.perf_counter()
    conn.request("GET", path, headers={"Authorization": "Bearer " + key})
    r = conn.getresponse()
    r.read(1)
    ttfb = time.perf_counter() - start
    conn.close()
    return ttfb


def read_export(port, key, path, timeout):
    """(seconds to the first body byte, seconds to the end, bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    start = time.perf_counter()
    conn.request("GET", path, headers={"Authorization": "Bearer " + key})
    r = conn.getresponse()
    if r.status != 200:
        raise RuntimeError("%s: HTTP %d %s" % (path, r.status, r.read()[:200]))
    first = r.read(1)
    ttfb = time.perf_counter() - start
    size = len(first)
    while True:
        chunk = r.read(1 << 20)
        if not chunk:
            break
        size += len(chunk)
    total = time.perf_counter() - start
    conn.close()
    return ttfb, total, size


def baseline(db_path, mode, timeout):
    start = time.perf_counter()
    out = subprocess.run(["sqlite3", "-readonly", mode, db_path, BASELINE_SQL],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError("sqlite3: " + out.stderr.decode()[:200])
    return time.perf_counter() - start, len(out.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--client", choices=("curl", "python"), default="curl" if shutil.which("curl") else "python",
                    help="what reads the exports (default curl when installed)")
    args = ap.parse_args()
    reader = read_export_curl if args.client == "curl" else read_export
    if not shutil.which("sqlite3"):
        sys.exit("export_bench: needs the sqlite3 command-line tool (Debian package sqlite3)")

    s = Server(extra_args=["--max-rows", str(max(args.rows, 1_000_000))]).start()
    try:
        agent = s.demo_agent_id()
        rows = "".join("+1415%07d,name%d,city%d\n" % (i, i, i % 97) for i in range(args.rows))
        content = ("contact_number,name,city\n" + rows).encode()
        t0 = time.perf_counter()
        r = s.upload(agent, content, fields=[("phone_validation", "e164")], timeout=args.timeout)
        if r.status != 201:
            sys.exit("upload failed: %d %s" % (r.status, r.body[:300]))
        batch = r.json()["batch_id"]
        print("uploaded %d rows in %.2f s; exports read by %s" % (args.rows, time.perf_counter() - t0, args.client))
        db_path = s.db[len("sqlite:"):]

        results = {}
        for _ in range(args.runs):
            for name, path in (("csv", "/batches/%s/executions?format=csv" % batch),
                               ("json", "/batches/%s/executions" % batch)):
                results.setdefault(name, []).append(reader(s.port, s.api_key, path, args.timeout))
            for name, mode in (("sqlite3 -csv", "-csv"), ("sqlite3 -json", "-json")):
                results.setdefault(name, []).append(baseline(db_path, mode, args.timeout))

        def median(values):
            return statistics.median(values)

        base = {"csv": median([t for t, _ in results["sqlite3 -csv"]]),
                "json": median([t for t, _ in results["sqlite3 -json"]])}
        for name in ("csv", "json"):
            ttfb = median([x[0] for x in results[name]])
            total = median([x[1] for x in results[name]])
            size = results[name][-1][2]
            print("%-4s export : %8.3f s = %9.0f rows/s, %6.1f MB, first byte %6.1f ms; "
                  "%.2fx the time of sqlite3 %s (%.3f s)"
                  % (name, total, args.rows / total, size / 1e6, ttfb * 1000, total / base[name],
                     "-" + name, base[name]))
    finally:
        s.stop()
        s.cleanup()


if __name__ == "__main__":
    main()
