"""Black-box test of API key revocation (issue 13, finding 4): GET /keys lists
the caller's account's active keys (never a key or a hash), DELETE /keys/{id}
revokes one within the caller's account only, a revoked key fails at once on
the node that revoked it and within 5 s on every other node sharing the
database, `batchcall keys list` / `keys revoke` work on the database directly,
and last_used_at is recorded in the background."""
import os
import re
import subprocess
import time
import unittest
import uuid

from harness import BIN, Server, wait_for

PG = os.environ.get("BATCHCALL_TEST_PG_URL", "")


def cli(server, *args):
    return subprocess.run([BIN, "keys"] + list(args) + ["--db", server.db], env=server.env,
                          capture_output=True, text=True, timeout=30)


def psql(url, sql):
    subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql], check=True,
                   capture_output=True, text=True, timeout=60)


class Keys(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Server().start()

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()
        cls.s.cleanup()

    def key_id(self, key, listing):
        matches = [k for k in listing if key.startswith(k["prefix"]) and k["prefix"]]
        self.assertEqual(len(matches), 1, listing)
        return matches[0]["id"]

    def test_list_shows_the_accounts_keys_without_secrets(self):
        key = self.s.keys_create("--name", "listing")
        r = self.s.get("/keys", key=key)
        self.assertEqual(r.status, 200, r)
        keys = r.json()
        self.assertIsInstance(keys, list)
        names = [k["name"] for k in keys]
        self.assertIn("listing", names)
        self.assertIn("BATCHCALL_API_KEY", names)
        for k in keys:
            self.assertEqual(set(k), {"id", "name", "prefix", "created_at", "last_used_at"})
            self.assertRegex(k["created_at"], r"^\d{4}-\d\d-\d\dT.*\+00:00$")
            self.assertLessEqual(len(k["prefix"]), 8)
        self.assertNotIn(key.encode(), r.body)
        self.assertNotIn(key[8:].encode(), r.body)
        mine = [k for k in keys if k["name"] == "listing"][0]
        self.assertEqual(mine["prefix"], key[:8])
        # Another account sees only its own keys.
        other = self.s.keys_create("--new-account", "listing-other")
        theirs = self.s.get("/keys", key=other).json()
        self.assertEqual(len(theirs), 1)
        self.assertNotIn(mine["id"], [k["id"] for k in theirs])
        self.assertEqual(self.s.get("/keys", key=None).status, 401)

    def test_revoked_key_fails_at_once_on_this_node(self):
        keep = self.s.keys_create("--name", "keep")
        gone = self.s.keys_create("--name", "gone")
        self.assertEqual(self.s.get("/agents", key=gone).status, 200)  # cached now
        gone_id = self.key_id(gone, self.s.get("/keys", key=keep).json())
        r = self.s.request("DELETE", "/keys/" + gone_id, key=keep)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["state"], "revoked")
        r = self.s.get("/agents", key=gone)
        self.assertEqual(r.status, 401, r)
        self.assertNotIn(gone_id, [k["id"] for k in self.s.get("/keys", key=keep).json()])
        self.assertEqual(self.s.request("DELETE", "/keys/" + gone_id, key=keep).status, 404)
        self.assertEqual(self.s.get("/agents", key=keep).status, 200)

    def test_a_key_may_revoke_itself_but_not_the_accounts_last_key(self):
        first = self.s.keys_create("--new-account", "self-revoke")
        second = self.s.keys_create("--name", "second")  # default account, unrelated
        self.assertEqual(self.s.get("/agents", key=second).status, 200)
        listing = self.s.get("/keys", key=first).json()
        self.assertEqual(len(listing), 1)
        r = self.s.request("DELETE", "/keys/" + listing[0]["id"], key=first)
        self.assertEqual(r.status, 409, r)
        self.assertIn("last active API key", r.json()["message"])
        self.assertEqual(self.s.get("/agents", key=first).status, 200)
        # With two keys, a key revokes itself; the request that does it succeeds.
        mine = self.s.keys_create("--name", "self")
        mine_id = self.key_id(mine, self.s.get("/keys", key=mine).json())
        r = self.s.request("DELETE", "/keys/" + mine_id, key=mine)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.s.get("/agents", key=mine).status, 401)

    def test_another_accounts_key_is_not_found(self):
        other = self.s.keys_create("--new-account", "victim")
        other_id = self.s.get("/keys", key=other).json()[0]["id"]
        r = self.s.request("DELETE", "/keys/" + other_id)
        self.assertEqual(r.status, 404, r)
        unknown = self.s.request("DELETE", "/keys/" + str(uuid.uuid4()))
        self.assertEqual(unknown.status, 404)
        self.assertEqual(set(r.json()), set(unknown.json()))
        self.assertEqual(self.s.get("/agents", key=other).status, 200)

    def test_cli_list_and_revoke(self):
        key = self.s.keys_create("--name", "cli-revoke")
        self.assertEqual(self.s.get("/agents", key=key).status, 200)
        out = cli(self.s, "list")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertNotIn(key, out.stdout)
        line = [l for l in out.stdout.splitlines() if l.rstrip().endswith("cli-revoke")]
        self.assertEqual(len(line), 1, out.stdout)
        key_id = line[0].split()[0]
        self.assertIn(key[:8], line[0])
        out = cli(self.s, "revoke", key_id)
        self.assertEqual(out.returncode, 0, out.stderr)
        # The server did not revoke it itself: its cache re-checks within 5 s.
        t0 = time.time()
        wait_for(lambda: self.s.get("/agents", key=key).status == 401, timeout=6, interval=0.1,
                 what="the revoked key to fail")
        self.assertLess(time.time() - t0, 5.5)
        self.assertNotIn(key_id, cli(self.s, "list").stdout)
        out = cli(self.s, "revoke", key_id)
        self.assertEqual(out.returncode, 1)
        self.assertIn("not found", out.stderr)

    def test_last_used_at_is_recorded_in_the_background(self):
        key = self.s.keys_create("--name", "usage")
        key_id = self.key_id(key, self.s.get("/keys").json())
        self.assertIsNone([k for k in self.s.get("/keys").json() if k["id"] == key_id][0]["last_used_at"])
        for _ in range(20):
            self.assertEqual(self.s.get("/agents", key=key).status, 200)

        def used():
            k = [k for k in self.s.get("/keys").json() if k["id"] == key_id][0]
            return k["last_used_at"]
        self.assertRegex(wait_for(used, timeout=15, what="last_used_at"), r"^\d{4}-")


