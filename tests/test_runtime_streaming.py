"""The streaming estimator equals the offline pipeline + predict for any chunking and every model;
chains that cannot stream are refused naming the stage."""

from __future__ import annotations

import numpy as np
import pytest

from kinemyo.config import load_config
from kinemyo.errors import KinemyoError
from kinemyo.models.registry import available, create, model_class
from kinemyo.models.sequence import SequenceRegressor
from kinemyo.runtime.streaming import StreamingEstimator, StreamOutput
from kinemyo.signal.pipeline import SignalPipeline
from tests.conftest import make_recording

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TINY = {"hidden": 8, "layers": 1, "sequence_length": 5, "epochs": 1, "batch_size": 8}
"""A sequence model small enough to fit in a fraction of a second."""


def _models() -> list[str]:
    """Every registered causal model: the point models and every sequence network."""
    return [name for name in available() if not model_class(name).not_causal]


def _params(name: str) -> dict:
    if issubclass(model_class(name), SequenceRegressor):
        return dict(TINY)
    return {}


@pytest.fixture(scope="module")
def fitted() -> tuple[SignalPipeline, object, object]:
    """kinemyo-siat fitted on a continuous recording (no Group/Status boundaries), its offline
    windows and the recording."""
    recording = make_recording(n=1800, labels=False, seed=3)
    pipeline = SignalPipeline(load_config("kinemyo-siat"))
    windows = pipeline.window([recording])
    train = pipeline.fit_transform(windows)
    return pipeline, train, recording


def _stream(estimator: StreamingEstimator, recording, chunk: int):
    emg = recording.emg.select(estimator.schema.channels).values
    parts = [
        estimator.push(emg[i : i + chunk], recording.time[i : i + chunk])
        for i in range(0, len(emg), chunk)
    ]
    return parts


@pytest.mark.parametrize("name", _models())
def test_streaming_equals_offline_for_any_chunking(name: str, fitted) -> None:
    pipeline, train, recording = fitted
    model = create(name, **_params(name)).fit(train)
    offline_data = pipeline.transform(pipeline.window([recording]))
    offline = model.predict(offline_data)
    for chunk in (1, 7, 1000):
        estimator = StreamingEstimator(pipeline, model, subject="Sub01")
        out = StreamOutput.join(_stream(estimator, recording, chunk), estimator.schema)
        assert out.flags.tolist() == [0] * len(offline_data), (name, chunk)
        np.testing.assert_array_equal(out.times, offline_data.time)
        np.testing.assert_allclose(out.values, offline.mean, rtol=1e-5, atol=1e-5, err_msg=name)
        if offline.std is not None:
            np.testing.assert_allclose(out.std, offline.std, rtol=1e-5, atol=1e-5)


def test_a_model_that_needs_later_windows_is_refused(fitted) -> None:
    pipeline, train, _ = fitted
    model = create("template").fit(train)
    with pytest.raises(KinemyoError, match=r"Model 'template' cannot stream: .*cycle"):
        StreamingEstimator(pipeline, model, subject="Sub01")


def test_a_chain_that_cannot_stream_is_refused_naming_the_stage(fitted) -> None:
    _, train, _ = fitted
    model = create("ridge").fit(train)
    seed = SignalPipeline(load_config("seed-siat"))  # refused before anything is fitted
    with pytest.raises(KinemyoError, match=r"denoise\.enabled=true.*bandpass\.form='ba'"):
        StreamingEstimator(seed, model)
    siat = load_config("kinemyo-siat")
    zero_phase = siat.model_copy(
        update={"bandpass": siat.bandpass.model_copy(update={"causal": False})}
    )
    with pytest.raises(KinemyoError, match=r"bandpass\.causal=false \(bandpass and notch"):
        StreamingEstimator(SignalPipeline(zero_phase), model)


