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
   Brian2 on the same columns (:func:`brian2_network`), with its Cython and NumPy code
   generation (runtime mode; compilation not timed), where it imports: Brian2 2.9.0, the
   newest on PyPI, fails to import under NumPy 2.4; it runs under NumPy 2.2 (a separate
   environment: ``pip install -e ".[brian2]"``). ``--brian2-standalone`` adds its C++
   standalone mode (compiled with the system's g++; the time is the simulation's own, as
   Brian2 reports it, without compilation), which must run in a process of its own.

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


def brian2_network(net, y0, u, target: str, *, n_steps: int | None = None):
    """The same columns in Brian2 (one NeuronGroup for all circuits, block-diagonal synapses):
    the same neurons, currents, refractory periods, Tsodyks-Markram synapses with the same
    U, D, F per presynaptic neuron and target type, the same initial state and input spikes.
    Brian2 integrates the linear equations exactly too ('exact'), but spikes, resets and
    input spikes fall on the grid of steps. Returns a function that runs it and gives
    (seconds, number of spikes)."""
    import brian2 as b2

    standalone = target == "cpp_standalone"
    if standalone:
        import tempfile

        b2.set_device("cpp_standalone", directory=tempfile.mkdtemp(prefix="evornn-brian2-"), build_on_run=False)
    else:
        b2.prefs.codegen.target = target
    b2.start_scope()
    prm = net.params
    n_pop, n = prm.w.shape[:2]
    dt = float(prm.taus[0, 3])
    b2.defaultclock.dt = dt * b2.ms
    eqs = """
    dv/dt = (-(v - v_rest) + r_m * (i_bias + ie + ii)) / tau_m : volt (unless refractory)
    die/dt = -ie / tau_e : amp
    dii/dt = -ii / tau_i : amp
    v_rest : volt (constant)
    v_thresh : volt (constant)
    v_reset : volt (constant)
    r_m : ohm (constant)
    i_bias : amp (constant)
    tau_m : second (constant)
    tau_e : second (constant)
    tau_i : second (constant)
    t_ref : second (constant)
    """
    group = b2.NeuronGroup(n_pop * n, eqs, threshold="v >= v_thresh", reset="v = v_reset", refractory="t_ref",
                           method="exact")
    flat = lambda a: np.asarray(a).reshape(-1)  # noqa: E731
    group.v_rest, group.v_thresh, group.v_reset = (flat(prm.v_rest) * b2.mV, flat(prm.v_thresh) * b2.mV,
                                                   flat(prm.v_reset) * b2.mV)
    group.r_m, group.i_bias, group.tau_m = flat(prm.r_m) * b2.Mohm, flat(prm.i_bias) * b2.nA, flat(prm.tau_m) * b2.ms
    group.tau_e = np.repeat(prm.taus[:, 0], n) * b2.ms
    group.tau_i = np.repeat(prm.taus[:, 1], n) * b2.ms
    group.t_ref = flat(prm.t_ref) * b2.ms
    group.v = flat(y0[:, n:2 * n]) * b2.mV
    group.ie = flat(y0[:, 2 * n:3 * n]) * b2.nA
    group.ii = flat(y0[:, 3 * n:4 * n]) * b2.nA
    model = """
    w : amp (constant)
    big_u : 1 (constant)
    tau_d : second (constant)
    tau_f : second (constant)
    u : 1
    r : 1
    t_last : second
    """
    update = """
    r = 1 + (r - u * r - 1) * exp(-(t - t_last) / tau_d)
    u = big_u + u * (1 - big_u) * exp(-(t - t_last) / tau_f)
    t_last = t
    """
    synapses = []
    for inhibitory_source, current in ((False, "ie"), (True, "ii")):
        pre, post, weight, params = [], [], [], []
        for p in range(n_pop):
            post_p, pre_p = np.nonzero(prm.w[p])
            keep = prm.inhibitory[p, pre_p] == inhibitory_source
            post_p, pre_p = post_p[keep], pre_p[keep]
            pre.append(pre_p + p * n)
            post.append(post_p + p * n)
            weight.append(prm.w[p, post_p, pre_p])
            params.append(prm.syn[p, pre_p, prm.inhibitory[p, post_p].astype(int)])  # (n_syn, 3): U, D, F
        syn = b2.Synapses(group, group, model, on_pre=update + f"{current}_post += w * u * r")
        syn.connect(i=np.concatenate(pre), j=np.concatenate(post))
        params = np.concatenate(params)
        syn.w = np.concatenate(weight) * b2.nA
        syn.big_u, syn.tau_d, syn.tau_f = params[:, 0], params[:, 1] * b2.ms, params[:, 2] * b2.ms
        syn.u, syn.r, syn.t_last = 0.0, 1.0, 0 * b2.ms  # the first spike then has u = U, r = 1
        synapses.append(syn)
    steps, channels = np.nonzero(u.reshape(u.shape[0], -1))  # channel p * K + k
    source = b2.SpikeGeneratorGroup(u.shape[1] * u.shape[2], channels, steps * dt * b2.ms)
    k = u.shape[2]
    into = b2.Synapses(source, group, "w : amp (constant)", on_pre="ie_post += w")
    pre, post, weight = [], [], []
    for p in range(n_pop):
        post_p, pre_p = np.nonzero(prm.w_in[p])
        pre.append(pre_p + p * k)
        post.append(post_p + p * n)
        weight.append(prm.w_in[p, post_p, pre_p])
    into.connect(i=np.concatenate(pre), j=np.concatenate(post))
    into.w = np.concatenate(weight) * b2.nA
    counter = b2.SpikeMonitor(group, record=False)
    network = b2.Network(group, *synapses, source, into, counter)
    if standalone:  # one build and one run
        network.run(n_steps * dt * b2.ms)
        b2.device.build(run=True)
        return b2.device._last_run_time, int(counter.num_spikes)
    network.store()

    def run(n_steps: int):
        network.restore()
        start = time.perf_counter()
        network.run(n_steps * dt * b2.ms)
        return time.perf_counter() - start, int(counter.num_spikes)

    return run


