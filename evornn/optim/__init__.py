"""Gradient-free optimisers behind one loop: :func:`evolve` and :func:`resume`."""

from .anneal import SAOptions
from .archive import CVTArchive, GridArchive
from .cmaes import CMAESOptions
from .es import OpenAIESOptions, PGPEOptions, SepCMAESOptions, SNESOptions, XNESOptions
from .evolve import METHODS, EvolutionResult, Stopping, evolve, resume
from .ga import GAOptions
from .local_search import LocalSearch
from .neat import NEATOptions
from .novelty import NoveltyOptions
from .nsga2 import NSGA2Options
from .problem import Problem
from .pso import PSOOptions
from .qd import CMAMEOptions, MAPElitesOptions

__all__ = [
    "METHODS",
    "CMAESOptions",
    "CMAMEOptions",
    "CVTArchive",
    "EvolutionResult",
    "GAOptions",
    "GridArchive",
    "LocalSearch",
    "MAPElitesOptions",
    "NEATOptions",
    "NSGA2Options",
    "NoveltyOptions",
    "OpenAIESOptions",
    "PGPEOptions",
    "PSOOptions",
    "Problem",
    "SAOptions",
    "SNESOptions",
    "SepCMAESOptions",
    "Stopping",
    "XNESOptions",
    "evolve",
    "resume",
]
