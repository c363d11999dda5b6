"""Slow, obvious reference implementations used as test oracles. Plain NumPy, one
individual at a time, written straight from the equations (no shared code with evornn)."""

from __future__ import annotations

import math

import numpy as np


def ctrnn_derivative(y, tau, bias, gain, weights, input_weights, u):
    """Beer's CTRNN for one network: tau dy/dt = -y + W sigma(g (y + theta)) + V u."""
    rates = 1.0 / (1.0 + np.exp(-gain * (y + bias)))
    return (-y + weights @ rates + input_weights @ u) / tau


def integrate(f, y0, dt, n_steps, method, u_at):
    """Fixed-step integration of dy/dt = f(y, u); `u_at(step, stage_offset)` gives the input."""
    y = np.array(y0, dtype=float)
    out = [y.copy()]
    for n in range(n_steps):
        if method == "euler":
            y = y + dt * f(y, u_at(n, 0.0))
        elif method == "heun":
            k1 = f(y, u_at(n, 0.0))
            k2 = f(y + dt * k1, u_at(n, 1.0))
            y = y + dt / 2 * (k1 + k2)
        elif method == "rk4":
            k1 = f(y, u_at(n, 0.0))
            k2 = f(y + dt / 2 * k1, u_at(n, 0.5))
            k3 = f(y + dt / 2 * k2, u_at(n, 0.5))
            k4 = f(y + dt * k3, u_at(n, 1.0))
            y = y + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        else:
            raise ValueError(method)
        out.append(y.copy())
    return np.array(out)


def ctrnn_trajectory(net, p, y0, dt, n_steps, method, u_at=None):
    """Reference trajectory of individual `p` of an evornn CTRNN, shape (n_steps + 1, n)."""
    prm = net.params
    if u_at is None:
        zero = np.zeros(net.n_inputs)
        u_at = lambda n, c: zero  # noqa: E731

    def f(y, u):
        return ctrnn_derivative(y, prm.tau[p], prm.bias[p], prm.gain[p], prm.weights[p], prm.input_weights[p], u)

    return integrate(f, y0, dt, n_steps, method, u_at)


def wieland_derivatives(state, force, n_poles=2, cart_friction=5e-4, pole_friction=2e-6):
    """Wieland's double-pole equations, term by term in plain Python (one state)."""
    import math

    g, cart = -9.8, 1.0
    masses, halves = [0.1, 0.01][:n_poles], [0.5, 0.05][:n_poles]
    x_dot = state[1]
    effective_force = [
        m * half * state[3 + 2 * i] ** 2 * math.sin(state[2 + 2 * i])
        + 0.75 * m * math.cos(state[2 + 2 * i]) * (pole_friction * state[3 + 2 * i] / (m * half) + g * math.sin(state[2 + 2 * i]))
        for i, (m, half) in enumerate(zip(masses, halves, strict=True))
    ]
    effective_mass = [m * (1 - 0.75 * math.cos(state[2 + 2 * i]) ** 2) for i, m in enumerate(masses)]
    sign = 0 if x_dot == 0 else (1 if x_dot > 0 else -1)
    x_ddot = (force - cart_friction * sign + sum(effective_force)) / (cart + sum(effective_mass))
    out = [x_dot, x_ddot, 0.0, 0.0, 0.0, 0.0]
    for i, (m, half) in enumerate(zip(masses, halves, strict=True)):
        theta, omega = state[2 + 2 * i], state[3 + 2 * i]
        out[2 + 2 * i] = omega
        out[3 + 2 * i] = -0.75 / half * (x_ddot * math.cos(theta) + g * math.sin(theta) + pole_friction * omega / (m * half))
    return out


def balance_reference(start, force, max_steps, n_poles=2, states=None):
    """The double pole under a constant `force`, stepped as the literature does (two RK4
    steps of 0.01 s per control step) until failure or `max_steps`. Returns, per step
    balanced, ``|x| + |x'| + |theta_1| + |theta_1'|`` after it; appends each step's state
    to the list `states` if given."""
    import math

    state = [float(v) for v in start]
    trace = []
    limit = math.radians(36)
    while len(trace) < max_steps:
        for _ in range(2):
            k1 = wieland_derivatives(state, force, n_poles)
            k2 = wieland_derivatives([s + 0.005 * k for s, k in zip(state, k1, strict=True)], force, n_poles)
            k3 = wieland_derivatives([s + 0.005 * k for s, k in zip(state, k2, strict=True)], force, n_poles)
            k4 = wieland_derivatives([s + 0.01 * k for s, k in zip(state, k3, strict=True)], force, n_poles)
            state = [s + 0.01 / 6 * (a + 2 * b + 2 * c + d) for s, a, b, c, d in zip(state, k1, k2, k3, k4, strict=True)]
        trace.append(abs(state[0]) + abs(state[1]) + abs(state[2]) + abs(state[3]))
        if states is not None:
            states.append(list(state))
        if abs(state[0]) > 2.4 or abs(state[2]) > limit or (n_poles == 2 and abs(state[4]) > limit):
            break
    return trace


