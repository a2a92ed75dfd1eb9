"""Paired signed-rank tests and Holm's correction, against values worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kinemyo.errors import KinemyoError
from kinemyo.evaluation.statistics import (
    compare_to_reference,
    holm,
    paired_wilcoxon,
    smallest_p_value,
)


def test_holm_matches_the_step_down_by_hand() -> None:
    # m = 4: sorted 0.01, 0.02, 0.03, 0.04 -> x4, x3, x2, x1 = 0.04, 0.06, 0.06, 0.04 -> running
    # max 0.04, 0.06, 0.06, 0.06; returned in the input order.
    adjusted = holm([0.03, 0.01, 0.04, 0.02])
    np.testing.assert_allclose(adjusted, [0.06, 0.04, 0.06, 0.06])


def test_holm_caps_at_one_and_skips_nan() -> None:
    adjusted = holm([0.5, np.nan, 0.4])
    # m = 2 (NaN not counted): 0.4 x 2 = 0.8, 0.5 x 1 = 0.5 -> monotone 0.8, 0.8.
    np.testing.assert_allclose(adjusted[[0, 2]], [0.8, 0.8])
    assert np.isnan(adjusted[1])
    assert holm([0.9, 0.8]).max() == 1.0


def test_signed_rank_exact_p_for_all_same_sign_pairs() -> None:
    # Five pairs, all differences negative: the rank sum of positives is 0, the most extreme of
    # 2**5 equally likely sign patterns on either side: p = 2 / 32.
    test = paired_wilcoxon([1.0, 2.0, 3.0, 4.0, 5.0], [1.5, 3.0, 4.5, 6.0, 7.5])
    assert test.p_value == pytest.approx(2 / 32)
    assert test.statistic == 0
    assert test.a_lower == 5
    assert test.median_difference == pytest.approx(-1.5)
    assert smallest_p_value(5) == pytest.approx(test.p_value)


def test_signed_rank_with_mixed_signs_by_enumeration() -> None:
    a = np.array([1.0, 2.0, 3.0, 4.0])
    b = a - np.array([0.1, -0.2, 0.3, 0.4])  # differences 0.1, -0.2, 0.3, 0.4: ranks 1..4
    # T+ = 1 + 3 + 4 = 8, T- = 2; statistic min = 2. Enumerate the 16 sign patterns: P(T <= 2)
    # counts patterns with positive-rank sum in {0, 1, 2} (3 of them) or in {8, 9, 10} (3).
    test = paired_wilcoxon(a, b)
    assert test.statistic == 2
    assert test.p_value == pytest.approx(6 / 16)


def test_identical_models_give_p_one_and_nan_pairs_are_dropped() -> None:
    assert paired_wilcoxon([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]).p_value == 1.0
    test = paired_wilcoxon([1.0, np.nan, 3.0], [2.0, 5.0, 4.0])
    assert test.n == 2
    assert paired_wilcoxon([np.nan], [1.0]).n == 0


def test_compare_to_reference_corrects_within_each_family() -> None:
    subjects = [f"S{i}" for i in range(5)]
    rows = []
    for joint, shift in (("flexion", 1.0), ("adduction", -1.0)):
        for i, subject in enumerate(subjects):
            rows.append({"subject": subject, "joint": joint, "model": "ref", "value": 10.0 + i})
            rows.append(
                {"subject": subject, "joint": joint, "model": "a", "value": 10.0 + i + shift}
            )
            rows.append(
                {"subject": subject, "joint": joint, "model": "b", "value": 10.0 + i + 2 * shift}
            )
    table = compare_to_reference(pd.DataFrame(rows), "ref", ["joint"])
    assert len(table) == 4
    flexion = table[table["joint"] == "flexion"].set_index("model")
    # Both comparisons have p = 2/32; Holm over the family of two: 2 x 0.0625 = 0.125 both.
    np.testing.assert_allclose(flexion["p"], [2 / 32, 2 / 32])
    np.testing.assert_allclose(flexion["p (Holm)"], [0.125, 0.125])
    assert (flexion["reference lower"] == 5).all()
    adduction = table[table["joint"] == "adduction"].set_index("model")
    assert (adduction["reference lower"] == 0).all()
    assert adduction.loc["b", "median difference"] == pytest.approx(2.0)


def test_unknown_reference_is_refused() -> None:
    frame = pd.DataFrame({"subject": ["S0"], "joint": ["j"], "model": ["a"], "value": [1.0]})
    with pytest.raises(KinemyoError, match="reference model 'ref'"):
        compare_to_reference(frame, "ref", ["joint"])
