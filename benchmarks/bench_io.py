"""Read speed of the kinemyo SIAT-LLMD reader against plain ``pandas.read_csv``, in one run.

Reads every Data and Label file of a SIAT-LLMD tree (by default the generated demo cohort,
6 subjects x 5 motions x 30 s) and prints data rows per second for:

- pandas.read_csv (default engine) and pyarrow.csv.read_csv, parsing only: no validation, no
  label alignment; every number as float64, Status as text;
- kinemyo, first read with the cache off: parsed from text (Time as float64, the signals as
  float32, Status as text), columns checked by name, time axis, gaps, labels; the next trials'
  files are parsed in background threads while one is checked;
- kinemyo, first read with the cache on and empty: the same, and the parsed tables stored as
  Arrow IPC entries by a low-priority writer thread that goes on after the read returns (its
  leftover writes are waited for, untimed, before the next round empties the cache; the cached
  read right after waits for them, timed);
- kinemyo, later reads (cache hit: validation still runs, parsing is skipped).

All read the same files, from the page cache (a first read, untimed, warms it). The runs are
interleaved (each round runs every reader once) so that a change of load on a shared machine
hits them alike; each figure is the best of ``--repeat`` rounds, as wall time and as CPU time of
this process (all its threads). Targets: the first (uncached) read at least as fast as pandas;
cached reads >= 3x pandas.

It then times an OpenSim storage file of 10 minutes at 200 Hz (40 columns): kinemyo's
``read_storage`` (every check on) against ``pandas.read_csv`` of the same rows after the header.

Usage: python benchmarks/bench_io.py [--root DIR] [--repeat 5]
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
from kinemyo.data.table_cache import wait_for_writes

PANDAS = "pandas.read_csv (default engine)"
UNCACHED = "kinemyo, first read, cache off"
FIRST = "kinemyo, first read, cache on (empty)"
CACHED = "kinemyo, later reads (cached)"


def best_time(
    run: Callable[[], object], repeat: int, setup: Callable[[], None] | None = None
) -> float:
    """Shortest wall time of ``repeat`` calls of ``run``, in s (``setup`` runs untimed first)."""
    return interleaved_best({"run": (run, setup)}, repeat)["run"][0]


def interleaved_best(
    runs: dict[str, tuple[Callable[[], object], Callable[[], None] | None]], repeat: int
) -> dict[str, tuple[float, float]]:
    """(shortest wall time, shortest process CPU time), in s, of each of ``runs`` (name ->
    (run, setup run untimed before it)), over ``repeat`` rounds that call each once in turn."""
    best = dict.fromkeys(runs, (float("inf"), float("inf")))
    for _ in range(repeat):
        for name, (run, setup) in runs.items():
            if setup is not None:
                setup()
            start, start_cpu = time.perf_counter(), time.process_time()
            run()
            wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
            best[name] = (min(best[name][0], wall), min(best[name][1], cpu))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, help="SIAT-LLMD tree (default: generate the cohort)")
    parser.add_argument("--repeat", type=int, default=5)
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
        cache = Path(scratch) / "cache"

        def empty_cache() -> None:
            wait_for_writes()  # the last round's writes behind its read, untimed
            for entry in cache.glob("*"):
                entry.unlink()

        def kinemyo_read(cache_dir: Path | None) -> Callable[[], object]:
            return lambda: read_siat_llmd(root, options=ReadOptions(cache_dir=cache_dir))

        measured = interleaved_best(
            {
                PANDAS: (lambda: [pd.read_csv(f) for f in files], None),
                "pyarrow.csv.read_csv": (lambda: [pacsv.read_csv(f) for f in files], None),
                UNCACHED: (kinemyo_read(None), None),
                FIRST: (kinemyo_read(cache), empty_cache),
                CACHED: (kinemyo_read(cache), None),  # the entries FIRST stored just before
            },
            args.repeat,
        )

    print(
        f"{len(files)} files, {megabytes:.1f} MB of CSV, {rows:,} data rows; best of "
        f"{args.repeat} interleaved rounds"
    )
    pandas_wall, pandas_cpu = measured[PANDAS]
    for name, (seconds, cpu) in measured.items():
        print(
            f"  {name:38s} {seconds:7.3f} s  {rows / seconds:12,.0f} rows/s  "
            f"{pandas_wall / seconds:6.2f}x pandas  (CPU {cpu:6.3f} s, {pandas_cpu / cpu:4.2f}x "
            "pandas)"
        )
    ratio = {name: pandas_wall / measured[name][0] for name in (UNCACHED, FIRST, CACHED)}
    first_verdict = "meets" if min(ratio[UNCACHED], ratio[FIRST]) >= 1 else "misses"
    cached_verdict = "meets" if ratio[CACHED] >= 3 else "misses"
    print(
        f"target first read >= 1x pandas: {first_verdict} it ({ratio[UNCACHED]:.2f}x cache off, "
        f"{ratio[FIRST]:.2f}x cache on); target cached >= 3x pandas: {cached_verdict} it "
        f"({ratio[CACHED]:.1f}x)"
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
