"""Sweep throughput: a 10,000-run sweep of short CTRNN simulations on a LocalCluster, with
evornn's chunking (tasks of about 0.2 s) against one task per run, timed in the same script.

Prints runs/s, the bookkeeping per run (wall time x workers minus the time inside the
runs, per run) and the share of worker time spent outside the runs.

    python benchmarks/bench_sweep.py [--runs 10000] [--workers 2] [--repeats 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from evornn.environment import header as environment_header
from evornn.sweep import SweepSpec, SweepStore, run_sweep


def measure(client, spec, path, n_workers, **kwargs):
    start = time.perf_counter()
    summary = run_sweep(spec, path, client=client, progress=False, **kwargs)
    wall = time.perf_counter() - start
    with SweepStore(path) as store:
        inside = sum(row["seconds"] for row in store.rows())
    n = summary["total"]
    overhead = wall * n_workers - inside
    return {"runs/s": n / wall, "wall": wall, "per_run_ms": 1e3 * overhead / n,
            "outside": overhead / (wall * n_workers), "done": summary["done"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3, help="repeats of the chunked sweep (median)")
    args = parser.parse_args()
    from distributed import Client, LocalCluster

    print(environment_header())
    print(f"# {args.workers} Dask workers x 1 thread")
    spec = SweepSpec("evornn.sweep.runs:ctrnn_simulation", {"n_neurons": [2, 3, 4, 5]},
                     fixed={"t_max": 10.0, "dt": 0.05}, replicates=args.runs // 4, seed=1)
    print(f"{spec.replicates * 4} runs: random CTRNNs of 2-5 neurons, 200 Euler steps each\n")
    print(f"{'submission':<28}{'runs/s':>10}{'wall s':>10}{'bookkeeping ms/run':>21}{'outside runs':>14}")
    with tempfile.TemporaryDirectory() as tmp, \
            LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
            Client(cluster) as client:
        run_sweep(SweepSpec(spec.run, {"n_neurons": [2, 3, 4, 5]}, fixed=spec.fixed), Path(tmp) / "warm.sqlite",
                  client=client, progress=False)  # warm the workers' caches
        rows = [("chunked (about 0.2 s/task)", {}, args.repeats), ("one task per run", {"chunk_size": 1}, 1)]
        for label, kwargs, repeats in rows:
            ms = [measure(client, spec, Path(tmp) / f"{len(label)}-{r}.sqlite", args.workers, **kwargs) for r in range(repeats)]
            m = {key: float(np.median([x[key] for x in ms])) for key in ms[0]}
            print(f"{label:<28}{m['runs/s']:>10.0f}{m['wall']:>10.2f}{m['per_run_ms']:>21.3f}{100 * m['outside']:>13.1f}%")


if __name__ == "__main__":
    main()
