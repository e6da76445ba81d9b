#!/usr/bin/env python3
"""Independent evaluation rows for SafePath's synthetic-data benchmarks.

Implements SPEC.md in this folder (frozen 2026-12-06). Standard library only.
Every row is an invented person; nothing is taken from real records.

    python3 make_rows.py --seed 7 --rows 100000 --out rows.csv
"""
import argparse
import csv
import random
import sys

COLUMNS = ["year", "data_source", "citizenship", "gender", "age_band",
           "country_exploitation", "exploitation", "labour_type",
           "recruiter_relation", "means_of_control"]

# 5.1 year
YEAR = [(2015, .05), (2016, .07), (2017, .11), (2018, .13), (2019, .14),
        (2020, .08), (2021, .09), (2022, .12), (2023, .11), (2024, .10)]

# 5.2 citizenship base weights (percent) and year multipliers
CITIZENSHIP = [
    ("USA", 16.0), ("PHL", 10.0), ("UKR", 8.0), ("MDA", 7.0), ("IDN", 6.0),
    ("KHM", 5.0), ("MMR", 4.0), ("BLR", 3.5), ("HTI", 3.0), ("NGA", 3.0),
    ("MEX", 2.8), ("BGD", 1.8), ("NPL", 1.6), ("THA", 1.5), ("LAO", 1.3),
    ("KGZ", 1.2), ("UZB", 1.1), ("IND", 1.0), ("ETH", 1.0), ("ROU", 2.0),
    ("VNM", 2.0), ("GHA", 0.9), ("HND", 0.8), ("SLV", 0.7), ("GTM", 0.7),
    ("VEN", 0.6), ("COL", 0.5), ("KEN", 0.5), ("UGA", 0.45), ("ALB", 0.35),
    ("CHN", 0.3), ("BRA", 0.15), ("PAK", 0.06), ("ERI", 0.015),
    ("TJK", 0.012), ("SDN", 0.010), ("AFG", 0.008), ("LKA", 0.006),
]


def year_multiplier(code, year):
    if code == "UKR":
        return {2022: 2.5, 2023: 2.2, 2024: 1.8}.get(year, 1.0)
    if code == "MDA":
        return 1.6 if year <= 2017 else (0.6 if year >= 2020 else 1.0)
    if code == "BLR":
        return 1.4 if year <= 2018 else 1.0
    if code == "MMR":
        return 1.8 if year >= 2021 else 1.0
    if code == "KHM":
        return 1.5 if year >= 2022 else 1.0
    return 1.0


# 5.3 data_source
HOTLINE = {"USA": .55, "MEX": .25, "HND": .15, "SLV": .15, "GTM": .15,
           "PHL": .10}
HOTLINE_DEFAULT = .03


def table(spec):
    """'.85: NGA USA' style rows -> {code: value}."""
    out = {}
    for value, codes in spec:
        for c in codes.split():
            out[c] = value
    return out


# 5.4 female share f(c)
FEMALE = table([
    (.85, "NGA"), (.82, "USA"), (.80, "ETH COL"), (.78, "MDA UGA"),
    (.75, "VEN KEN ALB"), (.70, "ROU LKA"), (.68, "PHL"), (.62, "MEX NPL"),
    (.60, "HTI LAO HND SLV GTM CHN"), (.58, "IDN"), (.55, "VNM GHA"),
    (.50, "THA BRA ERI"), (.45, "UKR IND SDN"), (.40, "BGD"), (.38, "KHM"),
    (.35, "MMR KGZ"), (.30, "BLR UZB PAK AFG"), (.25, "TJK"),
])

# 5.5 age bands
AGE_BANDS = ["0-8", "9-17", "18-20", "21-23", "24-26", "27-29", "30-38",
             "39-47", "48+"]
AGE_BASE = {
    "female": [.03, .17, .14, .13, .11, .09, .19, .09, .05],
    "male": [.04, .13, .08, .09, .10, .10, .25, .14, .07],
    "transgender": [.00, .15, .20, .20, .15, .10, .15, .04, .01],
}
CHILD_FACTOR = table([
    (3.0, "HTI GHA"), (1.8, "ALB LAO"),
    (1.5, "NGA HND SLV GTM VNM IND BGD"), (1.3, "USA MEX NPL"),
    (1.2, "KHM"), (0.9, "PHL"), (0.6, "UKR"), (0.5, "MDA"),
    (0.4, "KGZ UZB TJK"), (0.3, "BLR"),
])


