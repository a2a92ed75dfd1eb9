"""The configured sEMG pipeline: shapes, targets, boundaries, no leakage, early errors, cache."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from kinemyo.config import PipelineConfig, load_config, save_config
from kinemyo.data.recording import SignalBlock
from kinemyo.data.siat_llmd import read_siat_llmd
from kinemyo.data.synthetic import CohortConfig, generate_cohort
from kinemyo.errors import KinemyoError
from kinemyo.evaluation.protocols import within_trial
from kinemyo.signal import filters
from kinemyo.signal.pipeline import SignalPipeline
from tests.conftest import SPEC_JOINTS, SPEC_MUSCLES, requires_real_data

FAST = {"denoise": {"level": 4}}  # a shallower packet tree keeps the tests quick


@pytest.fixture(scope="module")
def recordings():
    cohort = generate_cohort(CohortConfig(subjects=2, motions=("DNS", "WAK"), seconds=6, seed=3))
    return cohort.recordings


def config(**changes) -> PipelineConfig:
    return PipelineConfig.model_validate({**FAST, **changes})


@pytest.fixture
def pipeline(tmp_path: Path) -> SignalPipeline:
    return SignalPipeline(config(), cache_dir=tmp_path / "cache")


def test_seed_siat_preset_gives_the_seed_tensors(recordings, tmp_path: Path) -> None:
    pipeline = SignalPipeline(load_config("seed-siat"), cache_dir=tmp_path)
    windows = pipeline.window(recordings)
    data = pipeline.fit(windows).transform(windows)
    n = len(data)
    assert data.X.shape == (n, 9, 6) and data.Y.shape == (n, 8, 2)
    assert data.channels == tuple(SPEC_MUSCLES) and data.joints == tuple(SPEC_JOINTS)
    assert data.features == ("iemg", "var", "wl", "zc", "cc", "mnf")
    assert data.quantities == ("angle", "moment") and data.units == ("deg", "N·m")
    # 4 trials of 6 s, windows of 100 every 50 samples, fewer where segments end
    assert 0.8 * 4 * (6 * 1920 // 50) < n < 4 * (6 * 1920 // 50)
    assert np.isfinite(data.X).all()


def test_targets_are_taken_at_the_last_sample_or_averaged(recordings, pipeline) -> None:
    windows = pipeline.window(recordings)
    rec = recordings[0]
    own = np.flatnonzero(windows.source == 0)
    last = windows.start[own] + 99
    np.testing.assert_array_equal(windows.Y[own, :, 0], rec.angles.values[last])
    np.testing.assert_array_equal(windows.Y[own, :, 1], rec.moments.values[last])
    averaging = SignalPipeline(config(targets={"at": "mean"}), cache_dir=None)
    mean_windows = averaging.window([rec])
    first = mean_windows.start[5]
    expected = rec.moments.values[first : first + 100].mean(axis=0)
    np.testing.assert_allclose(mean_windows.Y[5, :, 1], expected, rtol=1e-5, atol=1e-4)


def test_windows_never_cross_a_group_or_status_change(recordings, pipeline) -> None:
    windows = pipeline.window(recordings)
    for source, rec in enumerate(recordings):
        for start in windows.start[windows.source == source]:
            span = slice(start, start + 100)
            assert np.unique(rec.labels.group[span]).size == 1
            assert np.unique(rec.labels.status[span]).size == 1


def test_scales_come_from_the_training_windows_only(recordings, pipeline) -> None:
    windows = pipeline.window(recordings)
    split = within_trial(windows)
    pipeline.fit(windows.subset(split.train))
    train = windows.subset(split.train)
    expected = np.zeros(9)
    for source, index in train.by_source():
        covered = np.zeros(windows.signals[source].shape[0], dtype=bool)
        for start in train.start[index]:
            covered[start : start + 100] = True
        expected = np.maximum(expected, np.abs(windows.signals[source][covered]).max(axis=0))
    np.testing.assert_allclose(pipeline.scaler_.state()["scale"], expected, rtol=1e-6)
    everything = np.max([np.abs(s).max(axis=0) for s in windows.signals], axis=0)
    assert not np.allclose(expected, everything)  # the test windows would have changed them
    features = pipeline.transform(train).X
    np.testing.assert_allclose(features.mean(axis=0), 0, atol=1e-4)  # standardised on train
    test = pipeline.transform(windows.subset(split.test)).X
    assert np.abs(test.mean(axis=0)).max() > 1e-3  # ... and only on train


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"window": {"length": 20000}}, "window.length=20000"),
        ({"bandpass": {"high": 990.0}}, "bandpass.high=990"),
        ({"denoise": {"level": 14}}, "denoise.level=14"),
        ({"notch": {"enabled": True, "freq": 1000.0}}, "notch.freq=1000"),
    ],
)
def test_data_dependent_config_errors_come_before_any_work(
    recordings, changes, field, monkeypatch
) -> None:
    def no_work(*args, **kwargs):
        raise AssertionError("filtering started before the config was checked")

    monkeypatch.setattr(filters, "remove_baseline", no_work)
    with pytest.raises(KinemyoError, match=field):
        SignalPipeline(config(**changes), cache_dir=None).window(recordings)


@pytest.mark.parametrize(
    ("yaml_text", "field"),
    [
        ("window: {step: -5}", "window.step"),
        ("bandpass: {low: 500, high: 400}", "bandpass"),
        ("features: {names: [iemg]}\nwindows: {length: 3}", "windows"),
        ("denoise: {rule: loudest}", "denoise.rule"),
    ],
)
def test_config_values_out_of_range_name_the_field(tmp_path: Path, yaml_text, field) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml_text)
    with pytest.raises(KinemyoError, match=rf"{path}: invalid configuration: .*{field}"):
        load_config(path)


def test_config_yaml_round_trip_and_unknown_preset(tmp_path: Path) -> None:
    changed = config(window={"length": 200, "step": 100}, targets={"at": "mean"})
    save_config(changed, tmp_path / "c.yaml")
    assert load_config(tmp_path / "c.yaml") == changed
    assert load_config("seed-siat") == PipelineConfig()
    with pytest.raises(KinemyoError, match=r"presets: seed-sequence, seed-siat"):
        load_config("seed-nope")


def test_missing_channels_and_masked_emg_are_named(recordings) -> None:
    rec = recordings[0]
    renamed = dataclasses.replace(
        rec, emg=SignalBlock(rec.emg.values, ("tfl", *SPEC_MUSCLES[1:]), rec.emg.units)
    )
    with pytest.raises(KinemyoError, match=r"lacks the EMG channel\(s\) .*'tensor fascia lata'"):
        SignalPipeline(config(), cache_dir=None).window([renamed])
    values = rec.emg.values.copy()
    values[100:110, 2] = np.nan
    valid = np.isfinite(values)
    gappy = dataclasses.replace(rec, emg=dataclasses.replace(rec.emg, values=values, valid=valid))
    with pytest.raises(KinemyoError, match=r"missing EMG samples.*nan_policy"):
        SignalPipeline(config(), cache_dir=None).window([gappy])


def test_filtered_signals_are_cached_by_config_and_data(
    recordings, tmp_path: Path, monkeypatch
) -> None:
    cache = tmp_path / "cache"
    first = SignalPipeline(config(), cache_dir=cache).window(recordings[:1])
    assert len(list((cache / "filtered").glob("*.npy"))) == 1

    def no_filtering(*args, **kwargs):
        raise AssertionError("filtered again although cached")

    with monkeypatch.context() as patch:
        patch.setattr(filters, "bandpass", no_filtering)
        again = SignalPipeline(config(), cache_dir=cache).window(recordings[:1])
    np.testing.assert_array_equal(again.signals[0], first.signals[0])
    other = SignalPipeline(config(bandpass={"low": 20.0}), cache_dir=cache).window(recordings[:1])
    assert len(list((cache / "filtered").glob("*.npy"))) == 2
    assert not np.allclose(other.signals[0], first.signals[0])


def test_saved_pipeline_transforms_identically(recordings, pipeline, tmp_path: Path) -> None:
    windows = pipeline.window(recordings)
    pipeline.fit(windows)
    pipeline.save(tmp_path / "saved")
    assert sorted(p.name for p in (tmp_path / "saved").iterdir()) == [
        "pipeline.json",
        "scalers.safetensors",
    ]
    loaded = SignalPipeline.load(tmp_path / "saved", cache_dir=None)
    assert loaded.config == pipeline.config
    np.testing.assert_array_equal(loaded.transform(windows).X, pipeline.transform(windows).X)


def test_transform_before_fit_is_refused(recordings, pipeline) -> None:
    with pytest.raises(KinemyoError, match="not fitted"):
        pipeline.transform(pipeline.window(recordings[:1]))


def test_real_fragment_gives_finite_features_without_targets(tmp_path: Path) -> None:
    path = requires_real_data("siat_llmd_semg_Sub10_session.csv.gz")
    (rec,) = read_siat_llmd(path)
    pipeline = SignalPipeline(load_config("seed-siat"), cache_dir=tmp_path)
    windows = pipeline.window([rec])
    data = pipeline.fit(windows).transform(windows)
    assert data.Y is None
    assert len(data) == (rec.n_samples - 100) // 50 + 1  # no labels: one segment
    assert np.isfinite(data.X).all()
