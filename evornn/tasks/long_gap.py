"""Predicting across long gaps: the history compressor's test (:func:`evornn.datasets.long_gap`)."""

from __future__ import annotations

import numpy as np

from .. import datasets
from .._checks import positive_int
from .base import Evaluation, Task


class LongGapTask(Task):
    """Predict the next symbol of a stream ``s b1 .. b_gap S s' b1 ..`` (see
    :func:`evornn.datasets.long_gap`), where the last symbol of each sequence names its
    first, `gap` + 1 steps back.

    Each network fits its readouts on a training stream of `n_train` sequences and predicts
    a test stream of `n_test` sequences that follows it (the same draw for every network).
    A prediction is the symbol with the largest output. Fitness is the fraction of test
    sequences whose last symbol is predicted (0.5 is chance). Metrics: ``"solved"`` (the
    same), ``"predictable"`` (the fraction of the other predictable steps, ``b1 .. b_gap``,
    predicted) and, for compressors, ``"ticks"`` (the fraction of test steps on which
    level 1 ticked).

    Models: a :class:`~evornn.models.compressor.HistoryCompressor` (or its codec), or a flat
    :class:`~evornn.models.esn.ESN` without feedback whose readout is fitted to the next
    symbol (the baseline). Readouts are fitted in closed form.

    Parameters
    ----------
    gap : int
        Predictable steps between a sequence's first and last symbols.
    n_train, n_test : int
        Sequences in the training and test streams.
    washout : int
        Initial training steps not fitted.
    seed : int
        Draws the streams.

    Examples
    --------
    >>> from evornn import ESN
    >>> task = LongGapTask(gap=5, n_train=100, n_test=50)
    >>> flat = ESN.random(50, 9, 9, spectral_radius=0.9, rng=0)
    >>> bool(task.evaluate(flat).metrics["solved"][0] > 0.9)   # a short gap: remembered
    True
    """

    def __init__(self, gap: int = 30, *, n_train: int = 200, n_test: int = 100, washout: int = 50, seed: int = 0):
        self.gap = positive_int("gap", gap)
        self.n_train = positive_int("n_train", n_train)
        self.n_test = positive_int("n_test", n_test)
        self.washout = positive_int("washout", washout, minimum=0)
        self.seed = positive_int("seed", seed, minimum=0)
        length = self.gap + 2
        if self.washout >= self.n_train * length - 1:
            raise ValueError(f"washout ({self.washout}) must be shorter than the training stream "
                             f"({self.n_train * length} steps)")
        self.inputs, self.symbols = datasets.long_gap(self.n_train + self.n_test, self.gap, rng=self.seed)
        self.n_split = self.n_train * length
        step = np.arange(self.inputs.shape[0] - self.n_split - 1) + 1  # test step of each next symbol
        position = step % length
        self._last = position == length - 1  # the next symbol is a sequence's last
        self._chain = (position >= 1) & (position <= self.gap)

    @property
    def n_symbols(self) -> int:
        return self.inputs.shape[1]

    def check_model(self, model) -> None:
        from ..models.compressor import HistoryCompressor
        from ..models.esn import ESN

        if isinstance(model, HistoryCompressor):
            n_inputs = model.n_inputs
        elif isinstance(model, ESN):
            if model.n_feedback:
                raise ValueError("LongGapTask fits a flat ESN's readout to the next symbol: it must not have feedback")
            n_inputs = model.n_external_inputs
        else:
            raise ValueError(f"LongGapTask needs a HistoryCompressor or an ESN, got {type(model).__name__}")
        if n_inputs != self.n_symbols:
            raise ValueError(f"the task's stream has {self.n_symbols} symbols (gap + 4); the model takes {n_inputs} inputs")

    def _run(self, model):
        """Test predictions (n_pop, n_test_steps, n_symbols), ticks of level 1 or None."""
        from ..models.compressor import HistoryCompressor

        train, test = self.inputs[: self.n_split], self.inputs[self.n_split:]
        if isinstance(model, HistoryCompressor):
            fitted = model.fit(train, washout=self.washout)
            run = fitted.run(test)
            prediction = np.where(run.diverged[:, None, None], np.nan, run.prediction)
            return prediction, (run.ticks[1] if model.n_levels > 1 else None)
        with np.errstate(all="ignore"):
            stats, end = model.ridge_statistics(train[:-1], train[1:], washout=self.washout, return_state=True)
            weights, bias = stats.solve(np.asarray(model.params.ridge))
            bad = ~(np.isfinite(weights).all(axis=(1, 2)) & np.isfinite(end).all(axis=1))
            weights[bad], bias[bad], end[bad] = 0.0, 0.0, 0.0
            trained = model._replace(readout=weights, readout_bias=bias)
            # continue from the state after the last training symbol
            x = trained.final_state(train[-1:], x0=end)
            prediction = trained.predict(test, x0=x)
        prediction[bad] = np.nan
        return prediction, None

    def evaluate(self, model, rng=None) -> Evaluation:
        self.check_model(model)
        prediction, ticks = self._run(model)
        metrics = self.score(prediction)
        if ticks is not None:
            metrics["ticks"] = ticks.mean(axis=1)
        return Evaluation.from_raw(metrics["solved"], metrics, worst_fitness=self.worst_fitness)

    def score(self, prediction) -> dict[str, np.ndarray]:
        """``"solved"`` and ``"predictable"`` (shape ``(n_pop,)``, NaN where not finite) of
        test-stream predictions of shape ``(n_pop, n_test_steps, n_symbols)``: the output after
        each test symbol for the next (what any predictor, a distilled automatiser too, gives)."""
        prediction = np.asarray(prediction, dtype=np.float64)
        n_test = self.inputs.shape[0] - self.n_split
        if prediction.ndim != 3 or prediction.shape[1:] != (n_test, self.n_symbols):
            raise ValueError(f"prediction must have shape (n_pop, {n_test}, {self.n_symbols}), got {prediction.shape}")
        with np.errstate(invalid="ignore"):
            guess = np.argmax(np.nan_to_num(prediction[:, :-1], nan=-np.inf), axis=2)  # (n_pop, T - 1)
        hit = guess == self.symbols[self.n_split + 1:][None, :]
        finite = np.isfinite(prediction).all(axis=(1, 2))
        solved = np.where(finite, hit[:, self._last].mean(axis=1), np.nan)
        return {"solved": solved, "predictable": np.where(finite, hit[:, self._chain].mean(axis=1), np.nan)}

    def behaviour(self, model) -> dict[str, np.ndarray]:
        """Network 0 over the first four test sequences: ``outputs`` its predictions of the
        symbols A and X, ``target`` whether the next symbol is A or X, ``ticks`` (compressors)
        the steps level 1 ticked."""
        prediction, ticks = self._run(model.take([0]))
        n = min(4 * (self.gap + 2), prediction.shape[1] - 1)
        following = self.inputs[self.n_split + 1: self.n_split + 1 + n]
        out = {"t": np.arange(n, dtype=np.float64), "outputs": prediction[0, :n, 2:4], "target": following[:, 2:4],
               "symbols": self.symbols[self.n_split: self.n_split + n].astype(np.float64)}
        if ticks is not None:
            out["ticks"] = ticks[0, :n].astype(np.float64)
        return out

    def plot(self, model, *, title=None):
        from ..plotting import plot_long_gap

        return plot_long_gap(self.behaviour(model), gap=self.gap, title=title)
