"""sEMG signal processing: filters, wavelet-packet denoising, windows, features and scalers.

Plain functions over (T, C) arrays (time x channels) and (N, L, C) windows. The SIAT-LLMD seed
chain, one trial at a time::

    x = remove_baseline(emg)                                   # (T, C) mV
    x = wavelet_packet_denoise(x, "db7", level=8, threshold=0.08)
    x = bandpass(x, fs=1920.0, low=15.0, high=400.0, order=7)
    x = scaler.transform(x)                      # a MaxAbsScaler fitted on the training trials
    starts = window_starts(segment_ids(len(x), group, status), length=100, step=50)
    X = compute_features(sliding_windows(x, starts, 100), SEED_FEATURES, fs=1920.0)  # (N, C, 6)
"""

from kinemyo.signal.denoise import wavelet_packet_denoise
from kinemyo.signal.features import (
    FEATURES,
    SEED_FEATURES,
    Feature,
    FeatureSettings,
    cc,
    compute_features,
    iemg,
    mav,
    mdf,
    mnf,
    rms,
    ssc,
    var,
    wamp,
    wl,
    zc,
)
from kinemyo.signal.filters import (
    CausalFilter,
    apply_sos,
    bandpass,
    bandpass_sos,
    notch,
    notch_sos,
    remove_baseline,
)
from kinemyo.signal.scalers import FeatureStandardizer, MaxAbsScaler
from kinemyo.signal.windows import check_window_fits, segment_ids, sliding_windows, window_starts

__all__ = [
    "FEATURES",
    "SEED_FEATURES",
    "CausalFilter",
    "Feature",
    "FeatureSettings",
    "FeatureStandardizer",
    "MaxAbsScaler",
    "apply_sos",
    "bandpass",
    "bandpass_sos",
    "cc",
    "check_window_fits",
    "compute_features",
    "iemg",
    "mav",
    "mdf",
    "mnf",
    "notch",
    "notch_sos",
    "remove_baseline",
    "rms",
    "segment_ids",
    "sliding_windows",
    "ssc",
    "var",
    "wamp",
    "wavelet_packet_denoise",
    "window_starts",
    "wl",
    "zc",
]
