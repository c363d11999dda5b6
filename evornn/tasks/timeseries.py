"""Time-series metrics and the reservoir-computing task: train readouts in closed form,
score on held-out data."""

from __future__ import annotations

import numpy as np

from .._checks import as_float_array


def nrmse(prediction, target) -> np.ndarray:
    r"""Normalised root-mean-square error: the RMSE divided by the target's standard deviation.

    .. math:: \mathrm{NRMSE} = \sqrt{\langle (y - d)^2 \rangle} \,/\, \operatorname{std}(d)

    Other libraries normalise differently (ReservoirPy's ``nrmse`` divides by the target's
    range by default; some papers divide the MSE, not the RMSE, by the variance), so
    compare numbers only under one definition.

    Parameters
    ----------
    prediction : array_like, shape (..., n_steps) or (..., n_steps, n_vars)
        Leading axes (individuals, sequences) are kept.
    target : array_like, shape (n_steps,) or (n_steps, n_vars)

    Returns
    -------
    ndarray, shape (...) or (..., n_vars)

    >>> float(nrmse([1.0, 2.0, 4.0], [1.0, 2.0, 3.0]).round(4))
    0.7071
    """
    y = as_float_array("prediction", prediction, finite=False)
    d = as_float_array("target", target)
    if d.ndim not in (1, 2) or y.shape[y.ndim - d.ndim:] != d.shape:
        raise ValueError(f"prediction must end with the target's shape {d.shape}, got {y.shape}")
    time_axis = y.ndim - d.ndim
    err = np.sqrt(np.mean((y - d) ** 2, axis=time_axis))
    return err / np.std(d, axis=0)
