import numpy as np
import pytest

import evornn
from evornn import CTRNN


def test_unbatched_arguments_make_one_network():
    net = CTRNN([[1.0, 2.0], [3.0, 4.0]], tau=[1.0, 2.0], bias=0.5)
    assert net.n_pop == 1 and net.n_neurons == 2 and net.n_inputs == 0
    assert net.weights.shape == (1, 2, 2) and net.bias.tolist() == [[0.5, 0.5]]
    assert net.gain.tolist() == [[1.0, 1.0]]


def test_population_size_comes_from_any_batched_argument(rng):
    net = CTRNN(np.eye(3), tau=rng.uniform(1, 2, (5, 3)))
    assert net.n_pop == 5
    assert (net.weights == np.eye(3)).all()


def test_parameters_are_read_only_copies():
    w = np.eye(2)
    net = CTRNN(w)
    w[0, 0] = 5.0
    assert net.weights[0, 0, 0] == 1.0
    with pytest.raises(ValueError):
        net.weights[0, 0, 0] = 2.0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"weights": np.ones((2, 3))}, r"weights must have shape \(n_neurons, n_neurons\)"),
        ({"weights": np.eye(2), "tau": [1.0, 0.0]}, r"tau must be > 0"),
        ({"weights": np.eye(2), "tau": [1.0, -2.0]}, r"tau must be > 0"),
        ({"weights": [[np.nan, 0], [0, 0]]}, r"weights must be finite"),
        ({"weights": np.eye(2), "bias": [np.inf, 0]}, r"bias must be finite"),
        ({"weights": np.eye(2), "bias": [1.0, 2.0, 3.0]}, r"bias must have shape \(2,\)"),
        ({"weights": np.ones((3, 2, 2)), "tau": np.ones((4, 2))}, r"disagree on the population size"),
        ({"weights": np.eye(2), "input_weights": np.ones((3, 1))}, r"input_weights must have shape"),
    ],
)
def test_bad_parameters_raise_naming_the_parameter(kwargs, match):
    weights = kwargs.pop("weights")
    with pytest.raises(ValueError, match=match):
        CTRNN(weights, **kwargs)


def test_random_is_reproducible_and_in_beers_ranges():
    a = CTRNN.random(50, 4, 2, rng=11)
    b = CTRNN.random(50, 4, 2, rng=np.random.default_rng(11))
    for field_a, field_b in zip(a.params, b.params, strict=True):
        assert np.array_equal(field_a, field_b)
    assert a.weights.min() >= -16 and a.weights.max() <= 16
    assert a.bias.min() >= -16 and a.bias.max() <= 16
    assert a.tau.min() >= 0.5 and a.tau.max() <= 10
    assert a.input_weights.shape == (50, 4, 2)
    assert not np.array_equal(a.weights, CTRNN.random(50, 4, 2, rng=12).weights)


def test_random_rejects_bad_sizes():
    with pytest.raises(ValueError, match="n_neurons must be an integer >= 1"):
        CTRNN.random(3, 0)
    with pytest.raises(TypeError, match="n_pop"):
        CTRNN.random(2.5, 3)


def test_center_crossing_follows_beers_definition(rng):
    net = CTRNN.random(3, 4, rng=rng).with_center_crossing()
    for p in range(3):
        for i in range(4):
            assert net.bias[p, i] == pytest.approx(-sum(net.weights[p, i, j] for j in range(4)) / 2)
    # At the centre (every output 1/2) each neuron's net input sits at the sigmoid's midpoint.
    y_star = 0.5 * net.weights.sum(axis=2)
    assert np.allclose(net.outputs(y_star), 0.5)


def test_lesion_removes_a_neurons_influence(rng):
    net = CTRNN.random(2, 3, rng=rng)
    lesioned = net.lesion(1)
    assert (lesioned.weights[:, :, 1] == 0).all()
    assert np.array_equal(lesioned.weights[:, :, [0, 2]], net.weights[:, :, [0, 2]])
    y = rng.normal(size=(2, 3))
    j = lesioned.jacobian(y)  # the lesioned neuron's state no longer reaches anyone else
    assert np.allclose(j[:, [0, 2], 1], 0.0)
    with pytest.raises(ValueError, match="neurons must be integer indices"):
        net.lesion(3)


def test_outputs_are_the_firing_rates(rng):
    net = CTRNN.random(4, 3, rng=rng, gain=2.0)
    y = rng.normal(size=(6, 4, 3))
    expected = 1 / (1 + np.exp(-net.gain * (y + net.bias)))
    assert np.allclose(net.outputs(y), expected, rtol=1e-14, atol=0)
    with pytest.raises(ValueError, match=r"y must have shape"):
        net.outputs(np.zeros((4, 2)))


def test_take_selects_individuals(rng):
    net = CTRNN.random(6, 3, 1, rng=rng)
    sub = net.take([4, 1])
    assert isinstance(sub, CTRNN) and sub.n_pop == 2
    assert np.array_equal(sub.weights, net.weights[[4, 1]])
    assert np.array_equal(net.take(2).input_weights, net.input_weights[2:3])
    with pytest.raises(ValueError):
        net.take(np.zeros(6, dtype=bool))


