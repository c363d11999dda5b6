"""Matplotlib figures. matplotlib is imported lazily, inside each function."""

from __future__ import annotations

import numpy as np

from .integrate.trajectory import Trajectory


def _figure(ax, figsize=(8, 3.5)):
    """`ax` and its figure, or a new figure (on the Agg backend unless one is chosen)."""
    if ax is not None:
        return ax.figure, ax
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=figsize, layout="constrained")


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


def plot_history(history, *, ax=None, title=None):
    """Fitness over generations: best so far, generation maximum and mean (with one std).

    Parameters
    ----------
    history : deap.tools.Logbook or list of dict
        ``EvolutionResult.history`` (records with ``gen``, ``max``, ``mean``, ``std``, ``best``).

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = _figure(ax)
    records = list(history)
    gen = np.array([r["gen"] for r in records])
    if records and "max" in records[0]:
        mean = np.array([r["mean"] for r in records])
        std = np.array([r["std"] for r in records])
        ax.fill_between(gen, mean - std, mean + std, alpha=0.2, label="mean +/- std")
        ax.plot(gen, mean, label="mean")
        ax.plot(gen, [r["max"] for r in records], label="generation best")
        ax.plot(gen, [r["best"] for r in records], "k--", label="best so far")
    else:  # multi-objective: the maximum of each objective
        for k in range(sum(1 for key in (records[0] if records else {}) if key.startswith("max_"))):
            ax.plot(gen, [r[f"max_{k}"] for r in records], label=f"objective {k} max")
    ax.set_xlabel("generation")
    ax.set_ylabel("fitness")
    if title:
        ax.set_title(title)
    ax.legend(loc="lower right", frameon=False)
    return fig


def plot_behaviour(behaviour: dict, *, ax=None, title=None):
    """The best network's outputs against the task's target (from ``task.behaviour(model)``).

    Parameters
    ----------
    behaviour : dict
        ``"t"`` shape (n,), ``"outputs"`` shape (n, n_out), ``"target"`` shape (n, n_out).
    """
    fig, ax = _figure(ax)
    t, outputs, target = behaviour["t"], np.asarray(behaviour["outputs"]), np.asarray(behaviour["target"])
    for k in range(outputs.shape[1]):
        line, = ax.plot(t, outputs[:, k], label=f"output {k}")
        ax.plot(t, target[:, k], "--", color=line.get_color(), alpha=0.7, label=f"target {k}")
    ax.set_xlabel("time")
    ax.set_ylabel("output")
    if title:
        ax.set_title(title)
    ax.legend(loc="upper right", frameon=False)
    return fig
