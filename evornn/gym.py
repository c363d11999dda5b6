"""evornn's bodies as Gymnasium environments, registered on import of this module.

>>> import gymnasium, evornn.gym
>>> env = gymnasium.make("evornn/DoublePole-v0")
>>> obs, info = env.reset(seed=0)
>>> obs.shape, env.action_space
((6,), Box(0.0, 1.0, (1,), float32))

Each environment runs one trial of a :class:`~evornn.tasks.body.Body` with the body's own
compiled kernels (the physics of :class:`~evornn.tasks.BodyTask` and the built-in tasks,
step for step): ``reset`` picks a trial (a start state, an object's drop position) with the
environment's generator, observations are the body's sensors, actions its motors in
[0, 1] (values outside are clipped, as the closed loop clips them). Rewards:

============================  ===============================================================
``evornn/DoublePole-v0``      1 per step balanced (both poles, with velocities); a random one
                              of the 625 generalisation starts; 1,000 steps at most
``evornn/Walker-v0``          the body's forward progress per step (Beer's one-legged walker);
                              2,000 steps of 0.1 (Beer's 200 time units)
``evornn/Categorization-v0``  at the end of the fall, Beer's closeness score of the trial
                              (catch circles, avoid diamonds), 0 before; a random drop
``evornn/WheeledRobot-v0``    the phototaxis reward of each step (closeness to the light);
                              a random start of the task's ring; 300 steps
============================  ===============================================================

``gymnasium.make_vec(id, num_envs=n)`` gives :class:`BodyVectorEnv`, which steps all ``n``
copies in one compiled call (with Gymnasium's next-step autoreset).
"""

from __future__ import annotations

from typing import ClassVar

import gymnasium
import numpy as np
from gymnasium import spaces
from numba import njit, prange

from ._numba import ERROR_MODEL, FASTMATH, for_params
from .tasks.agent2d import WheeledRobotTask
from .tasks.body import body_act, body_done, body_reset, body_sense
from .tasks.cartpole import CartPole, generalisation_starts
from .tasks.categorize import AGENT_X, CIRCLE, DISTANCE_CLIP, OBJECT_X, SHAPE, CategorizationTask
from .tasks.walker import Walker


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _reset_one(body, trial, draws, state, u):
    body_reset(body, 0, trial, draws, state)
    body_sense(body, 0, state, u)


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _step_one(body, state, z, dt, u):
    """One control step of one copy; returns (the body's reward, done)."""
    reward = body_act(body, 0, state, z, dt)
    done = body_done(body, 0, state)
    body_sense(body, 0, state, u)
    return reward, done


