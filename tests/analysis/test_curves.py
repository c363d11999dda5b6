"""Two-parameter continuation of folds and Hopf points against the normal forms' closed
forms (Kuznetsov, chapter 8), the Brusselator and a self-connected neuron."""

import numpy as np
import pytest

import evornn
from evornn import systems
from evornn.analysis import continue_curve, continue_equilibria
from tests.analysis.normal_forms import bogdanov_takens, cusp


def test_cusp_normal_form_fold_curve_and_cusp():
    model = cusp(-1.0, 1.0)
    fold = continue_equilibria(model, "b1", [-1.3], bounds=(-1.0, 1.0)).points("LP")[0]
    curve = continue_curve(model, fold, ("b1", "b2"), bounds=((-2.0, 2.0), (-1.0, 2.0)), direction=-1)
    b1, b2 = curve.values.T
    np.testing.assert_allclose(4 * b2**3, 27 * b1**2, rtol=0, atol=1e-8)
    assert b1.min() < -0.5 and b1.max() > 0.3  # through the cusp onto the other fold branch
    (cp,) = curve.points("CP")
    np.testing.assert_allclose(cp.data["values"], [0.0, 0.0], atol=1e-8)


def test_self_connected_neuron_fold_curve_in_bias_and_weight():
    # Folds where sigma (1 - sigma) = 1 / w and theta = logit(sigma) - w sigma; the two
    # fold branches meet in a cusp at w = 4, theta = -2.
    fold = continue_equilibria(evornn.CTRNN([[8.0]], bias=-6.0), "bias[0]", bounds=(-6.0, 0.0)).points("LP")[0]
    curve = continue_curve(evornn.CTRNN([[8.0]], bias=-6.0), fold, ("bias[0]", "weights[0, 0]"),
                           bounds=((-10.0, 2.0), (3.0, 9.0)), direction=-1)
    theta, w = curve.values.T
    sigma = 1 / (1 + np.exp(-(curve.states[:, 0] + theta)))
    np.testing.assert_allclose(sigma * (1 - sigma), 1 / w, rtol=1e-9)
    np.testing.assert_allclose(theta, np.log(sigma / (1 - sigma)) - w * sigma, atol=1e-9)
    (cp,) = curve.points("CP")
    np.testing.assert_allclose(cp.data["values"], [-2.0, 4.0], atol=1e-8)


def test_brusselator_hopf_curve():
    model = systems.brusselator(a=1.0, b=1.0)
    hopf = continue_equilibria(model, "b", [1.0, 1.0], bounds=(0.5, 4.0)).points("H")[0]
    curve = continue_curve(model, hopf, ("b", "a"), bounds=((0.5, 6.0), (0.3, 2.0)))
    b, a = curve.values.T
    assert a.max() > 1.9
    np.testing.assert_allclose(b, 1 + a**2, rtol=1e-9)
    np.testing.assert_allclose(curve.frequency, a, rtol=1e-7)
    assert not curve.special


def test_bogdanov_takens_point_ends_the_hopf_curve():
    model = bogdanov_takens(-0.5, -1.0)
    hopf = continue_equilibria(model, "beta1", [0.0, 0.0], bounds=(-0.5, 0.5)).points("H")[0]
    assert hopf.parameter == pytest.approx(0.0, abs=1e-8)
    curve = continue_curve(model, hopf, ("beta1", "beta2"), bounds=((-1.0, 1.0), (-2.0, 1.0)))
    np.testing.assert_allclose(curve.values[:, 0], 0.0, atol=1e-8)  # Hopf points at beta1 = 0
    (bt,) = curve.points("BT")
    np.testing.assert_allclose(bt.data["values"], [0.0, 0.0], atol=1e-8)
    assert np.isnan(curve.frequency[curve.values[:, 1] > 1e-3]).all()  # past it: neutral saddles


