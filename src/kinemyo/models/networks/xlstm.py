"""sLSTM, mLSTM and xLSTM stacks (Beck et al., 2024), written from the equations in PyTorch.

Every module here runs over TIME and is causal. Shapes: B batch, T time steps, D model width
(``hidden``), H heads, d = width / H per head.

sLSTM (scalar memory, recurrent). Pre-activations a = W x_t + R h_{t-1} + b for the gates z, i,
f, o, with R block-diagonal over the heads (each head mixes only its own d units)::

    z = tanh(a_z), i = exp(a_i), f = sigmoid(a_f) (or exp(a_f)), o = sigmoid(a_o)
    c_t = f c_{t-1} + i z,   n_t = f n_{t-1} + i,   h_t = o c_t / n_t

mLSTM (matrix memory per head, no hidden-to-hidden recurrence), with q, k (scaled by 1/sqrt(d)),
v per head and one scalar input and forget gate per head::

    C_t = f C_{t-1} + i v k^T,   n_t = f n_{t-1} + i k,   h_t = C_t q / max(|n_t^T q|, 1)

Stabiliser. exp(a_i) overflows, so both cells carry m_t = max(log f_t + m_{t-1}, a_i,t) (the
largest log-weight any past input has in the memory; m_0 = -inf, so m_1 = a_i,1) and use
i' = exp(a_i - m_t), f' = exp(log f_t + m_{t-1} - m_t) in place of i and f: c, n and C are then
the true ones times exp(-m_t), which cancels in h (the mLSTM denominator's 1 becomes exp(-m_t)).
Because h does not depend on m, m is a constant for autograd (detached): the gradients are the
unstabilised ones. mLSTM has a parallel form over the whole sequence (O(T^2) memory), a
chunkwise form (parallel within chunks of ``MLSTM_CHUNK`` steps, recurrent between them; training,
O(T) memory) and a recurrent form (streaming), all with the same m_t; they give the same numbers.

Blocks (pre-LayerNorm residual): an sLSTM block is x + GroupNorm_heads(sLSTM(LN x)) followed by
x + FFN(LN x) (gated GeLU, width ``slstm_proj_factor`` x D); an mLSTM block projects up first
(width ``mlstm_proj_factor`` x D) and runs the mLSTM inside. Both use a causal depthwise
convolution along time (zero history before the first step). The networks are
Linear(n_inputs -> D), the blocks, LayerNorm, Linear(D -> n_outputs).

Every step-capable module here has ``forward(x: (B, T, .))``, ``initial_state(batch)`` and
``step(x_t: (B, .), state) -> (y_t, state)``, the steps reproducing ``forward``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Annotated, ClassVar, Literal

import torch
from pydantic import BeforeValidator
from torch import nn
from torch.nn.functional import gelu, layer_norm, linear, logsigmoid, pad, silu

from kinemyo.models.networks.base import (
    Depth,
    Factor,
    Features,
    SequenceNetwork,
    State,
    Steps,
    Width,
    register_network,
)

MLSTM_EPS = 1e-6
"""Added to the mLSTM denominator max(|n^T q|, exp(-m))."""

DEFAULT_HEADS = 4


def _forget_bias(heads: int, head_dim: int, forget_gate: str) -> torch.Tensor:
    """Forget-gate bias per unit: sigmoid(b) = sigmoid(linspace(3, 6)) over the heads.

    For an exponential forget gate the bias is logsigmoid(linspace(3, 6)), so log f starts the
    same (about -0.05 .. -0.0025: long memories, a different time scale per head).
    """
    ramp = torch.linspace(3.0, 6.0, heads)
    if forget_gate == "exp":
        ramp = logsigmoid(ramp)
    return ramp.repeat_interleave(head_dim)


def _zeros(ref: torch.Tensor, *shape: int) -> torch.Tensor:
    """Zeros with the dtype and device of ``ref`` (a parameter)."""
    return torch.zeros(shape, dtype=ref.dtype, device=ref.device)


def _stabilised_gates(
    a_i: torch.Tensor, log_f: torch.Tensor, m: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The stabiliser: m_t = max(log f_t + m_{t-1}, a_i,t) (detached), i' and f'.

    Returns:
        (i' = exp(a_i - m_t), f' = exp(log f_t + m_{t-1} - m_t), m_t), all shaped like a_i.
    """
    carried = log_f + m
    m_new = torch.maximum(carried, a_i).detach()
    return torch.exp(a_i - m_new), torch.exp(carried - m_new), m_new


