#!/usr/bin/env python3
"""Do uploads starve health checks and provider callbacks? (issue 13, finding 5)

One `batchcall serve` (SQLite) with a Twilio agent dialling through the local
stand-in (test/fakes/fake_twilio.py), one call placed so that a real attempt
exists. Two pollers then time, back to back on keep-alive connections,
`GET /healthz` and a correctly signed Twilio status callback for that attempt
(`POST /webhooks/twilio/{attempt_id}`: signature check, store reads, the
engine's inbox):

  (1) baseline: --baseline-seconds with no uploads;
  (2) load: --uploads concurrent CSV uploads of --rows rows each (strict
      libphonenumber validation), polled until the last upload has answered.

Prints p50 / p99 / max of each poll in each phase, and the uploads' statuses
and durations. Target: p99 under 50 ms under load.

    cmake --preset release -DBATCHCALL_BUILD_TESTS=OFF -DBATCHCALL_BUILD_BENCH=ON
    cmake --build --preset release --target batchcall
    BATCHCALL_BIN=build/release/batchcall python3 bench/upload_starvation.py [--uploads 8] [--rows 150000]

Loopback only; bounded in count and time (the load phase ends with the
uploads, at most --timeout seconds).
"""
import argparse
import os
import sys
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "test", "integration"))
sys.path.insert(0, os.path.join(HERE, "..", "test", "fakes"))
from harness import Fake, Server, free_port, multipart, wait_for  # noqa: E402
from fake_twilio import twilio_signature  # noqa: E402
from benchlib import Poller, contacts_csv  # noqa: E402

SID = "AC" + "0123456789abcdef" * 2
TOKEN = "twilio-bench-token-0123456789"


def place_one_call(server, twilio):
    """A Twilio agent, one contact dialled: returns the attempt id."""
    r = server.post_json("/agents", {
        "agent_name": "bench-twilio",
        "provider": {"type": "twilio", "account_sid": SID, "auth_token": TOKEN,
                     "twiml_url": "https://agent.example.com/twiml", "base_url": twilio.url},
        "from_phone_numbers": ["+14155550100"], "max_concurrency": 1, "calls_per_second": 0})
    assert r.status == 201, r
    agent = r.json()["agent_id"]
    r = server.upload(agent, b"contact_number\n+14155551000\n")
    assert r.status == 201, r
    batch = r.json()["batch_id"]
    r = server.post_form("/batches/%s/schedule" % batch, {"scheduled_at": "now"})
    assert r.status == 200, r

    def attempt():
        calls = twilio.control("GET", "/_control/calls")
        for url in calls.get("creates_per_callback", {}):
            return urllib.parse.urlparse(url).path.rsplit("/", 1)[-1]
        return None
    return wait_for(attempt, 60, what="the call to be placed")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--uploads", type=int, default=8)
    ap.add_argument("--rows", type=int, default=150_000)
    ap.add_argument("--baseline-seconds", type=float, default=5.0)
    ap.add_argument("--interval", type=float, default=0.02, help="pause between two polls of one poller, s")
    ap.add_argument("--timeout", type=float, default=600)
    args = ap.parse_args()

    twilio = Fake("fake_twilio.py", "--account-sid", SID, "--auth-token", TOKEN, "--ring-ms", "30", "--talk-ms", "60")
    port = free_port()
    server = Server(port=port, env={"BATCHCALL_PUBLIC_URL": "http://127.0.0.1:%d" % port,
                                    "BATCHCALL_LOG_LEVEL": "warn"}).start()
    try:
        attempt = place_one_call(server, twilio)
        path = "/webhooks/twilio/%s" % attempt
        params = {"CallSid": "CAbench", "AccountSid": SID, "CallStatus": "completed", "CallDuration": "1"}
        body = urllib.parse.urlencode(params).encode()
        signature = twilio_signature(TOKEN, "http://127.0.0.1:%d%s" % (port, path), list(params.items()))
        health = Poller(port, "GET", "/healthz", interval=args.interval)
        callback = Poller(port, "POST", path, body=body, interval=args.interval,
                          headers={"Content-Type": "application/x-www-form-urlencoded",
                                   "X-Twilio-Signature": signature})
        demo = server.demo_agent_id()
        csv = contacts_csv(args.rows)
        health.start()
        callback.start()
        time.sleep(args.baseline_seconds)

        health.phase = callback.phase = "load"
        results = []

        def upload():
            start = time.perf_counter()
            r = server.upload(demo, csv, timeout=args.timeout)
            results.append((r.status, time.perf_counter() - start))

        uploaders = [threading.Thread(target=upload) for _ in range(args.uploads)]
        load_start = time.perf_counter()
        for t in uploaders:
            t.start()
        for t in uploaders:
            t.join(args.timeout)
        load_seconds = time.perf_counter() - load_start
        health.stop_flag.set()
        callback.stop_flag.set()
        health.join(30)
        callback.join(30)

        print("%d uploads of %d rows (%.1f MB each) in %.1f s; statuses %s; each %.1f-%.1f s"
              % (args.uploads, args.rows, len(csv) / 1e6, load_seconds,
                 sorted(st for st, _ in results), min(d for _, d in results), max(d for _, d in results)))
        print("%-28s %-8s %6s %9s %9s %9s %6s" % ("poll", "phase", "n", "p50 ms", "p99 ms", "max ms", "non-200"))
        for name, poller in (("GET /healthz", health), ("POST twilio callback", callback)):
            for phase in ("baseline", "load"):
                n, p50, p99, worst, bad = poller.latency(phase)
                print("%-28s %-8s %6d %9.1f %9.1f %9.1f %6d" % (name, phase, n, p50, p99, worst, bad))
    finally:
        server.stop()
        server.cleanup()
        twilio.stop()


if __name__ == "__main__":
    main()
