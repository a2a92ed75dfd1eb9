"""Values fitted per subject on that subject's training data, with a pooled fallback.

The seed study normalised each subject's sEMG by that subject's own maxima. kinemyo fits such
values on each subject's TRAINING data; a subject with no training data (the test subject of
leave-one-subject-out) gets the value fitted on all training data pooled::

    scales = PerSubject.fit({"Sub01": [x1, x2], "Sub02": [x3]}, fit_scale, per_subject=True)
    scales["Sub01"]    # fitted on x1 and x2
    scales["Sub07"]    # no training data: fitted on x1, x2 and x3
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, Self, TypeVar

import numpy as np

from kinemyo.errors import KinemyoError


class Stateful(Protocol):
    """A fitted value that exports and restores its arrays."""

    def state(self) -> dict[str, np.ndarray]: ...


T = TypeVar("T", bound=Stateful)
D = TypeVar("D")

POOLED = "pooled"


@dataclass(frozen=True)
class PerSubject(Generic[T]):
    """A fitted value per subject and one for all training data.

    Attributes:
        pooled: fitted on every subject's training data together.
        subjects: fitted on each subject's own training data, by subject id (empty when fitted
            pooled only).
    """

    pooled: T
    subjects: Mapping[str, T] = field(default_factory=dict)

    def __getitem__(self, subject: str | None) -> T:
        """The value for ``subject``: its own, or the pooled one when it had no training data
        (or ``subject`` is None)."""
        return self.subjects.get(subject, self.pooled)

    @classmethod
    def fit(
        cls, data: Mapping[str, Sequence[D]], fit: Callable[[list[D]], T], per_subject: bool
    ) -> Self:
        """Fit ``fit`` on all of ``data`` (subject -> training items) and, if ``per_subject``, on
        each subject's items."""
        pooled = fit([item for items in data.values() for item in items])
        own = {subject: fit(list(items)) for subject, items in data.items()} if per_subject else {}
        return cls(pooled, own)

    def state(self, subjects: Sequence[str]) -> dict[str, np.ndarray]:
        """Every fitted array, keyed ``pooled.NAME`` and ``I.NAME`` with I the position of the
        subject in ``subjects`` (subject ids may hold any character; the list is saved apart)."""
        arrays = {f"{POOLED}.{k}": v for k, v in self.pooled.state().items()}
        for i, subject in enumerate(subjects):
            arrays.update({f"{i}.{k}": v for k, v in self.subjects[subject].state().items()})
        return arrays

    @classmethod
    def from_state(
        cls,
        arrays: Mapping[str, np.ndarray],
        subjects: Sequence[str],
        restore: Callable[[dict[str, np.ndarray]], T],
    ) -> Self:
        """Rebuild from :meth:`state`'s arrays, the subject list and the value's restorer."""

        def part(key: str) -> dict[str, np.ndarray]:
            found = prefixed(arrays, key)
            if not found:
                raise KinemyoError(f"The saved pipeline has no fitted values for '{key}'.")
            return found

        return cls(
            restore(part(POOLED)),
            {subject: restore(part(str(i))) for i, subject in enumerate(subjects)},
        )


def prefixed(arrays: Mapping[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    """The arrays named ``PREFIX.rest``, keyed ``rest``."""
    return {k[len(prefix) + 1 :]: v for k, v in arrays.items() if k.startswith(f"{prefix}.")}
