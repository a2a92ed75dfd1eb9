"""sEMG signal processing: filters, DWT denoising, windows, features and scalers.

Plain functions over (T, C) arrays (time x channels) and (N, L, C) windows. The SIAT-LLMD seed's
chain on one signal, with its data-dependent values fitted on training samples ``x_train``::

    offset = channel_offset(x_train)                                   # (C,) mV
    limits = 0.08 * detail_maxima(x_train - offset, "db7", level=8)    # (8, C) mV
    x = dwt_denoise(emg - offset, limits, "db7", level=8)              # (T, C) mV
    x = bandpass(x, fs=1920.0, low=15.0, high=400.0, order=7, causal=True, form="ba")
    starts = window_starts(segment_ids(len(x), group, status), length=100, step=50)
    w = scaler.transform(sliding_windows(x, starts, 100))   # a MaxAbsScaler fitted on training
    X = compute_features(w, SEED_FEATURES)                             # (N, C, 6)

:class:`kinemyo.signal.pipeline.SignalPipeline` runs the configured chain on Recordings and
decides which samples each fitted value may see.
"""

from kinemyo.signal.denoise import detail_maxima, dwt_denoise
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
    bandpass_ba,
    bandpass_sos,
    channel_offset,
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
    "bandpass_ba",
    "bandpass_sos",
    "cc",
    "channel_offset",
    "check_window_fits",
    "compute_features",
    "detail_maxima",
    "dwt_denoise",
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
    "window_starts",
    "wl",
    "zc",
]
