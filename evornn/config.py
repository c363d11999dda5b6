"""Experiment files (TOML): load, validate and resolve defaults, then build the problem.

An experiment file has these tables (unknown tables and keys are errors)::

    [experiment]   name, seed, description
    [model]        type = "ctrnn" | "mtrnn" | "esn" | "hopfield" | "memristive" | "elman" |
                   "jordan" | "fully_recurrent" | "indrnn" | "gru" | "lstm" | "second_order" |
                   "narx" | "rmlp" | "lsm" | "compressor" | "recursive" | "ntm" | "entm" | "stack" |
                   "neat" (NEAT genomes: the keywords of evornn.neat.NEATCodec, with
                   [evolve] method = "neat"),
                   then the keywords of CTRNN.codec (n_neurons, n_inputs, ranges ...),
                   CTRNN.multiple_timescale_codec (groups = [[n, tau], ...]), ESN.codec
                   (n_units, hyperparameter ranges ...), Hopfield.codec (n_units, weight_range,
                   symmetric, threshold_range), a memristive reservoir (graph, n_nodes, degree,
                   ranges) or RNN.codec (n_hidden, n_inputs, n_outputs, weight_range,
                   output_activation and the model's options: decay, outputs, relu, peepholes,
                   input_delays and output_delays (NARX), n_layers (RMLP)), LSM.codec (shape,
                   n_inputs, n_outputs, seed, weight_scale, input_scale ...),
                   HistoryCompressor.codec (n_units, n_inputs, n_levels, ranges, threshold ...),
                   RecursiveNet.codec (n_hidden, n_labels, n_outputs, max_arity, weight_range,
                   output_activation), NTM.codec, ENTM.codec and NeuralStack.codec (n_hidden, n_inputs,
                   n_outputs, controller, width, n_slots, squash, weight_range, neat = {NEAT's
                   keywords} with controller = "neat")
    [task]         type = "oscillator" | "sequence" | "cartpole" | "walker" | "categorize" |
                   "wheeled" | "maze" | "xor" | "timeseries" | "recall" | "parity" | "delayed_recall" | "reber" | "copy" |
                   "anbncn" | "classification" | "prediction" | "identification" |
                   "spike_classification" | "long_gap" | "boolean_formulas" | "body", then that task's keywords
                   (for "timeseries" those of TimeSeriesTask.from_dataset, for "recall" of
                   RecallTask.random, for the sequence tasks of the SequenceTask factories, for
                   "body" of BodyTask.from_spec: body = "file.py:Class", max_steps, n_trials,
                   controller_dt, method, options = {the body's keywords})
    [evolve]       method, n_pop, n_generations, checkpoint_every, hall_of_fame, n_threads
    [evolve.options]  the method's options (see evornn.optim.GAOptions ...)
    [evolve.local_search]  gradient local search (evornn.optim.LocalSearch: method = "bptt" |
                   "rtrl", steps, learning_rate, inheritance = "lamarckian" | "baldwinian")
    [stop]         max_evaluations, target_fitness, target_mse, target_learned, target_solved, stagnation,
                   wall_time

Instead of [model] ... [stop], a file may hold one in-process computation: [regime_map]
(with [network]), [capacity] (Hopfield capacity curves) or [relaxation] (a memristive
circuit relaxing from random states).

Errors are :class:`evornn.ConfigError` naming the key, the value and what is allowed.

A file that names code outside evornn (``[task] body = "my_body.py:MyBody"``) is read only
within :func:`allow_imports` (``evornn run --allow-import``): such a file runs its code.
"""

from __future__ import annotations

import copy
import inspect
import math
import numbers
import random
import re
import sys
import tomllib
from pathlib import Path

import numpy as np

from ._imports import allow_imports  # noqa: F401 (public here: evornn.config.allow_imports)
from .errors import ConfigError
from .models import (
    CTRNN,
    ESN,
    GRU,
    LSM,
    LSTM,
    NARX,
    RMLP,
    Elman,
    FullyRecurrent,
    HistoryCompressor,
    Hopfield,
    IndRNN,
    Jordan,
    SecondOrder,
)
from .models.memory import ENTM, NTM, NeuralStack
from .models.recursive import RecursiveNet
from .neat import NEATCodec
from .optim import METHODS, Problem
from .tasks import (
    BodyTask,
    CartPoleTask,
    CategorizationTask,
    GymTask,
    LongGapTask,
    MazeTask,
    OscillatorTask,
    RecallTask,
    SequenceTask,
    TimeSeriesTask,
    TreeTask,
    WalkerTask,
    WheeledRobotTask,
    XORTask,
)


