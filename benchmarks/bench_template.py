"""The template floor beside ridge, GPR, LSTM and TCN on the real cycle-normalised knee set.

Data: ``../shared/data/real/siat_llmd_right_knee_wak_cycles.npz`` (SIAT-LLMD level walking,
657 cycles x 101 points). Task: knee flexion torque (N·m) from knee angle and velocity at the
same point. Split by cycle, in file order: train on the first 70% of the cycles, test on the
rest (no cycle in both; every scaling and template is fitted on the training cycles only).
Models: ``template`` (mean training cycle at the same point), ``mean``, ``ridge``, ``gpr``
(FITC), ``lstm`` and ``tcn`` (kinemyo defaults, ``--epochs`` at most, early stopping on a
validation part of the training cycles). Printed: one row per model with the test RMSE and MAE
(N·m), R2 and Pearson r, best RMSE first, and which model wins.

Usage: python benchmarks/bench_template.py [--epochs 20] [--train-fraction 0.7] [--no-sequence]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from kinemyo.data.cycles import read_cycles
from kinemyo.models import create
from kinemyo.studies.cycles import compare_on_cycles

KNEE = Path(__file__).resolve().parents[2] / "shared/data/real/siat_llmd_right_knee_wak_cycles.npz"
INPUTS = ("knee_flexion_angle_deg", "knee_flexion_velocity_rad_s")
TARGET = "knee_flexion_torque_nm"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--train-fraction", type=float, default=0.7)
    parser.add_argument("--no-sequence", action="store_true", help="Leave out LSTM and TCN.")
    args = parser.parse_args()
    if not KNEE.is_file():
        raise SystemExit(f"The real knee cycles are not at {KNEE}.")
    cycles = read_cycles(KNEE)
    sequence = {"epochs": args.epochs, "seed": 0, "device": "cpu", "threads": 1}
    models = {
        "template": lambda: create("template"),
        "mean": lambda: create("mean"),
        "ridge": lambda: create("ridge"),
        "gpr": lambda: create("gpr"),
    }
    if not args.no_sequence:
        models |= {
            "lstm": lambda: create("lstm", **sequence),
            "tcn": lambda: create("tcn", **sequence, options={"kernel_size": 3}),
        }
    start = time.perf_counter()
    table = compare_on_cycles(cycles, INPUTS, TARGET, models, args.train_fraction)
    table = table.sort_values("rmse").reset_index(drop=True)
    print(
        f"{KNEE.name}: {cycles.n_cycles} cycles x {cycles.n_points} points; {TARGET} from "
        f"{', '.join(INPUTS)}; train on the first {table['train_cycles'][0]} cycles, test on the "
        f"last {table['test_cycles'][0]} ({time.perf_counter() - start:.0f} s)"
    )
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    template = table.loc[table["model"] == "template", "rmse"].iloc[0]
    best = table.iloc[0]
    if best["model"] == "template":
        print(
            f"The template (mean training cycle) wins: RMSE {template:.3f} N·m; no model beats it."
        )
    else:
        print(
            f"{best['model']} wins with RMSE {best['rmse']:.3f} N·m against the template's "
            f"{template:.3f} N·m."
        )


if __name__ == "__main__":
    main()
