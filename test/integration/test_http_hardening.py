"""Black-box: the HTTP hardening of issue 13 (findings 2, 5, 6, 7 and 13's temp dir).

Keys and callback signatures are checked on the request head, before a body
byte is read; connections are capped; request bodies in memory are bounded;
uploads run on their own bounded pool; Transfer-Encoding and Host are strict;
upload temp files of a killed server are removed at the next start; an
unwritable temp directory is a 503, not a 500.
"""
import os
import signal
import socket
import threading
import time
import unittest

from harness import Server, data_file, multipart


def connect(port, timeout=10):
    return socket.create_connection(("127.0.0.1", port), timeout=timeout)


def read_until_closed(s, limit=1 << 20):
    out = b""
    try:
        while len(out) < limit:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    return out


def first_status(data):
    line = data.split(b"\r\n", 1)[0]
    parts = line.split(b" ")
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


def statuses(data):
    """Status codes of every response in a byte stream (heads only)."""
    return [int(line.split(b" ")[1]) for line in data.split(b"\r\n") if line.startswith(b"HTTP/1.")]


def head_of(data):
    return data.split(b"\r\n\r\n", 1)[0].decode("latin-1").lower()


def upload_files(server):
    """Every upload temp file under the server's tmp directory."""
    found = []
    for root, _dirs, files in os.walk(os.path.join(server.dir, "tmp")):
        found += [os.path.join(root, f) for f in files if f.startswith("batchcall-upload-")]
    return found


