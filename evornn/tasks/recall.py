"""Associative recall as a batched fitness: every network of a population relaxes the same
noisy probes of its stored patterns in one compiled call (see :meth:`Hopfield.recall
<evornn.models.hopfield.Hopfield.recall>`)."""

from __future__ import annotations

import numpy as np

from .._checks import one_of, positive_int
from ..random import as_rng
from .base import Evaluation, Task


class RecallTask(Task):
    """Recall stored patterns from noisy probes; fitness is the fraction recalled exactly
    (``score="recall"``, with ties broken by the mean overlap through a term smaller than
    one probe's share, so that ranking by fitness ranks by recall rate first) or the mean
    final overlap (``score="overlap"``).

    Each evaluation draws `n_probes` probes per pattern (a fraction `noise` of bits flipped)
    from its `rng` and gives the same probes to every network (common random numbers).
    Metrics: ``"recall"`` (fraction exact; also as ``"learned"``, which ``target_learned``
    stops on), ``"overlap"``, ``"sweeps"`` (mean sweeps taken).

    Parameters
    ----------
    patterns : array_like, shape (n_patterns, N), entries +-1
    noise : float in [0, 1]
    n_probes : int
        Probes per pattern.
    update : {"async", "sync"}
    max_sweeps : int

    Examples
    --------
    >>> from evornn import Hopfield
    >>> task = RecallTask.random(50, 3, rng=0)
    >>> float(task.evaluate(Hopfield.from_patterns(task.patterns), rng=1).metrics["recall"][0])
    1.0
    """

    def __init__(self, patterns, *, noise: float = 0.1, n_probes: int = 10, update: str = "async",
                 max_sweeps: int = 20, score: str = "recall"):
        from ..models.hopfield import _bipolar

        self.patterns = _bipolar("patterns", patterns)
        if not 0.0 <= noise <= 1.0:
            raise ValueError(f"noise must be in [0, 1], got {noise}")
        self.noise = float(noise)
        self.n_probes = positive_int("n_probes", n_probes)
        self.update = one_of("update", update, ("async", "sync"))
        self.max_sweeps = positive_int("max_sweeps", max_sweeps)
        self.score = one_of("score", score, ("recall", "overlap"))

    @classmethod
    def random(cls, n_units: int, n_patterns: int, *, noise: float = 0.1, n_probes: int = 10, update: str = "async",
               max_sweeps: int = 20, score: str = "recall", rng=0) -> RecallTask:
        """The task on `n_patterns` random bipolar patterns of `n_units` units drawn from `rng`."""
        n_units = positive_int("n_units", n_units)
        n_patterns = positive_int("n_patterns", n_patterns)
        patterns = np.where(as_rng(rng).random((n_patterns, n_units)) < 0.5, -1.0, 1.0)
        return cls(patterns, noise=noise, n_probes=n_probes, update=update, max_sweeps=max_sweeps, score=score)

    def check_model(self, model) -> None:
        from ..models.hopfield import Hopfield

        if not isinstance(model, Hopfield):
            raise ValueError(f"RecallTask needs a discrete Hopfield network, got {type(model).__name__}")
        if model.n_units != self.patterns.shape[1]:
            raise ValueError(f"the patterns have {self.patterns.shape[1]} units; the network has {model.n_units}")

    def evaluate(self, model, rng=None) -> Evaluation:
        from ..models.hopfield import flip_bits

        self.check_model(model)
        rng = as_rng(rng)
        targets = np.repeat(self.patterns, self.n_probes, axis=0)
        probes = flip_bits(targets, self.noise, rng)
        k = targets.shape[0]
        network = np.repeat(np.arange(model.n_pop), k)
        result = model.recall(np.tile(targets, (model.n_pop, 1)), probes=np.tile(probes, (model.n_pop, 1)),
                              network=network, update=self.update, max_sweeps=self.max_sweeps, rng=rng)
        recall = result.success.reshape(model.n_pop, k).mean(axis=1)
        overlap = result.overlap.reshape(model.n_pop, k).mean(axis=1)
        sweeps = result.steps.reshape(model.n_pop, k).mean(axis=1)
        # "recall": the recall rate, ties broken by the overlap (a small term below the step
        # of one probe, 1 / (n_patterns n_probes)), so that partial progress still counts.
        tie_break = 0.5 / k * (overlap + 1.0) / 2.0
        fitness = recall + tie_break if self.score == "recall" else overlap
        return Evaluation.from_raw(fitness, {"recall": recall, "learned": recall, "overlap": overlap, "sweeps": sweeps},
                                   worst_fitness=-1.0 if self.score == "overlap" else 0.0)
