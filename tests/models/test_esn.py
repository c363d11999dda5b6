"""Echo state networks against slow references written from the equations (tests/reference.py),
NumPy least squares, and Jaeger's memory-capacity bound."""

import numpy as np
import pytest
import scipy.sparse
from scipy.stats import ortho_group

from evornn import datasets
from evornn.analysis.memory import driven_lyapunov, echo_state_test, memory_capacity
from evornn.models import esn as esn_module
from evornn.models.esn import ESN
from evornn.models.readout import RidgeStatistics
from evornn.models.reservoir import Topology, spectral_radius
from evornn.tasks.timeseries import nrmse
from tests import reference


@pytest.fixture(scope="module")
def population():
    """Three reservoirs of one in-degree topology with different hyperparameters, per-unit
    leak rates on the last, bias, and two inputs."""
    topo = Topology.draw(30, 2, 1, in_degree=5, distribution="uniform", input_connectivity=0.5, rng=4)
    leak = np.array([np.full(30, 1.0), np.full(30, 0.3), np.linspace(0.1, 1.0, 30)])
    return topo.build(spectral_radius=[0.5, 0.95, 1.3], leak=leak, input_scaling=[0.2, 1.0, 2.0],
                      bias_scaling=[0.0, 0.5, 0.2])


def _reference_states(esn, p, inputs, **kwargs):
    prm = esn.params
    return reference.esn_run(esn.weights(p), prm.input_weights[p], prm.bias[p], prm.leak[p], inputs,
                             linear=bool(prm.linear[p]), **kwargs)


def test_states_equal_the_reference_loop(population):
    u = np.random.default_rng(0).uniform(-1, 1, (2, 120, 2))  # two sequences
    states = population.states(u, washout=20)
    assert states.shape == (3, 2, 100, 30)
    for p in range(3):
        for s in range(2):
            expected, _ = _reference_states(population, p, u[s])
            np.testing.assert_allclose(states[p, s], expected[20:], rtol=0, atol=1e-12)


def test_topology_scales_to_the_spectral_radius_and_nests():
    topo = Topology.draw(60, 1, 1, connectivity=0.3, rng=1)
    esn = topo.build(spectral_radius=[0.7, 1.1, 1.1], connectivity=[0.3, 0.3, 0.15])
    dense = [esn.weights(p).toarray() for p in range(3)]
    radii = [np.abs(np.linalg.eigvals(w)).max() for w in dense]
    np.testing.assert_allclose(radii, [0.7, 1.1, 1.1], rtol=1e-10)
    # the sparser reservoir is a subset of the denser one, with the same drawn values
    sparse_mask, dense_mask = dense[2] != 0, dense[1] != 0
    assert sparse_mask.sum() < dense_mask.sum() and np.all(dense_mask[sparse_mask])
    ratio = dense[1][sparse_mask] / dense[2][sparse_mask]
    np.testing.assert_allclose(ratio, ratio[0], rtol=1e-12)
    assert abs(dense_mask.mean() - 0.3) < 0.05
    fixed = Topology.draw(40, 1, 1, in_degree=4, rng=2).build(in_degree=[4, 2])
    for p, k in enumerate((4, 2)):
        assert np.all(np.diff(fixed.weights(p).indptr) == k)


def test_arpack_spectral_radius_is_deterministic_and_right():
    w = scipy.sparse.random_array((400, 400), density=0.05, rng=3, data_sampler=np.random.default_rng(3).standard_normal)
    rho = spectral_radius(w)
    assert rho == spectral_radius(w)
    assert rho == pytest.approx(np.abs(np.linalg.eigvals(w.toarray())).max(), rel=1e-8)
    assert Topology.draw(400, rng=5).matrix().data.tobytes() == Topology.draw(400, rng=5).matrix().data.tobytes()


