"""Malformed experiment files, corrupted run directories and sweep stores given to the CLI:
each gets one line naming the file or option and what is wrong, exit code 2, no
traceback, and nothing already stored is touched."""

from __future__ import annotations

import json
import os
import sqlite3

import numpy as np
import pytest

from evornn.cli import main
from tests.test_runs import EXPERIMENT, write


def fails(capsys, argv, *fragments) -> str:
    """Run the CLI; assert exit code 2 and one line of error naming `fragments`."""
    capsys.readouterr()
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:  # argparse's usage errors
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith(f"evornn {argv[0]}: error: "), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def experiment(tmp_path, file="e.toml", **changes) -> str:
    """The small test experiment with some lines replaced (``key=None`` drops a line)."""
    lines = EXPERIMENT.format(method="ga", n_generations=3).splitlines()
    for key, value in changes.items():
        lines = [line for line in lines if not line.startswith(f"{key} =")]
        if value is not None:
            section = "[experiment]" if key == "name" else "[evolve]"
            lines.insert(lines.index(section) + 1, f"{key} = {value}")
    path = tmp_path / file
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_unreadable_experiment_files(tmp_path, capsys):
    (tmp_path / "binary.toml").write_bytes(bytes(range(256)))
    fails(capsys, ["run", tmp_path / "binary.toml"], "binary.toml is not a UTF-8 text file")
    (tmp_path / "latin1.toml").write_bytes('[experiment]\nname = "caf\xe9"\n'.encode("latin-1"))
    fails(capsys, ["run", tmp_path / "latin1.toml"], "latin1.toml is not a UTF-8 text file", "0xe9")
    (tmp_path / "folder.toml").mkdir()
    fails(capsys, ["run", tmp_path / "folder.toml"], "folder.toml is a directory, not an experiment file")
    (tmp_path / "deep.toml").write_text("a = " + "[" * 5000 + "]" * 5000)
    fails(capsys, ["run", tmp_path / "deep.toml"], "deep.toml nests tables or arrays 5000 deep; at most 20")
    fails(capsys, ["run", tmp_path / "missing.toml"], "missing.toml does not exist")


@pytest.mark.parametrize(("change", "fragments"), [
    ({"n_pop": 10**12}, ["[evolve] a population of 1,000,000,000,000 genomes would take", "choose a smaller n_pop"]),
    ({"n_threads": 100_000}, ["[evolve] n_threads must be an integer in [1,", "got 100000"]),
    ({"checkpoint_every": 0}, ["[evolve] checkpoint_every must be an integer >= 1, got 0"]),
    ({"hall_of_fame": 0}, ["[evolve] hall_of_fame must be an integer >= 1, got 0"]),
    ({"n_generations": 0}, ["[evolve] n_generations must be an integer >= 1, got 0"]),
    ({"tournament_size": 13}, []),  # not an [evolve] key: refused as unknown
    ({"name": '"../../elsewhere"'}, ["[experiment] name must be 1-100 letters, digits", "'../../elsewhere'"]),
    ({"name": '"/tmp/absolute"'}, ["[experiment] name must be", "'/tmp/absolute'"]),
    ({"name": '""'}, ["[experiment] name must be", "got ''"]),
    ({"name": '"a\\nb\\u0007"'}, ["[experiment] name must be", "'a\\nb\\x07'"]),
])
def test_bad_settings_are_refused_before_the_run_directory_exists(tmp_path, capsys, monkeypatch, change, fragments):
    monkeypatch.chdir(tmp_path)  # restored after: later tests run from the repository
    fails(capsys, ["run", experiment(tmp_path, **change)], *fragments)
    assert not (tmp_path / "runs").exists() and not (tmp_path.parent / "elsewhere").exists()


def test_bad_stop_values_and_sizes(tmp_path, capsys):
    path = experiment(tmp_path)
    with open(path, "a") as handle:
        handle.write("[stop]\nwall_time = -5.0\n")
    fails(capsys, ["run", path, "--out", tmp_path / "r"], "[stop] wall_time must be a finite number > 0, got -5.0")
    big = experiment(tmp_path, file="big.toml")
    (tmp_path / "big.toml").write_text(open(big).read().replace("n_neurons = 2", "n_neurons = 1000000"))
    fails(capsys, ["run", tmp_path / "big.toml"], "[model] the weights of n_neurons = 1,000,000 neurons would take",
          "choose fewer neurons")
    assert not (tmp_path / "r").exists()


