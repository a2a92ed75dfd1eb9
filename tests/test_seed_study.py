"""The seed study's summaries: one table row per gait, chain, protocol and model (folds averaged
per subject first), the flattery of the leaky protocol, the verdict on the honest one."""

from __future__ import annotations

import pandas as pd

from kinemyo.evaluation.protocols import PROTOCOLS
from kinemyo.experiment import seed_table
from kinemyo.studies.seed_siat import GAIT_NAMES, SWAP_NOTE, flattery, gpr_verdict

LEAKY, HONEST = PROTOCOLS["random-kfold"], PROTOCOLS["within-trial"]


def scores(values: dict[tuple[str, str, str, str], dict[str, list[float]]]) -> pd.DataFrame:
    """Long scores: (chain, protocol, task, model) -> {split: per-subject RMSE} for the moment
    and, 2 units lower, the angle; one joint."""
    rows = []
    for (chain, protocol, task, model), splits in values.items():
        for split, per_subject in splits.items():
            for subject, value in zip(("Sub01", "Sub02"), per_subject, strict=True):
                for quantity, unit, shift in (("moment", "N·m", 0.0), ("angle", "deg", -2.0)):
                    rows.append(
                        dict(
                            subject=subject,
                            task=task,
                            joint="left knee flexion",
                            quantity=quantity,
                            unit=unit,
                            metric="rmse",
                            value=value + shift,
                            model=model,
                            split=split,
                            protocol=protocol,
                            chain=chain,
                        )
                    )
    return pd.DataFrame(rows)


def test_seed_table_has_a_row_per_chain_and_protocol_and_averages_folds_first() -> None:
    table = seed_table(
        scores(
            {
                ("seed-siat", LEAKY, "DNS", "gpr"): {"f1": [4.0, 6.0], "f2": [6.0, 8.0]},
                ("seed-siat", HONEST, "DNS", "gpr"): {"wt": [8.0, 10.0]},
            }
        ),
        ("rmse",),
    )
    assert list(table.columns)[:4] == ["gait", "chain", "protocol", "model"]
    cells = dict(zip(table["protocol"], table["moment RMSE (N·m)"], strict=True))
    # folds first: Sub01 5, Sub02 7 -> mean 6, sd of (5, 7) = 1.4 (not the sd of 4 values)
    assert cells[LEAKY] == "6 ± 1.4"
    assert cells[HONEST] == "9 ± 1.4"
    assert "leaky" in LEAKY and "leaky" not in HONEST


def test_flattery_gives_the_leaky_protocols_gain_per_chain_and_gait() -> None:
    text = flattery(
        scores(
            {
                ("seed-siat", LEAKY, "UPS", "gpr"): {"f1": [6.0, 6.0]},
                ("seed-siat", HONEST, "UPS", "gpr"): {"wt": [8.0, 8.0]},
                ("seed-siat", LEAKY, "UPS", "ridge"): {"f1": [1.0, 1.0]},  # not GPR: ignored
                ("seed-siat", HONEST, "UPS", "ridge"): {"wt": [9.0, 9.0]},
            }
        )
    )
    # moment 6 vs 8: 25% lower; angle 4 vs 6: 33% lower
    assert text == (
        "- seed-siat, UPS (stair ascent): moment RMSE 6 vs 8 N·m (25% lower); "
        "angle RMSE 4 vs 6 deg (33% lower)."
    )


def test_verdict_judges_gpr_on_the_honest_protocol_only() -> None:
    verdict = gpr_verdict(
        scores(
            {
                ("kinemyo-siat", HONEST, "DNS", "gpr"): {"wt": [5.0, 5.0]},
                ("kinemyo-siat", HONEST, "DNS", "ridge"): {"wt": [4.0, 4.0]},
                ("kinemyo-siat", HONEST, "DNS", "mean"): {"wt": [9.0, 9.0]},
                ("kinemyo-siat", LEAKY, "DNS", "gpr"): {"f1": [1.0, 1.0]},  # would win: ignored
            }
        )
    )
    assert verdict.startswith("- kinemyo-siat, DNS: GPR's moment RMSE is NOT lower than ridge's")
    assert "gpr 5, ridge 4, mean 9" in verdict


def test_gaits_are_named_by_their_real_motion_and_the_swap_is_explained() -> None:
    assert GAIT_NAMES == {"DNS": "DNS (stair descent)", "UPS": "UPS (stair ascent)"}
    assert "tensor named DNS (22,551 windows) is stair ASCENT" in SWAP_NOTE
    assert "tensor named UPS (19,952 windows) is stair DESCENT" in SWAP_NOTE
