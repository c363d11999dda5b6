"""The discrete-time recurrent family against textbook steps written in NumPy
(tests/reference.py), and hand-set networks that implement finite-state machines."""

import numpy as np
import pytest

import evornn
from evornn.models.rnn import GRU, LSTM, NARX, RMLP, Elman, FullyRecurrent, IndRNN, Jordan, SecondOrder
from tests import reference

MODELS = [
    ("elman", Elman, {}),
    ("jordan", Jordan, {"decay": 0.3, "output_activation": "tanh"}),
    ("fully", FullyRecurrent, {"outputs": [2, 0]}),
    ("indrnn", IndRNN, {"relu": True, "output_activation": "logistic"}),
    ("gru", GRU, {}),
    ("lstm", LSTM, {"peepholes": True}),
    ("second", SecondOrder, {}),
    ("rmlp", RMLP, {"n_layers": 3, "output_activation": "tanh"}),
]


@pytest.mark.parametrize(("kind", "cls", "options"), MODELS, ids=[m[0] for m in MODELS])
@pytest.mark.parametrize("fast", [True, False], ids=["whole-run", "per-step"])
def test_steps_and_outputs_match_the_textbook_equations(kind, cls, options, fast):
    # GRU and LSTM have whole-run kernels of their own (fast=True); both paths are checked.
    rng = np.random.default_rng(0)
    net = cls.random(4, 5, 3, 2, scale=2.0, rng=rng, **options)
    u = rng.normal(size=(30, 4, 3))
    y0 = rng.uniform(-0.5, 0.5, (4, net.n_state))
    traj = evornn.simulate(net, y0, inputs=u, fast=fast)
    prm = net.params
    for p in range(4):
        y = y0[p].copy()
        for t in range(30):
            y = reference.rnn_step(kind, prm, p, y, u[t, p])
            np.testing.assert_allclose(traj.y[t + 1, p], y, rtol=0, atol=1e-12)
        np.testing.assert_allclose(net.outputs(traj.y[-1])[p], reference.rnn_output(kind, prm, p, y), atol=1e-12)


@pytest.mark.parametrize(("kind", "cls", "options"), MODELS, ids=[m[0] for m in MODELS])
def test_codecs_round_trip(kind, cls, options):
    codec = cls.codec(4, 2, 2, **options)
    genomes = codec.random(3, rng=1)
    model = codec.decode(genomes)
    assert isinstance(model, cls) and model.n_pop == 3 and model.n_hidden == 4
    np.testing.assert_allclose(codec.encode(model), genomes, atol=1e-12)


@pytest.mark.parametrize(("input_delays", "output_delays"), [(1, 2), (3, 1), (2, 3)])
def test_narx_outputs_follow_its_equation_over_explicit_delay_lines(input_delays, output_delays):
    """A NARX population's outputs at every step equal y(t) computed from the equation over
    the whole input and output histories (tests/reference.py), from a state that holds
    arbitrary past outputs and inputs."""
    rng = np.random.default_rng(3)
    net = NARX.random(3, 6, 2, 2, scale=2.0, input_delays=input_delays, output_delays=output_delays,
                      output_activation="tanh", rng=rng)
    y0 = rng.uniform(-1, 1, (3, net.n_state))
    u = rng.normal(size=(25, 3, 2))
    outputs = net.outputs(evornn.simulate(net, y0, inputs=u).y[1:])
    for p in range(3):
        y_past = y0[p, :2 * output_delays].reshape(output_delays, 2)
        x_past = y0[p, 2 * output_delays:].reshape(input_delays - 1, 2)
        expected = reference.narx_outputs(net.params, p, u[:, p], y_past, x_past)
        np.testing.assert_allclose(outputs[:, p], expected, rtol=0, atol=1e-12)


def test_narx_and_rmlp_codecs_round_trip_with_their_layout():
    for codec, shape in ((NARX.codec(4, 2, 1, input_delays=3, output_delays=2), (3, 4, 3, 2)),
                         (RMLP.codec(4, 2, 1, n_layers=3), (3, 2, 4, 4))):
        genomes = codec.random(3, rng=1)
        model = codec.decode(genomes)
        assert (model.params.w_in if isinstance(model, NARX) else model.params.w_fwd).shape == shape
        np.testing.assert_allclose(codec.encode(model), genomes, atol=1e-12)


def test_a_one_layer_rmlp_is_elmans_network():
    rng = np.random.default_rng(4)
    rmlp = RMLP.random(3, 5, 2, 2, n_layers=1, scale=2.0, rng=rng)
    prm = rmlp.params
    elman = Elman(w_rec=prm.w_rec[:, 0], w_in=prm.w_in, bias=prm.bias[:, 0], w_out=prm.w_out, b_out=prm.b_out,
                  out_act=prm.out_act)
    u = rng.normal(size=(20, 3, 2))
    np.testing.assert_allclose(evornn.simulate(rmlp, inputs=u).y, evornn.simulate(elman, inputs=u).y, atol=1e-14)


