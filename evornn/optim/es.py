r"""Evolution strategies that move a search distribution: OpenAI-ES, PGPE, SNES, xNES and
separable CMA-ES.

Each samples a generation around a mean, ranks the samples (fitness shaping: only the order
of the fitness values matters, so a worst fitness given to a diverged network or a penalty
for leaving the gene box does no harm) and moves the distribution:

============  ==================================================  ===========================
method        distribution and update                             paper
============  ==================================================  ===========================
openai_es     fixed isotropic :math:`\sigma`; antithetic pairs;   Salimans et al. 2017
              centred ranks; Adam or SGD with momentum on the
              mean, with weight decay
pgpe          per-gene :math:`\sigma`, adapted; symmetric pairs;  Sehnke et al. 2010;
              ClipUp (or Adam) on the mean                        Toklu et al. 2020
snes          per-gene :math:`\sigma`; natural gradient with      Schaul et al. 2011
              NES utilities
xnes          full covariance :math:`\sigma^2 B B^T`, natural     Glasmachers et al. 2010
              gradient in exponential coordinates
sep_cmaes     CMA-ES with a diagonal covariance and learning      Ros and Hansen 2008
              rates raised by (n + 2) / 3
============  ==================================================  ===========================

The separable methods cost O(n_pop n_genes) per generation and scale to genomes of 10,000
genes and more; xNES costs an eigendecomposition of an ``n_genes x n_genes`` matrix per
generation. Every draw comes from the strategy's ``rng``; the updates run with BLAS on one
thread, so the same seed gives the same bits on any machine setting.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._numba import one_blas_thread
from ..errors import ConfigError
from ._kernels import scaled_samples
from .base import Strategy, check_choice, check_flag, check_range


def centred_ranks(fitness: np.ndarray) -> np.ndarray:
    """Ranks scaled to ``[-0.5, 0.5]``, the fittest highest (ties by position)."""
    n = fitness.shape[0]
    ranks = np.empty(n)
    ranks[np.argsort(fitness, kind="stable")] = np.arange(n)
    return ranks / max(n - 1, 1) - 0.5


def nes_utilities(n: int) -> np.ndarray:
    """NES utilities of ranks 1 (fittest) to n: ``max(0, log(n/2 + 1) - log k)``
    normalised to sum to one, less ``1 / n`` (Wierstra et al. 2014)."""
    u = np.maximum(0.0, np.log(n / 2 + 1) - np.log(np.arange(1, n + 1)))
    return u / u.sum() - 1.0 / n


def _start(strategy: Strategy, centroid: str) -> np.ndarray:
    return strategy.random_genomes(1)[0] if centroid == "random" else np.zeros(strategy.n_genes)


def _check_centroid(centroid) -> None:
    check_choice("centroid", centroid, ("random", "center"))


class _Distribution(Strategy):
    """Shared by the strategies here: the mean, the last generation and its fitness."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.n_pop < 2:
            raise ConfigError(f"{self.name} needs n_pop >= 2, got {self.n_pop}")
        self.mean = _start(self, self.options.centroid)
        self.genomes = np.empty((0, self.n_genes))
        self.fitness = np.empty(0)
        self.noise = np.empty((0, self.n_genes))  # the last generation's standard normal draws

    def tell(self, genomes: np.ndarray, fitness: np.ndarray) -> None:
        with one_blas_thread():
            self._update(genomes, self.box_penalised(genomes, fitness))
        # The loop hands over arrays it does not change again: kept without a copy.
        self.genomes, self.fitness, self.started = genomes, fitness, True

    def population(self):
        return np.clip(self.genomes, self.low, self.high), self.fitness


def _adam(state: Strategy, gradient: np.ndarray, learning_rate: float, beta1: float = 0.9, beta2: float = 0.999,
          epsilon: float = 1e-8) -> np.ndarray:
    """One step of Adam (Kingma and Ba 2015) ascending `gradient`; its moments live on `state`."""
    state.step += 1
    state.moment1 = beta1 * state.moment1 + (1 - beta1) * gradient
    state.moment2 = beta2 * state.moment2 + (1 - beta2) * gradient * gradient
    rate = learning_rate * np.sqrt(1 - beta2**state.step) / (1 - beta1**state.step)
    return rate * state.moment1 / (np.sqrt(state.moment2) + epsilon)


