"""Analysis of model dynamics."""

from .cycles import estimate_period

__all__ = ["estimate_period"]
