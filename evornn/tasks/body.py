r"""Bodies: agents with physics, and the one closed loop that runs any of them with any
evornn model as its controller.

**The protocol.** A body is a ``NamedTuple`` of arrays (its parameters: constants, start
states, an arena ...), a state vector of ``n_state`` floats per trial, and four compiled
kernels for one trial of individual ``p``, registered for the parameters' class with
:func:`register_body`::

    reset(body, p, trial, draws, state)     # the start of trial `trial` into `state`
    sense(body, p, state, u)                # sensor readings (the controller's inputs) into `u`
    act(body, p, state, z, dt) -> reward    # the motors read the controller's outputs `z`;
                                            # the physics advance `state` by one control step
                                            # of world time `dt`; returns this step's reward
    done(body, p, state) -> bool            # the trial ends early (a fall, a catch ...)

``draws`` holds the trial's ``n_draws`` random numbers in [0, 1), drawn once per
evaluation from the run's ``rng`` and shared by every individual (common random numbers).
The state is the body's own: whatever it needs between steps (positions, velocities, a
ring buffer, the reading it took in ``sense``) lives there, and the loop records it when a
trace is asked for. A body's fields may be shared by every individual or indexed by ``p``
(a morphology evolved with the controller).

**The loop** (:func:`run_trials`, one compiled call): for every individual and trial in
parallel, ``reset``; then each control step ``sense`` -> one step of the controller
(Euler, Heun or RK4 of ``controller_dt`` through the model's registered ``rhs``, or one
map step for a discrete model) -> its outputs -> ``act``, until ``done`` or ``max_steps``.
The loop owns the parallel loop, the trials, early stopping, divergence (a non-finite
controller output or reward ends the trial and flags it) and the sum of rewards; a body
owns only its physics. The built-in cart-pole, walker, categorisation agent and wheeled
robot are bodies, and so is a user's body in a file of their own
(``experiments/bodies/pendulum_swingup.py``).

**Lanes.** A body may also register lane forms of its kernels
(:func:`register_body_lanes`), working on a block of trials at once with the trial
innermost, ``state`` of shape ``(n_state, width)``. When the model offers lanes too
(:class:`evornn._kernels.Lanes`: the CTRNN does), :func:`evornn.tasks.lanes.run_trials_lanes` runs the
block in SIMD instructions (the controller's sigmoid and the body's sines included), and a
lane whose trial ends takes the next at once. Neither side knows the other's type: the
loop calls both through their registries.

Dispatch is by the parameters' class, as for models (:mod:`evornn._kernels`): no
compiled function is passed as an argument, so evornn's own bodies load from Numba's cache
in every new process; a body defined outside evornn compiles once per process.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
from numba import njit, prange
from numba.extending import overload

from .._checks import one_of, positive_float, positive_int
from .._kernels import fast_path, lookup_kernel, output
from .._numba import ERROR_MODEL, FASTMATH, for_params
from ..integrate.fixed_step import EULER, HEUN, MAP, RK4, rk_step
from ._simulation import check_step, trial_steps
from .base import Evaluation, Task
from .lanes import _BODY_LANES, run_trials_lanes

_BODIES: dict[type, dict[str, object]] = {}
#: Trials longer than this run one per thread: in lanes, the last long trial of a block
#: would keep the whole block busy.
LANES_MAX_STEPS = 10_000
#: Blocks of lanes per thread (a few, so that threads balance).
LANE_JOBS_PER_THREAD = 4
CONTROLLER_METHODS = {"euler": EULER, "heun": HEUN, "rk4": RK4}


def register_body(params_type: type, *, reset, sense, act, done) -> None:
    """Register the compiled kernels of the body whose parameters are `params_type` (a
    ``NamedTuple`` class); see the module docstring for their signatures."""
    if not (isinstance(params_type, type) and issubclass(params_type, tuple) and hasattr(params_type, "_fields")):
        raise TypeError(f"params_type must be a NamedTuple class, got {params_type!r}")
    kernels = {"reset": reset, "sense": sense, "act": act, "done": done}
    for name, kernel in kernels.items():
        if not hasattr(kernel, "py_func"):
            raise TypeError(f"{name} must be a Numba-compiled function (decorate it with @numba.njit), got {kernel!r}")
    _BODIES[params_type] = kernels


def _body_kernel(params_numba_type, name):
    return lookup_kernel(_BODIES, params_numba_type, name, "body kernels")


def body_reset(body, p, trial, draws, state):
    """Stub: the registered ``reset`` of ``type(body)`` (compiled code only)."""
    raise NotImplementedError("body_reset is only callable from Numba-compiled code")


def body_sense(body, p, state, u):
    """Stub: the registered ``sense`` of ``type(body)`` (compiled code only)."""
    raise NotImplementedError("body_sense is only callable from Numba-compiled code")


def body_act(body, p, state, z, dt):
    """Stub: the registered ``act`` of ``type(body)`` (compiled code only)."""
    raise NotImplementedError("body_act is only callable from Numba-compiled code")


def body_done(body, p, state):
    """Stub: the registered ``done`` of ``type(body)`` (compiled code only)."""
    raise NotImplementedError("body_done is only callable from Numba-compiled code")


@overload(body_reset, inline="always")
def _reset_overload(body, p, trial, draws, state):
    kernel = _body_kernel(body, "reset")

    def impl(body, p, trial, draws, state):
        kernel(body, p, trial, draws, state)

    return impl


@overload(body_sense, inline="always")
def _sense_overload(body, p, state, u):
    kernel = _body_kernel(body, "sense")

    def impl(body, p, state, u):
        kernel(body, p, state, u)

    return impl


@overload(body_act, inline="always")
def _act_overload(body, p, state, z, dt):
    kernel = _body_kernel(body, "act")

    def impl(body, p, state, z, dt):
        return kernel(body, p, state, z, dt)

    return impl


@overload(body_done, inline="always")
def _done_overload(body, p, state):
    kernel = _body_kernel(body, "done")

    def impl(body, p, state):
        return kernel(body, p, state)

    return impl


def register_body_lanes(params_type: type, *, reset, sense, act, done) -> None:
    """Register lane forms of a body's kernels, for blocks of trials with the trial
    innermost (see "Lanes" in the module docstring)::

        reset(body, p, trial, draws, state, lane)      # column `lane` of state (n_state, width)
        sense(body, state, u)                          # u (n_inputs, width), every lane
        act(body, state, z, dt, ok, reward, scratch)   # z (n_outputs, width); reward (width,) zeros on
                                                       # entry: add the step's reward (a body without
                                                       # rewards leaves it); lanes where ok is False
                                                       # are not counted; scratch (n_state, width)
        done(body, state, out)                         # out (width,) bool

    Each must do for every lane what the per-trial kernel does for one trial (tested).
    """
    if params_type not in _BODIES:
        raise TypeError(f"register the body's kernels with register_body first ({params_type!r})")
    _BODY_LANES[params_type] = {"reset": reset, "sense": sense, "act": act, "done": done}


@njit(inline="always", error_model=ERROR_MODEL)
def unit(z):
    """`z` clipped to [0, 1]: a motor command, saturated (controllers with linear outputs,
    an ESN's readout or an RNN's identity output, can ask for more than a motor gives;
    a sigmoid's output passes unchanged). Numba-compiled."""
    return min(max(z, 0.0), 1.0)


@njit(cache=True, parallel=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def run_trials(params, y0, method, controller_dt, n_outputs, n_motors, n_inputs, body, draws, max_steps, dt,
               steps_out, reward_out, state_out, diverged_out, trace):
    """The closed loop of every individual ``p`` on every trial ``s`` (job ``p * n_trials + s``).

    Parameters
    ----------
    params : NamedTuple of arrays
        The controllers' parameters (selects the model's kernels).
    y0 : ndarray, shape (n_pop, n_model_state)
        The controllers' state at the start of every trial.
    method : int
        ``MAP``, ``EULER``, ``HEUN`` or ``RK4`` (see :mod:`evornn.integrate.fixed_step`).
    n_outputs, n_motors, n_inputs : int
        The controller's outputs, how many of them the body reads (a non-finite one ends
        the trial as diverged), and the sensor readings.
    body : NamedTuple of arrays
        The body's parameters (selects the body's kernels).
    draws : ndarray, shape (n_trials, n_draws)
    steps_out : ndarray of int64, shape (n_pop, n_trials)
        Control steps taken (the step that diverged not counted).
    reward_out : ndarray, shape (n_pop, n_trials)
        The sum of the rewards of the steps taken.
    state_out : ndarray, shape (n_pop, n_trials, n_body_state)
        The body's state at the end of each trial.
    diverged_out : ndarray of bool, shape (n_pop, n_trials)
    trace : ndarray, shape (n_traced, n_trace_steps, n_body_state)
        The body's state after each step of the first `n_traced` jobs.

    Numba-compiled; writes into the ``*_out`` arrays and `trace`; no validation.
    """
    n_pop = y0.shape[0]
    n_trials = draws.shape[0]
    for job in prange(n_pop * n_trials):
        p, s = job // n_trials, job % n_trials
        y = y0[p].copy()
        k1, k2, k3, k4, tmp = np.empty_like(y), np.empty_like(y), np.empty_like(y), np.empty_like(y), np.empty_like(y)
        u = np.empty(n_inputs, y.dtype)  # in the controller's precision (float64, or float32)
        z = np.empty(n_outputs, y.dtype)
        state = state_out[p, s]
        body_reset(body, p, s, draws[s], state)
        total = 0.0
        steps = 0
        diverged = False
        while steps < max_steps:
            body_sense(body, p, state, u)
            rk_step(method, steps * controller_dt, y, params, p, u, u, u, controller_dt, k1, k2, k3, k4, tmp)
            output(y, params, p, z)
            for q in range(n_motors):
                if not np.isfinite(z[q]):
                    diverged = True
            if diverged:
                break
            reward = body_act(body, p, state, z, dt)
            if not np.isfinite(reward):
                diverged = True
                break
            total += reward
            if job < trace.shape[0] and steps < trace.shape[1]:
                trace[job, steps] = state
            steps += 1
            if body_done(body, p, state):
                break
        steps_out[p, s] = steps
        reward_out[p, s] = total
        diverged_out[p, s] = diverged


@dataclass(frozen=True)
class Trials:
    """What a population did on a body's trials (see :func:`run_body`).

    Attributes
    ----------
    steps : ndarray of int64, shape (n_pop, n_trials)
        Control steps taken (fewer than ``max_steps`` where ``done`` ended a trial, or the
        controller diverged).
    reward : ndarray, shape (n_pop, n_trials)
        Sum of the rewards over the steps taken.
    state : ndarray, shape (n_pop, n_trials, n_body_state)
        The body's final state (unspecified where the trial diverged).
    diverged : ndarray of bool, shape (n_pop, n_trials)
        Trials ended by a non-finite controller output or reward.
    trace : ndarray, shape (n_traced, n_trace_steps, n_body_state)
        The state after each step of the first jobs (individual ``j // n_trials``, trial
        ``j % n_trials``); NaN after a trial ended. Empty unless asked for.
    """

    steps: np.ndarray
    reward: np.ndarray
    state: np.ndarray
    diverged: np.ndarray
    trace: np.ndarray


class Body:
    """A body a controller drives in the closed loop (see the module docstring).

    Parameters
    ----------
    params : NamedTuple of ndarray
        The body's parameters; its class has kernels registered with :func:`register_body`.
    n_state : int
        Length of the body's state vector.
    n_inputs : int
        Sensor readings per step (the controller's inputs).
    n_outputs : int
        Controller outputs the motors read (the first `n_outputs`).
    dt : float
        World time per control step (passed to ``act``).
    n_draws : int
        Random numbers per trial for ``reset`` (0: deterministic starts).
    state_names : sequence of str, optional
        Names (with units) of the first state variables, for plots.

    Subclasses build `params` from their own keywords and may override :meth:`score`
    (the fitness from the trials; default: the mean summed reward) and :meth:`check_model`.
    """

    def __init__(self, params, *, n_state: int, n_inputs: int, n_outputs: int, dt: float, n_draws: int = 0,
                 state_names=()):
        if type(params) not in _BODIES:
            raise TypeError(f"no body kernels registered for {type(params).__name__}; call register_body first")
        for name, arr in zip(params._fields, params, strict=True):
            where = f"{type(params).__name__}.{name}"
            if not isinstance(arr, np.ndarray) or arr.dtype.kind not in "biuf":
                raise TypeError(f"{where} must be a numpy array of real numbers, got {type(arr).__name__}"
                                + (f" of dtype {arr.dtype}" if isinstance(arr, np.ndarray) else ""))
            if arr.dtype.kind == "f" and not np.isfinite(arr).all():
                raise ValueError(f"{where} must be finite")
        self.params = params
        self.n_state = positive_int("n_state", n_state)
        self.n_inputs = positive_int("n_inputs", n_inputs)
        self.n_outputs = positive_int("n_outputs", n_outputs)
        self.dt = positive_float("dt", dt)
        if isinstance(n_draws, bool) or not isinstance(n_draws, int | np.integer) or n_draws < 0:
            raise ValueError(f"n_draws must be an integer >= 0, got {n_draws!r}")
        self.n_draws = int(n_draws)
        self.state_names = tuple(str(name) for name in state_names)
        if len(self.state_names) > self.n_state:
            raise ValueError(f"state_names has {len(self.state_names)} names for {self.n_state} state variables")

    @property
    def lanes(self) -> bool:
        """Whether this body runs in SIMD lanes (it has lane kernels registered; a subclass
        may say no for some of its configurations)."""
        return type(self.params) in _BODY_LANES

    def check_model(self, model) -> None:
        """Raise ValueError if `model` cannot drive this body (inputs and outputs)."""
        if model.n_inputs != self.n_inputs or model.n_outputs < self.n_outputs:
            raise ValueError(f"{type(self).__name__} needs a controller with {self.n_inputs} inputs (sensors) and at "
                             f"least {self.n_outputs} outputs (motors); this one has {model.n_inputs} inputs and "
                             f"{model.n_outputs} outputs")

    def score(self, trials: Trials, max_steps: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Fitness ``(n_pop,)`` and metrics from the trials: by default the summed reward
        averaged over trials (NaN for a diverged individual, which then gets the worst
        fitness), and ``"steps"``, the mean steps per trial."""
        reward = np.where(trials.diverged, np.nan, trials.reward)
        return reward.mean(axis=1), {"steps": trials.steps.mean(axis=1)}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(n_state={self.n_state}, n_inputs={self.n_inputs}, n_outputs={self.n_outputs})"


def controller_method(model, method: str) -> int:
    """The code of the controller's step: a map step for discrete models, else `method`."""
    if model.time == "discrete":
        return MAP
    return CONTROLLER_METHODS[one_of("method", method, tuple(CONTROLLER_METHODS))]


def run_body(body: Body, model, *, n_trials: int, max_steps: int, controller_dt: float | None = None,
             method: str = "euler", draws=None, trace_jobs: int = 0, trace_steps: int = 0,
             lanes: bool | None = None) -> Trials:
    """Run every individual of `model` on `n_trials` trials of `body` in one compiled call.

    Parameters
    ----------
    body : Body
    model : Model
        The controllers: any evornn model with ``body.n_inputs`` inputs and at least
        ``body.n_outputs`` outputs.
    n_trials, max_steps : int
    controller_dt : float, optional
        The controller's step (continuous models); default ``body.dt``.
    method : {"euler", "heun", "rk4"}
        The controller's integrator (continuous models; discrete models take map steps).
    draws : array_like, shape (n_trials, body.n_draws), optional
        The trials' random numbers (default: none; required when ``body.n_draws > 0``).
    trace_jobs, trace_steps : int
        Record the body's state after each of the first `trace_steps` steps of the first
        `trace_jobs` jobs (job ``p * n_trials + s``).
    lanes : bool, optional
        Run in SIMD lanes (True), one trial per thread (False), or choose (None: lanes when
        the model and the body offer them, the controller takes Euler steps, nothing is
        traced, the batch fills a block and trials are at most 10,000 steps).

    Returns
    -------
    Trials
    """
    body.check_model(model)
    n_trials = positive_int("n_trials", n_trials)
    max_steps = trial_steps("max_steps", max_steps)
    dt_c = body.dt if controller_dt is None else positive_float("controller_dt", controller_dt)
    code = controller_method(model, method)
    if draws is None:
        if body.n_draws:
            raise ValueError(f"{type(body).__name__} takes {body.n_draws} random numbers per trial: give draws")
        draws = np.zeros((n_trials, 0))
    draws = np.ascontiguousarray(draws, dtype=np.float64)
    if draws.shape != (n_trials, body.n_draws):
        raise ValueError(f"draws must have shape (n_trials, n_draws) = {(n_trials, body.n_draws)}, got {draws.shape}")
    shape = (model.n_pop, n_trials)
    steps, reward = np.empty(shape, dtype=np.int64), np.empty(shape)
    state, diverged = np.zeros((*shape, body.n_state)), np.empty(shape, dtype=np.bool_)
    trace = np.full((min(trace_jobs, model.n_pop * n_trials), min(trace_steps, max_steps), body.n_state), np.nan)
    y0 = np.ascontiguousarray(model.initial_state(), dtype=model.dtype)
    layout = fast_path(model.params, "lanes")
    width = layout.width(model.n_pop * n_trials, model.n_state, model.n_inputs) if layout is not None else 0
    fits = (layout is not None and body.lanes and code == EULER and trace.shape[0] == 0
            and model.n_state <= layout.max_state and model.n_pop * n_trials >= width and max_steps <= LANES_MAX_STEPS)
    if lanes is None:
        lanes = fits
    elif lanes and not fits:
        raise ValueError("lanes=True needs a model and a body that offer lanes, Euler steps, no trace, at least a "
                         f"block of trials and at most {LANES_MAX_STEPS} steps")
    if lanes:
        # A lane costs a fraction of a scalar step, but the last long trial of a block keeps
        # its lanes busy: long trials and small batches run one trial per thread instead.
        # The choice depends on the task alone, never on the thread count.
        n_jobs = max(1, min(-(-model.n_pop * n_trials // width), LANE_JOBS_PER_THREAD * numba.get_num_threads()))
        work = layout.work(model.params, width, n_jobs)
        for_params(run_trials_lanes, model.params, body.params)(
            model.params, work, width, n_jobs, y0, dt_c, model.n_outputs, body.n_outputs, body.n_inputs, body.params,
            draws, max_steps, body.dt, steps, reward, state, diverged)
    else:
        for_params(run_trials, model.params, body.params)(
            model.params, y0, code, dt_c, model.n_outputs, body.n_outputs, body.n_inputs, body.params, draws, max_steps,
            body.dt, steps, reward, state, diverged, trace)
    return Trials(steps=steps, reward=reward, state=state, diverged=diverged, trace=trace)


class BodyTask(Task):
    """Score a population on a body: `n_trials` trials of at most `max_steps` control steps.

    Parameters
    ----------
    body : Body
    n_trials : int
        Trials per individual (``reset`` gets the trial's index and its random numbers).
    max_steps : int
    controller_dt : float, optional
        A continuous controller's step per control step (default ``body.dt``).
    method : {"euler", "heun", "rk4"}
        A continuous controller's integrator.

    Fitness and metrics come from :meth:`Body.score`. With ``body.n_draws > 0`` every
    evaluation draws new start conditions from its `rng`, the same for every individual.

    Examples
    --------
    A body in a user's file (see ``experiments/bodies/pendulum_swingup.py``) evolves like
    any built-in one: ``evornn.evolve(Problem(codec, BodyTask(Pendulum(), max_steps=500)))``.
    """

    def __init__(self, body: Body, *, n_trials: int = 1, max_steps: int, controller_dt: float | None = None,
                 method: str = "euler"):
        if not isinstance(body, Body):
            raise TypeError(f"body must be an evornn Body, got {type(body).__name__}")
        self.body = body
        self.n_trials = positive_int("n_trials", n_trials)
        self.max_steps = trial_steps("max_steps", max_steps)
        self.controller_dt = body.dt if controller_dt is None else positive_float("controller_dt", controller_dt)
        self.method = one_of("method", method, tuple(CONTROLLER_METHODS))

    @classmethod
    def from_spec(cls, body: str, *, max_steps: int, n_trials: int = 1, controller_dt: float | None = None,
                  method: str = "euler", options: dict | None = None) -> BodyTask:
        """A task on the body class that `body` names, built with the keywords `options`:
        the ``[task] type = "body"`` of experiment files.

        `body` is ``"path/to/file.py:ClassName"`` (relative to the working directory) or
        ``"package.module:ClassName"``. Code outside evornn is imported only within
        :func:`evornn.config.allow_imports` (``evornn run --allow-import``). For Dask, the
        body's module must be importable on the workers.
        """
        from .._imports import import_object

        body_class = import_object(body, where="body")
        if not (isinstance(body_class, type) and issubclass(body_class, Body)):
            raise TypeError(f"body = {body!r} must name a subclass of evornn.tasks.Body, got {body_class!r}")
        if options is not None and not isinstance(options, dict):
            raise TypeError(f"options must be a table of the body's keywords, got {options!r}")
        return cls(body_class(**(options or {})), n_trials=n_trials, max_steps=max_steps,
                   controller_dt=controller_dt, method=method)

    def check_model(self, model) -> None:
        self.body.check_model(model)
        check_step(model, self.controller_dt)

    def _draws(self, rng) -> np.ndarray | None:
        if not self.body.n_draws:
            return None
        from ..random import as_rng

        return as_rng(rng).random((self.n_trials, self.body.n_draws))

    def run(self, model, rng=None, *, trace_steps: int = 0) -> Trials:
        """The trials of every individual (see :func:`run_body`); `trace_steps` > 0 records
        individual 0's body state on every trial."""
        return run_body(self.body, model, n_trials=self.n_trials, max_steps=self.max_steps,
                        controller_dt=self.controller_dt, method=self.method, draws=self._draws(rng),
                        trace_jobs=self.n_trials if trace_steps else 0, trace_steps=trace_steps)

    def evaluate(self, model, rng=None) -> Evaluation:
        trials = self.run(model, rng)
        fitness, metrics = self.body.score(trials, self.max_steps)
        return Evaluation.from_raw(fitness, metrics, worst_fitness=self.worst_fitness)

    def behaviour(self, model, rng=0) -> dict[str, np.ndarray]:
        """Individual 0 on every trial: ``t`` (n_steps,), ``state`` (n_steps, n_trials,
        n_body_state; NaN after a trial ended) and ``outputs`` (the state of trial 0)."""
        trials = self.run(model.take([0]), rng, trace_steps=self.max_steps)
        state = trials.trace.transpose(1, 0, 2)
        return {"t": self.body.dt * np.arange(1, self.max_steps + 1), "state": state, "outputs": state[:, 0]}

    def plot(self, model, *, title=None):
        """Individual 0's body state over time on every trial (:func:`evornn.plotting.plot_body`)."""
        from ..plotting import plot_body

        return plot_body(self.behaviour(model), names=self.body.state_names, title=title)
