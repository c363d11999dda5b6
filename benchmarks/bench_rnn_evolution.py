"""Evolved recurrent networks over many seeds: how often the recurrent-family experiments
succeed, and at what cost.

Each experiment file in `experiments/` is run as written (model, task, method, population,
generation budget and stopping rule) from seeds 1 ... `--seeds`, without checkpoints. Per
seed the script prints the generations and evaluations used, the wall time and what the
experiment's report measures on held-out data; then the success rate and the median
evaluations (over all seeds, and over the successful ones).

- ``elman_temporal_xor``: temporal XOR with delay 2 (the XOR of the inputs 1 and 2 steps
  back) by an Elman network; success: every bit of 100 fresh test sequences right
  (``test_solved`` = 1).
- ``reber``: embedded Reber grammar, a GRU with a fitted readout (Evolino); success: at
  least 95% of 1000 fresh strings predicted right at every step, the second-to-last symbol
  included (``test_solved`` >= 0.95).
- ``lstm_anbncn``: a^n b^n c^n trained on n <= 10 by an LSTM; success: every training string
  accepted (n = 1 ... 10, ``largest_n`` >= 10); the median largest n that generalises is
  printed too.
- ``lstm_anbncn_evolino``: the same with the LSTM's readout fitted instead of evolved
  (``evolve_readout = false``, ``fit_readout = true``).

    python benchmarks/bench_rnn_evolution.py [--seeds 10] [--experiments reber elman_temporal_xor ...]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

import evornn
from evornn import config as configuration
from evornn.environment import header as environment_header

EXPERIMENTS = Path(__file__).resolve().parent.parent / "experiments"
# experiment file, changes to it, the success rule, its test on the report, the report values printed
ANBNCN = ("largest_n >= 10", lambda r: r["largest_n"] >= 10, ("largest_n",))
RUNS = {
    "elman_temporal_xor": ("elman_temporal_xor", {}, "test_solved = 1", lambda r: r["test_solved"] == 1.0,
                           ("test_solved", "test_mse")),
    "reber": ("reber", {}, "test_solved >= 0.95", lambda r: r["test_solved"] >= 0.95,
              ("test_solved", "test_penultimate")),
    "lstm_anbncn": ("lstm_anbncn", {}, *ANBNCN),
    "lstm_anbncn_evolino": ("lstm_anbncn", {"model": {"evolve_readout": False, "output_activation": "identity"},
                                            "task": {"fit_readout": True}}, *ANBNCN),
}


def run_seeds(name: str, seeds: list[int], overrides: list[str]) -> None:
    file, changes, rule, succeeded, keys = RUNS[name]
    raw = configuration.read_toml(EXPERIMENTS / f"{file}.toml")
    for section, values in changes.items():
        raw[section].update(values)
    raw = configuration.apply_overrides(raw, overrides)
    config = configuration.resolve(raw, default_name=name)
    problem = configuration.build_problem(config)
    ev = config["evolve"]
    print(f"\n{name}: {config['model']['type']} ({problem.n_genes} genes), {ev['method']} population {ev['n_pop']}, "
          f"at most {ev['n_generations']} generations, stop {config['stop']}; success: {rule}")
    print(f"{'seed':>5}{'generations':>13}{'evaluations':>13}{'time (s)':>10}  " + "".join(f"{k:>18}" for k in keys)
          + f"{'success':>9}")
    evaluations, wins, largest = [], [], []
    for seed in seeds:
        start = time.perf_counter()
        result = evornn.evolve(problem, ev["method"], n_pop=ev["n_pop"], n_generations=ev["n_generations"], rng=seed,
                               hall_of_fame=ev["hall_of_fame"], progress=False, **config["stop"], **ev["options"])
        report = problem.task.report(result.best_model)
        elapsed = time.perf_counter() - start
        won = bool(succeeded(report))
        evaluations.append(result.n_evaluations)
        wins.append(won)
        largest.append(report.get("largest_n", -1))
        values = "".join(f"{report[k]:>18.4g}" for k in keys)
        print(f"{seed:>5}{result.n_generations:>13}{result.n_evaluations:>13}{elapsed:>10.1f}  {values}"
              f"{'yes' if won else 'no':>9}", flush=True)
    won = np.array(wins)
    evals = np.array(evaluations)
    q1, q3 = np.percentile(evals, [25, 75])
    print(f"success {won.sum()} / {won.size} seeds; evaluations over all seeds (failures count their whole budget): "
          f"median {np.median(evals):.0f}, quartiles {q1:.0f}-{q3:.0f}; "
          + (f"median {np.median(evals[won]):.0f} over the successful ones" if won.any() else "none successful"))
    if file == "lstm_anbncn":
        print(f"largest n that generalises: median {np.median(largest):.0f}, range {min(largest)} ... {max(largest)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--experiments", nargs="+", default=list(RUNS), choices=list(RUNS))
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="change a setting of the experiment files, as evornn run --set (repeatable)")
    args = parser.parse_args()
    print(environment_header())
    for name in args.experiments:
        run_seeds(name, list(range(1, args.seeds + 1)), args.overrides)


if __name__ == "__main__":
    main()
