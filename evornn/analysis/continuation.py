r"""Numerical continuation of equilibria in one parameter, batched over a population.

:func:`continue_equilibria` follows the equilibria ``F(y, \lambda) = 0`` of every individual
of a model as one parameter :math:`\lambda` changes, by pseudo-arclength continuation
(Keller 1977; the method of AUTO and MatCont): from a point :math:`X_k = (y_k, \lambda_k)`
on the branch and the unit tangent :math:`\tau_k`, the predictor :math:`X_k + h \tau_k` is
corrected by Newton's method on the extended system

.. math::

    F(y, \lambda) = 0, \qquad \tau_k \cdot (X - X_k) - h = 0,

whose Jacobian :math:`\begin{pmatrix} F_y & F_\lambda \\ \tau_k^T \end{pmatrix}` stays
regular at folds, so the branch is followed around them. The step ``h`` grows after easy
corrections and halves after failed ones. ``F`` is the model's ``rhs`` (flows) or ``rhs(y) -
y`` (maps of discrete models); :math:`F_y` comes from the model's Jacobian kernel (analytic
where the model has one) and :math:`F_\lambda` from central differences. Every individual is
continued in its own copy of the parameter, all in lockstep: one compiled call evaluates the
whole population's residuals, one batched solve its Newton steps, and each individual's
arithmetic is that of continuing it alone.

Along each branch, test functions change sign at the codimension-one bifurcations, which
are then located to near machine precision by Brent's method on the test function along the
branch (each evaluation a corrected point at a given arclength):

==========  ===============================  ===========================================
label       bifurcation                      test function
==========  ===============================  ===========================================
``LP``      fold (limit point)               :math:`\det F_y`, while the extended
                                             Jacobian's determinant keeps its sign
``BP``      branch point (branches cross)    the extended Jacobian's determinant
                                             (detected), :math:`\det F_y` (located)
``H``       Hopf (flows)                     real part of the complex eigenvalue pair
                                             nearest the imaginary axis
``PD``      period doubling (maps)           :math:`\det(J + I)`
``NS``      Neimark-Sacker (maps)            modulus of the complex multiplier pair
                                             nearest the unit circle, less 1
==========  ===============================  ===========================================

Hopf points carry their frequency and the first Lyapunov coefficient :math:`l_1`
(Kuznetsov 2004, eq. 3.20; negative: supercritical, a stable cycle is born; positive:
subcritical), from finite-difference second and third derivatives of ``F``. At a branch
point, :func:`switch_branch` starts the other branch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize

from .._checks import as_float_array, positive_float, positive_int
from .._kernels import _jac_batch, _jac_batch_serial, _rhs_batch, _rhs_batch_serial
from .._numba import for_params

LABELS = {"LP": "fold (limit point)", "BP": "branch point", "H": "Hopf", "PD": "period doubling",
          "NS": "Neimark-Sacker"}
_NAME = re.compile(r"^\s*([A-Za-z_]\w*)\s*(?:\[([-0-9,\s]*)\])?\s*$")


class Parameter:
    """A parameter named per individual, without the population axis: ``"bias[0]"`` (neuron
    0's bias), ``"weights[0, 1]"`` (the weight from neuron 1 to neuron 0), ``"input[0]"`` (a
    constant input), or any float field of a model's params (``"rho"`` of
    :func:`evornn.systems.lorenz`). Each individual has its own value.

    Raises ValueError naming what exists when the name does not match the model.
    """

    def __init__(self, model, name: str, inputs=None):
        from ._one import constant_inputs

        match = _NAME.match(str(name))
        if match is None:
            raise ValueError(f"parameter must look like 'field' or 'field[i, j]', got {name!r}")
        self.name, self.field = str(name).strip(), match.group(1)
        index = () if match.group(2) is None else tuple(int(i) for i in match.group(2).split(",") if i.strip())
        self.params, self.u = model.params, np.ascontiguousarray(constant_inputs(model, inputs), dtype=np.float64)
        fields = [f for f, arr in zip(model.params._fields, model.params, strict=True) if arr.dtype.kind == "f"]
        if self.field == "input":
            shape = (model.n_inputs,)
        elif self.field in fields:
            shape = getattr(model.params, self.field).shape[1:]
        else:
            raise ValueError(f"parameter {self.name!r}: {type(model).__name__} has no float field {self.field!r}; "
                             f"its fields are {fields}" + (" and 'input'" if model.n_inputs else ""))
        if len(index) != len(shape) or any(not 0 <= i < n for i, n in zip(index, shape, strict=False)):
            raise ValueError(f"parameter {self.name!r}: {self.field} has shape {shape} per individual, so it needs "
                             f"{len(shape)} indices within it, got {list(index)}")
        self.index = index

    def values(self) -> np.ndarray:
        """The parameter's value in every individual, shape ``(n_pop,)``."""
        if self.field == "input":
            return self.u[:, self.index[0]].copy()
        return np.asarray(getattr(self.params, self.field), dtype=np.float64)[(slice(None), *self.index)].copy()

    def at(self, values: np.ndarray, rows=None, base=None):
        """Params and inputs of the individuals `rows` (all by default) with the parameter
        set to `values` (one per row); `base` is ``(params, u)`` of those rows to start from
        (another parameter already set) instead of the model's."""
        if base is not None:
            params, u = base
        else:
            params = self.params if rows is None else type(self.params)(*(a[rows] for a in self.params))
            u = self.u if rows is None else self.u[rows]
        if self.field == "input":
            u = u.copy()
            u[:, self.index[0]] = values
            return params, np.ascontiguousarray(u)
        arr = np.array(getattr(params, self.field), dtype=np.float64)
        arr[(slice(None), *self.index)] = values
        return params._replace(**{self.field: arr}), np.ascontiguousarray(u)


