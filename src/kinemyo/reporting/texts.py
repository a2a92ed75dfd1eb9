"""The prose of the reports, kept in YAML files beside this module instead of in the code."""

from __future__ import annotations

import functools
from importlib import resources

import yaml


@functools.cache
def report_texts(name: str) -> dict[str, str]:
    """The texts of report ``name`` (``reporting/texts/<name>.yaml``), by key.

    Each text is a ``str.format`` template: placeholders in braces take the run's values.
    """
    text = resources.files("kinemyo.reporting").joinpath("texts", f"{name}.yaml").read_text("utf-8")
    return {key: str(value) for key, value in yaml.safe_load(text).items()}
