"""The vectorised operators draw from the same distributions as DEAP's (statistical tests),
and tournament selection matches its closed form."""

import random

import numpy as np
import pytest
from scipy import stats

from evornn.optim import _deap, operators

N = 4000
ALPHA = 1e-3  # significance level for "the distributions differ"


def same_distribution(a, b):
    for k in range(a.shape[1]):
        assert stats.ks_2samp(a[:, k], b[:, k]).pvalue > ALPHA, f"gene {k} differs"


def deap_rows(op, rows, seed):
    rand = random.Random(seed)
    with _deap.deap_random(rand):
        return op(rows)


@pytest.fixture
def parents():
    a = np.array([-0.9, -0.2, 0.3, 0.95, 0.5])
    b = np.array([0.4, -0.25, -0.7, 0.9, 0.5])  # the last gene is equal: never crossed
    return np.tile(a, (N, 1)), np.tile(b, (N, 1))


@pytest.mark.parametrize("kind", ["sbx", "blend"])
def test_crossover_matches_deap(parents, kind):
    a, b = parents
    kwargs = dict(crossover_kind=kind, crossover_prob=1.0, mutation_kind="gaussian", mutation_prob=0.0, gene_prob=0.0,
                  eta_crossover=5.0, eta_mutation=20.0, alpha=0.3, sigma=0.0, low=-1.0, high=1.0)
    pairs = np.empty((2 * N, a.shape[1]))
    pairs[0::2], pairs[1::2] = a, b
    ours = operators.vary(np.random.default_rng(1), pairs, **kwargs)
    theirs = deap_rows(lambda rows: _deap.vary(rows, **kwargs), pairs, 2)
    same_distribution(ours[0::2], theirs[0::2])
    same_distribution(ours[1::2], theirs[1::2])
    if kind == "sbx":
        np.testing.assert_array_equal(ours[:, 4], 0.5)
        # Each gene crosses with probability 1/2: about half the children keep the parent's value.
        assert abs(np.mean(ours[0::2, 0] == -0.9) - np.mean(theirs[0::2, 0] == -0.9)) < 0.05


@pytest.mark.parametrize("kind", ["gaussian", "polynomial"])
def test_mutation_matches_deap(kind):
    x = np.tile(np.array([-0.95, 0.0, 0.6]), (N, 1))
    kwargs = dict(crossover_kind="sbx", crossover_prob=0.0, mutation_kind=kind, mutation_prob=1.0, gene_prob=0.7,
                  eta_crossover=15.0, eta_mutation=10.0, alpha=0.0, sigma=0.3, low=-1.0, high=1.0)
    ours = operators.vary(np.random.default_rng(3), x, **kwargs)
    theirs = deap_rows(lambda rows: _deap.vary(rows, **kwargs), x, 4)
    same_distribution(ours, theirs)
    for k in range(3):  # genes left alone with probability 1 - gene_prob
        assert abs(np.mean(ours[:, k] == x[0, k]) - 0.3) < 0.04
        assert abs(np.mean(theirs[:, k] == x[0, k]) - 0.3) < 0.04


def test_sa_neighbour_move_matches_deap():
    x = np.tile(np.array([0.1, -0.4]), (N, 1))
    ours = operators.gaussian(np.random.default_rng(5), x, 0.2, 0.5)
    theirs = deap_rows(lambda rows: _deap.mutate_gaussian(rows, 0.2, 0.5), x, 6)
    same_distribution(ours, theirs)


def test_tournament_selection_matches_the_closed_form_and_deap():
    n, size, k = 6, 3, 30000
    fitness = np.array([0.3, 0.9, 0.1, 0.5, 0.7, 0.2])
    rank = np.argsort(np.argsort(-fitness))  # 0 for the best
    # P(the winner has rank r) = ((n - r)^size - (n - r - 1)^size) / n^size, with replacement.
    expected = ((n - rank) ** size - (n - rank - 1) ** size) / n**size
    ours = np.bincount(operators.tournament(np.random.default_rng(7), fitness, k, size), minlength=n)
    theirs = np.bincount(deap_rows(lambda f: _deap.select_tournament(f, k, size), fitness, 8), minlength=n)
    for counts in (ours, theirs):
        assert stats.chisquare(counts, expected * k).pvalue > ALPHA


def deap_fronts(fitness):
    from deap import tools

    pop = _deap.individuals(np.arange(len(fitness), dtype=float)[:, None], fitness)
    return [sorted(int(ind[0]) for ind in front) for front in tools.sortNondominated(pop, len(pop))], pop


@pytest.mark.parametrize("n_obj", [2, 3])
def test_nondominated_fronts_match_deap(rng, n_obj):
    fitness = np.round(rng.normal(size=(300, n_obj)), 1)  # coarse values: ties and duplicates
    fronts, _ = deap_fronts(fitness)
    ranks = operators.nondominated_ranks(fitness)
    assert [sorted(np.flatnonzero(ranks == r).tolist()) for r in range(ranks.max() + 1)] == fronts


def test_crowding_and_survivors_match_deap(rng):
    from deap import tools

    fitness = rng.normal(size=(120, 2))
    ranks = operators.nondominated_ranks(fitness)
    ours = operators.crowding_distance(fitness, ranks)
    _, pop = deap_fronts(fitness)
    for front in tools.sortNondominated(pop, len(pop)):
        tools.emo.assignCrowdingDist(front)
    theirs = np.array([ind.fitness.crowding_dist for ind in pop])
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    chosen, _ = operators.nsga2_select(fitness, 50)
    deap_chosen, _ = _deap.nsga2_select(fitness, 50)
    assert sorted(chosen.tolist()) == sorted(deap_chosen.tolist())


def test_crowded_tournament_matches_deap():
    fitness = np.array([[0, 3], [1, 2], [2, 1], [3, 0], [0, 0], [1, 1], [0.5, 0.5], [2, 0]], dtype=float)
    crowding = operators.crowding_distance(fitness, operators.nondominated_ranks(fitness))
    rng = np.random.default_rng(9)
    ours = np.concatenate([operators.tournament_dcd(rng, fitness, crowding, 8) for _ in range(3000)])
    rand = random.Random(10)
    with _deap.deap_random(rand):
        theirs = np.concatenate([_deap.tournament_dcd(fitness, crowding, 8) for _ in range(3000)])
    table = np.stack([np.bincount(ours, minlength=8), np.bincount(theirs, minlength=8)])
    assert stats.chi2_contingency(table[:, table.sum(axis=0) > 0]).pvalue > ALPHA