def walk_reference(controller, n_legs=1, duration=200.0, dt=0.1, stance=None):
    """Beer's legged agent written out leg by leg in plain Python (one individual).

    `controller(angles, legs, x)` returns per-leg lists ``(foot_down, forward, backward)``
    given the leg angles, the leg records and the body position. Returns the final x; if
    `stance` is a list, it receives each leg's number of steps with its foot down.
    """
    import math

    limit = math.pi / 6
    hips = [20.0, 0.0, -20.0, 20.0, 0.0, -20.0] if n_legs == 6 else [0.0]
    legs = [{"angle": limit, "omega": 0.0, "down": False, "hip": h, "fx": h + 15 * math.sin(limit),
             "fy": 12.5 + 15 * math.cos(limit)} for h in hips]
    x = v = 0.0
    counts = [0] * n_legs
    for _ in range(round(duration / dt)):
        commands = controller([leg["angle"] for leg in legs], legs, x)
        force = 0.0
        for leg, (down, fwd, bwd) in zip(legs, commands, strict=True):
            leg["down"] = bool(down)
            if leg["down"]:
                leg["omega"] = 0.0
                f = fwd - bwd
                a = leg["angle"]
                if -limit <= a <= limit or (a < -limit and f < 0) or (a > limit and f > 0):
                    force += f
        v = min(max(v + dt * force, -6.0), 6.0)
        x += dt * v
        for leg, (_, fwd, bwd) in zip(legs, commands, strict=True):
            leg["hip"] += dt * v
            if leg["down"]:
                a = math.atan2(leg["fx"] - leg["hip"], leg["fy"] - 12.5)
                leg["omega"] = (a - leg["angle"]) / dt
                leg["angle"] = a
            else:
                leg["omega"] = min(max(leg["omega"] + dt * 0.5 * (bwd - fwd), -1.0), 1.0)
                leg["angle"] += dt * leg["omega"]
                if not -limit <= leg["angle"] <= limit:
                    leg["angle"] = max(-limit, min(limit, leg["angle"]))
                    leg["omega"] = 0.0
                leg["fx"] = leg["hip"] + 15 * math.sin(leg["angle"])
                leg["fy"] = 12.5 + 15 * math.cos(leg["angle"])
        down = [leg for leg in legs if leg["down"]]
        for k, leg in enumerate(legs):
            counts[k] += leg["down"]
        if n_legs == 1:
            supported = bool(down)
        else:
            left = [leg["fx"] for leg in legs[:3] if leg["down"]]
            right = [leg["fx"] for leg in legs[3:] if leg["down"]]
            # The polygon of support of feet on two parallel lines, cut at the body axis.
            supported = bool(left and right) and (min(left) + min(right)) / 2 <= x <= (max(left) + max(right)) / 2
        if not supported or any(leg["hip"] - leg["fx"] > 20 for leg in legs):
            v = 0.0
    if stance is not None:
        stance.extend(counts)
    return x


def hand_designed_stepping(angles, legs, x):
    """Beer's hand-designed leg controller for `walk_reference`."""
    import math

    commands = []
    for leg in legs:
        down = leg["down"]
        if not down and leg["angle"] >= math.pi / 6:
            down = True
        elif down and leg["hip"] - leg["fx"] > 20:
            down = False
        commands.append((down, 0.05 if down else 0.0, 0.0 if down else 0.05))
    return commands


def ray_hit_reference(start, direction, inside, max_length=220.0, step=1e-3):
    """Distance along a ray to the first point inside a shape, by marching in small steps
    and refining by bisection (slow, obviously correct). `inside(x, y)` tests a point."""
    t = 0.0
    while t <= max_length:
        if inside(start[0] + t * direction[0], start[1] + t * direction[1]):
            lo, hi = max(t - step, 0.0), t
            for _ in range(60):
                mid = 0.5 * (lo + hi)
                if inside(start[0] + mid * direction[0], start[1] + mid * direction[1]):
                    hi = mid
                else:
                    lo = mid
            return min(hi, max_length)
        t += step
    return max_length