@dataclass(frozen=True)
class OpenAIESOptions:
    """Options of ``method="openai_es"`` (Salimans, Ho, Chen, Sidor and Sutskever 2017,
    "Evolution strategies as a scalable alternative to reinforcement learning"; the defaults
    are theirs). ``n_pop`` samples, in antithetic pairs (so even).

    Parameters
    ----------
    sigma
        the fixed standard deviation of the samples, in gene units (genes span [-1, 1])
    learning_rate
        Adam's step size (or SGD's)
    optimizer
        "adam" or "sgd" (with momentum)
    momentum
        SGD's momentum
    weight_decay
        L2 coefficient: the gradient step is taken on ``g - weight_decay * mean``
    centroid
        initial mean, "random" (uniform in [-1, 1]) or "center" (all zeros)
    evaluate_center
        also evaluate the mean each generation (one more evaluation), so that the result's
        best genome can be the distribution's mean, which is what OpenAI-ES converges
    """

    sigma: float = 0.02
    learning_rate: float = 0.01
    optimizer: str = "adam"
    momentum: float = 0.9
    weight_decay: float = 0.005
    centroid: str = "random"
    evaluate_center: bool = True

    def check(self, n_genes: int) -> None:
        check_range("sigma", self.sigma, 1e-12, 100.0)
        check_range("learning_rate", self.learning_rate, 1e-12, 100.0)
        check_choice("optimizer", self.optimizer, ("adam", "sgd"))
        check_range("momentum", self.momentum, 0.0, 0.999999)
        check_range("weight_decay", self.weight_decay, 0.0, 100.0)
        _check_centroid(self.centroid)
        check_flag("evaluate_center", self.evaluate_center)


class _Antithetic(_Distribution):
    """Samples in antithetic pairs (so ``n_pop`` is even), and the mean too when asked to
    evaluate it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.n_pop % 2:
            raise ConfigError(f"{self.name} samples antithetic pairs: n_pop must be even and >= 2, got {self.n_pop}")
        self.n_pairs = self.n_pop // 2

    def max_asked(self) -> int:
        return self.n_pop + int(self.options.evaluate_center)

    def _paired(self, offsets: np.ndarray) -> np.ndarray:
        """The mean plus and minus each row of `offsets`, then the mean itself if evaluated."""
        samples = self.mean + np.concatenate([offsets, -offsets])
        return np.concatenate([samples, self.mean[None]]) if self.options.evaluate_center else samples


class OpenAIES(_Antithetic):
    """OpenAI's evolution strategy; see :class:`OpenAIESOptions`."""

    name = "openai_es"
    options_type = OpenAIESOptions
    STATE = ("mean", "genomes", "fitness", "moment1", "moment2", "step")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.moment1, self.moment2, self.step = np.zeros(self.n_genes), np.zeros(self.n_genes), 0

    def ask(self) -> np.ndarray:
        self.noise = self.rng.standard_normal((self.n_pairs, self.n_genes))
        return self._paired(self.options.sigma * self.noise)

    def _update(self, genomes, fitness) -> None:
        opts, k = self.options, self.n_pairs
        shaped = centred_ranks(fitness[: 2 * k])
        gradient = (shaped[:k] - shaped[k:]) @ self.noise / (2 * k * opts.sigma) - opts.weight_decay * self.mean
        if opts.optimizer == "adam":
            self.mean = self.mean + _adam(self, gradient, opts.learning_rate)
        else:
            self.step += 1
            self.moment1 = opts.momentum * self.moment1 + (1 - opts.momentum) * gradient
            self.mean = self.mean + opts.learning_rate * self.moment1


