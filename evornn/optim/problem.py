"""A `Problem` pairs a genome codec with a task."""

from __future__ import annotations

import numpy as np

from ..genome import GENE_HIGH, GENE_LOW, Codec
from ..tasks.base import Evaluation, Task


class Problem:
    """What to evolve (`codec`) and how it is scored (`task`).

    Built eagerly: the task checks, before any evolution starts, that models from this
    codec fit it (numbers of inputs and outputs, the integration step against the smallest
    time constant the codec can produce).

    Examples
    --------
    >>> import evornn
    >>> from evornn.tasks import OscillatorTask
    >>> problem = Problem(evornn.CTRNN.codec(2), OscillatorTask(period=10.0, amplitude=0.5))
    >>> problem.n_genes
    8
    """

    def __init__(self, codec: Codec, task: Task):
        if not isinstance(codec, Codec):
            raise TypeError(f"codec must be an evornn.genome.Codec, got {type(codec).__name__}")
        if not isinstance(task, Task):
            raise TypeError(f"task must be an evornn task (a subclass of evornn.tasks.Task), got {type(task).__name__}")
        self.codec, self.task = codec, task
        extremes = np.stack([np.full(codec.n_genes, GENE_LOW), np.full(codec.n_genes, GENE_HIGH)])
        task.check_model(codec.decode(extremes))

    @property
    def n_genes(self) -> int:
        return self.codec.n_genes

    @property
    def n_objectives(self) -> int:
        return self.task.n_objectives

    def evaluate(self, genomes: np.ndarray, rng=None) -> Evaluation:
        """Decode `genomes` (shape ``(n_pop, n_genes)``) and score them in one batched call."""
        evaluation = self.task.evaluate(self.codec.decode(genomes), rng)
        if evaluation.n_pop != genomes.shape[0]:
            raise ValueError(f"the task returned {evaluation.n_pop} fitness values for {genomes.shape[0]} genomes")
        return evaluation
