"""``kinemyo adapt``: a fitted run adapted to newly labelled recordings (online learning)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Annotated

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

if TYPE_CHECKING:
    from kinemyo.models.adaptation import Adaptation


def adapt(
    run: RunPath,
    data: DataPath,
    out: OutOption,
    subjects: SubjectsOption = None,
    motions: MotionsOption = None,
    epochs: Annotated[
        int | None, typer.Option(min=0, help="Sequence models: epochs on the new windows.")
    ] = None,
    learning_rate: Annotated[
        float | None,
        typer.Option(min=0.0, callback=finite, help="Sequence models: Adam's learning rate."),
    ] = None,
    batch_size: Annotated[
        int | None, typer.Option(min=0, help="Sequence models: chunks per optimiser step.")
    ] = None,
    forgetting: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            callback=finite,
            help="Ridge: weight (0, 1] of the windows seen so far; 1 is the exact joint fit.",
        ),
    ] = None,
    overwrite: OverwriteOption = False,
    allow_implausible: AllowImplausibleOption = False,
) -> None:
    """Adapt a fitted run to new labelled recordings (e.g. a new user's calibration walk) and
    write the adapted run to --out. Ridge updates its normal equations exactly; sequence models
    take a few epochs at a small learning rate from their fitted weights (an option not given
    takes the default of kinemyo.models.adaptation.Adaptation). The pipeline and the
    input and target scaling stay the run's. run.json adds the new trials to the training trials
    (so `kinemyo evaluate` refuses them) and records the adaptation.

    Example: kinemyo adapt runs/ridge runs/cohort --subjects Sub06 --motions WAK --out runs/ridge6
    """
    from kinemyo.cli.modelling import _provenance, _read, _windowed
    from kinemyo.models.base import load_model
    from kinemyo.models.sequence import SequenceRegressor
    from kinemyo.saved import FitRecord, read_json
    from kinemyo.settings import settings_from
    from kinemyo.signal.pipeline import SignalPipeline

    settings = _adaptation(
        epochs=epochs, learning_rate=learning_rate, batch_size=batch_size, forgetting=forgetting
    )
    destination = output_folder(out, overwrite, run, data)
    record_file = run / "run.json"
    record = read_json(record_file)
    # refuses a folder `kinemyo fit` did not write
    settings_from(FitRecord, record, path=record_file, key="run record")
    model = load_model(run / "model")
    model.check_adapts()  # before the data are read and windowed
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


def _adaptation(**given: float | None) -> Adaptation:
    """The :class:`~kinemyo.models.adaptation.Adaptation` of the options given (None: its
    default); a value it refuses is a usage error naming the option."""
    from kinemyo.models.adaptation import Adaptation

    values = {name: value for name, value in given.items() if value is not None}
    for name, value in values.items():
        try:
            Adaptation(**{name: value})
        except KinemyoError as error:
            option = "--" + name.replace("_", "-")
            raise typer.BadParameter(str(error), param_hint=f"'{option}'") from None
    return Adaptation(**values)
