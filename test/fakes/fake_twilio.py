#!/usr/bin/env python3
"""A local stand-in for Twilio's Programmable Voice Calls API, for black-box tests.

Usage: fake_twilio.py --port 0 --account-sid AC... --auth-token TOKEN [--state-file PATH]
                      [--ring-ms 50] [--talk-ms 100] [--default-outcome completed]
Prints "listening <port>" as its first stdout line. Python 3 standard library only.

Twilio endpoints (HTTP Basic auth with the account SID and auth token):
  POST /2010-04-01/Accounts/{sid}/Calls.json        create; 201 + call JSON (status queued)
  GET  /2010-04-01/Accounts/{sid}/Calls/{CA}.json   fetch; 404 (code 20404) when unknown
  GET  /2010-04-01/Accounts/{sid}/Calls.json        list, newest first; To/From/Status/PageSize filters
After a create the call is simulated on a background thread: form-encoded POSTs
signed with X-Twilio-Signature go to StatusCallback for the subscribed
StatusCallbackEvents (initiated, ringing, answered -> in-progress, completed ->
the final status; without any event only the final one, as Twilio does).

Control API (JSON, no auth) under /_control/:
  POST faults     {"create": [{"status":429,"retry_after":1}, {"status":500,"create_anyway":true},
                    {"hang_seconds":20,"create_anyway":true}, {"echo":true,"status":400}],
                   "list": [{"status":500}]}
                  queued faults, one consumed per matching request (appended); echo answers
                  `status` (400) with the request echoed in Twilio's error "message" (its
                  Authorization header, the credentials it decodes to, CR/LF, the form body),
                  as a debugging endpoint at base_url would
  POST callbacks  {"duplicate":bool, "reorder":bool, "bad_signature_first":bool} (merged)
  POST outcomes   {"+1555...": "completed"|"busy"|"no-answer"|"failed"|"canceled"|"machine"}
  POST reset      forget calls, logs, faults, modes and outcomes
  GET  calls      {"calls":[...], "creates_per_callback":{url:n}}
  GET  callback_log {"callbacks":[{call_sid,url,status_param,sequence,signature_ok,http_status,error}]}
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import secrets
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 1 << 20
EVENTS = ("initiated", "ringing", "answered", "completed")
OUTCOMES = ("completed", "busy", "no-answer", "failed", "canceled", "machine")


def rfc2822(t=None):
    return datetime.fromtimestamp(t if t is not None else time.time(), timezone.utc).strftime(
        "%a, %d %b %Y %H:%M:%S +0000")


def twilio_signature(token, url, params):
    """base64(HMAC-SHA1(token, url + name+value of each param sorted by name, then value))."""
    data = url + "".join(k + v for k, v in sorted(set(params)))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def error_body(code, message, status):
    return {"code": code, "message": message, "more_info": "https://www.twilio.com/docs/errors/%d" % code,
            "status": status}


class State:
    """Everything the fake knows; one lock. --state-file keeps calls and create counts across restarts."""

    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.calls = {}            # sid -> call dict (public JSON + "params" + "created_ts")
        self.creates = {}          # StatusCallback URL -> number of calls created for it
        self.callback_log = []
        self.faults = {"create": [], "list": [], "fetch": []}
        self.modes = {"duplicate": False, "reorder": False, "bad_signature_first": False}
        self.outcomes = {}
        self.reorder_counter = 0
        if args.state_file and os.path.exists(args.state_file):
            try:
                with open(args.state_file) as f:
                    saved = json.load(f)
                self.calls = {c["sid"]: c for c in saved.get("calls", [])}
                self.creates = saved.get("creates_per_callback", {})
            except (OSError, ValueError, KeyError, TypeError):
                pass

    def save(self):  # caller holds the lock
        if not self.args.state_file:
            return
        try:
            with open(self.args.state_file + ".tmp", "w") as f:
                json.dump({"calls": list(self.calls.values()), "creates_per_callback": self.creates}, f)
            os.replace(self.args.state_file + ".tmp", self.args.state_file)
        except OSError:
            pass

    def next_fault(self, kind):
        with self.lock:
            queue = self.faults.get(kind, [])
            return queue.pop(0) if queue else None


def public(call):
    return {k: v for k, v in call.items() if k not in ("params", "created_ts")}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-twilio/1.0"

    def log_message(self, fmt, *args):  # quiet
        return

    # --- plumbing -------------------------------------------------------
    def send_json(self, status, obj, headers=()):
        body = json.dumps(obj).encode()
        try:
            self.send_response(status)
            for k, v in [("Content-Type", "application/json"), ("Content-Length", str(len(body)))] + list(headers):
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the client went away (timed out): nothing to do

    def not_found(self, path):
        self.send_json(404, error_body(20404, "The requested resource %s was not found" % path, 404))

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n < 0 or n > MAX_BODY:
            raise ValueError("body too large")
        return self.rfile.read(n) if n else b""

    def authorized(self):
        st = self.server.state
        want = base64.b64encode(("%s:%s" % (st.args.account_sid, st.args.auth_token)).encode()).decode()
        return hmac.compare_digest(self.headers.get("Authorization", "").encode(), ("Basic " + want).encode())

    def do_GET(self): self.dispatch("GET")  # noqa: E704

    def do_POST(self): self.dispatch("POST")  # noqa: E704

    def dispatch(self, method):
        try:
            body = self.read_body() if method == "POST" else b""
            self.request_body = body
            parsed = urllib.parse.urlsplit(self.path)
            parts = [p for p in parsed.path.split("/") if p]
            if parts[:1] == ["_control"]:
                return self.control(method, parts[1:], body)
            if len(parts) >= 4 and parts[:2] == ["2010-04-01", "Accounts"]:
                if not self.authorized():
                    return self.send_json(401, error_body(20003, "Authenticate", 401),
                                          [("WWW-Authenticate", 'Basic realm="Twilio API"')])
                if parts[2] != self.server.state.args.account_sid:
                    return self.not_found(parsed.path)
                if parts[3:] == ["Calls.json"] and method == "POST":
                    return self.create(body)
                if parts[3:] == ["Calls.json"] and method == "GET":
                    return self.list_calls(urllib.parse.parse_qs(parsed.query))
                if len(parts) == 5 and parts[3] == "Calls" and parts[4].endswith(".json") and method == "GET":
                    return self.fetch(parts[4][:-5], parsed.path)
            self.not_found(parsed.path)
        except Exception as e:  # never crash on a bad request
            self.send_json(500, error_body(20500, "fake_twilio internal error: %s" % e, 500))

    # --- Twilio API -----------------------------------------------------
    def apply_fault(self, fault, create_fn):
        """Answers the request as the fault says. hang: (create by default,) sleep, then 500."""
        if fault.get("echo"):
            status = int(fault.get("status", 400))
            auth = self.headers.get("Authorization", "")
            try:
                decoded = base64.b64decode(auth.split(" ", 1)[1]).decode("utf-8", "replace")
            except (IndexError, ValueError):
                decoded = ""
            echo = "Echo: Authorization: %s credentials %s\r\nbody: %s" % (
                auth, decoded, self.request_body.decode("utf-8", "replace"))
            return self.send_json(status, error_body(20003, echo, status))
        if "hang_seconds" in fault:
            if fault.get("create_anyway", True):
                create_fn()
            time.sleep(float(fault["hang_seconds"]))
            return self.send_json(500, error_body(20500, "Internal Server Error", 500))
        status = int(fault.get("status", 500))
        if status == 429:
            return self.send_json(429, error_body(20429, "Too Many Requests", 429),
                                  [("Retry-After", str(fault.get("retry_after", 1)))])
        if fault.get("create_anyway"):
            create_fn()
        self.send_json(status, error_body(20500 if status >= 500 else 20001, "Injected fault", status))

    def create(self, body):
        st = self.server.state
        fields = urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        p = {}
        for k, v in fields:
            p.setdefault(k, []).append(v)
        one = lambda k: p.get(k, [""])[0]
        to, from_ = one("To"), one("From")
        problems = [
            (not to, 21201, "No 'To' number is specified"),
            (not from_, 21213, "No 'From' number is specified"),
            (bool(one("Url")) == bool(one("Twiml")), 21205, "Exactly one of Url and Twiml is required."),
            (not one("StatusCallback"), 21609, "StatusCallback is required by this stand-in."),
            (any(e not in EVENTS for e in p.get("StatusCallbackEvent", [])), 21626, "Invalid 'StatusCallbackEvent'"),
            (one("StatusCallbackMethod") not in ("", "POST", "GET"), 21609, "Invalid StatusCallbackMethod"),
            (one("MachineDetection") not in ("", "Enable", "DetectMessageEnd"), 21200, "Invalid MachineDetection"),
            (bool(to) and not to.startswith("+"), 21211, "The 'To' number %s is not a valid phone number." % to),
        ]
        for bad, code, message in problems:
            if bad:
                return self.send_json(400, error_body(code, message, 400))
        created = []
        do_create = lambda: created or created.append(self.make_call(fields, p))  # noqa: E731

        fault = st.next_fault("create")
        if fault:
            return self.apply_fault(fault, do_create)
        do_create()
        self.send_json(201, public(created[0]))

    def make_call(self, fields, p):
        st = self.server.state
        sid = "CA" + secrets.token_hex(16)
        now = time.time()
        call = {"sid": sid, "account_sid": st.args.account_sid, "to": p["To"][0], "from": p["From"][0],
                "status": "queued", "direction": "outbound-api", "api_version": "2010-04-01",
                "date_created": rfc2822(now), "date_updated": rfc2822(now), "start_time": None,
                "end_time": None, "duration": None, "answered_by": None, "price": None, "price_unit": "USD",
                "uri": "/2010-04-01/Accounts/%s/Calls/%s.json" % (st.args.account_sid, sid),
                "params": fields, "created_ts": now}
        with st.lock:
            st.calls[sid] = call
            url = p["StatusCallback"][0]
            st.creates[url] = st.creates.get(url, 0) + 1
            st.save()
        threading.Thread(target=simulate, args=(st, sid), daemon=True).start()
        return call

    def list_calls(self, q):
        st = self.server.state
        fault = st.next_fault("list")
        if fault:
            return self.apply_fault(fault, lambda: None)
        size = max(1, min(1000, int(q.get("PageSize", ["50"])[0])))
        with st.lock:
            calls = sorted(st.calls.values(), key=lambda c: c["created_ts"], reverse=True)
            filters = (("To", "to"), ("From", "from"), ("Status", "status"))
            calls = [public(c) for c in calls if all(k not in q or c[f] == q[k][0] for k, f in filters)]
        self.send_json(200, {"calls": calls[:size], "page": 0, "page_size": size, "start": 0,
                             "end": min(size, len(calls)) - 1, "next_page_uri": None})

    def fetch(self, sid, path):
        st = self.server.state
        fault = st.next_fault("fetch")
        if fault:
            return self.apply_fault(fault, lambda: None)
        with st.lock:
            out = public(st.calls[sid]) if sid in st.calls else None
        if out is None:
            return self.not_found(path)
        self.send_json(200, out)

    # --- control API ----------------------------------------------------
    def control(self, method, parts, body):
        st = self.server.state
        what = parts[0] if parts else ""
        if method == "GET" and what == "calls":
            with st.lock:
                calls = [dict(public(c), params=c["params"]) for c in st.calls.values()]
                return self.send_json(200, {"calls": calls, "creates_per_callback": dict(st.creates)})
        if method == "GET" and what == "callback_log":
            with st.lock:
                return self.send_json(200, {"callbacks": list(st.callback_log)})
        if method != "POST":
            return self.send_json(404, {"error": "unknown control endpoint"})
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            data = None
        if not isinstance(data, dict):
            return self.send_json(400, {"error": "body must be a JSON object"})
        with st.lock:
            if what == "faults":
                for kind, items in data.items():
                    if kind not in st.faults or not isinstance(items, list) or \
                            not all(isinstance(i, dict) for i in items):
                        return self.send_json(400, {"error": "faults: {create|list|fetch: [objects]}"})
                    st.faults[kind].extend(items)
            elif what == "callbacks":
                st.modes.update({k: bool(v) for k, v in data.items() if k in st.modes})
            elif what == "outcomes":
                if not all(isinstance(v, str) and v in OUTCOMES for v in data.values()):
                    return self.send_json(400, {"error": "outcomes must be one of %s" % ", ".join(OUTCOMES)})
                st.outcomes.update(data)
            elif what == "reset":
                for table in (st.calls, st.creates, st.callback_log, st.outcomes):
                    table.clear()
                st.faults = {"create": [], "list": [], "fetch": []}
                st.modes = dict.fromkeys(st.modes, False)
                st.save()
            else:
                return self.send_json(404, {"error": "unknown control endpoint"})
            return self.send_json(200, {"ok": True, "modes": st.modes,
                                        "faults": {k: len(v) for k, v in st.faults.items()}})


# --- call simulation ------------------------------------------------------
def plan(outcome, ring_ms, talk_ms, machine_detection):
    """[(delay_ms, status, extra params)] for one call."""
    ring = [(0, "initiated", {}), (10, "ringing", {})]
    secs = str(max(1, -(-talk_ms // 1000)))
    if outcome in ("completed", "machine"):
        extra = {"AnsweredBy": "machine_end_beep" if outcome == "machine" else "human"} if machine_detection else {}
        return ring + [(ring_ms, "in-progress", extra),
                       (talk_ms, "completed", dict(extra, CallDuration=secs, SipResponseCode="200"))]
    if outcome == "failed":
        return [(0, "initiated", {}), (10, "failed", {"CallDuration": "0", "SipResponseCode": "404"})]
    sip = {"busy": "486", "no-answer": "487", "canceled": "487"}[outcome]
    return ring + [(ring_ms, outcome, {"CallDuration": "0", "SipResponseCode": sip})]


def simulate(st, sid):
    try:
        with st.lock:
            call = st.calls[sid]
            p = {}
            for k, v in call["params"]:
                p.setdefault(k, []).append(v)
            outcome = st.outcomes.get(call["to"], st.args.default_outcome)
            reorder = st.modes["reorder"] and st.reorder_counter % 2 == 0
            if st.modes["reorder"]:
                st.reorder_counter += 1
        subscribed = set(p.get("StatusCallbackEvent", [])) or {"completed"}
        steps = plan(outcome, st.args.ring_ms, st.args.talk_ms, bool(p.get("MachineDetection", [""])[0]))
        to_send, seq = [], -1
        for delay, status, extra in steps:
            time.sleep(delay / 1000.0)
            with st.lock:
                if status != "initiated":  # the Call resource itself stays "queued" until it rings
                    call["status"], call["date_updated"] = status, rfc2822()
                if status == "ringing":
                    call["start_time"] = rfc2822()
                if status in ("completed", "busy", "no-answer", "failed", "canceled"):
                    call["end_time"], call["duration"] = rfc2822(), extra.get("CallDuration", "0")
                if "AnsweredBy" in extra:
                    call["answered_by"] = extra["AnsweredBy"]
                st.save()
            event = {"in-progress": "answered", "initiated": "initiated", "ringing": "ringing"}.get(status, "completed")
            if event in subscribed:  # numbered and stamped when it happens, as Twilio does
                seq += 1
                to_send.append((status, extra, seq, rfc2822()))
                if not reorder:
                    send_callback(st, call, p, *to_send.pop())
        if reorder and to_send:  # the final status first, then the progress ones
            for item in [to_send[-1]] + to_send[:-1]:
                send_callback(st, call, p, *item)
    except Exception as e:  # a simulation thread never takes the server down
        print("simulate %s: %s" % (sid, e), file=sys.stderr)


def send_callback(st, call, p, status, extra, seq, stamp):
    url = p["StatusCallback"][0]
    modes = dict(st.modes)
    params = [("AccountSid", call["account_sid"]), ("CallSid", call["sid"]), ("CallStatus", status),
              ("To", call["to"]), ("Called", call["to"]), ("From", call["from"]), ("Caller", call["from"]),
              ("Direction", "outbound-api"), ("ApiVersion", "2010-04-01"), ("SequenceNumber", str(seq)),
              ("Timestamp", stamp), ("CallbackSource", "call-progress-events")] + sorted(extra.items())
    body = urllib.parse.urlencode(params).encode()
    good = twilio_signature(st.args.auth_token, url, params)
    copies = ([False] if modes["bad_signature_first"] else []) + [True] * (2 if modes["duplicate"] else 1)
    for ok in copies:
        sig = good if ok else twilio_signature(st.args.auth_token + "x", url, params)
        req = urllib.request.Request(url, data=body, method="POST", headers={
            "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": sig,
            "User-Agent": "TwilioProxy/1.1"})
        entry = {"call_sid": call["sid"], "url": url, "status_param": status, "sequence": seq,
                 "signature_ok": ok, "http_status": None, "error": None}
        try:
            with urllib.request.urlopen(req, timeout=st.args.callback_timeout) as resp:
                entry["http_status"] = resp.status
        except urllib.error.HTTPError as e:
            entry["http_status"] = e.code
        except Exception as e:  # connection refused, timeout, ...
            entry["error"] = str(e)
        with st.lock:
            st.callback_log.append(entry)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--account-sid", required=True)
    ap.add_argument("--auth-token", required=True)
    ap.add_argument("--state-file")
    ap.add_argument("--ring-ms", type=int, default=50)
    ap.add_argument("--talk-ms", type=int, default=100)
    ap.add_argument("--default-outcome", default="completed", choices=OUTCOMES)
    ap.add_argument("--callback-timeout", type=float, default=5.0)
    args = ap.parse_args()
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.state = State(args)
    print("listening %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
