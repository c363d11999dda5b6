import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from evornn.cli import main
from tests.test_runs import EXPERIMENT


def test_demo_prints_the_period_and_writes_a_png(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "--t-max", "200"]) == 0
    printed = capsys.readouterr().out
    assert "period" in printed
    period = float(printed.split("period ")[1].split()[0])
    assert 20 < period < 40
    png = tmp_path / "beer_oscillator.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_console_script_entry_point_runs():
    out = subprocess.run([sys.executable, "-m", "evornn.cli", "--help"], capture_output=True, text=True, check=True)
    assert "demo" in out.stdout


SMALL_EXPERIMENT = EXPERIMENT.format(method="pso", n_generations=4)


def test_run_writes_the_run_directory_and_show_summarises_it(tmp_path, capsys):
    import csv
    import json

    import numpy as np

    experiment = tmp_path / "small.toml"
    experiment.write_text(SMALL_EXPERIMENT)
    out = tmp_path / "run"
    assert main(["run", str(experiment), "--out", str(out), "--set", "evolve.n_generations=5"]) == 0
    names = {p.name for p in out.iterdir()}
    assert {"config.toml", "manifest.json", "history.csv", "best.npz", "best.json", "checkpoint.npz",
            "fitness.png", "behaviour.png"} <= names
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "finished" and manifest["seed"] == 7 and manifest["n_generations"] == 5
    rows = list(csv.DictReader((out / "history.csv").open()))
    assert [int(r["gen"]) for r in rows] == list(range(5))
    best = json.loads((out / "best.json").read_text())
    with np.load(out / "best.npz") as npz:
        np.testing.assert_array_equal(npz["genome"], best["genome"])
        assert npz["params/weights"].shape == (2, 2)
    assert max(float(r["max"]) for r in rows) == best["fitness"]
    capsys.readouterr()
    assert main(["show", str(out)]) == 0
    shown = capsys.readouterr().out
    assert "max_generations after 5 generations" in shown and "seed 7" in shown
    # The run directory is never overwritten; a finished run resumes to the same result.
    assert main(["run", str(experiment), "--out", str(out)]) == 2
    assert "already holds a run" in capsys.readouterr().err
    assert main(["run", str(experiment), "--out", str(out), "--resume"]) == 0
    assert json.loads((out / "best.json").read_text()) == best


def test_run_reports_configuration_errors(tmp_path, capsys):
    experiment = tmp_path / "bad.toml"
    experiment.write_text(SMALL_EXPERIMENT.replace("n_pop = 12", "n_pop = 12\npopulation = 3"))
    assert main(["run", str(experiment), "--out", str(tmp_path / "run")]) == 2
    assert "unknown key(s) ['population'] in [evolve]" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_analyze_writes_numbers_and_plots_for_a_ns_file(tmp_path, capsys):
    import json

    import evornn

    path = tmp_path / "beer.ns"
    evornn.CTRNN([[4.5, 1.0], [-1.0, 4.5]], bias=[-2.75, -1.75]).to_ns(path)
    assert main(["analyze", str(path), "--what", "fixed-points", "cycles", "--dt", "0.02"]) == 0
    out = tmp_path / "beer-analysis"
    report = json.loads((out / "analysis.json").read_text())
    assert [p["kind"] for p in report["fixed_points"]] == ["unstable focus"]
    assert report["limit_cycle"]["periodic"] and report["limit_cycle"]["stable"]
    assert (out / "phase_portrait.png").read_bytes()[:4] == b"\x89PNG"
    assert "limit cycle  periodic True" in capsys.readouterr().out
    assert main(["analyze", str(tmp_path / "missing.txt")]) == 2


def test_analyze_continues_the_equilibria_in_a_parameter(tmp_path, capsys):
    import json

    import evornn

    path = tmp_path / "neuron.ns"
    evornn.CTRNN([[8.0]], bias=-4.0).to_ns(path)
    assert main(["analyze", str(path), "--continue", "bias[0]", "--range", "-6", "0"]) == 0
    report = json.loads((tmp_path / "neuron-analysis" / "continuation.json").read_text())
    # Folds where sigma (1 - sigma) = 1 / 8, at theta = logit(sigma) - 8 sigma.
    sigma = np.array([(1 + np.sqrt(0.5)) / 2, (1 - np.sqrt(0.5)) / 2])
    want = np.log(sigma / (1 - sigma)) - 8 * sigma
    assert [p["kind"] for p in report["bifurcations"]] == ["LP", "LP"]
    np.testing.assert_allclose([p["parameter"] for p in report["bifurcations"]], want, atol=1e-10)
    assert (tmp_path / "neuron-analysis" / "continuation.png").read_bytes()[:4] == b"\x89PNG"
    assert "LP  bias[0] = -5.065679951" in capsys.readouterr().out
    assert main(["analyze", str(path), "--continue", "bias[5]", "--range", "-6", "0"]) == 2
    assert "bias has shape (1,) per individual" in capsys.readouterr().err
    assert main(["analyze", str(path), "--continue", "bias[0]"]) == 2


