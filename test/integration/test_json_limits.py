"""Black-box: JSON nested deeper than 64 levels is a 400 "JSON nested too
deeply" on every JSON input, never a crash (issue 13 finding 1: about 60,000
levels overflowed the stack when the value was serialised)."""
import json
import time
import unittest

from harness import Fake, Server, free_port, wait_for

DEPTH = 60000
MESSAGE = "JSON nested too deeply"
SECRET = "agent-signing-secret-0123456789"


def nested(levels, inner="1"):
    return "[" * levels + inner + "]" * levels


class JsonLimits(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        port = free_port()
        # The voice-agent result callback checks signatures against the public URL.
        cls.s = Server(port=port, env={"BATCHCALL_PUBLIC_URL": "http://127.0.0.1:%d" % port}).start()
        cls.agent_server = Fake("fake_agent_server.py", "--signing-secret", SECRET)

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()
        cls.s.cleanup()
        cls.agent_server.stop()

    def post_raw(self, path, text, **kw):
        return self.s.request("POST", path, body=text.encode(), headers={"Content-Type": "application/json"}, **kw)

    def assert_too_deep(self, r):
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.json()["error"], 400)
        self.assertIn(MESSAGE, r.json()["message"])

    def assert_alive(self):
        r = self.s.get("/healthz", key=None)
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(self.s.proc.poll(), "the server exited")

    def test_dnc_numbers(self):
        self.assert_too_deep(self.post_raw("/dnc", '{"numbers":%s}' % nested(DEPTH)))
        self.assert_too_deep(self.post_raw("/dnc", '{"numbers":[%s]}' % nested(65)))
        self.assert_alive()
        # 64 levels is within the limit: the nested value is just not a number.
        r = self.post_raw("/dnc", '{"numbers":%s}' % nested(63, '"+14155550000"'))
        self.assertEqual(r.status, 400, r)
        self.assertNotIn(MESSAGE, r.json()["message"])
        r = self.s.post_json("/dnc", {"numbers": ["+14155550199"]})
        self.assertEqual(r.status, 200, r)

    def test_schedule_body(self):
        # The batch id need not exist: the body is read first.
        for batch in ("0" * 32, "nope"):
            self.assert_too_deep(self.post_raw("/batches/%s/schedule" % batch, '{"scheduled_at":%s}' % nested(DEPTH)))
        self.assert_alive()

    def test_agent_bodies_and_retry_config_form_field(self):
        self.assert_too_deep(self.post_raw("/agents", '{"agent_name":"x","provider":%s}' % nested(DEPTH)))
        agent = self.s.demo_agent_id()
        r = self.s.request("PATCH", "/agents/" + agent, body=('{"retry_config":%s}' % nested(DEPTH)).encode(),
                           headers={"Content-Type": "application/json"})
        self.assert_too_deep(r)
        # A form field holds at most 64 KiB: 30,000 levels fit.
        r = self.s.upload(agent, b"contact_number\n+14155550123\n", fields=[("retry_config", nested(30000))])
        self.assert_too_deep(r)
        self.assert_alive()

    def test_voice_agent_result_extracted_data(self):
        self.agent_server.control("POST", "/_control/behaviour", {"+14155557000": "silent"})
        provider = {"type": "http", "url": self.agent_server.url + "/call", "signing_secret": SECRET,
                    "result_timeout_seconds": 120}
        r = self.s.post_json("/agents", {"agent_name": "deep-%d" % time.time_ns(), "provider": provider,
                                         "from_phone_numbers": ["+14155550100"], "calls_per_second": 0})
        self.assertEqual(r.status, 201, r)
        r = self.s.upload(r.json()["agent_id"], b"contact_number\n+14155557000\n")
        self.assertEqual(r.status, 201, r)
        r = self.s.post_form("/batches/%s/schedule" % r.json()["batch_id"], {"scheduled_at": "now"})
        self.assertEqual(r.status, 200, r)

        def placed():
            calls = self.agent_server.control("GET", "/_control/calls")
            return [c for c in calls if c["recipient_phone_number"] == "+14155557000"]
        call = wait_for(placed, 60, what="the voice-agent call")[0]
        path = "/webhooks/agent/%s?attempt_id=%s" % (call["execution_id"], call["attempt_id"])
        auth = {"Content-Type": "application/json", "Authorization": "Bearer " + SECRET}
        deep = '{"status":"completed","extracted_data":{"a":%s}}' % nested(DEPTH)
        r = self.s.request("POST", path, body=deep.encode(), key=None, headers=auth)
        self.assert_too_deep(r)
        self.assert_alive()
        # The call is still open: a sound result is taken.
        body = json.dumps({"status": "completed", "extracted_data": {"a": [[1]]}}).encode()
        r = self.s.request("POST", path, body=body, key=None, headers=auth)
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.json()["accepted"], r)


if __name__ == "__main__":
    unittest.main()
