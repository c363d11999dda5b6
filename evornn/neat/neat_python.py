"""Read a neat-python configuration file into evornn's NEAT settings, so that a neat-python
user brings their experiment over unchanged.

>>> settings = read_neat_config("config-feedforward")        # doctest: +SKIP
>>> codec = NEATCodec(**settings["codec"])                    # doctest: +SKIP
>>> evolve(Problem(codec, task), "neat", n_pop=settings["n_pop"], **settings["options"],
...        target_fitness=settings["target_fitness"])         # doctest: +SKIP

What does not carry over raises ValueError naming the key: aggregations other than
``sum``, initial connections other than full or none, ``uniform`` initial values, and
genes that start disabled. The compatibility distance is neat-python's (node and
connection genes; ``compatibility_formula="neat-python"``), its connection genes aligned by
innovation number.
"""

from __future__ import annotations

import configparser
from pathlib import Path

from ..errors import ConfigError

_VALUES = {"weight": "weight", "bias": "bias", "response": "response", "time_constant": "tau"}
_PARTS = ("init_mean", "init_stdev", "mutate_power", "mutate_rate", "replace_rate")
_CONNECTIONS = {"full": "full", "full_direct": "full", "full_nodirect": "full", "unconnected": "none"}


def _bool(text: str, key: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("true", "1", "yes", "on"):
        return True
    if lowered in ("false", "0", "no", "off"):
        return False
    raise ConfigError(f"{key} must be true or false, got {text!r}")


def read_neat_config(path) -> dict:
    """The settings of neat-python configuration file `path`: ``{"codec": NEATCodec keyword
    arguments, "options": NEATOptions, "n_pop": int, "target_fitness": float or None}``.

    Parameters
    ----------
    path : str or Path
        A neat-python configuration (INI) file with ``[NEAT]``, ``[DefaultGenome]``,
        ``[DefaultSpeciesSet]``, ``[DefaultStagnation]`` and ``[DefaultReproduction]``.
    """
    path = Path(path)
    parser = configparser.ConfigParser()
    try:
        read = parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not a neat-python configuration file: {exc}") from exc
    if not read:
        raise ConfigError(f"{path} cannot be read")
    missing = [s for s in ("NEAT", "DefaultGenome", "DefaultSpeciesSet", "DefaultStagnation", "DefaultReproduction")
               if s not in parser]
    if missing:
        raise ConfigError(f"{path} lacks the neat-python section(s) {missing}")
    genome, neat = parser["DefaultGenome"], parser["NEAT"]

    def number(section, key, kind=float, default=None):
        if key not in section:
            if default is None:
                raise ConfigError(f"{path}: [{section.name}] {key} is missing")
            return default
        try:
            return kind(section[key])
        except ValueError as exc:
            raise ConfigError(f"{path}: [{section.name}] {key} must be a {kind.__name__}, got {section[key]!r}") from exc

    codec = {"n_inputs": number(genome, "num_inputs", int), "n_outputs": number(genome, "num_outputs", int),
             "num_hidden": number(genome, "num_hidden", int, 0),
             "feed_forward": _bool(genome.get("feed_forward", "false"), "feed_forward")}
    connection = genome.get("initial_connection", "unconnected").split()[0]
    if connection not in _CONNECTIONS:
        raise ConfigError(f"{path}: initial_connection {connection!r} is not supported; evornn starts from "
                          f"{sorted(_CONNECTIONS)}")
    codec["initial_connection"] = _CONNECTIONS[connection]
    if genome.get("aggregation_default", "sum").strip() != "sum" or any(
            a != "sum" for a in genome.get("aggregation_options", "sum").split()):
        raise ConfigError(f"{path}: evornn's NEAT nodes sum their inputs; aggregation must be 'sum'")
    if not _bool(genome.get("enabled_default", "true"), "enabled_default"):
        raise ConfigError(f"{path}: enabled_default = False (genes that start disabled) is not supported")
    options = {}
    if "activation_default" in genome:
        codec["activation"] = genome["activation_default"].strip()
        codec["activation_options"] = genome.get("activation_options", codec["activation"]).split()
        options["activation_mutate_rate"] = number(genome, "activation_mutate_rate", float, 0.0)
    for prefix, name in _VALUES.items():
        if f"{prefix}_init_type" in genome and genome[f"{prefix}_init_type"].strip() not in ("gaussian", "normal"):
            raise ConfigError(f"{path}: {prefix}_init_type must be gaussian, got {genome[f'{prefix}_init_type']!r}")
        for part in _PARTS:
            if f"{prefix}_{part}" in genome:
                options[f"{name}_{part}"] = number(genome, f"{prefix}_{part}")
        if f"{prefix}_min_value" in genome or f"{prefix}_max_value" in genome:
            codec[f"{name}_range"] = (number(genome, f"{prefix}_min_value"), number(genome, f"{prefix}_max_value"))
    if any(key.startswith("time_constant_") for key in genome):
        codec["model"] = "ctrnn"
        codec.pop("activation", None)
        codec.pop("activation_options", None)
        options.pop("activation_mutate_rate", None)
    for key in ("conn_add_prob", "conn_delete_prob", "node_add_prob", "node_delete_prob", "enabled_mutate_rate"):
        if key in genome:
            options[key] = number(genome, key)
    single = _bool(genome.get("single_structural_mutation", "false"), "single_structural_mutation")
    options["single_structural_mutation"] = single
    surer = genome.get("structural_mutation_surer", "default").strip().lower()
    options["structural_mutation_surer"] = single if surer == "default" else _bool(surer, "structural_mutation_surer")
    disjoint = number(genome, "compatibility_disjoint_coefficient")
    options.update(compatibility_formula="neat-python", compatibility_disjoint_coefficient=disjoint,
                   compatibility_excess_coefficient=disjoint,
                   compatibility_weight_coefficient=number(genome, "compatibility_weight_coefficient"),
                   compatibility_threshold=number(parser["DefaultSpeciesSet"], "compatibility_threshold"))
    stagnation, reproduction = parser["DefaultStagnation"], parser["DefaultReproduction"]
    function = stagnation.get("species_fitness_func", "mean").strip()
    if function not in ("max", "mean"):
        raise ConfigError(f"{path}: species_fitness_func must be max or mean, got {function!r}")
    options.update(species_fitness_func=function, max_stagnation=number(stagnation, "max_stagnation", int, 15),
                   species_elitism=number(stagnation, "species_elitism", int, 0),
                   elitism=number(reproduction, "elitism", int, 0), elitism_min_size=0,
                   survival_threshold=number(reproduction, "survival_threshold", float, 0.2),
                   min_species_size=number(reproduction, "min_species_size", int, 1),
                   population_stagnation=0, crossover_rate=1.0, interspecies_rate=0.0)
    no_termination = _bool(neat.get("no_fitness_termination", "false"), "no_fitness_termination")
    criterion = neat.get("fitness_criterion", "max").strip()
    target = None
    if not no_termination:
        if criterion != "max":
            raise ConfigError(f"{path}: evornn stops when the best reaches the threshold (fitness_criterion = max); "
                              f"got {criterion!r}")
        target = number(neat, "fitness_threshold")
    return {"codec": codec, "options": options, "n_pop": number(neat, "pop_size", int), "target_fitness": target}
