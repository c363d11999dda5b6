"""Specialised data layouts that make the CTRNN's fixed-step integration fast.

The model offers them through the interface (:func:`evornn.models.base.register_fast_paths`):
:func:`run_fast` is the CTRNN's ``fixed_step`` hook, which lays the population out and hands
it to the integrators' generic loop (passed in, so that models never import the integrators),
and :data:`LANES_LAYOUT` serves the closed loop of bodies, through the lane kernels
registered for :class:`CTRNNLanes`. Both layouts differ from :class:`CTRNNParams` only in
how the population is laid out, and carry a per-unit scratch area (each unit is advanced by
one thread at a time, so it is never shared) so that the hot loop allocates nothing.

* **Lanes** (small networks): a block of ``width`` individuals (``LANES`` unless a caller
  asks for wider blocks, which amortise each loop's set-up over more lanes) keeps the
  individual innermost, ``w[b, i, j, l]``; kernels read the width from the arrays. Every operation, the sigmoid's exponential
  included, is then a loop over lanes that the compiler turns into SIMD instructions.
* **Rows** (large networks): one individual per unit, as in the generic kernel, with the
  firing rates computed by the vectorised :func:`logistic_into` instead of one ``exp``
  call per neuron.

Both layouts are copies on 64-byte cache-line boundaries (:func:`evornn._numba.aligned_copy`):
NumPy aligns large arrays to 16 bytes only, and a 32-byte vector load that straddles two
cache lines costs two loads.

Tests check both against the generic kernels and against a plain NumPy reference.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from .._numba import ERROR_MODEL, FASTMATH, aligned_copy, aligned_empty, aligned_zeros, aligned_zeros_many
from .._vecmath import logistic_into
from ._ctrnn_kernels import CTRNNParams, ctrnn_output, drive_into
from .base import Lanes, register_fast_paths, register_kernels, register_lane_kernels

LANES = 16
# Blocks this wide for large batches (see block_width): the set-up of each short loop over
# lanes is shared by more lanes (the walker steps 1.8 times as fast as with 16).
WIDE_LANES = 128
# Above this many neurons a block's weights (n * n * LANES * 8 bytes) outgrow the L2
# cache, and one individual per unit with a vectorised reduction over j is faster.
MAX_LANES_NEURONS = 24
ROW_MULTIPLE = {"float64": 1, "float32": 8}


class CTRNNLanes(NamedTuple):
    """CTRNN parameters in blocks of ``width`` individuals, the individual innermost."""

    tau: np.ndarray  # (n_blocks, n, width)
    bias: np.ndarray  # (n_blocks, n, width)
    gain: np.ndarray  # (n_blocks, n, width)
    weights: np.ndarray  # (n_blocks, n, n, width); [b, i, j, l]: j -> i
    input_weights: np.ndarray  # (n_blocks, n, n_inputs, width)
    scratch: np.ndarray  # (n_blocks, 3, n * width)


class CTRNNRows(NamedTuple):
    """CTRNN parameters, one individual per unit, with a scratch area per individual."""

    tau: np.ndarray
    bias: np.ndarray
    gain: np.ndarray
    weights: np.ndarray
    input_weights: np.ndarray
    scratch: np.ndarray  # (n_pop, 3, n)


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def lanes_rhs(t, y, params, b, u, out):
    """dy/dt of block `b`; `y`, `out` have shape (n * width,), `u` (n_inputs * width,).

    Numba-compiled; writes into `out`; no validation.
    """
    rates = params.scratch[b, 1]
    lanes_output(y, params, b, rates)
    lanes_drive(y, rates, params, b, u, out)


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def lanes_drive(y, rates, params, b, u, out):
    """``out = (-y + W rates + V u) / tau`` for block `b`, lane-innermost like `y`: the
    derivative given the firing rates (for loops that keep them from the previous step).

    Numba-compiled; writes into `out`; no validation.
    """
    n, width = params.tau.shape[1], params.tau.shape[2]
    n_inputs = params.input_weights.shape[2]
    tau, weights, input_weights = params.tau[b], params.weights[b], params.input_weights[b]
    # 2-D views, so that each loop over lanes indexes by its own counter: an index such as
    # ``i * width + lane`` has a wraparound check that turns contiguous loads into gathers.
    y2, rates2, out2, u2 = (y.reshape((n, width)), rates.reshape((n, width)), out.reshape((n, width)),
                            u.reshape((n_inputs, width)))
    for i in range(n):
        for lane in range(width):
            out2[i, lane] = 0.0
        for j in range(n):
            for lane in range(width):
                out2[i, lane] += weights[i, j, lane] * rates2[j, lane]
        for k in range(n_inputs):
            for lane in range(width):
                out2[i, lane] += input_weights[i, k, lane] * u2[k, lane]
        for lane in range(width):
            out2[i, lane] = (out2[i, lane] - y2[i, lane]) / tau[i, lane]


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def lanes_output(y, params, b, out):
    """Firing rates of block `b`, lane-innermost like `y`, with the vectorised sigmoid.

    Numba-compiled; writes into `out`; no validation.
    """
    n, width = params.tau.shape[1], params.tau.shape[2]
    x, buf = params.scratch[b, 0], params.scratch[b, 2]
    x2, y2, gain, bias = x.reshape((n, width)), y.reshape((n, width)), params.gain[b], params.bias[b]
    for i in range(n):
        for lane in range(width):
            x2[i, lane] = gain[i, lane] * (y2[i, lane] + bias[i, lane])
    logistic_into(x, out, buf)


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def rows_rhs(t, y, params, p, u, out):
    """dy/dt of individual `p` with vectorised firing rates. Numba-compiled; writes into `out`; no validation."""
    # The scratch rows are as long as the rows of the weights, which a layout may pad with
    # zero columns: the padding's rates (those of x = 0) then meet zero weights.
    x, rates, buf = params.scratch[p, 0], params.scratch[p, 1], params.scratch[p, 2]
    for j in range(y.shape[0]):
        x[j] = params.gain[p, j] * (y[j] + params.bias[p, j])
    logistic_into(x, rates, buf)
    drive_into(y, rates, params, p, u, out)


register_kernels(CTRNNLanes, rhs=lanes_rhs, output=lanes_output)
register_kernels(CTRNNRows, rhs=rows_rhs, output=ctrnn_output)


def _to_lanes(a: np.ndarray, n_blocks: int, fill: float, width: int = LANES, dtype=np.float64) -> np.ndarray:
    """(n_pop, *tail) -> (n_blocks, *tail, width), padding the last block with `fill`."""
    padded = np.full((n_blocks * width, *a.shape[1:]), fill, dtype=dtype)
    padded[: a.shape[0]] = a
    blocks = padded.reshape(n_blocks, width, *a.shape[1:])
    return aligned_copy(np.moveaxis(blocks, 1, -1))


def block_width(n_items: int, n_neurons: int, n_inputs: int, itemsize: int = 8) -> int:
    """Lanes per block for a batch of `n_items` individuals or trials of networks this
    size: ``WIDE_LANES`` when that still makes four blocks or more and a block's weights
    (`itemsize` bytes each) fit in 256 KiB (half of a typical L2 cache), else ``LANES``.
    Depends on the batch alone, never on the thread count."""
    wide_bytes = n_neurons * (n_neurons + n_inputs) * WIDE_LANES * itemsize
    return WIDE_LANES if n_items >= 4 * WIDE_LANES and wide_bytes <= 256 * 1024 else LANES


def lanes_state(y: np.ndarray, width: int = LANES) -> np.ndarray:
    """States (n_pop, n) -> (n_blocks, n * width), lane-innermost like `lanes_params`."""
    n_pop, n = y.shape
    n_blocks = -(-n_pop // width)
    return _to_lanes(y, n_blocks, 0.0, width, y.dtype).reshape(n_blocks, n * width)


def lanes_params(params: CTRNNParams, width: int = LANES, dtype=np.float64) -> CTRNNLanes:
    """`params` in blocks of `width` individuals (the last padded), the individual
    innermost, in `dtype`."""
    n_pop, n = params.tau.shape
    n_blocks = -(-n_pop // width)
    # Padding lanes hold a harmless network (tau 1, everything else 0); their results are dropped.
    return CTRNNLanes(
        tau=_to_lanes(params.tau, n_blocks, 1.0, width, dtype),
        bias=_to_lanes(params.bias, n_blocks, 0.0, width, dtype),
        gain=_to_lanes(params.gain, n_blocks, 0.0, width, dtype),
        weights=_to_lanes(params.weights, n_blocks, 0.0, width, dtype),
        input_weights=_to_lanes(params.input_weights, n_blocks, 0.0, width, dtype),
        scratch=aligned_zeros((n_blocks, 3, n * width), dtype),
    )


def run_fast(params: CTRNNParams, run, method_code, y, t0, dt, step0, n_steps, u, record_every, y_rec) -> bool:
    """Integrate with the faster layout for this network size: the CTRNN's ``fixed_step``
    hook. `run` is the integrators' generic loop, ``run(layout_params, method_code, y, t0,
    dt, step0, n_steps, u, record_every, y_rec)``, with the contract of
    :func:`evornn.integrate.fixed_step.run_fixed`. The layout takes the precision of `y`
    (float64, or float32 for a model made with ``astype(np.float32)``)."""
    n_pop, n = params.tau.shape
    dtype = y.dtype
    if n > MAX_LANES_NEURONS:
        # Cache-line-aligned copies: with rows of a multiple of four neurons, no vector
        # load of the weights then straddles two cache lines.
        # float32 rows are padded with zero columns to a whole number of vectors.
        n_cols = -(-n // ROW_MULTIPLE[dtype.name]) * ROW_MULTIPLE[dtype.name]
        weights = aligned_empty((n_pop, n, n_cols), dtype)
        weights[:, :, :n] = params.weights
        weights[:, :, n:] = 0.0
        rows = CTRNNRows(tau=aligned_copy(params.tau), bias=aligned_copy(params.bias), gain=aligned_copy(params.gain),
                         weights=weights, input_weights=aligned_copy(params.input_weights),
                         scratch=aligned_zeros((n_pop, 3, n_cols), dtype))
        run(rows, method_code, y, t0, dt, step0, n_steps, u, record_every, y_rec)
        return True
    n_u, n_c, _, n_inputs = u.shape
    width = block_width(n_pop, n, n_inputs, dtype.itemsize)
    fast = lanes_params(params, width, dtype)
    n_blocks = fast.tau.shape[0]
    y_lanes = lanes_state(y, width)
    u_lanes = np.ascontiguousarray(
        np.moveaxis(
            np.concatenate([u, np.zeros((n_u, n_c, n_blocks * width - n_pop, n_inputs), u.dtype)], axis=2)
            .reshape(n_u, n_c, n_blocks, width, n_inputs), 3, -1)
    ).reshape(n_u, n_c, n_blocks, n_inputs * width)
    n_rec = y_rec.shape[0]
    rec_lanes = np.zeros((n_rec, n_blocks, n * width), dtype)
    run(fast, method_code, y_lanes, t0, dt, step0, n_steps, u_lanes, record_every, rec_lanes)
    y[:] = _from_lanes(y_lanes, n_pop, n)
    first = step0 // record_every + 1  # records this call wrote (record 0 is the caller's)
    last = (step0 + n_steps) // record_every
    if last >= first:
        y_rec[first:last + 1] = _from_lanes(rec_lanes[first:last + 1], n_pop, n)
    return True


def _from_lanes(a: np.ndarray, n_pop: int, n: int) -> np.ndarray:
    """(..., n_blocks, n * width) -> (..., n_pop, n)."""
    lead = a.shape[:-2]
    n_blocks, width = a.shape[-2], a.shape[-1] // n
    blocks = a.reshape(*lead, n_blocks, n, width)
    return np.moveaxis(blocks, -1, -2).reshape(*lead, n_blocks * width, n)[..., :n_pop, :]


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def lane_load(params, p, y0, work, b, lane, y):
    """Individual `p` of `params` (a ``CTRNNParams``) and its state ``y0[p]`` into `lane`
    of block `b` of `work` (a ``CTRNNLanes``) and of `y`. Numba-compiled; no validation."""
    n, width = params.tau.shape[1], work.tau.shape[2]
    for i in range(n):
        work.tau[b, i, lane] = params.tau[p, i]
        work.bias[b, i, lane] = params.bias[p, i]
        work.gain[b, i, lane] = params.gain[p, i]
        for j in range(n):
            work.weights[b, i, j, lane] = params.weights[p, i, j]
        for k in range(params.input_weights.shape[2]):
            work.input_weights[b, i, k, lane] = params.input_weights[p, i, k]
        y[i * width + lane] = y0[p, i]


def lanes_work(params: CTRNNParams, width: int, n_blocks: int) -> CTRNNLanes:
    """Empty blocks of `width` lanes for the closed loop of bodies, in the precision of
    `params`, filled by :func:`lane_load` (lanes not loaded hold a harmless network: tau 1,
    the rest 0)."""
    n, n_inputs = params.tau.shape[1], params.input_weights.shape[2]
    work = CTRNNLanes(*aligned_zeros_many([(n_blocks, n, width)] * 3 + [(n_blocks, n, n, width),
                                           (n_blocks, n, n_inputs, width), (n_blocks, 3, n * width)],
                                          params.tau.dtype))
    work.tau[...] = 1.0
    return work


#: The CTRNN's lanes for closed loops (see :class:`evornn.models.base.Lanes`).
LANES_LAYOUT = Lanes(max_state=MAX_LANES_NEURONS, width=block_width, work=lanes_work)

register_lane_kernels(CTRNNLanes, load=lane_load, output=lanes_output, drive=lanes_drive)
register_fast_paths(CTRNNParams, fixed_step=run_fast, lanes=LANES_LAYOUT)
