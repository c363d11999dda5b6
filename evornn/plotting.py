"""Matplotlib figures. matplotlib is imported lazily, inside each function."""

from __future__ import annotations

import itertools
import math

import numpy as np

from .integrate.trajectory import Trajectory


def save_png(fig, path, *, dpi: int = 110):
    """Write `fig` as a PNG atomically (temporary file, fsync, os.replace) and close it."""
    import io

    import matplotlib.pyplot as plt

    from ._io import atomic_write_bytes

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    plt.close(fig)
    return atomic_write_bytes(path, buffer.getvalue())


def save_gif(fig, update, n_frames: int, path, *, fps: int = 20):
    """Render an animation as a GIF, written atomically, and close `fig`.

    `update(k)` changes the figure's artists for frame ``k``. Frames are drawn by Agg and
    encoded by Pillow (a dependency of matplotlib), so no external writer is needed.
    """
    import io

    import matplotlib.pyplot as plt
    from PIL import Image

    from ._io import atomic_write_bytes

    frames = []
    for k in range(n_frames):
        update(k)
        fig.canvas.draw()
        image = Image.frombuffer("RGBA", fig.canvas.get_width_height(), fig.canvas.buffer_rgba())
        frames.append(image.convert("RGB").convert("P", palette=Image.Palette.ADAPTIVE))
    plt.close(fig)
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=round(1000 / fps), loop=0)
    return atomic_write_bytes(path, buffer.getvalue())


def save_frames_gif(frames, path, *, fps: int = 30):
    """Write RGB frames (arrays of shape (height, width, 3)) as a GIF, atomically."""
    import io

    from PIL import Image

    from ._io import atomic_write_bytes

    images = [Image.fromarray(np.asarray(f, dtype=np.uint8)).convert("P", palette=Image.Palette.ADAPTIVE)
              for f in frames]
    buffer = io.BytesIO()
    images[0].save(buffer, format="GIF", save_all=True, append_images=images[1:], duration=round(1000 / fps), loop=0)
    return atomic_write_bytes(path, buffer.getvalue())


def plot_episode(episode: dict, *, title=None):
    """An episode in a Gymnasium environment (``GymTask.episode``): the observations (lines,
    or a heat map beyond eight), the actions, and the running return, over control steps."""
    obs, actions, rewards = episode["observations"], np.asarray(episode["actions"]), episode["rewards"]
    fig, axes = _figure(None, figsize=(8, 7), n_rows=3)
    steps = np.arange(obs.shape[0])
    if obs.shape[1] <= 8:
        for k in range(obs.shape[1]):
            axes[0].plot(steps, obs[:, k], label=f"obs {k}")
        axes[0].legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=8, frameon=False, fontsize="small")
    else:
        image = axes[0].imshow(obs.T, aspect="auto", interpolation="nearest", cmap="coolwarm",
                               extent=(-0.5, obs.shape[0] - 0.5, obs.shape[1] - 0.5, -0.5))
        fig.colorbar(image, ax=axes[0], label="observation")
        axes[0].set_ylabel("observation index")
    axes[0].set_ylabel("observation" if obs.shape[1] <= 8 else "observation index")
    a = actions.reshape(actions.shape[0], -1) if actions.size else np.zeros((0, 1))
    for k in range(a.shape[1]):
        axes[1].step(np.arange(a.shape[0]), a[:, k], where="post", label=f"action {k}")
    axes[1].set_ylabel("action")
    if a.shape[1] <= 8:
        axes[1].legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=8, frameon=False, fontsize="small")
    axes[2].plot(np.arange(1, rewards.size + 1), np.cumsum(rewards), color="black")
    axes[2].set_ylabel(f"return ({rewards.sum():.4g})")
    axes[2].set_xlabel("environment step" if rewards.size != a.shape[0] else "control step")
    if title:
        fig.suptitle(title)
    return fig


def _figure(ax, figsize=(8, 3.5), n_rows: int = 1, *, sharex: bool = True):
    """`ax` and its figure, or a new figure (on the Agg backend unless one is chosen) with
    `n_rows` panels, sharing the x axis unless told not to (then the axes come as an array)."""
    if ax is not None:
        return ax.figure, ax
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt.subplots(n_rows, 1, figsize=figsize, sharex=sharex and n_rows > 1, layout="constrained")


