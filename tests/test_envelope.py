"""Envelope inputs: the envelope features by hand, the kinemyo-envelope preset on envelopes made
from the synthetic cohort's sEMG, and its refusal of raw sEMG."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from kinemyo.config import PipelineConfig, load_config
from kinemyo.data.recording import SignalBlock
from kinemyo.data.synthetic import CohortConfig, generate_cohort
from kinemyo.errors import KinemyoError
from kinemyo.signal.features import ENVELOPE_FEATURES, compute_features
from kinemyo.signal.pipeline import SignalPipeline


def test_envelope_features_by_hand() -> None:
    # one window of 4 samples, 2 channels: a ramp 1, 3, 5, 7 and a dip 4, 0, 2, 6
    w = np.array([[[1.0, 4.0], [3.0, 0.0], [5.0, 2.0], [7.0, 6.0]]])
    features = compute_features(w, ENVELOPE_FEATURES)
    # mean, last, least-squares slope (per sample), min, max
    # slope of the dip: i - 1.5 = -1.5, -.5, .5, 1.5; sum (i - 1.5) x = -6 + 0 + 1 + 9 = 4; / 5
    np.testing.assert_allclose(features[0, 0], [4.0, 7.0, 2.0, 1.0, 7.0])
    np.testing.assert_allclose(features[0, 1], [3.0, 6.0, 0.8, 0.0, 6.0])


@pytest.fixture(scope="module")
def raw_recordings():
    return generate_cohort(CohortConfig(subjects=1, motions=("WAK",), seconds=4, seed=1)).recordings


def _envelope(rec):
    """Rectified sEMG smoothed by a 50-sample moving average: an envelope, >= 0."""
    kernel = np.ones(50) / 50
    values = np.abs(rec.emg.values)
    smooth = np.stack(
        [np.convolve(values[:, k], kernel, mode="same") for k in range(values.shape[1])], axis=1
    )
    return dataclasses.replace(rec, emg=SignalBlock(smooth, rec.emg.names, rec.emg.units))


def test_envelope_preset_windows_envelopes_with_envelope_features(raw_recordings) -> None:
    config = load_config("kinemyo-envelope")
    assert config.emg == "envelope" and not config.bandpass.enabled
    assert set(config.features.names) == set(ENVELOPE_FEATURES)
    envelopes = [_envelope(rec) for rec in raw_recordings]
    pipeline = SignalPipeline(config)
    data = pipeline.fit_transform(pipeline.window(envelopes))
    assert data.features == ENVELOPE_FEATURES and data.X.shape[1:] == (9, 5)
    assert np.isfinite(data.X).all()


def test_envelope_preset_refuses_raw_semg_naming_the_channels(raw_recordings) -> None:
    pipeline = SignalPipeline(load_config("kinemyo-envelope"))
    with pytest.raises(KinemyoError, match=r"'soleus' \(\d+% negative\) look like raw sEMG"):
        pipeline.window(raw_recordings)


def test_an_envelope_chain_with_a_band_pass_is_refused() -> None:
    with pytest.raises(ValueError, match=r"emg=envelope takes no bandpass.*bandpass.enabled"):
        PipelineConfig.model_validate({"emg": "envelope"})
