"""Start-up time of the command line, beside the interpreter's own, in one run.

Prints the median and the best wall time of ``kinemyo --help``, ``kinemyo data inspect --help``
and ``kinemyo fit --help`` against ``python -c pass`` (the floor no command can go under),
each run as a fresh process, alternating so that a drifting machine load hits all alike.
Target: ``kinemyo --help`` under 0.5 s.

Usage: python benchmarks/bench_cli.py [--repeat 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

KINEMYO = str(Path(sys.executable).with_name("kinemyo"))
COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "kinemyo --help": [KINEMYO, "--help"],
    "kinemyo data inspect --help": [KINEMYO, "data", "inspect", "--help"],
    "kinemyo fit --help": [KINEMYO, "fit", "--help"],
}


def wall_seconds(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    for command in COMMANDS.values():  # warm the file cache
        wall_seconds(command)
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(args.repeat):
        for name, command in COMMANDS.items():
            times[name].append(wall_seconds(command))
    floor = statistics.median(times["python -c pass"])
    print(f"{'command':32} {'median s':>9} {'best s':>8} {'minus python':>13}")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:32} {median:9.3f} {min(values):8.3f} {median - floor:13.3f}")
    verdict = "meets" if statistics.median(times["kinemyo --help"]) < 0.5 else "MISSES"
    print(f"kinemyo --help {verdict} the 0.5 s target ({args.repeat} runs each).")


if __name__ == "__main__":
    main()