def test_ridge_readout_matches_least_squares_and_the_path(population, monkeypatch):
    rng = np.random.default_rng(1)
    u = rng.uniform(-1, 1, (300, 2))
    y = np.column_stack([np.roll(u[:, 0], 3), u[:, 1] ** 2])
    monkeypatch.setattr(esn_module, "CHUNK_VALUES", 3 * 30 * 37)  # many chunks, washout inside the first
    stats = population.ridge_statistics(u, y, washout=50)
    states = population.states(u, washout=50)
    np.testing.assert_allclose(stats.xx, np.matmul(states.transpose(0, 2, 1), states), rtol=1e-12)
    np.testing.assert_allclose(stats.xy, np.matmul(states.transpose(0, 2, 1), y[50:]), rtol=1e-12, atol=1e-12)
    assert stats.count == 250
    # the normal equations square the condition number: compare where the ridge keeps it moderate
    ridges = (1e-3, 1e-2, 1e-1)
    trained_w, trained_b = stats.solve(ridges)
    path_w, path_b = stats.solve_path(ridges)
    for p, lam in enumerate(ridges):
        w, b = reference.ridge_readout(states[p], y[50:], lam)
        np.testing.assert_allclose(trained_w[p], w, rtol=1e-7, atol=1e-8)
        np.testing.assert_allclose(trained_b[p], b, rtol=1e-7, atol=1e-8)
        for r, lam_r in enumerate(ridges):
            w, b = reference.ridge_readout(states[p], y[50:], lam_r)
            np.testing.assert_allclose(path_w[p, r], w, rtol=1e-7, atol=1e-8)
            np.testing.assert_allclose(path_b[p, r], b, rtol=1e-7, atol=1e-8)
    direct = ((np.einsum("ptn,pmn->ptm", states, trained_w) + trained_b[:, None] - y[50:]) ** 2).mean(axis=1)
    np.testing.assert_allclose(stats.mse(trained_w, trained_b), direct, rtol=1e-6)


