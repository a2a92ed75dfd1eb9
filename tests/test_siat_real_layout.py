"""The reader, `data inspect` and `preprocess` on the REAL SIAT-LLMD stair Label files.

``shared/data/real/siat_llmd_labels`` holds the released Label files of Sub01-Sub10 for DNS and
UPS (10 stitched gait cycles each, Time repeated at the 9 Group junctions, 4-decimal Time). Their
Data files are not available, so each test writes one on the Label file's exact Time cells, with
made-up signals. The expected window counts come from a literal loop over each Label file's
Status and Group columns (the seed's rule: windows of 100 every 50 samples, restarting at every
change of Status or Group), not from kinemyo.
"""

from __future__ import annotations

import csv
import gzip
import io
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kinemyo.cli import main
from kinemyo.data.siat_llmd import read_siat_llmd
from kinemyo.errors import DataWarning
from tests.conftest import requires_real_data
from tests.foreign_writer import data_file_text, write_foreign_subject_table

SUBJECTS = [f"Sub{i:02d}" for i in range(1, 11)]
MOTIONS = ("DNS", "UPS")


def label_bytes(subject: str, motion: str) -> bytes:
    """The released Label file, gunzipped."""
    packed = requires_real_data(f"siat_llmd_labels/{subject}_{motion}_Label.csv.gz")
    return gzip.decompress(packed.read_bytes())


def label_rows(raw: bytes) -> list[list[str]]:
    """The Label file's rows after the header, as the cells written."""
    rows = list(csv.reader(io.StringIO(raw.decode())))
    assert rows[0] == ["Time", "Status", "Group"]
    return rows[1:]


def seed_window_count(rows: list[list[str]]) -> int:
    """The seed's rule, literally: segments are runs of equal (Status, Group); a segment of n rows
    gives floor((n - 100) / 50) + 1 windows when n >= 100."""
    count, start = 0, 0
    for i in range(1, len(rows) + 1):
        if i == len(rows) or rows[i][1:] != rows[start][1:]:
            n = i - start
            if n >= 100:
                count += (n - 100) // 50 + 1
            start = i
    return count


def build_tree(root: Path, trials: list[tuple[str, str]]) -> dict[tuple[str, str], list]:
    """A SIAT-LLMD tree of ``trials`` (subject, motion): the released Label file byte for byte,
    a Data file on its Time cells, SubjectInformation.xlsx. Returns the Label rows per trial."""
    written = {}
    for k, (subject, motion) in enumerate(trials):
        raw = label_bytes(subject, motion)
        label_path = root / subject / "Labels" / f"{subject}_{motion}_Label.csv"
        label_path.parent.mkdir(parents=True, exist_ok=True)
        label_path.write_bytes(raw)
        written[subject, motion] = label_rows(raw)
        data_path = root / subject / "Data" / f"{subject}_{motion}_Data.csv"
        data_path.parent.mkdir(parents=True, exist_ok=True)
        data_path.write_text(data_file_text([row[0] for row in written[subject, motion]], seed=k))
    write_foreign_subject_table(root, {s: 60.0 + i for i, (s, _) in enumerate(trials)})
    return written


def windows_per_trial(capsys, tree: Path, out: Path) -> dict[tuple[str, str], int]:
    """Run `kinemyo preprocess --config seed-siat --motions DNS,UPS` and count windows.csv rows
    per (subject, task)."""
    code = main(
        [
            "preprocess",
            str(tree),
            "--config",
            "seed-siat",
            "--motions",
            "DNS,UPS",
            "--out",
            str(out),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    table = pd.read_csv(out / "windows.csv")
    return {key: int(n) for key, n in table.groupby(["subject", "task"]).size().items()}


@pytest.fixture(scope="module")
def sub10_tree(tmp_path_factory: pytest.TempPathFactory):
    """Sub10's DNS (20,056 rows) and UPS (25,365 rows): the smallest subject."""
    root = tmp_path_factory.mktemp("real_layout") / "tree"
    return root, build_tree(root, [("Sub10", "DNS"), ("Sub10", "UPS")])


def test_real_label_files_read_with_a_junction_at_every_group_change(sub10_tree) -> None:
    root, written = sub10_tree
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        recordings = read_siat_llmd(root)
    assert [r.meta.task for r in recordings] == ["UPS", "DNS"]
    for rec in recordings:
        rows = written[rec.meta.subject, rec.meta.task]
        status = [r[1] for r in rows]
        group = [int(r[2]) for r in rows]
        assert rec.n_samples == len(rows)
        # the released files: 10 Groups, the first row of each repeating the Time before it
        starts = [i + 1 for i in range(1, len(rows)) if group[i] != group[i - 1]]
        assert len(starts) == 9
        assert all(rows[r - 1][0] == rows[r - 2][0] for r in starts)
        assert rec.meta.extra["junction_rows"] == tuple(starts)
        # paired row by row
        np.testing.assert_array_equal(rec.labels.status, status)
        np.testing.assert_array_equal(rec.labels.group, group)
        assert rec.fs == 1920.0
        assert rec.measured_fs == pytest.approx(1920.0, rel=1e-3)
    dns = recordings[1]
    assert set(dns.labels.status) == {"1", "2"}


def test_inspect_and_preprocess_give_the_seed_window_count(sub10_tree, capsys, tmp_path) -> None:
    root, written = sub10_tree
    assert main(["data", "inspect", str(root), "--trials"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "Time repeats at 18 Group junction(s) of stitched recordings (2 trial(s))" in out
    assert "No problems found." in out
    counts = windows_per_trial(capsys, root, tmp_path / "pre")
    expected = {key: seed_window_count(rows) for key, rows in written.items()}
    # the counts reported for issue 10
    assert expected == {("Sub10", "DNS"): 372, ("Sub10", "UPS"): 464}
    assert counts == expected


@pytest.mark.slow
def test_all_twenty_real_label_files_give_the_seed_window_count(capsys, tmp_path: Path) -> None:
    trials = [(subject, motion) for subject in SUBJECTS for motion in MOTIONS]
    written = build_tree(tmp_path / "tree", trials)
    counts = windows_per_trial(capsys, tmp_path / "tree", tmp_path / "pre")
    assert counts == {key: seed_window_count(rows) for key, rows in written.items()}
