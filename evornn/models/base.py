"""The model interface that every evornn tool relies on.

A model is a ``NamedTuple`` of batched parameter arrays (axis 0 indexes individuals) with
per-individual Numba kernels registered for its class (``rhs``, ``output``, ``jac``; see
:mod:`evornn._kernels`, re-exported here), and a :class:`Model` subclass that validates,
holds the parameters immutably and dispatches.
"""

from __future__ import annotations

import copy
from typing import ClassVar, NamedTuple

import numpy as np
from numba import njit

from .._checks import as_float_array, batched
from .._kernels import (  # noqa: F401 (the interface's kernels and registries, re-exported)
    _KERNELS,
    Lanes,
    _jac_batch,
    _jac_one,
    _outputs_batch,
    _outputs_batch_serial,
    _rhs_batch,
    _rhs_one,
    fast_path,
    jac,
    lane_drive,
    lane_load,
    lane_output,
    output,
    register_fast_paths,
    register_kernels,
    register_lane_kernels,
    rhs,
)
from .._numba import ERROR_MODEL, FASTMATH, for_params


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def leading_state(y, params, p, out):
    """An ``output`` kernel for models whose outputs are their first state values (NEAT
    networks, NARX delay lines). Numba-compiled; writes into `out`."""
    for m in range(out.shape[0]):
        out[m] = y[m]


@njit(cache=True, error_model=ERROR_MODEL)
def _all_finite(values) -> bool:
    """Whether every entry of the 1-D array `values` is finite (one compiled loop: NumPy's
    isfinite and all cost more for the small fields of a small population)."""
    for x in values:
        if not np.isfinite(x):
            return False
    return True


def _names(dtypes) -> str:
    return ", ".join(np.dtype(d).name for d in dtypes)


def check_params(params: NamedTuple) -> None:
    """Check what every compiled kernel relies on, whoever built `params` (a constructor,
    a codec, a file): every field an array of real numbers (integer or boolean codes, or
    finite floats) with the individual on axis 0, one population size >= 1 for all.

    Kernels do not check bounds, so models with index fields also check their ranges
    (:meth:`Model._check_params`).
    """
    n_pop = None
    for name, arr in zip(params._fields, params, strict=True):
        if not isinstance(arr, np.ndarray):
            raise TypeError(f"{type(params).__name__}.{name} must be a numpy array, got {type(arr).__name__}")
        kind = arr.dtype.kind
        if kind not in "biuf":
            raise TypeError(f"{type(params).__name__}.{name} must hold real numbers, got dtype {arr.dtype}")
        if arr.ndim == 0:
            raise ValueError(f"{type(params).__name__}.{name} must have the individual on axis 0, got a scalar")
        if n_pop is None:
            n_pop = arr.shape[0]
        elif arr.shape[0] != n_pop:
            raise ValueError(f"{type(params).__name__}.{name} has {arr.shape[0]} individuals on axis 0, but "
                             f"{params._fields[0]} has {n_pop}")
        if kind == "f" and not _all_finite(arr.reshape(-1)):
            bad = arr[~np.isfinite(arr)][0]
            raise ValueError(f"{type(params).__name__}.{name} must be finite, got a value of {bad}")
    if n_pop == 0:
        raise ValueError("a model needs n_pop >= 1 individuals, got an empty population")


