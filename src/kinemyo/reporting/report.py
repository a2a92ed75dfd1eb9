"""A run's report as Markdown: what was done, the tables, the figures, and how to reproduce it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kinemyo.fileio import atomic_file


@dataclass
class Report:
    """Sections of Markdown, added in order, written with :meth:`write`.

    Attributes:
        title: the report's heading.
        parts: Markdown blocks.
    """

    title: str
    parts: list[str] = field(default_factory=list)

    def text(self, heading: str | None, body: str) -> None:
        """A section: an optional ``## heading`` and a paragraph of Markdown."""
        self.parts.append((f"## {heading}\n\n" if heading else "") + body.strip() + "\n")

    def table(self, frame: pd.DataFrame, caption: str) -> None:
        """A table with a caption in bold above it."""
        self.parts.append(f"**{caption}**\n\n{markdown_table(frame)}\n")

    def figure(self, path: Path, caption: str, relative_to: Path) -> None:
        """An image link (relative to the report) with its caption and data file."""
        image = path.relative_to(relative_to).as_posix()
        data = path.with_suffix(".csv").relative_to(relative_to).as_posix()
        self.parts.append(f"![{caption}]({image})\n\n*{caption}* (data: [{data}]({data}))\n")

    def run_info(self, info: dict) -> None:
        """The reproducibility block: resolved config, versions, fingerprint, seed, command."""
        self.text("Reproduce", "```json\n" + json.dumps(info, indent=2, sort_keys=True) + "\n```")

    def write(self, path: str | Path) -> Path:
        """Write the report atomically and return its path."""
        path = Path(path)
        with atomic_file(path) as tmp:
            tmp.write_text(f"# {self.title}\n\n" + "\n".join(self.parts))
        return path


def markdown_table(frame: pd.DataFrame, digits: int = 3) -> str:
    """A GitHub-flavoured Markdown table of ``frame`` (numbers to ``digits`` significant),
    followed by its numbered notes (``frame.attrs["notes"]``, e.g. the remarks on R2 cells of
    :func:`~kinemyo.experiment.seed_table`), one paragraph each."""
    header = [str(c) for c in frame.columns]
    rows: list[Sequence[str]] = []
    for values in frame.itertuples(index=False):
        rows.append([v if isinstance(v, str) else f"{v:.{digits}g}" for v in values])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    notes = frame.attrs.get("notes", [])
    return "\n".join(lines) + "".join(f"\n\n{note}" for note in notes)
