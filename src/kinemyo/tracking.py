"""Optional experiment tracking: a finished run folder logged to an MLflow tracking store.

MLflow is an optional extra (``pip install 'kinemyo[track]'``); it is imported only here, only
when a command is given ``--mlflow URI``.
"""

from __future__ import annotations

import math
import os
import re
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from kinemyo.errors import KinemyoError

ARTIFACTS = ("report.html", "report.md", "run.json", "*.csv")
"""What of a run folder is logged as artifacts (patterns in the folder itself)."""
MAX_PARAM_CHARS = 500
"""Longer parameter values are cut (MLflow stores params as short strings)."""


def log_run(
    uri: str,
    folder: str | Path,
    *,
    experiment: str,
    params: Mapping[str, object],
    scores: pd.DataFrame,
    by: Sequence[str],
) -> str:
    """Log a finished run to the MLflow store at ``uri`` as one MLflow run; return its id.

    Args:
        uri: a tracking URI (``file:///path/mlruns``, ``http://host:5000``, ...).
        folder: the run folder: its report, run.json and tables become artifacts.
        experiment: the MLflow experiment's name (created when missing).
        params: the run's configuration; nested mappings are flattened to ``a.b`` keys.
        scores: the run's long score table with a ``value`` column.
        by: score columns that name a metric: each metric is the mean ``value`` of one group,
            named by its values joined with "/" (e.g. ``DNS/ridge/moment/rmse``); groups
            whose mean is not finite are left out.

    Raises:
        KinemyoError: MLflow is not installed, or the store refused the run.
    """
    try:
        from mlflow.exceptions import MlflowException
        from mlflow.tracking import MlflowClient
    except ImportError as error:
        raise KinemyoError(
            "--mlflow needs MLflow, which is not installed. Install the tracking extra: "
            "pip install 'kinemyo[track]' (or mlflow-skinny), or leave out --mlflow."
        ) from error
    from mlflow.entities import Metric, Param

    if uri.startswith("file:") or "://" not in uri:
        # MLflow 3 refuses a file store unless opted in; naming one in --mlflow is that choice.
        os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    folder = Path(folder)
    try:
        client = MlflowClient(tracking_uri=uri)
        found = client.get_experiment_by_name(experiment)
        experiment_id = found.experiment_id if found else client.create_experiment(experiment)
        run = client.create_run(experiment_id, run_name=folder.name)
        run_id = run.info.run_id
        now = int(time.time() * 1000)
        client.log_batch(
            run_id,
            metrics=[
                Metric(name, value, now, 0) for name, value in mean_scores(scores, by).items()
            ],
            params=[Param(name, value) for name, value in flat_params(params).items()],
        )
        for pattern in ARTIFACTS:
            for path in sorted(folder.glob(pattern)):
                client.log_artifact(run_id, str(path))
        client.set_terminated(run_id)
    except (MlflowException, OSError) as error:
        raise KinemyoError(
            f"--mlflow {uri}: the tracking store refused the run ({error}). The run folder "
            f"{folder} is complete; log it again once the store is reachable."
        ) from error
    return run_id


def flat_params(params: Mapping[str, object], prefix: str = "") -> dict[str, str]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": "1"}``; values cut to :data:`MAX_PARAM_CHARS`."""
    flat: dict[str, str] = {}
    for key, value in params.items():
        name = _metric_name(f"{prefix}{key}")
        if isinstance(value, Mapping) and value:
            flat.update(flat_params(value, f"{name}."))
        else:
            flat[name] = str(value)[:MAX_PARAM_CHARS]
    return flat


def mean_scores(scores: pd.DataFrame, by: Sequence[str]) -> dict[str, float]:
    """Mean ``value`` per group of ``by``, keyed by the group's non-empty values joined with
    "/" (e.g. ``lstam/hip flexion/rmse/N_m``)."""
    means = scores.groupby(list(by), dropna=False)["value"].mean()
    named = {}
    for key, value in means.items():
        parts = [str(part) for part in (key if isinstance(key, tuple) else (key,))]
        name = "/".join(_metric_name(part) for part in parts if part not in ("", "nan"))
        named[name] = float(value)
    return {name: value for name, value in named.items() if math.isfinite(value)}


def _metric_name(text: str) -> str:
    """``text`` with what MLflow refuses in names replaced: e.g. "N·m/kg" -> "N_m_per_kg"."""
    return re.sub(r"[^\w\-. :]", "_", text.replace("/", "_per_"))
