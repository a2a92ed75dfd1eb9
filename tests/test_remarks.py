"""An R2 far below 0 or on a nearly constant target gets a remark in the tables, not a bare
number; values worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinemyo.data.windowed import Prediction, WindowedDataset
from kinemyo.evaluation.metrics import remark, remarks, score
from kinemyo.experiment import seed_table


def _data(y: np.ndarray) -> WindowedDataset:
    n = len(y)
    return WindowedDataset(
        X=np.zeros((n, 1, 1)),
        Y=y.reshape(n, 1, 1),
        channels=("c",),
        features=("f",),
        joints=("knee",),
        quantities=("moment",),
        units=("N·m",),
        subject=np.full(n, "S1"),
        task=np.full(n, "WAK"),
        trial=np.full(n, "S1_WAK"),
        segment=np.zeros(n, int),
        time=np.arange(n, dtype=float),
    )


def test_remark_sentences() -> None:
    assert remark(-1562.0, 0.01, "N·m") == (
        "R2 -1562: the test target is nearly constant (sd 0.01 N·m); R2 is not meaningful here"
    )
    assert remark(-3.2, 4.1, "N·m") == (
        "R2 -3.2: worse than predicting the test target's own mean (sd 4.1 N·m); judge by the RMSE"
    )
    assert remark(-0.5, 4.1, "N·m") == "" and remark(0.9, 4.1, "N·m") == ""


def test_score_adds_the_target_sd_and_remarks_find_the_near_constant_target() -> None:
    truth = _data(
        np.array([1.00, 1.02, 0.98, 1.00])
    )  # deviations 0, .02, -.02, 0: sd sqrt(0.0008 / 4) = 0.01414
    prediction = Prediction(
        mean=np.full((4, 1, 1), 1.5),
        std=None,
        joints=("knee",),
        quantities=("moment",),
        units=("N·m",),
    )
    table = score(truth, prediction, metrics=("r2",), with_target_sd=True)
    values = dict(zip(table["metric"], table["value"], strict=True))
    np.testing.assert_allclose(values["target_sd"], np.sqrt(0.0008 / 4), rtol=1e-5)  # float32 Y
    # residual .5² + .48² + .52² + .5² = 1.0008 over total 0.0008: R2 = 1 - 1251 = -1250
    np.testing.assert_allclose(values["r2"], -1250.0, rtol=1e-3)
    (row,) = remarks(table).itertuples()
    assert row.remark.startswith("R2 -1250: the test target is nearly constant (sd 0.014 N·m)")


def test_seed_table_marks_the_r2_cell_and_numbers_the_note() -> None:
    rows = []
    for subject, r2, sd in (("S1", -1562.0, 0.01), ("S2", 0.8, 5.0)):
        for metric, value in (("r2", r2), ("target_sd", sd), ("rmse", 1.0)):
            rows.append(
                {
                    "subject": subject,
                    "task": "WAK",
                    "joint": "knee",
                    "quantity": "moment",
                    "unit": "N·m",
                    "metric": metric,
                    "value": value,
                    "model": "ridge",
                    "split": "s",
                    "protocol": "within-trial",
                }
            )
    table = seed_table(pd.DataFrame(rows), ("rmse", "r2"))
    assert table.loc[0, "moment R2"].endswith(" [1]")
    (note,) = table.attrs["notes"]
    assert note.startswith("[1] WAK within-trial ridge, moment: 1 R2 value(s) need a remark;")
    assert "(S1, knee): R2 -1562: the test target is nearly constant (sd 0.01 N·m)" in note


def test_markdown_tables_carry_their_notes() -> None:
    from kinemyo.reporting.report import markdown_table

    frame = pd.DataFrame({"model": ["ridge"], "moment R2": ["-1.56e+03 [1]"]})
    frame.attrs["notes"] = ["[1] WAK ridge, moment: R2 -1562: ..."]
    assert markdown_table(frame).endswith(
        "| ridge | -1.56e+03 [1] |\n\n[1] WAK ridge, moment: R2 -1562: ..."
    )


def test_mean_sd_cells_hide_float_noise_but_not_a_real_spread() -> None:
    from kinemyo.reporting.report import mean_sd

    assert mean_sd(15.6, 3e-8) == "15.6 ± 0"  # a conformal width equal for every subject
    assert mean_sd(15.6, 0.31) == "15.6 ± 0.31"
    assert mean_sd(2.0, float("nan")) == "2"  # one value: no spread
    assert mean_sd(1234.5, 56.78) == "1.23e+03 ± 57"
