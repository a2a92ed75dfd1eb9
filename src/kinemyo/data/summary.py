"""One row per recording: what ``kinemyo data inspect`` shows for datasets of any kind."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from kinemyo.data.recording import Recording

COLUMNS = (
    "subject",
    "task",
    "trial",
    "rate (Hz)",
    "samples",
    "seconds",
    "segments",
    "emg",
    "angles",
    "moments",
)


def _names(block: object) -> str:
    if block is None:
        return "-"
    names = block.names
    return f"{len(names)}: {', '.join(names)} ({block.units[0]})"


def recordings_summary(recordings: Sequence[Recording]) -> pd.DataFrame:
    """Subject, task, trial, rate in Hz, samples, duration in s, contiguous segments (groups)
    and the channels of each block (count: names (unit)), one row per recording."""
    rows = []
    for rec in recordings:
        groups = 1 if rec.labels is None else len(set(rec.labels.group.tolist()))
        rows.append(
            (
                rec.meta.subject,
                rec.meta.task or "",
                rec.meta.trial or "",
                f"{rec.fs:g}",
                str(rec.n_samples),
                f"{rec.duration_s:.3f}",
                str(groups),
                _names(rec.emg),
                _names(rec.angles),
                _names(rec.moments),
            )
        )
    return pd.DataFrame(rows, columns=list(COLUMNS))