def esn_run(weights, input_weights, bias, leak, inputs, *, x0=None, feedback_weights=None, teacher=None,
            readout=None, readout_bias=None, linear=False, generate_after=None):
    """Leaky ESN, one network, one step at a time from the equations:
    x(n+1) = (1 - a) x(n) + a f(W x(n) + Win u(n+1) + Wfb y(n) + b), y(n) = Wout x(n) + bout.
    The fed-back y is the teacher's when `teacher` is given, else the readout's; after
    `generate_after` inputs the readout's output is also the next input. Returns (states, outputs)."""
    w = np.asarray(weights.todense() if hasattr(weights, "todense") else weights, dtype=float)
    n = w.shape[0]
    x = np.zeros(n) if x0 is None else np.array(x0, dtype=float)
    n_out = 0 if readout is None else readout.shape[0]
    if feedback_weights is not None:
        n_out = feedback_weights.shape[1]
    y = np.zeros(n_out)
    states, outputs = [], []
    n_steps = len(inputs) if generate_after is None else generate_after[1]
    for t in range(n_steps):
        u = inputs[t] if generate_after is None or t < generate_after[0] else y
        z = w @ x + input_weights @ u + bias
        if feedback_weights is not None:
            z = z + feedback_weights @ y
        f = z if linear else np.tanh(z)
        x = (1 - leak) * x + leak * f
        out = readout @ x + readout_bias if readout is not None else np.zeros(n_out)
        y = teacher[t] if teacher is not None else out
        states.append(x.copy())
        outputs.append(out)
    return np.array(states), np.array(outputs)


def ridge_readout(states, targets, ridge, weights=None):
    """Ridge regression with an unpenalised intercept as an augmented least-squares problem:
    minimise sum_n w_n |[x_n 1] [W; b] - y_n|^2 + ridge |W|^2 (w_n = 1 without `weights`).
    Returns (W (M, N), b (M,))."""
    n_samples, n = states.shape
    root = np.ones((n_samples, 1)) if weights is None else np.sqrt(np.asarray(weights, dtype=float))[:, None]
    design = np.vstack([root * np.hstack([states, np.ones((n_samples, 1))]),
                        np.hstack([np.sqrt(ridge) * np.eye(n), np.zeros((n, 1))])])
    rhs = np.vstack([root * targets, np.zeros((n, targets.shape[1]))])
    solution = np.linalg.lstsq(design, rhs, rcond=None)[0]
    return solution[:n].T, solution[n]


def mackey_glass_euler(n_samples, tau=17, step=0.1, every=10, x0=1.2):
    """Jaeger's discretisation of Mackey-Glass, written with a growing Python list."""
    delay = round(tau / step)
    xs = [x0] * (delay + 1)
    out = []
    for _ in range(n_samples):
        for _ in range(every):
            lagged = xs[-delay - 1]
            xs.append(xs[-1] + step * (0.2 * lagged / (1 + lagged**10) - 0.1 * xs[-1]))
        out.append(xs[-1])
    return np.array(out)


def narma10(u):
    """NARMA-10 from Atiya and Parlos (2000), y starting at zero."""
    y = np.zeros(len(u))
    for n in range(9, len(u) - 1):
        y[n + 1] = 0.3 * y[n] + 0.05 * y[n] * np.sum(y[n - 9:n + 1]) + 1.5 * u[n - 9] * u[n] + 0.1
    return y


def force_readout(weights, input_weights, feedback_weights, bias, leak, inputs, targets, washout, alpha):
    """FORCE learning (Sussillo and Abbott 2009) of a readout on [x, 1], written out: the
    readout's own output z (before each update) is fed back; P starts at I / alpha."""
    w = np.asarray(weights.todense() if hasattr(weights, "todense") else weights, dtype=float)
    n, m = w.shape[0], targets.shape[1]
    x, fb = np.zeros(n), np.zeros(m)
    w_out = np.zeros((m, n + 1))
    p = np.eye(n + 1) / alpha
    for t in range(len(inputs)):
        x = (1 - leak) * x + leak * np.tanh(w @ x + input_weights @ inputs[t] + feedback_weights @ fb + bias)
        phi = np.append(x, 1.0)
        z = w_out @ phi
        if t >= washout:
            k = p @ phi / (1.0 + phi @ p @ phi)
            p = p - np.outer(k, phi @ p)
            w_out = w_out - np.outer(z - targets[t], k)
        fb = z
    return w_out[:, :n], w_out[:, n]


