"""Runs as objects: load_run, replay, --more, callback, interruption, permissions, messages."""

import json
import os
import signal
import stat
import subprocess
import sys
import time

import numpy as np
import pytest

import evornn
from evornn.cli import main
from evornn.errors import ConfigError
from evornn.experiment import run, summary
from evornn.tasks import OscillatorTask

EXPERIMENT = """
[experiment]
name = "small"
seed = 7
description = \"\"\"A two-neuron oscillator,
on "two" lines \\\\ with a backslash.\"\"\"
[model]
type = "ctrnn"
n_neurons = 2
[task]
type = "oscillator"
period = 10.0
amplitude = 0.5
[evolve]
method = "{method}"
n_pop = 12
n_generations = {n_generations}
checkpoint_every = 2
"""


def write(tmp_path, method="cmaes", n_generations=4, name="small.toml"):
    path = tmp_path / name
    path.write_text(EXPERIMENT.format(method=method, n_generations=n_generations))
    return path


def test_load_run_gives_back_the_model_task_history_and_settings(tmp_path):
    out = run(write(tmp_path), out=tmp_path / "run", progress=False)
    loaded = evornn.load_run(out)
    best = json.loads((out / "best.json").read_text())
    assert loaded.config["experiment"]["seed"] == 7 and loaded.config["evolve"]["n_generations"] == 4
    assert loaded.config["experiment"]["description"].startswith("A two-neuron oscillator,\non \"two\" lines \\")
    np.testing.assert_array_equal(loaded.best_genome, best["genome"])
    assert isinstance(loaded.model, evornn.CTRNN) and loaded.model.n_pop == 1
    assert isinstance(loaded.task, OscillatorTask)
    assert loaded.history.select("gen") == [0, 1, 2, 3]
    # re-simulating the loaded network gives the stored fitness (an independent evaluation)
    again = loaded.task.evaluate(loaded.model).fitness[0]
    assert again == pytest.approx(best["fitness"], rel=1e-12)
    assert "Run(" in repr(loaded) and "4 generations" in repr(loaded)


