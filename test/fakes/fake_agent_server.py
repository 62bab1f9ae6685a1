#!/usr/bin/env python3
"""A local stand-in for a user's voice-agent server (e.g. a self-hosted Bolna
telephony server), for tests of batchcall's `http` provider. Standard library
only.

    fake_agent_server.py --port 0 --signing-secret S [--mode sign|bearer|none]
                         [--reply done|json] [--delay SECONDS]

Prints "listening <port>" on its first line once it accepts connections.

POST /call                 records the JSON body and answers 200 "done" (or
                           200 {"call_id": "fake-<n>"} with --reply json); then,
                           on a background thread, after --delay seconds, posts
                           {"status": "in-progress"} and then the final result
                           to the body's callback_url, authenticated per --mode:
                           sign:   X-Batchcall-Signature: t=<unix>,v1=<hex
                                   HMAC-SHA256(secret, "<t>.<body>")>
                           bearer: Authorization: Bearer <secret>
                           none:   no credential
POST /_control/behaviour   {"<recipient number>": behaviour, ...} merged into
                           the per-number table; behaviours:
                             completed      (default) in-progress, completed
                             silent         accept the call, never report back
                             busy           accept, report {"status": "busy"}
                             no-answer      accept, report {"status": "no-answer"}
                             voicemail      completed with answered_by_voice_mail
                             fail_500       answer /call with 500
                             reject_400     answer /call with 400
                             bad_signature  report signed with a wrong secret
                             duplicate      report the final result twice
POST /_control/reset       forgets calls, callbacks and behaviours
GET  /_control/calls       JSON array of the received /call bodies (with
                           "_headers": the request headers, for assertions)
GET  /_control/callback_log JSON array of {"execution_id", "url", "status"
                           (the result status sent), "http_status" (our
                           server's answer, or null), "error", "body"}
Bad input never crashes the server: it is answered 400.
"""

import argparse
import hashlib
import hmac
import json
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 1 << 20
BEHAVIOURS = {"completed", "silent", "busy", "no-answer", "voicemail", "fail_500", "reject_400",
              "bad_signature", "duplicate"}


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.calls = []
        self.callback_log = []
        self.behaviour = {}
        self.next_id = 1
        self.port = 0


def sign(secret, body, now=None):
    t = int(time.time() if now is None else now)
    digest = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def result_bodies(call, behaviour, call_id, port):
    """The result posts for one call, in order."""
    user_data = call.get("user_data") if isinstance(call.get("user_data"), dict) else {}
    first = next(iter(user_data.values()), "there")
    base = {"execution_id": call.get("execution_id")}
    if call_id:
        base["provider_call_id"] = call_id
    if behaviour in ("busy", "no-answer"):
        return [dict(base, status=behaviour, hangup_by="provider")]
    final = dict(base,
                 status="completed",
                 transcript=f"agent: Hi {first}, this is a test call.\nuser: Hello, yes I can talk.",
                 summary=f"Spoke with {first}.",
                 extracted_data={"interested": True, "name": first},
                 conversation_duration=12.5,
                 total_cost=0.02,
                 recording_url=f"http://127.0.0.1:{port}/recordings/{call.get('execution_id')}/rec.mp3",
                 answered_by_voice_mail=behaviour == "voicemail",
                 hangup_by="user")
    posts = [dict(base, status="in-progress"), final]
    if behaviour == "duplicate":
        posts.append(final)
    return posts


def post_result(state, url, execution_id, result, behaviour):
    body = json.dumps(result).encode()
    headers = {"Content-Type": "application/json"}
    mode = state.args.mode
    secret = state.args.signing_secret
    if behaviour == "bad_signature":
        headers["X-Batchcall-Signature"] = sign(secret + "-wrong", body)
    elif mode == "sign":
        headers["X-Batchcall-Signature"] = sign(secret, body)
    elif mode == "bearer":
        headers["Authorization"] = f"Bearer {secret}"
    entry = {"execution_id": execution_id, "url": url, "status": result.get("status"), "http_status": None,
             "error": None, "body": result}
    try:
        req = urllib.request.Request(url, data=body, headers=headers, method="POST")
        with urllib.request.urlopen(req, timeout=10) as resp:
            entry["http_status"] = resp.status
    except urllib.error.HTTPError as e:
        entry["http_status"] = e.code
    except Exception as e:  # connection refused, timeout, bad URL: recorded, never fatal
        entry["error"] = f"{type(e).__name__}: {e}"
    with state.lock:
        state.callback_log.append(entry)


