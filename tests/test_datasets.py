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


def test_narendras_plant_by_hand_and_on_its_sine_test():
    """y(1) = u(0); y(2) = y(1) y(0) (y(1) + 2.5) / (1 + y(1)^2 + y(0)^2) + u(1); ... from rest."""
    data = datasets.narendra([1.0, 0.5, -0.3])
    np.testing.assert_allclose(data[:, 1], [1.0, 0.5, 1.5 / 2.25 - 0.3], rtol=1e-15)
    np.testing.assert_array_equal(data[:, 0], [1.0, 0.5, -0.3])
    started = datasets.narendra([0.0], y0=(1.0, 2.0))  # y(0) = 1, y(-1) = 2
    assert started[0, 1] == pytest.approx(1 * 2 * 3.5 / 6)
    sine = datasets.narendra(np.sin(2 * np.pi * np.arange(500) / 25))
    tail = sine[100:, 1]
    assert np.allclose(tail[25:], tail[:-25], atol=1e-9)  # it settles on the input's period
    with pytest.raises(ValueError, match="u must be a non-empty sequence"):
        datasets.narendra([])


def test_spike_templates_are_jittered_copies_of_shared_templates():
    """Without jitter every copy of a template equals it; with jitter each spike stays near
    its template's (Gaussian moves of sd 4 ms, binned by 0.5 ms); segments other than the
    queried one take either template; training and test data share the templates."""
    exact = datasets.spike_templates(6, n_segments=2, query=1, jitter=0.0, rng=1)
    first = exact.inputs[:, 200:]  # the queried segment
    for s in range(2, 6):
        np.testing.assert_array_equal(first[s], first[s % 2])
    assert not np.array_equal(first[0], first[1])
    assert exact.targets[:, -1].argmax(axis=1).tolist() == [0, 1, 0, 1, 0, 1]
    assert exact.mask[:, -1].all() and exact.mask.sum() == 6
    test = datasets.spike_templates(4, n_segments=2, query=1, jitter=0.0, rng=9)
    np.testing.assert_array_equal(test.inputs[0, 200:], first[0])
    jittered = datasets.spike_templates(200, n_segments=1, jitter=4.0, rng=2)
    template = np.flatnonzero(datasets.spike_templates(1, jitter=0.0).inputs[0, :, 0]) * 0.5
    moved = [np.flatnonzero(x[:, 0]) * 0.5 for x in jittered.inputs[::2]]
    nearest = np.concatenate([np.abs(m[:, None] - template[None, :]).min(axis=1) for m in moved])
    assert template.size > 0 and nearest.max() < 20  # five standard deviations
    assert 2.0 < nearest.mean() < 4.5  # E|N(0, 4)| = 3.2 ms, less where another template spike is nearer


def test_bad_arguments():
    with pytest.raises(ValueError, match="n_steps must be an integer >= 1"):
        datasets.narma(0)
    with pytest.raises(ValueError, match="n_oscillators must be at most 8"):
        datasets.mso(10, 9)
    with pytest.raises(ValueError, match="n_train must be below"):
        datasets.train_test(np.arange(5.0), 4)


# Reber's grammar as a regular expression written from the published diagram (independent of
# the automaton table in evornn.datasets): from node 2 a string ends by S or by X T* V V, and
# may loop back through X T* V P.
_REBER = r"B(?:TS*X|PT*VP)(?:XT*VP)*(?:S|XT*VV)E|BPT*VVE"


def _next_symbols(strings, prefix):
    return {s[len(prefix)] for s in strings if s.startswith(prefix) and len(s) > len(prefix)}


def _decode(data, q, alphabet):
    n = int(data.mask[q].sum())
    return "".join(alphabet[i] for i in data.inputs[q, :n].argmax(axis=1))


def test_reber_strings_follow_the_grammar_and_targets_list_every_possible_next_symbol():
    import re

    plain = datasets.reber(3000, embedded=False, rng=0)
    alphabet = datasets.REBER_SYMBOLS
    strings = [_decode(plain, q, alphabet) + "E" for q in range(3000)]
    assert all(re.fullmatch(_REBER, s) for s in strings)
    # Each target set equals the symbols seen after that prefix among 3000 strings (checked
    # where the prefix is common enough that a missing branch has probability < 2**-40).
    checked = 0
    for q in range(200):
        for t in range(int(plain.mask[q].sum())):
            prefix = strings[q][:t + 1]
            if sum(s.startswith(prefix) for s in strings) >= 40:
                expected = _next_symbols(strings, prefix)
                assert {alphabet[i] for i in np.flatnonzero(plain.targets[q, t])} == expected
                checked += 1
    assert checked > 500

    embedded = datasets.reber(200, rng=1)
    for q in range(200):
        text = _decode(embedded, q, alphabet) + "E"
        assert text[1] in "TP" and text[-2] == text[1] and re.fullmatch(_REBER, text[2:-2])
        (step,) = np.flatnonzero(embedded.probes["penultimate"][q])
        assert embedded.targets[q, step].tolist() == [float(c == text[1]) for c in alphabet]


def test_anbncn_targets_are_the_continuations_within_the_language():
    language = ["S" + "a" * n + "b" * n + "c" * n + "T" for n in range(1, 30)]
    data = datasets.anbncn(np.arange(1, 9))
    for q, n in enumerate(range(1, 9)):
        text = _decode(data, q, "Sabc")
        assert text == language[n - 1][:-1]
        for t in range(len(text)):
            expected = _next_symbols(language, text[:t + 1])
            assert {"abcT"[i] for i in np.flatnonzero(data.targets[q, t])} == expected
    assert datasets.anbncn([3], counts=2).targets.shape == (1, 7, 3)


def test_parity_and_waveforms():
    data = datasets.parity(3, 50, order=3, delay=2, rng=4)
    bits = (data.inputs[:, :, 0] > 0).astype(int)
    for q in range(3):
        for t in range(50):
            if t >= 4:
                assert data.mask[q, t] and data.targets[q, t, 0] == bits[q, t - 2] ^ bits[q, t - 3] ^ bits[q, t - 4]
            else:
                assert not data.mask[q, t]
    waves = datasets.waveforms(30, 64, noise=0.0, rng=2)
    labels = waves.targets[:, -1].argmax(axis=1)
    x = waves.inputs[:, :, 0]
    # Without noise a square wave takes only the values +-1 and a sawtooth rises by 2 / period
    # between its jumps, while a sine stays smooth.
    assert np.all(np.isin(x[labels == 1], [-1.0, 1.0]))
    steps = np.diff(x[labels == 2], axis=1)
    assert np.all((steps > 0) | (steps < -1.0))
    assert np.all(np.abs(np.diff(x[labels == 0], axis=1)) < 2 * np.pi / 8 + 1e-12)
    assert waves.mask.sum() == 30 and waves.mask[:, -1].all()
    with pytest.raises(ValueError, match="noise"):
        datasets.waveforms(3, noise=-1.0)
    with pytest.raises(ValueError, match="ns"):
        datasets.anbncn([0, 2])