def _circuit(graph: str, n_nodes: int, degree: int, seed: int):
    """A circuit graph named in an experiment file: random_regular (n_nodes, degree), lattice
    (n_nodes rows, degree columns), small_world (n_nodes, k = degree, p = 0.1) or complete."""
    from .models.circuits import Circuit

    graphs = {"random_regular": lambda: Circuit.random_regular(n_nodes, degree, rng=seed),
              "lattice": lambda: Circuit.lattice(n_nodes, degree),
              "small_world": lambda: Circuit.small_world(n_nodes, degree, 0.1, rng=seed),
              "complete": lambda: Circuit.complete(n_nodes)}
    if graph not in graphs:
        raise ValueError(f"graph must be one of {sorted(graphs)}, got {graph!r}")
    return graphs[graph]()


def _memristive_reservoir(*, graph: str = "random_regular", n_nodes: int = 30, degree: int = 4, n_inputs: int = 1,
                          alpha=(0.3, 30.0), beta=(0.003, 0.3), input_scaling=(0.03, 3.0), source_scaling=(0.01, 1.0),
                          seed: int = 0, bounds: str = "clip"):
    """[model] type = "memristive": a reservoir codec on a circuit graph (see :func:`_circuit`)."""
    from .models.memristive import MemristiveCircuit

    circuit = _circuit(graph, n_nodes, degree, seed)
    return MemristiveCircuit.reservoir_codec(circuit, n_inputs, alpha=alpha, beta=beta, input_scaling=input_scaling,
                                             source_scaling=source_scaling, seed=seed, bounds=bounds)


MODELS = {"ctrnn": CTRNN.codec, "mtrnn": CTRNN.multiple_timescale_codec, "esn": ESN.codec,
          "hopfield": Hopfield.codec, "memristive": _memristive_reservoir,
          "elman": Elman.codec, "jordan": Jordan.codec, "fully_recurrent": FullyRecurrent.codec,
          "indrnn": IndRNN.codec, "gru": GRU.codec, "lstm": LSTM.codec, "second_order": SecondOrder.codec,
          "narx": NARX.codec, "rmlp": RMLP.codec, "lsm": LSM.codec, "compressor": HistoryCompressor.codec,
          "recursive": RecursiveNet.codec, "ntm": NTM.codec, "entm": ENTM.codec,
          "stack": NeuralStack.codec, "neat": NEATCodec}
TASKS = {"body": BodyTask.from_spec, "gym": GymTask, "oscillator": OscillatorTask, "sequence": SequenceTask,
         "cartpole": CartPoleTask, "walker": WalkerTask,
         "categorize": CategorizationTask, "wheeled": WheeledRobotTask, "maze": MazeTask, "xor": XORTask,
         "timeseries": TimeSeriesTask.from_dataset,
         "recall": RecallTask.random, "parity": SequenceTask.parity, "delayed_recall": SequenceTask.delayed_recall,
         "reber": SequenceTask.reber, "anbncn": SequenceTask.anbncn, "copy": SequenceTask.copy,
         "classification": SequenceTask.classification,
         "prediction": SequenceTask.prediction, "identification": SequenceTask.identification,
         "spike_classification": SequenceTask.spike_classification, "long_gap": LongGapTask,
         "boolean_formulas": TreeTask.boolean}

_INT = "an integer"
_NUMBER = "a number"
_BOOL = "true or false"
EVOLVE_KEYS = {"method": "a method name", "n_pop": _INT, "n_generations": _INT, "checkpoint_every": _INT,
               "hall_of_fame": _INT, "n_threads": _INT, "options": "a table", "local_search": "a table"}
