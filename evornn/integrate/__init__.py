"""Integration: compiled fixed-step kernels, SciPy's adaptive solvers, and a stepper for
loops evornn does not own."""

from .simulate import FIXED_METHODS, SCIPY_METHODS, simulate
from .stepper import Stepper
from .trajectory import Trajectory

__all__ = ["FIXED_METHODS", "SCIPY_METHODS", "Stepper", "Trajectory", "simulate"]
