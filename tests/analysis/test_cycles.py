import numpy as np
import pytest

from evornn.analysis import estimate_period


def test_period_of_known_signals():
    t = np.linspace(0, 50, 5001)
    x = np.column_stack([np.sin(2 * np.pi * t / 3.7), np.sign(np.sin(2 * np.pi * t / 5.0)) + 0.1, np.exp(-t)])
    periods = estimate_period(t, x)
    assert periods[0] == pytest.approx(3.7, rel=1e-5)
    assert periods[1] == pytest.approx(5.0, rel=1e-3)
    assert np.isnan(periods[2])


def test_period_rejects_bad_shapes():
    with pytest.raises(ValueError, match="x must have shape"):
        estimate_period(np.arange(5), np.zeros(4))
