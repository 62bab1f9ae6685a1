"""Starts a real `batchcall serve` on a free loopback port and talks HTTP to it.

Used by the black-box tests. Only the standard library: http.client and sockets.
"""
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid

BIN = os.environ.get("BATCHCALL_BIN", "batchcall")
LOOPBACK = "127.0.0.0/8,::1/128"  # outbound_allow for servers whose stand-ins run on this host
DATA = os.environ.get("BATCHCALL_TEST_DATA", os.path.join(os.path.dirname(__file__), "..", "data"))


def data_file(name):
    with open(os.path.join(DATA, name), "rb") as f:
        return f.read()


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def __repr__(self):
        return "Response(%d, %r)" % (self.status, self.body[:500])


def multipart(fields, files):
    """fields: list of (name, value); files: list of (name, filename, bytes)."""
    boundary = "----batchcall" + uuid.uuid4().hex
    out = bytearray()
    for name, value in fields:
        out += ("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n" % (boundary, name)).encode()
        out += value.encode() if isinstance(value, str) else value
        out += b"\r\n"
    for name, filename, content in files:
        out += ("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                "Content-Type: text/csv\r\n\r\n" % (boundary, name, filename)).encode()
        out += content
        out += b"\r\n"
    out += ("--%s--\r\n" % boundary).encode()
    return bytes(out), "multipart/form-data; boundary=" + boundary


class Server:
    """A batchcall server process with its own data directory."""

    def __init__(self, api_key="bc_test_key_0123456789abcdef", extra_args=(), env=None, data_dir=None,
                 port=0, db=None):
        self.listen_port = port
        self.owns_dir = data_dir is None
        self.dir = data_dir or tempfile.mkdtemp(prefix="batchcall-test-")
        self.db = db or ("sqlite:" + os.path.join(self.dir, "batchcall.db"))
        self.api_key = api_key
        self.extra_args = list(extra_args)
        self.env = dict(os.environ)
        self.env.pop("BATCHCALL_API_KEY", None)
        if api_key:
            self.env["BATCHCALL_API_KEY"] = api_key
        # Keep ASan's quarantine small so memory measurements mean something.
        asan = self.env.get("ASAN_OPTIONS", "")
        self.env["ASAN_OPTIONS"] = (asan + ":" if asan else "") + "quarantine_size_mb=8"
        # The stand-ins (test/fakes) listen on loopback, which outbound
        # requests may not reach by default; a test of the default passes
        # env={"BATCHCALL_OUTBOUND_ALLOW": ""}.
        self.env.setdefault("BATCHCALL_OUTBOUND_ALLOW", LOOPBACK)
        if env:
            self.env.update(env)
        self.proc = None
        self.port = None
        self.startup_output = ""

    def start(self):
        self.proc = subprocess.Popen(
            [BIN, "serve", "--listen", "127.0.0.1:%d" % self.listen_port, "--db", self.db] + self.extra_args,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=self.env, text=True, cwd=self.dir)
        deadline = time.time() + 30
        lines = []
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("server exited during start-up:\n" + "".join(lines))
            lines.append(line)
            m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
            if m:
                self.port = int(m.group(1))
                self.startup_output = "".join(lines)
                # Keep reading the server's output: a pipe nobody reads fills
                # up (64 KiB) and the server then blocks in its next log write.
                self._rest = []
                self._reader = threading.Thread(target=self._drain, args=(self.proc.stdout, self._rest), daemon=True)
                self._reader.start()
                return self
        raise RuntimeError("server did not start:\n" + "".join(lines))

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        rest = ""
        reader = getattr(self, "_reader", None)
        if reader is not None:
            reader.join(timeout=15)
            self._reader = None
            rest = "".join(self._rest)
        elif self.proc and not self.proc.stdout.closed:
            rest = self.proc.stdout.read()
        if self.proc and not self.proc.stdout.closed:
            self.proc.stdout.close()
        code = self.proc.returncode if self.proc else 0
        return code, rest

    @staticmethod
    def _drain(stream, into):
        try:
            for line in stream:
                into.append(line)
        except (ValueError, OSError):
            pass  # closed

    def output_so_far(self):
        """What the server printed after start-up, up to now."""
        return "".join(getattr(self, "_rest", []))

    def cleanup(self):
        if self.owns_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    # --- HTTP
    def request(self, method, path, body=None, headers=None, key="default", timeout=60):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        h = dict(headers or {})
        k = self.api_key if key == "default" else key
        if k:
            h["Authorization"] = "Bearer " + k
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        resp = Response(r.status, r.getheaders(), r.read())
        conn.close()
        return resp

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post_json(self, path, obj, **kw):
        return self.request("POST", path, body=obj, **kw)

    def post_form(self, path, fields, headers=None, **kw):
        from urllib.parse import urlencode
        h = {"Content-Type": "application/x-www-form-urlencoded"}
        h.update(headers or {})
        return self.request("POST", path, body=urlencode(fields).encode(), headers=h, **kw)

    def upload(self, agent_id, content, filename="contacts.csv", fields=(), **kw):
        body, ctype = multipart([("agent_id", agent_id)] + list(fields), [("file", filename, content)])
        return self.request("POST", "/batches", body=body, headers={"Content-Type": ctype}, **kw)

    def demo_agent_id(self, key="default"):
        agents = self.get("/agents", key=key).json()
        return [a for a in agents if a["agent_name"] == "demo"][0]["agent_id"]

    def keys_create(self, *args):
        out = subprocess.run([BIN, "keys", "create", "--db", self.db] + list(args), env=self.env,
                             capture_output=True, text=True, timeout=30)
        if out.returncode != 0:
            raise RuntimeError(out.stderr)
        return out.stdout.strip().splitlines()[-1]

    def _status_kb(self, field):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        return 0

    def vm_hwm_kb(self):
        return self._status_kb("VmHWM")

    def vm_rss_kb(self):
        return self._status_kb("VmRSS")


def free_port():
    """A loopback port that was free a moment ago (for servers whose own URL
    must be known before they start, e.g. BATCHCALL_PUBLIC_URL)."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


FAKES = os.path.join(os.path.dirname(__file__), "..", "fakes")


class Fake:
    """A stand-in server from test/fakes/ (prints "listening <port>" first)."""

    def __init__(self, script, *args):
        # stderr goes to a file: a pipe nobody reads could fill up and stall the fake.
        self.errors = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(
            ["python3", os.path.join(FAKES, script), "--port", "0"] + [str(a) for a in args],
            stdout=subprocess.PIPE, stderr=self.errors, text=True)
        line = self.proc.stdout.readline()
        m = re.match(r"listening (\d+)", line or "")
        if not m:
            self.proc.kill()
            self.proc.wait()
            self.errors.seek(0)
            raise RuntimeError("%s did not start: %r %s" % (script, line, self.errors.read()))
        self.port = int(m.group(1))
        self.url = "http://127.0.0.1:%d" % self.port

    def control(self, method, path, obj=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        body = json.dumps(obj).encode() if obj is not None else None
        conn.request(method, path, body=body, headers={"Content-Type": "application/json"} if body else {})
        r = conn.getresponse()
        data = r.read()
        conn.close()
        if r.status >= 300:
            raise RuntimeError("%s %s -> %d %r" % (method, path, r.status, data[:300]))
        return json.loads(data) if data else None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.errors.close()


def wait_for(predicate, timeout, interval=0.2, what="condition"):
    """Polls predicate() until it returns a truthy value; fails after timeout seconds."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError("timed out waiting for %s (last: %r)" % (what, last))
