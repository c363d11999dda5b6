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
def add_gram(features, xx):
    """``xx[p] += features[p].T @ features[p]`` for every individual `p`, in parallel.

    `features` has shape ``(n_pop, n_samples, n_features)`` and `xx` ``(n_pop, n_features,
    n_features)``, both C-contiguous float64, `xx` symmetric. Each individual is one BLAS
    symmetric rank-k update (``dsyrk``: half the work of a general product): a C-ordered
    ``(n_samples, n_features)`` block is the Fortran-ordered transpose, so the update is
    ``C += A A^T`` with ``A = features[p]^T`` and no copy. It updates one triangle, which is
    then mirrored. Numba-compiled; writes into `xx`; no validation.
    """
    n_pop, n_samples, n_features = features.shape
    for p in prange(n_pop):
        chars = np.array([ord("U"), ord("N")], np.uint8)  # Fortran's upper = C's lower triangle
        sizes = np.array([n_features, n_samples], np.int32)
        ones = np.ones(2)  # alpha and beta
        gram = xx[p]
        _dsyrk(chars[0:].ctypes, chars[1:].ctypes, sizes[0:].ctypes, sizes[1:].ctypes, ones[0:].ctypes,
               features[p].ctypes, sizes[0:].ctypes, ones[1:].ctypes, gram.ctypes, sizes[0:].ctypes)
        for i in range(n_features):
            for j in range(i + 1, n_features):
                gram[i, j] = gram[j, i]