def age_group(band):
    return {"0-8": "child", "9-17": "minor"}.get(band, "adult")


# 5.6 country of exploitation
def corridor(text):
    parts = text.split()
    return [(parts[i], float(parts[i + 1])) for i in range(0, len(parts), 2)]


DESTINATION = {c: corridor(t) for c, t in [
    ("USA", "USA .96 MEX .02 CAN .02"),
    ("PHL", "PHL .35 SAU .20 ARE .15 MYS .12 KWT .08 QAT .05 JPN .05"),
    ("UKR", "UKR .40 RUS .25 POL .15 DEU .07 TUR .05 ISR .04 CZE .04"),
    ("MDA", "MDA .30 RUS .30 TUR .15 UKR .05 ITA .05 ARE .05 CYP .05 ISR .05"),
    ("IDN", "IDN .30 MYS .35 SAU .12 TWN .10 SGP .05 ARE .05 QAT .03"),
    ("KHM", "KHM .35 THA .40 MYS .12 CHN .08 IDN .05"),
    ("MMR", "MMR .25 THA .45 CHN .20 MYS .10"),
    ("BLR", "BLR .10 RUS .85 POL .05"),
    ("HTI", "HTI .55 DOM .40 USA .05"),
    ("NGA", "NGA .55 ITA .12 LBY .12 MLI .06 GHA .05 ESP .05 RUS .05"),
    ("MEX", "MEX .60 USA .40"),
    ("ROU", "ROU .40 GBR .15 DEU .15 ITA .12 ESP .10 FRA .08"),
    ("VNM", "VNM .35 CHN .35 GBR .10 KHM .10 MYS .10"),
    ("BGD", "BGD .20 IND .35 MYS .25 SAU .15 ARE .05"),
    ("NPL", "NPL .25 IND .40 MYS .15 QAT .10 ARE .10"),
    ("THA", "THA .80 MYS .10 JPN .05 IDN .05"),
    ("LAO", "LAO .15 THA .75 CHN .10"),
    ("KGZ", "KGZ .20 RUS .60 KAZ .20"),
    ("UZB", "UZB .15 RUS .50 KAZ .35"),
    ("IND", "IND .90 ARE .05 SAU .05"),
    ("ETH", "ETH .15 SAU .50 LBN .15 ARE .10 KWT .10"),
    ("GHA", "GHA .85 NGA .05 LBN .05 KWT .05"),
    ("HND", "HND .30 USA .35 MEX .25 GTM .10"),
    ("SLV", "SLV .35 USA .35 MEX .20 GTM .10"),
    ("GTM", "GTM .50 MEX .30 USA .20"),
    ("VEN", "VEN .10 COL .45 PER .20 TTO .15 ESP .10"),
    ("COL", "COL .70 ESP .10 MEX .10 PER .10"),
    ("KEN", "KEN .30 SAU .40 ARE .15 QAT .15"),
    ("UGA", "UGA .30 SAU .35 ARE .20 KEN .15"),
    ("ALB", "ALB .40 GBR .30 ITA .15 GRC .15"),
    ("CHN", "CHN .40 KHM .25 USA .20 MYS .15"),
    ("BRA", "BRA .90 ESP .05 PRT .05"),
    ("PAK", "PAK .40 SAU .30 ARE .30"),
    ("ERI", "LBY .70 SDN .20 EGY .10"),
    ("TJK", "TJK .20 RUS .80"),
    ("SDN", "SDN .40 LBY .50 EGY .10"),
    ("AFG", "AFG .20 IRN .50 TUR .30"),
    ("LKA", "LKA .30 SAU .40 ARE .30"),
]}

DEST_GROUP = table([
    ("gulf", "SAU ARE KWT QAT LBN"), ("russia_ca", "RUS KAZ"),
    ("asia_labour", "THA MYS TWN IDN SGP JPN CHN"),
    ("europe", "GBR DEU ITA ESP FRA POL CZE CYP TUR GRC PRT ISR"),
    ("north_america", "USA CAN MEX"),
])

# 5.7 exploitation
EXPLOITATION = ["sexual", "forced_labour", "forced_marriage",
                "forced_criminal", "organ_removal", "other", "unknown"]
