"""Black-box test of outbound webhooks: a real `batchcall serve` runs a batch
while the receiver (test/fakes/webhook_receiver.py) is down, then slow, then
up. Every status change must arrive, signed, in order per execution."""
import collections
import time
import unittest

from harness import Fake, Server, wait_for


class WebhookDeliveryTest(unittest.TestCase):
    def setUp(self):
        self.receiver = Fake("webhook_receiver.py", "--secret", "not-yet-known")
        self.s = Server(extra_args=["--webhook-backoff-max", "1", "--webhook-timeout", "1"]).start()

    def tearDown(self):
        self.s.stop()
        self.s.cleanup()
        self.receiver.stop()

    def test_receiver_down_then_slow_then_up_gets_every_event_signed_and_in_order(self):
        s = self.s
        r = s.post_json("/account/webhook-secret", {})
        self.assertIn(r.status, (200, 201), r)
        secret = r.json()["webhook_secret"]
        self.assertTrue(secret.startswith("whsec_"))
        self.assertNotIn(secret, s.get("/account/webhook-secret").body.decode())
        self.receiver.control("POST", "/_control/secret", {"secret": secret})
        self.receiver.control("POST", "/_control/mode", {"mode": "down", "status": 503})

        r = s.post_json("/agents", {
            "agent_name": "hooked",
            "provider": {"type": "simulator", "speed": 40, "seed": 7, "answer_rate": 0.6, "busy_rate": 0.2,
                         "no_answer_rate": 0.2, "voicemail_rate": 0, "failure_rate": 0},
            "webhook_url": self.receiver.url + "/agent-hook", "max_concurrency": 10, "calls_per_second": 0})
        self.assertEqual(r.status, 201, r)
        agent = r.json()["agent_id"]
        rows = "".join("+1415555%04d,p%d\n" % (3000 + i, i) for i in range(12))
        r = s.upload(agent, ("contact_number,first_name\n" + rows).encode(),
                     fields=[("webhook_url", self.receiver.url + "/batch-hook")])
        self.assertEqual(r.status, 201, r)
        bid = r.json()["batch_id"]
        started = time.time()
        s.post_form("/batches/%s/schedule" % bid, {"scheduled_at": "now"})

        # Dialing is not held back by a receiver that is down.
        wait_for(lambda: s.get("/batches/%s" % bid).json()["status"] == "completed", 60, what="batch completed")
        took = time.time() - started
        received = self.receiver.control("GET", "/_control/received")
        self.assertTrue(received, "deliveries were tried while the receiver was down")
        self.assertTrue(all(d["status"] == 503 for d in received))

        # Slow (longer than the 1 s delivery timeout, then shorter), then up.
        self.receiver.control("POST", "/_control/mode", {"mode": "slow", "delay_ms": 1500})
        time.sleep(3)
        self.receiver.control("POST", "/_control/mode", {"mode": "slow", "delay_ms": 200})
        time.sleep(3)
        self.receiver.control("POST", "/_control/mode", {"mode": "up"})

        executions = s.get("/batches/%s/executions" % bid).json()
        final = {e["id"]: e["status"] for e in executions}

        def everything_delivered():
            got = self.receiver.control("GET", "/_control/received")
            ok = [d for d in got if d["status"] == 200 and d["completed"]]
            last = {}
            for d in ok:
                if d["event_type"] == "execution.status_changed":
                    last[d["body"]["id"]] = d["body"]["status"]
            batch_done = any(d["event_type"] == "batch.completed" for d in ok)
            return got if batch_done and last == final else None
        got = wait_for(everything_delivered, 90, interval=0.5, what="every final status to be delivered")

        delivered = [d for d in got if d["status"] == 200 and d["completed"]]
        # Signed with the account's secret.
        self.assertTrue(all(d["signature_ok"] for d in got), [d["signature_error"] for d in got][:3])
        # Nothing lost: every event that was tried was delivered in the end.
        tried = {d["event_id"] for d in got}
        self.assertEqual(tried, {d["event_id"] for d in delivered})
        # In order per execution: sequence increases, statuses walk forward.
        per_execution = collections.defaultdict(list)
        for d in delivered:
            if d["event_type"] == "execution.status_changed":
                self.assertEqual(d["path"], "/agent-hook")
                per_execution[d["body"]["id"]].append(d)
        self.assertEqual(set(per_execution), set(final))
        for eid, events in per_execution.items():
            unique = []
            for d in events:  # a delivery answered after the sender's timeout may come twice
                if not unique or unique[-1]["event_id"] != d["event_id"]:
                    unique.append(d)
            seqs = [d["body"]["sequence"] for d in unique]
            self.assertEqual(seqs, sorted(seqs), eid)
            self.assertEqual(len(set(seqs)), len(seqs), eid)
            statuses = [d["body"]["status"] for d in unique]
            self.assertEqual(statuses[0], "queued", statuses)
            self.assertIn("initiated", statuses)
            self.assertEqual(statuses[-1], final[eid])
            for d in unique:
                self.assertEqual(d["headers"].get("X-Batchcall-Event"), "execution.status_changed")
                self.assertEqual(d["body"]["event"], "execution.status_changed")
        batch_events = [d for d in delivered if d["event_type"] == "batch.completed"]
        self.assertEqual(len({d["event_id"] for d in batch_events}), 1)
        self.assertEqual(batch_events[0]["path"], "/batch-hook")
        self.assertEqual(batch_events[0]["body"]["batch_id"], bid)
        self.assertEqual(batch_events[0]["body"]["status"], "completed")
        print("\n  batch of 12 ran in %.1f s with the receiver down; %d deliveries tried, %d events"
              % (took, len(got), len(tried)))

    def test_rotation_signs_with_both_secrets_for_a_day(self):
        s = self.s
        old = s.post_json("/account/webhook-secret", {}).json()["webhook_secret"]
        new = s.post_json("/account/webhook-secret", {}).json()
        self.assertIsNotNone(new["previous_secret_valid_until"])
        self.receiver.control("POST", "/_control/secret", {"secret": old})
        r = s.post_json("/agents", {
            "agent_name": "rotated", "provider": {"type": "simulator", "speed": 50},
            "webhook_url": self.receiver.url + "/hook", "max_concurrency": 2, "calls_per_second": 0})
        agent = r.json()["agent_id"]

        def one_call(number):
            r = s.upload(agent, ("contact_number\n%s\n" % number).encode())
            s.post_form("/batches/%s/schedule" % r.json()["batch_id"], {"scheduled_at": "now"})
            return wait_for(lambda: self.receiver.control("GET", "/_control/received"), 30, what="a delivery")
        got = one_call("+14155554444")
        self.assertTrue(got[0]["signature_ok"], got[0]["signature_error"])  # the old secret still verifies
        self.assertEqual(got[0]["headers"]["X-Batchcall-Signature"].count("v1="), 2)
        self.receiver.control("POST", "/_control/secret", {"secret": new["webhook_secret"]})
        self.receiver.control("POST", "/_control/reset", {})
        got = one_call("+14155554445")
        self.assertTrue(got[0]["signature_ok"], got[0]["signature_error"])


if __name__ == "__main__":
    unittest.main()
