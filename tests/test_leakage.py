"""No test sample reaches a training window: change the test part of the raw sEMG (scale it by 3
or replace it) and every training window's features stay bit for bit the same, for every
protocol and both chains.

The test part of a protocol: the end of each trial from the last training window on
(within-trial), whole recordings (leave-one-subject-out, cross-task) or, for the seed's random
k-fold, the samples only test windows cover. The random
k-fold stays leaky by design: its test windows share samples with training windows (asserted
below), but its fitted stages see only the training windows' samples.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from kinemyo.config import load_config
from kinemyo.data.synthetic import CohortConfig, generate_cohort
from kinemyo.evaluation.protocols import make_splits
from kinemyo.signal.conditioning import condition, fit_conditioning
from kinemyo.signal.pipeline import SignalPipeline, SignalWindows

LENGTH = 100


@pytest.fixture(scope="module")
def recordings():
    cohort = generate_cohort(CohortConfig(subjects=3, motions=("DNS", "WAK"), seconds=6, seed=3))
    return cohort.recordings


def covered(windows: SignalWindows, index: np.ndarray) -> list[np.ndarray]:
    """Per recording, which samples the windows ``index`` cover."""
    masks = [np.zeros(len(signal), dtype=bool) for signal in windows.signals]
    for source, start in zip(windows.source[index], windows.start[index], strict=True):
        masks[source][start : start + LENGTH] = True
    return masks


def held_out_part(windows: SignalWindows, split) -> list[np.ndarray]:
    """Per recording with test windows, the samples that test windows cover and no training
    window does, and every sample after its last training window (all of a recording without
    training windows)."""
    train, test = covered(windows, split.train), covered(windows, split.test)
    parts = []
    for source, signal in enumerate(windows.signals):
        own = split.train[windows.source[split.train] == source]
        end = windows.start[own].max() + LENGTH if own.size else 0
        after = np.arange(len(signal)) >= end
        parts.append(((test[source] & ~train[source]) | after) & test[source].any())
    return parts


PROTOCOLS = {
    "within-trial": {},
    "loso": {},
    "cross-task": {"train_tasks": ["WAK"], "test_tasks": ["DNS"]},
    "random-kfold": {},
}


@pytest.mark.parametrize("chain", ["seed-siat", "kinemyo-siat"])
@pytest.mark.parametrize("protocol", list(PROTOCOLS))
@pytest.mark.parametrize("change", ["scale", "replace"])
def test_changing_the_test_part_leaves_every_training_feature_bit_identical(
    recordings, chain, protocol, change
) -> None:
    config = load_config(chain)
    windows = SignalPipeline(config).window(recordings)
    split = make_splits(protocol, windows, **PROTOCOLS[protocol])[0]
    part = held_out_part(windows, split)
    assert sum(mask.sum() for mask in part) > 0

    rng = np.random.default_rng(0)
    changed = []
    for rec, mask in zip(recordings, part, strict=True):
        values = rec.emg.values.copy()
        if change == "scale":
            values[mask] *= 3.0
        else:
            values[mask] = rng.normal(scale=0.5, size=values[mask].shape)
        changed.append(dataclasses.replace(rec, emg=dataclasses.replace(rec.emg, values=values)))
    changed_windows = SignalPipeline(config).window(changed)
    again = make_splits(protocol, changed_windows, **PROTOCOLS[protocol])[0]
    assert np.array_equal(again.train, split.train) and np.array_equal(again.test, split.test)

    before, after = SignalPipeline(config), SignalPipeline(config)
    train_before = before.fit_transform(windows.subset(split.train)).X
    train_after = after.fit_transform(changed_windows.subset(split.train)).X
    assert np.array_equal(train_before, train_after)
    subject = str(windows.subject[split.train[0]])
    for fitted in ("conditioning_", "scaler_"):
        state_before = getattr(before, fitted)[subject].state()
        state_after = getattr(after, fitted)[subject].state()
        assert all(np.array_equal(state_before[k], state_after[k]) for k in state_before)
    # the change did reach the test windows' features
    test_before = before.transform(windows.subset(split.test)).X
    test_after = after.transform(changed_windows.subset(split.test)).X
    assert not np.array_equal(test_before, test_after)


def test_random_kfold_is_leaky_by_design_its_test_windows_overlap_training_ones(recordings):
    windows = SignalPipeline(load_config("seed-siat")).window(recordings)
    for split in make_splits("random-kfold", windows):
        train = covered(windows, split.train)
        shared = [
            train[source][start : start + LENGTH].any()
            for source, start in zip(
                windows.source[split.test], windows.start[split.test], strict=True
            )
        ]
        assert np.mean(shared) > 0.9  # nearly every test window shares samples with training
    honest = make_splits("within-trial", windows, gap_windows=1)[0]
    train = covered(windows, honest.train)
    for source, start in zip(windows.source[honest.test], windows.start[honest.test], strict=True):
        assert not train[source][start : start + LENGTH].any()


def test_the_seeds_whole_trial_fit_would_leak_and_the_training_fit_does_not(recordings):
    """Fitted as the seed did, on the whole trial, the thresholds let the last 20% of a trial
    change the filtered first 80%; fitted on the first 80%, they do not."""
    config = load_config("seed-siat")
    raw = recordings[0].emg.values
    cut = int(0.8 * len(raw))
    scaled = raw.copy()
    scaled[cut:] *= 3.0

    def first_part(signal: np.ndarray, fitted_on: np.ndarray) -> np.ndarray:
        state = fit_conditioning([fitted_on], config)
        return condition(signal[:cut], state, config, 1920.0)

    seed_before, seed_after = first_part(raw, raw), first_part(scaled, scaled)
    change = np.abs(seed_after - seed_before).mean(axis=0) / np.abs(seed_before).mean(axis=0)
    assert change.min() > 0.05  # every channel's training samples move by more than 5%
    assert np.array_equal(first_part(raw, raw[:cut]), first_part(scaled, scaled[:cut]))
