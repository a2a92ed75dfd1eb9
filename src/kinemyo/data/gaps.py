"""Missing samples (NaN runs) in a column: refuse them, interpolate short gaps, or mask them."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path

import numpy as np

from kinemyo.errors import DataFormatError, DataWarning


class NanPolicy(StrEnum):
    """How a reader treats missing samples.

    ERROR: any missing sample is an error naming column and row.
    INTERPOLATE: gaps up to a limit are filled linearly (with a warning); longer ones are errors.
    MASK: keep the NaNs and return a validity mask (downstream stages skip masked samples).
    """

    ERROR = "error"
    INTERPOLATE = "interpolate"
    MASK = "mask"


def nan_runs(column: np.ndarray) -> list[tuple[int, int]]:
    """The runs of NaN in a (T,) array as (start, length) pairs, start 0-based."""
    missing = np.isnan(column)
    if not missing.any():
        return []
    edges = np.diff(np.concatenate(([0], missing.astype(np.int8), [0])))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    return [(int(s), int(e - s)) for s, e in zip(starts, ends, strict=True)]


def resolve_gaps(
    values: np.ndarray,
    names: Sequence[str],
    *,
    policy: NanPolicy,
    max_gap_samples: int,
    path: Path,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Apply ``policy`` to the NaNs of (T, K) ``values`` whose columns are ``names``.

    Args:
        values: (T, K) samples; modified copy is returned, the input is not changed.
        names: K column names, for messages.
        policy: see :class:`NanPolicy`.
        max_gap_samples: longest run INTERPOLATE fills, in samples.
        path: the file, for messages.

    Returns:
        (values, valid): the values with short gaps filled (INTERPOLATE), and a (T, K) mask that is
        False at missing samples (MASK only; None otherwise).

    Raises:
        DataFormatError: a missing sample under ERROR, or a run longer than ``max_gap_samples``
            under INTERPOLATE; names the column, first row (1-based) and run length.
    """
    missing = np.isnan(values)
    if not missing.any():
        return values, None
    if policy is NanPolicy.MASK:
        return values, ~missing
    out = values.copy()
    filled = 0
    for k in np.flatnonzero(missing.any(axis=0)):
        runs = nan_runs(values[:, k])
        if policy is NanPolicy.ERROR:
            _raise_gap(path, names[k], *runs[0], limit=None)
        longest = max(runs, key=lambda run: run[1])
        if longest[1] > max_gap_samples:
            _raise_gap(path, names[k], *longest, limit=max_gap_samples)
        column = out[:, k]
        known = ~np.isnan(column)
        if not known.any():
            raise DataFormatError("the whole column is empty.", path=path, column=names[k])
        index = np.arange(column.size)
        column[~known] = np.interp(index[~known], index[known], column[known])
        filled += int((~known).sum())
    warnings.warn(
        f"{path}: interpolated {filled} missing value(s) in gaps of at most {max_gap_samples} "
        "sample(s).",
        DataWarning,
        stacklevel=2,
    )
    return out, None


def _raise_gap(path: Path, column: str, start: int, length: int, *, limit: int | None) -> None:
    allowed = "." if limit is None else f"; the longest gap filled is {limit} sample(s)."
    raise DataFormatError(
        f"{length} missing value(s) in a row, starting here{allowed}",
        path=path,
        column=column,
        row=start + 1,
        hint="Choose another missing-value policy: nan_policy 'interpolate' (with max_gap_s) "
        "fills short gaps, 'mask' keeps them marked as missing (CLI: --nan-policy, --max-gap).",
    )
