#!/usr/bin/env python3
"""Do reads of a big batch cost the engine? (issue 15, item 5)

One `batchcall serve` (SQLite) holds a batch of --big contacts (uploaded,
never started). Another batch of --contacts contacts runs on a fast
simulator agent (unpaced), twice:

  (1) alone;
  (2) while `wrk` polls `GET /healthz` at about --rate requests/s (the
      control: what the load generator and the HTTP work alone cost the
      engine on this machine's cores);
  (3) while `wrk` polls `GET /batches/{big}` at the same rate
      (--connections keep-alive connections, each pausing between requests).

Prints the dispatch rate of each run (contacts / (schedule -> completed)),
their ratios, wrk's latency percentiles, and the server's CPU time per
request. Targets: GET p99 <= 5 ms at 2,000 req/s; the engine slowed by at
most 10 %.

    apt-get install wrk
    cmake --preset release -DBATCHCALL_BUILD_TESTS=OFF -DBATCHCALL_BUILD_BENCH=ON
    cmake --build --preset release --target batchcall
    BATCHCALL_BIN=$PWD/build/release/batchcall python3 bench/poll_bench.py [--big 1000000]

Loopback only; bounded in count and time.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "test", "integration"))
from harness import Server, free_port  # noqa: E402
from benchlib import contacts_csv  # noqa: E402

# Each connection sends a request, waits `pause` ms after its answer, sends
# the next: connections * 1000 / (pause + latency) requests per second.
WRK_SCRIPT = """
wrk.headers["Authorization"] = "Bearer %s"
function delay() return %d end
"""


def server_cpu_seconds(server):
    with open("/proc/%d/stat" % server.proc.pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_batch(server, agent, rows, area, timeout):
    r = server.upload(agent, contacts_csv(rows, area))
    assert r.status == 201, r
    batch = r.json()["batch_id"]
    start = time.perf_counter()
    r = server.post_form("/batches/%s/schedule" % batch, {"scheduled_at": "now"})
    assert r.status == 200, r
    deadline = start + timeout
    while time.perf_counter() < deadline:
        if server.get("/batches/" + batch).json()["status"] == "completed":
            return rows / (time.perf_counter() - start)
        time.sleep(0.05)
    raise RuntimeError("batch %s did not complete in %s s" % (batch, timeout))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--big", type=int, default=1_000_000, help="contacts of the polled batch")
    ap.add_argument("--contacts", type=int, default=30000, help="contacts of the dispatched batch")
    ap.add_argument("--rate", type=int, default=2000, help="target GET requests/s")
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--timeout", type=float, default=600)
    args = ap.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")

    key = "bc_bench_key_0123456789abcdef"
    port = free_port()
    server = Server(api_key=key, port=port, env={"BATCHCALL_LOG_LEVEL": "warn"}).start()
    try:
        r = server.upload(server.demo_agent_id(), contacts_csv(args.big, "415"), timeout=args.timeout)
        assert r.status == 201, r
        big = r.json()["batch_id"]
        sim = {"type": "simulator", "speed": 100000, "seed": 3, "answer_rate": 0.7, "busy_rate": 0.1,
               "no_answer_rate": 0.1, "voicemail_rate": 0.05, "failure_rate": 0.05,
               "ring_seconds": [3, 15], "talk_seconds": [20, 90]}
        r = server.post_json("/agents", {"agent_name": "fast", "provider": sim, "max_concurrency": 1000,
                                         "calls_per_second": 0})
        assert r.status == 201, r
        agent = r.json()["agent_id"]
        alone = run_batch(server, agent, args.contacts, "212", args.timeout)

        pause_ms = max(0, int(args.connections * 1000 / args.rate) - 1)
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
            f.write(WRK_SCRIPT % (key, pause_ms))
            script = f.name

        def polled_run(path, area):
            wrk = subprocess.Popen(["wrk", "-t", "1", "-c", str(args.connections), "-d", "%ds" % int(args.timeout),
                                    "--latency", "-s", script, "http://127.0.0.1:%d%s" % (port, path)],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            time.sleep(2)  # wrk at its pace before the batch starts
            cpu0, t0 = server_cpu_seconds(server), time.perf_counter()
            rate = run_batch(server, agent, args.contacts, area, args.timeout)
            cpu, seconds = server_cpu_seconds(server) - cpu0, time.perf_counter() - t0
            wrk.send_signal(2)  # SIGINT: wrk prints its figures
            out = wrk.communicate(timeout=30)[0]
            rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
            lat = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", out, re.M))
            bad = re.search(r"Non-2xx.*", out)
            return rate, cpu / seconds, rps.group(1) if rps else "?", lat, bad.group(0) if bad else ""

        health = polled_run("/healthz", "312")
        batch = polled_run("/batches/" + big, "646")
        os.unlink(script)

        print("polled batch: %d contacts; dispatched batch: %d contacts (simulator, unpaced); %d connections" %
              (args.big, args.contacts, args.connections))
        print("%-28s %10s %9s %11s %9s %9s %9s" % ("run", "calls/s", "vs alone", "server CPU", "GET/s",
                                                  "p50", "p99"))
        print("%-28s %10.0f %9s" % ("alone", alone, "1.00x"))
        for name, (rate, cpu, rps, lat, bad) in (("polling GET /healthz", health),
                                                  ("polling GET /batches/{big}", batch)):
            print("%-28s %10.0f %8.2fx %10.2f %9s %9s %9s %s" % (name, rate, rate / alone, cpu, rps,
                                                                lat.get("50", "?"), lat.get("99", "?"), bad))
    finally:
        server.stop()
        server.cleanup()


if __name__ == "__main__":
    main()