def plot_outputs(traj: Trajectory, individual: int = 0, *, ax=None, labels=None, title=None):
    """Plot the outputs of one individual of `traj` over time.

    Parameters
    ----------
    traj : Trajectory
    individual : int
        Which member of the population.
    ax : matplotlib Axes, optional
        Draw here; a new figure otherwise.
    labels : list of str, optional
        One per output (default ``"neuron 1"`` ...).

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = _figure(ax)
    outputs = traj.outputs[:, individual, :]
    for k in range(outputs.shape[1]):
        ax.plot(traj.t, outputs[:, k], label=labels[k] if labels else f"neuron {k + 1}")
    ax.set_xlabel("time")
    ax.set_ylabel("output")
    ax.set_ylim(-0.02, 1.02)
    if title:
        ax.set_title(title)
    ax.legend(loc="upper right", frameon=False)
    return fig


ERROR_METRICS = ("nrmse", "mse")


def plot_history(history, *, ax=None, title=None):
    """Fitness over generations: best so far, generation maximum and mean, with a band of
    one standard deviation clipped to the generation's range (fitness never leaves it).

    Where the task reports an error (``nrmse`` or ``mse`` of each generation's best, as
    reservoir, memristive and sequence tasks do), a second panel shows it on a log axis,
    where fitnesses of ``1 / (1 + error)`` all read as 1.0 and hide the progress.

    Parameters
    ----------
    history : deap.tools.Logbook or list of dict
        ``EvolutionResult.history`` (records with ``gen``, ``min``, ``max``, ``mean``,
        ``std``, ``best`` and ``best_<metric>``).
    ax : matplotlib Axes, optional
        Draw the fitness panel here (then no error panel is drawn).

    Returns
    -------
    matplotlib.figure.Figure
    """
    records = list(history)
    error = next((m for m in ERROR_METRICS if records and f"best_{m}" in records[0]), None)
    two = ax is None and error is not None
    fig, axes = _figure(ax, figsize=(10, 3.5) if two else (8, 3.5))
    if two:
        fig.clear()
        axes = fig.subplots(1, 2)
    fit_ax = axes[0] if two else axes
    gen = np.array([r["gen"] for r in records])
    if records and "max" in records[0]:
        mean = np.array([r["mean"] for r in records])
        std = np.array([r["std"] for r in records])
        low, high = np.array([r["min"] for r in records]), np.array([r["max"] for r in records])
        fit_ax.fill_between(gen, np.maximum(mean - std, low), np.minimum(mean + std, high), alpha=0.2,
                            label="mean +/- std (within min-max)")
        fit_ax.plot(gen, mean, label="mean")
        fit_ax.plot(gen, high, label="generation best")
        fit_ax.plot(gen, [r["best"] for r in records], "k--", label="best so far")
    else:  # multi-objective: the maximum of each objective
        for k in range(sum(1 for key in (records[0] if records else {}) if key.startswith("max_"))):
            fit_ax.plot(gen, [r[f"max_{k}"] for r in records], label=f"objective {k} max")
    fit_ax.set_xlabel("generation")
    fit_ax.set_ylabel("fitness")
    fit_ax.legend(loc="best", frameon=False, fontsize="small")
    if two:
        values = np.array([r[f"best_{error}"] for r in records], dtype=float)
        finite = np.where(np.isfinite(values), values, np.nan)
        axes[1].plot(gen, finite, color="C1", label=f"{error} of the generation best")
        axes[1].plot(gen, np.fmin.accumulate(np.where(np.isnan(finite), np.inf, finite)), "k--",
                     label=f"lowest {error} so far")
        if np.any(finite > 0):
            axes[1].set_yscale("log")
        axes[1].set_xlabel("generation")
        axes[1].set_ylabel(f"{error} (log scale)")
        axes[1].legend(loc="upper right", frameon=False)
    if title:
        (fig.suptitle if two else fit_ax.set_title)(title)
    return fig


def plot_behaviour(behaviour: dict, *, ax=None, title=None):
    """The best network's outputs against the task's target (from ``task.behaviour(model)``).

    Up to three outputs are drawn as lines (each output solid, its target dashed in the same
    colour); more (one-hot symbol predictions, say) as two heat maps, the target above the
    outputs, on one colour scale, with a row per output.

    Parameters
    ----------
    behaviour : dict
        ``"t"`` shape (n,), ``"outputs"`` shape (n, n_out), ``"target"`` shape (n, n_out);
        optionally ``"output_labels"`` and ``"target_labels"`` (lists of n_out strings).
    """
    t, outputs, target = behaviour["t"], np.asarray(behaviour["outputs"]), np.asarray(behaviour["target"])
    output_labels = behaviour.get("output_labels", [f"output {k}" for k in range(outputs.shape[1])])
    target_labels = behaviour.get("target_labels", [f"target {k}" for k in range(outputs.shape[1])])
    if outputs.shape[1] > 3 and ax is None:
        return _behaviour_maps(np.asarray(t), outputs, target, title)
    fig, ax = _figure(ax)
    for k in range(outputs.shape[1]):
        line, = ax.plot(t, outputs[:, k], label=output_labels[k])
        ax.plot(t, target[:, k], "--", color=line.get_color(), alpha=0.7, label=target_labels[k])
    ax.set_xlabel("time")
    ax.set_ylabel("output")
    if title:
        fig.suptitle(title)
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=2, frameon=False)  # above: never over the data
    return fig


def _behaviour_maps(t, outputs, target, title):
    """Target and outputs as heat maps (rows: outputs; columns: samples), one colour scale."""
    fig, (top, bottom) = _figure(None, (8, 4.8), n_rows=2)
    finite = np.concatenate([outputs[np.isfinite(outputs)], target[np.isfinite(target)]])
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    edges = _cell_edges([float(v) for v in t])[0] if len(t) > 1 else np.array([t[0] - 0.5, t[0] + 0.5])
    rows = np.arange(outputs.shape[1] + 1) - 0.5
    for ax, values, name in ((top, target, "target"), (bottom, outputs, "network's outputs")):
        mesh = ax.pcolormesh(edges, rows, values.T, vmin=low, vmax=high, cmap="viridis")
        ax.set_ylabel(f"{name}\n(output index)")
        ax.set_yticks(range(outputs.shape[1]))
        ax.invert_yaxis()
    bottom.set_xlabel("time (one column per sample)")
    fig.colorbar(mesh, ax=[top, bottom], label="value")
    if title:
        fig.suptitle(title)
    return fig


def plot_prediction(behaviour: dict, *, title=None, window: int | None = None):
    """A time-series predictor's validation run (from ``TimeSeriesTask.behaviour``): target,
    driven prediction and, where present, free-running generation of output 0 over the first
    `window` validation steps (default: 100, or twice the free run), where the lines can be
    told apart, above their absolute errors on a log scale over every validation step.

    Returns
    -------
    matplotlib.figure.Figure
    """
    t = np.asarray(behaviour["t"])
    target, driven = np.asarray(behaviour["target"])[:, 0], np.asarray(behaviour["outputs"])[:, 0]
    free = behaviour.get("free_run")
    free = None if free is None else np.asarray(free)[:, 0]
    if window is None:
        window = max(100, 2 * free.size) if free is not None else 100
    shown = slice(0, min(int(window), t.size))
    fig, (top, bottom) = _figure(None, (8, 5), n_rows=2, sharex=False)
    top.plot(t[shown], target[shown], color="k", lw=1.0, label="target")
    top.plot(t[shown], driven[shown], "--", color="C0", label="one step ahead")
    bottom.semilogy(t, np.abs(driven - target) + 1e-300, color="C0", label="one step ahead")
    if free is not None:
        top.plot(t[: free.size], free, ":", color="C3", lw=2.0, label="free running")
        bottom.semilogy(t[: free.size], np.abs(free - target[: free.size]) + 1e-300, color="C3", label="free running")
    top.set_xlim(t[shown][0], t[shown][-1])
    top.set_ylabel("output 0")
    top.set_xlabel(f"validation step (the first {t[shown].size})")
    top.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), frameon=False, ncols=3)
    bottom.axvspan(t[shown][0], t[shown][-1], color="0.92", zorder=0, label="shown above")
    bottom.set_xlim(t[0], t[-1])
    bottom.set_ylabel("|error|")
    bottom.set_xlabel(f"validation step (all {t.size})")
    bottom.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize="small")
    if title:
        fig.suptitle(title)
    return fig


def plot_long_gap(behaviour: dict, *, gap: int, title=None):
    """A long-gap predictor's test run (from ``LongGapTask.behaviour``): the stream's symbols
    and, for a history compressor, the steps its level 1 read, above the predictions of the
    last symbols A and X against what came.

    Returns
    -------
    matplotlib.figure.Figure
    """
    t = np.asarray(behaviour["t"])
    out, target = np.asarray(behaviour["outputs"]), np.asarray(behaviour["target"])
    symbols = np.asarray(behaviour["symbols"])
    fig, (top, bottom) = _figure(None, (8, 5), n_rows=2)
    # rows: a, x, then the chain b1 .. b_gap, then A and X above it
    d = max(2, gap // 6)  # room between the labelled rows
    chain = 2 * d + symbols - 4
    row = np.where(symbols < 2, d * symbols, np.where(symbols < 4, 2 * d + gap - 1 + d * (symbols - 1), chain))[: t.size]
    top.plot(t, row, ".", color="0.3", ms=3, label="input symbol")
    ticks = behaviour.get("ticks")
    if ticks is not None:
        read = np.asarray(ticks)[: t.size] > 0
        top.plot(t[read], row[read], "o", mfc="none", color="C3", ms=8, label="read by level 1")
    top.set_yticks([0, d, 2 * d, 2 * d + gap - 1, 3 * d + gap - 1, 4 * d + gap - 1], ["a", "x", "b1", f"b{gap}", "A", "X"])
    top.set_ylabel("symbol")
    top.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), frameon=False, ncols=2)
    for j, (name, colour) in enumerate((("A", "C0"), ("X", "C1"))):
        bottom.step(t, target[:, j], where="mid", color=colour, lw=3, alpha=0.3, label=f"next is {name}")
        bottom.plot(t, out[:, j], color=colour, lw=1.2, label=f"predicted {name}")
    bottom.set_ylabel("output")
    bottom.set_xlabel(f"test step (the first {t.size}; each sequence {gap + 2} symbols)")
    bottom.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize="small")
    if title:
        fig.suptitle(title)
    return fig


def plot_relaxation(t, w, lyapunov, *, n_edges_shown: int = 6, title=None):
    """A memristive circuit relaxing from several random states: the memory states of a few
    edges (one colour per edge, one line per start) above the Lyapunov function of each run.

    Parameters
    ----------
    t : ndarray, shape (n_rec,)
    w : ndarray, shape (n_rec, n_starts, E)
    lyapunov : ndarray, shape (n_rec, n_starts)
    """
    fig, (top, bottom) = _figure(None, (8, 5), n_rows=2)
    for e in range(min(n_edges_shown, w.shape[2])):
        lines = top.plot(t, w[:, :, e], color=f"C{e}", lw=0.8, alpha=0.7)
        lines[0].set_label(f"edge {e}")
    top.set_ylabel("memory state w")
    top.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False, fontsize="small",
               title=f"{w.shape[1]} starts each")
    bottom.plot(t, lyapunov, lw=0.8, color="k", alpha=0.6)
    bottom.set_ylabel("Lyapunov function\n(one line per start)")
    bottom.set_xlabel("time")
    if title:
        top.set_title(title)
    return fig


def plot_capacity(curve, *, title=None):
    """A Hopfield capacity curve (from :func:`evornn.analysis.capacity_curve`): the fraction
    of stored patterns that are fixed points (top) and the recall rate from noisy probes
    (bottom) over the load p / N, one line per rule, with the theoretical loads marked."""
    from .analysis.landscape import capacity_markers

    fig, (top, bottom) = _figure(None, (8, 5), n_rows=2)
    for r, rule in enumerate(curve.rules):
        top.plot(curve.loads, curve.fixed[r], "o-", ms=3, label=rule)
        bottom.plot(curve.loads, curve.recall[r], "o-", ms=3, label=rule)
    for k, (name, load) in enumerate(capacity_markers(curve.n_units).items()):
        for ax in (top, bottom):
            ax.axvline(load, color="0.5", ls=(0, (2, 2 + k)), lw=1)
        top.annotate(name, (load, 0.02 + 0.1 * k), rotation=90, fontsize=7, color="0.3", ha="right", va="bottom")
    top.set_ylabel("fixed points")
    bottom.set_ylabel(f"recall from {curve.noise:.0%} noise")
    bottom.set_xlabel("load p / N")
    fig.legend(*top.get_legend_handles_labels(), loc="outside lower center", ncol=3, frameon=False)  # off the curves
    if title:
        top.set_title(title)
    return fig


def plot_gait(behaviour: dict, *, title=None):
    """A walker's run (from ``WalkerTask.behaviour``): body position over time above the
    gait diagram, a black bar wherever a foot is down (legs L1 ... R3 for six legs).

    Returns
    -------
    matplotlib.figure.Figure
    """
    t, x, foot = behaviour["t"], np.asarray(behaviour["x"]), np.asarray(behaviour["foot"])
    n_legs = foot.shape[1]
    fig, (top, bottom) = _figure(None, (8, 4.5 if n_legs > 1 else 3.5), n_rows=2)
    top.plot(t, x, color="k")
    top.set_ylabel("position")
    if title:
        top.set_title(title)
    dt = t[1] - t[0] if t.size > 1 else 1.0
    names = ["L1", "L2", "L3", "R1", "R2", "R3"] if n_legs == 6 else ["foot"]
    for leg in range(n_legs):
        down = np.flatnonzero(np.diff(np.concatenate([[0.0], foot[:, leg] == 1.0, [0.0]])))
        spans = [(t[a] - dt, t[b - 1] - t[a] + dt) for a, b in zip(down[::2], down[1::2], strict=True)]
        bottom.broken_barh(spans, (n_legs - 1 - leg - 0.4, 0.8), color="k")
    bottom.set_yticks(range(n_legs), names[::-1])
    bottom.set_xlabel("time")
    bottom.set_ylabel("stance")
    return fig


def plot_cartpole(behaviour: dict, *, title=None):
    """A pole balancer's run (from ``CartPoleTask.behaviour``): cart position, pole angles
    (degrees) and the force over time.

    Returns
    -------
    matplotlib.figure.Figure
    """
    t, state, force = behaviour["t"], np.asarray(behaviour["state"]), np.asarray(behaviour["force"])
    poles = [(k, name) for k, name in ((2, "pole 1 (1 m)"), (4, "pole 2 (0.1 m)")) if np.any(state[:, k] != 0.0)]
    # One panel per pole: the short pole swings far more, and on a shared panel it hid the long one.
    axes = _figure(None, (8, 2.2 * (2 + len(poles))), n_rows=2 + len(poles))[1]
    top, bottom = axes[0], axes[-1]
    top.plot(t, state[:, 0], color="k")
    top.set_ylabel("cart x (m)")
    for ax, (k, name) in zip(axes[1:-1], poles, strict=True):
        ax.plot(t, np.degrees(state[:, k]), color="C0" if k == 2 else "C1", lw=0.8)
        ax.set_ylabel(f"{name}\nangle (deg)")
    t, force = np.asarray(t), np.asarray(force)
    if force.size > 1000:  # a bang-bang force drawn step by step is a solid block: show its range per window
        width = force.size // 400
        n = width * (force.size // width)
        windows = force[:n].reshape(-1, width)
        centre = t[:n].reshape(-1, width).mean(axis=1)
        bottom.fill_between(centre, windows.min(axis=1), windows.max(axis=1), color="C3", alpha=0.25, lw=0,
                            label=f"range per {t[width] - t[0]:.2g} s")
        bottom.plot(centre, windows.mean(axis=1), color="C3", lw=1, label="mean per window")
        bottom.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), frameon=False, fontsize="small", ncol=2)
    else:
        bottom.plot(t[:force.size], force, color="C3", lw=0.8)
    bottom.set_ylabel("force (N)")
    bottom.set_xlabel("time (s)")
    if title:
        top.figure.suptitle(title)
    return top.figure


def plot_body(behaviour: dict, *, names=None, max_panels: int = 4, title=None):
    """A body's state over time on every trial (from ``BodyTask.behaviour``): one panel per
    state variable (the first `max_panels`), one line per trial.

    Parameters
    ----------
    behaviour : dict
        ``"t"`` shape (n_steps,) and ``"state"`` shape (n_steps, n_trials, n_state), NaN
        after a trial ended.
    names : list of str, optional
        The state variables' names with units (default ``state[k]``).

    Returns
    -------
    matplotlib.figure.Figure
    """
    t, state = np.asarray(behaviour["t"]), np.asarray(behaviour["state"])
    n_panels = min(state.shape[2], max_panels)
    names = list(names or []) + [f"state[{k}]" for k in range(len(names or []), n_panels)]
    axes = np.atleast_1d(_figure(None, (8, 1.9 * n_panels + 0.8), n_rows=n_panels)[1])
    n_trials = state.shape[1]
    for k, ax in enumerate(axes):
        for trial in range(n_trials):
            ax.plot(t, state[:, trial, k], lw=0.9, color=f"C{trial % 10}", label=f"trial {trial}" if k == 0 else None)
        ax.set_ylabel(names[k])
    axes[-1].set_xlabel("time")
    if n_trials <= 10:
        axes[0].legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=min(n_trials, 5), frameon=False,
                       fontsize="small")
    if title:
        axes[0].figure.suptitle(title)
    return axes[0].figure


def plot_categorisation(behaviour: dict, *, title=None):
    """A categorisation agent's trials (from ``CategorizationTask.behaviour``): the agent's
    horizontal position relative to the object against the object's height, one line per
    trial (circles blue, diamonds red); a good agent converges on circles and veers from
    diamonds.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = _figure(None, figsize=(6, 5))
    relative = np.asarray(behaviour["agent_x"]) - np.asarray(behaviour["object_x"])
    height = np.asarray(behaviour["object_y"])
    for s, shape in enumerate(behaviour["shapes"]):
        ax.plot(relative[:, s], height, color="C0" if shape == 0 else "C3", lw=0.8, alpha=0.8,
                label=("circle" if shape == 0 else "diamond") if s == 0 or shape != behaviour["shapes"][s - 1] else None)
    ax.set_xlabel("agent x - object x")
    ax.set_ylabel("object height")
    ax.legend(loc="upper right", frameon=False)
    if title:
        ax.set_title(title)
    return fig


