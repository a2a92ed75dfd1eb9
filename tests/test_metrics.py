"""Metrics against values worked out by hand, and score/summarise tables built on known errors."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from kinemyo.data.windowed import Prediction, WindowedDataset
from kinemyo.errors import KinemyoError
from kinemyo.evaluation import (
    METRICS,
    average_over,
    mae,
    nrmse,
    pearson_r,
    r2,
    rmse,
    score,
    summarise,
    vaf,
)

# Column 0: errors y - yhat = [-1, 0, 1, -2]; column 1: a perfect estimate.
Y_TRUE = np.array([[1.0, 0.0], [2.0, 10.0], [3.0, 20.0], [4.0, 30.0]])
Y_PRED = np.array([[2.0, 0.0], [2.0, 10.0], [2.0, 20.0], [6.0, 30.0]])


def test_mae_rmse_nrmse_of_known_errors() -> None:
    assert mae(Y_TRUE, Y_PRED) == pytest.approx([(1 + 0 + 1 + 2) / 4, 0.0])
    assert rmse(Y_TRUE, Y_PRED) == pytest.approx([math.sqrt((1 + 0 + 1 + 4) / 4), 0.0])
    # Range of column 0 is 4 - 1 = 3.
    assert nrmse(Y_TRUE, Y_PRED) == pytest.approx([100 * math.sqrt(1.5) / 3, 0.0])


def test_r2_is_one_for_perfect_zero_for_the_mean_and_worked_out_otherwise() -> None:
    y = Y_TRUE[:, 0]
    assert r2(y, y) == pytest.approx(1.0)
    assert r2(y, np.full(4, y.mean())) == pytest.approx(0.0)
    # Residual sum of squares 6, total sum of squares 2.25 + 0.25 + 0.25 + 2.25 = 5.
    assert r2(Y_TRUE, Y_PRED) == pytest.approx([1 - 6 / 5, 1.0])


def test_pearson_r_sign_and_scale_invariance() -> None:
    y = Y_TRUE[:, 0]
    assert pearson_r(y, y[::-1]) == pytest.approx(-1.0)
    assert pearson_r(y, 2 * y + 5) == pytest.approx(1.0)
    # y = [1, 2, 3, 4], yhat = [1, 3, 2, 4]: covariance 4 / 5 of the variances.
    assert pearson_r(y, np.array([1.0, 3.0, 2.0, 4.0])) == pytest.approx(0.8)


def test_vaf_ignores_an_offset_and_matches_a_hand_value() -> None:
    y = Y_TRUE[:, 0]
    assert vaf(y, y + 10) == pytest.approx(100.0)
    assert r2(y, y + 10) < 0
    # Errors [-1, 0, 1, -2] have variance 1.25, equal to var(y) = 1.25: nothing accounted for.
    assert vaf(Y_TRUE, Y_PRED) == pytest.approx([0.0, 100.0])


def test_metrics_reduce_over_windows_keeping_other_axes() -> None:
    y_true = np.stack([Y_TRUE, 2 * Y_TRUE], axis=2)  # (4 windows, 2 joints, 2 quantities)
    y_pred = np.stack([Y_PRED, 2 * Y_PRED], axis=2)
    assert mae(y_true, y_pred) == pytest.approx(np.array([[1.0, 2.0], [0.0, 0.0]]))


def test_constant_targets_give_nan_where_undefined() -> None:
    y = np.full((3, 1), 5.0)
    estimate = np.array([[4.0], [5.0], [6.0]])
    for name in ("nrmse", "r2", "pearson_r", "vaf"):
        assert np.isnan(METRICS[name](y, estimate)).all(), name
    assert mae(y, estimate) == pytest.approx([2 / 3])


def test_metrics_reject_mismatched_shapes() -> None:
    with pytest.raises(KinemyoError, match="shape"):
        rmse(np.zeros((4, 2)), np.zeros((4, 3)))


JOINTS = ("left knee flexion", "right knee flexion")
QUANTITIES = ("angle", "moment")
UNITS = ("deg", "N·m")
# Constant error of each (subject, task) group, and a per-(joint, quantity) multiplier.
GROUP_ERROR = {("S1", "WAK"): 1.0, ("S1", "UPS"): -3.0, ("S2", "WAK"): 2.0, ("S2", "UPS"): 4.0}
FACTOR = np.array([[1.0, 10.0], [2.0, 20.0]])  # (joint, quantity)


def _scored_pair(windows_per_group: int = 5) -> tuple[WindowedDataset, Prediction]:
    rng = np.random.default_rng(0)
    keys = list(GROUP_ERROR)
    group = np.repeat(np.arange(len(keys)), windows_per_group)
    rng.shuffle(group)
    n = len(group)
    Y = rng.normal(size=(n, 2, 2))
    error = np.array([GROUP_ERROR[keys[g]] for g in group])[:, None, None] * FACTOR
    truth = WindowedDataset(
        X=np.zeros((n, 1, 1)),
        Y=Y,
        channels=("emg",),
        features=("iemg",),
        joints=JOINTS,
        quantities=QUANTITIES,
        units=UNITS,
        subject=np.array([keys[g][0] for g in group]),
        task=np.array([keys[g][1] for g in group]),
        trial=np.array([f"{keys[g][0]}_{keys[g][1]}" for g in group]),
        segment=np.zeros(n, dtype=int),
        time=np.arange(n) / 10,
    )
    return truth, Prediction(Y - error, None, JOINTS, QUANTITIES, UNITS)


def test_score_gives_one_row_per_group_joint_quantity_metric_with_the_right_values() -> None:
    truth, prediction = _scored_pair()
    table = score(truth, prediction, metrics=("mae", "rmse"))
    assert list(table.columns) == [
        "subject",
        "task",
        "joint",
        "quantity",
        "unit",
        "metric",
        "value",
    ]
    assert len(table) == 4 * 2 * 2 * 2
    assert not table.duplicated(["subject", "task", "joint", "quantity", "metric"]).any()
    for row in table.itertuples():
        expected = (
            abs(GROUP_ERROR[(row.subject, row.task)])
            * FACTOR[JOINTS.index(row.joint), QUANTITIES.index(row.quantity)]
        )
        assert row.value == pytest.approx(expected, rel=1e-5), row
        assert row.unit == UNITS[QUANTITIES.index(row.quantity)]


def test_score_pools_windows_of_a_coarser_grouping() -> None:
    truth, prediction = _scored_pair()
    table = score(truth, prediction, by=("subject",), metrics=("mae", "rmse"))
    row = table.query("subject == 'S1' and joint == @JOINTS[0] and quantity == 'angle'")
    values = dict(zip(row.metric, row.value, strict=True))
    # S1 has as many WAK windows (error 1) as UPS windows (error -3).
    assert values["mae"] == pytest.approx((1 + 3) / 2, rel=1e-5)
    assert values["rmse"] == pytest.approx(math.sqrt((1 + 9) / 2), rel=1e-5)
    assert len(score(truth, prediction, by=(), metrics=("r2",))) == 2 * 2


def test_score_rejects_mismatched_names_and_unknown_keys() -> None:
    truth, prediction = _scored_pair()
    renamed = Prediction(prediction.mean, None, JOINTS[::-1], QUANTITIES, UNITS)
    with pytest.raises(KinemyoError, match="joints"):
        score(truth, renamed)
    with pytest.raises(KinemyoError, match="speed"):
        score(truth, prediction, by=("speed",))
    with pytest.raises(KinemyoError, match="mse"):
        score(truth, prediction, metrics=("mse",))


def test_summarise_gives_mean_sd_and_n_across_subjects() -> None:
    truth, prediction = _scored_pair()
    table = score(truth, prediction, metrics=("mae",))
    summary = summarise(table, across="subject")
    assert list(summary.columns) == [
        "task",
        "joint",
        "quantity",
        "unit",
        "metric",
        "mean",
        "sd",
        "n",
    ]
    assert len(summary) == 2 * 2 * 2
    ups = summary.query("task == 'UPS' and joint == @JOINTS[1] and quantity == 'moment'").iloc[0]
    # MAE of S1 and S2 on UPS: 3 * 20 and 4 * 20.
    assert ups["mean"] == pytest.approx(70.0, rel=1e-5)
    assert ups["sd"] == pytest.approx(math.sqrt((10**2 + 10**2) / 1), rel=1e-5)
    assert ups["n"] == 2


def test_summarise_sd_of_three_subjects_by_hand() -> None:
    table = pd.DataFrame(
        {"subject": ["a", "b", "c"], "metric": ["mae"] * 3, "value": [1.0, 2.0, 6.0]}
    )
    row = summarise(table).iloc[0]
    assert (row["mean"], row["n"]) == (3.0, 3)
    assert row["sd"] == pytest.approx(math.sqrt((4 + 1 + 9) / 2))


def test_average_over_joints_per_quantity() -> None:
    truth, prediction = _scored_pair()
    table = average_over(score(truth, prediction, metrics=("mae",)), "joint")
    assert "joint" not in table.columns
    row = table.query("subject == 'S2' and task == 'WAK' and quantity == 'moment'")
    # Joint multipliers 10 and 20 for moments, group error 2.
    assert row["value"].item() == pytest.approx(2 * (10 + 20) / 2, rel=1e-5)
    with pytest.raises(KinemyoError, match="speed"):
        average_over(table, "speed")
