"""Read speed of the kinemyo SIAT-LLMD reader against plain ``pandas.read_csv``, in one run.

Reads every Data and Label file of a SIAT-LLMD tree (by default the generated demo cohort,
6 subjects x 5 motions x 30 s) and prints data rows per second for:

- pandas.read_csv (default engine) and pyarrow.csv.read_csv, parsing only: no validation, no
  label alignment;
- kinemyo, parsing from text (cache off): columns checked by name, time axis, gaps, labels;
- kinemyo, first read with the cache on (parse + store the Arrow IPC entry);
- kinemyo, later reads (cache hit: validation still runs, parsing is skipped).

Each figure is the best of ``--repeat`` runs, as wall time and as CPU time of this process (all
its threads; on a shared, loaded machine the CPU time is the steadier figure). Targets: the
uncached read at least as fast as pandas; cached reads >= 3x pandas.

It then times an OpenSim storage file of 10 minutes at 200 Hz (40 columns): kinemyo's
``read_storage`` (every check on) against ``pandas.read_csv`` of the same rows after the header.

Usage: python benchmarks/bench_io.py [--root DIR] [--repeat 3]
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.csv as pacsv

from kinemyo.data.opensim import StorageTable, read_storage, write_storage
from kinemyo.data.siat_llmd import ReadOptions, read_siat_llmd, write_siat_llmd
from kinemyo.data.synthetic import CohortConfig, generate_cohort


def best_time(
    run: Callable[[], object], repeat: int, setup: Callable[[], None] | None = None
) -> float:
    """Shortest wall time of ``repeat`` calls of ``run``, in s (``setup`` runs untimed first)."""
    return best_times(run, repeat, setup)[0]


def best_times(
    run: Callable[[], object], repeat: int, setup: Callable[[], None] | None = None
) -> tuple[float, float]:
    """(shortest wall time, shortest process CPU time) of ``repeat`` calls of ``run``, in s."""
    wall = cpu = float("inf")
    for _ in range(repeat):
        if setup is not None:
            setup()
        start, start_cpu = time.perf_counter(), time.process_time()
        run()
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
    return wall, cpu


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

        def pyarrow_read() -> None:
            for f in files:
                pacsv.read_csv(f)

        measured = {
            "pandas.read_csv (default engine)": best_times(pandas_read, args.repeat),
            "pyarrow.csv.read_csv": best_times(pyarrow_read, args.repeat),
            "kinemyo, parse from text": best_times(
                lambda: read_siat_llmd(root, options=ReadOptions(cache_dir=None)), args.repeat
            ),
            "kinemyo, first read (parse + cache)": best_times(
                lambda: read_siat_llmd(root, options=ReadOptions(cache_dir=cache)),
                args.repeat,
                setup=empty_cache,
            ),
            "kinemyo, later reads (cached)": best_times(
                lambda: read_siat_llmd(root, options=ReadOptions(cache_dir=cache)), args.repeat
            ),
        }
        timings = {name: wall for name, (wall, _) in measured.items()}

    print(
        f"{len(files)} files, {megabytes:.1f} MB of CSV, {rows:,} data rows; best of {args.repeat}"
    )
    pandas_rate = rows / timings["pandas.read_csv (default engine)"]
    pandas_cpu = measured["pandas.read_csv (default engine)"][1]
    for name, (seconds, cpu) in measured.items():
        rate = rows / seconds
        ratio = rate / pandas_rate
        print(
            f"  {name:38s} {seconds:7.3f} s  {rate:12,.0f} rows/s  {ratio:6.2f}x pandas"
            f"  (CPU {cpu:6.3f} s, {pandas_cpu / cpu:4.2f}x pandas)"
        )
    cached_ratio = (
        timings["pandas.read_csv (default engine)"] / timings["kinemyo, later reads (cached)"]
    )
    first_ratio = (
        timings["pandas.read_csv (default engine)"] / timings["kinemyo, first read (parse + cache)"]
    )
    parse_ratio = timings["pandas.read_csv (default engine)"] / timings["kinemyo, parse from text"]
    verdict = "meets" if cached_ratio >= 3 else "misses"
    print(
        f"target kinemyo >= 3x pandas: {verdict} it with the cache ({cached_ratio:.1f}x); "
        f"parsing text alone is {parse_ratio:.2f}x pandas, the first (uncached) read "
        f"{first_ratio:.2f}x pandas"
    )
    opensim_benchmark(args.repeat)


def opensim_benchmark(repeat: int) -> None:
    """Time read_storage against pandas on a 10-minute, 200 Hz, 40-column storage file."""
    n, k = 200 * 600, 40
    values = np.random.default_rng(0).normal(scale=50.0, size=(n, k))
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "long.sto"
        columns = tuple(f"coordinate_{i}" for i in range(k))
        write_storage(path, StorageTable("bench", columns, np.arange(n) / 200, values, True))
        text = path.read_text()
        body = text.index("endheader") + len("endheader\n")

        def pandas_read() -> None:
            pd.read_csv(io.StringIO(path.read_text()[body:]), sep="\t")

        ours = best_time(lambda: read_storage(path), repeat)
        theirs = best_time(pandas_read, repeat)
    print(
        f"OpenSim .sto, {n:,} rows x {k} columns: read_storage {ours:.3f} s, pandas.read_csv "
        f"{theirs:.3f} s ({ours / theirs:.2f}x pandas' time)"
    )


if __name__ == "__main__":
    main()