STOP_KEYS = {"max_evaluations": _INT, "target_fitness": _NUMBER, "target_mse": _NUMBER, "target_learned": _NUMBER,
             "stagnation": _INT, "wall_time": _NUMBER, "target_solved": _NUMBER}
EXPERIMENT_KEYS = {"name": "a string", "seed": _INT, "description": "a string"}
EVOLVE_DEFAULTS = {"method": "ga", "n_pop": 100, "n_generations": 100, "checkpoint_every": 10, "hall_of_fame": 10}


#: The deepest nesting of tables and arrays an experiment file may have.
MAX_DEPTH = 20


def read_toml(path) -> dict:
    """Parse a TOML file (UTF-8, at most :data:`MAX_DEPTH` levels of nesting); errors name the file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"experiment file {path} does not exist") from exc
    except IsADirectoryError as exc:
        raise ConfigError(f"{path} is a directory, not an experiment file") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path} is not a UTF-8 text file (TOML files are UTF-8): byte {exc.start} is "
                          f"0x{exc.object[exc.start]:02x}") from exc
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from exc
    depth = deepest = 0
    for char in text:  # brackets in strings and comments count too: a bound, not a parse
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    if deepest > MAX_DEPTH:
        raise ConfigError(f"{path} nests tables or arrays {deepest} deep; at most {MAX_DEPTH} are allowed")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc


def load(path) -> dict:
    """Read and validate an experiment file; returns the resolved configuration (a dict)."""
    return resolve(read_toml(path), default_name=Path(path).stem)


def parse_override(text: str) -> tuple[list[str], object]:
    """``"evolve.n_pop=50"`` -> (["evolve", "n_pop"], 50); values are read as TOML, else as strings."""
    if "=" not in text:
        raise ConfigError(f"--set needs key=value (e.g. evolve.n_pop=50), got {text!r}")
    key, value = text.split("=", 1)
    keys = key.strip().split(".")
    if len(keys) < 2 or not all(keys):
        raise ConfigError(f"--set key must be table.key (e.g. task.period=5), got {key!r}")
    try:
        parsed = tomllib.loads(f"v = {value.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        parsed = value.strip()
    return keys, parsed


def apply_overrides(raw: dict, overrides: list[str], *, quiet: bool = False) -> dict:
    """`raw` with the ``--set`` `overrides` applied. A ``--set evolve.method=...`` that
    switches the method drops the ``[evolve.options]`` the new method does not take (the
    file's options were written for its own method) and says so on stderr, once."""
    raw = copy.deepcopy(raw)
    explicit = set()
    for text in overrides:
        keys, value = parse_override(text)
        table = raw
        for key in keys[:-1]:
            table = table.setdefault(key, {})
            if not isinstance(table, dict):
                raise ConfigError(f"--set {text!r}: {key} is not a table")
        table[keys[-1]] = value
        explicit.add(tuple(keys))
    evolve = raw.get("evolve")
    if ("evolve", "method") in explicit and isinstance(evolve, dict) and isinstance(evolve.get("options"), dict):
        method = evolve["method"]
        if method in METHODS:
            import dataclasses

            allowed = {f.name for f in dataclasses.fields(METHODS[method].options_type)}
            dropped = sorted(k for k in evolve["options"] if k not in allowed and ("evolve", "options", k) not in explicit)
            if dropped:
                evolve["options"] = {k: v for k, v in evolve["options"].items() if k not in dropped}
            if dropped and not quiet:
                print(f"evornn: --set evolve.method={method} drops [evolve.options] {', '.join(dropped)} (options "
                      f"of another method); set {method}'s own with --set evolve.options.NAME=VALUE", file=sys.stderr)
    return raw


def check_keys(section: str, table, allowed) -> dict:
    if not isinstance(table, dict):
        raise ConfigError(f"[{section}] must be a table, got {table!r}")
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise ConfigError(f"unknown key(s) {unknown} in [{section}]; allowed: {sorted(allowed)}")
    return table


def _check_value(section: str, key: str, value, kind: str) -> None:
    if kind == _INT:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind == _NUMBER:
        ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
    elif kind == _BOOL:
        ok = isinstance(value, bool)
    elif kind == "a string":
        ok = isinstance(value, str)
    elif kind == "a table":
        ok = isinstance(value, dict)
    else:
        ok = isinstance(value, str) and value in METHODS
    if not ok:
        allowed = f"one of {sorted(METHODS)}" if kind == "a method name" else kind
        raise ConfigError(f"[{section}] {key} must be {allowed}, got {value!r}")


def _keywords(factory) -> dict[str, inspect.Parameter]:
    """The keywords a factory takes: its named parameters, and for a factory with ``**options``
    the options its class declares (``options = {name: default}``)."""
    params = inspect.signature(factory).parameters
    named = {name: p for name, p in params.items() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    declared = getattr(getattr(factory, "__self__", None), "options", {})
    if any(p.kind == p.VAR_KEYWORD for p in params.values()) and isinstance(declared, dict):
        named.update({name: inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default)
                      for name, default in declared.items()})
    return named


def _model_table(table: dict) -> dict:
    """The ``[model]`` table: a codec's keywords, and ``dtype = "float32"`` to evaluate in
    single precision (models that offer it; see ``Model.astype``)."""
    if not isinstance(table, dict):
        return _typed_table("model", table, MODELS)
    rest = {k: v for k, v in table.items() if k != "dtype"}
    resolved = _typed_table("model", rest, MODELS)
    if "dtype" in table:
        if table["dtype"] not in ("float64", "float32"):
            raise ConfigError(f"[model] dtype must be \"float64\" or \"float32\", got {table['dtype']!r}")
        resolved["dtype"] = table["dtype"]
    return resolved


def _typed_table(section: str, table: dict, registry: dict) -> dict:
    if "type" not in table:
        raise ConfigError(f"[{section}] needs type = one of {sorted(registry)}")
    kind = table["type"]
    if not isinstance(kind, str) or kind not in registry:
        raise ConfigError(f"[{section}] type must be one of {sorted(registry)}, got {kind!r}")
    keywords = _keywords(registry[kind])
    check_keys(section, table, {"type", *keywords})
    missing = [name for name, p in keywords.items() if p.default is p.empty and name not in table]
    if missing:
        raise ConfigError(f"[{section}] type {kind!r} needs {missing}")
    resolved = {"type": kind}
    for name, p in keywords.items():
        value = table.get(name, p.default)
        if value is not None and value is not p.empty:
            resolved[name] = list(value) if isinstance(value, tuple) else value
    return resolved


_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,99}")


