"""Batched tasks: each scores a whole population in one call (see :mod:`evornn.tasks.base`)."""

from .base import Evaluation, Task, error_fitness
from .oscillator import OscillatorTask
from .sequence import SequenceTask

__all__ = ["Evaluation", "OscillatorTask", "SequenceTask", "Task", "error_fitness"]
