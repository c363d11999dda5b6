"""Quality-diversity: archives against slow references, MAP-Elites and CMA-ME against random
sampling on the linear-projection sphere of the CMA-ME paper, and through `evolve`."""

import random
from types import SimpleNamespace

import numpy as np
import pytest

import evornn
from evornn.errors import ConfigError
from evornn.optim import METHODS, CVTArchive, GridArchive
from evornn.tasks import Descriptor, FunctionTask, WalkerTask
from tests.optim.helpers import bias_plane_problem

PLANE = (Descriptor("a", -1.0, 1.0), Descriptor("b", 0.0, 2.0))


def slow_grid_cell(value, dims, bounds=((-1.0, 1.0), (0.0, 2.0))):
    """The cell of one descriptor vector, one coordinate at a time."""
    index = 0
    for v, d, (low, high) in zip(value, dims, bounds, strict=True):
        k = int(np.floor((v - low) / (high - low) * d))
        index = index * d + min(max(k, 0), d - 1)
    return index


def test_grid_and_cvt_cells_equal_slow_references(rng):
    values = rng.uniform([-1.3, -0.3], [1.3, 2.3], size=(500, 2))  # some outside the box
    grid = GridArchive((7, 5), 3, PLANE)
    assert grid.index(values).tolist() == [slow_grid_cell(v, (7, 5)) for v in values]
    wide = (Descriptor("a", -1.0, 1.0), Descriptor("b", 0.0, 8.0))
    cvt = CVTArchive(40, 3, wide, rng=1, n_samples=4000)
    values = values * [1.0, 4.0]
    scale = np.array([2.0, 8.0])  # the box's extent: distances are measured in the unit box
    nearest = [int(np.argmin(np.sum(((cvt.centroids - v) / scale) ** 2, axis=1))) for v in values]
    assert cvt.index(values).tolist() == nearest
    # k-means spreads the centroids over the box, and the same seed gives the same cells.
    assert np.all((cvt.centroids >= [-1, 0]) & (cvt.centroids <= [1, 8]))
    assert np.ptp(cvt.centroids[:, 1]) > 3 * np.ptp(cvt.centroids[:, 0])
    np.testing.assert_array_equal(CVTArchive(40, 3, wide, rng=1, n_samples=4000).centroids, cvt.centroids)


def test_adding_a_batch_equals_adding_one_by_one(rng):
    archive = GridArchive((4, 4), 2, PLANE)
    reference = {}  # cell -> (fitness, genome), filled one candidate at a time
    for _ in range(5):
        genomes = rng.normal(size=(60, 2))
        fitness = rng.integers(0, 6, 60).astype(float)  # ties within and across batches
        fitness[3] = np.nan
        values = rng.uniform([-1, 0], [1, 2], size=(60, 2))
        before = {cell: f for cell, (f, _) in reference.items()}
        status, value = archive.add(genomes, fitness, values)
        for k in range(60):
            cell = slow_grid_cell(values[k], (4, 4))
            if not np.isfinite(fitness[k]):
                expected = (0, None)
            elif cell not in before:
                expected = (2, fitness[k])
            elif fitness[k] > before[cell]:
                expected = (1, fitness[k] - before[cell])
            else:
                expected = (0, None)
            assert status[k] == expected[0]
            if expected[1] is not None:
                assert value[k] == expected[1]
            if np.isfinite(fitness[k]) and (cell not in reference or fitness[k] > reference[cell][0]):
                reference[cell] = (fitness[k], genomes[k])
    cells = np.flatnonzero(archive.occupied)
    assert cells.tolist() == sorted(reference)
    for cell in cells:
        assert archive.fitness[cell] == reference[cell][0]
        np.testing.assert_array_equal(archive.genomes[cell], reference[cell][1])
    metrics = archive.metrics()
    assert metrics["coverage"] == len(reference) / 16
    assert metrics["qd_score"] == pytest.approx(sum(f for f, _ in reference.values()))


