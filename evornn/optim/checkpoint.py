"""Checkpoints: one ``.npz`` file holding arrays plus a JSON header, written atomically.

No pickle: arrays are stored as NumPy arrays and everything else (generation, counters,
history, RNG states, options) as JSON, so a checkpoint can be read anywhere and cannot run
code. A corrupt or truncated file raises :class:`evornn.errors.CheckpointError` naming it.
"""

from __future__ import annotations

import io
import json
import random
import zipfile
from pathlib import Path

import numpy as np

from .._io import atomic_write_bytes
from ..errors import CheckpointError

FORMAT = "evornn-checkpoint"
VERSION = 1
_HEADER = "__header__"


def save(path, header: dict, arrays: dict[str, np.ndarray]) -> Path:
    """Write `header` (JSON-serialisable) and `arrays` to `path` atomically (temp file, fsync, os.replace)."""
    text = json.dumps({"format": FORMAT, "version": VERSION, **header}, allow_nan=True)
    buffer = io.BytesIO()
    np.savez(buffer, **{_HEADER: np.frombuffer(text.encode("utf-8"), dtype=np.uint8)}, **arrays)
    return atomic_write_bytes(path, buffer.getvalue())


def load(path) -> tuple[dict, dict[str, np.ndarray]]:
    """Read a checkpoint written by :func:`save`; returns ``(header, arrays)``."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
        header = json.loads(arrays.pop(_HEADER).tobytes().decode("utf-8"))
    except FileNotFoundError:
        raise
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
        raise CheckpointError(f"{path} is not a readable evornn checkpoint (corrupt or truncated): {exc}") from exc
    if header.get("format") != FORMAT or header.get("version") != VERSION:
        raise CheckpointError(f"{path} is not an evornn checkpoint of version {VERSION} (header {header.get('format')!r}, "
                              f"version {header.get('version')!r})")
    return header, arrays


def split_state(state: dict, prefix: str) -> tuple[dict, dict[str, np.ndarray]]:
    """Split a strategy state into JSON scalars and named arrays (``prefix/name``)."""
    scalars, arrays = {}, {}
    for name, value in state.items():
        if isinstance(value, np.ndarray):
            arrays[f"{prefix}/{name}"] = value
        else:
            scalars[name] = value.item() if isinstance(value, np.generic) else value
    return scalars, arrays


def join_state(scalars: dict, arrays: dict[str, np.ndarray], prefix: str) -> dict:
    state = dict(scalars)
    for key, value in arrays.items():
        if key.startswith(prefix + "/"):
            state[key[len(prefix) + 1:]] = value
    return state


def random_state(rand: random.Random) -> list:
    version, internal, gauss_next = rand.getstate()
    return [version, list(internal), gauss_next]


def set_random_state(rand: random.Random, state: list) -> None:
    version, internal, gauss_next = state
    rand.setstate((version, tuple(internal), gauss_next))
