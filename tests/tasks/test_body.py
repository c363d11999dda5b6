"""The body protocol and its closed loop, the user's body in its own file, FunctionTask and
the stepper."""

from pathlib import Path

import numpy as np
import pytest

import evornn
from evornn import ConfigError
from evornn.config import allow_imports
from evornn.models import GRU, Elman
from evornn.tasks import BodyTask, CartPoleTask, FunctionTask, run_body

ROOT = Path(__file__).resolve().parents[2]
PENDULUM = "experiments/bodies/pendulum_swingup.py:Pendulum"


@pytest.fixture
def pendulum_class(monkeypatch):
    monkeypatch.chdir(ROOT)
    from evornn._imports import import_object

    with allow_imports():
        return import_object(PENDULUM, where="body")


def pendulum_reference(model, draws, max_steps, dt=0.05, max_torque=12.0, controller_dt=None):
    """The pendulum written again in NumPy, its controllers stepped by a Stepper: returns
    (summed reward, final angle, final velocity, final upright streak), each (n_pop, n_trials)."""
    n_trials = draws.shape[0]
    out = np.zeros((4, model.n_pop, n_trials))
    for s in range(n_trials):
        stepper = model.stepper(controller_dt or dt) if model.time == "continuous" else model.stepper()
        theta = np.full(model.n_pop, np.pi + 0.2 * (draws[s, 0] - 0.5))
        omega = np.zeros(model.n_pop)
        streak = np.zeros(model.n_pop)
        total = np.zeros(model.n_pop)
        for _ in range(max_steps):
            z = stepper.step(np.column_stack([np.cos(theta), np.sin(theta), omega / 8.0]))
            torque = max_torque * (2.0 * np.clip(z[:, 0], 0.0, 1.0) - 1.0)
            for _ in range(4):
                omega = omega + dt / 4 * (9.81 * np.sin(theta) - 0.1 * omega + torque)
                theta = theta + dt / 4 * omega
            theta = (theta + np.pi) % (2 * np.pi) - np.pi
            streak = np.where(np.cos(theta) > np.cos(0.3), streak + 1, 0.0)
            total += np.cos(theta)
        out[:, :, s] = total, theta, omega, streak
    return out