def test_a_run_records_its_rate_and_a_bad_one_is_refused(fitted, tmp_path) -> None:
    import json

    from kinemyo.errors import DataFormatError

    pipeline, _, _ = fitted
    pipeline.save(tmp_path / "pipeline")
    assert SignalPipeline.load(tmp_path / "pipeline").fs_ == 1920.0
    meta_file = tmp_path / "pipeline" / "pipeline.json"
    meta = json.loads(meta_file.read_text())
    meta["fs"] = -5
    meta_file.write_text(json.dumps(meta))
    with pytest.raises(DataFormatError, match=r"fs=-5 is not a sampling rate in Hz"):
        SignalPipeline.load(tmp_path / "pipeline")


def test_wrong_shapes_and_unknown_subjects_are_refused(fitted) -> None:
    pipeline, train, _ = fitted
    model = create("ridge").fit(train)
    with pytest.raises(KinemyoError, match=r"subject 'Sub09' has no fitted values.*Sub01"):
        StreamingEstimator(pipeline, model, subject="Sub09")
    estimator = StreamingEstimator(pipeline, model)
    with pytest.raises(KinemyoError, match=r"samples must be \(n, 9\)"):
        estimator.push(np.zeros((4, 8)), np.arange(4) / 1920)
    with pytest.raises(KinemyoError, match=r"timestamps must be \(4,\)"):
        estimator.push(np.zeros((4, 9)), np.arange(3) / 1920)
    assert len(estimator.push(np.zeros((0, 9)), np.zeros(0))) == 0


