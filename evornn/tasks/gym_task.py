"""Score populations of evornn controllers on Gymnasium environments.

:class:`GymTask` runs ``n_episodes`` episodes for every individual of a population in a
vector of environments (``gymnasium.vector``): each environment slot runs one episode of one
individual at a time and takes the next episode as soon as its own ends. Every environment
step costs one compiled call of the controllers' :class:`~evornn.integrate.stepper.Stepper`
for all running episodes (an ``active`` mask skips the others), one vectorised action
mapping and one ``step`` of the vector environment: the Python cost per step does not grow
with the population.

Episodes and seeds
------------------
Each evaluation draws ``n_episodes`` episode seeds from its `rng`; episode ``e`` of every
individual starts from seed ``e`` (common random numbers within a generation, new ones in
the next), so a run is bit-identical for the same seed, whatever the number of environments
or threads. This needs environments that can be reset one at a time with a seed: the
``"sync"`` (default) and ``"async"`` vectorisations. An environment's own vectorised
implementation (``vectorization="vector_entry_point"``, e.g. Gymnasium's NumPy CartPole)
resets itself as episodes end, from one generator seeded per evaluation: runs are still
reproducible, but the episodes of different individuals start differently.

Observations, actions, failures
-------------------------------
Observations (a ``Box``, flattened, or a ``Discrete``, one-hot) are the controller's
inputs, times ``obs_scale``. Actions come from the first outputs: ``Discrete(n)`` takes the
argmax of the first ``n``; a ``Box`` maps each output into its bounds (``action_map``). A
controller whose outputs stop being finite ends its episode as diverged, and an environment
whose ``step`` or ``reset`` raises ends it as crashed: both give the individual the task's
worst fitness and are counted in the metrics; the other episodes run on.
"""

from __future__ import annotations

import re

import numpy as np

from .._checks import one_of, positive_float, positive_int
from ..random import as_rng
from ._simulation import trial_steps
from .base import Descriptor, Evaluation, Task

ACTION_MAPS = ("unit", "symmetric", "clip")
VECTORIZATIONS = ("sync", "async", "vector_entry_point")
FITNESS = ("mean", "median", "min", "max")
_CRASH = "evornn_crashed"
_METRICS = ("return", "return_std", "episode_length", "env_steps", "diverged", "crashed")


def _gymnasium():
    try:
        import gymnasium
    except ImportError as exc:  # pragma: no cover - the test extra installs it
        raise ImportError('GymTask needs Gymnasium: pip install "evornn[gym]"') from exc
    return gymnasium


def _safe_env_class():
    """A wrapper that turns an exception in ``step`` or ``reset`` into a terminated step
    flagged in ``info`` (the vector environment and the other episodes carry on)."""
    gymnasium = _gymnasium()

    class _SafeEnv(gymnasium.Wrapper):
        def __init__(self, env):
            super().__init__(env)
            self._last = None

        def reset(self, *, seed=None, options=None):
            try:
                obs, info = self.env.reset(seed=seed, options=options)
            except Exception as exc:  # any failure of the user's environment
                return self._blank(), {_CRASH: True, "evornn_error": repr(exc)}
            self._last = obs
            return obs, info

        def step(self, action):
            try:
                obs, reward, terminated, truncated, info = self.env.step(action)
            except Exception as exc:  # the same for a step
                return self._blank(), 0.0, True, False, {_CRASH: True, "evornn_error": repr(exc)}
            self._last = obs
            return obs, reward, terminated, truncated, info

        def _blank(self):
            return self._last if self._last is not None else self.observation_space.sample() * 0

    return _SafeEnv


def _repeat_env_class():
    gymnasium = _gymnasium()

    class _ActionRepeat(gymnasium.Wrapper):
        """Apply each action `repeat` times, summing the rewards (stops at the episode's end)."""

        def __init__(self, env, repeat):
            super().__init__(env)
            self.repeat = repeat

        def step(self, action):
            total = 0.0
            for _ in range(self.repeat):
                obs, reward, terminated, truncated, info = self.env.step(action)
                total += float(reward)
                if terminated or truncated:
                    break
            return obs, total, terminated, truncated, info

    return _ActionRepeat


_IDLE, _RUN, _DRAIN, _WAIT = 0, 1, 2, 3


