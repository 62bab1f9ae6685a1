#!/usr/bin/env python3
"""How long does a preview of a big batch take? (issue 16)

A fresh `batchcall serve` (SQLite, Release), an agent with calling hours, the
"us" rule pack and a contact limit, one upload of --rows contacts
(benchlib.mixed_contacts_csv: seven countries, US numbers of many area
codes), then GET /batches/{id}/preview at three instants (a weekday evening
in New York, a Sunday morning, 4 July), each timed to the last byte, and the
same GET of the batch itself as the baseline of one request. Prints the
times and the counts. Target: a 1M-row batch's preview under 2 s.

    ninja -C build/release batchcall
    BATCHCALL_BIN=$PWD/build/release/batchcall python3 bench/preview_bench.py [--rows 1000000]

Loopback only; bounded in count and time.
"""
import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "test", "integration"))
from harness import Server  # noqa: E402
from benchlib import mixed_contacts_csv  # noqa: E402

INSTANTS = ["2026-12-07T20:30:00-05:00", "2026-12-06T10:00:00-06:00", "2026-07-04T12:00:00-04:00"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    args = ap.parse_args()
    content = mixed_contacts_csv(args.rows)
    env = {"BATCHCALL_LOG_LEVEL": "warn", "BATCHCALL_MAX_ROWS": str(max(args.rows, 1_000_000)),
           "BATCHCALL_MAX_UPLOAD_MB": str(max(100, len(content) // (1 << 20) + 16))}
    server = Server(env=env).start()
    try:
        r = server.post_json("/agents", {
            "agent_name": "preview bench", "provider": {"type": "simulator"},
            "calling_guardrails": {"call_start_hour": 9, "call_end_hour": 21, "default_timezone": "America/New_York",
                                   "rule_packs": ["us"]},
            "contact_limits": [{"max_calls": 3, "per_hours": 24}]})
        assert r.status == 201, r
        agent = r.json()["agent_id"]
        t = time.perf_counter()
        r = server.upload(agent, content, fields=[("phone_validation", "strict")], timeout=600)
        assert r.status == 201, r
        bid = r.json()["batch_id"]
        print("uploaded %d rows (%d valid) in %.2f s" % (args.rows, r.json()["valid_contacts"], time.perf_counter() - t))
        t = time.perf_counter()
        r = server.get("/batches/" + bid)
        print("GET /batches/{id}: %.4f s (baseline)" % (time.perf_counter() - t))
        for at in INSTANTS:
            t = time.perf_counter()
            r = server.get("/batches/%s/preview?at=%s&limit=100" % (bid, at.replace("+", "%2B")), timeout=600)
            took = time.perf_counter() - t
            assert r.status == 200, r
            p = r.json()
            print("preview at %s: %.2f s  eligible %d, held %s, blocked %s" %
                  (at, took, p["eligible"], p["held"], p["blocked"]))
    finally:
        server.stop()
        server.cleanup()


if __name__ == "__main__":
    main()
