"""The ``kinemyo`` command line: ``kinemyo --help`` lists the commands.

Errors kinemyo raises on purpose (bad input, missing files) print as one paragraph without a
traceback; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Sequence
from typing import Annotated

import typer
from rich.markup import escape

from kinemyo import __version__
from kinemyo.cli import data, experiment, forecasting, modelling
from kinemyo.cli.adapt import adapt
from kinemyo.cli.console import errors
from kinemyo.cli.demo import demo
from kinemyo.cli.export import export
from kinemyo.cli.runtime import stream
from kinemyo.errors import KinemyoError

app = typer.Typer(
    help="kinemyo: estimate and forecast lower-limb joint angles and moments from sEMG.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(data.app, name="data")
app.add_typer(experiment.app, name="experiment")
SHORT_HELP = {
    demo: "Run the seed study on a generated cohort: report, table and figures.",
    modelling.preprocess: "Run the sEMG pipeline; write the feature and target tensors.",
    modelling.fit: "Fit the pipeline and a model, with calibrated intervals; write a run.",
    modelling.evaluate: "Score a fitted run on unseen trials, with interval coverage.",
    modelling.predict: "Predict angles and moments with interval bounds (CSV or OpenSim .sto).",
    modelling.compare: "Fit and score several models under one protocol (resumable, parallel).",
    forecasting.finetune: "Fine-tune Lag-Llama on the training part of joint series.",
    forecasting.forecast: "Forecast joint series (baselines, Lag-Llama); CRPS report.",
    export: "Export a fitted run's step network to ONNX with a JSON sidecar.",
    adapt: "Adapt a fitted run to a new user's labelled recordings (partial_fit).",
    stream: "Run a fitted run on live sEMG (Lab Streaming Layer) or a replayed trial.",
}
"""The one-line help of each command in ``kinemyo --help`` (its docstring says the rest)."""
for command, short in SHORT_HELP.items():
    app.command(short_help=short)(command)


def _version(value: bool) -> None:
    if value:
        print(f"kinemyo {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """kinemyo: estimate and forecast lower-limb joint angles and moments from sEMG."""


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    errors.print(f"[yellow]warning:[/] {escape(str(message))}", soft_wrap=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI on ``argv`` (default: ``sys.argv[1:]``) and return the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        warnings.showwarning = _show_warning
        try:
            app(args=args, prog_name="kinemyo")  # standalone: usage errors exit by themselves
        except SystemExit as exit_:
            return exit_.code if isinstance(exit_.code, int) else int(exit_.code is not None)
        except KinemyoError as exc:
            if debug:
                raise
            errors.print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True)
            return 1
        except KeyboardInterrupt:
            errors.print("Interrupted; nothing was written to --out.")
            return 130
        except Exception as exc:  # the last guard: a bug must still not show a traceback
            if debug:
                raise
            errors.print(
                f"[bold red]internal error:[/] {escape(type(exc).__name__)}: {escape(str(exc))}\n"
                "This is a bug in kinemyo, not in your data or options. Nothing was written to "
                "--out. Rerun with --debug to see the traceback, and please report it.",
                soft_wrap=True,
            )
            return 1
    return 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
