"""Black-box tests of the remote providers: a real `batchcall serve` dialling
through a local stand-in of Twilio's REST API (test/fakes/fake_twilio.py) and
through a local voice-agent server (test/fakes/fake_agent_server.py). Nothing
leaves 127.0.0.1."""
import base64
import collections
import json
import time
import unittest
import urllib.parse

from harness import Fake, Server, free_port, wait_for

SID = "AC" + "0123456789abcdef" * 2
TOKEN = "twilio-test-token-0123456789"
FROMS = ["+14155550100", "+14155550101"]
TERMINAL = {"completed", "busy", "no-answer", "failed", "canceled", "error", "stopped"}


def contacts(n, start=1000):
    rows = ["contact_number,first_name"]
    for i in range(n):
        rows.append("+1415555%04d,p%d" % (start + i, i))
    return ("\n".join(rows) + "\n").encode()


class ProviderServer:
    """A server whose BATCHCALL_PUBLIC_URL is its own address."""

    def __init__(self):
        port = free_port()
        self.server = Server(port=port, env={"BATCHCALL_PUBLIC_URL": "http://127.0.0.1:%d" % port})
        self.server.start()

    def run_batch(self, agent_id, csv_bytes, timeout=120):
        s = self.server
        r = s.upload(agent_id, csv_bytes)
        assert r.status == 201, r
        batch_id = r.json()["batch_id"]
        r = s.post_form("/batches/%s/schedule" % batch_id, {"scheduled_at": "now"})
        assert r.status == 200, r

        def done():
            b = s.get("/batches/%s" % batch_id).json()
            return b if b["status"] in ("completed", "stopped", "failed") else None
        wait_for(done, timeout, interval=0.5, what="batch %s to finish" % batch_id)
        return batch_id, s.get("/batches/%s/executions" % batch_id).json()


class TwilioProviderTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.twilio = Fake("fake_twilio.py", "--account-sid", SID, "--auth-token", TOKEN,
                          "--ring-ms", "30", "--talk-ms", "60")
        cls.ps = ProviderServer()
        cls.s = cls.ps.server

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()
        cls.s.cleanup()
        cls.twilio.stop()

    def setUp(self):
        self.twilio.control("POST", "/_control/reset", {})

    def make_agent(self, **extra):
        body = {"agent_name": "twilio-%d" % time.time_ns(),
                "provider": {"type": "twilio", "account_sid": SID, "auth_token": TOKEN,
                             "twiml_url": "https://agent.example.com/twiml", "machine_detection": True,
                             "base_url": self.twilio.url},
                "from_phone_numbers": FROMS, "max_concurrency": 10, "calls_per_second": 0}
        body.update(extra)
        r = self.s.post_json("/agents", body)
        self.assertEqual(r.status, 201, r)
        self.assertNotIn(TOKEN, r.body.decode())
        return r.json()["agent_id"]

    def test_fifty_contacts_with_faults_bad_signatures_duplicates_and_reordering(self):
        self.twilio.control("POST", "/_control/callbacks",
                            {"duplicate": True, "reorder": True, "bad_signature_first": True})
        self.twilio.control("POST", "/_control/faults", {"create": [
            {"status": 429, "retry_after": 1},
            {"status": 500, "create_anyway": True},
            {"status": 500},
            {"status": 503, "create_anyway": True},
        ]})
        self.twilio.control("POST", "/_control/outcomes", {"+14155551003": "busy", "+14155551004": "no-answer",
                                                           "+14155551005": "machine"})
        agent = self.make_agent()
        batch_id, executions = self.ps.run_batch(agent, contacts(50))
        self.assertEqual(len(executions), 50)
        by_number = {e["user_number"]: e for e in executions}
        for e in executions:
            self.assertIn(e["status"], TERMINAL, e)
        self.assertEqual(by_number["+14155551003"]["status"], "busy")
        self.assertEqual(by_number["+14155551004"]["status"], "no-answer")
        machine = by_number["+14155551005"]
        self.assertEqual(machine["status"], "completed")
        self.assertTrue(machine["answered_by_voice_mail"])
        self.assertEqual(machine["telephony_data"]["answered_by"], "machine_end_beep")
        self.assertEqual(by_number["+14155551000"]["telephony_data"]["answered_by"], "human")
        completed = [e for e in executions if e["status"] == "completed"]
        self.assertEqual(len(completed), 48, [(e["user_number"], e["status"], e["error_message"]) for e in executions])
        for e in completed:
            t = e["telephony_data"]
            self.assertTrue(t["provider_call_id"].startswith("CA"), t)
            self.assertEqual(t["provider"], "twilio")
            self.assertIn(e["agent_number"], FROMS)

        calls = self.twilio.control("GET", "/_control/calls")
        # Every attempt (one StatusCallback URL each) placed exactly one call,
        # and every contact was called exactly once (no retries configured).
        self.assertEqual(sorted(set(calls["creates_per_callback"].values())), [1], calls["creates_per_callback"])
        per_number = collections.Counter(c["to"] for c in calls["calls"])
        self.assertEqual(len(per_number), 50)
        self.assertEqual(set(per_number.values()), {1})
        # Caller ids rotate through the agent's numbers.
        self.assertEqual({c["from"] for c in calls["calls"]}, set(FROMS))
        # Parameters as Twilio documents them.
        params = collections.defaultdict(list)
        for k, v in calls["calls"][0]["params"]:
            params[k].append(v)
        self.assertEqual(params["Url"], ["https://agent.example.com/twiml"])
        self.assertEqual(sorted(params["StatusCallbackEvent"]), ["answered", "completed", "initiated", "ringing"])
        self.assertEqual(params["MachineDetection"], ["Enable"])
        self.assertTrue(params["StatusCallback"][0].startswith(
            "http://127.0.0.1:%d/webhooks/twilio/" % self.s.port))

        log = self.twilio.control("GET", "/_control/callback_log")["callbacks"]
        bad = [c for c in log if not c["signature_ok"]]
        good = [c for c in log if c["signature_ok"]]
        self.assertTrue(bad)
        self.assertEqual({c["http_status"] for c in bad}, {403})
        self.assertEqual({c["http_status"] for c in good}, {200})

    def test_faults_were_all_consumed_and_a_hanging_create_is_adopted_not_repeated(self):
        # Twilio creates the call but the HTTP answer never comes (the provider
        # gives up after its 15 s request timeout): the provider must find the
        # call by listing instead of posting a second time.
        self.twilio.control("POST", "/_control/faults", {"create": [{"hang_seconds": 17, "create_anyway": True}]})
        agent = self.make_agent()
        _, executions = self.ps.run_batch(agent, contacts(1, start=7000), timeout=90)
        self.assertEqual(executions[0]["status"], "completed", executions[0])
        calls = self.twilio.control("GET", "/_control/calls")
        self.assertEqual(len(calls["calls"]), 1)
        self.assertEqual(list(calls["creates_per_callback"].values()), [1])
        left = self.twilio.control("POST", "/_control/faults", {})
        self.assertEqual(left["faults"]["create"], 0)

    def test_invalid_number_ends_failed_with_twilios_code(self):
        self.twilio.control("POST", "/_control/faults", {"create": [{"status": 400}]})
        agent = self.make_agent()
        _, executions = self.ps.run_batch(agent, contacts(1, start=2000))
        self.assertEqual(executions[0]["status"], "failed")
        self.assertIn("Twilio error", executions[0]["error_message"])
        self.assertEqual(len(self.twilio.control("GET", "/_control/calls")["calls"]), 0)

    def test_an_endpoint_echoing_the_request_never_shows_the_auth_token(self):
        # Regression (issue 13, finding 10): the auth token and the Basic
        # header an echoing endpoint returned were stored in error_message and
        # shown by the API, the CSV export and the webhooks. (And, finding 3,
        # the whole remote message was copied, control characters included.)
        receiver = Fake("webhook_receiver.py", "--secret", "not-checked-here")
        try:
            self.twilio.control("POST", "/_control/faults", {"create": [{"echo": True, "status": 400}]})
            agent = self.make_agent(webhook_url=receiver.url + "/hook")
            batch_id, executions = self.ps.run_batch(agent, contacts(1, start=2500))
            e = executions[0]
            self.assertEqual(e["status"], "failed", e)
            self.assertIn("Twilio error 20003: Echo: Authorization: Basic *** credentials ", e["error_message"])
            prefix = "the provider refused the call: Twilio error 20003: "
            self.assertTrue(e["error_message"].startswith(prefix), e["error_message"])
            self.assertLessEqual(len(e["error_message"].encode()), len(prefix) + 200, e["error_message"])
            self.assertNotRegex(e["error_message"], "[\x00-\x1f\x7f]")
            basic = base64.b64encode(("%s:%s" % (SID, TOKEN)).encode()).decode()
            secrets = [TOKEN, TOKEN[:12], basic, basic[:24], base64.b64encode(TOKEN.encode()).decode()]

            def assert_clean(text, where):
                for secret in secrets:
                    self.assertNotIn(secret, text, where)
            assert_clean(e["error_message"], "error_message")
            assert_clean(self.s.get("/executions/" + e["id"]).body.decode(), "GET /executions/{id}")
            csv = self.s.get("/batches/%s/executions?format=csv" % batch_id)
            self.assertEqual(csv.status, 200, csv)
            self.assertIn("Basic ***", csv.body.decode())
            assert_clean(csv.body.decode(), "CSV export")

            def failed_delivered():
                got = receiver.control("GET", "/_control/received")
                return [d for d in got if isinstance(d["body"], dict) and d["body"].get("status") == "failed"]
            delivered = wait_for(failed_delivered, 60, interval=0.3, what="the failed status's webhook")
            self.assertIn("Basic ***", delivered[0]["body"]["error_message"])
            for d in receiver.control("GET", "/_control/received"):
                assert_clean(json.dumps(d["body"]), "webhook body")
        finally:
            receiver.stop()

    def test_forged_callback_is_refused_and_changes_nothing(self):
        self.twilio.control("POST", "/_control/outcomes", {"+14155553000": "completed"})
        agent = self.make_agent()
        _, executions = self.ps.run_batch(agent, contacts(1, start=3000))
        e = executions[0]
        self.assertEqual(e["status"], "completed")
        call = self.twilio.control("GET", "/_control/calls")["calls"][0]
        callback = dict(call["params"])["StatusCallback"]
        path = urllib.parse.urlparse(callback).path
        forged = {"CallSid": call["sid"], "CallStatus": "busy", "AccountSid": SID}
        r = self.s.post_form(path, forged, key=None, headers={"X-Twilio-Signature": "bm90LWEtc2lnbmF0dXJl"})
        self.assertEqual(r.status, 403, r)
        r = self.s.post_form(path, forged, key=None)
        self.assertEqual(r.status, 403, r)
        after = self.s.get("/executions/%s" % e["id"]).json()
        self.assertEqual(after["status"], "completed")
        # Without the signature header: refused on the head, before the body is read.
        r = self.s.post_form("/webhooks/twilio/not-an-attempt", forged, key=None)
        self.assertEqual(r.status, 403, r)
        r = self.s.post_form("/webhooks/twilio/not-an-attempt", forged, key=None,
                             headers={"X-Twilio-Signature": "bm90LWEtc2lnbmF0dXJl"})
        self.assertEqual(r.status, 404, r)


