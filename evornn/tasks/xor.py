"""Exclusive or, the NEAT paper's first test (Stanley and Miikkulainen 2002): the four cases
of two bits, each presented to a network from its initial state."""

from __future__ import annotations

import numpy as np

from .._checks import positive_float, positive_int
from .base import Evaluation, Task

CASES = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
TARGETS = np.array([0.0, 1.0, 1.0, 0.0])


class XORTask(Task):
    """XOR of two bits as in the NEAT paper: each case starts from the network's initial
    state and holds its input for `steps` steps (a discrete model's activations; a
    continuous model's Euler steps of `controller_dt`); output 0 is the answer.

    Fitness is the paper's ``(4 - sum |output - target|)^2`` (16 at best); ``"solved"`` is 1
    when every output is on the right side of 0.5, and ``"errors"`` counts the cases that
    are not.

    Parameters
    ----------
    bias_input : bool
        A third input fixed at 1 (the paper's bias input; networks whose nodes have biases
        may go without).
    steps : int
        Steps per case (1: a feed-forward NEAT network's one sequential activation).
    controller_dt : float
        A continuous model's Euler step.

    Examples
    --------
    >>> from evornn.neat import NEATCodec
    >>> codec = NEATCodec(3, 1)
    >>> XORTask().evaluate(codec.decode(codec.random(4, rng=0))).fitness.shape
    (4,)
    """

    def __init__(self, *, bias_input: bool = True, steps: int = 1, controller_dt: float = 0.1):
        if not isinstance(bias_input, bool | np.bool_):
            raise TypeError(f"bias_input must be True or False, got {bias_input!r}")
        self.bias_input = bool(bias_input)
        self.steps = positive_int("steps", steps)
        self.controller_dt = positive_float("controller_dt", controller_dt)
        self.inputs = np.column_stack([CASES, np.ones(4)]) if self.bias_input else CASES.copy()

    def check_model(self, model) -> None:
        if model.n_inputs != self.inputs.shape[1] or model.n_outputs < 1:
            raise ValueError(f"XOR needs a model with {self.inputs.shape[1]} inputs (two bits"
                             f"{' and a bias of 1' if self.bias_input else ''}) and an output; this one has "
                             f"{model.n_inputs} inputs and {model.n_outputs} outputs")

    def outputs(self, model) -> np.ndarray:
        """Output 0 for each case, shape (n_pop, 4)."""
        self.check_model(model)
        n = model.n_pop
        cases = model.take(np.repeat(np.arange(n), 4))
        stepper = cases.stepper(self.controller_dt) if cases.time == "continuous" else cases.stepper()
        u = np.tile(self.inputs, (n, 1))
        for _ in range(self.steps):
            z = stepper.step(u)
        return z[:, 0].reshape(n, 4)

    def evaluate(self, model, rng=None) -> Evaluation:
        out = self.outputs(model)
        wrong = ((out > 0.5) != (TARGETS > 0.5)).sum(axis=1).astype(np.float64)
        fitness = (4.0 - np.abs(out - TARGETS).sum(axis=1)) ** 2
        return Evaluation.from_raw(fitness, {"solved": (wrong == 0).astype(np.float64), "errors": wrong},
                                   worst_fitness=0.0)
