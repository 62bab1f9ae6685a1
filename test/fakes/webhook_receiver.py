#!/usr/bin/env python3
"""A local webhook receiver for black-box tests of batchcall's outbound webhooks.

Usage: webhook_receiver.py [--port 0] [--host 127.0.0.1] --secret S [--tolerance 300]

Prints "listening <port>" on stdout first (flushed), then serves until killed.
Every POST outside /_control/ is recorded: headers, body (parsed JSON when it
is JSON), whether X-Batchcall-Signature verified with the current secret (as
docs/webhooks.md describes), and the status answered.

Control endpoints (JSON):
  POST /_control/mode     {"mode": "up"|"down"|"slow", "status": 503, "delay_ms": 2000}
                          up: 200; down: answer `status` (default 503);
                          slow: sleep delay_ms (default 2000) then 200.
  POST /_control/secret   {"secret": "..."}  the secret used to verify from now on
  POST /_control/reset    forget everything received
  GET  /_control/received JSON list of deliveries, in arrival order
  GET  /_control/state    {"mode": ..., "status": ..., "delay_ms": ..., "count": n}

Standard library only. Never exits on bad input: a malformed request gets 400.
"""

import argparse
import hashlib
import hmac
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 10 * 1024 * 1024


def verify_signature(secret, header, body, now, tolerance):
    """Returns (ok, reason). body is the raw bytes as received."""
    if not secret:
        return False, "no secret configured"
    if not header:
        return False, "missing signature header"
    timestamp = None
    signatures = []
    for item in header.split(","):
        item = item.strip()
        if not item:
            continue
        key, sep, value = item.partition("=")
        if not sep:
            return False, "malformed item"
        key, value = key.strip(), value.strip()
        if key == "t":
            if timestamp is not None or not value.isdigit():
                return False, "malformed t"
            timestamp = int(value)
        elif key == "v1":
            signatures.append(value.lower())
    if timestamp is None or not signatures:
        return False, "missing t or v1"
    if abs(now - timestamp) > tolerance:
        return False, "timestamp outside tolerance"
    signed = str(timestamp).encode() + b"." + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    # Any v1 may match (several are sent while a secret is being rotated).
    matched = False
    for candidate in signatures:
        if hmac.compare_digest(expected.encode(), candidate.encode("utf-8", "replace")):
            matched = True
    return (True, "") if matched else (False, "no matching v1")


class State:
    def __init__(self, secret, tolerance):
        self.lock = threading.Lock()
        self.secret = secret
        self.tolerance = tolerance
        self.mode = "up"
        self.status = 503
        self.delay_ms = 2000
        self.received = []


def make_handler(state):
    class Handler(BaseHTTPRequestHandler):
        server_version = "webhook-receiver/1"

        def log_message(self, fmt, *args):  # quiet; tests read /_control/received
            pass

        def _send_json(self, status, payload):
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _read_body(self):
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                return None
            if length < 0 or length > MAX_BODY:
                return None
            return self.rfile.read(length) if length else b""

        def do_GET(self):
            try:
                if self.path == "/_control/received":
                    with state.lock:
                        snapshot = list(state.received)
                    self._send_json(200, snapshot)
                elif self.path == "/_control/state":
                    with state.lock:
                        payload = {"mode": state.mode, "status": state.status, "delay_ms": state.delay_ms,
                                   "count": len(state.received)}
                    self._send_json(200, payload)
                else:
                    self._send_json(404, {"error": "not found"})
            except Exception as e:  # noqa: BLE001 - a test helper must keep running
                self._safe_error(e)

        def do_POST(self):
            try:
                body = self._read_body()
                if body is None:
                    self._send_json(400, {"error": "bad or missing Content-Length"})
                    return
                if self.path.startswith("/_control/"):
                    self._control(body)
                else:
                    self._delivery(body)
            except Exception as e:  # noqa: BLE001
                self._safe_error(e)

        def _safe_error(self, e):
            try:
                self._send_json(500, {"error": str(e)})
            except Exception:  # noqa: BLE001 - client gone
                pass

        def _control(self, body):
            try:
                req = json.loads(body.decode("utf-8") or "{}")
                if not isinstance(req, dict):
                    raise ValueError("expected an object")
            except (ValueError, UnicodeDecodeError) as e:
                self._send_json(400, {"error": "bad JSON: %s" % e})
                return
            if self.path == "/_control/mode":
                mode = req.get("mode")
                if mode not in ("up", "down", "slow"):
                    self._send_json(400, {"error": "mode must be up, down or slow"})
                    return
                try:
                    status = int(req.get("status", 503))
                    delay_ms = int(req.get("delay_ms", 2000))
                except (TypeError, ValueError):
                    self._send_json(400, {"error": "status and delay_ms must be integers"})
                    return
                if not 100 <= status <= 599 or delay_ms < 0:
                    self._send_json(400, {"error": "status out of range or negative delay_ms"})
                    return
                with state.lock:
                    state.mode, state.status, state.delay_ms = mode, status, delay_ms
                self._send_json(200, {"mode": mode, "status": status, "delay_ms": delay_ms})
            elif self.path == "/_control/secret":
                secret = req.get("secret")
                if not isinstance(secret, str):
                    self._send_json(400, {"error": "secret must be a string"})
                    return
                with state.lock:
                    state.secret = secret
                self._send_json(200, {"ok": True})
            elif self.path == "/_control/reset":
                with state.lock:
                    state.received.clear()
                self._send_json(200, {"ok": True})
            else:
                self._send_json(404, {"error": "unknown control endpoint"})

        def _delivery(self, body):
            with state.lock:
                secret, tolerance = state.secret, state.tolerance
                mode, status, delay_ms = state.mode, state.status, state.delay_ms
            ok, reason = verify_signature(secret, self.headers.get("X-Batchcall-Signature", ""), body,
                                          int(time.time()), tolerance)
            try:
                parsed = json.loads(body.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                parsed = body.decode("utf-8", "replace")
            answer = status if mode == "down" else 200
            entry = {
                "event_id": self.headers.get("X-Batchcall-Event-Id"),
                "event_type": self.headers.get("X-Batchcall-Event"),
                "path": self.path,
                "headers": {k: v for k, v in self.headers.items()},
                "body": parsed,
                "signature_ok": ok,
                "signature_error": reason,
                "status": answer,
                "received_at": time.time(),
                "completed": False,  # True once the answer was written to the client
            }
            with state.lock:
                state.received.append(entry)
            if mode == "slow":
                time.sleep(delay_ms / 1000.0)
            try:
                self._send_json(answer, {"received": ok} if answer < 300 else {"error": "receiver is down"})
                self.wfile.flush()
                completed = True
            except Exception:  # noqa: BLE001 - the sender gave up (timeout)
                completed = False
            with state.lock:
                entry["completed"] = completed

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--secret", default="")
    parser.add_argument("--tolerance", type=int, default=300, help="signature timestamp tolerance, seconds")
    args = parser.parse_args()
    state = State(args.secret, args.tolerance)
    server = ThreadingHTTPServer((args.host, args.port), make_handler(state))
    server.daemon_threads = True
    print("listening %d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
