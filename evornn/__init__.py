"""evornn: simulate recurrent neural dynamical systems fast and train them without gradients."""

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
