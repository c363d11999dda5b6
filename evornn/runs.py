"""Saved runs as objects: :func:`load_run` reads a run directory back, :func:`replay`
re-simulates its best network and draws it again.

>>> run = evornn.load_run("runs/oscillator")                 # doctest: +SKIP
>>> traj = evornn.simulate(run.model, dt=0.01, t_max=50.0)   # doctest: +SKIP
>>> run.history.select("max")                                # doctest: +SKIP
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import config as configuration
from ._io import read_json
from .errors import CheckpointError, ConfigError
from .kinds import kind_of


@dataclass(repr=False)
class Run:
    """A run directory read back (see :func:`load_run`).

    Attributes
    ----------
    path : Path
        The run directory.
    config : dict
        The resolved experiment configuration (``config.toml``): every setting, the seed
        included.
    manifest : dict
        ``manifest.json``: status, stop reason, versions, CPU, BLAS, host, times.
    codec, task : Codec, Task
        Rebuilt from the configuration (None for runs that are not evolution runs).
    best_genome : ndarray, shape (n_genes,)
    best_fitness : float or list
    best_metrics : dict
    report : dict
        The held-out figures of the champion, for tasks that report them.
    model : Model
        The best genome decoded: a population of one, ready for :func:`evornn.simulate`,
        ``task.evaluate`` or the analyses. Where the task fits a readout (reservoirs,
        Evolino), :attr:`trained_model` holds the network with it.
    history : deap.tools.Logbook
        One record per generation, as in :attr:`EvolutionResult.history`.
    """

    path: Path
    config: dict
    manifest: dict
    codec: object = None
    task: object = None
    best_genome: np.ndarray | None = None
    best_fitness: object = None
    best_metrics: dict = field(default_factory=dict)
    report: dict = field(default_factory=dict)
    model: object = None
    history: object = None

    @property
    def problem(self):
        """The run's :class:`evornn.Problem` (codec and task)."""
        from .optim import Problem

        model = self.config.get("model")
        return Problem(self.codec, self.task, dtype=model.get("dtype") if isinstance(model, dict) else None)

    @property
    def trained_model(self):
        """The best network with the readout its task fits (the model itself where none is fitted)."""
        saved = self.path / "best_model.npz"
        if saved.exists():
            from .models import ESN

            return ESN.load(saved)
        fit = getattr(self.task, "trained_model", None)
        return fit(self.model) if fit is not None else self.model

    def __repr__(self) -> str:
        status = self.manifest.get("status", "unknown")
        lines = [f"Run({str(self.path)!r}): experiment {self.config['experiment']['name']!r}, "
                 f"seed {self.config['experiment'].get('seed')}, {status}"]
        if self.model is not None:
            lines.append(f"  model {type(self.model).__name__} ({self.best_genome.shape[0]} genes), task "
                         f"{type(self.task).__name__}, {len(self.history)} generations, best fitness {self.best_fitness}")
        return "\n".join(lines)


def _number(text: str):
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def _read_json(path: Path) -> dict:
    data = read_json(path, missing=f"{path.parent} is not a complete evornn run directory (no {path.name})")
    if not isinstance(data, dict):
        raise CheckpointError(f"{path} is corrupt: it holds a {type(data).__name__}, not an object")
    return data


def inside_run(run_dir: Path, name: str) -> Path:
    """The folder `name` inside a run directory for evornn to write into, refused if it is
    a symbolic link (a run directory received from someone else could point it anywhere)."""
    folder = Path(run_dir) / name
    if folder.is_symlink():
        raise ConfigError(f"{folder} is a symbolic link; evornn does not write through links inside a run "
                          f"directory (choose a folder with --out)")
    return folder


def load_run(path) -> Run:
    """Read the run directory `path` (written by ``evornn run``) back as a :class:`Run`.

    Parameters
    ----------
    path : path
        A run directory.

    Returns
    -------
    Run
        Its configuration, manifest, codec, task, best genome decoded as `model`, and
        history. Runs that are not evolution runs (regime maps, capacity curves) carry
        only `config` and `manifest`.

    Examples
    --------
    >>> run = load_run("runs/oscillator")               # doctest: +SKIP
    >>> run.task.evaluate(run.model).fitness            # doctest: +SKIP
    """
    from .optim._deap import logbook

    path = Path(path)
    if not path.is_dir():
        raise ConfigError(f"{path} is not a run directory")
    manifest = _read_json(path / "manifest.json")
    if not (path / "config.toml").exists():
        raise ConfigError(f"{path} is not a complete evornn run directory (no config.toml)")
    config = configuration.load(path / "config.toml")
    run = Run(path=path, config=config, manifest=manifest)
    if not kind_of(config).evolution:
        return run
    problem = configuration.build_problem(config)
    run.codec, run.task = problem.codec, problem.task
    saved = path / "checkpoint.npz"
    if saved.exists() and run.task.state_dict():  # a stateful task: what it had learnt at the end of the run
        from .optim import checkpoint

        _, arrays = checkpoint.load(saved)
        try:
            run.task.load_state_dict({name[5:]: value for name, value in arrays.items() if name.startswith("task/")})
        except ValueError as exc:
            raise CheckpointError(f"{saved}: its task state does not fit this run's task: {exc}") from exc
    if not (path / "best.json").exists():
        raise ConfigError(f"{path} holds no finished run (no best.json; status {manifest.get('status')}): "
                          f"resume it with: evornn run {path / 'config.toml'} --out {path} --resume")
    best = _read_json(path / "best.json")
    try:
        genome = np.asarray(best["genome"], dtype=np.float64)
        if genome.shape != (problem.n_genes,):
            raise ValueError(f"{genome.size} genes where the codec has {problem.n_genes}")
        if not np.isfinite(genome).all():
            raise ValueError("genes that are not finite")
        run.best_genome, run.best_fitness = genome, best["fitness"]
        run.best_metrics, run.report = dict(best.get("metrics", {})), dict(best.get("report", {}))
    except (KeyError, TypeError, ValueError) as exc:
        raise CheckpointError(f"{path / 'best.json'} does not describe this run's best genome: {exc}") from exc
    run.model = problem.codec.decode(genome[None, :])
    history_path = path / "history.csv"
    rows = []
    if history_path.exists():
        with history_path.open(newline="") as handle:
            rows = [{k: _number(v) for k, v in row.items()} for row in csv.DictReader(handle)]
    run.history = logbook(rows)
    return run


def replay(path, out=None) -> dict:
    """Re-simulate the best network of the run in `path` and draw it again.

    Evaluates the decoded best genome on the run's task (with the seed the run used, so
    tasks without randomness reproduce the stored fitness), writes ``behaviour.png`` (and
    ``behaviour.gif`` for bodies that have one) into `out` (default ``path/replay``), and
    returns ``{"fitness": replayed, "stored_fitness": ..., "files": [...]}``.
    """
    from .experiment import write_behaviour

    run = load_run(path)
    if run.model is None:
        raise ConfigError(f"{path} is not an evolution run; there is no best network to replay")
    out = Path(out) if out is not None else inside_run(run.path, "replay")
    evaluation = run.task.evaluate(run.model, rng=run.config["experiment"]["seed"])
    fitness = np.asarray(evaluation.fitness)[0]
    files = write_behaviour(run.task, run.model, out, float(np.max(fitness)))
    return {"fitness": fitness.tolist(), "stored_fitness": run.best_fitness, "files": [str(f) for f in files]}
