#!/usr/bin/env python3
"""How fast is an upload, end to end? (issue 15, item 4)

For each size in --sizes: a fresh `batchcall serve` (SQLite, Release), one
strict POST /batches of a realistic contacts file of that many rows
(benchlib.mixed_contacts_csv: seven countries, formatted numbers, repeats,
mistakes), timed from the first byte sent to the 201. Prints the time, the
rate, the rate relative to the largest size (linear = 1.00) and the
server's peak RSS. Then, on the 1M-row file (or the largest one), the same
run's baselines: libphonenumber Parse+IsValidNumber alone (bench_ingest
--library-only) and the plain-Python pipeline (bench/python_pipeline.py),
with batchcall's time as a ratio of each.
Targets: 1M rows <= 3 s, <= 0.2x libphonenumber alone, >= 14x faster than
Python, peak RSS <= 200 MB, linear from 10k to 10M.

    cmake --preset release -DBATCHCALL_BUILD_BENCH=ON
    ninja -C build/release batchcall bench_ingest
    BATCHCALL_BIN=$PWD/build/release/batchcall python3 bench/upload_bench.py \\
        [--sizes 10000,100000,1000000] [--bench-ingest build/release/bench/bench_ingest] [--no-python]

--sizes 10000,100000,1000000,10000000 adds the 10M-row point (a 360 MB
file; the server is started with max_rows and max_upload_mb to match).
Loopback only; bounded in count and time.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "test", "integration"))
from harness import Server  # noqa: E402
from benchlib import mixed_contacts_csv  # noqa: E402


def upload(content, rows, timeout):
    env = {"BATCHCALL_LOG_LEVEL": "warn", "BATCHCALL_MAX_ROWS": str(max(rows, 1_000_000)),
           "BATCHCALL_MAX_UPLOAD_MB": str(max(100, len(content) // (1 << 20) + 16))}
    server = Server(env=env).start()
    try:
        agent = server.demo_agent_id()
        idle = server.vm_rss_kb() / 1024
        start = time.perf_counter()
        r = server.upload(agent, content, fields=[("phone_validation", "strict")], timeout=timeout)
        took = time.perf_counter() - start
        if r.status != 201:
            raise SystemExit("upload of %d rows: %d %s" % (rows, r.status, r.body[:300]))
        body = r.json()
        return took, idle, server.vm_hwm_kb() / 1024, body["valid_contacts"], body["invalid_contacts"]
    finally:
        server.stop()
        server.cleanup()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--bench-ingest", default=os.path.join(HERE, "..", "build", "release", "bench", "bench_ingest"))
    ap.add_argument("--no-python", action="store_true")
    ap.add_argument("--timeout", type=float, default=1200)
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    results = []
    with tempfile.TemporaryDirectory() as d:
        base = None
        for rows in sizes:
            content = mixed_contacts_csv(rows)
            took, idle, peak, valid, invalid = upload(content, rows, args.timeout)
            results.append((rows, took))
            print("%9d rows (%6.1f MB): %7.3f s  %8.0f rows/s  valid %d rejected %d  RSS idle %.1f MB, peak %.1f MB"
                  % (rows, len(content) / 1e6, took, rows / took, valid, invalid, idle, peak), flush=True)
            base_rows = 1_000_000 if 1_000_000 in sizes else max(sizes)
            if rows == base_rows:
                base = (rows, took, os.path.join(d, "contacts.csv"))
                with open(base[2], "wb") as f:
                    f.write(content)
            del content
        top_rows, top_took = results[-1]
        for rows, took in results:
            print("  %9d rows: rate / rate at %d rows = %.2f" % (rows, top_rows, (rows / took) / (top_rows / top_took)))
        rows, took, path = base
        if os.path.exists(args.bench_ingest):
            out = subprocess.run([args.bench_ingest, "--library-only", path], capture_output=True, text=True,
                                 timeout=args.timeout).stdout.split()
            lib = float(out[0])
            print("libphonenumber alone, %d rows: %.3f s; upload / that = %.3f (target <= 0.2)" % (rows, lib, took / lib))
        if not args.no_python:
            # Debian's python3-phonenumbers belongs to /usr/bin/python3.
            python = next((exe for exe in (sys.executable, "/usr/bin/python3")
                           if subprocess.run([exe, "-c", "import phonenumbers"], capture_output=True).returncode == 0),
                          None)
            if python is None:
                raise SystemExit("no Python with the phonenumbers package (apt-get install python3-phonenumbers)")
            out = subprocess.run([python, os.path.join(HERE, "python_pipeline.py"), path],
                                 capture_output=True, text=True, timeout=args.timeout).stdout.split()
            py = float(out[3])
            print("plain Python pipeline, %d rows: %.3f s (valid %s); Python / upload = %.1fx (target >= 14)"
                  % (rows, py, out[1], py / took))


if __name__ == "__main__":
    main()
