"""Black-box tests of the outbound policy (issue 13, finding 3: SSRF): the
URLs a tenant saves (webhook_url, the http provider's url, Twilio's
base_url) may not reach loopback, private, link-local, CGNAT, multicast or
unspecified addresses unless outbound_allow opens them. Literal addresses are
refused when saved; host names are checked on the address connected to.
Nothing leaves 127.0.0.1: the "internal service" is a listener on loopback
that counts the connections it accepts."""
import os
import socket
import subprocess
import tempfile
import threading
import time
import unittest

from harness import BIN, LOOPBACK, Server, wait_for

SID = "AC" + "0123456789abcdef" * 2
SETTING = "outbound_allow (BATCHCALL_OUTBOUND_ALLOW)"

# Every spelling of a refused address a tenant might save.
LITERALS = [
    "http://127.0.0.1:8080/hook", "http://127.0.0.1./x", "http://[::1]:9000/", "http://[::]/",
    "http://0.0.0.0/", "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/",
    "http://172.16.5.4/", "http://192.168.1.1/", "http://100.64.0.1/", "http://224.0.0.1/",
    "http://[fe80::1%25eth0]/", "http://[fd00::1]/", "http://[ff02::1]/", "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:169.254.169.254]/", "http://0x7f000001/", "http://2130706433/", "http://127.1/",
    "http://0177.0.0.1/",
]

SIMULATOR_FAST = {"type": "simulator", "speed": 1000, "answer_rate": 1, "busy_rate": 0, "no_answer_rate": 0,
                  "voicemail_rate": 0, "failure_rate": 0, "ring_seconds": [1, 1], "talk_seconds": [1, 1]}


