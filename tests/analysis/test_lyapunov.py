"""Lyapunov exponents against published values and analytic results."""

from typing import NamedTuple

import numba
import numpy as np
import pytest

import evornn
from evornn import systems
from evornn.analysis import kaplan_yorke_dimension, largest_lyapunov, lyapunov_spectrum


def test_lorenz_spectrum_matches_published_values():
    """Sprott, "Chaos and Time-Series Analysis" (2003): (0.9056, 0, -14.5723)."""
    lam = lyapunov_spectrum(systems.lorenz(), [1.0, 1.0, 20.0], dt=0.01, n_steps=100_000, n_transient=1000)[0]
    np.testing.assert_allclose(lam, [0.9056, 0.0, -14.5723], atol=0.02)
    # The divergence of the Lorenz flow is the constant -(sigma + 1 + beta).
    assert lam.sum() == pytest.approx(-(10 + 1 + 8 / 3), abs=1e-3)
    assert largest_lyapunov(systems.lorenz(), [1.0, 1.0, 20.0], dt=0.01, n_steps=100_000,
                            n_transient=1000)[0] == pytest.approx(0.9056, abs=0.03)


def test_henon_and_logistic_maps():
    """Henon (a 1.4, b 0.3): (0.4192, -1.6232), whose sum is ln b; logistic r = 4: ln 2."""
    lam = lyapunov_spectrum(systems.henon(), [0.1, 0.1], n_steps=500_000, n_transient=1000)[0]
    np.testing.assert_allclose(lam, [0.4192, -1.6232], atol=0.005)
    assert lam.sum() == pytest.approx(np.log(0.3), abs=1e-9)
    lam = lyapunov_spectrum(systems.logistic(4.0), [0.3], n_steps=1_000_000, n_transient=100)[0, 0]
    assert lam == pytest.approx(np.log(2.0), abs=1e-3)


class LinearParams(NamedTuple):
    a: np.ndarray  # (n_pop, 2, 2)


@numba.njit
def linear_rhs(t, y, params, p, u, out):
    for i in range(2):
        out[i] = params.a[p, i, 0] * y[0] + params.a[p, i, 1] * y[1]


def test_a_user_system_without_jacobian_has_the_real_parts_of_its_eigenvalues():
    """For dy/dt = A y the exponents are the real parts of A's eigenvalues (finite-difference
    Jacobian; the population holds a node and a focus)."""
    a = np.array([[[-0.5, 2.0], [0.0, -1.5]], [[-0.3, -2.0], [2.0, -0.3]]])
    system = evornn.System(LinearParams(a), n_state=2, rhs=linear_rhs)
    lam = lyapunov_spectrum(system, [[1.0, 1.0], [1.0, 0.5]], dt=0.01, n_steps=20_000, renormalize_every=5)
    expected = -np.sort(-np.linalg.eigvals(a).real, axis=1)
    np.testing.assert_allclose(lam, expected, atol=2e-3)


def test_kaplan_yorke_dimension_by_hand():
    assert kaplan_yorke_dimension([0.9056, 0.0, -14.5723]) == pytest.approx(2 + 0.9056 / 14.5723)
    assert kaplan_yorke_dimension([0.4192, -1.6232]) == pytest.approx(1 + 0.4192 / 1.6232)
    np.testing.assert_allclose(kaplan_yorke_dimension([[-1.0, -2.0], [0.5, 0.1]]), [0.0, 2.0])


def test_driven_inputs_and_bad_arguments():
    net = evornn.CTRNN.random(3, 4, n_inputs=1, rng=0, tau_range=(1, 2))
    u = np.random.default_rng(1).normal(size=(600, 3, 1))
    lam = lyapunov_spectrum(net, dt=0.05, n_steps=500, n_transient=100, inputs=u)
    assert lam.shape == (3, 4) and np.isfinite(lam).all()
    with pytest.raises(ValueError, match="per-step inputs"):
        lyapunov_spectrum(net, dt=0.05, n_steps=500, inputs=u)
    with pytest.raises(ValueError, match="dt"):
        lyapunov_spectrum(net, n_steps=10)
    with pytest.raises(ValueError, match="n_exponents"):
        lyapunov_spectrum(net, dt=0.1, n_steps=10, n_exponents=5)