class _Equations:
    """``F(X)`` and its Jacobian for points ``X = (y, lambda)`` of chosen individuals."""

    # Below this many multiply-adds of Jacobian entries, the batch runs on the calling thread
    # (same arithmetic; a parallel call costs about 0.1 ms to wake the other threads).
    SERIAL_WORK = 20_000

    def __init__(self, model, parameter: Parameter):
        self.parameter, self.n = parameter, model.n_state
        self.discrete = model.time == "discrete"
        self._parallel = for_params(_rhs_batch, model.params), for_params(_jac_batch, model.params)
        self._serial = for_params(_rhs_batch_serial, model.params), for_params(_jac_batch_serial, model.params)

    def _rhs(self, t, y, params, u, out):
        kernels = self._serial if y.shape[0] * self.n * self.n < self.SERIAL_WORK else self._parallel
        kernels[0](t, y, params, u, out)

    def _jac(self, t, y, params, u, out):
        kernels = self._serial if y.shape[0] * self.n * self.n < self.SERIAL_WORK else self._parallel
        kernels[1](t, y, params, u, out)

    def residual(self, X: np.ndarray, rows) -> np.ndarray:
        params, u = self.parameter.at(X[:, -1], rows)
        y = np.ascontiguousarray(X[:, :-1])
        out = np.empty_like(y)
        self._rhs(0.0, y, params, u, out)
        return out - y if self.discrete else out

    def jacobian(self, X: np.ndarray, rows) -> np.ndarray:
        """``(k, n, n + 1)``: ``[F_y, F_lambda]`` (F_lambda by central differences)."""
        params, u = self.parameter.at(X[:, -1], rows)
        y = np.ascontiguousarray(X[:, :-1])
        jac = np.empty((y.shape[0], self.n, self.n))
        self._jac(0.0, y, params, u, jac)
        if self.discrete:
            jac -= np.eye(self.n)
        h = 1e-6 * (1.0 + np.abs(X[:, -1]))
        up, down = X.copy(), X.copy()
        up[:, -1] += h
        down[:, -1] -= h
        f_lam = (self.residual(up, rows) - self.residual(down, rows)) / (2 * h)[:, None]
        return np.concatenate([jac, f_lam[:, :, None]], axis=2)

    def map_jacobian(self, F_y: np.ndarray) -> np.ndarray:
        """The Jacobian of the flow's rhs or of the map itself from ``F_y``."""
        return F_y + np.eye(self.n) if self.discrete else F_y


