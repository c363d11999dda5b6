r"""The neural history compressor (Schmidhuber 1992): a hierarchy of recurrent predictors in
which each level sees only what the level below failed to predict.

Level 0 reads the input stream :math:`u(t)` and predicts the next input with a linear
readout of its state. A step is a *surprise* (an event) for level 0 when the input that
arrives is further than `threshold` from that prediction (maximum norm); the first input
always is. Level 1 reads only those inputs, one per event, and so ticks rarely: between
its ticks its state is held. It predicts level 0's next surprise; level 2 reads level 1's
surprises, and so on. Each level is an echo state network population whose readouts are
fitted by ridge regression, level by level from the bottom (:meth:`HistoryCompressor.fit`).
Nothing is lost: the stream can be rebuilt from level 0's predictions and its surprises.

Because a higher level ticks once per surprise, a gap of many predictable steps below is
one step above, so what a flat network would have to remember across the whole gap, a
level above holds in a state that does not move.

Predicting with the hierarchy. Each level :math:`k` below the top also fits a readout
:math:`q_k` of whether its *next* input will surprise it. The hierarchy's prediction of
level :math:`k`'s next input mixes its own prediction with the level above's prediction of
its next input (which is level :math:`k`'s next surprise), held since that level's last
tick:

.. math::

    P_K = p_K, \qquad P_k = (1 - q_k)\, p_k + q_k\, P_{k+1}, \quad q_k \text{ clipped to } [0, 1],

and :math:`P_0` is the prediction of the next input.

Distillation (the chunker and the automatiser, Schmidhuber 1992, section 4):
:meth:`HistoryCompressor.distill` teaches a single network with output feedback to predict
the next input *and* level 1's expectation, teacher-forced in training; it then runs alone,
carrying in its fed-back outputs what only the level above knew.
"""

from __future__ import annotations

import copy
import functools
from typing import NamedTuple

import numpy as np

from .._checks import as_float_array, positive_int

__all__ = ["CompressorRun", "HistoryCompressor"]


class CompressorRun(NamedTuple):
    """What :meth:`HistoryCompressor.run` returns (shapes below; T steps, n_pop networks)."""

    prediction: np.ndarray  # (n_pop, T, n_inputs) the hierarchy's prediction of input t + 1 after input t
    ticks: np.ndarray  # (n_levels, n_pop, T) bool: level k read input t (level 0 reads every one)
    expectations: list  # per level, (n_pop, T, n_inputs): P_k held at step t (the mix above)
    states: list  # per level, (n_pop, n_units_k): the state after the last input
    diverged: np.ndarray  # (n_pop,) bool: a level's state or prediction was not finite


def _ridge(features: np.ndarray, targets: np.ndarray, ridge: float) -> tuple[np.ndarray, np.ndarray]:
    """Ridge readout ``(n_targets, n_features)``, bias ``(n_targets,)`` for one network."""
    from .readout import RidgeStatistics

    stats = RidgeStatistics.zeros(1, features.shape[1], targets.shape[1])
    if targets.shape[0] == 0:
        return np.zeros((targets.shape[1], features.shape[1])), np.zeros(targets.shape[1])
    stats.add(features[None], targets)
    weights, bias = stats.solve(ridge)
    return weights[0], bias[0]


def _held(states: np.ndarray, ticks: np.ndarray, x0: np.ndarray) -> np.ndarray:
    """``states[j]`` is the state after a level's j-th tick; the state held at each step
    (after the last tick at or before it; `x0` before the first), shape ``(T, n_units)``."""
    index = np.cumsum(ticks) - 1
    table = np.concatenate([x0[None], states], axis=0)
    return table[index + 1]


