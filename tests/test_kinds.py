"""The registry of experiment kinds: one registration gives a kind its resolve, run and
summary, and the built-in kinds are found by their tables."""

import tomllib
from pathlib import Path

import pytest

from evornn import ConfigError
from evornn.experiment import run, summary
from evornn.kinds import KINDS, Kind, kind_of, register_kind

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "experiments").glob("*.toml")))
def test_each_shipped_file_is_the_kind_its_tables_say(name):
    raw = tomllib.loads((ROOT / "experiments" / name).read_text())
    marked = [table for table in ("comparison", "regime_map", "curves", "capacity", "relaxation") if table in raw]
    expected = marked[0] if marked else "evolve"
    if "sweep" in raw and not marked:
        pytest.skip("a sweep file (evornn sweep)")
    assert kind_of(raw).name == expected


def _resolve_echo(raw, *, default_name="experiment"):
    table = raw["echo"]
    if not isinstance(table.get("text"), str):
        raise ConfigError(f"[echo] text must be a string, got {table.get('text')!r}")
    name = raw.get("experiment", {}).get("name", default_name)
    return {"experiment": {"name": name, "seed": 0}, "echo": {"text": table["text"]}}


def _run_echo(config, out):
    (out / "echo.txt").write_text(config["echo"]["text"])
    return {"echoed": len(config["echo"]["text"])}


def _summary_echo(run_dir, manifest, config):
    return f"echo {manifest['echoed']} characters ({manifest['status']})"


@pytest.fixture
def echo_kind():
    register_kind(Kind("echo", resolve=_resolve_echo, run=_run_echo, summary=_summary_echo))
    yield
    KINDS.pop("echo")


def test_a_new_kind_is_one_registration(echo_kind, tmp_path):
    """Resolved, run into a run directory (config, manifest) and summarised, by evornn's own
    run and show, with nothing else changed."""
    path = tmp_path / "echo.toml"
    path.write_text('[echo]\ntext = "hello"\n')
    out = run(path, out=tmp_path / "run")
    assert (out / "echo.txt").read_text() == "hello"
    assert summary(out) == "echo 5 characters (finished)"
    assert not kind_of(tomllib.loads(path.read_text())).evolution
    bad = tmp_path / "bad.toml"
    bad.write_text("[echo]\ntext = 3\n")
    with pytest.raises(ConfigError, match=r"\[echo\] text must be a string"):
        run(bad, out=tmp_path / "bad-run")
    with pytest.raises(ConfigError, match="--more extends an evolution run"):
        run(path, out=out, more=3)
