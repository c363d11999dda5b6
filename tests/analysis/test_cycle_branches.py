"""Continuation of limit cycles against closed forms and against `limit_cycles`: the Bautin
normal form's fold of cycles, the Brusselator's cycles born at its Hopf point, and the
Rossler system's period-doubling cascade."""

import numpy as np
import pytest

from evornn import systems
from evornn.analysis import bifurcation_curves, continue_curve, continue_cycles, continue_equilibria, limit_cycles


def test_bautin_fold_of_cycles_at_minus_a_quarter_with_radius_root_half():
    # r' = r (mu + r^2 - r^4): cycles where mu = r^4 - r^2; the subcritical Hopf point's
    # unstable cycles turn at mu = -1/4, r = sqrt(1/2), into stable ones.
    model = systems.bautin(-0.5, 1.0)
    hopf = continue_equilibria(model, "mu", [0.0, 0.0], bounds=(-0.5, 0.5)).points("H")[0]
    cycles = continue_cycles(model, hopf, "mu", bounds=(-0.5, 0.5), max_points=40)
    (fold,) = cycles.points_of("LPC")
    assert fold.parameter == pytest.approx(-0.25, abs=1e-6)
    assert np.linalg.norm(fold.state) == pytest.approx(np.sqrt(0.5), abs=1e-6)
    radius = np.linalg.norm(cycles.points, axis=1)
    np.testing.assert_allclose(cycles.values, radius**4 - radius**2, atol=1e-8)
    np.testing.assert_allclose(cycles.periods, 2 * np.pi, rtol=1e-8)
    np.testing.assert_array_equal(cycles.stable, radius > np.sqrt(0.5))


