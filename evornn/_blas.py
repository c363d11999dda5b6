"""BLAS from compiled code: SciPy's own BLAS (``scipy.linalg.cython_blas``), called from
Numba kernels so that several individuals' products run at once, one per thread.

SciPy's BLAS wrappers (``scipy.linalg.blas``) hold the GIL, so Python threads cannot run
them side by side. Here the routine's address is registered as a symbol once per process
(:func:`llvmlite.binding.add_symbol`) and declared as an external function, so kernels that
call it are cached like any other (the cached code names the symbol, resolved when loaded).
Callers run BLAS on one thread (:func:`evornn._numba.one_blas_thread`): the parallelism is
over individuals, one BLAS call per thread.
"""

from __future__ import annotations

import numpy as np
from llvmlite import binding
from numba import njit, prange, types
from numba.extending import get_cython_function_address

binding.add_symbol("evornn_scipy_dsyrk", get_cython_function_address("scipy.linalg.cython_blas", "dsyrk"))
# dsyrk(uplo, trans, n, k, alpha, a, lda, beta, c, ldc), Fortran conventions: every argument a pointer.
_dsyrk = types.ExternalFunction("evornn_scipy_dsyrk", types.void(*([types.voidptr] * 10)))


@njit(cache=True, parallel=True)
def add_moments(gram_features, features, targets, xx, xy, x_sum):
    """The sums of ridge regression, for every individual `p` in parallel::

        xx[p] += gram_features[p].T @ gram_features[p]
        xy[p] += features[p].T @ targets
        x_sum[p] += features[p].sum(axis=0)

    `gram_features` and `features` have shape ``(n_pop, n_samples, n_features)`` (the same
    array, or for weighted samples the features scaled by the weights' square roots and
    by the weights), `targets` ``(n_samples, n_targets)``, `xx` ``(n_pop, n_features,
    n_features)``, symmetric; all C-contiguous float64. One pass over each individual's
    features for `xy` and `x_sum`, while they are in cache. Each Gram update is one BLAS
    symmetric rank-k update (``dsyrk``: half the work of a general product): a C-ordered
    ``(n_samples, n_features)`` block is the Fortran-ordered transpose, so the update is
    ``C += A A^T`` with ``A = features[p]^T`` and no copy. It updates one triangle, which is
    then mirrored. Numba-compiled; writes into `xx`, `xy` and `x_sum`; no validation.
    """
    n_pop, n_samples, n_features = features.shape
    n_targets = targets.shape[1]
    for p in prange(n_pop):
        chars = np.array([ord("U"), ord("N")], np.uint8)  # Fortran's upper = C's lower triangle
        sizes = np.array([n_features, n_samples], np.int32)
        ones = np.ones(2)  # alpha and beta
        gram = xx[p]
        _dsyrk(chars[0:].ctypes, chars[1:].ctypes, sizes[0:].ctypes, sizes[1:].ctypes, ones[0:].ctypes,
               gram_features[p].ctypes, sizes[0:].ctypes, ones[1:].ctypes, gram.ctypes, sizes[0:].ctypes)
        for i in range(n_features):
            for j in range(i + 1, n_features):
                gram[i, j] = gram[j, i]
        cross = np.zeros((n_targets, n_features))  # row-major over features: loops vectorise
        total = np.zeros(n_features)
        for s in range(n_samples):
            row = features[p, s]
            for f in range(n_features):
                total[f] += row[f]
            for m in range(n_targets):
                y = targets[s, m]
                for f in range(n_features):
                    cross[m, f] += row[f] * y
        for f in range(n_features):
            x_sum[p, f] += total[f]
            for m in range(n_targets):
                xy[p, f, m] += cross[m, f]
