"""The seed table and the GPR verdict summarise held-out scores correctly and say it plainly."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from kinemyo.config import PipelineConfig
from kinemyo.data.synthetic import CohortConfig, generate_cohort
from kinemyo.evaluation.protocols import within_trial
from kinemyo.experiment import run_split, score_runs, seed_table
from kinemyo.signal.pipeline import SignalPipeline
from kinemyo.studies.seed_siat import gpr_verdict
from tests.conftest import make_recording


def scores_frame(values: dict[tuple[str, str], list[float]]) -> pd.DataFrame:
    """Scores of RMSE for (task, model) -> per-subject moment RMSE, two joints each."""
    rows = []
    for (task, model), per_subject in values.items():
        for subject, value in zip(("Sub01", "Sub02", "Sub03"), per_subject, strict=False):
            for joint, offset in (("left knee flexion", -1.0), ("left hip flexion", 1.0)):
                rows.append(
                    dict(
                        subject=subject,
                        task=task,
                        joint=joint,
                        quantity="moment",
                        unit="N·m",
                        metric="rmse",
                        value=value + offset,
                        model=model,
                        split="s",
                    )
                )
    return pd.DataFrame(rows)


def test_seed_table_averages_joints_then_subjects() -> None:
    scores = scores_frame({("DNS", "gpr"): [2.0, 4.0, 6.0], ("DNS", "ridge"): [5.0, 5.0, 8.0]})
    table = seed_table(scores, ("rmse",))
    assert list(table.columns) == ["gait", "model", "moment RMSE (N·m)"]
    cells = dict(zip(table["model"], table["moment RMSE (N·m)"], strict=True))
    # joints average back to the subject value; across subjects mean 4, sd 2 (ddof 1)
    assert cells["gpr"] == "4 ± 2"
    assert cells["ridge"] == f"6 ± {np.std([5, 5, 8], ddof=1):.2g}"


def test_verdict_says_when_gpr_wins_and_when_it_does_not() -> None:
    scores = scores_frame(
        {
            ("DNS", "gpr"): [2.0, 2.0, 2.0],
            ("DNS", "ridge"): [3.0, 3.0, 3.0],
            ("DNS", "mean"): [9.0, 9.0, 9.0],
            ("UPS", "gpr"): [4.0, 4.0, 4.0],
            ("UPS", "ridge"): [3.0, 3.0, 3.0],
            ("UPS", "mean"): [9.0, 9.0, 9.0],
        }
    )
    verdict = gpr_verdict(scores).splitlines()
    assert verdict[0].startswith("- DNS: GPR's moment RMSE is lower than ridge's and the mean")
    assert verdict[1].startswith("- UPS: GPR's moment RMSE is NOT lower than ridge's")
    assert "gpr 4, ridge 3, mean 9" in verdict[1]


@pytest.mark.parametrize(
    ("window", "gap"),
    [
        ({"length": 100, "step": 50}, 1),
        ({"length": 100, "step": 100}, 0),
        ({"length": 100, "step": 30}, 3),
        # 50.5 ms every 25.25 ms at 1920 Hz: 97 every 48 samples, so 2 windows, although the
        # seconds' ratio alone (exactly 2) would give 1
        ({"length_s": 0.0505, "step_s": 0.02525}, 2),
    ],
)
def test_gap_leaves_no_shared_sample(window: dict, gap: int) -> None:
    config = PipelineConfig.model_validate({"window": window, "denoise": {"enabled": False}})
    windows = SignalPipeline(config).window([make_recording(n=3000)])
    assert windows.gap_windows == gap
    length, step = windows.length, windows.step
    # the last training window and the first test window, gap + 1 steps apart, share no sample
    for last_train, first_test in itertools.pairwise([0, (gap + 1) * step]):
        assert last_train + length <= first_test


def test_gpr_beats_the_mean_predictor_on_held_out_windows_of_the_cohort() -> None:
    cohort = generate_cohort(CohortConfig(subjects=2, motions=("DNS",), seconds=8, seed=5))
    config = PipelineConfig.model_validate({"denoise": {"level": 6}})
    windows = SignalPipeline(config).window(cohort.recordings)
    split = within_trial(windows, gap_windows=windows.gap_windows)
    runs = run_split(windows, split, config, {"mean": {}, "gpr": {"max_exact": 400}})
    scores = score_runs(runs)
    rmse = scores[scores["metric"] == "rmse"].groupby(["model", "quantity"])["value"].mean()
    for quantity in ("angle", "moment"):
        assert rmse["gpr", quantity] < 0.7 * rmse["mean", quantity]
    # scored on the test windows only: as many as the split's test set
    assert all(len(run.truth) == split.test.size for run in runs)
