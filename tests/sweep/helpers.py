"""Run functions for the sweep tests (importable by Dask workers)."""

import time

import numpy as np


def square(params: dict, seed: int) -> dict:
    time.sleep(float(params.get("sleep", 0.0)))
    if params.get("fail") and params["x"] == 2:
        raise RuntimeError("x = 2 is not allowed")
    return {"square": params["x"] ** 2, "noise": float(np.random.default_rng(seed).random())}


def dies(params: dict, seed: int) -> dict:
    """Kills its worker process (as an out-of-memory kill would) for x = 2 unless the file
    ``params["marker"]`` exists (the fix, made before a retry)."""
    import os
    from pathlib import Path

    marker = Path(params["marker"])
    if params["x"] == 2 and not marker.exists():
        os._exit(1)
    return {"square": params["x"] ** 2}
