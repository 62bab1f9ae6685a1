"""Pieces the Python benchmarks share: contact files, percentiles, and a
poller that times one request over and over on a keep-alive connection."""
import http.client
import threading
import time


def contacts_csv(rows, area="415"):
    """`rows` valid, distinct NANP numbers of one area code (exchanges 200-999)."""
    return ("contact_number,first_name\n" +
            "".join("+1%s%03d%04d,p%d\n" % (area, 200 + i // 10000, i % 10000, i) for i in range(rows))).encode()


def percentile(values, p):
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100.0 * (len(s) - 1))))]


class Poller(threading.Thread):
    """Times one request over and over on a keep-alive connection, --interval
    apart. samples: (phase, end time, seconds, status, body); set `phase` to
    label the samples that follow, `stop_flag` to end."""

    def __init__(self, port, method, path, body=None, headers=None, interval=0.02):
        super().__init__(daemon=True)
        self.port, self.method, self.path, self.body = port, method, path, body
        self.headers = headers or {}
        self.interval = interval
        self.samples = []
        self.phase = "baseline"
        self.stop_flag = threading.Event()

    def run(self):
        conn = None
        while not self.stop_flag.is_set():
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            phase = self.phase
            start = time.perf_counter()
            body = b""
            try:
                conn.request(self.method, self.path, body=self.body, headers=self.headers)
                r = conn.getresponse()
                body = r.read()
                status = r.status
                if r.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException):
                status = 0
                conn.close()
                conn = None
            end = time.perf_counter()
            self.samples.append((phase, end, end - start, status, body))
            time.sleep(self.interval)

    def latency(self, phase):
        """n, p50 ms, p99 ms, max ms and non-200 answers of one phase."""
        xs = [s[2] for s in self.samples if s[0] == phase]
        bad = sum(1 for s in self.samples if s[0] == phase and s[3] != 200)
        return len(xs), percentile(xs, 50) * 1000, percentile(xs, 99) * 1000, (max(xs) * 1000 if xs else 0), bad