def test_weighted_ridge_fits_equal_fits_to_repeated_samples_and_the_reference():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(3, 40, 4)), rng.normal(size=(40, 2))
    k = rng.integers(0, 4, 40)  # each sample's weight: how often it is repeated
    weighted, repeated = RidgeStatistics.zeros(3, 4, 2), RidgeStatistics.zeros(3, 4, 2)
    weighted.add(x, y, k.astype(float))
    repeated.add(np.repeat(x, k, axis=1), np.repeat(y, k, axis=0))
    assert weighted.count == repeated.count == k.sum()
    w_weighted, w_repeated = weighted.solve(0.1), repeated.solve(0.1)
    for a, b in zip(w_weighted, w_repeated, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(weighted.mse(*w_weighted), repeated.mse(*w_repeated), rtol=1e-9)
    w, b = reference.ridge_readout(x[1], y, 0.1, weights=k)
    np.testing.assert_allclose(w_weighted[0][1], w, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(w_weighted[1][1], b, rtol=1e-8, atol=1e-10)


def test_fit_predict_and_generate_follow_the_reference(population):
    rng = np.random.default_rng(2)
    u = rng.uniform(-1, 1, (200, 2))
    y = np.column_stack([u[:, 0] * u[:, 1]])
    trained = population.fit(u, y, washout=20, ridge=1e-6)
    out = trained.predict(u, x0=np.zeros(trained.n_units))  # the reference starts from rest
    prm = trained.params
    for p in range(3):
        _, expected = _reference_states(trained, p, u, readout=prm.readout[p], readout_bias=prm.readout_bias[p])
        np.testing.assert_allclose(out[p], expected, rtol=0, atol=1e-11)
    # generation: a 2-input, 2-output network feeding its outputs back as inputs
    square = ESN.random(20, 2, 2, spectral_radius=0.9, rng=3)
    square = square.with_readout(np.random.default_rng(4).uniform(-0.3, 0.3, (2, 20)), [0.1, -0.1])
    warm = rng.uniform(-1, 1, (15, 2))
    generated = square.generate(10, warmup=warm)
    prm = square.params
    _, expected = reference.esn_run(square.weights(0), prm.input_weights[0], prm.bias[0], prm.leak[0], warm,
                                    readout=prm.readout[0], readout_bias=prm.readout_bias[0], generate_after=(15, 24))
    np.testing.assert_allclose(generated[0], expected[14:], rtol=0, atol=1e-12)


def test_output_feedback_is_teacher_forced_when_fitting():
    esn = ESN.random(25, 1, 1, spectral_radius=0.8, feedback_scaling=0.5, rng=5)
    u = np.random.default_rng(6).uniform(-1, 1, (80, 1))
    teacher = np.sin(np.arange(80) / 4.0)[:, None]
    states = esn.states(u, targets=teacher)
    prm = esn.params
    expected, _ = reference.esn_run(esn.weights(0), prm.input_weights[0], prm.bias[0], prm.leak[0], u,
                                    feedback_weights=prm.feedback_weights[0], teacher=teacher)
    np.testing.assert_allclose(states[0], expected, rtol=0, atol=1e-12)
    assert esn.n_inputs == 2 and esn.n_feedback == 1  # the generic interface sees [u, y]


def test_rls_equals_ridge_with_a_penalised_intercept(population):
    rng = np.random.default_rng(7)
    u = rng.uniform(-1, 1, (150, 2))
    y = np.column_stack([np.roll(u[:, 1], 1)])
    online = population.fit_online(u, y, washout=10, alpha=0.5)
    states = population.states(u)
    for p in range(3):
        phi = np.hstack([states[p, 10:], np.ones((140, 1))])
        solution = np.linalg.solve(phi.T @ phi + 0.5 * np.eye(31), phi.T @ y[10:])
        np.testing.assert_allclose(online.params.readout[p], solution[:30].T, rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(online.params.readout_bias[p], solution[30], rtol=1e-6, atol=1e-8)


def test_force_feeds_back_the_readout_while_it_learns():
    esn = ESN.random(15, 1, 1, spectral_radius=0.9, feedback_scaling=0.3, bias_scaling=0.1, rng=9)
    u = np.random.default_rng(10).uniform(-1, 1, (120, 1))
    y = np.sin(np.arange(120) / 5.0)[:, None]
    learned = esn.fit_online(u, y, washout=10, alpha=0.1)
    prm = esn.params
    w, b = reference.force_readout(esn.weights(0), prm.input_weights[0], prm.feedback_weights[0], prm.bias[0],
                                   prm.leak[0], u, y, 10, 0.1)
    np.testing.assert_allclose(learned.params.readout[0], w, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(learned.params.readout_bias[0], b, rtol=1e-8, atol=1e-10)


def test_jacobian_matches_finite_differences(population):
    y = np.random.default_rng(8).uniform(-0.5, 0.5, (3, 30))
    u = np.array([0.3, -0.2])
    jac = population.jacobian(y, inputs=u)
    for p in range(3):
        prm = population.params
        w = population.weights(p).toarray()

        def step(x, p=p, w=w, prm=prm):
            return (1 - prm.leak[p]) * x + prm.leak[p] * np.tanh(w @ x + prm.input_weights[p] @ u + prm.bias[p])

        h = 1e-6
        numeric = np.column_stack([(step(y[p] + h * e) - step(y[p] - h * e)) / (2 * h) for e in np.eye(30)])
        np.testing.assert_allclose(jac[p], numeric, rtol=0, atol=1e-8)


def test_memory_capacity_of_an_orthogonal_linear_reservoir():
    """Jaeger's bound: a linear reservoir of N = 50 units, W orthogonal times 0.9, i.i.d. uniform
    input, delays 1 .. 2N, readouts fitted on 10,000 steps and scored on 5,000 held-out steps:
    the capacity is close to N but below it (45 <= MC < 50)."""
    rng = np.random.default_rng(1)
    esn = ESN.from_weights(0.9 * ortho_group.rvs(50, random_state=rng), rng.uniform(-1, 1, (50, 1)),
                           activation="identity")
    mc = memory_capacity(esn, n_train=10_000, n_test=5_000, rng=2)
    assert 45 <= mc.total[0] < 50
    assert mc.by_delay.shape == (1, 100) and np.all(mc.by_delay <= 1 + 1e-12)


def test_echo_state_test_agrees_with_the_driven_lyapunov_exponent():
    esn = ESN.random(100, spectral_radius=[0.5, 0.9, 1.5, 3.0], input_scaling=0.5, rng=0)
    u = np.random.default_rng(0).uniform(-1, 1, (2000, 1))
    test = echo_state_test(esn, u, rng=1)
    exponent = driven_lyapunov(esn, u)
    assert test.echo.any() and not test.echo.all()  # both kinds are present
    assert np.all(exponent[test.echo] < 0) and np.all(exponent[~test.echo] > 0)
    # without input and with full leak the effective radius is W's own
    np.testing.assert_allclose(esn.effective_spectral_radius(), [0.5, 0.9, 1.5, 3.0], rtol=1e-9)
    leaky = ESN.random(60, spectral_radius=0.9, leak=0.2, rng=0)
    w = leaky.weights(0).toarray()
    expected = np.abs(np.linalg.eigvals(0.8 * np.eye(60) + 0.2 * w)).max()
    assert leaky.effective_spectral_radius()[0] == pytest.approx(expected, rel=1e-9)


def test_mackey_glass_one_step_prediction():
    """100 units, spectral radius 1.25, leak 0.3, connectivity 0.1, input scaling 1, ridge 1e-8;
    2,000 training steps (washout 100), tested on the next 200: one-step NRMSE below 1e-2."""
    series = datasets.mackey_glass(2201)
    x_train, y_train, x_test, y_test = datasets.train_test(series, 2000)
    esn = ESN.random(100, spectral_radius=1.25, leak=0.3, rng=0).fit(x_train, y_train, washout=100, ridge=1e-8)
    prediction = esn.predict(x_test, x0=esn.final_state(x_train))
    assert nrmse(prediction[0], y_test)[0] < 1e-2


def test_save_and_load_round_trip(tmp_path, population):
    trained = population.fit(np.ones((30, 2)), np.ones((30, 1)), ridge=1.0)
    path = trained.save(tmp_path / "esn")
    loaded = ESN.load(path.with_suffix(".json"))
    for a, b in zip(loaded.params, trained.params, strict=True):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ValueError, match="corrupt or truncated"):
        ESN.load(path)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"spectral_radius": 0.0}, "spectral_radius must be > 0"),
        ({"leak": 1.5}, r"leak must be in \(0, 1\]"),
        ({"leak": 0.0}, r"leak must be in \(0, 1\]"),
        ({"connectivity": 0.0}, r"connectivity must be in \(0, 1\]"),
        ({"distribution": "cauchy"}, "distribution must be one of"),
        ({"activation": "relu"}, "activation must be one of"),
    ],
)
def test_bad_hyperparameters_are_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ESN.random(10, rng=0, **{"connectivity": 0.5, **kwargs})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [  # found by fuzzing with random examples: these raised IndexError
        ({"weights": np.zeros((0, 0)), "input_weights": np.zeros((0, 0)), "readout": np.array(0.0)},
         r"weights must be a square matrix of N >= 1 units"),
        ({"readout": np.zeros(3)}, r"readout must have shape \(1, 3\)"),
        ({"feedback_weights": np.zeros(3)}, r"feedback_weights must have shape \(3, 3\)"),
    ],
)
def test_bad_weights_are_rejected_naming_them(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ESN.from_weights(**{"weights": np.eye(3), "input_weights": np.zeros((3, 1)), **kwargs})


def test_bad_sequences_are_rejected(population):
    with pytest.raises(ValueError, match=r"inputs must have shape \(n_steps, 2\)"):
        population.states(np.zeros((10, 3)))
    with pytest.raises(ValueError, match=r"washout \(10\) must be shorter than the sequences"):
        population.fit(np.zeros((10, 2)), np.zeros((10, 1)), washout=10)
    with pytest.raises(ValueError, match="targets must have 10 steps"):
        population.fit(np.zeros((10, 2)), np.zeros((9, 1)))
    with pytest.raises(ValueError, match="n_outputs == n_inputs"):
        population.generate(5, warmup=np.zeros((3, 2)))


def test_predict_after_fit_continues_from_the_state_the_training_data_left(tmp_path):
    """The README example: a test series that follows the training series is predicted in
    context (from the training run's final state), not from rest."""
    from evornn import ESN, datasets, nrmse

    series = datasets.mackey_glass(2401)
    x_train, y_train, x_test, y_test = datasets.train_test(series, 2200)
    pop = ESN.random(60, spectral_radius=[0.9, 1.2], leak=[0.3, 1.0], rng=1)
    fitted = pop.fit(x_train, y_train, washout=200)
    np.testing.assert_array_equal(fitted.state_, pop.final_state(x_train))
    np.testing.assert_array_equal(fitted.predict(x_test), fitted.predict(x_test, x0=pop.final_state(x_train)))
    assert all(nrmse(p, y_test) < 0.05 for p in fitted.predict(x_test))
    assert not np.array_equal(fitted.predict(x_test), fitted.predict(x_test, x0=np.zeros(60)))
    np.testing.assert_array_equal(fitted.take([1]).predict(x_test), fitted.predict(x_test)[1:])
    again = ESN.load(fitted.save(tmp_path / "esn.npz"))
    np.testing.assert_array_equal(again.state_, fitted.state_)
