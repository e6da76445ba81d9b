"""Search before create in the product (issue 14: "the product's query latency
measured at 100,000 persons"): POST /api/v1/cases/duplicates for five
synthetic names against a running SafePath, timed from outside.

Seed a database once with bench/core/throughput.sh (CASES=100000; the seeded
folder is kept in /tmp/safepath-bench-100000), serve a copy of it:
    cp -a /tmp/safepath-bench-100000 /tmp/dup && \
    target/release/safepath demo --data-dir /tmp/dup --addr 127.0.0.1:18190 \
      --dedupe-every-hours 0 &
then: python3 bench/match/search_latency.py [http://127.0.0.1:18190] [warm queries, 20]
(it creates three synthetic cases: serve a copy, never the seeded folder)."""
import statistics
import sys
import time

from api_client import Api, p95

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:18190"


api = Api(BASE)
call = api.call


token = api.login()
visible = call("GET", "/api/v1/cases?per_page=1", token)[1]["total"]
NAMES = ["Hnin Synthetic Wai", "Nguyen Thi Synthetic Lan", "Somchai Synthetic Dee",
         "Siti Synthetic Rahayu", "Sokha Synthetic Chan"]
WARM = int(sys.argv[2]) if len(sys.argv) > 2 else 20


def check(name):
    t = time.perf_counter()
    status, _ = call("POST", "/api/v1/cases/duplicates", token,
                     {"person": {"names": [{"value": name, "script": "Latn"}],
                                 "nationalities": ["MMR"]}})
    assert status == 200, status
    return time.perf_counter() - t


def check_person(person):
    t = time.perf_counter()
    status, _ = call("POST", "/api/v1/cases/duplicates", token, {"person": person})
    assert status == 200, status
    return time.perf_counter() - t


# Persons already registered, as a clerk would type them again (names, sex,
# birth date, nationalities): the queries with the most candidates.
registered = []
for page in range(1, 11):
    items = call("GET", f"/api/v1/cases?per_page=50&page={page * 5}", token)[1]["items"]
    if not items:
        break
    case = call("GET", f"/api/v1/cases/{items[0]['id']}", token)[1]
    p = case["person"]
    registered.append({k: p[k] for k in ("names", "sex", "birth_date", "nationalities")
                       if p.get(k) is not None})

# The first query after the server starts (builds whatever it keeps), then
# warm queries, then a query right after each new case (the case a clerk
# opens once the check found nothing).
first = check(NAMES[0])
warm = [check(NAMES[i % len(NAMES)]) for i in range(WARM)]
again = [check_person(registered[i % len(registered)]) for i in range(WARM)] if registered else []
after_create = []
for i in range(3):
    status, _ = call("POST", "/api/v1/cases", token,
                     {"person": {"names": [{"value": f"Mya Synthetic Bench{i}", "script": "Latn"}],
                                 "sex": "female", "nationalities": ["MMR"]},
                      "exploitation_forms": ["forced_labour"]})
    assert status == 201, status
    after_create.append(check(NAMES[(i + 1) % len(NAMES)]))

print(f"cases visible to demo-cm-a: {visible}")
if again:
    print(f"a registered person typed again: median {statistics.median(again):.3f} s, "
          f"p95 {p95(again):.3f} s, max {max(again):.3f} s over {len(again)} queries "
          f"({len(registered)} persons)")
every = warm + again + after_create
print(f"every warm query: p95 {p95(every):.3f} s over {len(every)}")
print(f"search before create: first {first:.2f} s; warm median {statistics.median(warm):.3f} s, "
      f"max {max(warm):.3f} s over {len(warm)} queries; right after a new case "
      f"median {statistics.median(after_create):.3f} s, max {max(after_create):.3f} s over "
      f"{len(after_create)}")
