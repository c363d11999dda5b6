"""Run an experiment file into a run directory, and read run directories back.

A run directory holds::

    config.toml        the resolved configuration (every default filled in, the seed included)
    manifest.json      versions, git commit, seed, host, start/end times, status, stop reason
    checkpoint.npz     the latest checkpoint (resume with `evornn run ... --resume`)
    checkpoint.history.jsonl  the history, one line per generation, appended at each checkpoint
    history.csv        one row per generation
    best.npz, best.json  the best genome, its fitness and metrics, and its decoded parameters
    fitness.png        fitness over generations
    behaviour.png      what the best network does (outputs against the target, a gait, a cart)
    behaviour.gif      an animation of it, for bodies that have one (cart-pole, walker)

Every file is written atomically, but for the history log, which is appended (each
checkpoint records how much of it belongs to it, and a resumed run cuts the rest); nothing
is pickled.
"""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from . import config as configuration
from ._checks import positive_int
from ._io import atomic_write_bytes, atomic_write_text, read_json
from .environment import environment, git_commit
from .errors import CheckpointError, ConfigError
from .kinds import Kind, kind_of, register_kind
from .optim import evolve

CHECKPOINT = "checkpoint.npz"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _write_json(path: Path, data) -> None:
    atomic_write_text(path, json.dumps(data, indent=2, allow_nan=True) + "\n")


def new_run_dir(name: str, out: Path | None) -> Path:
    """`out`, or ``runs/<name>`` (then ``runs/<name>-2`` ... so that no earlier run is overwritten)."""
    if out is not None:
        return out
    base = Path("runs") / name
    candidate, k = base, 2
    while candidate.exists():
        candidate, k = base.with_name(f"{name}-{k}"), k + 1
    return candidate


def _differences(a, b, prefix: str = "") -> list[str]:
    """The keys (``section.key``) where two resolved configurations differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for k in sorted(set(a) | set(b), key=str) for d in _differences(a.get(k), b.get(k), f"{prefix}{k}.")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b) and all(isinstance(x, dict) for x in a + b):
        return [d for k, (x, y) in enumerate(zip(a, b, strict=True)) for d in _differences(x, y, f"{prefix}{k}.")]
    return [] if a == b else [prefix.rstrip(".")]


def read_manifest(run_dir: Path, *, missing_ok: bool = False) -> dict:
    """The run's ``manifest.json`` (``{}`` if it is missing and `missing_ok`); errors name the file."""
    path = Path(run_dir) / "manifest.json"
    if missing_ok and not path.exists():
        return {}
    manifest = read_json(path, missing=f"{run_dir} is not an evornn run directory (no manifest.json)")
    if not isinstance(manifest, dict):
        raise CheckpointError(f"{path} is corrupt: it holds a {type(manifest).__name__}, not an object")
    return manifest


def _check_same_experiment(experiment_path, config: dict, out: Path) -> None:
    """Refuse to resume the run in `out` with an experiment file that describes another run
    (the ``--set`` overrides and the seed the run was started with are applied first)."""
    manifest = read_manifest(out, missing_ok=True)
    if not isinstance(manifest.get("overrides", []), list):
        raise CheckpointError(f"{out / 'manifest.json'} is corrupt: overrides must be a list")
    raw = configuration.apply_overrides(configuration.read_toml(experiment_path), manifest.get("overrides", []),
                                        quiet=True)
    raw.setdefault("experiment", {})["seed"] = config["experiment"]["seed"]
    raw["experiment"].setdefault("name", config["experiment"]["name"])
    mine = configuration.resolve(raw, default_name=Path(experiment_path).stem)
    changed = [k for k in _differences(mine, config) if k != "evolve.n_generations"]
    if changed:
        raise ConfigError(f"{out} holds a run of another experiment than {experiment_path} (they differ in "
                          f"{', '.join(changed[:6])}{' ...' if len(changed) > 6 else ''}); resume it with the experiment "
                          f"file it was started from, or its own copy: evornn run {out / 'config.toml'} --out {out} --resume")