def safe_name(text: str) -> str:
    """`text` made a safe directory name: other characters become '-' (for names taken
    from file names; names written in a file must be safe already)."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", text)[:100].lstrip(".-") or "experiment"
    return name


def check_name(section: str, name) -> str:
    """An experiment name is a directory under ``runs/``: letters, digits, '.', '_' and '-',
    at most 100 characters, not starting with '.' or '-' (no path, no hidden or empty name)."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ConfigError(f"[{section}] name must be 1-100 letters, digits, '.', '_' or '-' (not starting with '.' "
                          f"or '-'; it names the run directory runs/NAME), got {name!r}")
    return name


def _experiment_table(raw: dict, default_name: str) -> dict:
    experiment = dict(check_keys("experiment", raw.get("experiment", {}), EXPERIMENT_KEYS))
    for key, value in experiment.items():
        _check_value("experiment", key, value, EXPERIMENT_KEYS[key])
    experiment["name"] = check_name("experiment", experiment["name"]) if "name" in experiment else safe_name(default_name)
    if "seed" in experiment and experiment["seed"] < 0:
        raise ConfigError(f"[experiment] seed must be >= 0, got {experiment['seed']}")
    return experiment


def resolve(raw: dict, *, default_name: str = "experiment") -> dict:
    """Validate a parsed experiment and fill in every default (the resolved configuration),
    as its kind says (:mod:`evornn.kinds`: an evolution run unless a ``[comparison]``,
    ``[regime_map]``, ``[capacity]`` or ``[relaxation]`` table says otherwise)."""
    from .kinds import kind_of

    return kind_of(raw).resolve(raw, default_name=default_name)


