"""The neural history compressor: against a slow step-by-step reference, on the structure of
the long-gap stream, and its distillation and validation."""

import numpy as np
import pytest

from evornn import ESN, datasets
from evornn.models import HistoryCompressor
from evornn.tasks import LongGapTask
from tests import reference


def _levels(n_symbols, n_levels=2, n_units=20, radii=(0.6, 0.95)):
    return [ESN.random(n_units, n_symbols, n_symbols, spectral_radius=list(radii), rng=k + 1) for k in range(n_levels)]


def _as_dict(esn, p):
    prm = esn.params
    return {"weights": esn.weights(p), "input_weights": prm.input_weights[p], "bias": prm.bias[p], "leak": prm.leak[p]}


def test_three_levels_equal_the_step_by_step_reference():
    u, _ = datasets.long_gap(40, 6, rng=3)
    train, test = u[:240], u[240:]
    levels = _levels(u.shape[1], n_levels=3)
    hc = HistoryCompressor(levels, threshold=0.3, ridge=1e-3, washout=10).fit(train)
    run = hc.run(test)
    for p in range(2):
        expected, ticks = reference.history_compressor([_as_dict(lv, p) for lv in levels], train, test, 0.3, 1e-3, 10)
        np.testing.assert_array_equal(run.ticks[:, p], ticks)
        np.testing.assert_allclose(run.prediction[p], expected, rtol=0, atol=1e-8)
    assert run.ticks[2].sum() > 0  # the third level took part
    assert not run.diverged.any()


def test_level_one_reads_only_the_unpredictable_symbols_and_predicts_across_the_gap():
    # In s b1 .. b_gap S only s (random) is unpredictable to a network with short memory,
    # and S too once the gap outlasts that memory: level 1 must read exactly those.
    gap = 40
    task = LongGapTask(gap, n_train=100, n_test=40, seed=1)
    levels = _levels(task.n_symbols, n_units=60, radii=(0.9,))
    hc = HistoryCompressor(levels).fit(task.inputs[: task.n_split], washout=50)
    run = hc.run(task.inputs[task.n_split:])
    position = np.arange(run.ticks.shape[2]) % (gap + 2)
    assert np.array_equal(run.ticks[1, 0], (position == 0) | (position == gap + 1))
    result = task.evaluate(HistoryCompressor(levels))
    assert result.metrics["solved"][0] >= 0.95
    assert result.metrics["ticks"][0] == pytest.approx(2 / (gap + 2))


def test_a_population_is_its_members():
    u, _ = datasets.long_gap(30, 5, rng=0)
    hc = HistoryCompressor(_levels(u.shape[1]), threshold=[0.3, 0.4]).fit(u[:150])
    whole = hc.run(u[150:])
    one = hc.take([1]).run(u[150:])
    np.testing.assert_array_equal(whole.prediction[1], one.prediction[0])
    np.testing.assert_array_equal(whole.ticks[:, 1], one.ticks[:, 0])
    refit = HistoryCompressor([lv.take([1]) for lv in _levels(u.shape[1])], threshold=0.4).fit(u[:150])
    np.testing.assert_array_equal(refit.predict(u[150:])[0], whole.prediction[1])


def test_distillation_fits_the_automatiser_to_the_next_input_and_level_one_expectation():
    u, _ = datasets.long_gap(30, 5, rng=0)
    n = u.shape[1]
    hc = HistoryCompressor(_levels(n, radii=(0.9,)), washout=5).fit(u)
    automatiser = ESN.random(30, n, 2 * n, spectral_radius=0.9, feedback_scaling=0.3, ridge=1e-2, rng=7)
    trained = hc.distill(automatiser, u)
    zero = [np.zeros((1, lv.n_units)) for lv in hc.levels]
    teacher = hc.run(u, x0=zero).expectations[1][0]
    feedback = np.array(automatiser.params.feedback_weights)
    feedback[:, :, :n] = 0.0  # only the expectation is fed back
    expected = automatiser._replace(feedback_weights=feedback).fit(u[:-1], np.concatenate([u[1:], teacher[:-1]], axis=1),
                                                                   washout=5)
    np.testing.assert_array_equal(trained.params.feedback_weights, feedback)
    np.testing.assert_array_equal(trained.params.readout, expected.params.readout)
    np.testing.assert_array_equal(trained.state_, expected.state_)