def plot_arena(behaviour: dict, *, light=None, obstacles=None, title=None):
    """A wheeled robot's paths (from ``WheeledRobotTask.behaviour``) in the unit-square
    arena, one line per trial from a dot at its start, with the light (a star) and the
    obstacles.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.patches as mpatches
    from matplotlib.lines import Line2D

    fig, ax = _figure(None, figsize=(5, 5.6))
    pose = np.asarray(behaviour["pose"])
    for s in range(pose.shape[1]):
        line, = ax.plot(pose[:, s, 0], pose[:, s, 1], lw=1)
        ax.plot(pose[0, s, 0], pose[0, s, 1], "o", color=line.get_color(), ms=4)
    obstacles = np.zeros((0, 3)) if obstacles is None else np.asarray(obstacles)
    for x, y, r in obstacles:
        ax.add_patch(mpatches.Circle((x, y), r, color="0.6"))
    if light is not None:
        ax.plot(light[0], light[1], "*", color="gold", ms=16, mec="k")
    handles = [Line2D([], [], color="0.3", lw=1, marker="o", ms=4,
                      label=f"path of each of {pose.shape[1]} trials (one colour each), from its start")]
    if len(obstacles):
        handles.append(mpatches.Patch(color="0.6", label="obstacle"))
    if light is not None:
        handles.append(Line2D([], [], ls="", marker="*", color="gold", mec="k", ms=12, label="light"))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.12), frameon=False, fontsize="small")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_aspect("equal")
    ax.set_xlabel("x (m)")
    ax.set_ylabel("y (m)")
    if title:
        ax.set_title(title)
    return fig


def animate_cartpole(behaviour: dict, path, *, n_frames: int = 100, fps: int = 20):
    """A GIF of a pole balancer (from ``CartPoleTask.behaviour``): the cart on its track
    and the poles to scale (Wieland's 1 m and 0.1 m), hinged side by side on the cart so the
    short one never hides behind the long one, and a bar for the force; `n_frames` frames
    evenly spaced over the run."""
    import matplotlib.patches as mpatches

    state = np.asarray(behaviour["state"])
    t, force = np.asarray(behaviour["t"]), np.asarray(behaviour["force"])
    two = bool(np.any(state[:, 4] != 0.0))
    fig, (ax, bar) = _figure(None, figsize=(6.5, 3.4), n_rows=2)
    fig.clear()
    ax, bar = fig.subplots(2, 1, height_ratios=[5, 1])
    ax.set_xlim(-2.6, 2.6)
    ax.set_ylim(-0.3, 1.45)  # the long pole upright reaches 1.2 m above the track
    ax.set_aspect("equal")
    ax.plot([-2.4, 2.4], [0, 0], color="0.5", lw=1)
    for end in (-2.4, 2.4):
        ax.plot([end, end], [-0.1, 0.1], color="0.3", lw=2)
    ax.set_xlabel("cart position (m); the track ends at +/- 2.4 m")
    ax.set_yticks([])
    cart = ax.add_patch(mpatches.Rectangle((0, 0), 0.4, 0.2, color="0.3"))
    hinges = (-0.08, 0.08) if two else (0.0, 0.0)
    poles = [ax.plot([], [], lw=w, color=c, solid_capstyle="round", label=name)[0]
             for w, c, name in ((3, "C0", "pole 1 (1 m)"), (3, "C1", "pole 2 (0.1 m)"))[:2 if two else 1]]
    ax.legend(loc="upper right", frameon=False, fontsize="small")
    label = ax.text(-2.5, 1.3, "")
    limit = max(1e-9, float(np.nanmax(np.abs(force))) if force.size else 1.0)
    bar.set_xlim(-limit, limit)
    bar.set_yticks([])
    bar.axvline(0, color="0.5", lw=0.8)
    bar.set_xlabel("force on the cart (N)")
    force_bar = bar.barh([0], [0.0], height=0.6, color="C3")[0]
    rows = np.linspace(0, state.shape[0] - 1, min(n_frames, state.shape[0])).astype(int)

    def update(k):
        r = rows[k]
        x = state[r, 0]
        cart.set_xy((x - 0.2, 0.0))
        for line, theta, length, hinge in zip(poles, (state[r, 2], state[r, 4]), (1.0, 0.1), hinges, strict=False):
            line.set_data([x + hinge, x + hinge + length * np.sin(theta)], [0.2, 0.2 + length * np.cos(theta)])
        force_bar.set_width(force[min(r, force.size - 1)] if force.size else 0.0)
        label.set_text(f"t = {t[r]:.2f} s")

    return save_gif(fig, update, rows.size, path, fps=fps)


def animate_walker(behaviour: dict, path, *, n_frames: int = 100, fps: int = 20):
    """A GIF of Beer's walker (from ``WalkerTask.behaviour``): the body and its legs, feet
    down drawn filled; the view follows the body over a ground marked every 10 units, so
    the motion shows against it."""
    x = np.asarray(behaviour["x"])
    angle, foot = np.asarray(behaviour["angle"]), np.asarray(behaviour["foot"])
    n_legs = angle.shape[1]
    hips = np.array([20.0, 0.0, -20.0, 20.0, 0.0, -20.0]) if n_legs == 6 else np.zeros(1)
    fig, ax = _figure(None, figsize=(6, 2.6))
    ax.set_ylim(-18, 8)
    ax.set_aspect("equal")
    ax.axhline(-15, color="0.5", lw=1)  # spans the axes whatever the view
    marks = np.arange(10 * np.floor((np.nanmin(x) - 60) / 10), np.nanmax(x) + 60, 10.0)
    ax.plot(np.repeat(marks, 3), np.tile([-15.0, -17.0, np.nan], marks.size), color="0.5", lw=1)
    ax.set_yticks([])
    ax.set_xlabel("position")
    body = ax.plot([], [], color="k", lw=6, solid_capstyle="round")[0]
    legs = [ax.plot([], [], "-o", markevery=[1], color="C0" if leg < 3 else "C1", lw=2, ms=5)[0] for leg in range(n_legs)]
    label = ax.text(0.02, 0.9, "", transform=ax.transAxes)
    rows = np.linspace(0, x.size - 1, min(n_frames, x.size)).astype(int)

    def update(k):
        r = rows[k]
        ax.set_xlim(x[r] - 45, x[r] + 45)
        body.set_data([x[r] + hips.min() - 5, x[r] + hips.max() + 5], [0, 0])
        for leg, line in enumerate(legs):
            hip = x[r] + hips[leg]
            line.set_data([hip, hip + 15 * np.sin(angle[r, leg])], [0, -15 * np.cos(angle[r, leg])])
            line.set_markerfacecolor("k" if foot[r, leg] == 1 else "white")
        label.set_text(f"t = {behaviour['t'][r]:.1f}, x = {x[r]:.1f}")

    return save_gif(fig, update, rows.size, path, fps=fps)


def animate_categorisation(behaviour: dict, path, *, object_radius: float, body_radius: float, n_frames: int = 60,
                           fps: int = 15):
    """A GIF of a categorisation agent (from ``CategorizationTask.behaviour``): one circle
    trial and one diamond trial side by side (the drops nearest the agent's start), the
    object falling and the agent moving along the floor, with its path so far."""
    import matplotlib.patches as mpatches

    agent, obj = np.asarray(behaviour["agent_x"]), np.asarray(behaviour["object_x"])
    height, shapes = np.asarray(behaviour["object_y"]), np.asarray(behaviour["shapes"])
    offsets = np.abs(np.asarray(behaviour["offsets"]))
    trials = [int(np.flatnonzero(shapes == s)[np.argmin(offsets[shapes == s])]) for s in (0, 1) if np.any(shapes == s)]
    fig, axes = _figure(None, figsize=(3.2 * len(trials), 4.2))
    fig.clear()
    axes = np.atleast_1d(fig.subplots(1, len(trials)))
    objects, bodies, paths = [], [], []
    for ax, s in zip(axes, trials, strict=True):
        centre = obj[0, s]
        ax.set_xlim(centre - 100, centre + 100)
        ax.set_ylim(-body_radius - 5, height[0] + object_radius + 5)
        ax.set_aspect("equal")
        ax.axhline(-body_radius, color="0.5", lw=1)
        ax.set_title(f"{'circle' if shapes[s] == 0 else 'diamond'}: "
                     f"{'catch' if shapes[s] == 0 else 'avoid'} (offset {behaviour['offsets'][s]:+.0f})", fontsize="small")
        ax.set_xlabel("x")
        if shapes[s] == 0:
            objects.append(ax.add_patch(mpatches.Circle((centre, height[0]), object_radius, color="C0")))
        else:
            objects.append(ax.add_patch(mpatches.RegularPolygon((centre, height[0]), 4, radius=object_radius,
                                                                color="C3")))
        bodies.append(ax.add_patch(mpatches.Circle((agent[0, s], 0.0), body_radius, color="k")))
        paths.append(ax.plot([], [], color="0.4", lw=1)[0])
    axes[0].set_ylabel("height")
    rows = np.linspace(0, height.size - 1, min(n_frames, height.size)).astype(int)

    def update(k):
        r = rows[k]
        for s, o, b, line in zip(trials, objects, bodies, paths, strict=True):
            if isinstance(o, mpatches.Circle):
                o.set_center((obj[r, s], height[r]))
            else:
                o.xy = (obj[r, s], height[r])
            b.set_center((agent[r, s], 0.0))
            line.set_data(agent[:r + 1, s], np.zeros(r + 1))

    return save_gif(fig, update, rows.size, path, fps=fps)


def animate_arena(behaviour: dict, path, *, radius: float, light=None, obstacles=None, n_frames: int = 80,
                  fps: int = 15):
    """A GIF of wheeled robots (from ``WheeledRobotTask.behaviour``): every trial's robot (a
    disc of the true radius with a tick for its heading) and its path so far, in the
    unit-square arena with the light and the obstacles."""
    import matplotlib.patches as mpatches

    pose = np.asarray(behaviour["pose"])
    fig, ax = _figure(None, figsize=(5, 5))
    for x, y, r in (np.zeros((0, 3)) if obstacles is None else obstacles):
        ax.add_patch(mpatches.Circle((x, y), r, color="0.6"))
    if light is not None:
        ax.plot(light[0], light[1], "*", color="gold", ms=16, mec="k", label="light")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_aspect("equal")
    ax.set_xlabel("x (m)")
    ax.set_ylabel("y (m)")
    colours = [f"C{s % 10}" for s in range(pose.shape[1])]
    paths = [ax.plot([], [], lw=1, color=c)[0] for c in colours]
    robots = [ax.add_patch(mpatches.Circle((0, 0), radius, color=c)) for c in colours]
    headings = [ax.plot([], [], color="k", lw=1.5)[0] for _ in colours]
    label = ax.text(0.02, 1.02, "", transform=ax.transAxes)
    rows = np.linspace(0, pose.shape[0] - 1, min(n_frames, pose.shape[0])).astype(int)

    def update(k):
        r = rows[k]
        for s in range(pose.shape[1]):
            x, y, heading = pose[r, s]
            paths[s].set_data(pose[:r + 1, s, 0], pose[:r + 1, s, 1])
            robots[s].set_center((x, y))
            headings[s].set_data([x, x + radius * np.cos(heading)], [y, y + radius * np.sin(heading)])
        label.set_text(f"t = {behaviour['t'][r]:.1f} s")

    return save_gif(fig, update, rows.size, path, fps=fps)


def plot_basins(basins, *, ax=None, title=None, labels=("x", "y"), cycles=None):
    """A basin grid (from :func:`evornn.analysis.basin_grid`) as an image, one colour per
    attractor (grey: "other"), with a legend naming each attractor and its share of the
    grid, and the attractors drawn on it: fixed points as black dots, and closed orbits
    given in `cycles` (a list of arrays of shape (n, 2) in the plotted coordinates) as
    black lines. A grid that is all one basin then still shows what attracts it."""
    import matplotlib.colors as mcolors
    from matplotlib.patches import Patch

    fig, ax = _figure(ax, figsize=(5.5, 5.5))
    n = len(basins.kinds)
    palette = ["#bbbbbb"] + [f"C{k % 10}" for k in range(n)]
    cmap = mcolors.ListedColormap(palette)
    ax.imshow(basins.labels + 1, origin="lower", extent=basins.extent, cmap=cmap, vmin=-0.5, vmax=n + 0.5,
              interpolation="nearest", aspect="auto")
    handles = []
    cycle_orbits = list(cycles or [])
    for k, (kind, state, fraction) in enumerate(zip(basins.kinds, basins.states, basins.fractions, strict=True)):
        where = ""
        if kind == "fixed point":
            x, y = state[basins.axes[0]], state[basins.axes[1]]
            ax.plot(x, y, "o", ms=7, mec="w", mfc="k", zorder=5)
            where = f" at ({x:.3g}, {y:.3g})"
        name = "periodic attractor (cycle)" if kind == "cycle" else kind
        handles.append(Patch(color=palette[k + 1], label=f"{name}{where}: {100 * fraction:.1f}%"))
    for orbit in cycle_orbits:
        orbit = np.asarray(orbit)
        ax.plot(np.append(orbit[:, 0], orbit[0, 0]), np.append(orbit[:, 1], orbit[0, 1]), "k-", lw=2, zorder=5)
    if basins.fraction_other > 0:
        handles.append(Patch(color=palette[0], label=f"other (no attractor identified): {100 * basins.fraction_other:.1f}%"))
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=1 if n < 3 else 2, frameon=False,
              fontsize="small")
    if title:
        ax.set_title(title)
    return fig


def plot_bifurcation(diagram, *, ax=None, title=None, xlabel="parameter", ylabel="state"):
    """A bifurcation diagram (from :func:`evornn.analysis.bifurcation_diagram`), with the
    period-doubling points marked."""
    fig, ax = _figure(ax)
    ax.plot(diagram.parameter, diagram.state, ",k", alpha=0.6)
    for r in diagram.doublings:
        ax.axvline(r, color="C3", lw=0.6, alpha=0.6)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    return fig


def plot_branches(*branch_sets, coordinate=0, individual: int = 0, ax=None, title=None, ylabel=None):
    """Branches of equilibria (from :func:`evornn.analysis.continue_equilibria` and
    :func:`~evornn.analysis.switch_branch`) and of limit cycles (from
    :func:`~evornn.analysis.continue_cycles`: each cycle's largest and smallest value of the
    coordinate) against their parameter: solid where stable, dashed where unstable, special
    points marked and labelled (LP, BP, H, PD, NS, LPC).

    Parameters
    ----------
    *branch_sets : Branches or CycleBranch
        Drawn in one panel (for example a branch, the one switched onto at its BP and the
        cycles born at its Hopf point).
    coordinate : int or "norm"
        The state variable on the y axis, or (equilibria) the state's Euclidean norm.
    individual : int
        Which individual of each set of equilibrium branches (a switched branch has one: 0).
    """
    fig, ax = _figure(ax, figsize=(6.5, 4))
    markers = {"LP": "o", "BP": "s", "H": "D", "PD": "v", "NS": "^", "LPC": "o"}
    labelled = set()

    def draw(x, y, stable, colour, first, inserted=()):
        # The special points go into the line (stability changes there), each with the
        # stability of the point before it.
        x, y, stable = list(x), list(y), list(stable)
        for index, px, py in sorted(inserted, reverse=True):
            at = min(index + 1, len(x))
            x.insert(at, px)
            y.insert(at, py)
            stable.insert(at, stable[at - 1] if at > 0 else stable[0])
        x, y, stable = np.array(x), np.array(y), np.array(stable, dtype=bool)
        for flag, style in ((True, "-"), (False, "--")):
            # Each stretch drawn from the point before it, so that the parts join.
            shown = stable == flag
            shown[:-1] |= shown[1:] & (stable[:-1] != flag)
            ax.plot(x, np.where(shown, y, np.nan), style, color=colour, lw=1.6,
                    label=("stable" if flag else "unstable") if first else None)

    def mark(point, value):
        ax.plot(point.parameter, value, markers.get(point.kind, "o"), color="k", ms=6, mfc="white",
                label=None if point.kind in labelled else point.kind)
        labelled.add(point.kind)
        shown = 0.0 if abs(point.parameter) < 1e-9 else point.parameter
        ax.annotate(f"{point.kind} {shown:.4g}", (point.parameter, value), textcoords="offset points",
                    xytext=(6, 6), fontsize=8)

    for k, branches in enumerate(branch_sets):
        colour = f"C{k}"
        if hasattr(branches, "periods"):  # cycles: the special points' extremes are interpolated
            column = 0 if coordinate == "norm" else coordinate
            for extreme in (branches.maxima, branches.minima):
                at = [np.interp(point.parameter, branches.values[point.index:point.index + 2],
                                extreme[point.index:point.index + 2, column]) for point in branches.special]
                draw(branches.values, extreme[:, column], branches.stable, colour,
                     k == 0 and extreme is branches.maxima,
                     [(point.index, point.parameter, a) for point, a in zip(branches.special, at, strict=True)])
                if extreme is branches.maxima:
                    for point, a in zip(branches.special, at, strict=True):
                        mark(point, a)
            continue
        p = min(individual, branches.n_pop - 1)
        n = int(branches.n_points[p])
        states = branches.states[p, :n]
        y = np.linalg.norm(states, axis=1) if coordinate == "norm" else states[:, coordinate]
        special = branches.points(individual=p)
        at = [np.linalg.norm(point.state) if coordinate == "norm" else point.state[coordinate] for point in special]
        draw(branches.values[p, :n], y, branches.stable[p, :n], colour, k == 0,
             [(point.index, point.parameter, a) for point, a in zip(special, at, strict=True)])
        for point, a in zip(special, at, strict=True):
            mark(point, a)
    ax.set_xlabel(branch_sets[0].parameter)
    ax.set_ylabel(ylabel or ("|y|" if coordinate == "norm" else f"y[{coordinate}]"))
    ax.legend(loc="best", fontsize=8)
    if title:
        ax.set_title(title)
    return fig


def plot_curves(curves, *, ax=None, title=None, background=None, extent=None, background_label=None):
    """Bifurcation curves in a parameter plane (from :func:`evornn.analysis.continue_curve`
    or :func:`~evornn.analysis.bifurcation_curves`): folds solid, Hopf curves dashed (thin
    where they continue as neutral saddles), folds of cycles dash-dotted, cusp (CP), Bogdanov-Takens (BT) and generalised
    Hopf (GH) points marked. `background`, an array over the plane (for example a
    brute-force count of equilibria, shape ``(n_x, n_y)``) with `extent` ``(x0, x1, y0,
    y1)``, is drawn beneath."""
    fig, ax = _figure(ax, figsize=(6, 5))
    if background is not None:
        image = ax.imshow(np.asarray(background).T, origin="lower", extent=extent, aspect="auto", cmap="Greys",
                          alpha=0.5, interpolation="nearest")
        fig.colorbar(image, ax=ax, label=background_label or "")
    markers = {"CP": "^", "BT": "s", "GH": "D"}
    labelled = set()
    for curve in curves:
        x, y = curve.values.T
        if curve.kind == "LP":
            ax.plot(x, y, "-", color="C0", lw=1.6, label=None if "LP" in labelled else "fold (LP)")
        elif curve.kind == "LPC":
            ax.plot(x, y, "-.", color="C2", lw=1.6, label=None if "LPC" in labelled else "fold of cycles (LPC)")
        else:
            hopf = np.isfinite(curve.frequency)
            ax.plot(x, np.where(hopf, y, np.nan), "--", color="C3", lw=1.6, label=None if "H" in labelled else "Hopf (H)")
            ax.plot(x, np.where(hopf, np.nan, y), ":", color="C3", lw=0.8)
        labelled.add(curve.kind)
        for point in curve.special:
            ax.plot(*point.data["values"], markers.get(point.kind, "o"), color="k", mfc="white", ms=7,
                    label=None if point.kind in labelled else point.kind)
            labelled.add(point.kind)
    if curves:
        ax.set_xlabel(curves[0].parameters[0])
        ax.set_ylabel(curves[0].parameters[1])
    if extent is not None:
        ax.set_xlim(extent[0], extent[1])
        ax.set_ylim(extent[2], extent[3])
    ax.legend(loc="best", fontsize=8)
    if title:
        ax.set_title(title)
    return fig


def plot_maze(task, paths=(), *, points=None, point_label="final positions", ax=None, title=None):
    """One of Lehman and Stanley's mazes (:class:`evornn.tasks.MazeTask`): its walls, the
    start (a triangle, pointing along the heading) and the goal (a star, with the radius
    that counts as reached), robots' paths (arrays of shape ``(n_steps, 2)``) and points
    (for example the final positions of a population, or a novelty archive). The y axis
    points down, as on the paper's figures."""
    import matplotlib.patches as mpatches

    from .tasks.maze import EXIT_RANGE

    fig, ax = _figure(ax, figsize=(6, 6 * task.body.size[1] / task.body.size[0] + 0.6))
    params = task.body.params
    for x0, y0, x1, y1 in params.walls:
        ax.plot([x0, x1], [y0, y1], color="k", lw=2)
    for k, path in enumerate(paths):
        path = np.asarray(path)
        ax.plot(path[:, 0], path[:, 1], lw=1.2, label="path" if k == 0 else None)
    if points is not None and len(points):
        points = np.asarray(points)
        ax.plot(points[:, 0], points[:, 1], ".", ms=3, color="C1", alpha=0.6, label=point_label)
    x, y, heading = params.start
    ax.plot(x, y, marker=(3, 0, heading - 90), ms=11, color="C2", ls="", label="start")
    ax.add_patch(mpatches.Circle(tuple(params.goal), EXIT_RANGE, color="gold", alpha=0.5))
    ax.plot(*params.goal, "*", color="gold", mec="k", ms=16, ls="", label="goal")
    ax.set_xlim(0, task.body.size[0])
    ax.set_ylim(task.body.size[1], 0)
    ax.set_aspect("equal")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=4, frameon=False, fontsize="small")
    ax.set_title(title or f"the {task.maze} maze", fontsize=10)
    return fig


