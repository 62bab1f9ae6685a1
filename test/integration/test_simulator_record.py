"""Black-box test (issue 13, finding 13): `batchcall serve` refuses to start
when the simulator record (simulator_record) cannot be written, with a clear
message naming the file and the setting, instead of starting and then failing
every simulator batch."""
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import BIN, Server


class SimulatorRecord(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="batchcall-simrec-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def serve(self, record):
        env = dict(os.environ, BATCHCALL_API_KEY="bc_test_key_0123456789abcdef")
        return subprocess.run([BIN, "serve", "--listen", "127.0.0.1:0", "--db",
                               "sqlite:" + os.path.join(self.dir, "batchcall.db"), "--simulator-record", record],
                              env=env, cwd=self.dir, capture_output=True, text=True, timeout=30)

    def test_refuses_to_start_with_an_unwritable_record(self):
        for record in (os.path.join(self.dir, "no-such-dir", "calls.jsonl"),  # missing directory
                       self.dir):                                             # a directory
            out = self.serve(record)
            self.assertNotEqual(out.returncode, 0, out)
            text = out.stdout + out.stderr
            self.assertIn("simulator record", text)
            self.assertIn(record, text)
            self.assertIn("simulator_record", text)
            self.assertNotIn("listening on", text)

    def test_starts_with_a_writable_record(self):
        record = os.path.join(self.dir, "calls.jsonl")
        s = Server(extra_args=["--simulator-record", record]).start()
        self.addCleanup(s.cleanup)
        self.addCleanup(s.stop)
        self.assertTrue(os.path.exists(record))
        self.assertEqual(s.get("/healthz").status, 200)


if __name__ == "__main__":
    unittest.main()