@dataclass(frozen=True)
class SpecialPoint:
    """A bifurcation located on a branch.

    Attributes
    ----------
    individual : int
    kind : str
        ``"LP"``, ``"BP"``, ``"H"``, ``"PD"`` or ``"NS"`` (see :data:`LABELS`).
    parameter : float
    state : ndarray, shape (n_state,)
    index : int
        The branch point before it (it lies between points ``index`` and ``index + 1``).
    tangent : ndarray, shape (n_state + 1,)
        The branch's unit tangent there.
    data : dict
        ``"frequency"`` and ``"lyapunov"`` (the first Lyapunov coefficient) at Hopf points,
        ``"angle"`` at Neimark-Sacker points.
    """

    individual: int
    kind: str
    parameter: float
    state: np.ndarray
    index: int
    tangent: np.ndarray
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Branches:
    """Equilibrium branches of a population in one parameter (see :func:`continue_equilibria`).

    Attributes
    ----------
    parameter : str
    values : ndarray, shape (n_pop, n_max)
        The parameter along each branch; NaN after its last point.
    states : ndarray, shape (n_pop, n_max, n_state)
    eigenvalues : ndarray of complex, shape (n_pop, n_max, n_state)
        Of the Jacobian of the flow's right-hand side (flows) or of the map (maps), sorted by
        decreasing real part (flows) or modulus (maps).
    stable : ndarray of bool, shape (n_pop, n_max)
    n_points : ndarray of int, shape (n_pop,)
    special : list of SpecialPoint
        In order of individual, then along the branch.
    time : {"continuous", "discrete"}
    """

    parameter: str
    values: np.ndarray
    states: np.ndarray
    eigenvalues: np.ndarray
    stable: np.ndarray
    n_points: np.ndarray
    special: list
    time: str

    @property
    def n_pop(self) -> int:
        return self.values.shape[0]

    def points(self, kind: str | None = None, individual: int | None = None) -> list[SpecialPoint]:
        """The special points, optionally of one `kind` and of one `individual`."""
        return [s for s in self.special if (kind is None or s.kind == kind)
                and (individual is None or s.individual == individual)]

    def table(self, individual: int = 0) -> dict[str, np.ndarray]:
        """One branch as columns (a dict of arrays, ``pandas.DataFrame(branches.table())``
        makes a data frame): ``parameter``, ``y0 ... y{n-1}``, ``norm``, ``stable``."""
        k = int(self.n_points[individual])
        columns = {"parameter": self.values[individual, :k]}
        for i in range(self.states.shape[2]):
            columns[f"y{i}"] = self.states[individual, :k, i]
        columns["norm"] = np.linalg.norm(self.states[individual, :k], axis=1)
        columns["stable"] = self.stable[individual, :k]
        return columns


def continue_equilibria(model, parameter: str, y0=None, *, bounds, inputs=None, direction: int = 1,
                        ds: float = 0.01, ds_min: float = 1e-7, ds_max: float = 0.2, max_points: int = 2000,
                        tol: float = 1e-10, detect: bool = True, _start=None) -> Branches:
    """Follow every individual's equilibrium from `y0` as `parameter` changes.

    Parameters
    ----------
    model : Model
        Any evornn model (flows and maps).
    parameter : str
        See :class:`Parameter`: ``"bias[0]"``, ``"weights[0, 1]"``, ``"input[0]"``, ``"rho"``.
        The start is each individual's present value.
    y0 : array_like, shape (n_state,) or (n_pop, n_state), optional
        An equilibrium, or a point near one, at the start (default: the model's initial
        state); Newton's method corrects it first.
    bounds : (float, float)
        The branch ends where the parameter leaves this interval.
    direction : {1, -1}
        Start towards larger (1) or smaller (-1) parameter values.
    ds, ds_min, ds_max : float
        First, smallest and largest arclength step in ``(y, parameter)``.
    max_points : int
        At most this many points per branch.
    tol : float
        Newton's tolerance on the residual and the step.
    detect : bool
        Detect and locate bifurcations (:data:`LABELS`).

    Returns
    -------
    Branches

    Examples
    --------
    A neuron with a strong self-connection is bistable between two folds:

    >>> import evornn
    >>> net = evornn.CTRNN([[8.0]], bias=-6.0)
    >>> b = continue_equilibria(net, "bias[0]", bounds=(-6.0, 0.0))
    >>> [round(p.parameter, 6) for p in b.points("LP")]
    [-2.93432, -5.06568]
    """
    par = Parameter(model, parameter, inputs)
    low, high = interval(bounds)
    if direction not in (1, -1):
        raise ValueError(f"direction must be 1 or -1, got {direction!r}")
    ds, ds_min, ds_max = positive_float("ds", ds), positive_float("ds_min", ds_min), positive_float("ds_max", ds_max)
    if not ds_min <= ds <= ds_max:
        raise ValueError(f"need ds_min <= ds <= ds_max, got {ds_min}, {ds}, {ds_max}")
    max_points = positive_int("max_points", max_points, minimum=2)
    tol = positive_float("tol", tol)
    eq = _Equations(model, par)
    n, n_pop = model.n_state, model.n_pop
    rows = np.arange(n_pop)
    if _start is None:
        y = model.initial_state() if y0 is None else model.check_states(y0, "y0")
        X = np.concatenate([np.asarray(y, dtype=np.float64), par.values()[:, None]], axis=1)
        tangent = np.zeros((n_pop, n + 1))
        tangent[:, -1] = direction
        X, ok = _newton(eq, X, rows, tangent, X, tol, fix_parameter=True)
        tangent = _tangent(eq, X, rows, tangent)
    else:
        X, tangent = _start
        ok = np.ones(n_pop, dtype=bool)
    points = np.full((n_pop, max_points, n + 1), np.nan)
    tests = np.full((n_pop, max_points, 4), np.nan)
    tangents = np.full((n_pop, max_points, n + 1), np.nan)
    count = np.zeros(n_pop, dtype=np.int64)
    step = np.full(n_pop, ds)
    active = ok & (X[:, -1] >= low) & (X[:, -1] <= high)
    _record(eq, X[active], tangent[active], rows[active], points, tests, tangents, count)
    while active.any():
        act = np.flatnonzero(active)
        predicted = X[act] + step[act, None] * tangent[act]
        corrected, converged = _newton(eq, predicted, act, tangent[act], X[act], tol, arclength=step[act])
        good, bad = act[converged], act[~converged]
        step[bad] /= 2
        active[bad[step[bad] < ds_min]] = False
        if good.size:
            X[good] = corrected[converged]
            tangent[good] = _tangent(eq, X[good], good, tangent[good])
            _record(eq, X[good], tangent[good], good, points, tests, tangents, count)
            step[good] = np.minimum(step[good] * 1.3, ds_max)
            outside = (X[good, -1] < low) | (X[good, -1] > high)
            active[good[outside | (count[good] >= max_points)]] = False
    special = _locate_all(eq, points, tests, tangents, count, tol) if detect else []
    return _branches(model, par, eq, points, count, special)


