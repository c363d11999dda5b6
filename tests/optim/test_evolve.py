"""evolve: every method solves small tasks; same seed, same result; stopping; bad input."""

import numpy as np
import pytest

import evornn
from evornn.errors import ConfigError
from evornn.optim import METHODS
from tests.optim.helpers import (
    Wrapped,
    fingerprint,
    oscillator_problem,
    problem_for,
    schaffer_problem,
    teacher_sequence_task,
)

SINGLE = ["ga", "sa", "pso", "cmaes"]


@pytest.mark.parametrize("method", SINGLE)
def test_every_method_evolves_an_oscillator(method):
    result = evornn.evolve(oscillator_problem(3), method, n_pop=100, n_generations=100, rng=0, target_mse=2e-4,
                           progress=False)
    assert result.best_metrics["period_error"] <= 0.02
    assert result.stop_reason == "target_mse"
    # The best model really does oscillate with the target period (checked afresh).
    ev = oscillator_problem(3).task.evaluate(result.best_model)
    assert ev.metrics["period_error"][0] <= 0.02


@pytest.mark.parametrize("method", SINGLE)
def test_every_method_learns_a_small_sequence(method):
    problem = evornn.Problem(evornn.CTRNN.codec(2, 1), teacher_sequence_task())
    result = evornn.evolve(problem, method, n_pop=100, n_generations=150, rng=1, target_mse=1e-3, progress=False)
    assert result.best_metrics["mse"] < 1e-3
    assert problem.task.evaluate(result.best_model).metrics["mse"][0] == pytest.approx(result.best_metrics["mse"], rel=1e-12)


@pytest.mark.parametrize("operators", ["vectorised", "deap"])
def test_nsga2_finds_the_schaffer_front(operators):
    result = evornn.evolve(schaffer_problem(), "nsga2", n_pop=40, n_generations=40, rng=2, progress=False,
                           operators=operators)
    genomes, fitness = result.front
    b = schaffer_problem().codec.decode(genomes).bias[:, 0]
    assert len(b) >= 20
    assert b.min() > -0.05 and b.max() < 2.05  # on the Pareto set [0, 2]
    assert b.max() - b.min() > 1.8  # and spread along it
    # Most points lie on the analytic front f2 = -(sqrt(-f1) - 2)^2 (b in [0, 2]); a finite
    # population's front may keep a few points just outside it.
    on_front = np.isclose(fitness[:, 1], -((np.sqrt(-fitness[:, 0]) - 2) ** 2), rtol=0, atol=1e-9)
    assert on_front.mean() >= 0.9
    np.testing.assert_allclose(fitness, np.stack([-(b**2), -((b - 2) ** 2)], axis=1), rtol=1e-12)


@pytest.mark.parametrize("method", list(METHODS))
def test_same_seed_same_result_even_when_global_seeds_are_disturbed(method):
    problem = problem_for(method)
    plain = evornn.evolve(problem, method, n_pop=16, n_generations=8, rng=5, progress=False)
    again = evornn.evolve(problem, method, n_pop=16, n_generations=8, rng=5, progress=False)
    disturbed = evornn.evolve(evornn.Problem(problem.codec, Wrapped(problem.task, disturb_at=3)), method, n_pop=16,
                              n_generations=8, rng=5, progress=False)
    assert fingerprint(plain) == fingerprint(again) == fingerprint(disturbed)
    other = evornn.evolve(problem, method, n_pop=16, n_generations=8, rng=6, progress=False)
    assert fingerprint(other)["best"] != fingerprint(plain)["best"]


@pytest.mark.parametrize("method", SINGLE)
def test_non_finite_fitness_is_counted_and_the_run_goes_on(method):
    problem = oscillator_problem()
    wrapped = evornn.Problem(problem.codec, Wrapped(problem.task, nan_every=5))
    result = evornn.evolve(wrapped, method, n_pop=20, n_generations=6, rng=3, progress=False)
    assert result.n_generations == 6
    counts = [record["nonfinite"] for record in result.history]
    assert counts == [4] * 6 and result.n_nonfinite == 24
    assert all(np.isfinite([r["min"], r["mean"], r["max"], r["std"]]).all() for r in result.history)
    assert np.isfinite(result.population_fitness).all()


@pytest.mark.parametrize("method", list(METHODS))
def test_a_crashed_run_resumes_to_the_same_result(method, tmp_path):
    problem = problem_for(method)
    kwargs = dict(n_pop=16, n_generations=9, rng=11, progress=False, checkpoint_every=2)
    full = evornn.evolve(problem, method, **kwargs)
    crashing = evornn.Problem(problem.codec, Wrapped(problem.task, fail_at=6))
    path = tmp_path / "run.npz"
    with pytest.raises(KeyboardInterrupt):
        evornn.evolve(crashing, method, checkpoint_path=path, **kwargs)
    resumed = evornn.evolve(problem, method, checkpoint_path=path, resume=True, **kwargs)
    assert fingerprint(resumed) == fingerprint(full)
    # Resuming a finished run returns its result without running again.
    assert fingerprint(evornn.resume(problem, path, progress=False)) == fingerprint(full)


