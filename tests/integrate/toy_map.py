"""A minimal discrete-time model, to check that the integrators serve maps as well."""

from typing import NamedTuple

import numpy as np
from numba import njit

from evornn.models.base import DiscreteModel, register_kernels


class LinearMapParams(NamedTuple):
    matrix: np.ndarray  # (n_pop, n, n)


@njit(cache=True)
def _map_rhs(t, y, params, p, u, out):
    a = params.matrix[p]
    for i in range(y.shape[0]):
        acc = 0.0
        for j in range(y.shape[0]):
            acc += a[i, j] * y[j]
        out[i] = acc


@njit(cache=True)
def _map_output(y, params, p, out):
    out[:] = y


register_kernels(LinearMapParams, rhs=_map_rhs, output=_map_output)


class LinearMap(DiscreteModel):
    """y[t + 1] = A y[t]."""

    def __init__(self, matrix):
        matrix = np.array(matrix, dtype=float, ndmin=3)
        matrix.flags.writeable = False
        super().__init__(LinearMapParams(matrix))

    n_state = property(lambda self: self.params.matrix.shape[1])
    n_outputs = n_state
    n_inputs = property(lambda self: 0)
