"""Black-box: contacts upload, schedule, status, listings, exports, stop, pause, resume, delete."""
import csv
import io
import os
import re
import signal
import sqlite3
import threading
import time
import unittest
from datetime import datetime, timedelta, timezone

from harness import Server, data_file

SIM = {"type": "simulator", "speed": 100, "seed": 7}


def iso(dt):
    return dt.isoformat()


class Batches(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Server().start()
        cls.agent = cls.s.post_json("/agents", {"agent_name": "batches", "provider": SIM}).json()["agent_id"]
        cls.other_key = cls.s.keys_create("--new-account", "other")

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()
        cls.s.cleanup()

    def create_demo(self, **kw):
        r = self.s.upload(self.agent, data_file("demo_contacts.csv"), filename="demo_contacts.csv", **kw)
        self.assertEqual(r.status, 201, r)
        return r.json()

    # --- upload
    def test_demo_contacts_gives_seven_valid_one_duplicate(self):
        b = self.create_demo()
        self.assertEqual(b["state"], "created")
        self.assertRegex(b["batch_id"], r"^[0-9a-f]{32}$")
        self.assertEqual((b["total_contacts"], b["valid_contacts"], b["invalid_contacts"]), (8, 7, 1))
        report = self.s.get("/batches/%s/report" % b["batch_id"]).json()
        self.assertEqual(len(report), 1)
        self.assertEqual(report[0]["line"], 9)
        self.assertEqual(report[0]["code"], "duplicate")
        self.assertEqual(report[0]["contact_number"], "+14155552671")
        self.assertTrue(report[0]["message"])

    def test_seed_example_is_rejected_with_four_reasons(self):
        r = self.s.upload(self.agent, data_file("seed_example.csv"))
        self.assertEqual(r.status, 400, r)
        body = r.json()
        self.assertEqual(body["error"], 400)
        self.assertEqual(len(body["details"]), 4)
        self.assertEqual([d["line"] for d in body["details"]], [2, 3, 4, 5])
        for d in body["details"]:
            self.assertTrue(d["code"] and d["message"], d)
        # Nothing was stored.
        batches = self.s.get("/batches/%s/all" % self.agent).json()
        self.assertNotIn("seed_example.csv", [b["file_name"] for b in batches])

    def test_options_allow_duplicates_default_country_and_modes(self):
        b = self.create_demo(fields=[("allow_duplicates", "true")])
        self.assertEqual((b["valid_contacts"], b["invalid_contacts"]), (8, 0))
        content = b"contact_number,name\n(415) 555-2671,a\n4155552672,b\n"
        r = self.s.upload(self.agent, content)
        self.assertEqual(r.status, 400)  # no country code, no default
        self.assertEqual({d["code"] for d in r.json()["details"]}, {"missing_country_code"})
        r = self.s.upload(self.agent, content, fields=[("default_country", "US")])
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json()["valid_contacts"], 2)
        ex = self.s.get("/batches/%s/executions" % r.json()["batch_id"]).json()
        self.assertEqual(ex[0]["user_number"], "+14155552671")
        r = self.s.upload(self.agent, data_file("seed_example.csv"), fields=[("phone_validation", "e164")])
        self.assertEqual(r.status, 201, r)
        for bad in [("phone_validation", "loose"), ("default_country", "ZZ"), ("allow_duplicates", "maybe"),
                    ("retry_config", "{not json"), ("retry_config", '{"max_retries": 99}'),
                    ("webhook_url", "not a url"), ("from_phone_numbers", "12")]:
            r = self.s.upload(self.agent, data_file("demo_contacts.csv"), fields=[bad])
            self.assertEqual(r.status, 400, (bad, r))
            self.assertEqual(r.json()["error"], 400)

    def test_file_level_errors(self):
        cases = [
            (b"", "empty"),
            (b"name,phone\nAda,+14155552671\n", "contact_number"),
            (b"contact_number,name,name\n+14155552671,a,b\n", "twice"),
            (b"contact_number,,x\n+14155552671,a,b\n", "no name"),
            (b"contact_number,name\n+14155552671,Ad\xe9le\n", "UTF-8"),
            (b"contact_number,name\n", None),
        ]
        for content, needle in cases:
            r = self.s.upload(self.agent, content)
            self.assertEqual(r.status, 400, (content, r))
            if needle:
                self.assertIn(needle.lower(), r.json()["message"].lower(), content)

    def test_missing_parts_and_unknown_agent(self):
        body, ctype = __import__("harness").multipart([("agent_id", self.agent)], [])
        r = self.s.request("POST", "/batches", body=body, headers={"Content-Type": ctype})
        self.assertEqual(r.status, 400)
        self.assertIn("file", r.json()["message"])
        r = self.s.upload("", data_file("demo_contacts.csv"))
        self.assertEqual(r.status, 400)
        r = self.s.upload("6f1c1f0e-0000-4000-8000-000000000000", data_file("demo_contacts.csv"))
        self.assertEqual(r.status, 404)
        r = self.s.post_json("/batches", {"agent_id": self.agent})
        self.assertEqual(r.status, 400)
        # Another account's agent is unknown to this key.
        r = self.s.upload(self.agent, data_file("demo_contacts.csv"), key=self.other_key)
        self.assertEqual(r.status, 404)

    def test_variables_in_column_order_and_csv_quirks(self):
        content = ('\ufeffcontact_number , zeta,alpha,"note, with comma"\r\n'
                   '+14155552671,z1,a1,"he said ""hi""\nsecond line"\r\n'
                   '\r\n'
                   "'+919876543210,z2,a2,plain\r\n").encode()
        r = self.s.upload(self.agent, content)
        self.assertEqual(r.status, 201, r)
        ex = self.s.get("/batches/%s/executions" % r.json()["batch_id"]).json()
        self.assertEqual(len(ex), 2)
        data = ex[0]["context_details"]["recipient_data"]
        self.assertEqual(list(data.keys()), ["zeta", "alpha", "note, with comma"])
        self.assertEqual(data["note, with comma"], 'he said "hi"\nsecond line')
        self.assertEqual(ex[1]["user_number"], "+919876543210")
        self.assertEqual(ex[0]["status"], "prepared")
        self.assertEqual(ex[0]["context_details"]["recipient_phone_number"], "+14155552671")
        for field in ["id", "agent_id", "batch_id", "status", "user_number", "agent_number",
                      "conversation_duration", "total_cost", "answered_by_voice_mail", "transcript",
                      "summary", "extracted_data", "error_message", "created_at", "updated_at",
                      "telephony_data", "context_details", "batch_run_details", "retry_count",
                      "retry_history", "next_attempt_at"]:
            self.assertIn(field, ex[0])
        self.assertEqual(ex[0]["telephony_data"]["call_type"], "outbound")

    # --- status and listings
    def test_get_batch_and_list(self):
        b = self.create_demo()
        bid = b["batch_id"]
        got = self.s.get("/batches/" + bid).json()
        self.assertEqual(got["batch_id"], bid)
        self.assertEqual(got["status"], "created")
        self.assertIsNone(got["scheduled_at"])
        self.assertEqual(got["execution_status"], {"prepared": 7})
        self.assertEqual(got["progress"], {"pending": 7, "in_flight": 0, "done": 0, "total": 7})
        self.assertEqual(got["file_name"], "demo_contacts.csv")
        self.assertEqual(got["humanized_created_at"], "just now")
        self.assertRegex(got["created_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$")
        hyphenated = "%s-%s-%s-%s-%s" % (bid[:8], bid[8:12], bid[12:16], bid[16:20], bid[20:])
        self.assertEqual(self.s.get("/batches/" + hyphenated.upper()).json()["batch_id"], bid)
        b2 = self.create_demo()
        listed = self.s.get("/batches/%s/all" % self.agent).json()
        ids = [x["batch_id"] for x in listed]
        self.assertLess(ids.index(b2["batch_id"]), ids.index(bid))  # newest first
        self.assertEqual(self.s.get("/batches/" + "f" * 32).status, 404)
        self.assertEqual(self.s.get("/batches/" + bid, key=self.other_key).status, 404)
        self.assertEqual(self.s.get("/batches/%s/all" % "6f1c1f0e-0000-4000-8000-000000000000").status, 404)

    def test_executions_filter_paging_csv_and_single(self):
        bid = self.create_demo()["batch_id"]
        allx = self.s.get("/batches/%s/executions" % bid).json()
        self.assertEqual([e["user_number"] for e in allx],
                         ["+14155552671", "+919876543210", "+447911123456", "+12125551234",
                          "+4930123456", "+33612345678", "+61412345678"])
        self.assertEqual(len(self.s.get("/batches/%s/executions?status=prepared" % bid).json()), 7)
        self.assertEqual(self.s.get("/batches/%s/executions?status=completed,busy" % bid).json(), [])
        r = self.s.get("/batches/%s/executions?status=bogus" % bid)
        self.assertEqual(r.status, 400)
        for bad in ["0", "1001", "x", ""]:
            self.assertEqual(self.s.get("/batches/%s/executions?limit=%s" % (bid, bad)).status, 400, bad)
        self.assertEqual(self.s.get("/batches/%s/executions?after=nope&limit=2" % bid).status, 400)
        # Keyset paging by following Link headers.
        seen, url, pages = [], "/batches/%s/executions?limit=3" % bid, 0
        while url:
            r = self.s.get(url)
            self.assertEqual(r.status, 200)
            seen += [e["id"] for e in r.json()]
            link = r.header("Link")
            url = re.match(r'<([^>]+)>; rel="next"', link).group(1) if link else None
            pages += 1
        self.assertEqual(seen, [e["id"] for e in allx])
        self.assertEqual(pages, 3)
        # CSV export, by query and by Accept.
        for r in (self.s.get("/batches/%s/executions?format=csv" % bid),
                  self.s.get("/batches/%s/executions" % bid, headers={"Accept": "text/csv"})):
            self.assertEqual(r.status, 200)
            self.assertTrue(r.header("Content-Type").startswith("text/csv"))
            rows = list(csv.DictReader(io.StringIO(r.body.decode())))
            self.assertEqual(len(rows), 7)
            self.assertEqual(rows[0]["contact_number"], "+14155552671")
            self.assertEqual(rows[0]["first_name"], "Ada")
            self.assertEqual(rows[0]["status"], "prepared")
            for col in ["attempts", "conversation_duration", "answered_by_voice_mail", "error_message",
                        "created_at", "updated_at"]:
                self.assertIn(col, rows[0])
        self.assertEqual(self.s.get("/batches/%s/executions?format=xml" % bid).status, 400)
        one = self.s.get("/executions/" + allx[2]["id"])
        self.assertEqual(one.status, 200)
        self.assertEqual(one.json()["user_number"], "+447911123456")
        self.assertEqual(self.s.get("/executions/" + allx[2]["id"], key=self.other_key).status, 404)
        self.assertEqual(self.s.get("/batches/%s/executions" % bid, key=self.other_key).status, 404)
        rep = self.s.get("/batches/%s/report?format=csv" % bid)
        self.assertEqual(rep.status, 200)
        self.assertEqual(list(csv.DictReader(io.StringIO(rep.body.decode())))[0]["code"], "duplicate")

    def test_csv_export_neutralises_formulas(self):
        # Issue 13, finding 12: a cell a spreadsheet would run as a formula is
        # prefixed with an apostrophe; E.164 numbers and negative numbers stay.
        content = (b'contact_number,first_name,link,balance,note\n'
                   b'+14155552671,"=HYPERLINK(""http://evil.example/"",""click"")",@SUM(A1),-12.5,-1+cmd\n')
        b = self.s.upload(self.agent, content, filename="formula.csv")
        self.assertEqual(b.status, 201, b)
        bid = b.json()["batch_id"]
        r = self.s.get("/batches/%s/executions?format=csv" % bid)
        self.assertEqual(r.status, 200)
        rows = list(csv.DictReader(io.StringIO(r.body.decode())))
        self.assertEqual(rows[0]["contact_number"], "+14155552671")
        self.assertEqual(rows[0]["first_name"], "'=HYPERLINK(\"http://evil.example/\",\"click\")")
        self.assertEqual(rows[0]["link"], "'@SUM(A1)")
        self.assertEqual(rows[0]["balance"], "-12.5")
        self.assertEqual(rows[0]["note"], "'-1+cmd")
        # The JSON view keeps the value exactly as uploaded.
        ex = self.s.get("/batches/%s/executions" % bid).json()
        self.assertEqual(ex[0]["context_details"]["recipient_data"]["link"], "@SUM(A1)")

    # --- schedule
    def test_schedule_like_the_bolna_client(self):
        bid = self.create_demo()["batch_id"]
        ist = timezone(timedelta(hours=5, minutes=30))
        when = (datetime.now(ist) + timedelta(hours=2)).replace(microsecond=0)
        r = self.s.post_form("/batches/%s/schedule" % bid, {"scheduled_at": iso(when)})
        self.assertEqual(r.status, 200, r)
        body = r.json()
        self.assertEqual(body["message"], "success")
        self.assertEqual(body["state"], "scheduled")
        utc = when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000+00:00")
        self.assertEqual(body["scheduled_at"], utc)
        got = self.s.get("/batches/" + bid).json()
        self.assertEqual((got["status"], got["scheduled_at"]), ("scheduled", utc))
        # Re-scheduling is allowed, with a compact offset and in JSON.
        later = (when + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S+0530")
        r = self.s.post_json("/batches/%s/schedule" % bid, {"scheduled_at": later, "bypass_call_guardrails": True})
        self.assertEqual(r.status, 200, r)
        self.assertTrue(self.s.get("/batches/" + bid).json()["bypass_call_guardrails"])

    def test_schedule_rejects_bad_times(self):
        bid = self.create_demo()["batch_id"]
        past = (datetime.now(timezone.utc) - timedelta(minutes=5)).isoformat()
        naive = (datetime.now() + timedelta(hours=1)).replace(microsecond=0).isoformat()
        for value, needle in [(naive, "offset"), (past, "past"), ("tomorrow", "ISO 8601"), ("", "required")]:
            r = self.s.post_form("/batches/%s/schedule" % bid, {"scheduled_at": value})
            self.assertEqual(r.status, 400, (value, r))
            self.assertIn(needle, r.json()["message"], value)
        self.assertEqual(self.s.post_form("/batches/%s/schedule" % bid, {}).status, 400)
        self.assertEqual(self.s.request("POST", "/batches/%s/schedule" % bid, body=b"{",
                                        headers={"Content-Type": "application/json"}).status, 400)
        self.assertEqual(self.s.get("/batches/" + bid).json()["status"], "created")
        self.assertEqual(self.s.post_form("/batches/%s/schedule" % ("a" * 32), {"scheduled_at": "now"}).status, 404)

    def test_schedule_now(self):
        bid = self.create_demo()["batch_id"]
        r = self.s.post_form("/batches/%s/schedule" % bid, {"scheduled_at": "now"})
        self.assertEqual(r.status, 200, r)
        at = datetime.fromisoformat(r.json()["scheduled_at"])
        self.assertLess(abs((at - datetime.now(timezone.utc)).total_seconds()), 30)

    # --- stop, pause, resume, delete
    def test_stop_then_schedule_is_409_and_stop_again_404(self):
        bid = self.create_demo()["batch_id"]
        r = self.s.request("POST", "/batches/%s/stop" % bid)
        self.assertEqual(r.status, 404)  # created, not queued or running
        self.assertEqual(r.json()["message"], "Batch is not queued or running")
        later = (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()
        self.s.post_form("/batches/%s/schedule" % bid, {"scheduled_at": later})
        r = self.s.request("POST", "/batches/%s/stop" % bid)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {"message": "success", "state": "stopped"})
        got = self.s.get("/batches/" + bid).json()
        self.assertEqual(got["status"], "stopped")
        self.assertEqual(got["execution_status"], {"stopped": 7})
        self.assertEqual(self.s.request("POST", "/batches/%s/stop" % bid).status, 404)
        r = self.s.post_form("/batches/%s/schedule" % bid, {"scheduled_at": "now"})
        self.assertEqual(r.status, 409)
        self.assertEqual(r.json()["error"], 409)

    def test_pause_and_resume(self):
        bid = self.create_demo()["batch_id"]
        self.assertEqual(self.s.request("POST", "/batches/%s/pause" % bid).status, 409)
        when = (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()
        self.s.post_form("/batches/%s/schedule" % bid, {"scheduled_at": when})
        r = self.s.request("POST", "/batches/%s/pause" % bid)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.s.get("/batches/" + bid).json()["status"], "paused")
        r = self.s.request("POST", "/batches/%s/resume" % bid)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["state"], "scheduled")
        self.assertEqual(self.s.request("POST", "/batches/%s/resume" % bid).status, 409)

    def test_delete(self):
        bid = self.create_demo()["batch_id"]
        ex = self.s.get("/batches/%s/executions" % bid).json()
        self.assertEqual(self.s.request("DELETE", "/batches/" + bid, key=self.other_key).status, 404)
        later = (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()
        self.s.post_form("/batches/%s/schedule" % bid, {"scheduled_at": later})
        r = self.s.request("DELETE", "/batches/" + bid)  # a scheduled batch is unscheduled first
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {"message": "success", "state": "deleted"})
        self.assertEqual(self.s.get("/batches/" + bid).status, 404)
        self.assertEqual(self.s.get("/executions/" + ex[0]["id"]).status, 404)
        self.assertEqual(self.s.request("DELETE", "/batches/" + bid).status, 404)

    def test_delete_with_calls_in_flight_is_409(self):
        slow = {"type": "simulator", "speed": 1, "answer_rate": 1, "busy_rate": 0, "no_answer_rate": 0,
                "voicemail_rate": 0, "failure_rate": 0, "ring_seconds": [30, 30], "talk_seconds": [60, 60]}
        aid = self.s.post_json("/agents", {"agent_name": "slow", "provider": slow}).json()["agent_id"]
        bid = self.s.upload(aid, data_file("demo_contacts.csv")).json()["batch_id"]
        self.s.post_form("/batches/%s/schedule" % bid, {"scheduled_at": "now"})
        deadline = time.time() + 10
        while self.s.get("/batches/" + bid).json()["progress"]["in_flight"] == 0 and time.time() < deadline:
            time.sleep(0.1)
        r = self.s.request("DELETE", "/batches/" + bid)
        self.assertEqual(r.status, 409, r)
        self.assertIn("in flight", r.json()["message"])
        self.assertEqual(self.s.request("DELETE", "/agents/" + aid).status, 409)
        r = self.s.request("POST", "/batches/%s/stop" % bid)
        self.assertEqual(r.status, 200)
        self.assertEqual(self.s.get("/batches/" + bid).json()["status"], "stopped")

    def test_agent_with_scheduled_batch_cannot_be_deleted(self):
        aid = self.s.post_json("/agents", {"agent_name": "busy", "provider": SIM}).json()["agent_id"]
        r = self.s.upload(aid, data_file("demo_contacts.csv"))
        bid = r.json()["batch_id"]
        later = (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()
        self.s.post_form("/batches/%s/schedule" % bid, {"scheduled_at": later})
        r = self.s.request("DELETE", "/agents/" + aid)
        self.assertEqual(r.status, 409, r)
        self.s.request("POST", "/batches/%s/stop" % bid)
        self.assertEqual(self.s.request("DELETE", "/agents/" + aid).status, 200)


class Limits(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Server(extra_args=["--max-upload-mb", "1", "--max-rows", "100"]).start()
        cls.agent = cls.s.demo_agent_id()

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()
        cls.s.cleanup()

    def test_file_too_large_is_413(self):
        big = b"contact_number,pad\n" + b"+14155552671," + b"x" * (2 * 1024 * 1024) + b"\n"
        r = self.s.upload(self.agent, big)
        self.assertEqual(r.status, 413, r)
        self.assertEqual(r.json()["error"], 413)

    def test_too_many_rows_is_413_and_nothing_stored(self):
        rows = "".join("+1415555%04d,r%d\n" % (i, i) for i in range(101))
        r = self.s.upload(self.agent, ("contact_number,name\n" + rows).encode())
        self.assertEqual(r.status, 413, r)
        self.assertIn("100", r.json()["message"])
        self.assertEqual(self.s.get("/batches/%s/all" % self.agent).json(), [])
        self.assertEqual(self.s.get("/healthz").status, 200)


def db_rows(server, sql):
    """One value from the server's SQLite file, read on a connection of its own."""
    con = sqlite3.connect("file:%s?mode=ro" % os.path.join(server.dir, "batchcall.db"), uri=True, timeout=30)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def numbers(n, exchange=200):
    return "".join("+1415%03d%04d,r%d\n" % (exchange + i // 10000, i % 10000, i) for i in range(n))


class UploadsInShortTransactions(unittest.TestCase):
    """An upload is written in short transactions into a hidden batch (issue
    15): a failure late in the file, or a kill -9, leaves no batch behind."""

    def test_a_file_failing_at_its_end_leaves_no_rows(self):
        s = Server().start()
        try:
            agent = s.demo_agent_id()
            body = "contact_number,name\n" + numbers(20000) + '+14155550000,"never closed\n'
            r = s.upload(agent, body.encode())
            self.assertEqual(r.status, 400, r)
            self.assertIn("quote", r.json()["message"])
            self.assertEqual(s.get("/batches/%s/all" % agent).json(), [])
            for table in ("batches", "executions", "execution_ids", "rejected_rows", "batch_status_counts"):
                self.assertEqual(db_rows(s, "SELECT COUNT(*) FROM " + table), 0, table)
            r = s.upload(agent, ("contact_number,name\n" + numbers(10)).encode())
            self.assertEqual(r.status, 201, r)
        finally:
            s.stop()
            s.cleanup()

    def test_kill_9_during_an_upload_leaves_no_batch_after_restart(self):
        env = {"BATCHCALL_NODE_ID": "upload-crash-node"}
        s = Server(env=env).start()
        try:
            agent = s.demo_agent_id()
            body = ("contact_number,name\n" + numbers(600000)).encode()
            threading.Thread(target=lambda: s.upload(agent, body, timeout=300), daemon=True).start()
            deadline = time.time() + 240
            written = 0
            while time.time() < deadline:
                written = db_rows(s, "SELECT COUNT(*) FROM executions")
                if written > 0:
                    break
                time.sleep(0.05)
            self.assertGreater(written, 0, "the upload never wrote a row")
            self.assertEqual(db_rows(s, "SELECT status FROM batches WHERE file_name = 'contacts.csv'"), "importing")
            self.assertEqual(s.get("/batches/%s/all" % agent).json(), [], "an importing batch is hidden")
            s.proc.send_signal(signal.SIGKILL)
            s.proc.wait()
            self.assertGreater(db_rows(s, "SELECT COUNT(*) FROM executions"), 0)
            s2 = Server(data_dir=s.dir, env=env).start()
            try:
                self.assertEqual(s2.get("/batches/%s/all" % agent).json(), [])
                for table in ("batches", "executions", "execution_ids", "rejected_rows", "batch_status_counts"):
                    self.assertEqual(db_rows(s2, "SELECT COUNT(*) FROM " + table), 0, table)
                self.assertIn("did not finish", s2.startup_output)
            finally:
                s2.stop()
        finally:
            s.cleanup()


if __name__ == "__main__":
    unittest.main()
