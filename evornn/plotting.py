"""Matplotlib figures. matplotlib is imported lazily, inside each function."""

from __future__ import annotations

from .integrate.trajectory import Trajectory


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
    import matplotlib

    if ax is None:
        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(8, 3.5), layout="constrained")
    else:
        fig = ax.figure
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
