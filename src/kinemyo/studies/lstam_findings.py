"""What the LSTAM experiment measured, in sentences computed from its scores (no claim is
written in advance: each sentence states a number of this run)."""

from __future__ import annotations

import pandas as pd

from kinemyo.evaluation.statistics import smallest_p_value
from kinemyo.studies.lstam_models import ABLATIONS, REFERENCE
from kinemyo.studies.lstam_tables import per_subject, rmse_ranking


def verdict(scores: pd.DataFrame, statistics: pd.DataFrame) -> str:
    """What the numbers say about the paper's two claims, in sentences computed from them. The
    p-value floor is for the pairs the tests used (``statistics["n"]``): one per subject, or per
    subject and seed when several seeds ran (:func:`~kinemyo.experiment.pool_seeds`)."""
    sentences = []
    for joint in dict.fromkeys(per_subject(scores)["joint"]):
        ranking = rmse_ranking(scores, joint)
        order = ", ".join(f"{m} {v:.3g}" for m, v in ranking.items())
        best = ranking.index[0]
        head = (
            f"**{joint}**: LSTAM has the lowest mean RMSE"
            if best == REFERENCE
            else f"**{joint}**: LSTAM does NOT have the lowest mean RMSE ({best} has)"
        )
        sentences.append(f"{head} (N·m, mean over subjects: {order}).")
        worse = [m for m in ABLATIONS if m in ranking and ranking[m] > ranking[REFERENCE]]
        better = [m for m in ABLATIONS if m in ranking and ranking[m] <= ranking[REFERENCE]]
        if worse:
            sentences.append(f"Removing a stage made it worse for: {', '.join(worse)}.")
        if better:
            sentences.append(f"Removing a stage did NOT make it worse for: {', '.join(better)}.")
    significant = statistics[statistics["p (Holm)"] < 0.05]
    n = int(statistics["n"].max())
    floor = smallest_p_value(n)
    family = statistics.groupby(["joint", "measure"]).size().max()
    holm_floor = min(1.0, family * floor)
    sentences.append(
        f"Paired signed-rank tests over {n} pairs (one per subject and seed): "
        f"{len(significant)} of {len(statistics)} comparisons have Holm-corrected p < 0.05. "
        f"With {n} pairs the smallest p-value the exact test can give is {floor:.3g}, and after "
        f"Holm's correction over {family} comparisons {holm_floor:.3g}"
        + (
            ": no difference can reach significance with this many pairs, whatever its size."
            if holm_floor >= 0.05
            else "."
        )
    )
    return " ".join(sentences)


def where_lstam_wins(scores: pd.DataFrame, conditions: pd.DataFrame) -> str:
    """The coarse conditions where LSTAM has a lower mean RMSE (N·m/kg) than every baseline
    (``conditions``: :func:`~kinemyo.studies.lstam_tables.condition_table` of ``scores``), and
    the effect of its frequency transform (LSTAM vs ``lstam no_fft``), in sentences."""
    sentences = []
    for joint in dict.fromkeys(conditions["joint"]):
        part = conditions[conditions["joint"] == joint].pivot_table(
            index="condition", columns="model", values="mean"
        )
        baselines = [m for m in part.columns if not m.startswith(REFERENCE)]
        if REFERENCE not in part.columns or not baselines:
            continue
        wins = part.index[part[REFERENCE] < part[baselines].min(axis=1)].tolist()
        sentences.append(
            f"{joint}: LSTAM beats every baseline on "
            + (", ".join(wins) if wins else "no condition")
            + "."
        )
    ranking = {joint: rmse_ranking(scores, joint) for joint in dict.fromkeys(conditions["joint"])}
    changes = {
        joint: values["lstam no_fft"] / values[REFERENCE] - 1
        for joint, values in ranking.items()
        if "lstam no_fft" in values and REFERENCE in values
    }
    for joint, change in changes.items():
        sentences.append(
            f"{joint}: removing the frequency transform changes LSTAM's RMSE by {change:+.0%}."
        )
    return " ".join(sentences)
