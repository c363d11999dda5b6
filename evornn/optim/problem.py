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

    Parameters
    ----------
    codec : Codec
    task : Task
    dtype : numpy dtype, optional
        Evaluate the decoded models in this precision (``Model.astype``): ``np.float32``
        for the CTRNN and the echo state network runs the task in single precision (about
        twice the steps per second at 100 neurons); default float64. Genomes, fitness and
        the saved champion stay float64.

    Examples
    --------
    >>> import evornn
    >>> from evornn.tasks import OscillatorTask
    >>> problem = Problem(evornn.CTRNN.codec(2), OscillatorTask(period=10.0, amplitude=0.5))
    >>> problem.n_genes
    8
    """

    def __init__(self, codec: Codec, task: Task, *, dtype=None):
        if not (isinstance(codec, Codec) or getattr(codec, "structured", False)):
            raise TypeError(f"codec must be an evornn.genome.Codec or an evornn.neat.NEATCodec, got "
                            f"{type(codec).__name__}")
        if not isinstance(task, Task):
            raise TypeError(f"task must be an evornn task (a subclass of evornn.tasks.Task), got {type(task).__name__}")
        self.codec, self.task = codec, task
        self.dtype = None if dtype is None else np.dtype(dtype)
        extremes = codec.extremes() if hasattr(codec, "extremes") else np.stack(
            [np.full(codec.n_genes, GENE_LOW), np.full(codec.n_genes, GENE_HIGH)])
        task.check_model(self.decode(extremes))

    @property
    def n_genes(self) -> int:
        return self.codec.n_genes

    @property
    def n_objectives(self) -> int:
        return self.task.n_objectives

    def decode(self, genomes: np.ndarray):
        """The models of `genomes`, in the problem's precision."""
        model = self.codec.decode(genomes)
        return model if self.dtype is None else model.astype(self.dtype)

    def evaluate(self, genomes: np.ndarray, rng=None) -> Evaluation:
        """Decode `genomes` (shape ``(n_pop, n_genes)``) and score them in one batched call."""
        evaluation = self.task.evaluate(self.decode(genomes), rng)
        if evaluation.n_pop != genomes.shape[0]:
            raise ValueError(f"the task returned {evaluation.n_pop} fitness values for {genomes.shape[0]} genomes")
        return evaluation
