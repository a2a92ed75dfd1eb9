"""The synthetic gait cohort behaves like gait: physiology, labels, artefacts and reproducibility.

Every expectation comes from the gait literature or the SIAT-LLMD description, never from values
the generator produced; a wrong model (timing, scaling, delay, labels) fails these tests.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy import signal

from kinemyo import units
from kinemyo.data.recording import Recording
from kinemyo.data.siat_llmd import schema
from kinemyo.data.synthetic import (
    SUPPORTED_MOTIONS,
    Cohort,
    CohortConfig,
    generate_cohort,
    generate_recording,
    make_profile,
)
from kinemyo.errors import KinemyoError

MOTIONS = ("WAK", "UPS", "DNS", "STDUP", "SITDN", "STC")
CONFIG = CohortConfig(subjects=4, motions=MOTIONS, seconds=10.0, seed=0, walking_bout_s=4.0)
FS = CONFIG.fs


@pytest.fixture(scope="module")
def cohort() -> Cohort:
    return generate_cohort(CONFIG)


def trial(cohort: Cohort, subject: int, motion: str) -> Recording:
    return cohort.recordings[subject * len(MOTIONS) + MOTIONS.index(motion)]


def envelope(emg: np.ndarray) -> np.ndarray:
    """Linear envelope: 20 Hz high-pass, full-wave rectification, zero-phase 6 Hz low-pass."""
    high = signal.butter(4, 20.0, btype="highpass", fs=FS, output="sos")
    low = signal.butter(4, 6.0, btype="lowpass", fs=FS, output="sos")
    return signal.sosfiltfilt(low, np.abs(signal.sosfiltfilt(high, emg, axis=0)), axis=0)


def onsets(status: np.ndarray, code: str) -> np.ndarray:
    """Sample indices where ``status`` turns into ``code`` (not counting sample 0)."""
    return np.flatnonzero((status[1:] == code) & (status[:-1] != code)) + 1


def lag_of_peak_correlation(leader: np.ndarray, follower: np.ndarray, max_lag_s: float) -> float:
    """Delay (s) by which ``follower`` trails ``leader`` at their peak cross-correlation."""
    a, b = leader - leader.mean(), follower - follower.mean()
    full = signal.correlate(b, a, mode="full", method="fft")
    lags = np.arange(-a.size + 1, a.size)
    keep = np.abs(lags) <= max_lag_s * FS
    return float(lags[keep][np.argmax(full[keep])] / FS)


def test_recordings_have_the_siat_layout(cohort: Cohort) -> None:
    assert len(cohort.recordings) == CONFIG.subjects * len(MOTIONS)
    assert [s.subject for s in cohort.subjects] == ["Sub01", "Sub02", "Sub03", "Sub04"]
    for info, profile in zip(cohort.subjects, cohort.profiles, strict=True):
        assert info.weight_kg == profile.mass_kg
        assert info.height_cm == pytest.approx(100 * profile.height_m, abs=0.1)
        assert set(info.segments_cm) == set(schema.SEGMENT_COLUMNS)
        # thigh and shank are each about a quarter of body height
        assert 0.2 < info.segments_cm["AVE KNE-FCH"] / info.height_cm < 0.3
    for rec in cohort.recordings:
        n = round(CONFIG.seconds * FS)
        assert rec.n_samples == n
        np.testing.assert_allclose(rec.time, np.arange(n) / FS)
        assert rec.emg.names == schema.MUSCLES
        assert set(rec.emg.units) == {units.MILLIVOLT}
        assert rec.angles.names == schema.JOINTS == rec.moments.names
        assert set(rec.angles.units) == {units.DEGREE}
        assert set(rec.moments.units) == {units.NEWTON_METRE}
        assert rec.meta.dataset == "synthetic"
        assert rec.meta.body_mass_kg is not None and 50 <= rec.meta.body_mass_kg <= 95
        assert 0.03 <= rec.meta.extra["emd_s"] <= 0.08
        assert (rec.meta.speed_m_s is not None) == (rec.meta.task == "WAK")
        # raw sEMG of the size SIAT-LLMD shows: mostly tens of microvolts, peaks below ~1.5 mV
        abs_emg = np.abs(rec.emg.values - rec.emg.values.mean(axis=0))
        assert 0.003 < np.median(abs_emg) < 0.2
        assert np.percentile(abs_emg, 99.9) < 1.5


def test_joint_angles_are_in_physiological_ranges(cohort: Cohort) -> None:
    for subject in range(CONFIG.subjects):
        walk = trial(cohort, subject, "WAK").angles
        for side in schema.SIDES:
            knee = walk.column(f"{side} knee flexion")
            assert 50 < knee.max() < 80 and -15 < knee.min() < 15
            hip = walk.column(f"{side} hip flexion")
            assert 20 < hip.max() < 45 and -25 < hip.min() < 0
            ankle = walk.column(f"{side} ankle flexion")
            assert 0 < ankle.max() < 25 and -30 < ankle.min() < -5
            adduction = walk.column(f"{side} hip adduction")
            assert np.abs(adduction).max() < 15 and np.ptp(adduction) > 5
            for stairs in ("UPS", "DNS"):
                stair_knee = trial(cohort, subject, stairs).angles.column(f"{side} knee flexion")
                assert knee.max() + 10 < stair_knee.max() < 120
            for chair in ("STDUP", "SITDN"):
                angles = trial(cohort, subject, chair).angles
                assert angles.column(f"{side} knee flexion").max() > 70
                assert angles.column(f"{side} hip flexion").max() > 70
                assert angles.column(f"{side} knee flexion").min() < 20  # stands up straight
            still = trial(cohort, subject, "STC").angles.column(f"{side} knee flexion")
            assert np.ptp(still) < 10


def test_moments_scale_with_body_mass(cohort: Cohort) -> None:
    masses = np.array([p.mass_kg for p in cohort.profiles])
    peaks = np.array(
        [np.abs(trial(cohort, s, "WAK").moments.values).max(axis=0) for s in range(len(masses))]
    )  # (subjects, joints)
    per_kg = peaks / masses[:, None]

    def cv(x: np.ndarray) -> np.ndarray:
        return x.std(axis=0) / x.mean(axis=0)

    assert np.corrcoef(masses, peaks.sum(axis=1))[0, 1] > 0.7
    assert np.median(cv(per_kg)) < np.median(cv(peaks))
    # literature magnitudes per kg: ankle plantarflexion ~1.5, knee about -0.7..+0.8 N·m/kg
    for s, mass in enumerate(masses):
        moments = trial(cohort, s, "WAK").moments
        assert -2.2 < moments.column("left ankle flexion").min() / mass < -1.0
        right_knee = moments.column("right knee flexion") / mass
        assert -1.0 < right_knee.min() < -0.2 and 0.15 < right_knee.max() < 1.0


def test_only_mass_changes_the_moments_proportionally() -> None:
    profile = make_profile(0, CONFIG.seed)
    light = generate_recording(profile, "WAK", CONFIG)
    heavy = generate_recording(
        dataclasses.replace(profile, mass_kg=2 * profile.mass_kg), "WAK", CONFIG
    )
    np.testing.assert_array_equal(light.angles.values, heavy.angles.values)
    np.testing.assert_array_equal(light.emg.values, heavy.emg.values)
    np.testing.assert_allclose(heavy.moments.values, 2 * light.moments.values, rtol=1e-4, atol=1e-3)


# (muscle, statuses where it is active, statuses where it is quiet) in level walking, after
# Perry & Burnfield (2010): 1 HS-MSF, 2 MSF-MSE, 3 MSE-TO, 4 TO-MWF, 5 MWF-HS.
WALKING_ACTIVITY = (
    ("tensor fascia lata", {"1", "2"}, {"5"}),
    ("rectus femoris", {"1"}, {"2"}),
    ("vastus medialis", {"1"}, {"3", "4"}),
    ("semimembranosus", {"5"}, {"2", "3"}),
    ("upper tibialis anterior", {"1", "4"}, {"3"}),
    ("lower tibialis anterior", {"1", "4"}, {"3"}),
    ("lateral gastrocnemius", {"2", "3"}, {"4", "5"}),
    ("medial gastrocnemius", {"2", "3"}, {"4", "5"}),
    ("soleus", {"2", "3"}, {"4", "5"}),
)


def test_emg_envelope_follows_walking_muscle_timing(cohort: Cohort) -> None:
    for subject in range(CONFIG.subjects):
        rec = trial(cohort, subject, "WAK")
        env = envelope(rec.emg.values.astype(float))
        status = rec.labels.status
        for muscle, active, quiet in WALKING_ACTIVITY:
            column = env[:, rec.emg.index(muscle)]
            on = column[np.isin(status, list(active))].mean()
            off = column[np.isin(status, list(quiet))].mean()
            assert on > 1.5 * off, (rec.meta.name, muscle, on, off)


def test_emg_leads_the_moment_by_the_electromechanical_delay(cohort: Cohort) -> None:
    # The walking ankle moment is dominated by the triceps surae (soleus the largest); passive
    # stiffness and foot inertia are small, so the soleus envelope -> plantarflexion moment lag
    # is the subject's EMD.
    for subject, profile in enumerate(cohort.profiles):
        rec = trial(cohort, subject, "WAK")
        soleus = envelope(rec.emg.column("soleus").astype(float))
        plantarflexion = -rec.moments.column("left ankle flexion").astype(float)
        lag = lag_of_peak_correlation(soleus, plantarflexion, max_lag_s=0.2)
        assert abs(lag - profile.emd_s) < 0.02, (profile.subject, lag, profile.emd_s)


def test_a_longer_emd_delays_the_moment_by_the_difference() -> None:
    profile = make_profile(1, CONFIG.seed)
    lags = []
    for emd in (0.03, 0.08):
        rec = generate_recording(dataclasses.replace(profile, emd_s=emd), "WAK", CONFIG)
        soleus = envelope(rec.emg.column("soleus").astype(float))
        lags.append(lag_of_peak_correlation(soleus, -rec.moments.column("left ankle flexion"), 0.2))
    assert lags[1] - lags[0] == pytest.approx(0.05, abs=0.01)


def _cycles_in_order(status: np.ndarray, n_periods: int) -> None:
    runs = status[np.r_[0, np.flatnonzero(status[1:] != status[:-1]) + 1]].astype(int)
    assert np.all(runs[1:] == runs[:-1] % n_periods + 1)


def test_gait_labels_follow_the_gait_cycle(cohort: Cohort) -> None:
    for subject in range(CONFIG.subjects):
        walk = trial(cohort, subject, "WAK")
        status = walk.labels.status
        assert set(status) == {"1", "2", "3", "4", "5"}
        _cycles_in_order(status, 5)
        knee = walk.angles.column("left knee flexion")
        hip = walk.angles.column("left hip flexion")
        heel_strikes = onsets(status, "1")
        # heel strike: knee near full extension, hip near its maximum flexion
        assert np.all(knee[heel_strikes] < knee.min() + 0.25 * np.ptp(knee))
        assert np.all(hip[heel_strikes] > hip.min() + 0.7 * np.ptp(hip))
        # periods 2, 3 and 5 start at max stance flexion, max stance extension and max swing
        # flexion: local extrema of the knee angle (within 1.5 deg over +-60 ms)
        for code, extremum in (("2", np.max), ("3", np.min), ("5", np.max)):
            for at in onsets(status, code):
                near = knee[max(at - int(0.06 * FS), 0) : at + int(0.06 * FS)]
                assert abs(knee[at] - extremum(near)) < 1.5, (code, at)
        # toe-off (start of period 4) comes after max stance extension: the knee is flexing
        toe_offs = onsets(status, "4")
        toe_offs = toe_offs[toe_offs + 20 < knee.size]
        assert np.all(knee[toe_offs + 20] > knee[toe_offs])
        # groups are walking bouts: they count up by one, each starting at a heel strike
        changes = np.flatnonzero(np.diff(walk.labels.group)) + 1
        assert changes.size >= 1 and np.all(np.diff(walk.labels.group) >= 0)
        assert set(changes) <= set(heel_strikes)
        # stair ascent has 3 gait periods, stair descent 2 (the real files' Status {1, 2})
        for stairs, codes in (("UPS", {"1", "2", "3"}), ("DNS", {"1", "2"})):
            stair_status = trial(cohort, subject, stairs).labels.status
            assert set(stair_status) == codes
            _cycles_in_order(stair_status, len(codes))


def test_discrete_labels_mark_the_movements(cohort: Cohort) -> None:
    for subject in range(CONFIG.subjects):
        for motion in ("STDUP", "SITDN"):
            rec = trial(cohort, subject, motion)
            status = rec.labels.status
            assert set(status) == {"A", "R", ""}
            assert np.mean(status == "") < 0.01  # only a few blank cells, at transitions
            assert set(np.flatnonzero(status == "")) <= set(
                np.flatnonzero(np.convolve(status != "", [1, 1, 1, 1, 1, 1, 1], "same") < 7)
            )
            speed = np.abs(np.gradient(rec.angles.column("left knee flexion"), 1 / FS))
            assert speed[status == "A"].mean() > 5 * speed[status == "R"].mean()
            # a new repetition (group) never starts in the middle of a movement
            changes = np.flatnonzero(np.diff(rec.labels.group)) + 1
            assert not np.any(status[changes] == "A")
        still = trial(cohort, subject, "STC").labels
        assert set(still.status) == {"R"}


def test_stride_durations_vary_by_a_few_percent(cohort: Cohort) -> None:
    for subject, profile in enumerate(cohort.profiles):
        heel_strikes = onsets(trial(cohort, subject, "WAK").labels.status, "1")
        strides = np.diff(heel_strikes) / FS
        assert strides.size >= 6
        assert 0.01 < strides.std() / strides.mean() < 0.08
        assert strides.mean() == pytest.approx(120 / profile.cadence_steps_per_min, rel=0.05)


def test_emg_carries_hum_offset_artefacts_and_quantisation(cohort: Cohort) -> None:
    rec = trial(cohort, 0, "WAK")
    emg = rec.emg.values.astype(float)
    freqs, power = signal.welch(emg, fs=FS, nperseg=int(5 * FS), axis=0)
    at_mains = power[np.argmin(np.abs(freqs - 50.0))]
    near = (np.abs(freqs - 50.0) > 2) & (np.abs(freqs - 50.0) < 10)
    assert np.all(at_mains > 2 * np.median(power[near], axis=0))  # power-line hum
    assert np.all(np.abs(emg.mean(axis=0)) > 0.002)  # DC offset
    steps = emg / schema.EMG_QUANTISATION_MV
    assert np.abs(steps - np.round(steps)).max() < 1e-2
    # motion artefacts: 8-16 Hz (below the EMG band) energy rises just after heel strikes
    band = signal.butter(2, (8.0, 16.0), btype="bandpass", fs=FS, output="sos")
    low = signal.sosfiltfilt(band, emg - emg.mean(axis=0), axis=0) ** 2
    after = np.zeros(rec.n_samples, dtype=bool)
    for onset in onsets(rec.labels.status, "1"):
        after[onset : onset + int(0.15 * FS)] = True
    assert np.median(low[after].mean(axis=0) / low[~after].mean(axis=0)) > 3


def test_emg_spectrum_is_that_of_surface_emg(cohort: Cohort) -> None:
    # real SIAT-LLMD sEMG (the Sub10 fragment) has mean power frequencies of 59-121 Hz
    emg = trial(cohort, 0, "WAK").emg.values.astype(float)
    freqs, power = signal.welch(emg - emg.mean(axis=0), fs=FS, nperseg=1024, axis=0)
    keep = (freqs > 10) & (np.abs(freqs - 50) > 5) & (np.abs(freqs - 150) > 5)
    mean_frequency = (freqs[keep, None] * power[keep]).sum(axis=0) / power[keep].sum(axis=0)
    assert np.all((mean_frequency > 50) & (mean_frequency < 150)), mean_frequency


def test_same_seed_same_data_and_subjects_are_independent(cohort: Cohort) -> None:
    first = generate_cohort(dataclasses.replace(CONFIG, subjects=1))
    for alone, within in zip(first.recordings, cohort.recordings, strict=False):
        assert alone.meta == within.meta
        for block in ("emg", "angles", "moments"):
            np.testing.assert_array_equal(
                getattr(alone, block).values, getattr(within, block).values
            )
        np.testing.assert_array_equal(alone.labels.status, within.labels.status)
        np.testing.assert_array_equal(alone.labels.group, within.labels.group)
    again = generate_recording(cohort.profiles[1], "WAK", CONFIG)
    np.testing.assert_array_equal(again.emg.values, trial(cohort, 1, "WAK").emg.values)

    other_seed = dataclasses.replace(CONFIG, seed=1)
    changed = generate_recording(make_profile(0, 1), "WAK", other_seed)
    assert not np.array_equal(changed.emg.values, trial(cohort, 0, "WAK").emg.values)
    assert make_profile(0, 1).mass_kg != cohort.profiles[0].mass_kg


def test_subjects_differ(cohort: Cohort) -> None:
    profiles = cohort.profiles
    assert len({p.mass_kg for p in profiles}) == len(profiles)
    assert len({p.cadence_steps_per_min for p in profiles}) == len(profiles)
    assert len({p.emd_s for p in profiles}) == len(profiles)
    walks = [trial(cohort, s, "WAK") for s in range(len(profiles))]
    rms = np.array([np.sqrt((w.emg.values**2).mean(axis=0)) for w in walks])
    assert np.all(np.ptp(rms, axis=0) > 0.1 * rms.mean(axis=0))  # every channel differs


@pytest.mark.parametrize("motion", SUPPORTED_MOTIONS)
def test_every_supported_motion_has_its_status_codes(motion: str) -> None:
    config = CohortConfig(subjects=1, motions=(motion,), seconds=6.0)
    rec = generate_recording(make_profile(0, 0), motion, config)
    assert set(rec.labels.status) <= {*schema.status_codes(motion), ""}
    assert np.all(np.isfinite(rec.moments.values))


def test_supported_motions_include_the_siat_tasks() -> None:
    assert {"WAK", "UPS", "DNS", "STDUP", "SITDN", "STC"} <= set(SUPPORTED_MOTIONS)


def test_bad_requests_raise_clear_errors() -> None:
    with pytest.raises(KinemyoError, match="WAK"):
        generate_recording(make_profile(0, 0), "JUMP", CONFIG)
    with pytest.raises(KinemyoError, match="supported motions"):
        CohortConfig(motions=("WAK", "RUN"))
    with pytest.raises(KinemyoError):
        CohortConfig(subjects=0)
    with pytest.raises(KinemyoError):
        CohortConfig(seed=-1)
    with pytest.raises(KinemyoError):
        CohortConfig(seconds=0.1)
    with pytest.raises(KinemyoError):
        CohortConfig(hum_mv=-1.0)


def test_progress_reports_each_recording() -> None:
    calls: list[tuple[int, int]] = []
    config = CohortConfig(subjects=2, motions=("STC",), seconds=1.0)
    generate_cohort(config, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 2), (2, 2)]
