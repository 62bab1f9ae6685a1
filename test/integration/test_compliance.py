"""Black-box: calling rules across batches (contact limits over the account's
dial history), hold reasons and held counts, rule packs (built-in and from a
directory), and bad compliance settings."""
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest
from datetime import datetime, timedelta

from harness import BIN, Server

NUMBER = "+14155550100"


def fast_sim():
    return {"type": "simulator", "speed": 5000, "seed": 5, "answer_rate": 1.0, "busy_rate": 0, "no_answer_rate": 0,
            "voicemail_rate": 0, "failure_rate": 0, "ring_seconds": [1, 2], "talk_seconds": [5, 10]}


def parse_time(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class Compliance(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Server().start()

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()
        cls.s.cleanup()

    def agent(self, **kw):
        body = {"agent_name": "compliance", "provider": fast_sim(), "max_concurrency": 5, "calls_per_second": 0}
        body.update(kw)
        r = self.s.post_json("/agents", body)
        self.assertEqual(r.status, 201, r)
        return r.json()

    def run_batch(self, agent_id, numbers):
        content = ("contact_number,first_name\n" + "".join("%s,P\n" % n for n in numbers)).encode()
        r = self.s.upload(agent_id, content)
        self.assertEqual(r.status, 201, r)
        bid = r.json()["batch_id"]
        r = self.s.post_form("/batches/%s/schedule" % bid, {"scheduled_at": "now"})
        self.assertEqual(r.status, 200, r)
        return bid

    def wait_batch(self, bid, pred, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            b = self.s.get("/batches/" + bid).json()
            if pred(b):
                return b
            time.sleep(0.1)
        self.fail("batch %s: condition not reached: %r" % (bid, b))

    def executions(self, bid):
        r = self.s.get("/batches/%s/executions" % bid)
        self.assertEqual(r.status, 200, r)
        return r.json()

    def test_third_batch_over_the_contact_limit_is_held_until_the_oldest_dial_leaves(self):
        limited = self.agent(agent_name="limited", contact_limits=[{"max_calls": 2, "per_hours": 24}])
        self.assertEqual(limited["contact_limits"], [{"max_calls": 2, "per_hours": 24}])
        unlimited = self.agent(agent_name="other agent")
        # Dials of any agent of the account count.
        first = self.run_batch(limited["agent_id"], [NUMBER])
        self.wait_batch(first, lambda b: b["status"] == "completed")
        second = self.run_batch(unlimited["agent_id"], [NUMBER])
        self.wait_batch(second, lambda b: b["status"] == "completed")
        third = self.run_batch(limited["agent_id"], [NUMBER, "+14155550101"])
        b = self.wait_batch(third, lambda b: b.get("held") == {"contact_limit": 1} and
                            b["execution_status"].get("completed") == 1)
        self.assertEqual(b["status"], "running")
        held = [e for e in self.executions(third) if e["user_number"] == NUMBER][0]
        self.assertEqual(held["status"], "rescheduled")
        self.assertEqual(held["hold_reason"], "contact_limit")
        first_dial = parse_time(self.executions(first)[0]["retry_history"][0]["at"])
        self.assertEqual(parse_time(held["next_attempt_at"]), first_dial + timedelta(hours=24))
        free = [e for e in self.executions(third) if e["user_number"] != NUMBER][0]
        self.assertEqual(free["status"], "completed")
        self.assertIsNone(free["hold_reason"])
        # The audit trail says why, and when it may be dialled.
        r = self.s.get("/executions/%s/decisions" % held["id"])
        self.assertEqual(r.status, 200, r)
        decisions = r.json()
        self.assertEqual([(d["decision"], d["reason"], d["attempt"]) for d in decisions],
                         [("held", "contact_limit", 1)])
        self.assertEqual(parse_time(decisions[0]["eligible_at"]), first_dial + timedelta(hours=24))
        dialled = self.s.get("/executions/%s/decisions" % free["id"]).json()
        self.assertEqual([(d["decision"], d["attempt"]) for d in dialled], [("dialled", 1)])
        self.assertEqual(self.s.get("/executions/%s/decisions" % ("0" * 32)).status, 404)
        self.assertEqual(self.s.get("/executions/%s/decisions" % held["id"], key=None).status, 401)
        # The export says why.
        r = self.s.get("/batches/%s/executions?format=csv" % third)
        self.assertEqual(r.status, 200, r)
        lines = r.body.decode().splitlines()
        self.assertTrue(lines[0].endswith(",execution_id,hold_reason"), lines[0])
        self.assertTrue(any(line.startswith(NUMBER) and line.endswith(",contact_limit") for line in lines), lines)
        # Stopping it: nothing waits any more, so nothing is shown as held.
        r = self.s.post_form("/batches/%s/stop" % third, {})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.s.get("/batches/" + third).json()["held"], {})

    def test_hours_outside_the_window_are_held_with_calling_hours(self):
        now = datetime.utcnow()
        start = (now.hour + 2) % 24
        end = start + 1
        agent = self.agent(agent_name="closed", calling_guardrails={
            "call_start_hour": start, "call_end_hour": end, "default_timezone": "UTC",
            "call_days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "ambiguous_timezone": "strictest",
            "rule_packs": []})
        self.assertEqual(agent["calling_guardrails"]["ambiguous_timezone"], "strictest")
        # A UK mobile: one zone, Europe/London, whatever the default.
        bid = self.run_batch(agent["agent_id"], ["+447911123456"])
        b = self.wait_batch(bid, lambda b: b.get("held") == {"calling_hours": 1})
        e = self.executions(bid)[0]
        self.assertEqual(e["hold_reason"], "calling_hours")
        self.assertIsNotNone(e["next_attempt_at"])

    def test_rule_packs_are_listed(self):
        r = self.s.get("/rule-packs")
        self.assertEqual(r.status, 200, r)
        packs = {p["name"]: p for p in r.json()["rule_packs"]}
        us = packs["us"]
        self.assertEqual(us["origin"], "built-in")
        fl = [rule for rule in us["rules"] if rule["where"] == "FL"][0]
        self.assertEqual(fl["hours"], [8, 20])
        self.assertEqual(fl["caps"], [{"max_calls": 3, "per_hours": 24}])
        self.assertTrue(all(rule["source"] and rule["checked"] for rule in us["rules"]))
        names = {h["name"] for h in us["holiday_dates"]}
        self.assertIn("Independence Day", names)
        self.assertEqual(self.s.get("/rule-packs", key=None).status, 401)
        agent = self.agent(agent_name="with us", calling_guardrails={"rule_packs": ["us"]})
        self.assertEqual(agent["calling_guardrails"]["rule_packs"], ["us"])
        self.assertEqual(agent["calling_guardrails"]["call_days"], ["mon", "tue", "wed", "thu", "fri", "sat", "sun"])

    def preview(self, bid, at, **query):
        path = "/batches/%s/preview?at=%s" % (bid, at.replace("+", "%2B"))
        for k, v in query.items():
            path += "&%s=%s" % (k, v)
        r = self.s.get(path)
        self.assertEqual(r.status, 200, r)
        return r.json()

    def test_preview_at_fixed_instants_follows_the_us_pack(self):
        agent = self.agent(agent_name="us pack", calling_guardrails={
            "call_start_hour": 9, "call_end_hour": 21, "default_timezone": "America/New_York", "rule_packs": ["us"]})
        numbers = {"NY": "+12125550123", "FL": "+13055550123", "TX": "+12145550123", "PA": "+12155551234",
                   "AL": "+12055551234"}
        content = ("contact_number,state\n" + "".join("%s,%s\n" % (n, s) for s, n in numbers.items())).encode()
        r = self.s.upload(agent["agent_id"], content)
        self.assertEqual(r.status, 201, r)
        bid = r.json()["batch_id"]  # created, never scheduled: a preview before the start

        def verdicts(p):
            by_number = {e["user_number"]: e for e in p["executions"]}
            return {s: (by_number[n]["verdict"], by_number[n]["hold_reason"]) for s, n in numbers.items()}, by_number

        # A Monday 20:30 in New York: Florida (08-20) waits for the morning, New York does not.
        p = self.preview(bid, "2026-12-07T20:30:00-05:00")
        v, by_number = verdicts(p)
        self.assertEqual(v["NY"], ("eligible", None))
        self.assertEqual(v["FL"], ("held", "state_hours:FL"))
        self.assertEqual(by_number[numbers["FL"]]["eligible_at"], "2026-12-08T14:00:00.000+00:00")
        self.assertEqual(p["at"], "2026-12-08T01:30:00.000+00:00")
        self.assertEqual(p["held"].get("state_hours:FL"), 1)
        # A Sunday morning (10:00 in Texas): Texas opens at noon, Alabama not at all on Sundays.
        v, by_number = verdicts(self.preview(bid, "2026-12-06T10:00:00-06:00"))
        self.assertEqual(v["TX"], ("held", "state_days:TX"))
        self.assertEqual(by_number[numbers["TX"]]["eligible_at"], "2026-12-06T18:00:00.000+00:00")
        self.assertEqual(v["AL"], ("held", "state_days:AL"))
        self.assertEqual(v["NY"], ("eligible", None))
        # 4 July: Pennsylvania keeps legal holidays.
        v, _ = verdicts(self.preview(bid, "2026-07-04T12:00:00-04:00"))
        self.assertEqual(v["PA"], ("held", "holiday:PA"))
        self.assertEqual(v["NY"], ("eligible", None))
        # limit lists fewer, the counts still cover all.
        p = self.preview(bid, "2026-12-07T20:30:00-05:00", limit=1)
        self.assertEqual(len(p["executions"]), 1)
        self.assertEqual(p["eligible"] + sum(p["held"].values()) + sum(p["blocked"].values()), 5)
        # The CLI shows the same.
        out = subprocess.run([BIN, "preview", bid, "--at", "2026-12-07T20:30:00-05:00", "--server",
                              "http://127.0.0.1:%d" % self.s.port, "--api-key", self.s.api_key],
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("state_hours:FL", out.stdout)
        self.assertIn(numbers["FL"], out.stdout)
        # Bad input.
        for q in ("at=yesterday", "at=2026-12-07T20:30:00", "limit=1001", "limit=x"):
            r = self.s.get("/batches/%s/preview?%s" % (bid, q))
            self.assertEqual(r.status, 400, (q, r))
        self.assertEqual(self.s.get("/batches/%s/preview" % ("0" * 32)).status, 404)

    def test_bad_settings_are_400_naming_the_field_and_change_nothing(self):
        agent = self.agent(agent_name="unchanged")
        cases = [
            ({"calling_guardrails": {"rule_packs": ["mars"]}}, "calling_guardrails.rule_packs"),
            ({"calling_guardrails": {"call_days": ["monday"]}}, "calling_guardrails.call_days"),
            ({"calling_guardrails": {"call_days": []}}, "calling_guardrails.call_days"),
            ({"calling_guardrails": {"ambiguous_timezone": "loosest"}}, "calling_guardrails.ambiguous_timezone"),
            ({"contact_limits": [{"max_calls": 0, "per_hours": 24}]}, "contact_limits[0].max_calls"),
            ({"contact_limits": [{"max_calls": 3, "per_hours": 9000}]}, "contact_limits[0].per_hours"),
            ({"contact_limits": [{"max_calls": 1, "per_hours": 1}] * 5}, "contact_limits"),
            ({"contact_limits": "3 per day"}, "contact_limits"),
        ]
        for body, field in cases:
            r = self.s.request("PATCH", "/agents/" + agent["agent_id"], body)
            self.assertEqual(r.status, 400, (body, r))
            self.assertIn(field, r.json()["message"], (body, r.json()))
        got = self.s.get("/agents/" + agent["agent_id"]).json()
        self.assertEqual(got["contact_limits"], [])
        self.assertIsNone(got["calling_guardrails"])


class RulePackDirectory(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="batchcall-packs-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, name, obj_or_text):
        with open(os.path.join(self.dir, name), "w") as f:
            f.write(obj_or_text if isinstance(obj_or_text, str) else json.dumps(obj_or_text))

    def test_own_packs_load_beside_the_built_in_ones(self):
        self.write("uk.json", {"name": "uk", "version": "2026-12", "title": "UK", "regions": ["GB"],
                               "rules": [{"where": "*", "hours": [9, 20], "no_days": ["sun"],
                                          "source": "Ofcom persistent misuse policy", "checked": "2026-12-07"}]})
        s = Server(extra_args=["--rule-packs-dir", self.dir]).start()
        try:
            packs = {p["name"]: p for p in s.get("/rule-packs").json()["rule_packs"]}
            self.assertEqual(set(packs), {"uk", "us"})
            self.assertEqual(packs["uk"]["origin"], os.path.join(self.dir, "uk.json"))
            r = s.post_json("/agents", {"agent_name": "uk", "provider": fast_sim(),
                                        "calling_guardrails": {"rule_packs": ["uk", "us"]}})
            self.assertEqual(r.status, 201, r)
        finally:
            s.stop()
            s.cleanup()

    def test_a_broken_pack_stops_start_up_naming_the_file(self):
        self.write("broken.json", '{"name": "broken", "version": "1", "regions": ["US"], "rules": [{"where": "*"}]}')
        s = Server(extra_args=["--rule-packs-dir", self.dir])
        with self.assertRaises(RuntimeError) as e:
            s.start()
        s.stop()
        s.cleanup()
        self.assertIn("broken.json", str(e.exception))
        self.assertIn("rules[0].source", str(e.exception))


if __name__ == "__main__":
    unittest.main()
