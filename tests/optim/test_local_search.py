"""Gradient local search inside evolution: the genes' gradient against finite differences,
the loss against the task's MSE, Lamarckian and Baldwinian inheritance, thread counts,
SIGKILL and resume, and its errors."""

from pathlib import Path

import numba
import numpy as np
import pytest

import evornn
from evornn.genome import Codec, Field
from evornn.models import GRU, LSTM, Elman, Jordan
from evornn.optim import LocalSearch
from evornn.tasks import OscillatorTask, SequenceTask

ROOT = Path(__file__).resolve().parents[2]


def test_gene_gradient_is_the_chain_rule_through_bounds_logs_ties_and_fixed_entries():
    ties = np.array([[0, 1], [1, -1]])
    codec = Codec(lambda **a: a, {
        "w": Field((2, 2), low=-3.0, high=5.0, ties=ties),
        "tau": Field((3,), low=0.5, high=10.0, log=True),
        "b": Field((2,), low=-1.0, high=1.0, mask=np.array([True, False]), value=0.7),
    })
    rng = np.random.default_rng(0)
    c = {"w": rng.normal(size=(2, 2)), "tau": rng.normal(size=3), "b": rng.normal(size=2)}
    f = lambda g: sum((c[k] * v).sum(axis=tuple(range(1, v.ndim))) for k, v in codec.values(g).items())  # noqa: E731
    g = rng.uniform(-0.9, 0.9, size=(3, codec.n_genes))
    g[2, 0] = 1.5  # outside the box: clipped on decode, so no gradient
    fields = {k: np.broadcast_to(v, (3, *v.shape)) for k, v in c.items()}
    got = codec.gene_gradient(g, fields)
    h = 1e-6
    for j in range(codec.n_genes):
        e = np.zeros(codec.n_genes)
        e[j] = h
        np.testing.assert_allclose(got[:, j], (f(g + e) - f(g - e)) / (2 * h), rtol=1e-7, atol=1e-9)
    assert got[2, 0] == 0.0


def _xor_task():
    return SequenceTask.parity(order=2, delay=1, n_seq=6, n_steps=20, seed=0)


@pytest.mark.parametrize("cls", [Elman, *(pytest.param(c, marks=pytest.mark.slow) for c in (Jordan, GRU, LSTM))])
def test_the_task_gradient_in_genes_equals_finite_differences_of_its_mse(cls):
    task = _xor_task()
    task = SequenceTask(task.inputs, task.targets, mask=task.mask, weights=np.linspace(0.5, 2.0, task.mask.shape[1]))
    codec = cls.codec(5, 1, 1, output_activation="logistic")
    g = codec.random(3, rng=1) * 0.5
    grad = task.gradient(codec.decode(g))
    np.testing.assert_allclose(grad.loss, task.evaluate(codec.decode(g)).metrics["mse"], rtol=1e-12)
    got = codec.gene_gradient(g, grad.fields)
    h = 1e-6
    for j in range(0, codec.n_genes, 3):
        e = np.zeros(codec.n_genes)
        e[j] = h
        fd = (task.evaluate(codec.decode(g + e)).metrics["mse"] - task.evaluate(codec.decode(g - e)).metrics["mse"]) / (2 * h)
        np.testing.assert_allclose(got[:, j], fd, rtol=1e-6, atol=1e-6 * np.abs(got).max())


def _run(inheritance, n_threads=None, generations=6, seed=2):
    problem = evornn.Problem(Elman.codec(6, 1, 1, weight_range=(-10, 10), output_activation="logistic"), _xor_task())
    return problem, evornn.evolve(problem, "ga", n_pop=12, n_generations=generations, rng=seed, progress=False,
                                  n_threads=n_threads, local_search={"method": "bptt", "steps": 3,
                                                                     "inheritance": inheritance})


