"""`evornn analyze`: the attractor analyses of one network, written as JSON and plots."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .._io import atomic_write_text
from ..errors import CheckpointError, ConfigError

ANALYSES = ("fixed-points", "lyapunov", "cycles", "basins")


def read_npz(path) -> dict[str, np.ndarray]:
    """Every array of the ``.npz`` file `path` (no pickles); one error naming the file if
    it is missing, truncated or not an archive of plain arrays."""
    import zipfile

    try:
        with np.load(path, allow_pickle=False) as data:
            return {key: data[key] for key in data.files}
    except FileNotFoundError as exc:
        raise ConfigError(f"{path} does not exist") from exc
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
        raise CheckpointError(f"{path} is corrupt or not a NumPy archive of plain arrays: {exc}") from exc


def load_network(source):
    """A one-network CTRNN from a run directory (its best network) or a Beer ``.ns`` file."""
    from ..models import CTRNN

    source = Path(source)
    if source.is_dir():
        best = source / "best.npz"
        if not best.exists():
            raise ConfigError(f"{source} holds no best.npz: not a finished evolution run directory")
        fields = read_npz(best)
        fields = {key.split("/", 1)[1]: value for key, value in fields.items() if key.startswith("params/")}
        try:
            return CTRNN(fields["weights"], tau=fields["tau"], bias=fields["bias"], gain=fields["gain"],
                         input_weights=fields["input_weights"])
        except KeyError as exc:
            raise ConfigError(f"{best} does not hold CTRNN parameters (missing {exc})") from exc
        except (TypeError, ValueError) as exc:
            raise CheckpointError(f"{best} does not hold a valid CTRNN: {exc}") from exc
    if source.suffix == ".ns":
        try:
            return CTRNN.from_ns(source)
        except FileNotFoundError as exc:
            raise ConfigError(f"{source} does not exist") from exc
        except ValueError as exc:
            raise ConfigError(str(exc)) from exc
    raise ConfigError(f"{source} is neither a run directory nor a .ns circuit file")


def floquet_exponents(multipliers: np.ndarray, period: float) -> np.ndarray:
    """The Lyapunov exponents of a periodic orbit, ``ln |mu| / period`` for its Floquet
    multipliers (largest first), with the trivial multiplier's exponent (along the flow, the
    multiplier nearest 1) set to exactly 0."""
    exponents = np.log(np.abs(multipliers)) / period
    exponents[int(np.argmin(np.abs(multipliers - 1.0)))] = 0.0
    return np.sort(exponents)[::-1]


def _orbit(net, point: np.ndarray, period: float, dt: float) -> np.ndarray:
    """One period of the cycle through `point`, shape (n, n_state) (RK4 at `dt`)."""
    from ..integrate import simulate

    steps = max(50, int(np.ceil(period / dt)))
    return simulate(net, point[None, :], dt=period / steps, n_steps=steps, method="rk4").y[:, 0]


def analyze_network(net, what, out: Path, *, dt: float = 0.01, t_transient: float = 200.0, t_measure: float = 200.0,
                    grid: int = 150) -> dict:
    """Run the chosen analyses (`ANALYSES`) on `net` (constant zero inputs); write
    ``analysis.json`` and plots into `out`; return the numbers."""
    from ..plotting import plot_basins, plot_phase_portrait, save_png
    from .basins import basin_grid
    from .cycles import limit_cycles
    from .fixed_points import fixed_points
    from .lyapunov import lyapunov_spectrum

    unknown = sorted(set(what) - set(ANALYSES))
    if unknown:
        raise ConfigError(f"--what must be among {list(ANALYSES)}, got {unknown}")
    out.mkdir(parents=True, exist_ok=True)
    report: dict = {"n_neurons": net.n_neurons}
    fp = fixed_points(net) if ("fixed-points" in what or net.n_neurons == 2) else None
    if "fixed-points" in what:
        report["fixed_points"] = [
            {"state": s.tolist(), "kind": str(k), "n_unstable": int(u), "residual": float(r),
             "eigenvalues": [[float(e.real), float(e.imag)] for e in eig]}
            for s, k, u, r, eig in zip(fp.state, fp.kind, fp.n_unstable, fp.residual, fp.eigenvalues, strict=True)
        ]
    orbits = []
    if "cycles" in what:
        lc = limit_cycles(net, dt=dt, t_transient=t_transient, t_measure=t_measure)
        report["limit_cycle"] = {"periodic": bool(lc.periodic[0]), "period": float(lc.period[0]),
                                 "stable": bool(lc.stable[0]), "amplitude": lc.amplitude[0].tolist(),
                                 "floquet_multipliers": [[float(m.real), float(m.imag)] for m in lc.multipliers[0]]}
        if lc.periodic[0] and lc.refined[0]:
            report["limit_cycle"]["floquet_exponents"] = floquet_exponents(lc.multipliers[0], lc.period[0]).tolist()
            orbits.append(_orbit(net, lc.point[0], lc.period[0], dt))
    if "lyapunov" in what:
        # Benettin's estimate converges like 1/time: its change between the first half of the
        # run and the whole run says how far from its limit it may be.
        n_steps = max(2, round(t_measure / dt))
        n_transient = max(1, round(t_transient / dt))
        spectrum = lyapunov_spectrum(net, dt=dt, n_steps=n_steps, n_transient=n_transient)[0]
        half = lyapunov_spectrum(net, dt=dt, n_steps=n_steps // 2, n_transient=n_transient)[0]
        report["lyapunov_spectrum"] = spectrum.tolist()
        report["lyapunov_tolerance"] = float(np.max(np.abs(spectrum - half)))
        report["lyapunov_time"] = n_steps * dt
    low, high = net.equilibrium_bounds(np.zeros((1, net.n_inputs)))
    margin = 0.1 * (high - low).max() + 1.0
    if "basins" in what and net.n_neurons >= 2:
        b = basin_grid(net, (0, low[0, 0] - margin, high[0, 0] + margin, grid),
                       (1, low[0, 1] - margin, high[0, 1] + margin, grid), dt=max(dt, 0.05 * net.tau.min()),
                       t_transient=t_transient, t_measure=t_measure)
        report["basins"] = {"kinds": b.kinds.tolist(), "states": b.states.tolist(), "fractions": b.fractions.tolist(),
                            "fraction_other": b.fraction_other, "grid": grid}
        title = "basins of attraction" + (" (other neurons at 0)" if net.n_neurons > 2 else "")
        save_png(plot_basins(b, labels=("y1", "y2"), title=title, cycles=[o[:, :2] for o in orbits]), out / "basins.png")
    if net.n_neurons == 2:
        cycles = [(o, f"stable limit cycle, period {report['limit_cycle']['period']:.4g}"
                   if report["limit_cycle"]["stable"] else "unstable limit cycle") for o in orbits]
        fig = plot_phase_portrait(net, xlim=(low[0, 0] - margin, high[0, 0] + margin),
                                  ylim=(low[0, 1] - margin, high[0, 1] + margin), fixed_points=fp, cycles=cycles,
                                  title="phase portrait")
        save_png(fig, out / "phase_portrait.png")
    atomic_write_text(out / "analysis.json", json.dumps(report, indent=2, allow_nan=True) + "\n")
    return report


def continuation_report(net, parameter: str, bounds, out: Path) -> dict:
    """Every equilibrium of `net` (from :func:`fixed_points`) continued both ways in
    `parameter` across `bounds`; writes ``continuation.json`` (the bifurcations found, with
    their data) and ``continuation.png`` (the branches); returns the report. Branches that
    two equilibria share are drawn twice and their bifurcations listed once."""
    from ..plotting import plot_branches, save_png
    from .continuation import Parameter, continue_equilibria
    from .fixed_points import fixed_points

    try:
        Parameter(net, parameter)
        low, high = (float(v) for v in bounds)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"--continue: {exc}") from exc
    if not low < high:
        raise ConfigError(f"--range must be LOW HIGH with LOW < HIGH, got {low:g} {high:g}")
    out.mkdir(parents=True, exist_ok=True)
    branch_sets, seen, points = [], set(), []
    for y in fixed_points(net).state:
        for direction in (1, -1):
            branches = continue_equilibria(net, parameter, y, bounds=(low, high), direction=direction)
            branch_sets.append(branches)
            for point in branches.special:
                key = (point.kind, round(point.parameter, 7))
                if key not in seen:
                    seen.add(key)
                    points.append({"kind": point.kind, "parameter": point.parameter, "state": point.state.tolist(),
                                   **{k: float(v) for k, v in point.data.items()}})
    points.sort(key=lambda p: p["parameter"])
    report = {"parameter": parameter, "range": [low, high], "bifurcations": points}
    save_png(plot_branches(*branch_sets, title=f"equilibria in {parameter}"), out / "continuation.png")
    atomic_write_text(out / "continuation.json", json.dumps(report, indent=2, allow_nan=True) + "\n")
    return report
