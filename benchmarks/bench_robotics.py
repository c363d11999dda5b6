"""Evolutionary robotics: compiled closed loops against NumPy, and evaluations to solve the
double pole over many seeds, beside the literature.

1. Controller-plus-body steps per second at population 1000 for the double pole (a 3-neuron
   CTRNN, 1000 control steps of two RK4 steps each) and the single-leg walker (a 3-neuron
   CTRNN, 2000 steps), evornn's compiled kernel against a straightforward NumPy loop that
   steps the whole population as arrays, timed in the same run. The double-pole
   population is copies of one evolved balancer, so that every individual runs all 1000
   steps in both implementations (the step counts are checked equal). NumPy runs the
   loop two ways: the whole population as arrays (its fastest form) and one individual at
   a time (how hand-written agent code usually runs; timed on 10 individuals and scaled).
   Also the time of one 1000-step double-pole evaluation per individual in the batch.
2. Evaluations to solve the double pole over `--seeds` seeds (medians; runs that do not
   solve within the budget count as failures): with velocities (CMA-ES and the GA, a
   1-neuron CTRNN, success = 100,000 steps balanced) and without velocities (CMA-ES, 2-
   and 3-neuron CTRNNs, Gruau's fitness, success = the champion balances 100,000 steps and
   at least 200 of the 625 generalisation starts), next to the published figures.

    python benchmarks/bench_robotics.py [--repeats 5] [--seeds 20] [--skip-table]
"""

from __future__ import annotations

import argparse
import time

import numba
import numpy as np
from _timing import median_time  # benchmarks/_timing.py (scripts run from benchmarks/)

import evornn
from evornn.environment import header as environment_header
from evornn.tasks import CartPoleTask, WalkerTask

SCALE = np.array([4.8, 2.0, 0.52, 2.0, 0.52, 2.0])


def _sigma(net, y):
    p = net.params
    return 1.0 / (1.0 + np.exp(-p.gain * (y + p.bias)))


def _ctrnn_euler(net, y, u, dt):
    p = net.params
    drive = np.einsum("pij,pj->pi", p.weights, _sigma(net, y)) + np.einsum("pik,pk->pi", p.input_weights, u)
    return y + dt * (drive - y) / p.tau


def _wieland(state, force):
    """Wieland's double-pole derivatives for a population, shape (n_pop, 6)."""
    g, masses, halves, mu_c, mu_p = -9.8, (0.1, 0.01), (0.5, 0.05), 5e-4, 2e-6
    numerator = force - mu_c * np.sign(state[:, 1])
    denominator = np.ones(state.shape[0])
    for i, (m, half) in enumerate(zip(masses, halves, strict=True)):
        theta, omega = state[:, 2 + 2 * i], state[:, 3 + 2 * i]
        c, s = np.cos(theta), np.sin(theta)
        numerator = numerator + m * half * omega**2 * s + 0.75 * m * c * (mu_p * omega / (m * half) + g * s)
        denominator = denominator + m * (1 - 0.75 * c**2)
    acc = numerator / denominator
    out = np.empty_like(state)
    out[:, 0], out[:, 1] = state[:, 1], acc
    for i, (m, half) in enumerate(zip(masses, halves, strict=True)):
        theta, omega = state[:, 2 + 2 * i], state[:, 3 + 2 * i]
        out[:, 2 + 2 * i] = omega
        out[:, 3 + 2 * i] = -0.75 * (acc * np.cos(theta) + g * np.sin(theta) + mu_p * omega / (m * half)) / half
    return out


def numpy_double_pole(net, start, n_steps, controller_dt):
    """The closed loop in NumPy, whole population per step; returns the steps balanced."""
    y = net.initial_state().copy()
    body = np.tile(start, (net.n_pop, 1))
    alive = np.ones(net.n_pop, dtype=bool)
    steps = np.zeros(net.n_pop, dtype=np.int64)
    limit = np.radians(36)
    for _ in range(n_steps):
        y = _ctrnn_euler(net, y, body / SCALE, controller_dt)
        force = 20.0 * (_sigma(net, y)[:, 0] - 0.5)
        for _ in range(2):
            k1 = _wieland(body, force)
            k2 = _wieland(body + 0.005 * k1, force)
            k3 = _wieland(body + 0.005 * k2, force)
            k4 = _wieland(body + 0.01 * k3, force)
            body = body + 0.01 / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        steps += alive
        alive &= (np.abs(body[:, 0]) <= 2.4) & (np.abs(body[:, 2]) <= limit) & (np.abs(body[:, 4]) <= limit)
    return steps