def test_load_run_names_what_is_missing(tmp_path):
    with pytest.raises(ConfigError, match="is not a run directory"):
        evornn.load_run(tmp_path / "nothing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match=r"no manifest\.json"):
        evornn.load_run(tmp_path / "empty")


def test_replay_rewrites_the_plots_and_reproduces_the_fitness(tmp_path, capsys):
    out = run(write(tmp_path), out=tmp_path / "run", progress=False)
    assert main(["replay", str(out)]) == 0
    printed = capsys.readouterr().out
    best = json.loads((out / "best.json").read_text())
    assert f"stored {best['fitness']}" in printed
    assert (out / "replay" / "behaviour.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("method", ["cmaes", "ga"])
def test_more_generations_equal_a_run_given_the_larger_budget(tmp_path, method):
    short = run(write(tmp_path, method, 4), out=tmp_path / "short", progress=False)
    run(short / "config.toml", out=short, more=3, progress=False)
    long = run(write(tmp_path, method, 7, "long.toml"), out=tmp_path / "long", progress=False)
    a, b = evornn.load_run(short), evornn.load_run(long)
    assert a.config["evolve"]["n_generations"] == 7 and len(a.history) == 7
    np.testing.assert_array_equal(a.best_genome, b.best_genome)
    for column in ("min", "mean", "max", "best"):
        assert a.history.select(column) == b.history.select(column)


def test_more_on_the_command_line_and_its_errors(tmp_path, capsys):
    experiment = write(tmp_path)
    out = tmp_path / "run"
    assert main(["run", str(experiment), "--out", str(out)]) == 0
    assert main(["run", str(experiment), "--out", str(out), "--more", "2"]) == 0
    assert json.loads((out / "manifest.json").read_text())["n_generations"] == 6
    capsys.readouterr()
    for bad in ("0", "-1"):
        with pytest.raises(SystemExit):
            main(["run", str(experiment), "--out", str(out), "--more", bad])
        assert f"argument --more: must be an integer >= 1, got {bad}" in capsys.readouterr().err


def test_evolve_callback_sees_every_generation_and_can_stop_the_run():
    problem = evornn.Problem(evornn.CTRNN.codec(2), OscillatorTask(period=10.0, amplitude=0.5))
    seen = []

    def callback(record):
        seen.append(record)
        return record["gen"] == 2

    result = evornn.evolve(problem, "cmaes", n_pop=8, n_generations=10, rng=1, progress=False, callback=callback)
    assert [r["gen"] for r in seen] == [0, 1, 2]
    assert result.stop_reason == "callback" and result.n_generations == 3
    assert [r["max"] for r in seen] == result.history.select("max")
    with pytest.raises(TypeError, match="callback must be callable"):
        evornn.evolve(problem, "cmaes", n_pop=8, n_generations=2, callback=3)


def test_result_prints_a_short_summary():
    problem = evornn.Problem(evornn.CTRNN.codec(2), OscillatorTask(period=10.0, amplitude=0.5))
    result = evornn.evolve(problem, "ga", n_pop=8, n_generations=2, rng=1, progress=False)
    text = repr(result)
    assert len(text.splitlines()) <= 6 and len(text) < 600
    assert f"2 generations, {result.n_evaluations} evaluations" in text and "stopped on max_generations" in text


def test_resume_with_another_experiment_file_is_refused(tmp_path, capsys):
    out = run(write(tmp_path), out=tmp_path / "run", progress=False)
    other = tmp_path / "other.toml"
    other.write_text(EXPERIMENT.format(method="cmaes", n_generations=4).replace("period = 10.0", "period = 5.0"))
    assert main(["run", str(other), "--out", str(out), "--resume"]) == 2
    err = capsys.readouterr().err
    assert f"{out} holds a run of another experiment than {other} (they differ in task.period)" in err
    assert main(["run", str(out / "config.toml"), "--out", str(out), "--resume"]) == 0  # its own copy resumes


def test_switching_method_with_set_drops_the_other_methods_options(tmp_path, capsys):
    path = tmp_path / "e.toml"
    path.write_text(EXPERIMENT.format(method="cmaes", n_generations=2) + "[evolve.options]\nsigma = 0.3\n")
    assert main(["run", str(path), "--out", str(tmp_path / "r"), "--set", "evolve.method=pso",
                 "--set", "task.period=5"]) == 0
    err = capsys.readouterr().err
    assert "--set evolve.method=pso drops [evolve.options] sigma (options of another method)" in err
    assert evornn.load_run(tmp_path / "r").config["evolve"] == {**evornn.load_run(tmp_path / "r").config["evolve"],
                                                                "method": "pso", "options": {}}


def test_one_line_errors_for_bad_arguments_and_sweep_files(tmp_path, capsys):
    for argv, message in ((["demo", "--t-max", "-5"], "argument --t-max: must be a number > 0, got -5"),
                          (["analyze", "x.ns", "--dt", "-1"], "argument --dt: must be a number > 0, got -1")):
        with pytest.raises(SystemExit):
            main(argv)
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err
    sweep = tmp_path / "s.toml"
    sweep.write_text('[experiment]\nname = "s"\n[sweep]\nrun = "evornn.sweep.runs:ctrnn_simulation"\n')
    assert main(["run", str(sweep)]) == 2
    assert f"{sweep} is a sweep (it has a [sweep] table): run it with evornn sweep {sweep}" in capsys.readouterr().err


def test_version_is_one_line(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"evornn {evornn.__version__} (python ") and out.count("\n") == 1


def test_summaries_count_in_the_singular_and_never_print_a_question_mark(tmp_path):
    path = tmp_path / "one.toml"
    path.write_text(EXPERIMENT.format(method="cmaes", n_generations=1).replace("n_neurons = 2", "n_neurons = 1"))
    text = summary(run(path, out=tmp_path / "r", progress=False))
    assert "with 1 neuron;" in text and "after 1 generation," in text and "?" not in text


def test_files_follow_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        out = run(write(tmp_path), out=tmp_path / "run", progress=False)
    finally:
        os.umask(old)
    for name in ("config.toml", "manifest.json", "best.json", "checkpoint.npz", "history.csv", "fitness.png"):
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o644, name


def test_ctrl_c_prints_one_line_and_the_manifest_says_interrupted(tmp_path):
    path = write(tmp_path, n_generations=100_000)
    out = tmp_path / "run"
    proc = subprocess.Popen([sys.executable, "-m", "evornn.cli", "run", str(path), "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not (out / "checkpoint.npz").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith("evornn run: interrupted at generation ")
    assert last.endswith(f"; resume with: evornn run {path} --out {out} --resume")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "interrupted" and manifest["interrupted_at"] >= 1


def test_a_killed_run_shows_as_interrupted_not_running(tmp_path):
    out = run(write(tmp_path), out=tmp_path / "run", progress=False)
    manifest = json.loads((out / "manifest.json").read_text())
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    manifest.update(status="running", pid=int(dead.stdout))  # as a SIGKILLed process leaves it
    (out / "manifest.json").write_text(json.dumps(manifest))
    assert "status     interrupted;" in summary(out)
    manifest["pid"] = os.getpid()  # a live process is still running
    (out / "manifest.json").write_text(json.dumps(manifest))
    assert "status     running;" in summary(out)


def test_manifest_records_the_environment(tmp_path):
    out = run(write(tmp_path), out=tmp_path / "run", progress=False)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["versions"]["numpy"] == np.__version__
    assert manifest["cpu"]["logical_cpus"] == os.cpu_count() and manifest["cpu"]["model"]
    assert any(b["user_api"] == "blas" for b in manifest["blas"])


def test_the_step_size_warning_is_printed_once(tmp_path):
    path = write(tmp_path, n_generations=2)
    done = subprocess.run([sys.executable, "-m", "evornn.cli", "run", str(path), "--out", str(tmp_path / "r"),
                           "--set", "task.dt=0.2"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if "exceeds min(tau) / 10" in line]
    assert lines == ["evornn: warning: dt = 0.2 exceeds min(tau) / 10 = 0.05 for the models this codec can produce; "
                     "fixed-step results may be inaccurate"]


@pytest.mark.parametrize("kill_at", ["before the first checkpoint", "generation 2", "generation 5"])
def test_evornn_run_killed_at_any_moment_resumes_to_the_uninterrupted_result(tmp_path, kill_at):
    """SIGKILL of `evornn run` (no clean-up by the process), then `--resume`: the run ends as
    an uninterrupted one, best network and history included, with no manual clean-up."""
    from tests.run_helpers import assert_same_run, kill_and_resume

    path = write(tmp_path, method="ga", n_generations=8)
    at = {"before the first checkpoint": None, "generation 2": 2, "generation 5": 5}[kill_at]
    assert_same_run(*kill_and_resume(path, tmp_path, at=at))