EXPL_BASE = {
    ("female", "child"): [.15, .40, .02, .05, .0002, .25, .13],
    ("female", "minor"): [.52, .22, .10, .05, .0002, .05, .06],
    ("female", "adult"): [.46, .38, .04, .03, .0002, .04, .05],
    ("male", "child"): [.06, .50, .00, .08, .001, .23, .13],
    ("male", "minor"): [.10, .55, .01, .18, .001, .08, .08],
    ("male", "adult"): [.05, .75, .005, .08, .001, .05, .06],
    ("transgender", None): [.75, .12, .01, .05, .00, .03, .04],
}
DEST_EXPL_MULT = {
    "gulf": {"forced_labour": 2.5, "sexual": 0.5},
    "russia_ca": {"forced_labour": 2.0},
    "asia_labour": {"forced_labour": 1.6},
    "europe": {"sexual": 1.5, "forced_criminal": 1.5},
}

# 5.8 labour type
LABOUR = ["agriculture", "construction", "domestic_work", "fishing",
          "manufacturing", "hospitality", "begging", "other"]
LABOUR_BASE = {
    ("gulf", "F"): [.02, .00, .80, .00, .03, .06, .01, .08],
    ("gulf", "M"): [.10, .45, .15, .02, .10, .08, .01, .09],
    ("russia_ca", "F"): [.15, .05, .15, .00, .20, .20, .05, .20],
    ("russia_ca", "M"): [.12, .55, .02, .01, .15, .04, .02, .09],
    ("asia_labour", "F"): [.12, .03, .25, .03, .35, .10, .02, .10],
    ("asia_labour", "M"): [.15, .15, .02, .35, .20, .03, .02, .08],
    ("europe", "F"): [.20, .02, .20, .00, .15, .20, .08, .15],
    ("europe", "M"): [.30, .25, .02, .02, .15, .08, .06, .12],
    ("north_america", "F"): [.15, .02, .25, .00, .05, .25, .03, .25],
    ("north_america", "M"): [.40, .15, .03, .02, .05, .12, .03, .20],
    ("other", "F"): [.25, .02, .30, .01, .12, .08, .08, .14],
    ("other", "M"): [.30, .20, .04, .08, .12, .04, .06, .16],
}
LABOUR_AGE_MULT = {
    "child": {"begging": 8.0},
    "minor": {"begging": 2.5, "domestic_work": 1.5, "construction": 0.5},
}

# 5.9 recruiter relation
RECRUITER = ["intimate_partner", "family", "friend", "other", "unknown"]
RECRUITER_TABLE = {
    ("adult", "sexual"): [.18, .07, .15, .20, .40],
    ("adult", "forced_labour"): [.01, .04, .12, .38, .45],
    ("adult", "forced_marriage"): [.05, .60, .05, .10, .20],
    ("adult", "forced_criminal"): [.05, .08, .20, .27, .40],
    ("adult", "other"): [.03, .05, .07, .15, .70],
    ("minor", "sexual"): [.12, .25, .15, .13, .35],
    ("minor", "forced_labour"): [.00, .25, .08, .27, .40],
    ("minor", "forced_marriage"): [.02, .80, .02, .04, .12],
    ("minor", "forced_criminal"): [.02, .20, .25, .18, .35],
    ("minor", "other"): [.01, .30, .05, .09, .55],
    ("child", None): [.00, .45, .04, .18, .33],
}

# 5.10 means of control
CONTROL = ["debt_bondage", "takes_earnings", "threats", "physical_abuse",
           "psychological_abuse", "sexual_abuse", "restricts_movement",
           "withholds_documents", "false_promises", "psychoactive_substances"]
CONTROL_TABLE = {
    "sexual": [.08, .15, .15, .12, .18, .10, .08, .04, .06, .04],
    "forced_labour": [.20, .18, .10, .05, .08, .01, .10, .18, .09, .01],
    "forced_marriage": [.02, .02, .15, .20, .20, .15, .20, .03, .03, .00],
    "forced_criminal": [.15, .10, .25, .12, .10, .01, .12, .08, .05, .02],
    "organ_removal": [.30, .00, .20, .00, .00, .00, .00, .00, .50, .00],
    "other": [.10, .12, .15, .12, .15, .04, .12, .10, .08, .02],
}