def interval(bounds) -> tuple[float, float]:
    """``(low, high)`` from `bounds`, or ValueError unless two finite numbers with low < high."""
    values = as_float_array("bounds", bounds).ravel()
    if values.size != 2 or not values[0] < values[1]:
        raise ValueError(f"bounds must be (low, high) with low < high, got {bounds!r}")
    return float(values[0]), float(values[1])


def switch_branch(model, branches: Branches, point: SpecialPoint, *, bounds, inputs=None, ds: float = 0.01,
                  **kwargs) -> Branches:
    """Continue the other branch through a branch point (``BP``) of `branches`, for that
    point's individual alone (a population of one). The new branch leaves along the
    direction of the null space of ``[F_y, F_lambda]`` orthogonal to the old tangent; give
    a negative `ds` for its other half."""
    if point.kind != "BP":
        raise ValueError(f"branch switching needs a branch point (BP), got {point.kind}")
    one = model.take([point.individual])
    par = Parameter(one, branches.parameter, None if inputs is None else np.atleast_2d(inputs)[[0]])
    eq = _Equations(one, par)
    X = np.concatenate([point.state, [point.parameter]])[None]
    F_X = eq.jacobian(X, np.arange(1))[0]
    null = np.linalg.svd(F_X)[2][-2:]  # the two right singular vectors of the smallest singular values
    other = null - np.outer(null @ point.tangent, point.tangent)
    v = other[np.argmax(np.linalg.norm(other, axis=1))]
    v /= np.linalg.norm(v) * np.sign(ds)
    start = (X + abs(ds) * v[None], v[None])
    X1, ok = _newton(eq, start[0], np.arange(1), v[None], X, kwargs.get("tol", 1e-10), arclength=np.array([abs(ds)]))
    if not ok[0]:
        raise ValueError("could not start the other branch from this point; try a smaller ds")
    return continue_equilibria(one, branches.parameter, bounds=bounds, inputs=inputs, ds=abs(ds),
                               _start=(X1, _tangent(eq, X1, np.arange(1), v[None])), **kwargs)


