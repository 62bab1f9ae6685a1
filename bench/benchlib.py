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


def mixed_contacts_csv(rows, seed=42):
    """A realistic contacts file (the mix of bench/ingest_bench.cc): about 90 %
    well-formed numbers from US, IN, GB, DE, FR, AU and BR, some written
    `+1 (415) 555-2671` style or with a leading apostrophe, about 3 % repeats,
    and the usual mistakes (unassigned ranges, too short or long, no country
    code, Excel notation, letters); plus first_name, last_name and city."""
    import random
    rng = random.Random(seed)
    digits = lambda n: "%0*d" % (n, rng.randrange(10 ** n))  # noqa: E731
    areas = ["415", "212", "646", "312", "213", "617", "206", "305", "702", "512"]
    first = ["Ada", "Asha", "Alan", "Grace", "Emmy", "Marie", "Edsger", "Ravi", "Lena", "Tom"]
    last = ["Lovelace", "Rao", "Turing", "Hopper", "Noether", "Curie", "Dijkstra", "Kumar"]
    city = ["San Francisco", '"Bengaluru, KA"', "London", "Berlin", "Paris", "Sydney", '"S\u00e3o Paulo"']

    def valid():
        k = rng.randrange(7)
        if k == 0:
            return "+1" + rng.choice(areas) + str(rng.randint(2, 9)) + digits(6)
        if k == 1:
            return "+91" + str(rng.randint(7, 9)) + digits(9)
        if k == 2:
            return "+447" + str(rng.randint(4, 9)) + digits(8)
        if k == 3:
            return "+4915" + str(rng.randint(1, 2)) + digits(8)
        if k == 4:
            return "+33" + str(rng.randint(6, 7)) + digits(8)
        if k == 5:
            return "+614" + digits(8)
        return "+55119" + digits(8)

    def invalid():
        return rng.choice([lambda: "+1123" + digits(7), lambda: "+4479" + digits(3), lambda: digits(10),
                           lambda: "9.19877E+11", lambda: "+1 415 CALL " + digits(3),
                           lambda: "+91" + digits(14)])()

    recent = []
    out = ["contact_number,first_name,last_name,city\n"]
    for _ in range(rows):
        pick = rng.randrange(1000)
        if pick < 30 and recent:
            n = rng.choice(recent)
        elif pick < 40:
            n = invalid()
        else:
            n = valid()
            if len(recent) < 4096:
                recent.append(n)
            else:
                recent[rng.randrange(4096)] = n
            if pick < 80:
                if n.startswith("+1") and len(n) == 12:
                    n = "+1 (%s) %s-%s" % (n[2:5], n[5:8], n[8:])
                else:
                    n = n[:3] + " " + n[3:7] + " " + n[7:]
            elif pick < 100:
                n = "'" + n
        out.append("%s,%s,%s,%s\n" % (n, rng.choice(first), rng.choice(last), rng.choice(city)))
    return "".join(out).encode()