def hopfield_async(weights, threshold, state, order):
    """One asynchronous sweep in the given order, recomputing each local field from scratch;
    returns the new state and the energy after every single update."""
    s = np.array(state, dtype=float)
    energies = []
    for i in order:
        a = weights[i] @ s - threshold[i]
        if a != 0:
            s[i] = np.sign(a)
        energies.append(-0.5 * s @ weights @ s + threshold @ s)
    return s, np.array(energies)


def _sigma(x):
    return 1.0 / (1.0 + np.exp(-x))


def _out_act(code, a):
    return {0: a, 1: np.tanh(a), 2: _sigma(a)}[int(code)]


def rnn_step(kind, prm, p, y, x):
    """One step of individual p of an evornn discrete-time RNN, from the textbook equations."""
    if kind == "elman":
        return np.tanh(prm.w_rec[p] @ y + prm.w_in[p] @ x + prm.bias[p])
    if kind == "jordan":
        m = prm.w_out.shape[1]
        s, h = y[:m], y[m:]
        out = _out_act(prm.out_act[p], prm.w_out[p] @ h + prm.b_out[p])
        s_new = prm.decay[p] * s + out
        return np.concatenate([s_new, np.tanh(prm.w_in[p] @ x + prm.w_ctx[p] @ s_new + prm.bias[p])])
    if kind == "fully":
        return np.tanh(prm.w_rec[p] @ y + prm.w_in[p] @ x + prm.bias[p])
    if kind == "indrnn":
        a = prm.w_rec[p] * y + prm.w_in[p] @ x + prm.bias[p]
        return np.maximum(a, 0.0) if prm.relu[p] else np.tanh(a)
    if kind == "gru":
        (vz, vr, vg), (uz, ur, ug), (bz, br, bg) = prm.w_in[p], prm.w_rec[p], prm.bias[p]
        z = _sigma(vz @ x + uz @ y + bz)
        r = _sigma(vr @ x + ur @ y + br)
        g = np.tanh(vg @ x + ug @ (r * y) + bg)
        return z * y + (1 - z) * g
    if kind == "lstm":
        n = y.size // 2
        h, c = y[:n], y[n:]
        (vi, vf, vg, vo), (ui, uf, ug, uo), (bi, bf, bg, bo) = prm.w_in[p], prm.w_rec[p], prm.bias[p]
        pi, pf, po = prm.peep[p]
        i = _sigma(vi @ x + ui @ h + bi + pi * c)
        f = _sigma(vf @ x + uf @ h + bf + pf * c)
        c_new = f * c + i * np.tanh(vg @ x + ug @ h + bg)
        o = _sigma(vo @ x + uo @ h + bo + po * c_new)
        return np.concatenate([o * np.tanh(c_new), c_new])
    if kind == "second":
        return _sigma(np.einsum("ijk,j,k->i", prm.w[p], y, x) + prm.bias[p])
    if kind == "rmlp":
        layers = y.reshape(prm.bias.shape[1], -1)
        new, below = [], x
        for layer, (h, w_rec, b) in enumerate(zip(layers, prm.w_rec[p], prm.bias[p], strict=True)):
            w = prm.w_fwd[p, layer - 1] if layer else prm.w_in[p]
            below = np.tanh(w @ below + w_rec @ h + b)
            new.append(below)
        return np.concatenate(new)
    raise ValueError(kind)


