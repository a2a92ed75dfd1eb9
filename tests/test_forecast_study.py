"""Fine-tuning Lag-Llama, the forecast study and the finetune/forecast commands."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from kinemyo.cli import main
from kinemyo.errors import KinemyoError
from kinemyo.forecasting.finetune import FinetuneConfig, finetune, load_network, save_network
from kinemyo.forecasting.series import JointSeries, series_from_knee_cycles
from kinemyo.models.lagllama import LagLlamaNetwork, write_synthetic_checkpoint
from kinemyo.studies.forecast import (
    ForecastSettings,
    normalised_training_parts,
    run_forecast_study,
    verdicts,
)
from tests.conftest import requires_real_data

torch.set_num_threads(1)
TINY = {"n_layer": 1, "n_head": 2, "n_embd_per_head": 4}


def sine_series(quantity: str, n: int = 2400, period: int = 40) -> JointSeries:
    t = np.arange(n)
    values = 20 * np.sin(2 * np.pi * t / period) + np.random.default_rng(0).normal(0, 1, n)
    return JointSeries(
        values=values.astype(np.float32),
        fs=100.0,
        start_s=0.0,
        name=f"sine {quantity}",
        unit="deg" if quantity == "angle" else "N·m",
        subject="Sub01",
        task="WAK",
        joint="left knee flexion",
        quantity=quantity,
    )


def test_finetuning_from_scratch_lowers_validation_nll_on_the_real_knee_series() -> None:
    path = requires_real_data("siat_llmd_right_knee_wak_cycles.npz")
    series = series_from_knee_cycles(path)
    torch.manual_seed(0)
    network = LagLlamaNetwork(context_length=64, **TINY)
    config = FinetuneConfig(
        context_length=64,
        horizon=32,
        epochs=4,
        windows_per_epoch=48,
        batch_size=16,
        learning_rate=3e-3,
        patience=0,
        device="cpu",
    )
    history = finetune(network, normalised_training_parts(series, 0.2), config)
    assert history.validation_nll[-1] < 0.8 * history.validation_nll[0]
    assert history.validation_nll[history.best_epoch] == min(history.validation_nll)


def test_saved_network_forecasts_identically(tmp_path: Path) -> None:
    torch.manual_seed(1)
    network = LagLlamaNetwork(context_length=16, **TINY)
    save_network(network, tmp_path / "ll", {"source": "scratch"})
    loaded, meta = load_network(tmp_path / "ll")
    assert meta == {"source": "scratch"}
    past = torch.randn(2, 1092 + 16)
    a = network.sample(past, 4, 3, mode="fast", generator=torch.Generator().manual_seed(0))
    b = loaded.sample(past, 4, 3, mode="fast", generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(a, b)


def test_forecast_study_scores_both_models_on_the_held_out_part(tmp_path: Path) -> None:
    series = [sine_series("angle"), sine_series("moment")]
    torch.manual_seed(0)
    network = LagLlamaNetwork(context_length=64, **TINY)
    settings = ForecastSettings(context_length=64, horizon=16, num_samples=20, max_windows=3)
    result = run_forecast_study(
        series, tmp_path / "fc", network=network, settings=settings, model_note="untrained"
    )
    scores = pd.read_csv(tmp_path / "fc" / "scores.csv")
    assert set(scores["model"]) == {"lag-llama", "seasonal naive"}
    assert set(scores["n_windows"]) == {3}
    # the seasonal baseline repeats a clean 40-step period: its median error is the noise level
    naive = scores[scores["model"] == "seasonal naive"]
    assert naive["median_mae"].max() < 3.0
    report = result.report.read_text()
    assert "0.5161 ± 0.1140" in report and "weighted quantile loss" in report
    assert (tmp_path / "fc" / "figures" / "crps_box.png").is_file()
    page = (tmp_path / "fc" / "report.html").read_text(encoding="utf-8")
    # a forecast per model and quantity, and the loss box plot, each embedded
    assert page.count('<figure class="image"><img src="data:image/png;base64,') == 2 * 2 + 1
    assert "2 joint series" in page and "Model card" in report


def test_forecast_origins_lie_in_the_test_part(tmp_path: Path) -> None:
    from kinemyo.studies.forecast import forecast_origins

    series = sine_series("angle", n=1000)
    settings = ForecastSettings(context_length=64, horizon=16, max_windows=50)
    origins = forecast_origins(series, settings)
    # the test part is 800..999: origins 800, 816, ..., 976 (the last whose future fits)
    assert origins.tolist() == list(range(800, 977, 16))
    few = forecast_origins(series, ForecastSettings(context_length=64, horizon=16, max_windows=3))
    assert few.tolist() == [800, 896, 976]  # positions 0, round(5.5) = 6 and 11 of the 12
    with pytest.raises(KinemyoError, match="no test window"):
        forecast_origins(sine_series("angle", n=100), ForecastSettings(context_length=90))


def test_zero_shot_from_a_checkpoint_through_the_cli(capsys, tmp_path: Path) -> None:
    path = requires_real_data("siat_llmd_right_knee_wak_cycles.npz")
    ckpt = tmp_path / "lag-llama.ckpt"
    write_synthetic_checkpoint(ckpt)
    code = main(
        [
            "forecast",
            str(path),
            "--ckpt",
            str(ckpt),
            "--context",
            "32",
            "--horizon",
            "8",
            "--samples",
            "5",
            "--windows",
            "2",
            "--fast",
            "--out",
            str(tmp_path / "fc"),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0 and "lag-llama" in captured.out
    assert "warning:" in captured.err and "sha256" in captured.err  # not the official file
    assert "zero-shot" in (tmp_path / "fc" / "run.json").read_text()


def test_forecast_takes_at_most_one_network_source(capsys, tmp_path: Path) -> None:
    data = tmp_path / "x.npz"
    data.write_bytes(b"")
    ckpt = tmp_path / "lag-llama.ckpt"
    ckpt.write_bytes(b"")
    code = main(["forecast", str(data), "--ckpt", str(ckpt), "--run", str(tmp_path)])
    assert code == 1 and "at most one of --ckpt" in capsys.readouterr().err


@pytest.mark.slow
def test_baselines_run_alone_without_lag_llama_and_the_winner_is_named(
    capsys, tmp_path: Path
) -> None:
    path = requires_real_data("siat_llmd_right_knee_wak_cycles.npz")
    args = ["forecast", str(path), "--context", "64", "--horizon", "16", "--samples", "10"]
    args += ["--windows", "2", "--xlstmtime-epochs", "1", "--out", str(tmp_path / "fc")]
    code = main(args)
    out = capsys.readouterr().out
    assert code == 0
    scores = pd.read_csv(tmp_path / "fc" / "scores.csv")
    assert set(scores["model"]) == {"seasonal naive", "xlstmtime"}
    summary = pd.read_csv(tmp_path / "fc" / "summary.csv")
    for quantity, rows in summary.groupby("quantity"):
        best = rows.loc[rows["crps_wql_mean"].idxmin(), "model"]
        assert f"{quantity}: {best} wins" in out
    report = (tmp_path / "fc" / "report.md").read_text()
    assert "Which model wins" in report and "baselines only" in report


def test_verdicts_say_plainly_when_seasonal_naive_wins() -> None:
    summary = pd.DataFrame(
        {
            "quantity": ["angle", "angle", "moment", "moment"],
            "model": ["seasonal naive", "xlstmtime", "seasonal naive", "xlstmtime"],
            "crps_wql_mean": [0.10, 0.25, 0.40, 0.30],
        }
    )
    angle, moment = verdicts(summary)
    assert angle.startswith("angle: seasonal naive wins (crps_wql 0.1000; xlstmtime 0.2500)")
    assert "beat every fitted model" in angle
    assert moment == "moment: xlstmtime wins (crps_wql 0.3000; seasonal naive 0.4000)."


def test_xlstmtime_baseline_learns_a_periodic_series() -> None:
    from kinemyo.forecasting.metrics import median_mae
    from kinemyo.forecasting.xlstmtime import XLSTMTimeForecaster

    z = (sine_series("angle", n=1200).values / 20).astype(np.float32)
    rng = np.random.default_rng(0)
    settings = {
        "context_length": 48,
        "horizon": 12,
        "hidden": 16,
        "layers": 1,
        "windows_per_epoch": 96,
        "batch_size": 32,
        "learning_rate": 3e-3,
    }
    trained = XLSTMTimeForecaster(epochs=15, **settings).fit([z[:1000]])
    untrained = XLSTMTimeForecaster(epochs=1, **settings).fit([z[:1000]])
    origins = range(1000, 1180, 12)
    truth = np.stack([z[o : o + 12] for o in origins])
    errors = {}
    for name, model in (("trained", trained), ("untrained", untrained)):
        samples = np.stack([model.forecast(z[:o], 12, 50, rng) for o in origins])
        assert samples.shape == (15, 50, 12)
        errors[name] = median_mae(samples, truth)
    assert errors["trained"] < 0.5 * errors["untrained"]
    # validated on the last 20% of the training series (origins 800, 812, ..., 988), with
    # the weights of the best validation epoch kept
    history = trained.history_
    assert 1 <= len(history.validation) <= 15
    assert history.validation[history.best_epoch] == min(history.validation)
    assert history.validation[history.best_epoch] < history.validation[0]
    with pytest.raises(KinemyoError, match="horizon 12"):
        trained.forecast(z[:1000], 24, 5, rng)


def test_study_scores_every_baseline(tmp_path: Path) -> None:
    from kinemyo.forecasting.baselines import SeasonalNaive
    from kinemyo.forecasting.xlstmtime import XLSTMTimeForecaster

    series = [sine_series("angle"), sine_series("moment")]
    baseline = XLSTMTimeForecaster(
        context_length=64, horizon=16, hidden=8, layers=1, epochs=1, windows_per_epoch=32
    )
    baseline.fit(normalised_training_parts(series, 0.2))
    run_forecast_study(
        series,
        tmp_path / "fc",
        network=None,
        settings=ForecastSettings(context_length=64, horizon=16, num_samples=10, max_windows=2),
        model_note="none",
        baselines={"seasonal naive": SeasonalNaive(), "xlstmtime": baseline},
    )
    scores = pd.read_csv(tmp_path / "fc" / "scores.csv")
    assert set(scores["model"]) == {"seasonal naive", "xlstmtime"}
