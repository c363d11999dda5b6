"""`System`: any user ODE or map, given as Numba kernels, as an evornn `Model`.

Write the kernels with the per-individual signature every evornn model uses, for a
``NamedTuple`` of batched parameter arrays (axis 0 indexes individuals)::

    @numba.njit
    def rhs(t, y, params, p, u, out): ...      # dy/dt (flows) or the next state (maps)
    @numba.njit
    def jac(t, y, params, p, u, out): ...      # optional: d rhs / d y; finite differences otherwise

and every evornn tool (simulate, evolve, the analyses) accepts the system.

Kernels defined outside evornn cannot be cached on disk by evornn's compiled integrators
(a cache index naming a class that another process cannot import would break the cache),
so they compile once per process; evornn's own systems (:mod:`evornn.systems`) are cached.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .._checks import positive_int
from .._numba import ERROR_MODEL, FASTMATH
from .base import _KERNELS, Model, register_kernels


# Not cached: it is compiled for users' params types, and a cache index naming a class
# that another process cannot import breaks the cache for everyone (the callers that
# inline it are cached with their own code).
@njit(fastmath=FASTMATH, error_model=ERROR_MODEL)
def state_output(y, params, p, out):
    """The state itself as the output. Numba-compiled; writes into `out`; no validation."""
    for i in range(y.shape[0]):
        out[i] = y[i]


class System(Model):
    """A population of user-defined dynamical systems.

    Parameters
    ----------
    params : NamedTuple of array_like
        Batched parameters: every field has the individual on axis 0 (all the same length).
    n_state : int
    time : {"continuous", "discrete"}
        An ODE (``rhs`` is dy/dt) or a map (``rhs`` writes the next state).
    rhs, jac, output : Numba-compiled functions, optional
        Registered for ``type(params)``; omit them when that type is registered already.
        Without `jac`, Jacobians come from central finite differences of `rhs`; without
        `output`, the outputs are the state.
    n_inputs : int
        Number of external inputs ``u`` the kernels read.
    n_outputs : int, optional
        Default `n_state` (the state as output).
    timescale : float, optional
        The fastest time constant, for the step-size warning of fixed-step methods.

    Examples
    --------
    >>> from typing import NamedTuple
    >>> import numba, numpy as np, evornn
    >>> class DecayParams(NamedTuple):
    ...     rate: np.ndarray
    >>> @numba.njit
    ... def decay(t, y, params, p, u, out):
    ...     out[0] = -params.rate[p] * y[0]
    >>> system = System(DecayParams(np.array([1.0, 2.0])), n_state=1, rhs=decay)
    >>> traj = evornn.simulate(system, [[1.0], [1.0]], dt=0.01, t_max=1.0)
    >>> np.round(traj.y_final[:, 0], 4).tolist()   # exp(-1), exp(-2)
    [0.3679, 0.1353]
    """

    def __init__(self, params, *, n_state: int, time: str = "continuous", rhs=None, jac=None, output=None,
                 n_inputs: int = 0, n_outputs: int | None = None, timescale: float | None = None):
        if not (isinstance(params, tuple) and hasattr(params, "_fields")):
            raise TypeError(f"params must be a NamedTuple of arrays, got {type(params).__name__}")
        if time not in ("continuous", "discrete"):
            raise ValueError(f"time must be 'continuous' or 'discrete', got {time!r}")
        arrays = []
        for name, value in zip(params._fields, params, strict=True):
            arr = np.array(value, dtype=np.float64, order="C", copy=True)
            if arr.ndim == 0:
                raise ValueError(f"params.{name} must have the individual on axis 0, got a scalar")
            arr.flags.writeable = False
            arrays.append(arr)
        sizes = {arr.shape[0] for arr in arrays}
        if len(sizes) != 1:
            listed = ", ".join(f"{n}: {a.shape[0]}" for n, a in zip(params._fields, arrays, strict=True))
            raise ValueError(f"params fields disagree on the population size (axis 0): {listed}")
        if rhs is not None:
            register_kernels(type(params), rhs=rhs, jac=jac, output=output or state_output)
        elif type(params) not in _KERNELS:
            raise TypeError(f"no kernels registered for {type(params).__name__}: pass rhs=")
        super().__init__(type(params)(*arrays))
        self.time = time
        self._n_state = positive_int("n_state", n_state)
        self._n_inputs = positive_int("n_inputs", n_inputs, minimum=0)
        self._n_outputs = self._n_state if n_outputs is None else positive_int("n_outputs", n_outputs)
        self._timescale = timescale

    @property
    def n_state(self) -> int:
        return self._n_state

    @property
    def n_inputs(self) -> int:
        return self._n_inputs

    @property
    def n_outputs(self) -> int:
        return self._n_outputs

    def min_timescale(self) -> float | None:
        return self._timescale