def resolve_evolution(raw: dict, *, default_name: str = "experiment") -> dict:
    """Validate an evolution experiment (``[model]``, ``[task]``, ``[evolve]``, ``[stop]``)."""
    check_keys("top level", raw, {"experiment", "model", "task", "evolve", "stop"})
    for section in ("model", "task"):
        if section not in raw:
            raise ConfigError(f"the experiment needs a [{section}] table")
    experiment = _experiment_table(raw, default_name)
    evolve = dict(check_keys("evolve", raw.get("evolve", {}), EVOLVE_KEYS))
    for key, value in evolve.items():
        _check_value("evolve", key, value, EVOLVE_KEYS[key])
    evolve = {**EVOLVE_DEFAULTS, **evolve}
    evolve["options"] = dict(evolve.get("options", {}))
    stop = dict(check_keys("stop", raw.get("stop", {}), STOP_KEYS))
    for key, value in stop.items():
        _check_value("stop", key, value, STOP_KEYS[key])
    config = {
        "experiment": experiment,
        "model": _model_table(raw["model"]),
        "task": _typed_table("task", raw["task"], TASKS),
        "evolve": evolve,
        "stop": stop,
    }
    if config["model"].get("evolve_readout") is False and not config["task"].get("fit_readout", False):
        raise ConfigError("[model] evolve_readout = false leaves the readout at zero: it needs [task] fit_readout = true")
    problem = build_problem(config)  # every constructor validates now, before any run starts
    from .optim.evolve import check_settings

    try:  # so do the settings of evolve and the method's options
        check_settings(problem, evolve["method"], n_pop=evolve["n_pop"], checkpoint_every=evolve["checkpoint_every"],
                       hall_of_fame=evolve["hall_of_fame"], n_threads=evolve.get("n_threads"),
                       stop={"n_generations": evolve["n_generations"], **stop})
        METHODS[evolve["method"]](problem.n_genes, evolve["n_pop"], evolve["n_generations"], np.random.default_rng(0),
                                  random.Random(0), **evolve["options"])
        if "local_search" in evolve:
            from .optim.local_search import LocalSearch

            LocalSearch.from_spec(evolve["local_search"]).check(problem)
    except (TypeError, ValueError) as exc:
        section = "stop" if any(str(exc).startswith(k) for k in STOP_KEYS) else "evolve"
        raise ConfigError(f"[{section}] {exc}") from exc
    return config


COMPARISON_KEYS = {"n_seeds": _INT, "labels": "a list of strings"}


def resolve_comparison(raw: dict, *, default_name: str = "experiment") -> dict:
    """Validate a comparison experiment: several models (``[[model]]``, an array of model
    tables) evolved on one ``[task]`` with one ``[evolve]`` method and the same evaluation
    budget (``[stop] max_evaluations``, required), each from ``[comparison] n_seeds`` seeds
    (default 3); ``labels`` name the models in the table and plot (default their types)."""
    check_keys("top level", raw, {"experiment", "comparison", "model", "task", "evolve", "stop"})
    spec = dict(check_keys("comparison", raw["comparison"], COMPARISON_KEYS))
    spec.setdefault("n_seeds", 3)
    _check_value("comparison", "n_seeds", spec["n_seeds"], _INT)
    if spec["n_seeds"] < 1:
        raise ConfigError(f"[comparison] n_seeds must be >= 1, got {spec['n_seeds']}")
    models = raw.get("model")
    if not (isinstance(models, list) and models):
        raise ConfigError("a comparison needs [[model]] tables (an array of tables, one per model), got "
                          f"{type(models).__name__}")
    if "max_evaluations" not in raw.get("stop", {}):
        raise ConfigError("a comparison gives every model the same budget: [stop] needs max_evaluations")
    labels = spec.get("labels", [m.get("type", "?") for m in models])
    if not (isinstance(labels, list) and len(labels) == len(models) and all(isinstance(x, str) for x in labels)):
        raise ConfigError(f"[comparison] labels must be {len(models)} strings, one per [[model]], got {labels!r}")
    spec["labels"] = labels
    resolved = [resolve_evolution({**{k: v for k, v in raw.items() if k != "comparison"}, "model": m},
                        default_name=default_name) for m in models]
    return {**resolved[0], "model": [r["model"] for r in resolved], "comparison": spec}