def test_narx_and_rmlp_reject_bad_layouts():
    with pytest.raises(ValueError, match="input_delays"):
        NARX.random(2, 3, 1, 1, input_delays=0)
    with pytest.raises(ValueError, match="n_layers"):
        RMLP.codec(3, 1, 1, n_layers=0)
    net = NARX.random(2, 3, 1, 1)
    arrays = net.params._asdict()
    arrays["w_fb"] = np.zeros((2, 3, 0, 1))
    with pytest.raises(ValueError, match="output_delays must be at least 1"):
        NARX(**arrays)
    arrays = RMLP.random(2, 3, 1, 1, n_layers=2).params._asdict()
    arrays["w_rec"] = np.zeros((2, 3, 3, 3))
    with pytest.raises(ValueError, match="w_rec must have shape"):
        RMLP(**arrays)


def test_hand_set_elman_network_computes_parity():
    """Parity of a bit stream in a 4-unit Elman network with one-hot states (E0, E1, O0, O1):
    the parity so far (even or odd) and the last bit. Each unit is an AND of a parity pair and
    the new bit or its negation, which one tanh unit separates: e.g. O1' = tanh(B ((E0 + E1)/2
    + x - 1/2)). The readout (O0 + O1 - E0 - E1) / 2 is +1 for odd and -1 for even, exactly
    in sign at every step of 500 random bits."""
    b = 20.0
    half = b / 2
    w_rec = np.array([[half, half, 0, 0], [0, 0, half, half], [0, 0, half, half], [half, half, 0, 0]])
    w_in = np.array([[-b], [b], [-b], [b]])  # E0: even & 0, E1: odd-before & 1, O0: odd & 0, O1: even-before & 1
    bias = np.array([half, -half, half, -half])
    net = Elman(w_rec=w_rec[None], w_in=w_in[None], bias=bias[None], w_out=np.array([[[-0.5, -0.5, 0.5, 0.5]]]),
                b_out=np.zeros((1, 1)), out_act=np.zeros(1))
    bits = np.random.default_rng(2).integers(0, 2, 500)
    traj = evornn.simulate(net, np.array([[1.0, -1.0, -1.0, -1.0]]), inputs=bits[:, None, None].astype(float))
    parity = np.cumsum(bits) % 2
    outputs = net.outputs(traj.y[1:])[:, 0, 0]
    np.testing.assert_array_equal(np.sign(outputs), np.where(parity == 1, 1.0, -1.0))
    assert np.all(np.abs(outputs) > 0.99)


def test_hand_set_second_order_network_runs_a_finite_automaton():
    """Binary numbers read from the most significant bit, remainder mod 3 (r' = (2r + b) mod 3),
    in a second-order network: W[i, j, k] = H where the automaton goes from state j on symbol k
    to state i, bias -H/2, one-hot states and inputs (Omlin and Giles 1996). The most active
    unit is the automaton's state after every symbol of 300 random strings of length 40."""
    h = 20.0
    w = np.zeros((3, 3, 2))
    for r in range(3):
        for bit in range(2):
            w[(2 * r + bit) % 3, r, bit] = h
    net = SecondOrder(w=w[None], bias=np.full((1, 3), -h / 2), outputs=np.zeros((1, 1)))
    rng = np.random.default_rng(3)
    strings = rng.integers(0, 2, (300, 40))
    population = net.take(np.zeros(300, dtype=int))
    one_hot = np.eye(2)[strings].transpose(1, 0, 2)  # (steps, strings, symbols)
    traj = evornn.simulate(population, np.tile([1.0, 0.0, 0.0], (300, 1)), inputs=one_hot)
    remainder = np.zeros(300, dtype=int)
    for t in range(40):
        remainder = (2 * remainder + strings[:, t]) % 3
        np.testing.assert_array_equal(np.argmax(traj.y[t + 1], axis=1), remainder)


def test_bad_input():
    with pytest.raises(ValueError, match="w_in must have shape"):
        Elman(w_rec=np.zeros((1, 3, 3)), w_in=np.zeros((1, 2, 1)), bias=np.zeros((1, 3)), w_out=np.zeros((1, 1, 3)),
              b_out=np.zeros((1, 1)), out_act=np.zeros(1))
    with pytest.raises(ValueError, match="outputs must be 2 unit indices below 3"):
        FullyRecurrent.random(1, 3, 1, 2, outputs=[0, 5])
    net = GRU.random(2, 3, 2, rng=0)
    with pytest.raises(ValueError, match="inputs"):
        evornn.simulate(net, inputs=np.zeros((5, 2, 3)))


