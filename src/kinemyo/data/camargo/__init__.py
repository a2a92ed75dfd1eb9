"""The Camargo et al. 2021 (EPIC lab) dataset layout: treadmill, level ground, ramps, stairs."""
