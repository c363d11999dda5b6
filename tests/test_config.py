"""Experiment files: validation names the key, value and what is allowed; defaults resolve;
the resolved configuration round-trips through TOML."""

import tomllib
from pathlib import Path

import pytest

from evornn import config
from evornn.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
SMALL = {
    "experiment": {"name": "t", "seed": 3},
    "model": {"type": "ctrnn", "n_neurons": 2},
    "task": {"type": "oscillator", "period": 10.0, "amplitude": 0.5},
    "evolve": {"method": "ga", "n_pop": 8, "n_generations": 3},
}


def with_change(section, key, value):
    raw = {k: dict(v) for k, v in SMALL.items()}
    raw.setdefault(section, {})[key] = value
    return raw


@pytest.mark.parametrize(
    ("section", "key", "value", "message"),
    [
        ("model", "n_neurns", 2, r"unknown key\(s\) \['n_neurns'\] in \[model\]"),
        ("model", "type", "transformer", r"\[model\] type must be one of \['compressor', 'ctrnn', .*\], got 'transformer'"),
        ("task", "type", {}, r"\[task\] type must be one of .*, got \{\}"),  # found by fuzzing: TypeError
        ("model", "peepholes", True, r"unknown key\(s\) \['peepholes'\] in \[model\]"),
        ("model", "tau_range", [5, 1], r"\[model\] tau_range must have low <= high"),
        ("task", "period", -1.0, r"\[task\] period must be a finite number > 0, got -1.0"),
        ("evolve", "n_pop", "many", r"\[evolve\] n_pop must be an integer, got 'many'"),
        ("evolve", "method", "hillclimb", r"\[evolve\] method must be one of"),
        ("evolve", "options", {"sigma": -1.0}, r"option sigma must be a number in"),
        ("evolve", "options", {"colour": 1}, r"unknown option\(s\) \['colour'\]"),
        ("stop", "target_mse", "low", r"\[stop\] target_mse must be a number"),
        ("stop", "patience", 3, r"unknown key\(s\) \['patience'\] in \[stop\]"),
        ("experiment", "seed", -1, r"seed must be >= 0"),
    ],
)
def test_errors_name_the_key_the_value_and_what_is_allowed(section, key, value, message):
    with pytest.raises(ConfigError, match=message):
        config.resolve(with_change(section, key, value))


def test_missing_tables_and_mismatched_model_and_task():
    with pytest.raises(ConfigError, match=r"needs a \[task\] table"):
        config.resolve({"model": SMALL["model"]})
    with pytest.raises(ConfigError, match="needs \\['period', 'amplitude'\\]"):
        config.resolve(with_change("task", "type", "oscillator") | {"task": {"type": "oscillator"}})
    with pytest.raises(ConfigError, match="do not fit together"):
        config.resolve(with_change("model", "n_inputs", 1))


def test_defaults_resolve_and_round_trip_through_toml(tmp_path):
    resolved = config.resolve(SMALL)
    assert resolved["model"]["tau_range"] == [0.5, 10.0] and resolved["task"]["dt"] == 0.05
    assert resolved["evolve"]["checkpoint_every"] == 10 and resolved["stop"] == {}
    path = tmp_path / "c.toml"
    path.write_text(config.to_toml(resolved))
    assert config.load(path) == resolved


