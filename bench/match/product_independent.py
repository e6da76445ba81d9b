"""Tracing in the product on the independent set (data made apart from the
engine and the demo generator: bench/match/independent/): its 6,000
registered persons become cases of demo-cm-a with a tracing consent, then
its requests are recorded through the API and timed; the matches the
organisation is told of are scored against truth.csv (a matched request
counts as right when its best match is the true person).

    target/release/safepath demo --data-dir $(mktemp -d) --addr 127.0.0.1:18199 --cases 0 &
    python3 bench/match/product_independent.py [URL] [requests, 300] [folder] [whole]
(it writes 6,000 cases: serve a throwaway folder). `folder` holds another draw
of the set (make_set.py --seed N --out folder); the frozen set by default
("" for it). Names go in as the set's boxes, given and family parts; with
`whole`, as one name joined from them."""
import csv
import os
import statistics
import sys
import time

from api_client import Api, p95

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:18199"
N = int(sys.argv[2]) if len(sys.argv) > 2 else 300
WHOLE = len(sys.argv) > 4 and sys.argv[4] == "whole"
HERE = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "independent")
api = Api(BASE)
token = api.login()


def person(row, place_field):
    # The boxes as the clerk filled them: given and family name parts (or,
    # with "whole", one name joined from them).
    names = [{"value": row[box], "part": part}
             for box, part in (("given_name", "given"), ("family_name", "family")) if row[box]]
    if WHOLE:
        names = [{"value": " ".join(n["value"] for n in names)}]
    out = {"names": names, "sex": {"F": "female", "M": "male"}.get(row["sex"], "unknown")}
    if row["place"]:
        out[place_field] = {"locality": row["place"]}
    if row["nationality"]:
        out["nationalities"] = [row["nationality"]]
    b = row["birth_date"]
    if len(b) == 10:
        out["birth_date"] = {"kind": "exact", "date": b}
    elif len(b) == 7:
        out["birth_date"] = {"kind": "year_month", "year": int(b[:4]), "month": int(b[5:])}
    elif len(b) == 4:
        out["birth_date"] = {"kind": "year", "year": int(b)}
    elif row["age"] and row["record_date"]:
        out["birth_date"] = {"kind": "estimated_age", "age": int(row["age"]), "on": row["record_date"]}
    return out


case_of = {}
t = time.perf_counter()
with open(os.path.join(HERE, "registry.csv"), encoding="utf-8") as f:
    for row in csv.DictReader(f):
        status, body = api.call("POST", "/api/v1/cases", token,
                                {"person": person(row, "place_of_origin"), "exploitation_forms": ["forced_labour"]})
        assert status == 201, (status, body)
        case_of[row["id"]] = body["id"]
        status, _ = api.call("POST", f"/api/v1/cases/{body['id']}/consents", token,
                             {"purpose": "tracing", "categories": ["identity"]})
        assert status == 201, status
print(f"{len(case_of)} registered persons, each with a tracing consent, "
      f"in {time.perf_counter() - t:.0f} s")

with open(os.path.join(HERE, "truth.csv"), encoding="utf-8") as f:
    truth = {r["request_id"]: r["person_id"] for r in csv.DictReader(f)}
with open(os.path.join(HERE, "requests.csv"), encoding="utf-8") as f:
    requests = list(csv.DictReader(f))[:N]
REQUESTER = {"name": "Synthetic Requester", "relationship": "sibling",
             "contact": {"phone": "+10000000000"}}
times, reference_of = [], {}
for row in requests:
    t = time.perf_counter()
    status, body = api.call("POST", "/api/v1/tracing-requests", token,
                            {"sought": person(row, "home_place"), "requester": REQUESTER})
    times.append(time.perf_counter() - t)
    assert status == 201, (status, body)
    reference_of[body["id"]] = row["id"]

status, listed = api.call("GET", "/api/v1/tracing-requests", token)
ref_to_id = {}
for r in listed["items"]:
    if r["id"] in reference_of:
        ref_to_id[r["reference"]] = reference_of[r["id"]]
status, matches = api.call("GET", "/api/v1/tracing-matches", token)
best = {}
for m in matches["items"]:
    req = ref_to_id.get(m["request_reference"])
    if req and (req not in best or m["probability"] > best[req]["probability"]):
        best[req] = m
case_to_person = {v: k for k, v in case_of.items()}
with_match = [r["id"] for r in requests if r["id"] in truth]
right = sum(1 for req, m in best.items() if truth.get(req) == case_to_person.get(m["case_id"]))
print(f"tracing request over {len(times)}: median {statistics.median(times):.3f} s, "
      f"p95 {p95(times):.3f} s, max {max(times):.3f} s")
print(f"matched {len(best)} of {len(requests)} requests ({len(with_match)} have their person "
      f"registered); right {right}; precision {right / max(1, len(best)):.3f}, "
      f"recall {right / max(1, len(with_match)):.3f}")
