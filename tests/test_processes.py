"""Properties that need fresh processes: thread-count independence and Numba's disk cache."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

SIMULATE = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    from numba.core import event
    with event.install_recorder("numba:compile") as compiles:
        import evornn
        results = {}
        for n_neurons, method in [(4, "rk4"), (30, "rk4"), (3, "heun")]:
            net = evornn.CTRNN.random(37, n_neurons, 2, rng=3, tau_range=(1, 5), weight_range=(-5, 5))
            u = np.random.default_rng(4).normal(size=(200, 37, 2))
            traj = evornn.simulate(net, dt=0.02, inputs=u, method=method)
            results[f"{n_neurons}-{method}"] = traj.y.tobytes().hex()
        esn = evornn.ESN.random(40, 2, spectral_radius=[0.5, 0.8, 1.0, 1.2, 1.4], rng=1)
        u = np.random.default_rng(5).uniform(-1, 1, (300, 2))
        results["esn"] = esn.fit(u, u[:, :1] ** 2, washout=20).predict(u).tobytes().hex()
    json.dump({"compiles": len(compiles.buffer), "results": results}, sys.stdout)
    """
)


def run(env_extra):
    env = {**os.environ, **env_extra}
    out = subprocess.run([sys.executable, "-c", SIMULATE], cwd=ROOT, env=env, capture_output=True, text=True,
                         check=True, timeout=600)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_trajectories_are_bit_identical_with_one_and_two_threads():
    one = run({"NUMBA_NUM_THREADS": "1"})
    two = run({"NUMBA_NUM_THREADS": "2"})
    assert one["results"] == two["results"]
    assert len(set(one["results"].values())) == 4


def test_a_second_process_compiles_nothing(tmp_path):
    cache = {"NUMBA_CACHE_DIR": str(tmp_path / "numba-cache")}
    first = run(cache)
    second = run(cache)
    assert first["compiles"] > 0  # the first process filled the empty cache
    assert second["compiles"] == 0
    assert first["results"] == second["results"]


def test_random_networks_are_identical_across_processes():
    code = "import evornn; print(evornn.CTRNN.random(5, 3, rng=42).weights.tobytes().hex())"
    outs = {subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout for _ in range(2)}
    assert len(outs) == 1
    import evornn

    assert outs.pop().strip() == evornn.CTRNN.random(5, 3, rng=42).weights.tobytes().hex()
    assert np.array_equal(evornn.CTRNN.random(5, 3, rng=42).weights, evornn.CTRNN.random(5, 3, rng=42).weights)


def test_a_model_from_outside_evornn_leaves_the_cache_loadable(tmp_path):
    """A model defined outside evornn (here in tests/) must not make evornn's cached kernels
    unloadable in a process that cannot import that model's module."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba-cache")}
    use_toy = ("from tests.integrate.toy_map import LinearMap; import evornn; "
               "print(evornn.simulate(LinearMap([[0.5]]), [1.0], n_steps=3).y[-1, 0, 0])")
    out = subprocess.run([sys.executable, "-c", use_toy], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert float(out.stdout) == 0.125
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    use_ctrnn = ("import evornn; net = evornn.CTRNN([[0.0]]); "
                 "print(evornn.simulate(net, [1.0], dt=0.1, n_steps=10, method=\"euler\", fast=False).y_final[0, 0])")
    out = subprocess.run([sys.executable, "-c", use_ctrnn], cwd=elsewhere, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert abs(float(out.stdout) - 0.9**10) < 1e-12