def test_analytic_jacobian_matches_finite_differences(rng):
    net = CTRNN.random(3, 4, 2, rng=rng, weight_range=(-5, 5), bias_range=(-3, 3))
    y = rng.normal(size=(3, 4))
    u = rng.normal(size=(3, 2))
    from tests.reference import ctrnn_derivative

    jac = net.jacobian(y, inputs=u)
    prm = net.params
    for p in range(3):
        f = lambda z, p=p: ctrnn_derivative(z, prm.tau[p], prm.bias[p], prm.gain[p], prm.weights[p],  # noqa: E731
                                            prm.input_weights[p], u[p])
        h = 1e-6
        numeric = np.column_stack([(f(y[p] + h * e) - f(y[p] - h * e)) / (2 * h) for e in np.eye(4)])
        assert np.allclose(jac[p], numeric, rtol=1e-7, atol=1e-8)


def test_ns_file_round_trips_exactly(tmp_path, rng):
    net = CTRNN.random(1, 5, rng=rng, gain=1.0)
    net = CTRNN(net.weights, tau=net.tau, bias=net.bias, gain=rng.uniform(0.5, 2, 5))
    path = net.to_ns(tmp_path / "circuit.ns")
    back = CTRNN.from_ns(path)
    for a, b in zip(net.params, back.params, strict=True):
        assert np.array_equal(a, b)


def test_ns_file_layout_is_beers_from_to_matrix(tmp_path):
    # Two neurons: a weight of 7 from neuron 1 to neuron 2 is row 1, column 2 of the file.
    (tmp_path / "c.ns").write_text("2\n\n1 2 \n\n-1 0.5 \n\n1 1 \n\n0 7 \n0 0 \n")
    net = CTRNN.from_ns(tmp_path / "c.ns")
    assert net.weights[0, 1, 0] == 7.0 and net.weights[0, 0, 1] == 0.0
    assert net.tau.tolist() == [[1.0, 2.0]] and net.bias.tolist() == [[-1.0, 0.5]]
    text = net.to_ns(tmp_path / "d.ns").read_text().split("\n")
    assert [float(v) for v in text[-3].split()] == [0.0, 7.0]


def test_ns_errors_are_clear(tmp_path):
    (tmp_path / "bad.ns").write_text("3\n1 2 3\n")
    with pytest.raises(ValueError, match=r"bad\.ns is not a \.ns circuit file"):
        CTRNN.from_ns(tmp_path / "bad.ns")
    with pytest.raises(ValueError, match="stores no input weights"):
        CTRNN(np.eye(2), input_weights=np.ones((2, 1))).to_ns(tmp_path / "x.ns")
    for text, message in (("", "it is empty"), ("ELMAN 2\n", "must start with the number of neurons, got 'ELMAN'"),
                          ("1\n1 0 1 x\n", "holds numbers only, got 'x'")):
        (tmp_path / "bad.ns").write_text(text)
        with pytest.raises(ValueError, match=message):
            CTRNN.from_ns(tmp_path / "bad.ns")


def test_public_api_exports():
    assert evornn.simulate is evornn.integrate.simulate
    assert issubclass(evornn.ConfigError, ValueError)


def test_multiple_timescale_configuration():
    groups = [(3, 1.0), (2, 10.0), (2, 50.0)]
    codec = evornn.CTRNN.multiple_timescale_codec(groups, n_inputs=2)
    # Genes: weights within and between adjacent groups (3+2)^2 + (2+2)^2 - 2^2, 7 biases,
    # inputs to the 3 fast neurons only; no time constants.
    assert codec.n_genes == 25 + 16 - 4 + 7 + 3 * 2
    net = codec.decode(codec.random(2, rng=3))
    np.testing.assert_array_equal(net.tau, [[1.0] * 3 + [10.0] * 2 + [50.0] * 2] * 2)
    assert np.all(net.weights[:, 5:, :3] == 0) and np.all(net.weights[:, :3, 5:] == 0)
    assert np.all(net.weights[:, 3:5, :] != 0) and np.all(net.input_weights[:, 3:] == 0)
    # Uncoupled, each neuron relaxes on its group's timescale: y(t) = y0 exp(-t / tau).
    free = evornn.CTRNN(np.zeros((7, 7)), tau=net.tau[0], bias=np.zeros(7))
    traj = evornn.simulate(free, np.ones((1, 7)), dt=0.01, t_max=5.0, method="DOP853", rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(traj.y[-1, 0], np.exp(-5.0 / net.tau[0]), rtol=1e-8)
    with pytest.raises(ValueError, match="groups"):
        evornn.CTRNN.multiple_timescale_codec([(0, 1.0)])
    with pytest.raises(ValueError, match="connect"):
        evornn.CTRNN.multiple_timescale_codec(groups, connect="some")
