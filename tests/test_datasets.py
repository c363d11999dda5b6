"""Generated data sets against slow references written from their published definitions."""

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from evornn import datasets
from tests import reference


def test_mackey_glass_follows_jaeger_discretisation():
    series = datasets.mackey_glass(300, n_discard=50)
    expected = reference.mackey_glass_euler(350)[50:]
    np.testing.assert_allclose(series[:, 0], expected, rtol=1e-13)
    # chaotic regime: the attractor spans roughly [0.4, 1.3]
    long = datasets.mackey_glass(3000)
    assert 0.2 < long.min() < 0.6 and 1.1 < long.max() < 1.5
    noisy = datasets.mackey_glass(100, rng=1)
    assert not np.allclose(noisy, datasets.mackey_glass(100)) and np.array_equal(noisy, datasets.mackey_glass(100, rng=1))


def test_narma10_follows_atiya_and_parlos():
    data = datasets.narma(500, n_discard=100, rng=3)
    u = np.random.default_rng(3).uniform(0.0, 0.5, 601)
    y = reference.narma10(u)
    np.testing.assert_allclose(data[:, 0], u[100:600], rtol=0, atol=0)
    np.testing.assert_allclose(data[:, 1], y[101:601], rtol=1e-13)


def test_lorenz_matches_an_independent_integration():
    series = datasets.lorenz(200, dt=0.01, n_discard=0)
    t = np.arange(200) * 0.01

    def lorenz(_t, s):
        return [10 * (s[1] - s[0]), s[0] * (28 - s[2]) - s[1], s[0] * s[1] - 8 / 3 * s[2]]

    ref = solve_ivp(lorenz, (0, t[-1]), [1.0, 1.0, 1.0], method="Radau", t_eval=t, rtol=1e-11, atol=1e-11).y.T
    np.testing.assert_allclose(series, ref, rtol=0, atol=1e-6)


def test_henon_and_mso():
    h = datasets.henon(50, n_discard=10)
    np.testing.assert_allclose(h[1:, 0], 1 - 1.4 * h[:-1, 0] ** 2 + h[:-1, 1], rtol=0, atol=1e-15)
    np.testing.assert_allclose(h[1:, 1], 0.3 * h[:-1, 0], rtol=1e-15)
    m = datasets.mso(40, 3)
    n = np.arange(40)
    np.testing.assert_allclose(m[:, 0], np.sin(0.2 * n) + np.sin(0.311 * n) + np.sin(0.42 * n), atol=1e-14)


def test_bad_arguments():
    with pytest.raises(ValueError, match="n_steps must be an integer >= 1"):
        datasets.narma(0)
    with pytest.raises(ValueError, match="n_oscillators must be at most 8"):
        datasets.mso(10, 9)
    with pytest.raises(ValueError, match="n_train must be below"):
        datasets.train_test(np.arange(5.0), 4)
