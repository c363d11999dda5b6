"""Batched tasks: each scores a whole population in one call (see :mod:`evornn.tasks.base`)."""

from .agent2d import WheeledRobot, WheeledRobotTask
from .base import Descriptor, Evaluation, FunctionTask, Task, error_fitness
from .body import Body, BodyTask, Trials, register_body, run_body, unit
from .cartpole import CartPole, CartPoleTask
from .categorize import CategorizationTask, Categorizer
from .gym_task import GymTask
from .long_gap import LongGapTask
from .maze import Maze, MazeTask
from .oscillator import OscillatorTask
from .recall import RecallTask
from .sequence import SequenceTask
from .timeseries import TimeSeriesTask, nrmse
from .trees import TreeTask
from .walker import Walker, WalkerTask
from .xor import XORTask

__all__ = ["Body", "BodyTask", "CartPole", "CartPoleTask", "CategorizationTask", "Categorizer", "Descriptor",
           "Evaluation", "FunctionTask", "GymTask", "LongGapTask", "Maze", "MazeTask", "OscillatorTask", "RecallTask",
           "SequenceTask", "Task", "TimeSeriesTask", "TreeTask", "Trials", "Walker", "WalkerTask", "WheeledRobot",
           "WheeledRobotTask",
           "XORTask", "error_fitness", "nrmse", "register_body", "run_body", "unit"]
