"""Liquid state machines: one neuron against the closed-form LIF solutions, a circuit against
a slow reference that integrates with matrix exponentials (tests/reference.py)."""

import numpy as np
import pytest

import evornn
from evornn.models import LSM
from evornn.models.lsm import I_EXC, REFRACTORY, SPIKES, V
from tests import reference


def one_neuron(n_pop=1, **kwargs):
    options = {"i_bias": 10.0, "tau_m": 30.0, "r_m": 1.0, "v_thresh": 15.0, "v_reset": 13.5, "t_ref": 2.0,
               "dt": 0.1, **kwargs}
    return LSM(np.zeros((n_pop, 1, 1)), np.full((n_pop, 1, 1), 7.0), np.zeros((n_pop, 1), dtype=bool), **options)


def test_the_membrane_under_a_constant_current_follows_the_closed_form():
    """Below threshold: V(t) = R I + (V0 - R I) exp(-t / tau_m) at every step, to 1e-12."""
    net = one_neuron(i_bias=12.0, v_thresh=1e6, v_reset=-5.0, dt=0.37)
    y0 = net.initial_state()
    y0[0, V] = 2.0
    y = evornn.simulate(net, y0, n_steps=400).y
    t = 0.37 * np.arange(401)
    np.testing.assert_allclose(net.potentials(y)[:, 0, 0], 12.0 + (2.0 - 12.0) * np.exp(-t / 30.0), rtol=0,
                               atol=1e-12)


