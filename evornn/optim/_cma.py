r"""A small CMA-ES for the emitters of CMA-ME: the update of Hansen's tutorial ("The CMA
evolution strategy: a tutorial", 2016, without negative weights) for a number of parents
that may change every generation, and a lazy eigendecomposition of the covariance.

Decomposing the ``n x n`` covariance costs O(n^3) and dominates when many emitters each take
a small batch; as in pycma and pyribs, it is renewed only when at least
``0.5 / ((c_1 + c_mu) n)`` generations have passed since the last one (the covariance moves
by about ``c_1 + c_mu`` per generation), and the samples come from the last decomposition.
"""

from __future__ import annotations

import math

import numpy as np

from .._numba import one_blas_thread


class LazyCMA:
    """CMA-ES with mean `mean`, step size `sigma` and batches of `batch` samples."""

    STATE = ("mean", "sigma", "C", "B", "D", "pc", "ps", "generation", "decomposed")

    def __init__(self, mean: np.ndarray, sigma: float, batch: int):
        n = mean.shape[0]
        self.n, self.batch = n, int(batch)
        self.mean, self.sigma = np.array(mean, dtype=np.float64), float(sigma)
        self.C, self.B, self.D = np.eye(n), np.eye(n), np.ones(n)
        self.pc, self.ps = np.zeros(n), np.zeros(n)
        self.generation, self.decomposed = 0, 0
        self.chi_n = math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n))
        self._noise = np.empty((0, n))

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        self._noise = rng.standard_normal((self.batch, self.n))
        with one_blas_thread():
            return self.mean + self.sigma * ((self._noise * self.D) @ self.B.T)

    def tell(self, genomes: np.ndarray, order: np.ndarray, mu: int) -> None:
        """Update from the `mu` best samples, `order` listing the samples best first."""
        n = self.n
        weights = math.log(mu + 0.5) - np.log(np.arange(1, mu + 1))
        weights /= weights.sum()
        mu_eff = 1.0 / np.sum(weights**2)
        cc = (4 + mu_eff / n) / (n + 4 + 2 * mu_eff / n)
        cs = (mu_eff + 2) / (n + mu_eff + 5)
        c1 = 2 / ((n + 1.3) ** 2 + mu_eff)
        c_mu = min(1 - c1, 2 * (mu_eff - 2 + 1 / mu_eff) / ((n + 2) ** 2 + mu_eff))
        damps = 1 + 2 * max(0.0, math.sqrt((mu_eff - 1) / (n + 1)) - 1) + cs
        with one_blas_thread():
            y = (genomes[order[:mu]] - self.mean) / self.sigma
            y_w = weights @ y
            self.mean = self.mean + self.sigma * y_w
            self.generation += 1
            whitened = self.B @ ((self.B.T @ y_w) / self.D)
            self.ps = (1 - cs) * self.ps + math.sqrt(cs * (2 - cs) * mu_eff) * whitened
            norm = float(np.linalg.norm(self.ps))
            h_sigma = norm / math.sqrt(1 - (1 - cs) ** (2 * self.generation)) < (1.4 + 2 / (n + 1)) * self.chi_n
            self.pc = (1 - cc) * self.pc + h_sigma * math.sqrt(cc * (2 - cc) * mu_eff) * y_w
            self.C = ((1 - c1 - c_mu + (0.0 if h_sigma else c1 * cc * (2 - cc))) * self.C
                      + c1 * np.outer(self.pc, self.pc) + c_mu * (y.T * weights) @ y)
            self.sigma *= math.exp(min(1.0, cs / damps * (norm / self.chi_n - 1)))
            if self.generation - self.decomposed >= 0.5 / ((c1 + c_mu) * n):
                self.C = np.triu(self.C) + np.triu(self.C, 1).T
                values, self.B = np.linalg.eigh(self.C)
                self.D = np.sqrt(np.maximum(values, 1e-20 * max(values.max(), 1e-300)))
                self.decomposed = self.generation

    def state(self) -> dict:
        return {name: getattr(self, name) for name in self.STATE}

    def restore(self, state: dict) -> None:
        for name in self.STATE:
            value = state[name]
            setattr(self, name, np.array(value, dtype=np.float64) if isinstance(value, np.ndarray) else value)
        self.sigma, self.generation, self.decomposed = float(self.sigma), int(self.generation), int(self.decomposed)