def rnn_output(kind, prm, p, y):
    if kind in ("fully", "second"):
        return y[prm.outputs[p]]
    h = {"jordan": y[prm.w_out.shape[1]:] if kind == "jordan" else None, "lstm": y[: y.size // 2],
         "rmlp": y[y.size - prm.bias.shape[-1]:]}.get(kind, y)
    return _out_act(prm.out_act[p], prm.w_out[p] @ h + prm.b_out[p])


def narx_outputs(prm, p, x, y_past, x_past):
    """Outputs y(0) ... y(T-1) of NARX individual `p` for inputs `x` (T, K), straight from
    its equation y(t) = act(W_out tanh(sum_d V_d x(t-d) + sum_d F_d y(t-d) + b) + b_out)
    over explicit histories: ``y_past[d]`` is y(-1-d), ``x_past[d]`` is x(-1-d)."""
    w_in, w_fb = prm.w_in[p], prm.w_fb[p]
    xs = {-1 - d: np.asarray(v) for d, v in enumerate(x_past)}
    ys = {-1 - d: np.asarray(v) for d, v in enumerate(y_past)}
    for t in range(len(x)):
        xs[t] = x[t]
        a = prm.bias[p] + sum(w_in[:, d, :] @ xs[t - d] for d in range(w_in.shape[1]))
        a = a + sum(w_fb[:, d - 1, :] @ ys[t - d] for d in range(1, w_fb.shape[1] + 1))
        ys[t] = _out_act(prm.out_act[p], prm.w_out[p] @ np.tanh(a) + prm.b_out[p])
    return np.array([ys[t] for t in range(len(x))])


def crossings_and_range(t, x, n_tail):
    """Mean spacing of upward crossings of `x` (one series) through its mean, by the
    textbook loop, and its peak-to-peak range over the last `n_tail` samples."""
    x = [float(v) for v in x]
    if not all(math.isfinite(v) for v in x):
        return math.nan, math.nan
    mean = sum(x) / len(x)
    times = []
    for s in range(len(x) - 1):
        a, b = x[s] - mean, x[s + 1] - mean
        if a < 0 <= b:
            times.append(t[s] + (t[s + 1] - t[s]) * (-a) / (b - a))
    period = (times[-1] - times[0]) / (len(times) - 1) if len(times) >= 2 else math.nan
    tail = x[len(x) - n_tail:] if n_tail else []
    return period, (max(tail) - min(tail)) if tail else math.nan


NEAT_ACTIVATIONS = {
    "identity": lambda z: z,
    "sigmoid": lambda z: 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, 5.0 * z)))),
    "tanh": lambda z: math.tanh(max(-60.0, min(60.0, 2.5 * z))),
    "relu": lambda z: max(z, 0.0),
    "sin": lambda z: math.sin(max(-60.0, min(60.0, 5.0 * z))),
    "gauss": lambda z: math.exp(-5.0 * max(-3.4, min(3.4, z)) ** 2),
    "abs": abs,
    "clamped": lambda z: max(-1.0, min(1.0, z)),
    "square": lambda z: z * z,
    "steepened_sigmoid": lambda z: 1.0 / (1.0 + math.exp(-4.9 * z)),
    "hat": lambda z: max(0.0, 1.0 - abs(z)),
    "softplus": lambda z: 0.2 * math.log(1.0 + math.exp(max(-60.0, min(60.0, 5.0 * z)))),
    "cube": lambda z: z ** 3,
    "logistic": lambda z: 1.0 / (1.0 + math.exp(-z)),
}


def neat_network_reference(nodes, connections, inputs, n_outputs, mode):
    """A NEAT network written out node by node (one individual), as neat-python evaluates
    its networks: `nodes` maps key -> (bias, response, activation name), `connections` is a
    list of (in key, out key, weight, enabled) with inputs ``-1, -2, ...``; `inputs` has
    shape (n_steps, n_inputs). ``"synchronous"``: every node from the previous step's
    values (neat-python's RecurrentNetwork); ``"feed_forward"``: each step evaluates the
    outputs recursively from the inputs (its FeedForwardNetwork; acyclic networks only).
    Returns the outputs (nodes 0 ... n_outputs - 1) after each step."""
    incoming = {key: [(a, w) for a, b, w, on in connections if on and b == key] for key in nodes}
    values = dict.fromkeys(nodes, 0.0)
    out = []
    for u in inputs:
        def source(a, table, u=u):
            return u[-a - 1] if a < 0 else table[a]

        if mode == "synchronous":
            values = {k: NEAT_ACTIVATIONS[nodes[k][2]](nodes[k][0] + nodes[k][1] * sum(
                w * source(a, values) for a, w in incoming[k])) for k in nodes}
        else:
            memo = {}

            def value(k, memo=memo, u=u):
                if k not in memo:
                    bias, response, name = nodes[k]
                    memo[k] = NEAT_ACTIVATIONS[name](bias + response * sum(
                        w * (u[-a - 1] if a < 0 else value(a)) for a, w in incoming[k]))
                return memo[k]

            values = {k: value(k) for k in nodes}
        out.append([values[m] for m in range(n_outputs)])
    return np.array(out)


