"""The ``[sweep]`` table of experiment files.

::

    [sweep]
    run = "evornn.sweep.runs:regime_point"   # module:function(params, seed) -> metrics
    design = "grid"                          # grid, random, sobol, lhs
    n_points = 64                            # random, sobol, lhs
    replicates = 1
    seed = 0
    [sweep.parameters]                       # swept: a list of values or a range
    bias_0 = {low = -10.0, high = 8.0, n = 160}
    method = ["ga", "pso"]
    [sweep.fixed]                            # constants for every run
    weights = [[6.0, -5.0], [5.0, 6.0]]
    [sweep.plot]                             # optional: what `evornn sweep` draws
    metrics = ["n_stable", "period"]         # heat maps over x and y, or lines over x,
    x = "bias_0"                             # or box plots per value of x with kind = "box"
    y = "bias_1"
"""

from __future__ import annotations

from pathlib import Path

from ..config import check_keys, check_name, read_toml, safe_name
from ..errors import ConfigError
from .design import SweepSpec, check_trusted

SWEEP_KEYS = {"run", "design", "n_points", "replicates", "seed", "parameters", "fixed", "plot"}
PLOT_KEYS = {"metrics", "x", "y", "kind"}


def load_sweep(path, *, allow_import: bool = False) -> tuple[str, SweepSpec, dict]:
    """``(name, spec, plot)`` from an experiment file's ``[sweep]`` table.

    A sweep file names a function to import and run: only evornn's own run functions are
    accepted unless `allow_import` (``evornn sweep --allow-import``) says the file is trusted.
    """
    path = Path(path)
    raw = read_toml(path)
    if "sweep" not in raw:
        raise ConfigError(f"{path} has no [sweep] table")
    table = dict(check_keys("sweep", raw["sweep"], SWEEP_KEYS))
    plot = dict(check_keys("sweep.plot", table.pop("plot", {}), PLOT_KEYS))
    if "run" not in table:
        raise ConfigError("[sweep] needs run = 'module:function'")
    if not allow_import:
        check_trusted(table["run"])
    spec = SweepSpec(**{k: v for k, v in table.items()})
    if plot:
        for key in ("x", "y"):
            if key in plot and plot[key] not in spec.parameters:
                raise ConfigError(f"[sweep.plot] {key} must be a swept parameter {sorted(spec.parameters)}, got {plot[key]!r}")
        if plot.get("kind", "auto") not in ("auto", "box"):
            raise ConfigError(f"[sweep.plot] kind must be 'auto' or 'box', got {plot.get('kind')!r}")
    experiment = raw.get("experiment", {})
    name = check_name("experiment", experiment["name"]) if isinstance(experiment, dict) and "name" in experiment \
        else safe_name(path.stem)
    return name, spec, plot
