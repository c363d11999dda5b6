"""evornn: simulate recurrent neural dynamical systems fast and train them without gradients."""

from importlib.metadata import PackageNotFoundError, version

from .errors import ConfigError, StepSizeWarning
from .integrate import Trajectory, simulate
from .models import CTRNN, ContinuousModel, DiscreteModel, Model

try:
    __version__ = version("evornn")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "CTRNN",
    "ConfigError",
    "ContinuousModel",
    "DiscreteModel",
    "Model",
    "StepSizeWarning",
    "Trajectory",
    "__version__",
    "simulate",
]
