"""The Student-t distribution of kinemyo's probabilistic heads (Lag-Llama and xLSTMTime).

One implementation for both: :func:`student_t_parameters` maps a head's three raw outputs to
valid parameters (GluonTS' ``StudentTOutput``, which the Lag-Llama checkpoint was trained with:
``df = 2 + softplus``, ``scale = softplus``, at least float32's eps), and the density and the
draws are ``torch.distributions.StudentT``'s. Shapes: any, broadcastable; units: those of ``y``
and ``loc`` (the heads work in scaled units, see their modules).
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch.distributions import StudentT
from torch.nn.functional import softplus

MIN_DF = 2.0
"""Degrees of freedom never fall to this bound, so the variance stays finite."""

MIN_SCALE = float(torch.finfo(torch.float32).eps)
"""Smallest scale a head can give (float32's eps)."""


def student_t_parameters(raw_df: Tensor, loc: Tensor, raw_scale: Tensor) -> tuple[Tensor, ...]:
    """df, loc, scale from a head's raw outputs: ``MIN_DF + softplus(raw_df)``, ``loc``,
    ``max(softplus(raw_scale), MIN_SCALE)`` (elementwise, shapes kept)."""
    return MIN_DF + softplus(raw_df), loc, softplus(raw_scale).clamp_min(MIN_SCALE)


def student_t_log_prob(y: Tensor, df: Tensor, loc: Tensor, scale: Tensor) -> Tensor:
    """Elementwise log density of StudentT(df, loc, scale) at ``y`` (all broadcastable), in
    1 / units of ``y``."""
    return StudentT(df, loc, scale, validate_args=False).log_prob(y)


def student_t_sample(
    df: Tensor, loc: Tensor, scale: Tensor, generator: torch.Generator | None = None
) -> Tensor:
    """One draw of StudentT(df, loc, scale) per element (shape of the broadcast parameters).

    With a ``generator`` the draws depend on it alone: a seed taken from it seeds torch's
    generator of the parameters' device inside ``torch.random.fork_rng``, so the global random
    state is left as it was. Without one they come from the global random state.
    """
    distribution = StudentT(df, loc, scale, validate_args=False)
    if generator is None:
        return distribution.sample()
    seed = int(torch.randint(0, 2**62, (), generator=generator, device=generator.device))
    on_cuda = df.device.type == "cuda"
    with torch.random.fork_rng(devices=[df.device] if on_cuda else []):
        if on_cuda:
            with torch.cuda.device(df.device):
                torch.cuda.manual_seed(seed)
        else:
            torch.default_generator.manual_seed(seed)
        return distribution.sample()