def run(experiment_path, *, out: Path | None = None, resume: bool = False, seed: int | None = None,
        overrides: list[str] | None = None, progress: bool | None = None, more: int | None = None,
        callback=None) -> Path:
    """Run (or resume, or extend) the experiment in `experiment_path`; returns the run directory.

    Parameters
    ----------
    experiment_path : path
        The experiment file (TOML). When resuming it must describe the run in `out` (its
        own ``config.toml`` always does).
    out : path, optional
        The run directory (default ``runs/<name>``, then ``runs/<name>-2`` ...).
    resume : bool
        Continue the run in `out` from its checkpoint.
    seed : int, optional
        The root seed (overrides ``[experiment] seed``).
    overrides : list of str
        ``"section.key=value"`` settings, as ``--set`` on the command line. Switching
        ``evolve.method`` drops the ``[evolve.options]`` that the new method does not take,
        with a notice.
    more : int, optional
        Run `more` generations beyond the run's budget (implies `resume`); see
        :func:`evornn.resume`.
    callback : callable, optional
        Passed to :func:`evornn.evolve`: called with each generation's history row.

    Raises
    ------
    RunInterrupted
        On Ctrl-C (a ``KeyboardInterrupt``): the manifest says ``interrupted``, and the
        exception names the generation and the command that resumes the run.
    """
    out = None if out is None else Path(out)
    if more is not None:
        resume = True
        more = positive_int("more", more)
    if resume:
        if out is None:
            raise ConfigError("--resume needs --out, the run directory to continue")
        if not (out / "config.toml").exists():
            raise ConfigError(f"{out} holds no run (no config.toml) to resume")
        config = configuration.load(out / "config.toml")
        if overrides or seed is not None:
            raise ConfigError("--resume continues a run with its own settings: --set and --seed are not allowed")
        _check_same_experiment(experiment_path, config, out)
        _check_not_running(out)
        remove_stale_temporaries(out)
        if more is not None and kind_of(config).evolution and not (out / CHECKPOINT).exists():
            raise CheckpointError(f"{out / CHECKPOINT} does not exist: the run ended before its first checkpoint; "
                                  f"resume it with --resume (it starts again) before extending it with --more")
        if more is not None:
            if not kind_of(config).evolution:
                raise ConfigError("--more extends an evolution run; this run is not one")
            config["evolve"]["n_generations"] = _checkpoint_budget(out / CHECKPOINT) + more
            atomic_write_text(out / "config.toml", configuration.to_toml(config))
    else:
        raw = configuration.read_toml(experiment_path)
        if "sweep" in raw and "regime_map" not in raw:
            raise ConfigError(f"{experiment_path} is a sweep (it has a [sweep] table): run it with "
                              f"evornn sweep {experiment_path}")
        raw = configuration.apply_overrides(raw, overrides or [])
        if seed is not None:
            raw.setdefault("experiment", {})["seed"] = seed
        config = configuration.resolve(raw, default_name=Path(experiment_path).stem)
        config["experiment"].setdefault("seed", int(np.random.SeedSequence().generate_state(1, dtype=np.uint64)[0] >> 1))
        out = new_run_dir(config["experiment"]["name"], out)
        if out.exists() and not out.is_dir():
            raise ConfigError(f"--out {out} is a file, not a directory")
        if (out / "config.toml").exists():
            raise ConfigError(f"{out} already holds a run; continue it with --resume or choose another --out")
        out.mkdir(parents=True, exist_ok=True)
        atomic_write_text(out / "config.toml", configuration.to_toml(config))

    manifest_path = out / "manifest.json"
    manifest = read_manifest(out) if resume and manifest_path.exists() else {
        "experiment": config["experiment"]["name"], "seed": config["experiment"]["seed"], **environment(),
        "git_commit": git_commit(), "host": socket.gethostname(), "argv": sys.argv, "overrides": list(overrides or []),
        "started": _now(),
    }
    manifest.update(status="running", resumed=_now() if resume else None, pid=os.getpid(), host=socket.gethostname())
    for key in ("interrupted_at", "error"):
        manifest.pop(key, None)
    _write_json(manifest_path, manifest)
    kind = kind_of(config)
    done = {"generation": None}

    def track(record: dict):
        done["generation"] = record["gen"]
        return callback(record) if callback is not None else None

    try:
        if not kind.evolution:  # seconds of compute: a resumed run computes again
            manifest.update(kind.run(config, out))
        else:
            problem = configuration.build_problem(config)
            ev = config["evolve"]
            result = evolve(
                problem, ev["method"], n_pop=ev["n_pop"], n_generations=ev["n_generations"],
                rng=config["experiment"]["seed"], checkpoint_path=out / CHECKPOINT,
                checkpoint_every=ev["checkpoint_every"], resume=resume,
                extend=resume and _checkpoint_budget(out / CHECKPOINT) != ev["n_generations"],
                hall_of_fame=ev["hall_of_fame"], n_threads=ev.get("n_threads"), progress=progress, callback=track,
                local_search=ev.get("local_search"), **config["stop"], **ev["options"],
            )
            _write_results(out, problem, result)
            manifest.update(stop_reason=result.stop_reason, n_generations=result.n_generations,
                            n_evaluations=result.n_evaluations, best_fitness=np.asarray(result.best_fitness).tolist())
    except KeyboardInterrupt as exc:
        manifest.update(status="interrupted", interrupted=_now(), interrupted_at=done["generation"])
        _write_json(manifest_path, manifest)
        raise RunInterrupted(out, Path(experiment_path), done["generation"]) from exc
    except BaseException as exc:
        manifest.update(status="failed", failed=_now(), error=f"{type(exc).__name__}: {exc}")
        _write_json(manifest_path, manifest)
        raise
    manifest.update(status="finished", finished=_now())
    _write_json(manifest_path, manifest)
    return out


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped a run; its manifest says ``interrupted``. ``str()`` is the one line
    ``evornn run`` prints: where it stopped and how to resume."""

    def __init__(self, run_dir: Path, experiment: Path, generation: int | None):
        self.run_dir, self.experiment, self.generation = run_dir, experiment, generation
        where = "before the first generation" if generation is None else f"at generation {generation}"
        super().__init__(f"interrupted {where}; resume with: evornn run {experiment} --out {run_dir} --resume")


def _checkpoint_budget(path: Path) -> int | None:
    """The generation budget of the run whose checkpoint is `path` (None if there is none);
    its progress record is checked too, before anything is written."""
    from .optim import checkpoint
    from .optim.evolve import check_progress

    if not path.exists():
        return None
    header, _ = checkpoint.load(path)
    try:
        budget = int(header["settings"]["n_generations"])
        check_progress(header["progress"], {"n_generations": budget})
        return budget
    except (KeyError, TypeError, ValueError) as exc:
        raise CheckpointError(f"{path} is not a complete evornn checkpoint: {exc}") from exc


def _run_comparison(config: dict, out: Path) -> dict:
    """Evolve each ``[[model]]`` on the task from `n_seeds` seeds with the same budget; write
    comparison.json (after every run, so a resumed comparison skips finished runs),
    comparison.csv and comparison.png; returns a summary per model."""
    from .plotting import plot_comparison, save_png

    spec, ev, seed = config["comparison"], config["evolve"], config["experiment"]["seed"]
    done_path = out / "comparison.json"
    runs = json.loads(done_path.read_text())["runs"] if done_path.exists() else []
    finished = {(r["label"], r["seed"]) for r in runs}
    for label, model in zip(spec["labels"], config["model"], strict=True):
        problem = configuration.build_problem({**config, "model": model})
        for k in range(spec["n_seeds"]):
            if (label, seed + k) in finished:
                continue
            result = evolve(problem, ev["method"], n_pop=ev["n_pop"], n_generations=ev["n_generations"], rng=seed + k,
                            hall_of_fame=ev["hall_of_fame"], n_threads=ev.get("n_threads"), progress=False,
                            local_search=ev.get("local_search"), **config["stop"], **ev["options"])
            records = list(result.history)
            report = problem.task.report(result.best_model) if hasattr(problem.task, "report") else {}
            runs.append({"label": label, "seed": seed + k, "n_genes": problem.n_genes,
                         "evaluations": np.cumsum([r["evals"] for r in records]).tolist(),
                         "best": [float(r["best"]) for r in records], "stop_reason": result.stop_reason,
                         "best_fitness": float(np.max(result.best_fitness)), "metrics": result.best_metrics,
                         "report": report})
            _write_json(done_path, {"runs": runs})
    columns = ["label", "seed", "n_genes", "evaluations", "best_fitness", "stop_reason"]
    metric_names = sorted({name for r in runs for name in [*r["metrics"], *r["report"]]})
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(columns + metric_names)
    for r in runs:
        values = {**r["metrics"], **r["report"]}
        writer.writerow([r["label"], r["seed"], r["n_genes"], r["evaluations"][-1], f"{r['best_fitness']:.6g}",
                         r["stop_reason"]] + [f"{values[m]:.6g}" if m in values else "" for m in metric_names])
    atomic_write_text(out / "comparison.csv", text.getvalue())
    metric = next((m for m in ("test_solved", "solved", "test_learned", "learned") if m in metric_names), None)
    settings = ", ".join([f"{k} {v}" for k, v in config["task"].items()  # its first few settings
                          if k != "type" and isinstance(v, int | float) and not isinstance(v, bool)][:3])
    save_png(plot_comparison(runs, metric=metric, title=f"{config['experiment']['name']}: {config['task']['type']} "
                             f"task ({settings}), {config['stop']['max_evaluations']} evaluations each"),
             out / "comparison.png")
    summary = {}
    for label in spec["labels"]:
        mine = [r for r in runs if r["label"] == label]
        summary[label] = {"median_best_fitness": float(np.median([r["best_fitness"] for r in mine]))}
        if metric is not None:
            summary[label][f"median_{metric}"] = float(np.median([{**r["metrics"], **r["report"]}.get(metric, np.nan)
                                                                  for r in mine]))
    return {"comparison": summary}


def _run_relaxation(config: dict, out: Path) -> dict:
    """Relax a memristive circuit from random states; write relaxation.npz and relaxation.png."""
    from .plotting import plot_relaxation, save_png

    spec = config["relaxation"]
    net = configuration.relaxation_circuit(spec)
    t, w, lyapunov = net.relax(spec["n_starts"], t_max=spec["t_max"], dt=spec["dt"], rng=config["experiment"]["seed"])
    buffer = io.BytesIO()
    np.savez(buffer, t=t, w=w, lyapunov=lyapunov, edges=net.circuit.edges)
    atomic_write_bytes(out / "relaxation.npz", buffer.getvalue())
    save_png(plot_relaxation(t, w, lyapunov, title=f"{config['experiment']['name']}: {net.n_edges} memristors, "
                                                   f"{spec['n_starts']} random starts"), out / "relaxation.png")
    final = w[-1]
    return {"n_edges": int(net.n_edges), "final_spread": float(np.max(final.max(axis=0) - final.min(axis=0))),
            "lyapunov_max_increase": float(np.max(np.diff(lyapunov, axis=0))),
            "fraction_at_bounds": float(np.mean((final <= 1e-9) | (final >= 1 - 1e-9)))}


def _run_capacity(config: dict, out: Path) -> dict:
    """Compute a Hopfield capacity curve, write capacity.csv and capacity.png; returns a summary."""
    from .analysis.landscape import capacity_curve
    from .plotting import plot_capacity, save_png

    spec = dict(config["capacity"])
    spec["loads"] = tuple(spec["loads"])
    curve = capacity_curve(**spec, rng=config["experiment"]["seed"])
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["rule", "load", "fixed", "recall", "overlap"])
    for r, rule in enumerate(curve.rules):
        for j, load in enumerate(curve.loads):
            writer.writerow([rule, f"{load:.6g}", f"{curve.fixed[r, j]:.6g}", f"{curve.recall[r, j]:.6g}",
                             f"{curve.overlap[r, j]:.6g}"])
    atomic_write_text(out / "capacity.csv", text.getvalue())
    save_png(plot_capacity(curve, title=f"{config['experiment']['name']}: N = {curve.n_units}"), out / "capacity.png")
    half = {}
    for r, rule in enumerate(curve.rules):
        below = np.flatnonzero(curve.recall[r] < 0.5)
        half[rule] = float(curve.loads[below[0]]) if below.size else None
    return {"first_load_with_recall_below_half": half}


def _run_regime_map(config: dict, out: Path) -> dict:
    """Compute a regime map, write regimes.npz, regimes.csv and regime_map.png; returns a summary."""
    from .analysis import regime_map
    from .plotting import plot_regimes, save_png

    population, xs, ys = configuration.regime_population(config)
    spec = config["regime_map"]
    regimes = regime_map(population, dt=spec["dt"], t_transient=spec["t_transient"], t_measure=spec["t_measure"],
                         output=spec["output"])
    shape = (ys.size, xs.size)
    arrays = {"x": xs, "y": ys, **{name: np.asarray(getattr(regimes, name)).reshape(shape)
                                   for name in ("oscillating", "period", "amplitude", "n_equilibria", "n_stable")}}
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    atomic_write_bytes(out / "regimes.npz", buffer.getvalue())
    gx, gy = np.meshgrid(xs, ys)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["x", "y", "oscillating", "period", "amplitude", "n_equilibria", "n_stable"])
    for row in zip(gx.ravel(), gy.ravel(), regimes.oscillating, regimes.period, regimes.amplitude,
                   regimes.n_equilibria, regimes.n_stable, strict=True):
        writer.writerow([f"{row[0]:.10g}", f"{row[1]:.10g}", int(row[2]), f"{row[3]:.10g}", f"{row[4]:.10g}",
                         int(row[5]), int(row[6])])
    atomic_write_text(out / "regimes.csv", text.getvalue())
    parameter, (ix, *_), (iy, *_) = spec["parameter"], spec["x"], spec["y"]
    fig = plot_regimes(regimes, xs, ys, xlabel=f"{parameter} of neuron {ix}", ylabel=f"{parameter} of neuron {iy}",
                       title=f"{config['experiment']['name']}: regimes over a {xs.size} x {ys.size} grid")
    save_png(fig, out / "regime_map.png")
    counts = np.bincount(np.maximum(regimes.n_stable, 0))
    return {"grid": [int(xs.size), int(ys.size)], "fraction_oscillating": float(np.mean(regimes.oscillating)),
            "stable_equilibria_counts": {str(k): int(c) for k, c in enumerate(counts) if c}}


def _run_curves(config: dict, out: Path) -> dict:
    """Trace the fold and Hopf curves (and with ``cycles``, the folds of cycles) of two
    parameters of a CTRNN; write curves.json and
    bifurcation_curves.png (over a brute-force map of equilibria and oscillation when
    ``background`` > 0); returns a summary."""
    from .analysis import bifurcation_curves, regime_map
    from .analysis.continuation import Parameter
    from .models import CTRNN
    from .plotting import plot_curves, save_png

    spec = config["curves"]
    net = CTRNN(**config["network"])
    box = (tuple(spec["x"]), tuple(spec["y"]))
    curves = bifurcation_curves(net, tuple(spec["parameters"]), bounds=box, n_lines=spec["n_lines"],
                                cycles=spec["cycles"])
    report = {"parameters": spec["parameters"], "curves": [
        {"kind": c.kind, "closed": c.closed, "values": c.values.tolist(),
         "special": [{"kind": p.kind, "values": p.data["values"].tolist(), "state": p.state.tolist()}
                     for p in c.special]} for c in curves]}
    atomic_write_text(out / "curves.json", json.dumps(report) + "\n")
    background, extent = None, (*spec["x"], *spec["y"])
    if spec["background"]:
        n = spec["background"]
        edges = [np.linspace(low, high, n + 1) for low, high in box]
        centres = [(e[:-1] + e[1:]) / 2 for e in edges]
        gx, gy = np.meshgrid(*centres, indexing="ij")
        grid = net.take(np.zeros(gx.size, dtype=int))
        first, second = (Parameter(grid, name) for name in spec["parameters"])
        params, _ = first.at(gx.ravel())
        params, _ = second.at(gy.ravel(), base=(params, second.u))
        grid = CTRNN(params.weights, tau=params.tau, bias=params.bias, gain=params.gain,
                     input_weights=params.input_weights)
        regimes = regime_map(grid, dt=spec["dt"])
        background = (regimes.n_equilibria + 10 * regimes.oscillating).reshape(gx.shape)
    fig = plot_curves(curves, background=background, extent=extent,
                      background_label=f"brute force, {spec['background']} x {spec['background']}: "
                                       "equilibria (+10 where it oscillates)" if background is not None else None,
                      title=f"{config['experiment']['name']}: bifurcation curves")
    save_png(fig, out / "bifurcation_curves.png")
    kinds = [c.kind for c in curves]
    special = [p.kind for c in curves for p in c.special]
    return {"fold_curves": kinds.count("LP"), "hopf_curves": kinds.count("H"), "cycle_fold_curves": kinds.count("LPC"),
            "special_points": {k: special.count(k) for k in sorted(set(special))}}


def _summary_curves(run_dir: Path, manifest: dict, config: dict) -> str:
    spec = config["curves"]
    lines = [f"run        {run_dir}",
             f"experiment {manifest.get('experiment')}: bifurcation curves in {spec['parameters'][0]} x "
             f"{spec['parameters'][1]}",
             f"status     {_status(manifest)}; finished {manifest.get('finished', '-')}"]
    if manifest.get("status") == "finished":
        lines.append(f"curves     {manifest['fold_curves']} fold, {manifest['hopf_curves']} Hopf, "
                     f"{manifest.get('cycle_fold_curves', 0)} fold of cycles; special points "
                     f"{manifest['special_points']}")
    return "\n".join(lines)


def _write_results(out: Path, problem, result) -> None:
    records = list(result.history)
    text = io.StringIO()
    if records:
        writer = csv.DictWriter(text, fieldnames=list(records[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)
    atomic_write_text(out / "history.csv", text.getvalue())

    report = problem.task.report(result.best_model) if hasattr(problem.task, "report") else {}
    params = problem.codec.values(result.best_genome[None, :])
    # A readout the task fits (reservoirs, Evolino) is part of the trained network, not the genome.
    trained = problem.task.trained_model(result.best_model) if hasattr(problem.task, "trained_model") else None
    if hasattr(trained, "params") and not hasattr(trained, "save"):  # its fitted weights are the params
        params.update({k: v for k, v in trained.params._asdict().items() if k in params})
    buffer = io.BytesIO()
    np.savez(buffer, genome=result.best_genome, **{f"params/{k}": v[0] for k, v in params.items()})
    atomic_write_bytes(out / "best.npz", buffer.getvalue())
    _write_json(out / "best.json", {
        "fitness": np.asarray(result.best_fitness).tolist(), "metrics": result.best_metrics,
        "genome": result.best_genome.tolist(), "gene_names": list(problem.codec.gene_names),
        "params": {k: v[0].tolist() for k, v in params.items()}, **({"report": report} if report else {}),
    })

    if hasattr(trained, "save"):  # reservoirs: keep the readout the task trained
        trained.save(out / "best_model.npz")

    from .plotting import plot_history, save_png

    fig = plot_history(result.history, title=f"{result.method}: fitness over generations")
    save_png(fig, out / "fitness.png")
    write_behaviour(problem.task, result.best_model, out, float(np.max(result.best_fitness)))
    if result.archive is not None:
        write_archive(result.archive, out, title=f"{result.method}: the archive of elites")
    if result.species is not None:
        write_species(result.species, problem.codec, result.best_genome, out)


def write_species(species: dict, codec, genome, out: Path) -> None:
    """A NEAT run's species and champion: ``species.csv`` (generation, species, size, best),
    ``species.png`` (sizes over generations) and ``network.png`` (the best network)."""
    from .plotting import plot_neat_network, plot_species, save_png

    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(list(species))
    writer.writerows(zip(*(c.tolist() for c in species.values()), strict=True))
    atomic_write_text(out / "species.csv", text.getvalue())
    save_png(plot_species(species, title="neat: species over generations"), out / "species.png")
    save_png(plot_neat_network(codec, genome), out / "network.png")


def write_archive(archive, out: Path, *, title=None) -> None:
    """A quality-diversity run's archive: ``archive.csv`` (one row per elite: cell,
    fitness, descriptors, genes) and ``archive.png`` (its heat map)."""
    from .plotting import plot_archive, save_png

    columns = archive.table()
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(list(columns))
    writer.writerows(zip(*(c.tolist() for c in columns.values()), strict=True))
    atomic_write_text(out / "archive.csv", text.getvalue())
    save_png(plot_archive(archive, title=title), out / "archive.png")


def write_behaviour(task, model, out: Path, fitness: float) -> list[Path]:
    """Draw what `model` does on `task` into `out`: ``behaviour.png`` and, for bodies that
    have one, ``behaviour.gif``. Returns the files written (none for tasks without a plot)."""
    from .plotting import save_png

    try:
        fig = task.plot(model, title=f"best network (fitness {fitness:.5f})")
    except NotImplementedError:
        return []
    written = [save_png(fig, out / "behaviour.png")]
    if hasattr(task, "animate") and task.animate(model, out / "behaviour.gif") is not None:
        written.append(out / "behaviour.gif")
    return written


def _status(manifest: dict) -> str:
    """The manifest's status; a run recorded as running whose process has ended on this
    host is ``interrupted`` (it was killed before it could say so)."""
    status = manifest.get("status", "unknown")
    if status == "running" and manifest.get("host") == socket.gethostname() and manifest.get("pid"):
        try:
            os.kill(int(manifest["pid"]), 0)
        except ProcessLookupError:
            return "interrupted"
        except (PermissionError, OverflowError, ValueError):
            pass
    return status


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _model_size(model: dict) -> str:
    """``"3 neurons"``, ``"1 unit"``, ``"12 hidden units"`` ... for a resolved [model] table ('' if unknown)."""
    for key, word in (("n_neurons", "neuron"), ("n_units", "unit"), ("n_hidden", "hidden unit"), ("n_nodes", "node")):
        if isinstance(model.get(key), int):
            return _plural(model[key], word)
    if isinstance(model.get("groups"), list):
        return _plural(sum(int(n) for n, _ in model["groups"]), "neuron")
    return ""


def _check_not_running(out: Path) -> None:
    """Refuse to resume a run that a live process on this host is still running."""
    manifest = read_manifest(out, missing_ok=True)
    if (_status(manifest) == "running" and manifest.get("host") == socket.gethostname()
            and manifest.get("pid") not in (None, os.getpid())):
        raise ConfigError(f"{out} is being run by process {manifest['pid']} on this host; wait for it or stop it first")


def remove_stale_temporaries(folder: Path) -> None:
    """Delete what killed atomic writes left in `folder` (``.NAME.XXXX.tmp``)."""
    for path in Path(folder).glob(".*.tmp"):
        if path.is_file() and not path.is_symlink():
            path.unlink(missing_ok=True)


def summary(run_dir) -> str:
    """A short text summary of a run directory (what ``evornn show`` prints), as its kind says."""
    run_dir = Path(run_dir)
    manifest = read_manifest(run_dir)
    config = configuration.load(run_dir / "config.toml")
    return kind_of(config).summary(run_dir, manifest, config)


def _summary_regime_map(run_dir: Path, manifest: dict, config: dict) -> str:
    spec = config["regime_map"]
    lines = [f"run        {run_dir}",
             f"experiment {manifest.get('experiment')}: regime map of the {spec['parameter']} "
             f"of neurons {spec['x'][0]} and {spec['y'][0]}",
             f"status     {_status(manifest)}; started {manifest.get('started')}, "
             f"finished {manifest.get('finished', '-')}"]
    if manifest.get("status") == "finished":
        lines.append(f"grid       {manifest['grid'][0]} x {manifest['grid'][1]}; oscillating "
                     f"{100 * manifest['fraction_oscillating']:.1f}%; stable equilibria (count: grid points) "
                     f"{manifest['stable_equilibria_counts']}")
    return "\n".join(lines)


def _summary_relaxation(run_dir: Path, manifest: dict, config: dict) -> str:
    lines = [f"run        {run_dir}", f"experiment {manifest.get('experiment')}: memristive relaxation",
             f"status     {_status(manifest)}; finished {manifest.get('finished', '-')}"]
    if manifest.get("status") == "finished":
        lines.append(f"result     {manifest['n_edges']} edges; final spread between starts "
                     f"{manifest['final_spread']:.3g}; at bounds {100 * manifest['fraction_at_bounds']:.0f}%")
    return "\n".join(lines)


def _summary_comparison(run_dir: Path, manifest: dict, config: dict) -> str:
    lines = [f"run        {run_dir}",
             f"experiment {manifest.get('experiment')}: {', '.join(config['comparison']['labels'])} on the "
             f"{config['task']['type']} task, {config['stop']['max_evaluations']} evaluations, "
             f"{config['comparison']['n_seeds']} seeds each",
             f"status     {_status(manifest)}; finished {manifest.get('finished', '-')}"]
    for label, values in manifest.get("comparison", {}).items():
        lines.append(f"  {label:12} " + ", ".join(f"{k} {v:.4g}" for k, v in values.items()))
    return "\n".join(lines)


def _summary_capacity(run_dir: Path, manifest: dict, config: dict) -> str:
    spec = config["capacity"]
    lines = [f"run        {run_dir}",
             f"experiment {manifest.get('experiment')}: Hopfield capacity, N = {spec['n_units']}, rules "
             f"{', '.join(spec['rules'])}",
             f"status     {_status(manifest)}; started {manifest.get('started')}, "
             f"finished {manifest.get('finished', '-')}"]
    if manifest.get("status") == "finished":
        lines.append(f"recall     first load p/N with recall below 1/2: {manifest['first_load_with_recall_below_half']}")
    return "\n".join(lines)


def _summary_evolution(run_dir: Path, manifest: dict, config: dict) -> str:
    model = config["model"]
    size = _model_size(model)
    status = _status(manifest)
    lines = [
        f"run        {run_dir}",
        f"experiment {manifest.get('experiment')}  (seed {manifest.get('seed')})",
        f"model      {model['type']}" + (f" with {size}" if size else "") + f"; task {config['task']['type']}; "
        f"method {config['evolve']['method']}, n_pop {config['evolve']['n_pop']}",
        f"status     {status}; started {manifest.get('started')}, finished {manifest.get('finished', '-')}",
    ]
    if status == "finished":
        lines.append(f"stopped    {manifest['stop_reason']} after {_plural(manifest['n_generations'], 'generation')}, "
                     f"{_plural(manifest['n_evaluations'], 'evaluation')}")
    elif status == "interrupted" and manifest.get("interrupted_at") is not None:
        lines.append(f"stopped    interrupted at generation {manifest['interrupted_at']}")
    elif status == "failed":
        lines.append(f"error      {manifest.get('error')}")
    best_path = run_dir / "best.json"
    if best_path.exists():
        best = read_json(best_path)
        if not (isinstance(best, dict) and isinstance(best.get("metrics"), dict)
                and all(isinstance(v, int | float) for v in best["metrics"].values())):
            raise CheckpointError(f"{best_path} is corrupt: it lacks the fitness and metrics of the best network")
        metrics = ", ".join(f"{k} {v:.6g}" for k, v in best["metrics"].items())
        lines.append(f"best       fitness {best['fitness']}" + (f"; {metrics}" if metrics else ""))
        if best.get("report"):
            lines.append("report     " + ", ".join(f"{k} {v}" for k, v in best["report"].items()))
    elif (run_dir / CHECKPOINT).exists():
        lines.append(f"best       (run not finished; resume it with: evornn run {run_dir / 'config.toml'} "
                     f"--out {run_dir} --resume)")
    return "\n".join(lines)


register_kind(Kind("evolve", resolve=configuration.resolve_evolution, run=None, summary=_summary_evolution))
register_kind(Kind("comparison", resolve=configuration.resolve_comparison, run=_run_comparison,
                   summary=_summary_comparison))
register_kind(Kind("regime_map", resolve=configuration.resolve_regime_map, run=_run_regime_map,
                   summary=_summary_regime_map))
register_kind(Kind("curves", resolve=configuration.resolve_curves, run=_run_curves, summary=_summary_curves))
register_kind(Kind("capacity", resolve=configuration.resolve_capacity, run=_run_capacity, summary=_summary_capacity))
register_kind(Kind("relaxation", resolve=configuration.resolve_relaxation, run=_run_relaxation,
                   summary=_summary_relaxation))
