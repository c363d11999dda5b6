"""The environment a result was computed in: versions, BLAS, CPU and threads.

Runs record it in ``manifest.json`` and every benchmark prints :func:`header` first, so a
figure can be traced to the wheels and the CPU that produced it. Bit-identical results are
promised for the same wheels (``pip install -c constraints.txt .``) on the same CPU family:
Numba compiles every kernel for the host CPU (``numba_cpu`` below) with reassociation and
fused multiply-add allowed, so an AVX2 and an AVX-512 machine may differ in the last bits.
"""

from __future__ import annotations

import os
import platform
from functools import cache
from importlib.metadata import PackageNotFoundError, version

PACKAGES = ("evornn", "numpy", "numba", "llvmlite", "scipy", "deap", "matplotlib", "dask", "distributed",
            "threadpoolctl", "tqdm")
# The instruction-set extensions that change what Numba and BLAS compile to.
ISA_FLAGS = ("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512dq", "avx512bw", "avx512vl", "avx512_vnni", "neon", "asimd",
             "sve")


def versions() -> dict[str, str | None]:
    """Python's version and the installed version of evornn and each dependency (None if absent)."""
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


@cache
def cpu() -> dict:
    """The CPU: model name, Numba's target name for it, the instruction-set flags that matter
    for numerics, and the number of logical CPUs."""
    model, flags = platform.processor() or platform.machine(), set()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                key, _, value = line.partition(":")
                key = key.strip()
                if key in ("model name", "Model", "Hardware") and value.strip():
                    model = value.strip()
                elif key in ("flags", "Features"):
                    flags = set(value.split())
                if key == "" and flags:  # the end of the first processor's block
                    break
    except OSError:
        pass
    try:
        from llvmlite import binding

        numba_cpu = binding.get_host_cpu_name()
    except Exception:  # an old or broken llvmlite must not stop a run
        numba_cpu = None
    return {"model": model, "numba_cpu": numba_cpu, "isa": [f for f in ISA_FLAGS if f in flags],
            "machine": platform.machine(), "logical_cpus": os.cpu_count()}


def blas() -> list[dict]:
    """The BLAS and OpenMP libraries loaded by this process (threadpoolctl's report): the
    library, its version, threading layer, architecture and number of threads."""
    import numpy  # noqa: F401  # load NumPy's BLAS before asking
    from threadpoolctl import threadpool_info

    keys = ("user_api", "internal_api", "version", "threading_layer", "architecture", "num_threads")
    return [{k: info.get(k) for k in keys if k in info} for info in threadpool_info()]


def environment() -> dict:
    """Everything above, plus the host's operating system and Numba's thread count."""
    import numba

    return {"versions": versions(), "cpu": cpu(), "blas": blas(), "numba_threads": numba.get_num_threads(),
            "platform": platform.platform()}


def header() -> str:
    """A few lines naming the environment, printed at the top of every benchmark."""
    env = environment()
    names = ("evornn", "numpy", "numba", "scipy", "deap", "dask")
    v = env["versions"]
    c = env["cpu"]
    libs = "; ".join(f"{b.get('internal_api')} {b.get('version')} ({b.get('architecture') or '?'}, "
                     f"{b.get('num_threads')} threads)" for b in env["blas"] if b.get("user_api") == "blas")
    return "\n".join([
        f"# python {v['python']}, " + ", ".join(f"{n} {v[n]}" for n in names if v.get(n)),
        f"# CPU {c['model']} (numba target {c['numba_cpu']}; {' '.join(c['isa']) or 'no listed ISA flags'}), "
        f"{c['logical_cpus']} logical CPUs, numba {env['numba_threads']} threads",
        f"# BLAS {libs or 'not loaded'}; {env['platform']}",
    ])


def git_commit() -> str | None:
    """The commit of the evornn source tree, when it is a git checkout."""
    import subprocess
    from pathlib import Path

    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent, capture_output=True, text=True,
                              timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None