class _Episodes:
    """The bookkeeping of one evaluation: per job (individual x episode) its return,
    length and failures; per environment slot its job and mode (running a job, idle, or,
    with the environment's own autoreset, draining a cut episode or waiting for a reset)."""

    def __init__(self, n_jobs: int, n_slots: int):
        self.returns, self.lengths = np.zeros(n_jobs), np.zeros(n_jobs, dtype=np.int64)
        self.diverged, self.crashed = np.zeros(n_jobs, dtype=bool), np.zeros(n_jobs, dtype=bool)
        self.slot_job = np.arange(n_slots)
        self.mode = np.full(n_slots, _RUN)
        self.next_job, self.n_jobs = n_slots, n_jobs

    def start_jobs(self, slots: np.ndarray) -> None:
        """Give the slots where `slots` is True the next jobs in order (idle when none is left)."""
        for slot in np.flatnonzero(slots):
            if self.next_job < self.n_jobs:
                self.slot_job[slot], self.mode[slot] = self.next_job, _RUN
                self.next_job += 1
            else:
                self.slot_job[slot], self.mode[slot] = -1, _IDLE

    def end_jobs(self, slots: np.ndarray, *, start: bool = True) -> None:
        """The jobs of the slots where `slots` is True are over; with `start`, the next ones begin."""
        if start:
            self.start_jobs(slots)
        else:
            self.slot_job[slots], self.mode[slots] = -1, _IDLE


