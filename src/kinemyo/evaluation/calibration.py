"""Which training windows calibrate a model's conformal intervals, and fitting with them.

Split-conformal intervals promise their coverage for test windows that are exchangeable with the
calibration windows, so the calibration windows must stand to the fit windows as the test windows
stand to the training windows. Both come from the TRAINING windows only; the test windows are
never seen.

* ``held_out="subject"`` (leave-one-subject-out): whole training subjects calibrate. A test
  subject is new to the model, and so is every calibration subject: the interval covers the
  subject-to-subject variation too. Calibrating on later windows of the fit subjects instead
  gives intervals as narrow as within-subject errors, which under-cover a new subject.

  With ``method="split"`` the last ``round(fraction * S)`` of the S training subjects (sorted,
  at least one) calibrate and the others fit. With few subjects that is one or two calibration
  subjects, and one subject's errors are a poor sample of the next subject's: on the synthetic
  cohort (LOSO, 5 training subjects) its 90% intervals covered only 66-81% of test windows.
  ``method="cross"`` (the default for held-out groups) is cross-conformal over whole subjects:
  the subjects are dealt into ``min(folds, S)`` folds, a copy of the model fitted without each
  fold predicts it, and the out-of-fold errors of EVERY training subject calibrate; the model
  itself is then fitted on all training windows (CV+ style, Barber et al. 2021: the guarantee
  is 1 - 2a in the worst case, close to 1 - a in practice). It costs ``folds`` extra fits.
* ``held_out="task"`` (cross-task): whole training tasks calibrate, the same way.
* ``held_out="time"`` (within-trial, a single subject or task, the LSTAM cross-trial protocol):
  the last ``fraction`` of every training trial in time calibrates, with ``gap_windows`` windows
  dropped before it, so that no calibration window shares samples with a fit window (as
  :func:`~kinemyo.evaluation.protocols.within_trial` splits train and test).

When held-out groups are asked for but the training windows hold only one subject (or task),
the split falls back to time, and the description says so.

With ``method="split"`` a copy of the model fitted on the fit part predicts the calibration
windows, whose errors set the widths; the model is then refitted on ALL training windows, so its
point scores are those of a model trained on every training window, as without intervals (a
protocol's numbers, the seed's leaky random k-fold included, do not change when intervals are
added). The refitted model has seen more data than the one that made the calibration errors, so
its errors tend to be smaller and the intervals, if anything, conservative (the split-conformal
guarantee is exact only for the model that made them). It costs one extra fit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Annotated, Literal, Protocol

import numpy as np
from pydantic import Field

from kinemyo.data.windowed import DEFAULT_LEVELS, Prediction, WindowedDataset, level_name
from kinemyo.evaluation.protocols import within_trial
from kinemyo.models.base import Estimator
from kinemyo.settings import settings

HeldOut = Literal["time", "subject", "task"]

Fold = tuple[WindowedDataset, WindowedDataset]
"""One cross-conformal fold: the windows a copy of the model is fitted on, and the held-out
windows it predicts (whose out-of-fold errors calibrate)."""


class Grouped(Protocol):
    """Windows with a subject and a task each (a WindowedDataset or the pipeline's windows)."""

    subject: np.ndarray
    task: np.ndarray


PROTOCOL_HELD_OUT: dict[str, HeldOut] = {"loso": "subject", "cross-task": "task"}
"""What calibrates under each protocol (any other protocol: "time")."""


@settings
class IntervalSettings:
    """How a model's conformal intervals are calibrated.

    Attributes:
        levels: nominal coverages, each in (0, 1), e.g. (0.5, 0.9).
        fraction: share of the training windows (or subjects, tasks) that calibrate, in (0, 1).
        held_out: "time", "subject" or "task" (see the module docstring).
        method: "split" or "cross" (cross-conformal over held-out groups; with "time", or one
            group only, the split is used).
        folds: most folds of groups for "cross", >= 2.
        gap_windows: windows dropped between fit and calibration windows of one trial ("time").
    """

    levels: Annotated[tuple[float, ...], Field(strict=False, min_length=1)] = DEFAULT_LEVELS
    fraction: Annotated[float, Field(gt=0, lt=1)] = 0.2
    held_out: HeldOut = "time"
    method: Literal["split", "cross"] = "cross"
    folds: Annotated[int, Field(ge=2)] = 5
    gap_windows: Annotated[int, Field(ge=0)] = 1

    def __post_init__(self) -> None:
        for level in self.levels:
            if not 0 < level < 1:
                raise ValueError(f"'levels' must each be in (0, 1), got {level}")

    @classmethod
    def for_protocol(cls, protocol: str, gap_windows: int = 1) -> IntervalSettings:
        """The default settings for test windows of ``protocol`` (e.g. "loso": subjects), with
        ``gap_windows`` between fit and calibration windows of one trial (the windows'
        :attr:`~kinemyo.signal.pipeline.SignalWindows.gap_windows`)."""
        return cls(held_out=PROTOCOL_HELD_OUT.get(protocol, "time"), gap_windows=gap_windows)


def calibration_split(
    train: WindowedDataset, settings: IntervalSettings
) -> tuple[np.ndarray, np.ndarray, str]:
    """The fit and the calibration windows of ``train`` (sorted indices) and a description.

    Raises:
        KinemyoError: a trial is too short to give fit and calibration windows ("time").
    """
    if settings.held_out != "time":
        key = getattr(train, settings.held_out)
        groups = np.unique(key)
        if len(groups) >= 2:
            count = min(len(groups) - 1, max(1, round(settings.fraction * len(groups))))
            held = groups[-count:]
            calibrating = np.isin(key, held)
            return (
                np.flatnonzero(~calibrating),
                np.flatnonzero(calibrating),
                f"held-out training {settings.held_out}(s) {', '.join(map(str, held))}",
            )
    split = within_trial(train, settings.fraction, settings.gap_windows)
    fallback = "" if settings.held_out == "time" else f" (one training {settings.held_out} only)"
    return (
        split.train,
        split.test,
        f"the last {settings.fraction:.0%} of every training trial in time{fallback}",
    )


def group_folds(train: Grouped, settings: IntervalSettings) -> list[np.ndarray]:
    """The cross-conformal folds of ``train``: per fold, the sorted indices of its windows, whole
    groups ("subject" or "task") dealt in sorted order into ``min(folds, groups)`` folds; [] when
    ``settings`` asks for no cross-conformal or there is only one group."""
    if settings.method != "cross" or settings.held_out == "time":
        return []
    groups, group_index = np.unique(getattr(train, settings.held_out), return_inverse=True)
    if len(groups) < 2:
        return []
    fold = group_index % min(settings.folds, len(groups))
    return [np.flatnonzero(fold == k) for k in range(min(settings.folds, len(groups)))]


def _out_of_fold(model: Estimator, folds: Sequence[Fold]) -> tuple[WindowedDataset, Prediction]:
    """The held-out windows of every fold, each predicted by a copy of ``model`` fitted on its
    fold's fit windows."""
    held, estimates = [], []
    for fit, calibration in folds:
        copy = type(model)(**model.get_params())
        held.append(calibration)
        estimates.append(copy.fit(fit).predict(calibration))
    has_std = all(e.std is not None for e in estimates)
    first = estimates[0]
    return WindowedDataset.concatenate(held), Prediction(
        np.concatenate([e.mean for e in estimates]),
        np.concatenate([e.std for e in estimates]) if has_std else None,
        first.joints,
        first.quantities,
        first.units,
    )


def fit_with_intervals(
    model: Estimator,
    train: WindowedDataset,
    settings: IntervalSettings,
    folds: Sequence[Fold] | None = None,
) -> Estimator:
    """Fit ``model`` and calibrate its intervals on ``train`` as ``settings`` say: cross-conformal
    over held-out groups, or split-conformal (a copy fitted on the fit part predicts the
    calibration part); either way the model is then fitted on all of ``train``.

    Args:
        model: an unfitted estimator.
        train: the training windows.
        settings: how to calibrate.
        folds: the cross-conformal folds, when the caller built them itself (e.g. through a
            pipeline fitted on each fold's fit windows only, so that held-out subjects get
            their features as a test subject does); default: :func:`group_folds` of ``train``.

    Returns:
        The model, fitted and calibrated: its predictions carry bounds at ``settings.levels``.
    """
    levels = ", ".join(f"{level_name(level)}%" for level in settings.levels)
    if folds is None:
        everything = np.arange(len(train))
        folds = [
            (train.subset(np.setdiff1d(everything, index)), train.subset(index))
            for index in group_folds(train, settings)
        ]
    if folds:
        held, estimates = _out_of_fold(model, folds)
        model.fit(train)
        return model.calibrate(
            held,
            settings.levels,
            f"{levels} cross-conformal on the out-of-fold errors of {len(held)} windows: "
            f"{len(folds)} folds of held-out training {settings.held_out}s",
            estimates=estimates,
        )
    fit_index, calibration_index, description = calibration_split(
        train, replace(settings, method="split")
    )
    calibration = train.subset(calibration_index)
    estimates = model.fit(train.subset(fit_index)).predict(calibration)
    model.fit(train)  # the point model sees every training window, as without intervals
    return model.calibrate(
        calibration,
        settings.levels,
        f"{levels} split-conformal on {len(calibration)} windows: {description}; the errors "
        "of a model fitted without them, the model then refitted on all training windows",
        estimates=estimates,
    )