def plot_archive(archive, *, dims=None, ax=None, title=None):
    """The heat map of a quality-diversity archive (:mod:`evornn.optim.archive`): each filled
    cell coloured by its elite's fitness, empty cells blank.

    With two descriptors the map spans them. A grid of more is drawn whole, nested as Cully
    et al. (2015) draw their six-dimensional maps: descriptors 0, 2, 4 ... along x and 1,
    3, 5 ... along y, the first of each the outermost (each block of the outer pair holds a
    picture of the next pair, and so on). Naming two descriptors in `dims` shows them
    alone, each cell of the picture the best elite over the others (a CVT archive of more
    than two descriptors is drawn so, over its first two by default, as Voronoi cells).
    """
    fig, ax = _figure(ax, figsize=(6.4, 5))
    names = archive.names
    metrics = archive.metrics()
    nested = dims is None and hasattr(archive, "dims") and len(names) > 2
    d0, d1 = (0, 1) if dims is None else dims
    if len(names) == 1:
        d1 = None
    projected = not nested and len(names) > 2
    if nested:
        image = _nested_archive(ax, archive)
    elif hasattr(archive, "dims"):
        shape = archive.dims
        grid = np.where(archive.occupied, archive.fitness, -np.inf).reshape(shape)
        keep = [d0] if d1 is None else [d0, d1]
        other = tuple(k for k in range(len(shape)) if k not in keep)
        plane = grid.max(axis=other) if other else grid
        if d1 is None:
            plane = plane[:, None]
        elif d0 > d1:
            plane = plane.T
        plane = np.where(np.isfinite(plane), plane, np.nan)
        extent = (archive.low[d0], archive.high[d0], *((archive.low[d1], archive.high[d1]) if d1 is not None
                                                     else (0.0, 1.0)))
        image = ax.imshow(np.ma.masked_invalid(plane).T, origin="lower", extent=extent, aspect="auto",
                          cmap="viridis", interpolation="nearest")
    else:
        from matplotlib.collections import PolyCollection
        from scipy.spatial import Voronoi

        low, high = archive.low[[d0, d1]], archive.high[[d0, d1]]
        # The cells in the unit box, where the archive measures distances; far points
        # close the outer cells.
        points = (archive.centroids[:, [d0, d1]] - low) / (high - low)
        frame = np.array([[-10.0, -10.0], [11.0, -10.0], [-10.0, 11.0], [11.0, 11.0]])
        vor = Voronoi(np.concatenate([points, frame]))
        polygons, colours = [], []
        for cell in np.flatnonzero(archive.occupied):
            region = vor.regions[vor.point_region[cell]]
            if region and -1 not in region:
                polygons.append(low + vor.vertices[region] * (high - low))
                colours.append(archive.fitness[cell])
        image = PolyCollection(polygons, array=np.array(colours), cmap="viridis", edgecolors="0.85", linewidths=0.2)
        ax.add_collection(image)
        ax.set_xlim(low[0], high[0])
        ax.set_ylim(low[1], high[1])
    fig.colorbar(image, ax=ax, label="fitness of the cell's elite" + (" (best over the other descriptors)"
                                                                      if projected else ""))
    if not nested:
        ax.set_xlabel(names[d0])
        ax.set_ylabel(names[d1] if d1 is not None else "")
    ax.set_title(f"{title or 'archive'}\ncoverage {metrics['coverage']:.1%}, QD-score {metrics['qd_score']:.4g}",
                 fontsize=10)
    return fig


