"""The same k-anonymous aggregates as `bench_stats` (every combination of up
to 3 attributes' values, kept when counted at least k = 11 times), by pandas
group-bys and by DuckDB GROUP BY, timed in-process (after reading the CSV)."""
import itertools
import sys
import time

import duckdb
import pandas as pd

path, k = sys.argv[1], 11
df = pd.read_csv(path, dtype=str, keep_default_na=False)
cols = list(df.columns)
combos = [c for n in (1, 2, 3) for c in itertools.combinations(cols, n)]

t = time.perf_counter()
kept = 0
for c in combos:
    counts = df.groupby(list(c), sort=False).size()
    kept += int((counts >= k).sum())
print(f"pandas_aggregates_k11_len3 {time.perf_counter() - t:.3f}")
print(f"pandas_kept {kept}")

con = duckdb.connect()
con.register("rows_df", df)
con.execute("CREATE TABLE t AS SELECT * FROM rows_df")
t = time.perf_counter()
kept = 0
for c in combos:
    g = ", ".join(c)
    kept += con.execute(
        f"SELECT COUNT(*) FROM (SELECT COUNT(*) AS n FROM t GROUP BY {g}) WHERE n >= {k}"
    ).fetchone()[0]
print(f"duckdb_aggregates_k11_len3 {time.perf_counter() - t:.3f}")
print(f"duckdb_kept {kept}")
