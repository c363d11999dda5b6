"""Sweep specifications: which runs a sweep holds, each with a stable key and its own seed.

A spec names a run function (``"module:function"``, importable on every worker), the
swept parameters (a list of values, or a range ``{low, high}`` with ``n`` grid points or
sampled by the design), constants shared by every run, a design, replicates and a root
seed. :meth:`SweepSpec.runs` always produces the same runs in the same order with the same
keys and seeds, so a sweep can be resumed (or extended with more replicates) at any time.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
import math
import numbers
from dataclasses import dataclass, field

import numpy as np
from scipy.stats import qmc

from ..errors import ConfigError

DESIGNS = ("grid", "random", "sobol", "lhs")


@dataclass(frozen=True)
class Run:
    """One run of a sweep: ``function(params, seed) -> dict of metrics``."""

    index: int
    key: str
    params: dict
    replicate: int
    seed: int


#: The most runs one sweep may have (each run is a row in the store and a task on Dask).
MAX_RUNS = 1_000_000
#: Modules whose run functions a sweep file may name without ``allow_import``.
TRUSTED = ("evornn",)


def check_trusted(path: str) -> None:
    """Refuse a run function from outside evornn: a sweep file names code to import and run,
    so one received from someone else could run anything (``subprocess:call``)."""
    module = str(path).partition(":")[0]
    if not any(module == m or module.startswith(m + ".") for m in TRUSTED):
        raise ConfigError(f"[sweep] run = {path!r} is not one of evornn's run functions (evornn.sweep.runs: "
                          f"evolve_run, ctrnn_simulation, regime_point, esn_memory_capacity ...); a sweep file names "
                          f"code to run, so your own function needs --allow-import (trust the file first)")


@dataclass(frozen=True)
class SweepSpec:
    """What a sweep runs.

    Parameters
    ----------
    run : str
        ``"module:function"``; the function takes ``(params: dict, seed: int)`` and returns
        a flat dict of numbers (its metrics).
    parameters : dict
        Swept parameters: ``name -> [v1, v2, ...]`` (values) or ``name -> {"low": a,
        "high": b, "n": k, "log": false}`` (a range: ``n`` points on a grid, or sampled by
        the random, Sobol and Latin-hypercube designs, uniformly or log-uniformly).
    fixed : dict
        Constants added to every run's parameters.
    design : {"grid", "random", "sobol", "lhs"}
        ``grid`` takes the product of all values and grid points; the others draw
        `n_points` points over the ranges (parameters given as values are then crossed
        with those points).
    n_points : int
        Points drawn by the random, Sobol and LHS designs.
    replicates : int
        Runs per point, each with its own seed.
    seed : int
        Root seed: each run's seed derives from it (through ``SeedSequence``) and the
        run's key, so it does not depend on the order or number of runs.
    """

    run: str
    parameters: dict
    fixed: dict = field(default_factory=dict)
    design: str = "grid"
    n_points: int = 16
    replicates: int = 1
    seed: int = 0

    def __post_init__(self):
        if not isinstance(self.run, str) or ":" not in self.run:
            raise ConfigError(f"[sweep] run must be 'module:function', got {self.run!r}")
        if self.design not in DESIGNS:
            raise ConfigError(f"[sweep] design must be one of {list(DESIGNS)}, got {self.design!r}")
        for name, value in (("n_points", self.n_points), ("replicates", self.replicates)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"[sweep] {name} must be an integer >= 1, got {value!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ConfigError(f"[sweep] seed must be an integer >= 0, got {self.seed!r}")
        if not isinstance(self.parameters, dict) or not self.parameters:
            raise ConfigError("[sweep.parameters] must name at least one swept parameter")
        overlap = sorted(set(self.parameters) & set(self.fixed))
        if overlap:
            raise ConfigError(f"{overlap} are both swept and fixed")
        for name, value in self.parameters.items():
            _check_parameter(name, value, self.design)
        sizes = [len(v) if not isinstance(v, dict) else (v["n"] if self.design == "grid" else 1)
                 for v in self.parameters.values()]
        n_points = math.prod(sizes) * (1 if self.design == "grid" or not any(
            isinstance(v, dict) for v in self.parameters.values()) else self.n_points)
        if n_points * self.replicates > MAX_RUNS:
            raise ConfigError(f"the sweep has {n_points * self.replicates:,} runs ({n_points:,} points x "
                              f"{self.replicates} replicate(s)); a sweep may have at most {MAX_RUNS:,}: split it, or "
                              f"sample its ranges with design = 'sobol' or 'lhs'")

    def to_dict(self) -> dict:
        return {"run": self.run, "parameters": self.parameters, "fixed": self.fixed, "design": self.design,
                "n_points": self.n_points, "replicates": self.replicates, "seed": self.seed}

    def digest(self) -> str:
        """A hash of the spec (everything that decides the runs and their seeds)."""
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()

    def points(self) -> list[dict]:
        """The parameter points, in a fixed order."""
        ranges = {k: v for k, v in self.parameters.items() if isinstance(v, dict)}
        listed = {k: list(v) for k, v in self.parameters.items() if not isinstance(v, dict)}
        if self.design == "grid":
            axes = {**{k: _grid(v) for k, v in ranges.items()}, **listed}
            names = list(self.parameters)
            grids = np.meshgrid(*[np.arange(len(axes[k])) for k in names], indexing="ij")
            combos = np.stack([g.ravel() for g in grids], axis=1) if names else np.empty((1, 0), int)
            return [{k: _plain(axes[k][i]) for k, i in zip(names, row, strict=True)} for row in combos]
        sampled = self._sample(ranges) if ranges else [{}]
        names = list(listed)
        grids = np.meshgrid(*[np.arange(len(listed[k])) for k in names], indexing="ij") if names else []
        combos = np.stack([g.ravel() for g in grids], axis=1) if names else np.empty((1, 0), int)
        points = []
        for sample in sampled:
            for row in combos:
                point = dict(sample) | {k: _plain(listed[k][i]) for k, i in zip(names, row, strict=True)}
                points.append({k: point[k] for k in self.parameters})
        return points

    def _sample(self, ranges: dict) -> list[dict]:
        d = len(ranges)
        rng = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(0x5EED,)))
        if self.design == "random":
            unit = rng.random((self.n_points, d))
        elif self.design == "sobol":
            unit = qmc.Sobol(d=d, scramble=True, rng=rng).random(self.n_points)
        else:
            unit = qmc.LatinHypercube(d=d, rng=rng).random(self.n_points)
        out = []
        for row in unit:
            point = {}
            for (name, spec), u in zip(ranges.items(), row, strict=True):
                low, high = float(spec["low"]), float(spec["high"])
                point[name] = (math.exp(math.log(low) + u * (math.log(high) - math.log(low))) if spec.get("log")
                               else low + u * (high - low))
            out.append(point)
        return out

    def n_runs(self) -> int:
        """The number of runs, without building them."""
        return len(self.points()) * self.replicates

    def runs(self) -> list[Run]:
        """Every run: each point times each replicate, with its key and seed (computed once)."""
        return list(self._runs)

    @functools.cached_property
    def _runs(self) -> tuple[Run, ...]:
        # Each run's seed: 63 bits of SHA-256 over 256 bits that SeedSequence derives from the
        # root seed, and the run's key. It depends on nothing else (not on the order of runs),
        # and costs a microsecond per run instead of a SeedSequence per run.
        salt = np.random.SeedSequence(self.seed).generate_state(8, np.uint32).tobytes()
        out = []
        for point in self.points():
            params = {**self.fixed, **point}
            for replicate in range(self.replicates):
                key = run_key(point, replicate)
                seed = int.from_bytes(hashlib.sha256(salt + key.encode()).digest()[:8], "little") >> 1
                out.append(Run(index=len(out), key=key, params=params, replicate=replicate, seed=seed))
        return tuple(out)


def run_key(point: dict, replicate: int) -> str:
    """A stable key for a run: a hash of its swept parameters and replicate number."""
    text = json.dumps({"params": point, "replicate": replicate}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def load_function(path: str):
    module_name, _, name = path.partition(":")
    try:
        module = importlib.import_module(module_name)
        function = getattr(module, name)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"[sweep] run function {path!r} cannot be imported: {exc}") from exc
    if not callable(function):
        raise ConfigError(f"[sweep] run {path!r} is not a function")
    return function


def _check_parameter(name: str, value, design: str) -> None:
    if isinstance(value, dict):
        unknown = sorted(set(value) - {"low", "high", "n", "log"})
        if unknown:
            raise ConfigError(f"[sweep.parameters] {name}: unknown key(s) {unknown}; allowed: high, log, low, n")
        low, high = value.get("low"), value.get("high")
        if not (isinstance(low, numbers.Real) and isinstance(high, numbers.Real) and math.isfinite(low)
                and math.isfinite(high) and low < high):
            raise ConfigError(f"[sweep.parameters] {name}: a range needs finite low < high, got {value!r}")
        if value.get("log") and low <= 0:
            raise ConfigError(f"[sweep.parameters] {name}: a log range needs low > 0, got {low}")
        n = value.get("n")
        if design == "grid" and (isinstance(n, bool) or not isinstance(n, int) or n < 1):
            raise ConfigError(f"[sweep.parameters] {name}: a grid range needs n >= 1 points, got {n!r}")
    elif isinstance(value, list | tuple):
        if len(value) == 0:
            raise ConfigError(f"[sweep.parameters] {name}: the list of values is empty")
    else:
        raise ConfigError(f"[sweep.parameters] {name} must be a list of values or a range table, got {value!r}")


def _grid(spec: dict) -> list:
    low, high, n = float(spec["low"]), float(spec["high"]), int(spec["n"])
    values = np.geomspace(low, high, n) if spec.get("log") else np.linspace(low, high, n)
    return values.tolist()


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value
