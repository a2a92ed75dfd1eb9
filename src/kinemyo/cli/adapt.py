"""``kinemyo adapt``: a fitted run adapted to newly labelled recordings (online learning)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated

import typer

from kinemyo.cli.console import console, training_display
from kinemyo.cli.modelling import (
    AllowImplausibleOption,
    DataPath,
    MotionsOption,
    OutOption,
    RunPath,
    SubjectsOption,
)
from kinemyo.cli.options import finite
from kinemyo.cli.outputs import OverwriteOption, output_folder
from kinemyo.errors import KinemyoError
from kinemyo.fileio import atomic_directory


def adapt(
    run: RunPath,
    data: DataPath,
    out: OutOption,
    subjects: SubjectsOption = None,
    motions: MotionsOption = None,
    epochs: Annotated[
        int | None,
        typer.Option(min=1, max=10_000, help="Sequence models: epochs on the new windows [5]."),
    ] = None,
    learning_rate: Annotated[
        float | None,
        typer.Option(
            min=1e-8, max=1.0, callback=finite, help="Sequence models: Adam's rate [3e-4]."
        ),
    ] = None,
    batch_size: Annotated[
        int | None,
        typer.Option(min=1, max=65_536, help="Sequence models: chunks per step [8]."),
    ] = None,
    forgetting: Annotated[
        float | None,
        typer.Option(
            min=0.001,
            max=1.0,
            callback=finite,
            help="Ridge: weight of the windows seen so far; 1 is the exact joint fit [1].",
        ),
    ] = None,
    overwrite: OverwriteOption = False,
    allow_implausible: AllowImplausibleOption = False,
) -> None:
    """Adapt a fitted run to new labelled recordings (e.g. a new user's calibration walk) and
    write the adapted run to --out. Ridge updates its normal equations exactly; sequence models
    take a few epochs at a small learning rate from their fitted weights. The pipeline and the
    input and target scaling stay the run's. run.json adds the new trials to the training trials
    (so `kinemyo evaluate` refuses them) and records the adaptation.

    Example: kinemyo adapt runs/ridge runs/cohort --subjects Sub06 --motions WAK --out runs/ridge6
    """
    from kinemyo.cli.modelling import _provenance, _read, _windowed
    from kinemyo.models.adaptation import Adaptation
    from kinemyo.models.base import load_model
    from kinemyo.models.sequence import SequenceRegressor
    from kinemyo.saved import read_fit_record, read_json
    from kinemyo.signal.pipeline import SignalPipeline

    given = {
        "epochs": epochs,
        "learning_rate": learning_rate,
        "batch_size": batch_size,
        "forgetting": forgetting,
    }
    settings = Adaptation(**{k: v for k, v in given.items() if v is not None})
    destination = output_folder(out, overwrite, run, data)
    read_fit_record(run)  # refuses a folder `kinemyo fit` did not write
    record = read_json(run / "run.json")
    model = load_model(run / "model")
    pipeline = SignalPipeline.load(run / "pipeline")
    pipeline.allow_implausible = allow_implausible
    recordings = _read(data, subjects, motions)
    provenance = _provenance(recordings)
    clashes = [
        name
        for name, print_ in provenance["trials"].items()
        if record["trials"].get(name, print_) != print_
    ]
    if clashes:
        raise KinemyoError(
            f"Trial(s) {clashes} have the names of training trials of {run} but other data; "
            "run.json could not keep both. Rename the new trials (e.g. another subject code)."
        )
    dataset = _windowed(recordings, pipeline, fit=False)
    with training_display(f"Adapting {model.name} to {len(dataset)} windows") as display:
        if isinstance(model, SequenceRegressor):
            model.on_epoch = display.epoch
        calibrated = model.intervals_ is not None
        model.partial_fit(dataset, settings)
    record["trials"] = record["trials"] | provenance["trials"]
    adaptation = {"settings": asdict(settings), "trials": provenance["trials"]}
    record["adaptations"] = [*record.get("adaptations", []), adaptation]
    with atomic_directory(destination) as tmp:
        pipeline.save(tmp / "pipeline")
        model.save(tmp / "model")
        (tmp / "run.json").write_text(json.dumps(record, indent=2))
    console.print(
        f"Adapted {model.name} to {len(dataset)} windows of {len(recordings)} trial(s); "
        f"saved to [bold]{out}[/]"
        + (
            ". Its calibrated intervals were dropped: they described the model before the "
            "adaptation."
            if calibrated
            else ""
        )
    )