def lif_network(prm, p, y0, inputs):
    """A circuit of evornn.models.LSM (individual p) stepped in plain Python: each neuron's
    (V, I_e, I_i) advanced by the matrix exponential of its linear equations (SciPy's expm,
    not the closed form the kernel uses), threshold crossings found by brentq on that
    solution; the same event rules (input spikes at a step's start, recurrent spikes at its
    end, reset and refractory period from the crossing time); dynamic synapses by Markram,
    Wang and Tsodyks's recursion over each neuron's spike times. Starts with no spike in
    the past. Returns the states after each step, shape (n_steps, 10 N)."""
    from scipy.linalg import expm
    from scipy.optimize import brentq

    n = prm.w.shape[1]
    tau_e, tau_i, tau_r, dt = prm.taus[p]
    big_u, d, f = prm.syn[p, :, :, 0], prm.syn[p, :, :, 1], prm.syn[p, :, :, 2]  # (n, 2) each
    last_time = np.full(n, np.nan)  # each neuron's last spike
    last_u, last_r = np.zeros((n, 2)), np.zeros((n, 2))
    y = np.array(y0, dtype=float)
    out = []
    for k, u in enumerate(inputs):
        trace, v, ie, ii, ref = (y[b * n:(b + 1) * n].copy() for b in range(5))
        ie = ie + prm.w_in[p] @ u
        spikes = np.zeros(n)
        efficacy = np.zeros((n, 2))
        for i in range(n):
            tm, r = prm.tau_m[p, i], prm.r_m[p, i]
            a = np.array([[-1 / tm, r / tm, r / tm, (prm.v_rest[p, i] + r * prm.i_bias[p, i]) / tm],
                          [0, -1 / tau_e, 0, 0], [0, 0, -1 / tau_i, 0], [0, 0, 0, 0]])

            def at(s, z, a=a):
                return expm(a * s) @ z

            z = np.array([v[i], ie[i], ii[i], 1.0])
            trace[i] *= np.exp(-dt / tau_r)
            s = 0.0
            if ref[i] > 0:
                z[0] = prm.v_reset[p, i]
                step = min(ref[i], dt)
                z = at(step, z)
                z[0] = prm.v_reset[p, i]
                s = step
                ref[i] = ref[i] - step
            while s < dt:
                end = at(dt - s, z)
                if z[0] < prm.v_thresh[p, i] and end[0] < prm.v_thresh[p, i]:
                    z = end
                    s = dt
                    break
                theta = prm.v_thresh[p, i]
                tc = 0.0 if z[0] >= theta else brentq(
                    lambda h, z=z, theta=theta: at(h, z)[0] - theta, 0.0, dt - s, xtol=1e-15, rtol=1e-15)
                spikes[i] += 1
                trace[i] += np.exp(-(dt - s - tc) / tau_r)
                when = k * dt + s + tc
                if np.isnan(last_time[i]):
                    util, avail = big_u[i].copy(), np.ones(2)
                else:
                    gap = when - last_time[i]
                    util = big_u[i] + last_u[i] * (1 - big_u[i]) * np.exp(-gap / f[i])
                    avail = 1 + (last_r[i] - last_u[i] * last_r[i] - 1) * np.exp(-gap / d[i])
                efficacy[i] += util * avail
                last_time[i], last_u[i], last_r[i] = when, util, avail
                z = at(tc, z)
                z[0] = prm.v_reset[p, i]
                free = s + tc + prm.t_ref[p, i]
                z = at(min(free, dt) - (s + tc), z)
                z[0] = prm.v_reset[p, i]
                if free >= dt:
                    ref[i] = free - dt
                    s = dt
                else:
                    s = free
            v[i], ie[i], ii[i] = z[0], z[1], z[2]
        target = prm.inhibitory[p].astype(int)  # each neuron's type as a target
        for j in np.flatnonzero(spikes):
            scale = efficacy[j, target] if prm.dynamic[p] else spikes[j]
            (ii if prm.inhibitory[p, j] else ie)[:] += scale * prm.w[p, :, j]
        now = (k + 1) * dt
        seen = ~np.isnan(last_time)
        since = np.where(seen, now - np.nan_to_num(last_time), 0.0)[:, None]
        facil = np.where(seen[:, None], last_u * (1 - big_u) * np.exp(-since / f), 0.0)
        depress = np.where(seen[:, None], (last_r - last_u * last_r - 1) * np.exp(-since / d), 0.0)
        if not prm.dynamic[p]:
            facil, depress = np.zeros_like(facil), np.zeros_like(depress)
        y = np.concatenate([trace, v, ie, ii, ref, spikes, facil[:, 0], depress[:, 0], facil[:, 1], depress[:, 1]])
        out.append(y)
    return np.array(out)


