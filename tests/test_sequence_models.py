"""Runs of windows, training chunks, the trainer and the sequence estimators. Refits, save ->
load, causality and the rest of the estimator contract are checked for every registered model in
tests/test_contracts.py."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from kinemyo.data.windowed import WindowedDataset
from kinemyo.errors import KinemyoError
from kinemyo.models import create
from kinemyo.models.networks.xlstm import MLSTMBlock, SLSTMBlock
from kinemyo.models.presets import SEED_SEQUENCE_LENGTH, preset_params
from kinemyo.models.sequence import carve_validation
from kinemyo.training.sequences import Runs, context_sequences, training_chunks
from kinemyo.training.trainer import TrainingConfig

torch.set_num_threads(1)
STEP = 50 / 1920


def dataset(trials: int = 3, n: int = 120, seed: int = 0) -> WindowedDataset:
    """Windows whose moment depends on the PREVIOUS window's input: only history explains it."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(trials * n, 2, 3)).astype(np.float32)
    Y = np.zeros((trials * n, 2, 2), dtype=np.float32)
    flat = X.reshape(len(X), -1)
    for t in range(trials):
        rows = slice(t * n, (t + 1) * n)
        block = flat[rows]
        Y[rows, :, 0] = block[:, :2]  # "angle": the current window
        Y[rows, 1:, 1] = 0  # keep J x Q shape
        Y[rows, 0, 1] = np.concatenate([[0.0], block[:-1, 2]])  # "moment": the previous window
    return WindowedDataset(
        X=X,
        Y=Y,
        channels=("a", "b"),
        features=("f1", "f2", "f3"),
        joints=("j1", "j2"),
        quantities=("angle", "moment"),
        units=("deg", "N·m"),
        subject=np.repeat([f"Sub0{t + 1}" for t in range(trials)], n),
        task=np.full(trials * n, "WAK"),
        trial=np.repeat([f"Sub0{t + 1}_WAK" for t in range(trials)], n),
        segment=np.zeros(trials * n, int),
        time=np.tile(np.arange(n) * STEP, trials),
    )


def test_runs_break_at_trials_segments_and_gaps() -> None:
    data = dataset(trials=2, n=10)
    keep = np.ones(20, bool)
    keep[4] = False  # a dropped window (e.g. a split's gap) ends a run
    segment = data.segment.copy()
    segment[17:] = 1
    part = data.subset(keep)
    part = WindowedDataset(**{**part.__dict__, "segment": segment[keep]})
    runs = Runs.of(part)
    sizes = sorted(np.bincount(runs.run).tolist())
    assert sizes == [3, 4, 5, 7]  # trial 1: 4 + 5; trial 2: 7 + 3 (segment change)
    first = runs.members()[0]
    assert np.all(np.diff(part.time[first]) > 0) and runs.position[first].tolist() == [0, 1, 2, 3]


def test_chunks_cover_every_window_and_never_cross_a_run() -> None:
    runs = Runs(np.array([0] * 7 + [1] * 3), np.array(list(range(7)) + list(range(3))))
    chunks = training_chunks(runs, length=4, stride=2)
    covered = set(chunks[chunks >= 0].tolist())
    assert covered == set(range(10))
    for chunk in chunks:
        members = chunk[chunk >= 0]
        assert np.unique(runs.run[members]).size == 1
        assert np.all(chunk[members.size :] == -1)  # padding on the right only


def test_context_ends_at_the_window_and_stays_in_its_run() -> None:
    runs = Runs(np.array([0] * 5 + [1] * 2), np.array([0, 1, 2, 3, 4, 0, 1]))
    chunks, row, column = context_sequences(runs, length=3)
    for window in range(7):
        chunk = chunks[row[window]]
        assert chunk[column[window]] == window
        context = chunk[: column[window] + 1]
        assert np.unique(runs.run[context]).size == 1 and len(context) <= 3
        # keep=1: exactly the (up to) 2 windows before it, nothing after it in the chunk
        assert context.tolist() == list(range(max(0, window - 2) if window < 5 else 5, window + 1))
    assert chunks[row[4]].tolist() == [2, 3, 4] and chunks[row[5]].tolist() == [5, 6, -1]