@dataclass(frozen=True)
class PGPEOptions:
    """Options of ``method="pgpe"``: policy gradients with parameter-based exploration
    (Sehnke, Osendorfer, Rückstiess, Graves, Peters and Schmidhuber 2010) with the ClipUp
    optimiser of Toklu, Liskowski and Srivastava 2020 (their defaults: momentum 0.9, step
    size half the maximum speed, standard deviations learnt at 0.1 and changed by at most
    20% per generation). ``n_pop`` samples, in symmetric pairs (so even); fitness shaped by
    centred ranks.

    Parameters
    ----------
    sigma
        initial standard deviation of every gene, in gene units
    max_speed
        ClipUp's largest step of the mean, in gene units
    center_learning_rate
        ClipUp's step size (default ``max_speed / 2``), or Adam's learning rate
    sigma_learning_rate
        learning rate of the standard deviations
    sigma_max_change
        largest relative change of a standard deviation in one generation
    optimizer
        "clipup" or "adam"
    momentum
        ClipUp's momentum
    centroid, evaluate_center
        as for ``openai_es``
    """

    sigma: float = 0.1
    max_speed: float = 0.15
    center_learning_rate: float | None = None
    sigma_learning_rate: float = 0.1
    sigma_max_change: float = 0.2
    optimizer: str = "clipup"
    momentum: float = 0.9
    centroid: str = "random"
    evaluate_center: bool = True

    def check(self, n_genes: int) -> None:
        check_range("sigma", self.sigma, 1e-12, 100.0)
        check_range("max_speed", self.max_speed, 1e-12, 100.0)
        if self.center_learning_rate is not None:
            check_range("center_learning_rate", self.center_learning_rate, 1e-12, 100.0)
        check_range("sigma_learning_rate", self.sigma_learning_rate, 0.0, 10.0)
        check_range("sigma_max_change", self.sigma_max_change, 0.0, 0.99)
        check_choice("optimizer", self.optimizer, ("clipup", "adam"))
        check_range("momentum", self.momentum, 0.0, 0.999999)
        _check_centroid(self.centroid)
        check_flag("evaluate_center", self.evaluate_center)


class PGPE(_Antithetic):
    """PGPE with ClipUp; see :class:`PGPEOptions`."""

    name = "pgpe"
    options_type = PGPEOptions
    STATE = ("mean", "sigma", "genomes", "fitness", "velocity", "moment1", "moment2", "step")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sigma = np.full(self.n_genes, self.options.sigma)
        self.velocity, self.moment1, self.moment2 = (np.zeros(self.n_genes) for _ in range(3))
        self.step = 0

    def ask(self) -> np.ndarray:
        self.noise = self.sigma * self.rng.standard_normal((self.n_pairs, self.n_genes))
        return self._paired(self.noise)

    def _update(self, genomes, fitness) -> None:
        opts, k = self.options, self.n_pairs
        shaped = centred_ranks(fitness[: 2 * k])
        plus, minus = shaped[:k], shaped[k:]
        gradient = (plus - minus) @ self.noise / (2 * k)
        baseline = shaped.mean()
        centred = (plus + minus) / 2 - baseline
        sigma_gradient = (centred @ np.square(self.noise) - centred.sum() * self.sigma**2) / (k * self.sigma)
        rate = opts.max_speed / 2 if opts.center_learning_rate is None else opts.center_learning_rate
        if opts.optimizer == "clipup":
            norm = np.linalg.norm(gradient)
            self.velocity = opts.momentum * self.velocity + (rate * gradient / norm if norm > 0 else 0.0)
            speed = np.linalg.norm(self.velocity)
            if speed > opts.max_speed:
                self.velocity = self.velocity * (opts.max_speed / speed)
            self.mean = self.mean + self.velocity
        else:
            self.mean = self.mean + _adam(self, gradient, rate)
        change = np.clip(opts.sigma_learning_rate * sigma_gradient, -opts.sigma_max_change * self.sigma,
                         opts.sigma_max_change * self.sigma)
        self.sigma = self.sigma + change


@dataclass(frozen=True)
class SNESOptions:
    """Options of ``method="snes"``: separable natural evolution strategies (Schaul,
    Glasmachers and Schmidhuber 2011, "High dimensions and heavy tails for natural evolution
    strategies"; their defaults: mean learning rate 1, standard deviations' ``(3 + ln n) /
    (5 sqrt(n))``; a population of ``4 + 3 ln n`` suits them).

    Parameters
    ----------
    sigma
        initial standard deviation of every gene, in gene units
    mean_learning_rate, sigma_learning_rate
        default: the paper's
    centroid
        as for ``openai_es``
    """

    sigma: float = 0.5
    mean_learning_rate: float = 1.0
    sigma_learning_rate: float | None = None
    centroid: str = "random"

    def check(self, n_genes: int) -> None:
        check_range("sigma", self.sigma, 1e-12, 100.0)
        check_range("mean_learning_rate", self.mean_learning_rate, 1e-12, 10.0)
        if self.sigma_learning_rate is not None:
            check_range("sigma_learning_rate", self.sigma_learning_rate, 1e-12, 10.0)
        _check_centroid(self.centroid)


