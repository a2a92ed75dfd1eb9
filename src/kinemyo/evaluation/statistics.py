"""Paired tests across subjects: Wilcoxon signed-rank with Holm's correction.

Models are compared on per-subject numbers (one RMSE or R2 per subject and model), because
subjects are the independent units: frames or trials of one subject are not. With n subjects
the exact two-sided signed-rank test cannot give a p-value below ``2 / 2**n``
(:func:`smallest_p_value`): 0.125 for 4 subjects, 0.031 for 6. Reports say so next to the
p-values, so a non-significant result from a small cohort is not read as "no difference".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from kinemyo.errors import KinemyoError


@dataclass(frozen=True)
class PairedTest:
    """A two-sided Wilcoxon signed-rank test of paired values a - b.

    Attributes:
        n: number of pairs (subjects).
        statistic: the signed-rank statistic (smaller rank sum), NaN when not computable.
        p_value: two-sided p-value (exact for small n without ties), NaN when not computable.
        median_difference: median of a - b, in the values' unit.
        a_lower: pairs where a < b (e.g. subjects where model a has the lower RMSE).
    """

    n: int
    statistic: float
    p_value: float
    median_difference: float
    a_lower: int


def smallest_p_value(n: int) -> float:
    """The smallest two-sided p-value the exact signed-rank test can reach with ``n`` pairs."""
    if n < 1:
        raise KinemyoError(f"A signed-rank test needs at least one pair; got {n}.")
    return min(1.0, 2.0 / 2.0**n)


def paired_wilcoxon(a: Sequence[float], b: Sequence[float]) -> PairedTest:
    """Two-sided Wilcoxon signed-rank test of ``a`` against ``b`` (paired, same order).

    Pairs with a NaN are left out. When every difference is zero the test is undefined and the
    p-value is 1 (no evidence of a difference); with no pairs left it is NaN.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 1:
        raise KinemyoError(
            f"Paired values must be two 1-D arrays of one length; got {a.shape}, {b.shape}."
        )
    keep = np.isfinite(a) & np.isfinite(b)
    difference = a[keep] - b[keep]
    n = int(difference.size)
    if n == 0:
        return PairedTest(0, np.nan, np.nan, np.nan, 0)
    median = float(np.median(difference))
    lower = int(np.sum(difference < 0))
    if not np.any(difference):
        return PairedTest(n, np.nan, 1.0, median, lower)
    result = stats.wilcoxon(a[keep], b[keep], alternative="two-sided", zero_method="wilcox")
    return PairedTest(n, float(result.statistic), float(result.pvalue), median, lower)


def holm(p_values: Sequence[float]) -> np.ndarray:
    """Holm-Bonferroni adjusted p-values of one family of tests (same order as given).

    The i-th smallest of m p-values is multiplied by (m - i + 1), made non-decreasing in that
    order and capped at 1. NaN p-values stay NaN and do not count towards m.
    """
    p = np.asarray(p_values, dtype=np.float64)
    adjusted = np.full(p.shape, np.nan)
    finite = np.flatnonzero(np.isfinite(p))
    if finite.size == 0:
        return adjusted
    order = finite[np.argsort(p[finite], kind="stable")]
    m = order.size
    scaled = p[order] * (m - np.arange(m))
    adjusted[order] = np.minimum(np.maximum.accumulate(scaled), 1.0)
    return adjusted


def compare_to_reference(
    per_subject: pd.DataFrame, reference: str, families: Sequence[str]
) -> pd.DataFrame:
    """Paired signed-rank tests of ``reference`` against every other model, Holm-corrected.

    Args:
        per_subject: one row per subject, model and family keys, with columns "subject",
            "model", the ``families`` columns (e.g. "joint", "metric") and "value".
        reference: the model every other one is compared with (e.g. "lstam").
        families: key columns defining one family of tests; the comparisons of ``reference``
            with each other model within one family are corrected together.

    Returns:
        One row per family and other model: the family keys, "model", "n" (subjects),
        "reference mean", "model mean", "median difference" (reference - model, per subject),
        "reference lower" (subjects where the reference's value is lower: better for an error,
        worse for R2 or VAF), "p" and "p (Holm)".
    """
    if reference not in set(per_subject["model"]):
        raise KinemyoError(f"The reference model '{reference}' has no scores.")
    rows = []
    for keys, family in per_subject.groupby(list(families), sort=True):
        wide = family.pivot_table(index="subject", columns="model", values="value")
        tests = []
        for model in [m for m in wide.columns if m != reference]:
            test = paired_wilcoxon(wide[reference].to_numpy(), wide[model].to_numpy())
            tests.append((model, test))
        adjusted = holm([test.p_value for _, test in tests])
        levels = keys if isinstance(keys, tuple) else (keys,)
        for (model, test), p_holm in zip(tests, adjusted, strict=True):
            rows.append(
                {
                    **dict(zip(families, levels, strict=True)),
                    "model": model,
                    "n": test.n,
                    "reference mean": float(wide[reference].mean()),
                    "model mean": float(wide[model].mean()),
                    "median difference": test.median_difference,
                    "reference lower": test.a_lower,
                    "p": test.p_value,
                    "p (Holm)": p_holm,
                }
            )
    return pd.DataFrame(rows)
