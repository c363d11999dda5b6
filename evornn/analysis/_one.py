"""One individual of a model as plain Python callables, for SciPy's solvers."""

from __future__ import annotations

import numpy as np

from .._checks import batched
from .._numba import for_params
from ..models.base import _jac_one, _rhs_one


def constant_inputs(model, inputs) -> np.ndarray:
    """Constant inputs as ``(n_pop, n_inputs)`` (zeros when None)."""
    return batched("inputs", 0.0 if inputs is None else inputs, model.n_pop, (model.n_inputs,))


class OneSystem:
    """Individual `p` of `model` with constant input `u`: ``f(y)`` and ``jac(y)`` (and, for
    maps, the fixed-point residual ``f(y) - y``)."""

    def __init__(self, model, p: int, u: np.ndarray, t: float = 0.0):
        self.params, self.p, self.u, self.t = model.params, int(p), np.ascontiguousarray(u, dtype=np.float64), float(t)
        self.n = model.n_state
        self.discrete = model.time == "discrete"
        self._rhs = for_params(_rhs_one, model.params)
        self._jac = for_params(_jac_one, model.params)

    def f(self, y, t=None) -> np.ndarray:
        out = np.empty(self.n)
        self._rhs(self.t if t is None else t, np.ascontiguousarray(y, dtype=np.float64), self.params, self.p, self.u, out)
        return out

    def jac(self, y, t=None) -> np.ndarray:
        out = np.empty((self.n, self.n))
        self._jac(self.t if t is None else t, np.ascontiguousarray(y, dtype=np.float64), self.params, self.p, self.u, out)
        return out

    def residual(self, y) -> tuple[np.ndarray, np.ndarray]:
        """The equilibrium condition and its Jacobian: ``f(y)`` (flows) or ``f(y) - y`` (maps)."""
        if self.discrete:
            return self.f(y) - y, self.jac(y) - np.eye(self.n)
        return self.f(y), self.jac(y)


def step_for(model, dt) -> float:
    """The integration step: 1 for maps (which iterate), `dt` (required, > 0) for flows."""
    from .._checks import positive_float

    if model.time == "discrete":
        return 1.0
    if dt is None:
        raise ValueError("dt is required for continuous models (the RK4 step)")
    return positive_float("dt", dt)
