"""Black-box test of the structured logs of a real `batchcall serve
--log-format json`: every line of stdout and stderr is one JSON object with
time, level and msg (start-up lines included); secrets created at start go to
files in the data directory, never to the output; no phone number of an
uploaded CSV appears in full, even at debug level; every response carries
X-Request-Id and the access log line of that request has the same
request_id and the route pattern, not the path."""
import json
import os
import re
import signal
import stat
import time
import unittest

from harness import Server, multipart

TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def sim(seed):
    return {"type": "simulator", "speed": 2000, "seed": seed, "answer_rate": 0.5, "busy_rate": 0.2,
            "no_answer_rate": 0.2, "voicemail_rate": 0.05, "failure_rate": 0.05,
            "ring_seconds": [3, 10], "talk_seconds": [10, 30]}


PHONES = ["+1415%07d" % (5550100 + i) for i in range(12)]


class JsonServer:
    """A server whose merged stdout/stderr is drained by a thread (so a chatty
    debug log never fills the pipe) and kept for inspection."""

    def __init__(self, **kw):
        self.s = Server(extra_args=["--log-format", "json", "--log-level", "debug"], **kw)

    def start(self):
        self.s.start()
        return self

    @property
    def lines(self):
        # The harness keeps reading the server's output after start-up.
        return (self.s.startup_output + self.s.output_so_far()).splitlines()

    def stop(self):
        code, _ = self.s.stop()
        return code


