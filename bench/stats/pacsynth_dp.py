"""Differentially private synthesis of the same rows by Synthetic Data
Showcase's synthesizer (PyPI `pac-synth`, `DpAggregateSeededSynthesizer`),
with the same epsilon, delta and reporting length as `bench_stats`, timed
in-process (fit + sample, after reading the CSV). Writes the synthetic rows
to a CSV so that the marginal errors are computed by the same code for both
(`synth_errors` example of safepath-stats).

Usage: pacsynth_dp.py rows.csv out.csv [epsilon] [delta] [reporting_length]"""
import sys
import time

import pandas as pd
from pacsynth import Dataset, DpAggregateSeededParametersBuilder, DpAggregateSeededSynthesizer

path, out = sys.argv[1], sys.argv[2]
epsilon = float(sys.argv[3]) if len(sys.argv) > 3 else 4.0
delta = float(sys.argv[4]) if len(sys.argv) > 4 else 1e-6
length = int(sys.argv[5]) if len(sys.argv) > 5 else 3
df = pd.read_csv(path, dtype=str, keep_default_na=False)

t = time.perf_counter()
params = (
    DpAggregateSeededParametersBuilder()
    .epsilon(epsilon)
    .delta(delta)
    .reporting_length(length)
    .build()
)
synth = DpAggregateSeededSynthesizer(params)
synth.fit(Dataset.from_data_frame(df))
rows = synth.sample()
elapsed = time.perf_counter() - t
print(f"pacsynth_dp_synth_len{length} {elapsed:.3f}")
print(f"pacsynth_rows {len(rows) - 1}")
with open(out, "w", encoding="utf-8") as f:
    for r in rows:
        f.write(",".join(r) + "\n")