class SNES(_Distribution):
    """Separable NES; see :class:`SNESOptions`."""

    name = "snes"
    options_type = SNESOptions
    STATE = ("mean", "sigma", "genomes", "fitness")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        n = self.n_genes
        self.sigma = np.full(n, self.options.sigma)
        rate = self.options.sigma_learning_rate
        self.sigma_rate = (3 + np.log(n)) / (5 * np.sqrt(n)) if rate is None else rate
        self.utilities = nes_utilities(self.n_pop)

    def ask(self) -> np.ndarray:
        self.noise = self.rng.standard_normal((self.n_pop, self.n_genes))
        return scaled_samples(self.mean, self.sigma, self.noise)

    def _update(self, genomes, fitness) -> None:
        u = np.empty(self.n_pop)
        u[np.argsort(-fitness, kind="stable")] = self.utilities
        self.mean = self.mean + self.options.mean_learning_rate * self.sigma * (u @ self.noise)
        self.sigma = self.sigma * np.exp(self.sigma_rate / 2 * (u @ np.square(self.noise) - u.sum()))


@dataclass(frozen=True)
class XNESOptions:
    """Options of ``method="xnes"``: exponential natural evolution strategies (Glasmachers,
    Schaul, Sun, Wierstra and Schmidhuber 2010; their defaults: mean learning rate 1, step
    size and shape ``(9 + 3 ln n) / (5 n sqrt(n))``).

    Parameters
    ----------
    sigma
        initial step size, in gene units
    mean_learning_rate, sigma_learning_rate, shape_learning_rate
        default: the paper's
    centroid
        as for ``openai_es``
    """

    sigma: float = 0.5
    mean_learning_rate: float = 1.0
    sigma_learning_rate: float | None = None
    shape_learning_rate: float | None = None
    centroid: str = "random"

    def check(self, n_genes: int) -> None:
        check_range("sigma", self.sigma, 1e-12, 100.0)
        check_range("mean_learning_rate", self.mean_learning_rate, 1e-12, 10.0)
        for name in ("sigma_learning_rate", "shape_learning_rate"):
            if getattr(self, name) is not None:
                check_range(name, getattr(self, name), 1e-12, 10.0)
        _check_centroid(self.centroid)


class XNES(_Distribution):
    """Exponential NES with a full covariance; see :class:`XNESOptions`."""

    name = "xnes"
    options_type = XNESOptions
    STATE = ("mean", "sigma", "shape", "genomes", "fitness")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        n, opts = self.n_genes, self.options
        default = (9 + 3 * np.log(n)) / (5 * n * np.sqrt(n))
        self.sigma_rate = default if opts.sigma_learning_rate is None else opts.sigma_learning_rate
        self.shape_rate = default if opts.shape_learning_rate is None else opts.shape_learning_rate
        self.sigma, self.shape = float(opts.sigma), np.eye(n)
        self.utilities = nes_utilities(self.n_pop)

    def ask(self) -> np.ndarray:
        self.noise = self.rng.standard_normal((self.n_pop, self.n_genes))
        with one_blas_thread():
            return self.mean + self.sigma * (self.noise @ self.shape.T)

    def _update(self, genomes, fitness) -> None:
        n = self.n_genes
        u = np.empty(self.n_pop)
        u[np.argsort(-fitness, kind="stable")] = self.utilities
        s = self.noise
        g_mean = u @ s
        g_m = (s * u[:, None]).T @ s - u.sum() * np.eye(n)
        g_sigma = np.trace(g_m) / n
        g_shape = g_m - g_sigma * np.eye(n)
        self.mean = self.mean + self.options.mean_learning_rate * self.sigma * (self.shape @ g_mean)
        self.sigma = float(self.sigma * np.exp(self.sigma_rate / 2 * g_sigma))
        # expm of the symmetric matrix through its eigendecomposition.
        values, vectors = np.linalg.eigh(self.shape_rate / 2 * (g_shape + g_shape.T) / 2)
        self.shape = self.shape @ ((vectors * np.exp(values)) @ vectors.T)


