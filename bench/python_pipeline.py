#!/usr/bin/env python3
"""The plain-Python baseline for ingest (issue 15, item 4): the pipeline a
team would write without batchcall, on the same machine and file.

    python3 bench/python_pipeline.py FILE.csv [DB]

Reads FILE with the csv module, checks every contact_number with the
phonenumbers package (Debian python3-phonenumbers: parse, is_valid_number,
format as E.164), drops repeats, and stores the valid rows with their other
columns as JSON into one SQLite table in one transaction (executemany).
Prints "rows valid rejected seconds". bench/upload_bench.py runs it on its
1M-row file and reports batchcall's upload time as a ratio of it.
"""
import csv
import json
import os
import sqlite3
import sys
import tempfile
import time

import phonenumbers


def run(path, db_path):
    start = time.perf_counter()
    db = sqlite3.connect(db_path)
    db.execute("CREATE TABLE contacts (contact_number TEXT NOT NULL, variables TEXT NOT NULL)")
    seen = set()
    valid = rejected = total = 0
    rows = []
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        index = header.index("contact_number")
        names = [h for i, h in enumerate(header) if i != index]
        for record in reader:
            total += 1
            raw = record[index].strip() if index < len(record) else ""
            try:
                number = phonenumbers.parse(raw, None)
                ok = phonenumbers.is_valid_number(number)
            except phonenumbers.NumberParseException:
                ok = False
            if not ok:
                rejected += 1
                continue
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            if e164 in seen:
                rejected += 1
                continue
            seen.add(e164)
            valid += 1
            variables = {n: v for n, v in zip(names, (v for i, v in enumerate(record) if i != index))}
            rows.append((e164, json.dumps(variables)))
    with db:
        db.executemany("INSERT INTO contacts VALUES (?, ?)", rows)
    db.close()
    return total, valid, rejected, time.perf_counter() - start


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    if len(sys.argv) == 3:
        db_path = sys.argv[2]
        if os.path.exists(db_path):
            os.remove(db_path)
        print("%d %d %d %.3f" % run(sys.argv[1], db_path))
        return
    with tempfile.TemporaryDirectory() as d:
        print("%d %d %d %.3f" % run(sys.argv[1], os.path.join(d, "contacts.db")))


if __name__ == "__main__":
    main()
