"""The one Student-t of the probabilistic heads: parameters, density and seeded draws."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import stats

from kinemyo.models.student_t import (
    student_t_log_prob,
    student_t_parameters,
    student_t_sample,
)


def test_parameters_follow_gluonts_student_t_output():
    raw = torch.tensor([-50.0, 0.0, 3.0])
    df, loc, scale = student_t_parameters(raw, raw * 2, raw)
    softplus = [math.log1p(math.exp(x)) for x in (-50.0, 0.0, 3.0)]
    np.testing.assert_allclose(df.numpy(), [2 + v for v in softplus], rtol=1e-6)
    np.testing.assert_array_equal(loc.numpy(), [-100.0, 0.0, 6.0])
    # softplus(-50) ~ 2e-22 is below float32's eps: the scale stops there
    np.testing.assert_allclose(
        scale.numpy(), [np.finfo(np.float32).eps, softplus[1], softplus[2]], rtol=1e-6
    )


def test_log_prob_matches_scipy():
    y = torch.tensor([-3.0, 0.2, 1.5, 40.0], dtype=torch.float64)
    df = torch.tensor([2.5, 3.0, 10.0, 4.0], dtype=torch.float64)
    loc = torch.tensor([0.0, 1.0, -1.0, 2.0], dtype=torch.float64)
    scale = torch.tensor([1.0, 0.5, 2.0, 3.0], dtype=torch.float64)
    expected = stats.t.logpdf(y.numpy(), df.numpy(), loc.numpy(), scale.numpy())
    np.testing.assert_allclose(student_t_log_prob(y, df, loc, scale).numpy(), expected, rtol=1e-12)


def test_draws_have_the_moments_and_quantiles_of_the_distribution():
    n = 200_000
    draws = student_t_sample(
        torch.full((n,), 5.0),
        torch.full((n,), 2.0),
        torch.full((n,), 3.0),
        torch.Generator().manual_seed(0),
    )
    assert draws.mean().item() == pytest.approx(2.0, abs=0.05)
    assert draws.var().item() == pytest.approx(9.0 * 5 / 3, rel=0.05)  # scale^2 df / (df - 2)
    levels = [0.05, 0.25, 0.75, 0.95]
    expected = stats.t.ppf(levels, 5.0, 2.0, 3.0)
    np.testing.assert_allclose(np.quantile(draws.numpy(), levels), expected, atol=0.05)


def test_seeded_draws_repeat_and_leave_the_global_random_state_alone():
    df, loc, scale = torch.full((4, 3), 4.0), torch.zeros(4, 3), torch.ones(4, 3)
    torch.manual_seed(123)
    expected_next = torch.rand(5)
    torch.manual_seed(123)
    a = student_t_sample(df, loc, scale, torch.Generator().manual_seed(7))
    assert torch.equal(torch.rand(5), expected_next)  # the global state did not move
    b = student_t_sample(df, loc, scale, torch.Generator().manual_seed(7))
    c = student_t_sample(df, loc, scale, torch.Generator().manual_seed(8))
    assert a.shape == (4, 3)
    assert torch.equal(a, b) and not torch.equal(a, c)
    # one generator advances: its next draws differ from its first
    generator = torch.Generator().manual_seed(7)
    first = student_t_sample(df, loc, scale, generator)
    assert torch.equal(first, a)
    assert not torch.equal(student_t_sample(df, loc, scale, generator), a)
