r"""Echo state networks (Jaeger 2001; leaky units as in Jaeger et al. 2007), population-batched.

.. math::

    x(n+1) = (1 - a)\, x(n) + a\, f\big(W x(n) + W_{in} u(n+1) + W_{fb}\, y(n) + b\big),
    \qquad y(n) = W_{out}\, x(n) + b_{out}

with leak rate :math:`a` (a scalar or one per unit), activation :math:`f` (``tanh``, or the
identity for linear reservoirs), a sparse recurrent matrix :math:`W`, input weights
:math:`W_{in}`, optional output feedback :math:`W_{fb}`, and a linear readout trained by
ridge regression (:meth:`ESN.fit`) or recursive least squares (:meth:`ESN.fit_online`).
These are ReservoirPy's ``Reservoir`` and ``Ridge`` equations, so the same weights give
the same states.

The recurrent matrix is stored per individual in CSR form with unsigned index arrays; the
compiled kernels live in :mod:`evornn.models._esn_kernels`.

As an evornn :class:`~evornn.models.base.DiscreteModel` the state is :math:`x` and the
inputs are :math:`u` followed by the fed-back output :math:`y` (when there is feedback), so
:func:`evornn.simulate` and the analysis tools (Jacobian, Lyapunov exponents) work on an
ESN as on any model. The methods below run whole input sequences in one compiled call,
with the population (and the sequences) in parallel and time inside.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import scipy.sparse

from .._checks import as_float_array, positive_int
from .._io import atomic_write_bytes, atomic_write_text
from .._kernels import register_model_class
from ._esn_kernels import ACTIVATIONS, ESNParams, _assemble, _drive, _rls, readout_into, reservoir_step
from .base import DiscreteModel
from .readout import RidgeStatistics
from .reservoir import Topology, spectral_radius

__all__ = ["ACTIVATIONS", "ESN", "ESNParams", "readout_into", "reservoir_step"]

#: The state buffers of one chunk of a long run hold at most this many numbers.
CHUNK_VALUES = 4_000_000


def _with_readouts(base: ESN, readout, readout_bias) -> ESN:
    """Copies of the one-individual `base`, one per row of `readout` (codec decoding)."""
    return base.take(np.zeros(readout.shape[0], dtype=np.intp)).with_readout(readout, readout_bias)


def _check_fitted(readout, readout_bias, state=None) -> None:
    """Raise, naming the individuals, if a fit gave a readout that is not finite."""
    bad = ~(np.isfinite(readout).all(axis=(1, 2)) & np.isfinite(readout_bias).all(axis=1))
    if state is not None:
        bad |= ~np.isfinite(state).reshape(state.shape[0], -1).all(axis=1)
    if bad.any():
        raise ValueError(f"the readout of individual(s) {np.flatnonzero(bad).tolist()[:10]} could not be fitted: "
                         f"their reservoir diverged (states not finite) or the fit overflowed; lower the spectral "
                         f"radius or the input scaling (evornn's tasks score such reservoirs with the worst fitness)")


class ESN(DiscreteModel):
    """A population of echo state networks.

    Make one with :meth:`random` (random reservoirs at given hyperparameters), with
    :meth:`from_weights` (given matrices), or from a
    :class:`~evornn.models.reservoir.Topology` (one random structure, many
    hyperparameters: what searches use).

    Inputs are arrays of shape ``(n_steps, n_inputs)`` (one sequence) or
    ``(n_seq, n_steps, n_inputs)`` (several, each from the initial state); every
    individual receives the same inputs. Results keep the individual on axis 0.

    Examples
    --------
    >>> from evornn import datasets, nrmse
    >>> series = datasets.mackey_glass(2200)
    >>> x_train, y_train, x_test, y_test = datasets.train_test(series, 2000)
    >>> esn = ESN.random(100, spectral_radius=1.25, leak=0.3, input_scaling=1.0, rng=0)
    >>> esn = esn.fit(x_train, y_train, washout=100, ridge=1e-8)
    >>> prediction = esn.predict(x_test)        # continues from the state the training data left
    >>> bool(nrmse(prediction[0], y_test) < 0.01)
    True

    Attributes
    ----------
    state_ : ndarray, shape (n_pop, n_units), or None
        After :meth:`fit`, the reservoir state after the last training input (of the last
        sequence, when there are several); :meth:`predict` starts from it by default, so a
        test series that follows the training series is predicted in context.
    """

    state_: np.ndarray | None = None
    dtypes = (np.dtype(np.float64), np.dtype(np.float32))

    def __init__(self, params: ESNParams):
        if not isinstance(params, ESNParams):
            raise TypeError(f"params must be ESNParams, got {type(params).__name__}")
        super().__init__(params)

    def _check_params(self) -> None:
        """The sparse structure and the shapes must agree before any kernel reads them
        (a file is untrusted: a column index past the state would read outside it)."""
        prm = self.params
        n_pop = self.n_pop
        if prm.leak.ndim != 2:
            raise ValueError(f"ESNParams.leak must have shape (n_pop, n_units), got {prm.leak.shape}")
        n = prm.leak.shape[1]
        k = prm.input_weights.shape[-1] if prm.input_weights.ndim == 3 else -1
        m = prm.readout.shape[1] if prm.readout.ndim == 3 else -1
        nnz = prm.indices.shape[1] if prm.indices.ndim == 2 else -1
        expected = {"indptr": (n_pop, n + 1), "indices": (n_pop, nnz), "data": (n_pop, nnz),
                    "input_weights": (n_pop, n, k), "bias": (n_pop, n), "leak": (n_pop, n),
                    "readout": (n_pop, m, n), "readout_bias": (n_pop, m), "linear": (n_pop,), "ridge": (n_pop,)}
        for name, shape in expected.items():
            got = getattr(prm, name).shape
            if got != shape or min(shape) < 0:
                raise ValueError(f"ESNParams.{name} must have shape {shape} for {n_pop} reservoirs of {n} units, "
                                 f"got {got}")
        if prm.feedback_weights.shape not in ((n_pop, n, 0), (n_pop, n, m)):
            raise ValueError(f"ESNParams.feedback_weights must have shape {(n_pop, n, 0)} or {(n_pop, n, m)}, "
                             f"got {prm.feedback_weights.shape}")
        for name, dtype in (("indptr", np.uint32), ("indices", np.uint32), ("linear", np.bool_)):
            if getattr(prm, name).dtype != dtype:
                raise TypeError(f"ESNParams.{name} must have dtype {np.dtype(dtype)}, got {getattr(prm, name).dtype}")
        indptr = prm.indptr.astype(np.int64)
        if (indptr[:, 0] != 0).any() or (np.diff(indptr, axis=1) < 0).any() or (indptr[:, -1] > nnz).any():
            raise ValueError(f"ESNParams.indptr must be CSR row pointers: starting at 0, non-decreasing, at most "
                             f"{nnz} (the stored connections)")
        used = np.arange(nnz) < indptr[:, -1:]
        if (prm.indices[used] >= n).any():
            raise ValueError(f"ESNParams.indices must be column indices below n_units = {n}, got "
                             f"{int(prm.indices[used].max())}")
        if (prm.leak <= 0).any() or (prm.leak > 1).any():
            raise ValueError(f"ESNParams.leak must lie in (0, 1], got values in [{prm.leak.min()}, {prm.leak.max()}]")
        if (prm.ridge < 0).any():
            raise ValueError(f"ESNParams.ridge must be >= 0, got {prm.ridge.min()}")

    # ---------------------------------------------------------------- construction
    @classmethod
    def random(cls, n_units: int, n_inputs: int = 1, n_outputs: int = 1, *, n_pop: int | None = None,
               spectral_radius=0.9, leak=1.0, input_scaling=1.0, bias_scaling=0.0, feedback_scaling=None,
               ridge=1e-8, connectivity: float | None = 0.1, in_degree: int | None = None,
               distribution: str = "normal", input_connectivity: float = 1.0, input_distribution: str = "uniform",
               activation: str = "tanh", rng=None) -> ESN:
        """Random reservoirs: one structure drawn from `rng`, scaled by the hyperparameters.

        Hyperparameters are scalars or arrays of shape ``(n_pop,)`` (see
        :meth:`Topology.build <evornn.models.reservoir.Topology.build>`); the structure
        options are those of :meth:`Topology.draw <evornn.models.reservoir.Topology.draw>`.
        """
        topology = Topology.draw(n_units, n_inputs, n_outputs, connectivity=None if in_degree else connectivity,
                                 in_degree=in_degree, distribution=distribution, input_connectivity=input_connectivity,
                                 input_distribution=input_distribution, rng=rng)
        return topology.build(n_pop, spectral_radius=spectral_radius, leak=leak, input_scaling=input_scaling,
                              bias_scaling=bias_scaling, feedback_scaling=feedback_scaling, ridge=ridge,
                              activation=activation)

    @classmethod
    def codec(cls, n_units: int, n_inputs: int = 1, n_outputs: int = 1, *, connectivity: float | None = 0.1,
              in_degree: int | None = None, distribution: str = "normal", input_connectivity: float = 1.0,
              input_distribution: str = "uniform", seed: int = 0, spectral_radius=(0.1, 1.5), leak=(0.05, 1.0),
              input_scaling=(0.01, 5.0), bias_scaling=0.0, ridge=(1e-10, 1e-2), feedback_scaling=None,
              evolve_connectivity=None, activation: str = "tanh"):
        """A hyperparameter codec over one random reservoir structure drawn from `seed`.

        The structure options are those of :meth:`random`; each hyperparameter is a pair
        (evolved) or a number (fixed), as in :meth:`Topology.codec
        <evornn.models.reservoir.Topology.codec>`. `evolve_connectivity` (a pair, at most
        `connectivity`; or in-degrees with `in_degree`) makes sparsity a gene too.

        >>> ESN.codec(100).n_genes   # spectral radius, leak, input scaling, ridge
        4
        """
        topology = Topology.draw(n_units, n_inputs, n_outputs, connectivity=None if in_degree else connectivity,
                                 in_degree=in_degree, distribution=distribution, input_connectivity=input_connectivity,
                                 input_distribution=input_distribution, rng=seed)
        density = {"in_degree" if in_degree else "connectivity": evolve_connectivity}
        return topology.codec(spectral_radius=spectral_radius, leak=leak, input_scaling=input_scaling,
                              bias_scaling=bias_scaling, ridge=ridge, feedback_scaling=feedback_scaling,
                              activation=activation, **density)

    def readout_codec(self, weight_range=(-1.0, 1.0)):
        """A genome codec over the readout weights and bias of individual 0's reservoir,
        for evolving the readout directly (score with ``TimeSeriesTask(fit_readout=False)``)."""
        import functools

        from ..genome import Codec, Field

        low, high = (float(v) for v in weight_range)
        fields = {"readout": Field((self.n_outputs, self.n_units), low=low, high=high),
                  "readout_bias": Field((self.n_outputs,), low=low, high=high)}
        return Codec(functools.partial(_with_readouts, self.take(0)), fields)

    @classmethod
    def from_weights(cls, weights, input_weights, bias=0.0, *, leak=1.0, feedback_weights=None, readout=None,
                     readout_bias=None, n_outputs: int | None = None, activation: str = "tanh", ridge=1e-8) -> ESN:
        """ESNs with given matrices (no rescaling).

        Parameters
        ----------
        weights : array_like or scipy.sparse matrix, shape (N, N), or a list of n_pop of them
            Recurrent weights, ``weights[i, j]`` from unit j to unit i.
        input_weights : array_like, shape (N, K) or (n_pop, N, K)
        bias : float or array_like, shape (N,) or (n_pop, N)
        leak : float or array_like, shape (N,) or (n_pop, N), in (0, 1]
        feedback_weights : array_like, shape (N, M) or (n_pop, N, M), optional
        readout : array_like, shape (M, N) or (n_pop, M, N), optional
        readout_bias : array_like, shape (M,) or (n_pop, M), optional
        n_outputs : int, optional
            M when neither the readout nor feedback weights say it (default 1).
        """
        from .._checks import batched

        mats = list(weights) if isinstance(weights, list | tuple) else [weights]
        mats = [w if scipy.sparse.issparse(w) else as_float_array("weights", w) for w in mats]
        if not mats or mats[0].ndim != 2:
            raise ValueError(f"weights must be a square matrix (N, N) or a list of them, got shape "
                             f"{mats[0].shape if mats else '(empty list)'}")
        n = mats[0].shape[0]
        if n == 0:
            raise ValueError("weights must be a square matrix of N >= 1 units, got shape (0, 0)")
        for w in mats:
            if w.ndim != 2 or w.shape != (n, n):
                raise ValueError(f"weights must be square matrices of one size, got shape {w.shape}")
            if not np.all(np.isfinite(w.data if scipy.sparse.issparse(w) else w)):
                raise ValueError("weights must be finite")
        w_in = as_float_array("input_weights", input_weights)
        if w_in.ndim not in (2, 3) or w_in.shape[-2] != n:
            raise ValueError(f"input_weights must have shape ({n}, n_inputs) or (n_pop, {n}, n_inputs), got {w_in.shape}")
        shapes = {"weights": len(mats)} if len(mats) > 1 else {}
        for name, value, nd in (("input_weights", w_in, 3), ("bias", bias, 2), ("leak", leak, 2),
                                ("feedback_weights", feedback_weights, 3), ("readout", readout, 3),
                                ("readout_bias", readout_bias, 2)):
            if value is not None and np.ndim(value) == nd:
                shapes[name] = np.shape(value)[0]
        if len(set(shapes.values())) > 1:
            raise ValueError(f"batched arguments disagree on n_pop: {shapes}")
        n_pop = next(iter(shapes.values()), 1)
        if len(mats) == 1:
            mats = mats * n_pop
        n_in = w_in.shape[-1]
        m = n_outputs
        for value, axis in ((readout, -2), (readout_bias, -1), (feedback_weights, -1)):
            if value is not None and np.ndim(value) >= -axis:  # too few axes: batched() below names the shape
                m = np.shape(value)[axis] if m is None else m
        m = 1 if m is None else positive_int("n_outputs", m, minimum=0)
        w_in = batched("input_weights", w_in, n_pop, (n, n_in))
        b = batched("bias", bias, n_pop, (n,))
        a = batched("leak", leak, n_pop, (n,))
        if np.any(a <= 0) or np.any(a > 1):
            raise ValueError(f"leak must be in (0, 1], got values in [{a.min()}, {a.max()}]")
        fb = np.zeros((n_pop, n, 0)) if feedback_weights is None else batched("feedback_weights", feedback_weights,
                                                                               n_pop, (n, m))
        r = None if readout is None else batched("readout", readout, n_pop, (m, n))
        rb = None if readout_bias is None else batched("readout_bias", readout_bias, n_pop, (m,))
        ridge = np.broadcast_to(as_float_array("ridge", ridge), (n_pop,))
        return cls(_assemble(mats, w_in, b, fb, a, ridge, activation, m, r, rb))

    # ---------------------------------------------------------------- sizes
    @property
    def n_units(self) -> int:
        return self.params.leak.shape[1]

    @property
    def n_state(self) -> int:
        return self.n_units

    @property
    def n_inputs(self) -> int:
        """Inputs of the generic model interface: the external inputs, then the fed-back outputs."""
        return self.n_external_inputs + self.n_feedback

    @property
    def n_external_inputs(self) -> int:
        return self.params.input_weights.shape[2]

    @property
    def n_feedback(self) -> int:
        return self.params.feedback_weights.shape[2]

    @property
    def n_outputs(self) -> int:
        return self.params.readout.shape[1]

    @property
    def activation(self) -> str:
        return "identity" if self.params.linear[0] else "tanh"

    def weights(self, individual: int = 0) -> scipy.sparse.csr_array:
        """The recurrent matrix of one individual as a SciPy CSR array."""
        prm = self.params
        nnz = int(prm.indptr[individual, -1])
        return scipy.sparse.csr_array((prm.data[individual, :nnz], prm.indices[individual, :nnz].astype(np.int64),
                                       prm.indptr[individual].astype(np.int64)), shape=(self.n_units, self.n_units))

    def _replace(self, **fields) -> ESN:
        arrays = {}
        for name, value in fields.items():
            arr = np.array(value, dtype=self.dtype, order="C", copy=True)
            arr.flags.writeable = False
            arrays[name] = arr
        return ESN(self.params._replace(**arrays))

    def with_readout(self, readout, readout_bias=None) -> ESN:
        """A copy with readout weights ``(n_pop, M, N)`` (or ``(M, N)``) and bias ``(n_pop, M)``."""
        from .._checks import batched

        m = self.n_outputs
        r = batched("readout", readout, self.n_pop, (m, self.n_units))
        rb = batched("readout_bias", 0.0 if readout_bias is None else readout_bias, self.n_pop, (m,))
        return self._replace(readout=r, readout_bias=rb)

    # ---------------------------------------------------------------- running
    def _sequences(self, name: str, value, width: int, *, n_steps: int | None = None) -> tuple[np.ndarray, bool]:
        arr = as_float_array(name, value)
        single = arr.ndim <= 2
        if arr.ndim == 1:
            arr = arr[:, None] if width == 1 else arr[None, :]
        if single:
            arr = arr[None]
        if arr.ndim != 3 or arr.shape[2] != width:
            raise ValueError(f"{name} must have shape (n_steps, {width}) or (n_seq, n_steps, {width}), "
                             f"got {np.shape(value)}")
        if n_steps is not None and arr.shape[1] != n_steps:
            raise ValueError(f"{name} must have {n_steps} steps (as the inputs), got {arr.shape[1]}")
        if arr.shape[0] == 0 or arr.shape[1] == 0:
            raise ValueError(f"{name} must hold at least one sequence of at least one step, got shape {np.shape(value)}")
        return arr, single

    def _start(self, x0, n_seq: int) -> tuple[np.ndarray, np.ndarray]:
        """The initial states ``(n_pop, n_seq, n_units)`` and last outputs ``(n_pop, n_seq,
        n_outputs)`` of a run, in the model's precision."""
        return self._initial(x0, n_seq), np.zeros((self.n_pop, n_seq, self.n_outputs), self.dtype)

    def _initial(self, x0, n_seq: int) -> np.ndarray:
        if x0 is None:
            return np.zeros((self.n_pop, n_seq, self.n_units), self.dtype)
        x = as_float_array("x0", x0)
        if x.shape == (self.n_pop, self.n_units) or x.shape == (self.n_units,):
            x = np.broadcast_to(x.reshape(-1, 1, self.n_units) if x.ndim == 2 else x, (self.n_pop, n_seq, self.n_units))
        if x.shape != (self.n_pop, n_seq, self.n_units):
            raise ValueError(f"x0 must have shape ({self.n_units},), (n_pop, {self.n_units}) or "
                             f"(n_pop, n_seq, {self.n_units}) = {(self.n_pop, n_seq, self.n_units)}, got {np.shape(x0)}")
        return np.ascontiguousarray(x, dtype=self.dtype).copy()

    def _drive(self, x, y_last, u, teacher, n_steps: int, *, n_given: int | None = None, record_from: int = 0,
               n_rec: int = 0, n_out: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """The compiled loop (:func:`~evornn.models._esn_kernels._drive`) in the model's
        precision: advances `x` and `y_last` in place by `n_steps` steps and returns the
        `n_rec` states recorded from step `record_from` on and the first `n_out` outputs."""
        dtype = self.dtype
        n_seq = x.shape[1]
        states = np.empty((self.n_pop, n_seq, n_rec, self.n_units), dtype)
        outputs = np.empty((self.n_pop, n_seq, n_out, self.n_outputs), dtype)
        with np.errstate(all="ignore"):
            _drive(self.params, x, y_last, np.ascontiguousarray(u, dtype), np.ascontiguousarray(teacher, dtype),
                   n_steps, n_steps if n_given is None else n_given, record_from, states, outputs)
        return states, outputs

    def _teacher(self, targets, u: np.ndarray) -> np.ndarray:
        if self.n_feedback == 0 or targets is None:
            return np.zeros((u.shape[0], 0, self.n_outputs))
        return self._sequences("targets", targets, self.n_outputs, n_steps=u.shape[1])[0]

    def _targets(self, targets, u: np.ndarray) -> np.ndarray:
        """Targets as (n_seq, n_steps, M); without feedback M may differ from n_outputs (the
        trained readout takes the targets' width)."""
        arr = as_float_array("targets", targets)
        width = self.n_outputs if self.n_feedback else (1 if arr.ndim == 1 else arr.shape[-1])
        return self._sequences("targets", arr, width, n_steps=u.shape[1])[0]

    def _chunks(self, n_seq: int, n_steps: int, start: int = 0):
        step = max(1, CHUNK_VALUES // max(1, self.n_pop * n_seq * self.n_units))
        for a in range(start, n_steps, step):
            yield a, min(n_steps, a + step)

    def _check_washout(self, washout: int, n_steps: int) -> int:
        washout = positive_int("washout", washout, minimum=0)
        if washout >= n_steps:
            raise ValueError(f"washout ({washout}) must be shorter than the sequences ({n_steps} steps)")
        return washout

    def states(self, inputs, *, washout: int = 0, x0=None, targets=None) -> np.ndarray:
        """Reservoir states driven by `inputs` (teacher-forced by `targets` when there is
        output feedback).

        Parameters
        ----------
        inputs : array_like, shape (n_steps, n_inputs) or (n_seq, n_steps, n_inputs)
        washout : int
            Initial steps of each sequence left out of the result.
        x0 : array_like, shape (n_units,), (n_pop, n_units) or (n_pop, n_seq, n_units), optional
            Initial states (default zeros).
        targets : array_like, shape like `inputs` with n_outputs columns, optional
            Teacher outputs fed back in place of the readout's (feedback reservoirs only).

        Returns
        -------
        ndarray, shape (n_pop, n_steps - washout, n_units) or (n_pop, n_seq, n_steps - washout, n_units)
            ``[..., n, :]`` is the state after input ``washout + n``.
        """
        u, single = self._sequences("inputs", inputs, self.n_external_inputs)
        washout = self._check_washout(washout, u.shape[1])
        teacher = self._teacher(targets, u)
        x, y_last = self._start(x0, u.shape[0])
        states, _ = self._drive(x, y_last, u, teacher, u.shape[1], record_from=washout, n_rec=u.shape[1] - washout)
        return states[:, 0] if single else states

    def final_state(self, inputs, *, x0=None, targets=None) -> np.ndarray:
        """The state after the last input, shape ``(n_pop, n_units)`` (or ``(n_pop, n_seq, n_units)``)."""
        u, single = self._sequences("inputs", inputs, self.n_external_inputs)
        x, _ = self._run_quietly(u, self._teacher(targets, u), x0)
        return x[:, 0] if single else x

    def _run_quietly(self, u, teacher, x0) -> tuple[np.ndarray, np.ndarray]:
        x, y_last = self._start(x0, u.shape[0])
        self._drive(x, y_last, u, teacher, u.shape[1])
        return x, y_last

    def ridge_statistics(self, inputs, targets, *, washout: int = 0, x0=None, return_state: bool = False):
        """Sums of states and targets for ridge regression, accumulated chunk by chunk
        (the state matrix of a long run is never held whole).

        Targets are aligned with inputs: ``targets[n]`` is what the readout should output
        after input ``n``. With output feedback the targets are also the teacher signal
        and must have n_outputs columns; without, any number of columns (the readout
        :meth:`fit` trains takes their width).

        Returns
        -------
        RidgeStatistics, or ``(RidgeStatistics, final_state)`` with `return_state`, the
        state after the last input of shape ``(n_pop, n_units)`` (``(n_pop, n_seq, n_units)``
        for several sequences).
        """
        u, _ = self._sequences("inputs", inputs, self.n_external_inputs)
        y = self._targets(targets, u)
        washout = self._check_washout(washout, u.shape[1])
        teacher = y if self.n_feedback else np.zeros((u.shape[0], 0, self.n_outputs))
        stats = RidgeStatistics.zeros(self.n_pop, self.n_units, y.shape[2])
        x, y_last = self._start(x0, u.shape[0])
        n_seq = u.shape[0]
        for a, b in self._chunks(n_seq, u.shape[1]):
            rec = max(0, washout - a)
            states, _ = self._drive(x, y_last, u[:, a:b], teacher[:, a:b], b - a, record_from=rec,
                                    n_rec=max(0, b - a - rec))
            if states.shape[2]:
                stats.add(states.reshape(self.n_pop, -1, self.n_units), y[:, a + rec:b].reshape(-1, y.shape[2]))
        if return_state:
            return stats, (x[:, 0] if np.ndim(inputs) <= 2 else x)
        return stats

    def fit(self, inputs, targets, *, washout: int = 0, ridge=None, x0=None) -> ESN:
        """Train the readout by ridge regression in closed form; returns a trained copy.

        Parameters
        ----------
        inputs : array_like, shape (n_steps, n_inputs) or (n_seq, n_steps, n_inputs)
        targets : array_like, shape (n_steps, n_outputs) or (n_seq, n_steps, n_outputs)
            ``targets[n]`` is the desired output after input ``n``.
        washout : int
            Initial steps of each sequence not fitted (the reservoir forgets x0).
        ridge : float or array_like, shape (n_pop,), optional
            Ridge coefficient (default: the model's, set at construction). The readout's
            intercept is not penalised.
        """
        lam = self.params.ridge if ridge is None else np.broadcast_to(as_float_array("ridge", ridge), (self.n_pop,))
        if np.any(lam < 0):
            raise ValueError(f"ridge must be >= 0, got {np.min(lam)}")
        stats, final = self.ridge_statistics(inputs, targets, washout=washout, x0=x0, return_state=True)
        weights, bias = stats.solve(lam)
        _check_fitted(weights, bias, final if final.ndim == 2 else final[:, -1])
        trained = self._replace(readout=weights, readout_bias=bias, ridge=lam)
        trained.state_ = np.array(final if final.ndim == 2 else final[:, -1], dtype=self.dtype)
        trained.state_.flags.writeable = False
        return trained

    def fit_online(self, inputs, targets, *, washout: int = 0, alpha: float = 1.0, forgetting: float = 1.0) -> ESN:
        """Train the readout by recursive least squares, step by step; returns a trained copy.

        With output feedback this is FORCE learning (Sussillo and Abbott 2009): the
        readout's own output, not the teacher's, is fed back while the weights adapt.
        The inverse correlation matrix starts at ``I / alpha``; `forgetting` in (0, 1]
        discounts old samples. Starts from the current readout.
        """
        from .._checks import positive_float

        u, _ = self._sequences("inputs", inputs, self.n_external_inputs)
        y = self._targets(targets, u)
        washout = self._check_washout(washout, u.shape[1])
        if y.shape[2] != self.n_outputs:
            self = self._replace(readout=np.zeros((self.n_pop, y.shape[2], self.n_units)),
                                 readout_bias=np.zeros((self.n_pop, y.shape[2])))
        alpha = positive_float("alpha", alpha)
        forgetting = positive_float("forgetting", forgetting)
        if forgetting > 1:
            raise ValueError(f"forgetting must be in (0, 1], got {forgetting}")
        readout = np.array(self.params.readout)
        readout_bias = np.array(self.params.readout_bias)
        with np.errstate(all="ignore"):
            _rls(self.params, u, y, washout, alpha, forgetting, readout, readout_bias)
        _check_fitted(readout, readout_bias)
        return self._replace(readout=readout, readout_bias=readout_bias)

    def predict(self, inputs, *, x0=None, targets=None) -> np.ndarray:
        """Readout outputs driven by `inputs`.

        With output feedback, the readout's own outputs are fed back, or the teacher's when
        `targets` are given.

        Parameters
        ----------
        inputs : array_like, shape (n_steps, n_inputs) or (n_seq, n_steps, n_inputs)
        x0 : array_like, shape (n_units,), (n_pop, n_units) or (n_pop, n_seq, n_units), optional
            The initial state. Default: after :meth:`fit`, the state its training data left
            (:attr:`state_`, so the inputs are read as the continuation of the training
            series); otherwise zeros. ``x0=np.zeros(n_units)`` starts from rest.

        Returns
        -------
        ndarray, shape (n_pop, n_steps, n_outputs) or (n_pop, n_seq, n_steps, n_outputs)
        """
        u, single = self._sequences("inputs", inputs, self.n_external_inputs)
        teacher = self._teacher(targets, u)
        x, y_last = self._start(self.state_ if x0 is None else x0, u.shape[0])
        _, out = self._drive(x, y_last, u, teacher, u.shape[1], n_out=u.shape[1])
        return out[:, 0] if single else out

    def generate(self, n_steps: int, *, warmup, x0=None) -> np.ndarray:
        """Free-running generation: after the `warmup` inputs, each output is the next input.

        The warm-up drives the reservoir with the given inputs (their outputs are not
        returned); then, inside the compiled loop, each output is fed back as the next
        input (and through the feedback weights, if any). Needs as many outputs as inputs.

        Parameters
        ----------
        n_steps : int
            Steps to generate after the warm-up.
        warmup : array_like, shape (n_warmup, n_inputs)
            For a one-step predictor of a series, the series up to now: the first generated
            value predicts the value after the last warm-up input.

        Returns
        -------
        ndarray, shape (n_pop, n_steps, n_outputs)
        """
        n_steps = positive_int("n_steps", n_steps)
        if self.n_external_inputs != self.n_outputs:
            raise ValueError(f"generate feeds outputs back as inputs: it needs n_outputs == n_inputs, "
                             f"got {self.n_outputs} outputs and {self.n_external_inputs} inputs")
        u, _ = self._sequences("warmup", warmup, self.n_external_inputs)
        if u.shape[0] != 1 or u.shape[1] == 0:
            raise ValueError(f"warmup must have shape (n_warmup >= 1, {self.n_external_inputs}), got {np.shape(warmup)}")
        n_warm = u.shape[1]
        x, y_last = self._start(x0, 1)
        _, out = self._drive(x, y_last, u, np.zeros((1, 0, self.n_outputs)), n_warm + n_steps - 1, n_given=n_warm,
                             n_out=n_warm + n_steps - 1)
        return out[:, 0, n_warm - 1:]

    # ---------------------------------------------------------------- dynamics
    def effective_spectral_radius(self) -> np.ndarray:
        """Spectral radius of the linearisation at the origin without input,
        ``(1 - a) I + a W`` (Jaeger et al. 2007), per individual, shape ``(n_pop,)``."""
        out = np.empty(self.n_pop)
        for p in range(self.n_pop):
            a = self.params.leak[p]
            matrix = scipy.sparse.diags_array(1.0 - a) + scipy.sparse.diags_array(a) @ self.weights(p)
            out[p] = spectral_radius(matrix)
        return out

    def spectral_radius(self) -> np.ndarray:
        """Spectral radius of each recurrent matrix W, shape ``(n_pop,)``."""
        return np.array([spectral_radius(self.weights(p)) for p in range(self.n_pop)])

    def take(self, index) -> ESN:
        """A sub-population (see :meth:`Model.take`), with its fitted :attr:`state_`."""
        new = super().take(index)
        if self.state_ is not None:
            new.state_ = self.state_[np.atleast_1d(np.arange(self.n_pop)[index])]
        return new

    # ---------------------------------------------------------------- files
    def save(self, path) -> Path:
        """Write the population to `path` (``.npz``: the arrays) and beside it a ``.json``
        (sizes and activation), both atomically; no pickle. Returns the ``.npz`` path."""
        import io

        path = Path(path).with_suffix(".npz")
        buffer = io.BytesIO()
        np.savez(buffer, **self.params._asdict(), **({} if self.state_ is None else {"state_": self.state_}))
        meta = {"format": "evornn-esn", "version": 1, "n_pop": self.n_pop, "n_units": self.n_units,
                "n_inputs": self.n_external_inputs, "n_outputs": self.n_outputs, "n_feedback": self.n_feedback,
                "activation": self.activation, "arrays": path.name}
        atomic_write_bytes(path, buffer.getvalue())
        atomic_write_text(path.with_suffix(".json"), json.dumps(meta, indent=2) + "\n")
        return path

    @classmethod
    def load(cls, path) -> ESN:
        """Read an ESN written by :meth:`save` (give the ``.npz`` or the ``.json`` path)."""
        import zipfile

        path = Path(path)
        npz, meta_path = path.with_suffix(".npz"), path.with_suffix(".json")
        try:
            meta = json.loads(meta_path.read_text())
            with np.load(npz, allow_pickle=False) as data:
                arrays = {name: data[name] for name in ESNParams._fields}
                state = data["state_"] if "state_" in data.files else None
        except FileNotFoundError:
            raise
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
            raise ValueError(f"{npz} (with {meta_path.name}) is not a readable evornn ESN (corrupt or truncated): {exc}") from exc
        if meta.get("format") != "evornn-esn":
            raise ValueError(f"{meta_path} is not an evornn ESN description (format {meta.get('format')!r})")
        for name, dtype in (("indptr", np.uint32), ("indices", np.uint32), ("linear", np.bool_)):
            if not (arrays[name].dtype.kind in "biu" and np.can_cast(arrays[name].min(initial=0), dtype)
                    and np.can_cast(arrays[name].max(initial=0), dtype)):
                raise ValueError(f"{npz}: {name} must hold {np.dtype(dtype)} values, got {arrays[name].dtype}")
            arrays[name] = arrays[name].astype(dtype)
        for name, arr in arrays.items():
            arrays[name] = np.ascontiguousarray(arr)
            arrays[name].flags.writeable = False
        try:
            esn = cls(ESNParams(**arrays))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{npz} is not a valid evornn ESN: {exc}") from exc
        if state is not None:
            if state.shape != (esn.n_pop, esn.n_units) or state.dtype != esn.dtype or not np.isfinite(state).all():
                raise ValueError(f"{npz}: its fitted state must be finite {esn.dtype} of shape ({esn.n_pop}, {esn.n_units}), "
                             f"got {state.dtype} of shape {state.shape}")
            esn.state_ = state
            esn.state_.flags.writeable = False
        return esn


register_model_class(ESNParams, ESN)
