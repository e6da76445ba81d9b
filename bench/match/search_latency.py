"""Search before create in the product (issue 14: "the product's query latency
measured at 100,000 persons"): POST /api/v1/cases/duplicates for five
synthetic names against a running SafePath, timed from outside.

Seed a database once with bench/core/throughput.sh (CASES=100000; the seeded
folder is kept in /tmp/safepath-bench-100000), serve a copy of it:
    cp -a /tmp/safepath-bench-100000 /tmp/dup && \
    target/release/safepath demo --data-dir /tmp/dup --addr 127.0.0.1:18190 &
then: python3 bench/match/search_latency.py [http://127.0.0.1:18190]"""
import json
import statistics
import sys
import time
import urllib.request

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:18190"


def call(method, path, token=None, body=None):
    req = urllib.request.Request(
        f"{BASE}{path}", method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json",
                 **({"Authorization": f"Bearer {token}"} if token else {})})
    with urllib.request.urlopen(req, timeout=600) as r:
        return r.status, json.loads(r.read() or b"null")


token = call("POST", "/api/v1/auth/login",
             body={"username": "demo-cm-a", "password": "safepath-demo"})[1]["token"]
visible = call("GET", "/api/v1/cases?per_page=1", token)[1]["total"]
times = []
for name in ["Hnin Synthetic Wai", "Nguyen Thi Synthetic Lan", "Somchai Synthetic Dee",
             "Siti Synthetic Rahayu", "Sokha Synthetic Chan"]:
    t = time.perf_counter()
    status, _ = call("POST", "/api/v1/cases/duplicates", token,
                     {"person": {"names": [{"value": name, "script": "Latn"}],
                                 "nationalities": ["MMR"]}})
    times.append(time.perf_counter() - t)
    assert status == 200, status
print(f"cases visible to demo-cm-a: {visible}")
print(f"search before create: median {statistics.median(times):.2f} s, "
      f"max {max(times):.2f} s over {len(times)} queries")
