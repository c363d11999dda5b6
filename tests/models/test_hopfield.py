"""Hopfield networks and BAM against theory (energy, crosstalk noise, mean-field Glauber
dynamics, capacities) and slow references written from the update rules."""

import warnings

import numpy as np
import pytest
from scipy.special import erfc

import evornn
from evornn.analysis.landscape import capacity_markers, energy_landscape, pattern_basins
from evornn.models.bam import BAM
from evornn.models.continuous_hopfield import ContinuousHopfield
from evornn.models.hopfield import Hopfield, hebbian, pseudo_inverse, storkey
from tests import reference


def random_patterns(rng, p, n):
    return np.where(rng.random((p, n)) < 0.5, -1.0, 1.0)


def test_asynchronous_updates_never_increase_the_energy():
    rng = np.random.default_rng(0)
    n_nets, n = 6, 40
    w = rng.normal(size=(n_nets, n, n))
    w = (w + w.transpose(0, 2, 1)) / 2
    for k in range(n_nets):
        np.fill_diagonal(w[k], 0.0)
    net = Hopfield(w, rng.normal(0, 0.5, (n_nets, n)))
    starts = random_patterns(rng, 300, n)
    result = net.recall(starts, probes=starts, network=np.arange(300) % n_nets, record=True, rng=1)
    assert np.all(np.diff(result.energy, axis=1) <= 1e-9)
    assert result.converged.all()
    np.testing.assert_allclose(result.energy[:, -1], net.energy(result.states, network=result.network), atol=1e-9)
    # every update of a fixed-order sweep, recomputed from scratch, never raises the energy either
    s, energies = reference.hopfield_async(w[0], net.params.threshold[0], starts[0], range(n))
    assert np.all(np.diff(energies) <= 1e-12)
    one = net.take(0).recall(starts[:1], probes=starts[:1], order="fixed", max_sweeps=1, rng=0)
    np.testing.assert_array_equal(one.states[0], s)


def test_synchronous_two_cycle_is_detected():
    net = Hopfield([[0.0, 1.0], [1.0, 0.0]])
    result = net.recall([[1.0, -1.0]], probes=[[1.0, -1.0]], update="sync")
    assert result.cycle[0] and not result.converged[0] and result.steps[0] == 2
    fixed = net.recall([[1.0, 1.0]], probes=[[1.0, 1.0]], update="sync")
    assert fixed.converged[0] and fixed.steps[0] == 0 and not fixed.cycle[0]


def test_hebbian_one_step_bit_errors_follow_the_crosstalk_formula():
    """N = 1000, loads p/N = 0.1, 0.15, 0.2, 0.3, 5 independent pattern sets each: the fraction
    of bits of stored patterns that one synchronous step flips is 1/2 erfc(sqrt(N / 2p)) within
    four binomial standard deviations."""
    rng = np.random.default_rng(3)
    n = 1000
    for load in (0.1, 0.15, 0.2, 0.3):
        p = round(load * n)
        errors = 0
        for _ in range(5):
            patterns = random_patterns(rng, p, n)
            result = Hopfield(hebbian(patterns)).recall(patterns, probes=patterns, update="sync", max_sweeps=1)
            errors += np.sum(result.states != patterns)
        total = 5 * p * n
        expected = 0.5 * erfc(np.sqrt(n / (2 * p)))
        sigma = np.sqrt(expected * (1 - expected) / total)
        assert abs(errors / total - expected) < 4 * sigma + 1e-12, (load, errors / total, expected)


def test_hebbian_retrieval_collapses_between_loads_010_and_016():
    """N = 2000: asynchronous relaxation (random order) from every stored pattern keeps a mean
    overlap of at least 0.99 at p/N = 0.10 and falls below 0.8 at p/N = 0.16."""
    rng = np.random.default_rng(4)
    n = 2000
    means = {}
    for load in (0.10, 0.16):
        patterns = random_patterns(rng, round(load * n), n)
        result = Hopfield(hebbian(patterns)).recall(patterns, probes=patterns, max_sweeps=50, rng=5)
        means[load] = result.overlap.mean()
    assert means[0.10] >= 0.99 and means[0.16] < 0.8


