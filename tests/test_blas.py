"""BLAS called from compiled code (`evornn._blas`): the population's Gram matrices against
NumPy's products, accumulated over chunks, and the same bits on any thread count."""

import numba
import numpy as np

from evornn._blas import add_gram
from evornn._numba import one_blas_thread


def test_add_gram_accumulates_every_individuals_gram_matrix():
    rng = np.random.default_rng(0)
    chunks = [rng.normal(size=(5, n, 30)) for n in (200, 1, 77)]
    xx = np.zeros((5, 30, 30))
    with one_blas_thread():
        for chunk in chunks:
            add_gram(chunk, xx)
    want = sum(np.einsum("psi,psj->pij", c, c) for c in chunks)
    np.testing.assert_allclose(xx, want, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(xx, xx.transpose(0, 2, 1))


def test_add_gram_bits_do_not_depend_on_the_thread_count():
    rng = np.random.default_rng(1)
    features = rng.normal(size=(7, 500, 40))
    results = []
    for n_threads in (1, numba.config.NUMBA_NUM_THREADS):
        xx = np.zeros((7, 40, 40))
        previous = numba.get_num_threads()
        numba.set_num_threads(n_threads)
        try:
            with one_blas_thread():
                add_gram(features, xx)
        finally:
            numba.set_num_threads(previous)
        results.append(xx)
    np.testing.assert_array_equal(results[0], results[1])
