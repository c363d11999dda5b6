"""The ``evornn`` command."""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from pathlib import Path

import numpy as np

# Beer's two-neuron oscillator (Beer 1995): self-weights 4.5, 1 from neuron 2 to neuron 1,
# -1 from neuron 1 to neuron 2, biases -2.75 and -1.75, tau = gain = 1.
BEER_OSCILLATOR = {"weights": [[4.5, 1.0], [-1.0, 4.5]], "bias": [-2.75, -1.75]}


def demo(out_dir: Path, t_max: float, dt: float) -> int:
    """Simulate Beer's 2-neuron oscillator, print its period and write a PNG of its outputs."""
    import evornn
    from evornn.analysis import estimate_period
    from evornn.plotting import plot_outputs, save_png

    start = time.perf_counter()
    net = evornn.CTRNN(**BEER_OSCILLATOR)
    traj = evornn.simulate(net, dt=dt, t_max=t_max, method="rk4")
    period = float(estimate_period(traj.t, traj.outputs[:, 0, 0]))
    elapsed = time.perf_counter() - start
    fig = plot_outputs(traj, title=f"Beer's 2-neuron CTRNN oscillator: period {period:.4f}")
    png = save_png(fig, out_dir / "beer_oscillator.png", dpi=120)
    print(f"Beer's 2-neuron oscillator: period {period:.6f} time units (RK4, dt = {dt:g}, {t_max:g} time units)")
    print(f"simulated in {elapsed:.2f} s (including compilation or cache loading); plot written to {png}")
    return 0 if np.isfinite(period) else 1


class ProgressLine:
    """The `evornn run` progress line, fed by `evolve`'s callback: one line rewritten in
    place on a terminal, or a line every `every` seconds (and the last) into a log."""

    def __init__(self, stream=None, every: float = 10.0):
        self.stream, self.every = stream or sys.stderr, every
        self.tty = self.stream.isatty()
        self.last = -float("inf")
        self.written = False
        self.pending = ""

    def __call__(self, record: dict) -> None:
        now = time.perf_counter()
        best = record.get("best")
        text = (f"generation {record['gen']}: "
                + (f"best {best:.6g}, mean {record['mean']:.4g}, " if best is not None else "")
                + f"{record['time']:.1f} s")
        self.written = True
        if self.tty:
            self.stream.write("\r" + text + "\033[K")
            self.stream.flush()
        elif now - self.last >= self.every:
            self.stream.write(text + "\n")
            self.stream.flush()
            self.last, text = now, ""
        self.pending = text

    def close(self) -> None:
        if self.tty and self.written:
            self.stream.write("\n")
        elif self.pending:  # the last generation, in a log
            self.stream.write(self.pending + "\n")
        self.stream.flush()


def _version() -> str:
    from .environment import versions

    v = versions()
    return (f"evornn {v['evornn']} (python {v['python']}, numpy {v['numpy']}, numba {v['numba']}, scipy {v['scipy']}, "
            f"deap {v['deap']})")


class _VersionAction(argparse.Action):
    """``--version`` printed as one line (argparse's own action wraps it at the terminal width)."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        print(_version())
        parser.exit()


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a number > 0, got {text}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {text}")
    return value


def _quiet_warnings() -> None:
    """evornn's step-size warning once per message, on one line (the same warning would
    otherwise come from every place that builds the problem)."""
    import warnings

    from .errors import RenderWarning, StepSizeWarning

    shown: set[str] = set()
    plain = warnings.showwarning

    def showwarning(message, category, filename, lineno, file=None, line=None):
        if not issubclass(category, StepSizeWarning | RenderWarning):
            return plain(message, category, filename, lineno, file, line)
        if str(message) not in shown:
            shown.add(str(message))
            print(f"evornn: warning: {message}", file=file or sys.stderr)
        return None

    warnings.showwarning = showwarning


class _Parser(argparse.ArgumentParser):
    """Usage errors on one line, naming the command and where to find its options."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _message(exc: BaseException) -> str:
    """One line for an error the user can act on: evornn's own messages as they are; for
    a file that cannot be read or written, the file and the system's reason."""
    if isinstance(exc, OSError) and exc.filename is not None:
        return f"{exc.filename}: {exc.strerror or exc}"
    if isinstance(exc, MemoryError):
        return f"not enough memory ({exc or 'the request is too large for this machine'})"
    return " ".join(str(exc).split())


