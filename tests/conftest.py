import numpy as np
import pytest


@pytest.fixture
def rng(request):
    """Each test gets its own generator, seeded from its name (stable across runs)."""
    seed = sum(request.node.name.encode())
    return np.random.default_rng(seed)
