"""GymTask: evornn controllers on Gymnasium environments (classic control here; MuJoCo in
test_gym_mujoco.py), against plain Python loops over ``env.step`` with the same seeds."""

import numpy as np
import pytest

import evornn
from evornn.models import Elman
from evornn.tasks import GymTask

gymnasium = pytest.importorskip("gymnasium")


def python_returns(model, env_id, seeds, *, controller_dt=0.1, action=None, max_steps=None):
    """Episode returns of every individual, each episode a plain loop over env.step with a
    Stepper of that one individual: shape (n_pop, len(seeds))."""
    out = np.zeros((model.n_pop, len(seeds)))
    for p in range(model.n_pop):
        for e, seed in enumerate(seeds):
            env = gymnasium.make(env_id)
            obs, _ = env.reset(seed=int(seed))
            one = model.take([p])
            stepper = one.stepper(controller_dt) if one.time == "continuous" else one.stepper()
            total, steps = 0.0, 0
            while True:
                z = stepper.step(np.asarray(obs, dtype=float).reshape(1, -1))[0]
                obs, reward, terminated, truncated, _ = env.step(action(z))
                total += reward
                steps += 1
                if terminated or truncated or (max_steps is not None and steps >= max_steps):
                    break
            out[p, e] = total
            env.close()
    return out


def episode_seeds(rng, n_episodes):
    return np.random.default_rng(rng).integers(0, 2**31 - 1, size=n_episodes)


@pytest.mark.parametrize("num_envs", [1, 4, 32])
def test_discrete_returns_equal_a_python_loop_over_env_step(num_envs):
    """CartPole (Discrete actions: the argmax of the first two outputs), CTRNN controllers,
    any number of environment slots."""
    net = evornn.CTRNN.random(6, 3, n_inputs=4, rng=1)
    task = GymTask("CartPole-v1", n_episodes=3, num_envs=num_envs, controller_dt=0.5)
    runs = task.episodes_of(net, rng=7)
    expected = python_returns(net, "CartPole-v1", episode_seeds(7, 3), controller_dt=0.5,
                              action=lambda z: int(np.argmax(z[:2])))
    np.testing.assert_array_equal(runs["return"], expected)
    np.testing.assert_array_equal(runs["length"], expected)  # CartPole pays 1 per step
    assert np.ptp(expected) > 0 and task.episodes == 18 and task.env_steps == expected.sum()


def test_box_actions_are_scaled_into_the_bounds_as_a_python_loop_does():
    """Pendulum (Box(-2, 2)): an Elman controller's output clipped to [0, 1] and scaled."""
    net = Elman.random(3, 4, 3, 1, rng=2)
    task = GymTask("Pendulum-v1", n_episodes=2, max_steps=60, num_envs=4)
    evaluation = task.evaluate(net, rng=3)
    expected = python_returns(net, "Pendulum-v1", episode_seeds(3, 2), max_steps=60,
                              action=lambda z: np.array([-2.0 + 4.0 * np.clip(z[0], 0.0, 1.0)], dtype=np.float32))
    np.testing.assert_allclose(evaluation.metrics["return"], expected.mean(axis=1), rtol=1e-9)
    np.testing.assert_allclose(evaluation.fitness, expected.mean(axis=1), rtol=1e-9)
    assert (evaluation.metrics["episode_length"] == 60).all()


def test_the_same_seed_gives_the_same_run_and_cmaes_solves_cartpole():
    """A 2-neuron CTRNN balances CartPole-v1 for the full 500 steps of its 5 training
    episodes (seeds 0-4 all do within 20 generations of 20), and the same seed gives the same
    history bit for bit. On 20 fresh episodes the champions of seeds 0-4 averaged 429-500."""
    def run():
        task = GymTask("CartPole-v1", n_episodes=5, num_envs=16, controller_dt=0.5)
        problem = evornn.Problem(evornn.CTRNN.codec(2, n_inputs=4), task)
        return evornn.evolve(problem, "cmaes", n_pop=20, n_generations=40, rng=0, progress=False,
                             target_fitness=500.0)

    first, second = run(), run()
    assert [r["max"] for r in first.history] == [r["max"] for r in second.history]
    np.testing.assert_array_equal(first.best_genome, second.best_genome)
    assert first.best_fitness == 500.0
    # The champion on 20 fresh episodes.
    champion = GymTask("CartPole-v1", n_episodes=20, controller_dt=0.5).evaluate(first.best_model, rng=99)
    assert champion.metrics["return"][0] >= 400.0


