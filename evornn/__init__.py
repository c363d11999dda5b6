"""evornn: simulate recurrent neural dynamical systems fast and train them without gradients."""

from importlib.metadata import PackageNotFoundError, version

from .errors import ConfigError, StepSizeWarning
from .integrate import Trajectory, simulate
from .models import CTRNN, ESN, ContinuousModel, DiscreteModel, Model, System
from .optim import EvolutionResult, Problem, evolve, resume
from .tasks.timeseries import nrmse

try:
    __version__ = version("evornn")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "CTRNN",
    "ESN",
    "ConfigError",
    "ContinuousModel",
    "DiscreteModel",
    "EvolutionResult",
    "Model",
    "Problem",
    "StepSizeWarning",
    "System",
    "Trajectory",
    "__version__",
    "evolve",
    "nrmse",
    "resume",
    "simulate",
]
