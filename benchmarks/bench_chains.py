"""Which sEMG chain predicts better, ``seed-siat`` or ``kinemyo-siat``, and which separates tasks.

1. Synthetic cohort (the demo's: 6 subjects x DNS and UPS x 30 s, seed 0). For each gait, both
   chains get the same splits: the within-trial chronological split (ridge and GPR) and the six
   leave-one-subject-out splits (ridge). Scores: angle and moment RMSE on the test windows, mean
   over joints and subjects. Each chain is scored with its own targets (seed: window mean;
   kinemyo: last sample, which is harder), and kinemyo's chain also with window-mean targets, so
   the two chains are compared on the same targets too.
2. Real sEMG of Sub10 (``../shared/data/real``, skipped when absent). Each chain is fitted on the
   calibration recording (3 chunks of each of DNS, STDUP, UPS and WAK); a linear discriminant
   (scikit-learn's LDA) learns the task from the calibration windows' features and names the
   task of every window of the separate session recording (7 chunks, tasks from truth.csv).
   Printed: accuracy and balanced accuracy on the session windows.
3. The share of real session windows (x channels) whose ZC is 0, for each chain and for the old
   dead band of 0.01.
4. The leak the seed's whole-trial thresholds cause: scale the last 20% of the real session
   recording by 3 and measure how much the filtered first 80% moves (mean |change| / mean |x|
   per channel), with the filter stage fitted on the whole recording (the seed) and on the
   first 80% (kinemyo).

5. With --per-subject: the seed's validation as it fitted GPR, one model per subject (exact GPR:
   fewer than 1000 training windows each), random-kfold (first fold of 5) against the
   within-trial split, seed-siat chain, both gaits; how much lower the leaky protocol's RMSE is.

Usage: python benchmarks/bench_chains.py [--subjects 6] [--seconds 30] [--no-gpr] [--per-subject]
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.metrics import accuracy_score, balanced_accuracy_score

from kinemyo.config import PipelineConfig, load_config
from kinemyo.data.recording import Labels, Recording, RecordingMeta, SignalBlock
from kinemyo.data.siat_llmd import read_siat_llmd
from kinemyo.data.synthetic import CohortConfig, generate_cohort
from kinemyo.evaluation.protocols import leave_one_subject_out, make_splits, within_trial
from kinemyo.experiment import run_split, score_runs
from kinemyo.signal.conditioning import condition, fit_conditioning
from kinemyo.signal.pipeline import SignalPipeline

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"
FS = 1920.0


def chains() -> dict[str, PipelineConfig]:
    """The two presets, and kinemyo's with the seed's window-mean targets."""
    kinemyo = load_config("kinemyo-siat")
    mean_targets = kinemyo.model_copy(
        update={"targets": kinemyo.targets.model_copy(update={"at": "mean"})}
    )
    return {
        "seed-siat": load_config("seed-siat"),
        "kinemyo-siat": kinemyo,
        "kinemyo-siat, mean targets": mean_targets,
    }


def _cohort(subjects: int, seconds: float) -> list[Recording]:
    return generate_cohort(
        CohortConfig(subjects=subjects, motions=("DNS", "UPS"), seconds=seconds, seed=0)
    ).recordings


def synthetic(subjects: int, seconds: float, gpr: bool) -> None:
    recordings = _cohort(subjects, seconds)
    print(f"\n1. Synthetic cohort: {subjects} subjects x DNS, UPS x {seconds:g} s (seed 0)")
    rows = []
    for chain, config in chains().items():
        for task in ("DNS", "UPS"):
            windows = SignalPipeline(config).window([r for r in recordings if r.meta.task == task])
            splits = {
                "within-trial": [within_trial(windows, gap_windows=windows.gap_windows)],
                "loso": leave_one_subject_out(windows),
            }
            for protocol, task_splits in splits.items():
                models = {"ridge": {"alpha": 1.0}}
                if gpr and protocol == "within-trial":
                    models["gpr"] = {"random_state": 0}
                started = time.perf_counter()
                runs = [r for s in task_splits for r in run_split(windows, s, config, models)]
                scores = score_runs(runs)
                rmse = scores[scores["metric"] == "rmse"]
                per = rmse.groupby(["model", "quantity"])["value"].mean()
                for model in models:
                    rows.append(
                        {
                            "chain": chain,
                            "gait": task,
                            "protocol": protocol,
                            "model": model,
                            "angle RMSE (deg)": per[model, "angle"],
                            "moment RMSE (N·m)": per[model, "moment"],
                            "s": time.perf_counter() - started,
                        }
                    )
    table = pd.DataFrame(rows)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    mean = table.groupby(["protocol", "model", "chain"])[
        ["angle RMSE (deg)", "moment RMSE (N·m)"]
    ].mean()
    print("\nMean over DNS and UPS:")
    print(mean.to_string(float_format=lambda v: f"{v:.3g}"))


def _calibration() -> Recording:
    """The calibration file (its extra ``label`` column makes the SIAT reader refuse it) as a
    Recording whose Group changes at every chunk, so that no window crosses two tasks."""
    table = pd.read_csv(REAL / "siat_llmd_semg_Sub10_calibration.csv.gz")
    emg = [c for c in table.columns if c.startswith("sEMG: ")]
    task = table["label"].to_numpy(dtype=str)
    chunk = np.cumsum(np.concatenate([[True], task[1:] != task[:-1]]))
    return Recording(
        time=np.arange(len(table)) / FS,
        fs=FS,
        meta=RecordingMeta(dataset="SIAT-LLMD", subject="Sub10", task="calibration"),
        emg=SignalBlock(table[emg].to_numpy(), tuple(c[6:] for c in emg), ("mV",) * len(emg)),
        labels=Labels(status=task, group=chunk),
    )


def _session() -> Recording:
    """The session file with its chunks (truth.csv) as Groups and their tasks as Status."""
    (rec,) = read_siat_llmd(REAL / "siat_llmd_semg_Sub10_session.csv.gz")
    truth = pd.read_csv(REAL / "siat_llmd_semg_Sub10_truth.csv")
    task = np.empty(rec.n_samples, dtype=object)
    chunk = np.zeros(rec.n_samples, dtype=int)
    for k, row in enumerate(truth.itertuples()):
        task[row.start_sample : row.end_sample] = row.task
        chunk[row.start_sample : row.end_sample] = k
    return dataclasses.replace(rec, labels=Labels(status=task.astype(str), group=chunk))


def _features_and_tasks(
    pipeline: SignalPipeline, rec: Recording, fit: bool
) -> tuple[np.ndarray, np.ndarray]:
    windows = pipeline.window([rec])
    data = pipeline.fit_transform(windows) if fit else pipeline.transform(windows)
    tasks = rec.labels.status[windows.start + windows.length - 1]
    return data.X.reshape(len(data), -1), tasks


def real() -> None:
    if not (REAL / "siat_llmd_semg_Sub10_calibration.csv.gz").is_file():
        print(f"\n2-3. Real Sub10 fragment: skipped ({REAL} is absent)")
        return
    calibration, session = _calibration(), _session()
    print("\n2. Task separation on real Sub10 sEMG (LDA; fitted on calibration, scored on session)")
    for chain, config in chains().items():
        if "mean targets" in chain:
            continue  # targets do not enter: same features as kinemyo-siat
        pipeline = SignalPipeline(config)
        X_train, y_train = _features_and_tasks(pipeline, calibration, fit=True)
        X_test, y_test = _features_and_tasks(pipeline, session, fit=False)
        guess = LinearDiscriminantAnalysis().fit(X_train, y_train).predict(X_test)
        print(
            f"  {chain:<13} {len(y_train)} calibration / {len(y_test)} session windows: "
            f"accuracy {accuracy_score(y_test, guess):.3f}, balanced accuracy "
            f"{balanced_accuracy_score(y_test, guess):.3f}"
        )

    print("\n3. Session windows x channels whose ZC is 0 (9 channels)")
    for chain in ("seed-siat", "kinemyo-siat"):
        config = load_config(chain)
        for deadband in (config.features.zc_deadband, 0.01):
            zc_only = config.model_copy(
                update={
                    "features": config.features.model_copy(
                        update={"names": ("zc",), "zc_deadband": deadband, "standardise": False}
                    )
                }
            )
            pipeline = SignalPipeline(zc_only)
            zc = pipeline.fit_transform(pipeline.window([session])).X
            print(
                f"  {chain:<13} ZC dead band {deadband:<6g}: {np.mean(zc == 0):6.1%} "
                f"of {zc.size} values"
            )
    leak(session)


def leak(session: Recording) -> None:
    config = load_config("seed-siat")
    raw = session.emg.values
    cut = int(0.8 * len(raw))
    scaled = raw.copy()
    scaled[cut:] *= 3.0
    print("\n4. Scaling the last 20% of the real session by 3 moves the filtered first 80% by:")
    for name, fitted_on in (("whole recording (the seed)", len(raw)), ("first 80% (kinemyo)", cut)):
        before, after = (
            condition(x[:cut], fit_conditioning([x[:fitted_on]], config), config, FS)
            for x in (raw, scaled)
        )
        change = np.abs(after - before).mean(axis=0) / np.abs(before).mean(axis=0)
        print(
            f"  thresholds fitted on the {name:<27}: {change.min():.0%} to {change.max():.0%} "
            "per channel"
        )


def per_subject(subjects: int, seconds: float) -> None:
    recordings = _cohort(subjects, seconds)
    config = load_config("seed-siat")
    print("\n5. One GPR per subject (the seed's validation), seed-siat chain: RMSE, mean over")
    print("   joints and subjects; random-kfold = its first fold of 5")
    for task in ("DNS", "UPS"):
        rmse = {}
        for protocol in ("random-kfold", "within-trial"):
            runs = []
            for subject in sorted({r.meta.subject for r in recordings}):
                own = [r for r in recordings if r.meta.task == task and r.meta.subject == subject]
                windows = SignalPipeline(config).window(own)
                split = make_splits(protocol, windows, gap_windows=windows.gap_windows)[0]
                runs += run_split(windows, split, config, {"gpr": {"random_state": 0}})
            scores = score_runs(runs)
            rmse[protocol] = scores[scores["metric"] == "rmse"].groupby("quantity")["value"].mean()
        for quantity, unit in (("moment", "N·m"), ("angle", "deg")):
            leaky, honest = rmse["random-kfold"][quantity], rmse["within-trial"][quantity]
            print(
                f"  {task} {quantity} RMSE: random-kfold {leaky:.3g} vs within-trial "
                f"{honest:.3g} {unit} ({1 - leaky / honest:.0%} lower)"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--no-gpr", action="store_true", help="ridge only (fast)")
    parser.add_argument("--per-subject", action="store_true", help="also part 5 (minutes)")
    args = parser.parse_args()
    real()
    synthetic(args.subjects, args.seconds, gpr=not args.no_gpr)
    if args.per_subject:
        per_subject(args.subjects, args.seconds)


if __name__ == "__main__":
    main()