def test_a_diverging_controller_gets_the_worst_fitness_and_the_others_run_on():
    net = evornn.CTRNN.random(4, 2, n_inputs=4, rng=4)
    p = net.params
    weights, tau = p.weights.copy(), p.tau.copy()
    weights[1], tau[1] = 1e308, 1e-300
    net = evornn.CTRNN(weights, tau=tau, bias=p.bias, gain=p.gain, input_weights=p.input_weights)
    task = GymTask("CartPole-v1", n_episodes=2, num_envs=3, controller_dt=0.5)
    evaluation = task.evaluate(net, rng=5)
    assert evaluation.nonfinite[1] and evaluation.metrics["diverged"][1] == 2
    assert not evaluation.nonfinite[[0, 2, 3]].any()
    clean = evaluation.fitness[[0, 2, 3]]
    assert evaluation.fitness[1] == clean.min() - 1.0
    fixed = GymTask("CartPole-v1", n_episodes=2, controller_dt=0.5, worst_fitness=-5.0).evaluate(net, rng=5)
    assert fixed.fitness[1] == -5.0


class Fragile(gymnasium.Env):
    """A one-dimensional walk that raises on step 5 of episodes started from odd seeds."""

    observation_space = gymnasium.spaces.Box(-np.inf, np.inf, (1,), np.float64)
    action_space = gymnasium.spaces.Discrete(2)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.odd, self.t, self.x = bool(seed % 2) if seed is not None else False, 0, 0.0
        return np.array([self.x]), {}

    def step(self, action):
        self.t += 1
        if self.odd and self.t == 5:
            raise RuntimeError("the simulator fell over")
        self.x += 1.0 if action else -1.0
        return np.array([self.x]), 1.0, False, self.t >= 10, {}


def test_an_environment_that_raises_is_counted_not_fatal():
    net = Elman.random(3, 2, 1, 2, rng=0)
    seeds = episode_seeds(11, 4)
    assert 0 < (seeds % 2).sum() < 4  # some episodes crash, some do not
    task = GymTask(Fragile, n_episodes=4, num_envs=5)
    evaluation = task.evaluate(net, rng=11)
    np.testing.assert_array_equal(evaluation.metrics["crashed"], np.full(3, (seeds % 2).sum()))
    assert evaluation.nonfinite.all()  # every individual met a crash: all get the worst fitness
    runs = task.episodes_of(net, rng=11)
    np.testing.assert_array_equal(runs["length"][:, seeds % 2 == 0], 10)


class Drift(gymnasium.Env):
    """A one-dimensional walk of a random length (5 to 14 steps) that reports its position
    in ``info`` at every step (as MuJoCo's locomotion tasks report ``x_position``)."""

    observation_space = gymnasium.spaces.Box(-np.inf, np.inf, (2,), np.float64)
    action_space = gymnasium.spaces.Discrete(2)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.t, self.x, self.length = 0, 0.0, int(self.np_random.integers(5, 15))
        return np.array([self.x, 1.0]), {}

    def step(self, action):
        self.t += 1
        self.x += 0.5 if action else -0.25
        return np.array([self.x, 1.0]), 1.0, False, self.t >= self.length, {"x_position": self.x}


def final_values(model, make, seeds, controller_dt, read):
    """`read(obs, info)` at the end of each episode of each individual, by a plain loop over
    env.step: shape (n_pop, len(seeds))."""
    out = np.zeros((model.n_pop, len(seeds)))
    for p in range(model.n_pop):
        for e, seed in enumerate(seeds):
            env = make()
            obs, _ = env.reset(seed=int(seed))
            stepper = model.take([p]).stepper(controller_dt)
            while True:
                z = stepper.step(np.asarray(obs, dtype=float).reshape(1, -1))[0]
                obs, _, terminated, truncated, info = env.step(int(np.argmax(z[:2])))
                if terminated or truncated:
                    break
            out[p, e] = read(obs, info)
    return out


