"""Reading back the files kinemyo saves (JSON documents, safetensors, a fit's ``run.json``) and
the YAML files users write (configurations, manifests) with errors that name the file: a
damaged, truncated or foreign file raises a :class:`~kinemyo.errors.DataFormatError`, never a
decoder's own exception."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import yaml
from safetensors import SafetensorError

from kinemyo.data.limits import CONFIG_YAML, SAFETENSORS, SAVED_JSON, FileLimits, check_file
from kinemyo.errors import DataFormatError
from kinemyo.settings import settings, settings_from


def read_json(path: str | Path, limits: FileLimits = SAVED_JSON) -> dict[str, Any]:
    """The JSON object in ``path``.

    Raises:
        DataFormatError: the file is missing, beyond ``limits``, not UTF-8 JSON, nested too
            deeply to parse, or holds something other than an object.
    """
    path = check_file(path, limits)
    try:
        document = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DataFormatError(f"not valid UTF-8 JSON ({error}).", path=path) from None
    except RecursionError:
        raise DataFormatError("the JSON is nested too deeply to be read.", path=path) from None
    if not isinstance(document, dict):
        raise DataFormatError(
            f"expected a JSON object of named entries, found a {type(document).__name__}.",
            path=path,
        )
    return document


def read_yaml_mapping(
    path: str | Path,
    limits: FileLimits = CONFIG_YAML,
    expected: str = "expected a YAML mapping of named entries",
) -> dict[str, Any]:
    """The YAML mapping in ``path`` (empty for an empty document).

    Args:
        path: the file.
        limits: the checks it must pass before it is parsed.
        expected: what the file must hold, in words, for the message when it holds something
            else (followed by ", not a list.").

    Raises:
        DataFormatError: the file is missing, beyond ``limits``, not UTF-8 YAML, nested too
            deeply to parse, or holds something other than a mapping.
    """
    path = check_file(path, limits)
    try:
        document = yaml.safe_load(path.read_bytes().decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError, RecursionError) as error:
        raise DataFormatError(
            f"not valid YAML ({type(error).__name__}: {error}).", path=path
        ) from None
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise DataFormatError(f"{expected}, not a {type(document).__name__}.", path=path)
    return document


def read_tensors(path: str | Path, framework: Literal["numpy", "pt"] = "numpy") -> dict[str, Any]:
    """The arrays of the safetensors file ``path``, as numpy arrays or torch tensors (CPU).

    Raises:
        DataFormatError: the file is missing, empty, or not a readable safetensors file.
    """
    path = check_file(path, SAFETENSORS)
    if framework == "numpy":
        from safetensors.numpy import load_file
    else:
        from safetensors.torch import load_file
    try:
        return load_file(str(path))
    except (SafetensorError, OSError, ValueError) as error:
        raise DataFormatError(f"not a readable safetensors file ({error}).", path=path) from None


@settings(extra="ignore")
class FitRecord:
    """What ``kinemyo evaluate`` needs of the ``run.json`` that ``kinemyo fit`` writes: the model
    name and the fingerprint of each training trial, by trial name."""

    model: str
    trials: dict[str, str]


def read_fit_record(run: str | Path) -> FitRecord:
    """The :class:`FitRecord` of the run folder ``run``.

    Raises:
        DataFormatError: ``run.json`` is missing, damaged, or lacks a key, naming it.
    """
    path = Path(run) / "run.json"
    if not path.is_file():
        raise DataFormatError(
            "missing: the folder was not written by `kinemyo fit`.",
            path=path,
            hint="Pass the --out folder of `kinemyo fit`.",
        )
    return settings_from(FitRecord, read_json(path), path=path, key="run record")
