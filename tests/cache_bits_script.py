"""Hashes of results that must not depend on whether the kernels were compiled in this
process or loaded from Numba's cache (run by tests/test_cache_bits.py in subprocesses).

    python tests/cache_bits_script.py [quick|all]
"""

import hashlib
import sys

import numpy as np

import evornn
from evornn.analysis import fixed_points, lyapunov_spectrum
from evornn.models import GRU, LSTM, Circuit, Elman, MemristiveCircuit

BEER = {"weights": [[4.5, 1.0], [-1.0, 4.5]], "bias": [-2.75, -1.75]}


def digest(a) -> str:
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()[:16]


def main(which: str) -> dict:
    out = {"lyapunov_2": digest(lyapunov_spectrum(evornn.CTRNN(**BEER), dt=0.01, n_transient=5000, n_steps=20000))}
    if which == "quick":
        return out
    rng = np.random.default_rng(0)
    big = evornn.CTRNN(rng.normal(size=(8, 30, 30)), bias=rng.normal(size=(8, 30)), tau=rng.uniform(1, 3, (8, 30)))
    for method in ("euler", "heun", "rk4"):
        out[method] = digest(evornn.simulate(big, dt=0.01, n_steps=300, method=method).y)
    out["generic"] = digest(evornn.simulate(big, dt=0.01, n_steps=300, fast=False).y)
    out["lyapunov_30"] = digest(lyapunov_spectrum(big, dt=0.01, n_steps=2000))
    esn = evornn.ESN.random(100, n_pop=4, rng=0)
    u = rng.normal(size=(500, 1))
    out["esn"] = digest(esn.states(u))
    out["esn_fit"] = digest(esn.fit(u[:-1], u[1:], washout=50).params.readout)
    x = rng.normal(size=(30, 5, 2))
    for cls in (GRU, LSTM, Elman):
        out[cls.__name__] = digest(evornn.simulate(cls.random(5, 8, 2, 1, rng=1), n_steps=30, inputs=x).y)
    circuit = MemristiveCircuit(Circuit.lattice(3, 3), sources=np.linspace(-1, 1, 12), alpha=0.1, beta=10.0)
    out["memristive"] = digest(evornn.simulate(circuit, dt=0.01, n_steps=200).y)
    out["fixed_points"] = digest(fixed_points(evornn.CTRNN(**BEER)).state)
    from evornn.tasks import OscillatorTask

    small = evornn.CTRNN.random(40, 2, rng=3)
    out["oscillator"] = digest(OscillatorTask(period=10.0, amplitude=0.5).evaluate(small).fitness)
    codec = evornn.CTRNN.codec(3, 2)  # log-scale time constants: the decode's exp
    out["decode"] = digest(np.concatenate([v.ravel() for v in codec.values(codec.random(20, rng=4)).values()]))
    from evornn.neat import NEATCodec
    from evornn.tasks import XORTask

    neat = evornn.evolve(evornn.Problem(NEATCodec(3, 1), XORTask()), "neat", n_pop=30, n_generations=6, rng=2,
                         progress=False, conn_add_prob=0.5, node_add_prob=0.2, species_fitness_func="mean")
    out["neat"] = digest(neat.population)  # the compiled generation step, mutation and the networks' activations
    return out


if __name__ == "__main__":
    print(main(sys.argv[1] if len(sys.argv) > 1 else "all"))
