"""Models: every one exposes the interface of :class:`evornn.models.base.Model`."""

from .base import ContinuousModel, DiscreteModel, Model, register_kernels
from .ctrnn import CTRNN, CTRNNParams
from .esn import ESN, ESNParams
from .readout import RidgeStatistics
from .reservoir import Topology, spectral_radius
from .system import System

__all__ = ["CTRNN", "ESN", "CTRNNParams", "ContinuousModel", "DiscreteModel", "ESNParams", "Model", "RidgeStatistics", "System",
           "Topology", "register_kernels", "spectral_radius"]