def test_descriptors_are_the_episodes_final_info_or_observation_averaged_like_a_python_loop():
    net = evornn.CTRNN.random(5, 3, n_inputs=2, rng=4)
    task = GymTask(Drift, n_episodes=3, num_envs=4, controller_dt=0.5,
                   descriptors=[("x_position", -4.0, 8.0), ("obs[0]", -4.0, 8.0)])
    assert [d.name for d in task.descriptors] == ["x_position", "obs[0]"]
    metrics = task.evaluate(net, rng=2).metrics
    expected = final_values(net, Drift, episode_seeds(2, 3), 0.5, lambda obs, info: info["x_position"])
    assert np.ptp(expected) > 0  # the walks end in different places
    np.testing.assert_allclose(metrics["x_position"], expected.mean(axis=1), rtol=1e-12)
    np.testing.assert_allclose(metrics["obs[0]"], expected.mean(axis=1), rtol=1e-12)
    cart = GymTask("CartPole-v1", n_episodes=2, controller_dt=0.5, descriptors=[("obs[0]", -2.4, 2.4)])
    net = evornn.CTRNN.random(4, 3, n_inputs=4, rng=1)
    expected = final_values(net, lambda: gymnasium.make("CartPole-v1"), episode_seeds(5, 2), 0.5,
                            lambda obs, info: obs[0])
    np.testing.assert_allclose(cart.evaluate(net, rng=5).metrics["obs[0]"], expected.mean(axis=1), rtol=1e-6)


def test_wrong_settings_and_controllers_are_refused_with_what_is_allowed():
    with pytest.raises(ValueError, match="vectorization must be one of"):
        GymTask("CartPole-v1", vectorization="threads")
    with pytest.raises(ValueError, match="action_map"):
        GymTask("Pendulum-v1", action_map="squash")
    with pytest.raises(ValueError, match="n_episodes"):
        GymTask("CartPole-v1", n_episodes=0)
    with pytest.raises(ValueError, match="needs an environment id"):
        GymTask(Fragile, vectorization="vector_entry_point")
    with pytest.raises(ValueError, match=r"neither info keys of the environment \(\['x_position'\]\)"):
        GymTask(Drift, descriptors=[("y_position", 0.0, 1.0)])
    with pytest.raises(ValueError, match="'Nope-v3' is not a registered Gymnasium environment"):
        GymTask("Nope-v3")
    with pytest.raises(ValueError, match="the observation has 4 components"):
        GymTask("CartPole-v1", descriptors=[("obs[4]", 0.0, 1.0)])
    with pytest.raises(ValueError, match="differ from the metrics"):
        GymTask(Drift, descriptors=[("x_position", 0.0, 1.0), ("x_position", 0.0, 2.0)])
    with pytest.raises(ValueError, match="needs finite low < high"):
        GymTask(Drift, descriptors=[("x_position", 1.0, 0.0)])
    task = GymTask("CartPole-v1")
    with pytest.raises(ValueError, match="needs 4 inputs, got 3"):
        task.check_model(evornn.CTRNN.random(2, 2, n_inputs=3, rng=0))
    with pytest.raises(ValueError, match="need 2 outputs, got 1"):
        task.check_model(Elman.random(2, 3, 4, 1, rng=0))


def test_the_environments_own_vectorisation_runs_every_episode_reproducibly():
    """Gymnasium's NumPy CartPole (its own autoreset): every episode runs to its end, the
    same seed gives the same returns, and a cut episode (max_steps) is drained first."""
    net = evornn.CTRNN.random(10, 2, n_inputs=4, rng=6)
    task = GymTask("CartPole-v1", n_episodes=2, num_envs=4, vectorization="vector_entry_point", controller_dt=0.5,
                   max_steps=30)
    first, second = task.episodes_of(net, rng=1), task.episodes_of(net, rng=1)
    np.testing.assert_array_equal(first["return"], second["return"])
    assert (first["length"] >= 8).all() and (first["length"] <= 30).all()
    np.testing.assert_array_equal(first["return"], first["length"])


