r"""Particle swarm optimisation, the whole swarm evaluated in one call.

Constriction variant (Clerc and Kennedy, 2002), with :math:`\varphi = c_1 + c_2 > 4`:

.. math::

    v \leftarrow \chi \big(v + c_1 r_1 (p - x) + c_2 r_2 (g - x)\big), \qquad
    \chi = \frac{2}{\left|2 - \varphi - \sqrt{\varphi^2 - 4 \varphi}\right|}

Inertia variant (Shi and Eberhart, 1998): :math:`v \leftarrow w v + c_1 r_1 (p - x) + c_2
r_2 (g - x)` with :math:`w` falling linearly from ``inertia_start`` to ``inertia_end``.
Then velocities are clamped to ``[-v_max, v_max]``, :math:`x \leftarrow x + v`, and a
particle that leaves ``[-1, 1]`` is put back on the bound with that velocity component
zeroed (``bounds="clip"``) or reflected (``bounds="reflect"``). :math:`p` is the particle's
best position, :math:`g` the best of its neighbourhood: the whole swarm (``"global"``) or
its two ring neighbours and itself (``"ring"``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError
from .base import Strategy, check_choice, check_range


@dataclass(frozen=True)
class PSOOptions:
    """Options of ``method="pso"``.

    Parameters
    ----------
    variant
        "constriction" or "inertia"
    cognitive, social
        acceleration coefficients c1, c2 (default 2.05 each for
        constriction, 2.0 each for inertia)
    inertia_start, inertia_end
        inertia weight schedule (inertia variant)
    v_max
        velocity clamp, in gene units (genes span [-1, 1])
    topology
        "global" or "ring"
    bounds
        "clip" or "reflect"
    """

    variant: str = "constriction"
    cognitive: float | None = None
    social: float | None = None
    inertia_start: float = 0.9
    inertia_end: float = 0.4
    v_max: float = 1.0
    topology: str = "global"
    bounds: str = "clip"

    def check(self, n_genes: int) -> None:
        check_choice("variant", self.variant, ("constriction", "inertia"))
        check_choice("topology", self.topology, ("global", "ring"))
        check_choice("bounds", self.bounds, ("clip", "reflect"))
        for name in ("cognitive", "social"):
            if getattr(self, name) is not None:
                check_range(name, getattr(self, name), 0.0, 10.0)
        check_range("inertia_start", self.inertia_start, 0.0, 2.0)
        check_range("inertia_end", self.inertia_end, 0.0, 2.0)
        check_range("v_max", self.v_max, 1e-12, 10.0)
        if self.variant == "constriction" and self.coefficients()[0] + self.coefficients()[1] <= 4.0:
            raise ConfigError(f"constriction needs cognitive + social > 4, got {sum(self.coefficients())}")

    def coefficients(self) -> tuple[float, float]:
        default = 2.05 if self.variant == "constriction" else 2.0
        return (default if self.cognitive is None else self.cognitive, default if self.social is None else self.social)


class PSO(Strategy):
    """Particle swarm with ``n_pop`` particles; see the module docstring."""

    name = "pso"
    options_type = PSOOptions
    STATE = ("position", "velocity", "best_position", "best_fitness", "step")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.position = self.velocity = self.best_position = np.empty((0, self.n_genes))
        self.best_fitness = np.empty(0)
        self.step = 0

    def ask(self) -> np.ndarray:
        opts = self.options
        if not self.started:
            self.position = self.random_genomes(self.n_pop)
            self.velocity = self.rng.uniform(-opts.v_max, opts.v_max, size=self.position.shape)
            return self.position.copy()
        c1, c2 = opts.coefficients()
        x, v, p = self.position, self.velocity, self.best_position
        g = self._neighbourhood_best()
        r1 = self.rng.random(x.shape)
        r2 = self.rng.random(x.shape)
        pull = c1 * r1 * (p - x) + c2 * r2 * (g - x)
        if opts.variant == "constriction":
            phi = c1 + c2
            chi = 2.0 / abs(2.0 - phi - np.sqrt(phi * phi - 4.0 * phi))
            v = chi * (v + pull)
        else:
            frac = min(1.0, self.step / max(1, self.n_generations - 2))
            v = (opts.inertia_start + (opts.inertia_end - opts.inertia_start) * frac) * v + pull
        v = np.clip(v, -opts.v_max, opts.v_max)
        x = x + v
        above, below = x > self.high, x < self.low
        if opts.bounds == "reflect":
            x = np.where(above, 2 * self.high - x, np.where(below, 2 * self.low - x, x))
            v = np.where(above | below, -v, v)
        else:
            v = np.where(above | below, 0.0, v)
        x = np.clip(x, self.low, self.high)
        self.position, self.velocity = x, v
        self.step += 1
        return x.copy()

    def _neighbourhood_best(self) -> np.ndarray:
        f = self.best_fitness
        if self.options.topology == "global":
            return self.best_position[int(np.argmax(f))][None, :]
        n = f.shape[0]
        neighbours = (np.arange(n)[:, None] + np.array([-1, 0, 1])) % n
        return self.best_position[neighbours[np.arange(n), np.argmax(f[neighbours], axis=1)]]

    def tell(self, genomes: np.ndarray, fitness: np.ndarray) -> None:
        if not self.started:
            self.best_position, self.best_fitness = genomes.copy(), fitness.copy()
            self.started = True
            return
        better = fitness > self.best_fitness
        self.best_position = np.where(better[:, None], genomes, self.best_position)
        self.best_fitness = np.where(better, fitness, self.best_fitness)

    def population(self):
        return self.best_position, self.best_fitness
