"""Seconds each reader takes to refuse pathological files, and what a diagnosis costs.

For every reader (SIAT-LLMD CSV, Camargo CSV and .mat, OpenSim .mot and .sto, C3D, the
SubjectInformation .xlsx, the Lag-Llama checkpoint, a saved kinemyo model) it prints the time to
refuse:

(a) a 100 MB file of NUL bytes with the reader's extension (a sparse file: nothing is written);
(b) a file whose first line is a header of 100,000 columns (with one data row), with that
    extension.

Target: each refusal under 2 s. Then the duplicate-name check of a SignalBlock with 100,000 and
10,000,000 channels, and, for a CSV table of ``--rows`` rows, the time of a good parse against
the time to diagnose the same table with a bad cell in its last row or a row over 1 MB (target: a
small multiple of the good parse).

Usage: python benchmarks/bench_refusal.py [--rows 2000000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

from kinemyo.data.c3d import read_c3d_analog
from kinemyo.data.camargo import read_camargo
from kinemyo.data.csv_table import read_table
from kinemyo.data.opensim import read_storage
from kinemyo.data.recording import SignalBlock
from kinemyo.data.siat_llmd import read_trial_file
from kinemyo.data.siat_llmd.subjects import read_subject_info
from kinemyo.errors import KinemyoError
from kinemyo.models.base import load_model
from kinemyo.models.lagllama.checkpoint import load_checkpoint

NUL_BYTES = 100 * 2**20
WIDE_COLUMNS = 100_000
CAMARGO_SENSORS = ("emg", "ik", "id", "conditions")


def nul_file(path: Path) -> Path:
    """A sparse file of ``NUL_BYTES`` zero bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        handle.truncate(NUL_BYTES)
    return path


def wide_file(path: Path) -> Path:
    """A CSV text whose header names ``WIDE_COLUMNS`` columns, then one data row."""
    path.parent.mkdir(parents=True, exist_ok=True)
    names = ",".join(["Time"] + [f"c{i}" for i in range(WIDE_COLUMNS - 1)])
    path.write_text(names + "\n" + ",".join(["0"] * WIDE_COLUMNS) + "\n")
    return path


def wide_storage(path: Path) -> Path:
    """An OpenSim storage file whose column line names ``WIDE_COLUMNS`` columns."""
    path.parent.mkdir(parents=True, exist_ok=True)
    names = "\t".join(["time"] + [f"c{i}" for i in range(WIDE_COLUMNS - 1)])
    path.write_text("Coordinates\nendheader\n" + names + "\n" + "\t".join(["0"] * WIDE_COLUMNS))
    return path


def camargo_tree(root: Path, suffix: str, make: Callable[[Path], Path]) -> Path:
    """A one-trial Camargo tree whose every sensor file is ``make``'s file."""
    for sensor in CAMARGO_SENSORS:
        make(root / "AB01" / "10_09_18" / "treadmill" / sensor / f"treadmill_01_01{suffix}")
    return root


def model_folder(folder: Path, make: Callable[[Path], Path]) -> Path:
    """A saved-model folder whose model.json is ``make``'s file."""
    make(folder / "model.json")
    nul_file(folder / "weights.safetensors")
    return folder


def refusal(read: Callable[[], object]) -> tuple[float, str]:
    """(seconds, first words of the error) of ``read``; 'ACCEPTED' when it does not raise."""
    start = time.perf_counter()
    try:
        read()
    except KinemyoError as error:
        return time.perf_counter() - start, str(error).split(": ", 1)[-1][:70]
    return time.perf_counter() - start, "ACCEPTED"


Maker = Callable[[Path], Path]
"""Writes a pathological file at a path and returns the path."""