@pytest.mark.parametrize("kind", ["elman", "ctrnn"])
def test_a_users_body_runs_in_the_loop_as_in_a_python_loop(pendulum_class, kind):
    """The closed loop (one compiled call) against the same body written in NumPy around a
    Stepper: a discrete controller (map steps) and a continuous one (Euler steps)."""
    body = pendulum_class()
    if kind == "elman":
        model = Elman.random(5, 4, 3, 1, rng=1)
        controller_dt = None
    else:
        model = evornn.CTRNN.random(5, 4, n_inputs=3, rng=2)
        controller_dt = 0.2
    draws = np.random.default_rng(3).random((3, 1))
    trials = run_body(body, model, n_trials=3, max_steps=150, draws=draws, controller_dt=controller_dt)
    reward, theta, omega, streak = pendulum_reference(model, draws, 150, controller_dt=controller_dt)
    assert not trials.diverged.any() and (trials.steps == 150).all()
    np.testing.assert_allclose(trials.reward, reward, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(trials.state[..., 0], theta, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(trials.state[..., 1], omega, rtol=1e-9, atol=1e-9)
    np.testing.assert_array_equal(trials.state[..., 2], streak)
    assert np.ptp(trials.reward) > 1.0  # the networks differ in what they do


def test_the_users_body_evolves_through_evornn_run(tmp_path, monkeypatch, capsys):
    """experiments/pendulum_swingup.toml names the body in its own file: refused without
    --allow-import, then evolved to its criterion (8 random starts solved) within the budget."""
    from evornn.cli import main

    monkeypatch.chdir(ROOT)
    assert main(["run", "experiments/pendulum_swingup.toml", "--out", str(tmp_path / "refused")]) == 2
    assert "--allow-import" in capsys.readouterr().err
    out = tmp_path / "run"
    assert main(["run", "experiments/pendulum_swingup.toml", "--out", str(out), "--allow-import",
                 "--set", "evolve.checkpoint_every=1000"]) == 0
    printed = capsys.readouterr().out
    assert "stopped    target_solved" in printed
    assert (out / "behaviour.png").exists()


@pytest.mark.parametrize("kind", ["gru", "esn"])
def test_gru_and_esn_controllers_balance_the_single_pole(kind):
    """Through the generic loop, with nothing in the cart-pole about the controller: an
    evolved GRU and an ESN with an evolved readout each balance 1000 steps (both seeds)."""
    task = CartPoleTask(n_poles=1, velocities=True, max_steps=1000)
    codec = GRU.codec(3, 4, 1) if kind == "gru" else evornn.ESN.random(20, 4, 1, rng=0).readout_codec()
    for seed in (0, 1):
        result = evornn.evolve(evornn.Problem(codec, task), method="cmaes", n_pop=20, n_generations=60, rng=seed,
                               target_solved=1.0)
        steps, _ = task.balance(result.best_model)
        assert steps[0, 0] == 1000


def test_a_diverging_controller_is_flagged_and_the_others_run_on(pendulum_class):
    net = evornn.CTRNN.random(4, 3, n_inputs=3, rng=5)
    p = net.params
    weights, tau = p.weights.copy(), p.tau.copy()
    weights[2], tau[2] = 1e308, 1e-300
    net = evornn.CTRNN(weights, tau=tau, bias=p.bias, gain=p.gain, input_weights=p.input_weights)
    task = BodyTask(pendulum_class(), n_trials=2, max_steps=50)
    trials = task.run(net, rng=0)
    assert trials.diverged[2].all() and not trials.diverged[[0, 1, 3]].any()
    evaluation = task.evaluate(net, rng=0)
    assert evaluation.nonfinite.tolist() == [False, False, True, False]
    assert evaluation.fitness[2] == task.worst_fitness
    alone = task.run(net.take([0, 1, 3]), rng=0)
    np.testing.assert_array_equal(alone.reward, trials.reward[[0, 1, 3]])


def test_draws_are_common_random_numbers_from_the_rng(pendulum_class):
    task = BodyTask(pendulum_class(), n_trials=3, max_steps=20)
    net = Elman.random(2, 3, 3, 1, rng=0)
    first, again, other = task.run(net, rng=7), task.run(net, rng=7), task.run(net, rng=8)
    np.testing.assert_array_equal(first.state, again.state)
    assert not np.array_equal(first.state, other.state)
    twins = task.run(net.take([0, 0]), rng=7)  # the same network twice meets the same starts
    np.testing.assert_array_equal(twins.state[0], twins.state[1])


def test_body_errors_name_what_is_wrong(pendulum_class, monkeypatch):
    body = pendulum_class()
    with pytest.raises(ValueError, match="needs a controller with 3 inputs"):
        BodyTask(body, max_steps=10).evaluate(evornn.CTRNN.random(2, 3, n_inputs=2, rng=0))
    with pytest.raises(ValueError, match="give draws"):
        run_body(body, Elman.random(1, 2, 3, 1, rng=0), n_trials=2, max_steps=5)
    with pytest.raises(ValueError, match="max_steps must be"):
        BodyTask(body, max_steps=0)
    with pytest.raises(TypeError, match="body must be an evornn Body"):
        BodyTask("pendulum", max_steps=10)
    with pytest.raises(TypeError, match="no body kernels registered"):
        evornn.tasks.Body(evornn.CTRNN.random(1, 2, rng=0).params, n_state=1, n_inputs=1, n_outputs=1, dt=0.1)
    with pytest.raises(ValueError, match="must be one of"):
        BodyTask(body, max_steps=10, method="rk5")
    monkeypatch.chdir(ROOT)
    with pytest.raises(ConfigError, match="--allow-import"):
        BodyTask.from_spec(PENDULUM, max_steps=10)
    with allow_imports():
        with pytest.raises(ConfigError, match="no such file"):
            BodyTask.from_spec("no/such/body.py:Body", max_steps=10)
        with pytest.raises(ConfigError, match="has no 'Pendulumm'"):
            BodyTask.from_spec(PENDULUM + "m", max_steps=10)
        with pytest.raises(TypeError, match=r"subclass of evornn\.tasks\.Body"):
            BodyTask.from_spec("experiments/bodies/pendulum_swingup.py:act", max_steps=10)
        with pytest.raises(TypeError, match="max_torquee"):
            BodyTask.from_spec(PENDULUM, max_steps=10, options={"max_torquee": 3.0})
    with pytest.raises(ConfigError, match=r"must be 'package\.module:Name'"):
        BodyTask.from_spec("pendulum", max_steps=10)


def _settle(model, rng):
    y = evornn.simulate(model, dt=0.05, n_steps=100).outputs[-1, :, 0]
    return -np.abs(y - 0.8), {"output": y}


def test_function_task_scores_with_the_users_function_and_evolves():
    """A plain NumPy function as a task: evolution finds networks whose output 0 ends at 0.8
    (a 1-neuron CTRNN can: its fixed point is sigmoid(gain (y + bias)) = 0.8)."""
    task = FunctionTask(_settle)
    codec = evornn.CTRNN.codec(1)
    result = evornn.evolve(evornn.Problem(codec, task), method="cmaes", n_pop=12, n_generations=30, rng=0)
    final = evornn.simulate(result.best_model, dt=0.05, n_steps=100).outputs[-1, 0, 0]
    assert abs(final - 0.8) < 1e-3
    evaluation = task.evaluate(evornn.CTRNN.random(3, 2, rng=1))
    assert evaluation.fitness.shape == (3,) and set(evaluation.metrics) == {"output"}


def test_function_task_rejects_what_it_cannot_use():
    with pytest.raises(TypeError, match="function must be callable"):
        FunctionTask(3.0)
    with pytest.raises(ValueError, match="n_objectives"):
        FunctionTask(_settle, n_objectives=0)
    wrong = FunctionTask(lambda model, rng: np.zeros(model.n_pop + 1))
    with pytest.raises(ValueError, match=r"must return a fitness of shape \(2,\)"):
        wrong.evaluate(evornn.CTRNN.random(2, 2, rng=0))
    nan = FunctionTask(lambda model, rng: np.array([np.nan, 1.0]), worst_fitness=-5.0)
    assert nan.evaluate(evornn.CTRNN.random(2, 2, rng=0)).fitness.tolist() == [-5.0, 1.0]
    with pytest.raises(ValueError, match="inputs"):
        FunctionTask(_settle, check_model=lambda m: (_ for _ in ()).throw(ValueError("inputs"))).check_model(None)


@pytest.mark.parametrize("method", ["euler", "rk4"])
def test_the_stepper_steps_as_simulate_does(method):
    net = evornn.CTRNN.random(6, 4, n_inputs=2, rng=3)
    inputs = np.random.default_rng(4).normal(size=(25, 6, 2))
    trajectory = evornn.simulate(net, dt=0.05, n_steps=25, method=method, inputs=inputs, fast=False)
    stepper = net.stepper(dt=0.05, method=method)
    outputs = np.array([stepper.step(u) for u in inputs])
    np.testing.assert_allclose(stepper.state, trajectory.y_final, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(outputs, trajectory.outputs[1:], rtol=1e-13, atol=1e-15)
    assert stepper.t == pytest.approx(1.25)


def test_the_stepper_of_a_map_and_its_mask():
    rnn = Elman.random(4, 3, 2, 1, rng=0)
    inputs = np.random.default_rng(1).normal(size=(10, 4, 2))
    trajectory = evornn.simulate(rnn, n_steps=10, inputs=inputs)
    stepper = rnn.stepper()
    for u in inputs:
        stepper.step(u)
    np.testing.assert_allclose(stepper.state, trajectory.y_final, rtol=1e-13, atol=1e-15)
    before = stepper.state
    stepper.step(inputs[0], active=np.array([True, False, True, False]))
    after = stepper.state
    np.testing.assert_array_equal(after[[1, 3]], before[[1, 3]])
    assert not np.array_equal(after[[0, 2]], before[[0, 2]])
    stepper.reset()
    np.testing.assert_array_equal(stepper.state, rnn.initial_state())
    assert stepper.t == 0.0
    with pytest.raises(ValueError, match="takes no dt"):
        rnn.stepper(dt=0.1)
    with pytest.raises(ValueError, match="dt is required"):
        evornn.CTRNN.random(1, 2, rng=0).stepper()
    with pytest.raises(ValueError, match="inputs must have shape"):
        stepper.step(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="active must be a boolean array"):
        stepper.step(np.zeros(2), active=[1, 0, 1, 0])
