"""evornn's bodies as Gymnasium environments (evornn.gym): Gymnasium's checker, and the same
physics as the compiled closed loop, trial for trial."""

import warnings

import numpy as np
import pytest

import evornn
from evornn.tasks import CategorizationTask, WalkerTask, run_body

gymnasium = pytest.importorskip("gymnasium")
import evornn.gym  # noqa: E402 (registers the environments; needs gymnasium)

NAMES = ["DoublePole", "Walker", "Categorization", "WheeledRobot"]


@pytest.mark.parametrize("name", NAMES)
def test_every_environment_passes_gymnasiums_checker(name):
    from gymnasium.utils.env_checker import check_env

    env = gymnasium.make(f"evornn/{name}-v0")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*infinity.*")  # sensors have no declared bounds
        check_env(env.unwrapped)


def drive(env, model, trial, controller_dt):
    """One episode of trial `trial` with individual 0 of `model` stepping each control step:
    (summed reward, steps, final body state)."""
    env = env.unwrapped  # float64 actions, as the closed loop's (the action space is float32)
    obs, _ = env.reset(seed=0, options={"trial": trial})
    stepper = model.stepper(controller_dt)
    total, steps = 0.0, 0
    while True:
        z = stepper.step(obs[None])[0]
        obs, reward, terminated, truncated, _ = env.step(z[:env.action_space.shape[0]])
        total += reward
        steps += 1
        if terminated or truncated:
            return total, steps, env.unwrapped.state


def test_the_double_pole_environment_balances_as_the_closed_loop_does():
    """A CTRNN on three of the 625 starts: the steps balanced (the summed reward) and the
    final state equal run_body's on the same starts."""
    body = evornn.gym.make("DoublePole")._spec.body
    model = evornn.CTRNN.random(1, 3, n_inputs=6, rng=5)
    trials = run_body(body, model, n_trials=625, max_steps=1000)
    env = gymnasium.make("evornn/DoublePole-v0")
    for trial in (0, 312, 624):
        total, steps, state = drive(env, model, trial, body.dt)
        assert total == steps == trials.steps[0, trial]
        np.testing.assert_allclose(state[:6], trials.state[0, trial, :6], rtol=1e-12, atol=1e-12)


def test_the_walker_environment_walks_as_the_walker_task_does():
    model = evornn.CTRNN.random(1, 3, n_inputs=1, rng=2)
    total, steps, _ = drive(gymnasium.make("evornn/Walker-v0"), model, 0, 0.1)
    velocity = WalkerTask().evaluate(model).metrics["velocity"][0]
    assert steps == 2000
    assert total / 200.0 == pytest.approx(velocity, rel=1e-9, abs=1e-12)


def test_the_categorisation_environment_pays_the_tasks_score_at_the_end():
    task = CategorizationTask()
    model = evornn.CTRNN.random(1, 5, n_inputs=7, rng=1)
    from evornn.tasks.categorize import CIRCLE, DISTANCE_CLIP

    d = np.abs(task.distances(model)[0])
    env = gymnasium.make("evornn/Categorization-v0")
    for trial in (0, 30):  # a circle and a diamond
        closeness = min(d[trial], DISTANCE_CLIP) / DISTANCE_CLIP
        score = 1.0 - closeness if task.shapes[trial] == CIRCLE else closeness
        total, steps, _ = drive(env, model, trial, task.dt)
        assert steps == task.n_steps
        assert total == pytest.approx(score, rel=1e-9)
    assert task.shapes[0] != task.shapes[30]


@pytest.mark.parametrize("name", NAMES)
def test_the_vector_environment_steps_every_copy_as_the_single_one(name):
    """BodyVectorEnv (one compiled call for all copies) against single environments on the
    same trials with the same actions, through an autoreset."""
    venv = gymnasium.make_vec(f"evornn/{name}-v0", num_envs=3, vectorization_mode="vector_entry_point")
    obs, info = venv.reset(seed=4)
    singles = [gymnasium.make(f"evornn/{name}-v0").unwrapped for _ in range(3)]
    single_obs = [env.reset(seed=0, options={"trial": int(t)})[0] for env, t in zip(singles, info["trial"], strict=True)]
    np.testing.assert_array_equal(obs, np.stack(single_obs))
    actions = np.random.default_rng(0).random((40, 3, venv.single_action_space.shape[0])).astype(np.float32)
    for t in range(40):
        obs, reward, terminated, _, _ = venv.step(actions[t])
        for i, env in enumerate(singles):
            if getattr(env, "_finished", False):
                continue
            o, r, te, tr, _ = env.step(actions[t, i])
            np.testing.assert_allclose(obs[i], o, rtol=1e-12, atol=1e-12)
            assert reward[i] == pytest.approx(r, rel=1e-12, abs=1e-15) and terminated[i] == te
            env._finished = te or tr
