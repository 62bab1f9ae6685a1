"""Black-box test of GET /metrics against a real `batchcall serve`: the
Prometheus text exposition parses (prometheus_client's parser, Debian's
python3-prometheus-client), needs the operator's metrics_token (never a
tenant API key), and its numbers move with a
batch run on the simulator — calls by status, dials per agent, retries,
provider latency, HTTP latency by route, ingest rows — while no label value
is a phone number or an id."""
import re
import sys
import time
import unittest
from datetime import datetime, timedelta, timezone

from harness import Server

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:  # a Python outside Debian's (pyenv): use Debian's pure-Python package
    sys.path.append("/usr/lib/python3/dist-packages")
    from prometheus_client.parser import text_string_to_metric_families

TERMINAL = {"completed", "busy", "no-answer", "failed", "canceled", "stopped", "error", "voicemail"}
PHONE = re.compile(r"\+?\d[\d ().-]{5,}\d")
TOKEN = "metrics-token-0123456789abcdef"
UUID = re.compile(r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}")


def sim(seed):
    return {"type": "simulator", "speed": 2000, "seed": seed, "answer_rate": 0.5, "busy_rate": 0.2,
            "no_answer_rate": 0.2, "voicemail_rate": 0.05, "failure_rate": 0.05,
            "ring_seconds": [3, 10], "talk_seconds": [10, 30]}


def contacts(n, invalid=0):
    rows = "".join("+1415%07d,Person %d\n" % (5550000 + i, i) for i in range(n))
    rows += "".join("not-a-number-%d,Bad %d\n" % (i, i) for i in range(invalid))
    return ("contact_number,first_name\n" + rows).encode()


class Scrape:
    """One parsed scrape: families by name, and samples by (name, labels)."""

    def __init__(self, text):
        self.text = text
        self.families = {f.name: f for f in text_string_to_metric_families(text)}
        self.samples = {}
        for f in self.families.values():
            for s in f.samples:
                self.samples[(s.name, tuple(sorted(s.labels.items())))] = s.value

    def value(self, name, **labels):
        return self.samples.get((name, tuple(sorted(labels.items()))), 0.0)

    def total(self, name, **match):
        return sum(v for (n, labels), v in self.samples.items()
                   if n == name and all(dict(labels).get(k) == want for k, want in match.items()))

    def label_values(self, name):
        return {(k, v) for (n, labels), _ in self.samples.items() if n == name for k, v in labels}