N, R = 20, 5.12


def lp_sphere(genomes):
    """The linear-projection sphere of Fontaine et al. 2020 on genes scaled to [-5.12, 5.12]:
    fitness 100 at the optimum (0.4 x 5.12 in every gene), descriptors the sums of the two
    halves of the (clipped) genes."""
    x = R * np.clip(genomes, -1, 1)
    worst = N * (R + 0.4 * R) ** 2
    fitness = 100 * (worst - np.sum((x - 0.4 * R) ** 2, axis=1)) / worst
    clipped = np.where(np.abs(x) <= R, x, R / x)
    return fitness, np.stack([clipped[:, : N // 2].sum(axis=1), clipped[:, N // 2:].sum(axis=1)], axis=1)


LP_TASK = FunctionTask(lambda model, rng: None, descriptors=[("bc1", -R * N / 2, R * N / 2),
                                                            ("bc2", -R * N / 2, R * N / 2)])


def illuminate(method, budget, seed=0, n_pop=100, **options):
    strategy = METHODS[method](N, n_pop, 10**9, np.random.default_rng(seed), random.Random(seed), **options)
    strategy.attach(SimpleNamespace(task=LP_TASK))
    used = 0
    while used < budget:
        genomes = strategy.ask()
        fitness, values = lp_sphere(genomes)
        strategy.tell_descriptors(genomes, fitness, values)
        used += len(genomes)
    return strategy.archive.metrics()


@pytest.mark.parametrize(("method", "options"), [
    ("map_elites", {"variation": "iso_line_dd"}), ("map_elites", {"variation": "gaussian", "sigma": 0.2}),
    ("cma_me", {"emitters": 5, "sigma": 0.05}),
])
def test_qd_illuminates_the_linear_projection_sphere_better_than_random_sampling(method, options):
    budget = 20_000
    found = illuminate(method, budget, cells=50, **options)
    # Uniform genomes: sums of ten uniform genes crowd near the centre of the plane.
    archive = GridArchive((50, 50), N, LP_TASK.descriptors)
    fitness, values = lp_sphere(np.random.default_rng(0).uniform(-1, 1, size=(budget, N)))
    archive.add(np.zeros((budget, N)), fitness, values)
    sampled = archive.metrics()
    assert found["coverage"] > 1.5 * sampled["coverage"] and found["qd_score"] > 1.5 * sampled["qd_score"]
    assert found["best"] > max(95.0, sampled["best"])


@pytest.mark.parametrize("method", ["map_elites", "cma_me"])
def test_qd_through_evolve_records_archive_metrics(method):
    result = evornn.evolve(bias_plane_problem(), method, n_pop=20, n_generations=15, rng=3, progress=False, cells=10)
    coverage = [record["coverage"] for record in result.history]
    assert coverage == sorted(coverage) and coverage[-1] > 0.2  # an archive only grows
    assert result.archive.metrics()["elites"] == result.history[-1]["elites"]
    genomes, fitness, values = result.archive.elites()
    decoded = bias_plane_problem().codec.decode(genomes)
    np.testing.assert_allclose(values, decoded.bias, rtol=1e-12)  # each elite's cell is its own behaviour
    np.testing.assert_allclose(fitness, -np.sum(decoded.weights**2, axis=(1, 2)) / 256, rtol=1e-12)
    table = result.archive.table()
    assert set(table) >= {"cell", "fitness", "bias0", "bias1", "gene_0"} and len(table["cell"]) == len(fitness)


def test_qd_needs_descriptors_and_checks_its_options():
    with pytest.raises(ConfigError, match="behaviour descriptors"):
        evornn.evolve(evornn.Problem(evornn.CTRNN.codec(1), FunctionTask(lambda m, r: -m.bias[:, 0] ** 2)),
                      "map_elites", n_pop=8, n_generations=2, progress=False)
    with pytest.raises(ConfigError, match="not descriptors of the task"):
        evornn.evolve(bias_plane_problem(), "map_elites", n_pop=8, n_generations=2, progress=False,
                      descriptors=["speed"])
    with pytest.raises(ConfigError, match="n_pop must be >= 10"):
        evornn.evolve(bias_plane_problem(), "cma_me", n_pop=8, n_generations=2, progress=False)
    with pytest.raises(ConfigError, match="option cells"):
        evornn.evolve(bias_plane_problem(), "map_elites", n_pop=8, n_generations=2, progress=False, cells=[10, 0])
    with pytest.raises(ValueError, match="low < high"):
        Descriptor("x", 1.0, 1.0)
    six = evornn.Problem(evornn.CTRNN.codec(18, n_inputs=6), WalkerTask(n_legs=6, duration=1.0))
    with pytest.raises(ValueError, match=r"100,000,000 cells is more than the 10,000,000 evornn allows"):
        evornn.evolve(six, "map_elites", n_pop=8, n_generations=1, progress=False)  # 10 cells x 8 descriptors


def test_a_walker_repertoire_stores_each_gait_where_its_own_duty_factor_and_speed_put_it():
    """MAP-Elites over the one-legged walker's gaits: every elite, walked again, has the
    duty factor, velocity and fitness the archive holds, in the cell they name."""
    problem = evornn.Problem(evornn.CTRNN.codec(3, n_inputs=1), WalkerTask(duration=30.0))
    result = evornn.evolve(problem, "map_elites", n_pop=24, n_generations=6, rng=2, progress=False, cells=[10, 10])
    genomes, fitness, values = result.archive.elites()
    assert len(fitness) >= 5  # several gaits found
    metrics = problem.task.evaluate(problem.codec.decode(genomes)).metrics
    np.testing.assert_allclose(values, np.stack([metrics["duty_factor"], metrics["velocity"]], axis=1), rtol=1e-12)
    np.testing.assert_allclose(fitness, metrics["velocity"], rtol=1e-12)
    cells = [slow_grid_cell(v, (10, 10), [(0.0, 1.0), (0.0, 1.0)]) for v in values]
    np.testing.assert_array_equal(np.flatnonzero(result.archive.occupied), cells)


def test_the_emitters_cma_es_minimises_a_rotated_ellipsoid_with_a_lazy_decomposition():
    from evornn.optim._cma import LazyCMA

    rng = np.random.default_rng(4)
    n = 12
    rotation, _ = np.linalg.qr(rng.normal(size=(n, n)))
    scales = 10 ** (3 * np.arange(n) / (n - 1))  # condition 1e6, not along the axes

    def f(x):
        return np.sum(((x - 0.3) @ rotation.T) ** 2 * scales, axis=1)

    cma = LazyCMA(np.zeros(n), 0.5, 16)
    decompositions = 0
    for _ in range(3000):
        genomes = cma.sample(rng)
        values = f(genomes)
        before = cma.decomposed
        cma.tell(genomes, np.argsort(values), 8)
        decompositions += cma.decomposed != before
        if values.min() < 1e-10:
            break
    assert values.min() < 1e-10
    # Lazily: with mu = 8 in 12 dimensions the covariance moves by c1 + c_mu = 0.0414 per
    # generation (Hansen's constants), so it is decomposed once at least 0.5 / (0.0414 x 12)
    # = 1.008 generations have passed: every second generation.
    mu_eff = 1 / np.sum((w := np.log(8.5) - np.log(np.arange(1, 9))) ** 2 / w.sum() ** 2)
    c1 = 2 / ((n + 1.3) ** 2 + mu_eff)
    c_mu = 2 * (mu_eff - 2 + 1 / mu_eff) / ((n + 2) ** 2 + mu_eff)
    gap = int(np.ceil(0.5 / ((c1 + c_mu) * n)))
    assert gap == 2 and decompositions == cma.generation // gap
    np.testing.assert_allclose(cma.mean, 0.3, atol=1e-4)