class HistoryCompressor:
    """A stack of echo state network populations trained as a history compressor; see the
    module docstring.

    Parameters
    ----------
    levels : sequence of ESN
        Level 0 first. Every level takes the stream's ``n_inputs`` inputs (level k > 0 reads
        the inputs level k - 1 failed to predict) and has the same ``n_pop``; none has output
        feedback. Their own readouts are not used: :meth:`fit` fits the compressor's.
    threshold : float > 0, or array_like of shape (n_pop,)
        An input is a surprise when it differs from the prediction by more than this in some
        component (0.3 suits one-hot symbols: a prediction split between two symbols misses).
    ridge : float >= 0
        Ridge coefficient of every readout.
    washout : int >= 0
        Initial steps of level 0 left out of its fits (the reservoir forgets its start).

    Examples
    --------
    >>> from evornn import ESN, datasets
    >>> u, _ = datasets.long_gap(120, 30, rng=0)             # a x b1 .. b30 -> A, 30 steps apart
    >>> levels = [ESN.random(60, u.shape[1], spectral_radius=0.9, rng=k) for k in (1, 2)]
    >>> hc = HistoryCompressor(levels).fit(u[:2400])
    >>> run = hc.run(u[2400:])
    >>> bool(run.ticks[1].mean() < 0.1)                       # level 1 reads ~2 inputs in 32
    True
    """

    fitted: bool = False

    def __init__(self, levels, *, threshold: float = 0.3, ridge: float = 1e-6, washout: int = 0):
        from .esn import ESN

        self.levels = tuple(levels)
        if not self.levels:
            raise ValueError("levels must hold at least one ESN")
        for k, level in enumerate(self.levels):
            if not isinstance(level, ESN):
                raise TypeError(f"levels[{k}] must be an ESN, got {type(level).__name__}")
            if level.n_feedback:
                raise ValueError(f"levels[{k}] has output feedback; the compressor's levels must not")
            if level.n_external_inputs != self.levels[0].n_external_inputs:
                raise ValueError(f"every level takes the stream's inputs: levels[{k}] takes "
                                 f"{level.n_external_inputs}, levels[0] {self.levels[0].n_external_inputs}")
            if level.n_pop != self.levels[0].n_pop:
                raise ValueError(f"every level must hold the same number of networks: levels[{k}] holds "
                                 f"{level.n_pop}, levels[0] {self.levels[0].n_pop}")
        t = as_float_array("threshold", threshold)
        if t.ndim > 1 or (t.ndim == 1 and t.shape[0] != self.n_pop) or not (np.isfinite(t).all() and np.all(t > 0)):
            raise ValueError(f"threshold must be a finite number > 0 or {self.n_pop} of them (one per network), "
                             f"got {threshold!r}")
        #: (n_pop,) the surprise threshold of each network
        self.threshold = np.array(np.broadcast_to(t, (self.n_pop,)))
        if isinstance(ridge, bool) or not np.isfinite(float(ridge)) or float(ridge) < 0:
            raise ValueError(f"ridge must be a finite number >= 0, got {ridge!r}")
        self.ridge = float(ridge)
        self.washout = positive_int("washout", washout, minimum=0)
        #: per level, readout (n_pop, n_inputs, n_units) and bias (n_pop, n_inputs) of the next input
        self.readouts: list = []
        #: per level below the top, readout (n_pop, 1, n_units) and bias (n_pop, 1) of "the next input surprises"
        self.surprise_readouts: list = []
        #: per level, the state (n_pop, n_units) after the last input fitted or run (where runs continue from)
        self.state_: list = [np.zeros((self.n_pop, level.n_units)) for level in self.levels]

    # ---------------------------------------------------------------- shape
    @property
    def n_pop(self) -> int:
        return self.levels[0].n_pop

    @property
    def n_inputs(self) -> int:
        return self.levels[0].n_external_inputs

    @property
    def n_levels(self) -> int:
        return len(self.levels)

    @property
    def n_units(self) -> int:
        """Units over all levels (the size of a flat network to compare with)."""
        return sum(level.n_units for level in self.levels)

    def take(self, indices) -> HistoryCompressor:
        """The compressors at `indices` (their levels, readouts and states)."""
        idx = np.atleast_1d(np.asarray(indices, dtype=np.intp))
        out = copy.copy(self)
        out.levels = tuple(level.take(idx) for level in self.levels)
        out.readouts = [(w[idx], b[idx]) for w, b in self.readouts]
        out.surprise_readouts = [(w[idx], b[idx]) for w, b in self.surprise_readouts]
        out.state_ = [s[idx] for s in self.state_]
        out.threshold = self.threshold[idx]
        return out

    def _stream(self, inputs) -> np.ndarray:
        u = as_float_array("inputs", inputs)
        if u.ndim != 2 or u.shape[1] != self.n_inputs or u.shape[0] < 2:
            raise ValueError(f"inputs must be one stream of shape (n_steps >= 2, {self.n_inputs}), got {np.shape(inputs)}")
        if not np.isfinite(u).all():
            raise ValueError("inputs must be finite")
        return u

    # ---------------------------------------------------------------- fitting
    def fit(self, inputs, *, washout: int | None = None) -> HistoryCompressor:
        """Fit every level's readouts, level by level from the bottom; returns a fitted copy.

        Level k's predictor is fitted to its next input, and its surprise readout to
        whether that input surprised it; then its surprises, found with the predictor just
        fitted, are level k + 1's inputs. The fitted copy's :attr:`state_` is each level's
        state after the stream, so :meth:`run` on a stream that follows continues from it.

        Parameters
        ----------
        inputs : array_like, shape (n_steps, n_inputs)
            One stream (from the levels' rest state).
        washout : int, optional
            Initial steps of level 0 not fitted (default: the compressor's `washout`).
        """
        u = self._stream(inputs)
        if washout is not None:
            self = copy.copy(self)
            self.washout = positive_int("washout", washout, minimum=0)
        if self.washout >= u.shape[0] - 1:
            raise ValueError(f"washout ({self.washout}) must be shorter than the stream ({u.shape[0]} steps) minus 1")
        fitted = copy.copy(self)
        fitted.readouts, fitted.surprise_readouts, fitted.state_ = [], [], []
        n_pop, n_in = self.n_pop, self.n_inputs
        streams = [u] * n_pop  # each network's input stream at the current level
        for k, level in enumerate(self.levels):
            top = k == self.n_levels - 1
            w = np.zeros((n_pop, n_in, level.n_units))
            b = np.zeros((n_pop, n_in))
            wq = np.zeros((n_pop, 1, level.n_units))
            bq = np.zeros((n_pop, 1))
            ends = np.zeros((n_pop, level.n_units))
            next_streams = []
            start = self.washout if k == 0 else 0
            for p in range(n_pop):
                s = streams[p]
                if s.shape[0] == 0:
                    next_streams.append(s)
                    continue
                with np.errstate(all="ignore"):
                    x = level.take([p]).states(s)[0]  # (n_ticks, n_units)
                ends[p] = x[-1]
                if not np.isfinite(x).all():
                    w[p], b[p] = np.nan, np.nan
                    next_streams.append(s[:0])
                    continue
                w[p], b[p] = _ridge(x[start:-1], s[start + 1:], self.ridge)
                with np.errstate(all="ignore"):
                    miss = np.abs(s[1:] - (x[:-1] @ w[p].T + b[p])).max(axis=1) > self.threshold[p]
                surprise = np.concatenate([[True], miss])
                if not top:
                    wq[p], bq[p] = _ridge(x[start:-1], surprise[start + 1:, None].astype(np.float64), self.ridge)
                next_streams.append(s[surprise])
            fitted.readouts.append((w, b))
            if not top:
                fitted.surprise_readouts.append((wq, bq))
            fitted.state_.append(ends)
            streams = next_streams
        fitted.fitted = True
        return fitted

    # ---------------------------------------------------------------- running
    def run(self, inputs, *, x0=None) -> CompressorRun:
        """Run the fitted hierarchy over a stream (see :class:`CompressorRun`).

        Parameters
        ----------
        inputs : array_like, shape (n_steps, n_inputs)
        x0 : list of arrays of shape (n_pop, n_units_k), optional
            Each level's initial state; default :attr:`state_` (after :meth:`fit`, the state
            the training stream left, so a stream that follows it is read in context).
        """
        if not self.fitted:
            raise ValueError("the compressor is not fitted: call fit(inputs) first")
        u = self._stream(inputs)
        states0 = self.state_ if x0 is None else [as_float_array("x0", s) for s in x0]
        if len(states0) != self.n_levels or any(np.shape(s) != (self.n_pop, lv.n_units)
                                                 for s, lv in zip(states0, self.levels, strict=True)):
            raise ValueError(f"x0 must hold one state of shape (n_pop, n_units) per level, "
                             f"{[(self.n_pop, lv.n_units) for lv in self.levels]}")
        n_pop, n_steps, n_in = self.n_pop, u.shape[0], self.n_inputs
        ticks = np.zeros((self.n_levels, n_pop, n_steps), dtype=bool)
        own = np.zeros((self.n_levels, n_pop, n_steps, n_in))  # p_k held at each step
        gate = np.zeros((self.n_levels, n_pop, n_steps))  # q_k held at each step
        ends = []
        diverged = np.zeros(n_pop, dtype=bool)
        ticks[0] = True
        for k, level in enumerate(self.levels):
            w, b = self.readouts[k]
            top = k == self.n_levels - 1
            end = np.array(states0[k], dtype=np.float64)
            for p in range(n_pop):
                at = np.flatnonzero(ticks[k, p])
                x0p = np.asarray(states0[k][p], dtype=np.float64)
                if diverged[p] or not (np.isfinite(x0p).all() and np.isfinite(w[p]).all()):
                    diverged[p] = True  # a level blew up in fitting or below: nothing more to run
                    own[k, p] = np.nan
                    continue
                with np.errstate(all="ignore"):
                    x = level.take([p]).states(u[at], x0=x0p)[0] if at.size else np.zeros((0, level.n_units))
                    held = _held(x, ticks[k, p], x0p)  # (T, n_units)
                    prediction = held @ w[p].T + b[p]
                    # the prediction in force when each input arrives: made at the previous tick
                    before = np.concatenate([x0p[None], x[:-1]], axis=0) @ w[p].T + b[p] if at.size else prediction[:0]
                if at.size:
                    end[p] = x[-1]
                if not (np.isfinite(held).all() and np.isfinite(prediction).all()):
                    diverged[p] = True
                own[k, p] = prediction
                if not top:
                    wq, bq = self.surprise_readouts[k]
                    gate[k, p] = np.clip(held @ wq[p, 0] + bq[p, 0], 0.0, 1.0)
                    if at.size:
                        miss = np.abs(u[at] - before).max(axis=1) > self.threshold[p]
                        ticks[k + 1, p, at[miss]] = True
            ends.append(end)
        expectations = [own[-1]]
        for k in range(self.n_levels - 2, -1, -1):
            expectations.insert(0, (1.0 - gate[k][:, :, None]) * own[k] + gate[k][:, :, None] * expectations[0])
        prediction = expectations[0]
        diverged |= ~np.isfinite(prediction).all(axis=(1, 2))
        return CompressorRun(prediction, ticks, expectations, ends, diverged)

    def predict(self, inputs, *, x0=None) -> np.ndarray:
        """The hierarchy's prediction of input t + 1 after input t, shape ``(n_pop, n_steps, n_inputs)``."""
        return self.run(inputs, x0=x0).prediction

    # ---------------------------------------------------------------- distillation
    def distill(self, automatiser, inputs, *, washout: int | None = None):
        """Collapse the hierarchy into one network: the chunker teaches the automatiser.

        `automatiser` is an ESN population (one network per compressor) with output
        feedback and ``2 * n_inputs`` outputs. Its readout is fitted, teacher-forced, to
        output the next input (first ``n_inputs`` outputs) and level 1's expectation
        :math:`P_1` held at that step (the rest). Only the expectation is fed back into its
        reservoir (the feedback weights of the first ``n_inputs`` outputs are set to zero:
        fed back, they would be the true inputs in training and guesses when running
        alone). Run alone afterwards (:meth:`ESN.predict <evornn.models.esn.ESN.predict>`),
        it feeds back its own expectation: what it learned to carry from the level above is
        now in its own loop. Its first ``n_inputs`` outputs are its prediction of the next
        input.

        Parameters
        ----------
        automatiser : ESN
            ``n_pop`` networks (as the compressor), ``n_inputs`` inputs, ``2 * n_inputs``
            outputs, fed back (``feedback_scaling`` set).
        inputs : array_like, shape (n_steps, n_inputs)
            The stream the compressor was fitted on (or another from the same source).
        washout : int, optional
            Initial steps not fitted (default the compressor's).

        Returns
        -------
        ESN
            The fitted automatiser (first ``n_inputs`` feedback columns zero), its
            :attr:`~evornn.models.esn.ESN.state_` after the stream.
        """
        from .esn import ESN

        if self.n_levels < 2:
            raise ValueError("distillation needs a level above level 0 to learn from")
        if not isinstance(automatiser, ESN):
            raise TypeError(f"automatiser must be an ESN, got {type(automatiser).__name__}")
        n_in = self.n_inputs
        if (automatiser.n_pop, automatiser.n_external_inputs, automatiser.n_outputs) != (self.n_pop, n_in, 2 * n_in) \
                or automatiser.n_feedback != 2 * n_in:
            raise ValueError(f"the automatiser must hold {self.n_pop} network(s) with {n_in} inputs and {2 * n_in} "
                             f"outputs fed back (feedback_scaling set), got n_pop={automatiser.n_pop}, "
                             f"{automatiser.n_external_inputs} inputs, {automatiser.n_outputs} outputs, "
                             f"{automatiser.n_feedback} fed back")
        u = self._stream(inputs)
        washout = self.washout if washout is None else positive_int("washout", washout, minimum=0)
        # Only the expectation is fed back: fed-back next-input outputs would be the true
        # inputs in training (teacher forcing) and guesses when running alone.
        feedback = np.array(automatiser.params.feedback_weights)
        feedback[:, :, :n_in] = 0.0
        automatiser = automatiser._replace(feedback_weights=feedback)
        zero = [np.zeros((self.n_pop, lv.n_units)) for lv in self.levels]
        teacher = self.run(u, x0=zero).expectations[1]  # (n_pop, T, n_in)
        weights, biases, states = [], [], []
        for p in range(self.n_pop):
            targets = np.concatenate([u[1:], teacher[p, :-1]], axis=1)
            one = automatiser.take([p]).fit(u[:-1], targets, washout=washout)
            weights.append(one.params.readout[0])
            biases.append(one.params.readout_bias[0])
            states.append(one.state_[0])
        trained = automatiser.with_readout(np.stack(weights), np.stack(biases))
        trained.state_ = np.stack(states)
        trained.state_.flags.writeable = False
        return trained

    # ---------------------------------------------------------------- evolution
    @classmethod
    def codec(cls, n_units, n_inputs: int, *, n_levels: int = 2, seed: int = 0, connectivity: float | None = 0.1,
              spectral_radius=(0.5, 1.2), leak=1.0, input_scaling=(0.1, 3.0), threshold=0.3, ridge=1e-6,
              washout: int = 0):
        """A codec over the levels' reservoir hyperparameters (and the threshold).

        Each level is a random reservoir structure drawn from ``seed + k``; `n_units` is one
        size for every level or one per level. Hyperparameters are pairs (evolved, one
        gene per level) or numbers (fixed), as in :meth:`ESN.codec
        <evornn.models.esn.ESN.codec>`; `threshold` too.

        >>> HistoryCompressor.codec(50, 4).gene_names[:2]
        ('level0.spectral_radius', 'level0.input_scaling')
        """
        from ..genome import Codec
        from .reservoir import Topology, _range_or_value

        n_levels = positive_int("n_levels", n_levels)
        sizes = [positive_int("n_units", n) for n in np.broadcast_to(np.asarray(n_units), (n_levels,)).tolist()]
        fields, topologies = {}, []
        for k, n in enumerate(sizes):
            topology = Topology.draw(n, n_inputs, n_inputs, connectivity=connectivity, rng=seed + k)
            topologies.append(topology)
            codec = topology.codec(spectral_radius=spectral_radius, leak=leak, input_scaling=input_scaling, ridge=1e-8)
            for name, spec in codec.fields.items():
                fields[f"level{k}.{name}"] = spec
        fields["threshold"] = _range_or_value("threshold", threshold)
        return Codec(functools.partial(_build_compressor, tuple(topologies), float(ridge), int(washout)), fields)


def _build_compressor(topologies, ridge: float, washout: int, *, threshold, **arrays):
    levels = []
    for k, topology in enumerate(topologies):
        prefix = f"level{k}."
        levels.append(topology.build(**{name[len(prefix):]: v for name, v in arrays.items() if name.startswith(prefix)}))
    return HistoryCompressor(levels, threshold=np.asarray(threshold, dtype=np.float64).reshape(-1), ridge=ridge,
                             washout=washout)