@pytest.mark.parametrize("temperature", [0.5, 0.8])
def test_glauber_overlap_matches_mean_field(temperature):
    """One stored pattern, N = 2000, Glauber dynamics from the pattern for 300 sweeps: the overlap
    averaged over sweeps 50-300 and 8 runs equals the root of m = tanh(m / T) within 0.01."""
    from scipy.optimize import brentq

    rng = np.random.default_rng(6)
    pattern = random_patterns(rng, 1, 2000)
    net = Hopfield(hebbian(pattern))
    result = net.recall(pattern, probes=np.repeat(pattern, 1, axis=0), n_probes=None, temperature=temperature,
                        max_sweeps=300, record=True, rng=7)
    runs = net.recall(np.repeat(pattern, 8, axis=0), probes=np.repeat(pattern, 8, axis=0), temperature=temperature,
                      max_sweeps=300, record=True, rng=8)
    m_star = brentq(lambda m: m - np.tanh(m / temperature), 1e-3, 1.0)
    assert abs(runs.overlap_trace[:, 50:].mean() - m_star) < 0.01
    assert result.overlap_trace.shape == (1, 301)


def test_storkey_and_pseudo_inverse_store_what_hebbian_cannot():
    """N = 200, p = 40 (load 0.2, above Hebbian's 0.138): probes with 10% flipped bits (200
    probes, asynchronous, random order). Hebbian recalls fewer than half exactly; Storkey and
    the pseudo-inverse rule recall every probe, and every pattern is a fixed point of theirs."""
    rng = np.random.default_rng(9)
    patterns = random_patterns(rng, 40, 200)
    rates = {}
    for name, rule in (("hebbian", hebbian), ("storkey", storkey), ("pseudo_inverse", pseudo_inverse)):
        net = Hopfield(rule(patterns))
        rates[name] = net.recall(patterns, noise=0.1, n_probes=200, rng=10).rate
        if name != "hebbian":
            assert net.stored(patterns).all()
    assert rates["hebbian"] < 0.5 and rates["storkey"] == 1.0 and rates["pseudo_inverse"] == 1.0
    with pytest.warns(RuntimeWarning, match="destroys the basins"):
        pseudo_inverse(patterns, keep_diagonal=True)


def test_storkey_rule_matches_its_definition():
    rng = np.random.default_rng(11)
    patterns = random_patterns(rng, 4, 12)
    w = np.zeros((12, 12))
    for x in patterns:  # element by element, from Storkey (1997)
        new = w.copy()
        for i in range(12):
            for j in range(12):
                h_ij = sum(w[i, k] * x[k] for k in range(12) if k not in (i, j))
                h_ji = sum(w[j, k] * x[k] for k in range(12) if k not in (i, j))
                new[i, j] = w[i, j] + (x[i] * x[j] - x[i] * h_ji - h_ij * x[j]) / 12
        w = new
    np.fill_diagonal(w, 0.0)
    np.testing.assert_allclose(storkey(patterns), w, atol=1e-14)


def test_random_streams_make_results_thread_independent():
    import numba

    rng = np.random.default_rng(12)
    patterns = random_patterns(rng, 10, 80)
    net = Hopfield(hebbian(patterns))
    outs = []
    for threads in (1, numba.config.NUMBA_NUM_THREADS):
        numba.set_num_threads(threads)
        a = net.recall(patterns, noise=0.2, n_probes=64, rng=13, record=True)
        g = net.recall(patterns, noise=0.0, n_probes=16, temperature=0.6, max_sweeps=20, rng=14, record=True)
        b = BAM.from_pairs(patterns[:, :40], patterns[:, 40:]).recall(patterns[:, :40], patterns[:, 40:],
                                                                     temperature=0.5, max_steps=10, n_probes=32, rng=15)
        outs.append((a.states.tobytes(), a.energy.tobytes(), g.overlap_trace.tobytes(), b.x.tobytes(), b.y.tobytes()))
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    assert outs[0] == outs[1]


