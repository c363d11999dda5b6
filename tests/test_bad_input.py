"""Bad input gets a clear error naming the parameter, before any work; a simulation that
blows up is flagged, never a crash, a hang or a raw error from inside a library.

Cases that once crashed the interpreter (kernels reading out of bounds) run in a
subprocess, so that a regression fails the test instead of killing pytest.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from typing import NamedTuple

import numba
import numpy as np
import pytest

import evornn
from evornn import CTRNN, ESN, simulate
from evornn.errors import ConfigError
from evornn.models import LSTM, Circuit, Elman, FullyRecurrent, MemristiveCircuit, System
from evornn.random import as_rng
from evornn.tasks import CartPoleTask, OscillatorTask, WalkerTask, WheeledRobotTask


def isolated(code: str, timeout: float = 120) -> str:
    """Run `code` in a fresh interpreter; return its stdout, failing on a crash or a hang."""
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, f"exit code {proc.returncode}\n{proc.stderr[-3000:]}"
    return proc.stdout


def test_corrupt_files_and_out_of_range_indices_are_errors_not_segfaults(tmp_path):
    out = isolated(f"""
        import numpy as np, evornn
        def attempt(label, make):
            try:
                make()
                print(label, "ACCEPTED")
            except (TypeError, ValueError) as exc:
                print(label, type(exc).__name__, exc)
        esn = evornn.ESN.random(20, rng=0)
        path = esn.save({str(tmp_path / "esn")!r})
        arrays = dict(np.load(path))
        def write(**changes):
            np.savez(path, **{{**arrays, **changes}})
            return evornn.ESN.load(path).predict(np.ones((5, 1)))
        attempt("indices", lambda: write(indices=arrays["indices"] + 1_000_000))
        attempt("indptr", lambda: write(indptr=arrays["indptr"] * 50))
        attempt("readout", lambda: write(readout=np.ones((1, 3, 20))))
        attempt("float-indices", lambda: write(indices=arrays["indices"] + 0.5))
        attempt("nan", lambda: write(data=np.full_like(arrays["data"], np.nan)))
        attempt("outputs", lambda: evornn.simulate(evornn.models.FullyRecurrent(
            w_rec=np.zeros((1, 3, 3)), w_in=np.zeros((1, 3, 1)), bias=np.zeros((1, 3)),
            outputs=np.array([[10_000_000]])), n_steps=3))
        attempt("second-order", lambda: evornn.models.SecondOrder(
            w=np.zeros((1, 3, 3, 1)), bias=np.zeros((1, 3)), outputs=np.array([[-1]])))
    """)
    lines = dict(line.split(" ", 1) for line in out.splitlines())
    assert lines["indices"].startswith("ValueError") and "indices must be column indices below n_units = 20" in lines["indices"]
    assert "indptr must be CSR row pointers" in lines["indptr"]
    assert "readout_bias must have shape (1, 3) for 1 reservoirs of 20 units" in lines["readout"]
    assert "indices must hold uint32 values" in lines["float-indices"]
    assert "data must be finite" in lines["nan"]
    assert "outputs must be unit indices in [0, 3)" in lines["outputs"]
    assert "outputs must be unit indices in [0, 3)" in lines["second-order"]


class Square(NamedTuple):
    k: np.ndarray


@numba.njit
def square_rhs(t, y, params, p, u, out):
    out[0] = params.k[p] * y[0] * y[0]  # y' = k y^2 blows up at t = 1 / (k y0)


@pytest.mark.parametrize("method", ["RK45", "RK23", "DOP853", "LSODA", "BDF", "Radau"])
def test_scipy_methods_flag_a_blow_up_and_go_on_with_the_others(method):
    """Individual 0 blows up at t = 1 (it once hung LSODA and crashed RK45 and BDF);
    individual 1 (k = 0) stays put and is integrated to the end."""
    system = System(Square(np.array([1.0, 0.0])), n_state=1, rhs=square_rhs)
    traj = simulate(system, [[1.0], [1.0]], dt=0.1, n_steps=30, method=method)
    assert traj.diverged.tolist() == [True, False]
    assert traj.success.tolist() == [False, True]
    np.testing.assert_allclose(traj.y[:, 1, 0], 1.0)
    assert np.isnan(traj.y_final[0]).all()


@pytest.mark.parametrize("method", ["RK45", "BDF", "LSODA"])
def test_a_nan_input_flags_the_individual(method):
    net = CTRNN([[4.5, 1.0], [-1.0, 4.5]], bias=[-2.75, -1.75], input_weights=[[1.0], [0.0]]).take([0, 0])

    def drive(t):
        return np.array([[np.nan if t > 0.5 else 0.0], [0.0]])

    traj = simulate(net, dt=0.1, n_steps=20, method=method, inputs=drive)
    assert traj.diverged.tolist() == [True, False]
    assert "not finite" in traj.message[0] and traj.success[1]


def test_overflowing_network_is_flagged_by_every_scipy_method():
    net = CTRNN([[1e308, 1e308], [1e308, 1e308]], bias=[0.0, 0.0], tau=[1e-300, 1e-300])
    for method in ("RK45", "BDF", "LSODA", "Radau"):
        traj = simulate(net, [1e300, 1e300], dt=0.1, n_steps=10, method=method)
        assert traj.diverged.all() and not traj.success.any(), method


def test_max_nfev_bounds_the_work_of_a_solve():
    """y' = y^2 from y = -1e6 (y = -1e6 / (1 + 1e6 t)) changes a million times faster at first
    than later: an explicit method takes many small steps there."""
    stiff = System(Square(np.array([1.0])), n_state=1, rhs=square_rhs)
    traj = simulate(stiff, [[-1e6]], dt=0.1, n_steps=10, method="RK45", max_nfev=500)
    assert not traj.success[0] and not traj.diverged[0]
    assert "max_nfev = 500" in traj.message[0] and traj.nfev[0] == 501
    with pytest.raises(ValueError, match="max_nfev must be an integer >= 1"):
        simulate(stiff, [[1.0]], dt=0.1, n_steps=10, method="RK45", max_nfev=0)


ELMAN = {"w_rec": np.zeros((1, 2, 2)), "w_in": np.zeros((1, 2, 1)), "bias": np.zeros((1, 2)),
         "w_out": np.zeros((1, 1, 2)), "b_out": np.zeros((1, 1)), "out_act": np.array([0])}


@pytest.mark.parametrize(("make", "error", "message"), [
    (lambda: CTRNN(np.array([[1 + 1j]]), bias=[0.0]), TypeError, r"weights must be real, got complex"),
    (lambda: Elman(**{**ELMAN, "w_rec": np.full((1, 2, 2), np.nan)}), ValueError, r"w_rec must be finite"),
    (lambda: Elman(**{**ELMAN, "w_out": np.full((1, 1, 2), np.inf)}), ValueError, r"w_out must be finite"),
    (lambda: Elman(**{**ELMAN, "out_act": np.array([7])}), ValueError, r"out_act must hold output-activation codes"),
    (lambda: Elman(**{**ELMAN, "out_act": np.array([0.5])}), TypeError, r"out_act must hold integer codes"),
    (lambda: Elman(**{k: v for k, v in ELMAN.items() if k != "bias"}), TypeError, r"missing \['bias'\]"),
    (lambda: FullyRecurrent(w_rec=np.zeros((1, 3, 3)), w_in=np.zeros((1, 3, 1)), bias=np.zeros((1, 3)),
                            outputs=np.array([[3]])), ValueError, r"outputs must be unit indices in \[0, 3\)"),
    (lambda: CTRNN(np.zeros((0, 2, 2)), bias=np.zeros((0, 2))), ValueError,
     r"a model needs n_pop >= 1 individuals, got an empty population"),
    (lambda: ESN.random(30, rng=0).predict(np.zeros((0, 1))), ValueError,
     r"inputs must hold at least one sequence of at least one step"),
    (lambda: as_rng(True), TypeError, r"rng must be None, an integer seed >= 0"),
    (lambda: as_rng(1.5), TypeError, r"rng must be None, an integer seed >= 0"),
    (lambda: as_rng(-3), ValueError, r"rng must be a seed >= 0, got -3"),
    # Found by mutating the shipped experiment files: loops of 10^12 steps ran for ever in
    # compiled code; every task that turns a duration or max_steps into a loop refuses them.
    (lambda: WalkerTask(duration=1e12), ValueError,
     r"duration asks for 10,000,000,000,000 steps per trial \(duration / dt = 1e\+12 / 0.1\); at most 100,000,000"),
    (lambda: WheeledRobotTask(duration=1e12), ValueError, r"duration asks for .* steps per trial"),
    (lambda: OscillatorTask(10.0, 0.5, measure=1e12), ValueError, r"measure asks for .* steps per trial"),
    (lambda: CartPoleTask(1, max_steps=10**12), ValueError, r"max_steps asks for 1,000,000,000,000 steps per trial"),
    # Also found that way: an output activation that is not a name raised KeyError (a number)
    # or TypeError (a list from a file).
    (lambda: LSTM.codec(3, 1, 1, output_activation=-1e300), ValueError,
     r"output_activation must be one of \['identity', 'logistic', 'tanh'\], got -1e\+300"),
    (lambda: Elman.random(1, 2, 1, 1, output_activation=["a"]), ValueError, r"output_activation must be one of"),
])
def test_bad_models_and_arguments_are_refused_at_construction(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_simulate_refuses_bad_arguments_before_any_work():
    net = CTRNN([[4.5, 1.0], [-1.0, 4.5]], bias=[-2.75, -1.75])
    with pytest.raises(ValueError, match=r"rtol must be a finite number > 0, got -1.0"):
        simulate(net, dt=0.1, n_steps=10, method="RK45", rtol=-1)
    with pytest.raises(ValueError, match="atol must be a finite number > 0, got nan"):
        simulate(net, dt=0.1, n_steps=10, method="BDF", atol=float("nan"))
    with pytest.raises(ValueError, match=r"t_max / dt = 1 / 4.94066e-324 = inf steps, more than the 9.01e\+15"):
        simulate(net, dt=5e-324, t_max=1.0)
    with pytest.raises(ValueError, match=r"the recorded trajectory would take \d.* TiB \(10,000,000,000,001 x 1 x 4 "
                                         r"values\), more than this machine's .* of memory; record fewer steps"):
        simulate(net, dt=0.1, n_steps=10**13)
    with pytest.raises(ValueError, match=r"n_steps must be at most 9.01e\+15"):
        simulate(net, dt=0.1, n_steps=2**60)
    memristive = MemristiveCircuit(Circuit.lattice(2, 2), alpha=0.1, beta=10.0)
    with pytest.raises(ValueError, match=r"y0: memory states must lie in \[0, 1\], got values in \[5.0, 5.0\]"):
        simulate(memristive, np.full(memristive.n_state, 5.0), dt=0.01, n_steps=3)
    unbounded = MemristiveCircuit(Circuit.lattice(2, 2), alpha=0.1, beta=10.0, bounds="none")
    assert simulate(unbounded, np.full(4, 1.5), dt=0.01, n_steps=3).y.shape == (4, 1, 4)  # its equations extend


def test_a_tournament_larger_than_the_population_is_refused():
    problem = evornn.Problem(CTRNN.codec(2), evornn.tasks.OscillatorTask(period=10.0, amplitude=0.5))
    with pytest.raises(ConfigError, match="option tournament_size must be at most n_pop = 10, got 11"):
        evornn.evolve(problem, "ga", n_pop=10, n_generations=2, tournament_size=11, progress=False)
