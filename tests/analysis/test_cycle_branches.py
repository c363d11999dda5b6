"""Continuation of limit cycles against closed forms and against `limit_cycles`: the Bautin
normal form's fold of cycles, the Brusselator's cycles born at its Hopf point, and the
Rossler system's period-doubling cascade."""

import numpy as np
import pytest

from evornn import systems
from evornn.analysis import continue_cycles, continue_equilibria, limit_cycles
from tests.analysis.normal_forms import bautin


def test_bautin_fold_of_cycles_at_minus_a_quarter_with_radius_root_half():
    # r' = r (mu + r^2 - r^4): cycles where mu = r^4 - r^2; the subcritical Hopf point's
    # unstable cycles turn at mu = -1/4, r = sqrt(1/2), into stable ones.
    model = bautin(-0.5, 1.0)
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