NETWORK_KEYS = {"weights", "tau", "bias", "gain"}
REGIME_KEYS = {"parameter": "a string", "x": "an axis", "y": "an axis", "dt": _NUMBER, "t_transient": _NUMBER,
               "t_measure": _NUMBER, "output": _INT}
REGIME_DEFAULTS = {"parameter": "bias", "dt": 0.05, "t_transient": 100.0, "t_measure": 100.0, "output": 0}


def _one_network(raw: dict, what: str) -> CTRNN:
    """The one CTRNN of a file's ``[network]`` table (weights, tau, bias, gain)."""
    if "network" not in raw:
        raise ConfigError(f"{what} needs a [network] table (weights, tau, bias, gain of the CTRNN)")
    network = dict(check_keys("network", raw["network"], NETWORK_KEYS))
    if "weights" not in network:
        raise ConfigError("[network] needs weights")
    try:
        base = CTRNN(**network)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"[network] {exc}") from exc
    if base.n_pop != 1:
        raise ConfigError(f"[network] must describe one network, got n_pop = {base.n_pop}")
    return base


def resolve_regime_map(raw: dict, *, default_name: str = "experiment") -> dict:
    """Validate a regime-map experiment: a CTRNN (``[network]``: weights, tau, bias, gain)
    whose `parameter` (``"bias"``, ``"tau"`` or ``"gain"``) of neuron ``x[0]`` and of neuron
    ``y[0]`` varies over a grid, ``x = [neuron, low, high, n]`` and likewise `y`."""
    check_keys("top level", raw, {"experiment", "network", "regime_map", "sweep"})  # [sweep]: evornn sweep
    base = _one_network(raw, "a regime map")
    table = dict(check_keys("regime_map", raw["regime_map"], REGIME_KEYS))
    for key in ("x", "y"):
        if key not in table:
            raise ConfigError(f"[regime_map] needs {key} = [neuron, low, high, n]")
    resolved = {**REGIME_DEFAULTS, **table}
    if resolved["parameter"] not in ("bias", "tau", "gain"):
        raise ConfigError(f"[regime_map] parameter must be one of ['bias', 'gain', 'tau'], got {resolved['parameter']!r}")
    for key in ("x", "y"):
        axis = resolved[key]
        ok = (isinstance(axis, list) and len(axis) == 4 and isinstance(axis[0], int) and isinstance(axis[3], int)
              and all(isinstance(v, numbers.Real) for v in axis[1:3]) and 0 <= axis[0] < base.n_neurons
              and axis[3] >= 2 and axis[1] < axis[2])
        if not ok:
            raise ConfigError(f"[regime_map] {key} must be [neuron index < {base.n_neurons}, low, high, n >= 2] "
                              f"with low < high, got {axis!r}")
    for key in ("dt", "t_transient", "t_measure", "output"):
        _check_value("regime_map", key, resolved[key], REGIME_KEYS[key])
    return {"experiment": _experiment_table(raw, default_name),
            "network": {"weights": base.weights[0].tolist(), "tau": base.tau[0].tolist(),
                        "bias": base.bias[0].tolist(), "gain": base.gain[0].tolist()},
            "regime_map": resolved}


CURVES_KEYS = {"parameters": "two parameter names", "x": "a range", "y": "a range", "n_lines": _INT,
               "background": _INT, "dt": _NUMBER, "cycles": _BOOL}
CURVES_DEFAULTS = {"parameters": ["bias[0]", "bias[1]"], "n_lines": 3, "background": 60, "dt": 0.05,
                   "cycles": False}


