r"""Beer's continuous-time recurrent neural network (CTRNN), population-batched.

.. math::

    \tau_i \frac{dy_i}{dt} = -y_i + \sum_j w_{ij}\, \sigma\big(g_j (y_j + \theta_j)\big)
                             + \sum_k v_{ik} I_k(t),
    \qquad \sigma(x) = \frac{1}{1 + e^{-x}}

``weights[p, i, j]`` is :math:`w_{ij}`, the weight **from neuron j to neuron i** of
individual ``p``; ``input_weights[p, i, k]`` is :math:`v_{ik}`, from external input ``k`` to
neuron ``i``. The state ``y`` is the primary variable: it is integrated directly and never
reconstructed from the outputs, which would lose precision where the sigmoid saturates.

References
----------
R. D. Beer, "On the dynamics of small continuous-time recurrent neural networks",
Adaptive Behavior 3(4), 469-509 (1995).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .._checks import as_float_array, batched, frozen, positive
from .._io import atomic_write_text
from ..random import as_rng
from . import _ctrnn_fast  # noqa: F401 (registers the CTRNN's fast layouts)
from ._ctrnn_kernels import CTRNNParams, ctrnn_jac, ctrnn_output, ctrnn_rhs, drive_into
from .base import ContinuousModel

__all__ = ["CTRNN", "CTRNNParams", "ctrnn_jac", "ctrnn_output", "ctrnn_rhs", "drive_into"]


def _population_size(candidates: dict[str, int]) -> int:
    sizes = {name: size for name, size in candidates.items() if size != 1}
    if len(set(sizes.values())) > 1:
        listed = ", ".join(f"{name}: {size}" for name, size in sizes.items())
        raise ValueError(f"parameters disagree on the population size n_pop ({listed})")
    return next(iter(sizes.values()), 1)


def _build_ctrnn(**arrays) -> CTRNN:
    # The CTRNN codecs' builder: their arrays are new float64 arrays of the right batched
    # shapes, so only the values are checked (finite, in Model's checks; tau > 0), not the
    # shapes and copies of the public constructor (a third of a small generation's time).
    params = CTRNNParams(**{name: frozen(arr) for name, arr in arrays.items()})
    positive("tau", params.tau)
    return CTRNN._from_checked_params(params)


class CTRNN(ContinuousModel):
    r"""A population of Beer's CTRNNs.

    Parameters
    ----------
    weights : array_like, shape (n_neurons, n_neurons) or (n_pop, n_neurons, n_neurons)
        ``weights[..., i, j]`` is the weight from neuron ``j`` to neuron ``i``.
    tau : float or array_like, shape (n_neurons,) or (n_pop, n_neurons)
        Time constants, > 0. Default 1.
    bias : float or array_like, shape (n_neurons,) or (n_pop, n_neurons)
        Biases :math:`\theta`. Default 0.
    gain : float or array_like, shape (n_neurons,) or (n_pop, n_neurons)
        Gains :math:`g`. Default 1.
    input_weights : array_like, shape (n_neurons, n_inputs) or (n_pop, n_neurons, n_inputs), optional
        ``input_weights[..., i, k]`` is the weight from external input ``k`` to neuron
        ``i``. Default: no inputs.

    Unbatched shapes describe one network shared by the population; the population size
    is the leading dimension of any batched argument (they must agree).

    Examples
    --------
    Beer's two-neuron oscillator:

    >>> import evornn
    >>> net = evornn.CTRNN([[4.5, 1.0], [-1.0, 4.5]], bias=[-2.75, -1.75])
    >>> net.n_pop, net.n_neurons
    (1, 2)

    ``net.astype(np.float32)`` computes in single precision (see :meth:`Model.astype`).
    """

    dtypes = (np.dtype(np.float64), np.dtype(np.float32))

    def __init__(self, weights, *, tau=1.0, bias=0.0, gain=1.0, input_weights=None):
        w = as_float_array("weights", weights)
        if w.ndim not in (2, 3) or w.shape[-1] != w.shape[-2]:
            raise ValueError(
                f"weights must have shape (n_neurons, n_neurons) or (n_pop, n_neurons, n_neurons), got {w.shape}"
            )
        n = w.shape[-1]
        if n == 0:
            raise ValueError("weights must describe at least one neuron, got shape " + str(w.shape))
        if input_weights is None:
            v = np.zeros((n, 0))
        else:
            v = as_float_array("input_weights", input_weights)
            if v.ndim not in (2, 3) or v.shape[-2] != n:
                raise ValueError(
                    f"input_weights must have shape (n_neurons, n_inputs) = ({n}, n_inputs) or "
                    f"(n_pop, {n}, n_inputs), got {v.shape}"
                )
        vectors = {"tau": tau, "bias": bias, "gain": gain}
        candidates = {"weights": w.shape[0] if w.ndim == 3 else 1, "input_weights": v.shape[0] if v.ndim == 3 else 1}
        for name, value in vectors.items():
            shape = np.shape(value)
            candidates[name] = shape[0] if len(shape) == 2 else 1
        n_pop = _population_size(candidates)
        params = CTRNNParams(
            tau=frozen(positive("tau", batched("tau", tau, n_pop, (n,)))),
            bias=frozen(batched("bias", bias, n_pop, (n,))),
            gain=frozen(batched("gain", gain, n_pop, (n,))),
            weights=frozen(batched("weights", w, n_pop, (n, n))),
            input_weights=frozen(batched("input_weights", v, n_pop, (n, v.shape[-1]))),
        )
        super().__init__(params)

    @classmethod
    def from_params(cls, params: CTRNNParams) -> CTRNN:
        """Build (and validate) a CTRNN from a `CTRNNParams` tuple."""
        return cls(params.weights, tau=params.tau, bias=params.bias, gain=params.gain,
                   input_weights=params.input_weights)

    @classmethod
    def random(
        cls,
        n_pop: int,
        n_neurons: int,
        n_inputs: int = 0,
        *,
        rng=None,
        weight_range=(-16.0, 16.0),
        bias_range=(-16.0, 16.0),
        tau_range=(0.5, 10.0),
        input_weight_range=(-16.0, 16.0),
        gain=1.0,
    ) -> CTRNN:
        """Random networks in Beer's usual ranges.

        Weights, biases and input weights are uniform in their ranges; time constants are
        log-uniform in `tau_range` (the scale the genome codec uses). Draw order: weights,
        biases, taus, input weights, so a seed fixes every network.

        >>> a = CTRNN.random(4, 3, rng=7); b = CTRNN.random(4, 3, rng=7)
        >>> bool((a.weights == b.weights).all())
        True
        """
        from .._checks import positive_int

        n_pop = positive_int("n_pop", n_pop)
        n_neurons = positive_int("n_neurons", n_neurons)
        n_inputs = positive_int("n_inputs", n_inputs, minimum=0)
        for name, (low, high) in {"weight_range": weight_range, "bias_range": bias_range,
                                  "tau_range": tau_range, "input_weight_range": input_weight_range}.items():
            if not low <= high:
                raise ValueError(f"{name} must be (low, high) with low <= high, got {(low, high)}")
        if tau_range[0] <= 0:
            raise ValueError(f"tau_range must be positive, got {tau_range}")
        rng = as_rng(rng)
        weights = rng.uniform(*weight_range, size=(n_pop, n_neurons, n_neurons))
        bias = rng.uniform(*bias_range, size=(n_pop, n_neurons))
        tau = np.exp(rng.uniform(np.log(tau_range[0]), np.log(tau_range[1]), size=(n_pop, n_neurons)))
        input_weights = rng.uniform(*input_weight_range, size=(n_pop, n_neurons, n_inputs))
        return cls(weights, tau=tau, bias=bias, gain=gain, input_weights=input_weights)

    @classmethod
    def codec(
        cls,
        n_neurons: int,
        n_inputs: int = 0,
        *,
        weight_range=(-16.0, 16.0),
        bias_range=(-16.0, 16.0),
        tau_range=(0.5, 10.0),
        input_weight_range=(-16.0, 16.0),
        gain: float = 1.0,
        gain_range=None,
        mask=None,
        input_mask=None,
        mirror=None,
        input_mirror=None,
    ):
        """A genome codec for populations of `n_neurons`-neuron CTRNNs, in Beer's ranges.

        Genes, in order: weights (row-major, ``weights[i, j]`` from j to i), biases, time
        constants (log scale), gains (only when `gain_range` is given; otherwise every gain
        is `gain`), input weights.

        Parameters
        ----------
        mask : array_like of bool, shape (n_neurons, n_neurons), optional
            Connectivity: False entries are absent connections (weight 0, no gene).
        input_mask : array_like of bool, shape (n_neurons, n_inputs), optional
        mirror : sequence of int, optional
            Bilateral symmetry: neuron ``i`` mirrors neuron ``mirror[i]``, and their time
            constants, biases, gains and weights (``w[i, j] = w[mirror[i], mirror[j]]``) share
            genes, as in Beer's agents.
        input_mirror : sequence of int, optional
            How inputs mirror under `mirror` (default: each input is its own mirror image).

        >>> codec = CTRNN.codec(4, mirror=[3, 2, 1, 0])
        >>> codec.n_genes   # 8 weights, 2 biases, 2 time constants
        12
        """
        from .._checks import check_memory, positive_int
        from ..genome import Codec, Field, mirror_ties, parse_bounds

        n = positive_int("n_neurons", n_neurons)
        k = positive_int("n_inputs", n_inputs, minimum=0)
        check_memory(f"the weights of n_neurons = {n:,} neurons", (n, n + k + 3), hint="choose fewer neurons")
        vector_ties = matrix_ties = input_ties = None
        if mirror is not None:
            vector_ties, matrix_ties = mirror_ties(mirror)
            if len(vector_ties) != n:
                raise ValueError(f"mirror must have n_neurons = {n} entries, got {len(vector_ties)}")
            columns = np.arange(k) if input_mirror is None else input_mirror
            _, input_ties = mirror_ties(mirror, columns=columns)
        elif input_mirror is not None:
            raise ValueError("input_mirror needs mirror")

        def bounds(name, value):
            low, high = parse_bounds(name, value)
            return {"low": low, "high": high}

        gains = (Field((n,), **bounds("gain_range", gain_range), ties=vector_ties) if gain_range is not None
                 else Field.constant(gain, (n,)))
        fields = {
            "weights": Field((n, n), **bounds("weight_range", weight_range), mask=mask, ties=matrix_ties),
            "bias": Field((n,), **bounds("bias_range", bias_range), ties=vector_ties),
            "tau": Field((n,), **bounds("tau_range", tau_range), log=True, ties=vector_ties),
            "gain": gains,
            "input_weights": Field((n, k), **bounds("input_weight_range", input_weight_range),
                                   mask=input_mask, ties=input_ties),
        }
        return Codec(_build_ctrnn, fields)

    @classmethod
    def multiple_timescale_codec(cls, groups, n_inputs: int = 0, *, connect: str = "adjacent",
                                 weight_range=(-16.0, 16.0), bias_range=(-16.0, 16.0),
                                 input_weight_range=(-16.0, 16.0), gain: float = 1.0):
        """A codec for multiple-timescale CTRNNs (Yamashita and Tani 2008): groups of neurons,
        each with its own fixed time constant, from fast to slow.

        Parameters
        ----------
        groups : sequence of (int, float)
            ``(n_neurons, tau)`` per group; neurons are numbered group by group.
        n_inputs : int
            External inputs reach the first group only.
        connect : {"adjacent", "all"}
            ``"adjacent"``: every neuron feeds its own group and the neighbouring groups, so a
            slow group talks to the inputs only through faster ones (Yamashita and Tani);
            ``"all"``: fully connected.

        Weights, biases and input weights are genes as in :meth:`codec`; time constants are
        fixed. The result is a plain :class:`CTRNN` codec, so every tool accepts it.

        >>> codec = CTRNN.multiple_timescale_codec([(3, 1.0), (2, 10.0), (1, 50.0)], n_inputs=1)
        >>> net = codec.decode(codec.random(1, rng=0))
        >>> net.tau[0].tolist(), bool(net.weights[0, 5, 0] == 0)    # no fast-to-slowest link
        ([1.0, 1.0, 1.0, 10.0, 10.0, 50.0], True)
        """
        from .._checks import one_of, positive_float, positive_int
        from ..genome import Codec, Field

        one_of("connect", connect, ("adjacent", "all"))
        try:
            sizes = [positive_int("group size", size) for size, _ in groups]
            taus = [positive_float("group tau", tau) for _, tau in groups]
        except (TypeError, ValueError) as exc:
            raise ValueError(f"groups must be a non-empty list of (n_neurons >= 1, tau > 0) pairs, got {groups!r}") \
                from exc
        if not sizes:
            raise ValueError("groups must be a non-empty list of (n_neurons, tau) pairs")
        label = np.repeat(np.arange(len(sizes)), sizes)
        mask = np.abs(label[:, None] - label[None, :]) <= (1 if connect == "adjacent" else len(sizes))
        k = positive_int("n_inputs", n_inputs, minimum=0)
        input_mask = np.repeat((label == 0)[:, None], k, axis=1)
        base = cls.codec(label.size, k, weight_range=weight_range, bias_range=bias_range,
                         input_weight_range=input_weight_range, gain=gain, mask=mask, input_mask=input_mask)
        fields = dict(base.fields, tau=Field.constant(np.repeat(taus, sizes), (label.size,)))
        return Codec(_build_ctrnn, fields)

    @property
    def n_neurons(self) -> int:
        return self.params.weights.shape[1]

    @property
    def n_state(self) -> int:
        return self.n_neurons

    @property
    def n_inputs(self) -> int:
        return self.params.input_weights.shape[2]

    @property
    def n_outputs(self) -> int:
        return self.n_neurons

    tau = property(lambda self: self.params.tau, doc="ndarray, shape (n_pop, n_neurons)")
    bias = property(lambda self: self.params.bias, doc="ndarray, shape (n_pop, n_neurons)")
    gain = property(lambda self: self.params.gain, doc="ndarray, shape (n_pop, n_neurons)")
    weights = property(lambda self: self.params.weights, doc="ndarray, shape (n_pop, n_neurons, n_neurons); [p, i, j]: j -> i")
    input_weights = property(lambda self: self.params.input_weights, doc="ndarray, shape (n_pop, n_neurons, n_inputs)")

    def equilibrium_bounds(self, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """A box holding every equilibrium, each of shape (n_pop, n_neurons), for constant `inputs`.

        At equilibrium ``y_i = sum_j w_ij sigma_j + sum_k v_ik u_k`` with every ``sigma_j``
        in (0, 1), so ``y_i`` lies between the sums of the negative and of the positive
        weights, shifted by the input drive.
        """
        drive = np.einsum("pik,pk->pi", self.params.input_weights, inputs)
        w = self.params.weights
        return np.minimum(w, 0).sum(axis=2) + drive, np.maximum(w, 0).sum(axis=2) + drive

    def min_timescale(self) -> float:
        return float(self.params.tau.min())

    def _replace(self, **fields) -> CTRNN:
        return CTRNN.from_params(self.params._replace(**fields))

    def with_center_crossing(self) -> CTRNN:
        r"""A copy whose biases make every neuron centre-crossing (Mathayomchan and Beer, 2002).

        :math:`\theta_i^* = -\sum_j w_{ij} / 2`: with every other neuron at half activity,
        neuron ``i``'s null-surface passes through the centre of its sigmoid.
        """
        return self._replace(bias=-0.5 * self.params.weights.sum(axis=2))

    def lesion(self, neurons) -> CTRNN:
        """A copy in which the given neuron(s) no longer influence any neuron.

        Every outgoing weight of each lesioned neuron (its column of ``weights``, the
        self-connection included) is set to zero; its own state still evolves.
        """
        idx = np.atleast_1d(np.asarray(neurons))
        if idx.dtype.kind not in "iu" or idx.size == 0 or idx.min() < -self.n_neurons or idx.max() >= self.n_neurons:
            raise ValueError(f"neurons must be integer indices in [0, {self.n_neurons}), got {neurons!r}")
        weights = self.params.weights.copy()
        weights[:, :, idx] = 0.0
        return self._replace(weights=weights)

    def to_ns(self, path, index: int = 0) -> Path:
        """Write individual `index` as a Beer ``.ns`` circuit file (atomically).

        Layout: the size; the time constants; the biases; the gains; then the weight
        matrix with one row per **source** neuron (the transpose of ``weights``). Values are
        written with 17 significant digits, so a round trip is exact. The format has no
        input weights: networks with inputs raise ``ValueError``.
        """
        if self.n_inputs:
            raise ValueError(f"the .ns format stores no input weights; this network has n_inputs={self.n_inputs}")
        if not -self.n_pop <= index < self.n_pop:
            raise ValueError(f"index must be in [0, {self.n_pop}), got {index}")
        p = self.params

        def row(values):
            return " ".join(f"{v:.17g}" for v in values) + " "

        lines = [str(self.n_neurons), "", row(p.tau[index]), "", row(p.bias[index]), "", row(p.gain[index]), ""]
        lines += [row(source_row) for source_row in p.weights[index].T]
        return atomic_write_text(path, "\n".join(lines) + "\n")

    @classmethod
    def from_ns(cls, path) -> CTRNN:
        """Read a Beer ``.ns`` circuit file (see :meth:`to_ns`) as a one-network CTRNN."""
        path = Path(path)
        try:
            tokens = path.read_text(encoding="utf-8").split()
        except UnicodeDecodeError as exc:
            raise ValueError(f"{path} is not a .ns circuit file (not text): {exc}") from exc
        if not tokens:
            raise ValueError(f"{path} is not a .ns circuit file: it is empty")
        try:
            n = int(tokens[0])
        except ValueError as exc:
            raise ValueError(f"{path} is not a .ns circuit file: it must start with the number of neurons, got "
                             f"{tokens[0][:20]!r}") from exc
        values = []
        for tok in tokens[1:]:
            try:
                values.append(float(tok))
            except ValueError as exc:
                raise ValueError(f"{path} is not a .ns circuit file: after the size it holds numbers only, got "
                                 f"{tok[:20]!r}") from exc
        values = np.array(values)
        expected = 3 * n + n * n
        if n < 1 or values.size != expected:
            raise ValueError(f"{path} is not a .ns circuit file: size {n} needs {expected} numbers, found {values.size}")
        tau, bias, gain = values[:n], values[n:2 * n], values[2 * n:3 * n]
        from_to = values[3 * n:].reshape(n, n)
        try:
            return cls(from_to.T, tau=tau, bias=bias, gain=gain)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{path} does not describe a valid CTRNN: {exc}") from exc
