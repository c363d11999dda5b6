"""evornn._sums against NumPy: the same sums, means and standard deviations, bit for bit."""

import numpy as np

from evornn._sums import array_sum, summary


def test_the_compiled_sum_is_numpys_sum_bit_for_bit():
    rng = np.random.default_rng(2)
    for n in [*range(0, 300), 1000, 4099]:
        x = rng.standard_normal(n) * 10.0 ** rng.integers(-8, 8, n)
        assert array_sum(x) == x.sum()
    assert str(array_sum(np.array([-0.0]))) == str(np.array([-0.0]).sum())


def test_the_compiled_summary_is_numpys_min_mean_max_and_std_bit_for_bit():
    rng = np.random.default_rng(5)
    for n in [1, 2, 7, 8, 9, 127, 128, 129, 150, 1000]:
        x = rng.standard_normal(n) * 10.0 ** rng.integers(-3, 3) + rng.normal()
        assert summary(x) == (x.min(), x.mean(), x.max(), x.std())
    x = np.array([2.0, np.nan, -1.0])
    assert np.isnan(summary(x)).all() and np.isnan([x.min(), x.max(), x.mean(), x.std()]).all()
