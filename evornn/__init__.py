"""evornn: simulate recurrent neural dynamical systems fast and train them without gradients."""

import os as _os

# Numba's OpenMP worker threads spin while they wait for work. On a machine whose other cores
# are busy (a laptop, a shared server, Dask workers side by side) they take time from the
# threads that hold work: a small evolution ran 2.9x slower with the other core busy; with a
# passive wait policy, 1.3x. Set before Numba's OpenMP runtime starts (at its first parallel
# call); a value the user set is kept. See the README's "Threads" section.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from importlib.metadata import PackageNotFoundError, version

from .errors import ConfigError, StepSizeWarning
from .integrate import Trajectory, simulate
from .models import BAM, CTRNN, ESN, ContinuousHopfield, ContinuousModel, DiscreteModel, Hopfield, Model, System
from .optim import EvolutionResult, Problem, evolve, resume
from .runs import Run, load_run
from .tasks.timeseries import nrmse

try:
    __version__ = version("evornn")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "BAM",
    "CTRNN",
    "ESN",
    "ConfigError",
    "ContinuousHopfield",
    "ContinuousModel",
    "DiscreteModel",
    "EvolutionResult",
    "Hopfield",
    "Model",
    "Problem",
    "Run",
    "StepSizeWarning",
    "System",
    "Trajectory",
    "__version__",
    "evolve",
    "load_run",
    "nrmse",
    "resume",
    "simulate",
]
