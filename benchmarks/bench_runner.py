"""The experiment runner on a small ``kinemyo compare``, in one run: ``--jobs 1`` against
``--jobs 2`` (wall time and ratio), a run killed with SIGKILL mid-way and rerun (tasks skipped,
results against the uninterrupted run), and ``--ray`` against ``--jobs 1`` (same table).

Every run is a fresh CLI process writing a fresh ``--out`` (nothing reused), on a generated
synthetic cohort. ``fit s`` (a wall time) is the only column allowed to differ between tables.

Usage: python benchmarks/bench_runner.py [--subjects 4] [--seconds 8] [--models gpr,ridge,mean]
    [--repeat 1] [--no-ray] [--no-kill]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

KINEMYO = str(Path(sys.executable).with_name("kinemyo"))
MARKER = ".kinemyo-output.json"


def kinemyo(*args: str) -> tuple[float, str]:
    """Run the CLI; its wall time (s) and standard output."""
    start = time.perf_counter()
    done = subprocess.run([KINEMYO, *args], check=True, capture_output=True, text=True)
    return time.perf_counter() - start, done.stdout


def finished_tasks(folder: Path) -> int:
    if not folder.is_dir():
        return 0
    return sum(
        (entry / MARKER).is_file() for entry in folder.iterdir() if not entry.name.startswith(".")
    )


def same_results(a: Path, b: Path) -> bool:
    """Equal scores.csv, table.csv less its "fit s" column, and equal stored task arrays."""
    if (a / "scores.csv").read_bytes() != (b / "scores.csv").read_bytes():
        return False
    tables = [pd.read_csv(run / "table.csv").drop(columns="fit s") for run in (a, b)]
    if not tables[0].equals(tables[1]):
        return False
    arrays = [
        {p.parent.name: p.read_bytes() for p in (run / "tasks").glob("*/arrays.safetensors")}
        for run in (a, b)
    ]
    return arrays[0] == arrays[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--models", default="gpr,ridge,mean")
    parser.add_argument("--repeat", type=int, default=1, help="alternating --jobs 1/2 pairs")
    parser.add_argument("--no-ray", action="store_true")
    parser.add_argument("--no-kill", action="store_true")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-runner-"))
    cohort = root / "cohort"
    kinemyo("data", "generate", "--out", str(cohort), "--subjects", str(args.subjects),
            "--motions", "UPS,DNS", "--seconds", str(args.seconds), "--seed", "0")  # fmt: skip
    compare = ["compare", str(cohort), "--models", args.models, "--protocol", "loso",
               "--motions", "UPS,DNS"]  # fmt: skip
    tasks = 2 * args.subjects * len(args.models.split(","))
    print(f"compare: loso, {args.subjects} subjects x UPS, DNS x {args.models}: {tasks} tasks")

    print(f"load average before: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    walls: dict[str, list[float]] = {"1": [], "2": []}
    for repeat in range(args.repeat):  # alternating, so that a drifting load hits both alike
        for jobs in walls:
            out = root / f"jobs{jobs}" if repeat == 0 else root / f"jobs{jobs}-{repeat}"
            walls[jobs].append(kinemyo(*compare, "--jobs", jobs, "--out", str(out))[0])
    one, two = (statistics.median(walls[jobs]) for jobs in walls)
    shown = {jobs: ", ".join(f"{w:.1f}" for w in values) for jobs, values in walls.items()}
    print(f"--jobs 1: {shown['1']} s wall; --jobs 2: {shown['2']} s wall")
    print(f"median ratio --jobs 1 / --jobs 2: {one / two:.2f}")
    print(f"load average after: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    equal = same_results(root / "jobs1", root / "jobs2")
    print(f"--jobs 2 results equal --jobs 1 bit for bit: {equal}")

    if not args.no_kill:
        out = root / "killed"
        work = out.parent / f".{out.name}.kinemyo-tasks"
        command = [KINEMYO, *compare, "--jobs", "2", "--out", str(out)]
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        while finished_tasks(work) < tasks // 3 and process.poll() is None:
            time.sleep(0.01)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        print(f"kill -9 after {finished_tasks(work)} of {tasks} tasks finished")
        seconds, text = kinemyo(*compare, "--jobs", "2", "--out", str(out))
        line = next(line for line in text.splitlines() if "already done" in line)
        print(f"rerun: '{line.strip()}', {seconds:.1f} s wall")
        print(f"resumed results equal --jobs 1 bit for bit: {same_results(root / 'jobs1', out)}")

    if not args.no_ray:
        seconds, _ = kinemyo(*compare, "--ray", "--jobs", "2", "--out", str(root / "ray"))
        print(f"--ray (local, 2 CPUs): {seconds:.1f} s wall")
        equal = same_results(root / "jobs1", root / "ray")
        print(f"--ray results equal --jobs 1 bit for bit: {equal}")
    print(f"(runs kept in {root})")


if __name__ == "__main__":
    main()
