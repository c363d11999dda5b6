"""NEAT, NeuroEvolution of Augmenting Topologies (Stanley and Miikkulainen 2002): genomes of
growing networks (:class:`NEATCodec`), their operators (:mod:`evornn.neat.operators`) and
the method ``evolve(problem, "neat")`` (:mod:`evornn.optim.neat`)."""

from .genome import NEATCodec
from .neat_python import read_neat_config

__all__ = ["NEATCodec", "read_neat_config"]
