"""Splink 5 (DuckDB) on the independent tracing set, configured as a careful user would.

  splink_run.py REQUESTS.csv REGISTRY.csv OUT_PAIRS.csv

Writes every scored pair with p >= 0.01 as left_id (request), right_id (registered person),
probability; prints the in-process seconds as JSON on the last line. Preprocessing a careful
user would do: names and places lower-cased, accents stripped, a birth year from the birth date
or, failing that, from the record date minus the estimated age; digits only in id numbers.
Comparisons: Splink's forename/surname comparison (catches swapped boxes), full date of birth,
birth year within 1 / 3 years, sex, nationality, place, id number. u by random sampling, m by EM
on two blocking rules, the prior from deterministic rules; no labels are used.
"""
import json
import logging
import re
import sys
import time
import unicodedata

import pandas as pd
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

logging.getLogger("splink").setLevel(logging.ERROR)


def clean(s):
    if not s:
        return None
    s = unicodedata.normalize("NFKD", s.lower().strip()).replace("đ", "d")
    return "".join(ch for ch in s if not unicodedata.combining(ch)) or None


def prepare(df):
    for c in ["given_name", "family_name", "place"]:
        df[c] = df[c].map(clean)

    def year(r):
        if r["birth_date"]:
            return int(r["birth_date"][:4])
        if r["age"] and r["record_date"]:
            return int(r["record_date"][:4]) - int(r["age"])
        return None

    df["birth_year"] = df.apply(year, axis=1).astype("Int64")
    df["birth_date_full"] = df["birth_date"].map(lambda s: s if len(s) == 10 else None)
    df["id_digits"] = df["id_number"].map(lambda s: re.sub(r"\D", "", s) or None)
    for c in ["sex", "nationality", "birth_date_full"]:
        df[c] = df[c].map(lambda s: s or None)
    return df[["id", "given_name", "family_name", "sex", "birth_date_full", "birth_year", "nationality", "place",
               "id_digits"]]


def main(requests, registry, out):
    t0 = time.time()
    a = prepare(pd.read_csv(requests, dtype=str, keep_default_na=False))
    b = prepare(pd.read_csv(registry, dtype=str, keep_default_na=False))
    db = DuckDBAPI()
    year = cl.CustomComparison(
        output_column_name="birth_year",
        comparison_levels=[
            cll.NullLevel("birth_year"),
            cll.ExactMatchLevel("birth_year"),
            cll.AbsoluteDifferenceLevel("birth_year", 1),
            cll.AbsoluteDifferenceLevel("birth_year", 3),
            cll.ElseLevel(),
        ],
    )
    settings = SettingsCreator(
        unique_id_column_name="id",
        link_type="link_only",
        blocking_rules_to_generate_predictions=[
            block_on("given_name"),
            block_on("family_name"),
            "l.given_name = r.family_name",
            "l.family_name = r.given_name",
            block_on("birth_year", "sex", "nationality"),
            "substr(l.given_name, 1, 3) = substr(r.given_name, 1, 3) and l.nationality = r.nationality",
            block_on("id_digits"),
        ],
        comparisons=[
            cl.ForenameSurnameComparison("given_name", "family_name"),
            cl.DateOfBirthComparison("birth_date_full", input_is_string=True, invalid_dates_as_null=True),
            year,
            cl.ExactMatch("sex"),
            cl.ExactMatch("nationality"),
            cl.JaroWinklerAtThresholds("place", [0.9, 0.7]),
            cl.DamerauLevenshteinAtThresholds("id_digits", [1]),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )
    linker = Linker([db.register(a), db.register(b)], settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "family_name", "birth_year"), block_on("id_digits")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=1)
    # as in Splink's examples: one EM pass blocked on the names (trains the other fields),
    # one blocked on the birth date (trains the names)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("given_name", "family_name"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("birth_date_full"))
    pred = linker.inference.predict(threshold_match_probability=0.01).as_pandas_dataframe()
    first = pred["id_l"].str.startswith("T")  # request ids are T…, registered persons P…
    left = pred["id_l"].where(first, pred["id_r"])
    right = pred["id_r"].where(first, pred["id_l"])
    pd.DataFrame({"left_id": left, "right_id": right, "probability": pred["match_probability"]}).to_csv(
        out, index=False
    )
    return time.time() - t0


if __name__ == "__main__":
    secs = main(*sys.argv[1:4])
    print(json.dumps({"seconds": secs}))