def test_generalised_hopf_point_and_the_lyapunov_coefficient():
    # r' = r (mu + nu r^2 - r^4): in Kuznetsov's normalisation (<q, q> = 1) the first
    # Lyapunov coefficient is 2 nu / omega (here omega = 1).
    model = systems.bautin(-0.5, 1.0)
    hopf = continue_equilibria(model, "mu", [0.0, 0.0], bounds=(-0.5, 0.5)).points("H")[0]
    assert hopf.parameter == pytest.approx(0.0, abs=1e-8)
    assert hopf.data["lyapunov"] == pytest.approx(2.0, rel=1e-6)
    curve = continue_curve(model, hopf, ("mu", "nu"), bounds=((-1.0, 1.0), (-2.0, 2.0)), direction=-1)
    (gh,) = curve.points("GH")
    np.testing.assert_allclose(gh.data["values"], [0.0, 0.0], atol=1e-8)


def test_curves_refuse_other_points():
    model = systems.logistic(r=1.5)
    bp = continue_equilibria(model, "r", [1 - 1 / 1.5], bounds=(0.5, 3.5), direction=-1).points("BP")[0]
    with pytest.raises(ValueError, match="fold"):
        continue_curve(model, bp, ("r", "r"), bounds=((0, 4), (0, 4)))


def test_two_neuron_bias_plane_fold_curves_agree_with_the_brute_force_map():
    # Beer's 2-neuron CTRNN with bistable neurons: the fold curves bound the bands of three
    # equilibria, with a cusp at each end of the central region.
    from evornn.analysis import bifurcation_curves, fixed_points

    weights = np.array([[5.5, -1.0], [1.0, 5.5]])
    curves = bifurcation_curves(evornn.CTRNN(weights, bias=[-2.75, -2.75]), ("bias[0]", "bias[1]"),
                                bounds=((-10.0, 5.0), (-10.0, 5.0)), n_lines=3)
    assert {c.kind for c in curves} == {"LP"} and len(curves) == 4
    cusps = np.array([p.data["values"] for c in curves for p in c.points("CP")])
    assert len(cusps) == 4
    edges = np.linspace(-10.0, 5.0, 31)
    cell = edges[1] - edges[0]
    centres = (edges[:-1] + edges[1:]) / 2
    t1, t2 = np.meshgrid(centres, centres, indexing="ij")
    grid = evornn.CTRNN(np.broadcast_to(weights, (t1.size, 2, 2)), bias=np.column_stack([t1.ravel(), t2.ravel()]))
    counts = fixed_points(grid).counts().reshape(t1.shape)
    points = np.concatenate([c.values for c in curves])

    def near_curve(x, y) -> bool:
        return bool((np.abs(points - [x, y]).max(axis=1) <= cell).any())

    changes = []
    for i in range(30):
        for j in range(30):
            for di, dj in ((1, 0), (0, 1)):
                if i + di < 30 and j + dj < 30 and counts[i, j] != counts[i + di, j + dj]:
                    changes.append(((centres[i] + centres[i + di]) / 2, (centres[j] + centres[j + dj]) / 2))
                    assert near_curve(*changes[-1]), f"the count changes at {changes[-1]} far from every fold curve"
    changes = np.array(changes)
    inside = points[((points >= -10) & (points <= 5)).all(axis=1)]
    far_from_cusps = inside[np.linalg.norm(inside[:, None] - cusps[None], axis=2).min(axis=1) > 1.0]
    gaps = np.abs(far_from_cusps[:, None] - changes[None]).max(axis=2).min(axis=1)
    assert (gaps <= cell).all(), "a fold curve runs where the brute-force map sees no change"


def test_bogdanov_takens_point_on_the_fold_curve():
    # x' = y, y' = beta1 + beta2 x + x^2 - x y: folds on beta2^2 = 4 beta1, where the other
    # eigenvalue is beta2 / 2: a double zero at the origin.
    model = bogdanov_takens(0.0, -1.0)
    fold = continue_equilibria(model, "beta1", [0.0, 0.0], bounds=(-0.5, 0.5)).points("LP")[0]
    assert fold.parameter == pytest.approx(0.25, abs=1e-10)
    curve = continue_curve(model, fold, ("beta1", "beta2"), bounds=((-1.0, 1.0), (-2.0, 1.0)))
    beta1, beta2 = curve.values.T
    np.testing.assert_allclose(beta2**2, 4 * beta1, atol=1e-9)
    (bt,) = curve.points("BT")
    np.testing.assert_allclose(bt.data["values"], [0.0, 0.0], atol=1e-8)
    assert not curve.points("CP")
