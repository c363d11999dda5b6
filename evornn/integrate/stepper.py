"""A stepper: the whole population advanced one step per call, from any Python loop.

For controllers that talk to a world evornn does not own (a Gymnasium environment, a
physics engine, a robot): ``outputs = stepper.step(inputs)`` takes the sensor readings of
every individual, advances every controller by one step (one compiled call, parallel over
the population unless the work is small) and returns their outputs. The state stays inside the stepper between calls.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .._checks import positive_float
from .._kernels import output
from .._numba import ERROR_MODEL, FASTMATH, for_params
from .fixed_step import EULER, HEUN, MAP, RK4, rk_step

METHODS = {"euler": EULER, "heun": HEUN, "rk4": RK4}


# Below about this many multiply-adds per step a population is stepped on one thread: waking
# the other threads (a passive wait policy puts them to sleep) costs more than the work
# (64 three-neuron CTRNNs: 85 us a step in parallel, a few us on one thread).
SERIAL_WORK = 200_000


@njit(inline="always", fastmath=FASTMATH, error_model=ERROR_MODEL)
def _step_one(method, params, y, t, dt, u, active, out, p, scratch):
    """Individual `p`'s step, its stages in the rows of `scratch` (5, n_state)."""
    if active[p]:
        rk_step(method, t, y[p], params, p, u[p], u[p], u[p], dt, scratch[0], scratch[1], scratch[2], scratch[3],
                scratch[4])
    output(y[p], params, p, out[p])


@njit(cache=True, parallel=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def step_population(method, params, y, t, dt, u, active, out):
    """One step of every active individual `p` (``y[p]`` in place, inputs ``u[p]`` held
    over the step), then the outputs of every individual into ``out[p]``. Numba-compiled;
    no validation."""
    for p in prange(y.shape[0]):
        _step_one(method, params, y, t, dt, u, active, out, p, np.empty((5, y.shape[1]), y.dtype))


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def step_population_serial(method, params, y, t, dt, u, active, out):
    """:func:`step_population` on the calling thread (the same arithmetic), for small work."""
    scratch = np.empty((5, y.shape[1]), y.dtype)  # one set of stages, reused
    for p in range(y.shape[0]):
        _step_one(method, params, y, t, dt, u, active, out, p, scratch)


class Stepper:
    """Advance a population of models one step per call (see :meth:`Model.stepper`).

    Parameters
    ----------
    model : Model
    dt : float, optional
        The step of a continuous model (required); discrete models take one map step.
    method : {"euler", "heun", "rk4"}
        A continuous model's integrator; inputs are held constant over a step.
    y0 : array_like, shape (n_pop, n_state) or (n_state,), optional
        The initial state (default ``model.initial_state()``).

    Attributes
    ----------
    state : ndarray, shape (n_pop, n_state)
        The current state (a copy).
    t : float
        The current time (steps taken times `dt`; for maps, steps taken).

    Examples
    --------
    >>> import numpy as np, evornn
    >>> net = evornn.CTRNN.random(4, 3, n_inputs=2, rng=0)
    >>> stepper = net.stepper(dt=0.05)
    >>> for _ in range(10):
    ...     outputs = stepper.step(np.ones((4, 2)))
    >>> outputs.shape, round(stepper.t, 6)
    ((4, 3), 0.5)
    """

    def __init__(self, model, *, dt: float | None = None, method: str = "euler", y0=None):
        self.model = model
        if model.time == "continuous":
            if dt is None:
                raise ValueError("dt is required for a continuous model's stepper")
            self.dt = positive_float("dt", dt)
            if method not in METHODS:
                raise ValueError(f"method must be one of {sorted(METHODS)}, got {method!r}")
            self._code = METHODS[method]
        else:
            if dt is not None:
                raise ValueError("a discrete model steps once per call and takes no dt")
            self.dt = 1.0
            self._code = MAP
        self.method = method if model.time == "continuous" else "map"
        stages = {EULER: 1, HEUN: 2, RK4: 4, MAP: 1}[self._code]
        work = model.n_pop * model.n_state * (model.n_state + model.n_inputs + 1) * stages
        self._kernel = for_params(step_population_serial if work < SERIAL_WORK else step_population, model.params)
        self._out = np.empty((model.n_pop, model.n_outputs))
        self._all = np.ones(model.n_pop, dtype=np.bool_)
        self.reset(y0)

    def reset(self, y0=None) -> np.ndarray:
        """Start again from `y0` (default the model's initial state) at t = 0; returns the
        outputs in that state, shape (n_pop, n_outputs)."""
        y = self.model.initial_state() if y0 is None else self.model.check_states(y0, "y0")
        self._y = np.array(y, dtype=self.model.dtype, order="C")
        self._steps = 0
        return self.model.outputs(self._y)

    def step(self, inputs=None, active=None) -> np.ndarray:
        """Advance every individual (or those where `active` is True) by one step.

        Parameters
        ----------
        inputs : array_like, shape (n_pop, n_inputs) or (n_inputs,), optional
            Held constant over the step (default zeros).
        active : array_like of bool, shape (n_pop,), optional
            Individuals to advance; the others keep their state (finished episodes).

        Returns
        -------
        ndarray, shape (n_pop, n_outputs)
            The outputs after the step (a new array). Non-finite where a controller diverged.
        """
        model = self.model
        if inputs is None:
            u = np.zeros((model.n_pop, model.n_inputs), model.dtype)
        else:
            u = np.asarray(inputs, dtype=model.dtype)
            if u.shape == (model.n_inputs,):
                u = np.broadcast_to(u, (model.n_pop, model.n_inputs))
            elif u.shape != (model.n_pop, model.n_inputs):
                raise ValueError(f"inputs must have shape (n_pop, n_inputs) = {(model.n_pop, model.n_inputs)} or "
                                 f"(n_inputs,), got {u.shape}")
            u = np.ascontiguousarray(u)
        if active is None:
            mask = self._all
        else:
            mask = np.asarray(active)
            if mask.dtype != np.bool_ or mask.shape != (model.n_pop,):
                raise ValueError(f"active must be a boolean array of shape ({model.n_pop},), got "
                                 f"{mask.dtype} of shape {mask.shape}")
            mask = np.ascontiguousarray(mask)
        self._kernel(self._code, model.params, self._y, self._steps * self.dt, self.dt, u, mask, self._out)
        self._steps += 1
        return self._out.copy()

    @property
    def state(self) -> np.ndarray:
        return self._y.copy()

    @property
    def t(self) -> float:
        return self._steps * self.dt

    @property
    def diverged(self) -> np.ndarray:
        """Individuals whose state is not finite, shape (n_pop,)."""
        return ~np.isfinite(self._y).all(axis=1)

    def __repr__(self) -> str:
        return f"Stepper({self.model!r}, method={self.method!r}, dt={self.dt:g}, t={self.t:g})"
