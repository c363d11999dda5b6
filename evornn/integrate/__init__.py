"""Integration: compiled fixed-step kernels and SciPy's adaptive solvers."""

from .simulate import FIXED_METHODS, SCIPY_METHODS, simulate
from .trajectory import Trajectory

__all__ = ["FIXED_METHODS", "SCIPY_METHODS", "Trajectory", "simulate"]