class TwilioCrashRecoveryTest(unittest.TestCase):
    def test_kill_9_during_calls_then_restart_reconciles_by_fetching_the_calls(self):
        twilio = Fake("fake_twilio.py", "--account-sid", SID, "--auth-token", TOKEN,
                      "--ring-ms", "100", "--talk-ms", "4000")
        port = free_port()
        env = {"BATCHCALL_PUBLIC_URL": "http://127.0.0.1:%d" % port}
        s = Server(port=port, env=env).start()
        try:
            r = s.post_json("/agents", {
                "agent_name": "twilio-crash",
                "provider": {"type": "twilio", "account_sid": SID, "auth_token": TOKEN,
                             "twiml_url": "https://agent.example.com/twiml", "base_url": twilio.url},
                "from_phone_numbers": FROMS, "max_concurrency": 10, "calls_per_second": 0})
            agent = r.json()["agent_id"]
            r = s.upload(agent, contacts(5, start=8000))
            bid = r.json()["batch_id"]
            s.post_form("/batches/%s/schedule" % bid, {"scheduled_at": "now"})
            wait_for(lambda: s.get("/batches/%s" % bid).json()["execution_status"].get("in-progress") == 5, 30,
                     what="five calls in progress")
            s.proc.kill()  # kill -9: the completed callbacks will find nobody
            s.proc.wait()
            s.proc.stdout.close()
            wait_for(lambda: all(c["status"] == "completed"
                                 for c in twilio.control("GET", "/_control/calls")["calls"]), 30,
                     what="the calls to end at Twilio")
            s = Server(port=port, env=env, data_dir=s.dir).start()
            s.owns_dir = True

            def finished():
                b = s.get("/batches/%s" % bid).json()
                return b if b["status"] == "completed" else None
            wait_for(finished, 60, what="the batch to complete after the restart")
            executions = s.get("/batches/%s/executions" % bid).json()
            self.assertEqual({e["status"] for e in executions}, {"completed"})
            for e in executions:
                self.assertGreater(e["conversation_duration"], 0, e)
            calls = twilio.control("GET", "/_control/calls")
            self.assertEqual(len(calls["calls"]), 5)
            self.assertEqual(set(calls["creates_per_callback"].values()), {1})
        finally:
            s.stop()
            s.cleanup()
            twilio.stop()