def history_compressor(levels, train, test, threshold, ridge, washout):
    """Schmidhuber's history compressor from its definition, slowly: `levels` are dicts of
    one ESN's ``weights, input_weights, bias, leak``. Fitted level by level on `train`
    (level k on the inputs level k - 1 failed to predict), then run on `test` one step at a
    time, every level in turn within the step. Returns (predictions (T, n_in), ticks
    (n_levels, T) bool)."""
    def step(level, x, u):
        return esn_run(level["weights"], level["input_weights"], level["bias"], level["leak"], u[None], x0=x)[0][0]

    top = len(levels) - 1
    stream, fitted = train, []
    for k, level in enumerate(levels):
        x = esn_run(level["weights"], level["input_weights"], level["bias"], level["leak"], stream)[0]
        start = washout if k == 0 else 0
        w, b = ridge_readout(x[start:-1], stream[start + 1:], ridge)
        surprise = np.ones(len(stream), dtype=bool)
        for j in range(1, len(stream)):
            surprise[j] = np.max(np.abs(stream[j] - (w @ x[j - 1] + b))) > threshold
        wq = bq = None
        if k < top:
            wq, bq = ridge_readout(x[start:-1], surprise[start + 1:, None].astype(float), ridge)
        fitted.append({"w": w, "b": b, "wq": wq, "bq": bq, "x": x[-1]})
        stream = stream[surprise]

    n_steps = len(test)
    ticks = np.zeros((len(levels), n_steps), dtype=bool)
    predictions = np.zeros_like(test)
    for t in range(n_steps):
        k = 0
        while True:
            f = fitted[k]
            surprised = np.max(np.abs(test[t] - (f["w"] @ f["x"] + f["b"]))) > threshold
            f["x"] = step(levels[k], f["x"], test[t])
            ticks[k, t] = True
            if not (surprised and k < top):
                break
            k += 1
        expected = fitted[top]["w"] @ fitted[top]["x"] + fitted[top]["b"]
        for k in range(top - 1, -1, -1):
            f = fitted[k]
            q = np.clip(f["wq"] @ f["x"] + f["bq"], 0.0, 1.0)
            expected = (1 - q) * (f["w"] @ f["x"] + f["b"]) + q * expected
        predictions[t] = expected
    return predictions, ticks


def recursive_net(w_in, w_child, bias, w_out, b_out, out_code, term, symbols):
    """One recursive network on one nested term (a symbol, or (symbol, child, ...)), node by
    node in plain Python: returns (root state, output), as lists."""
    import math

    index = {s: i for i, s in enumerate(symbols)}

    def state(t):
        head, args = (t[0], t[1:]) if isinstance(t, tuple) else (t, ())
        kids = [state(a) for a in args]
        h = []
        for i in range(len(bias)):
            a = bias[i] + w_in[i][index[head]]  # one-hot label
            for k, kid in enumerate(kids):
                a += sum(w_child[k][i][j] * kid[j] for j in range(len(kid)))
            h.append(math.tanh(a))
        return h

    root = state(term)
    out = [_out_act(out_code, b_out[m] + sum(w_out[m][i] * root[i] for i in range(len(root))))
           for m in range(len(b_out))]
    return root, out


def _softplus(x):
    return np.log1p(np.exp(x)) if x < 30 else x