class JsonLogs(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = JsonServer().start()
        cls.s = cls.server.s
        try:
            cls.run_traffic()
        finally:
            cls.code = cls.server.stop()
        cls.events = []
        cls.bad_lines = []
        for line in cls.server.lines:
            try:
                cls.events.append(json.loads(line))
            except ValueError:
                cls.bad_lines.append(line)

    @classmethod
    def tearDownClass(cls):
        cls.s.cleanup()

    @classmethod
    def run_traffic(cls):
        s = cls.s
        r = s.post_json("/agents", {"agent_name": "logs", "provider": sim(3), "max_concurrency": 20,
                                    "calls_per_second": 0, "welcome_message": "Hi {first_name}."})
        assert r.status == 201, r
        agent = r.json()["agent_id"]
        csv = "contact_number,first_name\n" + "".join("%s,Person %d\n" % (p, i) for i, p in enumerate(PHONES))
        csv += "+1415555,Too short\n"  # a rejected row: its number is echoed in the report, not the log
        body, ctype = multipart([("agent_id", agent)], [("file", "contacts.csv", csv.encode())])
        cls.upload = s.request("POST", "/batches", body=body,
                               headers={"Content-Type": ctype, "X-Request-Id": "upload-req-1"})
        assert cls.upload.status == 201, cls.upload
        cls.batch_id = cls.upload.json()["batch_id"]
        r = s.post_form("/batches/%s/schedule" % cls.batch_id, {"scheduled_at": "now"})
        assert r.status == 200, r
        deadline = time.time() + 120
        while time.time() < deadline:
            cls.status = s.get("/batches/" + cls.batch_id)
            if cls.status.json()["status"] == "completed":
                break
            time.sleep(0.2)
        cls.executions = s.get("/batches/%s/executions?limit=100" % cls.batch_id)
        cls.bad_id = s.get("/batches/" + cls.batch_id, headers={"X-Request-Id": "bad id with spaces"})
        cls.missing = s.get("/nowhere/%s" % PHONES[0])
        cls.health = s.get("/healthz", key=None)

    def test_server_stopped_cleanly(self):
        self.assertEqual(self.code, 0)
        self.assertEqual(self.status.json()["status"], "completed")
        self.assertIn("shutting down", [e["msg"] for e in self.events])

    def test_every_line_is_a_json_event(self):
        self.assertEqual(self.bad_lines, [])
        self.assertGreater(len(self.events), 5)
        for e in self.events:
            self.assertIsInstance(e, dict)
            self.assertRegex(e.get("time", ""), TIME, e)
            self.assertIn(e.get("level"), {"debug", "info", "warn", "error"}, e)
            self.assertIsInstance(e.get("msg"), str, e)

    def test_startup_lines_are_events_and_secrets_go_to_files(self):
        msgs = [e["msg"] for e in self.events]
        listening = [m for m in msgs if m.startswith("batchcall listening on http://127.0.0.1:")]
        self.assertEqual(len(listening), 1, msgs[:10])
        output = "\n".join(self.server.lines)
        self.assertNotIn("whsec_", output)
        path = os.path.join(self.s.dir, "webhook-secret")
        with open(path) as f:
            self.assertRegex(f.read().strip(), r"^whsec_[0-9a-f]{64}$")
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        self.assertTrue(any(e.get("file") == path for e in self.events))

    def test_no_phone_number_in_full(self):
        output = "\n".join(self.server.lines)
        for phone in PHONES:
            self.assertNotIn(phone[1:], output)   # digits without '+'
            self.assertNotIn(phone[-8:], output)  # not even most of them
        self.assertIn("batch started", [e["msg"] for e in self.events])

    def test_request_ids_are_echoed_and_logged(self):
        access = [e for e in self.events if e["msg"] == "http request"]
        by_id = {e["request_id"]: e for e in access}
        self.assertEqual(self.upload.header("X-Request-Id"), "upload-req-1")
        e = by_id["upload-req-1"]
        self.assertEqual(e["level"], "info")
        self.assertEqual(e["method"], "POST")
        self.assertEqual(e["route"], "/batches")
        self.assertEqual(e["status"], 201)
        self.assertIsInstance(e["duration_ms"], (int, float))
        self.assertEqual(e["remote"], "127.0.0.1")

        for r, route in ((self.executions, "/batches/{batch_id}/executions"),
                         (self.bad_id, "/batches/{batch_id}"), (self.missing, "unmatched")):
            rid = r.header("X-Request-Id")
            self.assertIsNotNone(rid, r)
            self.assertRegex(rid, r"^[A-Za-z0-9._-]{1,64}$")
            self.assertIn(rid, by_id)
            self.assertEqual(by_id[rid]["route"], route)
            self.assertEqual(by_id[rid]["status"], r.status)
        self.assertNotEqual(self.bad_id.header("X-Request-Id"), "bad id with spaces")
        # Info lines name the route, never the path (which holds ids).
        for e in access:
            if e["level"] == "info":
                self.assertNotIn("path", e)
                self.assertNotIn(self.batch_id, json.dumps(e))

    def test_health_checks_are_debug(self):
        rid = self.health.header("X-Request-Id")
        lines = [e for e in self.events if e.get("request_id") == rid and e["msg"] == "http request"]
        self.assertEqual(len(lines), 1)
        self.assertEqual(lines[0]["level"], "debug")
        self.assertEqual(lines[0]["route"], "/healthz")


class FirstKeyInJsonMode(unittest.TestCase):
    def test_first_api_key_is_written_to_a_file(self):
        server = JsonServer(api_key=None).start()
        try:
            key_file = os.path.join(server.s.dir, "first-api-key")
            with open(key_file) as f:
                key = f.read().strip()
            self.assertRegex(key, r"^bc_[0-9a-f]{48}$")
            self.assertEqual(stat.S_IMODE(os.stat(key_file).st_mode), 0o600)
            self.assertEqual(server.s.get("/agents", key=key).status, 200)
        finally:
            server.stop()
            server.s.cleanup()
        output = "\n".join(server.lines)
        self.assertNotIn(key, output)
        self.assertNotIn(key[3:], output)
        events = [json.loads(line) for line in server.lines]
        self.assertTrue(any(e.get("file") == key_file for e in events), events[:5])


if __name__ == "__main__":
    unittest.main()