class VoiceAgentProviderTest(unittest.TestCase):
    SECRET = "agent-signing-secret-0123456789"

    @classmethod
    def setUpClass(cls):
        cls.agent_server = Fake("fake_agent_server.py", "--signing-secret", cls.SECRET, "--delay", "0.05")
        cls.ps = ProviderServer()
        cls.s = cls.ps.server

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()
        cls.s.cleanup()
        cls.agent_server.stop()

    def make_agent(self, **provider):
        p = {"type": "http", "url": self.agent_server.url + "/call", "signing_secret": self.SECRET,
             "headers": {"X-Api-Key": "header-secret-value-42"}, "result_timeout_seconds": 3}
        p.update(provider)
        r = self.s.post_json("/agents", {"agent_name": "voice-%d" % time.time_ns(), "provider": p,
                                         "from_phone_numbers": ["+14155550100"], "max_concurrency": 5,
                                         "calls_per_second": 0})
        self.assertEqual(r.status, 201, r)
        self.assertNotIn("header-secret-value-42", r.body.decode())
        self.assertNotIn(self.SECRET, r.body.decode())
        return r.json()["agent_id"]

    def test_results_flow_back_and_a_silent_call_times_out(self):
        self.agent_server.control("POST", "/_control/behaviour", {
            "+14155554001": "silent", "+14155554002": "busy", "+14155554003": "bad_signature",
            "+14155554004": "duplicate"})
        agent = self.make_agent()
        _, executions = self.ps.run_batch(agent, contacts(6, start=4000), timeout=60)
        by_number = {e["user_number"]: e for e in executions}
        done = by_number["+14155554000"]
        self.assertEqual(done["status"], "completed", done)
        self.assertIn("agent:", done["transcript"])
        self.assertTrue(done["summary"])
        self.assertIsInstance(done["extracted_data"], dict)
        self.assertGreater(done["conversation_duration"], 0)
        self.assertGreater(done["total_cost"], 0)
        self.assertEqual(by_number["+14155554001"]["status"], "error")
        self.assertIn("no result within 3 s", by_number["+14155554001"]["error_message"])
        self.assertEqual(by_number["+14155554002"]["status"], "busy")
        # A result signed with the wrong secret is refused (403); with no other
        # report the call ends at the timeout.
        self.assertEqual(by_number["+14155554003"]["status"], "error")
        self.assertEqual(by_number["+14155554004"]["status"], "completed")

        calls = self.agent_server.control("GET", "/_control/calls")
        mine = [c for c in calls if c["recipient_phone_number"] in by_number]
        self.assertEqual(collections.Counter(c["recipient_phone_number"] for c in mine),
                         collections.Counter({n: 1 for n in by_number}))
        body = [c for c in mine if c["recipient_phone_number"] == "+14155554000"][0]
        self.assertEqual(body["user_data"], {"first_name": "p0"})
        self.assertEqual(body["from_phone_number"], "+14155550100")
        self.assertEqual(body["execution_id"], done["id"])
        self.assertEqual(body["callback_url"], "http://127.0.0.1:%d/webhooks/agent/%s?attempt_id=%s"
                         % (self.s.port, done["id"], body["attempt_id"]))
        headers = {k.lower(): v for k, v in body["_headers"].items()}
        self.assertEqual(headers.get("x-api-key"), "header-secret-value-42")

        log = self.agent_server.control("GET", "/_control/callback_log")
        bad = [c for c in log if c["execution_id"] == by_number["+14155554003"]["id"]]
        self.assertTrue(bad)
        self.assertEqual({c["http_status"] for c in bad}, {403})

    def test_unsigned_and_malformed_results_are_refused(self):
        agent = self.make_agent()
        _, executions = self.ps.run_batch(agent, contacts(1, start=5000), timeout=60)
        eid = executions[0]["id"]
        path = "/webhooks/agent/%s" % eid
        r = self.s.request("POST", path, body=b'{"status":"busy"}', key=None,
                           headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 401, r)
        r = self.s.request("POST", path, body=b'{"status":"busy"}', key=None,
                           headers={"Content-Type": "application/json", "Authorization": "Bearer wrong"})
        self.assertEqual(r.status, 403, r)
        r = self.s.request("POST", path, body=b'{"status":"teleported"}', key=None,
                           headers={"Content-Type": "application/json", "Authorization": "Bearer " + self.SECRET})
        self.assertEqual(r.status, 400, r)
        self.assertIn("status", r.json()["message"])
        self.assertEqual(self.s.get("/executions/%s" % eid).json()["status"], "completed")

    def test_a_result_names_its_attempt(self):
        # Regression (issue 4 review): results were applied to the execution's
        # latest attempt, so a late result of an earlier attempt could close a later one.
        agent = self.make_agent()
        _, executions = self.ps.run_batch(agent, contacts(1, start=7000), timeout=60)
        eid = executions[0]["id"]
        calls = self.agent_server.control("GET", "/_control/calls")
        attempt_id = [c for c in calls if c["execution_id"] == eid][0]["attempt_id"]
        auth = {"Content-Type": "application/json", "Authorization": "Bearer " + self.SECRET}
        r = self.s.request("POST", "/webhooks/agent/%s?attempt_id=%s" % (eid, "0" * 32), body=b'{"status":"busy"}',
                           key=None, headers=auth)
        self.assertEqual(r.status, 404, r)
        other = self.ps.run_batch(agent, contacts(1, start=7100), timeout=60)[1][0]["id"]
        r = self.s.request("POST", "/webhooks/agent/%s?attempt_id=%s" % (other, attempt_id), body=b'{"status":"busy"}',
                           key=None, headers=auth)
        self.assertEqual(r.status, 404, r)
        r = self.s.request("POST", "/webhooks/agent/%s?attempt_id=%s" % (eid, attempt_id), body=b'{"status":"busy"}',
                           key=None, headers=auth)
        self.assertEqual(r.status, 200, r)
        self.assertFalse(r.json()["accepted"])
        self.assertEqual(self.s.get("/executions/%s" % eid).json()["status"], "completed")

    def test_server_refusing_the_call_fails_the_execution(self):
        self.agent_server.control("POST", "/_control/behaviour", {"+14155556000": "reject_400",
                                                                  "+14155556001": "fail_500"})
        agent = self.make_agent()
        _, executions = self.ps.run_batch(agent, contacts(2, start=6000), timeout=60)
        by_number = {e["user_number"]: e for e in executions}
        self.assertEqual(by_number["+14155556000"]["status"], "failed")
        self.assertIn("400", by_number["+14155556000"]["error_message"])
        self.assertEqual(by_number["+14155556001"]["status"], "error")
        for e in executions:
            self.assertNotIn("header-secret-value-42", e["error_message"] or "")


if __name__ == "__main__":
    unittest.main()
