"""Limit cycles, basins, bifurcation diagrams and regime maps against analytic and
published values."""

import numpy as np
import pytest

import evornn
from evornn import systems
from evornn.analysis import (
    basin_grid,
    basins,
    bifurcation_diagram,
    estimate_period,
    feigenbaum_deltas,
    fixed_points,
    limit_cycles,
    regime_map,
)

BEER = {"weights": [[4.5, 1.0], [-1.0, 4.5]], "bias": [-2.75, -1.75]}


def test_van_der_pol_period():
    """mu = 1: period 6.66328686 (e.g. Strogatz, Nonlinear Dynamics and Chaos, section 7.5)."""
    lc = limit_cycles(systems.van_der_pol(1.0), [2.0, 0.0], dt=0.01, t_transient=60, t_measure=60)
    assert lc.refined[0] and lc.stable[0]
    assert lc.period[0] == pytest.approx(6.6633, abs=1e-3)
    # One Floquet multiplier is the trivial 1; the other is exp(integral of the divergence) < 1.
    assert np.abs(lc.multipliers[0]).max() == pytest.approx(1.0, abs=1e-6)


def test_beers_oscillator_has_one_unstable_equilibrium_and_a_stable_cycle():
    net = evornn.CTRNN(**BEER)
    fp = fixed_points(net)
    assert len(fp) == 1 and not fp.stable[0]
    lc = limit_cycles(net, dt=0.01, t_transient=150, t_measure=150)
    traj = evornn.simulate(net, dt=0.01, t_max=600.0)
    simulated = estimate_period(traj.t, traj.outputs[:, 0, 0])
    assert lc.stable[0] and lc.period[0] == pytest.approx(simulated, rel=1e-4)


def test_logistic_two_cycle_multiplier_is_analytic():
    """The 2-cycle of x' = r x (1 - x) has multiplier 4 + 2 r - r^2."""
    r = np.array([3.2, 3.4])
    lc = limit_cycles(systems.logistic(r), [0.3], t_transient=3000, t_measure=200)
    np.testing.assert_array_equal(lc.period, [2, 2])
    np.testing.assert_allclose(lc.multipliers[:, 0].real, 4 + 2 * r - r**2, atol=1e-10)
    assert lc.stable.all()


def test_basins_of_three_uncoupled_bistable_units_are_eighths():
    g = np.linspace(-1.9, 1.9, 10)  # an even grid: no point on a basin boundary
    states = np.stack(np.meshgrid(g, g, g), axis=-1).reshape(-1, 3)
    b = basins(systems.cubic(3), states, dt=0.05, t_transient=30)
    assert b.kinds.tolist() == ["fixed point"] * 8
    np.testing.assert_allclose(b.fractions, 1 / 8)
    np.testing.assert_allclose(np.abs(b.states), 1.0, atol=1e-6)


def test_newton_basins_for_the_cube_roots_of_unity_are_thirds():
    b = basin_grid(systems.newton_cubic(), (0, -2, 2, 120), (1, -2, 2, 120), t_transient=60, t_measure=5)
    roots = np.exp(2j * np.pi * np.arange(3) / 3)
    found = b.states[:, 0] + 1j * b.states[:, 1]
    assert b.kinds.tolist() == ["fixed point"] * 3
    assert np.abs(np.sort_complex(found) - np.sort_complex(roots)).max() < 1e-8
    np.testing.assert_allclose(b.fractions, 1 / 3, atol=0.03)
    assert b.labels.shape == (120, 120) and b.extent == (-2.0, 2.0, -2.0, 2.0)


def test_logistic_period_doublings_give_feigenbaums_delta():
    """Feigenbaum's delta = 4.6692016...; the first doublings are at r = 3 and 1 + sqrt(6)."""
    bd = bifurcation_diagram(systems.logistic, np.linspace(2.9, 3.5699, 1000), y0=[0.3], t_transient=5000,
                             t_record=256)
    assert bd.doubling_periods.tolist()[:5] == [1, 2, 4, 8, 16]
    np.testing.assert_allclose(bd.doublings[:2], [3.0, 1 + np.sqrt(6)], atol=1e-9)
    assert feigenbaum_deltas(bd.doublings[:5])[-1] == pytest.approx(4.6692016, abs=1e-2)


def test_flow_bifurcation_diagram_counts_maxima():
    """Van der Pol: one maximum of x per cycle at every mu; at mu < 0 the origin is stable."""
    mu = np.array([-0.5, 0.5, 1.0, 2.0])
    bd = bifurcation_diagram(systems.van_der_pol(mu), mu, dt=0.01, y0=[0.5, 0.0], t_transient=200, t_record=50)
    assert bd.period.tolist() == [0, 1, 1, 1]
    np.testing.assert_allclose(bd.state[1:], 2.0, atol=0.02)  # the cycle's amplitude is close to 2


def test_stability_changes_of_a_bias_sweep_are_the_saddle_nodes():
    """One neuron with self-weight 6: bistable between the two tangencies sigma' = 1/6."""
    from scipy.special import logit

    biases = np.linspace(-6.0, 0.0, 121)
    bd = bifurcation_diagram(evornn.CTRNN([[6.0]], bias=biases[:, None]), biases, dt=0.05, t_transient=50,
                             t_record=10, equilibria=True)
    s = (1 + np.array([-1, 1]) * np.sqrt(1 - 4 / 6)) / 2
    np.testing.assert_allclose(bd.stability_changes, np.sort(logit(s) - 6 * s), atol=0.05 / 2 + 1e-9)
    assert (bd.period == 0).all()  # every network comes to rest


def test_regime_map_agrees_with_the_separate_analyses():
    biases = np.array([[-2.75, -1.75], [-8.0, -8.0], [0.0, 0.0]])
    nets = evornn.CTRNN(np.broadcast_to(np.array(BEER["weights"]), (3, 2, 2)), bias=biases)
    regimes = regime_map(nets, dt=0.02, t_transient=150, t_measure=150)
    fp = fixed_points(nets)
    lc = limit_cycles(nets, dt=0.02, t_transient=150, t_measure=150, refine=False)
    np.testing.assert_array_equal(regimes.n_stable, fp.stable_counts())
    np.testing.assert_array_equal(regimes.oscillating, lc.periodic)
    assert regimes.oscillating.tolist() == [True, False, False]
    assert regimes.period[0] == pytest.approx(lc.period[0], rel=1e-3)
