"""Run functions for sweeps: ``function(params: dict, seed: int) -> dict of metrics``.

Name them in a sweep spec as ``"evornn.sweep.runs:<name>"``; any importable function with
the same signature works too.
"""

from __future__ import annotations

import numpy as np

from ..errors import ConfigError


def _accepts(*names: str, prefixes: tuple[str, ...] = ()):
    """Attach ``validate(params)`` to a run function: parameters it does not know are a
    ConfigError that the sweep raises before any work starts."""
    known = set(names)

    def attach(function):
        def validate(params: dict) -> None:
            unknown = sorted(k for k in params if k not in known and not k.startswith(prefixes))
            if unknown:
                allowed = sorted(known) + [f"{p}<i>" for p in prefixes]
                raise ConfigError(f"unknown parameter(s) {unknown} for {function.__name__}; allowed: {allowed}")

        function.validate = validate
        return function

    return attach


@_accepts("n_neurons", "t_max", "dt", "weight_scale", "method")
def ctrnn_simulation(params: dict, seed: int) -> dict:
    """Simulate one random CTRNN (Beer's ranges, drawn from `seed`) and summarise it.

    Parameters (all optional): ``n_neurons`` (3), ``t_max`` (10), ``dt`` (0.05),
    ``weight_scale`` (16: weights in [-scale, scale]), ``method`` ("euler").
    Metrics: ``mean_output``, ``final_output`` (of neuron 0), ``diverged``.
    """
    import evornn

    scale = float(params.get("weight_scale", 16.0))
    net = evornn.CTRNN.random(1, int(params.get("n_neurons", 3)), rng=seed, weight_range=(-scale, scale),
                              tau_range=(0.5, 10.0))
    traj = evornn.simulate(net, dt=float(params.get("dt", 0.05)), t_max=float(params.get("t_max", 10.0)),
                           method=params.get("method", "euler"), record_every=10)
    out = traj.outputs[:, 0, 0]
    return {"mean_output": float(out.mean()), "final_output": float(out[-1]), "diverged": bool(traj.diverged[0])}


@_accepts("weights", "tau", "gain", "bias", "dt", "t_transient", "t_measure", prefixes=("bias_", "tau_", "gain_"))
def regime_point(params: dict, seed: int) -> dict:
    """The regime of one CTRNN: oscillation (period, amplitude of output 0) and equilibria.

    Parameters: ``weights``, and optionally ``tau``, ``gain``, ``bias``; entries
    ``bias_<i>`` (``tau_<i>``, ``gain_<i>``) override neuron ``i``'s value; ``dt`` (0.05),
    ``t_transient`` and ``t_measure`` (100). Metrics: ``oscillating``, ``period``,
    ``amplitude``, ``n_equilibria``, ``n_stable``.
    """
    import evornn
    from evornn.analysis import regime_map

    weights = np.asarray(params["weights"], dtype=np.float64)
    n = weights.shape[0]
    fields = {}
    for name in ("tau", "gain", "bias"):
        default = 0.0 if name == "bias" else 1.0
        values = np.broadcast_to(np.asarray(params.get(name, default), dtype=np.float64), (n,)).copy()
        for i in range(n):
            if f"{name}_{i}" in params:
                values[i] = float(params[f"{name}_{i}"])
        fields[name] = values
    net = evornn.CTRNN(weights, **fields)
    r = regime_map(net, dt=float(params.get("dt", 0.05)), t_transient=float(params.get("t_transient", 100.0)),
                   t_measure=float(params.get("t_measure", 100.0)), rng=seed)
    return {"oscillating": bool(r.oscillating[0]), "period": float(r.period[0]), "amplitude": float(r.amplitude[0]),
            "n_equilibria": int(r.n_equilibria[0]), "n_stable": int(r.n_stable[0])}


def evolve_run(params: dict, seed: int) -> dict:
    """One evolution run of an experiment file, with settings overridden.

    Parameters: ``experiment`` (path of the TOML file), and dotted keys that override its
    settings (``"evolve.method"``, ``"evolve.n_pop"``, ``"task.period"`` ...). The run's seed
    replaces the file's; a different method drops the file's ``[evolve.options]``.
    Metrics: ``best_fitness``, ``n_evaluations``, ``n_generations``, ``stop_reason``,
    ``solved`` (the run reached a target stopping criterion), and the best genome's task
    metrics as ``best_<name>``.
    """
    import evornn

    config = _evolve_config(params, seed)
    problem = evornn.config.build_problem(config)
    ev = config["evolve"]
    result = evornn.evolve(problem, ev["method"], n_pop=ev["n_pop"], n_generations=ev["n_generations"], rng=int(seed),
                           hall_of_fame=1, progress=False, **config["stop"], **ev["options"])
    metrics = {"best_fitness": float(np.max(result.best_fitness)), "n_evaluations": result.n_evaluations,
               "n_generations": result.n_generations, "stop_reason": result.stop_reason,
               "solved": result.stop_reason.startswith("target")}
    metrics.update({f"best_{k}": v for k, v in result.best_metrics.items()})
    return metrics


