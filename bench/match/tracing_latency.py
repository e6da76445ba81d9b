"""Family tracing in the product (issue 14: "a tracing query against 100,000
persons in the database p95 <= 50 ms end to end through the API, with the
audit entry"): POST /api/v1/tracing-requests, timed from outside.

Serve a copy of a seeded folder (bench/core/throughput.sh, CASES=100000):
    cp -a /tmp/safepath-bench-100000 /tmp/tr && \
    target/release/safepath demo --data-dir /tmp/tr --addr 127.0.0.1:18191 \
      --dedupe-every-hours 0 &
then: python3 bench/match/tracing_latency.py consent [URL] [N, 5000]
      (records a tracing consent for N of demo-cm-a's cases: the persons a
      family may find; once per copy, before any request)
and:  python3 bench/match/tracing_latency.py requests [URL] [queries, 20]
      (requests for synthetic names nobody has, then for consenting persons
      typed again: names, sex, birth date, nationality).
Each request is recorded (a family's request is kept): serve a copy."""
import statistics
import sys
import time
import urllib.error

from api_client import Api, p95

MODE = sys.argv[1] if len(sys.argv) > 1 else "requests"
BASE = sys.argv[2] if len(sys.argv) > 2 else "http://127.0.0.1:18191"
N = int(sys.argv[3]) if len(sys.argv) > 3 else (5000 if MODE == "consent" else 20)


api = Api(BASE)
call = api.call


token = api.login()


def cases(pages, per_page=100):
    for page in range(1, pages + 1):
        items = call("GET", f"/api/v1/cases?per_page={per_page}&page={page}", token)[1]["items"]
        if not items:
            return
        yield from items



if MODE == "consent":
    t = time.perf_counter()
    done = 0
    for item in cases(-(-N // 100)):
        if done >= N:
            break
        status, _ = call("POST", f"/api/v1/cases/{item['id']}/consents", token,
                         {"purpose": "tracing", "categories": ["identity"]})
        assert status == 201, status
        done += 1
    print(f"tracing consent recorded for {done} cases in {time.perf_counter() - t:.1f} s")
    sys.exit(0)

REQUESTER = {"name": "Synthetic Requester", "relationship": "sibling",
             "contact": {"phone": "+10000000000"}}
NAMES = ["Hnin Synthetic Wai", "Nguyen Thi Synthetic Lan", "Somchai Synthetic Dee",
         "Siti Synthetic Rahayu", "Sokha Synthetic Chan"]


def request(sought):
    t = time.perf_counter()
    try:
        status, _ = call("POST", "/api/v1/tracing-requests", token,
                         {"sought": sought, "requester": REQUESTER})
    except urllib.error.HTTPError as e:
        raise SystemExit(f"{e.code} {e.read()[:300]!r}")
    assert status == 201, status
    return time.perf_counter() - t


# Consenting persons (the first cases, as `consent` chose them), typed again
# by a family: the requests that have candidates to weigh.
known = []
for item in cases(1, 50):
    p = call("GET", f"/api/v1/cases/{item['id']}", token)[1]["person"]
    known.append({k: p[k] for k in ("names", "sex", "birth_date", "nationalities")
                  if p.get(k) is not None})

first = request({"names": [{"value": NAMES[0], "script": "Latn"}], "nationalities": ["MMR"]})
unknown = [request({"names": [{"value": NAMES[i % len(NAMES)], "script": "Latn"}],
                    "nationalities": ["MMR"]}) for i in range(N)]
again = [request(known[i % len(known)]) for i in range(N)]
print(f"tracing request: first {first:.3f} s; a name nobody has: median "
      f"{statistics.median(unknown):.3f} s, p95 {p95(unknown):.3f} s over {len(unknown)}; "
      f"a consenting person typed again: median {statistics.median(again):.3f} s, "
      f"p95 {p95(again):.3f} s, max {max(again):.3f} s over {len(again)}; "
      f"every request p95 {p95(unknown + again):.3f} s")
