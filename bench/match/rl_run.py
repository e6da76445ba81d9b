"""Python `recordlinkage` (ECM, unsupervised) on FEBRL4, as in its documentation.

  rl_run.py LEFT.csv RIGHT.csv OUT_PAIRS.csv
Prints the in-process wall time (reading CSV to writing pairs) as JSON on the last line.
"""
import json
import sys
import time

import pandas as pd
import recordlinkage


def main(left, right, out):
    t0 = time.time()
    a = pd.read_csv(left, dtype=str).set_index("rec_id")
    b = pd.read_csv(right, dtype=str).set_index("rec_id")
    indexer = recordlinkage.Index()
    indexer.block("given_name")
    indexer.block("surname")
    indexer.block("date_of_birth")
    indexer.block("soc_sec_id")
    pairs = indexer.index(a, b)
    compare = recordlinkage.Compare()
    compare.string("given_name", "given_name", method="jarowinkler", threshold=0.85, label="given_name")
    compare.string("surname", "surname", method="jarowinkler", threshold=0.85, label="surname")
    compare.exact("date_of_birth", "date_of_birth", label="date_of_birth")
    compare.exact("suburb", "suburb", label="suburb")
    compare.exact("state", "state", label="state")
    compare.string("address_1", "address_1", method="jarowinkler", threshold=0.85, label="address_1")
    compare.exact("soc_sec_id", "soc_sec_id", label="soc_sec_id")
    compare.exact("postcode", "postcode", label="postcode")
    features = compare.compute(pairs, a, b)
    ecm = recordlinkage.ECMClassifier(binarize=0.5)
    matches = ecm.fit_predict(features)
    probs = ecm.prob(features.loc[matches])
    pd.DataFrame(
        {"left_id": matches.get_level_values(0), "right_id": matches.get_level_values(1), "probability": probs.values}
    ).to_csv(out, index=False)
    return time.time() - t0


if __name__ == "__main__":
    print(json.dumps({"seconds": main(*sys.argv[1:4])}))
