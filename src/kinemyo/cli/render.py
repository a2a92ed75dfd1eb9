"""Rich tables for ``kinemyo data inspect``: a SIAT-LLMD report, or the description of one file."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from kinemyo.data.inspection import DatasetReport, FileDescription, TrialSummary


def _status_text(trials: list[TrialSummary]) -> str:
    counts: dict[str, int] = defaultdict(int)
    for trial in trials:
        for status, n in trial.status_counts.items():
            counts[status] += n
    total = sum(counts.values())
    if not total:
        return "no labels"
    return "  ".join(f"{s}: {100 * n / total:.0f}%" for s, n in counts.items())


def render_report(report: DatasetReport, console: Console, *, per_trial: bool = False) -> None:
    """Print the overview, per-motion, per-trial (optional), column-range and problem tables."""
    trials = report.trials
    total_s = sum(t.duration_s for t in trials)
    console.print(f"[bold]{report.path}[/]")
    console.print(
        f"{len(report.subjects)} subject(s): {', '.join(report.subjects) or '-'}\n"
        f"{len(trials)} readable trial(s), {total_s:.1f} s in all; "
        f"motions: {', '.join(report.motions) or '-'}"
    )
    junctions = sum(len(t.junction_rows) for t in trials)
    if junctions:
        console.print(
            f"Time repeats at {junctions} Group junction(s) of stitched recordings "
            f"({sum(bool(t.junction_rows) for t in trials)} trial(s)); each is a segment "
            "boundary (rows listed with --trials).",
            soft_wrap=True,
        )
    if trials:
        console.print(_motion_table(trials))
    if per_trial and trials:
        console.print(_trial_table(trials))
        _print_junctions(trials, console)
    if report.columns:
        console.print(_range_table(report))
    _print_problems(report, console)


def _motion_table(trials: list[TrialSummary]) -> Table:
    table = Table(title="Trials by motion", title_justify="left")
    for name in (
        "motion",
        "trials",
        "duration s (min-max)",
        "measured rate Hz",
        "groups",
        "segments",
        "junctions",
        "Status share",
    ):
        table.add_column(name, justify="left" if name in ("motion", "Status share") else "right")
    by_motion: dict[str, list[TrialSummary]] = defaultdict(list)
    for trial in trials:
        by_motion[trial.motion or "(unknown)"].append(trial)
    for motion, group in by_motion.items():
        durations = [t.duration_s for t in group]
        rates = [t.measured_fs_hz for t in group]
        table.add_row(
            motion,
            str(len(group)),
            f"{min(durations):.1f}-{max(durations):.1f}",
            f"{min(rates):.4f}" + (f"-{max(rates):.4f}" if max(rates) != min(rates) else ""),
            str(sum(t.n_groups for t in group)),
            str(sum(t.n_segments for t in group)),
            str(sum(len(t.junction_rows) for t in group)),
            _status_text(group),
        )
    return table


_NUMERIC_COLUMNS = (
    "samples",
    "duration s",
    "rate Hz",
    "mass kg",
    "groups",
    "segments",
    "junctions",
)


def _trial_table(trials: list[TrialSummary]) -> Table:
    table = Table(title="Trials", title_justify="left")
    for name in ("subject", "motion", *_NUMERIC_COLUMNS, "rows per Status"):
        table.add_column(name, justify="right" if name in _NUMERIC_COLUMNS else "left")
    for t in trials:
        table.add_row(
            t.subject,
            t.motion or "-",
            str(t.n_samples),
            f"{t.duration_s:.2f}",
            f"{t.measured_fs_hz:.4f}",
            "-" if t.body_mass_kg is None else f"{t.body_mass_kg:.1f}",
            str(t.n_groups),
            str(t.n_segments),
            str(len(t.junction_rows)),
            "  ".join(f"{status}: {n}" for status, n in t.status_counts.items()) or "-",
        )
    return table


def _print_junctions(trials: list[TrialSummary], console: Console) -> None:
    for t in trials:
        if t.junction_rows:
            console.print(
                f"{t.subject} {t.motion or '-'}: Time repeats at row(s) "
                f"{', '.join(map(str, t.junction_rows))} (a new Group begins at each).",
                soft_wrap=True,
                highlight=False,
            )


def _range_table(report: DatasetReport) -> Table:
    table = Table(title="Channels and value ranges (all trials)", title_justify="left")
    for name in ("block", "channel", "unit", "min", "max", "mean", "missing"):
        table.add_column(name, justify="left" if name in ("block", "channel", "unit") else "right")
    for column in report.columns.values():
        finite = np.isfinite(column.minimum)
        table.add_row(
            column.block,
            column.name,
            column.unit,
            f"{column.minimum:.4g}" if finite else "-",
            f"{column.maximum:.4g}" if finite else "-",
            f"{column.mean:.4g}",
            str(column.missing),
        )
    return table


def render_description(description: FileDescription, console: Console) -> None:
    """Print what a file is, its facts, one line per channel, its problems and what to do."""
    console.print(
        f"[bold]{escape(description.path)}[/]: {escape(description.kind)}", soft_wrap=True
    )
    for label, value in description.facts:
        console.print(f"  {label}: {escape(value)}", highlight=False, soft_wrap=True)
    if description.channels:
        table = Table(title="Channels", title_justify="left")
        for name in ("channel", "unit", "rate Hz", "min", "max", "remark"):
            table.add_column(name, justify="right" if name in ("rate Hz", "min", "max") else "left")
        for line in description.channels:
            table.add_row(
                escape(line.name),
                escape(line.unit) or "?",
                "-" if np.isnan(line.rate_hz) else f"{line.rate_hz:g}",
                f"{line.minimum:.4g}",
                f"{line.maximum:.4g}",
                escape(line.remark),
            )
        console.print(table)
    _print_problems(description, console)
    if description.advice:
        console.print(f"[bold]What to do:[/] {escape(description.advice)}", soft_wrap=True)


def _print_problems(report: DatasetReport | FileDescription, console: Console) -> None:
    if not report.problems:
        console.print("[green]No problems found.[/]")
        return
    console.print(f"[bold]{len(report.problems)} problem(s) found:[/]")
    for problem in report.problems:
        style = "red" if problem.severity == "error" else "yellow"
        console.print(f"[{style}]{problem.severity}:[/] {escape(problem.message)}", soft_wrap=True)
