"""Precision, recall and F1 of pairs (linkage) or clusters (de-duplication) against truth.

  score.py link  PAIRS.csv TRUTH.csv [--threshold P]   # PAIRS: left_id,right_id,probability
  score.py dedupe CLUSTERS.csv TRUTH.csv               # CLUSTERS: id,cluster_id; TRUTH: id,entity_id
Prints one JSON object.
"""
import csv
import json
import sys
from collections import Counter


def link(pairs_path, truth_path, threshold):
    truth = set()
    with open(truth_path) as f:
        for r in csv.DictReader(f):
            truth.add((r["left_id"], r["right_id"]))
    pred = set()
    with open(pairs_path) as f:
        for r in csv.DictReader(f):
            if float(r["probability"]) >= threshold:
                pred.add((r["left_id"], r["right_id"]))
    tp = len(pred & truth)
    return tp, len(pred), len(truth)


def pairs_of(counter):
    return sum(n * (n - 1) // 2 for n in counter.values())


def dedupe(clusters_path, truth_path):
    ent = {}
    with open(truth_path) as f:
        for r in csv.DictReader(f):
            ent[r["id"]] = r["entity_id"]
    pred = {}
    with open(clusters_path) as f:
        for r in csv.DictReader(f):
            pred[r["id"]] = r["cluster_id"]
    both = Counter((pred[i], ent[i]) for i in ent if i in pred)
    tp = pairs_of(both)
    return tp, pairs_of(Counter(pred.values())), pairs_of(Counter(ent.values()))


def median_runs(rows):
    """One row per (dataset, tool): the run with the median wall time, with the run count."""
    groups = {}
    for r in rows:
        groups.setdefault((r["dataset"], r["tool"]), []).append(r)
    out = []
    for runs in groups.values():
        runs = sorted(runs, key=lambda r: r["wall"])
        row = dict(runs[(len(runs) - 1) // 2])
        row["runs"] = len(runs)
        out.append(row)
    return out


def table(path):
    rows = median_runs([json.loads(l) for l in open(path) if l.strip()])
    base = {r["dataset"]: r for r in rows if r["tool"] == "safepath"}
    print("| data | tool | F1 | precision | recall | wall time (s) | in-process (s) | peak RSS (MiB) | time vs SafePath | memory vs SafePath |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        b = base.get(r["dataset"])
        tr = f"{r['wall'] / b['wall']:.1f}x" if b and b["wall"] else ""
        mr = f"{r['rss_kb'] / b['rss_kb']:.1f}x" if b and b["rss_kb"] else ""
        inproc = f"{r['inproc']:.2f}" if r.get("inproc") else ""
        runs = f" (median of {r['runs']})" if r["runs"] > 1 else ""
        print(
            f"| {r['dataset']}{runs} | {r['tool']} | {r['f1']:.4f} | {r['precision']:.4f} | {r['recall']:.4f} | "
            f"{r['wall']:.2f} | {inproc} | {r['rss_kb'] / 1024:.0f} | {tr} | {mr} |"
        )


def main():
    if sys.argv[1] == "table":
        table(sys.argv[2])
        return
    mode, a, b = sys.argv[1:4]
    thr = 0.5
    if "--threshold" in sys.argv:
        thr = float(sys.argv[sys.argv.index("--threshold") + 1])
    tp, npred, ntrue = link(a, b, thr) if mode == "link" else dedupe(a, b)
    p = tp / npred if npred else 0.0
    r = tp / ntrue if ntrue else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    print(json.dumps({"tp": tp, "predicted": npred, "true": ntrue, "precision": p, "recall": r, "f1": f1}))


if __name__ == "__main__":
    main()
