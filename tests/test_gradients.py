"""BPTT and RTRL: gradients against central finite differences of a loss computed by
evornn.simulate and NumPy, against each other, and gradient descent that learns."""

import numba
import numpy as np
import pytest

import evornn
from evornn.gradients import fit_bptt, gradient
from evornn.models import GRU, LSTM, Elman, FullyRecurrent, Jordan

KINDS = {
    "elman-identity": lambda: Elman.random(3, 4, 2, 2, scale=2.0, rng=1),
    "elman-tanh": lambda: Elman.random(3, 4, 2, 2, scale=2.0, output_activation="tanh", rng=2),
    "elman-logistic": lambda: Elman.random(3, 4, 2, 2, scale=2.0, output_activation="logistic", rng=3),
    "jordan-tanh": lambda: Jordan.random(3, 4, 2, 2, scale=2.0, output_activation="tanh", decay=0.6, rng=4),
    "jordan-identity": lambda: Jordan.random(3, 3, 2, 1, scale=2.0, decay=0.3, rng=5),
    "fully_recurrent": lambda: FullyRecurrent.random(3, 4, 2, 2, scale=2.0, outputs=[3, 1], rng=6),
    "gru": lambda: GRU.random(3, 4, 2, 2, scale=2.0, output_activation="tanh", rng=7),
    "lstm": lambda: LSTM.random(3, 3, 2, 2, scale=2.0, rng=8),
    "lstm-peepholes": lambda: _peepholes(LSTM.random(3, 3, 2, 1, scale=2.0, output_activation="logistic", rng=9)),
}


def _peepholes(model):
    arrays = model.params._asdict()
    arrays["peep"] = np.random.default_rng(10).normal(size=arrays["peep"].shape)
    return type(model)(**arrays)


def _with_biases(model, rng):
    """Non-zero biases, so that every derivative is exercised."""
    arrays = model.params._asdict()
    for name in ("bias", "b_out"):
        if name in arrays:
            arrays[name] = rng.normal(size=arrays[name].shape)
    return type(model)(**arrays)


def _data(model, rng, n_seq=3, n_steps=9):
    u = rng.normal(size=(n_seq, n_steps, model.n_inputs))
    z = rng.uniform(-0.8, 0.8, size=(n_seq, n_steps, model.n_outputs))
    mask = rng.random((n_seq, n_steps)) < 0.7
    mask[:, -1] = False  # samples after the last scored one must not count
    return u, z, mask


def _loss(model, u, z, mask):
    """The mean squared error over the scored samples, by evornn.simulate and NumPy."""
    total = np.zeros(model.n_pop)
    for s in range(u.shape[0]):
        inputs = np.ascontiguousarray(np.broadcast_to(u[s][:, None], (u.shape[1], model.n_pop, u.shape[2])))
        y = evornn.simulate(model, inputs=inputs).outputs[1:]  # (T, n_pop, M): after each input
        total += (((y - z[s][:, None, :]) ** 2).sum(axis=2) * mask[s][:, None]).sum(axis=0)
    return total / (mask.sum() * model.n_outputs)


def _finite_differences(model, fields, u, z, mask, p, h=1e-6):
    """Central differences of the loss of network p in every entry of `fields`, as one
    population of perturbed copies."""
    one = model.take([p]).params._asdict()
    sizes = [one[name].size for name in fields]
    n = sum(sizes)
    arrays = {name: np.repeat(np.asarray(value), 2 * n, axis=0) for name, value in one.items()}
    k = 0
    for name, size in zip(fields, sizes, strict=True):
        flat = arrays[name].reshape(2 * n, -1)
        for j in range(size):
            flat[2 * (k + j), j] += h
            flat[2 * (k + j) + 1, j] -= h
        k += size
    losses = _loss(type(model)(**arrays), u, z, mask)
    fd = (losses[0::2] - losses[1::2]) / (2 * h)
    out, k = {}, 0
    for name, size in zip(fields, sizes, strict=True):
        out[name] = fd[k:k + size].reshape(one[name].shape[1:])
        k += size
    return out


# Each model type compiles its gradient kernel once (15-30 s on 2 cores): the Elman network
# runs in the default test run, the other types in CI's step for slow tests.
SLOW = pytest.mark.slow


