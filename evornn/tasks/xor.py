"""Exclusive or, the NEAT paper's first test (Stanley and Miikkulainen 2002): the four cases
of two bits, each presented to a network from its initial state."""

from __future__ import annotations

import numpy as np
from numba import njit

from .._checks import one_of, positive_float, positive_int
from .._kernels import output, rhs
from .._numba import ERROR_MODEL, FASTMATH, for_params
from ..integrate.fixed_step import EULER, MAP, rk_step
from .base import Evaluation, Task

CASES = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
TARGETS = np.array([0.0, 1.0, 1.0, 0.0])


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def run_cases(method, params, y0, dt, inputs, steps, out):
    """Output 0 of every individual `p` for every case `c` (``out[p, c]``): the model started
    from ``y0[p]``, `steps` steps of `method` with the case's input ``inputs[c]`` held.
    Numba-compiled, on the calling thread (the work is a few operations per case)."""
    n_state = y0.shape[1]
    y = np.empty(n_state, y0.dtype)
    scratch = np.empty((5, n_state), y0.dtype)
    k1, k2, k3, k4, k5 = scratch[0], scratch[1], scratch[2], scratch[3], scratch[4]
    z = np.empty(out.shape[2], y0.dtype)
    for p in range(y0.shape[0]):
        for c in range(inputs.shape[0]):
            for i in range(n_state):
                y[i] = y0[p, i]
            u = inputs[c]
            for _ in range(steps):
                if method == MAP:  # a map's step, without the call (a NEAT network's cases cost little else)
                    rhs(0.0, y, params, p, u, k1)
                    for i in range(n_state):
                        y[i] = k1[i]
                else:
                    rk_step(method, 0.0, y, params, p, u, u, u, dt, k1, k2, k3, k4, k5)
            output(y, params, p, z)
            for m in range(z.shape[0]):
                out[p, c, m] = z[m]


class XORTask(Task):
    """XOR of two bits as in the NEAT paper: each case starts from the network's initial
    state and holds its input for `steps` steps (a discrete model's activations; a
    continuous model's Euler steps of `controller_dt`); output 0 is the answer.

    Fitness is the paper's ``(4 - sum |output - target|)^2`` (16 at best), or with
    ``fitness="squared_error"`` neat-python's ``4 - sum (output - target)^2`` (4 at best);
    ``"solved"`` is 1 when every output is on the right side of 0.5, and ``"errors"`` counts
    the cases that are not.

    Parameters
    ----------
    bias_input : bool
        A third input fixed at 1 (the paper's bias input; networks whose nodes have biases
        may go without).
    steps : int
        Steps per case (1: a feed-forward NEAT network's one sequential activation).
    controller_dt : float
        A continuous model's Euler step.
    fitness : {"paper", "squared_error"}

    Examples
    --------
    >>> from evornn.neat import NEATCodec
    >>> codec = NEATCodec(3, 1)
    >>> XORTask().evaluate(codec.decode(codec.random(4, rng=0))).fitness.shape
    (4,)
    """

    def __init__(self, *, bias_input: bool = True, steps: int = 1, controller_dt: float = 0.1,
                 fitness: str = "paper"):
        if not isinstance(bias_input, bool | np.bool_):
            raise TypeError(f"bias_input must be True or False, got {bias_input!r}")
        self.bias_input = bool(bias_input)
        self.steps = positive_int("steps", steps)
        self.controller_dt = positive_float("controller_dt", controller_dt)
        self.fitness = one_of("fitness", fitness, ("paper", "squared_error"))
        self.inputs = np.column_stack([CASES, np.ones(4)]) if self.bias_input else CASES.copy()

    def check_model(self, model) -> None:
        if model.n_inputs != self.inputs.shape[1] or model.n_outputs < 1:
            raise ValueError(f"XOR needs a model with {self.inputs.shape[1]} inputs (two bits"
                             f"{' and a bias of 1' if self.bias_input else ''}) and an output; this one has "
                             f"{model.n_inputs} inputs and {model.n_outputs} outputs")

    def outputs(self, model) -> np.ndarray:
        """Output 0 for each case, shape (n_pop, 4)."""
        self.check_model(model)
        continuous = model.time == "continuous"
        y0 = np.ascontiguousarray(model.initial_state())
        out = np.empty((model.n_pop, 4, model.n_outputs), y0.dtype)
        for_params(run_cases, model.params)(EULER if continuous else MAP, model.params, y0,
                                            self.controller_dt if continuous else 1.0,
                                            self.inputs.astype(y0.dtype), self.steps, out)
        return out[:, :, 0].astype(np.float64)

    def evaluate(self, model, rng=None) -> Evaluation:
        out = self.outputs(model)
        wrong = ((out > 0.5) != (TARGETS > 0.5)).sum(axis=1).astype(np.float64)
        if self.fitness == "paper":
            fitness = (4.0 - np.abs(out - TARGETS).sum(axis=1)) ** 2
        else:
            fitness = 4.0 - ((out - TARGETS) ** 2).sum(axis=1)
        return Evaluation.from_raw(fitness, {"solved": (wrong == 0).astype(np.float64), "errors": wrong},
                                   worst_fitness=0.0)
