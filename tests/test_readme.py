"""Every fenced code block in README.md and experiments/README.md runs as written.

Each ``python`` block runs in a fresh namespace, each ``bash`` block in a fresh shell, in a
temporary directory that holds a copy of ``experiments/`` (so relative paths in the text
work and nothing is written into the repository). ``toml`` blocks must parse. An HTML
comment on the line before a block changes how it runs, visibly in the Markdown:

- ``<!-- readme-test: continue -->`` runs the block in the namespace (and directory) of the
  previous Python block, for text that deliberately continues it;
- ``<!-- readme-test: skip: REASON -->`` skips it, with the reason shown by pytest (the two
  set-up commands, which ``.ci/run`` runs; a cluster address);
- ``<!-- readme-test: slow -->`` runs it only in the slow step (``pytest -m slow``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FILES = ("README.md", "experiments/README.md")
MARKER = re.compile(r"<!--\s*readme-test:\s*(continue|skip|slow)\s*(?::\s*(.*?))?\s*-->")


@dataclass
class Block:
    file: str
    line: int  # of the opening fence, 1-based
    language: str
    code: str
    marker: str | None
    reason: str | None

    @property
    def id(self) -> str:
        return f"{self.file}:{self.line}:{self.language}"


def blocks(file: str) -> list[Block]:
    lines = (ROOT / file).read_text(encoding="utf-8").splitlines()
    found, k = [], 0
    while k < len(lines):
        fence = re.match(r"^```(\w+)\s*$", lines[k])
        if fence is None:
            k += 1
            continue
        end = next(j for j in range(k + 1, len(lines)) if lines[j].startswith("```"))
        above = next((lines[j] for j in range(k - 1, -1, -1) if lines[j].strip()), "")
        marker = MARKER.search(above)
        found.append(Block(file, k + 1, fence.group(1), "\n".join(lines[k + 1:end]) + "\n",
                           marker.group(1) if marker else None, marker.group(2) if marker else None))
        k = end + 1
    return found


ALL = [b for f in FILES for b in blocks(f)]


def params() -> list:
    return [pytest.param(b, id=b.id, marks=[pytest.mark.slow] if b.marker == "slow" else []) for b in ALL]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """A directory with a copy of experiments/, shared by the blocks of a file in order, so
    that a block marked ``continue`` finds what the block before it wrote."""
    path = tmp_path_factory.mktemp("readme")
    shutil.copytree(ROOT / "experiments", path / "experiments")
    return path


NAMESPACES: dict[str, dict] = {}


def test_every_block_is_python_bash_or_toml_and_markers_are_known():
    assert ALL, "no code blocks found"
    for b in ALL:
        assert b.language in ("python", "bash", "toml"), f"{b.id}: say which language the block is in"
        if b.marker == "skip":
            assert b.reason, f"{b.id}: a skipped block says why"


@pytest.mark.parametrize("block", params())
def test_block_runs(block: Block, workdir, monkeypatch):
    if block.marker == "skip":
        pytest.skip(f"{block.id}: {block.reason}")
    monkeypatch.chdir(workdir)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    if block.language == "toml":
        tomllib.loads(block.code)
        return
    if block.language == "bash":
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", block.code], cwd=workdir, env=env,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, f"{block.id} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        return
    import matplotlib

    matplotlib.use("Agg")
    if block.marker == "continue":
        assert block.file in NAMESPACES, f"{block.id} continues a block that did not run"
        namespace = NAMESPACES[block.file]
    else:
        namespace = {"__name__": "__readme__"}
    exec(compile(block.code, block.id, "exec"), namespace)  # the README is the test
    NAMESPACES[block.file] = namespace
    import matplotlib.pyplot as plt

    plt.close("all")