class CausalConv(nn.Module):
    """Depthwise convolution along time, causal: y_t = b + sum_j w_j * x_{t-K+1+j}.

    Before the first step the history is zeros; ``step`` keeps the last K - 1 inputs.

    Args:
        dim: channels D (each convolved separately).
        kernel: K >= 1 steps.
    """

    def __init__(self, dim: int, kernel: int) -> None:
        super().__init__()
        self.history = kernel - 1
        self.conv = nn.Conv1d(dim, dim, kernel, groups=dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, D) -> (B, T, D)."""
        return self.conv(pad(x.transpose(1, 2), (self.history, 0))).transpose(1, 2)

    def initial_state(self, batch: int) -> torch.Tensor:
        """(B, K-1, D) zeros."""
        return _zeros(self.conv.weight, batch, self.history, self.conv.in_channels)

    def step(self, x: torch.Tensor, state: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, D) and the last K-1 inputs -> (B, D) and the updated history."""
        window = torch.cat([state, x[:, None]], dim=1)
        y = (window * self.conv.weight[:, 0].T).sum(dim=1) + self.conv.bias
        return y, window[:, 1:]


class HeadNorm(nn.Module):
    """GroupNorm with one group per head: each head's d units normalised at each step, then a
    per-unit scale and shift. Works on (..., D). (Computed as a LayerNorm over each head's d
    units, which is the same and on CPU twice as fast as ``group_norm``.)"""

    def __init__(self, dim: int, heads: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.heads, self.eps = heads, eps
        self.weight = nn.Parameter(torch.ones(dim))
        self.bias = nn.Parameter(torch.zeros(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        per_head = x.unflatten(-1, (self.heads, -1))
        normalised = layer_norm(per_head, per_head.shape[-1:], eps=self.eps).flatten(-2)
        return torch.addcmul(self.bias, normalised, self.weight)


class GatedFFN(nn.Module):
    """y = W_down(GeLU(g) * u) with [g, u] = W_up x; inner width round(factor * dim)."""

    def __init__(self, dim: int, factor: float) -> None:
        super().__init__()
        inner = round(factor * dim)
        self.up = nn.Linear(dim, 2 * inner)
        self.down = nn.Linear(inner, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gate, value = self.up(x).chunk(2, dim=-1)
        return self.down(gelu(gate) * value)


# --- sLSTM ---------------------------------------------------------------------------------------


class SLSTMLayer(nn.Module):
    """The sLSTM recurrence with H heads (block-diagonal recurrent matrices).

    Pre-activations, gate order (z, o, i, f): ``zo_proj(x)`` gives W x + b for z and o,
    ``if_proj(x_gates)`` for i and f (the block feeds the convolved input there), and
    ``recurrent`` (4, H, d, d) holds the per-head R for z, o, i, f: gate g of head h adds
    h_{t-1}[head h] @ recurrent[g, h]. The loop over time does one (B, D) x (D, 4D) product with
    the dense block-diagonal matrix, then the stabilised update (see the module docstring).

    Init: forget-gate bias from :func:`_forget_bias`, input-gate bias 0, R ~ U(-1/sqrt d, 1/sqrt d).

    Args:
        dim: width D.
        heads: H, dividing D.
        forget_gate: "sigmoid" (log f = logsigmoid(a_f)) or "exp" (log f = a_f).
    """

    def __init__(self, dim: int, heads: int, forget_gate: str = "sigmoid") -> None:
        super().__init__()
        self.dim, self.heads, self.head_dim = dim, heads, dim // heads
        self.forget_gate = forget_gate
        self.zo_proj = nn.Linear(dim, 2 * dim)
        self.if_proj = nn.Linear(dim, 2 * dim)
        bound = 1.0 / math.sqrt(self.head_dim)
        self.recurrent = nn.Parameter(
            torch.empty(4, heads, self.head_dim, self.head_dim).uniform_(-bound, bound)
        )
        with torch.no_grad():
            self.if_proj.bias[:dim] = 0.0
            self.if_proj.bias[dim:] = _forget_bias(heads, self.head_dim, forget_gate)

    def recurrent_matrix(self) -> torch.Tensor:
        """R as a dense (D, 4D) block-diagonal matrix: h @ R = [R_z h, R_o h, R_i h, R_f h]."""
        eye = torch.eye(self.heads, dtype=self.recurrent.dtype, device=self.recurrent.device)
        dense = torch.einsum("gkij,kl->kiglj", self.recurrent, eye)
        return dense.reshape(self.dim, 4 * self.dim)

    def initial_state(self, batch: int) -> tuple[torch.Tensor, ...]:
        """(c, n, h, m), each (B, D): zeros, and m = -inf (so that m_1 = a_i,1)."""
        zeros = _zeros(self.recurrent, batch, self.dim)
        return zeros, zeros, zeros, torch.full_like(zeros, -math.inf)

    def forward(
        self, x: torch.Tensor, x_gates: torch.Tensor, state: tuple[torch.Tensor, ...]
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, ...]]:
        """Run the recurrence from ``state`` over T steps.

        Args:
            x: (B, T, D), read by z and o.
            x_gates: (B, T, D), read by i and f.
            state: (c, n, h, m) before the first of these steps.

        Returns:
            h (B, T, D) and the state after the last step.
        """
        pre = torch.cat([self.zo_proj(x), self.if_proj(x_gates)], dim=-1)
        r = self.recurrent_matrix()
        exp_forget = self.forget_gate == "exp"
        c, n, h, m = state
        outputs = []
        for pre_t in pre.unbind(1):
            z, o, a_i, a_f = torch.addmm(pre_t, h, r).chunk(4, dim=-1)
            i, f, m = _stabilised_gates(a_i, a_f if exp_forget else logsigmoid(a_f), m)
            c = torch.addcmul(f * c, i, torch.tanh(z))
            n = torch.addcmul(i, f, n)
            h = torch.sigmoid(o) * c / n
            outputs.append(h)
        return torch.stack(outputs, dim=1), (c, n, h, m)


class SLSTMBlock(nn.Module):
    """Post up-projection block: x + HeadNorm(sLSTM(LN x)), then x + GatedFFN(LN x).

    The sLSTM's i and f gates read SiLU(CausalConv(LN x)), z and o read LN x.
    State: (convolution history (B, K-1, D), sLSTM state).
    """

    def __init__(
        self, dim: int, heads: int, conv_kernel: int, proj_factor: float, forget_gate: str
    ) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.conv = CausalConv(dim, conv_kernel)
        self.cell = SLSTMLayer(dim, heads, forget_gate)
        self.cell_norm = HeadNorm(dim, heads)
        self.ffn_norm = nn.LayerNorm(dim)
        self.ffn = GatedFFN(dim, proj_factor)

    def _mix(
        self,
        x: torch.Tensor,
        u: torch.Tensor,
        u_conv: torch.Tensor,
        state: tuple[torch.Tensor, ...],
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, ...]]:
        """The block from the normalised input u = LN x and its convolution, all (B, T, D)."""
        h, state = self.cell(u, silu(u_conv), state)
        x = x + self.cell_norm(h)
        return x + self.ffn(self.ffn_norm(x)), state

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, D) -> (B, T, D)."""
        u = self.norm(x)
        return self._mix(x, u, self.conv(u), self.cell.initial_state(x.shape[0]))[0]

    def initial_state(self, batch: int) -> State:
        return self.conv.initial_state(batch), self.cell.initial_state(batch)

    def step(self, x: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
        """(B, D) -> (B, D)."""
        history, cell_state = state
        u = self.norm(x)
        u_conv, history = self.conv.step(u, history)
        y, cell_state = self._mix(x[:, None], u[:, None], u_conv[:, None], cell_state)
        return y[:, 0], (history, cell_state)


# --- mLSTM ---------------------------------------------------------------------------------------


MLSTM_CHUNK = 16
"""Steps per chunk of the chunkwise mLSTM (see :func:`mlstm_chunkwise`)."""

PRECISE_CUMSUM_STEPS = 256
"""Chunks longer than this get their mLSTM forget-gate sums in float64 (see mlstm_chunkwise)."""


def mlstm_chunkwise(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    a_i: torch.Tensor,
    a_f: torch.Tensor,
    chunk: int | None = MLSTM_CHUNK,
    eps: float = MLSTM_EPS,
) -> torch.Tensor:
    """The mLSTM over a whole sequence from zero memory, in chunks: parallel within a chunk,
    recurrent from chunk to chunk.

    Within a chunk (steps t, s of the chunk, s <= t; b_t = sum of log f_r from the chunk's
    first step to t): log D_ts = b_t - b_s + a_i,s, and the memory (C, n, m) from before the
    chunk reaches step t with log weight b_t + m. Hence
    m_t = max(b_t + m, max_s log D_ts), S_ts = (q_t . k_s) exp(log D_ts - m_t) and
    h_t = (sum_s S_ts v_s + e_t C q_t) / (max(|sum_s S_ts + e_t n . q_t|, exp(-m_t)) + eps)
    with e_t = exp(b_t + m - m_t): the stabilised D-matrix form of the spec plus the carried
    memory. From chunk to chunk the memory is updated with the stabilised recurrent step over a
    whole chunk (total log forget b_L, inputs weighted by exp(b_L - b_s + a_i,s)). m_t is the
    recurrent form's stabiliser, so every form gives the same numbers.

    ``chunk=None`` (or >= T) is the fully parallel form: O(T^2) memory, which a sequence of
    1926 steps at batch 64 does not fit (about 2 GB per (B, H, T, T) tensor). Chunks of
    ``MLSTM_CHUNK`` = 16 steps keep memory O(T x chunk) and were the fastest on CPU for the
    seed's shapes (d = 32; 16-24 measured alike, 32 about 10% and 64 about 50% slower). The
    sequence is padded to whole chunks (the padding comes after every real step, so it changes
    none). The forget sums are cumulative sums within a chunk;
    over chunks longer than ``PRECISE_CUMSUM_STEPS`` they are taken in float64, where float32
    sums would lose digits.

    Args:
        q, k, v: (B, H, T, d); k already scaled by 1/sqrt(d).
        a_i, a_f: (B, H, T) input- and forget-gate pre-activations.
        chunk: steps per chunk L (None: the whole sequence).
        eps: added to the denominator.

    Returns:
        h: (B, H, T, d).
    """
    steps, dim = q.shape[-2:]
    size = steps if chunk is None else min(chunk, steps)
    n_chunks = -(-steps // size)
    extra = n_chunks * size - steps
    # v gets a last column of ones: n is then the memory's last row and sum_s S_ts the last
    # column of S [v, 1], so one product gives numerator and denominator
    v = pad(v, (0, 1, 0, extra), value=1.0)
    q, k = (pad(x, (0, 0, 0, extra)) for x in (q, k))
    q, k, v = (x.unflatten(2, (n_chunks, size)) for x in (q, k, v))  # (B, H, N, L, .)
    log_f = logsigmoid(pad(a_f, (0, extra)))
    if size > PRECISE_CUMSUM_STEPS:
        log_f = log_f.double()
    within = log_f.unflatten(2, (n_chunks, size)).cumsum(dim=-1)  # b_t, (B, H, N, L)
    source = pad(a_i, (0, extra)).unflatten(2, (n_chunks, size)) - within  # log D = b_t + this
    dtype = q.dtype  # within and source may be float64 (long chunks) up to the log weights

    # the memory [C; n] before each chunk (recurrent step over one chunk at a time), read by
    # the chunk's queries: reads[j] = q_t [C; n]_j^T for the steps t of chunk j
    to_end = (within[..., -1:] + source).to(dtype)  # log weight of input s at the chunk's end
    m_chunk = to_end.amax(dim=-1).detach()  # (B, H, N)
    weight = torch.exp(to_end - m_chunk.unsqueeze(-1)).unsqueeze(-1)
    totals = within[..., -1].to(dtype)  # b_L, each chunk's total log forget
    memory = q.new_zeros(*q.shape[:2], dim + 1, dim)  # (B, H, d + 1, d)
    m = torch.full_like(m_chunk[..., 0], -math.inf)
    reads, ms = [], []
    per_chunk = (x.unbind(2) for x in (q, k, v * weight, totals, m_chunk))
    for j, (q_j, k_j, v_j, total, m_inputs) in enumerate(zip(*per_chunk, strict=True)):
        reads.append(q_j @ memory.transpose(-1, -2))
        ms.append(m)
        if j == n_chunks - 1:
            break
        carried = total + m  # b_L + m: log weight of the memory at the chunk's end
        m = torch.maximum(carried, m_inputs).detach()
        old, new = torch.exp(carried - m)[..., None, None], torch.exp(m_inputs - m)[..., None, None]
        memory = old * memory + new * (v_j.transpose(-1, -2) @ k_j)  # + sum_s w_s [v_s; 1] k_s^T
    m = torch.stack(ms, dim=-1).unsqueeze(-1)  # (B, H, N, 1)

    # every step: its chunk's inputs (parallel) and the memory carried into the chunk
    m_t = (within + torch.maximum(m, source.cummax(dim=-1).values)).detach()
    causal = torch.ones(size, size, dtype=torch.bool, device=q.device).tril()
    log_d = ((within - m_t).unsqueeze(-1) + source.unsqueeze(-2)).to(dtype)
    log_d = log_d.masked_fill(~causal, -math.inf)
    scores = (q @ k.transpose(-1, -2)) * torch.exp(log_d)  # S_ts, (B, H, N, L, L)
    from_memory = torch.exp((within + m - m_t).to(dtype)).unsqueeze(-1)
    m_t = m_t.to(dtype)
    both = scores @ v + from_memory * torch.stack(reads, dim=2)
    numerator, denominator = both.split([dim, 1], dim=-1)
    h = numerator / (torch.maximum(denominator.abs(), torch.exp(-m_t).unsqueeze(-1)) + eps)
    return h.flatten(2, 3)[:, :, :steps]


def mlstm_step(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    a_i: torch.Tensor,
    a_f: torch.Tensor,
    state: tuple[torch.Tensor, torch.Tensor, torch.Tensor],
    eps: float = MLSTM_EPS,
) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    """One stabilised recurrent mLSTM step.

    C_t = f' C_{t-1} + i' v k^T; n_t = f' n_{t-1} + i' k;
    h_t = C_t q / (max(|n_t . q|, exp(-m_t)) + eps).

    Args:
        q, k, v: (B, H, d); k already scaled by 1/sqrt(d).
        a_i, a_f: (B, H).
        state: (C (B, H, d, d), n (B, H, d), m (B, H)).

    Returns:
        h (B, H, d) and the next state.
    """
    memory, normaliser, m = state
    i, f, m = _stabilised_gates(a_i, logsigmoid(a_f), m)
    i, f = i.unsqueeze(-1), f.unsqueeze(-1)
    memory = f.unsqueeze(-1) * memory + (i * v).unsqueeze(-1) * k.unsqueeze(-2)
    normaliser = f * normaliser + i * k
    numerator = (memory @ q.unsqueeze(-1)).squeeze(-1)
    denominator = torch.maximum((normaliser * q).sum(-1).abs(), torch.exp(-m))
    return numerator / (denominator + eps).unsqueeze(-1), (memory, normaliser, m)


def mlstm_recurrent(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    a_i: torch.Tensor,
    a_f: torch.Tensor,
    state: tuple[torch.Tensor, torch.Tensor, torch.Tensor],
    eps: float = MLSTM_EPS,
) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    """:func:`mlstm_step` looped over T: shapes as :func:`mlstm_chunkwise`, plus the state."""
    outputs = []
    for t in range(q.shape[-2]):
        h, state = mlstm_step(
            q[..., t, :], k[..., t, :], v[..., t, :], a_i[..., t], a_f[..., t], state, eps
        )
        outputs.append(h)
    return torch.stack(outputs, dim=-2), state


class MLSTMLayer(nn.Module):
    """The mLSTM with H heads: q, k from one input, v from another, gates from [q, k, v].

    q = W_q x, k = W_k x / sqrt(d), v = W_v x_v; a_i, a_f = W_g [q, k, v] + b, one per head.
    Init: gate weights 0, input-gate bias ~ N(0, 0.1), forget-gate bias linspace(3, 6) over heads.

    Args:
        dim: width D (the block's up-projected width).
        heads: H, dividing D.
    """

    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        self.dim, self.heads, self.head_dim = dim, heads, dim // heads
        self.q_proj = nn.Linear(dim, dim, bias=False)
        self.k_proj = nn.Linear(dim, dim, bias=False)
        self.v_proj = nn.Linear(dim, dim, bias=False)
        self.gate_proj = nn.Linear(3 * dim, 2 * heads)
        with torch.no_grad():
            self.gate_proj.weight.zero_()
            self.gate_proj.bias[:heads].normal_(0.0, 0.1)
            self.gate_proj.bias[heads:] = torch.linspace(3.0, 6.0, heads)

    def _split(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, H * e) -> (B, H, T, e)."""
        return x.unflatten(-1, (self.heads, -1)).transpose(1, 2)

    def _project(self, x: torch.Tensor, x_v: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """(B, T, D) twice -> q, k, v (B, H, T, d) and a_i, a_f (B, H, T), for the chunkwise form.

        The gates W_g [q, k, v] are computed as (W_gq W_q + W_gk W_k) x + W_gv W_v x_v, in the
        same two products as q, k and v (and k's 1/sqrt(d) goes into W_k): the same numbers,
        without a (B, T, 3D) concatenation and a product only 2H wide. Fusing the weights costs
        three weight products per call, paid once per sequence here; :meth:`_project_plain`
        serves the recurrent form, called once per time step.
        """
        gate_q, gate_k, gate_v = self.gate_proj.weight.split(self.dim, dim=1)
        w_q, w_k, w_v = self.q_proj.weight, self.k_proj.weight, self.v_proj.weight
        from_x = torch.cat([w_q, w_k / math.sqrt(self.head_dim), gate_q @ w_q + gate_k @ w_k])
        q, k, gates = linear(x, from_x).split([self.dim, self.dim, 2 * self.heads], dim=-1)
        v, gates_v = linear(x_v, torch.cat([w_v, gate_v @ w_v])).split(self.dim, dim=-1)
        return self._heads(q, k, v, gates + gates_v + self.gate_proj.bias)

    def _project_plain(self, x: torch.Tensor, x_v: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """:meth:`_project` with the plain projections, W_g [q, W_k x, v] + b, then k / sqrt(d):
        the same function, without rebuilding the fused weights at every step."""
        q, k, v = self.q_proj(x), self.k_proj(x), self.v_proj(x_v)
        gates = self.gate_proj(torch.cat([q, k, v], dim=-1))
        return self._heads(q, k / math.sqrt(self.head_dim), v, gates)

    def _heads(
        self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, gates: torch.Tensor
    ) -> tuple[torch.Tensor, ...]:
        """(B, T, D) q, k, v and (B, T, 2H) gates -> (B, H, T, d) q, k, v and (B, H, T) a_i, a_f."""
        a_i, a_f = gates.transpose(1, 2).chunk(2, dim=1)
        return self._split(q), self._split(k), self._split(v), a_i, a_f

    @staticmethod
    def _merge(h: torch.Tensor) -> torch.Tensor:
        """(B, H, T, d) -> (B, T, H * d)."""
        return h.transpose(1, 2).flatten(-2)

    def forward(self, x: torch.Tensor, x_v: torch.Tensor) -> torch.Tensor:
        """Chunkwise form from zero memory: x (B, T, D) for q, k and x_v (B, T, D) for v -> h."""
        return self._merge(mlstm_chunkwise(*self._project(x, x_v)))

    def recurrent(
        self, x: torch.Tensor, x_v: torch.Tensor, state: tuple[torch.Tensor, ...]
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, ...]]:
        """Recurrent form from ``state``: (B, T, D) twice -> h (B, T, D) and the next state."""
        h, state = mlstm_recurrent(*self._project_plain(x, x_v), state)
        return self._merge(h), state

    def initial_state(self, batch: int) -> tuple[torch.Tensor, ...]:
        """(C (B, H, d, d), n (B, H, d), m (B, H)): zeros, and m = -inf."""
        ref = self.q_proj.weight
        m = torch.full((batch, self.heads), -math.inf, dtype=ref.dtype, device=ref.device)
        memory = _zeros(ref, batch, self.heads, self.head_dim, self.head_dim)
        return memory, _zeros(ref, batch, self.heads, self.head_dim), m


class MLSTMBlock(nn.Module):
    """Pre up-projection block around the mLSTM, width E = round(proj_factor * D).

    u = LN x; [a, z] = W_up u; a_c = SiLU(CausalConv a); h = mLSTM(q, k from a_c; v from a);
    y = (HeadNorm h + skip * a_c) * SiLU z; out = x + W_down y (skip: learnable, init 1).
    ``forward`` uses the chunkwise form, ``step`` the recurrent one.
    State: (convolution history (B, K-1, E), mLSTM state).
    """

    def __init__(self, dim: int, heads: int, conv_kernel: int, proj_factor: float) -> None:
        super().__init__()
        inner = round(proj_factor * dim)
        self.norm = nn.LayerNorm(dim)
        self.up = nn.Linear(dim, 2 * inner)
        self.conv = CausalConv(inner, conv_kernel)
        self.cell = MLSTMLayer(inner, heads)
        self.cell_norm = HeadNorm(inner, heads)
        self.skip = nn.Parameter(torch.ones(inner))
        self.down = nn.Linear(inner, dim)

    def _output(
        self, x: torch.Tensor, h: torch.Tensor, a_conv: torch.Tensor, z: torch.Tensor
    ) -> torch.Tensor:
        """x + W_down((HeadNorm h + skip * a_c) * SiLU z)."""
        return x + self.down(torch.addcmul(self.cell_norm(h), self.skip, a_conv) * silu(z))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, D) -> (B, T, D)."""
        a, z = self.up(self.norm(x)).chunk(2, dim=-1)
        a_conv = silu(self.conv(a))
        return self._output(x, self.cell(a_conv, a), a_conv, z)

    def initial_state(self, batch: int) -> State:
        return self.conv.initial_state(batch), self.cell.initial_state(batch)

    def step(self, x: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
        """(B, D) -> (B, D)."""
        history, cell_state = state
        a, z = self.up(self.norm(x)).chunk(2, dim=-1)
        a_conv, history = self.conv.step(a, history)
        a_conv = silu(a_conv)
        h, cell_state = self.cell.recurrent(a_conv[:, None], a[:, None], cell_state)
        return self._output(x, h[:, 0], a_conv, z), (history, cell_state)


# --- stacks and networks -------------------------------------------------------------------------


class XLSTMStack(nn.Module):
    """Residual blocks in the order of ``pattern`` ('m': mLSTM block, 's': sLSTM block), then
    LayerNorm. (B, T, D) -> (B, T, D); state: one entry per block."""

    def __init__(
        self,
        dim: int,
        pattern: str,
        *,
        heads: int,
        conv_kernel: int,
        mlstm_proj_factor: float,
        slstm_proj_factor: float,
        forget_gate: str,
    ) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(
            MLSTMBlock(dim, heads, conv_kernel, mlstm_proj_factor)
            if kind == "m"
            else SLSTMBlock(dim, heads, conv_kernel, slstm_proj_factor, forget_gate)
            for kind in pattern
        )
        self.norm = nn.LayerNorm(dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in self.blocks:
            x = block(x)
        return self.norm(x)

    def initial_state(self, batch: int) -> list[State]:
        return [block.initial_state(batch) for block in self.blocks]

    def step(self, x: torch.Tensor, state: list[State]) -> tuple[torch.Tensor, list[State]]:
        next_state = []
        for block, block_state in zip(self.blocks, state, strict=True):
            x, block_state = block.step(x, block_state)
            next_state.append(block_state)
        return self.norm(x), next_state


class LinearEmbedding(nn.Module):
    """Per-step Linear(n_inputs -> hidden); stateless (its state is None)."""

    def __init__(self, n_inputs: int, hidden: int) -> None:
        super().__init__()
        self.proj = nn.Linear(n_inputs, hidden)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(x)

    def initial_state(self, batch: int) -> None:
        return None

    def step(self, x: torch.Tensor, state: None) -> tuple[torch.Tensor, None]:
        return self.proj(x), state


def ratio_counts(ratio: object) -> tuple[int, int]:
    """(mLSTM, sLSTM) blocks per unit of ``ratio``: a pair of non-negative integers, not both 0,
    or the same as text "m:s" (e.g. "3:1").

    Raises:
        ValueError: ``ratio`` is neither.
    """
    if isinstance(ratio, str):
        parts: Sequence[object] = [int(p) if p.strip().isdigit() else p for p in ratio.split(":")]
    else:
        parts = ratio if isinstance(ratio, Sequence) else ()
    counts = [p for p in parts if isinstance(p, int) and not isinstance(p, bool) and p >= 0]
    if len(parts) != 2 or len(counts) != 2 or sum(counts) == 0:
        raise ValueError(f"must be two non-negative integers m:s, not both 0 (got {ratio!r})")
    return counts[0], counts[1]


Ratio = Annotated[tuple[int, int], BeforeValidator(ratio_counts)]
"""An xLSTM block ratio m:s, as a pair or as text "m:s" (see :func:`ratio_counts`)."""

ForgetGate = Literal["sigmoid", "exp"]
"""sLSTM forget-gate activations: log f = logsigmoid(a_f) or log f = a_f."""


def block_pattern(layers: int, ratio: Sequence[int] | str, pattern: str | None) -> str:
    """The block kinds, one letter per layer ('m' mLSTM, 's' sLSTM).

    ``pattern`` (e.g. "msm") is used as given and must have ``layers`` letters. Otherwise
    ``ratio`` a:b (a pair or "a:b", see :func:`ratio_counts`) tiles the unit 'm' * a + 's' * b
    and cuts it to ``layers``: 1:1 -> "msms...", 3:1 -> "mmmsmmms...", 0:1 -> all sLSTM.

    Raises:
        ValueError: a ``pattern`` of other letters or length, naming it; a bad ``ratio``.
    """
    if pattern is not None:
        if len(pattern) != layers or not set(pattern) <= {"m", "s"}:
            raise ValueError(
                f"'pattern' must be 'layers' = {layers} letters, each 'm' (mLSTM) or 's' (sLSTM) "
                f"(got {pattern!r})"
            )
        return pattern
    mlstm, slstm = ratio_counts(ratio)
    return (("m" * mlstm + "s" * slstm) * layers)[:layers]


def _stack_heads(
    hidden: int, heads: int | None, pattern: str, mlstm_factor: float, slstm_factor: float
) -> int:
    """``heads``, or by default 4 when it divides ``hidden`` (else the largest divisor < 4),
    checked against the widths it splits.

    Raises:
        ValueError: ``heads`` does not divide ``hidden`` or (with mLSTM blocks) the mLSTM width,
            or a width factor makes a width of 0; naming the options.
    """
    if heads is None:
        heads = max(h for h in range(1, DEFAULT_HEADS + 1) if hidden % h == 0)
    elif hidden % heads:
        raise ValueError(f"'heads' ({heads}) must divide 'hidden' ({hidden})")
    for option, factor in (
        ("mlstm_proj_factor", mlstm_factor),
        ("slstm_proj_factor", slstm_factor),
    ):
        if round(factor * hidden) < 1:
            raise ValueError(
                f"'{option}' ({factor}) x 'hidden' ({hidden}) must round to a width >= 1"
            )
    width = round(mlstm_factor * hidden)
    if "m" in pattern and width % heads:
        raise ValueError(
            f"'mlstm_proj_factor' ({mlstm_factor}) x 'hidden' ({hidden}) = {width} must be "
            f"divisible by 'heads' ({heads})"
        )
    return heads


class XLSTMStackNetwork(SequenceNetwork):
    """embedding -> :class:`XLSTMStack` -> Linear(hidden -> n_outputs), checking the options.

    Not registered itself: the registered subclasses choose the block pattern and the embedding.

    Args:
        n_inputs, n_outputs, hidden, layers: see :class:`SequenceNetwork`.
        ratio, pattern: the block kinds (see :func:`block_pattern`).
        heads: heads of every block (None: 4, or the largest divisor of ``hidden`` below 4);
            must divide ``hidden`` and the mLSTM width.
        conv_kernel: steps of the causal convolutions (>= 1).
        mlstm_proj_factor: mLSTM block up-projection width / hidden.
        slstm_proj_factor: sLSTM block FFN width / hidden.
        forget_gate: sLSTM forget gate, "sigmoid" or "exp".
        embedding: builds the (n_inputs, hidden) embedding; per-step Linear by default.
    """

    def __init__(
        self,
        n_inputs: int,
        n_outputs: int,
        hidden: int,
        layers: int,
        *,
        ratio: Sequence[int] | str,
        pattern: str | None,
        heads: int | None,
        conv_kernel: int,
        mlstm_proj_factor: float,
        slstm_proj_factor: float,
        forget_gate: ForgetGate,
        embedding: Callable[[int, int], nn.Module] = LinearEmbedding,
    ) -> None:
        super().__init__(n_inputs, n_outputs, hidden, layers)
        pattern = block_pattern(self.layers, ratio, pattern)
        heads = _stack_heads(self.hidden, heads, pattern, mlstm_proj_factor, slstm_proj_factor)
        self.pattern, self.heads = pattern, heads
        self.embedding = embedding(self.n_inputs, self.hidden)
        self.stack = XLSTMStack(
            self.hidden,
            pattern,
            heads=heads,
            conv_kernel=conv_kernel,
            mlstm_proj_factor=mlstm_proj_factor,
            slstm_proj_factor=slstm_proj_factor,
            forget_gate=forget_gate,
        )
        self.head = nn.Linear(self.hidden, self.n_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, n_inputs) -> (B, T, n_outputs)."""
        return self.head(self.stack(self.embedding(x)))

    def initial_state(self, batch: int) -> State:
        return self.embedding.initial_state(batch), self.stack.initial_state(batch)

    def step(self, x: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
        """(B, n_inputs) -> (B, n_outputs), mLSTM blocks in their recurrent form."""
        embedding_state, stack_state = state
        e, embedding_state = self.embedding.step(x, embedding_state)
        h, stack_state = self.stack.step(e, stack_state)
        return self.head(h), (embedding_state, stack_state)


@register_network
class SLSTMNetwork(XLSTMStackNetwork):
    """``layers`` sLSTM blocks (xLSTM[0:1]). Options: see :class:`XLSTMStackNetwork`."""

    name: ClassVar[str] = "slstm"

    def __init__(
        self,
        n_inputs: Features,
        n_outputs: Features,
        hidden: Width = 32,
        layers: Depth = 2,
        *,
        heads: Width | None = None,
        conv_kernel: Steps = 4,
        slstm_proj_factor: Factor = 4 / 3,
        forget_gate: ForgetGate = "sigmoid",
    ) -> None:
        super().__init__(
            n_inputs,
            n_outputs,
            hidden,
            layers,
            ratio=(0, 1),
            pattern=None,
            heads=heads,
            conv_kernel=conv_kernel,
            mlstm_proj_factor=2.0,
            slstm_proj_factor=slstm_proj_factor,
            forget_gate=forget_gate,
        )


@register_network
class MLSTMNetwork(XLSTMStackNetwork):
    """``layers`` mLSTM blocks (xLSTM[1:0]). Options: see :class:`XLSTMStackNetwork`."""

    name: ClassVar[str] = "mlstm"

    def __init__(
        self,
        n_inputs: Features,
        n_outputs: Features,
        hidden: Width = 32,
        layers: Depth = 2,
        *,
        heads: Width | None = None,
        conv_kernel: Steps = 4,
        mlstm_proj_factor: Factor = 2.0,
    ) -> None:
        super().__init__(
            n_inputs,
            n_outputs,
            hidden,
            layers,
            ratio=(1, 0),
            pattern=None,
            heads=heads,
            conv_kernel=conv_kernel,
            mlstm_proj_factor=mlstm_proj_factor,
            slstm_proj_factor=4 / 3,
            forget_gate="sigmoid",
        )


@register_network
class XLSTMNetwork(XLSTMStackNetwork):
    """Mixed stack xLSTM[a:b]: ``ratio`` (default 1:1 -> m, s, m, s, ...) or an explicit
    ``pattern`` of ``layers`` letters 'm'/'s'. Other options: see :class:`XLSTMStackNetwork`."""

    name: ClassVar[str] = "xlstm"

    def __init__(
        self,
        n_inputs: Features,
        n_outputs: Features,
        hidden: Width = 32,
        layers: Depth = 2,
        *,
        ratio: Ratio = (1, 1),
        pattern: str | None = None,
        heads: Width | None = None,
        conv_kernel: Steps = 4,
        mlstm_proj_factor: Factor = 2.0,
        slstm_proj_factor: Factor = 4 / 3,
        forget_gate: ForgetGate = "sigmoid",
    ) -> None:
        super().__init__(
            n_inputs,
            n_outputs,
            hidden,
            layers,
            ratio=ratio,
            pattern=pattern,
            heads=heads,
            conv_kernel=conv_kernel,
            mlstm_proj_factor=mlstm_proj_factor,
            slstm_proj_factor=slstm_proj_factor,
            forget_gate=forget_gate,
        )
