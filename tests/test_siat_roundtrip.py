"""Writing SIAT-LLMD and reading it back loses nothing beyond the 6 written decimals."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from kinemyo.data.recording import Labels, SignalBlock
from kinemyo.data.siat_llmd import (
    ReadOptions,
    SubjectInfo,
    read_siat_llmd,
    read_subject_info,
    write_siat_llmd,
)
from kinemyo.errors import KinemyoError
from tests.conftest import SPEC_DATA_HEADER, SPEC_JOINTS, SPEC_MUSCLES, make_recording

HALF_LAST_DECIMAL = 5e-7


def subject_row(subject: str, weight: float | None) -> SubjectInfo:
    segments = {
        c: 40.0
        for c in (
            "AVE FCH-ICT",
            "AVE KNE-FCH",
            "AVE ANK-KNE",
            "AVE PM6-FCC",
            "AVE FLE-FME",
            "AVE FAL-TAM",
        )
    }
    return SubjectInfo(subject, 25.0, weight, 175.0, "M", segments)


@pytest.fixture
def written(tmp_path: Path):
    recs = [
        make_recording(subject="Sub01", task="WAK", mass=62.5, seed=1),
        make_recording(subject="Sub01", task="UPS", mass=62.5, seed=2, labels=False),
        make_recording(subject="Sub02", task="WAK", mass=81.0, seed=3),
    ]
    write_siat_llmd(
        tmp_path, recs, subjects=[subject_row("Sub01", 62.5), subject_row("Sub02", 81.0)]
    )
    return tmp_path, recs


def test_headers_equal_the_spec_byte_for_byte(written) -> None:
    root, _ = written
    with (root / "Sub01/Data/Sub01_WAK_Data.csv").open("rb") as f:
        assert f.readline() == (SPEC_DATA_HEADER + "\n").encode()
    with (root / "Sub01/Labels/Sub01_WAK_Label.csv").open("rb") as f:
        assert f.readline() == b"Time,Status,Group\n"


def test_round_trip_is_lossless_up_to_six_decimals(written) -> None:
    root, recs = written
    back = read_siat_llmd(root)
    assert [(r.meta.subject, r.meta.task) for r in back] == [
        ("Sub01", "WAK"),
        ("Sub01", "UPS"),
        ("Sub02", "WAK"),
    ]
    for original, read in zip(recs, back, strict=True):
        assert read.emg.names == tuple(SPEC_MUSCLES)
        assert read.angles.names == tuple(SPEC_JOINTS) == read.moments.names
        assert read.fs == 1920.0
        np.testing.assert_allclose(read.time, original.time, atol=HALF_LAST_DECIMAL)
        for name in ("emg", "angles", "moments"):
            # float32 storage adds at most one ulp of the value to the written rounding
            a, b = getattr(read, name).values, getattr(original, name).values
            tolerance = HALF_LAST_DECIMAL + np.abs(b) * np.finfo(np.float32).eps
            assert np.all(np.abs(a - b) <= tolerance)
        if original.labels is None:
            assert read.labels is None
        else:
            np.testing.assert_array_equal(read.labels.status, original.labels.status)
            np.testing.assert_array_equal(read.labels.group, original.labels.group)


def test_body_mass_comes_from_subject_table(written) -> None:
    root, _ = written
    back = read_siat_llmd(root, subjects=["Sub02"])
    assert back[0].meta.body_mass_kg == 81.0
    assert back[0].meta.height_m == pytest.approx(1.75)


def test_subsets_by_subject_number_and_lower_case_motion(written) -> None:
    root, _ = written
    selected = read_siat_llmd(root, subjects=[1], motions=["ups"])
    assert [(r.meta.subject, r.meta.task) for r in selected] == [("Sub01", "UPS")]


def test_moments_read_in_newton_metres_per_kg(written) -> None:
    root, recs = written
    back = read_siat_llmd(root, subjects=["Sub02"], options=ReadOptions(moment_unit="N·m/kg"))
    assert back[0].moments.units == ("N·m/kg",) * 8
    np.testing.assert_allclose(
        back[0].moments.values * 81.0, recs[2].moments.values, atol=1e-4, rtol=1e-5
    )


def test_subject_table_round_trip(written) -> None:
    root, _ = written
    table = read_subject_info(root / "SubjectInformation.xlsx")
    assert table["Sub01"] == subject_row("Sub01", 62.5)
    assert set(table) == {"Sub01", "Sub02"}


def test_status_cells_and_unknown_groups_survive(tmp_path: Path) -> None:
    rec = make_recording(task="STDUP", n=50)
    status = np.array(["R"] * 20 + [""] * 3 + ["A"] * 27)
    group = np.array([0] * 20 + [-1] * 3 + [1] * 27)
    rec = dataclasses.replace(rec, labels=Labels(status=status, group=group))
    write_siat_llmd(tmp_path, [rec])
    text = (tmp_path / "Sub01/Labels/Sub01_STDUP_Label.csv").read_text().splitlines()
    assert text[21].split(",")[1:] == ["", ""]
    back = read_siat_llmd(tmp_path / "Sub01/Data/Sub01_STDUP_Data.csv")[0]
    np.testing.assert_array_equal(back.labels.status, status)
    np.testing.assert_array_equal(back.labels.group, group)


def test_emg_only_recording_round_trips_in_the_emg_only_layout(tmp_path: Path) -> None:
    rec = dataclasses.replace(make_recording(labels=False), angles=None, moments=None)
    write_siat_llmd(tmp_path, [rec])
    path = tmp_path / "Sub01/Data/Sub01_WAK_Data.csv"
    assert path.read_text().splitlines()[0] == "Time," + ",".join(
        f"sEMG: {m}" for m in SPEC_MUSCLES
    )
    back = read_siat_llmd(path)[0]
    assert back.angles is None and back.moments is None
    np.testing.assert_allclose(back.emg.values, rec.emg.values, atol=1e-6)


def test_writer_refuses_recordings_that_do_not_fit_the_layout(tmp_path: Path) -> None:
    rec = make_recording()
    renamed = dataclasses.replace(
        rec, emg=SignalBlock(rec.emg.values, ("m",) * 1 + tuple(SPEC_MUSCLES[1:]), ("mV",) * 9)
    )
    with pytest.raises(KinemyoError, match="needs EMG channels \\['tensor fascia lata'\\]"):
        write_siat_llmd(tmp_path, [renamed])
    bad_task = dataclasses.replace(rec, meta=dataclasses.replace(rec.meta, task="RUN"))
    with pytest.raises(KinemyoError, match="motion codes"):
        write_siat_llmd(tmp_path, [bad_task])
    assert not (tmp_path / "Sub01").exists() or not any((tmp_path / "Sub01").rglob("*.tmp"))