def test_bam_energy_never_increases_and_pairs_are_recalled():
    """Kosko BAM, 4 random pairs of 80 and 60 units: recall from either layer with 10% of its
    bits flipped (100 probes each) is exact, and the energy never increases."""
    rng = np.random.default_rng(16)
    xs, ys = random_patterns(rng, 4, 80), random_patterns(rng, 4, 60)
    bam = BAM.from_pairs(xs, ys)
    for start in ("x", "y"):
        result = bam.recall(xs, ys, start=start, noise=0.1, n_probes=100, record=True, rng=17)
        assert result.rate == 1.0
        assert np.all(np.diff(result.energy[:, 1:], axis=1) <= 1e-9)
        np.testing.assert_allclose(result.energy[:, -1], bam.energy(result.x, result.y, network=np.zeros(100, int)))
    # on random weights too
    w = rng.normal(size=(30, 20))
    result = BAM(w).recall(random_patterns(rng, 50, 30), random_patterns(rng, 50, 20), noise=0.5, record=True, rng=18)
    assert np.all(np.diff(result.energy[:, 1:], axis=1) <= 1e-9)


def test_bam_recall_follows_the_reference_passes():
    rng = np.random.default_rng(23)
    w = rng.normal(size=(12, 9))
    xs, ys = random_patterns(rng, 40, 12), random_patterns(rng, 40, 9)
    result = BAM(w).recall(xs, ys, noise=0.3, rng=24)
    starts = evornn.models.hopfield.flip_bits(xs, 0.3, np.random.default_rng(24))  # the probes recall drew
    for k in range(40):
        x, y = starts[k].copy(), np.ones(9)
        for step in range(100):
            y_new = np.where(w.T @ x != 0, np.sign(w.T @ x), y)
            x_new = np.where(w @ y_new != 0, np.sign(w @ y_new), x)
            changed = not (np.array_equal(x_new, x) and np.array_equal(y_new, y))
            x, y = x_new, y_new
            if not changed and step > 0:
                break
        np.testing.assert_array_equal(result.x[k], x)
        np.testing.assert_array_equal(result.y[k], y)
        assert result.steps[k] == step + 1


def test_bam_model_step_is_a_forward_then_backward_pass():
    rng = np.random.default_rng(19)
    w = rng.normal(size=(5, 3))
    bam = BAM(w)
    x0 = random_patterns(rng, 1, 5)[0]
    traj = evornn.simulate(bam, np.concatenate([x0, np.ones(3)])[None], n_steps=1)
    y1 = np.sign(w.T @ x0)
    x1 = np.sign(w @ y1)
    np.testing.assert_array_equal(traj.y_final[0], np.concatenate([x1, y1]))


def test_continuous_hopfield_energy_decreases_and_jacobian_is_exact():
    """Hopfield (1984): 12 units storing 2 patterns (Hebbian T), gain 4, R = C = 1, small
    currents: Hopfield's energy is non-increasing along an RK4 trajectory (dt 0.01) and along
    SciPy's Radau solution, to integration tolerance."""
    rng = np.random.default_rng(20)
    net = ContinuousHopfield.from_patterns(random_patterns(rng, 2, 12), gain=4.0, current=rng.normal(0, 0.05, 12))
    u0 = rng.normal(0, 0.5, (1, 12))
    for method, kwargs in (("rk4", {}), ("Radau", {"rtol": 1e-10, "atol": 1e-12})):
        traj = evornn.simulate(net, u0, dt=0.01, t_max=10.0, method=method, **kwargs)
        energy = net.energy(traj.y)[:, 0]
        assert np.all(np.diff(energy) <= 1e-9) and energy[-1] < energy[0] - 0.1
    u = rng.normal(0, 0.4, (1, 12))
    jac = net.jacobian(u)[0]
    h = 1e-6
    f = evornn.models.base._rhs_batch
    numeric = np.empty((12, 12))
    for k in range(12):
        up, down = u.copy(), u.copy()
        up[0, k] += h
        down[0, k] -= h
        out_up, out_down = np.empty((1, 12)), np.empty((1, 12))
        f(0.0, up, net.params, np.zeros((1, 0)), out_up)
        f(0.0, down, net.params, np.zeros((1, 0)), out_down)
        numeric[:, k] = (out_up[0] - out_down[0]) / (2 * h)
    np.testing.assert_allclose(jac, numeric, atol=1e-7)


