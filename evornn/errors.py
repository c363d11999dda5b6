"""Exceptions and warnings that evornn raises."""


class ConfigError(ValueError):
    """Bad configuration: names the key, the value received and what is allowed."""


class StepSizeWarning(UserWarning):
    """A fixed step is large for the model's fastest time constant (dt > min(tau) / 10)."""


class CheckpointError(ValueError):
    """A checkpoint or run file is corrupt, truncated, or does not match the run resuming it."""


class RenderWarning(UserWarning):
    """An environment could not draw itself (no pygame, no OpenGL context): the animation is
    left out and the plots show the trajectory instead."""

