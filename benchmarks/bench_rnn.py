"""Gated recurrent populations: evornn's LSTM and GRU against batched NumPy, in the same run.

A population of 1000 networks of 32 units (8 inputs) runs 200 steps of random input. The
NumPy baseline is the batched form people write: the gate weights of each network stacked
into one ``(4H, K + H)`` matrix, one ``np.matmul`` over the population per step, then the
gate nonlinearities on ``(n_pop, 4H)`` arrays. Both start from zero and must end in the same
states (the largest difference is printed). evornn's time is also given for its generic
per-step path (``simulate(..., fast=False)``), which the analysis tools and closed-loop
tasks use. Medians of `--repeats` runs.

    python benchmarks/bench_rnn.py [--repeats 5] [--n-pop 1000] [--n-hidden 32]
"""

from __future__ import annotations

import argparse

import numpy as np
from _timing import median_time  # benchmarks/_timing.py (scripts run from benchmarks/)

import evornn
from evornn.environment import header as environment_header
from evornn.models import GRU, LSTM


def _logistic(v):
    return 1.0 / (1.0 + np.exp(-v))


def numpy_lstm(prm, x):
    n_pop, _, h_size, k = prm.w_in.shape
    w = np.concatenate([prm.w_in, prm.w_rec], axis=3).reshape(n_pop, 4 * h_size, k + h_size)
    b = prm.bias.reshape(n_pop, 4 * h_size)
    h, c = np.zeros((n_pop, h_size)), np.zeros((n_pop, h_size))
    for xt in x:
        z = np.matmul(w, np.concatenate([xt, h], axis=1)[:, :, None])[:, :, 0] + b
        z[:, :h_size] += prm.peep[:, 0] * c
        z[:, h_size:2 * h_size] += prm.peep[:, 1] * c
        c = _logistic(z[:, h_size:2 * h_size]) * c + _logistic(z[:, :h_size]) * np.tanh(z[:, 2 * h_size:3 * h_size])
        h = _logistic(z[:, 3 * h_size:] + prm.peep[:, 2] * c) * np.tanh(c)
    return np.concatenate([h, c], axis=1)


def numpy_gru(prm, x):
    n_pop, _, h_size, k = prm.w_in.shape
    w_zr = np.concatenate([prm.w_in[:, :2], prm.w_rec[:, :2]], axis=3).reshape(n_pop, 2 * h_size, k + h_size)
    b = prm.bias
    h = np.zeros((n_pop, h_size))
    for xt in x:
        zr = _logistic(np.matmul(w_zr, np.concatenate([xt, h], axis=1)[:, :, None])[:, :, 0] + b[:, :2].reshape(n_pop, -1))
        z, r = zr[:, :h_size], zr[:, h_size:]
        g = np.tanh(np.matmul(prm.w_in[:, 2], xt[:, :, None])[:, :, 0]
                    + np.matmul(prm.w_rec[:, 2], (r * h)[:, :, None])[:, :, 0] + b[:, 2])
        h = z * h + (1.0 - z) * g
    return h


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--n-pop", type=int, default=1000)
    parser.add_argument("--n-hidden", type=int, default=32)
    parser.add_argument("--n-steps", type=int, default=200)
    args = parser.parse_args()
    n_pop, n_hidden, n_steps, n_inputs = args.n_pop, args.n_hidden, args.n_steps, 8
    print(environment_header())
    print(f"{n_pop} networks x {n_hidden} units, {n_inputs} inputs, {n_steps} steps; medians of {args.repeats}")
    x = np.random.default_rng(0).uniform(-1.0, 1.0, (n_steps, n_pop, n_inputs))
    print(f"{'model':6} {'evornn':>12} {'per-step':>12} {'NumPy':>12} {'speed-up':>9} {'max |diff|':>11}")
    for cls, baseline, options in ((LSTM, numpy_lstm, {"peepholes": True}), (GRU, numpy_gru, {})):
        net = cls.random(n_pop, n_hidden, n_inputs, 1, rng=1, **options)
        evornn.simulate(net, inputs=x[:2])  # compile (or load from the cache) outside the timing
        evornn.simulate(net, inputs=x[:2], fast=False)
        t_fast, traj = median_time(lambda net=net: evornn.simulate(net, inputs=x, record_every=n_steps), args.repeats)
        t_step, _ = median_time(lambda net=net: evornn.simulate(net, inputs=x, record_every=n_steps, fast=False),
                                args.repeats)
        t_numpy, final = median_time(lambda net=net, f=baseline: f(net.params, x), args.repeats)
        diff = float(np.max(np.abs(traj.y_final - final)))
        rate = n_pop * n_steps
        print(f"{cls.__name__:6} {rate / t_fast:10.3g}/s {rate / t_step:10.3g}/s {rate / t_numpy:10.3g}/s "
              f"{t_numpy / t_fast:8.1f}x {diff:11.1e}")
    print("network-steps per second; speed-up = NumPy time / evornn time (target: at least 3x)")


if __name__ == "__main__":
    main()
