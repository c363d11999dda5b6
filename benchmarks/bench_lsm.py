"""Liquid state machines: the memory of a spike-train input (Maass, Natschläger and Markram
2002), and neuron-steps per second against NumPy.

a. ``--memory``: inputs of 3 segments of 100 ms on 4 channels, each segment a jittered
   copy (4 ms) of one of two Poisson templates (20 Hz) of its position
   (``SequenceTask.spike_classification``); a linear readout of the circuit's filtered
   spike trains (tau 30 ms), fitted by ridge regression on 200 inputs at the end of the
   input, must name the template of segment 1, 2 or 3; scored on 200 fresh inputs. For
   `--seeds` circuits of Maass's column (135 neurons, dynamic synapses), the same circuits
   with static synapses (first-spike efficacies), and the same neurons without recurrent
   synapses (the inputs' own traces): test accuracy, median (quartiles).
b. ``--speed``: one step of `--circuits` columns of 135 neurons with 4 input channels
   (Poisson 20 Hz), 2,000 steps of 0.5 ms: evornn (all threads) against a NumPy
   implementation of the same model vectorised over each circuit's neurons (closed-form
   steps, bisection for the crossings, dynamic synapses); their spikes agree exactly on
   the first 400 steps (checked); neuron-steps per second, median of `--repeats`.
   Brian2, the peer the issue names, is not in the comparison: its newest release on PyPI
   (2.9.0) fails to import under NumPy 2.4 (it wraps ``numpy.ndarray.ptp``, which NumPy 2.4
   removed).

    python benchmarks/bench_lsm.py --memory [--seeds 10]
    python benchmarks/bench_lsm.py --speed [--circuits 8] [--repeats 5]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import evornn
from evornn.environment import header as environment_header
from evornn.models import LSM
from evornn.models.lsm import N_BLOCKS
from evornn.tasks import SequenceTask


# ---------------------------------------------------------------------- a. memory
def memory(n_seeds: int) -> None:
    print(f"\na. Which template was segment k of a 300 ms input? {n_seeds} circuits, test accuracy on 200 fresh "
          f"inputs (chance 0.5)")
    variants = {"Maass's column, dynamic synapses": {},
                "static synapses": {"dynamic": False},
                "no recurrent synapses": {"weight_scale": 1e-9}}
    print(f"{'':<36}" + "".join(f"{f'segment {q + 1} ({(2 - q) * 100}-{(3 - q) * 100} ms ago)':>30}"
                                for q in range(3)))
    for label, options in variants.items():
        row, start = [], time.perf_counter()
        for query in range(3):
            task = SequenceTask.spike_classification(n_seq=200, n_segments=3, query=query, fit_readout=True,
                                                     ridge=0.1)
            scores = [task.report(LSM.column(1, n_inputs=4, n_outputs=2, rng=seed, **options))["test_solved"]
                      for seed in range(n_seeds)]
            q1, med, q3 = np.percentile(scores, [25, 50, 75])
            row.append(f"{med:.2f} ({q1:.2f}-{q3:.2f})")
        print(f"{label:<36}" + "".join(f"{cell:>30}" for cell in row) + f"   ({time.perf_counter() - start:.0f} s)",
              flush=True)


# ---------------------------------------------------------------------- b. speed
def numpy_run(net: LSM, p: int, y0: np.ndarray, inputs: np.ndarray) -> np.ndarray:
    """Circuit `p` stepped in NumPy, vectorised over its neurons (refractory periods of at
    least one step: at most one spike per neuron and step). Returns the spike counts per
    step, shape (n_steps, N)."""
    prm = net.params
    n = net.n_neurons
    tau_e, tau_i, tau_r, dt = prm.taus[p]
    assert (prm.t_ref[p] >= dt).all()
    w, w_in, inh = prm.w[p], prm.w_in[p], prm.inhibitory[p]
    tau_m, r = prm.tau_m[p], prm.r_m[p]
    v_inf = prm.v_rest[p] + r * prm.i_bias[p]
    ce, ci = r * tau_e / (tau_e - tau_m), r * tau_i / (tau_i - tau_m)
    theta, v_reset, t_ref = prm.v_thresh[p], prm.v_reset[p], prm.t_ref[p]
    big_u, dep, fac = prm.syn[p, :, :, 0], prm.syn[p, :, :, 1], prm.syn[p, :, :, 2]
    dynamic = bool(prm.dynamic[p])
    target = inh.astype(np.int64)
    blocks = [y0[b * n:(b + 1) * n].copy() for b in range(N_BLOCKS)]
    trace, v, ie, ii, ref = blocks[:5]
    facil = np.stack([blocks[6], blocks[8]], axis=1)
    depress = np.stack([blocks[7], blocks[9]], axis=1)
    decay_e, decay_i, decay_r, em_dt = np.exp(-dt / tau_e), np.exp(-dt / tau_i), np.exp(-dt / tau_r), np.exp(-dt / tau_m)

    def potential(h, v, ie_s, ii_s, idx):
        em = np.exp(-h / tau_m[idx])
        return (v_inf[idx] + (v - v_inf[idx]) * em + ce[idx] * ie_s * (np.exp(-h / tau_e) - em)
                + ci[idx] * ii_s * (np.exp(-h / tau_i) - em))

    spikes_out = np.zeros((inputs.shape[0], n))
    for k, u in enumerate(inputs):
        ie = ie + w_in @ u
        trace = trace * decay_r
        full = ref >= dt
        start = np.where(full, dt, np.maximum(ref, 0.0))
        v = np.where(ref > 0, v_reset, v)
        ref = np.where(full, ref - dt, 0.0)
        ie_s, ii_s = ie * np.exp(-start / tau_e), ii * np.exp(-start / tau_i)
        whole = start == 0.0
        v_end = np.where(whole, v_inf + (v - v_inf) * em_dt + ce * ie * (decay_e - em_dt) + ci * ii * (decay_i - em_dt),
                         potential(dt - start, v, ie_s, ii_s, slice(None)))
        v_new = np.where(full, v_reset, v_end)
        fire = ~full & ((v >= theta) | (v_end >= theta))
        idx = np.flatnonzero(fire)
        tc = np.zeros(idx.size)
        climbing = v[idx] < theta[idx]
        lo, hi = np.zeros(idx.size), dt - start[idx]
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            up = potential(mid, v[idx], ie_s[idx], ii_s[idx], idx) >= theta[idx]
            hi, lo = np.where(up, mid, hi), np.where(up, lo, mid)
        tc = np.where(climbing, hi, 0.0)
        at = start[idx] + tc
        trace[idx] += np.exp(-(dt - at) / tau_r)
        v_new[idx] = v_reset[idx]
        ref[idx] = at + t_ref[idx] - dt
        spikes = np.zeros(n)
        spikes[idx] = 1.0
        efficacy = np.zeros((n, 2))
        if dynamic:
            since = at[:, None]
            util = big_u[idx] + facil[idx] * np.exp(-since / fac[idx])
            avail = 1.0 + depress[idx] * np.exp(-since / dep[idx])
            efficacy[idx] = util * avail
            facil = facil * np.exp(-dt / fac)
            depress = depress * np.exp(-dt / dep)
            rest = (dt - at)[:, None]
            facil[idx] = util * (1.0 - big_u[idx]) * np.exp(-rest / fac[idx])
            depress[idx] = (avail * (1.0 - util) - 1.0) * np.exp(-rest / dep[idx])
        ie, ii, v = ie * decay_e, ii * decay_i, v_new
        for source, current in ((~inh, "e"), (inh, "i")):
            cols = np.flatnonzero(source & (spikes > 0))
            if cols.size:
                if dynamic:
                    add = np.where(target == 0, w[:, cols] @ efficacy[cols, 0], w[:, cols] @ efficacy[cols, 1])
                else:
                    add = w[:, cols] @ spikes[cols]
                if current == "e":
                    ie = ie + add
                else:
                    ii = ii + add
        spikes_out[k] = spikes
    return spikes_out


def speed(n_circuits: int, repeats: int) -> None:
    n_steps = 2000
    net = LSM.column(n_circuits, n_inputs=4, rng=0)
    y0 = net.initial_state(rng=1)
    u = (np.random.default_rng(2).random((n_steps, n_circuits, 4)) < 20.0 * 0.5e-3).astype(float)
    check = evornn.simulate(net, y0, inputs=u[:400]).y[1:]
    for p in range(n_circuits):
        np.testing.assert_array_equal(numpy_run(net, p, y0[p], u[:400, p]), net.spikes(check[:, p]))
    work = n_circuits * net.n_neurons * n_steps
    evornn.simulate(net, y0, inputs=u[:10], record_every=10)
    times = {"evornn": [], "NumPy": []}
    for _ in range(repeats):
        start = time.perf_counter()
        evornn.simulate(net, y0, inputs=u, record_every=n_steps)
        times["evornn"].append(time.perf_counter() - start)
        start = time.perf_counter()
        for p in range(n_circuits):
            numpy_run(net, p, y0[p], u[:, p])
        times["NumPy"].append(time.perf_counter() - start)
    spikes = net.spikes(evornn.simulate(net, y0, inputs=u).y[1:]).sum() / (n_circuits * net.n_neurons * 1.0)
    print(f"\nb. {n_circuits} columns of {net.n_neurons} neurons, {n_steps} steps of 0.5 ms, dynamic synapses, "
          f"mean rate {spikes:.1f} Hz; spikes equal to NumPy's over 400 steps; median of {repeats}")
    base = np.median(times["evornn"])
    for label, values in times.items():
        print(f"  {label:<10}{work / np.median(values):>14.3g} neuron-steps/s   evornn / this = "
              f"{np.median(values) / base:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--memory", action="store_true")
    parser.add_argument("--speed", action="store_true")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--circuits", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(environment_header())
    if args.speed:
        speed(args.circuits, args.repeats)
    if args.memory:
        memory(args.seeds)


if __name__ == "__main__":
    main()