@dataclass(frozen=True)
class SepCMAESOptions:
    """Options of ``method="sep_cmaes"``: CMA-ES with a diagonal covariance (Ros and Hansen
    2008, "A simple modification in CMA-ES achieving linear time and space complexity"),
    with the rank-one and rank-mu learning rates raised by ``(n + 2) / 3`` as they give, and
    the other constants of Hansen's tutorial (2016).

    Parameters
    ----------
    sigma
        initial step size, in gene units
    mu
        number of parents (default n_pop // 2)
    centroid
        as for ``cmaes``
    """

    sigma: float = 0.5
    mu: int | None = None
    centroid: str = "random"

    def check(self, n_genes: int) -> None:
        check_range("sigma", self.sigma, 1e-12, 100.0)
        if self.mu is not None:
            check_range("mu", self.mu, 1, 1 << 30, integer=True)
        _check_centroid(self.centroid)


class SepCMAES(_Distribution):
    """Separable CMA-ES; see :class:`SepCMAESOptions`."""

    name = "sep_cmaes"
    options_type = SepCMAESOptions
    STATE = ("mean", "sigma", "variances", "path_c", "path_sigma", "generation", "genomes", "fitness")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        n = self.n_genes
        mu = min(self.options.mu or self.n_pop // 2, self.n_pop)
        weights = np.log((self.n_pop + 1) / 2) - np.log(np.arange(1, mu + 1))
        self.weights = weights / weights.sum()
        self.mu_eff = 1.0 / np.sum(self.weights**2)
        mu_eff = self.mu_eff
        self.c_sigma = (mu_eff + 2) / (n + mu_eff + 5)
        self.d_sigma = 1 + 2 * max(0.0, np.sqrt((mu_eff - 1) / (n + 1)) - 1) + self.c_sigma
        self.c_c = (4 + mu_eff / n) / (n + 4 + 2 * mu_eff / n)
        c1 = 2 / ((n + 1.3) ** 2 + mu_eff)
        c_mu = min(1 - c1, 2 * (mu_eff - 2 + 1 / mu_eff) / ((n + 2) ** 2 + mu_eff))
        scale = (n + 2) / 3
        self.c1, self.c_mu = min(1.0, c1 * scale), min(1.0 - min(1.0, c1 * scale), c_mu * scale)
        self.chi_n = np.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n))
        self.sigma = float(self.options.sigma)
        self.variances = np.ones(n)
        self.path_c, self.path_sigma = np.zeros(n), np.zeros(n)
        self.generation = 0

    def ask(self) -> np.ndarray:
        self.noise = self.rng.standard_normal((self.n_pop, self.n_genes))
        return scaled_samples(self.mean, self.sigma * np.sqrt(self.variances), self.noise)

    def _update(self, genomes, fitness) -> None:
        n, mu = self.n_genes, self.weights.shape[0]
        top = np.argsort(-fitness, kind="stable")[:mu]
        z = self.noise[top]
        root = np.sqrt(self.variances)
        y = z * root  # the selected steps, in the covariance's metric
        y_w = self.weights @ y
        self.mean = self.mean + self.sigma * y_w
        self.generation += 1
        cs, cc = self.c_sigma, self.c_c
        self.path_sigma = (1 - cs) * self.path_sigma + np.sqrt(cs * (2 - cs) * self.mu_eff) * (self.weights @ z)
        norm = np.linalg.norm(self.path_sigma)
        h_sigma = norm / np.sqrt(1 - (1 - cs) ** (2 * self.generation)) < (1.4 + 2 / (n + 1)) * self.chi_n
        self.path_c = (1 - cc) * self.path_c + h_sigma * np.sqrt(cc * (2 - cc) * self.mu_eff) * y_w
        rank_one = self.path_c**2 + (0.0 if h_sigma else cc * (2 - cc)) * self.variances
        self.variances = ((1 - self.c1 - self.c_mu) * self.variances + self.c1 * rank_one
                          + self.c_mu * (self.weights @ (y * y)))
        self.sigma = float(self.sigma * np.exp(min(1.0, (cs / self.d_sigma) * (norm / self.chi_n - 1))))