def main(argv: list[str] | None = None) -> int:
    _quiet_warnings()
    parser = _Parser(prog="evornn", description="Simulate and evolve recurrent neural dynamical systems.")
    parser.add_argument("--version", action=_VersionAction, help="print evornn's version and its main dependencies")
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an error")
    sub = parser.add_subparsers(dest="command", required=True)
    p_demo = sub.add_parser("demo", help="simulate Beer's 2-neuron oscillator and plot it")
    p_demo.add_argument("--out", type=Path, default=Path("evornn-demo"), help="output folder (default: evornn-demo)")
    p_demo.add_argument("--t-max", type=_positive, default=300.0, help="simulated time (default: 300)")
    p_demo.add_argument("--dt", type=_positive, default=0.01, help="RK4 step (default: 0.01)")
    p_run = sub.add_parser("run", help="run an evolution experiment (a TOML file) into a run directory")
    p_run.add_argument("experiment", type=Path, help="experiment file, e.g. experiments/oscillator.toml")
    p_run.add_argument("--out", type=Path, default=None, help="run directory (default: runs/<name>, never overwritten)")
    p_run.add_argument("--resume", action="store_true", help="continue the run in --out from its checkpoint")
    p_run.add_argument("--more", type=_positive_int, default=None, metavar="N",
                       help="run N generations more than the run in --out was given (implies --resume)")
    p_run.add_argument("--seed", type=int, default=None, help="root seed (overrides [experiment] seed)")
    p_run.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                       help="override a setting, e.g. --set evolve.n_pop=50 (repeatable)")
    p_show = sub.add_parser("show", help="summarise a run directory")
    p_show.add_argument("run_dir", type=Path)
    p_replay = sub.add_parser("replay", help="re-simulate a run's best network and draw it again")
    p_replay.add_argument("run_dir", type=Path)
    for p in (p_run, p_show, p_replay):
        p.add_argument("--allow-import", action="store_true",
                       help="let the experiment import the code it names outside evornn (a body in your own file); "
                            "such a file runs its code, so read it first")
    p_replay.add_argument("--out", type=Path, default=None, help="folder for the plots (default: RUN_DIR/replay)")
    p_analyze = sub.add_parser("analyze", help="equilibria, Lyapunov spectrum, limit cycle and basins of a network")
    p_analyze.add_argument("source", type=Path, help="an evolution run directory (its best network) or a .ns file")
    p_analyze.add_argument("--what", nargs="+", default=["fixed-points", "lyapunov", "cycles", "basins"],
                           help="analyses: fixed-points lyapunov cycles basins (default: all)")
    p_analyze.add_argument("--out", type=Path, default=None, help="output folder (default: SOURCE/analysis or NAME-analysis)")
    p_analyze.add_argument("--dt", type=_positive, default=0.01, help="RK4 step (default 0.01)")
    p_analyze.add_argument("--continue", dest="continue_parameter", default=None, metavar="PARAMETER",
                           help='continue the equilibria in a parameter, e.g. "bias[0]" or "weights[0, 1]" '
                                "(writes continuation.json and continuation.png; needs --range)")
    p_analyze.add_argument("--range", type=float, nargs=2, default=None, metavar=("LOW", "HIGH"),
                           help="the parameter's range for --continue")
    from .sweep.command import add_parser as add_sweep_parser

    add_sweep_parser(sub)
    args = parser.parse_args(argv)
    if args.command == "demo":
        return demo(args.out, args.t_max, args.dt)
    from ._imports import allow_imports
    from .errors import CheckpointError, ConfigError

    try:
        with allow_imports() if getattr(args, "allow_import", False) else contextlib.nullcontext():
            return _dispatch(args)
    except (ConfigError, CheckpointError, OSError, MemoryError) as exc:
        if args.debug:
            raise
        print(f"evornn {args.command}: error: {_message(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:  # a run says where it stopped and how to resume
        print(f"evornn {args.command}: {exc or 'interrupted'}", file=sys.stderr)
        return 130


def _dispatch(args) -> int:
    if args.command == "run":
        return run_experiment(args)
    if args.command == "analyze":
        return analyze(args)
    if args.command == "sweep":
        from .sweep.command import main as sweep_main

        return sweep_main(args)
    if args.command == "replay":
        return replay(args)
    from .experiment import summary

    print(summary(args.run_dir))
    return 0


def replay(args) -> int:
    """`evornn replay`: re-simulate the best network of a run and write its plots."""
    from .runs import replay as replay_run

    done = replay_run(args.run_dir, args.out)
    print(f"replayed {args.run_dir}: fitness {done['fitness']} (stored {done['stored_fitness']})")
    print("wrote " + (", ".join(done["files"]) or "nothing (this task has no plot)"))
    return 0


def analyze(args) -> int:
    """`evornn analyze`: analyses of one network, written as analysis.json and plots."""
    from .analysis.report import analyze_network, load_network
    from .runs import inside_run

    net = load_network(args.source)
    default = inside_run(args.source, "analysis") if args.source.is_dir() else \
        args.source.with_name(args.source.stem + "-analysis")
    out = args.out or default
    if args.continue_parameter is not None or args.range is not None:
        from .analysis.report import continuation_report
        from .errors import ConfigError

        if args.continue_parameter is None or args.range is None:
            raise ConfigError("--continue PARAMETER and --range LOW HIGH go together")
        found = continuation_report(net, args.continue_parameter, args.range, out)
        for point in found["bifurcations"]:
            extra = (f", frequency {point['frequency']:.6g}, first Lyapunov coefficient {point['lyapunov']:.4g}"
                     if point["kind"] == "H" else "")
            print(f"{point['kind']:<3} {args.continue_parameter} = {point['parameter']:.10g} at "
                  f"{np.round(point['state'], 6).tolist()}{extra}")
        print(f"written to {out}: continuation.json and continuation.png")
        return 0
    report = analyze_network(net, args.what, out, dt=args.dt)
    for point in report.get("fixed_points", []):
        print(f"equilibrium  {np.round(point['state'], 6).tolist()}: {point['kind']}")
    if "lyapunov_spectrum" in report:
        print(f"Lyapunov     {np.round(report['lyapunov_spectrum'], 5).tolist()} per time unit (Benettin over "
              f"{report['lyapunov_time']:g} time units; within +/- {report['lyapunov_tolerance']:.2g} of their limit, "
              "so smaller values are zero)")
    if "limit_cycle" in report:
        cycle = report["limit_cycle"]
        print(f"limit cycle  periodic {cycle['periodic']}, period {cycle['period']:.6g}, stable {cycle['stable']}")
        if "floquet_exponents" in cycle:
            print(f"             its Lyapunov exponents from the Floquet multipliers: "
                  f"{np.round(cycle['floquet_exponents'], 6).tolist()} (0: along the flow)")
    if "basins" in report:
        basins = report["basins"]
        print(f"basins       {', '.join(f'{k} {f:.3f}' for k, f in zip(basins['kinds'], basins['fractions'], strict=True))}"
              f" (other {basins['fraction_other']:.3f})")
    print(f"written to {out}: analysis.json and plots")
    return 0


def run_experiment(args) -> int:
    """`evornn run`: evolve, write the run directory, print a summary."""
    from .experiment import run, summary

    start = time.perf_counter()
    line = ProgressLine()
    try:
        out = run(args.experiment, out=args.out, resume=args.resume, seed=args.seed, overrides=args.overrides,
                  more=args.more, progress=False, callback=line)
    finally:
        line.close()
    print(summary(out))
    plots = ", ".join(str(path) for path in sorted([*out.glob("*.png"), *out.glob("*.gif")]))
    print(f"finished in {time.perf_counter() - start:.1f} s; plots: {plots}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