def test_the_bifurcation_curves_experiment_runs_with_a_small_background(tmp_path, capsys):
    import json

    out = tmp_path / "curves"
    args = ["run", "experiments/ctrnn_bias_curves.toml", "--out", str(out), "--set", "curves.background=8"]
    assert main(args) == 0
    report = json.loads((out / "curves.json").read_text())
    kinds = sorted(c["kind"] for c in report["curves"])
    assert kinds == ["H", "LP", "LP", "LP", "LP"]
    hopf = next(c for c in report["curves"] if c["kind"] == "H")
    assert hopf["closed"]  # the Hopf curve bounds the oscillating region
    assert (out / "bifurcation_curves.png").read_bytes()[:4] == b"\x89PNG"
    assert main(["show", str(out)]) == 0
    assert "4 fold, 1 Hopf" in capsys.readouterr().out
    bad = tmp_path / "bad.toml"
    bad.write_text(Path("experiments/ctrnn_bias_curves.toml").read_text().replace('"bias[1]"]', '"bias[7]"]'))
    assert main(["run", str(bad), "--out", str(tmp_path / "bad")]) == 2
    assert "bias[7]" in capsys.readouterr().err
    assert main(["run", "experiments/ctrnn_bias_curves.toml", "--out", str(tmp_path / "bad"),
                 "--set", "curves.cycles=3"]) == 2
    assert "cycles must be true or false" in capsys.readouterr().err


def test_a_regime_map_experiment_runs_with_a_small_grid(tmp_path, capsys):
    import numpy as np

    out = tmp_path / "map"
    args = ["run", "experiments/ctrnn_bias_map.toml", "--out", str(out),
            "--set", "regime_map.x=[0, -3.0, 1.0, 5]", "--set", "regime_map.y=[1, -8.0, -4.0, 5]"]
    assert main(args) == 0
    with np.load(out / "regimes.npz") as data:
        assert data["n_stable"].shape == (5, 5) and data["oscillating"].any()
    assert (out / "regime_map.png").exists()
    assert main(["show", str(out)]) == 0
    assert "grid       5 x 5" in capsys.readouterr().out


def test_a_comparison_runs_every_model_and_resumes_without_rerunning(tmp_path, capsys):
    import json

    out = tmp_path / "cmp"
    args = ["run", "experiments/rnn_comparison.toml", "--out", str(out), "--set", "comparison.n_seeds=1",
            "--set", "stop.max_evaluations=40", "--set", "evolve.n_pop=8", "--set", "task.n_steps=12"]
    assert main(args) == 0
    runs = json.loads((out / "comparison.json").read_text())["runs"]
    assert [r["label"] for r in runs] == ["Elman 8", "Jordan 8", "fully rec. 8", "IndRNN 10", "GRU 4", "LSTM 4",
                                          "2nd order 5"]
    assert all(r["evaluations"][-1] >= 40 and "test_solved" in r["report"] for r in runs)
    assert (out / "comparison.png").exists() and len((out / "comparison.csv").read_text().splitlines()) == 8
    # A run killed after some models resumes with the finished runs kept as they were.
    (out / "comparison.json").write_text(json.dumps({"runs": runs[:3]}))
    assert main(["run", str(out / "config.toml"), "--out", str(out), "--resume"]) == 0
    assert json.loads((out / "comparison.json").read_text())["runs"] == runs
    capsys.readouterr()
    assert main(["show", str(out)]) == 0
    assert "GRU 4" in capsys.readouterr().out


SWEEP = """
[experiment]
name = "squares"
[sweep]
run = "tests.sweep.helpers:square"
replicates = 2
[sweep.parameters]
x = {low = 0.0, high = 3.0, n = 4}
[sweep.plot]
metrics = ["square"]
x = "x"
"""


def test_sweep_command_runs_reports_and_exports(tmp_path, capsys):
    import csv

    experiment = tmp_path / "squares.toml"
    experiment.write_text(SWEEP)
    out = tmp_path / "sweep"
    assert main(["sweep", str(experiment), "--out", str(out), "--workers", "2"]) == 2  # not evornn's own code
    assert "needs --allow-import" in capsys.readouterr().err
    assert main(["sweep", str(experiment), "--out", str(out), "--workers", "2", "--allow-import"]) == 0
    assert "8 done, 0 failed, 0 pending of 8 runs" in capsys.readouterr().out
    rows = list(csv.DictReader((out / "results.csv").open()))
    assert sorted(float(r["square"]) for r in rows) == sorted(2 * [0.0, 1.0, 4.0, 9.0])
    assert (out / "square.png").exists()
    assert main(["sweep", "status", str(out)]) == 0
    assert "8 done" in capsys.readouterr().out
    assert main(["sweep", "export", str(out), "--csv", str(tmp_path / "x.csv")]) == 0
    assert main(["sweep", str(experiment), "--out", str(out), "--allow-import"]) == 2  # never overwritten
    assert "--resume" in capsys.readouterr().err
    assert main(["sweep", str(experiment), "--out", str(out), "--resume", "--allow-import"]) == 0


def test_ctrl_c_during_a_sweep_says_what_is_stored_and_how_to_resume(tmp_path):
    experiment = tmp_path / "slow.toml"
    experiment.write_text(SWEEP.replace("n = 4}", "n = 40}") + '[sweep.fixed]\nsleep = 0.2\n')
    out = tmp_path / "sweep"
    proc = subprocess.Popen([sys.executable, "-m", "evornn.cli", "sweep", str(experiment), "--out", str(out),
                             "--workers", "1", "--allow-import"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=Path(__file__).resolve().parents[1])
    deadline = time.monotonic() + 120
    while not (out / "sweep.sqlite").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(3.0)  # some chunks stored
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130 and "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith("evornn sweep: interrupted, ") and " of 80 runs stored; resume with: evornn sweep " in last
    assert last.endswith(f"--out {out} --resume")
    assert main(["sweep", str(experiment), "--out", str(out), "--resume", "--allow-import", "--workers", "1"]) == 0