class Listener:
    """A loopback TCP listener (the internal service) that answers every
    connection with HTTP 200 "done" and counts them."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.bytes = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            conn.settimeout(5)
            try:
                self.bytes += len(conn.recv(65536))
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n\r\ndone")
            except OSError:
                pass
            conn.close()

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


def one_contact():
    return b"contact_number,first_name\n+14155550123,Ada\n"


class OutboundDefaultTest(unittest.TestCase):
    """A server with the default policy (outbound_allow unset)."""

    @classmethod
    def setUpClass(cls):
        cls.s = Server(env={"BATCHCALL_OUTBOUND_ALLOW": ""}).start()

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()
        cls.s.cleanup()

    def setUp(self):
        self.listener = Listener()

    def tearDown(self):
        self.listener.close()

    def assert_refused(self, r, field, url):
        self.assertEqual(r.status, 400, (url, r))
        body = r.json()
        self.assertEqual(body["error"], 400, body)
        self.assertIn(field + " points to ", body["message"], url)
        self.assertIn("set " + SETTING + " to allow ", body["message"], url)

    def agent(self, **fields):
        body = {"agent_name": "outbound-%d" % time.time_ns(), "provider": SIMULATOR_FAST}
        body.update(fields)
        return body

    def test_literal_addresses_are_refused_when_saved_in_every_field(self):
        agents_before = len(self.s.get("/agents").json())
        existing = self.s.post_json("/agents", self.agent())
        self.assertEqual(existing.status, 201, existing)
        agent_id = existing.json()["agent_id"]
        for url in LITERALS:
            self.assert_refused(self.s.post_json("/agents", self.agent(webhook_url=url)), "webhook_url", url)
            self.assert_refused(self.s.request("PATCH", "/agents/" + agent_id, body={"webhook_url": url}),
                                "webhook_url", url)
            self.assert_refused(self.s.post_json("/agents", self.agent(provider={"type": "http", "url": url})),
                                "provider.url", url)
            twilio = {"type": "twilio", "account_sid": SID, "auth_token": "tok-0123456789",
                      "twiml_url": "https://agent.example.com/twiml", "base_url": url}
            self.assert_refused(self.s.post_json("/agents", self.agent(provider=twilio)), "provider.base_url", url)
            self.assert_refused(self.s.upload(agent_id, one_contact(), fields=[("webhook_url", url)]),
                                "webhook_url", url)
        # The message says which range to open, e.g. for a voice agent on this host.
        r = self.s.post_json("/agents", self.agent(provider={"type": "http", "url": "http://127.0.0.1:8080/call"}))
        self.assertIn("127.0.0.1 (in 127.0.0.0/8, loopback)", r.json()["message"])
        self.assertIn("to allow 127.0.0.0/8", r.json()["message"])
        # Nothing was stored by the refused requests.
        self.assertEqual(len(self.s.get("/agents").json()), agents_before + 1)
        self.assertIsNone(self.s.get("/agents/" + agent_id).json()["webhook_url"])

    def test_host_names_and_public_addresses_are_saved(self):
        for url in ["https://hooks.example.com/x", "http://localhost:9/", "http://8.8.8.8/hook"]:
            r = self.s.post_json("/agents", self.agent(webhook_url=url))
            self.assertEqual(r.status, 201, (url, r))

    def run_batch(self, agent_id):
        r = self.s.upload(agent_id, one_contact())
        self.assertEqual(r.status, 201, r)
        batch_id = r.json()["batch_id"]
        r = self.s.post_form("/batches/%s/schedule" % batch_id, {"scheduled_at": "now"})
        self.assertEqual(r.status, 200, r)

        def done():
            executions = self.s.get("/batches/%s/executions" % batch_id).json()
            return executions if executions and all(
                e["status"] in ("completed", "failed", "error") for e in executions) else None
        return wait_for(done, 60, interval=0.2, what="the batch's executions to end")

    def test_webhook_to_a_name_resolving_to_loopback_is_refused_when_sending(self):
        url = "http://localhost:%d/hook" % self.listener.port
        r = self.s.post_json("/agents", self.agent(webhook_url=url))
        self.assertEqual(r.status, 201, r)
        executions = self.run_batch(r.json()["agent_id"])
        self.assertEqual(executions[0]["status"], "completed")
        wait_for(lambda: "outbound request refused" in self.s.output_so_far(), 30, what="the refusal in the log")
        log = self.s.output_so_far()
        self.assertIn(", loopback)", log)
        self.assertIn(SETTING, log)
        self.assertEqual(self.listener.accepted, 0, "a delivery reached the loopback listener")

    def test_voice_agent_url_resolving_to_loopback_fails_the_dial_with_the_reason(self):
        url = "http://localhost:%d/call" % self.listener.port
        r = self.s.post_json("/agents", self.agent(provider={"type": "http", "url": url,
                                                             "signing_secret": "s" * 24}))
        self.assertEqual(r.status, 201, r)
        executions = self.run_batch(r.json()["agent_id"])
        e = executions[0]
        self.assertEqual(e["status"], "failed", e)
        self.assertIn("refused to connect to ", e["error_message"])
        self.assertIn(", loopback)", e["error_message"])
        self.assertIn("set " + SETTING + " to allow ", e["error_message"])
        self.assertEqual(self.listener.accepted, 0, "the dial reached the loopback listener")


class OutboundAllowedTest(unittest.TestCase):
    """outbound_allow opens chosen ranges (here by flag)."""

    @classmethod
    def setUpClass(cls):
        cls.s = Server(env={"BATCHCALL_OUTBOUND_ALLOW": ""}, extra_args=["--outbound-allow", LOOPBACK]).start()

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()
        cls.s.cleanup()

    def test_opened_range_is_saved_and_reached(self):
        listener = Listener()
        try:
            r = self.s.post_json("/agents", {"agent_name": "lan", "provider": SIMULATOR_FAST,
                                             "webhook_url": "http://0x7f000001:%d/hook" % listener.port})
            self.assertEqual(r.status, 201, r)
            r = self.s.request("PATCH", "/agents/" + r.json()["agent_id"],
                               body={"webhook_url": "http://localhost:%d/hook" % listener.port})
            self.assertEqual(r.status, 200, r)
            r2 = self.s.post_json("/agents", {"agent_name": "private", "provider": SIMULATOR_FAST,
                                              "webhook_url": "http://10.1.2.3/hook"})
            self.assertEqual(r2.status, 400, r2)
            agent_id = r.json()["agent_id"]
            up = self.s.upload(agent_id, one_contact())
            self.assertEqual(up.status, 201, up)
            self.s.post_form("/batches/%s/schedule" % up.json()["batch_id"], {"scheduled_at": "now"})
            wait_for(lambda: listener.accepted > 0, 60, what="a delivery to the allowed loopback listener")
        finally:
            listener.close()


class OutboundConfigTest(unittest.TestCase):
    def run_cli(self, *args, env=None):
        e = dict(os.environ)
        e.pop("BATCHCALL_OUTBOUND_ALLOW", None)
        e.update(env or {})
        return subprocess.run([BIN] + list(args), capture_output=True, text=True, timeout=30, env=e)

    def test_file_list_environment_and_bad_entries(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "batchcall.toml")
            with open(path, "w") as f:
                f.write('outbound_allow = ["127.0.0.0/8", "::1/128", "192.168.1.20"]\n')
            r = self.run_cli("config", "check", path)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn('outbound_allow = "127.0.0.0/8,::1/128,192.168.1.20"', r.stdout)
            with open(path, "w") as f:
                f.write('outbound_allow = ["10.0.0.1/8"]\n')
            r = self.run_cli("config", "check", path)
            self.assertEqual(r.returncode, 2)
            self.assertIn("outbound_allow at %s:1: '10.0.0.1/8' has host bits set; did you mean 10.0.0.0/8?" % path,
                          r.stderr)
            r = self.run_cli("serve", "--db", "sqlite:%s/bc.db" % d, env={"BATCHCALL_OUTBOUND_ALLOW": "localhost"})
            self.assertEqual(r.returncode, 2)
            self.assertIn("BATCHCALL_OUTBOUND_ALLOW: 'localhost' is not an IP address or CIDR range", r.stderr)
        r = self.run_cli("config", "example")
        self.assertIn("#outbound_allow = ", r.stdout)
        self.assertIn("BATCHCALL_OUTBOUND_ALLOW", r.stdout)


if __name__ == "__main__":
    unittest.main()
