"""Which training windows calibrate a model's conformal intervals, and fitting with them.

Split-conformal intervals promise their coverage for test windows that are exchangeable with the
calibration windows, so the calibration windows must stand to the fit windows as the test windows
stand to the training windows. Both come from the TRAINING windows only; the test windows are
never seen.

* ``held_out="subject"`` (leave-one-subject-out): whole training subjects calibrate (the last
  ``round(fraction * S)`` of the S training subjects in sorted order, at least one), the others
  fit. A test subject is new to the model, and so is every calibration subject: the interval
  covers the subject-to-subject variation too. Calibrating on later windows of the fit subjects
  instead gives intervals as narrow as within-subject errors, which under-cover a new subject.
* ``held_out="task"`` (cross-task): whole training tasks calibrate, the same way.
* ``held_out="time"`` (within-trial, a single subject or task, the LSTAM cross-trial protocol):
  the last ``fraction`` of every training trial in time calibrates, with ``gap_windows`` windows
  dropped before it, so that no calibration window shares samples with a fit window (as
  :func:`~kinemyo.evaluation.protocols.within_trial` splits train and test).

When held-out groups are asked for but the training windows hold only one subject (or task),
the split falls back to time, and the description says so.

The point model is fitted on the fit part only and is NOT refitted on all training windows after
calibration: a refit would give the model errors the calibration never saw, and the coverage
guarantee would no longer hold. Point scores of a calibrated model are therefore those of a model
trained on about ``1 - fraction`` of the training windows.
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import Field

from kinemyo.data.windowed import DEFAULT_LEVELS, WindowedDataset, level_name
from kinemyo.evaluation.protocols import within_trial
from kinemyo.models.base import Estimator
from kinemyo.settings import settings

HeldOut = Literal["time", "subject", "task"]

PROTOCOL_HELD_OUT: dict[str, HeldOut] = {"loso": "subject", "cross-task": "task"}
"""What calibrates under each protocol (any other protocol: "time")."""


@settings
class IntervalSettings:
    """How a model's conformal intervals are calibrated.

    Attributes:
        levels: nominal coverages, each in (0, 1), e.g. (0.5, 0.9).
        fraction: share of the training windows (or subjects, tasks) that calibrate, in (0, 1).
        held_out: "time", "subject" or "task" (see the module docstring).
        gap_windows: windows dropped between fit and calibration windows of one trial ("time").
    """

    levels: Annotated[tuple[float, ...], Field(strict=False, min_length=1)] = DEFAULT_LEVELS
    fraction: Annotated[float, Field(gt=0, lt=1)] = 0.2
    held_out: HeldOut = "time"
    gap_windows: Annotated[int, Field(ge=0)] = 1

    def __post_init__(self) -> None:
        for level in self.levels:
            if not 0 < level < 1:
                raise ValueError(f"'levels' must each be in (0, 1), got {level}")

    @classmethod
    def for_protocol(cls, protocol: str) -> IntervalSettings:
        """The default settings for test windows of ``protocol`` (e.g. "loso": subjects)."""
        return cls(held_out=PROTOCOL_HELD_OUT.get(protocol, "time"))


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


def fit_with_intervals(
    model: Estimator, train: WindowedDataset, settings: IntervalSettings
) -> Estimator:
    """Fit ``model`` on the fit part of ``train`` and calibrate its intervals on the rest.

    Returns:
        The model, fitted and calibrated: its predictions carry bounds at ``settings.levels``.
    """
    fit_index, calibration_index, description = calibration_split(train, settings)
    calibration = train.subset(calibration_index)
    model.fit(train.subset(fit_index))
    levels = ", ".join(f"{level_name(level)}%" for level in settings.levels)
    return model.calibrate(
        calibration,
        settings.levels,
        f"{levels} split-conformal on {len(calibration)} windows: {description}",
    )