def test_evornn_run_on_a_gym_environment_resumes_after_sigkill_to_the_same_result(tmp_path):
    """experiments/gym_cartpole.toml through `evornn run` (a small budget, no early stop),
    killed with SIGKILL after its second checkpoint and resumed: the same best genome and
    history as an uninterrupted run."""
    from pathlib import Path

    from tests.run_helpers import assert_same_run, kill_and_resume

    source = Path(__file__).resolve().parents[2] / "experiments" / "gym_cartpole.toml"
    text = source.read_text().replace("n_generations = 60", "n_generations = 8").replace("checkpoint_every = 5",
                                                                                        "checkpoint_every = 2")
    text = text.replace("target_fitness = 500.0", "target_fitness = 1e9").replace("n_episodes = 5", "n_episodes = 2")
    path = tmp_path / "gym.toml"
    path.write_text(text)
    assert_same_run(*kill_and_resume(path, tmp_path, at=4))
    assert (tmp_path / "whole" / "behaviour.png").exists()  # one episode of the best controller


def test_async_environments_give_the_sync_results():
    net = evornn.CTRNN.random(4, 2, n_inputs=4, rng=8)
    sync = GymTask("CartPole-v1", n_episodes=2, num_envs=3, controller_dt=0.5).episodes_of(net, rng=2)
    task = GymTask("CartPole-v1", n_episodes=2, num_envs=3, controller_dt=0.5, vectorization="async")
    try:
        parallel = task.episodes_of(net, rng=2)
    finally:
        task.close()
    np.testing.assert_array_equal(parallel["return"], sync["return"])


def test_a_task_travels_by_pickle_without_its_environments():
    """For Dask workers and checkpoints: the environments stay behind and are made again."""
    import pickle

    net = evornn.CTRNN.random(3, 2, n_inputs=4, rng=9)
    task = GymTask("CartPole-v1", n_episodes=2, controller_dt=0.5)
    before = task.evaluate(net, rng=4)
    copy = pickle.loads(pickle.dumps(task))
    assert copy._vector is None
    np.testing.assert_array_equal(copy.evaluate(net, rng=4).fitness, before.fitness)


def seen_observations(model, env_id, seeds, transform, controller_dt=0.5):
    """Every observation a controller was given (after `transform`) in plain loops over
    env.step, and the returns: (observations (n, n_obs), returns (n_pop, n_episodes))."""
    seen, returns = [], np.zeros((model.n_pop, len(seeds)))
    for p in range(model.n_pop):
        for e, seed in enumerate(seeds):
            env = gymnasium.make(env_id)
            obs, _ = env.reset(seed=int(seed))
            stepper = model.take([p]).stepper(controller_dt)
            while True:
                seen.append(np.asarray(obs, dtype=float))
                z = stepper.step(transform(np.asarray(obs, dtype=float))[None])[0]
                obs, reward, terminated, truncated, _ = env.step(int(np.argmax(z[:2])))
                returns[p, e] += reward
                if terminated or truncated:
                    break
    return np.array(seen), returns


