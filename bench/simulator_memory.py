#!/usr/bin/env python3
"""Does a server keep state for every simulated call? (issue 15, item 8)

One `batchcall serve` (SQLite, the simulator's record file in its data
directory). A --contacts batch on an unpaced simulator agent: the server's
resident memory once the first 10,000 calls are done and once the batch is
done (target: within 50 MB), the record's and its index's sizes. Then the
server is restarted on the same data and a 10-contact batch is run: the time
from the restart to that batch's end, and the peak RSS of the restarted
server (before: the whole record was read back into memory first).

    cmake --preset release -DBATCHCALL_BUILD_TESTS=OFF -DBATCHCALL_BUILD_BENCH=ON
    cmake --build --preset release --target batchcall
    BATCHCALL_BIN=$PWD/build/release/batchcall python3 bench/simulator_memory.py [--contacts 1000000]

Loopback only; bounded in count and time.
"""
import argparse
import os
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "test", "integration"))
from harness import Server  # noqa: E402
from benchlib import contacts_csv  # noqa: E402

SIM = {"type": "simulator", "speed": 1000000, "seed": 3, "answer_rate": 0.7, "busy_rate": 0.1,
       "no_answer_rate": 0.1, "voicemail_rate": 0.05, "failure_rate": 0.05,
       "ring_seconds": [3, 15], "talk_seconds": [20, 90]}


def start_batch(server, agent, rows, area, timeout):
    r = server.upload(agent, contacts_csv(rows, area), timeout=timeout)
    assert r.status == 201, r
    batch = r.json()["batch_id"]
    r = server.post_form("/batches/%s/schedule" % batch, {"scheduled_at": "now"})
    assert r.status == 200, r
    return batch


def wait_done(server, batch, timeout, at_done=None):
    """Polls until the batch completes; calls at_done(done) on each poll."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        view = server.get("/batches/" + batch).json()
        if at_done:
            at_done(view["progress"]["done"])
        if view["status"] == "completed":
            return
        time.sleep(0.2)
    raise RuntimeError("batch %s did not complete in %s s" % (batch, timeout))


def size_mb(path):
    return (os.path.getsize(path) if os.path.exists(path) else 0) / 1e6


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--contacts", type=int, default=1_000_000)
    ap.add_argument("--timeout", type=float, default=900)
    args = ap.parse_args()

    server = Server(env={"BATCHCALL_LOG_LEVEL": "warn"}).start()
    data_dir = server.dir
    try:
        r = server.post_json("/agents", {"agent_name": "fast", "provider": SIM, "max_concurrency": 1000,
                                         "calls_per_second": 0})
        assert r.status == 201, r
        agent = r.json()["agent_id"]
        print("idle: RSS %.1f MB" % (server.vm_rss_kb() / 1024))
        start = time.perf_counter()
        batch = start_batch(server, agent, args.contacts, "415", args.timeout)
        first = {}

        def at_done(done):
            if done >= 10_000 and not first:
                first["rss"] = server.vm_rss_kb() / 1024
                first["done"] = done

        wait_done(server, batch, args.timeout, at_done)
        took = time.perf_counter() - start
        end_rss = server.vm_rss_kb() / 1024
        record = os.path.join(data_dir, "simulator-calls.jsonl")
        print("%d calls in %.1f s (upload included): %.0f calls/s" % (args.contacts, took, args.contacts / took))
        print("RSS after the first %d calls: %.1f MB; after all: %.1f MB; growth %.1f MB (target <= 50); peak %.1f MB"
              % (first.get("done", 0), first.get("rss", 0), end_rss, end_rss - first.get("rss", 0),
                 server.vm_hwm_kb() / 1024))
        print("record %.1f MB, its index %.1f MB" % (size_mb(record), size_mb(record + ".index")))
    finally:
        server.stop()

    try:
        t0 = time.perf_counter()
        server = Server(env={"BATCHCALL_LOG_LEVEL": "warn"}, data_dir=data_dir).start()
        small = start_batch(server, agent, 10, "212", args.timeout)
        wait_done(server, small, args.timeout)
        print("after a restart: a 10-contact batch done %.2f s after the start; peak RSS %.1f MB" %
              (time.perf_counter() - t0, server.vm_hwm_kb() / 1024))
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
