"""Vectorised variation and selection operators with DEAP's distributions.

DEAP's operators loop over individuals and genes in Python (roughly 15-20 microseconds
per individual per generation, as much as a short fitness evaluation). These do the same
draws for the whole population at once from a ``numpy.random.Generator``. Each follows the
DEAP function named in its docstring formula for formula (bounds, probabilities and edge
cases included); ``tests/optim/test_operators.py`` checks the distributions against DEAP's
statistically.
"""

from __future__ import annotations

import numpy as np


def tournament(rng: np.random.Generator, fitness: np.ndarray, k: int, tournament_size: int) -> np.ndarray:
    """Indices of `k` tournament winners (``tools.selTournament``): each tournament draws
    `tournament_size` individuals with replacement and keeps the fittest (the first on ties)."""
    aspirants = rng.integers(0, fitness.shape[0], size=(k, tournament_size))
    return aspirants[np.arange(k), np.argmax(fitness[aspirants], axis=1)]


def _sbx_spread(rand, beta, eta):
    alpha = 2.0 - beta ** -(eta + 1.0)
    small = rand <= 1.0 / alpha
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(small, (rand * alpha) ** (1.0 / (eta + 1.0)), (1.0 / (2.0 - rand * alpha)) ** (1.0 / (eta + 1.0)))


def sbx(rng: np.random.Generator, a: np.ndarray, b: np.ndarray, eta: float, low: float,
        high: float) -> tuple[np.ndarray, np.ndarray]:
    """Bounded simulated binary crossover of rows ``a[q]`` and ``b[q]`` (``tools.cxSimulatedBinaryBounded``).

    Each gene crosses with probability 1/2 (when the parents differ by more than 1e-14);
    the two children's values are then swapped with probability 1/2.
    """
    cross = (rng.random(a.shape) <= 0.5) & (np.abs(a - b) > 1e-14)
    rand = rng.random(a.shape)
    swap = rng.random(a.shape) <= 0.5
    x1, x2 = np.minimum(a, b), np.maximum(a, b)
    with np.errstate(invalid="ignore", divide="ignore"):
        span = np.where(cross, x2 - x1, 1.0)
        c1 = 0.5 * (x1 + x2 - _sbx_spread(rand, 1.0 + 2.0 * (x1 - low) / span, eta) * span)
        c2 = 0.5 * (x1 + x2 + _sbx_spread(rand, 1.0 + 2.0 * (high - x2) / span, eta) * span)
    c1, c2 = np.clip(c1, low, high), np.clip(c2, low, high)
    first = np.where(cross, np.where(swap, c2, c1), a)
    second = np.where(cross, np.where(swap, c1, c2), b)
    return first, second


def blend(rng: np.random.Generator, a: np.ndarray, b: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Blend crossover BLX-alpha (``tools.cxBlend``): one ``gamma ~ U(-alpha, 1 + alpha)`` per gene."""
    gamma = (1.0 + 2.0 * alpha) * rng.random(a.shape) - alpha
    return (1.0 - gamma) * a + gamma * b, gamma * a + (1.0 - gamma) * b


def gaussian(rng: np.random.Generator, x: np.ndarray, sigma: float, gene_prob: float) -> np.ndarray:
    """Gaussian mutation (``tools.mutGaussian``): each gene, with probability `gene_prob`, gets ``N(0, sigma)``."""
    hit = rng.random(x.shape) < gene_prob
    return np.where(hit, x + rng.normal(0.0, sigma, size=x.shape), x)


def polynomial(rng: np.random.Generator, x: np.ndarray, eta: float, low: float, high: float, gene_prob: float) -> np.ndarray:
    """Bounded polynomial mutation (``tools.mutPolynomialBounded``, Deb's NSGA-II version)."""
    hit = rng.random(x.shape) <= gene_prob
    rand = rng.random(x.shape)
    span = high - low
    power = 1.0 / (eta + 1.0)
    lower = rand < 0.5
    with np.errstate(invalid="ignore"):
        xy = np.where(lower, 1.0 - (x - low) / span, 1.0 - (high - x) / span)
        val = np.where(lower, 2.0 * rand + (1.0 - 2.0 * rand) * xy ** (eta + 1.0),
                       2.0 * (1.0 - rand) + 2.0 * (rand - 0.5) * xy ** (eta + 1.0))
        delta = np.where(lower, val**power - 1.0, 1.0 - val**power)
    return np.where(hit, np.clip(x + delta * span, low, high), x)


def vary(rng: np.random.Generator, parents: np.ndarray, *, crossover_kind: str, crossover_prob: float,
         mutation_kind: str, mutation_prob: float, gene_prob: float, eta_crossover: float, eta_mutation: float,
         alpha: float, sigma: float, low: float, high: float) -> np.ndarray:
    """The vectorised twin of :func:`evornn.optim._deap.vary` (DEAP's ``varAnd``), same arguments."""
    children = parents.copy()
    n_pairs = children.shape[0] // 2
    a, b = children[0:2 * n_pairs:2], children[1:2 * n_pairs:2]
    mates = rng.random(n_pairs) < crossover_prob
    if crossover_kind == "sbx":
        c1, c2 = sbx(rng, a, b, eta_crossover, low, high)
    else:
        c1, c2 = blend(rng, a, b, alpha)
    children[0:2 * n_pairs:2] = np.where(mates[:, None], c1, a)
    children[1:2 * n_pairs:2] = np.where(mates[:, None], c2, b)
    mutants = rng.random(children.shape[0]) < mutation_prob
    if mutation_kind == "gaussian":
        mutated = gaussian(rng, children, sigma, gene_prob)
    else:
        mutated = polynomial(rng, children, eta_mutation, low, high, gene_prob)
    children = np.where(mutants[:, None], mutated, children)
    return np.clip(children, low, high)
