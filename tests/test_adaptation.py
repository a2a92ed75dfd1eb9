"""Online adaptation (``partial_fit``): a model fitted on some synthetic subjects adapts to a new
one on the early part of its trial, and its error on the later part drops; ridge's update is the
exact solution of the normal equations of old and new windows together."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from kinemyo.config import load_config
from kinemyo.data.synthetic import CohortConfig, generate_cohort
from kinemyo.data.windowed import WindowedDataset
from kinemyo.errors import KinemyoError
from kinemyo.models import create
from kinemyo.models.adaptation import Adaptation
from kinemyo.models.base import load_model
from kinemyo.signal.pipeline import SignalPipeline


@pytest.fixture(scope="module")
def cohort() -> tuple[WindowedDataset, WindowedDataset, WindowedDataset]:
    """Training windows of 3 subjects; the first 60 % (adaptation) and the last 38 % (test) of
    a walk of a new subject drawn with another seed (other anthropometry, EMG gains, delays)."""
    old = generate_cohort(CohortConfig(subjects=3, motions=("WAK",), seconds=30, seed=0))
    new = generate_cohort(CohortConfig(subjects=1, motions=("WAK",), seconds=40, seed=11))
    pipeline = SignalPipeline(load_config("kinemyo-siat"))
    train = pipeline.fit_transform(pipeline.window(old.recordings))
    walk = pipeline.transform(pipeline.window(new.recordings))
    cut = int(0.6 * len(walk))
    return train, walk.subset(slice(0, cut)), walk.subset(slice(cut + 2, len(walk)))


def rmse_per_quantity(model, test: WindowedDataset) -> np.ndarray:
    """RMSE over windows, averaged over joints: one value per quantity (deg, N·m)."""
    error = model.predict(test).mean - test.Y
    return np.sqrt((error**2).mean(axis=0)).mean(axis=0)


def test_ridge_adaptation_lowers_the_new_subjects_error(cohort) -> None:
    train, adapt, test = cohort
    model = create("ridge").fit(train)
    before = rmse_per_quantity(model, test)
    scaling = [model.x_mean_.copy(), model.x_scale_.copy(), model.y_mean_.copy()]
    model.partial_fit(adapt)
    after = rmse_per_quantity(model, test)
    assert np.all(after < 0.9 * before), (before, after)
    for kept, now in zip(scaling, [model.x_mean_, model.x_scale_, model.y_mean_], strict=True):
        np.testing.assert_array_equal(kept, now)  # the original scaling is kept


def test_adaptation_drops_intervals_calibrated_before_it(cohort) -> None:
    train, adapt, test = cohort
    model = create("ridge").fit(train).calibrate(adapt, levels=(0.9,), description="walk")
    assert set(model.predict(test).bounds) == {0.9}
    model.partial_fit(adapt)
    assert model.predict(test).bounds == {}


def test_ridge_adaptation_is_the_least_squares_fit_of_old_and_new_windows(cohort) -> None:
    train, adapt, _ = cohort
    model = create("ridge", alpha=3.0).fit(train).partial_fit(adapt)
    # Independent oracle: ridge as an ordinary least-squares problem on the stacked windows,
    # augmented with sqrt(alpha) I, solved by numpy's lstsq (no normal equations).
    X = np.concatenate([train.flat_features(), adapt.flat_features()])
    Y = np.concatenate([train.Y, adapt.Y]).reshape(len(X), -1)
    Xs = (X - model.x_mean_) / model.x_scale_
    Ys = (Y - model.y_mean_.reshape(-1)) / model.y_scale_.reshape(-1)
    augmented = np.vstack([Xs, np.sqrt(3.0) * np.eye(Xs.shape[1])])
    targets = np.vstack([Ys, np.zeros((Xs.shape[1], Ys.shape[1]))])
    expected = np.linalg.lstsq(augmented, targets, rcond=None)[0]
    np.testing.assert_allclose(model.coef_, expected, rtol=1e-6, atol=1e-8)


def test_forgetting_weighs_the_old_windows_less(cohort) -> None:
    train, adapt, test = cohort
    exact = create("ridge").fit(train).partial_fit(adapt)
    forgetful = create("ridge").fit(train).partial_fit(adapt, Adaptation(forgetting=0.5))
    assert np.all(rmse_per_quantity(forgetful, test) < rmse_per_quantity(exact, test))


def test_adapted_ridge_saves_and_adapts_again_after_loading(cohort, tmp_path) -> None:
    train, adapt, test = cohort
    half = len(adapt) // 2
    model = create("ridge").fit(train).partial_fit(adapt.subset(slice(0, half)))
    loaded = load_model(model.save(tmp_path / "ridge"))
    assert loaded.n_parameters() == model.coef_.size  # X'X is a statistic, not a parameter
    for each in (model, loaded):
        each.partial_fit(adapt.subset(slice(half, None)))
    np.testing.assert_array_equal(loaded.predict(test).mean, model.predict(test).mean)


def test_lstm_adaptation_lowers_the_new_subjects_error(cohort) -> None:
    train, adapt, test = cohort
    with torch.random.fork_rng():
        params = {"hidden": 16, "layers": 1, "epochs": 8, "sequence_length": 16, "patience": 0}
        model = create("lstm", threads=1, **params).fit(train)
        before = rmse_per_quantity(model, test)
        history = list(model.history.train_rmse)
        model.partial_fit(adapt, Adaptation(epochs=10, learning_rate=1e-3))
    after = rmse_per_quantity(model, test)
    assert np.all(after < 0.9 * before), (before, after)
    assert model.history.train_rmse == history  # the fit's history is kept


def test_models_without_adaptation_and_bad_settings_are_refused(cohort) -> None:
    train, adapt, _ = cohort
    with pytest.raises(KinemyoError, match="'mean' has no online adaptation"):
        create("mean").fit(train).partial_fit(adapt)
    with pytest.raises(KinemyoError, match="not fitted"):
        create("ridge").partial_fit(adapt)
    unlabelled = WindowedDataset(**{**adapt.__dict__, "Y": None})
    with pytest.raises(KinemyoError, match="partial_fit needs targets"):
        create("ridge").fit(train).partial_fit(unlabelled)
    for field, value in (("epochs", 0), ("learning_rate", -1.0), ("forgetting", 1.5)):
        with pytest.raises(KinemyoError, match=field):
            Adaptation(**{field: value})


def test_adapt_command_writes_an_adapted_run_whose_trials_evaluate_refuses(
    tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    from kinemyo.cli import main
    from kinemyo.data.siat_llmd import read_siat_llmd

    cohort, run, adapted = tmp_path / "cohort", tmp_path / "run", tmp_path / "adapted"
    generate = ["data", "generate", "--out", str(cohort), "--subjects", "3", "--motions", "WAK"]
    assert main([*generate, "--seconds", "10"]) == 0
    fit = ["fit", "ridge", str(cohort), "--config", "kinemyo-siat", "--out", str(run)]
    assert main([*fit, "--subjects", "Sub01,Sub02"]) == 0
    adapt = ["adapt", str(run), str(cohort), "--subjects", "Sub03", "--out", str(adapted)]
    assert main([*adapt, "--forgetting", "0.5"]) == 0
    # The same adaptation through the Python API, as the oracle of what the command wrote.
    pipeline = SignalPipeline.load(run / "pipeline")
    new = pipeline.transform(pipeline.window(read_siat_llmd(cohort, subjects=["Sub03"])))
    expected = load_model(run / "model").partial_fit(new, Adaptation(forgetting=0.5))
    np.testing.assert_array_equal(load_model(adapted / "model").coef_, expected.coef_)
    capsys.readouterr()
    assert main(["evaluate", str(adapted), str(cohort), "--subjects", "Sub03"]) == 1
    assert "Sub03_WAK" in capsys.readouterr().err
    again = ["adapt", str(run), str(cohort), "--subjects", "Sub01", "--out", str(tmp_path / "x")]
    assert main(again) == 0  # a training trial again: same name, same data, allowed
    other = tmp_path / "other"
    assert main([*generate[:3], str(other), *generate[4:], "--seconds", "10", "--seed", "5"]) == 0
    capsys.readouterr()
    clash = ["adapt", str(run), str(other), "--subjects", "Sub01", "--out", str(tmp_path / "y")]
    assert main(clash) == 1  # same name, other data: run.json could not keep both
    assert "['Sub01_WAK'] have the names of training trials" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("option", "value", "words"),
    [
        ("--learning-rate", "0", "'learning_rate' must be > 0"),
        ("--forgetting", "1.5", "'forgetting' must be <= 1"),
        ("--epochs", "0", "'epochs' must be >= 1"),
        ("--batch-size", "70000", "'batch_size' must be <= 65536"),
    ],
)
def test_adapt_options_are_checked_by_adaptation_naming_the_option(
    option: str, value: str, words: str, tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    from kinemyo.cli import main

    code = main(
        ["adapt", str(tmp_path), str(tmp_path), "--out", str(tmp_path / "x"), option, value]
    )
    captured = capsys.readouterr()
    text = " ".join((captured.out + captured.err).replace("│", " ").split())  # unwrap the box
    assert code == 2 and option in text and words in text and "Traceback" not in text


def test_adapt_refuses_a_model_without_adaptation_before_reading_the_data(
    tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    from kinemyo.cli import main

    cohort, run, empty = tmp_path / "cohort", tmp_path / "run", tmp_path / "empty"
    generate = ["data", "generate", "--out", str(cohort), "--subjects", "1", "--motions", "WAK"]
    assert main([*generate, "--seconds", "5"]) == 0
    assert main(["fit", "mean", str(cohort), "--config", "kinemyo-siat", "--out", str(run)]) == 0
    empty.mkdir()  # not a dataset: reading it first would fail on the data instead
    capsys.readouterr()
    assert main(["adapt", str(run), str(empty), "--out", str(tmp_path / "x")]) == 1
    assert "Model 'mean' has no online adaptation" in capsys.readouterr().err
