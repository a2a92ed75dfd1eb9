"""The estimator contract every kinemyo model follows, and its model files.

An :class:`Estimator` is scikit-learn shaped: the constructor only stores parameters, ``fit`` learns
from a training :class:`WindowedDataset` and sets trailing-underscore state, ``predict`` returns a
:class:`Prediction` in the target units. The contract does the shared work once for every model:

* inputs: X (N, C, F) is flattened to (N, C*F) (channel-major) and standardised with the mean and
  standard deviation of each column over the training windows;
* targets: Y (N, J, Q) is standardised per (joint, quantity) the same way;
* a model implements ``_fit(X, Y, runs)`` and ``_predict(X, runs)`` in those standardised units,
  and the contract maps means (and standard deviations, for probabilistic models) back to target
  units. ``runs`` (:class:`~kinemyo.training.sequences.Runs`) says which windows are consecutive;
  point models ignore it, sequence models build their sequences from it.

A fitted model may carry conformal prediction intervals (:meth:`Estimator.calibrate`, see
:mod:`kinemyo.models.conformal`): every prediction then has bounds at the calibrated levels.

A fitted model is saved as a folder with ``model.json`` (model name, parameters, package version,
input and target names and units, interval levels) and ``weights.safetensors`` (every fitted
array, and the calibrated interval quantiles): no pickle.
:func:`load_model` rebuilds it through the registry, without refitting.
"""

from __future__ import annotations

import abc
import inspect
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any, ClassVar, Self

import numpy as np
from pydantic import Field
from safetensors.numpy import save_file

from kinemyo import __version__
from kinemyo.data.limits import MODEL_JSON
from kinemyo.data.windowed import DEFAULT_LEVELS, Prediction, WindowedDataset
from kinemyo.errors import DataFormatError, KinemyoError
from kinemyo.fileio import atomic_directory
from kinemyo.models.adaptation import Adaptation
from kinemyo.models.conformal import ConformalIntervals
from kinemyo.models.registry import create
from kinemyo.saved import read_json, read_tensors
from kinemyo.settings import check_values, settings, settings_from
from kinemyo.training.sequences import Runs

MODEL_FILE = "model.json"
WEIGHTS_FILE = "weights.safetensors"
FORMAT = "kinemyo-model"
FORMAT_VERSION = 1

_SCALING = ("x_mean_", "x_scale_", "y_mean_", "y_scale_")
_QUANTILES = "conformal_quantiles"
"""The weights-file key of the calibrated interval quantiles (L levels x J x Q)."""


Names = Annotated[tuple[str, ...], Field(strict=False, min_length=1)]
"""At least one name; a JSON list is taken as a tuple."""


@settings
class Schema:
    """The names and units a model was fitted on: inputs are matched by exact name at predict time,
    targets travel with every prediction. ``units`` has one unit per quantity."""

    channels: Names
    features: Names
    joints: Names
    quantities: Names
    units: Names

    def __post_init__(self) -> None:
        if len(self.units) != len(self.quantities):
            raise ValueError(
                f"'units' must have one unit per quantity ({len(self.quantities)}), got "
                f"{len(self.units)}"
            )

    @classmethod
    def of(cls, data: WindowedDataset) -> Schema:
        """The schema of a dataset."""
        return cls(data.channels, data.features, data.joints, data.quantities, data.units)

    @classmethod
    def from_json(cls, fields: object, source: Path) -> Schema:
        """The schema stored in model file ``source`` by ``asdict``.

        Raises:
            DataFormatError: a name list is missing, empty or not of strings, naming it.
        """
        return settings_from(cls, fields, path=source, key="schema")

    def check_inputs(self, data: WindowedDataset, model: str) -> None:
        """Raise KinemyoError unless ``data`` has this schema's channels and features, in order."""
        for name in ("channels", "features"):
            expected, got = getattr(self, name), getattr(data, name)
            if expected != got:
                raise KinemyoError(
                    f"{model} was fitted on {name} {list(expected)} but the data has {list(got)}; "
                    f"inputs are matched by exact name and order."
                )