def pick(rng, values, weights):
    """One random() draw against the cumulative normalised weights."""
    total = float(sum(weights))
    u = rng.random() * total
    acc = 0.0
    last = None
    for v, w in zip(values, weights):
        if w <= 0:
            continue
        acc += w
        last = v
        if u < acc:
            return v
    return last  # guards against rounding at the top end


def multiplied(values, weights, mult):
    return [w * mult.get(v, 1.0) for v, w in zip(values, weights)]


def make_row(rng):
    # --- latent record (sections 5.1-5.10) ---
    year = pick(rng, [y for y, _ in YEAR], [w for _, w in YEAR])
    cit = pick(rng, [c for c, _ in CITIZENSHIP],
               [w * year_multiplier(c, year) for c, w in CITIZENSHIP])
    p_hot = HOTLINE.get(cit, HOTLINE_DEFAULT)
    source = pick(rng, ["case_management", "hotline"], [1 - p_hot, p_hot])
    p_trans = .010 if cit == "USA" else .002
    p_fem = FEMALE[cit] * (1 - p_trans)
    gender = pick(rng, ["female", "male", "transgender"],
                  [p_fem, 1 - p_trans - p_fem, p_trans])
    k = CHILD_FACTOR.get(cit, 1.0)
    aw = list(AGE_BASE[gender])
    aw[0] *= k
    aw[1] *= k
    age = pick(rng, AGE_BANDS, aw)
    agrp = age_group(age)
    dest_vals = DESTINATION[cit]
    dest = pick(rng, [d for d, _ in dest_vals], [w for _, w in dest_vals])
    dgrp = DEST_GROUP.get(dest, "other")

    base = EXPL_BASE[(gender, None if gender == "transgender" else agrp)]
    ew = list(base)
    if source == "hotline":
        ew = multiplied(EXPLOITATION, ew, {"sexual": 1.5, "unknown": 2.0,
                                           "forced_marriage": 0.3})
    ew = multiplied(EXPLOITATION, ew, DEST_EXPL_MULT.get(dgrp, {}))
    if dest in ("KHM", "MMR") and year >= 2021 and agrp == "adult":
        ew = multiplied(EXPLOITATION, ew, {"forced_criminal": 8.0})
    expl = pick(rng, EXPLOITATION, ew)

    labour = ""
    if expl == "forced_labour":
        sex = "M" if gender == "male" else "F"
        lw = multiplied(LABOUR, LABOUR_BASE[(dgrp, sex)],
                        LABOUR_AGE_MULT.get(agrp, {}))
        labour = pick(rng, LABOUR, lw)

    if agrp == "child":
        rkey = ("child", None)
    else:
        ex = expl if expl in ("sexual", "forced_labour", "forced_marriage",
                              "forced_criminal") else "other"
        rkey = (agrp, ex)
    recruiter = pick(rng, RECRUITER, RECRUITER_TABLE[rkey])

    control = pick(rng, CONTROL,
                   CONTROL_TABLE.get(expl, CONTROL_TABLE["other"]))

    # --- missingness stage (section 6) ---
    hot = source == "hotline"
    if rng.random() < (.25 if hot else .03):
        cit = ""
    if rng.random() < (.06 if hot else .015):
        gender = "unknown"
    if rng.random() < (.30 if hot else (.10 if year <= 2017 else .06)):
        age = "unknown"
    if rng.random() < (.05 if hot else (.12 if year <= 2016 else .08)):
        dest = ""
    if expl == "forced_labour" and rng.random() < (.35 if hot else .20):
        labour = ""
    if rng.random() < (.10 if hot else .04):
        recruiter = ""
    if rng.random() < (.12 if hot else (.50 if year <= 2017 else .35)):
        control = ""

    return [str(year), source, cit, gender, age, dest, expl, labour,
            recruiter, control]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--rows", type=int, default=100000)
    ap.add_argument("--out", required=True, help="CSV path, or - for stdout")
    args = ap.parse_args(argv)
    if args.rows < 0:
        ap.error("--rows must be >= 0")
    rng = random.Random(args.seed)
    fh = sys.stdout if args.out == "-" else open(args.out, "w", newline="")
    try:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(COLUMNS)
        for _ in range(args.rows):
            w.writerow(make_row(rng))
    finally:
        if fh is not sys.stdout:
            fh.close()


if __name__ == "__main__":
    main()
