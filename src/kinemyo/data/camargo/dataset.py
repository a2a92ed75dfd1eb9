"""What :func:`~kinemyo.data.camargo.read_camargo` returns: the trials read, what was missing,
and a per-subject, per-mode summary."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from kinemyo.data.camargo import layout
from kinemyo.data.camargo.plan import MissingItem
from kinemyo.data.camargo.subjects import CamargoSubject
from kinemyo.data.camargo.trial import CamargoTrial


@dataclass(frozen=True, eq=False)
class CamargoDataset:
    """What :func:`read_camargo` found.

    Attributes:
        root: the dataset root.
        subjects: selected subjects (with a folder) by id, with their SubjectInfo row.
        trials: the trials read, sorted by subject, mode (in ``layout.MODES`` order) and stem.
        missing: expected subjects, conditions and sensor files that were not read, and why.
        expected: (subject, mode) -> the expected conditions (``TrialName.condition``, e.g.
            ``ramp_3``): the union over subjects of the conditions of the trials found in the
            selected modes (and of the requested ``trials``).
        unrecognised: one file per stem that is not a trial name of its mode folder (skipped).
    """

    root: Path
    subjects: Mapping[str, CamargoSubject]
    trials: list[CamargoTrial]
    missing: list[MissingItem]
    expected: Mapping[tuple[str, str], tuple[str, ...]]
    unrecognised: list[Path]

    def summary(self) -> pd.DataFrame:
        """One row per subject and mode: conditions ``expected``, ``found`` (with a trial read)
        and ``missing``, and the number of ``trials`` read."""
        conditions: dict[tuple[str, str], set[str]] = {}
        trials: dict[tuple[str, str], int] = {}
        for trial in self.trials:
            key = (trial.recording.meta.subject, trial.name.mode)
            conditions.setdefault(key, set()).add(trial.name.condition)
            trials[key] = trials.get(key, 0) + 1
        rows = []
        for (subject, mode), expected in sorted(self.expected.items(), key=_subject_mode_order):
            found = len(conditions.get((subject, mode), set()) & set(expected))
            rows.append(
                {
                    "subject": subject,
                    "mode": mode,
                    "expected": len(expected),
                    "found": found,
                    "missing": len(expected) - found,
                    "trials": trials.get((subject, mode), 0),
                }
            )
        return pd.DataFrame(
            rows, columns=["subject", "mode", "expected", "found", "missing", "trials"]
        )


def _subject_mode_order(item: tuple[tuple[str, str], Any]) -> tuple[str, int]:
    (subject, mode), _ = item
    return subject, layout.MODES.index(mode)