@pytest.mark.parametrize("kind", [pytest.param(k, marks=() if k.startswith("elman") else SLOW) for k in KINDS])
def test_bptt_and_rtrl_equal_finite_differences_and_each_other(kind):
    rng = np.random.default_rng(len(kind))
    model = _with_biases(KINDS[kind](), rng)
    u, z, mask = _data(model, rng)
    bptt = gradient(model, u, z, mask=mask)
    rtrl = gradient(model, u, z, mask=mask, method="rtrl")
    np.testing.assert_allclose(bptt.loss, _loss(model, u, z, mask), rtol=1e-12)
    np.testing.assert_allclose(rtrl.loss, bptt.loss, rtol=1e-12)
    for p in range(model.n_pop):
        fd = _finite_differences(model, list(bptt.fields), u, z, mask, p)
        scale = max(np.abs(g[p]).max() for g in bptt.fields.values())
        for name, g in bptt.fields.items():
            np.testing.assert_allclose(g[p], fd[name], rtol=1e-6, atol=1e-6 * scale, err_msg=name)
            np.testing.assert_allclose(rtrl.fields[name][p], g[p], rtol=1e-10, atol=1e-12 * scale, err_msg=name)


def test_gradients_do_not_depend_on_the_thread_count_or_the_population():
    rng = np.random.default_rng(0)
    model = _with_biases(Elman.random(5, 6, 2, 1, rng=0), rng)
    u, z, mask = _data(model, rng)
    whole = gradient(model, u, z, mask=mask)
    part = gradient(model.take([3, 1]), u, z, mask=mask)
    for name, g in whole.fields.items():
        np.testing.assert_array_equal(part.fields[name], g[[3, 1]])
    for n in {1, min(2, numba.config.NUMBA_NUM_THREADS)}:
        again = gradient(model, u, z, mask=mask, n_threads=n)
        for name, g in whole.fields.items():
            np.testing.assert_array_equal(again.fields[name], g)


def test_fit_bptt_learns_temporal_xor():
    # y(t) = x(t-1) XOR x(t-2) for random bits (+-1): a task that needs the recurrence.
    bits = np.random.default_rng(3).integers(0, 2, size=(8, 30))
    u = (2.0 * bits - 1.0)[:, :, None]
    target = np.zeros_like(u)
    target[:, 2:, 0] = np.where(bits[:, 1:-1] != bits[:, :-2], 0.8, -0.8)
    mask = np.zeros(bits.shape, dtype=bool)
    mask[:, 2:] = True
    model = Elman.random(4, 8, 1, 1, output_activation="tanh", rng=1)
    trained, losses = fit_bptt(model, u, target, mask=mask, steps=300, learning_rate=0.03)
    assert losses.shape == (301, 4)
    np.testing.assert_allclose(losses[-1], _loss(trained, u, target, mask), rtol=1e-12)
    assert (losses[-1] < 0.25 * losses[0]).sum() >= 3  # most of the 4 networks learn it
    inputs = np.ascontiguousarray(np.broadcast_to(u[0][:, None], (30, 4, 1)))
    right = np.sign(evornn.simulate(trained, inputs=inputs).outputs[1:, :, 0])[2:] == np.sign(target[0, 2:, 0])[:, None]
    assert right.mean(axis=0).max() == 1.0


def test_bad_arguments_are_refused():
    model = Elman.random(2, 3, 2, 1, rng=0)
    u, z = np.zeros((5, 2)), np.zeros((5, 1))
    with pytest.raises(ValueError, match="method"):
        gradient(model, u, z, method="adjoint")
    with pytest.raises(ValueError, match="targets must have shape"):
        gradient(model, u, np.zeros((5, 2)))
    with pytest.raises(ValueError, match="inputs must have shape"):
        gradient(model, np.zeros((5, 3)), z)
    with pytest.raises(ValueError, match="score no sample"):
        gradient(model, u, z, mask=np.zeros(5, dtype=bool))
    with pytest.raises(TypeError, match="no gradient kernels for IndRNN"):
        gradient(evornn.models.IndRNN.random(2, 3, 2, 1), u, z)
    with pytest.raises(ValueError, match="learning_rate"):
        fit_bptt(model, u, z, learning_rate=-1.0)