class Model:
    """A population of dynamical systems sharing one set of compiled kernels.

    Attributes
    ----------
    time : {"continuous", "discrete"}
        An ODE (``rhs`` is dy/dt) or a map (``rhs`` is the next state).
    params : NamedTuple of ndarray
        Batched, read-only parameter arrays; axis 0 indexes individuals.
    n_pop, n_state, n_inputs, n_outputs : int

    Every per-individual quantity lives in `params`, so :meth:`take` can slice any model.
    """

    time: ClassVar[str]
    #: The floating types this model's kernels compute in (see :meth:`astype`): float64,
    #: the default and the reference, for every model; float32 for those that offer it.
    dtypes: ClassVar[tuple[np.dtype, ...]] = (np.dtype(np.float64),)

    def __init__(self, params: NamedTuple):
        if type(params) not in _KERNELS:
            raise TypeError(f"no kernels registered for {type(params).__name__}; call register_kernels first")
        check_params(params)
        floats = {arr.dtype for arr in params if arr.dtype.kind == "f"}
        if len(floats) > 1 or not floats <= set(self.dtypes):
            raise TypeError(f"the floating-point fields of {type(params).__name__} must share one dtype out of "
                            f"{_names(self.dtypes)}, got {_names(sorted(floats, key=str))}")
        self._params = params
        self._check_params()

    @classmethod
    def _from_checked_params(cls, params: NamedTuple) -> Model:
        """A model of `params` whose fields already have this model's shapes (a codec's
        builder made them): the checks of :class:`Model` run, the constructor's
        conversions do not."""
        model = cls.__new__(cls)
        Model.__init__(model, params)
        return model

    def _check_params(self) -> None:
        """Model-specific checks of :attr:`params` beyond :func:`check_params` (index
        ranges, codes, shapes that must agree), run at construction; raise ValueError."""

    @property
    def params(self) -> NamedTuple:
        return self._params

    @property
    def dtype(self) -> np.dtype:
        """The floating type of the parameters, in which simulations, closed loops and
        runs compute and return their states (float64 unless made by :meth:`astype`)."""
        return next((arr.dtype for arr in self._params if arr.dtype.kind == "f"), np.dtype(np.float64))

    def astype(self, dtype) -> Model:
        """A copy whose kernels compute in `dtype`.

        ``np.float64`` is the default and the reference. ``np.float32``, offered by the
        CTRNN and the echo state network (see :attr:`dtypes`), halves the memory traffic of
        the weights and doubles the SIMD width: 1.8-1.9x the CTRNN's steps per second
        (``benchmarks/bench_ctrnn.py``; the ESN's sparse reservoirs gain less), with states
        within about 1e-4 of float64 over 1,000 RK4 steps of a non-chaotic network (chaotic
        ones part ways, as any two roundings do). Simulations (:func:`evornn.simulate`,
        :meth:`stepper`), closed loops (:func:`evornn.tasks.run_body`) and ESN runs of the
        copy compute and return float32 states; outputs and fitness are float64. Analyses
        (fixed points, Lyapunov spectra) want float64 models.

        Raises ValueError for a dtype the model does not offer.
        """
        dtype = np.dtype(dtype)
        if dtype not in self.dtypes:
            raise ValueError(f"dtype must be one of {_names(self.dtypes)} for {type(self).__name__}, got {dtype}")
        fields = []
        for field in self._params:
            arr = np.array(field, dtype=dtype) if field.dtype.kind == "f" else field
            arr.flags.writeable = False
            fields.append(arr)
        new = copy.copy(self)
        new._params = type(self._params)(*fields)
        return new

    @property
    def n_pop(self) -> int:
        return self._params[0].shape[0]

    @property
    def n_state(self) -> int:
        raise NotImplementedError

    @property
    def n_inputs(self) -> int:
        raise NotImplementedError

    @property
    def n_outputs(self) -> int:
        raise NotImplementedError

    def initial_state(self, rng=None) -> np.ndarray:
        """Default initial state, shape ``(n_pop, n_state)``: zeros unless a model says otherwise."""
        return np.zeros((self.n_pop, self.n_state))

    def check_states(self, y, name: str = "y0") -> np.ndarray:
        """States `y` broadcast to ``(n_pop, n_state)`` and checked (finite, and inside the
        model's state space where it has one), or raise naming `name`."""
        return batched(name, y, self.n_pop, (self.n_state,))

    def stepper(self, dt: float | None = None, *, method: str = "euler", y0=None):
        """A :class:`~evornn.integrate.stepper.Stepper`: ``stepper.step(inputs)`` advances
        every individual by one step (one compiled call) and returns the outputs, shape
        ``(n_pop, n_outputs)``; for controllers in a loop evornn does not own (a Gymnasium
        environment, another simulator, a robot). `dt` is required for continuous models;
        `method` is ``"euler"``, ``"heun"`` or ``"rk4"``."""
        from ..integrate.stepper import Stepper

        return Stepper(self, dt=dt, method=method, y0=y0)

    def min_timescale(self) -> float | None:
        """The fastest time constant, for the step-size warning (None: unknown)."""
        return None

    def take(self, index) -> Model:
        """A sub-population (same type) of the individuals selected by `index`.

        `index` is an integer, a slice, an integer array or a boolean mask over axis 0.
        """
        rows = np.arange(self.n_pop)[index]
        rows = np.atleast_1d(rows)
        if rows.size == 0:
            raise ValueError("index selects no individual; a model needs n_pop >= 1")
        fields = []
        for field in self._params:
            arr = np.ascontiguousarray(field[rows])
            arr.flags.writeable = False
            fields.append(arr)
        new = copy.copy(self)
        new._params = type(self._params)(*fields)
        return new

    def outputs(self, y) -> np.ndarray:
        """What a task reads from states `y`.

        Parameters
        ----------
        y : array_like, shape (n_pop, n_state) or (n_rec, n_pop, n_state)

        Returns
        -------
        ndarray, shape (n_pop, n_outputs) or (n_rec, n_pop, n_outputs)
        """
        y = as_float_array("y", y, finite=False)
        single = y.ndim == 2
        y3 = y[None] if single else y
        if y3.ndim != 3 or y3.shape[1:] != (self.n_pop, self.n_state):
            raise ValueError(
                f"y must have shape (n_pop, n_state) = {(self.n_pop, self.n_state)} or "
                f"(n_rec, n_pop, n_state), got {y.shape}"
            )
        out = np.empty((y3.shape[0], self.n_pop, self.n_outputs))
        # Outputs are cheap: below ~100,000 values one thread is faster than waking the pool.
        small = y3.shape[0] * self.n_pop * max(self.n_state, 1) < 100_000
        for_params(_outputs_batch_serial if small else _outputs_batch, self._params)(y3, self._params, out)
        return out[0] if single else out

    def jacobian(self, y, t: float = 0.0, inputs=None) -> np.ndarray:
        """Jacobian of every individual's ``rhs`` at states `y`.

        Parameters
        ----------
        y : array_like, shape (n_pop, n_state)
        t : float
        inputs : array_like, shape (n_inputs,) or (n_pop, n_inputs), optional (zeros)

        Returns
        -------
        ndarray, shape (n_pop, n_state, n_state)
            ``J[p, i, k] = d rhs_i / d y_k``; analytic where the model provides it,
            central finite differences otherwise.
        """
        y = batched("y", y, self.n_pop, (self.n_state,))
        u = batched("inputs", 0.0 if inputs is None else inputs, self.n_pop, (self.n_inputs,))
        out = np.empty((self.n_pop, self.n_state, self.n_state))
        for_params(_jac_batch, self._params)(float(t), y, self._params, u, out)
        return out

    def __repr__(self) -> str:
        return f"{type(self).__name__}(n_pop={self.n_pop}, n_state={self.n_state}, n_inputs={self.n_inputs})"


class ContinuousModel(Model):
    """A model whose ``rhs`` kernel is dy/dt (an ODE)."""

    time = "continuous"


class DiscreteModel(Model):
    """A model whose ``rhs`` kernel writes the next state (a map); it steps once per tick."""

    time = "discrete"