def readers(scratch: Path) -> dict[str, Callable[[str, Maker], Callable[[], object]]]:
    """Reader name -> (case, file maker) -> a call that reads the file(s) written first."""

    def at(case: str, name: str) -> Path:
        return scratch / case / name

    def reading(
        name: str,
        read: Callable[[Path], object],
        build: Callable[[Path, Maker], Path] | None = None,
    ) -> Callable[[str, Maker], Callable[[], object]]:
        """Write the file ``name`` (or ``build`` a folder of such files), then read it."""

        def prepare(case: str, make: Maker) -> Callable[[], object]:
            target = make(at(case, name)) if build is None else build(at(case, name), make)
            return lambda: read(target)

        return prepare

    return {
        "SIAT-LLMD CSV": reading("Sub01_WAK_Data.csv", read_trial_file),
        "Camargo CSV": reading("csv", read_camargo, lambda d, m: camargo_tree(d, ".csv", m)),
        "Camargo .mat": reading("mat", read_camargo, lambda d, m: camargo_tree(d, ".mat", m)),
        "OpenSim .mot": reading("ik.mot", read_storage),
        "OpenSim .sto": reading("id.sto", read_storage),
        "C3D": reading("trial.c3d", read_c3d_analog),
        "SubjectInformation .xlsx": reading("SubjectInformation.xlsx", read_subject_info),
        "Lag-Llama checkpoint": reading("lag-llama.ckpt", load_checkpoint),
        "saved model": reading("model", load_model, model_folder),
    }


def duplicate_check(n: int) -> float:
    """Seconds to refuse a SignalBlock of ``n`` channels, two of them with one name."""
    names = [f"c{i}" for i in range(n)]
    names[-1] = names[0]
    values = np.zeros((1, n), dtype=np.float32)
    start = time.perf_counter()
    try:
        SignalBlock(values=values, names=tuple(names), units=("mV",) * n)
    except KinemyoError:
        return time.perf_counter() - start
    raise AssertionError("a repeated channel name was accepted")


def diagnosis_costs(scratch: Path, rows: int) -> None:
    """Good parse against diagnosis of a bad last cell, and of a row over 1 MB."""
    columns = ["Header", *(f"m{i}" for i in range(11))]
    kinds = dict.fromkeys(columns, np.float64)
    body = np.round(np.random.default_rng(0).normal(size=(rows, len(columns))), 6)
    good = scratch / "good.csv"
    np.savetxt(good, body, fmt="%.6f", delimiter=",", header=",".join(columns), comments="")
    text = good.read_bytes()
    cut = text.rstrip(b"\n").rfind(b",") + 1
    bad_cell = scratch / "bad_cell.csv"
    bad_cell.write_bytes(text[:cut] + b"12.5N\n")
    long_row = scratch / "long_row.csv"
    middle = text.index(b"\n", len(text) // 2) + 1
    long_row.write_bytes(text[:middle] + b"1" * 2**21 + b",0" * 11 + b"\n" + text[middle:])
    megabytes = len(text) / 1e6
    for label, path in (("good", good), ("bad last cell", bad_cell), ("row over 1 MB", long_row)):
        seconds, outcome = refusal(lambda path=path: read_table(path, kinds))
        outcome = "parsed" if outcome == "ACCEPTED" else outcome
        print(f"csv {rows:,} rows ({megabytes:.0f} MB), {label:14s} {seconds:7.3f} s  {outcome}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        cases = {"(a) 100 MB of NUL": nul_file, "(b) 100,000 columns": wide_file}
        for reader, call in readers(scratch).items():
            for case, make in cases.items():
                if reader.startswith("OpenSim") and case.startswith("(b)"):
                    make = wide_storage
                seconds, outcome = refusal(call(case[:3], make))
                print(f"{reader:25s} {case:20s} {seconds:7.3f} s  {outcome}")
        for n in (100_000, 10_000_000):
            print(f"SignalBlock with {n:,} names, one repeated: {duplicate_check(n):.3f} s")
        diagnosis_costs(scratch, args.rows)


if __name__ == "__main__":
    main()
