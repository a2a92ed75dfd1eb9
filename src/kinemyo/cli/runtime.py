"""``kinemyo stream``: a fitted run on a live Lab Streaming Layer stream or a replayed trial."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kinemyo.cli.console import console, progress_bar
from kinemyo.cli.options import finite
from kinemyo.cli.outputs import output_file
from kinemyo.errors import KinemyoError

if TYPE_CHECKING:
    from kinemyo.data.recording import Recording

# numpy, torch, pylsl and the runtime are imported inside the command, so that `kinemyo --help`
# stays fast.


def stream(
    run: Annotated[
        Path, typer.Argument(exists=True, file_okay=False, help="Folder written by `kinemyo fit`.")
    ],
    lsl_in: Annotated[
        str | None, typer.Option("--lsl-in", help="Name of the LSL EMG stream to read.")
    ] = None,
    replay: Annotated[
        Path | None,
        typer.Option(
            exists=True,
            help="Play a recorded trial instead: a SIAT-LLMD trial CSV, or any dataset kinemyo "
            "reads (e.g. a manifest; --trial picks one of several).",
        ),
    ] = None,
    trial: Annotated[
        str | None,
        typer.Option(help="The trial of --replay to play, e.g. S01_walk_2 (when it has several)."),
    ] = None,
    lsl_out: Annotated[
        str | None, typer.Option("--lsl-out", help="Publish the estimates as this LSL stream.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Also write the estimates to this CSV file.")
    ] = None,
    speed: Annotated[
        float,
        typer.Option(
            min=0.01, max=1000.0, callback=finite, help="Replay at this many times real time."
        ),
    ] = 1.0,
    fast: Annotated[
        bool, typer.Option("--fast", help="Replay as fast as possible (ignores --speed).")
    ] = False,
    chunk: Annotated[
        int, typer.Option(min=1, max=100_000, help="Samples per replayed chunk.")
    ] = 32,
    seconds: Annotated[
        float | None,
        typer.Option(
            min=0.1, max=1e6, callback=finite, help="Stop an LSL stream after this long, s."
        ),
    ] = None,
    timeout: Annotated[
        float,
        typer.Option(min=0.1, max=600.0, callback=finite, help="Wait this long for --lsl-in, s."),
    ] = 10.0,
    subject: Annotated[
        str | None,
        typer.Option(help="Use this training subject's fitted values (default: all pooled)."),
    ] = None,
    carry: Annotated[
        bool,
        typer.Option(
            "--carry",
            help="Run a recurrent network (LSTM, xLSTM family) as one state carried from the "
            "start, one step per window (fastest; as the ONNX export runs it), instead of from "
            "the model's offline context of sequence_length windows.",
        ),
    ] = False,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace --out if it exists (never an input).")
    ] = False,
) -> None:
    """Run a fitted model on a live sEMG stream (--lsl-in) or a recorded trial (--replay).

    Every window completed by the stream gives one estimate of each joint angle and moment,
    published on --lsl-out (one channel per joint quantity, units in the stream's metadata, and a
    flags channel for stream faults) and/or written to --out. The chain must be causal (e.g.
    --config kinemyo-siat when fitting). An LSL stream runs until --seconds or Ctrl-C.

    Example: kinemyo stream runs/lstm --replay Sub01_WAK_Data.csv --fast --out est.csv
    """
    import signal
    import threading

    from kinemyo.fileio import atomic_file
    from kinemyo.runtime import lsl
    from kinemyo.runtime.session import estimates_table, pump, replay_chunks
    from kinemyo.runtime.streaming import StreamingEstimator

    if (lsl_in is None) == (replay is None):
        raise KinemyoError("Give exactly one source: --lsl-in NAME or --replay TRIAL.")
    if out is None and lsl_out is None:
        raise KinemyoError("Give --out FILE, --lsl-out NAME or both: the estimates go there.")
    if out is not None:
        output_file(out, overwrite, run, replay)
    estimator = StreamingEstimator.from_run(run, subject=subject, carry=carry)
    schema = estimator.schema
    recording = None
    if replay is not None:
        recording = _replayed(replay, trial)
    sinks = []
    if lsl_out is not None:
        outlet = lsl.open_outlet(lsl_out, schema)
        # a replay's estimates are stamped on the LSL clock, from the start of the replay
        offset = 0.0 if recording is None else lsl.lsl_clock() - recording.time[0]
        sinks.append(lambda output: lsl.publish(outlet, output, offset))
    if recording is not None:
        with progress_bar(f"Streaming {recording.meta.name}") as progress:
            chunks = replay_chunks(recording, schema, chunk, 0.0 if fast else speed, progress)
            outputs = pump(estimator, chunks, sinks)
    else:
        inlet = lsl.open_inlet(lsl_in, timeout)
        columns = lsl.matching_columns(inlet.info(), schema)
        stop = threading.Event()
        # Ctrl-C ends the session like --seconds does, so that --out is still written (a
        # handler can only be set from the main thread: elsewhere Ctrl-C interrupts as usual)
        main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, lambda *_: stop.set()) if main else None
        console.print(f"Streaming '{lsl_in}' through {run}; Ctrl-C to stop.")
        try:
            outputs = pump(estimator, lsl.lsl_chunks(inlet, columns, stop, seconds), sinks)
        finally:
            if main:
                signal.signal(signal.SIGINT, previous)
    table = estimates_table(outputs, schema)
    faults = int((table["flags"] != 0).sum())
    console.print(
        f"{len(table) - faults} estimates every {schema.step_s * 1e3:.3g} ms, {faults} fault rows."
    )
    if out is not None:
        with atomic_file(out) as tmp:
            table.to_csv(tmp, index=False)  # full precision: LSL clock times are large
        console.print(f"Estimates written to [bold]{out}[/]")


def _replayed(path: Path, trial: str | None) -> Recording:
    """The one trial of the dataset at ``path`` to replay (``trial`` names it among several)."""
    from kinemyo.data.datasets import read_dataset

    recordings = {}
    if trial is not None:
        # read only the trial's subject (and task): a name is subject_task_trial
        parts = trial.split("_")
        tasks = ["_".join(parts[1:-1])] if len(parts) > 2 else None
        # a name of another layout: the full read below names the trials there are
        with contextlib.suppress(KinemyoError):
            recordings = {
                r.meta.name: r for r in read_dataset(path, subjects=parts[:1], tasks=tasks)
            }
    if trial not in recordings:
        recordings = {rec.meta.name: rec for rec in read_dataset(path)}
    if trial is not None:
        if trial not in recordings:
            raise KinemyoError(
                f"--trial '{trial}' is not a trial of {path}; its trials: {', '.join(recordings)}."
            )
        return recordings[trial]
    if len(recordings) > 1:
        raise KinemyoError(
            f"{path} holds {len(recordings)} trials; name the one to replay with --trial, "
            f"e.g. --trial {next(iter(recordings))} (trials: {', '.join(recordings)})."
        )
    return next(iter(recordings.values()))
