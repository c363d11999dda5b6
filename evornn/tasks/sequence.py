"""Sequence tasks: reproduce target output sequences from input sequences."""

from __future__ import annotations

import numpy as np

from .._checks import as_float_array, positive_float, positive_int
from ..integrate.simulate import simulate_quietly as run
from ._simulation import check_step, task_dt
from .base import Evaluation, Task, error_fitness


def _sequences(name: str, value, n_samples: int | None = None) -> np.ndarray:
    arr = as_float_array(name, value)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3 or arr.shape[1] == 0:
        raise ValueError(f"{name} must have shape (n_samples,), (n_samples, n) or (n_seq, n_samples, n), got {np.shape(value)}")
    if n_samples is not None and arr.shape[1] != n_samples:
        raise ValueError(f"{name} must have {n_samples} samples per sequence (as the targets), got {arr.shape[1]}")
    return arr


class SequenceTask(Task):
    r"""Reproduce target sequences: fitness ``1 / (1 + MSE)`` of the chosen outputs.

    Each sample of the input sequence is held for `steps_per_sample` integration steps
    (zero-order hold), and the outputs are read at the end of each sample. Every sequence
    starts from the model's initial state.

    .. math::

        \mathrm{MSE} = \frac{1}{n_{seq} n_{samples} n_{targets}}
                       \sum_{s, k, o} \big(z_{s, k, o} - z^*_{s, k, o}\big)^2

    over the samples after `washout`. Metrics: ``"mse"``, and ``"learned"``, the fraction
    of target values reproduced within `tolerance`.

    Parameters
    ----------
    inputs : array_like, shape (n_samples, n_inputs) or (n_seq, n_samples, n_inputs), or None
        None for autonomous networks.
    targets : array_like, shape (n_samples,), (n_samples, n_targets) or (n_seq, n_samples, n_targets)
    dt : float
        Integration step for continuous models (ignored by discrete ones).
    steps_per_sample : int
    method : str, optional
        Integrator (default: RK4 for continuous models).
    output_units : sequence of int, optional
        Which of the model's outputs are compared with the targets (default the first
        ``n_targets``).
    tolerance : float
        A target value is learned when the output is within this distance of it.
    washout : int
        Samples at the start of each sequence that are not scored.

    Examples
    --------
    >>> import evornn
    >>> task = SequenceTask([[0.0], [1.0]], [[0.5], [0.5]], dt=0.05, steps_per_sample=10)
    >>> net = evornn.CTRNN([[0.0]], input_weights=[[0.0]])   # sigma(y) stays at 0.5 with y = 0
    >>> float(task.evaluate(net).fitness[0])
    1.0
    """

    def __init__(self, inputs, targets, *, dt: float = 0.05, steps_per_sample: int = 1, method: str | None = None,
                 output_units=None, tolerance: float = 0.05, washout: int = 0):
        self.targets = _sequences("targets", targets)
        n_seq, n_samples, n_targets = self.targets.shape
        if inputs is None:
            self.inputs = np.zeros((n_seq, n_samples, 0))
        else:
            self.inputs = _sequences("inputs", inputs, n_samples)
            if self.inputs.shape[0] != n_seq:
                raise ValueError(
                    f"inputs and targets must hold the same number of sequences, got {self.inputs.shape[0]} and {n_seq}")
        self.dt = task_dt(dt)
        self.steps_per_sample = positive_int("steps_per_sample", steps_per_sample)
        self.method = method
        units = np.arange(n_targets) if output_units is None else np.asarray(output_units)
        if units.dtype.kind not in "iu" or units.shape != (n_targets,) or units.min() < 0:
            raise ValueError(f"output_units must be {n_targets} output indices >= 0, one per target; got {output_units!r}")
        self.output_units = units
        self.tolerance = positive_float("tolerance", tolerance)
        self.washout = positive_int("washout", washout, minimum=0)
        if self.washout >= n_samples:
            raise ValueError(f"washout must be less than the number of samples ({n_samples}), got {washout}")

    @classmethod
    def from_teacher(cls, teacher, inputs, *, dt: float = 0.05, steps_per_sample: int = 1, method: str | None = None,
                     output_units=None, **kwargs) -> SequenceTask:
        """A task whose targets are a teacher network's outputs for `inputs` (system identification).

        `teacher` is any evornn model with one individual; `output_units` selects which of its
        outputs become targets (and which outputs of the evolved networks are compared).
        Remaining keywords go to the constructor.

        >>> import evornn
        >>> teacher = evornn.CTRNN([[2.0, -6.0], [5.0, 1.0]], tau=[1.0, 2.5], input_weights=[[4.0], [-2.0]])
        >>> task = SequenceTask.from_teacher(teacher, np.linspace(0, 1, 8)[:, None], steps_per_sample=10, output_units=[0])
        >>> float(task.evaluate(teacher).metrics["mse"][0])
        0.0
        """
        if teacher.n_pop != 1:
            raise ValueError(f"teacher must hold one network, got n_pop = {teacher.n_pop}")
        probe = cls(inputs, np.zeros((np.shape(inputs)[-2], 1)), dt=dt, steps_per_sample=steps_per_sample, method=method)
        units = np.arange(teacher.n_outputs) if output_units is None else np.asarray(output_units)
        probe.output_units = units
        probe.check_model(teacher)
        outputs, _ = probe._outputs(teacher)  # (n_samples, n_seq, 1, n_units)
        return cls(probe.inputs, outputs[:, :, 0].transpose(1, 0, 2), dt=dt, steps_per_sample=steps_per_sample,
                   method=method, output_units=units, **kwargs)

    @property
    def n_inputs(self) -> int:
        return self.inputs.shape[2]

    def check_model(self, model) -> None:
        if model.n_inputs != self.n_inputs:
            raise ValueError(f"the task gives {self.n_inputs} inputs; the model takes {model.n_inputs}")
        if self.output_units.max() >= model.n_outputs:
            raise ValueError(f"output_units {self.output_units.tolist()} exceed the model's {model.n_outputs} outputs")
        check_step(model, self.dt)

    def _outputs(self, model) -> tuple[np.ndarray, np.ndarray]:
        """Outputs at the end of each sample, shape (n_samples, n_seq, n_pop, n_targets), and
        which individuals diverged, shape (n_pop,)."""
        n_seq, n_samples, _ = self.targets.shape
        n_pop = model.n_pop
        batch = model.take(np.tile(np.arange(n_pop), n_seq)) if n_seq > 1 else model
        n_steps = n_samples * self.steps_per_sample
        u = None
        if self.n_inputs:
            held = np.repeat(self.inputs, self.steps_per_sample, axis=1)  # (n_seq, n_steps, n_inputs)
            u = np.ascontiguousarray(np.broadcast_to(
                held.transpose(1, 0, 2)[:, :, None, :], (n_steps, n_seq, n_pop, self.n_inputs),
            ).reshape(n_steps, n_seq * n_pop, self.n_inputs))
        traj = run(batch, self.dt, n_steps=n_steps, inputs=u, record_every=self.steps_per_sample, method=self.method)
        out = traj.outputs[1:, :, self.output_units]
        return out.reshape(n_samples, n_seq, n_pop, -1), traj.diverged.reshape(n_seq, n_pop).any(axis=0)

    def evaluate(self, model, rng=None) -> Evaluation:
        out, diverged = self._outputs(model)
        out = out[self.washout:]
        target = self.targets.transpose(1, 0, 2)[self.washout:, :, None, :]
        err = out - target
        with np.errstate(invalid="ignore", over="ignore"):
            mse = np.mean(err * err, axis=(0, 1, 3))
            learned = np.mean(np.abs(err) <= self.tolerance, axis=(0, 1, 3))
        # Saturating outputs can stay finite while the state overflows: trust the state.
        mse = np.where(diverged, np.nan, mse)
        return Evaluation.from_raw(error_fitness(mse), {"mse": mse, "learned": learned}, worst_fitness=self.worst_fitness)

    def behaviour(self, model) -> dict[str, np.ndarray]:
        out, _ = self._outputs(model.take([0]))
        n_samples = self.targets.shape[1]
        t = (np.arange(n_samples) + 1) * self.steps_per_sample * (self.dt if model.time == "continuous" else 1.0)
        return {"t": t, "outputs": out[:, 0, 0], "target": self.targets[0], "inputs": self.inputs[0]}