def test_stopping_criteria():
    problem = oscillator_problem()
    run = lambda **kw: evornn.evolve(problem, "ga", n_pop=20, rng=4, progress=False, **kw)  # noqa: E731
    assert run(n_generations=5).n_generations == 5
    r = run(n_generations=50, max_evaluations=50)
    assert r.stop_reason == "max_evaluations" and r.n_evaluations == 58  # 20, then 19 children per generation
    r = run(n_generations=50, target_fitness=0.6)
    assert r.stop_reason == "target_fitness" and r.best_fitness >= 0.6
    assert r.history[-1]["best"] >= 0.6 > r.history[-2]["best"] if len(r.history) > 1 else True
    r = run(n_generations=500, stagnation=3)
    best = [rec["best"] for rec in r.history]
    assert r.stop_reason == "stagnation" and best[-1] == best[-4] and best[-4] > best[-5]
    assert run(n_generations=10**6, wall_time=0.5).stop_reason == "wall_time"
    seq = evornn.Problem(evornn.CTRNN.codec(2, 1), teacher_sequence_task())
    r = evornn.evolve(seq, "ga", n_pop=20, n_generations=100, rng=0, target_learned=0.5, progress=False)
    assert r.stop_reason == "target_learned" and r.history[-1]["best_learned"] <= 1


def test_bad_arguments_raise_before_any_work():
    problem = oscillator_problem()
    with pytest.raises(ConfigError, match="method must be one of"):
        evornn.evolve(problem, "hillclimb")
    with pytest.raises(ConfigError, match=r"unknown option\(s\) \['sigmaa'\]"):
        evornn.evolve(problem, "ga", sigmaa=0.1)
    with pytest.raises(ConfigError, match="crossover"):
        evornn.evolve(problem, "ga", crossover="uniform")
    with pytest.raises(ConfigError, match="multi-objective"):
        evornn.evolve(problem, "nsga2")
    with pytest.raises(ConfigError, match="multiple of 4"):
        evornn.evolve(schaffer_problem(), "nsga2", n_pop=10)
    with pytest.raises(ValueError, match="n_pop"):
        evornn.evolve(problem, "ga", n_pop=0)
    with pytest.raises(ValueError, match="checkpoint_path"):
        evornn.evolve(problem, "ga", resume=True)
    with pytest.raises(ValueError, match="outputs"):
        evornn.Problem(evornn.CTRNN.codec(2), evornn.tasks.OscillatorTask(period=5, amplitude=0.5, output=2))


def test_the_hall_of_fame_keeps_distinct_genomes_as_a_set_of_their_bytes_would():
    """Rows are told apart as a set of their bytes (with -0.0 written as 0.0) would:
    duplicates, signed zeros and NaN rows, at equal fitness (so in row order)."""
    from evornn.optim._kernels import hall_of_fame

    def reference(rows, size):
        kept, seen = [], set()
        for q in range(rows.shape[0]):
            key = (rows[q] + 0.0).tobytes()
            if len(kept) < size and key not in seen:
                seen.add(key)
                kept.append(q)
        return rows[kept]

    rng = np.random.default_rng(3)
    for _ in range(50):
        base = rng.integers(-1, 2, (6, 4)).astype(float)
        base[rng.random(base.shape) < 0.1] = np.nan
        rows = base[rng.integers(0, 6, 30)]
        rows[rng.random(rows.shape) < 0.1] *= -1.0  # -0.0 for some zeros
        for size in (1, 3, 10, 40):
            kept, _, _ = hall_of_fame(np.empty((0, 4)), np.empty(0), np.empty(0, dtype=bool), rows, np.zeros(30),
                                      np.zeros(30, dtype=bool), size)
            np.testing.assert_array_equal(kept, reference(rows, size))


def test_the_hall_of_fame_is_the_best_distinct_genomes_ever_seen_in_rank_order():
    """Generation after generation (duplicates, ties, genomes that solve), the hall of fame
    equals the plain answer: every genome seen, solved ones first, fittest first, the
    first seen winning ties, duplicates dropped."""
    from evornn.optim.evolve import _HallOfFame

    rng = np.random.default_rng(8)
    hof = _HallOfFame(5, 3)
    seen = []
    for _ in range(40):
        genomes = rng.integers(0, 4, (12, 3)).astype(float)
        fitness = rng.integers(0, 6, 12).astype(float)
        solved = rng.random(12) < 0.05
        hof.update(genomes, fitness, solved)
        seen.extend(zip(genomes.tolist(), fitness, solved, strict=True))
        order = sorted(range(len(seen)), key=lambda i: (not seen[i][2], -seen[i][1], i))
        expected, keys = [], set()
        for i in order:
            if tuple(seen[i][0]) not in keys and len(expected) < 5:
                keys.add(tuple(seen[i][0]))
                expected.append(i)
        np.testing.assert_array_equal(hof.genomes, [seen[i][0] for i in expected])
        np.testing.assert_array_equal(hof.fitness, [seen[i][1] for i in expected])
