"""Black-box: batches actually run on the simulator — timing, counts, retries,
calling hours, do-not-call, and crash safety (kill -9 and restart)."""
import json
import os
import signal
import time
import unittest
from collections import Counter
from datetime import datetime, timedelta, timezone

from harness import Server, data_file

TERMINAL = {"completed", "busy", "no-answer", "failed", "canceled", "stopped", "error"}


def fast_sim(speed=2000, seed=11, **rates):
    p = {"type": "simulator", "speed": speed, "seed": seed, "answer_rate": 0.6, "busy_rate": 0.1,
         "no_answer_rate": 0.15, "voicemail_rate": 0.1, "failure_rate": 0.05,
         "ring_seconds": [3, 15], "talk_seconds": [20, 90]}
    p.update(rates)
    return p


def contacts(n, prefix="+1415"):
    rows = "".join("%s%07d,Person %d\n" % (prefix, 5550000 + i, i) for i in range(n))
    return ("contact_number,first_name\n" + rows).encode()


def record(server):
    path = os.path.join(server.dir, "simulator-calls.jsonl")
    lines = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                try:
                    lines.append(json.loads(line))
                except ValueError:
                    pass  # a torn last line after kill -9
    return lines


def wait_for(server, bid, states=("completed",), timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        b = server.get("/batches/" + bid).json()
        if b["status"] in states:
            return b
        time.sleep(0.2)
    raise AssertionError("batch %s did not reach %s: %r" % (bid, states, b))


class Engine(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Server().start()

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()
        cls.s.cleanup()

    def agent(self, **kw):
        body = {"agent_name": "engine", "provider": fast_sim(), "max_concurrency": 50, "calls_per_second": 0,
                "welcome_message": "Hi {first_name}, this is batchcall."}
        body.update(kw)
        r = self.s.post_json("/agents", body)
        self.assertEqual(r.status, 201, r)
        return r.json()["agent_id"]

    def run_batch(self, agent, content, fields=(), when="now"):
        r = self.s.upload(agent, content, fields=fields)
        self.assertEqual(r.status, 201, r)
        bid = r.json()["batch_id"]
        r = self.s.post_form("/batches/%s/schedule" % bid, {"scheduled_at": when})
        self.assertEqual(r.status, 200, r)
        return bid

    def test_thousand_contacts_complete_with_matching_counts(self):
        agent = self.agent()
        bid = self.run_batch(agent, contacts(1000))
        b = wait_for(self.s, bid, timeout=180)
        self.assertEqual(sum(b["execution_status"].values()), 1000)
        self.assertTrue(set(b["execution_status"]) <= TERMINAL, b["execution_status"])
        self.assertEqual(b["progress"]["done"], 1000)
        ex = self.s.get("/batches/%s/executions" % bid).json()
        self.assertEqual(len(ex), 1000)
        # The per-status counts are exactly the simulator's own outcomes.
        ended = Counter(l["status"] for l in record(self.s) if l["event"] == "ended"
                        and l["provider"] == agent)
        self.assertEqual(dict(ended), b["execution_status"])
        answered = [e for e in ex if e["status"] == "completed" and not e["answered_by_voice_mail"]]
        self.assertTrue(answered)
        self.assertTrue(answered[0]["transcript"].startswith("agent: Hi Person "))
        self.assertGreater(answered[0]["conversation_duration"], 0)
        self.assertEqual(answered[0]["telephony_data"]["provider_call_id"][:4], "sim-")
        self.assertEqual(len(answered[0]["retry_history"]), 1)

    def test_first_dial_is_on_time(self):
        agent = self.agent()
        at = datetime.now(timezone.utc) + timedelta(seconds=3)
        bid = self.run_batch(agent, contacts(3, "+1212"), when=at.isoformat(timespec="milliseconds"))
        self.assertEqual(self.s.get("/batches/" + bid).json()["status"], "scheduled")
        wait_for(self.s, bid, timeout=60)
        placed = [l for l in record(self.s) if l["event"] == "placed" and l["provider"] == agent]
        first = min(l["at_ms"] for l in placed) / 1000.0
        late = first - at.timestamp()
        print("\n  first dial %.0f ms after scheduled_at" % (late * 1000))
        self.assertGreaterEqual(late, 0)
        self.assertLess(late, 0.25)

    def test_retries_by_outcome(self):
        agent = self.agent(provider=fast_sim(answer_rate=0, no_answer_rate=1, busy_rate=0, voicemail_rate=0,
                                             failure_rate=0, speed=100000))
        rc = json.dumps({"enabled": True, "max_retries": 2, "retry_on_statuses": ["no-answer"],
                         "retry_intervals_minutes": [1]})
        r = self.s.upload(agent, contacts(2, "+1646"), fields=[("retry_config", rc)])
        bid = r.json()["batch_id"]
        self.s.post_form("/batches/%s/schedule" % bid, {"scheduled_at": "now"})
        time.sleep(1.5)
        ex = self.s.get("/batches/%s/executions" % bid).json()
        for e in ex:
            self.assertEqual(e["status"], "scheduled", e)  # waiting a real minute for the retry
            self.assertEqual(e["retry_count"], 1)
            self.assertIsNotNone(e["next_attempt_at"])
            self.assertEqual([h["status"] for h in e["retry_history"]], ["no-answer"])
        self.s.request("POST", "/batches/%s/stop" % bid)

    def test_outside_calling_hours_is_rescheduled(self):
        now = datetime.now(timezone.utc)
        # A window that is closed right now in Asia/Kolkata (IN numbers map to one zone).
        ist_hour = (now + timedelta(hours=5, minutes=30)).hour
        start = (ist_hour + 2) % 24
        end = start + 1
        agent = self.agent(calling_guardrails={"call_start_hour": start, "call_end_hour": end,
                                               "default_timezone": "Asia/Kolkata"})
        bid = self.run_batch(agent, b"contact_number,first_name\n+919876543210,Asha\n")
        time.sleep(1)
        e = self.s.get("/batches/%s/executions" % bid).json()[0]
        self.assertEqual(e["status"], "rescheduled", e)
        nxt = datetime.fromisoformat(e["next_attempt_at"])
        local = nxt + timedelta(hours=5, minutes=30)
        self.assertEqual((local.hour, local.minute), (start, 0))
        self.assertGreater(nxt, now)
        self.assertEqual(record_count(self.s, agent), 0)
        # bypass_call_guardrails dials at once.
        r = self.s.upload(agent, b"contact_number,first_name\n+919876543211,Ravi\n")
        bid2 = r.json()["batch_id"]
        self.s.post_json("/batches/%s/schedule" % bid2, {"scheduled_at": "now", "bypass_call_guardrails": True})
        wait_for(self.s, bid2, timeout=60)
        self.s.request("POST", "/batches/%s/stop" % bid)

    def test_do_not_call(self):
        r = self.s.post_json("/dnc", {"numbers": ["+1 (718) 555-0001", "not a number"], "reason": "asked"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["added"], 1)
        self.assertEqual(len(r.json()["rejected"]), 1)
        listed = self.s.get("/dnc").json()
        self.assertIn("+17185550001", [d["number"] for d in listed])
        agent = self.agent()
        bid = self.run_batch(agent, b"contact_number,first_name\n+17185550001,No\n+17185550002,Yes\n")
        wait_for(self.s, bid, timeout=60)
        ex = self.s.get("/batches/%s/executions" % bid).json()
        self.assertEqual(ex[0]["status"], "canceled")
        self.assertIn("do-not-call", ex[0]["error_message"])
        self.assertNotEqual(ex[1]["status"], "canceled")
        self.assertEqual(self.s.request("DELETE", "/dnc/%2B17185550001").status, 200)
        self.assertEqual(self.s.request("DELETE", "/dnc/%2B17185550001").status, 404)
        self.assertEqual(self.s.post_json("/dnc", {"numbers": []}).status, 400)

    def test_bolna_sample_client_flow(self):
        agent = self.agent()
        r = self.s.upload(agent, data_file("demo_contacts.csv"))
        bid = r.json()["batch_id"]
        ist = timezone(timedelta(hours=5, minutes=30))
        at = (datetime.now(ist) + timedelta(seconds=2)).isoformat(timespec="seconds")
        r = self.s.post_form("/batches/%s/schedule" % bid, {"scheduled_at": at})
        self.assertEqual(r.status, 200, r)
        b = wait_for(self.s, bid, timeout=90)
        self.assertEqual(b["status"], "completed")
        ex = self.s.get("/batches/%s/executions" % bid).json()
        self.assertEqual(len(ex), 7)
        self.assertTrue(all(e["status"] in TERMINAL for e in ex))


def record_count(server, agent):
    return sum(1 for l in record(server) if l["event"] == "placed" and l["provider"] == agent)


class CrashSafety(unittest.TestCase):
    def test_kill_9_mid_batch_loses_nothing_and_redials_nobody(self):
        s = Server().start()
        try:
            agent = s.post_json("/agents", {"agent_name": "crash", "provider": fast_sim(speed=50),
                                            "max_concurrency": 20, "calls_per_second": 0}).json()["agent_id"]
            r = s.upload(agent, contacts(300, "+1312"))
            bid = r.json()["batch_id"]
            s.post_form("/batches/%s/schedule" % bid, {"scheduled_at": "now"})
            deadline = time.time() + 60
            while record_count(s, agent) < 40 and time.time() < deadline:
                time.sleep(0.05)
            self.assertGreaterEqual(record_count(s, agent), 40)
            s.proc.send_signal(signal.SIGKILL)
            s.proc.wait()
            s2 = Server(data_dir=s.dir).start()
            try:
                b = wait_for(s2, bid, timeout=240)
                self.assertEqual(sum(b["execution_status"].values()), 300)
                ex = s2.get("/batches/%s/executions" % bid).json()
                self.assertTrue(all(e["status"] in TERMINAL for e in ex))
                lines = [l for l in record(s2) if l.get("provider") == agent]
                placed = [l for l in lines if l["event"] == "placed"]
                keys = Counter(l["key"] for l in placed)
                self.assertEqual(max(keys.values()), 1, "an attempt was dialled twice")
                per_number = Counter(l["to"] for l in placed)
                self.assertEqual(max(per_number.values()), 1, "a contact was called twice")
                # Every contact was dialled exactly once: attempts interrupted before the
                # provider heard of them were requeued, placed ones were reconciled.
                self.assertEqual(len(per_number), 300)
            finally:
                s2.stop()
        finally:
            s.cleanup()


if __name__ == "__main__":
    unittest.main()
