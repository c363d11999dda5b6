r"""Linear readouts: ridge regression in closed form from accumulated statistics.

Ridge regression fits ``y = W x + b`` to features ``x`` (reservoir states) and targets ``y``
by minimising :math:`\sum_n \lVert y_n - W x_n - b \rVert^2 + \lambda \lVert W \rVert^2`.
The intercept ``b`` is not penalised: the features and targets are centred first, as in
ReservoirPy's ``Ridge``. Everything the solution needs is in the sums
:math:`\sum x x^T, \sum x y^T, \sum x, \sum y, \sum y^2` and the count, so states never need
to be kept: :class:`RidgeStatistics` adds them up chunk by chunk.

For many ridge values at once, the centred :math:`C = X^T X` is diagonalised once,
:math:`C = V \Lambda V^T`, and :math:`W^T(\lambda) = V (\Lambda + \lambda)^{-1} V^T X^T Y`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._numba import on_one_blas_thread


@dataclass
class RidgeStatistics:
    """Sums over samples of a population's features and targets.

    Attributes
    ----------
    xx : ndarray, shape (n_pop, n_features, n_features)
    xy : ndarray, shape (n_pop, n_features, n_targets)
    x : ndarray, shape (n_pop, n_features)
    y : ndarray, shape (n_targets,)
    yy : ndarray, shape (n_targets,)
    count : float
        The number of samples (their total weight when weighted).
    """

    xx: np.ndarray
    xy: np.ndarray
    x: np.ndarray
    y: np.ndarray
    yy: np.ndarray
    count: float = 0

    @classmethod
    def zeros(cls, n_pop: int, n_features: int, n_targets: int) -> RidgeStatistics:
        return cls(np.zeros((n_pop, n_features, n_features)), np.zeros((n_pop, n_features, n_targets)),
                   np.zeros((n_pop, n_features)), np.zeros(n_targets), np.zeros(n_targets))

    def add(self, features: np.ndarray, targets: np.ndarray, weights: np.ndarray | None = None) -> None:
        """Add samples: `features` of shape ``(n_pop, n_samples, n_features)`` and the
        shared `targets` of shape ``(n_samples, n_targets)``, optionally with sample
        `weights` >= 0 of shape ``(n_samples,)`` (weighted least squares: every sum, the
        count included, is weighted). Diverged (non-finite) features make that individual's
        sums non-finite; nothing raises."""
        if targets.shape[0] == 0:
            return
        from .._numba import one_blas_thread

        with np.errstate(all="ignore"), one_blas_thread():  # small products between kernels
            self._add(features, targets, weights)

    def _add(self, features: np.ndarray, targets: np.ndarray, weights: np.ndarray | None) -> None:
        from .._blas import add_moments

        for name in ("xx", "xy", "x"):  # the compiled sums write in place
            arr = getattr(self, name)
            if not (arr.flags.c_contiguous and arr.flags.writeable and arr.dtype == np.float64):
                setattr(self, name, np.array(arr, dtype=np.float64, order="C"))
        features = np.ascontiguousarray(features, dtype=np.float64)
        targets = np.ascontiguousarray(targets, dtype=np.float64)
        if weights is None:
            add_moments(features, features, targets, self.xx, self.xy, self.x)
            self.yy += (targets * targets).sum(axis=0)
            self.y += targets.sum(axis=0)
            self.count += targets.shape[0]
            return
        # Weighted least squares: every sum weighted, X^T W X as (sqrt(W) X)^T (sqrt(W) X).
        add_moments(np.ascontiguousarray(features * np.sqrt(weights)[None, :, None]),
                    np.ascontiguousarray(features * weights[None, :, None]), targets, self.xx, self.xy, self.x)
        self.yy += (weights[:, None] * targets * targets).sum(axis=0)
        self.y += (weights[:, None] * targets).sum(axis=0)
        self.count += float(weights.sum())

    def _centred(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        if self.count == 0:
            raise ValueError("no samples to fit a readout to (is the washout as long as the data?)")
        with np.errstate(all="ignore"):
            mx = self.x / self.count
            my = self.y / self.count
            cxx = self.xx - self.count * mx[:, :, None] * mx[:, None, :]
            cxy = self.xy - self.count * mx[:, :, None] * my[None, None, :]
        return cxx, cxy, mx, my

    def finite(self) -> np.ndarray:
        """Individuals whose sums are finite (the others diverged), shape ``(n_pop,)``."""
        return np.isfinite(self.xx).all(axis=(1, 2)) & np.isfinite(self.xy).all(axis=(1, 2))

    @on_one_blas_thread
    def solve(self, ridge) -> tuple[np.ndarray, np.ndarray]:
        """Ridge readouts for one value per individual.

        Parameters
        ----------
        ridge : float or array_like, shape (n_pop,)

        Returns
        -------
        weights : ndarray, shape (n_pop, n_targets, n_features)
        bias : ndarray, shape (n_pop, n_targets)
        """
        cxx, cxy, mx, my = self._centred()
        lam = np.broadcast_to(np.asarray(ridge, dtype=np.float64), (cxx.shape[0],))
        eye = np.eye(cxx.shape[1])
        weights = np.full((cxx.shape[0], cxy.shape[2], cxx.shape[1]), np.nan)
        for p in np.flatnonzero(self.finite()):
            a = cxx[p] + lam[p] * eye
            try:
                w = np.linalg.solve(a, cxy[p])
            except np.linalg.LinAlgError:
                w = np.linalg.lstsq(a, cxy[p], rcond=None)[0]
            weights[p] = w.T
        with np.errstate(all="ignore"):
            bias = my[None, :] - np.einsum("pmf,pf->pm", weights, mx)
        return weights, bias

    @on_one_blas_thread
    def solve_path(self, ridges) -> tuple[np.ndarray, np.ndarray]:
        """Ridge readouts for every value in `ridges` from one eigendecomposition per individual.

        Returns
        -------
        weights : ndarray, shape (n_pop, n_ridges, n_targets, n_features)
        bias : ndarray, shape (n_pop, n_ridges, n_targets)
        """
        cxx, cxy, mx, my = self._centred()
        lam = np.asarray(ridges, dtype=np.float64).ravel()
        if lam.size == 0 or np.any(lam < 0) or not np.all(np.isfinite(lam)):
            raise ValueError(f"ridges must be a non-empty array of finite values >= 0, got {ridges!r}")
        ok = self.finite()
        weights = np.full((cxx.shape[0], lam.size, cxy.shape[2], cxx.shape[1]), np.nan)
        values, vectors = np.linalg.eigh(cxx[ok])  # (n_ok, F), (n_ok, F, F)
        projected = np.matmul(vectors.transpose(0, 2, 1), cxy[ok])  # (n_ok, F, M)
        scaled = projected[:, None] / (values[:, None, :, None] + lam[None, :, None, None])  # (n_ok, R, F, M)
        weights[ok] = np.matmul(vectors[:, None], scaled).transpose(0, 1, 3, 2)
        with np.errstate(all="ignore"):
            bias = my[None, None, :] - np.einsum("prmf,pf->prm", weights, mx)
        return weights, bias

    def mse(self, weights, bias) -> np.ndarray:
        """Mean squared error of readouts on these samples, without the samples.

        Parameters
        ----------
        weights : ndarray, shape (n_pop, [n_ridges,] n_targets, n_features)
        bias : ndarray, shape (n_pop, [n_ridges,] n_targets)

        Returns
        -------
        ndarray, shape (n_pop, [n_ridges,] n_targets)
        """
        if self.count == 0:
            raise ValueError("no samples to measure an error on")
        path = weights.ndim == 4
        w = weights if path else weights[:, None]
        b = bias if path else bias[:, None]
        n = self.count
        with np.errstate(all="ignore"):
            return self._mse(w, b, n, path)

    def _mse(self, w, b, n, path):
        # sum (y - W x - b)^2 = yy - 2 W.xy - 2 b y + W xx W + 2 b W.x + n b^2, centred on
        # the sample means to keep the cancellation small.
        mx, my = self.x / n, self.y / n
        cxx = self.xx - n * mx[:, :, None] * mx[:, None, :]
        cxy = self.xy - n * mx[:, :, None] * my[None, None, :]
        cyy = self.yy - n * my * my
        offset = my[None, None, :] - b - np.einsum("prmf,pf->prm", w, mx)  # mean residual
        quad = np.einsum("prmf,pfg,prmg->prm", w, cxx, w)
        cross = np.einsum("prmf,pfm->prm", w, cxy)
        total = cyy[None, None, :] - 2.0 * cross + quad + n * offset**2
        out = np.maximum(total, 0.0) / n
        return out if path else out[:, 0]
