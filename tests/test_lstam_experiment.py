"""`kinemyo experiment lstam` end to end on a tiny generated Camargo cohort: the protocol trains
on one treadmill trial only, tests on all the others, and writes every table and figure."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from kinemyo.cli import main
from kinemyo.data.camargo import read_camargo
from kinemyo.data.opensim import read_storage
from kinemyo.data.synthetic import CamargoCohortConfig, generate_camargo
from kinemyo.models.base import Estimator
from kinemyo.studies.lstam import ExperimentConfig, run_experiment

# Trial 01's plateaus (spec): the training trial's speeds must never appear among test scores.
TRIAL_01_SPEEDS = ("0.50", "1.30", "1.70", "0.90")
MODELS = ("lstam", "lstam no_fft", "lstam no_autoencoder", "lstam no_attention")
BASELINES = ("lstm", "tcn", "transformer", "ffn")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("camargo")
    config = CamargoCohortConfig(
        subjects=2,
        treadmill_trials=2,
        plateau_seconds=3.0,
        transition_seconds=1.0,
        levelground_speeds=("normal",),
        levelground_bouts=1,
        ramps=(3,),
        seed=3,
    )
    generate_camargo(root, config)
    return root


def test_cli_writes_tables_statistics_figures_and_the_paper_reference(
    cohort: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    torch.set_num_threads(1)
    out, store = tmp_path / "run", f"file://{tmp_path / 'mlruns'}"
    code = main(
        ["experiment", "lstam", "--data", str(cohort), "--out", str(out), "--epochs", "2",
         "--hidden", "8", "--every", "4", "--mlflow", store]
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    comparison = pd.read_csv(out / "comparison.csv")
    assert list(comparison["model"][:5]) == ["lstam", *BASELINES]
    assert "LSTAM paper" in comparison["model"].iloc[-1]
    assert comparison["hip flexion R2"].iloc[-1].startswith("0.908")
    assert comparison["hip adduction R2"].iloc[-1].startswith("0.922")
    assert list(pd.read_csv(out / "ablation.csv")["model"]) == list(MODELS)
    statistics = pd.read_csv(out / "statistics.csv")
    # 7 comparisons x 2 joints x 4 measures, Holm never below the raw p.
    assert len(statistics) == 7 * 2 * 4
    assert set(statistics["model"]) == {*MODELS[1:], *BASELINES}
    assert (statistics["n"] == 2).all()
    assert (statistics["p (Holm)"] >= statistics["p"] - 1e-12).all()
    assert statistics["p"].between(0, 1).all()
    scores = pd.read_csv(out / "scores.csv")
    assert set(scores["subject"]) == {"AB01", "AB02"}
    groups = set(scores[scores["scope"] == "group"]["condition"])
    assert {"treadmill", "level ground", "ramp ascent", "ramp descent"} <= groups
    for figure in ("fig14_hip_moment_traces", "fig15_condition_errors", "fig16_ablation"):
        assert (out / "figures" / f"{figure}.png").stat().st_size > 10_000
        assert (out / "figures" / f"{figure}.csv").is_file()
    stored = read_storage(out / "predictions" / "AB01_treadmill_02_01_lstam.sto")
    assert stored.columns[:5] == (
        "hip_flexion_r_moment",
        "hip_flexion_r_moment_lo90",
        "hip_flexion_r_moment_hi90",
        "hip_flexion_r_moment_lo50",
        "hip_flexion_r_moment_hi50",
    )
    assert "hip_adduction_r_moment_hi90" in stored.columns
    assert np.all(np.diff(stored.time) > 0) and np.isfinite(stored.values).all()
    report = (out / "report.md").read_text()
    assert "0.908" in report and "Holm" in report
    assert "smallest p-value the exact test can give is 0.5" in report
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.count('<table class="sortable">') == report.count("\n|---")
    assert page.count('<figure class="image">') == report.count("![")
    assert page.count('<figure class="curves">') == 2  # hip flexion and adduction, one trial
    assert "LSTAM&#x27;s RMSE is highest in" in page and "Model card" in report
    tracked_lstam_run(store, scores)


def tracked_lstam_run(store: str, scores: pd.DataFrame) -> None:
    """--mlflow logged the run: its train trial, LSTAM's mean RMSE (N·m) and the report."""
    mlflow = pytest.importorskip("mlflow.tracking", reason="the 'track' extra is not installed")
    client = mlflow.MlflowClient(tracking_uri=store)
    (run,) = client.search_runs(
        [client.get_experiment_by_name("kinemyo experiment lstam").experiment_id]
    )
    assert run.data.params["config.train_trial"] == "treadmill_01_01"
    chosen = scores[
        (scores["scope"] == "all")
        & (scores["model"] == "lstam")
        & (scores["joint"] == "hip flexion")
        & (scores["metric"] == "rmse")
        & (scores["unit"] == "N·m")
    ]
    metric = run.data.metrics["lstam/hip flexion/rmse/N_m"]
    assert metric == pytest.approx(chosen["value"].mean(), rel=1e-5)
    assert "report.html" in {item.path for item in client.list_artifacts(run.info.run_id)}


def test_models_train_on_the_one_treadmill_trial_and_test_on_all_others(
    cohort: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    torch.set_num_threads(1)
    seen: list[set[str]] = []
    original = Estimator.fit

    def spy(self, data):
        seen.append(set(data.trial))
        return original(self, data)

    monkeypatch.setattr(Estimator, "fit", spy)
    dataset = read_camargo(cohort, nan_moments="keep")
    config = ExperimentConfig(models=("lstam", "ffn"), epochs=1, hidden=8, every=4)
    result = run_experiment(dataset, config)
    # 2 models x 2 fits each (a copy on the trial's first 80% for the interval widths, then the
    # model on the whole trial), all on the one training trial
    assert seen == [{"AB01/treadmill_01_01"}] * 4 + [{"AB02/treadmill_01_01"}] * 4
    conditions = set(result.scores["condition"])
    assert not {f"treadmill {speed} m/s" for speed in TRIAL_01_SPEEDS} & conditions
    # Trial 02 (0.55, 1.35, 1.75, 0.95 m/s) is tested.
    assert {"treadmill 0.55 m/s", "treadmill 1.75 m/s"} <= conditions
    overall = result.scores[result.scores["scope"] == "all"]
    assert np.isfinite(overall["value"]).all()


def test_a_subject_without_the_training_trial_is_skipped_and_named(
    cohort: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "camargo"
    shutil.copytree(cohort, copy)
    for path in (copy / "AB02").rglob("treadmill_01_01.*"):
        path.unlink()
    dataset = read_camargo(copy, nan_moments="keep")
    config = ExperimentConfig(models=("lstam",), epochs=1, hidden=8, every=4)
    result = run_experiment(dataset, config)
    assert result.subjects == ["AB01"]
    assert "treadmill_01_01" in result.skipped["AB02"]
