"""Batch parameter searches on Dask, stored in SQLite, resumable after any crash."""

from .design import DESIGNS, Run, SweepSpec, run_key
from .runner import connect, run_sweep
from .store import SweepStore
from .toml import load_sweep

__all__ = ["DESIGNS", "Run", "SweepSpec", "SweepStore", "connect", "load_sweep", "run_key", "run_sweep"]