@pytest.mark.parametrize("keep", [1, 2, 3, 4])
def test_strided_contexts_read_every_window_once_with_enough_context(keep: int) -> None:
    runs = Runs(np.array([0] * 11 + [1] * 3), np.array([*range(11), 0, 1, 2]))
    chunks, row, column = context_sequences(runs, length=4, keep=keep)
    assert (row >= 0).all()
    for window in range(14):
        context = chunks[row[window], : column[window] + 1]
        assert context[-1] == window
        position = runs.position[window]
        # the run's start, or at least length - keep windows before it, all of its run
        assert len(context) - 1 >= min(position, 4 - keep)
        assert np.unique(runs.run[context]).size == 1
    # about keep times fewer chunks than windows for the long run: 1 + ceil((11 - 4) / keep)
    assert (runs.run[chunks[:, 0]] == 0).sum() == 1 + -(-(11 - 4) // keep)


def test_strided_prediction_matches_full_context_for_a_window_limited_network() -> None:
    # A TCN whose receptive field (kernel 2, 1 layer: 2 windows) is within every context gives
    # the same predictions with any stride.
    data = dataset(trials=2, n=60)
    exact = create("tcn", hidden=8, layers=1, epochs=2, sequence_length=8, seed=0,
                   options={"kernel_size": 2}).fit(data)  # fmt: skip
    strided = create("tcn", hidden=8, layers=1, epochs=2, sequence_length=8, seed=0,
                     prediction_stride=4, options={"kernel_size": 2}).fit(data)  # fmt: skip
    np.testing.assert_allclose(
        strided.predict(data).mean, exact.predict(data).mean, rtol=1e-5, atol=1e-5
    )


def test_validation_is_the_end_of_each_training_run_after_a_gap() -> None:
    runs = Runs(np.zeros(20, int), np.arange(20))
    training, validation = carve_validation(runs, 0.2, gap=1)
    assert np.flatnonzero(validation.run >= 0).tolist() == [16, 17, 18, 19]
    assert np.flatnonzero(training.run >= 0).tolist() == list(range(15))
    # the training chunks hold training windows only, never the held-out ones
    chunks = training_chunks(training, length=4, stride=2)
    assert set(chunks[chunks >= 0].tolist()) == set(range(15))


@pytest.fixture(scope="module")
def fitted():
    params = {
        "hidden": 16,
        "layers": 1,
        "sequence_length": 8,
        "epochs": 40,
        "learning_rate": 1e-2,
        "patience": 0,
        "seed": 3,
        "device": "cpu",
    }
    return create("lstm", **params).fit(dataset())


def test_a_sequence_model_learns_what_only_history_explains(fitted) -> None:
    test = dataset(seed=9)
    prediction = fitted.predict(test)
    moment_error = np.sqrt(np.mean((prediction.mean[:, 0, 1] - test.Y[:, 0, 1]) ** 2))
    ridge = create("ridge").fit(dataset())
    ridge_error = np.sqrt(np.mean((ridge.predict(test).mean[:, 0, 1] - test.Y[:, 0, 1]) ** 2))
    assert moment_error < 0.5 * ridge_error  # ridge sees one window; the moment is the last one


def test_early_stopping_keeps_the_best_epoch() -> None:
    # the held-out end of every run has the opposite mapping: the better training fits, the
    # worse validation gets, so training must stop early and keep an early epoch
    data = dataset(n=100)
    Y = data.Y.copy()
    tail = np.tile(np.arange(100) >= 80, 3)
    Y[tail] *= -1
    conflicting = WindowedDataset(**{**data.__dict__, "Y": Y})
    model = create(
        "lstm",
        hidden=16,
        layers=1,
        sequence_length=8,
        epochs=40,
        patience=3,
        learning_rate=1e-2,
        schedule="none",
        device="cpu",
    ).fit(conflicting)
    history = model.history
    assert len(history.validation_rmse) < 40  # stopped early
    assert history.best_epoch == int(np.argmin(history.validation_rmse))
    assert len(history.validation_rmse) == history.best_epoch + 1 + 3  # patience after the best


def test_seed_xlstm_preset_is_the_notebooks_settings() -> None:
    common = {
        "hidden": 32,
        "batch_size": 64,
        "learning_rate": 0.01,
        "epochs": 20,
        "schedule": "none",
        "patience": 0,
    }
    assert preset_params("slstm", "seed-xlstm") == {**common, "layers": 1, "options": {"heads": 2}}
    assert preset_params("mlstm", "seed-xlstm") == {**common, "layers": 1, "options": {"heads": 2}}
    assert preset_params("xlstm", "seed-xlstm") == {
        **common,
        "layers": 3,
        "options": {"heads": 2, "pattern": "msm"},
    }
    assert preset_params("lstm", "seed-xlstm") == {**common, "layers": 2}
    assert preset_params("gpr", "seed-xlstm") == {}
    assert SEED_SEQUENCE_LENGTH == 1926
    changed = preset_params("xlstm", "seed-xlstm")
    changed["options"]["heads"] = 4  # a caller's change must not leak into the preset
    assert preset_params("xlstm", "seed-xlstm")["options"]["heads"] == 2


@pytest.mark.parametrize(
    ("name", "blocks"),
    [
        ("slstm", [SLSTMBlock]),
        ("mlstm", [MLSTMBlock]),
        ("xlstm", [MLSTMBlock, SLSTMBlock, MLSTMBlock]),
    ],
)
def test_seed_xlstm_preset_trains_on_sequences_of_1926_windows(name, blocks) -> None:
    params = preset_params(name, "seed-xlstm") | {
        "epochs": 1,
        "sequence_length": SEED_SEQUENCE_LENGTH,
        "prediction_stride": SEED_SEQUENCE_LENGTH,
        "validation_fraction": 0.0,
        "device": "cpu",
    }
    data = dataset(trials=1, n=40)
    model = create(name, **params).fit(data)
    network = model.network_
    assert [type(block) for block in network.stack.blocks] == blocks
    assert network.heads == 2 and network.hidden == 32
    assert len(model.history.train_rmse) == 1
    prediction = model.predict(data).mean
    assert prediction.shape == data.Y.shape and np.isfinite(prediction).all()


def test_presets_and_bad_settings() -> None:
    with pytest.raises(KinemyoError, match="Unknown preset"):
        preset_params("lstm", "fast")
    with pytest.raises(KinemyoError, match=r"'learning_rate' must be > 0 \(got -1\)"):
        TrainingConfig(learning_rate=-1)


def test_unknown_network_options_are_named() -> None:
    model = create("lstm", options={"kernel_size": 3}, epochs=1, device="cpu")
    with pytest.raises(KinemyoError, match=r"no option\(s\) \['kernel_size'\].*dropout"):
        model.fit(dataset(trials=1, n=20))
