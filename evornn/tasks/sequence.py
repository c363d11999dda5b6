"""Sequence tasks: reproduce target output sequences from input sequences."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from .. import datasets
from .._checks import as_float_array, one_of, positive_float, positive_int
from ..integrate.simulate import simulate_quietly as run
from ..random import as_rng
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


def _mask(name: str, value, shape: tuple[int, int]) -> np.ndarray:
    if value is None:
        return np.ones(shape, dtype=bool)
    arr = np.asarray(value)
    if arr.dtype != np.bool_ or arr.shape not in (shape, shape[1:]):
        raise ValueError(f"{name} must be booleans of shape {shape} or {shape[1:]}, got {arr.dtype} {arr.shape}")
    return np.array(np.broadcast_to(arr, shape))


def _all_hit(hit: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Whether every masked sample of a sequence is hit, shape (n_seq, n_pop);
    `hit` (n_samples, n_seq, n_pop), `mask` (n_seq, n_samples)."""
    return np.all(hit | ~mask.T[:, :, None], axis=0)


def _fraction_solved(hit: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Fraction of the sequences with a masked sample whose masked samples are all hit."""
    scored = mask.any(axis=1)
    return _all_hit(hit, mask)[scored].mean(axis=0) if scored.any() else np.full(hit.shape[2], np.nan)


PREDICTION_DATASETS = ("mackey_glass", "henon", "lorenz", "mso", "narma")


class SequenceTask(Task):
    r"""Reproduce target sequences: fitness ``1 / (1 + MSE)`` of the chosen outputs.

    Each sample of the input sequence is held for `steps_per_sample` integration steps
    (zero-order hold), and the outputs are read at the end of each sample. Every sequence
    starts from the model's initial state.

    .. math::

        \mathrm{MSE} = \frac{1}{n_{seq} n_{samples} n_{targets}}
                       \sum_{s, k, o} \big(z_{s, k, o} - z^*_{s, k, o}\big)^2

    over the scored samples: those after `washout` and inside `mask`. Sequences of different
    lengths are padded to the longest and the padding left out of `mask`. Metrics: ``"mse"``;
    ``"learned"``, the fraction of scored target values reproduced within `tolerance`;
    ``"solved"``, the fraction of sequences whose every scored value is; and, for each named
    mask in `probes`, the fraction of sequences whose probed values all are.

    The factories build the classic sequence tasks from :mod:`evornn.datasets`:
    :meth:`parity` (temporal XOR and parity k steps back), :meth:`delayed_recall`,
    :meth:`reber` (next-symbol prediction in the embedded Reber grammar), :meth:`anbncn`
    (the context-sensitive language a^n b^n c^n, with :meth:`largest_n` for the
    generalisation test), :meth:`classification` (waveforms), :meth:`prediction`
    (one-step prediction of a generated time series), :meth:`identification` (a
    nonlinear plant's response to its input) and :meth:`spike_classification` (jittered
    spike-train templates). They pass further keywords (``dt``,
    ``steps_per_sample``, ``method``, ``fit_readout``, ``ridge``) to the constructor.

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
    mask : array_like of bool, shape (n_samples,) or (n_seq, n_samples), optional
        The samples that are scored (default all).
    probes : dict of str to array_like of bool, optional
        Named masks of the same shape, each reported as a metric.
    weights : array_like, shape (n_samples,) or (n_seq, n_samples), optional
        Weights >= 0 of the scored samples in the MSE (a weighted mean; default equal), to
        make rare, hard steps count in the fitness. "learned" and "solved" are unweighted.
    score : str
        ``"mse"``: fitness ``1 / (1 + MSE)``. ``"solved"`` or a probe's name: the fraction of
        sequences solved (or right at the probe) first, the MSE breaking ties, as
        ``fraction + 1 / ((1 + MSE) (n_seq + 1))``: each further sequence solved outweighs
        any error, which rewards solving strings one by one (grammars, counting).
        ``"learned"``: likewise the fraction of scored values within `tolerance` (the
        evolvable NTM's "closest binary" fitness for bits).
    fit_readout : bool
        Evolino (Schmidhuber, Wierstra, Gagliolo and Gomez 2007): instead of the model's own
        readout, fit each network's linear readout of its hidden layer to the targets by
        (weighted, with `weights`) ridge regression on the scored samples, and score the
        fitted outputs; evolution then searches only the recurrent weights (build the codec
        with ``evolve_readout=False``). Needs a model with a separate readout (Elman,
        IndRNN, GRU, LSTM). :meth:`trained_model` gives a network with its fitted readout;
        :meth:`report` scores that readout on the held-out task without refitting.
    ridge : float
        The ridge coefficient of the fitted readout (on weighted sums over the samples).

    Examples
    --------
    >>> import evornn
    >>> task = SequenceTask([[0.0], [1.0]], [[0.5], [0.5]], dt=0.05, steps_per_sample=10)
    >>> net = evornn.CTRNN([[0.0]], input_weights=[[0.0]])   # sigma(y) stays at 0.5 with y = 0
    >>> float(task.evaluate(net).fitness[0])
    1.0
    """

    #: Constructor keywords that the factories pass on (experiment files read them from here).
    options: ClassVar[dict] = {"dt": 0.05, "steps_per_sample": 1, "method": None, "fit_readout": False, "ridge": 1e-6}

    def __init__(self, inputs, targets, *, dt: float = 0.05, steps_per_sample: int = 1, method: str | None = None,
                 output_units=None, tolerance: float = 0.05, washout: int = 0, mask=None, probes=None,
                 weights=None, score: str = "mse", fit_readout: bool = False, ridge: float = 1e-6):
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
        self.mask = _mask("mask", mask, (n_seq, n_samples))
        self.mask[:, :self.washout] = False
        if not self.mask.any():
            raise ValueError("mask leaves no sample to score")
        self.probes = {name: _mask(f"probes[{name!r}]", value, (n_seq, n_samples)) & self.mask
                       for name, value in (probes or {}).items()}
        w = np.ones((n_seq, n_samples)) if weights is None else as_float_array("weights", weights)
        if w.shape not in ((n_seq, n_samples), (n_samples,)) or np.any(w < 0):
            raise ValueError(f"weights must be numbers >= 0 of shape ({n_seq}, {n_samples}) or ({n_samples},), got "
                             f"shape {w.shape}")
        self.weights = np.where(self.mask, w, 0.0)
        self.score = one_of("score", score, ("mse", "learned", "solved", *self.probes))
        if not self.weights.sum() > 0:
            raise ValueError("weights must give some scored sample a weight > 0")
        self.fit_readout = bool(fit_readout)
        self.ridge = float(ridge)
        if not (np.isfinite(self.ridge) and self.ridge >= 0):
            raise ValueError(f"ridge must be a finite number >= 0, got {ridge!r}")
        #: A task on fresh data of the same kind, that :meth:`report` scores (set by the factories).
        self.test_task: SequenceTask | None = None
        #: 2 or 3 for :meth:`anbncn` tasks (their :meth:`largest_n` test), else None.
        self.counts: int | None = None

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

    @classmethod
    def from_data(cls, data, **kwargs) -> SequenceTask:
        """A task on generated :class:`~evornn.datasets.Sequences` (inputs, targets, mask and
        probes); keywords go to the constructor."""
        return cls(data.inputs, data.targets, mask=data.mask, probes=data.probes, **kwargs)

    @classmethod
    def parity(cls, *, order: int = 2, delay: int = 1, n_seq: int = 4, n_steps: int = 40, seed: int = 0,
               tolerance: float = 0.4, **options):
        """Temporal parity of random bits, :func:`evornn.datasets.parity`: the output at step
        t is the XOR of the inputs `delay` to ``delay + order - 1`` steps back (`order` = 2:
        temporal XOR). "solved" = 1 when every scored bit is within `tolerance` of its target.

        >>> task = SequenceTask.parity(order=2, delay=1, n_seq=2, n_steps=20)
        >>> task.targets.shape, int(task.mask.sum())
        ((2, 20, 1), 36)
        """
        def make(n, rng):
            return cls.from_data(datasets.parity(n, n_steps, order=order, delay=delay, rng=rng), tolerance=tolerance,
                                 **options)

        return make(n_seq, seed)._with_test(make(max(100, n_seq), seed + 1))

    @classmethod
    def copy(cls, *, n_seq: int = 20, width: int = 4, length=(1, 5), test_length=None, start: bool = False,
             seed: int = 0, tolerance: float = 0.5, **options):
        """The copy task (:func:`evornn.datasets.copy_task`): reproduce a sequence of `width`-bit
        vectors after a delimiter (and after a start flag, with `start`). "solved" = 1 for a
        sequence whose every output bit is within `tolerance` of it. The held-out task
        (:meth:`report`) draws 100 sequences of `test_length` (default: lengths from one past
        the longest trained to twice it), the generalisation test."""
        high = datasets._int_range("length", length, 1, 10_000)[1]
        test_length = (high + 1, 2 * high) if test_length is None else test_length

        def make(n, rng, lengths):
            return cls.from_data(datasets.copy_task(n, width=width, length=lengths, start=start, rng=rng),
                                 tolerance=tolerance, **options)

        return make(n_seq, seed, length)._with_test(make(100, seed + 1, test_length))

    @classmethod
    def delayed_recall(cls, *, delay: int = 5, n_seq: int = 4, n_steps: int = 40, seed: int = 0,
                       tolerance: float = 0.4, **options):
        """Recall the random bit seen `delay` steps ago (:meth:`parity` of order 1)."""
        return cls.parity(order=1, delay=delay, n_seq=n_seq, n_steps=n_steps, seed=seed, tolerance=tolerance, **options)

    @classmethod
    def reber(cls, *, n_strings: int = 100, embedded: bool = True, seed: int = 0, tolerance: float = 0.5,
              penultimate_weight: float = 1.0, score: str = "mse", **options):
        """Next-symbol prediction in the (embedded) Reber grammar, :func:`evornn.datasets.reber`:
        7 one-hot inputs, 7 outputs that must be above 0.5 for every symbol that may come next
        and below it for the others (a logistic output activation, or a fitted readout). "solved"
        is the fraction of strings predicted right at every step; "penultimate", of strings whose
        second-to-last symbol (the T or P that repeats the second symbol) is predicted right.
        `penultimate_weight` weights that one step in the MSE (the fitness), which otherwise
        hardly sees the long-range dependency; `score` as in the constructor."""
        penultimate_weight = positive_float("penultimate_weight", penultimate_weight)

        def make(n, rng):
            data = datasets.reber(n, embedded=embedded, rng=rng)
            weights = None
            if embedded:
                weights = np.where(data.probes["penultimate"], penultimate_weight, 1.0)
            return cls.from_data(data, tolerance=tolerance, weights=weights, score=score, **options)

        return make(n_strings, seed)._with_test(make(1000, seed + 1))

    @classmethod
    def anbncn(cls, *, n_max: int = 10, n_min: int = 1, counts: int = 3, tolerance: float = 0.5,
               counting_weight: float = 1.0, score: str = "mse", **options):
        """Next-symbol prediction on a^n b^n c^n for n from `n_min` to `n_max`
        (:func:`evornn.datasets.anbncn`; 4 inputs, 4 outputs, thresholds at 0.5 as in
        :meth:`reber`). :meth:`largest_n` is the generalisation test to longer strings. The
        metric "counting" is the fraction of strings whose counts run out at the right steps
        (after the last b and the last c); `counting_weight` weights those steps in the MSE;
        `score` as in the constructor (``"solved"``: strings accepted first)."""
        n_min, n_max = positive_int("n_min", n_min), positive_int("n_max", n_max)
        if n_max < n_min:
            raise ValueError(f"n_max must be >= n_min = {n_min}, got {n_max}")
        data = datasets.anbncn(np.arange(n_min, n_max + 1), counts=counts)
        weights = np.where(data.probes["counting"], positive_float("counting_weight", counting_weight), 1.0)
        task = cls.from_data(data, tolerance=tolerance, weights=weights, score=score, **options)
        task.counts = counts
        return task

    def _with_test(self, test_task: SequenceTask) -> SequenceTask:
        test_task.fit_readout = False  # held-out data scores the readout fitted here, never refits
        self.test_task = test_task
        return self

    def largest_n(self, model, n_max: int = 1000) -> np.ndarray:
        """The generalisation test of an :meth:`anbncn` task: for each network, the largest N
        such that it accepts every string with n = 1 ... N (0 if it fails n = 1), tried up to
        `n_max`. Shape (n_pop,)."""
        counts = self.counts
        if counts is None:
            raise ValueError("largest_n is the generalisation test of SequenceTask.anbncn tasks")
        n_max = positive_int("n_max", n_max)
        probe = type(self).from_data(datasets.anbncn(np.arange(1, n_max + 1), counts=counts), tolerance=self.tolerance,
                                     dt=self.dt, steps_per_sample=self.steps_per_sample, method=self.method)
        out, _ = probe._outputs(self.trained(model))
        hit = np.all(np.abs(out - probe.targets.transpose(1, 0, 2)[:, :, None, :]) <= probe.tolerance, axis=3)
        failed = ~_all_hit(hit, probe.mask)  # (n, n_pop): string n + 1 rejected
        return np.where(failed.any(axis=0), failed.argmax(axis=0), n_max)

    def report(self, model) -> dict:
        """What a run reports about network 0 of `model` beyond its metrics: its metrics on
        the held-out :attr:`test_task` as ``"test_<metric>"`` (the factories draw one: fresh
        sequences from the next seed, or the following stretch of a series), and for
        :meth:`anbncn` tasks the generalisation test (``"largest_n"``, tried up to 100 times
        the longest trained n)."""
        best = self.trained_model(model)
        out = {}
        if self.test_task is not None:
            metrics = self.test_task.evaluate(best).metrics
            out.update({f"test_{name}": float(value[0]) for name, value in metrics.items()})
        if self.counts is not None:
            n_max = 100 * (int(self.mask.sum(axis=1).max()) - 1) // self.counts
            out.update({"largest_n": int(self.largest_n(best, n_max)[0]), "largest_n_tried": n_max})
        return out

    @classmethod
    def classification(cls, *, n_seq: int = 60, n_steps: int = 40, noise: float = 0.1, seed: int = 0,
                       tolerance: float = 0.5, **options):
        """Sequence classification, :func:`evornn.datasets.waveforms`: after a sequence of
        `n_steps` noisy samples of a sine, square or sawtooth wave, 3 outputs must give its
        class one-hot (above / below 0.5); "solved" is the fraction classified right."""
        def make(n, rng):
            return cls.from_data(datasets.waveforms(n, n_steps, noise=noise, rng=rng), tolerance=tolerance, **options)

        return make(n_seq, seed)._with_test(make(max(300, n_seq), seed + 1))

    @classmethod
    def prediction(cls, dataset: str = "mackey_glass", *, n_seq: int = 4, n_steps: int = 100, washout: int = 20,
                   seed: int = 0, tolerance: float = 0.05, **options):
        """One-step-ahead prediction of a generated series (``"mackey_glass"``, ``"henon"``
        (its x), ``"lorenz"`` (x / 20), ``"mso"``, or ``"narma"`` (input u, target y)) cut into
        `n_seq` consecutive sequences of `n_steps`, each starting from the model's initial
        state; the first `washout` steps of each are not scored."""
        one_of("dataset", dataset, PREDICTION_DATASETS)
        n_seq, n_steps = positive_int("n_seq", n_seq), positive_int("n_steps", n_steps)
        n_total = 2 * n_seq * n_steps + 1  # the second half is the held-out test (report)
        if dataset == "narma":
            series = datasets.narma(n_total, rng=seed)
            x, y = series[:-1, :1], series[:-1, 1:]
        else:
            series = {"mackey_glass": lambda: datasets.mackey_glass(n_total, rng=seed),
                      "henon": lambda: datasets.henon(n_total)[:, :1],
                      "lorenz": lambda: datasets.lorenz(n_total)[:, :1] / 20.0,
                      "mso": lambda: datasets.mso(n_total)}[dataset]()
            x, y = series[:-1], series[1:]
        x, y = x.reshape(2 * n_seq, n_steps, -1), y.reshape(2 * n_seq, n_steps, -1)

        def make(part):
            return cls(x[part], y[part], washout=washout, tolerance=tolerance, **options)

        return make(slice(0, n_seq))._with_test(make(slice(n_seq, None)))

    @classmethod
    def spike_classification(cls, *, n_seq: int = 200, n_templates: int = 2, n_channels: int = 4,
                             duration: float = 100.0, n_segments: int = 1, query: int = 0, rate: float = 20.0,
                             jitter: float = 4.0, bin_width: float = 0.5, seed: int = 0, tolerance: float = 0.5,
                             score: str = "solved", **options):
        """Which template was segment `query` of this jittered spike train a copy of?
        (:func:`evornn.datasets.spike_templates`, Maass, Natschläger and Markram 2002): the
        template one-hot at the last step; the held-out test is fresh jitter and fresh
        choices of the same templates. Spikes are binned in steps of `bin_width` ms: for
        spiking models (:class:`evornn.models.LSM`) whose step ``dt`` is the same, usually
        with ``fit_readout=True`` (a linear readout of the liquid's traces).
        "solved" is the fraction classified (every output within `tolerance` of the
        one-hot target), and the fitness by default (`score`): a fitted readout's squared
        error differs little between circuits that classify well and badly."""
        def make(n, rng):
            data = datasets.spike_templates(n, n_templates=n_templates, n_channels=n_channels, duration=duration,
                                            n_segments=n_segments, query=query, rate=rate, jitter=jitter,
                                            dt=bin_width, template_seed=seed, rng=rng)
            return cls.from_data(data, tolerance=tolerance, score=score, **options)

        return make(n_seq, seed + 1)._with_test(make(n_seq, seed + 2))

    @classmethod
    def identification(cls, *, n_seq: int = 4, n_steps: int = 200, test_steps: int = 500, washout: int = 0,
                       seed: int = 0, tolerance: float = 0.1, **options):
        """System identification of Narendra and Parthasarathy's plant
        (:func:`evornn.datasets.narendra`): `n_seq` sequences of `n_steps` inputs uniform in
        [-2, 2], each from the plant at rest, with the plant's response ``y(k + 1)`` as the
        target of step k; the held-out test (:meth:`report`) is theirs, ``u(k) = sin(2 pi k
        / 25)`` for `test_steps` steps. The model runs free: whatever it feeds back is its
        own output (a parallel model, in their terms)."""
        n_seq, n_steps = positive_int("n_seq", n_seq), positive_int("n_steps", n_steps)
        test_steps = positive_int("test_steps", test_steps)
        u = as_rng(seed).uniform(-2.0, 2.0, (n_seq, n_steps))
        data = np.stack([datasets.narendra(row) for row in u])
        test = datasets.narendra(np.sin(2 * np.pi * np.arange(test_steps) / 25))
        train = cls(data[:, :, :1], data[:, :, 1:], washout=washout, tolerance=tolerance, **options)
        return train._with_test(cls(test[None, :, :1], test[None, :, 1:], washout=min(washout, test_steps - 1),
                                    tolerance=tolerance, **options))

    @property
    def n_inputs(self) -> int:
        return self.inputs.shape[2]

    def check_model(self, model) -> None:
        if self.fit_readout and not getattr(model, "fits_readout", False):
            raise ValueError(f"fit_readout needs a model whose outputs are a linear readout of its hidden layer (Elman, "
                             f"IndRNN, GRU, LSTM), got {type(model).__name__}")
        if model.time == "sequence":  # a stack, bidirectional pair or encoder-decoder
            if self.steps_per_sample != 1:
                raise ValueError("sequence models read one input per step: steps_per_sample must be 1")
            n_out_steps = getattr(model, "n_out_steps", self.targets.shape[1])
            if n_out_steps != self.targets.shape[1]:
                raise ValueError(f"the encoder-decoder gives {n_out_steps} outputs per sequence; the task scores "
                                 f"{self.targets.shape[1]}")
        self._check_sizes(model)
        check_step(model, self.dt)

    def _check_sizes(self, model) -> None:
        # Also at every evaluation (cheap): a task may be called without a Problem.
        if model.n_inputs != self.n_inputs:
            raise ValueError(f"the task gives {self.n_inputs} inputs; the model takes {model.n_inputs}")
        if self.output_units.max() >= model.n_outputs:
            raise ValueError(f"output_units {self.output_units.tolist()} exceed the model's {model.n_outputs} outputs")

    def _lengths(self) -> np.ndarray:
        """Samples each sequence needs: up to its last scored one (at least 1)."""
        n_samples = self.mask.shape[1]
        return np.where(self.mask.any(axis=1), n_samples - np.argmax(self.mask[:, ::-1], axis=1), 1)

    def _groups(self, exact: bool) -> list[tuple[np.ndarray, int]]:
        """Sequences run together and how many samples they need (up to their last scored
        one): groups of one length each if `exact` (sequence models, where padding would
        reach the backward pass), else up to 4 groups of similar lengths, so padding costs
        little time."""
        n_seq = self.mask.shape[0]
        lengths = self._lengths()
        order = np.argsort(lengths, kind="stable")
        if exact:
            parts = np.split(order, np.flatnonzero(np.diff(lengths[order])) + 1)
        else:
            parts = []
            for part in np.array_split(order, min(4, n_seq)):
                if parts and lengths[part].max() == lengths[parts[-1]].max():
                    parts[-1] = np.concatenate([parts[-1], part])  # as long: run them together
                elif part.size:
                    parts.append(part)
        return [(np.sort(part), int(lengths[part].max())) for part in parts]

    def _outputs(self, model, every_sample: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Outputs at the end of each sample, shape (n_samples, n_seq, n_pop, n_targets), and
        which individuals diverged, shape (n_pop,). Samples after a sequence's last scored one
        are not simulated (their outputs are zero, or the fitted readout's bias), nor recorded
        where only the last sample is scored, unless `every_sample`."""
        self._check_sizes(model)
        if not self.fit_readout:
            return self._run(model, hidden=False, every_sample=every_sample)
        hidden, diverged, w, b = self._fit(model, every_sample)
        with np.errstate(all="ignore"):
            return np.einsum("qspf,pmf->qspm", hidden, w) + b[None, None], diverged

    def _fit(self, model, every_sample: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The hidden layer at the end of each sample (n_samples, n_seq, n_pop, n_hidden),
        which individuals diverged (n_pop,), and each one's ridge readout fitted on the scored
        samples: weights (n_pop, n_targets, n_hidden) and bias (n_pop, n_targets), NaN for
        diverged individuals."""
        from ..models.readout import RidgeStatistics

        hidden, diverged = self._run(model, hidden=True, every_sample=every_sample)
        scored = self.mask.T  # (n_samples, n_seq)
        stats = RidgeStatistics.zeros(model.n_pop, hidden.shape[3], self.targets.shape[2])
        stats.add(hidden[scored].transpose(1, 0, 2), self.targets.transpose(1, 0, 2)[scored], self.weights.T[scored])
        w, b = stats.solve(self.ridge)
        bad = diverged | ~np.isfinite(w).all(axis=(1, 2))
        w[bad], b[bad] = np.nan, np.nan
        return hidden, bad, w, b

    def trained(self, model):
        """`model` (every individual) with the readouts this task fits (with `fit_readout`;
        diverged individuals get a zero readout), or `model` itself."""
        if not self.fit_readout:
            return model
        _, _, w, b = self._fit(model)
        w_out = np.zeros((model.n_pop, model.n_outputs, model.n_hidden))
        b_out = np.zeros((model.n_pop, model.n_outputs))
        w_out[:, self.output_units], b_out[:, self.output_units] = np.nan_to_num(w), np.nan_to_num(b)
        return model.with_readout(w_out, b_out)

    def trained_model(self, model):
        """Network 0 of `model`, with its fitted readout under `fit_readout` (what a run saves)."""
        return self.trained(model.take([0]))

    def _run(self, model, hidden: bool, every_sample: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """The selected outputs (or with `hidden` the hidden layer, the first ``n_hidden``
        state variables) at the end of each sample, and which individuals diverged."""
        n_seq, n_samples, _ = self.targets.shape
        n_pop = model.n_pop
        width = model.n_hidden if hidden else self.output_units.size
        out = np.zeros((n_samples, n_seq, n_pop, width))
        diverged = np.zeros((n_seq, n_pop), dtype=bool)
        for seqs, length in self._groups(exact=model.time == "sequence"):
            batch = model.take(np.tile(np.arange(n_pop), seqs.size)) if n_seq > 1 else model
            n_steps = length * self.steps_per_sample
            u = None
            if self.n_inputs:
                held = np.repeat(self.inputs[seqs, :length], self.steps_per_sample, axis=1)  # (seqs, n_steps, K)
                u = np.ascontiguousarray(np.broadcast_to(
                    held.transpose(1, 0, 2)[:, :, None, :], (n_steps, seqs.size, n_pop, self.n_inputs),
                ).reshape(n_steps, seqs.size * n_pop, self.n_inputs))
            if model.time == "sequence":
                part = batch.run(u if u is not None else np.zeros((n_steps, seqs.size * n_pop, 0)))[:, :, self.output_units]
                bad = ~np.isfinite(part).all(axis=(0, 2))
            else:
                # Where only the last sample is scored (classification), only the end is recorded.
                last_only = not every_sample and not self.mask[seqs, :length - 1].any()
                traj = run(batch, self.dt, n_steps=n_steps, inputs=u,
                           record_every=n_steps if last_only else self.steps_per_sample, method=self.method)
                part = traj.y[1:, :, :width] if hidden else traj.outputs[1:, :, self.output_units]
                bad = traj.diverged
            if model.time != "sequence" and last_only:
                out[length - 1, seqs] = part.reshape(seqs.size, n_pop, -1)
            else:
                out[:length, seqs] = part.reshape(length, seqs.size, n_pop, -1)
            diverged[seqs] = bad.reshape(seqs.size, n_pop)
        return out, diverged.any(axis=0)

    def evaluate(self, model, rng=None) -> Evaluation:
        out, diverged = self._outputs(model)
        mask = self.mask.T[:, :, None]  # (n_samples, n_seq, 1)
        n_scored = mask.sum() * out.shape[3]
        err = out - self.targets.transpose(1, 0, 2)[:, :, None, :]
        weights = self.weights.T[:, :, None, None]
        with np.errstate(invalid="ignore", over="ignore"):
            mse = np.sum(np.where(mask[..., None], weights * err * err, 0.0), axis=(0, 1, 3)) / (
                self.weights.sum() * out.shape[3])
            # (n_samples, n_seq, n_pop): every target of the sample within tolerance
            hit = np.all(np.abs(err) <= self.tolerance, axis=3)
            learned = np.sum(np.where(mask[..., None], np.abs(err) <= self.tolerance, False), axis=(0, 1, 3)) / n_scored
        metrics = {"mse": np.where(diverged, np.nan, mse), "learned": learned,
                   "solved": _fraction_solved(hit, self.mask)}
        for name, probe in self.probes.items():
            metrics[name] = _fraction_solved(hit, probe)
        # Saturating outputs can stay finite while the state overflows: trust the state.
        fitness = error_fitness(metrics["mse"])
        if self.score != "mse":  # each further sequence (value, for "learned") outweighs any error
            units = n_scored if self.score == "learned" else self.mask.shape[0]
            fitness = metrics[self.score] + fitness / (units + 1)
        return Evaluation.from_raw(fitness, metrics, worst_fitness=self.worst_fitness)

    def gradient(self, model, method: str = "bptt"):
        """The gradient of every network's MSE (the ``"mse"`` metric) with respect to its
        weights and biases, by backpropagation through time or real-time recurrent learning
        (:func:`evornn.gradients.gradient`). Needs a model with gradient kernels, one step per
        sample, no fitted readout, and every output of the model scored, in order."""
        from ..gradients import gradient

        if self.steps_per_sample != 1 or self.fit_readout:
            raise ValueError("gradients of a SequenceTask need steps_per_sample = 1 and no fitted readout")
        if not np.array_equal(self.output_units, np.arange(model.n_outputs)):
            raise ValueError(f"gradients of a SequenceTask need it to score every output of the model in order "
                             f"(output_units = range({model.n_outputs})), got {self.output_units.tolist()}")
        return gradient(model, self.inputs, self.targets, weights=self.weights, method=method)

    def plot(self, model, *, title=None):
        """Network 0's outputs against the targets on the longest sequence; a tape machine
        (:class:`~evornn.models.ENTM`) is drawn with its head (:func:`~evornn.plotting.plot_tape`)
        on the longest sequence of the held-out task (or of this one, without one)."""
        from ..models.memory import ENTM

        if not isinstance(model, ENTM):
            return super().plot(model, title=title)
        from ..plotting import plot_tape

        data = self.test_task if self.test_task is not None else self
        lengths = data._lengths()
        q = int(np.argmax(lengths))
        n = int(lengths[q])
        out, heads = model.take([0]).trace(data.inputs[q, :n])
        title = f"{title}: a held-out sequence" if title and data is not self else title
        return plot_tape(data.inputs[q, :n], out[:, 0], heads[:, 0], targets=data.targets[q, :n],
                         mask=data.mask[q, :n], title=title)

    def behaviour(self, model) -> dict[str, np.ndarray]:
        """Network 0 on the longest sequence (up to its last scored sample)."""
        out, _ = self._outputs(model.take([0]), every_sample=True)
        lengths = self._lengths()
        q = int(np.argmax(lengths))
        n = int(lengths[q])
        t = (np.arange(n) + 1) * self.steps_per_sample * (self.dt if model.time == "continuous" else 1.0)
        return {"t": t, "outputs": out[:n, q, 0], "target": self.targets[q, :n], "inputs": self.inputs[q, :n]}
