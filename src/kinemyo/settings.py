"""One way for every settings object to check its values: pydantic, with the field in the message.

A settings class is a frozen dataclass decorated with :func:`settings`: pydantic checks each value
against its annotation (``int`` takes no bool, float or text; every float is finite; bounds come
from ``Field(ge=..., le=...)``) and the class's ``__post_init__`` checks what involves several
fields, raising ``ValueError``. Whatever is wrong becomes one :class:`~kinemyo.errors.KinemyoError`
that names each field, what it must be and what it got, e.g.
``CohortConfig: invalid configuration: 'seconds' must be >= 1 (got 0.1).``

:func:`check_values` runs the same checks on a plain dict against a signature (a model's
constructor parameters), and :func:`describe` words a pydantic ``ValidationError`` for a caller
that adds the file, so settings read from a file name it (see :mod:`kinemyo.config`).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, get_type_hints

import pydantic
from pydantic import ConfigDict, Field, ValidationError

from kinemyo.errors import DataFormatError, KinemyoError

STRICT = ConfigDict(strict=True, allow_inf_nan=False, extra="forbid")
"""What every settings class gets: exact types (a list is not a tuple, "3" is not 3, True is not
1: annotate a field ``Field(strict=False)`` to accept the lax form), finite floats, no unknown
fields."""

Seed = Annotated[int, Field(ge=0, le=2**32 - 1)]
"""A random seed: what numpy's and torch's generators take, as the CLI's ``--seed``."""

Device = Literal["auto", "cpu", "cuda"]
"""Where torch runs: "auto" is CUDA when present."""

_SHOWN = 40
"""Characters of a bad value quoted in a message."""

_BOUNDS = {
    "greater_than": (">", "gt"),
    "greater_than_equal": (">=", "ge"),
    "less_than": ("<", "lt"),
    "less_than_equal": ("<=", "le"),
}
"""pydantic's bound errors: the comparison and the key of the bound in the error's context."""

T = TypeVar("T", bound=type)
S = TypeVar("S")


def _field(loc: tuple[str | int, ...]) -> str:
    parts = [f"[{p}]" if isinstance(p, int) else str(p) for p in loc]
    return "".join(p if p.startswith("[") else f".{p}" for p in parts).lstrip(".")


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def _problem(error: Mapping[str, Any]) -> str:
    """One pydantic error as "'field' must be ... (got ...)"."""
    kind, field = error["type"], _field(error["loc"])
    if kind in _BOUNDS:
        symbol, key = _BOUNDS[kind]
        bound = error["ctx"][key]
        requirement = f"must be {symbol} {f'{bound:g}' if isinstance(bound, float) else bound}"
    elif kind in ("missing", "missing_argument"):
        return f"'{field}' is required"
    elif kind in ("extra_forbidden", "unexpected_keyword_argument"):
        return f"'{field}' is not a known setting"
    elif kind in ("too_short", "too_long"):
        least = kind == "too_short"
        count = error["ctx"]["min_length" if least else "max_length"]
        requirement = f"must have {'at least' if least else 'at most'} {count} item(s)"
    elif kind == "value_error":
        text = str(error["ctx"]["error"])
        return f"'{field}': {text}" if field else text
    else:
        requirement = error["msg"].replace("Input should be", "must be")
    got = f" (got {_shown(error['input'])})"
    return f"'{field}' {requirement}{got}" if field else f"{requirement}{got}"


def describe(error: ValidationError) -> str:
    """Every problem of ``error``, as "'field' must be ... (got ...)" joined by "; "."""
    return "; ".join(_problem(e) for e in error.errors())


def invalid(error: ValidationError, owner: str) -> KinemyoError:
    """The KinemyoError of ``owner`` (a class name, a file) for a pydantic ``error``."""
    return KinemyoError(f"{owner}: invalid configuration: {describe(error)}.")


def settings(cls: T | None = None, /, *, extra: Literal["forbid", "ignore"] = "forbid") -> Any:
    """Class decorator: ``cls`` becomes a frozen pydantic dataclass (see :data:`STRICT`) whose
    bad values raise a KinemyoError naming the field, instead of pydantic's ValidationError.

    ``@settings(extra="ignore")`` drops unknown fields instead of refusing them: for records
    read from files that later versions may extend.
    """

    def decorate(cls: T) -> T:
        config = ConfigDict(**{**STRICT, "extra": extra})
        checked = pydantic.dataclasses.dataclass(frozen=True, config=config)(cls)
        construct = checked.__init__

        @functools.wraps(construct)
        def init(self: Any, *args: Any, **kwargs: Any) -> None:
            try:
                construct(self, *args, **kwargs)
            except ValidationError as error:
                raise invalid(error, cls.__name__) from None

        checked.__init__ = init
        checked.__validate__ = construct
        return checked

    return decorate if cls is None else decorate(cls)


def settings_from(cls: type[S], values: object, *, path: str | Path, key: str) -> S:
    """``cls(**values)`` for the settings a file holds under ``key`` (``cls`` decorated with
    :func:`settings`).

    Raises:
        DataFormatError: naming the file, ``key`` and every field at fault; also when ``values``
            is not a mapping of names.
    """
    if not (isinstance(values, Mapping) and all(isinstance(name, str) for name in values)):
        raise DataFormatError(
            f"'{key}' must be a mapping of setting names to values, not {_shown(values)}.",
            path=path,
        )
    made = cls.__new__(cls)
    try:
        cls.__validate__(made, **values)
    except ValidationError as error:
        raise DataFormatError(f"invalid '{key}': {describe(error)}.", path=path) from None
    return made


@functools.cache
def _arguments_model(function: Callable[..., Any]) -> type[pydantic.BaseModel]:
    """A pydantic model with one field per named parameter of ``function`` (``self`` aside)."""
    parameters = {
        name: p
        for name, p in inspect.signature(function).parameters.items()
        if name != "self" and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    }
    hints = get_type_hints(function, include_extras=True) if parameters else {}
    fields: dict[str, Any] = {
        name: (hints.get(name, Any), ... if p.default is p.empty else p.default)
        for name, p in parameters.items()
    }
    return pydantic.create_model(f"{function.__qualname__}.arguments", __config__=STRICT, **fields)


def check_values(function: Callable[..., Any], values: Mapping[str, Any], owner: str) -> None:
    """Refuse ``values`` unless each suits the annotation of ``function``'s parameter of the
    same name (as :data:`STRICT` says), e.g. a model's constructor parameters.

    Raises:
        KinemyoError: naming ``owner`` and every parameter at fault.
    """
    try:
        _arguments_model(function).model_validate(dict(values))
    except ValidationError as error:
        raise invalid(error, owner) from None
