"""The seed study's fixed settings, light enough for the command line to show them in --help."""

from __future__ import annotations

SEED_TASKS = ("DNS", "UPS")
GAIT_NAMES = {"DNS": "DNS (stair descent)", "UPS": "UPS (stair ascent)"}
"""Gait codes as the tables print them: by the real motion (the seed's folders were swapped)."""
SEED_CHAINS = ("seed-siat", "kinemyo-siat")
SEED_PROTOCOLS = ("random-kfold", "within-trial")
SEED_FOLDS = 5
SEED_METRICS = ("mae", "rmse", "r2", "nrmse")
TEST_FRACTION = 0.2
FIGURE_JOINTS = ("left knee flexion", "left ankle flexion")

__all__ = [
    "FIGURE_JOINTS",
    "GAIT_NAMES",
    "SEED_CHAINS",
    "SEED_FOLDS",
    "SEED_METRICS",
    "SEED_PROTOCOLS",
    "SEED_TASKS",
    "TEST_FRACTION",
]
