"""A damaged model never prints a number: non-finite weights and zero scales are refused at load,
and no model hands out a non-finite estimate."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

from kinemyo.cli import main
from kinemyo.errors import DataFormatError, KinemyoError
from kinemyo.models import RidgeRegression, load_model
from kinemyo.models.base import WEIGHTS_FILE, _finite
from tests.test_models import _smooth


@pytest.fixture
def saved_ridge(tmp_path: Path) -> Path:
    return RidgeRegression().fit(_smooth(40, seed=0)).save(tmp_path / "ridge")


def tamper(folder: Path, name: str, index: int, value: float) -> None:
    """Rewrite one entry of one array of a saved model, as a damaged file would hold it."""
    arrays = load_file(str(folder / WEIGHTS_FILE))
    flat = arrays[name].reshape(-1)
    flat[index] = value
    save_file(arrays, str(folder / WEIGHTS_FILE))


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_non_finite_weights_are_refused_at_load(saved_ridge: Path, value: float) -> None:
    name = next(k for k in load_file(str(saved_ridge / WEIGHTS_FILE)) if "scale" not in k)
    tamper(saved_ridge, name, 0, value)
    with pytest.raises(DataFormatError, match=rf"array '{name}' has 1 non-finite") as caught:
        load_model(saved_ridge)
    assert str(saved_ridge / WEIGHTS_FILE) in str(caught.value)


@pytest.mark.parametrize("name", ["x_scale", "y_scale"])
def test_a_zero_scale_is_refused_at_load(saved_ridge: Path, name: str) -> None:
    tamper(saved_ridge, name, 1, 0.0)
    with pytest.raises(DataFormatError, match=rf"'{name}' has a zero or negative entry"):
        load_model(saved_ridge)


def test_a_model_never_returns_non_finite_estimates() -> None:
    data = _smooth(40, seed=1)
    model = RidgeRegression().fit(data)
    model.y_scale_ = model.y_scale_.copy()
    model.y_scale_[0, 1] = np.inf  # damaged in memory: the right answer is a refusal
    with pytest.raises(KinemyoError, match=r"non-finite estimates for 40 of 40 windows"):
        model.predict(data)


def test_predict_writes_nothing_with_a_damaged_model(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    cohort, run, out = tmp_path / "cohort", tmp_path / "run", tmp_path / "pred.csv"
    args = ["data", "generate", "--out", cohort, "--subjects", "2", "--seconds", "2"]
    assert main([str(a) for a in [*args, "--motions", "WAK"]]) == 0
    assert main([str(a) for a in ["fit", "ridge", cohort, "--out", run]]) == 0
    tamper(run / "model", "x_scale", 0, 0.0)
    capsys.readouterr()
    code = main([str(a) for a in ["predict", run, cohort, "--out", out]])
    text = capsys.readouterr().err
    assert code == 1
    assert "x_scale" in text and "Traceback" not in text
    assert not out.exists()


def test_the_non_finite_message_counts_the_windows_that_hold_one() -> None:
    values = np.zeros((5, 2, 3))
    values[1, 0, 2] = np.nan  # windows 1 and 3 are bad, window 3 twice
    values[3, 1, 0] = np.inf
    values[3, 0, 0] = -np.inf
    with pytest.raises(KinemyoError, match=r"in 2 window\(s\) of 5 \(the first is window 1,"):
        _finite(values, "X")
    assert _finite(np.ones((4, 1)), "X").dtype == np.float64
