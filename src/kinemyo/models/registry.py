"""One registry of estimators by name, so that the CLI, experiments and reports never special-case
a model: ``create("gpr", max_exact=1000)`` builds any registered model from plain parameters."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from kinemyo.errors import KinemyoError

if TYPE_CHECKING:
    from kinemyo.models.base import Estimator

E = TypeVar("E", bound="type[Estimator]")

_MODELS: dict[str, type[Estimator]] = {}


def register(cls: E) -> E:
    """Class decorator: make an :class:`Estimator` subclass reachable by its ``name``.

    Raises:
        KinemyoError: another class is already registered under the same name.
    """
    existing = _MODELS.get(cls.name)
    if existing is not None and existing is not cls:
        raise KinemyoError(
            f"Model name '{cls.name}' is taken by {existing.__module__}.{existing.__qualname__}; "
            f"choose another name for {cls.__module__}.{cls.__qualname__}."
        )
    _MODELS[cls.name] = cls
    return cls


def available() -> list[str]:
    """The names of all registered models, sorted."""
    return sorted(_MODELS)


def model_class(name: str) -> type[Estimator]:
    """The estimator class registered as ``name``.

    Raises:
        KinemyoError: no model has that name (the message lists the available ones).
    """
    try:
        return _MODELS[name]
    except KeyError:
        raise KinemyoError(
            f"Unknown model '{name}'; available models: {', '.join(available())}."
        ) from None


def create(name: str, **params: Any) -> Estimator:
    """A new, unfitted estimator of model ``name`` with constructor parameters ``params``.

    Raises:
        KinemyoError: the name is unknown, a parameter is not one of the model's, or a value does
            not suit it (see :meth:`Estimator.check_params`), naming the parameter.
    """
    cls = model_class(name)
    accepted = cls.param_names()
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        raise KinemyoError(
            f"Model '{name}' has no parameter {', '.join(repr(p) for p in unknown)}; "
            f"its parameters are: {', '.join(accepted) or '(none)'}."
        )
    cls.check_params(params)
    return cls(**params)