def _newton(eq, X0, rows, tangent, anchor, tol, *, arclength=None, fix_parameter=False, max_iter: int = 12):
    """Correct `X0` onto ``F = 0`` with the constraint ``tangent . (X - anchor) = arclength``
    (or with the parameter held, for the first point). Returns the points and which converged."""
    X = X0.copy()
    k, n1 = X.shape
    converged = np.zeros(k, dtype=bool)
    live = np.ones(k, dtype=bool)
    with np.errstate(all="ignore"):
        for _ in range(max_iter):
            idx = np.flatnonzero(live)
            if idx.size == 0:
                break
            F = eq.residual(X[idx], rows[idx])
            A = np.empty((idx.size, n1, n1))
            A[:, :-1] = eq.jacobian(X[idx], rows[idx])
            if fix_parameter:
                A[:, -1] = 0.0
                A[:, -1, -1] = 1.0
                g = np.zeros(idx.size)
            else:
                A[:, -1] = tangent[idx]
                g = np.einsum("ki,ki->k", tangent[idx], X[idx] - anchor[idx]) - arclength[idx]
            rhs = -np.concatenate([F, g[:, None]], axis=1)
            # Already on the branch (a point where the matrix may be singular, exactly at a
            # branch point): nothing to correct.
            exact = np.abs(rhs).max(axis=1) <= 1e-3 * tol * (1 + np.abs(X[idx]).max(axis=1))
            converged[idx[exact]] = True
            live[idx[exact]] = False
            finite = ~exact & np.isfinite(A).all(axis=(1, 2)) & np.isfinite(rhs).all(axis=1)
            solvable = finite & (np.abs(np.linalg.det(np.where(finite[:, None, None], A, 1.0))) > 1e-300)
            delta = np.zeros_like(rhs)
            if solvable.any():
                delta[solvable] = np.linalg.solve(A[solvable], rhs[solvable][:, :, None])[:, :, 0]
            X[idx] += delta
            size = np.abs(delta).max(axis=1)
            done = ~exact & solvable & (size <= tol * (1 + np.abs(X[idx]).max(axis=1))) & (np.abs(F).max(axis=1) <= 1e3 * tol)
            converged[idx[done]] = True
            live[idx[done | ~(solvable | exact)]] = False
    return X, converged


def _tangent(eq, X, rows, previous) -> np.ndarray:
    """Unit tangents: the null vector of ``[F_y, F_lambda]``, oriented like `previous`."""
    A = np.empty((X.shape[0], X.shape[1], X.shape[1]))
    A[:, :-1] = eq.jacobian(X, rows)
    A[:, -1] = previous
    e = np.zeros((X.shape[0], X.shape[1], 1))
    e[:, -1] = 1.0
    with np.errstate(all="ignore"):
        t = np.linalg.solve(A, e)[:, :, 0]
    return t / np.linalg.norm(t, axis=1, keepdims=True)


def _test_functions(eq, X, rows, tangent) -> np.ndarray:
    """``(k, 4)``: det F_y, det of the extended Jacobian, and the Hopf / Neimark-Sacker and
    period-doubling functions (NaN where they do not apply)."""
    F_X = eq.jacobian(X, rows)
    out = np.full((X.shape[0], 4), np.nan)
    out[:, 0] = np.linalg.det(F_X[:, :, :-1])
    out[:, 1] = np.linalg.det(np.concatenate([F_X, tangent[:, None, :]], axis=1))
    J = eq.map_jacobian(F_X[:, :, :-1])
    eig = np.linalg.eigvals(J)
    out[:, 2] = _oscillatory(eig, eq.discrete)
    if eq.discrete:
        out[:, 3] = np.linalg.det(J + np.eye(eq.n))
    return out


def _oscillatory(eig: np.ndarray, discrete: bool) -> np.ndarray:
    """Per row: the real part (flows) or modulus less 1 (maps) of the complex eigenvalue
    nearest the imaginary axis (the unit circle); NaN without complex eigenvalues."""
    complex_ = np.abs(eig.imag) > 1e-12 * np.maximum(1.0, np.abs(eig))
    value = np.abs(eig) - 1.0 if discrete else eig.real
    masked = np.where(complex_, np.abs(value), np.inf)
    pick = np.argmin(masked, axis=1)
    chosen = value[np.arange(eig.shape[0]), pick]
    return np.where(np.isfinite(masked.min(axis=1)), chosen, np.nan)


def _record(eq, X, tangent, rows, points, tests, tangents, count) -> None:
    if rows.size == 0:
        return
    k = count[rows]
    points[rows, k] = X
    tangents[rows, k] = tangent
    tests[rows, k] = _test_functions(eq, X, rows, tangent)
    count[rows] += 1