def test_brusselator_cycles_from_the_hopf_point_match_limit_cycles():
    a = 1.0
    model = systems.brusselator(a=a, b=1.5)
    hopf = continue_equilibria(model, "b", [a, 1.5 / a], bounds=(1.5, 3.0)).points("H")[0]
    cycles = continue_cycles(model, hopf, "b", bounds=(1.5, 2.6), max_points=30)
    assert cycles.periods[0] == pytest.approx(2 * np.pi / a, rel=1e-4)  # at onset
    assert cycles.stable.all() and cycles.values[-1] > 2.5
    for k in (len(cycles.values) // 2, len(cycles.values) - 1):
        lc = limit_cycles(systems.brusselator(a=a, b=cycles.values[k]), cycles.points[k], dt=0.01)
        assert lc.period[0] == pytest.approx(cycles.periods[k], rel=1e-8)
        np.testing.assert_allclose(np.sort(np.abs(lc.multipliers[0])), np.sort(np.abs(cycles.multipliers[k])),
                                   atol=1e-6)


@pytest.mark.slow
def test_rossler_period_doubling_cascade():
    # a = b = 0.2: the period-1 cycle doubles near c = 2.83 and its double near c = 3.84.
    model = systems.rossler(c=2.5)
    lc = limit_cycles(model, [1.0, 1.0, 0.0], dt=0.01, t_transient=300, t_measure=200)
    first = continue_cycles(model, (lc.point[0], lc.period[0]), "c", bounds=(2.5, 3.0), max_points=30)
    (pd1,) = first.points_of("PD")
    assert np.min(np.abs(pd1.data["multipliers"] + 1)) < 1e-8
    doubled = continue_cycles(model, pd1, "c", bounds=(2.5, 3.9), max_points=60)
    pd2 = doubled.points_of("PD")[0]
    assert 2.8 < pd1.parameter < 2.86 and 3.8 < pd2.parameter < 3.87
    # Brute force on either side: one cycle, its double, then the double's double.
    for c, ratio in ((pd1.parameter - 0.05, 1), (pd1.parameter + 0.05, 2), (pd2.parameter + 0.03, 4)):
        brute = limit_cycles(systems.rossler(c=c), [1.0, 1.0, 0.0], dt=0.01, t_transient=800, t_measure=400)
        assert brute.period[0] / pd1.data["period"] == pytest.approx(ratio, rel=0.02)


@pytest.mark.slow
def test_rossler_unstable_cycles_at_c_5_7_equal_the_published_ones():
    # ChaosBook's Rossler page (a = b = 0.2, c = 5.7; Newton on Poincare return maps): the
    # period-1 cycle has period 5.88108845586 and return-map multiplier -2.403953527, the
    # period-2 cycle 11.7586260717 and -3.512006980. Both are followed here from c = 2.5,
    # through the period doubling, to where they are unstable inside the chaotic attractor.
    model = systems.rossler(c=2.5)
    lc = limit_cycles(model, [1.0, 1.0, 0.0], dt=0.01, t_transient=300, t_measure=200)
    first = continue_cycles(model, (lc.point[0], lc.period[0]), "c", bounds=(2.5, 5.75), ds_max=0.3)
    doubled = continue_cycles(model, first.points_of("PD")[0], "c", bounds=(2.5, 5.75), ds_max=0.3, detect=False)
    for branch, period, multiplier in ((first, 5.88108845586, -2.403953527), (doubled, 11.7586260717, -3.512006980)):
        k = np.argmin(np.abs(branch.values - 5.7))
        # The cycle at c = 5.7 exactly: a branch started at the model's own value.
        at = continue_cycles(systems.rossler(c=5.7), (branch.points[k], branch.periods[k]), "c", bounds=(5.6, 5.8),
                             max_points=2, detect=False)
        assert at.values[0] == 5.7
        assert at.periods[0] == pytest.approx(period, abs=2e-9)
        # The page's own trivial multiplier reads 1.000000003: its multipliers hold to about 1e-8.
        assert at.multipliers[0][0].real == pytest.approx(multiplier, abs=1e-8)


def test_bautin_fold_of_cycles_curve_is_mu_equals_minus_nu_squared_over_four():
    # Cycles of radius r where mu = r^4 - nu r^2: they fold where nu = 2 r^2, on the curve
    # mu = -nu^2 / 4 with radius sqrt(nu / 2), which ends at the generalised Hopf point.
    model = systems.bautin(-0.5, 1.0)
    hopf = continue_equilibria(model, "mu", [0.0, 0.0], bounds=(-0.5, 0.5)).points("H")[0]
    (fold,) = continue_cycles(model, hopf, "mu", bounds=(-0.5, 0.5), max_points=40).points_of("LPC")
    curve = continue_curve(model, fold, ("mu", "nu"), bounds=((-1.0, 0.0), (0.2, 1.5)), direction=-1, tol=1e-9)
    mu, nu = curve.values.T
    assert curve.kind == "LPC" and nu[0] == pytest.approx(1.0) and nu[-1] < 0.25 and len(nu) > 5
    np.testing.assert_allclose(mu, -(nu**2) / 4, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(curve.states, axis=1), np.sqrt(nu / 2), atol=1e-6)
    np.testing.assert_allclose(curve.frequency, 1.0, rtol=1e-8)  # period 2 pi everywhere


@pytest.mark.slow
def test_bifurcation_curves_with_cycles_find_the_bautin_fold_of_cycles_curve():
    model = systems.bautin(-0.5, 1.0)
    curves = bifurcation_curves(model, ("mu", "nu"), bounds=((-0.3, 0.05), (-0.5, 1.0)), n_lines=1, cycles=True,
                                state_bounds=(-2.0, 2.0))
    assert sorted(c.kind for c in curves) == ["H", "LPC"]
    hopf, fold = sorted(curves, key=lambda c: c.kind)
    np.testing.assert_allclose(hopf.values[:, 0], 0.0, atol=1e-8)
    (gh,) = hopf.points("GH")
    np.testing.assert_allclose(gh.data["values"], 0.0, atol=1e-6)
    mu, nu = fold.values.T
    np.testing.assert_allclose(mu, -(nu**2) / 4, atol=1e-6)
    assert nu.min() < 0.05 and nu.max() > 0.95  # from near the GH point to the box's edge
