"""The configured sEMG pipeline: shapes, targets, boundaries, what is fitted on which samples,
early errors, persistence."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from kinemyo.config import PipelineConfig, load_config, save_config
from kinemyo.data.recording import SignalBlock
from kinemyo.data.siat_llmd import read_siat_llmd
from kinemyo.data.synthetic import CohortConfig, generate_cohort
from kinemyo.errors import DataFormatError, KinemyoError
from kinemyo.evaluation.protocols import within_trial
from kinemyo.signal import bandpass, detail_maxima, dwt_denoise, sliding_windows
from kinemyo.signal.pipeline import SignalPipeline
from tests.conftest import SPEC_JOINTS, SPEC_MUSCLES, requires_real_data

FS = 1920.0


@pytest.fixture(scope="module")
def recordings():
    cohort = generate_cohort(CohortConfig(subjects=2, motions=("DNS", "WAK"), seconds=6, seed=3))
    return cohort.recordings


def config(**changes) -> PipelineConfig:
    return PipelineConfig.model_validate(changes)


def test_seed_siat_preset_gives_the_seed_tensors(recordings) -> None:
    pipeline = SignalPipeline(load_config("seed-siat"))
    data = pipeline.fit_transform(pipeline.window(recordings))
    n = len(data)
    assert data.X.shape == (n, 9, 6) and data.Y.shape == (n, 8, 2)
    assert data.channels == tuple(SPEC_MUSCLES) and data.joints == tuple(SPEC_JOINTS)
    assert data.features == ("iemg", "var", "wl", "zc", "ssc", "wamp")
    assert data.quantities == ("angle", "moment") and data.units == ("deg", "N·m")
    # 4 trials of 6 s, windows of 100 every 50 samples, fewer where segments end
    assert 0.8 * 4 * (6 * 1920 // 50) < n < 4 * (6 * 1920 // 50)
    assert np.isfinite(data.X).all()
    counts = data.X[:, :, 3:]
    assert np.array_equal(counts, np.round(counts)) and counts.max() <= 99  # not standardised


def test_both_presets_load_and_the_seed_is_the_default() -> None:
    seed, kinemyo = load_config("seed-siat"), load_config("kinemyo-siat")
    assert seed == PipelineConfig()
    assert (seed.bandpass.causal, seed.bandpass.form, seed.targets.at) == (True, "ba", "mean")
    assert (kinemyo.bandpass.causal, kinemyo.bandpass.form, kinemyo.targets.at) == (
        True,
        "sos",
        "last",
    )
    assert not kinemyo.denoise.enabled and kinemyo.features.standardise
    sequence = load_config("seed-sequence")
    assert sequence == seed.model_copy(update={"window": sequence.window})
    assert not sequence.window.split_on_status


def test_targets_are_averaged_over_the_window_or_taken_at_its_last_sample(recordings) -> None:
    rec = recordings[0]
    windows = SignalPipeline(config()).window([rec])
    first = windows.start[5]
    expected = rec.moments.values[first : first + 100].mean(axis=0)
    np.testing.assert_allclose(windows.Y[5, :, 1], expected, rtol=1e-5, atol=1e-4)
    last = SignalPipeline(config(targets={"at": "last"})).window([rec])
    ends = last.start + 99
    np.testing.assert_array_equal(last.Y[:, :, 0], rec.angles.values[ends])
    np.testing.assert_array_equal(last.Y[:, :, 1], rec.moments.values[ends])


def test_windows_never_cross_a_group_or_status_change(recordings) -> None:
    windows = SignalPipeline(config()).window(recordings)
    for source, rec in enumerate(recordings):
        own = windows.source == source
        np.testing.assert_array_equal(windows.rank[own], np.arange(own.sum()))
        for start in windows.start[own]:
            span = slice(start, start + 100)
            assert np.unique(rec.labels.group[span]).size == 1
            assert np.unique(rec.labels.status[span]).size == 1


def test_training_signals_join_the_spans_of_runs_of_consecutive_windows(recordings) -> None:
    windows = SignalPipeline(config()).window(recordings[:1])
    n = len(windows)
    keep = np.ones(n, dtype=bool)
    keep[[10, 11, 30]] = False  # three runs: 0-9, 12-29, 31-end
    (part,) = windows.subset(np.flatnonzero(keep)).training_signals()
    signal, start, kept = windows.signals[0], windows.start, np.flatnonzero(keep)
    spans = [(start[0], start[9] + 100), (start[12], start[29] + 100), (start[31], start[-1] + 100)]
    np.testing.assert_array_equal(part.samples, np.concatenate([signal[a:b] for a, b in spans]))
    for position, offset in zip(part.index, part.offsets, strict=True):
        first = start[kept[position]]
        np.testing.assert_array_equal(
            part.samples[offset : offset + 100], signal[first : first + 100]
        )
    assert part.subject == recordings[0].meta.subject


def _seed_chain_by_hand(train: np.ndarray) -> np.ndarray:
    """The seed chain on ``train`` with values fitted on it, from the library's tested parts:
    offset, 0.08 x signed detail maxima, DWT shrinkage, one lfilter pass."""
    offset = train.mean(axis=0)
    thresholds = 0.08 * detail_maxima(train - offset, "db7", 8)
    x = dwt_denoise(train - offset, thresholds, "db7", 8)
    return bandpass(x, FS, low=15.0, high=400.0, order=7, causal=True, form="ba")


def test_every_fitted_value_comes_from_the_training_windows_of_its_subject(recordings) -> None:
    dns = [rec for rec in recordings if rec.meta.task == "DNS"]  # one trial per subject
    pipeline = SignalPipeline(load_config("seed-siat"))
    windows = pipeline.window(dns)
    split = within_trial(windows)
    train = pipeline.fit_transform(windows.subset(split.train))
    for source, rec in enumerate(dns):
        own = split.train[windows.source[split.train] == source]
        first, end = windows.start[own].min(), windows.start[own].max() + 100
        filtered = _seed_chain_by_hand(windows.signals[source][first:end])
        cut = sliding_windows(filtered, windows.start[own] - first, 100)
        peak = np.abs(cut).max(axis=(0, 1))
        scale = pipeline.scaler_[rec.meta.subject].state()["scale"]
        np.testing.assert_allclose(scale, peak, rtol=1e-9)
        offset = pipeline.conditioning_[rec.meta.subject].offset
        np.testing.assert_allclose(offset, windows.signals[source][first:end].mean(axis=0))
        # the training features are those of the hand-made chain, scaled by the subject's peak
        rows = np.searchsorted(split.train, own)
        iemg = np.abs(cut / peak).sum(axis=1)
        np.testing.assert_allclose(train.X[rows, :, 0], iemg, rtol=1e-5)
    # a subject without training windows gets the values fitted on all of them
    scales = [pipeline.scaler_[rec.meta.subject].state()["scale"] for rec in dns]
    np.testing.assert_array_equal(pipeline.scaler_["Sub99"].state()["scale"], np.max(scales, 0))
    assert not np.allclose(scales[0], scales[1])  # per subject indeed


def test_fit_per_all_pools_every_subject(recordings) -> None:
    pipeline = SignalPipeline(config(fit_per="all"))
    windows = pipeline.window(recordings)
    pipeline.fit(windows)
    assert dict(pipeline.scaler_.subjects) == {} and dict(pipeline.conditioning_.subjects) == {}
    starts = [windows.start[windows.source == source] for source in range(len(recordings))]
    spans = [
        signal[own.min() : own.max() + 100]
        for own, signal in zip(starts, windows.signals, strict=True)
    ]
    np.testing.assert_allclose(
        pipeline.conditioning_["Sub01"].offset, np.concatenate(spans).mean(0)
    )
    for fitted in (pipeline.conditioning_, pipeline.scaler_):
        assert fitted["Sub01"] is fitted["Sub02"] is fitted.pooled


def test_standardisation_is_fitted_on_the_training_windows(recordings) -> None:
    pipeline = SignalPipeline(load_config("kinemyo-siat"))
    windows = pipeline.window(recordings)
    split = within_trial(windows)
    train = pipeline.fit_transform(windows.subset(split.train)).X
    np.testing.assert_allclose(train.mean(axis=0), 0, atol=1e-4)
    test = pipeline.transform(windows.subset(split.test)).X
    assert np.abs(test.mean(axis=0)).max() > 1e-3  # ... and only on them


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"window": {"length": 20000}}, "window.length=20000"),
        ({"bandpass": {"high": 990.0}}, "bandpass.high=990"),
        ({"denoise": {"level": 14}}, "denoise.level=14"),
        ({"notch": {"enabled": True, "freq": 1000.0}}, "notch.freq=1000"),
    ],
)
def test_data_dependent_config_errors_come_before_any_window(recordings, changes, field) -> None:
    with pytest.raises(KinemyoError, match=field):
        SignalPipeline(config(**changes)).window(recordings)


def test_a_training_signal_too_short_for_the_wavelet_level_is_named(recordings) -> None:
    pipeline = SignalPipeline(config())
    windows = pipeline.window(recordings[:1])
    with pytest.raises(KinemyoError, match=r"denoise.level=8 .*a training signal \(\d+ samples"):
        pipeline.fit(windows.subset(np.arange(7)))  # 7 windows: a few hundred samples


@pytest.mark.parametrize(
    ("yaml_text", "field"),
    [
        ("window: {step: -5}", "window.step"),
        ("bandpass: {low: 500, high: 400}", "bandpass"),
        ("features: {names: [iemg]}\nwindows: {length: 3}", "windows"),
        ("bandpass: {form: zpk}", "bandpass.form"),
        ("fit_per: trial", "fit_per"),
    ],
)
def test_config_values_out_of_range_name_the_field(tmp_path: Path, yaml_text, field) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml_text)
    with pytest.raises(KinemyoError, match=rf"{path}: invalid configuration: .*{field}"):
        load_config(path)


def test_config_yaml_round_trip_and_unknown_preset(tmp_path: Path) -> None:
    changed = config(window={"length": 200, "step": 100}, targets={"at": "last"})
    save_config(changed, tmp_path / "c.yaml")
    assert load_config(tmp_path / "c.yaml") == changed
    with pytest.raises(
        KinemyoError,
        match=r"presets: kinemyo-envelope, kinemyo-lab, kinemyo-siat, seed-sequence, seed-siat",
    ):
        load_config("seed-nope")


def test_missing_channels_and_masked_emg_are_named(recordings) -> None:
    rec = recordings[0]
    renamed = dataclasses.replace(
        rec, emg=SignalBlock(rec.emg.values, ("tfl", *SPEC_MUSCLES[1:]), rec.emg.units)
    )
    with pytest.raises(KinemyoError, match=r"lacks the EMG channel\(s\) .*'tensor fascia lata'"):
        SignalPipeline(config()).window([renamed])
    values = rec.emg.values.copy()
    values[100:110, 2] = np.nan
    valid = np.isfinite(values)
    gappy = dataclasses.replace(rec, emg=dataclasses.replace(rec.emg, values=values, valid=valid))
    with pytest.raises(KinemyoError, match=r"missing EMG samples.*nan_policy"):
        SignalPipeline(config()).window([gappy])


@pytest.mark.parametrize("preset", ["seed-siat", "kinemyo-siat"])
def test_saved_pipeline_transforms_identically(recordings, tmp_path: Path, preset) -> None:
    pipeline = SignalPipeline(load_config(preset))
    windows = pipeline.window(recordings)
    pipeline.fit(windows.subset(np.flatnonzero(windows.subject == "Sub01")))
    pipeline.save(tmp_path / "saved")
    assert sorted(p.name for p in (tmp_path / "saved").iterdir() if p.name[0] != ".") == [
        "pipeline.json",
        "scalers.safetensors",
    ]
    loaded = SignalPipeline.load(tmp_path / "saved")
    assert loaded.config == pipeline.config
    assert dict(loaded.scaler_.subjects).keys() == {"Sub01"}
    np.testing.assert_array_equal(loaded.transform(windows).X, pipeline.transform(windows).X)


def test_transform_before_fit_and_saving_unfitted_are_refused(recordings, tmp_path) -> None:
    pipeline = SignalPipeline(config())
    with pytest.raises(KinemyoError, match="not fitted"):
        pipeline.transform(pipeline.window(recordings[:1]))
    with pytest.raises(KinemyoError, match="not fitted"):
        pipeline.save(tmp_path / "p")
    with pytest.raises(KinemyoError, match="zero windows"):
        pipeline.fit(pipeline.window(recordings[:1]).subset(np.arange(0)))


def test_real_fragment_gives_finite_features_without_targets() -> None:
    path = requires_real_data("siat_llmd_semg_Sub10_session.csv.gz")
    (rec,) = read_siat_llmd(path)
    for preset in ("seed-siat", "kinemyo-siat"):
        pipeline = SignalPipeline(load_config(preset))
        data = pipeline.fit_transform(pipeline.window([rec]))
        assert data.Y is None
        assert len(data) == (rec.n_samples - 100) // 50 + 1  # no labels: one segment
        assert np.isfinite(data.X).all()


def test_values_no_body_produces_are_refused_by_channel_and_row_unless_allowed(recordings):
    rec = recordings[0]
    emg, moments = rec.emg.values.copy(), rec.moments.values.copy()
    emg[41, 8] = 250.0  # mV: beyond the amplifier's range
    moments[9, 2] = -3e38  # N·m: a corrupt cell
    broken = dataclasses.replace(
        rec,
        emg=dataclasses.replace(rec.emg, values=emg),
        moments=dataclasses.replace(rec.moments, values=moments),
    )
    with pytest.raises(KinemyoError) as error:
        SignalPipeline(config()).window([broken])
    message = str(error.value)
    assert "EMG 'soleus' row 42: 250 mV (plausible |x| <= 100)" in message
    assert "joint moment 'left knee flexion' row 10: -3e+38 N·m" in message
    assert len(SignalPipeline(config(), allow_implausible=True).window([broken])) > 0


def test_a_pipeline_saved_before_fitted_filters_or_damaged_is_refused_by_file(
    recordings, tmp_path: Path
) -> None:
    import json

    pipeline = SignalPipeline(config()).fit(SignalPipeline(config()).window(recordings[:1]))
    pipeline.save(tmp_path / "p")
    meta = tmp_path / "p" / "pipeline.json"
    old = json.loads(meta.read_text())
    del old["subjects"]  # as the previous version wrote it
    meta.write_text(json.dumps(old))
    with pytest.raises(DataFormatError, match=r"pipeline.json.*a list of subjects"):
        SignalPipeline.load(tmp_path / "p")
    old["subjects"] = []
    old["config"]["channels"] = old["config"]["channels"][:8]  # arrays fitted on 9 channels
    meta.write_text(json.dumps(old))
    with pytest.raises(DataFormatError, match=r"scalers.safetensors.*are not \(8,\)"):
        SignalPipeline.load(tmp_path / "p")
    (tmp_path / "p" / "scalers.safetensors").unlink()
    with pytest.raises(DataFormatError, match=r"scalers\.safetensors.*missing"):
        SignalPipeline.load(tmp_path / "p")
