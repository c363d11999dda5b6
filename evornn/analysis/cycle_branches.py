r"""Continuation of limit cycles in one parameter, by shooting.

A cycle of period :math:`T` through the point :math:`x_0` solves
:math:`\varphi_T(x_0; \lambda) = x_0`, where :math:`\varphi_T` is the flow over time
:math:`T`. :func:`continue_cycles` follows the branch of cycles :math:`(x_0, T, \lambda)` by
pseudo-arclength continuation of

.. math::

    \varphi_T(x_0; \lambda) - x_0 = 0, \qquad
    (x_0 - \bar x_0) \cdot f(\bar x_0; \bar\lambda) = 0, \qquad
    \tau \cdot (U - \bar U) - h = 0,

the second equation a phase condition (the point stays on the plane through the previous
point :math:`\bar x_0` normal to the flow there), the third the arclength constraint. The
flow and its derivative in :math:`x_0`, the monodromy matrix :math:`M`, come from one
integration of the variational equation (SciPy ``solve_ivp`` DOP853 at rtol 1e-11, the
model's Jacobian kernel); the derivative in :math:`\lambda` from central differences. The
Floquet multipliers are the eigenvalues of :math:`M`; one of them is the trivial
multiplier 1. Along the branch, bifurcations of cycles are located by Brent's method on the
arclength:

==========  ======================================  =====================================
label       bifurcation                             test function
==========  ======================================  =====================================
``LPC``     fold of cycles                          the parameter's tangent component
``PD``      period doubling (flip)                  :math:`\det(M + I)`
``NS``      Neimark-Sacker (torus)                  modulus of the non-real multiplier
                                                    pair nearest the unit circle, less 1
==========  ======================================  =====================================

A branch starts from a Hopf point of :func:`~evornn.analysis.continue_equilibria` (a small
cycle along the critical eigenvector) or from a cycle that
:func:`~evornn.analysis.limit_cycles` refined.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
from scipy import optimize
from scipy.integrate import solve_ivp

from .._checks import positive_float, positive_int
from ._one import OneSystem
from .continuation import Parameter, SpecialPoint, interval


@dataclass(frozen=True)
class CycleBranch:
    """A branch of limit cycles in one parameter (see :func:`continue_cycles`).

    Attributes
    ----------
    parameter : str
    values : ndarray, shape (n_points,)
    periods : ndarray, shape (n_points,)
    points : ndarray, shape (n_points, n_state)
        A point of each cycle.
    multipliers : ndarray of complex, shape (n_points, n_state)
        Floquet multipliers, largest modulus first (one is the trivial multiplier 1).
    stable : ndarray of bool, shape (n_points,)
        Every non-trivial multiplier inside the unit circle.
    special : list of SpecialPoint
        ``LPC``, ``PD`` and ``NS`` points (``data``: ``"period"`` and ``"multipliers"``).
    individual : int
    maxima, minima : ndarray, shape (n_points, n_state)
        Each state variable's largest and smallest value around each cycle.
    """

    parameter: str
    values: np.ndarray
    periods: np.ndarray
    points: np.ndarray
    multipliers: np.ndarray
    stable: np.ndarray
    special: list
    individual: int
    maxima: np.ndarray
    minima: np.ndarray

    def points_of(self, kind: str | None = None) -> list[SpecialPoint]:
        """The special points, optionally of one `kind`."""
        return [s for s in self.special if kind is None or s.kind == kind]


class _Shooting:
    """The flow of one individual with one or two parameters set (`parameters`, in order)."""

    def __init__(self, model, parameters, individual: int):
        self.parameters, self.individual = tuple(parameters), individual
        self.n = model.n_state
        self._model = model

    def system(self, *values: float) -> OneSystem:
        """The individual with the parameters at `values`, as plain callables."""
        base = None
        for parameter, value in zip(self.parameters, values, strict=True):
            base = parameter.at(np.array([value]), np.array([self.individual]), base=base)
        params, u = base
        return OneSystem(SimpleNamespace(params=params, n_state=self.n, time=self._model.time), 0, u[0])

    def flow(self, x0, period, values, *, monodromy: bool):
        """The end point after `period` from `x0` at parameters `values` (a tuple), and the
        monodromy matrix when asked (else None)."""
        one = self.system(*values)
        n = self.n
        if not monodromy:
            sol = solve_ivp(lambda t, x: one.f(x), (0.0, period), x0, method="DOP853", rtol=1e-11, atol=1e-12)
            return sol.y[:, -1], None

        def variational(t, z):
            state, phi = z[:n], z[n:].reshape(n, n)
            return np.concatenate([one.f(state), (one.jac(state) @ phi).ravel()])

        sol = solve_ivp(variational, (0.0, period), np.concatenate([x0, np.eye(n).ravel()]), method="DOP853",
                        rtol=1e-11, atol=1e-12)
        end = sol.y[:, -1]
        return end[:n], end[n:].reshape(n, n)

    def residual_and_jacobian(self, U, reference, tangent, anchor, s):
        """The n + 2 equations at ``U = (x0, T, lambda)`` and their Jacobian."""
        n = self.n
        x0, period, value = U[:n], U[n], U[n + 1]
        end, M = self.flow(x0, period, (value,), monodromy=True)
        f_end = self.system(value).f(end)
        h = 1e-6 * (1 + abs(value))
        up = self.flow(x0, period, (value + h,), monodromy=False)[0]
        down = self.flow(x0, period, (value - h,), monodromy=False)[0]
        ref_x, ref_value = reference
        f_ref = self.system(ref_value).f(ref_x)
        r = np.concatenate([end - x0, [(x0 - ref_x) @ f_ref, tangent @ (U - anchor) - s]])
        A = np.zeros((n + 2, n + 2))
        A[:n, :n] = M - np.eye(n)
        A[:n, n] = f_end
        A[:n, n + 1] = (up - down) / (2 * h)
        A[n, :n] = f_ref
        A[n + 1] = tangent
        return r, A, M


def continue_cycles(model, start, parameter: str, *, bounds, inputs=None, individual: int | None = None,
                    amplitude: float = 1e-3, ds: float = 0.02, ds_min: float = 1e-7, ds_max: float = 0.1,
                    max_points: int = 300, tol: float = 1e-9, direction: int = 1, detect: bool = True) -> CycleBranch:
    """Follow a branch of limit cycles as `parameter` changes.

    Parameters
    ----------
    model : Model
        A flow.
    start : SpecialPoint or (ndarray, float)
        A Hopf point (``H``) of :func:`~evornn.analysis.continue_equilibria` in the same
        parameter (the branch starts with a cycle of size `amplitude` along the critical
        eigenvector); a period doubling (``PD``) of another cycle branch (the doubled branch,
        twice the period, starts along the eigenvector of the multiplier -1); or ``(point,
        period)`` of a cycle at the parameter's present value (for example from
        :func:`~evornn.analysis.limit_cycles`).
    parameter : str
        See :class:`~evornn.analysis.Parameter`.
    bounds : (float, float)
        The branch ends where the parameter leaves this interval.
    individual : int, optional
        Which individual (default: the Hopf point's, or 0).
    direction : {1, -1}
        From a cycle: start towards larger (1) or smaller (-1) parameter values; from a Hopf
        point the branch starts with growing cycles.
    ds, ds_min, ds_max, max_points, tol
        As in :func:`~evornn.analysis.continue_equilibria` (the step is in
        ``(x0, T, parameter)``).

    Returns
    -------
    CycleBranch
    """
    if model.time != "continuous":
        raise ValueError("cycles are continued for flows; for maps, continue the fixed points of the iterated map")
    low, high = interval(bounds)
    ds, ds_min, ds_max = positive_float("ds", ds), positive_float("ds_min", ds_min), positive_float("ds_max", ds_max)
    max_points = positive_int("max_points", max_points, minimum=2)
    par = Parameter(model, parameter, inputs)
    n = model.n_state
    if isinstance(start, SpecialPoint):
        if start.kind not in ("H", "PD"):
            raise ValueError(f"a branch of cycles starts from a Hopf point (H) or a period doubling (PD), "
                             f"got {start.kind}")
        p = start.individual if individual is None else int(individual)
        shooting = _Shooting(model, (par,), p)
        if start.kind == "H":
            # A small cycle along the critical eigenvector's real part, period 2 pi / omega.
            values, vectors = np.linalg.eig(shooting.system(start.parameter).jac(start.state))
            shape = vectors[:, np.argmin(np.abs(values - 1j * start.data["frequency"]))].real
            period = 2 * np.pi / start.data["frequency"]
        else:
            # The doubled cycle: twice the period, displaced along the multiplier -1's eigenvector.
            _, M = shooting.flow(start.state, start.data["period"], (start.parameter,), monodromy=True)
            values, vectors = np.linalg.eig(M)
            shape = vectors[:, np.argmin(np.abs(values + 1.0))].real
            period = 2 * start.data["period"]
        shape = shape / np.linalg.norm(shape)
        U = np.concatenate([start.state + amplitude * shape, [period, start.parameter]])
        tangent = np.concatenate([shape, [0.0, 0.0]])
        anchor = np.concatenate([start.state, [period, start.parameter]])
        U, ok, M = _correct(shooting, U, (U[:n].copy(), start.parameter), tangent, anchor, amplitude, tol)
    else:
        point, period = start
        p = 0 if individual is None else int(individual)
        shooting = _Shooting(model, (par,), p)
        value = float(par.values()[p])
        U = np.concatenate([np.asarray(point, dtype=np.float64), [float(period), value]])
        tangent = np.zeros(n + 2)
        tangent[-1] = 1.0
        U, ok, M = _correct(shooting, U, (U[:n].copy(), value), tangent, U.copy(), 0.0, tol)
        tangent = None
    if not ok:
        raise ValueError("could not converge onto a cycle at the start; try another amplitude or start")
    tangent = _cycle_tangent(shooting, U, tangent, direction)
    rows, tangents, monodromies = [U.copy()], [tangent.copy()], [M]
    step = ds
    while len(rows) < max_points and low <= U[-1] <= high:
        trial, ok, M = _correct(shooting, U + step * tangent, (U[:n].copy(), U[-1]), tangent, U, step, tol)
        if not ok or trial[n] <= 0:
            step /= 2
            if step < ds_min:
                break
            continue
        U = trial
        tangent = _cycle_tangent(shooting, U, tangent, direction)
        rows.append(U.copy())
        tangents.append(tangent.copy())
        monodromies.append(M)
        step = min(step * 1.3, ds_max)
    Us = np.array(rows)
    multipliers = np.array([_sorted_multipliers(M) for M in monodromies])
    special = _locate(shooting, Us, np.array(tangents), multipliers, p, tol) if detect else []
    extremes = np.array([_extremes(shooting, U) for U in Us])
    return CycleBranch(parameter=par.name, values=Us[:, -1].copy(), periods=Us[:, n].copy(),
                       points=Us[:, :n].copy(), multipliers=multipliers, stable=_stable(multipliers),
                       special=special, individual=p, maxima=extremes[:, 0], minima=extremes[:, 1])


def _extremes(shooting, U) -> np.ndarray:
    """``(2, n)``: the largest and smallest value of each variable around the cycle (200
    samples of the dense solution)."""
    n = shooting.n
    one = shooting.system(U[-1])
    sol = solve_ivp(lambda t, x: one.f(x), (0.0, U[n]), U[:n], method="DOP853", rtol=1e-10, atol=1e-12,
                    t_eval=np.linspace(0.0, U[n], 200))
    return np.stack([sol.y.max(axis=1), sol.y.min(axis=1)])


def _correct(shooting, U0, reference, tangent, anchor, s, tol, max_iter: int = 12):
    U = U0.copy()
    M = None
    with np.errstate(all="ignore"):
        for _ in range(max_iter):
            try:
                r, A, M = shooting.residual_and_jacobian(U, reference, tangent, anchor, s)
                delta = np.linalg.solve(A, -r)
            except (np.linalg.LinAlgError, ValueError):
                return U, False, M
            if not np.isfinite(delta).all():
                return U, False, M
            U = U + delta
            if np.abs(delta).max() <= tol * (1 + np.abs(U).max()):
                return U, True, shooting.residual_and_jacobian(U, reference, tangent, anchor, s)[2]
    return U, False, M


def _cycle_tangent(shooting, U, previous, direction) -> np.ndarray:
    """The null vector of the equations without the arclength row, oriented like
    `previous` (or, at the start from a cycle, with the parameter moving `direction`)."""
    n = shooting.n
    guide = previous if previous is not None else np.eye(n + 2)[-1] * direction
    _, A, _ = shooting.residual_and_jacobian(U, (U[:n], U[-1]), guide, U, 0.0)
    t = np.linalg.svd(A[:-1])[2][-1]
    return t if t @ guide >= 0 else -t


def _sorted_multipliers(M) -> np.ndarray:
    mu = np.linalg.eigvals(M)
    return mu[np.argsort(-np.abs(mu), kind="stable")]


def _nontrivial(mu: np.ndarray) -> np.ndarray:
    """The multipliers without the one nearest 1 (the trivial one, along the flow)."""
    return np.delete(mu, np.argmin(np.abs(mu - 1.0)))


def _stable(multipliers) -> np.ndarray:
    return np.array([(np.abs(_nontrivial(mu)) < 1).all() for mu in multipliers])


def _tests(U, tangent, mu) -> np.ndarray:
    rest = _nontrivial(mu)
    pd = float(np.prod(rest + 1.0).real)
    distance = np.abs(rest[np.abs(rest.imag) > 1e-9]) - 1.0
    ns = float(distance[np.argmin(np.abs(distance))]) if distance.size else np.nan
    return np.array([tangent[-1], pd, ns])


def _locate(shooting, Us, Ts, multipliers, p, tol) -> list[SpecialPoint]:
    n = shooting.n
    tests = np.array([_tests(U, T, mu) for U, T, mu in zip(Us, Ts, multipliers, strict=True)])
    found = []
    for column, kind in enumerate(("LPC", "PD", "NS")):
        g = tests[:, column]
        for k in np.flatnonzero(np.isfinite(g[:-1]) & np.isfinite(g[1:]) & (np.sign(g[:-1]) != np.sign(g[1:]))):
            anchor, tangent = Us[k], Ts[k]

            def point_at(s, anchor=anchor, tangent=tangent):
                return _correct(shooting, anchor + s * tangent, (anchor[:n].copy(), anchor[-1]), tangent, anchor, s,
                                tol * 1e-2)

            def test(s, column=column, tangent=tangent):
                U, _, M = point_at(s)
                local = _cycle_tangent(shooting, U, tangent, 1) if column == 0 else tangent
                return _tests(U, local, _sorted_multipliers(M))[column]

            try:
                with np.errstate(all="ignore"):
                    s = optimize.brentq(test, 0.0, float(tangent @ (Us[k + 1] - anchor)), xtol=1e-13, maxiter=100)
            except (ValueError, RuntimeError):
                continue
            U, ok, M = point_at(s)
            if ok:
                found.append(SpecialPoint(p, kind, float(U[-1]), U[:n].copy(), int(k), tangent.copy(),
                                          {"period": float(U[n]), "multipliers": _sorted_multipliers(M)}))
    return sorted(found, key=lambda sp: sp.index)


class _CycleFold:
    r"""The equations of a fold of cycles in two parameters, at ``U = (x0, T, a, b)``:
    shooting (n), the phase condition against a reference point (1), and the fold test
    :math:`g` (1): the last component of the solution of the bordered system

    .. math::

        \begin{pmatrix} A & \beta \\ \gamma^T & 0 \end{pmatrix}
        \begin{pmatrix} w \\ g \end{pmatrix} = e_{n+2}, \qquad
        A = \begin{pmatrix} M - I & f(\varphi_T(x_0)) \\ f(\bar x_0)^T & 0 \end{pmatrix},

    zero exactly where :math:`A`, the Jacobian in :math:`(x_0, T)`, is singular (the
    borders :math:`\beta, \gamma` are its left and right singular vectors of least singular
    value at the last point; Govaerts 2000, section 3.4)."""

    def __init__(self, shooting: _Shooting):
        self.shooting, self.n = shooting, shooting.n
        self.beta = self.gamma = None

    def _A(self, U, reference):
        n = self.n
        end, M = self.shooting.flow(U[:n], U[n], tuple(U[n + 1:]), monodromy=True)
        A = np.zeros((n + 1, n + 1))
        A[:n, :n] = M - np.eye(n)
        A[:n, n] = self.shooting.system(*U[n + 1:]).f(end)
        A[n, :n] = reference[1]
        return end, A

    def set_borders(self, U, reference) -> None:
        left, _, right = np.linalg.svd(self._A(U, reference)[1])
        self.beta, self.gamma = left[:, -1], right[-1]

    def G(self, U, reference) -> np.ndarray:
        n = self.n
        end, A = self._A(U, reference)
        bordered = np.block([[A, self.beta[:, None]], [self.gamma[None], np.zeros((1, 1))]])
        g = np.linalg.solve(bordered, np.eye(n + 2)[-1])[-1]
        return np.concatenate([end - U[:n], [(U[:n] - reference[0]) @ reference[1], g]])

    def DG(self, U, reference) -> np.ndarray:
        """``(n + 2, n + 3)`` by central differences."""
        out = np.empty((self.n + 2, self.n + 3))
        for j in range(self.n + 3):
            h = 1e-6 * (1.0 + abs(U[j]))
            up, down = U.copy(), U.copy()
            up[j] += h
            down[j] -= h
            out[:, j] = (self.G(up, reference) - self.G(down, reference)) / (2 * h)
        return out

    def reference(self, U):
        """The phase condition's point and the flow's direction there."""
        return U[: self.n].copy(), self.shooting.system(*U[self.n + 1:]).f(U[: self.n])


def _continue_cycle_fold(model, point: SpecialPoint, first: Parameter, second: Parameter, box, *, ds, ds_min,
                         ds_max, max_points, tol, direction):
    """Follow a fold of cycles (``LPC`` of :func:`continue_cycles`) in two parameters; the
    engine of :func:`~evornn.analysis.continue_curve` for ``LPC`` points. Returns the curve's
    points ``U = (x0, T, a, b)``, one per row."""
    n = model.n_state
    fold = _CycleFold(_Shooting(model, (first, second), point.individual))
    U = np.concatenate([point.state, [point.data["period"], point.parameter], second.values()[[point.individual]]])
    reference = fold.reference(U)
    fold.set_borders(U, reference)
    guide = np.zeros(n + 3)
    guide[-1] = direction
    U, ok, J = _chord(fold, U, guide, U, 0.0, reference, None, tol)
    if not ok:
        raise ValueError("could not converge onto the fold of cycles at the starting point")
    tangent = _oriented_null(J, guide)
    rows, step = [U.copy()], ds
    while len(rows) < max_points:
        reference = fold.reference(U)
        trial, ok, _ = _chord(fold, U + step * tangent, tangent, U, step, reference, J, tol)
        if not ok or trial[n] <= 0:
            step /= 2
            if step < ds_min:
                break
            continue
        U = trial
        reference = fold.reference(U)
        if np.linalg.norm(reference[1]) * U[n] / (2 * np.pi) < 1e-3 * (1 + np.linalg.norm(U[:n])):
            break  # the cycles (size about speed x period / 2 pi) have shrunk onto an equilibrium: a
            # generalised Hopf point, where the curve ends on a Hopf curve
        fold.set_borders(U, reference)
        J = fold.DG(U, reference)
        tangent = _oriented_null(J, tangent)
        rows.append(U.copy())
        step = min(step * 1.3, ds_max)
        if not (box[0, 0] <= U[-2] <= box[0, 1] and box[1, 0] <= U[-1] <= box[1, 1]):
            break
    return np.array(rows)


def _chord(fold, U0, tangent, anchor, s, reference, J, tol, max_iter: int = 15):
    """Newton's chord method on the fold equations and the arclength condition, with the
    Jacobian `J` (computed at `U0` when None). Returns ``(U, converged, J)``."""
    U = U0.copy()
    with np.errstate(all="ignore"):
        try:
            J = fold.DG(U, reference) if J is None else J
            A = np.vstack([J, tangent])
            for _ in range(max_iter):
                r = np.append(fold.G(U, reference), tangent @ (U - anchor) - s)
                delta = np.linalg.solve(A, -r)
                if not np.isfinite(delta).all():
                    return U, False, J
                U = U + delta
                if np.abs(delta).max() <= tol * (1 + np.abs(U).max()):
                    return U, True, J
        except (np.linalg.LinAlgError, ValueError):
            pass
    return U, False, J


def _oriented_null(J, guide) -> np.ndarray:
    t = np.linalg.svd(J)[2][-1]
    return t if t @ guide >= 0 else -t
