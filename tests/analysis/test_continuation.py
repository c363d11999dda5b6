"""Continuation of equilibria against closed forms: the folds of a self-connected neuron, the
Lorenz pitchfork and Hopf points, the Brusselator's Hopf point and onset period, a fold and a
period doubling of maps, and the batched population against each network continued alone."""

import numpy as np
import pytest

import evornn
from evornn import systems
from evornn.analysis import Parameter, continue_equilibria, switch_branch


def test_folds_of_a_self_connected_neuron_equal_the_closed_form():
    # y' = -y + w sigma(y + theta): folds where sigma (1 - sigma) = 1 / w, at
    # theta = logit(sigma) - w sigma.
    w = 8.0
    b = continue_equilibria(evornn.CTRNN([[w]], bias=-6.0), "bias[0]", bounds=(-6.0, 0.0))
    sigma = np.array([(1 - np.sqrt(1 - 4 / w)) / 2, (1 + np.sqrt(1 - 4 / w)) / 2])
    want = np.log(sigma / (1 - sigma)) - w * sigma
    assert [p.kind for p in b.special] == ["LP", "LP"]
    np.testing.assert_allclose([p.parameter for p in b.special], want, rtol=0, atol=1e-10)
    # Stable on the outer branches, unstable on the middle one.
    k = b.n_points[0]
    values, stable = b.values[0, :k], b.stable[0, :k]
    first, second = (next(i for i in range(k) if b.special[j].index < i) for j in (0, 1))
    assert stable[:first].all() and not stable[first:second].any() and stable[second + 1:].all()
    assert values[-1] >= 0.0 - 1e-12


def test_lorenz_pitchfork_and_subcritical_hopf():
    s, beta = 10.0, 8.0 / 3.0
    lorenz = systems.lorenz(sigma=s, rho=0.5, beta=beta)
    trivial = continue_equilibria(lorenz, "rho", [0.0, 0.0, 0.0], bounds=(0.0, 30.0))
    (bp,) = trivial.points("BP")
    assert bp.parameter == pytest.approx(1.0, abs=1e-8)
    convective = switch_branch(lorenz, trivial, bp, bounds=(0.0, 30.0))
    (hopf,) = convective.points("H")
    assert hopf.parameter == pytest.approx(s * (s + beta + 3) / (s - beta - 1), abs=1e-8)
    # The non-trivial equilibria are x = y = +-sqrt(beta (rho - 1)), z = rho - 1.
    x = np.sqrt(beta * (hopf.parameter - 1))
    np.testing.assert_allclose(np.abs(hopf.state), [x, x, hopf.parameter - 1], rtol=1e-8)
    assert hopf.data["lyapunov"] > 0  # subcritical
    # At onset the frequency squared is sigma (sigma + beta + 3) beta (rho - 1) / (sigma + beta + 1)... checked
    # through the characteristic polynomial: lambda^3 + (s + b + 1) lambda^2 + b (s + r) lambda + 2 s b (r - 1).
    r = hopf.parameter
    assert hopf.data["frequency"] ** 2 == pytest.approx(beta * (s + r), rel=1e-8)


@pytest.mark.parametrize("a", [1.0, 2.0])
def test_brusselator_hopf_at_one_plus_a_squared_with_period_two_pi_over_a(a):
    b = continue_equilibria(systems.brusselator(a=a, b=1.0), "b", [a, 1.0 / a], bounds=(0.5, 8.0))
    (hopf,) = b.points("H")
    assert hopf.parameter == pytest.approx(1 + a * a, abs=1e-8)
    assert 2 * np.pi / hopf.data["frequency"] == pytest.approx(2 * np.pi / a, abs=1e-6)
    np.testing.assert_allclose(hopf.state, [a, (1 + a * a) / a], rtol=1e-8)
    assert hopf.data["lyapunov"] < 0  # supercritical: a stable cycle is born


