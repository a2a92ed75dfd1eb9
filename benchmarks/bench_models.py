"""Speed and size of every registered sequence network on CPU, and the seed study's workload.

Part 1, ``networks``: every network in ``kinemyo.models.networks.NETWORKS`` (hidden 32,
2 layers, default options, 54 inputs -> 16 outputs, float32):

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
Part 1 runs on ``--threads`` torch threads (default: kinemyo's setting, see
``kinemyo.training.threads``).

Part 2, ``seed``: one training epoch of the seed study's workload, timed through kinemyo's
training loop (``kinemyo.training.trainer.train``) with the ``seed-xlstm`` preset (hidden 32,
2 heads; sLSTM one block, mLSTM one block, xLSTM blocks m-s-m; LSTM 2 layers; Adam, lr 0.01):
batches of 64 sequences of 1926 windows x 54 inputs (9 muscles x 6 features) -> 8 outputs
(8 joints), synthetic values, about 14,000 sequences = 219 batches per epoch. Each row times
``--seed-batches`` batches (fewer, at least one, once they took ``--seed-seconds``; after one
untimed batch per network and thread count) and extrapolates to 219: seconds per epoch, beside
the seed's own per-epoch measurement on a CUDA GPU and the ratio GPU / ours. Rows: 1 and 2
intra-op threads, on the machine as it is ("quiet"; the load average is printed before and
after) and with one core kept busy by a spinning process (started for those rows, stopped after
them, and ending by itself if the benchmark dies).

Usage: python benchmarks/bench_models.py [--part all|networks|seed] [--repeats 10] [--steps 500]
    [--seed-batches 2] [--seed-seconds 20]
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

import numpy as np
import torch
from torch import nn

from kinemyo.models.networks import NETWORKS, SequenceNetwork, build_network
from kinemyo.models.presets import SEED_SEQUENCE_LENGTH, preset_params
from kinemyo.training.threads import torch_threads
from kinemyo.training.trainer import TrainingConfig, train

N_INPUTS, N_OUTPUTS, HIDDEN, LAYERS = 54, 16, 32, 2
BATCH, STEPS = 32, 100

SEED_OUTPUTS = 8
"""The seed's regression targets: 8 joint angles (or 8 torques). (kinemyo flattens its J x Q
targets, 8 joints x 2 quantities = 16 outputs; the last Linear layer's width changes nothing
measurable.)"""
SEED_SEQUENCES = 14_000
SEED_GPU_EPOCH_SECONDS = {
    "lstm": (3.05, 3.65),
    "slstm": (2066.0, 2371.0),
    "mlstm": (1698.0, 1952.0),
    "xlstm": (5366.0, 6014.0),
}
"""The seed's own seconds per epoch of this workload on a CUDA GPU (lowest, highest)."""
GOAL = 10.0
"""The xLSTM family's goal: at least this many times faster than the seed's fastest GPU epoch."""


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


def seed_batches(batch: int, length: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Synthetic windows X (N, 54), targets Y (N, 8) and ``batch`` index chunks (batch, length)
    of consecutive windows, as the trainer takes them."""
    n = 4 * SEED_SEQUENCE_LENGTH
    X = rng.standard_normal((n, N_INPUTS), dtype=np.float32)
    Y = rng.standard_normal((n, SEED_OUTPUTS), dtype=np.float32)
    starts = rng.integers(0, n - length, size=batch)
    return X, Y, starts[:, None] + np.arange(length)


def seed_batch_seconds(
    name: str, threads: int, batches: int, warmup: int, budget: float, length: int
) -> tuple[float, int]:
    """Mean wall seconds of one training batch of the seed workload through ``train``, and the
    number of batches timed: ``batches``, or fewer (at least 1) once they took ``budget`` s.

    Each batch is one call of ``train`` (one epoch of one batch: forward, masked MSE, backward,
    gradient clipping, Adam step), so its time includes the loop's own per-epoch work. Sequences
    shorter than the seed's 1926 windows are timed and scaled by 1926 / ``length`` (every one
    of these networks costs time in proportion to the sequence length).
    """
    params = preset_params(name, "seed-xlstm")
    torch.manual_seed(0)
    network = build_network(
        name,
        n_inputs=N_INPUTS,
        n_outputs=SEED_OUTPUTS,
        hidden=params["hidden"],
        layers=params["layers"],
        **params.get("options", {}),
    )
    config = TrainingConfig(
        epochs=1,
        learning_rate=params["learning_rate"],
        batch_size=params["batch_size"],
        schedule=params["schedule"],
        patience=params["patience"],
        device="cpu",
        threads=threads,
    )
    rng = np.random.default_rng(0)
    seconds = []
    for run in range(warmup + batches):
        X, Y, chunks = seed_batches(params["batch_size"], length, rng)
        history = train(network, X, Y, chunks, np.zeros((0, chunks.shape[1]), int), config)
        if run >= warmup:
            seconds.append(history.seconds)
            if sum(seconds) > budget:
                break
    return statistics.mean(seconds) * SEED_SEQUENCE_LENGTH / length, len(seconds)


_SPIN = """
import os
os.sched_setaffinity(0, {{{core}}})
parent = os.getppid()
while os.getppid() == parent:  # ends by itself if the benchmark dies
    for _ in range(1_000_000):
        pass