def fit_scaling(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation over windows (axis 0) of ``values`` (N, ...), as float64 arrays
    of shape ``values.shape[1:]``. A column that does not vary gets scale 1 (it maps to 0)."""
    mean = values.mean(axis=0)
    scale = values.std(axis=0)
    return mean, np.where(scale > 0, scale, 1.0)


def _finite(values: np.ndarray, what: str) -> np.ndarray:
    """``values`` (N, ...) as float64, or KinemyoError naming how many of the N windows hold a
    NaN or infinite value and the first of them (0-based)."""
    values = np.asarray(values, dtype=np.float64)
    bad = ~np.isfinite(values).all(axis=tuple(range(1, values.ndim)))
    if bad.any():
        raise KinemyoError(
            f"{what} has NaN or infinite values in {int(bad.sum())} window(s) of {bad.size} "
            f"(the first is window {int(np.argmax(bad))}, 0-based); clean them first."
        )
    return values


class Estimator(abc.ABC):
    """A model from windowed sEMG features to joint targets.

    Subclasses set ``name`` (the registry key), list their fitted array attributes in
    ``fitted_arrays`` (restored by :func:`load_model`), take only JSON-able constructor parameters
    stored under the same names, annotated with their type and bounds (e.g.
    ``alpha: Annotated[float, Field(gt=0)]``; see :meth:`check_params`), and implement ``_fit``
    and ``_predict`` in standardised units.
    """

    name: ClassVar[str]
    fitted_arrays: ClassVar[tuple[str, ...]] = ()
    not_causal: ClassVar[str] = ""
    """Why a window's estimate needs later windows ("" when it uses only that window and earlier
    ones); such a model cannot stream (:mod:`kinemyo.runtime.streaming` refuses it)."""
    intervals_: ConformalIntervals | None = None
    """Calibrated prediction intervals (set by :meth:`calibrate`), or None."""

    @abc.abstractmethod
    def _fit(self, X: np.ndarray, Y: np.ndarray, runs: Runs) -> None:
        """Learn from standardised inputs X (N, D) and standardised targets Y (N, J, Q); ``runs``
        tells which windows follow each other."""

    @abc.abstractmethod
    def _predict(self, X: np.ndarray, runs: Runs) -> tuple[np.ndarray, np.ndarray | None]:
        """Means (N, J, Q) and standard deviations (N, J, Q) or None, in standardised target units,
        for standardised inputs X (N, D) whose consecutive windows ``runs`` gives."""

    def _fitted_state(self) -> dict[str, np.ndarray]:
        """Every fitted array to save, by name (default: the ``fitted_arrays`` attributes)."""
        return {
            attribute.removesuffix("_"): np.ascontiguousarray(getattr(self, attribute))
            for attribute in self.fitted_arrays
        }

    def n_parameters(self) -> int:
        """How many numbers the fitted model stores (for a network: its trainable parameters)."""
        self._check_fitted()
        return int(sum(array.size for array in self._fitted_state().values()))

    def _load_fitted_state(self, arrays: dict[str, np.ndarray], source: Path) -> None:
        """Set the fitted state from the arrays of ``_fitted_state`` (default: attributes)."""
        expected = {attribute.removesuffix("_"): attribute for attribute in self.fitted_arrays}
        missing = sorted(set(expected) - set(arrays))
        unexpected = sorted(set(arrays) - set(expected))
        if missing or unexpected:
            raise DataFormatError(
                f"the weights do not match model '{self.name}' "
                f"(missing: {missing or 'none'}; unexpected: {unexpected or 'none'}).",
                path=source,
            )
        for key, attribute in expected.items():
            setattr(self, attribute, arrays[key])

    def fit(self, data: WindowedDataset) -> Self:
        """Learn from the windows of ``data`` (features X and targets Y); returns self.

        Raises:
            KinemyoError: ``data`` has no targets, no windows or non-finite values, or a parameter
                is invalid.
        """
        self.check_params(self.get_params())
        if data.Y is None:
            raise KinemyoError(f"{type(self).__name__}.fit needs targets; the dataset has no Y.")
        if len(data) < 2:
            raise KinemyoError(
                f"{type(self).__name__}.fit needs at least 2 training windows; got {len(data)}."
            )
        X = _finite(data.flat_features(), "Training X")
        Y = _finite(data.Y, "Training Y")
        x_mean, x_scale = fit_scaling(X)
        y_mean, y_scale = fit_scaling(Y)
        self._fit((X - x_mean) / x_scale, (Y - y_mean) / y_scale, Runs.of(data))
        self.intervals_ = None
        self.schema_ = Schema.of(data)
        self.x_mean_, self.x_scale_, self.y_mean_, self.y_scale_ = x_mean, x_scale, y_mean, y_scale
        return self

    def partial_fit(self, data: WindowedDataset, adaptation: Adaptation | None = None) -> Self:
        """Adapt the fitted model to newly labelled windows (opt-in online learning); returns self.

        The input and target scaling stay those of :meth:`fit` (see
        :mod:`kinemyo.models.adaptation`); what changes is model-specific (``_partial_fit``).
        Calibrated intervals are dropped: they describe the model before the adaptation
        (:meth:`calibrate` again on labelled windows it has not seen).

        Raises:
            KinemyoError: the model is not fitted or has no online adaptation, ``data`` has no
                targets, other names than the fitted ones, or non-finite values.
        """
        self._check_fitted()
        self.check_adapts()
        self.schema_.check_inputs(data, type(self).__name__)
        targets = Schema.of(data) if data.Y is not None else None
        if targets is None or targets != self.schema_:
            raise KinemyoError(
                f"{type(self).__name__}.partial_fit needs targets with the fitted joints "
                f"{list(self.schema_.joints)}, quantities {list(self.schema_.quantities)} and "
                f"units {list(self.schema_.units)}; the data has "
                + ("no Y." if targets is None else f"{list(data.joints)}, {list(data.units)}.")
            )
        X = _finite(data.flat_features(), "Adaptation X")
        Y = _finite(data.Y, "Adaptation Y")
        self._partial_fit(
            (X - self.x_mean_) / self.x_scale_,
            (Y - self.y_mean_) / self.y_scale_,
            Runs.of(data),
            adaptation or Adaptation(),
        )
        self.intervals_ = None
        return self

    def _partial_fit(
        self, X: np.ndarray, Y: np.ndarray, runs: Runs, adaptation: Adaptation
    ) -> None:
        """Adapt to standardised windows X (N, D), Y (N, J, Q); a model with online adaptation
        overrides it (:meth:`check_adapts` refuses the others first)."""
        raise NotImplementedError

    def check_adapts(self) -> None:
        """Refuse a model without online adaptation (:meth:`partial_fit`), e.g. before the
        windows to adapt it to are read.

        Raises:
            KinemyoError: the model's class does not implement ``_partial_fit``.
        """
        if type(self)._partial_fit is Estimator._partial_fit:
            raise KinemyoError(
                f"Model '{self.name}' has no online adaptation (partial_fit); ridge and the "
                "sequence models have one. Refit it on the old and the new windows instead."
            )

    def predict(self, data: WindowedDataset) -> Prediction:
        """Estimates of the targets of every window of ``data`` (its Y, if any, is not used).

        Returns:
            Prediction with mean (N, J, Q) in the training target units, for probabilistic
            models std (N, J, Q) in the same units (else None) and, for a calibrated model,
            bounds at each calibrated level (else none).

        Raises:
            KinemyoError: the model is not fitted, or the data's channels or features differ from
                those it was fitted on, or X has non-finite values, or the model's estimates are
                not finite (damaged weights): no non-finite estimate ever leaves a model.
        """
        self._check_fitted()
        self.schema_.check_inputs(data, type(self).__name__)
        runs = Runs.of(data)
        mean, std = self._scaled(data.flat_features(), lambda x: self._predict(x, runs))
        return Prediction(
            mean=mean,
            std=std,
            joints=self.schema_.joints,
            quantities=self.schema_.quantities,
            units=self.schema_.units,
            bounds={} if self.intervals_ is None else self.intervals_.bounds(mean, std),
        )

    def _scaled(
        self,
        X: np.ndarray,
        core: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray | None]],
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """``core`` (standardised X -> standardised mean, std) on features X (N, D) in input
        units: the fitted scaling in and out, and no non-finite value in or out.

        Returns:
            mean (N, J, Q) and std (N, J, Q) or None, in target units.

        Raises:
            KinemyoError: X or the estimates are not finite.
        """
        X = _finite(X, "X")
        mean, std = core((X - self.x_mean_) / self.x_scale_)
        mean = mean * self.y_scale_ + self.y_mean_
        std = None if std is None else std * self.y_scale_
        for label, values in (("estimates", mean), ("standard deviations", std)):
            if values is not None and not np.isfinite(values).all():
                self._refuse_non_finite(label, values)
        return mean, std

    def calibrate(
        self,
        data: WindowedDataset,
        levels: Sequence[float] = DEFAULT_LEVELS,
        description: str = "",
        estimates: Prediction | None = None,
    ) -> Self:
        """Calibrate conformal intervals at ``levels`` on windows ``data`` that the model which
        estimates them was NOT fitted on (see :mod:`kinemyo.models.conformal`); later
        predictions carry bounds.

        Args:
            data: calibration windows with targets.
            levels: nominal coverages in (0, 1).
            description: what the calibration windows are, in words, for the model file.
            estimates: estimates of ``data`` by models fitted without them (cross-conformal:
                each window by the model of the fold that left it out); default: this model's.

        Raises:
            KinemyoError: the model is not fitted, ``data`` has no targets or non-finite ones,
                or too few windows for a level.
        """
        self._check_fitted()
        if data.Y is None:
            raise KinemyoError(f"{type(self).__name__}.calibrate needs targets; the data has no Y.")
        truth = _finite(data.Y, "Calibration Y")
        self.intervals_ = None
        estimate = self.predict(data) if estimates is None else estimates
        if estimate.mean.shape != truth.shape:
            raise KinemyoError(
                f"The estimates {estimate.mean.shape} do not match the calibration targets "
                f"{truth.shape}."
            )
        self.intervals_ = ConformalIntervals.calibrate(
            truth, estimate.mean, estimate.std, levels, description or f"{len(data)} windows"
        )
        return self

    def _refuse_non_finite(self, label: str, values: np.ndarray) -> None:
        bad = ~np.isfinite(values)
        window, joint, quantity = np.argwhere(bad)[0]
        raise KinemyoError(
            f"{type(self).__name__} produced non-finite {label} for {bad.any(axis=(1, 2)).sum()} "
            f"of {len(values)} windows (first: window {window}, "
            f"{self.schema_.joints[joint]} {self.schema_.quantities[quantity]}); its weights or "
            "scaling are damaged. Nothing was written; refit the model."
        )

    @classmethod
    def check_params(cls, params: Mapping[str, Any]) -> None:
        """Refuse parameter values that do not suit the constructor's annotations: the type (an
        int takes no bool, float or text), finite numbers, and the bounds they declare.

        Raises:
            KinemyoError: naming the model and every parameter at fault.
        """
        check_values(cls.__init__, params, f"Model '{cls.name}'")

    @classmethod
    def param_names(cls) -> list[str]:
        """The names of the constructor parameters, in signature order."""
        kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
        parameters = inspect.signature(cls.__init__).parameters.values()
        return [p.name for p in parameters if p.kind in kinds and p.name != "self"]

    def get_params(self) -> dict[str, Any]:
        """The constructor parameters, JSON-able: ``type(self)(**get_params())`` is a fresh copy."""
        return {name: getattr(self, name) for name in self.param_names()}

    def __repr__(self) -> str:
        params = ", ".join(f"{key}={value!r}" for key, value in self.get_params().items())
        return f"{type(self).__name__}({params})"

    def save(self, directory: str | Path) -> Path:
        """Write the fitted model to folder ``directory`` (replaced whole, or left as it was).

        The folder holds ``model.json`` (format, model name, parameters, package version, input and
        target names and units) and ``weights.safetensors`` (every fitted array).

        Returns:
            The folder.
        """
        self._check_fitted()
        header = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "name": self.name,
            "params": self.get_params(),
            "kinemyo_version": __version__,
            "schema": asdict(self.schema_),
        }
        arrays = {
            attribute.removesuffix("_"): np.ascontiguousarray(getattr(self, attribute))
            for attribute in _SCALING
        }
        arrays.update(self._fitted_state())
        if self.intervals_ is not None:
            header["intervals"] = self.intervals_.header()
            arrays[_QUANTILES] = np.ascontiguousarray(self.intervals_.quantiles)
        target = Path(directory)
        with atomic_directory(target) as tmp:
            text = json.dumps(header, indent=2, ensure_ascii=False) + "\n"
            (tmp / MODEL_FILE).write_text(text, encoding="utf-8")
            save_file(arrays, str(tmp / WEIGHTS_FILE))
        return target

    def _restore(self, schema: Schema, arrays: dict[str, np.ndarray], source: Path) -> None:
        """Set the fitted state from a schema and the arrays of a weights file, and predict one
        window of zeros with it: arrays that do not fit together (in shape, in number) fail
        here, as a DataFormatError naming ``source``, not later in a user's ``predict``."""
        inputs = len(schema.channels) * len(schema.features)
        targets = (len(schema.joints), len(schema.quantities))
        shapes = {"x_mean": (inputs,), "x_scale": (inputs,), "y_mean": targets, "y_scale": targets}
        for key, shape in shapes.items():
            if key not in arrays:
                raise DataFormatError(
                    f"the weights of model '{self.name}' lack the scaling array '{key}'.",
                    path=source,
                )
            if arrays[key].shape != shape:
                raise DataFormatError(
                    f"scaling array '{key}' has shape {arrays[key].shape}; the schema's "
                    f"{len(schema.channels)} channels x {len(schema.features)} features, "
                    f"{targets[0]} joints x {targets[1]} quantities need {shape}.",
                    path=source,
                )
        for attribute in _SCALING:
            setattr(self, attribute, arrays[attribute.removesuffix("_")])
        self.schema_ = schema  # before the state: a network is rebuilt from the schema's sizes
        try:
            self._load_fitted_state({k: v for k, v in arrays.items() if k not in shapes}, source)
            mean, _ = self._predict(np.zeros((1, inputs)), Runs(np.zeros(1, int), np.zeros(1, int)))
        except (ValueError, IndexError, TypeError, RuntimeError) as error:
            raise DataFormatError(
                f"the arrays of model '{self.name}' do not fit together ({error}).",
                path=source,
                hint="Refit and save the model again.",
            ) from None
        if np.shape(mean) != (1, *targets):
            raise DataFormatError(
                f"model '{self.name}' gives estimates of shape {np.shape(mean)[1:]} for "
                f"{targets[0]} joints x {targets[1]} quantities; its arrays are damaged.",
                path=source,
            )

    @classmethod
    def load(cls, directory: str | Path) -> Self:
        """The fitted model saved in ``directory``, which must be a ``cls`` (e.g.
        ``GaussianProcess.load(path)``; ``Estimator.load`` takes any model)."""
        model = load_model(directory)
        if not isinstance(model, cls):
            raise KinemyoError(f"{directory} holds a '{model.name}' model, not a {cls.__name__}.")
        return model

    def _check_fitted(self) -> None:
        if not hasattr(self, "schema_"):
            raise KinemyoError(
                f"{type(self).__name__} is not fitted yet; call fit(train) before predict or save."
            )


