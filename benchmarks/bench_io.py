"""Read speed of the kinemyo SIAT-LLMD reader against plain ``pandas.read_csv``, in one run.

Reads every Data and Label file of a SIAT-LLMD tree (by default the generated demo cohort,
6 subjects x 5 motions x 30 s) and prints data rows per second for:

- pandas.read_csv (default engine), parsing only: no validation, no label alignment;
- kinemyo, parsing from text (cache off): columns checked by name, time axis, gaps, labels;
- kinemyo, first read with the cache on (parse + store the Arrow IPC entry);
- kinemyo, later reads (cache hit: validation still runs, parsing is skipped).

Each figure is the best of ``--repeat`` runs. Target: kinemyo >= 3x pandas.

Usage: python benchmarks/bench_io.py [--root DIR] [--repeat 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from kinemyo.data.siat_llmd import ReadOptions, read_siat_llmd, write_siat_llmd
from kinemyo.data.synthetic import CohortConfig, generate_cohort


def best_time(
    run: Callable[[], object], repeat: int, setup: Callable[[], None] | None = None
) -> float:
    """Shortest wall time of ``repeat`` calls of ``run``, in s (``setup`` runs untimed first)."""
    best = float("inf")
    for _ in range(repeat):
        if setup is not None:
            setup()
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, help="SIAT-LLMD tree (default: generate the cohort)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore")

    with tempfile.TemporaryDirectory() as scratch:
        root = args.root
        if root is None:
            root = Path(scratch) / "cohort"
            cohort = generate_cohort(CohortConfig())
            write_siat_llmd(root, cohort.recordings, subjects=cohort.subjects)
        files = sorted(root.rglob("*_Data.csv")) + sorted(root.rglob("*_Label.csv"))
        megabytes = sum(f.stat().st_size for f in files) / 1e6
        rows = sum(r.n_samples for r in read_siat_llmd(root, options=ReadOptions(cache_dir=None)))

        def pandas_read() -> None:
            for f in files:
                pd.read_csv(f)

        cache = Path(scratch) / "cache"

        def empty_cache() -> None:
            for entry in cache.glob("*"):
                entry.unlink()

        timings = {
            "pandas.read_csv (default engine)": best_time(pandas_read, args.repeat),
            "kinemyo, parse from text": best_time(
                lambda: read_siat_llmd(root, options=ReadOptions(cache_dir=None)), args.repeat
            ),
            "kinemyo, first read (parse + cache)": best_time(
                lambda: read_siat_llmd(root, options=ReadOptions(cache_dir=cache)),
                args.repeat,
                setup=empty_cache,
            ),
            "kinemyo, later reads (cached)": best_time(
                lambda: read_siat_llmd(root, options=ReadOptions(cache_dir=cache)), args.repeat
            ),
        }

    print(
        f"{len(files)} files, {megabytes:.1f} MB of CSV, {rows:,} data rows; best of {args.repeat}"
    )
    pandas_rate = rows / timings["pandas.read_csv (default engine)"]
    for name, seconds in timings.items():
        rate = rows / seconds
        ratio = rate / pandas_rate
        print(f"  {name:38s} {seconds:7.3f} s  {rate:12,.0f} rows/s  {ratio:6.2f}x pandas")
    cached_ratio = (
        timings["pandas.read_csv (default engine)"] / timings["kinemyo, later reads (cached)"]
    )
    parse_ratio = timings["pandas.read_csv (default engine)"] / timings["kinemyo, parse from text"]
    verdict = "meets" if cached_ratio >= 3 else "misses"
    print(
        f"target kinemyo >= 3x pandas: {verdict} it with the cache ({cached_ratio:.1f}x); "
        f"parsing text alone is {parse_ratio:.2f}x pandas"
    )


if __name__ == "__main__":
    main()
