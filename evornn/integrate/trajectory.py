"""The result of a simulation."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True, eq=False)
class Trajectory:
    """Recorded states of a population over time.

    Attributes
    ----------
    t : ndarray, shape (n_rec,)
        Record times (the initial state is record 0).
    y : ndarray, shape (n_rec, n_pop, n_state)
        States; non-finite after an individual diverges.
    outputs : ndarray, shape (n_rec, n_pop, n_outputs)
        What a task reads from each recorded state (the CTRNN's firing rates).
    y_final : ndarray, shape (n_pop, n_state)
        The state at the end of the run (equal to ``y[-1]`` when the number of steps is a
        multiple of ``record_every``).
    diverged : ndarray of bool, shape (n_pop,)
        True for individuals whose state became NaN or infinite.
    method : str
    success : ndarray of bool, shape (n_pop,)
        False where an adaptive SciPy solver failed (always True for fixed-step methods).
    message : list of str
        The solver's message per individual (SciPy methods; empty otherwise).
    t_events, y_events : list, optional
        Per individual, SciPy's ``t_events`` / ``y_events`` (when events were given).
    sol : list of scipy.integrate.OdeSolution, optional
        Per individual, the dense output (when ``dense_output=True``).
    nfev : ndarray of int, shape (n_pop,)
        Right-hand-side evaluations per individual.
    """

    t: np.ndarray
    y: np.ndarray
    outputs: np.ndarray
    y_final: np.ndarray
    diverged: np.ndarray
    method: str
    success: np.ndarray
    message: list = field(default_factory=list)
    t_events: list | None = None
    y_events: list | None = None
    sol: list | None = None
    nfev: np.ndarray | None = None

    @property
    def n_pop(self) -> int:
        return self.y.shape[1]

    def __repr__(self) -> str:
        return (f"Trajectory(method={self.method!r}, n_rec={self.t.size}, n_pop={self.n_pop}, "
                f"n_state={self.y.shape[2]}, diverged={int(self.diverged.sum())})")


def diverged_mask(y_rec: np.ndarray, y_final: np.ndarray) -> np.ndarray:
    """(n_pop,) True where any recorded or final state is NaN or infinite."""
    bad = ~np.isfinite(y_final).all(axis=1)
    bad |= ~np.isfinite(y_rec).all(axis=(0, 2))
    return bad