"""


@contextmanager
def busy_core() -> Iterator[int]:
    """A process spinning on the last available core for the duration; yields that core."""
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else [0]
    spinner = subprocess.Popen([sys.executable, "-c", _SPIN.format(core=cores[-1])])
    try:
        time.sleep(0.5)  # let it start spinning
        yield cores[-1]
    finally:
        spinner.terminate()
        try:
            spinner.wait(timeout=10)
        except subprocess.TimeoutExpired:
            spinner.kill()
            spinner.wait()


SHORT_LENGTH = SEED_SEQUENCE_LENGTH // 10
"""Windows per sequence timed in the rows with more threads than free cores (a full batch takes
minutes there), scaled up to 1926."""


def seed_workload(batches: int, budget: float) -> None:
    """Part 2: the seed workload's epoch time at 1 and 2 threads, quiet and with a busy core."""
    per_epoch = math.ceil(SEED_SEQUENCES / preset_params("xlstm", "seed-xlstm")["batch_size"])
    print()
    print(
        f"Seed workload: one epoch = {per_epoch} batches of 64 sequences x "
        f"{SEED_SEQUENCE_LENGTH} windows x {N_INPUTS} inputs -> {SEED_OUTPUTS} outputs "
        f"(~{SEED_SEQUENCES:,} sequences), seed-xlstm preset, kinemyo's training loop, CPU."
    )
    print(
        f"Timed: {batches} batches per row (fewer, at least 1, once a row took {budget:.0f} s; "
        f"column n) of sequences of the length in column 'windows' (*: {SHORT_LENGTH}, time "
        f"scaled x{SEED_SEQUENCE_LENGTH / SHORT_LENGTH:.2f}), after 1 untimed batch per network "
        f"and thread count, and EXTRAPOLATED to {per_epoch} batches. GPU = the seed's own "
        f"s/epoch on CUDA; GPU/ours = how many times faster; goal: >= {GOAL:.0f}x the fastest "
        f"GPU epoch."
    )
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"torch {torch.__version__}, {cores} cores available to this process.")
    print(f"Load average before: {_load()}")
    print()
    print(
        f"{'load':<8}{'threads':>7}  {'network':<8}{'windows':>8}{'n':>3}{'s/batch':>9}"
        f"{'s/epoch':>9}{'GPU s/epoch':>14}  {'GPU/ours':>15}  goal"
    )
    warmed: set[tuple[str, int]] = set()
    for load in ("quiet", "busy"):
        with busy_core() if load == "busy" else nullcontext() as core:
            label = load if core is None else f"busy({core})"
            for threads in (1, 2):
                short = core is not None and threads > 1
                length = SHORT_LENGTH if short else SEED_SEQUENCE_LENGTH
                for name, (fastest, slowest) in SEED_GPU_EPOCH_SECONDS.items():
                    warmup = 0 if (name, threads) in warmed else 1
                    warmed.add((name, threads))
                    batch, timed = seed_batch_seconds(
                        name, threads, batches, warmup, budget, length
                    )
                    epoch = batch * per_epoch
                    ratio = f"{_figure(fastest / epoch)}-{_figure(slowest / epoch)}x"
                    goal = (
                        "-" if name == "lstm" else "met" if fastest / epoch >= GOAL else "NOT met"
                    )
                    windows = f"{length}*" if short else str(length)
                    print(
                        f"{label:<8}{threads:>7}  {name:<8}{windows:>8}{timed:>3}{batch:9.2f}"
                        f"{epoch:9.0f}{f'{_figure(fastest)}-{_figure(slowest)}':>14}  {ratio:>15}"
                        f"  {goal}",
                        flush=True,
                    )
    print(f"Load average after: {_load()}")


def _load() -> str:
    """The 1, 5 and 15 minute load averages (how quiet 'quiet' was)."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def _figure(value: float) -> str:
    """2,066 / 12.3 / 3.05 / 0.034: thousands separated, else 3 (below 1: 2) significant
    digits."""
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}" if value >= 1 else f"{value:.2g}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("all", "networks", "seed"), default="all")
    parser.add_argument("--repeats", type=int, default=10, help="timed training steps")
    parser.add_argument("--warmup", type=int, default=2, help="untimed training steps first")
    parser.add_argument("--steps", type=int, default=500, help="timed streaming steps")
    parser.add_argument("--warmup-steps", type=int, default=50, help="untimed streaming steps")
    parser.add_argument("--threads", type=int, default=None, help="threads for part 1")
    parser.add_argument("--seed-batches", type=int, default=2, help="timed batches per row")
    parser.add_argument(
        "--seed-seconds", type=float, default=20.0, help="stop timing a row after this (>= 1 batch)"
    )
    args = parser.parse_args()
    if args.part in ("all", "networks"):
        with torch_threads(args.threads):
            networks(args)
    if args.part in ("all", "seed"):
        seed_workload(args.seed_batches, args.seed_seconds)


def networks(args: argparse.Namespace) -> None:
    """Part 1: training step, parameters and streaming step of every network."""
    print(
        f"torch {torch.__version__}, CPU, {torch.get_num_threads()} thread(s); "
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
            train_seconds = train_step_seconds(model, args.repeats, args.warmup)
            median, p95 = step_seconds(model, args.steps, args.warmup_steps)
        except Exception as error:  # one broken network must not hide the others' figures
            print(f"{name:<12}failed: {type(error).__name__}: {error}")
            continue
        train_times[name] = train_seconds
        verdict = "yes" if median < 1e-3 else "NO"
        print(
            f"{name:<12}{parameter_count(model):9d}{train_seconds * 1e3:10.1f}"
            f"{median * 1e6:9.0f}{p95 * 1e6:8.0f}  {verdict}"
        )
    compare_with_official(train_times, args.repeats, args.warmup)


if __name__ == "__main__":
    main()