def _nested_archive(ax, archive):
    """Every cell of a grid archive of three or more descriptors in one picture (see
    :func:`plot_archive`); ticks name the outermost descriptors' ranges."""
    shape = archive.dims
    grid = np.where(archive.occupied, archive.fitness, np.nan).reshape(shape)
    xs, ys = list(range(0, len(shape), 2)), list(range(1, len(shape), 2))
    n_x, n_y = math.prod(shape[k] for k in xs), math.prod(shape[k] for k in ys)
    plane = grid.transpose(xs + ys).reshape(n_x, n_y)
    image = ax.imshow(np.ma.masked_invalid(plane).T, origin="lower", extent=(0, n_x, 0, n_y), aspect="auto",
                      cmap="viridis", interpolation="nearest")
    ax.set_facecolor("white")
    for axes, n, line, set_ticks, set_labels, set_label in (
            (xs, n_x, ax.axvline, ax.set_xticks, ax.set_xticklabels, ax.set_xlabel),
            (ys, n_y, ax.axhline, ax.set_yticks, ax.set_yticklabels, ax.set_ylabel)):
        outer = shape[axes[0]]
        block = n // outer
        for k in range(1, outer):
            line(k * block, color="0.3", lw=0.8)
        if len(axes) > 1:
            inner = block // shape[axes[1]]
            for k in range(1, n // inner):
                if k * inner % block:
                    line(k * inner, color="0.75", lw=0.3)
        edges = np.linspace(archive.low[axes[0]], archive.high[axes[0]], outer + 1)
        set_ticks((np.arange(outer) + 0.5) * block)
        set_labels([f"{a:.3g}-{b:.3g}" for a, b in itertools.pairwise(edges)], fontsize=7)
        set_label(" > ".join(archive.names[k] for k in axes) + "  (outer to inner)")
    return image


def plot_regimes(regimes, x_values, y_values, *, title=None, xlabel="x", ylabel="y"):
    """A two-parameter regime map: number of stable equilibria (left) and oscillation period
    (right, blank where nothing oscillates). `regimes` holds arrays of shape (n_y * n_x,)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    shape = (len(y_values), len(x_values))
    extent = (x_values[0], x_values[-1], y_values[0], y_values[-1])
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.6), layout="constrained")
    stable = np.asarray(regimes.n_stable).reshape(shape)
    image = left.imshow(stable, origin="lower", extent=extent, aspect="auto", cmap="viridis",
                        vmin=-0.5, vmax=max(1, stable.max()) + 0.5, interpolation="nearest")
    fig.colorbar(image, ax=left, label="stable equilibria", ticks=range(int(max(1, stable.max())) + 1))
    period = np.asarray(regimes.period).reshape(shape)
    image = right.imshow(np.ma.masked_invalid(period), origin="lower", extent=extent, aspect="auto", cmap="magma",
                         interpolation="nearest")
    fig.colorbar(image, ax=right, label="oscillation period")
    for ax, name in ((left, "stable equilibria"), (right, "oscillation period (white: no oscillation)")):
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_title(name)
    if title:
        fig.suptitle(title)
    return fig


def plot_phase_portrait(model, individual: int = 0, *, xlim=(-1.0, 1.0), ylim=(-1.0, 1.0), density: int = 25,
                        trajectories=None, dt: float = 0.01, t_max: float = 20.0, fixed_points=None, inputs=None,
                        cycles=None, ax=None, title=None):
    """Phase portrait of a two-dimensional flow: vector field, nullclines (blue: dy1/dt = 0,
    orange: dy2/dt = 0), trajectories, limit cycles and equilibria (filled: stable; open:
    unstable), with a legend.

    Parameters
    ----------
    model : Model
        ``n_state == 2``; `individual` selects one system of the population.
    xlim, ylim : (low, high)
    trajectories : array_like, shape (k, 2), optional
        Initial states of trajectories to draw (run for `t_max` with RK4 at `dt`).
    fixed_points : FixedPoints, optional
        Equilibria to mark (default: found with the box as seed bounds).
    cycles : list of (orbit, label), optional
        Closed orbits to draw thick, each an array of shape (n, 2) (one period) with its
        legend label.
    """
    from matplotlib.lines import Line2D

    from ._numba import for_params
    from .analysis._one import constant_inputs
    from .integrate import simulate
    from .models.base import _rhs_batch

    if model.n_state != 2:
        raise ValueError(f"a phase portrait needs a two-dimensional system, got n_state = {model.n_state}")
    fig, ax = _figure(ax, figsize=(5.5, 5))
    one = model.take([individual])
    u = constant_inputs(one, inputs)
    fine = 200
    gx, gy = np.meshgrid(np.linspace(*xlim, fine), np.linspace(*ylim, fine))
    states = np.ascontiguousarray(np.stack([gx.ravel(), gy.ravel()], axis=1))
    grid = one.take(np.zeros(states.shape[0], dtype=np.intp))
    field = np.empty_like(states)
    with np.errstate(all="ignore"):
        for_params(_rhs_batch, grid.params)(0.0, states, grid.params, np.repeat(u, states.shape[0], axis=0), field)
    fx, fy = field[:, 0].reshape(fine, fine), field[:, 1].reshape(fine, fine)
    step = max(1, fine // density)
    ax.streamplot(gx[::step, ::step], gy[::step, ::step], fx[::step, ::step], fy[::step, ::step],
                  color="0.6", density=1.0, linewidth=0.6, arrowsize=0.8)
    ax.contour(gx, gy, fx, levels=[0.0], colors="C0", linewidths=1.2)
    ax.contour(gx, gy, fy, levels=[0.0], colors="C1", linewidths=1.2)
    if trajectories is not None:
        starts = np.atleast_2d(np.asarray(trajectories, dtype=np.float64))
        runs = one.take(np.zeros(starts.shape[0], dtype=np.intp))
        traj = simulate(runs, starts, dt=dt, t_max=t_max, inputs=np.repeat(u, starts.shape[0], axis=0) if one.n_inputs else None)
        for k in range(starts.shape[0]):
            ax.plot(traj.y[:, k, 0], traj.y[:, k, 1], color="C2", lw=1.0)
    handles = [Line2D([], [], color="C0", lw=1.2, label="nullcline dy1/dt = 0"),
               Line2D([], [], color="C1", lw=1.2, label="nullcline dy2/dt = 0")]
    for orbit, label in cycles or []:
        orbit = np.asarray(orbit)
        handles += ax.plot(np.append(orbit[:, 0], orbit[0, 0]), np.append(orbit[:, 1], orbit[0, 1]), color="C3", lw=2.5,
                           zorder=4, label=label)
    if fixed_points is None:
        from .analysis.fixed_points import fixed_points as find

        fixed_points = find(one, inputs=inputs, bounds=((xlim[0], ylim[0]), (xlim[1], ylim[1])), n_seeds=25)
    for state, stable in zip(fixed_points.state, fixed_points.stable, strict=True):
        ax.plot(state[0], state[1], "o", ms=8, mec="k", mfc="k" if stable else "w", zorder=5)
    for stable, label in ((True, "stable equilibrium"), (False, "unstable equilibrium")):
        if np.any(fixed_points.stable == stable):
            handles.append(Line2D([], [], ls="", marker="o", ms=8, mec="k", mfc="k" if stable else "w", label=label))
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel("y1")
    ax.set_ylabel("y2")
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, frameon=False, fontsize="small")
    if title:
        ax.set_title(title)
    return fig


def plot_sweep(rows: list[dict], metric: str, x: str, y: str | None = None, *, kind: str = "auto", ax=None,
               title=None):
    """A sweep's `metric` over swept parameters: a heat map over `x` and `y` (means over
    replicates), a line over a numeric `x`, or box plots per value of `x` (``kind="box"``).

    Parameters
    ----------
    rows : list of dict
        ``SweepStore.rows()``; failed runs are left out.
    """
    fig, ax = _figure(ax)
    done = [r for r in rows if r.get("status") == "done" and r.get(metric) is not None]
    if kind == "box":
        groups = sorted({r[x] for r in done}, key=str)
        data = [[float(r[metric]) for r in done if r[x] == g] for g in groups]
        ax.boxplot(data, tick_labels=[f"{g}\n({len(d)} runs)" for g, d in zip(groups, data, strict=True)],
                   showfliers=False, medianprops={"color": "k"})
        jitter = np.random.default_rng(0)  # fixed: the same picture every time
        for k, d in enumerate(data, start=1):  # every run as a dot: a box of few runs hides them
            ax.plot(k + jitter.uniform(-0.12, 0.12, len(d)), d, "o", ms=3, color="C0", alpha=0.6,
                    label="one run" if k == 1 else None)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize="small",
                  title="box: quartiles,\nline: median,\nwhiskers: 1.5 IQR", title_fontsize="small")
        ax.set_xlabel(x)
        ax.set_ylabel(metric)
    elif y is not None:
        xs = sorted({r[x] for r in done}, key=_sort_key)
        ys = sorted({r[y] for r in done}, key=_sort_key)
        total, count = np.zeros((len(ys), len(xs))), np.zeros((len(ys), len(xs)))
        for r in done:
            i, j = ys.index(r[y]), xs.index(r[x])
            value = float(r[metric])
            if np.isfinite(value):
                total[i, j] += value
                count[i, j] += 1
        x_edges, x_scale = _cell_edges(xs)
        y_edges, y_scale = _cell_edges(ys)
        with np.errstate(invalid="ignore"):
            image = ax.pcolormesh(x_edges, y_edges, np.ma.masked_invalid(total / count), shading="flat")
        fig.colorbar(image, ax=ax, label=f"{metric} (mean over replicates)")
        _grid_axis(ax.xaxis, xs, x_scale)
        _grid_axis(ax.yaxis, ys, y_scale)
        ax.set_xlabel(x + (" (log scale)" if x_scale == "log" else ""))
        ax.set_ylabel(y + (" (log scale)" if y_scale == "log" else ""))
    else:
        xs = sorted({r[x] for r in done})
        means = [np.nanmean([float(r[metric]) for r in done if r[x] == v]) for v in xs]
        ax.plot(xs, means, "o-")
        ax.set_xlabel(x)
        ax.set_ylabel(f"{metric} (mean over replicates)")
    if title:
        ax.set_title(title)
    return fig


def _sort_key(value):
    return (0, float(value), "") if isinstance(value, int | float) else (1, 0.0, str(value))


def _cell_edges(values: list) -> tuple[np.ndarray, str]:
    """Cell edges for grid `values` and the axis scale that shows them truly: ``"linear"``
    for evenly spaced numbers, ``"log"`` for evenly spaced logarithms, else
    ``"categorical"`` (one equal cell per value, labelled with the value)."""
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
    v = np.asarray(values, dtype=float) if numeric else None
    if numeric and v.size >= 2:
        steps = np.diff(v)
        if np.allclose(steps, steps[0], rtol=1e-6, atol=0):
            return np.concatenate([[v[0] - steps[0] / 2], v[:-1] + steps / 2, [v[-1] + steps[0] / 2]]), "linear"
        if np.all(v > 0):
            logs = np.log(v)
            ratios = np.diff(logs)
            if np.allclose(ratios, ratios[0], rtol=1e-6, atol=0):
                return np.exp(np.concatenate([[logs[0] - ratios[0] / 2], logs[:-1] + ratios / 2,
                                              [logs[-1] + ratios[0] / 2]])), "log"
    return np.arange(len(values) + 1) - 0.5, "categorical"


def _grid_axis(axis, values: list, scale: str) -> None:
    """Ticks at the grid values: every value on a categorical or log axis (thinned to about
    12 labels when there are more), matplotlib's own ticks on a linear one."""
    from matplotlib.ticker import NullLocator

    if scale == "linear":
        return
    if scale == "log":
        if axis is axis.axes.xaxis:
            axis.axes.set_xscale("log")
        else:
            axis.axes.set_yscale("log")
        positions = np.asarray(values, dtype=float)
    else:
        positions = np.arange(len(values))
    keep = np.arange(0, len(values), max(1, int(np.ceil(len(values) / 12))))
    axis.set_ticks(positions[keep], labels=[f"{values[k]:g}" if isinstance(values[k], int | float) else str(values[k])
                                            for k in keep])
    axis.set_minor_locator(NullLocator())


