r"""Two-parameter continuation: curves of folds, of Hopf points and of folds of cycles, with the
codimension-two points of the first two.

From a fold (``LP``) or Hopf (``H``) point that :func:`~evornn.analysis.continue_equilibria`
located, :func:`continue_curve` follows the bifurcation as two parameters :math:`(a, b)`
change. The unknowns are :math:`Z = (y, a, b)` and the equations

.. math::

    F(y; a, b) = 0, \qquad g(y; a, b) = 0,

with :math:`g = \det F_y` on a fold curve and, on a Hopf curve, the determinant of the
bialternate product :math:`2 F_y \odot I` (:math:`\prod_{i<j} (\lambda_i + \lambda_j)`,
zero where two eigenvalues sum to zero; for two variables, the trace). The curve is traced by
pseudo-arclength continuation in :math:`\mathbb{R}^{n+2}`, Newton's Jacobian by central
differences. Along it, test functions locate (by Brent's method on the arclength):

==========  ==============================  ==============================================
label       point                           test function
==========  ==============================  ==============================================
``CP``      cusp (on fold curves)           the fold's quadratic coefficient
                                            :math:`p^T F_{yy}(q, q)` (null vectors p, q)
``BT``      Bogdanov-Takens                 on fold curves :math:`p^T q`; on Hopf curves
                                            :math:`\lambda_i \lambda_j` of the pair with
                                            :math:`\lambda_i + \lambda_j = 0`: the Hopf
                                            frequency squared, negative past it (neutral
                                            saddles)
``GH``      generalised Hopf (Bautin)       the first Lyapunov coefficient
==========  ==============================  ==============================================
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
from scipy import optimize

from .._checks import as_float_array, positive_float, positive_int
from .continuation import Parameter, SpecialPoint, _Equations, _first_lyapunov


@dataclass(frozen=True)
class Curve:
    """A curve of folds or Hopf points in two parameters (see :func:`continue_curve`).

    Attributes
    ----------
    kind : {"LP", "H", "LPC"}
    parameters : tuple of str
    values : ndarray, shape (n_points, 2)
        The two parameters along the curve.
    states : ndarray, shape (n_points, n_state)
        The equilibrium at each point (on ``LPC`` curves, a point of the cycle).
    frequency : ndarray, shape (n_points,)
        Hopf curves: the frequency (NaN past a Bogdanov-Takens point, on neutral saddles);
        fold-of-cycles curves: ``2 pi / period``; fold curves: NaN.
    special : list of SpecialPoint
        ``CP``, ``BT`` and ``GH`` points (``parameter`` is the first parameter's value,
        ``data["values"]`` both).
    individual : int
    closed : bool
        The curve is a loop (its last point is its first).
    """

    kind: str
    parameters: tuple
    values: np.ndarray
    states: np.ndarray
    frequency: np.ndarray
    special: list
    individual: int
    closed: bool = False

    def points(self, kind: str | None = None) -> list[SpecialPoint]:
        return [s for s in self.special if kind is None or s.kind == kind]


def bialternate(A: np.ndarray) -> np.ndarray:
    """The bialternate product :math:`2 A \\odot I` of a square matrix: order ``n (n - 1) / 2``,
    with eigenvalues :math:`\\lambda_i + \\lambda_j` (:math:`i < j`) (Govaerts 2000, Kuznetsov
    2004 section 10.2)."""
    n = A.shape[0]
    pairs = [(p, q) for p in range(1, n) for q in range(p)]
    out = np.zeros((len(pairs), len(pairs)))
    for i, (p, q) in enumerate(pairs):
        for j, (r, s) in enumerate(pairs):
            if r == q:
                out[i, j] = -A[p, s]
            elif r != p and s == q:
                out[i, j] = A[p, r]
            elif r == p and s == q:
                out[i, j] = A[p, p] + A[q, q]
            elif r == p and s != q:
                out[i, j] = A[q, s]
            elif s == p:
                out[i, j] = -A[q, r]
    return out


class _CurveEquations:
    def __init__(self, model, first: Parameter, second: Parameter, kind: str):
        self.first, self.second, self.kind = first, second, kind
        self.eq = _Equations(model, first)  # its residual and Jacobian, with both parameters set below
        self.n = model.n_state
        self.rows = np.arange(1)

    def _system(self, Z):
        base = self.first.at(np.array([Z[-2]]), self.rows)
        return self.second.at(np.array([Z[-1]]), self.rows, base=base)

    def F(self, Z) -> np.ndarray:
        params, u = self._system(Z)
        y = np.ascontiguousarray(Z[None, : self.n])
        out = np.empty_like(y)
        self.eq._rhs(0.0, y, params, u, out)
        return (out - y if self.eq.discrete else out)[0]

    def F_y(self, Z) -> np.ndarray:
        params, u = self._system(Z)
        jac = np.empty((1, self.n, self.n))
        self.eq._jac(0.0, np.ascontiguousarray(Z[None, : self.n]), params, u, jac)
        return jac[0] - np.eye(self.n) if self.eq.discrete else jac[0]

    def g(self, Z) -> float:
        J = self.F_y(Z)
        return float(np.linalg.det(J) if self.kind == "LP" else np.linalg.det(bialternate(J)))

    def G(self, Z) -> np.ndarray:
        return np.append(self.F(Z), self.g(Z))

    def DG(self, Z) -> np.ndarray:
        """``(n + 1, n + 2)`` by central differences."""
        out = np.empty((self.n + 1, self.n + 2))
        for j in range(self.n + 2):
            h = 1e-6 * (1.0 + abs(Z[j]))
            up, down = Z.copy(), Z.copy()
            up[j] += h
            down[j] -= h
            out[:, j] = (self.G(up) - self.G(down)) / (2 * h)
        return out


def continue_curve(model, point: SpecialPoint, parameters, *, bounds, inputs=None, ds: float = 0.02,
                   ds_min: float = 1e-8, ds_max: float = 0.2, max_points: int = 4000, tol: float = 1e-10,
                   direction: int = 1, detect: bool = True) -> Curve:
    """Follow a fold (``LP``), Hopf (``H``) or fold-of-cycles (``LPC``) point in two parameters.

    A fold of cycles is followed by shooting (see :func:`~evornn.analysis.continue_cycles`):
    the unknowns are a point of the cycle, its period and both parameters, the equations the
    cycle's, a phase condition, and a bordered test function that vanishes where the
    Jacobian in point and period is singular (Govaerts 2000). The curve ends where it leaves
    `bounds`, or where its cycles shrink onto an equilibrium (at a generalised Hopf point,
    where it meets a Hopf curve). No codimension-two points are located along it.

    Parameters
    ----------
    model : Model
        The model whose branch `point` lies on (its individual ``point.individual`` is used).
    point : SpecialPoint
        An ``LP`` or ``H`` point from :func:`~evornn.analysis.continue_equilibria`, or an
        ``LPC`` point from :func:`~evornn.analysis.continue_cycles`, continued in
        ``parameters[0]`` (the same parameter).
    parameters : (str, str)
        The branch's parameter and the second one (see :class:`Parameter`).
    bounds : ((float, float), (float, float))
        The curve ends where either parameter leaves its interval.
    direction : {1, -1}
        Which way along the curve to start (1: the second parameter increasing).
    ds, ds_min, ds_max, max_points, tol
        As in :func:`~evornn.analysis.continue_equilibria`.

    Returns
    -------
    Curve

    Examples
    --------
    The cusp normal form ``x' = b1 + b2 x - x^3``: the fold curve ``4 b2^3 = 27 b1^2``
    meets itself in a cusp at the origin (see the README's continuation section).
    """
    if point.kind not in ("LP", "H", "LPC"):
        raise ValueError(f"point must be a fold (LP), a Hopf point (H) or a fold of cycles (LPC), got {point.kind}")
    if point.kind in ("H", "LPC") and model.time == "discrete":
        raise ValueError("Hopf curves are for flows (maps have Neimark-Sacker points)")
    if len(parameters) != 2:
        raise ValueError(f"parameters must be two names, got {parameters!r}")
    box = as_float_array("bounds", bounds)
    if box.shape != (2, 2) or not (box[:, 0] < box[:, 1]).all():
        raise ValueError(f"bounds must be ((low, high), (low, high)) with low < high, got {bounds!r}")
    if direction not in (1, -1):
        raise ValueError(f"direction must be 1 or -1, got {direction!r}")
    ds, ds_min, ds_max = positive_float("ds", ds), positive_float("ds_min", ds_min), positive_float("ds_max", ds_max)
    max_points = positive_int("max_points", max_points, minimum=2)
    one = model.take([point.individual])
    u = None if inputs is None else np.atleast_2d(inputs)[[min(point.individual, np.atleast_2d(inputs).shape[0] - 1)]]
    first, second = Parameter(one, parameters[0], u), Parameter(one, parameters[1], u)
    if point.kind == "LPC":
        from .cycle_branches import _continue_cycle_fold

        local = SpecialPoint(0, point.kind, point.parameter, point.state, point.index, point.tangent, point.data)
        Us = _continue_cycle_fold(one, local, first, second, box, ds=ds, ds_min=ds_min, ds_max=ds_max,
                                  max_points=max_points, tol=tol, direction=direction)
        n = model.n_state
        return Curve(kind="LPC", parameters=(first.name, second.name), values=Us[:, -2:].copy(),
                     states=Us[:, :n].copy(), frequency=2 * np.pi / Us[:, n], special=[],
                     individual=point.individual)
    ce = _CurveEquations(one, first, second, point.kind)
    Z = np.concatenate([point.state, [point.parameter], second.values()])
    tangent = np.zeros(Z.size)
    tangent[-1] = direction
    Z, ok = _correct(ce, Z, tangent, Z, 0.0, tol)
    if not ok:
        raise ValueError("could not converge onto the curve at the starting point")
    tangent = _curve_tangent(ce, Z, tangent)
    points, tangents = [Z.copy()], [tangent.copy()]
    step, closed = ds, False
    while len(points) < max_points:
        trial, ok = _correct(ce, Z + step * tangent, tangent, Z, step, tol)
        if not ok:
            step /= 2
            if step < ds_min:
                break
            continue
        Z = trial
        tangent = _curve_tangent(ce, Z, tangent)
        points.append(Z.copy())
        tangents.append(tangent.copy())
        # A closed curve: back at the start, heading the same way.
        if len(points) > 3 and np.linalg.norm(Z - points[0]) < 1.5 * step and tangent @ tangents[0] > 0:
            points.append(points[0].copy())
            tangents.append(tangents[0].copy())
            closed = True
            break
        step = min(step * 1.3, ds_max)
        if not (box[0, 0] <= Z[-2] <= box[0, 1] and box[1, 0] <= Z[-1] <= box[1, 1]):
            break
    Zs, Ts = np.array(points), np.array(tangents)
    frequency = np.array([_hopf_frequency(ce, z) for z in Zs]) if point.kind == "H" else np.full(len(Zs), np.nan)
    special = _locate_codim2(ce, Zs, Ts, point.individual, tol) if detect else []
    return Curve(kind=point.kind, parameters=(first.name, second.name), values=Zs[:, -2:].copy(),
                 states=Zs[:, :-2].copy(), frequency=frequency, special=special, individual=point.individual,
                 closed=closed)


def _correct(ce, Z0, tangent, anchor, s, tol, max_iter: int = 20):
    Z = Z0.copy()
    with np.errstate(all="ignore"):
        for _ in range(max_iter):
            r = np.append(ce.G(Z), tangent @ (Z - anchor) - s)
            A = np.vstack([ce.DG(Z), tangent])
            if not (np.isfinite(A).all() and np.isfinite(r).all()):
                return Z, False
            try:
                delta = np.linalg.solve(A, -r)
            except np.linalg.LinAlgError:
                return Z, False
            Z += delta
            if np.abs(delta).max() <= tol * (1 + np.abs(Z).max()) and np.abs(r[:-2]).max() <= 1e3 * tol:
                return Z, True
    return Z, False


def _curve_tangent(ce, Z, previous) -> np.ndarray:
    t = np.linalg.svd(ce.DG(Z))[2][-1]
    return t if t @ previous >= 0 else -t


def _hopf_frequency(ce, Z) -> float:
    """The frequency of the pair whose eigenvalues sum to zero; NaN when that pair is real
    (a neutral saddle)."""
    product = _pair_product(ce, Z)
    return float(np.sqrt(product)) if product > 0 else np.nan


def _pair_product(ce, Z) -> float:
    eig = np.linalg.eigvals(ce.F_y(Z))
    n = eig.size
    best, product = np.inf, np.nan
    for i in range(n):
        for j in range(i + 1, n):
            if abs(eig[i] + eig[j]) < best:
                best, product = abs(eig[i] + eig[j]), float((eig[i] * eig[j]).real)
    return product


def _null_vectors(ce, Z, orient) -> tuple[np.ndarray, np.ndarray]:
    """The right and left null vectors q, p of F_y at a fold, oriented by `orient` (the
    previous pair) so that the test functions built from them are continuous."""
    U, _, Vt = np.linalg.svd(ce.F_y(Z))
    q, p = Vt[-1], U[:, -1]
    if orient is not None:
        q = q if q @ orient[0] >= 0 else -q
        p = p if p @ orient[1] >= 0 else -p
    return q, p


def _fold_tests(ce, Z, orient) -> tuple[np.ndarray, tuple]:
    """On a fold curve: the cusp test ``p . F_yy(q, q)`` (the fold's quadratic coefficient)
    and the Bogdanov-Takens test ``p . q`` (zero where the zero eigenvalue becomes double,
    with a Jordan block)."""
    q, p = _null_vectors(ce, Z, orient)
    h = 1e-4 * (1 + np.abs(Z[: ce.n]).max())
    up, down = Z.copy(), Z.copy()
    up[: ce.n] += h * q
    down[: ce.n] -= h * q
    second = (ce.F(up) - 2 * ce.F(Z) + ce.F(down)) / h**2
    return np.array([p @ second, p @ q]), (q, p)


def _lyapunov_at(ce, Z) -> float:
    """The first Lyapunov coefficient at a point of a Hopf curve (NaN past a
    Bogdanov-Takens point, on neutral saddles)."""
    product = _pair_product(ce, Z)
    if not product > 0:
        return np.nan
    # _first_lyapunov reads F at (y, first parameter) through `residual`; the second
    # parameter stays at this point's value.
    fixed_second = SimpleNamespace(residual=lambda X, rows: ce.F(np.append(X[0], Z[-1]))[None])
    return _first_lyapunov(fixed_second, 0, Z[:-1], ce.F_y(Z), float(np.sqrt(product)))


def _locate_codim2(ce, Zs, Ts, individual, tol) -> list[SpecialPoint]:
    found = []
    if ce.kind == "LP":
        values, orient = [], None
        for z in Zs:
            value, orient = _fold_tests(ce, z, orient)
            values.append(value)
        values = np.array(values)
        tests = {"CP": values[:, 0], "BT": values[:, 1]}
    else:
        tests = {"BT": np.array([_pair_product(ce, z) for z in Zs])}
        tests["GH"] = np.array([_lyapunov_at(ce, z) for z in Zs])
    for kind, g in tests.items():
        for k in np.flatnonzero(np.isfinite(g[:-1]) & np.isfinite(g[1:]) & (np.sign(g[:-1]) != np.sign(g[1:]))):
            Z = _locate_on_curve(ce, Zs[k], Zs[k + 1], Ts[k], kind, tol)
            if Z is not None:
                data = {"values": Z[-2:].copy()}
                found.append(SpecialPoint(individual, kind, float(Z[-2]), Z[:-2].copy(), int(k), Ts[k].copy(), data))
    return found


def _locate_on_curve(ce, Z_a, Z_b, tangent, kind, tol):
    on_fold = ce.kind == "LP"
    orient = _null_vectors(ce, Z_a, None) if on_fold else None

    def point_at(s):
        return _correct(ce, Z_a + s * tangent, tangent, Z_a, s, tol * 1e-2, max_iter=40)

    def g(s):
        Z, _ = point_at(s)
        if on_fold:
            return _fold_tests(ce, Z, orient)[0][0 if kind == "CP" else 1]
        return _pair_product(ce, Z) if kind == "BT" else _lyapunov_at(ce, Z)

    try:
        with np.errstate(all="ignore"):
            s = optimize.brentq(g, 0.0, float(tangent @ (Z_b - Z_a)), xtol=1e-14, maxiter=200)
    except (ValueError, RuntimeError):
        return None
    Z, ok = point_at(s)
    return Z if ok else None


def bifurcation_curves(model, parameters, *, bounds, inputs=None, n_lines: int = 5, individual: int = 0,
                       ds_max: float = 0.2, max_points: int = 4000, cycles: bool = False,
                       state_bounds=None) -> list[Curve]:
    """Every fold and Hopf curve of one individual that crosses a box of two parameters:
    the regime picture of a plane from its local bifurcation curves rather than a grid.

    At `n_lines` values of each parameter, each equilibrium (from
    :func:`~evornn.analysis.fixed_points`) is continued in the other across the box; every
    fold and Hopf point found starts a curve, continued both ways (a point already on a
    curve found before starts none). With `cycles`, the cycles born at each Hopf point are
    continued along the line too (:func:`~evornn.analysis.continue_cycles`), and each fold
    of cycles found starts a fold-of-cycles (``LPC``) curve: the curves that bound the
    regions where a cycle coexists with a stable equilibrium. Curves that lie wholly between
    the lines, or that no branch through them reaches, are missed: more lines find more.

    `state_bounds` ``(low, high)`` is where :func:`~evornn.analysis.fixed_points` looks for
    equilibria (required for a :class:`~evornn.System`; models that bound their equilibria
    by themselves do not need it).

    Returns
    -------
    list of Curve
        Each curve's two halves joined, from one end to the other.
    """
    from .continuation import continue_equilibria
    from .fixed_points import fixed_points

    box = as_float_array("bounds", bounds)
    if box.shape != (2, 2) or not (box[:, 0] < box[:, 1]).all():
        raise ValueError(f"bounds must be ((low, high), (low, high)) with low < high, got {bounds!r}")
    n_lines = positive_int("n_lines", n_lines)
    one = model.take([individual])
    u = None if inputs is None else np.atleast_2d(inputs)[[min(individual, np.atleast_2d(inputs).shape[0] - 1)]]
    curves: list[Curve] = []
    spacing = np.diff(box, axis=1).ravel()
    # Lines across the box both ways: a curve that runs along one parameter is crossed by
    # the lines of the other.
    for across, along in ((0, 1), (1, 0)):
        names, lines = (parameters[across], parameters[along]), box[[across, along]]
        fixed, moved = Parameter(one, names[1], u), Parameter(one, names[0], u)
        for value in np.linspace(lines[1, 0], lines[1, 1], n_lines + 2)[1:-1]:
            # Each line starts from the equilibria at the middle of the box.
            params, uu = fixed.at(np.array([value]), np.arange(1),
                                  base=moved.at(np.array([lines[0].mean()]), np.arange(1)))
            line = _line_model(one, params)
            for y in fixed_points(line, inputs=uu, bounds=state_bounds).state:
                for direction in (1, -1):
                    branch = continue_equilibria(line, names[0], y, bounds=tuple(lines[0]), inputs=uu,
                                                 direction=direction, ds_max=ds_max)
                    points = [p for p in branch.special if p.kind in ("LP", "H")]
                    if cycles:
                        points += [p for hopf in branch.points("H") for p in _cycle_folds(line, hopf, names[0],
                                                                                            lines[0], uu)]
                    for point in points:
                        where = np.array([point.parameter, value])[[across, along]]
                        if _on_a_curve(curves, point.kind, where, spacing):
                            continue
                        forward = continue_curve(line, point, names, bounds=lines, inputs=uu, ds_max=ds_max,
                                                 max_points=max_points)
                        backward = forward if forward.closed else continue_curve(
                            line, point, names, bounds=lines, inputs=uu, direction=-1, ds_max=ds_max,
                            max_points=max_points)
                        halves = [forward, backward]
                        curves.append(_join(halves, swap=across == 1))
    return curves


def _cycle_folds(line, hopf, name, bounds, inputs) -> list[SpecialPoint]:
    """The folds of the cycles born at a Hopf point, continued along the line within
    `bounds` (an empty list where the cycles cannot be followed)."""
    from .cycle_branches import continue_cycles

    try:
        branch = continue_cycles(line, hopf, name, bounds=tuple(bounds), inputs=inputs, max_points=200)
    except ValueError:
        return []
    return branch.points_of("LPC")


def _line_model(model, params):
    """`model` with other parameter values (same shapes), without a constructor's checks
    beyond :class:`~evornn.models.Model`'s."""
    import copy

    from ..models.base import check_params

    check_params(params)
    new = copy.copy(model)
    new._params = params
    return new


def _on_a_curve(curves, kind, where, spacing) -> bool:
    """Whether a point of `kind` at parameters `where` lies on a curve already traced:
    within 1e-3 of the box's size from one of its chords (a chord strays from the curve
    by about step^2 times its curvature)."""
    here = where / spacing
    for curve in curves:
        if curve.kind != kind or len(curve.values) < 2:
            continue
        a, b = curve.values[:-1] / spacing, curve.values[1:] / spacing
        d = b - a
        t = np.clip(np.einsum("ij,ij->i", here - a, d) / np.maximum(np.einsum("ij,ij->i", d, d), 1e-300), 0, 1)
        if np.linalg.norm(a + t[:, None] * d - here, axis=1).min() < 1e-3:
            return True
    return False


def _join(halves: list[Curve], swap: bool = False) -> Curve:
    """One curve from its two halves traced from the same point in opposite directions;
    `swap` puts the parameters back in the caller's order."""
    forward, backward = halves
    if forward.closed:  # a loop: one half is the whole curve
        backward = Curve(forward.kind, forward.parameters, forward.values[:1], forward.states[:1],
                         forward.frequency[:1], [], forward.individual)
    values = np.concatenate([backward.values[::-1], forward.values[1:]])
    states = np.concatenate([backward.states[::-1], forward.states[1:]])
    frequency = np.concatenate([backward.frequency[::-1], forward.frequency[1:]])
    special = backward.special + forward.special
    parameters = forward.parameters
    if swap:
        values, parameters = values[:, ::-1].copy(), parameters[::-1]
        special = [SpecialPoint(p.individual, p.kind, float(p.data["values"][1]), p.state, p.index, p.tangent,
                                {**p.data, "values": p.data["values"][::-1].copy()}) for p in special]
    return Curve(kind=forward.kind, parameters=parameters, values=values, states=states, frequency=frequency,
                 special=special, individual=forward.individual, closed=forward.closed)