def speed(n_circuits: int, repeats: int, standalone: bool = False) -> None:
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
    rates = {"evornn": net.spikes(evornn.simulate(net, y0, inputs=u).y[1:]).sum(), "NumPy": None}
    try:
        import brian2
    except Exception as exc:  # Brian2 2.9.0 raises AttributeError under NumPy >= 2.3
        print(f"  (Brian2 not compared: it does not import here: {type(exc).__name__}: {exc})")
    else:
        for target in ("cython", "numpy"):
            label = f"Brian2 {brian2.__version__} ({target})"
            run = brian2_network(net, y0, u, target)
            run(10)  # code generation and compilation, not timed
            times[label] = []
            for _ in range(repeats):
                seconds, count = run(n_steps)
                times[label].append(seconds)
            rates[label] = count
        if standalone:
            label = f"Brian2 {brian2.__version__} (C++ standalone)"
            seconds, rates[label] = brian2_network(net, y0, u, "cpp_standalone", n_steps=n_steps)
            times[label] = [seconds]
    seconds_run = n_steps * 0.5e-3 * n_circuits * net.n_neurons
    print(f"\nb. {n_circuits} columns of {net.n_neurons} neurons, {n_steps} steps of 0.5 ms, dynamic synapses; "
          f"evornn's spikes equal NumPy's over 400 steps; median of {repeats}")
    base = np.median(times["evornn"])
    for label, values in times.items():
        rate = "" if rates.get(label) is None else f"   mean rate {rates[label] / seconds_run:5.1f} Hz"
        print(f"  {label:<24}{work / np.median(values):>12.3g} neuron-steps/s   this / evornn = "
              f"{np.median(values) / base:.1f}{rate}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--memory", action="store_true")
    parser.add_argument("--speed", action="store_true")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--circuits", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--brian2-standalone", action="store_true")
    args = parser.parse_args()
    print(environment_header())
    if args.speed:
        speed(args.circuits, args.repeats, args.brian2_standalone)
    if args.memory:
        memory(args.seeds)


if __name__ == "__main__":
    main()