def numpy_walker(net, n_steps, dt):
    """Beer's single-leg walker in NumPy, whole population per step; returns the final x."""
    lim, n = np.pi / 6, net.n_pop
    y = net.initial_state().copy()
    x, v = np.zeros(n), np.zeros(n)
    angle, omega = np.full(n, lim), np.zeros(n)
    hip = np.zeros(n)
    foot_x, foot_y = hip + 15 * np.sin(angle), 12.5 + 15 * np.cos(angle)
    for _ in range(n_steps):
        y = _ctrnn_euler(net, y, (angle * 5.0 / lim)[:, None], dt)
        z = _sigma(net, y)
        down = z[:, 0] > 0.5
        fwd, bwd = 0.05 * z[:, 1], 0.05 * z[:, 2]
        omega = np.where(down, 0.0, omega)
        f = fwd - bwd
        pushes = down & (((angle >= -lim) & (angle <= lim)) | ((angle < -lim) & (f < 0)) | ((angle > lim) & (f > 0)))
        v = np.clip(v + dt * np.where(pushes, f, 0.0), -6.0, 6.0)
        x = x + dt * v
        hip = hip + dt * v
        stance_angle = np.arctan2(foot_x - hip, foot_y - 12.5)
        swing_omega = np.clip(omega + dt * 0.5 * (bwd - fwd), -1.0, 1.0)
        swing_angle = angle + dt * swing_omega
        clipped = np.abs(swing_angle) > lim
        swing_angle = np.clip(swing_angle, -lim, lim)
        swing_omega = np.where(clipped, 0.0, swing_omega)
        omega = np.where(down, (stance_angle - angle) / dt, swing_omega)
        angle = np.where(down, stance_angle, swing_angle)
        foot_x = np.where(down, foot_x, hip + 15 * np.sin(angle))
        foot_y = np.where(down, foot_y, 12.5 + 15 * np.cos(angle))
        v = np.where(~down | (hip - foot_x > 20), 0.0, v)
    return x


def _balancer():
    """One evolved double-pole balancer (CMA-ES, seed 1) that holds for 10,000 steps."""
    problem = evornn.Problem(evornn.CTRNN.codec(3, 6), CartPoleTask(2, max_steps=10_000))
    result = evornn.evolve(problem, "cmaes", n_pop=40, n_generations=300, rng=1, target_solved=1, progress=False)
    return problem.codec, result.best_genome