@njit(cache=True, parallel=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _step_all(body, states, z, dt, u, rewards, dones, reset, trials, draws):
    """Every copy `i`: reset (with ``trials[i]``, ``draws[i]``) where `reset`, else one step."""
    for i in prange(states.shape[0]):
        if reset[i]:
            body_reset(body, 0, trials[i], draws[i], states[i])
            rewards[i] = 0.0
            dones[i] = False
        else:
            rewards[i] = body_act(body, 0, states[i], z[i], dt)
            dones[i] = body_done(body, 0, states[i])
        body_sense(body, 0, states[i], u[i])


class _Spec:
    """What an environment is made of: its body, trials, step limit and reward."""

    def __init__(self, body, *, n_trials: int, max_steps: int, reward: str, score=None):
        self.body, self.n_trials, self.max_steps, self.reward, self.score = body, n_trials, max_steps, reward, score

    def rewards(self, body_reward, x_before, x_after, steps, state):
        """Rewards of a batch of steps (arrays), as the environment's table says."""
        if self.reward == "alive":
            return np.ones_like(body_reward)
        if self.reward == "progress":
            return x_after - x_before
        if self.reward == "final":
            return np.where(steps >= self.max_steps, self.score(state), 0.0)
        return body_reward


def _double_pole() -> _Spec:
    return _Spec(CartPole(generalisation_starts(), n_poles=2, velocities=True), n_trials=625, max_steps=1000,
                 reward="alive")


def _walker() -> _Spec:
    return _Spec(Walker(1), n_trials=1, max_steps=2000, reward="progress")


def _closeness(state: np.ndarray) -> np.ndarray:
    """Beer's score of categorisation trials from their final states (n, n_state): 1 minus
    the clipped distance for circles (catch), the clipped distance for diamonds (avoid)."""
    d = np.abs(state[:, OBJECT_X] - state[:, AGENT_X])
    closeness = np.minimum(d, DISTANCE_CLIP) / DISTANCE_CLIP
    return np.where(state[:, SHAPE] == CIRCLE, 1.0 - closeness, closeness)


def _categorization() -> _Spec:
    task = CategorizationTask()
    return _Spec(task.body, n_trials=task.offsets.size, max_steps=task.n_steps, reward="final", score=_closeness)


def _wheeled_robot() -> _Spec:
    task = WheeledRobotTask("phototaxis", n_trials=8)
    return _Spec(task.body, n_trials=task.starts.shape[0], max_steps=task.n_steps, reward="body")


class BodyEnv(gymnasium.Env):
    """One trial of an evornn body as a Gymnasium environment (see the module docstring).

    ``reset(seed=..., options={"trial": k})`` starts trial `k` of the body's table rather
    than a random one.
    """

    metadata: ClassVar[dict] = {"render_modes": []}

    def __init__(self, spec: _Spec):
        self._spec = spec
        body = spec.body
        self.observation_space = spaces.Box(-np.inf, np.inf, (body.n_inputs,), np.float64)
        self.action_space = spaces.Box(0.0, 1.0, (body.n_outputs,), np.float32)
        self._state = np.zeros(body.n_state)
        self._u = np.zeros(body.n_inputs)
        self._steps = 0
        self._reset = for_params(_reset_one, body.params)
        self._step = for_params(_step_one, body.params)

    def reset(self, *, seed=None, options=None):
        """Start a trial (random, or ``options["trial"]``); returns the sensors and ``{"trial": k}``."""
        super().reset(seed=seed)
        spec = self._spec
        trial = int((options or {}).get("trial", self.np_random.integers(spec.n_trials)))
        if not 0 <= trial < spec.n_trials:
            raise ValueError(f"options['trial'] must be in [0, {spec.n_trials}), got {trial}")
        draws = self.np_random.random(spec.body.n_draws)
        self._reset(spec.body.params, trial, draws, self._state, self._u)
        self._steps = 0
        return self._u.copy(), {"trial": trial}

    def step(self, action):
        """One control step with motors `action` (clipped to [0, 1]); Gymnasium's five values."""
        z = np.clip(np.asarray(action, dtype=np.float64).reshape(-1), 0.0, 1.0)
        x_before = self._state[0]
        reward, done = self._step(self._spec.body.params, self._state, z, self._spec.body.dt, self._u)
        self._steps += 1
        steps = np.array([self._steps])
        reward = self._spec.rewards(np.array([reward]), np.array([x_before]), np.array([self._state[0]]), steps,
                                    self._state[None])[0]
        last = self._steps >= self._spec.max_steps
        terminated = bool(done) or (self._spec.reward == "final" and last)
        return self._u.copy(), float(reward), terminated, bool(last and not terminated), {}

    @property
    def state(self) -> np.ndarray:
        """The body's full state (a copy), for plots and tests."""
        return self._state.copy()


class BodyVectorEnv(gymnasium.vector.VectorEnv):
    """`num_envs` copies of a body stepped in one compiled call, with next-step autoreset
    (a copy whose episode ended is reset by the next ``step``, which ignores its action)."""

    metadata: ClassVar[dict] = {"render_modes": [], "autoreset_mode": gymnasium.vector.AutoresetMode.NEXT_STEP}

    def __init__(self, spec: _Spec, num_envs: int = 1):
        self._spec = spec
        body = spec.body
        self.num_envs = int(num_envs)
        self.single_observation_space = spaces.Box(-np.inf, np.inf, (body.n_inputs,), np.float64)
        self.single_action_space = spaces.Box(0.0, 1.0, (body.n_outputs,), np.float32)
        self.observation_space = gymnasium.vector.utils.batch_space(self.single_observation_space, self.num_envs)
        self.action_space = gymnasium.vector.utils.batch_space(self.single_action_space, self.num_envs)
        self._states = np.zeros((self.num_envs, body.n_state))
        self._u = np.zeros((self.num_envs, body.n_inputs))
        self._steps = np.zeros(self.num_envs, dtype=np.int64)
        self._ended = np.zeros(self.num_envs, dtype=bool)
        self._kernel = for_params(_step_all, body.params)

    def _draw(self, mask):
        n = self.num_envs
        trials = np.where(mask, self.np_random.integers(self._spec.n_trials, size=n), 0)
        return trials.astype(np.int64), self.np_random.random((n, self._spec.body.n_draws))

    def reset(self, *, seed=None, options=None):
        """Start every copy on a random trial; returns the sensors and ``{"trial": trials}``."""
        if seed is not None:
            self._np_random, self._np_random_seed = gymnasium.utils.seeding.np_random(seed)
        everything = np.ones(self.num_envs, dtype=bool)
        trials, draws = self._draw(everything)
        body = self._spec.body
        self._kernel(body.params, self._states, np.zeros((self.num_envs, body.n_outputs)), body.dt, self._u,
                     np.zeros(self.num_envs), np.zeros(self.num_envs, dtype=bool), everything, trials, draws)
        self._steps[:] = 0
        self._ended[:] = False
        return self._u.copy(), {"trial": trials}

    def step(self, actions):
        """One control step of every copy (those that ended last step are reset instead)."""
        body = self._spec.body
        z = np.clip(np.asarray(actions, dtype=np.float64).reshape(self.num_envs, -1), 0.0, 1.0)
        reset = self._ended.copy()
        trials, draws = self._draw(reset)
        rewards, dones = np.zeros(self.num_envs), np.zeros(self.num_envs, dtype=bool)
        x_before = self._states[:, 0].copy()
        self._kernel(body.params, self._states, z, body.dt, self._u, rewards, dones, reset, trials, draws)
        self._steps = np.where(reset, 0, self._steps + 1)
        rewards = np.where(reset, 0.0, self._spec.rewards(rewards, x_before, self._states[:, 0], self._steps,
                                                          self._states))
        terminated = dones & ~reset
        if self._spec.reward == "final":
            terminated |= (self._steps >= self._spec.max_steps) & ~reset
        truncated = (self._steps >= self._spec.max_steps) & ~terminated & ~reset
        self._ended = terminated | truncated
        return self._u.copy(), rewards, terminated, truncated, {}


_ENVIRONMENTS = {"DoublePole": _double_pole, "Walker": _walker, "Categorization": _categorization,
                 "WheeledRobot": _wheeled_robot}


def make(name: str) -> BodyEnv:
    """The environment `name` (``"DoublePole"``, ``"Walker"``, ``"Categorization"``, ``"WheeledRobot"``)."""
    return BodyEnv(_ENVIRONMENTS[name]())


def make_vector(name: str, num_envs: int = 1, **_) -> BodyVectorEnv:
    """`num_envs` copies of the environment `name`, stepped in one compiled call."""
    return BodyVectorEnv(_ENVIRONMENTS[name](), num_envs)


for _name, _factory in _ENVIRONMENTS.items():
    _id = f"evornn/{_name}-v0"
    if _id not in gymnasium.registry:
        # The environments end their own episodes (truncated at the step limit of the table).
        gymnasium.register(id=_id, entry_point=f"evornn.gym:_entry_{_name}",
                           vector_entry_point=f"evornn.gym:_vector_entry_{_name}")


def _entry_DoublePole(**_):
    return make("DoublePole")


def _entry_Walker(**_):
    return make("Walker")


def _entry_Categorization(**_):
    return make("Categorization")


def _entry_WheeledRobot(**_):
    return make("WheeledRobot")


def _vector_entry_DoublePole(num_envs=1, **_):
    return make_vector("DoublePole", num_envs)


def _vector_entry_Walker(num_envs=1, **_):
    return make_vector("Walker", num_envs)


def _vector_entry_Categorization(num_envs=1, **_):
    return make_vector("Categorization", num_envs)


def _vector_entry_WheeledRobot(num_envs=1, **_):
    return make_vector("WheeledRobot", num_envs)
