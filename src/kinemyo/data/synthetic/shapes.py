"""Smooth building blocks of the model: random curves, bursts and movement profiles."""

from __future__ import annotations

import numpy as np
from scipy.interpolate import CubicSpline


def smooth_random(
    rng: np.random.Generator, x: np.ndarray, spacing: float, size: tuple[int, ...] = ()
) -> np.ndarray:
    """Smooth random curves of ``x``: cubic splines through standard-normal knots.

    Args:
        rng: random source.
        x: (N,) points to evaluate at (time in s, or phase in strides).
        spacing: distance between knots, in the units of ``x``; the curves hold little energy
            above 1 / (2 * spacing) cycles per unit.
        size: shape of the independent curves per point.

    Returns:
        (N, *size) values of standard deviation about 0.8-1 and zero mean.
    """
    start = float(np.min(x)) - spacing
    n_knots = int(np.ceil((float(np.max(x)) - start) / spacing)) + 2
    knots = start + spacing * np.arange(n_knots)
    return CubicSpline(knots, rng.standard_normal((n_knots, *size)), axis=0)(x)


def periodic_bump(phase: np.ndarray, centre: float, width: float) -> np.ndarray:
    """A burst on the gait cycle: 1 at ``centre``, about Gaussian of s.d. ``width``, periodic in 1.

    Args:
        phase: cycle phase (any real; only its fractional part matters).
        centre: phase of the peak, 0..1.
        width: spread, in cycles (0.05 = 5 % of a stride).
    """
    return np.exp((np.cos(2 * np.pi * (phase - centre)) - 1.0) / (2 * np.pi * width) ** 2)


def movement_bump(u: np.ndarray, centre: np.ndarray | float) -> np.ndarray:
    """A burst within a movement: 0 at its start and end (u = 0, 1), 1 at ``centre``.

    A beta-function shape ``(u/c)^3 ((1-u)/(1-c))^(3(1-c)/c)``, smooth (zero slope) at both ends.

    Args:
        u: progress through the movement, 0..1 (clipped).
        centre: progress at the peak, strictly between 0 and 1 (broadcasts against ``u``).
    """
    u = np.clip(u, 0.0, 1.0)
    c = np.asarray(centre, dtype=float)
    return (u / c) ** 3 * ((1.0 - u) / (1.0 - c)) ** (3.0 * (1.0 - c) / c)


def minimum_jerk(u: np.ndarray) -> np.ndarray:
    """Minimum-jerk position profile from 0 (u = 0) to 1 (u = 1), the shape of a smooth reach."""
    u = np.clip(u, 0.0, 1.0)
    return u**3 * (10.0 - 15.0 * u + 6.0 * u**2)
