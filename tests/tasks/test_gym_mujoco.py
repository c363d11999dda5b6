"""GymTask on a MuJoCo environment (CI installs ``.[gym]`` for this file in its own step;
elsewhere it is skipped when MuJoCo is missing)."""

import os

import numpy as np
import pytest

import evornn
from evornn.tasks import GymTask

os.environ.setdefault("MUJOCO_GL", "egl")  # offscreen rendering without a display (before MuJoCo loads)
gymnasium = pytest.importorskip("gymnasium")
pytest.importorskip("mujoco")


def test_hopper_returns_equal_a_python_loop_over_env_step():
    """Box actions in [-1, 1] from CTRNN firing rates ("unit"), one short episode each of
    three individuals in two slots, against env.step in a plain loop with the same seed;
    the final ``x_position`` (a behaviour descriptor) too."""
    net = evornn.CTRNN.random(3, 4, n_inputs=11, rng=0)
    task = GymTask("Hopper-v5", n_episodes=1, max_steps=40, num_envs=2, controller_dt=0.05,
                   descriptors=[("x_position", -1.0, 3.0)])
    runs = task.episodes_of(net, rng=1)
    seed = int(np.random.default_rng(1).integers(0, 2**31 - 1, size=1)[0])
    for p in range(net.n_pop):
        env = gymnasium.make("Hopper-v5")
        obs, _ = env.reset(seed=seed)
        stepper = net.take([p]).stepper(0.05)
        total, steps = 0.0, 0
        while steps < 40:
            z = stepper.step(np.asarray(obs, dtype=float)[None])[0]
            obs, reward, terminated, truncated, info = env.step((-1.0 + 2.0 * np.clip(z[:3], 0, 1)).astype(np.float32))
            total += reward
            steps += 1
            if terminated or truncated:
                break
        assert runs["length"][p, 0] == steps
        assert runs["return"][p, 0] == pytest.approx(total, rel=1e-9, abs=1e-9)
        assert runs["final"][p, 0, 0] == pytest.approx(info["x_position"], rel=1e-12, abs=1e-12)


def test_a_hopper_episode_is_rendered_to_a_gif_or_said_why_not(tmp_path):
    import warnings

    from PIL import Image

    net = evornn.CTRNN.random(1, 4, n_inputs=11, rng=0)
    task = GymTask("Hopper-v5", max_steps=20, controller_dt=0.05)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        path = task.animate(net, tmp_path / "hopper.gif")
    if path is None:  # pragma: no cover - only where no OpenGL context can be made
        assert "cannot render" in str(caught[0].message)
        pytest.skip("no OpenGL context on this machine")
    n_steps = task.episode(net)["actions"].shape[0]  # the episode's frames: one per control step
    with Image.open(path) as gif:
        assert gif.n_frames == n_steps and gif.size == (480, 480)