class Metrics(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Server(env={"BATCHCALL_METRICS_TOKEN": TOKEN}).start()

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()
        cls.s.cleanup()

    def scrape(self):
        r = self.s.get("/metrics", key=TOKEN)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8")
        return Scrape(r.body.decode("utf-8"))

    def agent(self, name, seed):
        r = self.s.post_json("/agents", {"agent_name": name, "provider": sim(seed), "max_concurrency": 20,
                                         "calls_per_second": 0, "welcome_message": "Hi {first_name}."})
        self.assertEqual(r.status, 201, r)
        return r.json()["agent_id"]

    def run_batch(self, agent, content):
        r = self.s.upload(agent, content)
        self.assertEqual(r.status, 201, r)
        bid = r.json()["batch_id"]
        r = self.s.post_form("/batches/%s/schedule" % bid, {"scheduled_at": "now"})
        self.assertEqual(r.status, 200, r)
        deadline = time.time() + 120
        while time.time() < deadline:
            b = self.s.get("/batches/" + bid).json()
            if b["status"] == "completed":
                return bid
            time.sleep(0.2)
        self.fail("batch %s did not complete: %r" % (bid, b))

    def test_needs_the_metrics_token_not_an_api_key(self):
        # Issue 13, finding 11: /metrics shows every account's agents, so a
        # tenant's API key (even the default account's) is refused.
        for key in (None, "bc_wrong_key_0123456789abcdef", self.s.api_key, self.s.keys_create("--new-account", "t"),
                    TOKEN + "x", TOKEN[:-1]):
            r = self.s.get("/metrics", key=key)
            self.assertEqual(r.status, 401, (key, r))
            self.assertEqual(r.json()["error"], 401)
            self.assertNotIn(TOKEN.encode(), r.body)
        self.assertEqual(self.s.get("/metrics", key=TOKEN).status, 200)

    def test_without_a_token_it_is_disabled_and_says_how_to_enable(self):
        s = Server().start()
        self.addCleanup(s.cleanup)
        self.addCleanup(s.stop)
        for key in ("default", None):
            r = s.get("/metrics", key=key)
            self.assertEqual(r.status, 403, r)
            self.assertIn("BATCHCALL_METRICS_TOKEN", r.json()["message"])
            self.assertIn("metrics_token", r.json()["message"])

    def test_the_token_is_never_echoed(self):
        s = Server(env={"BATCHCALL_METRICS_TOKEN": TOKEN}).start()
        self.addCleanup(s.cleanup)
        self.assertNotIn(TOKEN, s.startup_output)
        self.assertEqual(s.get("/metrics", key=TOKEN).status, 200)
        _, rest = s.stop()
        self.assertNotIn(TOKEN, rest)

    def test_eligible_executions_is_the_queue_depth(self):
        # Its own server: the real-time call it leaves running must not move the other tests' numbers.
        s = Server(env={"BATCHCALL_METRICS_TOKEN": TOKEN}).start()
        self.addCleanup(s.cleanup)
        self.addCleanup(s.stop)
        # One real-time call at a time that lasts 80 s: the rest wait in the
        # queue for the whole test (with sim()'s outcomes a busy or failed
        # call could end within the first sample's 5 s, and on a loaded
        # machine three did: depth 7).
        slow = dict(sim(8), speed=1, answer_rate=1.0, busy_rate=0, no_answer_rate=0, voicemail_rate=0,
                    failure_rate=0, ring_seconds=[20, 20], talk_seconds=[60, 60])
        r = s.post_json("/agents", {"agent_name": "metrics queue", "provider": slow, "max_concurrency": 1})
        self.assertEqual(r.status, 201, r)
        r = s.upload(r.json()["agent_id"], contacts(10))
        self.assertEqual(r.status, 201, r)
        bid = r.json()["batch_id"]
        self.assertEqual(s.post_form("/batches/%s/schedule" % bid, {"scheduled_at": "now"}).status, 200)
        deadline = time.time() + 20  # sampled at most every 5 s
        depth = 0
        while time.time() < deadline and depth < 8:
            depth = Scrape(s.get("/metrics", key=TOKEN).body.decode()).value("batchcall_eligible_executions")
            time.sleep(0.5)
        self.assertGreaterEqual(depth, 8)
        self.assertLessEqual(depth, 10)

    def test_outside_calling_hours_counts_rescheduled(self):
        # A calling window that is closed right now in Asia/Kolkata.
        ist_hour = (datetime.now(timezone.utc) + timedelta(hours=5, minutes=30)).hour
        start = (ist_hour + 2) % 24
        r = self.s.post_json("/agents", {"agent_name": "metrics hours", "provider": sim(7), "max_concurrency": 5,
                                         "calling_guardrails": {"call_start_hour": start, "call_end_hour": start + 1,
                                                                "default_timezone": "Asia/Kolkata"}})
        self.assertEqual(r.status, 201, r)
        before = self.scrape().value("batchcall_rescheduled_total")
        r = self.s.upload(r.json()["agent_id"], b"contact_number\n+919876543210\n+919876543211\n")
        self.assertEqual(r.status, 201, r)
        bid = r.json()["batch_id"]
        self.assertEqual(self.s.post_form("/batches/%s/schedule" % bid, {"scheduled_at": "now"}).status, 200)
        deadline = time.time() + 30
        while time.time() < deadline and self.scrape().value("batchcall_rescheduled_total") - before < 2:
            time.sleep(0.2)
        self.assertEqual(self.scrape().value("batchcall_rescheduled_total") - before, 2)
        self.s.request("POST", "/batches/%s/stop" % bid)

    def test_numbers_move_with_a_batch(self):
        agent = self.agent("metrics sales", seed=5)
        phone_named = self.agent("+1 415 555 0199", seed=6)
        before = self.scrape()
        self.assertIn("batchcall_calls", before.families)
        self.assertEqual(before.families["batchcall_calls"].type, "counter")
        self.assertEqual(before.families["batchcall_http_request_duration_seconds"].type, "histogram")

        bid = self.run_batch(agent, contacts(40, invalid=3))
        self.run_batch(phone_named, contacts(5))
        after = self.scrape()

        def delta(name, **labels):
            return after.value(name, **labels) - before.value(name, **labels)

        def delta_total(name, **match):
            return after.total(name, **match) - before.total(name, **match)

        # Every dial ends in exactly one final status; every retry is one more dial.
        dials = delta("batchcall_dials_total", agent="metrics sales")
        phone_dials = delta("batchcall_dials_total", agent="other")  # a name like a number is never a label
        self.assertGreaterEqual(dials, 40)
        self.assertGreaterEqual(phone_dials, 5)
        calls = delta_total("batchcall_calls_total")
        self.assertEqual(calls, dials + phone_dials)
        self.assertEqual(delta_total("batchcall_retries_total"), calls - 45)
        statuses = {v for k, v in after.label_values("batchcall_calls_total") if k == "status"}
        self.assertTrue(statuses <= TERMINAL, statuses)
        self.assertEqual(after.value("batchcall_calls_in_flight"), 0)
        self.assertEqual(delta("batchcall_provider_request_duration_seconds_count",
                               provider="simulator", operation="start_call"), calls)
        self.assertGreaterEqual(delta("batchcall_provider_request_duration_seconds_bucket",
                                      provider="simulator", operation="start_call", le="+Inf"), calls)

        # Ingest: 45 accepted rows, 3 rejected, and time spent.
        self.assertEqual(delta("batchcall_ingest_rows_total", result="accepted"), 45)
        self.assertEqual(delta("batchcall_ingest_rows_total", result="rejected"), 3)
        self.assertGreater(delta("batchcall_ingest_duration_seconds_total"), 0)
        self.assertGreater(after.value("batchcall_ingest_last_rows_per_second"), 0)

        # HTTP latency by route pattern and status class (never the batch id).
        http = "batchcall_http_request_duration_seconds_count"
        self.assertEqual(delta(http, method="POST", route="/batches", code="2xx"), 2)
        self.assertGreaterEqual(delta(http, method="GET", route="/batches/{batch_id}", code="2xx"), 2)
        self.assertGreaterEqual(after.value(http, method="GET", route="/metrics", code="2xx"), 1)
        self.assertNotIn(bid, after.text)
        self.s.get("/no/such/route")
        self.assertEqual(self.s.get("/metrics", key=None).status, 401)
        later = self.scrape()
        self.assertGreaterEqual(later.value(http, method="GET", route="unmatched", code="4xx"), 1)
        self.assertGreaterEqual(later.value(http, method="GET", route="/metrics", code="4xx"), 1)  # the 401s

        # Process and build.
        versions = [dict(labels) for (n, labels), v in after.samples.items() if n == "batchcall_build_info" and v == 1]
        self.assertEqual(len(versions), 1)
        self.assertRegex(versions[0]["version"], r"^\d+\.\d+\.\d+")
        start = after.value("process_start_time_seconds")
        self.assertLess(abs(start - time.time()), 600)
        for name in ("batchcall_eligible_executions", "batchcall_webhook_outbox_backlog",
                     "batchcall_rescheduled_total"):
            self.assertIn((name, ()), after.samples, name)
        self.assertGreaterEqual(after.value("batchcall_eligible_executions"), 0)

        # No label value is a phone number or an id.
        for (name, labels), _ in later.samples.items():
            for key, value in labels:
                if key == "le" or name == "batchcall_build_info":
                    continue
                self.assertIsNone(PHONE.search(value), (name, key, value))
                self.assertIsNone(UUID.search(value), (name, key, value))
                self.assertNotIn(agent, value)


if __name__ == "__main__":
    unittest.main()
