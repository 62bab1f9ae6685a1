#!/usr/bin/env python3
"""What does a server keep after big uploads? (issue 15, item 8)

One `batchcall serve` (SQLite). --uploads uploads of --rows rows each
(strict validation), one after the other. Prints the server's resident
memory before, after each upload, and its peak, and the WAL file's size.
Target: RSS after five 1M-row uploads <= 100 MB; the WAL bounded.

    cmake --preset release -DBATCHCALL_BUILD_TESTS=OFF -DBATCHCALL_BUILD_BENCH=ON
    cmake --build --preset release --target batchcall
    BATCHCALL_BIN=$PWD/build/release/batchcall python3 bench/upload_memory.py [--uploads 5] [--rows 1000000]

Loopback only; bounded in count and time.
"""
import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "test", "integration"))
from harness import Server  # noqa: E402
from benchlib import contacts_csv  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--uploads", type=int, default=5)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--timeout", type=float, default=600)
    args = ap.parse_args()

    server = Server(env={"BATCHCALL_LOG_LEVEL": "warn"}).start()
    try:
        body = contacts_csv(args.rows)
        agent = server.demo_agent_id()
        wal = os.path.join(server.dir, "batchcall.db-wal")
        print("idle: RSS %.1f MB" % (server.vm_rss_kb() / 1024))
        for i in range(args.uploads):
            start = time.perf_counter()
            r = server.upload(agent, body, timeout=args.timeout)
            took = time.perf_counter() - start
            print("upload %d of %d rows: %d in %.1f s; RSS %.1f MB; WAL %.1f MB" %
                  (i + 1, args.rows, r.status, took, server.vm_rss_kb() / 1024,
                   (os.path.getsize(wal) if os.path.exists(wal) else 0) / 1e6))
        print("peak RSS %.1f MB" % (server.vm_hwm_kb() / 1024))
    finally:
        server.stop()
        server.cleanup()


if __name__ == "__main__":
    main()
