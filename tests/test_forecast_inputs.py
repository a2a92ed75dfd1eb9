"""Forecasting settings and inputs are checked before anything runs: out-of-range settings name
their field, and a series that would give non-finite forecasts is refused up front."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from kinemyo.errors import KinemyoError
from kinemyo.forecasting.finetune import FinetuneConfig, finetune
from kinemyo.models.lagllama import LagLlamaNetwork
from kinemyo.studies.forecast import (
    ForecastSettings,
    check_series,
    normalised_training_parts,
    run_forecast_study,
)
from tests.test_forecast_study import sine_series

SETTINGS = {"context_length": 64, "horizon": 16, "num_samples": 5, "max_windows": 3}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("test_fraction", 1.5),
        ("test_fraction", 0.0),
        ("test_fraction", 1.0),
        ("test_fraction", True),
        ("mode", "slow"),
        ("num_samples", 0),
        ("context_length", 2.5),
        ("max_windows", -1),
        ("seed", -1),
    ],
)
def test_forecast_settings_name_the_field_out_of_range(field: str, value: object) -> None:
    with pytest.raises(KinemyoError, match=f"'{field}'"):
        ForecastSettings(**{field: value})


def test_training_parts_refuse_a_test_fraction_out_of_range() -> None:
    with pytest.raises(KinemyoError, match=r"'test_fraction' must be < 1 \(got 1.5\)"):
        normalised_training_parts([sine_series("angle")], 1.5)


@pytest.mark.parametrize(
    ("field", "value"),
    [("learning_rate", 0.0), ("patience", -1), ("epochs", 0), ("validation_fraction", 1.0)],
)
def test_finetune_config_names_the_field_out_of_range(field: str, value: object) -> None:
    with pytest.raises(KinemyoError, match=f"'{field}'"):
        FinetuneConfig(**{field: value})


@pytest.mark.parametrize("field", ["n_layer", "n_head", "n_embd_per_head", "context_length"])
def test_lagllama_network_needs_at_least_one_of_each(field: str) -> None:
    with pytest.raises(KinemyoError, match=rf"'{field}' must be >= [12] \(got 0\)"):
        LagLlamaNetwork(**{field: 0})


class CountingBaseline:
    """A seasonal-naive-like baseline that repeats the last value and counts its calls; with
    ``nan`` it forecasts NaN (a broken model)."""

    def __init__(self, nan: bool = False) -> None:
        self.calls = 0
        self.nan = nan

    def forecast(
        self, past: np.ndarray, horizon: int, num_samples: int, rng: np.random.Generator
    ) -> np.ndarray:
        self.calls += 1
        value = np.nan if self.nan else past[-1]
        return np.full((num_samples, horizon), value, dtype=np.float32)


def with_value(series, index: int, value: float):
    values = series.values.copy()
    values[index] = value
    return dataclasses.replace(series, values=values, name=f"{series.name} edited")


@pytest.mark.parametrize("index", [2000, 100])  # in the test part; in the training part
def test_a_series_with_3e38_is_refused_before_anything_is_forecast(
    tmp_path: Path, index: int
) -> None:
    baseline = CountingBaseline()
    series = [sine_series("moment"), with_value(sine_series("angle"), index, -3e38)]
    with pytest.raises(KinemyoError, match="sine angle edited") as caught:
        run_forecast_study(
            series,
            tmp_path / "fc",
            network=None,
            settings=ForecastSettings(**SETTINGS),
            model_note="none",
            baselines={"last value": baseline},
        )
    assert baseline.calls == 0 and not (tmp_path / "fc").exists()
    if index == 2000:
        assert "sample 2000 (-3e+38 deg) lies 2" in str(caught.value)
    else:
        assert "too large to forecast in float32" in str(caught.value)


def test_check_series_accepts_ordinary_series() -> None:
    check_series([sine_series("angle"), sine_series("moment")], ForecastSettings(**SETTINGS))


def test_non_finite_forecasts_stop_at_the_first_series(tmp_path: Path) -> None:
    broken = CountingBaseline(nan=True)
    with pytest.raises(KinemyoError, match="broken made non-finite forecasts of series sine an"):
        run_forecast_study(
            [sine_series("angle"), sine_series("moment")],
            tmp_path / "fc",
            network=None,
            settings=ForecastSettings(**SETTINGS),
            model_note="none",
            baselines={"broken": broken},
        )
    assert broken.calls == SETTINGS["max_windows"]  # the second series was never forecast
    assert not (tmp_path / "fc").exists()


@pytest.mark.parametrize("layout", ["siat", "camargo"])
def test_forecast_reads_every_task_by_default(tmp_path: Path, layout: str) -> None:
    """Without --motions, forecast and finetune take every task of the dataset: a WAK default
    kept only tasks named WAK and refused a Camargo root ("unknown mode(s) ['WAK']")."""
    import inspect

    from kinemyo.cli import main
    from kinemyo.cli.forecasting import _series, finetune, forecast
    from kinemyo.data.synthetic import CamargoCohortConfig, generate_camargo

    defaults = {
        name: inspect.signature(command).parameters[name].default
        for command in (forecast, finetune)
        for name in ("motions", "subjects")
    }
    assert defaults == {"motions": None, "subjects": None}
    if layout == "siat":
        command = ["data", "generate", "--out", str(tmp_path), "--subjects", "1"]
        assert main([*command, "--motions", "UPS,DNS", "--seconds", "3", "--seed", "1"]) == 0
        expected = {"UPS", "DNS"}
    else:
        config = CamargoCohortConfig(
            subjects=1,
            treadmill_trials=1,
            plateau_seconds=2.0,
            transition_seconds=1.0,
            levelground_speeds=("normal",),
            levelground_bouts=1,
            ramps=(3,),
            seed=5,
        )
        generate_camargo(tmp_path, config)
        expected = {"treadmill", "levelground", "ramp"}
    series = _series(tmp_path, 100.0, defaults["motions"], defaults["subjects"])
    assert {s.task for s in series} == expected


def test_finetune_refuses_no_series_with_a_clear_error() -> None:
    network = LagLlamaNetwork(context_length=32, n_layer=1)
    with pytest.raises(KinemyoError, match="No series to fine-tune on"):
        finetune(network, [], FinetuneConfig(context_length=32, horizon=8))