def contacts_csv(rows, start=0):
    # Valid NANP numbers (exchanges 200-999), distinct for distinct start.
    return ("contact_number\n" + "".join("+1415%03d%04d\n" % (200 + (start + i) // 10000, (start + i) % 10000)
                                         for i in range(rows))).encode()


class HeadFirst(unittest.TestCase):
    """Finding 2: authenticate on the head, before the body."""

    @classmethod
    def setUpClass(cls):
        cls.s = Server().start()
        cls.agent = cls.s.demo_agent_id()

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()
        cls.s.cleanup()

    def ask(self, head):
        s = connect(self.s.port)
        s.sendall(head.encode())
        data = read_until_closed(s)
        s.close()
        return data

    def test_no_key_is_401_before_100_continue(self):
        data = self.ask("POST /dnc HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        "Content-Length: 1000000\r\nExpect: 100-continue\r\n\r\n")
        self.assertEqual(statuses(data), [401], data[:300])
        self.assertIn("connection: close", head_of(data))
        data = self.ask("POST /dnc HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer bc_wrong\r\n"
                        "Content-Type: application/json\r\nContent-Length: 1000\r\nExpect: 100-continue\r\n\r\n")
        self.assertEqual(statuses(data), [401], data[:300])

    def test_unknown_route_and_wrong_method_are_decided_on_the_head(self):
        for head, want in (("POST /nothing HTTP/1.1", 404), ("PUT /batches HTTP/1.1", 405)):
            data = self.ask(head + "\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Length: 5000000\r\n"
                            "Expect: 100-continue\r\n\r\n" % self.s.api_key)
            self.assertEqual(statuses(data), [want], data[:300])

    def test_keyless_upload_is_never_spooled(self):
        body, ctype = multipart([("agent_id", self.agent)], [("file", "c.csv", contacts_csv(200_000))])
        s = connect(self.s.port)
        s.sendall(("POST /batches HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n"
                   % (ctype, len(body))).encode())
        try:
            s.sendall(body[: len(body) // 2])
        except (BrokenPipeError, ConnectionResetError):
            pass
        time.sleep(0.5)
        self.assertEqual(upload_files(self.s), [])
        data = read_until_closed(s)
        s.close()
        self.assertEqual(first_status(data), 401, data[:300])

    def test_a_valid_key_still_gets_100_continue(self):
        s = connect(self.s.port)
        body = b'{"numbers": ["+14155550100"]}'
        s.sendall(("POST /dnc HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\n"
                   "Content-Length: %d\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n"
                   % (self.s.api_key, len(body))).encode())
        interim = s.recv(4096)
        self.assertEqual(first_status(interim), 100, interim)
        s.sendall(body)
        data = interim + read_until_closed(s)
        s.close()
        self.assertEqual(statuses(data)[-1] // 100, 2, data[:500])

    def test_provider_callbacks_need_their_signature_header_and_stay_small(self):
        # Twilio: no X-Twilio-Signature -> 403 on the head, no 100.
        data = self.ask("POST /webhooks/twilio/any HTTP/1.1\r\nHost: x\r\n"
                        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 500\r\n"
                        "Expect: 100-continue\r\n\r\n")
        self.assertEqual(statuses(data), [403], data[:300])
        # With one, still at most 64 KiB before the signature is checked.
        data = self.ask("POST /webhooks/twilio/any HTTP/1.1\r\nHost: x\r\nX-Twilio-Signature: abc\r\n"
                        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 70000\r\n"
                        "Expect: 100-continue\r\n\r\n")
        self.assertEqual(statuses(data), [413], data[:300])
        # Voice-agent results: X-Batchcall-Signature or Authorization, on the head.
        data = self.ask("POST /webhooks/agent/any HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        "Content-Length: 500\r\nExpect: 100-continue\r\n\r\n")
        self.assertEqual(statuses(data), [401], data[:300])
        # A small, signed callback for an unknown call is still read and answered.
        r = self.s.post_form("/webhooks/twilio/unknown", {"CallStatus": "ringing"},
                             headers={"X-Twilio-Signature": "abc"}, key=None)
        self.assertEqual(r.status, 404, r)

    def test_the_next_request_after_a_refusal_is_served(self):
        # A keep-alive client refused mid-way (here a keyless upload) gets a
        # complete response with Connection: close; its next connection works.
        import http.client
        conn = http.client.HTTPConnection("127.0.0.1", self.s.port, timeout=10)
        body, ctype = multipart([("agent_id", self.agent)], [("file", "c.csv", data_file("demo_contacts.csv"))])
        conn.request("POST", "/batches", body=body, headers={"Content-Type": ctype})
        r = conn.getresponse()
        self.assertEqual(r.status, 401)
        self.assertEqual(r.getheader("Connection"), "close")
        r.read()
        conn.request("GET", "/healthz")  # http.client reconnects after Connection: close
        self.assertEqual(conn.getresponse().status, 200)
        conn.close()


class MemoryAndConnections(unittest.TestCase):
    """Finding 2: connection caps and bounded memory of requests in flight."""

    def test_300_keyless_1mb_requests_do_not_grow_memory(self):
        # The per-client cap is off here (one test client = one address), so
        # all 300 are really in flight at once.
        s = Server(env={"BATCHCALL_MAX_CONNECTIONS_PER_CLIENT": "0"}).start()
        try:
            self.assertEqual(s.get("/healthz").status, 200)
            before = s.vm_rss_kb()
            body = b"x" * (1 << 20)
            head = ("POST /dnc HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    "Content-Length: %d\r\n\r\n" % len(body)).encode()
            results = []

            def one():
                c = connect(s.port, timeout=30)
                try:
                    c.sendall(head)
                    c.sendall(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                results.append(first_status(read_until_closed(c, 4096)))
                c.close()

            threads = [threading.Thread(target=one) for _ in range(300)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(120)
            grown_mb = (s.vm_rss_kb() - before) / 1024
            peak_mb = (s.vm_hwm_kb() - before) / 1024
            print("\n  300 keyless 1 MB requests: RSS %+.1f MB, peak %+.1f MB over the start (%d x 401)"
                  % (grown_mb, peak_mb, results.count(401)))
            self.assertEqual(results.count(401), 300, sorted(set(results)))
            self.assertLess(peak_mb, 80)
            self.assertEqual(s.get("/healthz").status, 200)
        finally:
            s.stop()
            s.cleanup()

    def test_connections_per_client_are_capped(self):
        s = Server(env={"BATCHCALL_MAX_CONNECTIONS_PER_CLIENT": "3"}).start()
        try:
            held = [connect(s.port) for _ in range(3)]
            for c in held:
                c.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                self.assertEqual(first_status(c.recv(4096)), 200)
            extra = connect(s.port)
            extra.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            data = read_until_closed(extra)
            extra.close()
            self.assertEqual(first_status(data), 503, data[:300])
            self.assertIn("retry-after: 1", head_of(data))
            held.pop().close()
            time.sleep(0.3)
            self.assertEqual(s.get("/healthz").status, 200)
            for c in held:
                c.close()
        finally:
            s.stop()
            s.cleanup()


class Framing(unittest.TestCase):
    """Finding 6: Transfer-Encoding other than exactly chunked, and Host."""

    @classmethod
    def setUpClass(cls):
        cls.s = Server().start()

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()
        cls.s.cleanup()

    def send(self, data):
        c = connect(self.s.port)
        c.sendall(data)
        out = read_until_closed(c)
        c.close()
        return out

    def test_unknown_transfer_encoding_is_400_and_the_body_never_runs(self):
        smuggled = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
        for te in (b"xchunked", b"gzip", b"chunked, identity"):
            out = self.send(b"POST /agents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                            self.s.api_key.encode() + b"\r\nTransfer-Encoding: " + te + b"\r\n\r\n" + smuggled)
            self.assertEqual(statuses(out), [400], (te, out[:400]))
            self.assertIn("connection: close", head_of(out))

    def test_a_coding_before_chunked_is_501(self):
        out = self.send(b"POST /agents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + self.s.api_key.encode() +
                        b"\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
        self.assertEqual(statuses(out), [501], out[:300])

    def test_chunked_still_works(self):
        body = b'{"numbers": ["+14155550111"]}'
        out = self.send(b"POST /dnc HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + self.s.api_key.encode() +
                        b"\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
                        b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n")
        self.assertEqual(first_status(out) // 100, 2, out[:300])

    def test_no_host_or_two_hosts_is_400(self):
        self.assertEqual(statuses(self.send(b"GET /healthz HTTP/1.1\r\n\r\n")), [400])
        self.assertEqual(statuses(self.send(b"GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")), [400])
        self.assertEqual(first_status(self.send(b"GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")),
                         200)


class Uploads(unittest.TestCase):
    """Finding 5: uploads run on their own bounded pool."""

    def test_a_full_upload_pool_is_503_with_retry_after(self):
        s = Server(env={"BATCHCALL_UPLOAD_THREADS": "1", "BATCHCALL_UPLOAD_QUEUE": "0"}).start()
        try:
            agent = s.demo_agent_id()
            body, ctype = multipart([("agent_id", agent)], [("file", "c.csv", contacts_csv(1000))])
            held = connect(s.port)  # an upload still arriving holds the only slot
            held.sendall(("POST /batches HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: %s\r\n"
                          "Content-Length: %d\r\n\r\n" % (s.api_key, ctype, len(body))).encode() + body[:100])
            time.sleep(0.5)
            r = s.upload(agent, data_file("demo_contacts.csv"))
            self.assertEqual(r.status, 503, r)
            self.assertEqual(r.header("Retry-After"), "5")
            held.sendall(body[100:])
            self.assertEqual(first_status(read_until_closed(held, 4096)), 201)
            held.close()
            self.assertEqual(s.upload(agent, data_file("demo_contacts.csv")).status, 201)
        finally:
            s.stop()
            s.cleanup()

    def test_healthz_and_reads_answer_while_uploads_run(self):
        s = Server().start()
        try:
            agent = s.demo_agent_id()
            results = []

            def up(i):
                r = s.upload(agent, contacts_csv(30_000, start=i * 30_000), timeout=300)
                results.append(r.status if r.status == 201 else r)

            threads = [threading.Thread(target=up, args=(i,)) for i in range(6)]
            for t in threads:
                t.start()
            time.sleep(1.0)  # the uploads are being ingested now
            worst = 0.0
            polled = 0
            while any(t.is_alive() for t in threads) and polled < 40:
                start = time.time()
                self.assertEqual(s.get("/healthz").status, 200)
                self.assertEqual(s.get("/agents").status, 200)
                worst = max(worst, time.time() - start)
                polled += 1
                time.sleep(0.05)
            for t in threads:
                t.join(300)
            print("\n  healthz + GET /agents during 6 uploads: worst %.0f ms over %d polls" % (worst * 1000, polled))
            self.assertLess(worst, 1.0)  # old main: one poll waited for the uploads (all 4 workers busy)
            self.assertGreater(polled, 3, "the uploads ended before they could be observed")
            self.assertEqual(results.count(201), 6, results)
        finally:
            s.stop()
            s.cleanup()


class TempFiles(unittest.TestCase):
    """Finding 7 and 13: upload temp files after kill -9; an unwritable temp dir."""

    def test_files_left_by_kill_9_are_removed_at_start(self):
        s = Server().start()
        try:
            agent = s.demo_agent_id()
            body, ctype = multipart([("agent_id", agent)], [("file", "c.csv", contacts_csv(100_000))])
            c = connect(s.port)
            c.sendall(("POST /batches HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: %s\r\n"
                       "Content-Length: %d\r\n\r\n" % (s.api_key, ctype, len(body))).encode() + body[: len(body) // 2])
            deadline = time.time() + 10
            while not upload_files(s) and time.time() < deadline:
                time.sleep(0.05)
            self.assertTrue(upload_files(s), "the upload was not spooled")
            s.proc.send_signal(signal.SIGKILL)
            s.proc.wait()
            c.close()
            s.stop()
            self.assertTrue(upload_files(s), "kill -9 left nothing to clean")
            s2 = Server(data_dir=s.dir).start()
            try:
                self.assertEqual(upload_files(s2), [])
                self.assertIn("removed upload temp files", s2.startup_output)
            finally:
                s2.stop()
        finally:
            s.cleanup()

    def test_unwritable_temp_dir_is_503_with_one_error_line(self):
        s = Server().start()
        try:
            agent = s.demo_agent_id()
            tmp = os.path.join(s.dir, "tmp")
            # Every place uploads may spool to becomes unusable (a file where a
            # directory should be works for root too).
            for name in os.listdir(tmp):
                path = os.path.join(tmp, name)
                if os.path.isdir(path):
                    os.rmdir(path)
                    open(path, "w").close()
            r = s.upload(agent, data_file("demo_contacts.csv"))
            self.assertEqual(r.status, 503, r)
            self.assertIn("temporary directory", r.json()["message"])
            time.sleep(0.3)
            errors = [line for line in s.output_so_far().splitlines() if "ERROR" in line]
            self.assertEqual(len(errors), 1, errors)
            self.assertIn("spool", errors[0])
            self.assertEqual(s.get("/healthz").status, 200)
        finally:
            s.stop()
            s.cleanup()


if __name__ == "__main__":
    unittest.main()