def _locate_all(eq, points, tests, tangents, count, tol) -> list[SpecialPoint]:
    found = []
    for p in range(points.shape[0]):
        for k in range(int(count[p]) - 1):
            a, b = tests[p, k], tests[p, k + 1]
            kinds = []
            if np.sign(a[1]) != np.sign(b[1]):
                # Located where F_y is singular (it is at a branch point; the extended
                # determinant with a fixed tangent vanishes only near it).
                kinds.append(("BP", 0 if np.sign(a[0]) != np.sign(b[0]) else 1))
            elif np.sign(a[0]) != np.sign(b[0]):
                kinds.append(("LP", 0))
            if np.isfinite(a[2]) and np.isfinite(b[2]) and np.sign(a[2]) != np.sign(b[2]):
                kinds.append(("NS" if eq.discrete else "H", 2))
            if eq.discrete and np.sign(a[3]) != np.sign(b[3]):
                kinds.append(("PD", 3))
            for kind, column in kinds:
                point = _locate(eq, p, points[p, k], points[p, k + 1], tangents[p, k], column, tol)
                if point is not None and kind == "BP":
                    point = (_refine_branch_point(eq, p, point[0]), point[1])
                if point is not None:
                    X, t = point
                    found.append(SpecialPoint(p, kind, float(X[-1]), X[:-1].copy(), k, t,
                                              _point_data(eq, p, X, kind)))
    return found


def _locate(eq, p, X_a, X_b, tangent, column, tol):
    """The point between `X_a` and `X_b` where test function `column` vanishes, by Brent's
    method on the arclength from `X_a` (each evaluation a corrected point)."""
    rows = np.array([p])
    anchor = X_a[None]

    def point_at(s):
        # Many iterations: at a branch point Newton's matrix is singular and it converges
        # only linearly.
        X, ok = _newton(eq, anchor + s * tangent[None], rows, tangent[None], anchor, tol * 1e-2,
                        arclength=np.array([s]), max_iter=80)
        return X, ok[0]

    def g(s):
        # With the fixed tangent of `X_a` in the extended Jacobian: smooth in s, where the
        # local tangent turns sharply near a branch point.
        X, _ = point_at(s)
        return _test_functions(eq, X, rows, tangent[None])[0, column]

    s_end = float(tangent @ (X_b - X_a))
    try:
        with np.errstate(all="ignore"):
            s = optimize.brentq(g, 0.0, s_end, xtol=1e-15, rtol=4 * np.finfo(float).eps, maxiter=200)
    except (ValueError, RuntimeError):
        return None
    X, ok = point_at(s)
    # The tangent before the point (at a branch point the local one is not defined).
    return (X[0], tangent.copy()) if ok else None


def _refine_branch_point(eq, p, X0) -> np.ndarray:
    """A branch point from a point near it: where ``[F_y, F_lambda]`` loses rank, by
    Gauss-Newton on ``F = 0``, ``F_y^T psi = 0``, ``psi . F_lambda = 0``, ``|psi| = 1``
    (the corrector near a branch point may land on either branch, so the test function's
    zero is only bracketed there)."""
    rows = np.array([p])
    n = X0.size - 1
    psi0 = np.linalg.svd(eq.jacobian(X0[None], rows)[0])[0][:, -1]

    def residual(z):
        X, psi = z[: n + 1], z[n + 1:]
        F_X = eq.jacobian(X[None], rows)[0]
        return np.concatenate([eq.residual(X[None], rows)[0], F_X[:, :-1].T @ psi, [psi @ F_X[:, -1], psi @ psi - 1]])

    with np.errstate(all="ignore"):
        fit = optimize.least_squares(residual, np.concatenate([X0, psi0]), method="lm", xtol=1e-15, ftol=1e-15,
                                     gtol=1e-15)
    return fit.x[: n + 1] if fit.success and np.isfinite(fit.x).all() else X0


def _point_data(eq, p, X, kind) -> dict:
    if kind not in ("H", "NS"):
        return {}
    rows = np.array([p])
    J = eq.map_jacobian(eq.jacobian(X[None], rows)[0, :, :-1])
    eig = np.linalg.eigvals(J)
    if kind == "NS":
        pick = np.argmin(np.where(np.abs(eig.imag) > 0, np.abs(np.abs(eig) - 1), np.inf))
        return {"angle": float(abs(np.angle(eig[pick])))}
    pick = np.argmin(np.where(np.abs(eig.imag) > 0, np.abs(eig.real), np.inf))
    omega = float(abs(eig[pick].imag))
    return {"frequency": omega, "lyapunov": _first_lyapunov(eq, p, X, J, omega)}


