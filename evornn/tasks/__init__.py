"""Batched tasks: each scores a whole population in one call (see :mod:`evornn.tasks.base`)."""

from .agent2d import WheeledRobotTask
from .base import Evaluation, Task, error_fitness
from .cartpole import CartPoleTask
from .categorize import CategorizationTask
from .oscillator import OscillatorTask
from .recall import RecallTask
from .sequence import SequenceTask
from .timeseries import TimeSeriesTask, nrmse
from .walker import WalkerTask

__all__ = ["CartPoleTask", "CategorizationTask", "Evaluation", "OscillatorTask", "RecallTask", "SequenceTask", "Task",
           "TimeSeriesTask", "WalkerTask", "WheeledRobotTask", "error_fitness", "nrmse"]
