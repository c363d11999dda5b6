"""What every model promises every tool (as DynamicalSystems.jl checks for its systems).

A model class is added to MODELS once and gets every check: `take` selects individuals
that run exactly as they do in the population; 1 and 2 threads give the same bits; the
codec round-trips; the Jacobian matches central differences of the rhs; the stepper steps
as `simulate` does; the closed loop of bodies runs as a Python loop around the stepper.

The CTRNN runs in the default test run; the rest, which each compile the integrators and
the closed loop for their own parameter types (about 10 s each on a cold cache), run in
CI's slow step.
"""

from typing import NamedTuple

import numba
import numpy as np
import pytest

import evornn
import evornn.systems as systems
from evornn.models import (
    BAM,
    CTRNN,
    ESN,
    GRU,
    LSTM,
    ContinuousHopfield,
    Elman,
    FullyRecurrent,
    Hopfield,
    IndRNN,
    Jordan,
    MemristiveCircuit,
    Memristor,
    SecondOrder,
)
from evornn.models.base import _rhs_batch
from evornn.models.circuits import Circuit
from evornn.models.lsm import LSM
from evornn.models.rnn import NARX, RMLP
from evornn.tasks import Body, register_body, run_body

N_POP = 4


def _esn(rng):
    return ESN.random(8, 2, 2, n_pop=N_POP, connectivity=0.5, rng=rng)


def _rnn(cls):
    return lambda rng: cls.random(N_POP, 3, 2, 2, rng=rng)


def _neat(rng):
    """NEAT networks of different topologies (hidden nodes, recurrent connections), padded."""
    import random

    from evornn.neat import NEATCodec
    from evornn.neat import operators as ops
    from evornn.optim import METHODS

    codec = NEATCodec(2, 2, activation="tanh", activation_options=["tanh", "sigmoid", "sin"])
    strategy = METHODS["neat"](codec.n_genes, N_POP, 10, rng, random.Random(0), node_add_prob=0.7,
                               conn_add_prob=0.9, activation_mutate_rate=0.5, bias_mutate_rate=0.9)
    strategy.attach(type("P", (), {"codec": codec})())
    genomes = strategy.ask()
    plan = np.column_stack([np.ones(N_POP), np.arange(N_POP), np.arange(N_POP)]).astype(np.int64)
    for _ in range(5):
        out = np.zeros_like(genomes)
        ops.reproduce(genomes, np.zeros(N_POP), plan, codec.max_nodes, codec.max_connections, 2, 2, strategy.attrs,
                      strategy.rates, strategy.activations, strategy.rng, strategy.counters, out)
        genomes = out
    return codec.decode(genomes)


# name -> (model from an rng, codec or None, discontinuous map (no Jacobian to check))
MODELS = {
    "ctrnn": (lambda rng: CTRNN.random(N_POP, 3, n_inputs=2, rng=rng), lambda: CTRNN.codec(3, n_inputs=2), False),
    "elman": (_rnn(Elman), lambda: Elman.codec(3, 2, 2), False),
    "esn": (_esn, lambda: _esn(0).readout_codec(), False),
    "jordan": (_rnn(Jordan), lambda: Jordan.codec(3, 2, 2), False),
    "fully_recurrent": (_rnn(FullyRecurrent), lambda: FullyRecurrent.codec(3, 2, 2), False),
    "indrnn": (_rnn(IndRNN), lambda: IndRNN.codec(3, 2, 2), False),
    "gru": (_rnn(GRU), lambda: GRU.codec(3, 2, 2), False),
    "lstm": (_rnn(LSTM), lambda: LSTM.codec(3, 2, 2), False),
    "second_order": (_rnn(SecondOrder), lambda: SecondOrder.codec(3, 2, 2), False),
    "narx": (lambda rng: NARX.random(N_POP, 3, 2, 2, input_delays=3, output_delays=2, output_activation="tanh",
                                     scale=2.0, rng=rng),
             lambda: NARX.codec(3, 2, 2, input_delays=3, output_delays=2), False),
    "rmlp": (lambda rng: RMLP.random(N_POP, 3, 2, 2, n_layers=3, scale=2.0, rng=rng),
             lambda: RMLP.codec(3, 2, 2, n_layers=3), False),
    "hopfield": (lambda rng: Hopfield(rng.normal(size=(N_POP, 5, 5))), lambda: Hopfield.codec(5), True),
    "bam": (lambda rng: BAM(rng.normal(size=(N_POP, 4, 3))), None, True),
    "continuous_hopfield": (lambda rng: ContinuousHopfield(rng.normal(size=(N_POP, 4, 4))), None, False),
    "memristive": (lambda rng: MemristiveCircuit(Circuit.lattice(2, 2), alpha=0.1, beta=10.0, input_edges=(0,),
                                                 sources=rng.uniform(-1, 1, (N_POP, 4))), None, False),
    "memristor": (lambda rng: Memristor(n_pop=N_POP), None, False),
    "system": (lambda rng: systems.lorenz(sigma=rng.uniform(9, 11, N_POP)), None, False),
    "neat": (_neat, None, False),
    "lsm": (lambda rng: LSM.column(N_POP, shape=(3, 2, 2), n_inputs=2, n_outputs=2, weight_scale=3.0, rng=rng),
            None, True),  # its codec is over hyperparameters: tests/models/test_lsm.py
}
DEFAULT = {"ctrnn"}
CASES = [pytest.param(name, marks=() if name in DEFAULT else pytest.mark.slow) for name in MODELS]


