"""Sweep specifications: the same spec always gives the same runs, keys and seeds."""

import numpy as np
import pytest

from evornn.errors import ConfigError
from evornn.sweep import SweepSpec, SweepStore
from evornn.sweep.design import run_key


def test_grid_runs_keys_and_seeds_are_stable():
    spec = SweepSpec("tests.sweep.helpers:square", {"x": {"low": 0, "high": 2, "n": 3}, "m": ["a", "b"]},
                     fixed={"sleep": 0.0}, replicates=2, seed=4)
    runs = spec.runs()
    assert len(runs) == 12 and [r.index for r in runs] == list(range(12))
    assert runs[0].params == {"sleep": 0.0, "x": 0.0, "m": "a"} and runs[-1].params["x"] == 2.0
    again = SweepSpec(**spec.to_dict()).runs()
    assert [(r.key, r.seed) for r in runs] == [(r.key, r.seed) for r in again]
    assert len({r.key for r in runs}) == 12 and len({r.seed for r in runs}) == 12
    assert runs[0].key == run_key({"x": 0.0, "m": "a"}, 0)
    # Keys depend on the point, not on the root seed; seeds depend on both.
    other = SweepSpec(**{**spec.to_dict(), "seed": 5}).runs()
    assert [r.key for r in other] == [r.key for r in runs] and other[0].seed != runs[0].seed


@pytest.mark.parametrize("design", ["random", "sobol", "lhs"])
def test_sampled_designs_stay_in_their_ranges_and_repeat(design):
    spec = SweepSpec("m:f", {"a": {"low": -1.0, "high": 3.0}, "b": {"low": 0.01, "high": 1.0, "log": True}},
                     design=design, n_points=16, seed=2)
    points = spec.points()
    a, b = np.array([p["a"] for p in points]), np.array([p["b"] for p in points])
    assert len(points) == 16 and a.min() >= -1 and a.max() <= 3 and b.min() >= 0.01 and b.max() <= 1
    assert points == SweepSpec(**spec.to_dict()).points()
    if design == "lhs":  # one point in each of the 16 strata of every axis
        assert sorted(np.floor((a + 1) / 4 * 16).astype(int)) == list(range(16))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"parameters": {"x": {"low": 1, "high": 1, "n": 2}}}, "finite low < high"),
        ({"parameters": {"x": []}}, "empty"),
        ({"parameters": {"x": {"low": 0, "high": 1}}}, "n >= 1"),
        ({"parameters": {"x": {"low": 0, "high": 1, "n": 2, "step": 1}}}, "unknown key"),
        ({"parameters": {}}, "at least one"),
        ({"design": "halton"}, "design must be one of"),
        ({"run": "no_colon"}, "module:function"),
        ({"replicates": 0}, "replicates"),
        ({"fixed": {"x": 1}}, "both swept and fixed"),
    ],
)
def test_bad_specs_raise_before_any_work(kwargs, message):
    base = {"run": "tests.sweep.helpers:square", "parameters": {"x": [1, 2]}}
    with pytest.raises(ConfigError, match=message):
        SweepSpec(**(base | kwargs))


def test_unimportable_functions_and_foreign_stores_are_refused(tmp_path):
    from evornn.sweep import run_sweep

    with pytest.raises(ConfigError, match="cannot be imported"):
        run_sweep(SweepSpec("tests.sweep.helpers:cube", {"x": [1]}), tmp_path / "a.sqlite")
    assert not (tmp_path / "a.sqlite").exists()
    SweepStore(tmp_path / "b.sqlite", SweepSpec("tests.sweep.helpers:square", {"x": [1]})).close()
    with pytest.raises(ConfigError, match="different sweep spec"):
        SweepStore(tmp_path / "b.sqlite", SweepSpec("tests.sweep.helpers:square", {"x": [1, 2]}))


def test_unknown_parameters_of_built_in_run_functions_are_refused_before_any_work(tmp_path):
    from evornn.sweep import run_sweep

    spec = SweepSpec("evornn.sweep.runs:ctrnn_simulation", {"n_neurns": [2, 3]})
    with pytest.raises(ConfigError, match=r"unknown parameter\(s\) \['n_neurns'\]"):
        run_sweep(spec, tmp_path / "a.sqlite")
    spec = SweepSpec("evornn.sweep.runs:evolve_run", {"evolve.methd": ["ga"]},
                     fixed={"experiment": "experiments/oscillator.toml"})
    with pytest.raises(ConfigError, match="unknown key"):
        run_sweep(spec, tmp_path / "b.sqlite")
    assert not (tmp_path / "a.sqlite").exists() and not (tmp_path / "b.sqlite").exists()
