#!/usr/bin/env python3
"""Dispatch throughput with 1, 2 and 3 `batchcall serve` nodes on one
PostgreSQL database, and the database work per call.

For each node count: a fresh database, N nodes (same secret key, one shared
simulator record), one fast simulator agent (speed 1000, unpaced,
max_concurrency 200), a batch of --contacts contacts scheduled `now`; the
figure is contacts / (time from schedule to `completed`). The database load is
read from pg_stat_database (committed transactions and rows touched per call)
and from pg_stat_statements (statements per call, and the claim statements —
the FOR UPDATE SKIP LOCKED row locks and the lease update — per dial); the
test server (scripts/pg-test-server) preloads pg_stat_statements.

    scripts/pg-test-server start
    BATCHCALL_BIN=build/release/batchcall BATCHCALL_TEST_PG_URL=$(scripts/pg-test-server url) \\
        python3 bench/nodes_bench.py [--contacts 3000] [--nodes 1,2,3]

Loopback only; bounded in count and time. On a 2-core machine the point is
the overhead and the correctness, not linear scaling.
"""
import argparse
import os
import subprocess
import sys
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "test", "integration"))
from harness import Server, free_port, wait_for  # noqa: E402


def psql(url, sql):
    out = subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-qtA", "-c", sql], check=True,
                         capture_output=True, text=True, timeout=120)
    return out.stdout.strip()


def db_stats(pg, dbname):
    row = psql(pg, "SELECT xact_commit, tup_inserted + tup_updated + tup_deleted, tup_fetched "
                   "FROM pg_stat_database WHERE datname = '%s'" % dbname)
    return [int(x) for x in row.split("|")]


def statement_counts(db):
    """(all statements, claim statements) run so far in database `db`."""
    row = psql(db, "SELECT coalesce(sum(s.calls), 0), "
                   "coalesce(sum(s.calls) FILTER (WHERE s.query LIKE '%SKIP LOCKED%' AND s.query LIKE '%FROM executions%' "
                   "OR s.query LIKE 'UPDATE executions e SET lease_owner%'), 0) "
                   "FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid "
                   "WHERE d.datname = current_database()")
    return [int(x) for x in row.split("|")]


def top_statements(db, n):
    return psql(db, "SELECT s.calls, left(regexp_replace(s.query, '\\s+', ' ', 'g'), 110) "
                    "FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid "
                    "WHERE d.datname = current_database() ORDER BY s.calls DESC LIMIT %d" % n)


def run(pg, nodes, contacts, top=0):
    dbname = "bc_bench_" + uuid.uuid4().hex[:10]
    psql(pg, "CREATE DATABASE %s" % dbname)
    db = pg.rsplit("/", 1)[0] + "/" + dbname
    psql(db, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    shared = "/tmp/batchcall-bench-" + uuid.uuid4().hex[:8]
    os.makedirs(shared)
    servers = []
    try:
        env = {"BATCHCALL_SECRET_KEY": "cd" * 32, "ASAN_OPTIONS": "detect_leaks=0"}
        for i in range(nodes):
            s = Server(db=db, port=free_port(), env=env,
                       extra_args=["--node-id", "b%d" % i, "--simulator-record", shared + "/sim.jsonl"])
            s.start()
            servers.append(s)
        s0 = servers[0]
        agent = s0.post_json("/agents", {
            "agent_name": "bench", "provider": {"type": "simulator", "speed": 1000, "seed": 1,
                                                "answer_rate": 1.0, "busy_rate": 0, "no_answer_rate": 0,
                                                "voicemail_rate": 0, "failure_rate": 0},
            "max_concurrency": 200, "calls_per_second": 0}).json()["agent_id"]
        rows = "".join("+1415555%04d,p\n" % i for i in range(contacts))
        bid = s0.upload(agent, ("contact_number,first_name\n" + rows).encode()).json()["batch_id"]
        before = db_stats(pg, dbname)
        stmts_before = statement_counts(db)
        t0 = time.time()
        s0.post_form("/batches/%s/schedule" % bid, {"scheduled_at": "now"})
        wait_for(lambda: s0.get("/batches/%s" % bid).json()["status"] == "completed", 900, interval=0.2,
                 what="completion")
        took = time.time() - t0
        after = db_stats(pg, dbname)
        stmts_after = statement_counts(db)
        xacts, writes, reads = (a - b for a, b in zip(after, before))
        stmts, claims = (a - b for a, b in zip(stmts_after, stmts_before))
        if top:
            print("top statements (calls | query), %d node(s):\n%s" % (nodes, top_statements(db, top)), file=sys.stderr)
        return took, xacts / contacts, writes / contacts, reads / contacts, stmts / contacts, claims / contacts
    finally:
        for s in servers:
            s.stop()
            s.cleanup()
        psql(pg, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % dbname)
        subprocess.run(["rm", "-rf", shared])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--contacts", type=int, default=3000)
    ap.add_argument("--nodes", default="1,2,3")
    ap.add_argument("--top", type=int, default=0, help="also print the N most frequent statements (stderr)")
    args = ap.parse_args()
    pg = os.environ.get("BATCHCALL_TEST_PG_URL")
    if not pg:
        sys.exit("set BATCHCALL_TEST_PG_URL (scripts/pg-test-server start; scripts/pg-test-server url)")
    base = None
    print("nodes  seconds  calls/s  vs 1 node  transactions/call  statements/call  claim statements/dial"
          "  rows written/call  rows read/call")
    for n in [int(x) for x in args.nodes.split(",")]:
        took, xacts, writes, reads, stmts, claims = run(pg, n, args.contacts, args.top)
        rate = args.contacts / took
        base = base or rate
        print("%5d  %7.1f  %7.0f  %8.2fx  %17.2f  %15.2f  %21.3f  %17.1f  %14.1f"
              % (n, took, rate, rate / base, xacts, stmts, claims, writes, reads))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