def test_landscape_census_and_basins_of_a_small_network():
    """Three Hebbian patterns in 14 units: every stored pattern and its negation are fixed points
    (checked against a brute-force stability test of all 2^14 states), and each pattern's basin
    under fixed-order asynchronous updates holds at least its 1-bit neighbourhood."""
    rng = np.random.default_rng(21)
    patterns = random_patterns(rng, 3, 14)
    net = Hopfield(hebbian(patterns))
    land = energy_landscape(net, patterns)
    w = net.params.weights[0]
    states = np.where(((np.arange(2**14)[:, None] >> np.arange(14)) & 1) == 1, 1.0, -1.0)
    fields = states @ w.T
    brute = np.all(states * fields >= 0, axis=1)
    np.testing.assert_array_equal(land.fixed, brute)
    np.testing.assert_allclose(land.energy, -0.5 * np.einsum("ki,ki->k", states, fields), atol=1e-12)
    assert land.census["stored"] == 3 and land.census["reversed"] == 3
    assert sum(land.census.values()) == brute.sum()
    basins = pattern_basins(net, patterns)
    theta = np.zeros(14)
    for index in np.random.default_rng(22).choice(2**14, 300, replace=False):
        s = states[index]
        for _ in range(100):  # fixed-order sweeps until nothing changes
            new, _ = reference.hopfield_async(w, theta, s, range(14))
            if np.array_equal(new, s):
                break
            s = new
        match = [m for m in range(3) if np.array_equal(s, patterns[m])]
        match += [-(m + 1) for m in range(3) if np.array_equal(s, -patterns[m])]
        assert basins.attractor[index] == (match[0] if match else 3)
    for m, pattern in enumerate(patterns):
        assert basins.attractor[((pattern > 0) * (1 << np.arange(14))).sum()] == m
    np.testing.assert_allclose(basins.size, [np.mean(basins.attractor == m) for m in range(3)])
    markers = capacity_markers(1000)
    assert markers["N / (4 ln N)"] == pytest.approx(1 / (4 * np.log(1000)))


def test_bad_input():
    with pytest.raises(ValueError, match="bipolar"):
        hebbian([[1.0, 0.5]])
    with pytest.raises(ValueError, match=r"weights must have shape \(N, N\)"):
        Hopfield(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="update must be one of"):
        Hopfield(np.zeros((3, 3))).recall(np.ones((1, 3)), update="parallel")
    with pytest.raises(ValueError, match="resistance must be > 0"):
        ContinuousHopfield(np.zeros((2, 2)), resistance=0.0)
    with pytest.raises(ValueError, match="N must be at most 20"):
        energy_landscape(Hopfield(np.zeros((21, 21))))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pseudo_inverse(np.ones((1, 4)))  # zero diagonal: no warning


def test_sweep_run_function_measures_recall():
    from evornn.sweep import runs

    runs.hopfield_recall.validate({"load": 0.1, "rule": "storkey"})
    low = runs.hopfield_recall({"n_units": 100, "load": 0.05, "n_probes": 50}, 1)
    high = runs.hopfield_recall({"n_units": 100, "load": 0.3, "n_probes": 50}, 1)
    assert low["recall"] == 1.0 and low["fixed"] == 1.0 and high["recall"] < 0.5


def test_noise_levels_per_probe_flip_exactly_that_many_bits():
    from evornn.models.hopfield import flip_bits

    rng = np.random.default_rng(25)
    patterns = random_patterns(rng, 6, 50)
    levels = np.array([0.0, 0.1, 0.2, 0.3, 0.5, 1.0])
    probes = flip_bits(patterns, levels, rng)
    np.testing.assert_array_equal(np.sum(probes != patterns, axis=1), np.round(levels * 50))
    with pytest.raises(ValueError, match="noise must be in"):
        flip_bits(patterns, 1.5)
