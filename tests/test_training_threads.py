"""The number of torch threads kinemyo trains and predicts on: explicit, environment, default 1."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from kinemyo.errors import KinemyoError
from kinemyo.models.networks import build_network
from kinemyo.training.threads import resolve_threads, torch_threads
from kinemyo.training.trainer import TrainingConfig, train


def test_explicit_setting_then_environment_then_one(monkeypatch) -> None:
    monkeypatch.delenv("KINEMYO_THREADS", raising=False)
    assert resolve_threads() == 1
    monkeypatch.setenv("KINEMYO_THREADS", " 3 ")
    assert resolve_threads() == 3
    assert resolve_threads(2) == 2
    monkeypatch.setenv("KINEMYO_THREADS", "")
    assert resolve_threads() == 1


@pytest.mark.parametrize("value", ["0", "two", "-1", "1.5"])
def test_a_bad_environment_value_is_named(monkeypatch, value) -> None:
    monkeypatch.setenv("KINEMYO_THREADS", value)
    with pytest.raises(KinemyoError, match=f"KINEMYO_THREADS='{value}'"):
        resolve_threads()


@pytest.mark.parametrize("value", [0, -2, 1.5, True, "2"])
def test_a_bad_explicit_value_is_refused(value) -> None:
    with pytest.raises(KinemyoError, match="threads must be a positive whole number"):
        resolve_threads(value)
    with pytest.raises(KinemyoError, match="'threads' must be"):
        TrainingConfig(threads=value)


def test_the_setting_holds_inside_and_is_restored_after() -> None:
    before = torch.get_num_threads()
    with torch_threads(2) as count:
        assert count == 2 and torch.get_num_threads() == 2
        with torch_threads(1):
            assert torch.get_num_threads() == 1
        assert torch.get_num_threads() == 2
    assert torch.get_num_threads() == before


@pytest.mark.parametrize(
    ("setting", "environment", "expected"), [(None, None, 1), (None, "2", 2), (1, "2", 1)]
)
def test_training_runs_on_the_chosen_threads(monkeypatch, setting, environment, expected) -> None:
    if environment is None:
        monkeypatch.delenv("KINEMYO_THREADS", raising=False)
    else:
        monkeypatch.setenv("KINEMYO_THREADS", environment)
    seen = []
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(20, 3)), rng.normal(size=(20, 2))
    torch.manual_seed(0)
    network = build_network("lstm", n_inputs=3, n_outputs=2, hidden=4, layers=1)
    config = TrainingConfig(epochs=2, device="cpu", patience=0, threads=setting)
    before = torch.get_num_threads()
    chunks, no_validation = np.arange(20).reshape(4, 5), np.zeros((0, 5), int)
    train(
        network,
        X,
        Y,
        chunks,
        no_validation,
        config,
        lambda *_: seen.append(torch.get_num_threads()),
    )
    assert seen == [expected, expected]
    assert torch.get_num_threads() == before