class RevokedEnvKey(unittest.TestCase):
    def test_serve_refuses_a_revoked_api_key_setting(self):
        s = Server().start()
        self.addCleanup(s.cleanup)
        other = s.keys_create("--name", "other")
        env_id = [k for k in s.get("/keys").json() if k["name"] == "BATCHCALL_API_KEY"][0]["id"]
        self.assertEqual(s.request("DELETE", "/keys/" + env_id, key=other).status, 200)
        s.stop()
        out = subprocess.run([BIN, "serve", "--listen", "127.0.0.1:0", "--db", s.db], env=s.env, cwd=s.dir,
                             capture_output=True, text=True, timeout=30)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("was revoked", out.stdout + out.stderr)


@unittest.skipUnless(PG, "BATCHCALL_TEST_PG_URL is not set (scripts/test starts a PostgreSQL server)")
class TwoNodes(unittest.TestCase):
    def setUp(self):
        self.dbname = "bc_keys_" + uuid.uuid4().hex[:12]
        psql(PG, "CREATE DATABASE %s" % self.dbname)
        self.db = PG.rsplit("/", 1)[0] + "/" + self.dbname
        env = {"BATCHCALL_SECRET_KEY": "cd" * 32}
        self.n1 = Server(db=self.db, env=env, extra_args=["--node-id", "n1"]).start()
        self.n2 = Server(db=self.db, env=env, extra_args=["--node-id", "n2"]).start()

    def tearDown(self):
        for s in (self.n1, self.n2):
            s.stop()
            s.cleanup()
        psql(PG, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.dbname)

    def test_revoked_on_one_node_fails_on_the_other_within_five_seconds(self):
        key = self.n1.keys_create("--name", "shared")
        self.assertEqual(self.n2.get("/agents", key=key).status, 200)  # cached on n2
        key_id = [k for k in self.n1.get("/keys").json() if k["name"] == "shared"][0]["id"]
        self.assertEqual(self.n1.request("DELETE", "/keys/" + key_id).status, 200)
        t0 = time.time()
        self.assertEqual(self.n1.get("/agents", key=key).status, 401)
        wait_for(lambda: self.n2.get("/agents", key=key).status == 401, timeout=6, interval=0.1,
                 what="node 2 to refuse the revoked key")
        self.assertLess(time.time() - t0, 5.5)


if __name__ == "__main__":
    unittest.main()