def test_observation_statistics_are_those_of_every_observation_seen_and_normalise_the_next_generation():
    net = evornn.CTRNN.random(5, 3, n_inputs=4, rng=12)
    task = GymTask("CartPole-v1", n_episodes=2, num_envs=4, controller_dt=0.5, obs_norm=True)
    first = task.evaluate(net, rng=1)  # no statistics yet: the raw observations
    seen, returns = seen_observations(net, "CartPole-v1", episode_seeds(1, 2), lambda x: x)
    np.testing.assert_array_equal(first.metrics["return"], returns.mean(axis=1))
    task.learn(first)
    state = task.state_dict()
    assert state["obs_count"][0] == seen.shape[0]
    np.testing.assert_allclose(state["obs_mean"], seen.mean(axis=0), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(state["obs_m2"] / seen.shape[0], seen.var(axis=0), rtol=1e-8, atol=1e-12)
    mean, std = seen.mean(axis=0), np.sqrt(seen.var(axis=0) + 1e-8)
    second = task.evaluate(net, rng=2)  # normalised by the first generation's statistics
    _, returns = seen_observations(net, "CartPole-v1", episode_seeds(2, 2), lambda x: np.clip((x - mean) / std, -10, 10))
    np.testing.assert_allclose(second.metrics["return"], returns.mean(axis=1))
    with pytest.raises(ValueError, match="obs_mean"):
        task.load_state_dict({**state, "obs_mean": np.zeros(3)})


def test_a_run_with_observation_statistics_resumes_to_the_uninterrupted_result(tmp_path):
    def problem():
        task = GymTask("CartPole-v1", n_episodes=2, num_envs=8, controller_dt=0.5, obs_norm=True)
        return evornn.Problem(evornn.CTRNN.codec(2, n_inputs=4), task)

    whole_problem = problem()
    whole = evornn.evolve(whole_problem, "cmaes", n_pop=10, n_generations=6, rng=3, progress=False)
    path = tmp_path / "run.npz"
    evornn.evolve(problem(), "cmaes", n_pop=10, n_generations=3, rng=3, progress=False, checkpoint_path=path,
                  checkpoint_every=1)
    fresh = problem()  # a new process would start from empty statistics: the checkpoint brings them back
    resumed = evornn.resume(fresh, path, more=3)
    assert [r["max"] for r in resumed.history] == [r["max"] for r in whole.history]
    for name, value in whole_problem.task.state_dict().items():
        np.testing.assert_array_equal(fresh.task.state_dict()[name], value)


def test_an_environment_that_cannot_draw_says_so_and_the_plot_shows_the_episode(tmp_path):
    """Without pygame, CartPole cannot render: animate warns and returns None; the plot of
    one episode (observations, actions, return) is drawn from the same run as evaluate."""
    import matplotlib

    from evornn.errors import RenderWarning

    net = evornn.CTRNN.random(1, 2, n_inputs=4, rng=3)
    task = GymTask("CartPole-v1", controller_dt=0.5)
    episode = task.episode(net, seed=5)
    expected = python_returns(net, "CartPole-v1", [5], controller_dt=0.5, action=lambda z: int(np.argmax(z[:2])))
    assert episode["rewards"].sum() == expected[0, 0] == episode["actions"].shape[0]
    assert episode["observations"].shape == (episode["actions"].shape[0] + 1, 4)
    fig = task.plot(net)
    assert isinstance(fig, matplotlib.figure.Figure) and len(fig.axes) == 3
    try:
        import pygame  # noqa: F401
    except ImportError:
        with pytest.warns(RenderWarning, match="cannot render"):
            assert task.animate(net, tmp_path / "cartpole.gif") is None


@pytest.mark.parametrize("kind", ["gru", "lstm", "esn"])
def test_every_recurrent_model_is_a_controller(kind):
    """GRU, LSTM and an ESN with an evolved (here: given) readout on CartPole, against plain
    loops over env.step with each individual's own stepper."""
    from evornn import ESN
    from evornn.models import GRU, LSTM

    if kind == "esn":
        net = ESN.random(30, n_inputs=4, n_outputs=2, n_pop=3, rng=0)
        net = net.with_readout(np.random.default_rng(0).normal(size=(3, 2, 30)))
    else:
        net = {"gru": GRU, "lstm": LSTM}[kind].random(3, 5, 4, 2, rng=1)
    evaluation = GymTask("CartPole-v1", n_episodes=2, num_envs=4).evaluate(net, rng=6)
    expected = python_returns(net, "CartPole-v1", episode_seeds(6, 2), action=lambda z: int(np.argmax(z[:2])))
    np.testing.assert_array_equal(evaluation.fitness, expected.mean(axis=1))
    assert np.ptp(expected) > 0
