"""The generic System: user kernels become a Model that every tool accepts."""

from typing import NamedTuple

import numpy as np
import pytest

import evornn
from evornn import systems
from evornn.analysis import fixed_points
from tests.reference import integrate


def test_classic_systems_follow_a_plain_numpy_integration():
    lorenz = systems.lorenz(rho=[28.0, 10.0])
    y0 = np.array([[1.0, 1.0, 1.0], [2.0, 0.0, 5.0]])
    traj = evornn.simulate(lorenz, y0, dt=0.01, n_steps=300)
    for p, rho in enumerate([28.0, 10.0]):
        def f(y, u, rho=rho):
            return np.array([10 * (y[1] - y[0]), y[0] * (rho - y[2]) - y[1], y[0] * y[1] - 8 / 3 * y[2]])

        ref = integrate(f, y0[p], 0.01, 300, "rk4", lambda n, c: None)
        np.testing.assert_allclose(traj.y[:, p], ref, rtol=1e-10, atol=1e-10)
    henon = evornn.simulate(systems.henon(), [0.1, 0.2], n_steps=10)
    x, y = 0.1, 0.2
    for _ in range(10):
        x, y = 1 - 1.4 * x * x + y, 0.3 * x
    np.testing.assert_allclose(henon.y_final[0], [x, y], rtol=1e-10)


def test_analytic_jacobians_match_finite_differences(rng):
    for system, y in [(systems.lorenz(), rng.normal(size=(1, 3))), (systems.van_der_pol(2.0), rng.normal(size=(1, 2))),
                      (systems.henon(), rng.normal(size=(1, 2))), (systems.cubic(3), rng.normal(size=(1, 3))),
                      (systems.bautin(0.3, -0.7), rng.normal(size=(1, 2))), (systems.rossler(), rng.normal(size=(1, 3))),
                      (systems.brusselator(), rng.normal(size=(1, 2)))]:
        jac = system.jacobian(y)[0]
        one = evornn.analysis._one.OneSystem(system, 0, np.zeros(0))
        h = 1e-6
        fd = np.stack([(one.f(y[0] + h * e) - one.f(y[0] - h * e)) / (2 * h) for e in np.eye(y.shape[1])], axis=1)
        np.testing.assert_allclose(jac, fd, rtol=1e-6, atol=1e-6)


class Pendulum(NamedTuple):
    damping: np.ndarray


def test_system_validates_its_arguments():
    import numba

    @numba.njit
    def rhs(t, y, params, p, u, out):
        out[0] = y[1]
        out[1] = -np.sin(y[0]) - params.damping[p] * y[1]

    with pytest.raises(TypeError, match="NamedTuple"):
        evornn.System({"damping": [0.1]}, n_state=2, rhs=rhs)
    with pytest.raises(ValueError, match="time"):
        evornn.System(Pendulum(np.array([0.1])), n_state=2, rhs=rhs, time="hybrid")
    with pytest.raises(ValueError, match="axis 0"):
        evornn.System(Pendulum(np.float64(0.1)), n_state=2, rhs=rhs)
    pendulum = evornn.System(Pendulum(np.array([0.1, 0.5, 1.0])), n_state=2, rhs=rhs)
    assert pendulum.take([2]).params.damping.tolist() == [1.0]
    fp = fixed_points(pendulum, bounds=([-1.0, -1.0], [4.0, 1.0]))
    # Equilibria are x = k pi at rest: stable at the bottom (even k), saddles at the top (odd k).
    k = fp.state[:, 0] / np.pi
    np.testing.assert_allclose(k, np.round(k), atol=1e-9)
    np.testing.assert_allclose(fp.state[:, 1], 0.0, atol=1e-9)
    assert (fp.stable == (np.round(k) % 2 == 0)).all()
    assert set(fp.kind[np.round(k) % 2 == 1]) == {"saddle"}
    assert all({0.0, 1.0} <= set(np.round(k[fp.individual == p])) for p in range(3))