def test_a_diverging_level_is_flagged_not_raised():
    u, _ = datasets.long_gap(20, 4, rng=0)
    wild = ESN.random(20, u.shape[1], u.shape[1], spectral_radius=[0.9, 1e10], activation="identity", rng=0)
    hc = HistoryCompressor([wild, _levels(u.shape[1])[1]]).fit(u[:80])
    run = hc.run(u[80:])
    assert run.diverged.tolist() == [False, True]
    assert np.isfinite(run.prediction[0]).all()


def test_bad_input_is_refused_before_any_work():
    n = 9
    good = _levels(n)
    with pytest.raises(ValueError, match="levels must hold at least one"):
        HistoryCompressor([])
    with pytest.raises(TypeError, match=r"levels\[0\] must be an ESN"):
        HistoryCompressor([object()])
    with pytest.raises(ValueError, match="same number of networks"):
        HistoryCompressor([good[0], good[1].take([0])])
    with pytest.raises(ValueError, match="takes 3"):
        HistoryCompressor([good[0], ESN.random(20, 3, 3, connectivity=0.5, rng=0).take([0, 0])])
    with pytest.raises(ValueError, match="output feedback"):
        HistoryCompressor([ESN.random(20, n, n, feedback_scaling=0.1, connectivity=0.5, rng=0)])
    for bad in (0.0, -1.0, np.nan, [0.3, 0.3, 0.3]):
        with pytest.raises(ValueError, match="threshold"):
            HistoryCompressor(good, threshold=bad)
    with pytest.raises(ValueError, match="ridge"):
        HistoryCompressor(good, ridge=-1.0)
    hc = HistoryCompressor(good)
    with pytest.raises(ValueError, match="not fitted"):
        hc.run(np.eye(n))
    with pytest.raises(ValueError, match=r"shape \(n_steps >= 2, 9\)"):
        hc.fit(np.zeros((10, 4)))
    with pytest.raises(ValueError, match="finite"):
        hc.fit(np.full((10, n), np.nan))
    with pytest.raises(ValueError, match="washout"):
        hc.fit(np.eye(n), washout=20)
    with pytest.raises(ValueError, match="automatiser must hold"):
        hc.fit(np.eye(n)).distill(ESN.random(20, n, n, feedback_scaling=0.1, connectivity=0.5, rng=0).take([0, 0]), np.eye(n))
    with pytest.raises(ValueError, match="LongGapTask needs"):
        LongGapTask(3).evaluate(object())
    with pytest.raises(ValueError, match="7 symbols"):
        LongGapTask(3).evaluate(HistoryCompressor(good))


def test_the_same_bits_on_one_thread_and_on_two():
    import numba

    u, _ = datasets.long_gap(30, 5, rng=0)
    hc = HistoryCompressor(_levels(u.shape[1]))
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = hc.fit(u[:150]).run(u[150:])
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = hc.fit(u[:150]).run(u[150:])
    finally:
        numba.set_num_threads(before)
    np.testing.assert_array_equal(one.prediction, two.prediction)
    np.testing.assert_array_equal(one.ticks, two.ticks)


def test_the_task_scores_an_oracle_as_solved_and_a_swapped_oracle_as_failed():
    task = LongGapTask(4, n_train=10, n_test=6, seed=2)
    test = task.inputs[task.n_split:]
    oracle = np.zeros((2, *test.shape))
    oracle[:, :-1] = test[1:]  # after each symbol, the next one
    oracle[1, :, 2:4] = oracle[1, :, 3:1:-1]  # network 1 says X for A and A for X
    metrics = task.score(oracle)
    assert metrics["solved"].tolist() == [1.0, 0.0]
    assert metrics["predictable"].tolist() == [1.0, 1.0]
    with pytest.raises(ValueError, match="prediction must have shape"):
        task.score(oracle[:, :-1])