def _evolve_config(params: dict, seed: int) -> dict:
    """The resolved configuration of an `evolve_run` (ConfigError for unknown keys)."""
    import json

    from .. import config as configuration

    if "experiment" not in params:
        raise ConfigError("evolve_run needs the parameter 'experiment' (the path of a TOML experiment file)")
    raw = configuration.read_toml(params["experiment"])
    own_method = raw.get("evolve", {}).get("method")
    if params.get("evolve.method", own_method) != own_method:
        raw["evolve"].pop("options", None)  # the file's options belong to its own method
    overrides = [f"{k}={json.dumps(v)}" for k, v in params.items() if k != "experiment"]
    raw = configuration.apply_overrides(raw, overrides)
    raw.setdefault("experiment", {})["seed"] = int(seed)
    return configuration.resolve(raw)


def _validate_evolve_run(params: dict) -> None:
    _evolve_config(params, 0)


evolve_run.validate = _validate_evolve_run


_ESN_KEYS = ("n_units", "spectral_radius", "leak", "input_scaling", "bias_scaling", "ridge", "connectivity",
             "in_degree", "distribution", "activation")


def _esn(params: dict, seed: int, n_inputs: int = 1):
    import evornn

    kwargs = {k: params[k] for k in _ESN_KEYS if k in params and k != "n_units"}
    return evornn.ESN.random(int(params.get("n_units", 100)), n_inputs, rng=seed, **kwargs)


@_accepts(*_ESN_KEYS, "dataset", "n_train", "n_validation", "washout", "free_run")
def esn_point(params: dict, seed: int) -> dict:
    """One random ESN (its structure drawn from `seed`) trained and scored on a data set.

    Parameters: the hyperparameters of ``ESN.random`` (``n_units`` 100, ``spectral_radius``,
    ``leak``, ``input_scaling``, ``bias_scaling``, ``ridge``, ``connectivity``,
    ``in_degree``, ``distribution``, ``activation``) and the task's ``dataset``
    ("mackey_glass"), ``n_train`` (2000), ``n_validation`` (500), ``washout`` (100),
    ``free_run`` (0). Metrics: ``nrmse`` and, with ``free_run``, ``nrmse_free``.
    """
    from evornn.tasks import TimeSeriesTask

    task = TimeSeriesTask.from_dataset(params.get("dataset", "mackey_glass"), n_train=int(params.get("n_train", 2000)),
                                       n_validation=int(params.get("n_validation", 500)),
                                       washout=int(params.get("washout", 100)), free_run=int(params.get("free_run", 0)),
                                       seed=seed)
    result = task.evaluate(_esn(params, seed, task.inputs.shape[1]))
    return {name: float(values[0]) for name, values in result.metrics.items() if name != "ridge"}


@_accepts(*_ESN_KEYS, "max_delay", "n_train", "n_test")
def esn_memory_capacity(params: dict, seed: int) -> dict:
    """Jaeger's memory capacity of one random one-input ESN (structure and input from `seed`).

    Parameters: those of ``ESN.random`` as in :func:`esn_point`, and ``max_delay`` (2 N),
    ``n_train`` (5000), ``n_test`` (2000). Metrics: ``memory_capacity`` and
    ``memory_capacity_per_unit``.
    """
    from evornn.analysis import memory_capacity

    esn = _esn(params, seed)
    mc = memory_capacity(esn, max_delay=params.get("max_delay"), n_train=int(params.get("n_train", 5000)),
                         n_test=int(params.get("n_test", 2000)), rng=seed)
    return {"memory_capacity": float(mc.total[0]), "memory_capacity_per_unit": float(mc.total[0] / esn.n_units)}


@_accepts("n_units", "load", "rule", "noise", "n_probes", "update", "max_sweeps")
def hopfield_recall(params: dict, seed: int) -> dict:
    """Store ``round(load * n_units)`` random patterns (drawn from `seed`) by `rule` and
    recall them from noisy probes.

    Parameters: ``n_units`` (200), ``load`` (0.1), ``rule`` ("hebbian", "storkey" or
    "pseudo_inverse"), ``noise`` (0.1), ``n_probes`` (200), ``update`` ("async"),
    ``max_sweeps`` (50). Metrics: ``recall`` (fraction exact), ``overlap`` (mean final),
    ``fixed`` (fraction of patterns that are fixed points), ``sweeps`` (mean).
    """
    from evornn.models.hopfield import Hopfield

    rng = np.random.default_rng(seed)
    n = int(params.get("n_units", 200))
    p = max(1, round(float(params.get("load", 0.1)) * n))
    patterns = np.where(rng.random((p, n)) < 0.5, -1.0, 1.0)
    net = Hopfield.from_patterns(patterns, params.get("rule", "hebbian"))
    result = net.recall(patterns, noise=float(params.get("noise", 0.1)), n_probes=int(params.get("n_probes", 200)),
                        update=params.get("update", "async"), max_sweeps=int(params.get("max_sweeps", 50)), rng=rng)
    return {"recall": result.rate, "overlap": float(result.overlap.mean()), "fixed": float(net.stored(patterns).mean()),
            "sweeps": float(result.steps.mean())}
