"""A report as one self-contained HTML page: PNG figures as base64 data URIs, tables sortable by
a click on a header, curves drawn as zoomable SVG plots by a small inline script
(``assets/report.js``), styles inline (``assets/report.css``). The page loads nothing from the
network. Everything that comes from data or configuration is escaped."""

from __future__ import annotations

import base64
import json
import re
from html import escape
from importlib import resources

import numpy as np

from kinemyo.reporting.report import (
    Curves,
    Figure,
    ModelCard,
    Part,
    Report,
    RunInfo,
    Table,
    Text,
    cell_text,
    run_info_json,
)

MAX_CURVE_POINTS = 1500
"""Longer curves are thinned to at most this many points per series to keep the page light."""


def render_html(report: Report) -> str:
    """The whole page for ``report``."""
    body = "\n".join(_part(part) for part in report.parts)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(report.title)}</title>\n<style>\n{_asset('report.css')}</style>\n"
        f"</head>\n<body>\n<main>\n<h1>{escape(report.title)}</h1>\n{body}\n</main>\n"
        f"<script>\n{_asset('report.js')}</script>\n</body>\n</html>\n"
    )


def _asset(name: str) -> str:
    return resources.files("kinemyo.reporting").joinpath("assets", name).read_text("utf-8")


def _part(part: Part) -> str:
    if isinstance(part, Text):
        heading = f"<h2>{escape(part.heading)}</h2>\n" if part.heading else ""
        return f"<section>{heading}{markdown_html(part.body)}</section>"
    if isinstance(part, Table):
        return _table(part)
    if isinstance(part, Figure):
        data = base64.b64encode(part.path.read_bytes()).decode("ascii")
        return (
            f'<figure class="image"><img src="data:image/png;base64,{data}" '
            f'alt="{escape(part.caption)}"><figcaption>{inline_html(part.caption)}'
            "</figcaption></figure>"
        )
    if isinstance(part, Curves):
        return _curves(part)
    if isinstance(part, ModelCard):
        limits = "".join(f"<li>{inline_html(limit)}</li>" for limit in part.limits)
        rows = (
            ("Data", inline_html(part.data)),
            ("Protocol", inline_html(part.protocol)),
            ("Fitted on", inline_html(part.fitted)),
            ("Known limits (measured by this run)", f"<ul>{limits}</ul>"),
        )
        cells = "".join(f"<dt>{name}</dt><dd>{value}</dd>" for name, value in rows)
        return f'<section class="model-card"><h2>Model card</h2><dl>{cells}</dl></section>'
    if isinstance(part, RunInfo):
        return (
            '<section class="run-info"><h2>Reproduce</h2><p>Configuration, data fingerprint, '
            "package versions and command of this run.</p>"
            f"<pre>{escape(run_info_json(part.info))}</pre></section>"
        )
    raise TypeError(f"Unknown report part {type(part).__name__}.")


def _table(table: Table) -> str:
    header = "".join(
        f'<th scope="col" tabindex="0" title="Sort">{escape(str(c))}</th>'
        for c in table.frame.columns
    )
    rows = "".join(
        "<tr>" + "".join(f"<td>{escape(cell_text(v))}</td>" for v in values) + "</tr>"
        for values in table.frame.itertuples(index=False)
    )
    # The numbered notes ("[n] ...") the cells point to, as markdown_table prints them.
    notes = "".join(f"<p>{inline_html(note)}</p>" for note in table.frame.attrs.get("notes", []))
    return (
        f'<figure class="table"><figcaption>{inline_html(table.caption)}</figcaption>'
        f'<div class="table-wrap"><table class="sortable"><thead><tr>{header}</tr></thead>'
        f"<tbody>{rows}</tbody></table></div>{notes}</figure>"
    )


def _curves(curves: Curves) -> str:
    step = max(1, int(np.ceil(curves.time.size / MAX_CURVE_POINTS)))
    payload = {
        "title": curves.title,
        "unit": curves.unit,
        "time": _finite_list(curves.time[::step]),
        "series": {name: _finite_list(v[::step]) for name, v in curves.series.items()},
    }
    # No "<" at all inside the script element: no "</script>" or "<!--" can end or hide its end.
    data = json.dumps(payload, allow_nan=False).replace("<", "\\u003c")
    return (
        f'<figure class="curves"><div class="plot" role="img" '
        f'aria-label="{escape(curves.title)}"></div>'
        f'<script type="application/json" class="curve-data">{data}</script>'
        f"<figcaption>{escape(curves.title)} ({escape(curves.unit)}). Drag across the plot or "
        "use the mouse wheel to zoom in time; double-click or Reset to see it all."
        "</figcaption></figure>"
    )


def _finite_list(values: np.ndarray) -> list[float | None]:
    """Values rounded to 6 significant figures; NaN and infinities as null (a gap)."""
    return [float(f"{v:.6g}") if np.isfinite(v) else None for v in values.tolist()]


_FENCE = re.compile(r"^```[\w-]*\n(.*?)^```\s*$", re.S | re.M)
_INLINE = (
    (re.compile(r"`([^`]+)`"), r"<code>\1</code>"),
    (re.compile(r"\*\*(.+?)\*\*"), r"<strong>\1</strong>"),
    (re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])"), r"<em>\1</em>"),
)
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")


def inline_html(text: str) -> str:
    """Escaped text with the inline Markdown the reports use: `code`, **bold**, *italic* and
    links. A link to a file of the run stays a link; a web address is shown, not linked, so
    that nothing on the page points to the network."""
    pieces = []
    last = 0
    for match in _LINK.finditer(text):
        pieces.append(_inline_plain(text[last : match.start()]))
        label, target = match.group(1), match.group(2)
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):
            pieces.append(f"{_inline_plain(label)} ({escape(target)})")
        else:
            pieces.append(f'<a href="{escape(target)}">{_inline_plain(label)}</a>')
        last = match.end()
    pieces.append(_inline_plain(text[last:]))
    return "".join(pieces)


def _inline_plain(text: str) -> str:
    html = escape(text)
    for pattern, replacement in _INLINE:
        html = pattern.sub(replacement, html)
    return html


def markdown_html(text: str) -> str:
    """The Markdown subset the reports write: paragraphs, ``-`` lists, fenced code blocks and
    inline markup, as escaped HTML."""
    out = []
    last = 0
    for match in _FENCE.finditer(text):
        out.append(_blocks(text[last : match.start()]))
        out.append(f"<pre>{escape(match.group(1))}</pre>")
        last = match.end()
    out.append(_blocks(text[last:]))
    return "".join(out)


def _blocks(text: str) -> str:
    html = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = block.splitlines()
        if not lines:
            continue
        if all(re.match(r"^\s*[-*] ", line) for line in lines):
            items = "".join(f"<li>{inline_html(line.strip()[2:])}</li>" for line in lines)
            html.append(f"<ul>{items}</ul>")
        else:
            html.append(f"<p>{inline_html(' '.join(line.strip() for line in lines))}</p>")
    return "".join(html)
