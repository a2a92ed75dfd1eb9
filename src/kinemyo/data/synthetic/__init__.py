"""Synthetic gait cohort: kinemyo's embedded default dataset, in the SIAT-LLMD channel layout.

The generator is a model of gait, not noise. For each simulated subject (:mod:`.profiles`: mass,
height, cadence, stride variability, walking speed, electromechanical delay, EMG gains) and motion:

1. **Motion** (:mod:`.cyclic`, :mod:`.discrete`). Walking and stairs are driven by a continuous
   gait phase whose stride durations vary from stride to stride; the right leg runs half a cycle
   behind the left. Discrete movements (stand up, sit down, leg exercises) alternate rest and
   minimum-jerk movements between poses; static standing is rest with postural sway. Each motion
   gives bilateral joint angles, the activation (0..1) of 12 muscles per leg (the 9 recorded ones
   and 3 unrecorded hip muscles), and SIAT-LLMD status and group labels.
2. **EMG** (:mod:`.emg`): the 9 left-leg channels are activation-modulated band-limited noise
   scaled by the subject's gains, plus power-line hum, DC offset, baseline wander, motion
   artefacts, spikes and sensor noise, quantised like the real amplifier.
3. **Moments** (:mod:`.kinetics`): muscle force is activation delayed by the subject's EMD and
   low-passed; moments are force times per-muscle moment per kg, times body mass, plus passive
   stiffness and segment inertia. The right leg's moments come from its own (unrecorded)
   activations. So the EMG carries real, delayed information about the moments.

Everything is deterministic per seed; each subject and trial has its own random stream
(:mod:`.seeds`).

The same model also writes a cohort in the Camargo et al. (2021) layout (treadmill speeds, level
ground, ramps; :mod:`.camargo`), through the Camargo table writer.

Example::

    from kinemyo.data.synthetic import CohortConfig, generate_cohort
    cohort = generate_cohort(CohortConfig(subjects=2, seconds=10))
"""

from kinemyo.data.synthetic.camargo import (
    CamargoCohortSummary,
    CamargoProfile,
    generate_camargo,
    make_camargo_profile,
)
from kinemyo.data.synthetic.camargo_config import CamargoCohortConfig
from kinemyo.data.synthetic.cohort import Cohort, generate_cohort, generate_recording
from kinemyo.data.synthetic.config import CohortConfig
from kinemyo.data.synthetic.motions import SUPPORTED_MOTIONS
from kinemyo.data.synthetic.profiles import SubjectProfile, make_profile

__all__ = [
    "SUPPORTED_MOTIONS",
    "CamargoCohortConfig",
    "CamargoCohortSummary",
    "CamargoProfile",
    "Cohort",
    "CohortConfig",
    "SubjectProfile",
    "generate_camargo",
    "generate_cohort",
    "generate_recording",
    "make_camargo_profile",
    "make_profile",
]
