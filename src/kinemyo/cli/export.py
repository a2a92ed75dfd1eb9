"""``kinemyo export``: a fitted run's step network as an ONNX graph for a controller."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from kinemyo.cli.console import console
from kinemyo.cli.outputs import output_file
from kinemyo.runtime.opsets import DEFAULT_OPSET, MAX_OPSET, MIN_OPSET


class ExportFormat(StrEnum):
    """``--format``: the exchange format of the exported graph."""

    ONNX = "onnx"


def export(
    run: Annotated[
        Path,
        typer.Argument(exists=True, file_okay=False, help="Folder written by `kinemyo fit`."),
    ],
    out: Annotated[
        Path, typer.Option("--out", help="ONNX file to write; its sidecar is <out>.json.")
    ],
    format: Annotated[
        ExportFormat, typer.Option("--format", help="Export format.")
    ] = ExportFormat.ONNX,
    opset: Annotated[
        int, typer.Option(min=MIN_OPSET, max=MAX_OPSET, help="ONNX opset version.")
    ] = DEFAULT_OPSET,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace --out if it exists (never an input).")
    ] = False,
) -> None:
    """Export a fitted run's model as one ONNX step: one window's features and the recurrent
    state in, the estimate (in target units) and the next state out, with the fitted scalers
    inside the graph. A JSON sidecar (<out>.json) gives the input, output and state names,
    shapes and initial values, the channel, feature, joint and quantity names with units, the
    sampling rate, window and step, and the pipeline config. Needs onnx and onnxruntime (the
    'runtime' extra). A model without a step form (gpr) is refused with the reason.

    Example: kinemyo export runs/xlstm --format onnx --out runs/xlstm.onnx
    """
    from kinemyo.models.base import load_model
    from kinemyo.runtime.export import export_onnx, require_onnx, sidecar_path
    from kinemyo.signal.pipeline import SignalPipeline

    require_onnx()
    output_file(out, overwrite, run)
    output_file(sidecar_path(out), overwrite, run)
    model = load_model(run / "model")
    pipeline = SignalPipeline.load(run / "pipeline")
    with console.status(f"Exporting {model.name} to {format.value}"):
        sidecar = export_onnx(model, out, pipeline=pipeline, opset=opset)
    states = len(sidecar["inputs"]) - 1
    console.print(
        f"Exported {model.name} ({sidecar['inputs'][0]['shape'][1]} features, {states} state "
        f"tensor(s) -> {sidecar['outputs'][0]['shape'][1]} estimates) to [bold]{out}[/]; "
        f"names, units and state in [bold]{sidecar_path(out)}[/]"
    )
