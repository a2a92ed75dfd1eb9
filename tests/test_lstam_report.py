"""The LSTAM experiment's records with several seeds: each fit keeps its seed (fits.csv, run.json,
the reproduce block), traces and training curves show the first seed, the p-value floor of the
findings counts the pairs the tests used; and the command line's bounds are the config's."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import typer.main

from kinemyo.cli import app
from kinemyo.data.camargo import read_camargo
from kinemyo.data.synthetic import CamargoCohortConfig, generate_camargo
from kinemyo.experiment import pool_seeds
from kinemyo.studies.lstam import ExperimentConfig, describe, run_experiment
from kinemyo.studies.lstam_findings import verdict
from kinemyo.studies.lstam_report import write_experiment
from kinemyo.studies.lstam_tables import statistics_table

SEEDS = (5, 3)
"""Not in order, so that "the first seed" is not "the smallest"."""


def test_the_command_line_bounds_are_the_config_s() -> None:
    command = typer.main.get_command(app).commands["experiment"].commands["lstam"]
    fields = ExperimentConfig.__pydantic_fields__
    compared = 0
    for param in command.params:
        if param.name not in fields or getattr(param, "max", None) is None:
            continue
        bounds = {
            name: getattr(m, name) for m in fields[param.name].metadata for name in ("ge", "le")
            if hasattr(m, name)
        }  # fmt: skip
        assert (param.min, param.max) == (bounds["ge"], bounds["le"]), param.name
        compared += 1
    assert compared == 4  # every, epochs, hidden, window


def hand_scores(subjects: int, seeds: int) -> pd.DataFrame:
    """RMSE (N·m) of LSTAM and an LSTM, LSTAM always lower, per subject and seed."""
    rows = [
        {"subject": f"S{s}", "seed": seed, "model": model, "scope": "all", "condition": "all",
         "joint": "hip flexion", "metric": "rmse", "unit": "N·m", "value": value + s + seed / 10}
        for s in range(subjects)
        for seed in range(seeds)
        for model, value in (("lstam", 1.0), ("lstm", 2.0))
    ]  # fmt: skip
    return pd.DataFrame(rows)


def test_the_p_value_floor_counts_subject_and_seed_pairs() -> None:
    scores = pool_seeds(hand_scores(subjects=3, seeds=2))
    text = verdict(scores, statistics_table(scores))
    # 6 pairs (3 subjects x 2 seeds), one comparison per family: floor 2 / 2**6 = 0.03125, low
    # enough for p < 0.05 (with 3 pairs it would be 0.25).
    assert "over 6 pairs" in text
    assert "smallest p-value the exact test can give is 0.0312" in text
    assert "correction over 1 comparisons 0.0312." in text
    assert "no difference can reach significance" not in text


@pytest.mark.slow
def test_every_fit_keeps_its_seed_and_the_first_seed_is_shown(tmp_path: Path) -> None:
    torch.set_num_threads(1)
    config = CamargoCohortConfig(
        subjects=1,
        treadmill_trials=2,
        plateau_seconds=2.0,
        transition_seconds=1.0,
        levelground_speeds=("normal",),
        levelground_bouts=1,
        ramps=(3,),
        seed=3,
    )
    generate_camargo(tmp_path / "camargo", config)
    dataset = read_camargo(tmp_path / "camargo", nan_moments="keep")
    experiment = ExperimentConfig(models=("lstam", "ffn"), epochs=2, hidden=8, every=4)
    result = run_experiment(dataset, experiment, seeds=SEEDS)

    assert sorted((run.model, run.seed) for run in result.runs) == sorted(
        (model, seed) for model in ("lstam", "ffn") for seed in SEEDS
    )
    first = {run.model: run for run in result.runs if run.seed == SEEDS[0]}
    other = {run.model: run for run in result.runs if run.seed == SEEDS[1]}
    for model, prediction in result.traces[1].items():
        assert prediction is first[model].prediction
        assert not np.array_equal(prediction.mean, other[model].prediction.mean)

    info = describe(experiment, dataset, "kinemyo experiment lstam --seeds 5,3", SEEDS)
    report, _ = write_experiment(result, experiment, tmp_path / "run", info)
    fits = pd.read_csv(tmp_path / "run" / "fits.csv")
    assert sorted(zip(fits["model"], fits["seed"], strict=True)) == sorted(
        (model, seed) for model in ("lstam", "ffn") for seed in SEEDS
    )
    assert not fits.duplicated(["subject", "model", "seed"]).any()
    assert json.loads((tmp_path / "run" / "run.json").read_text())["seeds"] == list(SEEDS)
    reproduce = report.read_text().split("## Reproduce")[1].split("```json")[1].split("```")[0]
    assert json.loads(reproduce)["seeds"] == list(SEEDS)

    curves = pd.read_csv(tmp_path / "run" / "figures" / "fig17_training_curves.csv")
    for model in ("lstam", "ffn"):
        drawn = curves[(curves["model"] == model) & (curves["curve"] == "validation")]["rmse"]
        expected = first[model].history.validation_rmse
        assert drawn.to_numpy() == pytest.approx(expected, rel=1e-5)
        assert drawn.to_numpy() != pytest.approx(other[model].history.validation_rmse, rel=1e-5)