def load_model(directory: str | Path) -> Estimator:
    """The fitted model saved in ``directory`` by :meth:`Estimator.save`, ready to predict.

    Raises:
        DataFormatError: the folder is not a kinemyo model, was written by a newer format version,
            or its files are damaged.
        KinemyoError: the model name is not registered.
    """
    folder = Path(directory)
    model_file, weights_file = folder / MODEL_FILE, folder / WEIGHTS_FILE
    for path in (model_file, weights_file):
        if not path.is_file():
            raise DataFormatError(
                "missing; this is not a saved kinemyo model.",
                path=path,
                hint="Save a model with Estimator.save(folder).",
            )
    header = read_json(model_file, MODEL_JSON)
    if header.get("format") != FORMAT:
        raise DataFormatError(
            f"not a kinemyo model file (format is not '{FORMAT}').", path=model_file
        )
    version = header.get("format_version")
    if isinstance(version, int) and version > FORMAT_VERSION:
        raise DataFormatError(
            f"written in model format {version} by kinemyo {header.get('kinemyo_version')}; "
            f"this version reads format {FORMAT_VERSION}.",
            path=model_file,
            hint="Upgrade kinemyo.",
        )
    header = settings_from(_Header, header, path=model_file, key="model file")
    arrays = read_tensors(weights_file)
    _check_arrays(arrays, weights_file)
    quantiles = arrays.pop(_QUANTILES, None)
    try:
        model = create(header.name, **header.params)
    except KinemyoError as error:
        raise DataFormatError(f"invalid 'params' ({error})", path=model_file) from None
    schema = Schema.from_json(header.schema, model_file)
    model._restore(schema, arrays, weights_file)
    if header.intervals is not None or quantiles is not None:
        model.intervals_ = _saved_intervals(header.intervals, quantiles, schema, model_file)
    return model


