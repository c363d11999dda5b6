"""Equilibria against analytic results: CTRNN bistability, Lorenz and Henon fixed points."""

import numpy as np
import pytest
from scipy.special import logit

import evornn
from evornn import systems
from evornn.analysis import classify, fixed_points


@pytest.mark.parametrize(("w", "n_eq", "n_stable"), [(6.0, 3, 2), (4.5, 3, 2), (3.5, 1, 1), (1.0, 1, 1)])
def test_one_centre_crossing_neuron_is_bistable_exactly_above_self_weight_four(w, n_eq, n_stable):
    fp = fixed_points(evornn.CTRNN([[w]]).with_center_crossing())
    assert len(fp) == n_eq and fp.stable_counts()[0] == n_stable
    # Each equilibrium satisfies y = w sigma(y + theta) (checked independently of the model).
    y = fp.state[:, 0]
    np.testing.assert_allclose(y, w / (1 + np.exp(-(y - w / 2))), atol=1e-10)


def test_two_neuron_circuit_with_strong_self_excitation_has_nine_equilibria_four_stable():
    net = evornn.CTRNN([[10.0, 1.0], [1.0, 10.0]]).with_center_crossing()
    fp = fixed_points(net)
    assert len(fp) == 9 and fp.stable_counts()[0] == 4
    assert sorted(fp.kind) == sorted(["stable node"] * 4 + ["saddle"] * 4 + ["unstable node"])


def test_bistability_interval_of_a_bias_sweep_is_the_analytic_one():
    """y = w sigma(y + b) has three solutions exactly when b lies between the two tangencies
    sigma' = 1/w, i.e. sigma = (1 +- sqrt(1 - 4/w)) / 2."""
    w, biases = 6.0, np.linspace(-6.0, 0.0, 61)
    fp = fixed_points(evornn.CTRNN([[w]], bias=biases[:, None]))
    s = (1 + np.array([-1, 1]) * np.sqrt(1 - 4 / w)) / 2
    tangent_b = np.sort(logit(s) - w * s)  # b = x - y with x = logit(s), y = w s
    inside = (biases > tangent_b[0] + 1e-9) & (biases < tangent_b[1] - 1e-9)
    np.testing.assert_array_equal(fp.stable_counts() == 2, inside)


def test_lorenz_equilibria_and_their_eigenvalues_are_analytic():
    sigma, rho, beta = 10.0, 28.0, 8 / 3
    fp = fixed_points(systems.lorenz(), bounds=(-30, 30))
    c = np.sqrt(beta * (rho - 1))
    np.testing.assert_allclose(fp.state, [[-c, -c, rho - 1], [0, 0, 0], [c, c, rho - 1]], atol=1e-9)
    origin = np.sort_complex(np.r_[np.roots([1, sigma + 1, sigma * (1 - rho)]), -beta])
    np.testing.assert_allclose(np.sort_complex(fp.eigenvalues[1]), origin, rtol=1e-9)
    wings = np.sort_complex(np.roots([1, sigma + beta + 1, beta * (sigma + rho), 2 * sigma * beta * (rho - 1)]))
    for k in (0, 2):
        np.testing.assert_allclose(np.sort_complex(fp.eigenvalues[k]), wings, rtol=1e-9)
    assert fp.kind.tolist() == ["saddle"] * 3 and fp.n_unstable.tolist() == [2, 1, 2]


def test_henon_fixed_points_are_analytic_saddles():
    a, b = 1.4, 0.3
    fp = fixed_points(systems.henon(a, b), bounds=(-3, 3))
    x = np.sort((-(1 - b) + np.array([-1, 1]) * np.sqrt((1 - b) ** 2 + 4 * a)) / (2 * a))
    np.testing.assert_allclose(fp.state, np.stack([x, b * x], axis=1), atol=1e-10)
    assert fp.kind.tolist() == ["saddle", "saddle"]


def test_classification_of_maps_and_flows():
    assert classify(np.array([0.5 + 0.5j, 0.5 - 0.5j]), discrete=True) == ("stable focus", 0)
    assert classify(np.array([2.0, 3.0]), discrete=True) == ("unstable node", 2)
    assert classify(np.array([1j, -1j]), discrete=False)[0] == "non-hyperbolic"
    assert classify(np.array([-1.0, 0.5]), discrete=False) == ("saddle", 1)


def test_bounds_are_needed_for_systems_that_give_none():
    with pytest.raises(ValueError, match="bounds"):
        fixed_points(systems.van_der_pol())


def test_roots_outside_the_bounds_are_dropped():
    """The cubic x - x^3 has equilibria -1, 0 and 1 (analytic). Seeds at the edge of the box
    [-0.5, 2] and beyond it converge to -1 too, which lies outside: only 0 and 1 remain."""
    fp = fixed_points(systems.cubic(1), bounds=(-0.5, 2.0), seeds=[[-0.45], [-2.0], [0.1], [1.9], [3.0]],
                      trajectory_ends=0)
    np.testing.assert_allclose(np.sort(fp.state[:, 0]), [0.0, 1.0], atol=1e-12)
    assert np.all((fp.state >= -0.5) & (fp.state <= 2.0))
