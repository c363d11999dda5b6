"""Attractor dynamics of every evornn model: equilibria, Lyapunov spectra, limit cycles,
basins, bifurcation diagrams and regime maps, each over the whole population at once."""

from .basins import Basins, basin_grid, basins
from .bifurcation import BifurcationDiagram, Regimes, bifurcation_diagram, feigenbaum_deltas, regime_map
from .continuation import Branches, Parameter, SpecialPoint, continue_equilibria, switch_branch
from .curves import Curve, bifurcation_curves, continue_curve
from .cycle_branches import CycleBranch, continue_cycles
from .cycles import LimitCycles, estimate_period, limit_cycles
from .fixed_points import KINDS, FixedPoints, classify, fixed_points
from .landscape import (
    CapacityCurve,
    Landscape,
    PatternBasins,
    capacity_curve,
    capacity_markers,
    energy_landscape,
    pattern_basins,
)
from .lyapunov import kaplan_yorke_dimension, largest_lyapunov, lyapunov_spectrum
from .memory import EchoStateTest, MemoryCapacity, driven_lyapunov, echo_state_test, memory_capacity

__all__ = [
    "KINDS",
    "Basins",
    "BifurcationDiagram",
    "Branches",
    "CapacityCurve",
    "Curve",
    "CycleBranch",
    "EchoStateTest",
    "FixedPoints",
    "Landscape",
    "LimitCycles",
    "MemoryCapacity",
    "Parameter",
    "PatternBasins",
    "Regimes",
    "SpecialPoint",
    "basin_grid",
    "basins",
    "bifurcation_curves",
    "bifurcation_diagram",
    "capacity_curve",
    "capacity_markers",
    "classify",
    "continue_curve",
    "continue_cycles",
    "continue_equilibria",
    "driven_lyapunov",
    "echo_state_test",
    "energy_landscape",
    "estimate_period",
    "feigenbaum_deltas",
    "fixed_points",
    "kaplan_yorke_dimension",
    "largest_lyapunov",
    "limit_cycles",
    "lyapunov_spectrum",
    "memory_capacity",
    "pattern_basins",
    "regime_map",
    "switch_branch",
]
