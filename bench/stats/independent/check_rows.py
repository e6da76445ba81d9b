#!/usr/bin/env python3
"""Summarise a CSV from make_rows.py: 1-way shares, key 2-way dependencies,
and counts of 1-, 2- and 3-way value combinations (and rare ones, < 11).

    python3 check_rows.py FILE.csv
"""
import csv
import itertools
import sys
from collections import Counter

RARE = 11


def shares(rows, col):
    c = Counter(r[col] for r in rows)
    n = len(rows)
    return [(v, k, k / n) for v, k in c.most_common()]


def crosstab(rows, a, b, a_values, top_b=None):
    """P(b | a) for each value of a, printed as percentages."""
    c = Counter((r[a], r[b]) for r in rows)
    b_values = top_b or sorted({r[b] for r in rows})
    print("  %-14s" % (a + " \\ " + b)[:14]
          + "".join("%9s" % (v or '""')[:9] for v in b_values))
    for av in a_values:
        tot = sum(k for (x, _), k in c.items() if x == av)
        if not tot:
            continue
        print("  %-14s" % (av or '""')
              + "".join("%8.1f%%" % (100 * c[(av, bv)] / tot)
                        for bv in b_values) + "   n=%d" % tot)


def main():
    path = sys.argv[1]
    with open(path, newline="") as fh:
        rd = csv.DictReader(fh)
        cols = rd.fieldnames
        rows = list(rd)
    n = len(rows)
    print("rows: %d, columns: %d" % (n, len(cols)))

    print("\n== 1-way shares ==")
    for col in cols:
        s = shares(rows, col)
        print("%s (%d distinct):" % (col, len(s)))
        print("  " + ", ".join("%s %.2f%%" % (v if v != "" else '""', 100 * p)
                               for v, _, p in s))

    print("\n== key 2-way dependencies ==")
    print("P(exploitation | gender):")
    crosstab(rows, "gender", "exploitation",
             ["female", "male", "transgender", "unknown"],
             ["sexual", "forced_labour", "forced_marriage", "forced_criminal",
              "other", "unknown"])
    print("P(exploitation | age_band):")
    crosstab(rows, "age_band", "exploitation",
             ["0-8", "9-17", "18-20", "30-38", "48+", "unknown"],
             ["sexual", "forced_labour", "forced_marriage", "forced_criminal",
              "other", "unknown"])
    print("Domestic share P(country_exploitation == citizenship):")
    dom = Counter()
    tot = Counter()
    for r in rows:
        if r["citizenship"] and r["country_exploitation"]:
            tot[r["citizenship"]] += 1
            dom[r["citizenship"]] += r["citizenship"] == r["country_exploitation"]
    print("  " + ", ".join("%s %.0f%%" % (c, 100 * dom[c] / tot[c])
                           for c, _ in tot.most_common(12)))
    print("  all known pairs: %.1f%%" % (100 * sum(dom.values())
                                         / sum(tot.values())))
    print("P(labour_type | country_exploitation) for forced labour:")
    lab = [r for r in rows if r["exploitation"] == "forced_labour"]
    crosstab(lab, "country_exploitation", "labour_type",
             ["SAU", "RUS", "THA", "USA", "PHL"],
             ["agriculture", "construction", "domestic_work", "fishing",
              "manufacturing", "begging", ""])
    print("P(recruiter_relation | age_band):")
    crosstab(rows, "age_band", "recruiter_relation",
             ["0-8", "9-17", "24-26", "unknown"],
             ["intimate_partner", "family", "friend", "other", "unknown", ""])
    print("P(forced_criminal | country_exploitation=KHM/MMR, year):")
    for y in range(2015, 2025):
        sub = [r for r in rows if r["year"] == str(y)
               and r["country_exploitation"] in ("KHM", "MMR")]
        fc = sum(r["exploitation"] == "forced_criminal" for r in sub)
        print("  %d: %.1f%% of %d" % (y, 100 * fc / max(1, len(sub)), len(sub)))

    print("\n== value combinations (observed; rare = count < %d) ==" % RARE)
    for k in (1, 2, 3):
        combos = rare = subsets = 0
        for cs in itertools.combinations(range(len(cols)), k):
            subsets += 1
            c = Counter(tuple(r[cols[i]] for i in cs) for r in rows)
            combos += len(c)
            rare += sum(1 for v in c.values() if v < RARE)
        print("%d-way: %d column sets, %d distinct combinations, %d rare"
              % (k, subsets, combos, rare))


if __name__ == "__main__":
    main()