def test_overrides_are_read_as_toml_values():
    raw = config.apply_overrides(SMALL, ["evolve.n_pop=12", "evolve.method=pso", "task.period=7.5", "stop.wall_time=9"])
    resolved = config.resolve(raw)
    assert resolved["evolve"]["n_pop"] == 12 and resolved["evolve"]["method"] == "pso"
    assert resolved["task"]["period"] == 7.5 and resolved["stop"]["wall_time"] == 9
    with pytest.raises(ConfigError, match="key=value"):
        config.apply_overrides(SMALL, ["evolve.n_pop"])


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "experiments").glob("*.toml")))
def test_the_shipped_experiments_are_valid_and_round_trip_through_toml(name, tmp_path, monkeypatch):
    """Every experiment file resolves, and its resolved configuration, with a description of
    several lines holding quotes, backslashes and a tab, reads back equal from config.toml.
    A file that names a body in its own file (paths relative to the working directory) is
    read within allow_imports, as ``--allow-import`` does."""
    path = ROOT / "experiments" / name
    monkeypatch.chdir(ROOT)
    task = tomllib.loads(path.read_text()).get("task", {})
    if task.get("type") == "gym" and "mujoco" in str(pytest.importorskip("gymnasium").spec(task["env"]).entry_point):
        pytest.importorskip("mujoco")  # MuJoCo's environments: the gym extra (CI's MuJoCo step)
    if "body" in str(tomllib.loads(path.read_text()).get("task", {}).get("type")):
        with config.allow_imports():
            resolved = config.load(path)
            written = tmp_path / "config.toml"
            written.write_text(config.to_toml(resolved))
            assert config.load(written) == resolved
        return
    if "sweep" in tomllib.loads(path.read_text()) and "regime_map" not in tomllib.loads(path.read_text()):
        from evornn.sweep.toml import load_sweep

        load_sweep(path)
        return
    resolved = config.load(path)
    resolved["experiment"]["description"] = 'first line\nsecond "quoted" line \\ with a backslash\tand a tab\n'
    written = tmp_path / "config.toml"
    written.write_text(config.to_toml(resolved))
    assert config.load(written) == resolved


def test_recurrent_models_take_their_options_and_sequence_tasks_their_keywords():
    raw = {"model": {"type": "lstm", "n_hidden": 3, "n_inputs": 7, "n_outputs": 7, "peepholes": True},
           "task": {"type": "reber", "n_strings": 5}, "evolve": {"n_pop": 4, "n_generations": 1}}
    with_peepholes = config.build_problem(config.resolve(raw))
    raw["model"]["peepholes"] = False
    assert with_peepholes.n_genes - config.build_problem(config.resolve(raw)).n_genes == 3 * 3
    raw["model"] = {"type": "lstm", "n_hidden": 3, "n_inputs": 4, "n_outputs": 4}
    with pytest.raises(ConfigError, match="7 inputs; the model takes 4"):
        config.resolve(raw)
    raw = {"model": {"type": "mtrnn", "groups": [[2, 1.0], [1, 20.0]], "n_inputs": 1},
           "task": {"type": "delayed_recall", "delay": 3}}
    assert config.resolve(raw)["task"]["delay"] == 3
    # Evolino: the task fits the readout, the genome leaves it out (3 outputs x (3 + 1) genes fewer)
    raw = {"model": {"type": "gru", "n_hidden": 3, "n_inputs": 1, "n_outputs": 3},
           "task": {"type": "classification", "n_seq": 6, "n_steps": 8}}
    evolved = config.build_problem(config.resolve(raw))
    raw["model"]["evolve_readout"] = False
    raw["task"].update(fit_readout=True, ridge=1e-4)
    fitted = config.build_problem(config.resolve(raw))
    assert evolved.n_genes - fitted.n_genes == 3 * 4
    assert fitted.task.fit_readout and fitted.task.ridge == 1e-4 and not fitted.task.test_task.fit_readout
    raw["task"]["fit_readout"] = False
    with pytest.raises(ConfigError, match=r"evolve_readout = false .* needs \[task\] fit_readout = true"):
        config.resolve(raw)


def test_comparison_experiments_need_one_budget_and_a_label_per_model():
    raw = tomllib.loads((ROOT / "experiments" / "rnn_comparison.toml").read_text())
    resolved = config.resolve(raw)
    assert len(resolved["model"]) == 7 and resolved["model"][4]["type"] == "gru"
    assert tomllib.loads(config.to_toml(resolved))["model"] == resolved["model"]
    del raw["stop"]["max_evaluations"]
    with pytest.raises(ConfigError, match="max_evaluations"):
        config.resolve(raw)
    raw["stop"]["max_evaluations"] = 100
    raw["comparison"]["labels"] = ["one"]
    with pytest.raises(ConfigError, match="labels must be 7 strings"):
        config.resolve(raw)
    raw["comparison"] = {}
    raw["model"] = {"type": "elman", "n_hidden": 2, "n_inputs": 1}
    with pytest.raises(ConfigError, match=r"\[\[model\]\] tables"):
        config.resolve(raw)
