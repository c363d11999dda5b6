"""The sweep store: SQLite in WAL mode, written by the driver only, one transaction per
chunk of results, so that a driver killed at any moment leaves every stored row intact."""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import sqlite3
import time
from pathlib import Path

from .._io import atomic_write_text
from ..errors import ConfigError
from .design import SweepSpec

SCHEMA = """
CREATE TABLE IF NOT EXISTS sweep (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    digest TEXT NOT NULL,
    spec TEXT NOT NULL,
    provenance TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    key TEXT PRIMARY KEY,
    idx INTEGER NOT NULL,
    params TEXT NOT NULL,
    replicate INTEGER NOT NULL,
    seed INTEGER NOT NULL,
    status TEXT NOT NULL,
    metrics TEXT,
    error TEXT,
    started REAL,
    finished REAL,
    worker TEXT
);
"""


def provenance() -> dict:
    from ..environment import environment, git_commit

    return {**environment(), "git_commit": git_commit(), "host": socket.gethostname()}


class _DriverLock:
    """One driver per store: an exclusive lock on ``sweep.sqlite.lock``, which the system
    releases when the process ends however it ends (nothing to clean up after a kill)."""

    def __init__(self, store: Path):
        self.path = store.with_name(store.name + ".lock")
        self.handle = open(self.path, "a+")
        try:
            import fcntl
        except ImportError:  # Windows: no advisory locks here; one driver is the user's care
            return
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.handle.seek(0)
            holder = self.handle.read().strip() or "another process"
            self.handle.close()
            raise ConfigError(f"{store} is being run by {holder}; a sweep has one driver at a time (wait for it, "
                              f"or stop it and resume with --resume)") from None
        self.handle.seek(0)
        self.handle.truncate()
        self.handle.write(f"process {os.getpid()} on {socket.gethostname()}\n")
        self.handle.flush()

    def release(self) -> None:
        self.handle.close()