def test_stack_bidirectional_and_encoder_decoder_follow_their_parts():
    from evornn.models.sequence import Bidirectional, EncoderDecoder, Stack, sequence_codec

    rng = np.random.default_rng(4)
    first = GRU.random(3, 4, 2, 3, rng=5)
    second = Elman.random(3, 5, 3, 2, rng=6)
    u = rng.normal(size=(12, 3, 2))
    stacked = Stack([first, second]).run(u)
    prm1, prm2 = first.params, second.params
    for p in range(3):  # layer by layer, from the textbook steps
        h1, h2 = np.zeros(4), np.zeros(5)
        for t in range(12):
            h1 = reference.rnn_step("gru", prm1, p, h1, u[t, p])
            h2 = reference.rnn_step("elman", prm2, p, h2, reference.rnn_output("gru", prm1, p, h1))
            np.testing.assert_allclose(stacked[t, p], reference.rnn_output("elman", prm2, p, h2), atol=1e-12)
    backward = LSTM.random(3, 3, 2, 1, rng=7)
    both = Bidirectional(first, backward).run(u)
    assert both.shape == (12, 3, 4)
    for p in range(3):
        y = np.zeros(6)
        for t in range(11, -1, -1):
            y = reference.rnn_step("lstm", backward.params, p, y, u[t, p])
            np.testing.assert_allclose(both[t, p, 3], reference.rnn_output("lstm", backward.params, p, y), atol=1e-12)
    encoder, decoder = Elman.random(3, 4, 2, 1, rng=8), GRU.random(3, 4, 1, 2, rng=9)
    decoded = EncoderDecoder(encoder, decoder, 5).run(u)
    for p in range(3):
        h = np.zeros(4)
        for t in range(12):
            h = reference.rnn_step("elman", encoder.params, p, h, u[t, p])
        for t in range(5):
            h = reference.rnn_step("gru", decoder.params, p, h, np.zeros(1))
            np.testing.assert_allclose(decoded[t, p], reference.rnn_output("gru", decoder.params, p, h), atol=1e-12)
    codec = sequence_codec(Stack, [GRU.codec(4, 2, 3), Elman.codec(5, 3, 2)])
    genomes = codec.random(2, rng=1)
    model = codec.decode(genomes)
    assert isinstance(model, Stack) and model.run(u[:, :2]).shape == (12, 2, 2)
    assert codec.n_genes == GRU.codec(4, 2, 3).n_genes + Elman.codec(5, 3, 2).n_genes


def test_configurations_reject_mismatched_parts():
    from evornn.models.sequence import Bidirectional, EncoderDecoder, Stack

    with pytest.raises(ValueError, match="layer 0 has 3 outputs but layer 1 takes 2 inputs"):
        Stack([GRU.random(1, 4, 2, 3, rng=0), Elman.random(1, 5, 2, 1, rng=0)])
    with pytest.raises(ValueError, match="state sizes must agree, got 4 and 5"):
        EncoderDecoder(Elman.random(1, 4, 2, 1, rng=0), Elman.random(1, 5, 1, 1, rng=0), 3)
    with pytest.raises(ValueError, match="must take the same inputs"):
        Bidirectional(Elman.random(1, 4, 2, 1, rng=0), Elman.random(1, 4, 3, 1, rng=0))
    with pytest.raises(ValueError, match=r"inputs must have shape \(n_steps, 2\)"):
        Stack([Elman.random(1, 4, 2, 1, rng=0)]).run(np.zeros((5, 3)))


def test_a_diverging_part_gives_nan_outputs_for_its_network_only():
    from evornn.models.sequence import EncoderDecoder, Stack
    from evornn.tasks import SequenceTask

    # ReLU units with recurrent weight 3 overflow within a few hundred steps; network 0 is tame.
    first = IndRNN(w_rec=[[0.5], [3.0]], w_in=[[[1.0]], [[1.0]]], bias=[[0.0], [0.0]], w_out=[[[1.0]], [[1.0]]],
                   b_out=[[0.0], [0.0]], relu=[True, True], out_act=[0, 0])
    second = Elman.random(2, 2, 1, 1, rng=0)
    u = np.ones((800, 1))
    out = Stack([first, second]).run(u)
    assert np.isfinite(out[:, 0]).all() and np.isnan(out[-1, 1]).all()
    out = EncoderDecoder(first, IndRNN.random(2, 1, 1, 1, rng=1), 5).run(u)
    assert np.isfinite(out[:, 0]).all() and np.isnan(out[:, 1]).all()
    task = SequenceTask(u, np.zeros((800, 1)), tolerance=0.5)
    result = task.evaluate(Stack([first, second]))
    assert result.nonfinite.tolist() == [False, True] and result.fitness[1] == task.worst_fitness
