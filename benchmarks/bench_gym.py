"""Gymnasium: evornn's GymTask against the usual ways of running a population on a vector
of environments, in the same run.

a. CartPole-v1 in Gymnasium's NumPy-vectorised CartPole (``make_vec(...,
   vectorization_mode="vector_entry_point")``, 64 environments) in both arms, a population
   of 64 balancing 3-neuron CTRNNs (an evolved one, perturbed): GymTask against a Python
   loop that steps each individual's network in NumPy, one call per individual per
   environment step. Environment steps per second; the issue asks for at least 5x.
b. HalfCheetah-v5 in a 64-environment ``SyncVectorEnv`` (needs ``pip install ".[gym]"``),
   one 1000-step episode each: GymTask against the same vector environment stepped with
   precomputed actions (what the physics alone costs). The issue asks for GymTask within
   15% of it.
c. Episodes to solve CartPole-v1 over `--seeds` seeds: CMA-ES (population 20) on a 2-neuron
   CTRNN, 5 training episodes per individual and generation; whenever the generation's best
   balances all 500 steps of its training episodes it plays 100 fresh episodes, and the run
   is solved when their mean return is 500 (Gymnasium's threshold is 475). Training episodes
   are counted (the validation episodes are not); successes, median and quartiles.

d. Hopper-v5 (``--locomotion``): the return CMA-ES reaches with a 6-neuron CTRNN and running
   observation statistics within a budget of `--budget` environment steps, over `--seeds`
   seeds: the champion's mean return over 10 fresh episodes; successes are not defined,
   so the median and quartiles of the returns are printed.

e. InvertedDoublePendulum-v5 (``--es``): the evolution-strategy family side by side, each
   evolving a 4-neuron CTRNN (population 32, one episode per individual, running
   observation statistics) until a generation's best returns 9,100 (Gymnasium's reward
   threshold for the task), within `--budget` environment steps, over `--seeds` seeds:
   successes, environment steps to the target (median and quartiles, failures counted as
   more than the budget) and the median wall time. OpenAI-ES also runs with the sigma and
   Adam step of section 7 of bench_evolve.py.

    python benchmarks/bench_gym.py [--repeats 3] [--seeds 10] [--skip-mujoco]
    python benchmarks/bench_gym.py --locomotion [--seeds 5] [--budget 2000000]
    python benchmarks/bench_gym.py --es [--seeds 5] [--budget 1000000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _timing import median_time  # benchmarks/_timing.py (scripts run from benchmarks/)

import evornn
from evornn.environment import header as environment_header
from evornn.tasks import FunctionTask, GymTask

N_POP = 64


def balancers(n_pop: int):
    """A population of CTRNNs that balance CartPole-v1: one evolved, copies perturbed."""
    task = GymTask("CartPole-v1", n_episodes=5, num_envs=16, controller_dt=0.5)
    codec = evornn.CTRNN.codec(3, n_inputs=4)
    result = evornn.evolve(evornn.Problem(codec, task), "cmaes", n_pop=20, n_generations=60, rng=0,
                           target_fitness=500.0, progress=False)
    genomes = np.clip(result.best_genome + 1e-3 * np.random.default_rng(1).standard_normal((n_pop, codec.n_genes)),
                      -1.0, 1.0)
    return codec.decode(genomes)


def numpy_loop(net, venv, seed: int, dt: float) -> int:
    """The usual way: every environment step, each individual's network steps in NumPy
    (Euler, as GymTask's stepper) and picks its action; one episode per environment."""
    prm = net.params
    n_pop = net.n_pop
    y = [np.zeros(net.n_state) for _ in range(n_pop)]
    obs, _ = venv.reset(seed=seed)
    running = np.ones(n_pop, dtype=bool)
    steps = 0
    actions = np.zeros(n_pop, dtype=np.int64)
    while running.any():
        for p in range(n_pop):
            if not running[p]:
                continue
            rates = 1.0 / (1.0 + np.exp(-prm.gain[p] * (y[p] + prm.bias[p])))
            y[p] = y[p] + dt * (-y[p] + prm.weights[p] @ rates + prm.input_weights[p] @ obs[p]) / prm.tau[p]
            z = 1.0 / (1.0 + np.exp(-prm.gain[p] * (y[p] + prm.bias[p])))
            actions[p] = int(np.argmax(z[:2]))
        obs, _, terminated, truncated, _ = venv.step(actions)
        steps += int(running.sum())
        running &= ~(terminated | truncated)
    return steps


def cartpole(repeats: int) -> None:
    import gymnasium

    net = balancers(N_POP)
    task = GymTask("CartPole-v1", n_episodes=1, num_envs=N_POP, vectorization="vector_entry_point", controller_dt=0.5)
    venv = gymnasium.make_vec("CartPole-v1", num_envs=N_POP, vectorization_mode="vector_entry_point")
    task.evaluate(net, rng=0)  # compile outside the timing
    steps_evornn = int(task.episodes_of(net, rng=0)["env_steps"].sum())
    t_evornn = median_time(lambda: task.evaluate(net, rng=0), repeats)[0]
    steps_loop = numpy_loop(net, venv, 0, 0.5)
    t_loop = median_time(lambda: numpy_loop(net, venv, 0, 0.5), repeats)[0]
    rate_evornn, rate_loop = steps_evornn / t_evornn, steps_loop / t_loop
    print(f"\na. CartPole-v1, NumPy-vectorised environment, {N_POP} envs, {N_POP} 3-neuron CTRNNs "
          f"(median of {repeats})")
    print(f"{'arm':<44}{'env steps':>10}{'steps/s':>12}{'ratio':>8}")
    print(f"{'GymTask (one stepper call per env step)':<44}{steps_evornn:>10}{rate_evornn:>12.4g}"
          f"{rate_evornn / rate_loop:>8.1f}")
    print(f"{'Python loop, a NumPy network per individual':<44}{steps_loop:>10}{rate_loop:>12.4g}{1.0:>8.1f}")


def halfcheetah(repeats: int) -> None:
    import gymnasium

    recorded = []

    class Recorder(gymnasium.Wrapper):
        """Keeps the actions GymTask sends, so that the physics-only arm replays the same motion."""

        def reset(self, **kwargs):
            self.actions = []
            recorded.append(self.actions)
            return self.env.reset(**kwargs)

        def step(self, action):
            self.actions.append(np.array(action))
            return self.env.step(action)

    net = evornn.CTRNN.random(N_POP, 6, n_inputs=17, rng=0)
    recording = GymTask(lambda: Recorder(gymnasium.make("HalfCheetah-v5")), n_episodes=1, num_envs=N_POP,
                        controller_dt=0.05)
    recording.evaluate(net, rng=0)
    seed = int(np.random.default_rng(0).integers(0, 2**31 - 1, size=1)[0])  # the episode seed GymTask drew
    actions = np.stack([np.stack(a) for a in recorded[:N_POP]], axis=1)  # (1000, N_POP, 6): the first episodes
    task = GymTask("HalfCheetah-v5", n_episodes=1, num_envs=N_POP, controller_dt=0.05)
    task.evaluate(net, rng=0)
    t_evornn = median_time(lambda: task.evaluate(net, rng=0), repeats)[0]
    steps = int(task.episodes_of(net, rng=0)["env_steps"].sum())
    venv = gymnasium.vector.SyncVectorEnv([lambda: gymnasium.make("HalfCheetah-v5")] * N_POP)

    def physics_only():
        venv.reset(seed=[seed] * N_POP)
        for t in range(actions.shape[0]):
            venv.step(actions[t])

    t_physics = median_time(physics_only, repeats)[0]
    print(f"\nb. HalfCheetah-v5, SyncVectorEnv of {N_POP}, one 1000-step episode each (median of {repeats}); the "
          "physics-only arm replays the actions GymTask's controllers chose")
    print(f"{'arm':<44}{'env steps':>10}{'steps/s':>12}{'time / physics':>16}")
    print(f"{'GymTask, 6-neuron CTRNNs':<44}{steps:>10}{steps / t_evornn:>12.4g}{t_evornn / t_physics:>16.3f}")
    print(f"{'the same vector env, the same actions':<44}{actions.shape[0] * N_POP:>10}"
          f"{actions.shape[0] * N_POP / t_physics:>12.4g}{1.0:>16.3f}")


def episodes_to_solve(seed: int, budget: int = 100) -> int | None:
    """Training episodes until a generation's best averages 500 over 100 fresh episodes
    (None: not within `budget` generations)."""
    task = GymTask("CartPole-v1", n_episodes=5, num_envs=16, controller_dt=0.5)
    check = GymTask("CartPole-v1", n_episodes=100, num_envs=32, controller_dt=0.5)
    best = {}

    def validate(record):
        if record["max"] >= 500.0 and check.evaluate(best["model"], rng=10_000 + seed).metrics["return"][0] >= 500.0:
            best["episodes"] = task.episodes
            return True
        return False

    def scored(model, rng):
        """The training task, keeping the generation's best network for the callback."""
        evaluation = task.evaluate(model, rng)
        best["model"] = model.take([int(np.argmax(evaluation.fitness))])
        return evaluation

    problem = evornn.Problem(evornn.CTRNN.codec(2, n_inputs=4), FunctionTask(scored))
    evornn.evolve(problem, "cmaes", n_pop=20, n_generations=budget, rng=seed, progress=False, callback=validate)
    return best.get("episodes")


def seeds_table(n_seeds: int) -> None:
    results = [episodes_to_solve(seed) for seed in range(n_seeds)]
    solved = np.array([r for r in results if r is not None], dtype=float)
    print(f"\nc. CartPole-v1, episodes to solve (mean return 500 over 100 fresh episodes), {n_seeds} seeds, "
          "CMA-ES pop 20, 2-neuron CTRNN, at most 100 generations")
    if solved.size:
        q1, median, q3 = np.percentile(solved, [25, 50, 75])
        print(f"solved {solved.size}/{n_seeds}; training episodes: median {median:,.0f} (quartiles {q1:,.0f}-{q3:,.0f}), "
              f"range {solved.min():,.0f}-{solved.max():,.0f}")
    else:
        print(f"solved 0/{n_seeds}")


def hopper_return(seed: int, budget: int) -> tuple[float, int]:
    """(the champion's mean return over 10 fresh episodes, env steps used) for one seed."""
    task = GymTask("Hopper-v5", n_episodes=1, num_envs=32, controller_dt=0.05, obs_norm=True)
    problem = evornn.Problem(evornn.CTRNN.codec(6, n_inputs=11), task)
    result = evornn.evolve(problem, "cmaes", n_pop=32, n_generations=100_000, rng=seed, progress=False,
                           callback=lambda record: task.env_steps >= budget)
    check = GymTask("Hopper-v5", n_episodes=10, num_envs=10, controller_dt=0.05, obs_norm=True)
    check.load_state_dict(task.state_dict())
    return float(check.evaluate(result.best_model, rng=10_000 + seed).metrics["return"][0]), task.env_steps


def locomotion_table(n_seeds: int, budget: int) -> None:
    start = time.perf_counter()
    runs = [hopper_return(seed, budget) for seed in range(n_seeds)]
    returns = np.array([r for r, _ in runs])
    q1, median, q3 = np.percentile(returns, [25, 50, 75])
    print(f"\nd. Hopper-v5, CMA-ES pop 32, 6-neuron CTRNN, running observation statistics, budget {budget:,} env "
          f"steps, {n_seeds} seeds ({time.perf_counter() - start:.0f} s)")
    print(f"champion's mean return over 10 fresh episodes: median {median:.0f} (quartiles {q1:.0f}-{q3:.0f}), "
          f"range {returns.min():.0f}-{returns.max():.0f}; env steps used {min(s for _, s in runs):,}-"
          f"{max(s for _, s in runs):,}")


ES_SETUPS = [("cmaes", {}), ("sep_cmaes", {}), ("xnes", {}), ("snes", {}), ("pgpe", {}), ("openai_es", {}),
             ("openai_es", {"sigma": 0.1, "learning_rate": 0.05})]
IDP_TARGET = 9100.0


def es_table(n_seeds: int, budget: int) -> None:
    print(f"\ne. InvertedDoublePendulum-v5, 4-neuron CTRNN, population 32, running observation statistics, "
          f"target return {IDP_TARGET:,.0f}, budget {budget:,} env steps, {n_seeds} seeds")
    print(f"{'method':<40}{'solved':>8}{'median steps':>14}{'quartiles':>22}{'median s':>10}")
    for method, options in ES_SETUPS:
        steps, seconds = [], []
        for seed in range(n_seeds):
            task = GymTask("InvertedDoublePendulum-v5", n_episodes=1, num_envs=32, controller_dt=0.05, obs_norm=True)
            problem = evornn.Problem(evornn.CTRNN.codec(4, n_inputs=9), task)
            start = time.perf_counter()
            result = evornn.evolve(problem, method, n_pop=32, n_generations=100_000, rng=seed, progress=False,
                                   target_fitness=IDP_TARGET, callback=lambda record, t=task: t.env_steps >= budget,
                                   **options)
            seconds.append(time.perf_counter() - start)
            steps.append(task.env_steps if result.stop_reason == "target_fitness" else np.inf)
        q1, median, q3 = np.percentile(steps, [25, 50, 75], method="lower")
        label = method + (" (sigma 0.1, Adam 0.05)" if options else "")
        solved = int(np.isfinite(steps).sum())
        print(f"{label:<40}{solved:>5}/{n_seeds:<2}{median:>14,.6g}{f'{q1:,.6g} - {q3:,.6g}':>22}"
              f"{np.median(seconds):>10.1f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-mujoco", action="store_true")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--locomotion", action="store_true", help="only section d (Hopper-v5 over seeds)")
    parser.add_argument("--budget", type=int, default=None,
                        help="environment steps per run in sections d and e (default 2,000,000 and 1,000,000)")
    parser.add_argument("--es", action="store_true", help="only section e (the ES family on InvertedDoublePendulum-v5)")
    args = parser.parse_args()
    import gymnasium

    print(environment_header())
    print(f"# gymnasium {gymnasium.__version__}")
    if args.locomotion:
        locomotion_table(args.seeds, args.budget or 2_000_000)
        return
    if args.es:
        es_table(args.seeds, args.budget or 1_000_000)
        return
    start = time.perf_counter()
    cartpole(args.repeats)
    if not args.skip_mujoco:
        halfcheetah(args.repeats)
    seeds_table(args.seeds)
    print(f"\n({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