@pytest.mark.parametrize("inheritance", ["lamarckian", "baldwinian"])
def test_the_best_network_is_the_improved_one_and_the_search_is_counted(inheritance):
    problem, result = _run(inheritance)
    again = problem.evaluate(result.best_genome[None, :])
    assert again.fitness[0] == pytest.approx(result.best_fitness, rel=1e-12)
    assert result.n_evaluations == (1 + 2 * 3) * sum(r["evals"] for r in result.history)  # forward + backward
    if inheritance == "baldwinian":  # the population carries the genomes as evolved, not as improved
        assert not np.isin(result.best_genome, result.population).all()


def test_the_search_lowers_the_error_of_the_genomes():
    problem = evornn.Problem(Elman.codec(6, 1, 1, weight_range=(-10, 10), output_activation="logistic"), _xor_task())
    genomes = problem.codec.random(20, rng=4) * 0.3
    improved, cost = LocalSearch(steps=10, learning_rate=0.02).improve(problem, genomes)
    before, after = problem.evaluate(genomes).metrics["mse"], problem.evaluate(improved).metrics["mse"]
    assert cost == 2 * 10 * 20
    assert (after < before).mean() >= 0.9 and np.median(after) < 0.9 * np.median(before)


def test_memetic_runs_do_not_depend_on_the_thread_count():
    runs = [_run("lamarckian", n_threads=n)[1] for n in {1, min(2, numba.config.NUMBA_NUM_THREADS)}]
    for run in runs[1:]:
        np.testing.assert_array_equal(run.best_genome, runs[0].best_genome)
        np.testing.assert_array_equal(run.population, runs[0].population)


def test_a_memetic_run_killed_by_sigkill_resumes_to_the_uninterrupted_result(tmp_path):
    from tests.run_helpers import assert_same_run, kill_and_resume

    text = (ROOT / "experiments" / "elman_temporal_xor_memetic.toml").read_text()
    text = text.replace("n_generations = 300", "n_generations = 12\ncheckpoint_every = 3").replace("n_seq = 20", "n_seq = 4")
    path = tmp_path / "memetic.toml"
    path.write_text(text.split("[stop]")[0])
    assert_same_run(*kill_and_resume(path, tmp_path, at=6))


def test_local_search_settings_and_tasks_are_checked():
    problem = evornn.Problem(Elman.codec(3, 1, 1), _xor_task())
    with pytest.raises(ValueError, match="local_search method"):
        evornn.evolve(problem, "ga", n_pop=4, n_generations=1, local_search="adjoint")
    with pytest.raises(ValueError, match="inheritance"):
        LocalSearch(inheritance="darwinian")
    with pytest.raises(ValueError, match="steps must be at most 100,000 gradient steps"):  # found by fuzzing: a hang
        LocalSearch(steps=2**63)
    with pytest.raises(ValueError, match="needs local_search"):
        evornn.evolve(problem, "ga", n_pop=4, n_generations=1, steps=3)
    with pytest.raises(ValueError, match="takes"):
        evornn.evolve(problem, "ga", n_pop=4, n_generations=1, local_search={"method": "bptt", "rate": 1})
    oscillator = evornn.Problem(evornn.CTRNN.codec(2), OscillatorTask(period=5.0, amplitude=0.5))
    with pytest.raises(TypeError, match="offers no gradient"):
        evornn.evolve(oscillator, "ga", n_pop=4, n_generations=1, local_search="bptt")
    indrnn = evornn.Problem(evornn.models.IndRNN.codec(3, 1, 1), _xor_task())
    with pytest.raises(TypeError, match="no gradient kernels for IndRNN"):
        evornn.evolve(indrnn, "ga", n_pop=4, n_generations=1, local_search="rtrl")
    fitted = SequenceTask.parity(order=2, delay=1, n_seq=4, n_steps=20, fit_readout=True)
    with pytest.raises(ValueError, match="no fitted readout"):
        evornn.evolve(evornn.Problem(Elman.codec(3, 1, 1, evolve_readout=False), fitted), "ga", n_pop=4,
                      n_generations=1, local_search="bptt")
