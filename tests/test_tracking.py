"""--mlflow: a comparison logged to a local MLflow file store, read back with MLflow's client."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from kinemyo.cli import main
from kinemyo.errors import KinemyoError
from kinemyo.tracking import log_run, mean_scores

mlflow = pytest.importorskip("mlflow", reason="the 'track' extra (mlflow-skinny) is not installed")


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("track") / "cohort"
    args = ["data", "generate", "--out", data, "--subjects", "2", "--motions", "DNS"]
    assert main([str(a) for a in [*args, "--seconds", "3", "--seed", "4"]]) == 0
    return data


def test_compare_logs_params_metrics_and_report(
    cohort: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mlflow.tracking import MlflowClient

    monkeypatch.delenv("MLFLOW_ALLOW_FILE_STORE", raising=False)  # kinemyo must opt in itself
    out, store = tmp_path / "cmp", f"file://{tmp_path / 'mlruns'}"
    args = ["compare", cohort, "--models", "mean,ridge", "--motions", "DNS", "--out", out]
    assert main([str(a) for a in [*args, "--mlflow", store]]) == 0

    client = MlflowClient(tracking_uri=store)
    experiment = client.get_experiment_by_name("kinemyo compare")
    (run,) = client.search_runs([experiment.experiment_id])
    assert run.info.status == "FINISHED" and run.info.run_name == "cmp"
    assert run.data.params["protocol"] == "within-trial"
    assert run.data.params["subjects"] == "['Sub01', 'Sub02']"
    assert run.data.params["config.window.length"] == "100"  # nested config flattened
    assert run.data.params["models.ridge"] == "{}"
    scores = pd.read_csv(out / "scores.csv")
    ridge = scores[
        (scores["task"] == "DNS")
        & (scores["model"] == "ridge")
        & (scores["quantity"] == "moment")
        & (scores["metric"] == "rmse")
    ]
    assert run.data.metrics["DNS/ridge/moment/rmse"] == pytest.approx(ridge["value"].mean())
    assert "DNS/mean/angle/pearson_r" not in run.data.metrics  # NaN (constant prediction)
    logged = {item.path for item in client.list_artifacts(run.info.run_id)}
    assert logged == {"report.html", "report.md", "run.json", "scores.csv", "table.csv"}
    copy = Path(client.download_artifacts(run.info.run_id, "report.html", str(tmp_path)))
    assert copy.read_bytes() == (out / "report.html").read_bytes()


def test_metric_names_are_ones_mlflow_accepts() -> None:
    scores = pd.DataFrame(
        {
            "joint": ["hip flexion", "hip flexion", "hip flexion"],
            "unit": ["N·m/kg", "N·m/kg", ""],
            "metric": ["rmse", "rmse", "r2"],
            "value": [1.0, 2.0, 0.5],
        }
    )
    assert mean_scores(scores, ("joint", "metric", "unit")) == {
        "hip flexion/rmse/N_m_per_kg": 1.5,
        "hip flexion/r2": 0.5,
    }


def test_missing_mlflow_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [m for m in sys.modules if m == "mlflow" or m.startswith("mlflow.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "mlflow", None)  # what Python sees when it is not installed
    with pytest.raises(KinemyoError, match=r"pip install 'kinemyo\[track\]'"):
        log_run("file:///x", tmp_path, experiment="e", params={}, scores=pd.DataFrame(), by=())
