"""Code named in experiment files: ``"package.module:Name"`` or ``"path/to/file.py:Name"``.

An experiment or sweep file that names code to import runs that code, so a file received
from someone else could run anything. evornn imports its own code freely; anything else
only inside :func:`allow_imports` (``--allow-import`` on the command line), once the user
has read the file and trusts it.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import importlib
import importlib.util
import sys
from pathlib import Path

from .errors import ConfigError

_ALLOWED = contextvars.ContextVar("evornn_allow_imports", default=False)
#: Packages whose code an experiment file may name without allow_imports.
TRUSTED = ("evornn",)


@contextlib.contextmanager
def allow_imports():
    """Within this context, experiment files may name code outside evornn (a body in the
    user's own file, a sweep's run function): ``evornn run --allow-import``."""
    token = _ALLOWED.set(True)
    try:
        yield
    finally:
        _ALLOWED.reset(token)


def imports_allowed() -> bool:
    return _ALLOWED.get()


def import_object(spec: str, *, where: str):
    """The object `spec` names (``"module:Name"`` or ``"file.py:Name"``, a file path relative
    to the working directory); errors name `where` (the key of the file, e.g. ``[task] body``)."""
    if not isinstance(spec, str) or spec.count(":") != 1 or not all(spec.split(":")):
        raise ConfigError(f"{where} must be 'package.module:Name' or 'path/to/file.py:Name', got {spec!r}")
    source, name = spec.split(":")
    module_name = source
    if source.endswith(".py"):
        module_name = None
    trusted = module_name is not None and any(module_name == m or module_name.startswith(m + ".") for m in TRUSTED)
    if not (trusted or imports_allowed()):
        raise ConfigError(f"{where} = {spec!r} names code outside evornn to import and run; a file received from "
                          f"someone else could run anything, so read it first and then pass --allow-import (in "
                          f"Python: with evornn.config.allow_imports(): ...)")
    if module_name is None:
        path = Path(source)
        if not path.is_file():
            raise ConfigError(f"{where}: no such file {source!r} (paths are relative to the working directory "
                              f"{Path.cwd()})")
        resolved = path.resolve()
        # One module per file, whatever the path that named it.
        module_name = "evornn_user_" + hashlib.sha256(str(resolved).encode()).hexdigest()[:12] + "_" + path.stem
        module = sys.modules.get(module_name)
        if module is None:
            file_spec = importlib.util.spec_from_file_location(module_name, resolved)
            module = importlib.util.module_from_spec(file_spec)
            sys.modules[module_name] = module
            try:
                file_spec.loader.exec_module(module)
            except Exception as exc:
                del sys.modules[module_name]
                raise ConfigError(f"{where}: importing {source} failed: {type(exc).__name__}: {exc}") from exc
    else:
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise ConfigError(f"{where}: cannot import {module_name!r}: {exc}") from exc
    try:
        return getattr(module, name)
    except AttributeError:
        raise ConfigError(f"{where}: {source} has no {name!r}") from None