def resolve_curves(raw: dict, *, default_name: str = "experiment") -> dict:
    """Validate a bifurcation-curves experiment: a CTRNN (``[network]``) and ``[curves]``,
    the fold and Hopf curves of two of its parameters (``parameters``, names as in
    :class:`evornn.analysis.Parameter`) over ``x = [low, high]`` and ``y = [low, high]``,
    found from ``n_lines`` lines across the box each way (with ``cycles = true``, the folds of
    the cycles born at the Hopf points too), over a brute-force map of ``background`` x
    ``background`` networks (0: none)."""
    check_keys("top level", raw, {"experiment", "network", "curves"})
    base = _one_network(raw, "a curves experiment")
    resolved = {**CURVES_DEFAULTS, **dict(check_keys("curves", raw["curves"], CURVES_KEYS))}
    names = resolved["parameters"]
    if not (isinstance(names, list) and len(names) == 2 and all(isinstance(n, str) for n in names)):
        raise ConfigError(f"[curves] parameters must be two names such as [\"bias[0]\", \"bias[1]\"], got {names!r}")
    from .analysis.continuation import Parameter

    for name in names:
        try:
            Parameter(base, name)
        except ValueError as exc:
            raise ConfigError(f"[curves] {exc}") from exc
    for key in ("x", "y"):
        axis = resolved.get(key)
        if not (isinstance(axis, list) and len(axis) == 2 and all(isinstance(v, numbers.Real) for v in axis)
                and axis[0] < axis[1]):
            raise ConfigError(f"[curves] needs {key} = [low, high] with low < high, got {axis!r}")
    for key in ("n_lines", "background", "dt", "cycles"):
        _check_value("curves", key, resolved[key], CURVES_KEYS[key])
    if resolved["n_lines"] < 1 or resolved["background"] < 0 or resolved["background"] > 1000 or resolved["dt"] <= 0:
        raise ConfigError("[curves] needs n_lines >= 1, 0 <= background <= 1000 and dt > 0")
    return {"experiment": _experiment_table(raw, default_name),
            "network": {"weights": base.weights[0].tolist(), "tau": base.tau[0].tolist(),
                        "bias": base.bias[0].tolist(), "gain": base.gain[0].tolist()},
            "curves": resolved}


def resolve_capacity(raw: dict, *, default_name: str = "experiment") -> dict:
    """Validate a capacity experiment: the keywords of :func:`evornn.analysis.capacity_curve`
    (n_units, loads, rules, noise, n_trials, max_sweeps) in a ``[capacity]`` table."""
    from .analysis.landscape import capacity_curve
    from .models.hopfield import RULES

    check_keys("top level", raw, {"experiment", "capacity"})
    keywords = {name: p for name, p in _keywords(capacity_curve).items() if name != "rng"}
    table = dict(check_keys("capacity", raw["capacity"], set(keywords)))
    resolved = {name: table.get(name, p.default) for name, p in keywords.items()}
    resolved = {k: list(v) if isinstance(v, tuple) else v for k, v in resolved.items()}
    for key in ("n_units", "n_trials", "max_sweeps"):
        _check_value("capacity", key, resolved[key], _INT)
    _check_value("capacity", "noise", resolved["noise"], _NUMBER)
    loads = resolved["loads"]
    if not (isinstance(loads, list) and loads and all(isinstance(v, numbers.Real) and v > 0 for v in loads)):
        raise ConfigError(f"[capacity] loads must be a list of loads p/N > 0, or [low, high, n], got {loads!r}")
    rules = resolved["rules"]
    if not (isinstance(rules, list) and rules and all(r in RULES for r in rules)):
        raise ConfigError(f"[capacity] rules must be a list drawn from {list(RULES)}, got {rules!r}")
    return {"experiment": _experiment_table(raw, default_name), "capacity": resolved}


RELAXATION_DEFAULTS = {"graph": "random_regular", "n_nodes": 20, "degree": 4, "seed": 0, "alpha": 0.1, "beta": 1.0,
                       "source_scaling": 0.1, "convention": "decay", "bounds": "clip", "n_starts": 8, "t_max": 20.0,
                       "dt": 0.01}


def resolve_relaxation(raw: dict, *, default_name: str = "experiment") -> dict:
    """Validate a relaxation experiment (``[relaxation]``: a random circuit relaxing from random
    states; see :func:`relaxation_circuit`)."""
    check_keys("top level", raw, {"experiment", "relaxation"})
    table = dict(check_keys("relaxation", raw["relaxation"], set(RELAXATION_DEFAULTS)))
    resolved = {**RELAXATION_DEFAULTS, **table}
    for key in ("n_nodes", "degree", "seed", "n_starts"):
        _check_value("relaxation", key, resolved[key], _INT)
    for key in ("alpha", "beta", "source_scaling", "t_max", "dt"):
        _check_value("relaxation", key, resolved[key], _NUMBER)
    try:
        relaxation_circuit(resolved)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"[relaxation] {exc}") from exc
    return {"experiment": _experiment_table(raw, default_name), "relaxation": resolved}


