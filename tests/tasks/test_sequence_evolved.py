"""Evolved recurrent networks on the classic sequence tasks, one seed and a small budget each
(the experiments in experiments/ run the full budgets and record their seeds)."""

import evornn
from evornn.models import Elman
from evornn.optim import Problem
from evornn.tasks import SequenceTask


def test_an_evolved_elman_network_solves_temporal_xor_and_generalises():
    # experiments/elman_temporal_xor.toml with a budget of 300 generations: seed 1 reaches
    # the target MSE at generation 181.
    task = SequenceTask.parity(order=2, delay=1, n_seq=4, n_steps=40, seed=0)
    codec = Elman.codec(8, 1, 1, weight_range=(-10.0, 10.0), output_activation="logistic")
    result = evornn.evolve(Problem(codec, task), "cmaes", n_pop=60, n_generations=300, rng=1, target_mse=1e-3,
                           progress=False)
    assert result.stop_reason == "target_mse" and result.best_metrics["solved"] == 1.0
    report = task.report(result.best_model)
    assert report["test_solved"] >= 0.95  # 100 fresh sequences of 40 bits
