"""Threading defaults: evornn's parallel kernels called from several Python threads at once
(threaded Dask workers, a user's thread pool) give the results of serial calls, and the
OpenMP wait policy is passive unless the user chose one."""

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import evornn


def test_parallel_kernels_from_several_python_threads_match_serial_calls():
    rng = np.random.default_rng(5)
    nets = [evornn.CTRNN(rng.normal(size=(16, 5, 5)), bias=rng.normal(size=(16, 5))) for _ in range(8)]
    esn = evornn.ESN.random(60, n_pop=4, rng=1)
    u = rng.normal(size=(300, 1))

    def work(k):
        # ESN.fit: its Gram matrices are BLAS calls from a parallel kernel (evornn._blas).
        return evornn.simulate(nets[k], dt=0.05, n_steps=400).y, esn.states(u + k), esn.fit(u + k, u).params.readout

    serial = [work(k) for k in range(8)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        for _ in range(3):
            threaded = list(pool.map(work, range(8)))
            for one, other in zip(serial, threaded, strict=True):
                for a, b in zip(one, other, strict=True):
                    np.testing.assert_array_equal(a, b)


def test_the_openmp_wait_policy_defaults_to_passive_and_a_users_choice_is_kept():
    code = "import os, evornn; print(os.environ['OMP_WAIT_POLICY'])"
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    run = lambda e: subprocess.run([sys.executable, "-c", code], env=e, capture_output=True, text=True,  # noqa: E731
                                   check=True).stdout.strip()
    assert run(env) == "PASSIVE"
    assert run({**env, "OMP_WAIT_POLICY": "ACTIVE"}) == "ACTIVE"