def relaxation_circuit(spec: dict):
    """The MemristiveCircuit a resolved ``[relaxation]`` table describes (sources uniform in
    [-source_scaling, source_scaling] from `seed`)."""
    from .models.memristive import MemristiveCircuit

    circuit = _circuit(spec["graph"], spec["n_nodes"], spec["degree"], spec["seed"])
    sources = np.random.default_rng(spec["seed"]).uniform(-1.0, 1.0, circuit.n_edges) * spec["source_scaling"]
    return MemristiveCircuit(circuit, sources=sources, alpha=spec["alpha"], beta=spec["beta"],
                             convention=spec["convention"], bounds=spec["bounds"])


def regime_population(config: dict) -> tuple[CTRNN, np.ndarray, np.ndarray]:
    """The grid of networks of a resolved regime-map configuration, row-major over (y, x),
    and the grid's x and y values."""
    net, spec = config["network"], config["regime_map"]
    (ix, x_low, x_high, nx), (iy, y_low, y_high, ny) = spec["x"], spec["y"]
    xs, ys = np.linspace(x_low, x_high, nx), np.linspace(y_low, y_high, ny)
    gx, gy = np.meshgrid(xs, ys)
    varied = np.tile(np.asarray(net[spec["parameter"]], dtype=np.float64), (nx * ny, 1))
    varied[:, ix] = gx.ravel()
    varied[:, iy] = gy.ravel()
    fields = {name: net[name] for name in ("tau", "bias", "gain")} | {spec["parameter"]: varied}
    try:
        return CTRNN(net["weights"], **fields), xs, ys
    except ValueError as exc:
        raise ConfigError(f"[regime_map] {exc}") from exc


def _without_dtype(factory):
    """`factory` called without the ``[model]`` key ``dtype`` (the Problem's, not the codec's)."""
    return lambda dtype=None, **keywords: factory(**keywords)


def build_problem(config: dict) -> Problem:
    """The `Problem` an (already resolved) configuration describes."""
    def build(section, registry):
        table = dict(config[section])
        factory = registry[table.pop("type")]
        try:
            return factory(**table)
        except (TypeError, ValueError, ImportError) as exc:
            raise ConfigError(f"[{section}] {exc}") from exc

    dtype = config["model"].get("dtype")
    codec = build("model", {kind: _without_dtype(factory) for kind, factory in MODELS.items()})
    task = build("task", TASKS)
    if dtype is not None:
        decoded = codec.decode(codec.extremes()[:1] if hasattr(codec, "extremes") else np.full((1, codec.n_genes), 0.5))
        if np.dtype(dtype) not in decoded.dtypes:
            offered = ", ".join(d.name for d in decoded.dtypes)
            raise ConfigError(f"[model] dtype = {dtype!r}: {type(decoded).__name__} computes in {offered} only "
                              f"(float32 is offered by the CTRNN and the ESN)")
    try:
        return Problem(codec, task, dtype=dtype)
    except ValueError as exc:
        raise ConfigError(f"[model] and [task] do not fit together: {exc}") from exc


def to_toml(config: dict) -> str:
    """Write a resolved configuration (tables of numbers, strings, booleans and arrays) as
    TOML, with ``tomli-w`` (so any string, a multi-line description included, reads back)."""
    import tomli_w

    def plain(v):
        if isinstance(v, dict):
            return {str(k): plain(x) for k, x in v.items()}
        if isinstance(v, np.ndarray):
            return plain(v.tolist())
        if isinstance(v, list | tuple):
            return [plain(x) for x in v]
        if isinstance(v, bool | np.bool_):
            return bool(v)
        if isinstance(v, numbers.Integral):
            return int(v)
        if isinstance(v, numbers.Real):
            return float(v)
        if isinstance(v, str):
            return v
        raise ConfigError(f"cannot write {v!r} to TOML")

    return tomli_w.dumps(plain(config))
