"""The reader on real SIAT-LLMD fragments (skipped when shared/data/real is absent)."""

from __future__ import annotations

import numpy as np
import pytest

from kinemyo.data.siat_llmd import read_siat_llmd
from tests.conftest import SPEC_MUSCLES, requires_real_data


def test_real_session_fragment_reads_nine_channels_at_1920_hz() -> None:
    path = requires_real_data("siat_llmd_semg_Sub10_session.csv.gz")
    (rec,) = read_siat_llmd(path)
    assert rec.emg.names == tuple(SPEC_MUSCLES)
    assert rec.emg.units == ("mV",) * 9
    assert rec.angles is None and rec.moments is None
    assert rec.n_samples == 40_320
    assert rec.measured_fs == pytest.approx(1920.0, rel=1e-3)
    assert rec.meta.subject == "Sub10"
    # raw sEMG in mV: |x| mostly 0.01-1.5, quantised in steps of about 0.000305 mV
    assert 0.01 < np.abs(rec.emg.values).max() < 5.0
    steps = np.diff(np.unique(rec.emg.values[:, 0]))
    assert np.median(steps) == pytest.approx(0.000305, rel=0.02)


def test_real_session_values_match_a_plain_parse_of_the_file() -> None:
    import gzip

    path = requires_real_data("siat_llmd_semg_Sub10_session.csv.gz")
    with gzip.open(path, "rt") as handle:
        header = handle.readline().strip().split(",")
        rows = [handle.readline().strip().split(",") for _ in range(5)]
    (rec,) = read_siat_llmd(path)
    soleus = header.index("sEMG: soleus")
    expected = [float(r[soleus]) for r in rows]
    np.testing.assert_allclose(rec.emg.column("soleus")[:5], expected, rtol=1e-6)


def test_real_calibration_file_reads_its_label_column_as_task_labels() -> None:
    path = requires_real_data("siat_llmd_semg_Sub10_calibration.csv.gz")
    (rec,) = read_siat_llmd(path)
    assert set(rec.labels.status) == {"DNS", "STDUP", "UPS", "WAK"}
    assert int(rec.labels.group.max()) == 11  # 12 contiguous chunks
