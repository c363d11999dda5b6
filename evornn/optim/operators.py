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
from numba import njit


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
    rand = rng.random(a.shape)[cross]  # the powers are costly: only for genes that cross
    swap = (rng.random(a.shape) <= 0.5)[cross]
    x1, x2 = np.minimum(a, b)[cross], np.maximum(a, b)[cross]
    span = x2 - x1
    with np.errstate(invalid="ignore", divide="ignore"):
        c1 = 0.5 * (x1 + x2 - _sbx_spread(rand, 1.0 + 2.0 * (x1 - low) / span, eta) * span)
        c2 = 0.5 * (x1 + x2 + _sbx_spread(rand, 1.0 + 2.0 * (high - x2) / span, eta) * span)
    c1, c2 = np.clip(c1, low, high), np.clip(c2, low, high)
    first, second = a.copy(), b.copy()
    first[cross] = np.where(swap, c2, c1)
    second[cross] = np.where(swap, c1, c2)
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
    rand = rng.random(x.shape)[hit]  # the powers below are costly: only for genes that mutate
    v = x[hit]
    span = high - low
    power = 1.0 / (eta + 1.0)
    lower = rand < 0.5
    with np.errstate(invalid="ignore"):
        xy = np.where(lower, 1.0 - (v - low) / span, 1.0 - (high - v) / span)
        val = np.where(lower, 2.0 * rand + (1.0 - 2.0 * rand) * xy ** (eta + 1.0),
                       2.0 * (1.0 - rand) + 2.0 * (rand - 0.5) * xy ** (eta + 1.0))
        delta = np.where(lower, val**power - 1.0, 1.0 - val**power)
    out = x.copy()
    out[hit] = np.clip(v + delta * span, low, high)
    return out


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


def dominates(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise Pareto dominance for maximisation: ``a[q]`` is no worse everywhere and better somewhere."""
    return (a >= b).all(axis=-1) & (a > b).any(axis=-1)


def nondominated_ranks(fitness: np.ndarray) -> np.ndarray:
    """Front index of every row of `fitness` (shape ``(n, n_obj)``, maximised): 0 for the
    non-dominated front, 1 for the front behind it, ... (the fronts of ``tools.sortNondominated``).

    Two objectives take O(n log n): rows sorted by the first objective (then the second),
    each joins the first front whose best second objective it beats, found by bisection
    (Jensen, 2003). More objectives use the pairwise dominance matrix and peel fronts.
    """
    n, n_obj = fitness.shape
    ranks = np.empty(n, dtype=np.intp)
    if n_obj == 2:
        order = np.lexsort((-fitness[:, 1], -fitness[:, 0]))
        ranks[order] = _sweep_two_objectives(np.ascontiguousarray(fitness[order, 0]), np.ascontiguousarray(fitness[order, 1]))
        return ranks
    beaten_by = np.zeros((n, n), dtype=bool)  # [i, j]: i dominates j
    for start in range(0, n, 256):
        beaten_by[start:start + 256] = dominates(fitness[start:start + 256, None, :], fitness[None, :, :])
    counts = beaten_by.sum(axis=0)
    ranks[:] = -1
    front, rank = np.flatnonzero(counts == 0), 0
    while front.size:
        ranks[front] = rank
        counts = counts - beaten_by[front].sum(axis=0)
        counts[ranks >= 0] = -1
        front, rank = np.flatnonzero(counts == 0), rank + 1
    return ranks


@njit(cache=True)
def _sweep_two_objectives(f1, f2):
    """Fronts of points sorted by f1, then f2, both decreasing. Numba-compiled; no validation."""
    n = f1.shape[0]
    ranks = np.empty(n, dtype=np.intp)
    front_best = np.empty(n)  # the best f2 of each front so far (non-increasing)
    n_fronts = 0
    for pos in range(n):
        if pos > 0 and f1[pos] == f1[pos - 1] and f2[pos] == f2[pos - 1]:
            ranks[pos] = ranks[pos - 1]  # an identical point: the same front
            continue
        lo, hi = 0, n_fronts
        while lo < hi:  # the first front whose best f2 is below this point's
            mid = (lo + hi) // 2
            if front_best[mid] < f2[pos]:
                hi = mid
            else:
                lo = mid + 1
        if lo == n_fronts:
            front_best[lo] = f2[pos]
            n_fronts += 1
        else:
            front_best[lo] = max(front_best[lo], f2[pos])
        ranks[pos] = lo
    return ranks


def crowding_distance(fitness: np.ndarray, ranks: np.ndarray) -> np.ndarray:
    """Crowding distance within each front (``tools.assignCrowdingDist``): infinite at each
    objective's extremes, otherwise the sum over objectives of the gap between the two
    neighbours, divided by ``n_obj`` times the front's range of that objective."""
    n, n_obj = fitness.shape
    distance = np.zeros(n)
    for k in range(n_obj):
        order = np.lexsort((fitness[:, k], ranks))
        values, fronts = fitness[order, k], ranks[order]
        first = np.r_[True, fronts[1:] != fronts[:-1]]
        last = np.r_[fronts[1:] != fronts[:-1], True]
        low = np.maximum.accumulate(np.where(first, np.arange(n), 0))  # start of each row's front
        high = np.minimum.accumulate(np.where(last, np.arange(n), n)[::-1])[::-1]  # its end
        span = values[high] - values[low]
        inner = ~first & ~last & (span > 0)
        gap = np.zeros(n)
        idx = np.flatnonzero(inner)
        gap[idx] = (values[idx + 1] - values[idx - 1]) / (n_obj * span[idx])
        gap[first | last] = np.inf
        distance[order] += gap
    return distance


def nsga2_select(fitness: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """NSGA-II survivor selection (``tools.selNSGA2``): indices of `k` rows, whole fronts
    first, the last front by decreasing crowding distance; and the survivors' crowding."""
    ranks = nondominated_ranks(fitness)
    crowding = crowding_distance(fitness, ranks)
    chosen = np.lexsort((-crowding, ranks))[:k]
    return chosen, crowding[chosen]


def tournament_dcd(rng: np.random.Generator, fitness: np.ndarray, crowding: np.ndarray, k: int) -> np.ndarray:
    """Binary tournaments on dominance, then crowding distance, then a coin (``tools.selTournamentDCD``).

    Two random permutations of the population are cut into pairs; each pair sends its
    winner. `k` must be a multiple of 4 and at most the population size.
    """
    n = fitness.shape[0]
    first = np.concatenate([rng.permutation(n)[:k], rng.permutation(n)[:k]])
    a, b = first[0::2], first[1::2]
    a_wins = dominates(fitness[a], fitness[b])
    b_wins = dominates(fitness[b], fitness[a])
    coin = rng.random(a.size) <= 0.5
    by_crowding = np.where(crowding[a] == crowding[b], coin, crowding[a] > crowding[b])
    winner_is_a = a_wins | (~b_wins & by_crowding)
    winners = np.where(winner_is_a, a, b)
    # DEAP's order: two pairs from the first permutation, then two from the second, per four picks.
    half = k // 2
    return np.stack([winners[:half].reshape(-1, 2), winners[half:].reshape(-1, 2)], axis=1).reshape(-1)
