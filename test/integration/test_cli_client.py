"""Black-box: the `batchcall` client commands (batch create/run, schedule, status,
executions, stop, pause, resume) against a real `batchcall serve`."""
import csv
import io
import json
import os
import re
import socket
import subprocess
import unittest
from datetime import datetime, timedelta, timezone

from harness import BIN, DATA, Server

IST = timezone(timedelta(hours=5, minutes=30))
SIM = {"type": "simulator", "speed": 100, "seed": 7}


def data_path(name):
    return os.path.join(DATA, name)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def in_two_days_ist():
    """A future time written with a +05:30 offset, and the UTC form the server echoes."""
    at = (datetime.now(IST) + timedelta(days=2)).replace(microsecond=0)
    return at.isoformat(), at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000+00:00")


class CliClient(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Server().start()
        cls.url = "http://127.0.0.1:%d" % cls.s.port
        cls.agent = cls.s.demo_agent_id()

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()
        cls.s.cleanup()

    def cli(self, *args, server="default", key="default", env=None, timeout=60):
        """Runs `batchcall ARGS --server URL --api-key KEY`; returns the CompletedProcess."""
        e = dict(os.environ)
        for name in ("BATCHCALL_URL", "BATCHCALL_API_KEY"):
            e.pop(name, None)
        e.update(env or {})
        argv = [BIN] + list(args)
        if server:
            argv += ["--server", self.url if server == "default" else server]
        if key:
            argv += ["--api-key", self.s.api_key if key == "default" else key]
        return subprocess.run(argv, capture_output=True, text=True, env=e, timeout=timeout)

    def ok(self, *args, **kw):
        out = self.cli(*args, **kw)
        self.assertEqual(out.returncode, 0, "%s\nstdout:\n%s\nstderr:\n%s" % (args, out.stdout, out.stderr))
        return out

    def create_demo(self):
        out = self.ok("batch", "create", data_path("demo_contacts.csv"), "--agent", self.agent)
        m = re.search(r"batch ([0-9a-f]{32}) created", out.stdout)
        self.assertIsNotNone(m, out.stdout)
        return m.group(1), out

    def schedule_later(self, batch_id):
        at, _ = in_two_days_ist()
        self.ok("schedule", batch_id, "--at", at)

    # --- batch create
    def test_batch_create_prints_id_counts_and_the_rejected_row(self):
        batch_id, out = self.create_demo()
        self.assertIn("8 rows, 7 valid / 1 rejected", out.stdout)
        self.assertIn("duplicate: 1", out.stdout)
        self.assertIn("rejected rows:", out.stdout)
        row = [l for l in out.stdout.splitlines() if "+14155552671" in l]
        self.assertEqual(len(row), 1, out.stdout)
        self.assertRegex(row[0], r"^\s*9\s+\+14155552671\s+duplicate\s+\S")
        self.assertNotIn("more", out.stdout)
        b = self.s.get("/batches/" + batch_id).json()
        self.assertEqual((b["valid_contacts"], b["invalid_contacts"], b["file_name"]), (7, 1, "demo_contacts.csv"))

    def test_batch_create_options_and_json(self):
        out = self.ok("batch", "create", data_path("demo_contacts.csv"), "--agent", self.agent, "--json",
                      "--allow-duplicates", "--from-number", "+14155550100", "--from-number", "+14155550101",
                      "--retry-config", '{"enabled": true, "max_retries": 1}',
                      "--webhook-url", "https://example.com/hook", "--phone-validation", "possible")
        body = json.loads(out.stdout)
        self.assertEqual((body["valid_contacts"], body["invalid_contacts"]), (8, 0))
        b = self.s.get("/batches/" + body["batch_id"]).json()
        self.assertEqual(b["from_phone_numbers"], ["+14155550100", "+14155550101"])
        self.assertEqual(b["webhook_url"], "https://example.com/hook")
        self.assertEqual(b["phone_validation"], "possible")
        self.assertEqual(b["retry_config"]["max_retries"], 1)
        self.assertTrue(b["allow_duplicates"])

    def test_batch_create_with_no_valid_rows_shows_the_details(self):
        out = self.cli("batch", "create", data_path("seed_example.csv"), "--agent", self.agent)
        self.assertEqual(out.returncode, 1, out)
        self.assertIn("error 400: No valid contacts", out.stderr)
        self.assertRegex(out.stderr, r"line\s+contact_number\s+code\s+message")
        for line in (2, 3, 4, 5):
            self.assertRegex(out.stderr, r"(?m)^\s*%d\s" % line)

    def test_batch_create_missing_file_is_a_usage_error(self):
        out = self.cli("batch", "create", "/nonexistent/contacts.csv", "--agent", self.agent)
        self.assertEqual(out.returncode, 2, out)
        self.assertIn("cannot read /nonexistent/contacts.csv", out.stderr)

    # --- schedule / status
    def test_schedule_with_an_offset_time_and_status(self):
        batch_id, _ = self.create_demo()
        at, utc = in_two_days_ist()
        out = self.ok("schedule", batch_id, "--at", at)
        self.assertIn("batch %s scheduled for %s" % (batch_id, utc), out.stdout)
        b = self.s.get("/batches/" + batch_id).json()
        self.assertEqual((b["status"], b["scheduled_at"]), ("scheduled", utc))

        out = self.ok("status", batch_id)
        self.assertRegex(out.stdout, r"(?m)^status\s+scheduled$")
        self.assertRegex(out.stdout, r"(?m)^scheduled_at\s+%s$" % re.escape(utc))
        self.assertIn("8 rows, 7 valid / 1 rejected", out.stdout)
        self.assertIn("0/7 done, 0 in flight, 7 pending", out.stdout)
        self.assertRegex(out.stdout, r"(?m)^executions\s+prepared 7$")
        self.assertEqual(json.loads(self.ok("status", batch_id, "--json").stdout)["batch_id"], batch_id)

    def test_schedule_refuses_a_past_time(self):
        batch_id, _ = self.create_demo()
        out = self.cli("schedule", batch_id, "--at", "2020-01-01T10:00:00+05:30")
        self.assertEqual(out.returncode, 1, out)
        self.assertIn("error 400:", out.stderr)
        self.assertIn("in the past", out.stderr)

    # --- executions
    def test_executions_table_csv_json_and_filter(self):
        batch_id, _ = self.create_demo()
        out = self.ok("executions", batch_id)
        lines = out.stdout.splitlines()
        self.assertRegex(lines[0], r"^contact_number\s+status\s+attempts\s+duration\s+error$")
        self.assertEqual(len(lines), 1 + 7 + 1, out.stdout)
        self.assertRegex(lines[1], r"^\+14155552671\s+prepared\s+0\s+0s$")
        self.assertEqual(lines[-1], "7 executions")

        out = self.ok("executions", batch_id, "--csv")
        rows = list(csv.DictReader(io.StringIO(out.stdout)))
        self.assertEqual(len(rows), 7)
        self.assertEqual(rows[0]["contact_number"], "+14155552671")
        self.assertEqual(rows[0]["first_name"], "Ada")
        self.assertEqual({r["status"] for r in rows}, {"prepared"})

        ex = json.loads(self.ok("executions", batch_id, "--json").stdout)
        self.assertEqual(len(ex), 7)

        out = self.ok("executions", batch_id, "--status", "completed,busy")
        self.assertEqual(out.stdout.splitlines()[-1], "0 executions")
        out = self.ok("executions", batch_id, "--status", "prepared", "--csv")
        self.assertEqual(len(list(csv.DictReader(io.StringIO(out.stdout)))), 7)
        out = self.cli("executions", batch_id, "--status", "bogus")
        self.assertEqual(out.returncode, 1, out)
        self.assertIn("error 400:", out.stderr)

    # --- stop / pause / resume
    def test_stop(self):
        batch_id, _ = self.create_demo()
        self.schedule_later(batch_id)
        out = self.ok("stop", batch_id)
        self.assertEqual(out.stdout.strip(), "batch %s stopped" % batch_id)
        self.assertEqual(self.s.get("/batches/" + batch_id).json()["status"], "stopped")
        out = self.cli("stop", batch_id)
        self.assertEqual(out.returncode, 1, out)
        self.assertEqual(out.stderr.strip(), "error 404: Batch is not queued or running")

    def test_pause_and_resume(self):
        batch_id, _ = self.create_demo()
        self.schedule_later(batch_id)
        self.assertEqual(self.ok("pause", batch_id).stdout.strip(), "batch %s paused" % batch_id)
        self.assertEqual(self.s.get("/batches/" + batch_id).json()["status"], "paused")
        out = self.cli("pause", batch_id)
        self.assertEqual(out.returncode, 1, out)
        self.assertIn("error 409:", out.stderr)
        out = self.ok("resume", batch_id)
        self.assertEqual(out.stdout.strip(), "batch %s resumed (now scheduled)" % batch_id)
        self.assertEqual(self.s.get("/batches/" + batch_id).json()["status"], "scheduled")

    # --- errors and configuration
    def test_unknown_batch_is_an_api_error(self):
        out = self.cli("status", "0" * 32)
        self.assertEqual(out.returncode, 1, out)
        self.assertRegex(out.stderr, r"^error 404: .*not found")
        self.assertEqual(out.stdout, "")

    def test_wrong_api_key(self):
        out = self.cli("status", "0" * 32, key="bc_wrong_key_0000000000000000")
        self.assertEqual(out.returncode, 1, out)
        self.assertIn("error 401:", out.stderr)
        self.assertIn("--api-key", out.stderr)

    def test_server_down_is_a_connection_error_with_a_hint(self):
        url = "http://127.0.0.1:%d" % free_port()
        out = self.cli("status", "0" * 32, server=url)
        self.assertEqual(out.returncode, 2, out)
        self.assertEqual(out.stderr.strip(), "cannot reach batchcall at %s: is `batchcall serve` running?" % url)

    def test_server_and_key_from_the_environment(self):
        batch_id, _ = self.create_demo()
        out = self.cli("status", batch_id, server=None, key=None,
                       env={"BATCHCALL_URL": self.url, "BATCHCALL_API_KEY": self.s.api_key})
        self.assertEqual(out.returncode, 0, out)
        self.assertIn(batch_id, out.stdout)

    # --- batch run
    def test_batch_run_without_wait_creates_and_schedules(self):
        at, utc = in_two_days_ist()
        out = self.ok("batch", "run", data_path("demo_contacts.csv"), "--agent", self.agent, "--at", at)
        m = re.search(r"batch ([0-9a-f]{32}) created", out.stdout)
        self.assertIsNotNone(m, out.stdout)
        self.assertIn("7 valid / 1 rejected", out.stdout)
        self.assertIn("scheduled for " + utc, out.stdout)
        b = self.s.get("/batches/" + m.group(1)).json()
        self.assertEqual((b["status"], b["scheduled_at"]), ("scheduled", utc))

    def test_batch_run_wait_until_completed(self):
        agent = self.s.post_json("/agents", {"agent_name": "cli-wait", "provider": SIM}).json()["agent_id"]
        out = self.cli("batch", "run", data_path("demo_contacts.csv"), "--agent", agent, "--at", "now",
                       "--wait", "--interval-ms", "100", "--bypass-guardrails", timeout=120)
        self.assertEqual(out.returncode, 0, out)
        self.assertRegex(out.stdout, r"batch [0-9a-f]{32} completed after \d+:\d\d")
        self.assertRegex(out.stdout, r"(?m)^total\s+7$")
        self.assertRegex(out.stdout, r"(?m)^elapsed\s+\d+:\d\d$")
        # Not a terminal: plain progress lines, the last one with every contact done.
        self.assertNotIn("\r", out.stderr)
        self.assertRegex(out.stderr, r"completed: 7/7 done, 0 in flight, 0 pending")


if __name__ == "__main__":
    unittest.main()
