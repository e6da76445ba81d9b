#!/usr/bin/env python3
"""Scores linkage output on the independent tracing set, best pair per request.

  evaluate.py score TOOL PAIRS.csv WALL_SECONDS PEAK_RSS_KB >> results.jsonl
  evaluate.py table results.jsonl

PAIRS.csv: left_id (request), right_id (registered person), probability — every pair the tool
wrote. Per request only the pair with the highest probability counts (ties: the first written).
A request with no pair has probability 0 and no link (SafePath's `match link` writes only
pairs with p >= 0.5, so its requests below that count as p = 0 in the reliability table). Uses truth.csv and requests.csv next to
this file. Standard library only.

Measures (over the 1,500 requests):
- precision, recall, F1 at p >= 0.5 (a request is linked to its best person when p >= 0.5;
  right when that person is the true one; recall over the 1,000 true links);
- F1 at the best cut-off (every best-pair probability tried as the cut-off);
- expected calibration error (10 equal bins on [0, 1], every request counted: the event is
  "the best pair is the true person", so a no-match request is right only at p = 0), and the
  reliability table (per bin: requests, mean probability, observed share right);
- share of the 500 no-match requests whose best pair has p >= 0.5;
- recall at p >= 0.5 per phenomenon (truth.csv tags).
"""
import csv
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def load_truth():
    with open(os.path.join(HERE, "truth.csv"), encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return {r["request_id"]: r["person_id"] for r in rows}, {r["request_id"]: r["phenomena"].split(";") for r in rows}


def load_requests():
    with open(os.path.join(HERE, "requests.csv"), encoding="utf-8") as f:
        return [r["id"] for r in csv.DictReader(f)]


def best_pairs(path, requests):
    best = {}
    with open(path, encoding="utf-8") as f:
        for r in csv.DictReader(f):
            q, p = r["left_id"], float(r["probability"])
            if q not in requests:  # tolerate a tool that writes the pair the other way round
                q, r["right_id"] = r["right_id"], r["left_id"]
            if q not in requests:
                continue
            if q not in best or p > best[q][1]:
                best[q] = (r["right_id"], p)
    return best


def prf(best, truth, thr):
    pred = [(q, pid) for q, (pid, p) in best.items() if p >= thr]
    tp = sum(1 for q, pid in pred if truth.get(q) == pid)
    prec = tp / len(pred) if pred else 0.0
    rec = tp / len(truth) if truth else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return prec, rec, f1


def score(tool, pairs, wall, rss):
    truth, tags = load_truth()
    reqs = load_requests()
    best = best_pairs(pairs, set(reqs))
    prec, rec, f1 = prf(best, truth, 0.5)
    cuts = sorted({p for _, p in best.values()})
    bf1, bthr = 0.0, 0.5
    for t in cuts:
        f = prf(best, truth, t)[2]
        if f > bf1:
            bf1, bthr = f, t
    bins = [[0, 0.0, 0] for _ in range(10)]  # n, sum p, right
    for q in reqs:
        pid, p = best.get(q, (None, 0.0))
        right = 1 if pid is not None and truth.get(q) == pid else 0
        b = min(9, int(p * 10))
        bins[b][0] += 1
        bins[b][1] += p
        bins[b][2] += right
    n = len(reqs)
    ece = sum(abs(s / k - r / k) * k / n for k, s, r in bins if k)
    nomatch = [q for q in reqs if q not in truth]
    fp_nomatch = sum(1 for q in nomatch if best.get(q, (None, 0.0))[1] >= 0.5)
    present = 0
    with open(pairs, encoding="utf-8") as f:
        seen = {(r["left_id"], r["right_id"]) for r in csv.DictReader(f)}
    present = sum(1 for q, pid in truth.items() if (q, pid) in seen or (pid, q) in seen)
    per_tag = {}
    for q, pid in truth.items():
        got = best.get(q)
        ok = 1 if got and got[0] == pid and got[1] >= 0.5 else 0
        for t in tags[q]:
            k = per_tag.setdefault(t, [0, 0])
            k[0] += 1
            k[1] += ok
    return {"tool": tool, "precision": prec, "recall": rec, "f1": f1, "best_f1": bf1, "best_threshold": bthr,
            "ece": ece, "reliability": [[k, (s / k if k else 0.0), (r / k if k else 0.0)] for k, s, r in bins],
            "nomatch_at_0_5": fp_nomatch / len(nomatch) if nomatch else 0.0,
            "true_pair_in_output": present / len(truth), "wall": wall, "rss_kb": rss, "per_tag": per_tag}


def table(path):
    with open(path, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    print("| tool (best pair per request) | precision | recall | F1 at p ≥ 0.5 | F1 at best cut-off | ECE (10 bins) "
          "| no-match requests at p ≥ 0.5 | true pair in output | wall time (s) | peak RSS (MiB) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['tool']} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} | "
              f"{r['best_f1']:.3f} (p ≥ {r['best_threshold']:.3f}) | {r['ece']:.3f} | {r['nomatch_at_0_5']:.1%} | "
              f"{r['true_pair_in_output']:.3f} | {r['wall']:.2f} | {r['rss_kb'] / 1024:.0f} |")
    print()
    print("Reliability (best pair per request, all 1,500 requests): requests / mean p / share right")
    print()
    print("| bin | " + " | ".join(r["tool"] for r in rows) + " |")
    print("|---|" + "---|" * len(rows))
    for b in range(10):
        cells = []
        for r in rows:
            k, mp, fr = r["reliability"][b]
            cells.append(f"{k} / {mp:.2f} / {fr:.2f}" if k else "0")
        print(f"| {b / 10:.1f}–{(b + 1) / 10:.1f} | " + " | ".join(cells) + " |")
    print()
    print("Recall at p ≥ 0.5 per phenomenon (true pairs carrying the tag)")
    print()
    tags = sorted(rows[0]["per_tag"], key=lambda t: (not t.startswith("culture_"), t))
    print("| phenomenon | pairs | " + " | ".join(r["tool"] for r in rows) + " |")
    print("|---|---|" + "---|" * len(rows))
    for t in tags:
        n = rows[0]["per_tag"][t][0]
        cells = [f"{r['per_tag'].get(t, [0, 0])[1] / n:.2f}" for r in rows]
        print(f"| {t} | {n} | " + " | ".join(cells) + " |")


def main():
    if sys.argv[1] == "table":
        table(sys.argv[2])
    elif sys.argv[1] == "score":
        tool, pairs, wall, rss = sys.argv[2], sys.argv[3], float(sys.argv[4]), int(sys.argv[5])
        print(json.dumps(score(tool, pairs, wall, rss)))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
