"""The dispatch of per-individual kernels: the layer below models, integrators, analyses
and tasks (each of them imports it; it imports none of them).

Each model module defines a ``NamedTuple`` of batched parameter arrays (axis 0 indexes
individuals) and three Numba kernels for one individual ``p``::

    rhs(t, y, params, p, u, out)     # dy/dt (continuous) or the next state (discrete)
    output(y, params, p, out)        # what a task reads
    jac(t, y, params, p, u, out)     # d rhs / d y, shape (n_state, n_state)

and registers them with :func:`register_kernels`. Integrators and analyses call the stubs
:func:`rhs`, :func:`output` and :func:`jac` of this module inside their own parallel loops;
Numba resolves each stub at compile time from the type of ``params``. No compiled function
is passed as an argument and no closure is built by a factory, so ``cache=True`` works and a
new process (a test subprocess, a Dask worker) loads every kernel from disk instead of
compiling it. The stubs' implementations are not cached themselves: a cached caller holds
their compiled code, and a cache index naming a params class from outside evornn could
not be loaded where that class cannot be imported (see :func:`evornn._numba.for_params`).

A model also offers its specialised paths here (:func:`register_fast_paths`): a faster
fixed-step layout, and SIMD lanes (:class:`Lanes`) for the closed loop of bodies. Tools look
them up by the params' type (:func:`fast_path`) and never test a model's concrete type.

Numba's cache does not track dependencies across files: after editing a model kernel,
delete the ``__pycache__`` folders (or ``NUMBA_CACHE_DIR``) so that cached integrators that
inlined the old kernel are rebuilt.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, prange
from numba.extending import overload

from ._numba import ERROR_MODEL, FASTMATH

_KERNELS: dict[type, dict[str, object]] = {}


def register_kernels(params_type: type, *, rhs, output, jac=None) -> None:
    """Register the compiled kernels of the model whose parameters are `params_type`.

    `jac` may be None: the Jacobian then comes from central finite differences of `rhs`.
    """
    if not (isinstance(params_type, type) and issubclass(params_type, tuple) and hasattr(params_type, "_fields")):
        raise TypeError(f"params_type must be a NamedTuple class, got {params_type!r}")
    _KERNELS[params_type] = {"rhs": rhs, "output": output, "jac": jac}


_GRADIENTS: dict[type, dict[str, object]] = {}


def register_gradient_kernels(params_type: type, *, step, output, fields: tuple[str, ...]) -> None:
    """Register the derivatives of a discrete model's step and outputs, for gradients by
    backpropagation through time and real-time recurrent learning (:mod:`evornn.gradients`)::

        step(y, u, params, p, y_next, jy, jth)   # d y_next / d y into jy (n_state, n_state),
                                                 # d y_next / d theta into jth (n_state, n_params)
        output(y, params, p, oy, oth)            # d outputs / d y (n_outputs, n_state) and
                                                 # d outputs / d theta (n_outputs, n_params)

    ``theta`` is the trainable `fields` of the params, each flattened (C order) and joined in
    the order given; both kernels receive zeroed arrays and write the non-zero entries.
    """
    if not (isinstance(params_type, type) and issubclass(params_type, tuple) and hasattr(params_type, "_fields")):
        raise TypeError(f"params_type must be a NamedTuple class, got {params_type!r}")
    unknown = [name for name in fields if name not in params_type._fields]
    if unknown:
        raise ValueError(f"{params_type.__name__} has no fields {unknown}")
    _GRADIENTS[params_type] = {"step": step, "output": output, "fields": tuple(fields)}


def gradient_fields(params) -> tuple[str, ...] | None:
    """The trainable fields of ``type(params)`` in gradient order, or None without gradient kernels."""
    entry = _GRADIENTS.get(type(params))
    return None if entry is None else entry["fields"]


def step_jacobians(y, u, params, p, y_next, jy, jth):
    """d y_next / d (y, theta) of individual `p` (compiled code only; see
    :func:`register_gradient_kernels`)."""
    raise NotImplementedError("evornn._kernels.step_jacobians is only callable from Numba-compiled code")


def output_jacobians(y, params, p, oy, oth):
    """d outputs / d (y, theta) of individual `p` (compiled code only)."""
    raise NotImplementedError("evornn._kernels.output_jacobians is only callable from Numba-compiled code")


@overload(step_jacobians, inline="always")
def _step_jacobians_overload(y, u, params, p, y_next, jy, jth):
    kernel = lookup_kernel(_GRADIENTS, params, "step", "gradient kernels")

    def impl(y, u, params, p, y_next, jy, jth):
        kernel(y, u, params, p, y_next, jy, jth)

    return impl


@overload(output_jacobians, inline="always")
def _output_jacobians_overload(y, params, p, oy, oth):
    kernel = lookup_kernel(_GRADIENTS, params, "output", "gradient kernels")

    def impl(y, params, p, oy, oth):
        kernel(y, params, p, oy, oth)

    return impl


_FAST: dict[type, dict[str, object]] = {}
_LANE_KERNELS: dict[type, dict[str, object]] = {}


@dataclass(frozen=True)
class Lanes:
    """A model's SIMD layout for closed loops: blocks of ``width`` trials with the trial
    innermost, so that every loop over a block's lanes compiles to vector code.

    Attributes
    ----------
    max_state : int
        Lanes serve networks of at most this many state variables.
    width : callable
        ``width(n_items, n_state, n_inputs) -> int``: lanes per block for a batch.
    work : callable
        ``work(params, width, n_blocks) -> NamedTuple``: the per-block buffers that
        :func:`lane_load` fills with an individual's parameters; its class has lane
        kernels registered with :func:`register_lane_kernels`, and, where it also has
        model kernels (:func:`register_kernels`: ``rhs`` and ``output`` of a whole block,
        as the CTRNN's do), the integrators' recording loop
        (:func:`evornn.integrate.simulate.simulate_outputs`) runs in these lanes too.
    """

    max_state: int
    width: object
    work: object


def register_fast_paths(params_type: type, *, fixed_step=None, lanes: Lanes | None = None) -> None:
    """Register a model's specialised paths, offered through the interface (no tool tests
    a model's concrete type):

    - ``fixed_step(params, run, method_code, y, t0, dt, step0, n_steps, u, record_every,
      y_rec) -> bool``: fixed-step integration with the contract of
      :func:`evornn.integrate.fixed_step.run_fixed`, in a faster layout; ``run`` is that
      generic loop (called with the layout's own params), passed in so that models never
      import the integrators. Returning False declines (the generic kernels run).
    - ``lanes``: a :class:`Lanes` layout for the closed loop of bodies.
    """
    if not (isinstance(params_type, type) and issubclass(params_type, tuple) and hasattr(params_type, "_fields")):
        raise TypeError(f"params_type must be a NamedTuple class, got {params_type!r}")
    _FAST[params_type] = {"fixed_step": fixed_step, "lanes": lanes}


def fast_path(params, name: str):
    """The ``fixed_step`` hook or the :class:`Lanes` layout registered for ``type(params)``, or None."""
    return _FAST.get(type(params), {}).get(name)


def register_lane_kernels(work_type: type, *, load, output, drive) -> None:
    """Register the compiled lane kernels of a :class:`Lanes` layout's work buffers::

        load(params, p, y0, work, b, lane, y)    # individual p's parameters and state y0[p] into lane
        output(y, work, b, out)                  # the outputs of block b, (n_outputs * width,) by row
        drive(y, z, work, b, u, out)             # dy/dt of block b; z holds output(y) (the CTRNN's rates)

    with ``y`` and ``out`` of shape ``(n_state * width,)`` and ``u`` ``(n_inputs * width,)``,
    each row's lanes contiguous.
    """
    _LANE_KERNELS[work_type] = {"load": load, "output": output, "drive": drive}


def lookup_kernel(registry: dict, numba_type, name: str, what: str):
    """The kernel `name` that `registry` holds for the class behind `numba_type` (the Numba
    type of a NamedTuple argument, as overloads see it); TypeError naming `what` if none is
    registered. Every compiled dispatch of evornn (model kernels, lane kernels, body kernels)
    resolves its kernel here."""
    cls = getattr(numba_type, "instance_class", None)
    if cls not in registry:
        raise TypeError(f"no {what} registered for {numba_type}")
    return registry[cls][name]


def _lane_kernel(work_numba_type, name):
    return lookup_kernel(_LANE_KERNELS, work_numba_type, name, "lane kernels")


def lane_load(params, p, y0, work, b, lane, y):
    """Stub: the registered lane ``load`` of ``type(work)`` (compiled code only)."""
    raise NotImplementedError("lane_load is only callable from Numba-compiled code")


def lane_output(y, work, b, out):
    """Stub: the registered lane ``output`` of ``type(work)`` (compiled code only)."""
    raise NotImplementedError("lane_output is only callable from Numba-compiled code")


def lane_drive(y, z, work, b, u, out):
    """Stub: the registered lane ``drive`` of ``type(work)`` (compiled code only)."""
    raise NotImplementedError("lane_drive is only callable from Numba-compiled code")


@overload(lane_load, inline="always")
def _lane_load_overload(params, p, y0, work, b, lane, y):
    kernel = _lane_kernel(work, "load")

    def impl(params, p, y0, work, b, lane, y):
        kernel(params, p, y0, work, b, lane, y)

    return impl


@overload(lane_output, inline="always")
def _lane_output_overload(y, work, b, out):
    kernel = _lane_kernel(work, "output")

    def impl(y, work, b, out):
        kernel(y, work, b, out)

    return impl


@overload(lane_drive, inline="always")
def _lane_drive_overload(y, z, work, b, u, out):
    kernel = _lane_kernel(work, "drive")

    def impl(y, z, work, b, u, out):
        kernel(y, z, work, b, u, out)

    return impl


def _kernel(params_numba_type, name):
    return lookup_kernel(_KERNELS, params_numba_type, name, "evornn kernels")


def rhs(t, y, params, p, u, out):
    """Write dy/dt (or the next state, for maps) of individual `p` into `out`.

    A stub that compiled code resolves to the kernel registered for ``type(params)``.
    """
    raise NotImplementedError("evornn.models.base.rhs is only callable from Numba-compiled code")


def output(y, params, p, out):
    """Write the outputs of individual `p` in state `y` into `out` (compiled code only)."""
    raise NotImplementedError("evornn.models.base.output is only callable from Numba-compiled code")


def jac(t, y, params, p, u, out):
    """Write the Jacobian d rhs / d y of individual `p` into `out` (compiled code only)."""
    raise NotImplementedError("evornn.models.base.jac is only callable from Numba-compiled code")


# The overloads are inlined where they are called (inline="always"): the loop then calls the
# registered kernel directly, one call layer less per step (about 7% of a 100-neuron CTRNN step).
@overload(rhs, inline="always")
def _rhs_overload(t, y, params, p, u, out):
    kernel = _kernel(params, "rhs")

    def impl(t, y, params, p, u, out):
        kernel(t, y, params, p, u, out)

    return impl


@overload(output, inline="always")
def _output_overload(y, params, p, out):
    kernel = _kernel(params, "output")

    def impl(y, params, p, out):
        kernel(y, params, p, out)

    return impl


@overload(jac, inline="always")
def _jac_overload(t, y, params, p, u, out):
    kernel = _kernel(params, "jac")
    if kernel is None:
        return _finite_difference_jac

    def impl(t, y, params, p, u, out):
        kernel(t, y, params, p, u, out)

    return impl


def _finite_difference_jac(t, y, params, p, u, out):
    # Central differences, step scaled to each component: error O(h^2) ~ 1e-10 relative.
    n = y.shape[0]
    y_step = y.copy()
    f_plus = np.empty(n)
    f_minus = np.empty(n)
    for k in range(n):
        h = 6e-6 * max(1.0, abs(y[k]))
        y_step[k] = y[k] + h
        rhs(t, y_step, params, p, u, f_plus)
        y_step[k] = y[k] - h
        rhs(t, y_step, params, p, u, f_minus)
        y_step[k] = y[k]
        for i in range(n):
            out[i, k] = (f_plus[i] - f_minus[i]) / (2.0 * h)


@njit(cache=True, parallel=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _outputs_batch(y, params, out):
    """out[r, p] = output(y[r, p]) for every record r and individual p. Numba-compiled."""
    n_rec, n_pop = y.shape[0], y.shape[1]
    for q in prange(n_rec * n_pop):
        r, p = q // n_pop, q % n_pop
        output(y[r, p], params, p, out[r, p])


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _outputs_batch_serial(y, params, out):
    """:func:`_outputs_batch` on the calling thread, for small work (waking the thread pool
    costs more there, much more on a busy machine). Numba-compiled."""
    for r in range(y.shape[0]):
        for p in range(y.shape[1]):
            output(y[r, p], params, p, out[r, p])


@njit(cache=True, parallel=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _jac_batch(t, y, params, u, out):
    """out[p] = jac(t, y[p], u[p]) for every individual p. Numba-compiled."""
    for p in prange(y.shape[0]):
        jac(t, y[p], params, p, u[p], out[p])


@njit(cache=True, parallel=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _rhs_batch(t, y, params, u, out):
    """out[p] = rhs(t, y[p], u[p]) for every individual p. Numba-compiled."""
    for p in prange(y.shape[0]):
        rhs(t, y[p], params, p, u[p], out[p])


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _jac_batch_serial(t, y, params, u, out):
    """:func:`_jac_batch` on the calling thread: for a few individuals, where waking the
    other threads would cost more than the work (about 0.1 ms a parallel call)."""
    for p in range(y.shape[0]):
        jac(t, y[p], params, p, u[p], out[p])


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _rhs_batch_serial(t, y, params, u, out):
    """:func:`_rhs_batch` on the calling thread (see :func:`_jac_batch_serial`)."""
    for p in range(y.shape[0]):
        rhs(t, y[p], params, p, u[p], out[p])


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _rhs_one(t, y, params, p, u, out):
    """rhs of one individual, callable from Python (SciPy's solve_ivp calls this)."""
    rhs(t, y, params, p, u, out)


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _jac_one(t, y, params, p, u, out):
    """Jacobian of one individual, callable from Python (for SciPy's implicit methods)."""
    jac(t, y, params, p, u, out)


def has_kernels(params) -> bool:
    """Whether model kernels (:func:`register_kernels`) are registered for ``type(params)``."""
    return type(params) in _KERNELS


def is_model(obj) -> bool:
    """Whether `obj` is an evornn model (its ``params`` have registered kernels): for the
    tools below the models package, which do not import it."""
    return type(getattr(obj, "params", None)) in _KERNELS and hasattr(obj, "time") and hasattr(obj, "n_pop")


_MODEL_CLASSES: dict[type, type] = {}


def register_model_class(params_type: type, model_class: type) -> None:
    """Record the model class that holds parameters of `params_type`, so that code below
    the model's module (a reservoir topology that builds ESNs) can construct one without
    importing it."""
    _MODEL_CLASSES[params_type] = model_class


def model_class(params_type: type) -> type:
    """The model class registered for `params_type` (see :func:`register_model_class`)."""
    return _MODEL_CLASSES[params_type]
