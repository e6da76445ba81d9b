"""Splink 5 (DuckDB backend) on the benchmark data, configured as Splink's own examples do.

  splink_run.py febrl LEFT.csv RIGHT.csv OUT_PAIRS.csv
  splink_run.py dedupe INPUT.csv OUT_CLUSTERS.csv [--threshold P]
  splink_run.py febrl-dedupe INPUT.csv OUT_CLUSTERS.csv [--threshold P]   # FEBRL columns
Prints the in-process wall time (reading CSV to writing results) as JSON on the last line.
"""
import json
import logging
import sys
import time

import unicodedata

import pandas as pd
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

logging.getLogger("splink").setLevel(logging.ERROR)


# Splink's FEBRL example blocks on single columns: fine for 5,000 + 5,000 records, but
# on 200,000 with a census-sized name list one given name holds ~300 records (tens of
# millions of pairs). For de-duplication at scale the rules pair two columns, as Splink's
# guidance on blocking advises, keeping each of the example's columns in some rule.
FEBRL_LINK_BLOCKING = ["given_name", "surname", "date_of_birth", "soc_sec_id", "postcode", "address_1"]
FEBRL_DEDUPE_BLOCKING = [
    ("given_name", "surname"),
    ("date_of_birth",),
    ("soc_sec_id",),
    ("postcode", "surname"),
    ("postcode", "given_name"),
    ("address_1", "street_number"),
]


def febrl_settings(link_type, rules):
    """Splink's FEBRL example: its comparisons, with the given blocking rules."""
    return SettingsCreator(
        unique_id_column_name="rec_id",
        link_type=link_type,
        blocking_rules_to_generate_predictions=[
            block_on(*(r if isinstance(r, tuple) else (r,))) for r in rules
        ],
        comparisons=[
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d"),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.PostcodeComparison("postcode"),
            cl.JaroWinklerAtThresholds("address_1", [0.9, 0.7]),
            cl.JaroWinklerAtThresholds("suburb", [0.9, 0.7]),
            cl.ExactMatch("state"),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


def febrl_train(linker):
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "surname", "date_of_birth")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("given_name", "surname"))


def febrl(left, right, out):
    t0 = time.time()
    a = pd.read_csv(left, dtype=str)
    b = pd.read_csv(right, dtype=str)
    db = DuckDBAPI()
    linker = Linker([db.register(a), db.register(b)], febrl_settings("link_only", FEBRL_LINK_BLOCKING), log_level=logging.ERROR)
    febrl_train(linker)
    pred = linker.inference.predict(threshold_match_probability=0.5).as_pandas_dataframe()
    l = pred["rec_id_l"].where(pred["source_dataset_l"] < pred["source_dataset_r"], pred["rec_id_r"])
    r = pred["rec_id_r"].where(pred["source_dataset_l"] < pred["source_dataset_r"], pred["rec_id_l"])
    pd.DataFrame({"left_id": l, "right_id": r, "probability": pred["match_probability"]}).to_csv(out, index=False)
    return time.time() - t0


def febrl_dedupe(inp, out, threshold):
    """De-duplication of a FEBRL-style file with the FEBRL example's model."""
    t0 = time.time()
    df = pd.read_csv(inp, dtype=str, keep_default_na=False).replace("", None)
    db = DuckDBAPI()
    linker = Linker(db.register(df), febrl_settings("dedupe_only", FEBRL_DEDUPE_BLOCKING), log_level=logging.ERROR)
    febrl_train(linker)
    pred = linker.inference.predict(threshold_match_probability=min(threshold, 0.5))
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pred, threshold).as_pandas_dataframe()
    clusters[["rec_id", "cluster_id"]].rename(columns={"rec_id": "id"}).to_csv(out, index=False)
    return time.time() - t0


def dedupe(inp, out, threshold):
    t0 = time.time()
    df = pd.read_csv(inp, dtype=str, keep_default_na=False).replace("", None)
    # The preprocessing a careful Splink user would do: lower case, accents stripped.
    def clean(s):
        if s is None:
            return None
        s = unicodedata.normalize("NFKD", s.lower().strip())
        return "".join(ch for ch in s if not unicodedata.combining(ch)) or None

    for c in ["given_name", "family_name", "place"]:
        df[c] = df[c].map(clean)
    df["birth_year"] = df["birth_date"].str.slice(0, 4)
    db = DuckDBAPI()
    settings = SettingsCreator(
        unique_id_column_name="id",
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("given_name", "family_name"),
            block_on("birth_date"),
            block_on("family_name", "birth_year"),
            block_on("given_name", "birth_year"),
            block_on("id_number"),
        ],
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("family_name").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("birth_date", input_is_string=True, invalid_dates_as_null=True),
            cl.ExactMatch("sex"),
            cl.ExactMatch("nationality"),
            cl.JaroWinklerAtThresholds("place", [0.9, 0.7]),
            cl.DamerauLevenshteinAtThresholds("id_number", [1]),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )
    linker = Linker(db.register(df), settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "family_name", "birth_date")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("given_name", "family_name"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("birth_date"))
    pred = linker.inference.predict(threshold_match_probability=min(threshold, 0.5))
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pred, threshold).as_pandas_dataframe()
    clusters[["id", "cluster_id"]].to_csv(out, index=False)
    return time.time() - t0


if __name__ == "__main__":
    if sys.argv[1] == "febrl":
        secs = febrl(*sys.argv[2:5])
    else:
        thr = float(sys.argv[sys.argv.index("--threshold") + 1]) if "--threshold" in sys.argv else 0.5
        run = febrl_dedupe if sys.argv[1] == "febrl-dedupe" else dedupe
        secs = run(sys.argv[2], sys.argv[3], thr)
    print(json.dumps({"seconds": secs}))