def plot_comparison(runs: list[dict], *, metric: str | None = None, title=None):
    """Evolution runs of several models side by side: best fitness so far against evaluations
    (one colour per model, a thin line per seed), and the final `metric` of each run.

    Parameters
    ----------
    runs : list of dict
        ``{"label", "evaluations", "best", "metrics", "report"}`` per run (what a comparison
        experiment writes to comparison.json).
    metric : str, optional
        A metric or report entry to show per run in a second panel.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    labels = list(dict.fromkeys(r["label"] for r in runs))
    fig, axes = plt.subplots(1, 2 if metric else 1, figsize=(10 if metric else 6, 3.8), layout="constrained",
                             squeeze=False)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, label in enumerate(labels):
        colour = colours[i % len(colours)]
        mine = [r for r in runs if r["label"] == label]
        for k, r in enumerate(mine):
            axes[0, 0].plot(r["evaluations"], r["best"], color=colour, lw=1.2, alpha=0.8, label=label if k == 0 else None)
        if metric:
            values = [{**r["metrics"], **r["report"]}.get(metric, np.nan) for r in mine]
            axes[0, 1].scatter(np.full(len(values), i) + np.linspace(-0.15, 0.15, len(values)), values, color=colour)
            axes[0, 1].hlines(np.nanmedian(values) if np.isfinite(values).any() else np.nan, i - 0.3, i + 0.3,
                              color=colour, lw=2)
    axes[0, 0].set_xlabel("evaluations")
    axes[0, 0].set_ylabel("best fitness so far")
    axes[0, 0].legend(loc="lower right", frameon=False, fontsize="small", ncol=2)
    if metric:
        axes[0, 1].set_xticks(range(len(labels)), labels, rotation=30, ha="right")
        axes[0, 1].set_ylabel(f"{metric} (dots: seeds, bar: median)")
        shown = np.array([{**r["metrics"], **r["report"]}.get(metric, np.nan) for r in runs], dtype=float)
        shown = shown[np.isfinite(shown)]
        if shown.size and shown.min() >= 0 and shown.max() <= 1:  # a fraction: its whole range
            axes[0, 1].set_ylim(-0.05, 1.05)
    if title:
        fig.suptitle(title)
    return fig


def plot_species(species: dict, *, ax=None, title=None):
    """NEAT's speciation over a run: each species a band whose height is its size, stacked,
    over generations (as the NEAT paper draws them). `species` is
    :attr:`EvolutionResult.species <evornn.optim.EvolutionResult>` (columns ``generation``,
    ``species``, ``size``)."""
    fig, ax = _figure(ax, figsize=(8, 4))
    generations = np.unique(species["generation"])
    ids = np.unique(species["species"])
    sizes = np.zeros((ids.size, generations.size))
    sizes[np.searchsorted(ids, species["species"]), np.searchsorted(generations, species["generation"])] = \
        species["size"]
    colours = [_tab20(k) for k in range(ids.size)]
    ax.stackplot(generations, sizes, colors=colours, edgecolor="white", linewidth=0.3)
    ax.set_xlim(generations[0], generations[-1] if generations.size > 1 else generations[0] + 1)
    ax.set_ylim(0, sizes.sum(axis=0).max())
    ax.set_xlabel("generation")
    ax.set_ylabel("individuals per species")
    ax.set_title(title or f"species ({ids.size} over the run; oldest at the bottom)", fontsize=10)
    return fig


def _tab20(k: int):
    """The k-th colour of a cycle of 20 (matplotlib's tab20)."""
    import matplotlib

    return matplotlib.colormaps["tab20"](k % 20)


def plot_neat_network(codec, genome, *, ax=None, title=None):
    """One NEAT genome's network (:class:`evornn.neat.NEATCodec`): inputs at the bottom,
    outputs at the top, hidden nodes between them at their depth from the inputs; enabled
    connections as arrows, blue positive and red negative, width growing with the weight;
    recurrent connections (against the firing order, self-loops included) dashed and curved,
    connections that skip a level bent."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyArrowPatch

    from .neat.genome import firing_order

    fig, ax = _figure(ax, figsize=(6.4, 5))
    nodes, conns = codec.genes(genome)
    keys = [int(k) for k in nodes[:, 0]]
    index = {k: i for i, k in enumerate(keys)}
    enabled = conns[conns[:, 4] != 0]
    adjacency = np.zeros((len(keys), len(keys)), dtype=bool)
    for _, a, b, _, _ in enabled:
        if a >= 0:
            adjacency[index[int(b)], index[int(a)]] = True
    order = np.empty(len(keys), dtype=np.int64)
    firing_order(len(keys), adjacency, order)
    position = np.empty(len(keys), dtype=np.int64)
    position[order] = np.arange(len(keys))
    depth = np.zeros(len(keys), dtype=np.int64)
    for i in order:
        sources = [index[int(a)] for _, a, b, _, _ in enabled if int(b) == keys[i] and a >= 0
                   and position[index[int(a)]] < position[i]]
        depth[i] = 1 + max((depth[j] for j in sources), default=0)
    top = max(int(depth.max()) + 1, 2)
    level = {k: (top if k < codec.n_outputs else int(depth[index[k]])) for k in keys}
    level.update({-1 - k: 0 for k in range(codec.n_inputs)})
    xy = {}
    for lv in sorted(set(level.values())):
        members = sorted((k for k in level if level[k] == lv), key=lambda k: (k < 0, -k if k < 0 else k))
        for q, k in enumerate(members):
            xy[k] = ((q + 1) / (len(members) + 1), lv / top)
    scale = max(1e-12, float(np.abs(enabled[:, 3]).max())) if len(enabled) else 1.0
    for _, a, b, w, _ in enabled:
        a, b = int(a), int(b)
        recurrent = a >= 0 and position[index[a]] >= position[index[b]]
        style = dict(color="tab:blue" if w > 0 else "tab:red", lw=0.5 + 2.5 * abs(w) / scale, alpha=0.8,
                     arrowstyle="-|>", mutation_scale=10, shrinkA=9, shrinkB=9)
        if a == b:
            x, y = xy[a]
            ax.add_patch(FancyArrowPatch((x - 0.02, y + 0.03), (x + 0.02, y + 0.03), connectionstyle="arc3,rad=-2.5",
                                         linestyle="--", **style))
        else:
            # Connections that skip a level bend, so as not to run through the nodes between.
            skips = abs(level[b] - level[a]) > 1
            bend = 0.35 if recurrent else (0.2 if skips else 0.0)
            ax.add_patch(FancyArrowPatch(xy[a], xy[b], connectionstyle=f"arc3,rad={bend}",
                                         linestyle="--" if recurrent else "-", **style))
    for k, (x, y) in xy.items():
        kind = "input" if k < 0 else ("output" if k < codec.n_outputs else "hidden")
        colour = {"input": "0.85", "output": "tab:green", "hidden": "white"}[kind]
        ax.scatter([x], [y], s=420, color=colour, edgecolors="black", zorder=3)
        label = f"in{-k - 1}" if k < 0 else (f"out{k}" if k < codec.n_outputs else str(k))
        ax.annotate(label, (x, y), ha="center", va="center", fontsize=7, zorder=4)
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.1, 1.1)
    ax.axis("off")
    hidden, connections = codec.size(genome)
    ax.set_title(title or f"network: {int(hidden[0])} hidden nodes, {int(connections[0])} enabled connections",
                 fontsize=10)
    handles = [Line2D([], [], color="tab:blue", label="positive weight"),
               Line2D([], [], color="tab:red", label="negative weight"),
               Line2D([], [], color="0.3", linestyle="--", label="recurrent")]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=3, fontsize=7, frameon=False)
    return fig


def plot_tree_depths(behaviour: dict, *, title=None, axes=None, label: str | None = None):
    """A tree network's fraction of trees right at each depth (from ``TreeTask.behaviour``),
    the depths it was trained on shaded: how far what it learnt generalises to deeper
    trees. Pass `axes` (and `label`) to draw several networks on one plot.

    Returns
    -------
    matplotlib.figure.Figure
    """
    depth, learned = np.asarray(behaviour["depth"]), np.asarray(behaviour["learned"])
    trained = np.asarray(behaviour["trained"], dtype=bool)
    fig, ax = _figure(axes, (6, 3.6))
    if axes is None and trained.any():
        low, high = depth[trained].min(), depth[trained].max()
        ax.axvspan(low - 0.5, high + 0.5, color="0.9", zorder=0, label="depths trained on")
    ax.plot(depth, learned, "o-", label=label or "network")
    ax.axhline(0.5, color="0.5", ls=":", lw=1, label="chance" if axes is None else None)
    ax.set_xticks(depth)
    ax.set_ylim(0.4, 1.02)
    ax.set_xlabel("tree depth")
    ax.set_ylabel("fraction of trees right")
    ax.legend(loc="lower left", frameon=False, fontsize="small")
    if title:
        ax.set_title(title)
    return fig


def plot_tape(inputs, outputs, heads, *, targets=None, mask=None, title=None):
    """One run of a tape machine (:class:`evornn.models.ENTM`) on one sequence: the inputs,
    the outputs (beside the targets, where given) over time, and where the head was after
    each step, counted from where it started.

    Parameters
    ----------
    inputs : array_like, shape (n_steps, n_inputs)
    outputs : array_like, shape (n_steps, n_outputs)
    heads : array_like of int, shape (n_steps,)
        From ``ENTM.trace`` (one network's column).
    targets : array_like, shape (n_steps, n_outputs), optional
    mask : array_like of bool, shape (n_steps,), optional
        The scored steps: targets are drawn there only, and shaded under the head.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    inputs, outputs = np.asarray(inputs, dtype=float), np.asarray(outputs, dtype=float)
    heads = np.asarray(heads)
    n_steps = inputs.shape[0]
    if outputs.shape[0] != n_steps or heads.shape != (n_steps,):
        raise ValueError(f"inputs, outputs and heads must have n_steps = {n_steps} rows, got {outputs.shape[0]} "
                         f"and {heads.shape}")
    panels = [("inputs", inputs)] + ([("targets", np.where(np.asarray(mask, bool)[:, None], targets, np.nan))
                                      if mask is not None else ("targets", np.asarray(targets, float))]
                                     if targets is not None else []) + [("outputs", outputs)]
    fig, axes = plt.subplots(len(panels) + 1, 1, figsize=(8, 1.2 * len(panels) + 2.4), sharex=True,
                             gridspec_kw={"height_ratios": [1] * len(panels) + [2]}, layout="constrained")
    steps = np.arange(n_steps)
    for ax, (name, values) in zip(axes, panels, strict=False):
        image = ax.imshow(values.T, aspect="auto", cmap="viridis", vmin=0.0, vmax=1.0, interpolation="nearest",
                          extent=(-0.5, n_steps - 0.5, values.shape[1] - 0.5, -0.5))
        ax.set_ylabel(name)
        ax.set_yticks(range(values.shape[1]))
    fig.colorbar(image, ax=list(axes[:-1]), fraction=0.03, pad=0.01, label="value")
    ax = axes[-1]
    ax.step(steps, heads, where="mid", color="C3", lw=1.5, label="head")
    if mask is not None and np.any(mask):
        scored = steps[np.asarray(mask, bool)]
        ax.axvspan(scored[0] - 0.5, scored[-1] + 0.5, color="0.9", zorder=0, label="scored steps")
    ax.legend(loc="best", frameon=True, framealpha=0.8, fontsize="small")
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("step")
    ax.set_ylabel("head location")
    ax.set_xlim(-0.5, n_steps - 0.5)
    if title:
        fig.suptitle(title)
    return fig
