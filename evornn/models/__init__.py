"""Models: every one exposes the interface of :class:`evornn.models.base.Model`."""

from .base import ContinuousModel, DiscreteModel, Model, register_kernels
from .ctrnn import CTRNN, CTRNNParams
from .system import System

__all__ = ["CTRNN", "CTRNNParams", "ContinuousModel", "DiscreteModel", "Model", "System", "register_kernels"]