def throughput(repeats: int) -> None:
    n_pop = 1000
    codec, genome = _balancer()
    genomes = np.clip(genome + 1e-6 * np.random.default_rng(0).standard_normal((n_pop, genome.size)), -1, 1)
    net = codec.decode(genomes)
    task = CartPoleTask(2, max_steps=1000)
    steps_evornn = task.balance(net)[0][:, 0]
    steps_numpy = numpy_double_pole(net.take(slice(0, 50)), task.start_state(), 1000, task.controller_dt)
    np.testing.assert_array_equal(steps_numpy, steps_evornn[:50])
    assert np.all(steps_evornn == 1000), "the benchmark population must balance all 1000 steps"
    t_evornn = median_time(lambda: task.balance(net), repeats)[0]
    t_numpy = median_time(lambda: numpy_double_pole(net, task.start_state(), 1000, task.controller_dt),
                          max(1, repeats // 2))[0]
    few = net.take(slice(0, 10))
    t_single = median_time(lambda: [numpy_double_pole(few.take([p]), task.start_state(), 1000, task.controller_dt)
                                    for p in range(10)], 1)[0] * n_pop / 10
    rows = [("double pole, evornn", n_pop * 1000 / t_evornn, t_numpy / t_evornn, t_single / t_evornn),
            ("double pole, NumPy population", n_pop * 1000 / t_numpy, 1.0, t_single / t_numpy),
            ("double pole, NumPy one by one", n_pop * 1000 / t_single, t_numpy / t_single, 1.0)]

    walker = WalkerTask()
    wnet = evornn.CTRNN.random(n_pop, 3, n_inputs=1, rng=2)
    x_evornn = walker.evaluate(wnet).metrics["velocity"] * walker.duration
    np.testing.assert_allclose(numpy_walker(wnet, walker.n_steps, walker.dt), x_evornn, rtol=1e-8, atol=1e-8)
    tw_evornn = median_time(lambda: walker.evaluate(wnet), repeats)[0]
    tw_numpy = median_time(lambda: numpy_walker(wnet, walker.n_steps, walker.dt), max(1, repeats // 2))[0]
    wfew = wnet.take(slice(0, 10))
    tw_single = median_time(lambda: [numpy_walker(wfew.take([p]), walker.n_steps, walker.dt) for p in range(10)],
                            1)[0] * n_pop / 10
    rows += [("walker, evornn", n_pop * walker.n_steps / tw_evornn, tw_numpy / tw_evornn, tw_single / tw_evornn),
             ("walker, NumPy population", n_pop * walker.n_steps / tw_numpy, 1.0, tw_single / tw_numpy),
             ("walker, NumPy one by one", n_pop * walker.n_steps / tw_single, tw_numpy / tw_single, 1.0)]

    print(f"\n1. Closed-loop steps per second, population {n_pop}, 3-neuron CTRNNs ({numba.get_num_threads()} threads);")
    print("   ratios to NumPy stepping the whole population as arrays, and one individual at a time")
    print(f"{'loop':<32}{'steps/s':>12}{'vs population':>15}{'vs one by one':>15}")
    for name, rate, ratio, ratio_single in rows:
        print(f"{name:<32}{rate:>12.4g}{ratio:>15.1f}{ratio_single:>15.1f}")
    print(f"one 1000-step double-pole evaluation in the batch: {t_evornn / n_pop * 1e6:.1f} us per individual "
          "(target < 100)")


LITERATURE = {
    "with velocities": "NEAT 3,600; ESP 3,800; SANE 12,600",
    "without velocities": "NEAT ~33,000; ESP ~169,000; CoSyNE ~1,250",
}


def seeds_table(n_seeds: int) -> None:
    # (variant, method, neurons, task, budget); controllers take Euler steps of 0.5 per control step.
    setups = [
        ("with velocities", "cmaes", 1, CartPoleTask(2, controller_dt=0.5), dict(n_pop=40, n_generations=2500)),
        ("with velocities", "ga", 1, CartPoleTask(2, controller_dt=0.5), dict(n_pop=100, n_generations=1000)),
        ("without velocities", "cmaes", 2, CartPoleTask(2, velocities=False, controller_dt=0.5),
         dict(n_pop=40, n_generations=2500)),
        ("without velocities", "cmaes", 3, CartPoleTask(2, velocities=False, controller_dt=0.5),
         dict(n_pop=40, n_generations=2500)),
    ]
    print(f"\n2. Double pole: evaluations to solve over {n_seeds} seeds (CTRNN controllers, budget 100,000 evaluations)")
    print(f"{'variant':<20}{'method':<7}{'neurons':>8}{'solved':>8}{'median evals':>14}{'quartiles':>16}{'median s':>10}"
          "   literature")
    for variant, method, n_neurons, task, budget in setups:
        problem = evornn.Problem(evornn.CTRNN.codec(n_neurons, task.n_inputs), task)
        evals, times, solved = [], [], 0
        for seed in range(n_seeds):
            start = time.perf_counter()
            result = evornn.evolve(problem, method, rng=seed, target_solved=1, progress=False, **budget)
            times.append(time.perf_counter() - start)
            if result.stop_reason == "target_solved":
                solved += 1
                evals.append(result.n_evaluations)
            else:
                evals.append(np.inf)  # a failure counts as more than any success
        q1, med, q3 = np.percentile(evals, [25, 50, 75], method="lower")
        print(f"{variant:<20}{method:<7}{n_neurons:>8}{solved:>5}/{n_seeds:<2}{med:>14.6g}{f'{q1:.6g}-{q3:.6g}':>16}"
              f"{np.median(times):>10.2f}   {LITERATURE[variant]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--skip-table", action="store_true", help="only the throughput figures")
    args = parser.parse_args()
    print(environment_header())
    throughput(args.repeats)
    if not args.skip_table:
        seeds_table(args.seeds)


if __name__ == "__main__":
    main()
