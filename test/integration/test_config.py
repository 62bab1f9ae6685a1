"""Black-box: the configuration file. `serve --config` listens where the file
says; the environment overrides the file and flags override the environment;
`config check` prints the effective configuration with sources and masked
secrets (exit 0) or the problems (exit 2); an unknown key stops `serve` with
"did you mean"; `keys create` and the client commands read the file too."""
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.request

from harness import BIN, Server

SECRET = "bc_config_test_key_0123456789abcdef"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("BATCHCALL_") or k in ("BATCHCALL_BIN",)}
    env.pop("BATCHCALL_BIN", None)
    env.update(extra or {})
    return env


class ConfigTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="batchcall-config-")
        self.procs = []

    def tearDown(self):
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
            p.stdout.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def run_cli(self, *args, env=None, timeout=60):
        return subprocess.run([BIN] + list(args), capture_output=True, text=True, env=clean_env(env), cwd=self.dir,
                              timeout=timeout)

    def serve(self, *args, env=None):
        """Starts `batchcall serve ARGS`; returns the port it reports listening on."""
        p = subprocess.Popen([BIN, "serve"] + list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True, env=clean_env(env), cwd=self.dir)
        self.procs.append(p)
        lines = []
        deadline = time.time() + 30
        while time.time() < deadline:
            line = p.stdout.readline()
            if not line:
                self.fail("serve exited during start-up:\n" + "".join(lines))
            lines.append(line)
            m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
            if m:
                return int(m.group(1))
        self.fail("serve did not start:\n" + "".join(lines))

    def healthy(self, port):
        with urllib.request.urlopen("http://127.0.0.1:%d/healthz" % port, timeout=10) as r:
            return r.status == 200

    def server_file(self, port, extra=""):
        return self.write("batchcall.toml", 'listen = "127.0.0.1:%d"\ndb = "sqlite:%s/data/bc.db"\n%s' %
                          (port, self.dir, extra))

    def test_serve_listens_where_the_file_says(self):
        port = free_port()
        path = self.server_file(port, 'log_format = "json"\n')
        self.assertEqual(self.serve("--config", path), port)
        self.assertTrue(self.healthy(port))
        self.assertTrue(os.path.exists(os.path.join(self.dir, "data", "bc.db")))

    def test_config_file_from_the_environment(self):
        port = free_port()
        path = self.server_file(port)
        self.assertEqual(self.serve(env={"BATCHCALL_CONFIG": path}), port)

    def test_environment_overrides_file_and_flag_overrides_environment(self):
        file_port, env_port, flag_port = free_port(), free_port(), free_port()
        path = self.server_file(file_port)
        self.assertEqual(self.serve("--config", path, env={"BATCHCALL_LISTEN": "127.0.0.1:%d" % env_port}), env_port)
        self.assertEqual(self.serve("--config", path, "--listen", "127.0.0.1:%d" % flag_port,
                                    env={"BATCHCALL_LISTEN": "127.0.0.1:%d" % env_port}), flag_port)
        self.assertTrue(self.healthy(flag_port))

    def test_api_key_from_the_file_is_accepted(self):
        port = free_port()
        path = self.server_file(port, 'api_key = "%s"\n' % SECRET)
        self.serve("--config", path)
        req = urllib.request.Request("http://127.0.0.1:%d/agents" % port,
                                     headers={"Authorization": "Bearer " + SECRET})
        with urllib.request.urlopen(req, timeout=10) as r:
            self.assertEqual(r.status, 200)

    def test_unknown_key_stops_serve_before_it_starts(self):
        path = self.write("bad.toml", 'db = "sqlite:%s/data/bc.db"\n\nlistne = "127.0.0.1:0"\n' % self.dir)
        r = self.run_cli("serve", "--config", path)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("unknown key 'listne' at %s:3; did you mean 'listen'?" % path, r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "data")), "serve did something before failing")

    def test_bad_values_stop_serve(self):
        path = self.write("bad.toml", 'dial_threads = 0\n')
        r = self.run_cli("serve", "--config", path)
        self.assertEqual(r.returncode, 2)
        self.assertIn("dial_threads at %s:1: must be between 1 and 256, got 0" % path, r.stderr)
        r = self.run_cli("serve", "--config", os.path.join(self.dir, "missing.toml"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("cannot read config file", r.stderr)
        r = self.run_cli("serve", "--log-format", "xml")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--log-format: must be one of text, json, got 'xml'", r.stderr)

    def test_config_check_prints_the_effective_configuration(self):
        path = self.write("c.toml", 'listen = "0.0.0.0:9000"\napi_key = "%s"\nwebhook_timeout = 2.5\n' % SECRET)
        r = self.run_cli("config", "check", path, env={"BATCHCALL_DIAL_THREADS": "3"})
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout
        self.assertIn('listen = "0.0.0.0:9000"  # file %s:1\n' % path, out)
        self.assertIn('api_key = "****cdef"  # file %s:2, secret, masked\n' % path, out)
        self.assertIn("webhook_timeout = 2.5  # file %s:3\n" % path, out)
        self.assertIn("dial_threads = 3  # env BATCHCALL_DIAL_THREADS\n", out)
        self.assertIn('db = "sqlite:./data/batchcall.db"  # default\n', out)
        self.assertNotIn(SECRET, out)
        for key in ["listen", "db", "api_key", "secret_key", "public_url", "node_id", "simulator_record",
                    "dial_threads", "max_upload_mb", "max_rows", "header_timeout_ms", "body_idle_timeout_ms",
                    "webhook_max_age", "webhook_backoff_max", "webhook_timeout", "log_format", "log_level"]:
            self.assertRegex(out, r"(?m)^%s = " % key)

    def test_config_check_reports_every_problem_and_exits_2(self):
        path = self.write("c.toml", 'log_levl = "debug"\nmax_rows = "many"\n')
        r = self.run_cli("config", "check", path)
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown key 'log_levl' at %s:1; did you mean 'log_level'?" % path, r.stderr)
        self.assertIn("max_rows at %s:2: must be an integer, got string" % path, r.stderr)
        self.assertEqual(r.stdout, "")
        # The environment is part of the effective configuration.
        good = self.write("good.toml", "")
        r = self.run_cli("config", "check", good, env={"BATCHCALL_WEBHOOK_TIMEOUT": "soon"})
        self.assertEqual(r.returncode, 2)
        self.assertIn("BATCHCALL_WEBHOOK_TIMEOUT: must be a number, got 'soon'", r.stderr)
        # TOML syntax errors name the line.
        broken = self.write("broken.toml", 'listen = "a"\ndb = \n')
        r = self.run_cli("config", "check", broken)
        self.assertEqual(r.returncode, 2)
        self.assertIn("%s:2:" % broken, r.stderr)

    def test_config_example_is_a_valid_file(self):
        r = self.run_cli("config", "example")
        self.assertEqual(r.returncode, 0)
        self.assertIn("#webhook_max_age = 259200", r.stdout)
        path = self.write("example.toml", r.stdout)
        self.assertEqual(self.run_cli("config", "check", path).returncode, 0)

    def test_keys_create_uses_the_db_from_the_file(self):
        path = self.write("k.toml", 'db = "sqlite:%s/keys/bc.db"\n' % self.dir)
        r = self.run_cli("keys", "create", "--config", path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.strip().startswith("bc_"))
        self.assertTrue(os.path.exists(os.path.join(self.dir, "keys", "bc.db")))


class ClientConfigTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Server().start()
        cls.dir = tempfile.mkdtemp(prefix="batchcall-config-client-")

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()
        cls.s.cleanup()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def status(self, *args, env=None):
        return subprocess.run([BIN, "status", "0" * 32] + list(args), capture_output=True, text=True,
                              env=clean_env(env), timeout=60)

    def test_client_commands_read_server_url_and_api_key_from_the_file(self):
        path = os.path.join(self.dir, "client.toml")
        with open(path, "w") as f:
            f.write('server_url = "http://127.0.0.1:%d"\napi_key = "%s"\n' % (self.s.port, self.s.api_key))
        r = self.status("--config", path)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("error 404", r.stderr)  # reached the server, authenticated, unknown batch
        # The environment and flags win over the file.
        r = self.status("--config", path, env={"BATCHCALL_API_KEY": "bc_wrong"})
        self.assertIn("error 401", r.stderr)
        r = self.status("--config", path, "--server", "http://127.0.0.1:1")
        self.assertEqual(r.returncode, 2)
        self.assertIn("cannot reach", r.stderr)

    def test_client_reports_a_bad_file(self):
        path = os.path.join(self.dir, "bad.toml")
        with open(path, "w") as f:
            f.write('server = "http://x"\n')
        r = self.status("--config", path)
        self.assertEqual(r.returncode, 2)
        self.assertIn("did you mean 'server_url'?", r.stderr)


if __name__ == "__main__":
    unittest.main()