def make(name, seed=0):
    return MODELS[name][0](np.random.default_rng(seed))


def run_kwargs(model, n_steps):
    kwargs = {"n_steps": n_steps}
    if model.time == "continuous":
        kwargs["dt"] = 0.01 if isinstance(model.params, type(systems.lorenz().params)) else 0.05
    if model.n_inputs:
        kwargs["inputs"] = np.random.default_rng(5).uniform(-1, 1, (n_steps, model.n_pop, model.n_inputs))
    return kwargs


def start(model):
    y0 = model.initial_state(rng=1)
    if isinstance(model, Hopfield | BAM):
        return y0
    return model.check_states(y0 + 0.1 * np.random.default_rng(2).uniform(-1, 1, y0.shape)
                              if not isinstance(model, MemristiveCircuit | Memristor)
                              else np.random.default_rng(2).uniform(0.2, 0.8, y0.shape))


@pytest.mark.parametrize("name", CASES)
def test_take_and_threads_change_no_bit(name):
    model = make(name)
    y0 = start(model)
    kwargs = run_kwargs(model, 30)
    whole = evornn.simulate(model, y0, **kwargs).y
    rows = [2, 0]
    part_kwargs = dict(kwargs)
    if "inputs" in kwargs:
        part_kwargs["inputs"] = kwargs["inputs"][:, rows]
    part = model.take(rows)
    for field, sub in zip(model.params, part.params, strict=True):
        np.testing.assert_array_equal(sub, field[rows])
    np.testing.assert_array_equal(evornn.simulate(part, y0[rows], **part_kwargs).y, whole[:, rows])
    np.testing.assert_array_equal(evornn.simulate(model, y0, n_threads=1, **kwargs).y, whole)
    if numba.config.NUMBA_NUM_THREADS >= 2:
        np.testing.assert_array_equal(evornn.simulate(model, y0, n_threads=2, **kwargs).y, whole)