def test_an_input_spike_gives_the_difference_of_exponentials():
    """One input spike of 7 nA at t = 0 into a resting neuron: V(t) = R w tau_e / (tau_e -
    tau_m) (exp(-t / tau_e) - exp(-t / tau_m)) on top of the resting solution, to 1e-12."""
    net = one_neuron(i_bias=0.0, v_thresh=1e6, v_reset=-5.0, dt=0.25)
    y0 = net.initial_state()
    y0[0, V] = 0.0
    u = np.zeros((200, 1, 1))
    u[0] = 1.0
    y = evornn.simulate(net, y0, inputs=u).y
    t = 0.25 * np.arange(1, 201)
    expected = 7.0 * 3.0 / (3.0 - 30.0) * (np.exp(-t / 3.0) - np.exp(-t / 30.0))
    np.testing.assert_allclose(net.potentials(y[1:])[:, 0, 0], expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("current", [15.2, 16.0, 22.0, 60.0])
def test_firing_follows_the_closed_form_f_i_curve(current):
    """Above rheobase the interspike interval is t_ref + tau_m ln((R I - V_reset) / (R I -
    theta)); spike times, read off the grid (step end less the refractory time left), give
    it to 1e-9 whatever the step."""
    dt = 0.1
    net = one_neuron(i_bias=current, dt=dt)
    y0 = net.initial_state()
    y = evornn.simulate(net, y0, n_steps=20000).y[1:, 0]
    fired = np.flatnonzero(y[:, SPIKES] > 0)
    assert (y[fired, SPIKES] == 1).all()
    times = (fired + 1) * dt - (2.0 - y[fired, REFRACTORY])
    period = 2.0 + 30.0 * np.log((current - 13.5) / (current - 15.0))
    np.testing.assert_allclose(np.diff(times), period, rtol=1e-9)
    assert times[0] == pytest.approx(30.0 * np.log((current - 13.5) / (current - 15.0)), rel=1e-9)
    assert fired.size > 10


@pytest.mark.parametrize("dynamic", [False, True], ids=["static", "dynamic"])
def test_a_circuit_matches_the_slow_reference_spike_for_spike(dynamic):
    net = LSM.column(2, shape=(4, 3, 2), n_inputs=2, weight_scale=3.0 if dynamic else 1.5, input_scale=2.0,
                     dynamic=dynamic, dt=0.5, rng=7)
    y0 = net.initial_state(rng=3)
    u = (np.random.default_rng(5).random((120, 2, 2)) < 0.15).astype(float)
    y = evornn.simulate(net, y0, inputs=u).y[1:]
    n = net.n_neurons
    for p in range(2):
        ref = reference.lif_network(net.params, p, y0[p], u[:, p])
        np.testing.assert_array_equal(net.spikes(y[:, p]), ref[:, SPIKES * n:(SPIKES + 1) * n])
        np.testing.assert_allclose(y[:, p], ref, rtol=1e-9, atol=1e-9)
    assert net.spikes(y).sum() > 50  # the circuits did fire


def test_dynamic_synapses_settle_to_the_closed_form_of_a_regular_train():
    """A neuron firing regularly with interval T drives its target's current up by w u R per
    spike, which tends to Markram et al.'s steady state u* = U / (1 - (1 - U) e^(-T/F)),
    R* = (1 - e^(-T/D)) / (1 - (1 - u*) e^(-T/D))."""
    n = 2
    w = np.zeros((1, n, n))
    w[0, 1, 0] = 5.0
    syn = np.tile([0.3, 80.0, 40.0], (1, n, 2, 1))
    net = LSM(w, np.zeros((1, n, 1)), np.zeros((1, n), dtype=bool), i_bias=[[20.0, 0.0]], t_ref=2.0, dt=0.1,
              v_thresh=[[15.0, 1e6]], v_reset=[[13.5, -1e6]], dynamic=True, syn=syn)
    y = evornn.simulate(net, net.initial_state(), n_steps=30000).y[1:, 0]
    fired = np.flatnonzero(y[:, SPIKES * n] > 0)
    jumps = y[fired, I_EXC * n + 1] - y[fired - 1, I_EXC * n + 1] * np.exp(-0.1 / 3.0)
    period = 2.0 + 30.0 * np.log((20.0 - 13.5) / (20.0 - 15.0))
    u_star = 0.3 / (1 - 0.7 * np.exp(-period / 40.0))
    r_star = (1 - np.exp(-period / 80.0)) / (1 - (1 - u_star) * np.exp(-period / 80.0))
    assert jumps[0] == pytest.approx(5.0 * 0.3, rel=1e-12)
    assert jumps[-1] == pytest.approx(5.0 * u_star * r_star, rel=1e-9)
    u2, r2 = 0.3 + 0.3 * 0.7 * np.exp(-period / 40.0), 1 - 0.3 * np.exp(-period / 80.0)
    assert jumps[1] == pytest.approx(5.0 * u2 * r2, rel=1e-9)  # the recursion's second spike


def test_a_column_is_built_as_maass_describes():
    net = LSM.column(3, rng=0)
    prm = net.params
    assert net.n_neurons == 135 and net.n_state == 1350
    assert (prm.inhibitory.sum(axis=1) == 27).all()
    assert (np.diagonal(prm.w, axis1=1, axis2=2) == 0).all()
    outgoing_sign = np.where(prm.inhibitory[:, None, :], -1.0, 1.0)
    assert (prm.w * outgoing_sign >= 0).all()  # Dale's law: a neuron's synapses share its sign
    np.testing.assert_array_equal(prm.t_ref, np.where(prm.inhibitory, 2.0, 3.0))
    assert ((prm.i_bias >= 13.5) & (prm.i_bias <= 14.5)).all()
    assert not np.array_equal(prm.w[0], prm.w[1])


def test_the_codec_scales_one_drawn_circuit():
    codec = LSM.codec((4, 3, 2), 2, 1, seed=4, weight_scale=(0.5, 2.0), input_scale=3.0)
    genomes = codec.random(3, rng=1)
    nets = codec.decode(genomes)
    base = LSM.column(1, (4, 3, 2), 2, 1, rng=4).params
    scales = codec.values(genomes)["weight_scale"]
    assert ((scales >= 0.5) & (scales <= 2.0)).all() and np.ptp(scales) > 0
    for p in range(3):
        np.testing.assert_allclose(nets.params.w[p], base.w[0] * scales[p], rtol=1e-15)
        np.testing.assert_allclose(nets.params.w_in[p], base.w_in[0] * 3.0, rtol=1e-15)
        np.testing.assert_array_equal(nets.params.inhibitory[p], base.inhibitory[0])


def test_bad_circuits_are_refused():
    with pytest.raises(ValueError, match="w must have shape"):
        LSM(np.zeros((1, 2, 3)), np.zeros((1, 2, 1)), np.zeros((1, 2), dtype=bool))
    with pytest.raises(ValueError, match="tau_e must differ from every tau_m"):
        one_neuron(tau_e=30.0)
    with pytest.raises(ValueError, match="v_reset must be below v_thresh"):
        one_neuron(v_reset=20.0)
    with pytest.raises(ValueError, match="inhibitory must be booleans"):
        LSM(np.zeros((1, 2, 2)), np.zeros((1, 2, 1)), np.zeros((1, 2)))
