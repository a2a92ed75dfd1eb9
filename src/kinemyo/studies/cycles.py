"""Models side by side on cycle-normalised data, split by cycle: the template floor first.

Every model is fitted on the first ``train_fraction`` of the cycles (file order) and scored on
the rest, one window per point (:mod:`kinemyo.data.cycles`); nothing fitted sees a test cycle.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import pandas as pd

from kinemyo.data.cycles import CycleSet
from kinemyo.evaluation.metrics import score
from kinemyo.models.base import Estimator

CYCLE_METRICS = ("rmse", "mae", "r2", "pearson_r")


def compare_on_cycles(
    cycles: CycleSet,
    inputs: Sequence[str],
    target: str,
    models: Mapping[str, Callable[[], Estimator]],
    train_fraction: float = 0.7,
) -> pd.DataFrame:
    """Fit each model on the training cycles and score it on the test cycles.

    Args:
        cycles: the data (:func:`~kinemyo.data.cycles.read_cycles`).
        inputs: input channel names.
        target: target channel name.
        models: label -> a function building a new, unfitted estimator.
        train_fraction: the first fraction of the cycles that is trained on.

    Returns:
        One row per model: ``model``, ``train_cycles``, ``test_cycles`` and one column per
        metric of :data:`CYCLE_METRICS` (RMSE and MAE in the target's unit), in the order given.
    """
    train_index, test_index = cycles.split(train_fraction)
    train = cycles.windowed(inputs, target, cycles=train_index)
    test = cycles.windowed(inputs, target, cycles=test_index)
    rows = []
    for label, build in models.items():
        prediction = build().fit(train).predict(test)
        table = score(test, prediction, by=(), metrics=CYCLE_METRICS)
        rows.append(
            {
                "model": label,
                "train_cycles": train_index.size,
                "test_cycles": test_index.size,
                **dict(zip(table["metric"], table["value"], strict=True)),
            }
        )
    return pd.DataFrame(rows)
