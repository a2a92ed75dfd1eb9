"""A run's report: what was done, the tables, the figures, a model card and how to reproduce it,
written as Markdown (``report.md``) and as one self-contained HTML page (``report.html``)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from kinemyo.fileio import atomic_file


@dataclass(frozen=True)
class Text:
    """A section: an optional heading and a paragraph of Markdown."""

    heading: str | None
    body: str


@dataclass(frozen=True)
class Table:
    """A table with its caption."""

    frame: pd.DataFrame
    caption: str


@dataclass(frozen=True)
class Figure:
    """A saved PNG (its data beside it as CSV), linked from Markdown and embedded in HTML."""

    path: Path
    caption: str
    relative_to: Path


@dataclass(frozen=True)
class Curves:
    """Series over a shared time axis, drawn as a zoomable plot in HTML.

    Attributes:
        title: the plot's title; time: (T,) s; series: name -> (T,) values in ``unit``.
    """

    title: str
    time: np.ndarray
    series: dict[str, np.ndarray]
    unit: str


@dataclass(frozen=True)
class ModelCard:
    """What a reader needs to judge the numbers: the data, the protocol, what was fitted on
    which part of the data, and the limits the run itself measured."""

    data: str
    protocol: str
    fitted: str
    limits: tuple[str, ...]


@dataclass(frozen=True)
class RunInfo:
    """The reproducibility block: resolved config, versions, fingerprint, seed, command."""

    info: dict


Part = Text | Table | Figure | Curves | ModelCard | RunInfo


@dataclass
class Report:
    """Parts added in order, written with :meth:`write` as Markdown and HTML.

    Attributes:
        title: the report's heading.
        parts: the sections, tables, figures, curves, model card and run info.
    """

    title: str
    parts: list[Part] = field(default_factory=list)

    def text(self, heading: str | None, body: str) -> None:
        """A section: an optional ``## heading`` and a paragraph of Markdown."""
        self.parts.append(Text(heading, body.strip()))

    def table(self, frame: pd.DataFrame, caption: str) -> None:
        """A table with a caption in bold above it."""
        self.parts.append(Table(frame, caption))

    def figure(self, path: Path, caption: str, relative_to: Path) -> None:
        """An image (linked relative to ``relative_to`` in Markdown) with its caption."""
        self.parts.append(Figure(Path(path), caption, Path(relative_to)))

    def curves(
        self, title: str, time: np.ndarray, series: dict[str, np.ndarray], unit: str
    ) -> None:
        """A zoomable line plot in the HTML page (Markdown shows the figure's PNG instead).

        Args:
            title: the plot's title; time: (T,) s; series: name -> (T,) values; unit: their unit.
        """
        time = np.asarray(time, dtype=float)
        values = {name: np.asarray(v, dtype=float) for name, v in series.items()}
        if any(v.shape != time.shape for v in values.values()):
            raise ValueError(f"Every series of '{title}' must have the time axis' shape.")
        self.parts.append(Curves(title, time, values, unit))

    def model_card(self, data: str, protocol: str, fitted: str, limits: Sequence[str]) -> None:
        """The model card: data used, protocol, what was fitted on what, limits measured."""
        self.parts.append(ModelCard(data, protocol, fitted, tuple(limits)))

    def run_info(self, info: dict) -> None:
        """The reproducibility block: resolved config, versions, fingerprint, seed, command."""
        self.parts.append(RunInfo(info))

    def markdown(self) -> str:
        """The report as Markdown."""
        blocks = [_markdown(part) for part in self.parts]
        return f"# {self.title}\n\n" + "\n".join(block for block in blocks if block)

    def write(self, path: str | Path) -> Path:
        """Write ``path`` (Markdown) and the HTML page beside it (``.html``) atomically; return
        the Markdown's path. The figures' PNGs must already be written."""
        from kinemyo.reporting.html import render_html

        path = Path(path)
        with atomic_file(path) as tmp:
            tmp.write_text(self.markdown())
        with atomic_file(path.with_suffix(".html")) as tmp:
            tmp.write_text(render_html(self), encoding="utf-8")
        return path


def _markdown(part: Part) -> str:
    """One part as a Markdown block ("" for parts only the HTML page shows)."""
    if isinstance(part, Text):
        return (f"## {part.heading}\n\n" if part.heading else "") + part.body + "\n"
    if isinstance(part, Table):
        return f"**{part.caption}**\n\n{markdown_table(part.frame)}\n"
    if isinstance(part, Figure):
        image = part.path.relative_to(part.relative_to).as_posix()
        data = part.path.with_suffix(".csv").relative_to(part.relative_to).as_posix()
        return f"![{part.caption}]({image})\n\n*{part.caption}* (data: [{data}]({data}))\n"
    if isinstance(part, ModelCard):
        limits = "\n".join(f"  - {limit}" for limit in part.limits)
        return (
            "## Model card\n\n"
            f"- **Data:** {part.data}\n- **Protocol:** {part.protocol}\n"
            f"- **Fitted on:** {part.fitted}\n- **Known limits (measured by this run):**\n"
            f"{limits}\n"
        )
    if isinstance(part, RunInfo):
        return "## Reproduce\n\n```json\n" + run_info_json(part.info) + "\n```\n"
    return ""


def run_info_json(info: dict) -> str:
    """The run info as indented JSON with sorted keys."""
    return json.dumps(info, indent=2, sort_keys=True, default=str)


def cell_text(value: object, digits: int = 3) -> str:
    """A table cell: strings as they are, numbers to ``digits`` significant figures."""
    return value if isinstance(value, str) else f"{value:.{digits}g}"


def mean_sd(mean: float, sd: float) -> str:
    """A table cell "mean ± sd" (3 and 2 significant digits); just the mean when the sd is not
    finite (one value), and "± 0" when the sd is float noise (below 1e-6 of the mean), as for a
    conformal width that is the same for every subject."""
    if not np.isfinite(sd):
        return f"{mean:.3g}"
    return f"{mean:.3g} ± {0 if sd <= 1e-6 * abs(mean) else sd:.2g}"


def markdown_table(frame: pd.DataFrame, digits: int = 3) -> str:
    """A GitHub-flavoured Markdown table of ``frame`` (numbers to ``digits`` significant),
    followed by its numbered notes (``frame.attrs["notes"]``, e.g. the remarks on R2 cells of
    :func:`~kinemyo.experiment.seed_table`), one paragraph each."""
    header = [str(c) for c in frame.columns]
    rows: list[Sequence[str]] = []
    for values in frame.itertuples(index=False):
        rows.append([cell_text(v, digits) for v in values])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    notes = frame.attrs.get("notes", [])
    return "\n".join(lines) + "".join(f"\n\n{note}" for note in notes)
