"""Which of the trials found are read, and what is missing: the expected conditions per
subject and mode, and a :class:`MissingItem` for each absent subject, condition or sensor file."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from kinemyo.data.camargo import layout
from kinemyo.data.camargo.discovery import TrialFiles
from kinemyo.errors import KinemyoError

REQUIRED_SENSORS = ("emg", "ik", "id", "conditions")
"""Sensors a trial needs to be read."""


@dataclass(frozen=True)
class MissingItem:
    """Something expected that was not read.

    Attributes:
        subject: subject id.
        mode: ambulation mode, None for a whole subject.
        trial: trial stem, None for a whole subject.
        sensor: the missing sensor, None for a whole trial or subject.
        reason: why, as a phrase.
    """

    subject: str
    mode: str | None
    trial: str | None
    sensor: str | None
    reason: str

    def __str__(self) -> str:
        where = "/".join(p for p in (self.subject, self.mode, self.sensor, self.trial) if p)
        return f"{where}: {self.reason}"


def plan_trials(
    found: Mapping[str, Mapping[tuple[str, str], TrialFiles]],
    absent: Sequence[str],
    wanted: Mapping[str, str] | None,
) -> tuple[list[TrialFiles], list[MissingItem], dict[tuple[str, str], tuple[str, ...]]]:
    """The readable trials in order, the missing items, and the expected conditions per
    subject and mode.

    Subjects are expected to record the same conditions (``TrialName.condition``: treadmill
    trial number, level-ground speed, ramp or stair number), not the same stems: walking
    direction, leading leg and repetition numbers differ between subjects. Expected = the union
    over subjects of the conditions of the trials found (restricted to ``wanted``, plus those of
    ``wanted``).
    """
    chosen = {
        subject: {
            key: files
            for key, files in sorted(trials.items(), key=mode_order)
            if wanted is None or key[1] in wanted
        }
        for subject, trials in found.items()
    }
    expected_keys = {
        (mode, files.name.condition)
        for trials in chosen.values()
        for (mode, _), files in trials.items()
    }
    if wanted is not None:
        expected_keys |= {
            (mode, name.condition)
            for stem, mode in wanted.items()
            if (name := layout.parse_trial_stem(stem, mode)) is not None
        }
    ordered = sorted(expected_keys, key=mode_order)
    plan: list[TrialFiles] = []
    missing = [MissingItem(s, None, None, None, "no subject folder under the root") for s in absent]
    expected: dict[tuple[str, str], tuple[str, ...]] = {}
    for subject in sorted([*found, *absent]):
        for mode, condition in ordered:
            expected[(subject, mode)] = (*expected.get((subject, mode), ()), condition)
        if subject in absent:
            continue
        trials = chosen[subject]
        has = {(mode, files.name.condition) for (mode, _), files in trials.items()}
        missing.extend(
            MissingItem(subject, mode, condition, None, "no trial of this condition")
            for mode, condition in ordered
            if (mode, condition) not in has
        )
        for files in trials.values():
            lacking = [s for s in REQUIRED_SENSORS if s not in files.files]
            missing.extend(
                MissingItem(subject, files.name.mode, files.name.stem, s, f"no {s} file")
                for s in lacking
            )
            if not lacking:
                plan.append(files)
    return plan, missing, expected


def mode_order(item: tuple[tuple[str, str], object] | tuple[str, str]) -> tuple[int, str]:
    """Sort key of (mode, name) pairs, or of dict items keyed by them: modes in layout order."""
    mode, name = item[0] if isinstance(item[0], tuple) else item
    return layout.MODES.index(mode), name


def raise_nothing_readable(
    root: Path,
    subjects: Sequence[str] | None,
    modes: Sequence[str],
    trials: Sequence[str] | None,
    missing: Sequence[MissingItem],
) -> None:
    listed = "; ".join(map(str, missing[:5])) + (" ..." if len(missing) > 5 else "")
    raise KinemyoError(
        f"No readable Camargo trial under {root} (subjects: {list(subjects or ['all'])}, "
        f"modes: {list(modes)}, trials: {list(trials or ['all'])}). Looked for "
        "<root>/ABxx/<date>/<mode>/<sensor>/<trial>.mat or .csv with the sensors "
        f"{', '.join(REQUIRED_SENSORS)}." + (f" Missing: {listed}." if missing else "")
    )