@pytest.mark.parametrize(
    ("name", "params", "path"),
    [
        ("ffn", {"options": {"window": 3}}, "single step"),  # reads 3 of its 5 context windows
        ("tcn", {"layers": 2, "sequence_length": 13}, "single step"),  # field 1 + 2 * 2 * 3 = 13
        ("tcn", {"layers": 2, "sequence_length": 12}, "staggered step"),  # one window short
    ],
)
def test_a_network_that_forgets_within_its_context_streams_one_state(
    name, params, path, fitted
) -> None:
    pipeline, train, recording = fitted
    model = create(name, **(TINY | params)).fit(train)
    offline_data = pipeline.transform(pipeline.window([recording]))
    offline = model.predict(offline_data).mean
    estimator = StreamingEstimator(pipeline, model, subject="Sub01")
    assert estimator.model_path == path
    out = StreamOutput.join(_stream(estimator, recording, 7), estimator.schema)
    np.testing.assert_allclose(out.values, offline, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", ["lstm", "xlstm"])
def test_carry_runs_one_state_over_every_window_since_the_restart(name: str, fitted) -> None:
    """carry=True: the estimate of window k is the network's step from its initial state over
    windows 0..k (oracle: that loop written here on the offline features), not the offline
    context of the last sequence_length windows."""
    import torch

    pipeline, train, recording = fitted
    model = create(name, **TINY).fit(train)
    offline_data = pipeline.transform(pipeline.window([recording]))
    estimator = StreamingEstimator(pipeline, model, subject="Sub01", carry=True)
    assert estimator.model_path == "carried step"
    out = StreamOutput.join(_stream(estimator, recording, 7), estimator.schema)
    x = (offline_data.flat_features() - model.x_mean_) / model.x_scale_
    network, state, steps = model.network_.eval(), model.network_.initial_state(1), []
    with torch.no_grad():
        for row in x:
            y, state = network.step(torch.as_tensor(row[None], dtype=torch.float32), state)
            steps.append(y[0].numpy())
    shape = (len(x), *model.y_scale_.shape)
    expected = np.asarray(steps, np.float64).reshape(shape) * model.y_scale_ + model.y_mean_
    np.testing.assert_allclose(out.values, expected, rtol=1e-5, atol=1e-5)
    offline = model.predict(offline_data).mean
    late = slice(TINY["sequence_length"], None)  # beyond the context, the two forms part
    assert np.abs(out.values[late] - offline[late]).max() > 1e-3


def test_real_semg_streams_like_offline_without_false_faults(fitted) -> None:
    """The real Sub10 sEMG with its own Time column (6 decimals: steps of 0.000520 and
    0.000521 s) raises no fault, and its streamed estimates equal the offline ones."""
    from kinemyo.data.siat_llmd import read_siat_llmd
    from tests.conftest import requires_real_data

    (real,) = read_siat_llmd(requires_real_data("siat_llmd_semg_Sub10_session.csv.gz"))
    pipeline, train, _ = fitted
    model = create("lstm", **TINY).fit(train)
    offline_data = pipeline.transform(pipeline.window([real]))  # Sub10: the pooled values
    offline = model.predict(offline_data).mean
    for chunk in (32, 5000):
        estimator = StreamingEstimator(pipeline, model)
        out = StreamOutput.join(_stream(estimator, real, chunk), estimator.schema)
        assert not out.flags.any()
        np.testing.assert_array_equal(out.times, offline_data.time)
        np.testing.assert_allclose(out.values, offline, rtol=1e-5, atol=1e-5)


def test_the_envelope_preset_streams_like_offline(fitted) -> None:
    """kinemyo-envelope disables the band-pass (its form stays the default 'ba'): the chain
    streams, and with no filter at all its estimates equal the offline ones."""
    from tests.test_envelope import _envelope

    config = load_config("kinemyo-envelope")
    assert not config.bandpass.enabled and config.bandpass.form == "ba"
    train = _envelope(make_recording(n=1800, labels=False, seed=3))
    recording = _envelope(make_recording(n=1500, labels=False, seed=4))
    pipeline = SignalPipeline(config)
    model = create("ridge").fit(pipeline.fit_transform(pipeline.window([train])))
    offline_data = pipeline.transform(pipeline.window([recording]))
    offline = model.predict(offline_data).mean
    for chunk in (1, 7, 1000):
        estimator = StreamingEstimator(pipeline, model)
        out = StreamOutput.join(_stream(estimator, recording, chunk), estimator.schema)
        assert not out.flags.any()
        np.testing.assert_array_equal(out.times, offline_data.time)
        np.testing.assert_allclose(out.values, offline, rtol=1e-5, atol=1e-5)


def test_a_zero_phase_notch_without_band_pass_is_refused_naming_the_notch() -> None:
    from kinemyo.signal.conditioning import streaming_problems

    config = load_config("kinemyo-envelope")
    zero_phase = config.bandpass.model_copy(update={"causal": False})
    assert streaming_problems(config.model_copy(update={"bandpass": zero_phase})) == []
    notch = config.model_copy(
        update={"bandpass": zero_phase, "notch": config.notch.model_copy(update={"enabled": True})}
    )
    (problem,) = streaming_problems(notch)
    assert problem.startswith("bandpass.causal=false (notch run zero-phase")


def test_a_sequence_model_with_damaged_weights_streams_no_estimate(fitted) -> None:
    """No non-finite estimate leaves the streaming path either: it refuses as predict does."""
    import torch

    pipeline, train, recording = fitted
    model = create("lstm", **TINY).fit(train)
    with torch.no_grad():
        next(model.network_.parameters()).fill_(float("nan"))
    data = pipeline.transform(pipeline.window([recording]))
    refusal = r"LSTMRegressor produced non-finite estimates for \d+ of \d+ windows"
    with pytest.raises(KinemyoError, match=refusal):
        model.predict(data)
    estimator = StreamingEstimator(pipeline, model, subject="Sub01")
    with pytest.raises(KinemyoError, match=refusal):
        _stream(estimator, recording, 1000)


def test_pushes_that_complete_no_window_return_the_one_empty_output(fitted) -> None:
    pipeline, train, recording = fitted
    estimator = StreamingEstimator(pipeline, create("ridge").fit(train), subject="Sub01")
    emg = recording.emg.select(estimator.schema.channels).values
    first = estimator.push(emg[:3], recording.time[:3])
    second = estimator.push(emg[3:5], recording.time[3:5])
    assert first is second and len(first) == 0
    assert first.values.shape == (0, len(estimator.schema.joints), 2) and first.std is None


def test_the_streaming_conditioner_still_refuses_a_non_finite_chunk(fitted) -> None:
    from kinemyo.signal.conditioning import StreamingConditioner

    pipeline = fitted[0]
    conditioner = StreamingConditioner(pipeline.conditioning_[None], pipeline.config, 1920.0)
    chunk = np.zeros((4, 9))
    chunk[2, 0] = np.nan
    with pytest.raises(KinemyoError, match="chunk has non-finite"):
        conditioner(chunk)
