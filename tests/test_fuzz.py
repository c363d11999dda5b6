"""Property-based fuzzing (hypothesis) of every public constructor, `simulate`, `evolve`,
the tasks and the loaders with malformed arrays, numbers and files: each group runs in a
subprocess with a timeout, so that a crash or a hang fails the test (see
tests/fuzz_script.py). Bounded and derandomised: the same examples every run."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = Path(__file__).with_name("fuzz_script.py")


@pytest.mark.parametrize("group", ["models", "simulate", "evolve", "tasks", "loaders"])
def test_malformed_input_gets_a_clean_error_or_a_flag_never_a_crash_or_a_hang(group):
    try:
        done = subprocess.run([sys.executable, str(SCRIPT), group, "25"], cwd=ROOT, capture_output=True, text=True,
                              timeout=300)
    except subprocess.TimeoutExpired:
        pytest.fail(f"fuzzing {group} hung (no result in 300 s)")
    assert done.returncode == 0, f"exit code {done.returncode} (negative: killed by a signal)\n{done.stderr[-4000:]}"
    assert done.stdout.count("passed") >= 1
