"""Black-box: health, authentication, account isolation and the agent routes."""
import os
import re
import shlex
import subprocess
import time
import unittest

from harness import BIN, Server

SIM = {"type": "simulator", "speed": 100, "seed": 7}


class AgentsAndAuth(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Server().start()
        cls.other_key = cls.s.keys_create("--new-account", "other-team")

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()
        cls.s.cleanup()

    def test_healthz_needs_no_key(self):
        r = self.s.get("/healthz", key=None)
        self.assertEqual(r.status, 200)
        body = r.json()
        self.assertEqual(sorted(body), ["commit", "status", "version"])
        self.assertEqual(body["status"], "ok")
        # the same version and commit as `batchcall --version`
        out = subprocess.run([BIN, "--version"], capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stdout.strip(), "batchcall %s (commit %s)" % (body["version"], body["commit"]))
        self.assertRegex(body["version"], r"^\d+\.\d+\.\d+$")
        self.assertRegex(body["commit"], r"^([0-9a-f]{12}(-dirty)?|unknown)$")

    def test_missing_and_unknown_keys_are_401_json(self):
        for key in (None, "bc_not_a_real_key"):
            r = self.s.get("/agents", key=key)
            self.assertEqual(r.status, 401, r)
            self.assertEqual(r.json()["error"], 401)
            self.assertTrue(r.json()["message"])
        r = self.s.request("GET", "/agents", key=None, headers={"Authorization": "Basic abc"})
        self.assertEqual(r.status, 401)

    def test_every_api_route_needs_a_key(self):
        some = "0" * 32
        for method, path in [("GET", "/agents"), ("POST", "/agents"), ("GET", "/batches/%s" % some),
                             ("POST", "/batches"), ("POST", "/batches/%s/schedule" % some),
                             ("GET", "/batches/%s/executions" % some), ("GET", "/batches/%s/report" % some),
                             ("POST", "/batches/%s/stop" % some), ("DELETE", "/batches/%s" % some),
                             ("GET", "/executions/%s" % some)]:
            self.assertEqual(self.s.request(method, path, key=None).status, 401, (method, path))

    def test_demo_agent_exists_on_first_start(self):
        agents = self.s.get("/agents").json()
        demo = [a for a in agents if a["agent_name"] == "demo"]
        self.assertEqual(len(demo), 1)
        self.assertEqual(demo[0]["provider"]["type"], "simulator")
        self.assertEqual(demo[0]["provider"]["speed"], 1.0)

    def test_agent_crud(self):
        r = self.s.post_json("/agents", {"agent_name": "crud", "provider": SIM, "max_concurrency": 3,
                                         "calls_per_second": 2.5, "from_phone_numbers": ["+14155552671"],
                                         "calling_guardrails": {"call_start_hour": 9, "call_end_hour": 18,
                                                                "default_timezone": "Asia/Kolkata"},
                                         "retry_config": {"enabled": True, "max_retries": 2}})
        self.assertEqual(r.status, 201, r)
        agent = r.json()
        self.assertEqual(agent["max_concurrency"], 3)
        self.assertEqual(agent["provider"]["seed"], 7)
        self.assertAlmostEqual(agent["provider"]["answer_rate"], 0.6)
        aid = agent["agent_id"]
        self.assertEqual(self.s.get("/agents/" + aid).json()["agent_name"], "crud")
        r = self.s.request("PATCH", "/agents/" + aid, body={"agent_name": "renamed", "webhook_url": None})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["agent_name"], "renamed")
        self.assertEqual(r.json()["max_concurrency"], 3)  # untouched by the patch
        self.assertIn(aid, [a["agent_id"] for a in self.s.get("/agents").json()])
        self.assertEqual(self.s.request("DELETE", "/agents/" + aid).status, 200)
        self.assertEqual(self.s.get("/agents/" + aid).status, 404)

    def test_agent_validation_errors_are_400_with_field(self):
        cases = [
            ({"provider": SIM}, "agent_name"),
            ({"agent_name": "x"}, "provider"),
            ({"agent_name": "x", "provider": {"type": "pigeon"}}, "provider.type"),
            ({"agent_name": "x", "provider": {"type": "simulator", "answer_rate": 0.9}}, "sum to 1"),
            ({"agent_name": "x", "provider": SIM, "max_concurrency": 0}, "max_concurrency"),
            ({"agent_name": "x", "provider": SIM, "webhook_url": "ftp://x"}, "webhook_url"),
            ({"agent_name": "x", "provider": SIM, "from_phone_numbers": ["12345"]}, "from_phone_numbers"),
            ({"agent_name": "x", "provider": SIM, "calling_guardrails": {"default_timezone": "Mars/Base"}},
             "default_timezone"),
            ({"agent_name": "x", "provider": SIM, "calling_guardrails": {"call_start_hour": 20, "call_end_hour": 8}},
             "call_end_hour"),
            ({"agent_name": "x", "provider": SIM, "retry_config": {"max_retries": 50}}, "max_retries"),
            ({"agent_name": "x", "provider": SIM, "colour": "blue"}, "colour"),
            # issue 13 finding 9: 1e-320 made the engine wake every millisecond
            ({"agent_name": "x", "provider": SIM, "calls_per_second": 1e-320}, "calls_per_second"),
            ({"agent_name": "x", "provider": SIM, "calls_per_second": 0.005}, "calls_per_second"),
            ({"agent_name": "x", "provider": SIM, "calls_per_second": 1000.5}, "calls_per_second"),
            ({"agent_name": "x", "provider": SIM, "calls_per_second": -1}, "calls_per_second"),
        ]
        for body, needle in cases:
            r = self.s.post_json("/agents", body)
            self.assertEqual(r.status, 400, (body, r))
            self.assertIn(needle, r.json()["message"], body)
        r = self.s.request("POST", "/agents", body=b"{not json", headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json()["error"], 400)

    def test_provider_secrets_are_write_only(self):
        token = "super-secret-auth-token-1234"
        r = self.s.post_json("/agents", {"agent_name": "tw", "provider": {
            "type": "twilio", "account_sid": "AC" + "0" * 32, "auth_token": token,
            "twiml_url": "https://example.test/twiml"}})
        self.assertEqual(r.status, 201, r)
        self.assertNotIn(token.encode(), r.body)
        self.assertEqual(r.json()["provider"]["auth_token"], "****1234")
        aid = r.json()["agent_id"]
        self.assertNotIn(token.encode(), self.s.get("/agents/" + aid).body)
        self.assertNotIn(token.encode(), self.s.get("/agents").body)
        # Echoing the masked value back keeps the secret; the database never holds it in clear.
        r = self.s.request("PATCH", "/agents/" + aid, body={"provider": {"auth_token": "****1234"}})
        self.assertEqual(r.status, 200, r)
        with open(self.s.db[len("sqlite:"):], "rb") as f:
            self.assertNotIn(token.encode(), f.read())

    def test_secrets_never_follow_a_provider_to_another_host(self):
        # Regression (issue 4 review): a PATCH moving base_url/url kept the
        # stored secrets, so a stolen API key could redirect them to its host.
        token = "twilio-auth-token-secret-5678"
        aid = self.s.post_json("/agents", {"agent_name": "tw2", "provider": {
            "type": "twilio", "account_sid": "AC" + "1" * 32, "auth_token": token,
            "twiml_url": "https://example.test/twiml"}}).json()["agent_id"]
        for body in ({"provider": {"base_url": "https://evil.example.net"}},
                     {"provider": {"base_url": "https://evil.example.net", "auth_token": "****5678"}}):
            r = self.s.request("PATCH", "/agents/" + aid, body=body)
            self.assertEqual(r.status, 400, r)
            self.assertIn("auth_token", r.json()["message"])
        self.assertEqual(self.s.get("/agents/" + aid).json()["provider"]["base_url"], "https://api.twilio.com")
        # Same host, another path: fine; a new host with the token sent in full: fine.
        r = self.s.request("PATCH", "/agents/" + aid, body={"provider": {"base_url": "https://API.twilio.com/"}})
        self.assertEqual(r.status, 200, r)
        r = self.s.request("PATCH", "/agents/" + aid, body={"provider": {"base_url": "https://tw.example.net",
                                                                          "auth_token": "a-new-token-9999"}})
        self.assertEqual(r.status, 200, r)

        hid = self.s.post_json("/agents", {"agent_name": "http2", "provider": {
            "type": "http", "url": "https://agent.example.test/call",
            "headers": {"X-Api-Key": "header-secret-abcd"}}}).json()["agent_id"]
        r = self.s.request("PATCH", "/agents/" + hid, body={"provider": {"url": "https://evil.example.net/call"}})
        self.assertEqual(r.status, 400, r)
        self.assertIn("headers", r.json()["message"])
        masked = self.s.get("/agents/" + hid).json()["provider"]["headers"]["X-Api-Key"]
        r = self.s.request("PATCH", "/agents/" + hid, body={"provider": {
            "url": "https://evil.example.net/call", "headers": {"X-Api-Key": masked}}})
        self.assertEqual(r.status, 400, r)
        r = self.s.request("PATCH", "/agents/" + hid, body={"provider": {"url": "https://agent.example.test/v2"}})
        self.assertEqual(r.status, 200, r)
        r = self.s.request("PATCH", "/agents/" + hid, body={"provider": {
            "url": "https://new.example.net/call", "headers": {"X-Api-Key": "fresh-value-0000"}}})
        self.assertEqual(r.status, 200, r)

    def test_accounts_are_isolated(self):
        mine = self.s.post_json("/agents", {"agent_name": "mine", "provider": SIM}).json()["agent_id"]
        self.assertEqual(self.s.get("/agents/" + mine, key=self.other_key).status, 404)
        self.assertEqual(self.s.request("PATCH", "/agents/" + mine, body={"agent_name": "x"},
                                        key=self.other_key).status, 404)
        self.assertEqual(self.s.request("DELETE", "/agents/" + mine, key=self.other_key).status, 404)
        self.assertNotIn(mine, [a["agent_id"] for a in self.s.get("/agents", key=self.other_key).json()])
        self.assertEqual(self.s.get("/batches/%s/all" % mine, key=self.other_key).status, 404)

    def test_unknown_routes_and_methods(self):
        r = self.s.get("/nope")
        self.assertEqual(r.status, 404)
        self.assertEqual(r.json()["error"], 404)
        r = self.s.request("PUT", "/agents")
        self.assertEqual(r.status, 405)
        self.assertIn("GET", r.header("Allow"))
        self.assertEqual(self.s.get("/agents/not-a-uuid").status, 404)


