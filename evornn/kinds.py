"""Kinds of experiment file, each registered once: the table that marks it, how it is
resolved (validated, every default filled in), run into a run directory and summarised.

================  ============================  ========================================================
kind              marked by                     run
================  ============================  ========================================================
``evolve``        ``[model]`` and ``[task]``    an evolution, checkpointed (``--resume``, ``--more``)
``comparison``    ``[comparison]``              several models evolved from several seeds
``regime_map``    ``[regime_map]``              a CTRNN regime map over a grid of two parameters
``capacity``      ``[capacity]``                Hopfield capacity curves
``relaxation``    ``[relaxation]``              a memristive circuit relaxing from random states
================  ============================  ========================================================

``config.resolve``, ``experiment.run`` and ``experiment.summary`` each ask :func:`kind_of`,
so a new kind is one :func:`register_kind` call with its three functions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    """One kind of experiment file.

    Attributes
    ----------
    name : str
        The top-level table that marks a file of this kind (``"evolve"``: the default, a
        file with none of the others' tables).
    resolve : callable
        ``resolve(raw, default_name=...) -> config``: the parsed file validated, with every
        default filled in.
    run : callable or None
        ``run(config, out) -> dict`` of manifest entries, for kinds computed in one go (a
        resumed run computes again); None for the checkpointed evolution that
        ``experiment.run`` drives itself.
    summary : callable
        ``summary(run_dir, manifest, config) -> str``: what ``evornn show`` prints.
    """

    name: str
    resolve: Callable
    run: Callable | None
    summary: Callable

    @property
    def evolution(self) -> bool:
        """Whether runs of this kind are one checkpointed evolution (``--more`` extends them,
        ``load_run`` decodes their best network)."""
        return self.run is None


KINDS: dict[str, Kind] = {}
DEFAULT = "evolve"


def register_kind(kind: Kind) -> None:
    """Register `kind`; a kind registered under the same name is replaced."""
    KINDS[kind.name] = kind


def kind_of(table) -> Kind:
    """The kind of a parsed or resolved experiment: the first registered kind whose table
    it holds, else the evolution run."""
    if not KINDS:
        from . import experiment  # noqa: F401 (registers the built-in kinds)
    if isinstance(table, dict):
        for name, kind in KINDS.items():
            if name != DEFAULT and name in table:
                return kind
    return KINDS[DEFAULT]