def _saved_intervals(
    header: dict[str, Any] | None, quantiles: np.ndarray | None, schema: Schema, source: Path
) -> ConformalIntervals:
    """The calibrated intervals of a model file, or DataFormatError naming ``source``."""
    shape = (len(schema.joints), len(schema.quantities))
    try:
        if header is None or quantiles is None:
            raise KinemyoError("the interval levels and the interval quantiles come together")
        intervals = ConformalIntervals.from_saved(header, quantiles)
        if intervals.quantiles.shape[1:] != shape:
            raise KinemyoError(
                f"quantiles for {intervals.quantiles.shape[1:]} targets, not {shape}"
            )
    except (KinemyoError, KeyError, TypeError, ValueError) as error:
        raise DataFormatError(
            f"damaged conformal intervals ({error}).", path=source, hint="Refit the model."
        ) from None
    return intervals


@settings
class _Header:
    """What ``model.json`` holds (``schema`` is checked by :meth:`Schema.from_json`)."""

    format: str
    format_version: Annotated[int, Field(ge=1)]
    name: str
    params: dict[str, Any]
    schema: dict[str, Any]
    kinemyo_version: str | None = None
    intervals: dict[str, Any] | None = None


def _check_arrays(arrays: dict[str, np.ndarray], source: Path) -> None:
    """Refuse non-finite weights and non-positive scales: they would predict NaN or inf."""
    for name, values in arrays.items():
        if np.issubdtype(values.dtype, np.floating) and not np.isfinite(values).all():
            count = int((~np.isfinite(values)).sum())
            raise DataFormatError(
                f"array '{name}' has {count} non-finite value(s); the model is damaged.",
                path=source,
                hint="Refit and save the model again.",
            )
    for name in ("x_scale", "y_scale"):
        if name in arrays and not (arrays[name] > 0).all():
            raise DataFormatError(
                f"scaling array '{name}' has a zero or negative entry; the model would divide "
                "by it.",
                path=source,
                hint="Refit and save the model again.",
            )
