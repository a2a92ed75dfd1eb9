"""Speed and size of every registered sequence network on CPU, at the seed study's shapes.

For every network in ``kinemyo.models.networks.NETWORKS`` (hidden 32, 2 layers, default options,
54 inputs -> 16 outputs, float32):

- training: the median wall time of one forward + MSE + backward + Adam step on a batch of
  32 sequences x 100 steps, over ``--repeats`` runs after ``--warmup`` unmeasured ones;
- parameters: the number of trainable parameters;
- streaming: the median (and 95th percentile) time of one ``step`` call (batch 1, eval mode, no
  gradients) over ``--steps`` consecutive steps from ``initial_state``, after ``--warmup-steps``
  unmeasured ones from a separate ``initial_state``; and whether the median is under 1 ms. (The
  Transformer's step cost grows with the position, so its median is that of positions
  0 .. steps - 1.)

If the official ``xlstm`` package is importable (it is not installed by this project), its sLSTM
(vanilla backend) and mLSTM block stacks are timed the same way for training, wrapped in the same
input and output Linear layers, and the ratio ours / official is printed for "slstm" and "mlstm".

Torch uses as many threads as there are CPU cores available to this process.

Usage: python benchmarks/bench_models.py [--repeats 10] [--steps 500]
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import statistics
import time

import torch
from torch import nn

from kinemyo.models.networks import NETWORKS, SequenceNetwork

N_INPUTS, N_OUTPUTS, HIDDEN, LAYERS = 54, 16, 32, 2
BATCH, STEPS = 32, 100


def train_step_seconds(model: nn.Module, repeats: int, warmup: int) -> float:
    """Median seconds of forward + MSE + backward + Adam step on a (32, 100, 54) batch."""
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(BATCH, STEPS, N_INPUTS, generator=generator)
    y = torch.randn(BATCH, STEPS, N_OUTPUTS, generator=generator)
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()
    times = []
    for run in range(warmup + repeats):
        start = time.perf_counter()
        optimiser.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimiser.step()
        if run >= warmup:
            times.append(time.perf_counter() - start)
    return statistics.median(times)


@torch.no_grad()
def step_seconds(model: SequenceNetwork, steps: int, warmup: int) -> tuple[float, float]:
    """Median and 95th percentile seconds of one ``step`` call, batch 1, eval mode."""
    model.eval()
    x = torch.randn(warmup + steps, 1, N_INPUTS, generator=torch.Generator().manual_seed(1))
    state = model.initial_state(1)
    for t in range(warmup):
        _, state = model.step(x[t], state)
    state = model.initial_state(1)  # timed steps start at position 0 (bounded contexts)
    times = []
    for t in range(warmup, warmup + steps):
        start = time.perf_counter()
        _, state = model.step(x[t], state)
        times.append(time.perf_counter() - start)
    return statistics.median(times), statistics.quantiles(times, n=20)[-1]


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def official_stacks() -> dict[str, nn.Module]:
    """The official package's sLSTM (vanilla backend) and mLSTM stacks, with our in/out layers."""
    from xlstm import (  # optional: imported only when installed
        mLSTMBlockConfig,
        mLSTMLayerConfig,
        sLSTMBlockConfig,
        sLSTMLayerConfig,
        xLSTMBlockStack,
        xLSTMBlockStackConfig,
    )

    def wrap(config: xLSTMBlockStackConfig) -> nn.Module:
        return nn.Sequential(
            nn.Linear(N_INPUTS, HIDDEN), xLSTMBlockStack(config), nn.Linear(HIDDEN, N_OUTPUTS)
        )

    slstm = xLSTMBlockStackConfig(
        slstm_block=sLSTMBlockConfig(
            slstm=sLSTMLayerConfig(backend="vanilla", num_heads=4, conv1d_kernel_size=4)
        ),
        context_length=STEPS,
        num_blocks=LAYERS,
        embedding_dim=HIDDEN,
        slstm_at="all",
    )
    mlstm = xLSTMBlockStackConfig(
        mlstm_block=mLSTMBlockConfig(
            # dense q, k, v projections (one block as wide as the up-projection, 2 x hidden), as
            # in the xLSTM equations kinemyo implements; the package defaults to blocks of 4
            mlstm=mLSTMLayerConfig(conv1d_kernel_size=4, qkv_proj_blocksize=2 * HIDDEN, num_heads=4)
        ),
        context_length=STEPS,
        num_blocks=LAYERS,
        embedding_dim=HIDDEN,
        slstm_at=[],
    )
    return {"slstm": wrap(slstm), "mlstm": wrap(mlstm)}


def compare_with_official(ours: dict[str, float], repeats: int, warmup: int) -> None:
    print()
    if importlib.util.find_spec("xlstm") is None:
        print("Official xlstm package: not installed; comparison skipped.")
        return
    print(f"Official xlstm package: training step, median of {repeats} runs")
    print(f"{'block':<8}{'params':>9}{'official ms':>13}{'ours ms':>10}{'ours/official':>15}")
    try:
        stacks = official_stacks()
    except Exception as error:  # an incompatible version: say so and go on
        print(f"could not build the official blocks: {type(error).__name__}: {error}")
        return
    for name, model in stacks.items():
        try:
            official = train_step_seconds(model, repeats, warmup)
        except Exception as error:
            print(f"{name:<8}failed: {type(error).__name__}: {error}")
            continue
        mine = ours.get(name)
        tail = (
            f"{mine * 1e3:10.1f}{mine / official:14.2f}x"
            if mine is not None
            else f"{'n/a':>10}{'n/a':>15}"
        )
        print(f"{name:<8}{parameter_count(model):9d}{official * 1e3:13.1f}{tail}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10, help="timed training steps")
    parser.add_argument("--warmup", type=int, default=2, help="untimed training steps first")
    parser.add_argument("--steps", type=int, default=500, help="timed streaming steps")
    parser.add_argument("--warmup-steps", type=int, default=50, help="untimed streaming steps")
    args = parser.parse_args()

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    torch.set_num_threads(cores or 1)
    print(
        f"torch {torch.__version__}, CPU, {torch.get_num_threads()} threads (= available cores); "
        f"float32; {N_INPUTS} inputs -> {N_OUTPUTS} outputs, hidden {HIDDEN}, {LAYERS} layers"
    )
    print(
        f"train: forward + backward + Adam on {BATCH} x {STEPS} steps, median of {args.repeats} "
        f"runs after {args.warmup}; step: batch 1, median (p95) of {args.steps} steps after "
        f"{args.warmup_steps}"
    )
    print()
    print(f"{'network':<12}{'params':>9}{'train ms':>10}{'step us':>9}{'(p95)':>8}  < 1 ms")
    train_times = {}
    for name in sorted(NETWORKS):
        try:
            torch.manual_seed(0)
            model = NETWORKS[name](N_INPUTS, N_OUTPUTS, hidden=HIDDEN, layers=LAYERS)
            train = train_step_seconds(model, args.repeats, args.warmup)
            median, p95 = step_seconds(model, args.steps, args.warmup_steps)
        except Exception as error:  # one broken network must not hide the others' figures
            print(f"{name:<12}failed: {type(error).__name__}: {error}")
            continue
        train_times[name] = train
        verdict = "yes" if median < 1e-3 else "NO"
        print(
            f"{name:<12}{parameter_count(model):9d}{train * 1e3:10.1f}{median * 1e6:9.0f}"
            f"{p95 * 1e6:8.0f}  {verdict}"
        )
    compare_with_official(train_times, args.repeats, args.warmup)


if __name__ == "__main__":
    main()