def test_maps_fold_and_period_doubling():
    # The logistic map's fixed point 1 - 1/r: transcritical with 0 at r = 1 (a branch
    # point), period doubling at r = 3 (multiplier -1).
    logistic = systems.logistic(r=1.5)
    b = continue_equilibria(logistic, "r", [1 - 1 / 1.5], bounds=(0.5, 3.5), direction=-1)
    assert [p.kind for p in b.special] == ["BP"]
    assert b.special[0].parameter == pytest.approx(1.0, abs=1e-8)
    up = continue_equilibria(logistic, "r", [1 - 1 / 1.5], bounds=(0.5, 3.5))
    (pd,) = up.points("PD")
    assert pd.parameter == pytest.approx(3.0, abs=1e-8)
    k = up.n_points[0]
    np.testing.assert_array_equal(up.stable[0, :k], up.values[0, :k] < 3.0)


def test_batched_branches_equal_each_network_continued_alone():
    rng = np.random.default_rng(3)
    nets = evornn.CTRNN(rng.uniform(-6, 6, (20, 3, 3)), bias=rng.uniform(-3, 3, (20, 3)),
                        tau=rng.uniform(0.5, 2, (20, 3)), input_weights=rng.uniform(-4, 4, (20, 3, 1)))
    y0 = evornn.simulate(nets, dt=0.05, n_steps=400).y_final
    batch = continue_equilibria(nets, "input[0]", y0, bounds=(-3.0, 3.0), max_points=200)
    assert (batch.n_points > 10).all()
    for p in (0, 7, 19):
        alone = continue_equilibria(nets.take([p]), "input[0]", y0[[p]], bounds=(-3.0, 3.0), max_points=200)
        k = alone.n_points[0]
        assert batch.n_points[p] == k
        np.testing.assert_allclose(batch.values[p, :k], alone.values[0], rtol=0, atol=1e-12)
        np.testing.assert_allclose(batch.states[p, :k], alone.states[0], rtol=0, atol=1e-12)
        mine = batch.points(individual=p)
        assert [s.kind for s in mine] == [s.kind for s in alone.special]
        np.testing.assert_allclose([s.parameter for s in mine], [s.parameter for s in alone.special], rtol=0,
                                   atol=1e-12)
    assert sum(len(batch.points(individual=p)) for p in range(20)) > 0  # some networks have folds


def test_bad_parameters_name_what_exists():
    net = evornn.CTRNN.random(2, 3, rng=0)
    with pytest.raises(ValueError, match="no float field 'bogus'"):
        Parameter(net, "bogus[0]")
    with pytest.raises(ValueError, match=r"needs 2 indices"):
        Parameter(net, "weights[0]")
    with pytest.raises(ValueError, match=r"indices within it"):
        Parameter(net, "bias[3]")
    with pytest.raises(ValueError, match="bounds"):
        continue_equilibria(net, "bias[0]", bounds=(1.0, -1.0))
    with pytest.raises(ValueError, match="direction"):
        continue_equilibria(net, "bias[0]", bounds=(-1.0, 1.0), direction=0)
    np.testing.assert_array_equal(Parameter(net, "weights[1, 2]").values(), net.params.weights[:, 1, 2])


def test_individuals_starting_outside_the_bounds_are_left_empty():
    nets = evornn.CTRNN.random(3, 2, rng=1, bias_range=(-1, 1))
    inside = nets.params.bias[:, 0].copy()
    branches = continue_equilibria(nets, "bias[0]", bounds=(inside.min() - 1e-9, inside.max() + 5.0), max_points=30)
    assert (branches.n_points >= 1).all()
    narrow = continue_equilibria(nets, "bias[0]", bounds=(np.sort(inside)[1] - 1e-9, 10.0), max_points=30)
    assert narrow.n_points[np.argmin(inside)] == 0 and (narrow.n_points[inside > np.sort(inside)[1] - 1e-9] > 0).all()


def test_maps_neimark_sacker_point():
    from tests.analysis.normal_forms import delayed_logistic

    model = delayed_logistic(1.5)
    branch = continue_equilibria(model, "r", [1 / 3, 1 / 3], bounds=(1.5, 2.5))
    (ns,) = branch.points("NS")
    assert ns.parameter == pytest.approx(2.0, abs=1e-8)
    assert ns.data["angle"] == pytest.approx(np.pi / 3, abs=1e-8)
    np.testing.assert_allclose(ns.state, [0.5, 0.5], atol=1e-8)
    k = branch.n_points[0]
    np.testing.assert_array_equal(branch.stable[0, :k], branch.values[0, :k] < 2.0)