def report(state, call, behaviour, call_id):
    try:
        url = call.get("callback_url")
        posts = result_bodies(call, behaviour, call_id, state.port)
        if not isinstance(url, str) or not url:
            with state.lock:
                state.callback_log.append({"execution_id": call.get("execution_id"), "url": url, "status": None,
                                           "http_status": None, "error": "no callback_url", "body": None})
            return
        for result in posts:
            time.sleep(state.args.delay)
            post_result(state, url, call.get("execution_id"), result, behaviour)
    except Exception as e:  # never take the server down
        print(f"report failed: {e}", file=sys.stderr, flush=True)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeAgent/1"

    def log_message(self, fmt, *args):  # quiet
        pass

    @property
    def state(self):
        return self.server.state

    def reply(self, status, body, content_type="text/plain"):
        data = body if isinstance(body, bytes) else body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def reply_json(self, status, value):
        self.reply(status, json.dumps(value), "application/json")

    def read_json(self):
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            self.close_connection = True
            return None, "bad Content-Length"
        raw = self.rfile.read(length)
        try:
            return json.loads(raw.decode("utf-8")), None
        except (UnicodeDecodeError, ValueError):
            return None, "invalid JSON"

    def do_GET(self):
        try:
            with self.state.lock:
                if self.path == "/_control/calls":
                    value = list(self.state.calls)
                elif self.path == "/_control/callback_log":
                    value = list(self.state.callback_log)
                else:
                    value = None
            if value is None:
                self.reply(404, "not found")
            else:
                self.reply_json(200, value)
        except Exception as e:
            self.reply(500, f"fake agent server error: {e}")

    def do_POST(self):
        try:
            body, err = self.read_json()
            if err:
                return self.reply(400, err)
            if self.path == "/call":
                return self.handle_call(body)
            if self.path == "/_control/behaviour":
                if not isinstance(body, dict) or not all(
                        isinstance(k, str) and v in BEHAVIOURS for k, v in body.items()):
                    return self.reply(400, "want {\"<number>\": one of " + ", ".join(sorted(BEHAVIOURS)) + "}")
                with self.state.lock:
                    self.state.behaviour.update(body)
                return self.reply_json(200, {"ok": True})
            if self.path == "/_control/reset":
                with self.state.lock:
                    self.state.calls.clear()
                    self.state.callback_log.clear()
                    self.state.behaviour.clear()
                return self.reply_json(200, {"ok": True})
            self.reply(404, "not found")
        except Exception as e:
            self.reply(500, f"fake agent server error: {e}")

    def handle_call(self, body):
        if not isinstance(body, dict):
            return self.reply(400, "body must be a JSON object")
        number = body.get("recipient_phone_number")
        if not isinstance(number, str) or not number:
            return self.reply(400, "recipient_phone_number is required")
        recorded = dict(body)
        recorded["_headers"] = {k: v for k, v in self.headers.items()}
        with self.state.lock:
            self.state.calls.append(recorded)
            behaviour = self.state.behaviour.get(number, "completed")
            call_id = f"fake-{self.state.next_id}"
            self.state.next_id += 1
        if behaviour == "fail_500":
            return self.reply(500, "internal error (injected)")
        if behaviour == "reject_400":
            return self.reply(400, f"invalid recipient_phone_number {number}")
        json_reply = self.state.args.reply == "json"
        if behaviour != "silent":
            threading.Thread(target=report, args=(self.state, body, behaviour, call_id if json_reply else None),
                             daemon=True).start()
        if json_reply:
            self.reply_json(200, {"call_id": call_id, "status": "queued"})
        else:
            self.reply(200, "done")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--signing-secret", default="")
    parser.add_argument("--mode", choices=["sign", "bearer", "none"], default="sign")
    parser.add_argument("--reply", choices=["done", "json"], default="done")
    parser.add_argument("--delay", type=float, default=0.2, help="seconds before each result post")
    args = parser.parse_args()

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.state = State(args)
    server.state.port = server.server_address[1]
    print(f"listening {server.state.port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