def _first_lyapunov(eq, p, X, A, omega) -> float:
    """Kuznetsov's first Lyapunov coefficient at a Hopf point (Elements of Applied
    Bifurcation Theory, 3rd ed., eq. 3.20; his normalisation, ``<q, q> = <p, q> = 1``), with
    the multilinear forms B and C of ``F``'s second and third derivatives by central
    differences."""
    rows = np.array([p])
    n = A.shape[0]

    def F(y):
        return eq.residual(np.concatenate([y, [X[-1]]])[None], rows)[0]

    y0 = X[:-1]
    scale = 1 + np.abs(y0).max()

    # Central differences with Richardson extrapolation (steps h and h / 2), so that the
    # truncation error is O(h^4) and the coefficient's zero (a Bautin point) is located to
    # about 1e-8.
    def B_real(u, v, h=1e-3 * scale):
        def at(h):
            return (F(y0 + h * (u + v)) - F(y0 + h * (u - v)) - F(y0 - h * (u - v)) + F(y0 - h * (u + v))) / (4 * h**2)

        return (4 * at(h / 2) - at(h)) / 3

    def C_real(u, v, w, h=1e-2 * scale):
        def at(h):
            total = np.zeros(n)
            for a in (1, -1):
                for b in (1, -1):
                    for c in (1, -1):
                        total += a * b * c * F(y0 + h * (a * u + b * v + c * w))
            return total / (8 * h**3)

        return (4 * at(h / 2) - at(h)) / 3

    def B(u, v):
        return (B_real(u.real, v.real) - B_real(u.imag, v.imag)
                + 1j * (B_real(u.real, v.imag) + B_real(u.imag, v.real)))

    def C(u, v, w):
        total = np.zeros(n, dtype=complex)
        for pu, cu in ((u.real, 1.0), (u.imag, 1j)):
            for pv, cv in ((v.real, 1.0), (v.imag, 1j)):
                for pw, cw in ((w.real, 1.0), (w.imag, 1j)):
                    if np.any(pu) and np.any(pv) and np.any(pw):
                        total += cu * cv * cw * C_real(pu, pv, pw)
        return total

    values, vectors = np.linalg.eig(A)
    q = vectors[:, np.argmin(np.abs(values - 1j * omega))]
    q = q / np.linalg.norm(q)
    values_t, vectors_t = np.linalg.eig(A.T)
    pvec = vectors_t[:, np.argmin(np.abs(values_t + 1j * omega))]
    pvec = pvec / np.vdot(pvec, q).conj()  # <p, q> = conj(p) . q = 1
    inner = lambda a, b: np.vdot(a, b)  # noqa: E731
    term = (inner(pvec, C(q, q, q.conj()))
            - 2 * inner(pvec, B(q, np.linalg.solve(A, B(q, q.conj()))))
            + inner(pvec, B(q.conj(), np.linalg.solve(2j * omega * np.eye(n) - A, B(q, q)))))
    return float(term.real / (2 * omega))


def _branches(model, par, eq, points, count, special) -> Branches:
    n_max = max(1, int(count.max()))
    X = points[:, :n_max]
    n = model.n_state
    eigenvalues = np.full((X.shape[0], n_max, n), np.nan + 0j)
    stable = np.zeros((X.shape[0], n_max), dtype=bool)
    for p in range(X.shape[0]):
        k = int(count[p])
        if k == 0:
            continue
        J = eq.map_jacobian(eq.jacobian(X[p, :k], np.full(k, p))[:, :, :-1])
        eig = np.linalg.eigvals(J)
        key = np.abs(eig) if eq.discrete else eig.real
        eig = np.take_along_axis(eig, np.argsort(-key, axis=1), axis=1)
        eigenvalues[p, :k] = eig
        stable[p, :k] = (np.abs(eig) < 1).all(axis=1) if eq.discrete else (eig.real < 0).all(axis=1)
    return Branches(parameter=par.name, values=X[:, :, -1].copy(), states=X[:, :, :-1].copy(),
                    eigenvalues=eigenvalues, stable=stable, n_points=count.copy(), special=special, time=model.time)
