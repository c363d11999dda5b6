"""Same seed, same bits whether the kernels were compiled in the process or loaded from
Numba's cache: each check runs in a subprocess with an empty cache, then again with the
cache that run left."""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = Path(__file__).with_name("cache_bits_script.py")


def cold_and_warm(tmp_path, which: str) -> tuple[dict, dict]:
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba-cache")}
    runs = []
    for _ in range(2):
        done = subprocess.run([sys.executable, str(SCRIPT), which], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=600, check=True)
        runs.append(ast.literal_eval(done.stdout.strip().splitlines()[-1]))
    return runs[0], runs[1]


def test_the_lyapunov_spectrum_has_the_same_bits_with_a_cold_and_a_warm_cache(tmp_path):
    """It once differed in the last bits (reassociation in the Gram-Schmidt kernel)."""
    cold, warm = cold_and_warm(tmp_path, "quick")
    assert cold == warm


@pytest.mark.slow
def test_every_kernel_family_has_the_same_bits_with_a_cold_and_a_warm_cache(tmp_path):
    """CTRNN (three fixed-step methods and the generic kernels), Lyapunov spectra, ESN states
    and fits, GRU, LSTM and Elman networks, memristive circuits, fixed points, the
    oscillator task's one-call recording loop, the codecs' decode and a NEAT run (its
    compiled generation step segfaulted once when loaded from the cache: Numba cannot cache
    a recursive function, so the pairwise sum runs on an explicit stack)."""
    cold, warm = cold_and_warm(tmp_path, "all")
    assert len(cold) == 16 and cold == warm