class GymTask(Task):
    """Score a population on a Gymnasium environment: mean return over `n_episodes`.

    Parameters
    ----------
    env : str or callable
        An environment id (``"CartPole-v1"``, ``"Hopper-v5"``) or a factory returning a new
        ``gymnasium.Env`` (called once per environment slot; for ``"async"`` it must pickle).
    n_episodes : int
        Episodes per individual, with common seeds across the population (see the module
        docstring).
    max_steps : int, optional
        End (truncate) episodes after this many controller steps, besides the environment's
        own time limit.
    num_envs : int
        Environment slots stepped together (at most the number of episodes).
    vectorization : {"sync", "async", "vector_entry_point"}
        ``gymnasium.vector.SyncVectorEnv`` (one process), ``AsyncVectorEnv`` (a process per
        slot: for slow physics on several cores), or the environment's own vectorised
        implementation (an id only).
    action_map : {"unit", "symmetric", "clip"}
        For ``Box`` actions: outputs clipped to [0, 1] (``"unit"``, the range of a CTRNN's
        firing rates) or [-1, 1] (``"symmetric"``, tanh units) and scaled into the bounds,
        or taken as the action and clipped into the bounds (``"clip"``, also for unbounded
        boxes).
    obs_scale : float or array_like
        Observations are multiplied by this before they reach the controller.
    action_repeat : int
        Apply each action this many environment steps (rewards summed).
    controller_dt, method
        A continuous controller's step per environment step and integrator (``"euler"``,
        ``"heun"``, ``"rk4"``); discrete controllers take one map step.
    fitness : {"mean", "median", "min", "max"}
        How an individual's episode returns become its fitness.
    worst_fitness : float, optional
        Fitness of individuals with a diverged or crashed episode. Default: one less than
        the lowest fitness of the evaluated individuals that ran cleanly (0 if none did).
    env_kwargs : dict, optional
        Keyword arguments of ``gymnasium.make`` for an environment id.
    obs_norm : bool
        Normalise observations by running statistics, as OpenAI-ES and EvoTorch do for
        locomotion: every evaluation sees ``(obs - mean) / sqrt(var + 1e-8)`` (clipped to
        [-10, 10], as Stable-Baselines' ``VecNormalize`` does) with the statistics of all
        observations of the generations before it, and adds its own afterwards
        (:meth:`learn`; Chan's parallel merge). The statistics are the task's state:
        checkpointed, restored on resume, sent to Dask workers, and restored by
        :func:`evornn.load_run`, so a replay sees what the run saw at its end.

    descriptors : sequence of (name, low, high), optional
        Behaviour descriptors for quality-diversity and novelty search, each the value at
        an episode's end averaged over the episodes: ``name`` is a key of the step's
        ``info`` (MuJoCo's locomotion tasks report ``"x_position"``, Ant and Swimmer also
        ``"y_position"``) or ``"obs[i]"``, component ``i`` of the last raw observation
        (CartPole's cart position is ``"obs[0]"``); ``low`` and ``high`` bound the archive.
        Info keys are checked on one probe step at construction.

    Metrics (per individual): ``return`` (the mean), ``return_std``, ``episode_length``
    (mean controller steps), ``env_steps`` (environment interactions, all episodes),
    ``diverged`` and ``crashed`` (episodes), and each descriptor by name (NaN for an
    individual with a failed episode). Evaluations count as the literature counts
    them: :attr:`episodes` and :attr:`env_steps` accumulate over the task's life.

    Examples
    --------
    >>> import evornn
    >>> from evornn.tasks import GymTask
    >>> task = GymTask("CartPole-v1", n_episodes=2, max_steps=50)
    >>> net = evornn.CTRNN.random(3, 2, n_inputs=4, rng=0)
    >>> task.evaluate(net, rng=0).fitness.shape
    (3,)
    """

    def __init__(self, env, *, n_episodes: int = 1, max_steps: int | None = None, num_envs: int = 16,
                 vectorization: str = "sync", action_map: str = "unit", obs_scale=1.0, action_repeat: int = 1,
                 controller_dt: float = 0.1, method: str = "euler", fitness: str = "mean",
                 worst_fitness: float | None = None, env_kwargs: dict | None = None, obs_norm: bool = False,
                 descriptors=()):
        _gymnasium()  # a clear ImportError before any work
        if not (isinstance(env, str) or callable(env)):
            raise TypeError(f"env must be a Gymnasium id or a factory returning an environment, got {env!r}")
        self.vectorization = one_of("vectorization", vectorization, VECTORIZATIONS)
        if self.vectorization == "vector_entry_point" and not isinstance(env, str):
            raise ValueError('vectorization="vector_entry_point" needs an environment id, not a factory')
        self.env = env
        self.env_kwargs = dict(env_kwargs or {})
        self.n_episodes = positive_int("n_episodes", n_episodes)
        self.max_steps = None if max_steps is None else trial_steps("max_steps", max_steps)
        self.num_envs = positive_int("num_envs", num_envs)
        self.action_map = one_of("action_map", action_map, ACTION_MAPS)
        self.action_repeat = positive_int("action_repeat", action_repeat)
        if self.action_repeat > 1 and self.vectorization == "vector_entry_point":
            raise ValueError('action_repeat > 1 needs vectorization "sync" or "async"')
        self.controller_dt = positive_float("controller_dt", controller_dt)
        self.method = one_of("method", method, ("euler", "heun", "rk4"))
        self.fitness = one_of("fitness", fitness, FITNESS)
        if worst_fitness is not None:
            worst_fitness = float(worst_fitness)
            if not np.isfinite(worst_fitness):
                raise ValueError(f"worst_fitness must be finite, got {worst_fitness}")
        self.fixed_worst = worst_fitness
        probe = self._make_one()
        try:
            self.observation_space, self.action_space = probe.observation_space, probe.action_space
            self._check_spaces()
            self._set_descriptors(descriptors, probe)
        finally:
            probe.close()
        scale = np.asarray(obs_scale, dtype=np.float64)
        if scale.shape not in ((), (self.n_inputs,)) or not np.isfinite(scale).all():
            raise ValueError(f"obs_scale must be a finite number or {self.n_inputs} of them, got {obs_scale!r}")
        self.obs_scale = np.broadcast_to(scale, (self.n_inputs,)).copy()
        if not isinstance(obs_norm, bool | np.bool_):
            raise TypeError(f"obs_norm must be True or False, got {obs_norm!r}")
        self.obs_norm = bool(obs_norm)
        self._stats = {"obs_count": np.zeros(1), "obs_mean": np.zeros(self.n_inputs),
                       "obs_m2": np.zeros(self.n_inputs)}
        self.episodes = 0
        self.env_steps = 0
        self._vector = None

    def _check_spaces(self) -> None:
        spaces = _gymnasium().spaces
        if isinstance(self.observation_space, spaces.Box):
            self.n_inputs = int(np.prod(self.observation_space.shape))
        elif isinstance(self.observation_space, spaces.Discrete):
            self.n_inputs = int(self.observation_space.n)
        else:
            raise ValueError(f"GymTask reads Box and Discrete observations, got {self.observation_space}")
        if isinstance(self.action_space, spaces.Discrete):
            self.n_actions = int(self.action_space.n)
        elif isinstance(self.action_space, spaces.Box):
            self.n_actions = int(np.prod(self.action_space.shape))
            low, high = self.action_space.low.ravel(), self.action_space.high.ravel()
            if self.action_map != "clip" and not (np.isfinite(low).all() and np.isfinite(high).all()):
                raise ValueError(f'action_map={self.action_map!r} scales outputs into the action bounds, but the action '
                                 f'space {self.action_space} is unbounded: use action_map="clip"')
        else:
            raise ValueError(f"GymTask writes Discrete and Box actions, got {self.action_space}")

    def _set_descriptors(self, descriptors, probe) -> None:
        """Validate `descriptors` (see the class docstring); info keys against one probe step."""
        if isinstance(descriptors, str | bytes) or not isinstance(descriptors, list | tuple):
            raise TypeError(f"descriptors must be a sequence of (name, low, high), got {descriptors!r}")
        chosen = []
        for item in descriptors:
            if isinstance(item, Descriptor):
                chosen.append(item)
            elif isinstance(item, list | tuple) and len(item) == 3:
                chosen.append(Descriptor(*item))
            else:
                raise TypeError(f"each descriptor must be (name, low, high), got {item!r}")
        names = [d.name for d in chosen]
        taken = [n for n in names if n in _METRICS or names.count(n) > 1]
        if taken:
            raise ValueError(f"descriptor names must be unique and differ from the metrics {list(_METRICS)}, "
                             f"got {names}")
        self.descriptors = tuple(chosen)
        self._obs_descriptors, self._info_descriptors = {}, []
        for d in chosen:
            match = re.fullmatch(r"obs\[(\d+)\]", d.name)
            if match:
                index = int(match.group(1))
                if index >= self.n_inputs:
                    raise ValueError(f"descriptor {d.name!r}: the observation has {self.n_inputs} components")
                self._obs_descriptors[d.name] = index
            else:
                self._info_descriptors.append(d.name)
        if self._info_descriptors:
            _, info = probe.reset(seed=0)
            keys = set(info)
            try:
                keys |= set(probe.step(probe.action_space.sample())[4])
            except Exception:  # the probe only looks for the keys; evaluations report failures
                pass
            missing = [name for name in self._info_descriptors if name not in keys]
            if missing:
                raise ValueError(f"descriptors {missing} are neither info keys of the environment ({sorted(keys)}) "
                                 f"nor observation components 'obs[i]'")

    # ------------------------------------------------------------------ environments
    def _make_one(self):
        gymnasium = _gymnasium()
        if isinstance(self.env, str):
            error = gymnasium.error
            try:
                return gymnasium.make(self.env, **self.env_kwargs)
            except error.DependencyNotInstalled as exc:
                raise ImportError(f"Gymnasium cannot make {self.env!r}: {exc} (MuJoCo environments come with "
                                  f'pip install "evornn[gym]")') from exc
            except (error.NameNotFound, error.NamespaceNotFound, error.VersionNotFound) as exc:
                raise ValueError(f"env {self.env!r} is not a registered Gymnasium environment: {exc}") from exc
        made = self.env()
        if not isinstance(made, gymnasium.Env):
            raise TypeError(f"the env factory must return a gymnasium.Env, got {type(made).__name__}")
        return made

    def _slot_factory(self):
        safe, repeat = _safe_env_class(), _repeat_env_class()
        action_repeat = self.action_repeat

        def factory():
            env = self._make_one()
            if action_repeat > 1:
                env = repeat(env, action_repeat)
            return safe(env)

        return factory

    def _vector_env(self, n_slots: int):
        """The vector environment of `n_slots` slots (made once and kept)."""
        if self._vector is not None and self._vector.num_envs == n_slots:
            return self._vector
        self.close()
        gymnasium = _gymnasium()
        vector = gymnasium.vector
        if self.vectorization == "vector_entry_point":
            self._vector = gymnasium.make_vec(self.env, num_envs=n_slots, vectorization_mode="vector_entry_point",
                                              **self.env_kwargs)
        else:
            cls = vector.SyncVectorEnv if self.vectorization == "sync" else vector.AsyncVectorEnv
            self._vector = cls([self._slot_factory()] * n_slots, autoreset_mode=vector.AutoresetMode.DISABLED)
        return self._vector

    def close(self) -> None:
        """Close the environments (made again when needed)."""
        if self._vector is not None:
            self._vector.close()
            self._vector = None

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_vector"] = None  # environments do not travel (Dask, checkpoints); they are made again
        return state

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict[str, np.ndarray]:
        """The running observation statistics (``obs_norm``): count, mean and sum of squared
        deviations; empty without ``obs_norm``."""
        return {name: value.copy() for name, value in self._stats.items()} if self.obs_norm else {}

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        if not self.obs_norm:
            return super().load_state_dict(state)
        shapes = {"obs_count": (1,), "obs_mean": (self.n_inputs,), "obs_m2": (self.n_inputs,)}
        if set(state) != set(shapes):
            raise ValueError(f"the observation statistics must hold {sorted(shapes)}, got {sorted(state)}")
        for name, shape in shapes.items():
            value = np.asarray(state[name], dtype=np.float64)
            if value.shape != shape or not np.isfinite(value).all() or (name != "obs_mean" and (value < 0).any()):
                raise ValueError(f"{name} must be {shape} finite values{'' if name == 'obs_mean' else ' >= 0'}")
        self._stats = {name: np.array(state[name], dtype=np.float64) for name in shapes}

    def learn(self, evaluation: Evaluation) -> None:
        """Merge the observations of `evaluation` into the running statistics (Chan et al.)."""
        if not self.obs_norm or "obs_count" not in evaluation.stats:
            return
        # One row per individual, summed in order: the same bits however the population was chunked.
        n_b = float(evaluation.stats["obs_count"].sum())
        if n_b == 0:
            return
        mean_b = evaluation.stats["obs_sum"].sum(axis=0) / n_b
        m2_b = np.maximum(evaluation.stats["obs_sumsq"].sum(axis=0) - n_b * mean_b**2, 0.0)
        n_a, mean_a, m2_a = self._stats["obs_count"][0], self._stats["obs_mean"], self._stats["obs_m2"]
        n = n_a + n_b
        delta = mean_b - mean_a
        self._stats = {"obs_count": np.array([n]), "obs_mean": mean_a + delta * n_b / n,
                       "obs_m2": m2_a + m2_b + delta**2 * n_a * n_b / n}

    def _normalise(self, x: np.ndarray) -> np.ndarray:
        count = self._stats["obs_count"][0]
        if count == 0:
            return x
        std = np.sqrt(self._stats["obs_m2"] / count + 1e-8)
        return np.clip((x - self._stats["obs_mean"]) / std, -10.0, 10.0)

    # ------------------------------------------------------------------ the task
    def check_model(self, model) -> None:
        if model.n_inputs != self.n_inputs:
            raise ValueError(f"the environment gives {self.n_inputs} observations: the controller needs {self.n_inputs} "
                             f"inputs, got {model.n_inputs}")
        if model.n_outputs < self.n_actions:
            raise ValueError(f"the environment's actions need {self.n_actions} outputs, got {model.n_outputs}")

    def _raw(self, obs: np.ndarray) -> np.ndarray:
        """Observations as rows of floats (n_slots, n_inputs); Discrete ones one-hot."""
        if isinstance(self.observation_space, _gymnasium().spaces.Discrete):
            onehot = np.zeros((obs.shape[0], self.n_inputs))
            onehot[np.arange(obs.shape[0]), np.asarray(obs, dtype=np.int64) - self.observation_space.start] = 1.0
            return onehot
        return np.asarray(obs, dtype=np.float64).reshape(obs.shape[0], -1)

    def _inputs(self, raw: np.ndarray) -> np.ndarray:
        """Controller inputs from raw observation rows: normalised (``obs_norm``), then scaled."""
        return (self._normalise(raw) if self.obs_norm else raw) * self.obs_scale

    def _actions(self, z: np.ndarray) -> np.ndarray:
        """Actions of the vector environment from outputs `z` (n_slots, n_outputs), finite."""
        z = z[:, :self.n_actions]
        if self.n_actions and isinstance(self.action_space, _gymnasium().spaces.Discrete):
            return (np.argmax(z, axis=1) + self.action_space.start).astype(self.action_space.dtype)
        low = self.action_space.low.ravel()
        high = self.action_space.high.ravel()
        if self.action_map == "unit":
            action = low + (high - low) * np.clip(z, 0.0, 1.0)
        elif self.action_map == "symmetric":
            action = low + (high - low) * 0.5 * (np.clip(z, -1.0, 1.0) + 1.0)
        else:
            action = np.clip(z, low, high)
        return action.reshape((z.shape[0], *self.action_space.shape)).astype(self.action_space.dtype)

    def episodes_of(self, model, rng=None) -> dict[str, np.ndarray]:
        """Run every individual's episodes; arrays of shape ``(n_pop, n_episodes)``:
        ``return``, ``length`` (controller steps), ``env_steps``, ``diverged``, ``crashed``,
        and ``final`` (n_pop, n_episodes, n_descriptors), the descriptors at each episode's
        end; plus the observation statistics."""
        rng = as_rng(rng)
        self.check_model(model)
        n_pop, n_episodes = model.n_pop, self.n_episodes
        n_jobs = n_pop * n_episodes
        seeds = rng.integers(0, 2**31 - 1, size=n_episodes)
        controllers = model.take(np.repeat(np.arange(n_pop), n_episodes))  # job j = p * n_episodes + e
        stepper = (controllers.stepper(self.controller_dt, method=self.method) if controllers.time == "continuous"
                   else controllers.stepper())
        n_slots = min(self.num_envs, n_jobs)
        venv = self._vector_env(n_slots)
        masked = self.vectorization != "vector_entry_point"
        run = _Episodes(n_jobs, n_slots)
        if masked:
            obs, info = venv.reset(seed=[int(seeds[j % n_episodes]) for j in run.slot_job])
        else:
            obs, info = venv.reset(seed=int(seeds[0]))
        obs = np.array(obs)
        run.crashed[run.slot_job[self._crash_mask(info, n_slots)]] = True
        u = np.zeros((n_jobs, controllers.n_inputs))
        active = np.zeros(n_jobs, dtype=bool)
        # The observations each episode gave its controller: count, sum, sum of squares.
        seen_count, seen_sum, seen_sumsq = np.zeros(n_jobs), np.zeros((n_jobs, self.n_inputs)), np.zeros(
            (n_jobs, self.n_inputs))
        idle_action = self._actions(np.full((1, max(model.n_outputs, self.n_actions)), 0.5))[0]
        final = np.full((n_jobs, len(self.descriptors)), np.nan)  # the descriptors at each episode's last step
        while (run.mode != _IDLE).any():
            stepping = run.mode == _RUN
            # A job whose environment crashed on reset ends before its first step.
            ended = stepping & run.crashed[run.slot_job]
            stepping &= ~ended
            slots = np.flatnonzero(stepping)
            jobs = run.slot_job[slots]
            good = np.ones(slots.size, dtype=bool)
            actions = np.repeat(idle_action[None], n_slots, axis=0)
            if slots.size:
                active[:] = False
                active[jobs] = True
                raw = self._raw(obs[slots])
                if self.obs_norm:  # per episode, step by step: independent of the slots
                    seen_count[jobs] += 1.0
                    seen_sum[jobs] += raw
                    seen_sumsq[jobs] += raw * raw
                u[jobs] = self._inputs(raw)
                z = stepper.step(u, active)
                good = np.isfinite(z[jobs, :self.n_actions]).all(axis=1)
                run.diverged[jobs[~good]] = True
                if good.any():
                    actions[slots[good]] = self._actions(z[jobs[good]])
            try:
                obs, reward, terminated, truncated, info = venv.step(actions)
            except Exception:  # a vectorised environment failed as a whole
                run.crashed[run.slot_job[run.mode == _RUN]] = True
                break
            obs = np.array(obs)
            crash = self._crash_mask(info, n_slots)
            natural = np.asarray(terminated, dtype=bool) | np.asarray(truncated, dtype=bool) | crash
            ok = slots[good]
            run.returns[run.slot_job[ok]] += np.asarray(reward, dtype=np.float64)[ok]
            if self.descriptors:
                self._record_final(final, run.slot_job[ok], ok, obs, info)
            run.lengths[run.slot_job[ok]] += 1
            run.crashed[run.slot_job[ok[crash[ok]]]] = True
            ended[slots[~good]] = True
            ended[ok] |= natural[ok]
            if self.max_steps is not None:
                ended[ok] |= run.lengths[run.slot_job[ok]] >= self.max_steps
            if masked:
                # Every slot that ended, a job's or an idle one's, is reset now: with the next
                # job's seed, or (nothing left) to keep its environment stepping legally.
                restart = ended | ((run.mode == _IDLE) & natural)
                run.end_jobs(ended)
                while restart.any():
                    seed_list = [int(seeds[run.slot_job[s] % n_episodes]) if restart[s] and run.slot_job[s] >= 0
                                 else None for s in range(n_slots)]
                    new_obs, info = venv.reset(seed=seed_list, options={"reset_mask": restart.copy()})
                    obs[restart] = np.asarray(new_obs)[restart]
                    failed = restart & self._crash_mask(info, n_slots) & (run.mode == _RUN)
                    run.crashed[run.slot_job[failed]] = True
                    restart = failed  # a crash on reset ends that job; the next one starts at once
                    run.end_jobs(failed)
            else:
                # The environment resets a slot itself on the step after its episode ends
                # (Gymnasium's next-step autoreset). A job cut short (max_steps, divergence)
                # leaves its episode running: the slot drains it, then waits for the reset.
                reset_now = run.mode == _WAIT
                draining_done = (run.mode == _DRAIN) & natural
                run.end_jobs(ended, start=False)
                run.mode[ended & natural] = _WAIT
                run.mode[ended & ~natural] = _DRAIN
                run.mode[draining_done] = _WAIT
                run.start_jobs(reset_now)
        env_steps = run.lengths * self.action_repeat
        self.episodes += n_jobs
        self.env_steps += int(env_steps.sum())
        shape = (n_pop, n_episodes)
        return {"return": run.returns.reshape(shape), "length": run.lengths.reshape(shape),
                "final": final.reshape(*shape, -1),
                "env_steps": env_steps.reshape(shape), "diverged": run.diverged.reshape(shape),
                "crashed": run.crashed.reshape(shape), "obs_count": seen_count.reshape(shape).sum(axis=1),
                "obs_sum": seen_sum.reshape(*shape, -1).sum(axis=1), "obs_sumsq": seen_sumsq.reshape(*shape, -1).sum(axis=1)}

    def _record_final(self, final: np.ndarray, jobs: np.ndarray, slots: np.ndarray, obs: np.ndarray,
                      info: dict) -> None:
        """Write this step's descriptor values of the stepped `slots` into their `jobs`' rows."""
        raw = self._raw(obs[slots]) if self._obs_descriptors else None
        for k, d in enumerate(self.descriptors):
            if d.name in self._obs_descriptors:
                final[jobs, k] = raw[:, self._obs_descriptors[d.name]]
            elif d.name in info:
                present = np.asarray(info.get(f"_{d.name}", np.ones(obs.shape[0], dtype=bool)), dtype=bool)[slots]
                values = np.asarray(info[d.name], dtype=np.float64).reshape(obs.shape[0])[slots]
                final[jobs[present], k] = values[present]

    @staticmethod
    def _crash_mask(info: dict, n_slots: int) -> np.ndarray:
        if _CRASH in info:
            return np.asarray(info.get(f"_{_CRASH}", np.ones(n_slots, dtype=bool)), dtype=bool) & np.asarray(
                info[_CRASH], dtype=bool)
        return np.zeros(n_slots, dtype=bool)

    def evaluate(self, model, rng=None) -> Evaluation:
        runs = self.episodes_of(model, rng)
        reduce = {"mean": np.mean, "median": np.median, "min": np.min, "max": np.max}[self.fitness]
        fitness = reduce(runs["return"], axis=1)
        failed = runs["diverged"].any(axis=1) | runs["crashed"].any(axis=1)
        if self.fixed_worst is not None:
            worst = self.fixed_worst
        else:
            clean = fitness[~failed]
            worst = float(clean.min()) - 1.0 if clean.size else 0.0
        fitness = np.where(failed, np.nan, fitness)
        metrics = {"return": runs["return"].mean(axis=1), "return_std": runs["return"].std(axis=1),
                   "episode_length": runs["length"].mean(axis=1), "env_steps": runs["env_steps"].sum(axis=1),
                   "diverged": runs["diverged"].sum(axis=1), "crashed": runs["crashed"].sum(axis=1)}
        for k, d in enumerate(self.descriptors):
            metrics[d.name] = np.where(failed, np.nan, runs["final"][:, :, k].mean(axis=1))
        stats = ({"obs_count": runs["obs_count"], "obs_sum": runs["obs_sum"], "obs_sumsq": runs["obs_sumsq"]}
                 if self.obs_norm else {})
        return Evaluation.from_raw(fitness, metrics, worst_fitness=worst, stats=stats)

    # ------------------------------------------------------------------ pictures
    def episode(self, model, seed: int = 0, *, render: bool = False) -> dict[str, np.ndarray]:
        """One episode of individual 0 of `model` from `seed`, as the evaluation runs it
        (normalised observations with the task's current statistics): ``observations``
        (n_steps + 1, n_inputs), ``actions`` (n_steps, ...), ``rewards`` (n_steps,) and, with
        `render`, ``frames`` (RGB arrays; raises RuntimeError if the environment cannot
        render)."""
        gymnasium = _gymnasium()
        one = model.take([0])
        self.check_model(one)
        if render:
            if not isinstance(self.env, str):
                raise RuntimeError("rendering needs an environment id (render_mode is set at creation)")
            try:
                env = gymnasium.make(self.env, render_mode="rgb_array", **self.env_kwargs)
            except Exception as exc:  # a missing renderer (pygame, OpenGL) surfaces here or at render()
                raise RuntimeError(f"{self.env} cannot render: {exc}") from exc
        else:
            env = self._make_one()
        stepper = one.stepper(self.controller_dt, method=self.method) if one.time == "continuous" else one.stepper()
        try:
            obs, _ = env.reset(seed=int(seed))
            observations, actions, rewards, frames = [self._raw(np.asarray(obs)[None])[0]], [], [], []
            while True:
                if render:
                    try:
                        frames.append(np.asarray(env.render()))
                    except Exception as exc:
                        raise RuntimeError(f"{self.env} cannot render: {exc}") from exc
                z = stepper.step(self._inputs(observations[-1][None]))
                if not np.isfinite(z[0, :self.n_actions]).all():
                    break
                action = self._actions(z)[0]
                for _ in range(self.action_repeat):
                    obs, reward, terminated, truncated, _ = env.step(action)
                    rewards.append(float(reward))
                    if terminated or truncated:
                        break
                actions.append(action)
                observations.append(self._raw(np.asarray(obs)[None])[0])
                if terminated or truncated or (self.max_steps is not None and len(actions) >= self.max_steps):
                    break
        finally:
            env.close()
        out = {"observations": np.array(observations), "actions": np.array(actions), "rewards": np.array(rewards)}
        if render:
            out["frames"] = frames
        return out

    def plot(self, model, *, title=None):
        """One episode of individual 0: its observations, actions and running return."""
        from ..plotting import plot_episode

        name = self.env if isinstance(self.env, str) else getattr(self.env, "__name__", "environment")
        return plot_episode(self.episode(model), title=title or f"{name}, one episode")

    def animate(self, model, path):
        """A GIF of one episode of individual 0, rendered by the environment; None (with a
        warning) where it cannot render (no pygame for classic control, no OpenGL context
        for MuJoCo: set ``MUJOCO_GL=egl`` or ``osmesa``), and the plot shows the trajectory."""
        import warnings

        from ..errors import RenderWarning
        from ..plotting import save_frames_gif

        try:
            frames = self.episode(model, render=True)["frames"]
        except RuntimeError as exc:
            warnings.warn(f"no animation: {exc}; behaviour.png shows the episode's observations instead",
                          RenderWarning, stacklevel=2)
            return None
        return save_frames_gif(frames[::max(1, len(frames) // 300)], path)