class FirstStartKey(unittest.TestCase):
    def test_first_start_prints_a_key_once_and_it_works(self):
        s = Server(api_key=None).start()
        try:
            import re
            m = re.search(r"(bc_[0-9a-f]{48})", s.startup_output)
            self.assertIsNotNone(m, s.startup_output)
            key = m.group(1)
            self.assertEqual(s.get("/agents", key=key).status, 200)
            s.stop()
            s2 = Server(api_key=None, data_dir=s.dir).start()
            try:
                self.assertNotIn("bc_", s2.startup_output)
                self.assertEqual(s2.get("/agents", key=key).status, 200)
                # The demo agent is created once, not again on restart.
                self.assertEqual(len([a for a in s2.get("/agents", key=key).json() if a["agent_name"] == "demo"]), 1)
                cli_key = s2.keys_create("--name", "ci")
                self.assertEqual(s2.get("/agents", key=cli_key).status, 200)
            finally:
                s2.stop()
        finally:
            s.stop()
            s.cleanup()


class FirstStartNextSteps(unittest.TestCase):
    """The first start ends with three lines: the dashboard URL, the API key
    and the one command that runs the demo batch; the command works as printed."""

    def test_three_lines_and_the_demo_command_runs(self):
        s = Server(api_key=None).start()
        try:
            deadline = time.time() + 20
            while "Demo:" not in s.output_so_far() and time.time() < deadline:
                time.sleep(0.05)
            out = s.output_so_far()
            lines = [l for l in out.splitlines() if re.match(r"(Dashboard|API key|Demo): ", l)]
            self.assertEqual([l.split(":")[0] for l in lines], ["Dashboard", "API key", "Demo"], out)
            key = re.search(r"(bc_[0-9a-f]{48})", s.startup_output).group(1)
            self.assertEqual(lines[0], "Dashboard: http://127.0.0.1:%d/ (sign in with the API key)" % s.port)
            self.assertEqual(lines[1], "API key:   %s (printed above; keep it safe)" % key)
            self.assertEqual(s.get("/", key=None).status, 200)  # the dashboard page
            words = shlex.split(lines[2][len("Demo:"):])
            self.assertEqual(words[0], "BATCHCALL_API_KEY=" + key)
            self.assertEqual(os.path.realpath(words[1]), os.path.realpath(BIN))
            self.assertEqual(words[2:4], ["batch", "run"])
            self.assertTrue(os.path.isfile(os.path.join(s.dir, words[4])), words[4])
            self.assertEqual(words[5], "--agent")
            agent = s.get("/agents/" + words[6], key=key)
            self.assertEqual(agent.json()["agent_name"], "demo")
            self.assertEqual(words[7:], ["--at", "now", "--wait", "--server", "http://127.0.0.1:%d" % s.port])
            # Run it as printed (the demo agent sped up so that the test takes seconds, not a minute).
            provider = dict(agent.json()["provider"], speed=200)
            self.assertEqual(s.request("PATCH", "/agents/" + words[6], {"provider": provider}, key=key).status, 200)
            env = dict(os.environ, BATCHCALL_API_KEY=key)
            run = subprocess.run(words[1:], cwd=s.dir, env=env, capture_output=True, text=True, timeout=120)
            self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
            batches = s.get("/batches/%s/all" % words[6], key=key).json()
            self.assertEqual(len(batches), 1)
            self.assertEqual(batches[0]["status"], "completed")
            s.stop()
            s2 = Server(api_key=None, data_dir=s.dir).start()  # not on later starts
            try:
                time.sleep(0.5)
                self.assertNotIn("Demo:", s2.startup_output + s2.output_so_far())
            finally:
                s2.stop()
        finally:
            s.stop()
            s.cleanup()


if __name__ == "__main__":
    unittest.main()
