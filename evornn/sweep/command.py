"""`evornn sweep`: run, resume, inspect and export sweeps."""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import ConfigError
from .runner import run_sweep
from .store import SweepStore
from .toml import load_sweep

STORE = "sweep.sqlite"


def add_parser(sub) -> None:
    p = sub.add_parser("sweep", help="run a parameter sweep on Dask (or: sweep status DIR, sweep export DIR)",
                       description="evornn sweep EXPERIMENT.toml [--out DIR] [--scheduler ADDR] [--workers N] [--resume]; "
                                   "evornn sweep status DIR; evornn sweep export DIR --csv FILE | --parquet FILE")
    p.add_argument("target", help="an experiment file with a [sweep] table, or 'status' / 'export'")
    p.add_argument("directory", nargs="?", type=Path, help="the sweep directory (status, export)")
    p.add_argument("--out", type=Path, default=None, help="sweep directory (default: runs/<name>-sweep)")
    p.add_argument("--scheduler", default=None, help="address of a Dask scheduler, e.g. tcp://host:8786")
    p.add_argument("--workers", type=int, default=None, help="workers of the local cluster (default: one per core)")
    p.add_argument("--resume", action="store_true", help="continue the sweep stored in --out")
    p.add_argument("--retry-failed", action="store_true",
                   help="with --resume: run the runs stored as failed again")
    p.add_argument("--allow-import", action="store_true",
                   help="run a function from outside evornn named by the file's [sweep] run (a sweep file is code: "
                        "trust it first)")
    p.add_argument("--csv", type=Path, default=None, help="export: write the runs as CSV")
    p.add_argument("--parquet", type=Path, default=None, help="export: write the runs as Parquet (needs pandas, pyarrow)")


def main(args) -> int:
    if args.target == "status":
        with SweepStore(_store_path(args.directory)) as store:
            s = store.status()
            print(f"{args.directory}: {s['done']} done, {s['failed']} failed, {s['pending']} pending of {s['total']} runs")
        return 0
    if args.target == "export":
        if args.csv is None and args.parquet is None:
            raise ConfigError("sweep export needs --csv FILE or --parquet FILE")
        with SweepStore(_store_path(args.directory)) as store:
            if args.csv is not None:
                print(f"wrote {store.to_csv(args.csv)}")
            if args.parquet is not None:
                print(f"wrote {store.to_parquet(args.parquet)}")
        return 0
    name, spec, plot = load_sweep(args.target, allow_import=args.allow_import)
    out = args.out or Path("runs") / f"{name}-sweep"
    path = out / STORE
    if path.exists() and not args.resume:
        raise ConfigError(f"{out} already holds a sweep; continue it with --resume or choose another --out")
    if args.retry_failed and not args.resume:
        raise ConfigError("--retry-failed reruns the failed runs of a stored sweep: it needs --resume")
    try:
        summary = run_sweep(spec, path, scheduler=args.scheduler, n_workers=args.workers,
                            retry_failed=args.retry_failed)
    except KeyboardInterrupt:
        done = "no runs stored"
        if path.exists():
            with SweepStore(path) as store:
                s = store.status()
            done = f"{s['done'] + s['failed']} of {s['total']} runs stored"
        print(f"evornn sweep: interrupted, {done}; resume with: evornn sweep {args.target} --out {out} --resume",
              file=sys.stderr)
        return 130
    print(f"{out}: {summary['done']} done, {summary['failed']} failed, {summary['pending']} pending of "
          f"{summary['total']} runs ({summary['ran']} run now in {summary['seconds']:.1f} s)")
    with SweepStore(path) as store:
        store.to_csv(out / "results.csv")
        _plots(store, plot, out)
    print(f"results: {out / 'results.csv'}" + (f"; plots in {out}" if plot else ""))
    if summary["failed"]:
        print(f"evornn sweep: {summary['failed']} run(s) failed (their errors are in results.csv); run them again with: "
              f"evornn sweep {args.target} --out {out} --resume --retry-failed", file=sys.stderr)
    return 0 if summary["pending"] == 0 and summary["failed"] == 0 else 1


def _store_path(directory) -> Path:
    if directory is None:
        raise ConfigError("give the sweep directory, e.g. evornn sweep status runs/NAME-sweep")
    path = Path(directory) / STORE
    if not path.exists():
        raise ConfigError(f"{directory} holds no sweep ({STORE} not found)")
    return path


def _plots(store: SweepStore, plot: dict, out: Path) -> None:
    if not plot:
        return
    from ..plotting import plot_sweep, save_png

    rows = store.rows()
    metrics = plot.get("metrics", [])
    for metric in [metrics] if isinstance(metrics, str) else metrics:
        fig = plot_sweep(rows, metric, plot["x"], plot.get("y"), kind=plot.get("kind", "auto"), title=metric)
        save_png(fig, out / f"{metric}.png")
