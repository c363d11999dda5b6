"""Normalise the ``inputs`` argument of :func:`evornn.simulate` into the array layout the
kernels read: ``u`` of shape ``(n_u, n_c, n_pop, n_inputs)``."""

from __future__ import annotations

import numpy as np


class InputSchedule:
    """Inputs over time for one simulation.

    ``inputs`` may be None (zeros), a constant array of shape ``(n_inputs,)`` or
    ``(n_pop, n_inputs)``, a per-step array of shape ``(n_steps, n_pop, n_inputs)`` (or
    ``(n_steps, 1, n_inputs)``) held constant over each step, or a callable ``f(t)``
    returning an array broadcastable to ``(n_pop, n_inputs)``, evaluated at every stage time.
    """

    def __init__(self, inputs, n_pop: int, n_inputs: int, n_steps: int | None, t0: float):
        self.n_pop, self.n_inputs = n_pop, n_inputs
        self.function = None
        self.array = None
        want = f"(n_inputs,) = ({n_inputs},), (n_pop, n_inputs) = ({n_pop}, {n_inputs}) or (n_steps, n_pop, n_inputs)"
        if inputs is None:
            self.array = np.zeros((1, 1, n_pop, n_inputs))
        elif callable(inputs):
            self.function = inputs
            self._call(t0)  # fail now, before any compute, if the callable is wrong
        else:
            try:
                arr = np.asarray(inputs, dtype=np.float64)
            except (TypeError, ValueError) as exc:
                raise TypeError(f"inputs must be an array, a callable of t, or None; got {type(inputs).__name__}") from exc
            if arr.ndim in (1, 2):
                if arr.shape[-1] != n_inputs or (arr.ndim == 2 and arr.shape[0] not in (1, n_pop)):
                    raise ValueError(f"inputs must have shape {want}, got {arr.shape}")
                self.array = np.array(np.broadcast_to(arr, (1, 1, n_pop, n_inputs)), order="C")
            elif arr.ndim == 3:
                if arr.shape[1] not in (1, n_pop) or arr.shape[2] != n_inputs:
                    raise ValueError(f"inputs must have shape {want}, got {arr.shape}")
                if n_steps is not None and arr.shape[0] != n_steps:
                    raise ValueError(f"per-step inputs must have n_steps = {n_steps} rows, got {arr.shape[0]}")
                per_step = np.broadcast_to(arr, (arr.shape[0], n_pop, n_inputs))
                self.array = np.array(per_step[:, None], order="C")
            else:
                raise ValueError(f"inputs must have shape {want}, got {arr.shape}")
            if not np.isfinite(self.array).all():
                raise ValueError("inputs must be finite")

    @property
    def n_steps(self) -> int | None:
        """The number of steps a per-step input array fixes (None otherwise)."""
        if self.array is not None and self.array.shape[0] > 1:
            return self.array.shape[0]
        return None

    def _call(self, t: float) -> np.ndarray:
        value = np.asarray(self.function(t), dtype=np.float64)
        try:
            # A fresh writable C array: kernels compile once for one array type.
            return np.array(np.broadcast_to(value, (self.n_pop, self.n_inputs)), order="C")
        except ValueError:
            raise ValueError(
                f"inputs(t) must return an array broadcastable to (n_pop, n_inputs) = "
                f"{(self.n_pop, self.n_inputs)}, got shape {value.shape}"
            ) from None

    def chunk(self, step0: int, n_steps: int, t0: float, dt: float, offsets) -> np.ndarray:
        """``u`` for steps ``step0 .. step0 + n_steps - 1``, shape (n_u, n_c, n_pop, n_inputs)."""
        if self.function is None:
            if self.array.shape[0] == 1:
                return self.array
            return self.array[step0:step0 + n_steps]
        u = np.empty((n_steps, len(offsets), self.n_pop, self.n_inputs))
        for n in range(n_steps):
            t = t0 + (step0 + n) * dt
            for c, offset in enumerate(offsets):
                u[n, c] = self._call(t + offset * dt)
        return u

    def at(self, t: float, t0: float, dt: float | None) -> np.ndarray:
        """The inputs at time `t`, shape (n_pop, n_inputs) (for adaptive solvers)."""
        if self.function is not None:
            return self._call(t)
        if self.array.shape[0] == 1:
            return self.array[0, 0]
        step = min(max(int(np.floor((t - t0) / dt + 1e-9)), 0), self.array.shape[0] - 1)
        return self.array[step, 0]
