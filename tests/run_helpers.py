"""Shared by the tests that kill `evornn run` and resume it."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from evornn.cli import main


def generation_of(out: Path) -> int:
    """The generation in the run's checkpoint (-1 before the first one)."""
    from evornn.optim import checkpoint

    try:
        return checkpoint.load(out / "checkpoint.npz")[0]["progress"]["generation"]
    except (FileNotFoundError, ValueError):
        return -1


def kill_and_resume(path: Path, tmp_path: Path, *, at: int | None) -> tuple[Path, Path]:
    """Run the experiment `path` whole, then again killed with SIGKILL once its checkpoint
    reaches generation `at` (None: as soon as its run directory has a manifest), and resume
    it; returns the two run directories (whole, resumed)."""
    whole, out = tmp_path / "whole", tmp_path / "killed"
    assert main(["run", str(path), "--out", str(whole)]) == 0
    proc = subprocess.Popen([sys.executable, "-m", "evornn.cli", "run", str(path), "--out", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if (at is None and (out / "manifest.json").exists()) or (at is not None and generation_of(out) >= at):
            break
        time.sleep(0.002)
    proc.kill()
    proc.wait()
    assert main(["run", str(path), "--out", str(out), "--resume"]) == 0
    return whole, out


def assert_same_run(whole: Path, resumed: Path) -> None:
    """The same best network and history (but the wall-clock column), and no stray temporary file."""
    a, b = json.loads((whole / "best.json").read_text()), json.loads((resumed / "best.json").read_text())
    assert b["genome"] == a["genome"] and b["fitness"] == a["fitness"]
    strip = lambda text: [line.rsplit(",", 1)[0] for line in text.splitlines()]  # noqa: E731 (the time column last)
    assert strip((resumed / "history.csv").read_text()) == strip((whole / "history.csv").read_text())
    assert not list(resumed.glob(".*.tmp"))