@pytest.mark.parametrize("name", CASES)
def test_the_codec_round_trips(name):
    make_codec = MODELS[name][1]
    if make_codec is None:
        pytest.skip(f"{name} has no genome codec")
    codec = make_codec()
    decoded = codec.decode(codec.random(N_POP, rng=3))
    again = codec.decode(codec.encode(decoded))
    assert type(again) is type(decoded)
    for a, b in zip(decoded.params, again.params, strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", CASES)
def test_the_jacobian_is_the_derivative_of_the_rhs(name):
    if MODELS[name][2]:
        pytest.skip(f"{name} is discontinuous (signs or spikes): no derivative to check")
    model = make(name)
    y = start(model)
    u = np.random.default_rng(4).uniform(-1, 1, (model.n_pop, model.n_inputs))
    jac = model.jacobian(y, inputs=u if model.n_inputs else None)

    def f(state):
        out = np.empty_like(state)
        _rhs_batch(0.0, np.ascontiguousarray(state), model.params, u, out)
        return out

    h = 1e-6
    numeric = np.empty_like(jac)
    for k in range(model.n_state):
        step = np.zeros(model.n_state)
        step[k] = h
        numeric[:, :, k] = (f(y + step) - f(y - step)) / (2 * h)
    np.testing.assert_allclose(jac, numeric, rtol=1e-6, atol=1e-6 * max(1.0, np.abs(numeric).max()))


@pytest.mark.parametrize("name", CASES)
def test_the_stepper_steps_as_simulate_does(name):
    model = make(name)
    y0 = start(model)
    kwargs = run_kwargs(model, 20)
    methods = ["rk4", "euler"] if model.time == "continuous" else [None]
    for method in methods:
        trajectory = evornn.simulate(model, y0, method=method, fast=False, **kwargs)
        stepper = model.stepper(kwargs.get("dt"), method=method or "euler", y0=y0)
        inputs = kwargs.get("inputs", np.zeros((20, model.n_pop, 0)))
        outputs = np.array([stepper.step(u if model.n_inputs else None) for u in inputs])
        np.testing.assert_allclose(stepper.state, trajectory.y_final, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(outputs, trajectory.outputs[1:], rtol=1e-12, atol=1e-14)


class TrackerParams(NamedTuple):
    gain: np.ndarray  # (n_sensors, n_motors)


@numba.njit
def _reset(body, p, trial, draws, state):
    for i in range(state.shape[0]):
        state[i] = draws[0] - 0.5 + 0.1 * i


@numba.njit
def _sense(body, p, state, u):
    for i in range(u.shape[0]):
        u[i] = state[i]


@numba.njit
def _act(body, p, state, z, dt):
    reward = 0.0
    for i in range(state.shape[0]):
        drive = 0.0
        for j in range(body.gain.shape[1]):
            drive += body.gain[i, j] * np.tanh(z[j])
        state[i] += dt * (-state[i] + drive)
        reward -= state[i] * state[i]
    return reward


@numba.njit
def _done(body, p, state):
    return abs(state[0]) > 0.9


register_body(TrackerParams, reset=_reset, sense=_sense, act=_act, done=_done)


def tracker_reference(model, gain, draws, max_steps, dt, controller_dt):
    """The tracker in NumPy around a Stepper: (steps, reward, final state) per individual and trial."""
    n_in = gain.shape[0]
    steps = np.zeros((model.n_pop, draws.shape[0]), dtype=int)
    reward = np.zeros((model.n_pop, draws.shape[0]))
    final = np.zeros((model.n_pop, draws.shape[0], n_in))
    for s in range(draws.shape[0]):
        stepper = model.stepper(controller_dt) if model.time == "continuous" else model.stepper()
        x = np.tile(draws[s, 0] - 0.5 + 0.1 * np.arange(n_in), (model.n_pop, 1))
        live = np.ones(model.n_pop, dtype=bool)
        for _ in range(max_steps):
            z = stepper.step(x, active=live)
            new = x + dt * (-x + np.tanh(z[:, :gain.shape[1]]) @ gain.T)
            x = np.where(live[:, None], new, x)
            reward[live, s] -= (new[live] ** 2).sum(axis=1)
            steps[live, s] += 1
            live &= ~(np.abs(x[:, 0]) > 0.9)
        final[:, s] = x
    return steps, reward, final


@pytest.mark.parametrize("name", CASES)
def test_the_closed_loop_runs_as_a_python_loop(name):
    model = make(name)
    if model.n_inputs == 0:
        pytest.skip(f"{name} takes no inputs: it cannot sense a body")
    gain = np.random.default_rng(6).normal(0.0, 2.0, (model.n_inputs, min(model.n_outputs, 2)))
    body = Body(TrackerParams(gain), n_state=model.n_inputs, n_inputs=model.n_inputs, n_outputs=gain.shape[1],
                dt=0.1, n_draws=1)
    draws = np.random.default_rng(7).random((3, 1))
    controller_dt = 0.05 if model.time == "continuous" else None
    trials = run_body(body, model, n_trials=3, max_steps=40, draws=draws, controller_dt=controller_dt)
    steps, reward, final = tracker_reference(model, gain, draws, 40, 0.1, controller_dt)
    np.testing.assert_array_equal(trials.steps, steps)
    np.testing.assert_allclose(trials.reward, reward, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(trials.state, final, rtol=1e-10, atol=1e-12)