def ntm(kind, prm, p, inputs, n_outputs, n_slots, width):
    """A neural Turing machine (Graves et al. 2014) step by step: controller network p of an
    evornn RNN population (kind as rnn_step), write then read. Returns outputs (T, n_outputs)
    and the write and read weightings (T, n_slots)."""
    memory = np.full((n_slots, width), 1e-6)
    heads = {"write": np.eye(n_slots)[0], "read": np.eye(n_slots)[0]}
    y = np.zeros(prm.bias.shape[-1] * (2 if kind == "lstm" else 1) + (prm.w_out.shape[1] if kind == "jordan" else 0))
    read = np.zeros(width)
    outs, writes, reads = [], [], []

    def address(params, previous):
        key = np.tanh(params[:width])
        beta, gate = _softplus(params[width]), 1 / (1 + np.exp(-params[width + 1]))
        shift = np.exp(params[width + 2: width + 5]) / np.exp(params[width + 2: width + 5]).sum()
        gamma = 1 + _softplus(params[width + 5])
        cosine = memory @ key / (np.linalg.norm(memory, axis=1) * np.linalg.norm(key) + 1e-8)
        content = np.exp(beta * cosine) / np.exp(beta * cosine).sum()
        mixed = gate * content + (1 - gate) * previous
        shifted = shift[0] * np.roll(mixed, -1) + shift[1] * mixed + shift[2] * np.roll(mixed, 1)
        return shifted**gamma / (shifted**gamma).sum()

    for x in inputs:
        y = rnn_step(kind, prm, p, y, np.concatenate([x, read]))
        o = rnn_output(kind, prm, p, y)
        w = o[n_outputs: n_outputs + 3 * width + 6]
        heads["write"] = address(w, heads["write"])
        erase, add = 1 / (1 + np.exp(-w[width + 6: 2 * width + 6])), np.tanh(w[2 * width + 6:])
        memory = memory * (1 - np.outer(heads["write"], erase)) + np.outer(heads["write"], add)
        heads["read"] = address(o[n_outputs + 3 * width + 6:], heads["read"])
        read = heads["read"] @ memory
        outs.append(o[:n_outputs])
        writes.append(heads["write"])
        reads.append(heads["read"])
    return np.array(outs), np.array(writes), np.array(reads)


def neural_stack(kind, prm, p, inputs, n_outputs, width):
    """A controller with a continuous stack (Grefenstette et al. 2015) step by step, from
    their equations: returns outputs (T, n_outputs) and the strengths after each step (T, T)."""
    y = np.zeros(prm.bias.shape[-1] * (2 if kind == "lstm" else 1) + (prm.w_out.shape[1] if kind == "jordan" else 0))
    read = np.zeros(width)
    values, strength = [], []
    outs, strengths = [], np.zeros((len(inputs), len(inputs)))
    for t, x in enumerate(inputs):
        y = rnn_step(kind, prm, p, y, np.concatenate([x, read]))
        o = rnn_output(kind, prm, p, y)
        pop, push = 1 / (1 + np.exp(-o[n_outputs])), 1 / (1 + np.exp(-o[n_outputs + 1]))
        strength = [max(0.0, strength[i] - max(0.0, pop - sum(strength[i + 1:]))) for i in range(t)] + [push]
        values.append(np.tanh(o[n_outputs + 2:]))
        read = sum(min(strength[i], max(0.0, 1 - sum(strength[i + 1:]))) * values[i] for i in range(t + 1))
        outs.append(o[:n_outputs])
        strengths[t, : t + 1] = strength
    return np.array(outs), strengths


def rnn_controller(kind, prm, p):
    """Network p of an evornn RNN population as a step function: its outputs after reading u."""
    y = np.zeros(prm.bias.shape[-1] * (2 if kind == "lstm" else 1) + (prm.w_out.shape[1] if kind == "jordan" else 0))

    def step(u):
        nonlocal y
        y = rnn_step(kind, prm, p, y, u)
        return rnn_output(kind, prm, p, y)

    return step


def entm(step, inputs, n_outputs, width, squash=True):
    """An evolvable neural Turing machine (Greve et al. 2016, as Lüders et al. 2017 list its
    steps) step by step, its tape a dict from location to vector, created as zeros when the
    head first comes: write, content jump, shift, read. `step` maps the controller's input
    [x, read] to its outputs; `squash` False takes the controls as given, clipped to [0, 1].
    Returns outputs (T, n_outputs) and the head's location after each step (T,)."""
    unit = (lambda v: 1 / (1 + np.exp(-v))) if squash else (lambda v: np.clip(v, 0.0, 1.0))
    tape, head = {0: np.zeros(width)}, 0
    read = np.zeros(width)
    outs, heads = [], []
    for x in inputs:
        o = np.asarray(step(np.concatenate([x, read])))
        write, i = unit(o[n_outputs: n_outputs + width]), unit(o[n_outputs + width])
        tape[head] = (1 - i) * tape[head] + i * write
        if unit(o[n_outputs + width + 1]) >= 0.5:
            head = min(sorted(tape), key=lambda k: np.abs(tape[k] - write).sum())  # leftmost nearest (sum: width x mean)
        head += int(np.argmax(o[n_outputs + width + 2:])) - 1  # argmax: the first of equals
        tape.setdefault(head, np.zeros(width))
        read = tape[head].copy()
        outs.append(o[:n_outputs])
        heads.append(head)
    return np.array(outs), np.array(heads)