def test_out_that_is_a_file_or_unwritable(tmp_path, capsys):
    (tmp_path / "a-file").write_text("keep me")
    fails(capsys, ["run", experiment(tmp_path), "--out", tmp_path / "a-file"], "a-file is a file, not a directory")
    assert (tmp_path / "a-file").read_text() == "keep me"
    if os.path.exists("/dev/full"):
        fails(capsys, ["run", experiment(tmp_path), "--out", "/dev/full"], "/dev/full is a file, not a directory")


def test_names_from_file_names_become_safe_directory_names(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = experiment(tmp_path, file="my experiment (v2).toml", name=None)
    assert main(["run", path]) == 0
    assert [p.name for p in (tmp_path / "runs").iterdir()] == ["my-experiment-v2-"]


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A finished run directory, copied by each test that corrupts it."""
    folder = tmp_path_factory.mktemp("finished")
    assert main(["run", str(write(folder, method="cmaes", n_generations=4)), "--out", str(folder / "run")]) == 0
    return folder / "run"


def copy_of(run_dir, tmp_path):
    import shutil

    return shutil.copytree(run_dir, tmp_path / "run")


def test_corrupt_run_directories_on_resume_and_more(finished, tmp_path, capsys):
    out = copy_of(finished, tmp_path)
    config = out / "config.toml"
    (out / "manifest.json").write_text("{not json")
    fails(capsys, ["run", config, "--out", out, "--resume"], "manifest.json is corrupt")
    fails(capsys, ["show", out], "manifest.json is corrupt")
    (out / "manifest.json").write_text((finished / "manifest.json").read_text())
    config.write_bytes(b"\x00\xff garbage")
    fails(capsys, ["run", config, "--out", out, "--resume"], "config.toml is not a UTF-8 text file")
    config.write_text((finished / "config.toml").read_text())
    checkpoint = out / "checkpoint.npz"
    arrays = dict(np.load(checkpoint))
    header = json.loads(arrays["__header__"].tobytes())

    def tamper(change_header=None, **changes):
        text = json.dumps(change_header(json.loads(json.dumps(header))) if change_header else header)
        np.savez(checkpoint, **{**arrays, "__header__": np.frombuffer(text.encode(), np.uint8), **changes})

    def set_generation(value):
        def change(h):
            h["progress"]["generation"] = value
            return h
        return change

    tamper(set_generation("seven"))
    fails(capsys, ["run", config, "--out", out, "--more", "2"], "checkpoint.npz is not a complete evornn checkpoint",
          "progress.generation must be int")
    tamper(set_generation(-3))
    fails(capsys, ["run", config, "--out", out, "--more", "2"], "progress.generation must be in [0, 4]")
    tamper(**{"strategy/cma_C": np.full_like(arrays["strategy/cma_C"], np.nan)})
    fails(capsys, ["run", config, "--out", out, "--more", "2"], "strategy/cma_C holds values that are not finite")
    tamper(**{"strategy/cma_centroid": np.zeros(3)})
    fails(capsys, ["run", config, "--out", out, "--more", "2"], "checkpoint.npz is not a complete evornn checkpoint")
    checkpoint.write_bytes(b"PK\x03\x04 truncated")
    fails(capsys, ["run", config, "--out", out, "--more", "2"], "checkpoint.npz is not a readable evornn checkpoint")
    assert (out / "best.json").read_text() == (finished / "best.json").read_text()  # nothing stored was touched


def test_corrupt_best_network_and_network_files(finished, tmp_path, capsys):
    out = copy_of(finished, tmp_path)
    best = out / "best.npz"
    arrays = dict(np.load(best))
    best.write_bytes(best.read_bytes()[:50])
    fails(capsys, ["analyze", out], "best.npz is corrupt or not a NumPy archive")
    np.savez(best, **{**arrays, "params/weights": np.full_like(arrays["params/weights"], np.nan)})
    fails(capsys, ["analyze", out], "best.npz does not hold a valid CTRNN", "weights must be finite")
    np.savez(best, **{**arrays, "params/weights": np.array([object()], dtype=object)})
    fails(capsys, ["analyze", out], "best.npz is corrupt or not a NumPy archive of plain arrays")
    (out / "best.json").write_text("[1, 2")
    fails(capsys, ["show", out], "best.json is corrupt")
    (tmp_path / "garbage.ns").write_bytes(bytes(range(256)))
    fails(capsys, ["analyze", tmp_path / "garbage.ns"], "garbage.ns is not a .ns circuit file")
    (tmp_path / "text.ns").write_text("2\n1 1 nan 0 1 1 0 0 0 0\n")
    fails(capsys, ["analyze", tmp_path / "text.ns"], "text.ns does not describe a valid CTRNN")
    for dt in ("0", "-1", "nan"):
        fails(capsys, ["analyze", tmp_path / "text.ns", "--dt", dt], f"argument --dt: must be a number > 0, got {dt}",
              "(see evornn analyze --help)")


def test_no_write_through_a_symbolic_link_in_a_run_directory(finished, tmp_path, capsys):
    out = copy_of(finished, tmp_path)
    target = tmp_path / "elsewhere"
    target.mkdir()
    (out / "analysis").symlink_to(target)
    fails(capsys, ["analyze", out, "--what", "fixed-points"], "analysis is a symbolic link")
    (out / "replay").symlink_to(target)
    fails(capsys, ["replay", out], "replay is a symbolic link")
    assert list(target.iterdir()) == []


def test_resume_before_the_first_checkpoint_starts_again(tmp_path, capsys):
    path = write(tmp_path, method="ga", n_generations=3)
    assert main(["run", str(path), "--out", str(tmp_path / "full")]) == 0
    out = tmp_path / "killed"
    assert main(["run", str(path), "--out", str(out)]) == 0
    for name in ("checkpoint.npz", "best.json", "best.npz", "history.csv"):  # as a kill before the first checkpoint
        (out / name).unlink()
    (out / ".checkpoint.npz.x1y2.tmp").write_bytes(b"half a checkpoint")
    manifest = json.loads((out / "manifest.json").read_text())
    (out / "manifest.json").write_text(json.dumps({**manifest, "status": "running", "pid": 2**22 + 7}))
    assert main(["run", str(path), "--out", str(out), "--resume"]) == 0
    assert json.loads((out / "best.json").read_text()) == json.loads((tmp_path / "full" / "best.json").read_text())
    assert not list(out.glob(".*.tmp"))


SWEEP = """[experiment]
name = "grid"
[sweep]
run = "evornn.sweep.runs:regime_point"
[sweep.parameters]
bias_0 = {low = -10.0, high = 8.0, n = 100000}
bias_1 = {low = -10.0, high = 8.0, n = 100000}
[sweep.fixed]
weights = [[6.0, -5.0], [5.0, 6.0]]
"""


def test_sweep_files_and_stores(tmp_path, capsys):
    (tmp_path / "big.toml").write_text(SWEEP)
    fails(capsys, ["sweep", tmp_path / "big.toml", "--out", tmp_path / "s"],
          "the sweep has 10,000,000,000 runs (10,000,000,000 points x 1 replicate(s)); a sweep may have at most 1,000,000")
    (tmp_path / "code.toml").write_text(SWEEP.replace("evornn.sweep.runs:regime_point", "subprocess:call"))
    fails(capsys, ["sweep", tmp_path / "code.toml", "--out", tmp_path / "s"],
          "run = 'subprocess:call' is not one of evornn's run functions", "--allow-import")
    assert not (tmp_path / "s").exists()
    store = tmp_path / "random" / "sweep.sqlite"
    store.parent.mkdir()
    store.write_bytes(bytes(range(256)) * 20)
    fails(capsys, ["sweep", "status", store.parent], "sweep.sqlite is not a readable sweep store")
    fails(capsys, ["sweep", "export", store.parent, "--csv", tmp_path / "x.csv"], "is not a readable sweep store")
    (tmp_path / "small.toml").write_text(SWEEP.replace("n = 100000", "n = 2"))
    fails(capsys, ["sweep", tmp_path / "small.toml", "--out", store.parent, "--resume"], "is not a readable sweep store")
    truncated = tmp_path / "truncated" / "sweep.sqlite"
    assert main(["sweep", str(tmp_path / "small.toml"), "--out", str(truncated.parent), "--workers", "1"]) == 0
    good = truncated.read_bytes()
    truncated.write_bytes(good[:300])
    fails(capsys, ["sweep", "status", truncated.parent], "is not a readable sweep store")
    truncated.write_bytes(good)
    with sqlite3.connect(truncated) as db:
        db.execute("UPDATE sweep SET spec = replace(spec, 'regime_point', 'evolve_run')")
    fails(capsys, ["sweep", "status", truncated.parent], "the stored sweep spec does not match its digest")