class SweepStore:
    """A sweep's results on disk.

    Opening a store for a spec creates it, or checks that the existing one was made for
    the same spec (a different spec raises :class:`evornn.ConfigError` before any work).
    """

    def __init__(self, path, spec: SweepSpec | None = None, *, driver: bool = False):
        self.path = Path(path)
        if spec is None and not self.path.exists():
            raise ConfigError(f"{self.path} does not exist: not a sweep store")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = _DriverLock(self.path) if driver else None
        try:
            self._open(spec)
        except sqlite3.DatabaseError as exc:
            self._release()
            raise ConfigError(f"{self.path} is not a readable sweep store (corrupt, truncated or not SQLite): "
                              f"{exc}") from exc
        except BaseException:
            self._release()
            raise

    def _release(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def _create(self, spec: SweepSpec) -> None:
        """Write a new store whole under a temporary name, then rename it into place, so that
        a store on disk always holds its sweep: a driver stopped while creating one (Ctrl-C
        at once, SIGKILL) leaves no store, and the next run starts it afresh."""
        for stale in self.path.parent.glob(f".{self.path.name}.*.tmp*"):  # from a creation that was stopped
            stale.unlink(missing_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            db = sqlite3.connect(tmp)
            try:
                db.execute("PRAGMA journal_mode=WAL")
                db.executescript(SCHEMA)
                with db:
                    db.execute("INSERT INTO sweep VALUES (1, ?, ?, ?, ?)",
                               (spec.digest(), json.dumps(spec.to_dict()), json.dumps(provenance()), time.time()))
            finally:
                db.close()  # the last connection folds the write-ahead log into the file
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, self.path)
        except BaseException:
            for part in self.path.parent.glob(f"{tmp.name}*"):
                part.unlink(missing_ok=True)
            raise

    def _open(self, spec: SweepSpec | None) -> None:
        if spec is not None and not self.path.exists():
            self._create(spec)
        self._db = sqlite3.connect(self.path, timeout=30.0)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # a committed chunk survives power loss too
        self._db.executescript(SCHEMA)
        row = self._db.execute("SELECT digest, spec FROM sweep WHERE id = 1").fetchone()
        if row is None:
            if spec is None:
                raise ConfigError(f"{self.path} holds no sweep")
            with self._db:
                self._db.execute("INSERT INTO sweep VALUES (1, ?, ?, ?, ?)",
                                 (spec.digest(), json.dumps(spec.to_dict()), json.dumps(provenance()), time.time()))
            row = (spec.digest(), json.dumps(spec.to_dict()))
        elif spec is not None and row[0] != spec.digest():
            raise ConfigError(f"{self.path} belongs to a different sweep spec; use another --out or the original spec")
        try:
            stored = SweepSpec(**json.loads(row[1]))
        except (TypeError, ValueError, ConfigError) as exc:
            raise ConfigError(f"{self.path} holds a sweep spec that cannot be read: {exc}") from exc
        if stored.digest() != row[0]:
            raise ConfigError(f"{self.path}: the stored sweep spec does not match its digest (the store was edited)")
        self.spec = stored

    def close(self) -> None:
        """Close the store; the driver first moves the write-ahead log into the database
        file, so that ``sweep.sqlite`` alone holds every result once a sweep has ended."""
        try:
            if self._lock is not None:
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            self._db.close()
            self._release()

    def forget_failed(self) -> int:
        """Delete the failed runs, so that the next run of the sweep runs them again;
        returns how many."""
        with self._db:
            return self._db.execute("DELETE FROM runs WHERE status = 'failed'").rowcount

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def done_keys(self) -> set[str]:
        """Keys of stored runs (done or failed)."""
        return {key for (key,) in self._db.execute("SELECT key FROM runs")}

    def record(self, results: list[dict]) -> int:
        """Store a chunk of results in one transaction; rows already stored are left alone.
        Returns the number of new rows."""
        rows = [(r["key"], r["index"], json.dumps(r["params"]), r["replicate"], r["seed"], r["status"],
                 json.dumps(r["metrics"]) if r["metrics"] is not None else None, r["error"], r["started"],
                 r["finished"], r["worker"]) for r in results]
        with self._db:
            before = self._db.total_changes
            self._db.executemany("INSERT OR IGNORE INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            return self._db.total_changes - before

    def status(self) -> dict:
        """Counts of runs: total in the spec, done, failed, pending."""
        counts = dict(self._db.execute("SELECT status, COUNT(*) FROM runs GROUP BY status").fetchall())
        total = self.spec.n_runs()
        done, failed = counts.get("done", 0), counts.get("failed", 0)
        return {"total": total, "done": done, "failed": failed, "pending": total - done - failed}

    def rows(self) -> list[dict]:
        """Every stored run, in run order, with its parameters and metrics flattened."""
        out = []
        query = ("SELECT key, idx, params, replicate, seed, status, metrics, error, started, finished, worker "
                 "FROM runs ORDER BY idx")
        for key, idx, params, replicate, seed, status, metrics, error, started, finished, worker in self._db.execute(query):
            swept = {k: v for k, v in json.loads(params).items() if k in self.spec.parameters}
            out.append({"index": idx, "key": key, **swept, "replicate": replicate, "seed": seed, "status": status,
                        **(json.loads(metrics) if metrics else {}), "error": error, "seconds": (finished or 0) - (started or 0),
                        "worker": worker})
        return out

    def integrity_ok(self) -> bool:
        return self._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    def to_csv(self, path) -> Path:
        rows = self.rows()
        columns = list(dict.fromkeys(k for row in rows for k in row))
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return atomic_write_text(path, text.getvalue())

    def to_dataframe(self):
        """The runs as a pandas DataFrame (needs pandas: ``pip install "evornn[frames]"``)."""
        try:
            import pandas as pd
        except ImportError as exc:
            raise ImportError('to_dataframe needs pandas: pip install "evornn[frames]"') from exc
        return pd.DataFrame(self.rows())

    def to_parquet(self, path) -> Path:
        """Write the runs as Parquet (needs pandas and pyarrow: ``pip install "evornn[frames]"``)."""
        frame = self.to_dataframe()
        try:
            import pyarrow  # noqa: F401
        except ImportError as exc:
            raise ImportError('to_parquet needs pyarrow: pip install "evornn[frames]"') from exc
        path = Path(path)
        tmp = path.with_name(f".{path.name}.tmp")
        frame.to_parquet(tmp, index=False)
        tmp.replace(path)
        return path
