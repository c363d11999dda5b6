"""NEAT (Stanley and Miikkulainen 2002) in the evolution loop: ``evolve(problem, "neat")``
with a :class:`~evornn.neat.NEATCodec`.

Each generation (in :meth:`NEAT.tell`): the evaluated genomes are put into species (the
first species whose representative, a random member of the previous generation, is
within the compatibility threshold); a species whose best fitness has not improved for
``max_stagnation`` generations stops reproducing (unless it is among the
``species_elitism`` best); fitness is shared within each species (explicit fitness sharing:
each member's fitness, less the population's lowest, divided by the species' size), and
each species gets offspring in proportion to its members' summed shared fitness (largest
remainders); within a species the champion of a species larger than
``elitism_min_size`` is copied unchanged, the best ``survival_threshold`` fraction are the
parents, and each other child is a crossover of two parents (with probability
``crossover_rate``; the second parent from another species with probability
``interspecies_rate``) or a copy of one, then mutated (:mod:`evornn.neat.operators`).

Option names follow neat-python's configuration where they mean the same thing
(:func:`evornn.neat.read_neat_config` reads its files); defaults are the NEAT paper's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError
from ..models.neat_net import ACTIVATIONS
from ..neat import operators as ops
from .base import Strategy, check_choice, check_flag, check_range, task_descriptors
from .novelty import novelty, threshold_archive


@dataclass(frozen=True)
class NEATOptions:
    """Options of ``method="neat"`` (neat-python's names; defaults from the NEAT paper).

    Parameters
    ----------
    compatibility_threshold
        species threshold on the compatibility distance (paper: 3.0)
    compatibility_formula
        "paper" (its equation over connection genes, see :mod:`evornn.neat.operators`) or
        "neat-python" (node and connection genes, each part over the larger genome's count)
    compatibility_excess_coefficient, compatibility_disjoint_coefficient, compatibility_weight_coefficient
        c1, c2, c3 of the distance (paper: 1, 1, 0.4; neat-python's formula has no c1)
    normalize_min_genes
        genomes with fewer connection genes are not normalised by their size (paper: 20)
    species_target
        adjust the threshold by ``threshold_step`` each generation towards this many
        species (0: a fixed threshold)
    threshold_step, threshold_min
        the dynamic threshold's step and floor
    max_stagnation
        generations without improvement after which a species stops reproducing (15)
    species_fitness_func
        a species' fitness for stagnation: its members' "max" (the paper) or "mean"
    min_species_size
        offspring at least this many for every species that reproduces (neat-python: 1)
    stagnation_penalty
        a stagnant species' share of offspring is multiplied by this (neat-python: 0, it
        dies; NEAT's reference code: 0.01, it fades)
    population_stagnation
        generations without improvement of the population's best after which only the two
        best species reproduce, once (the NEAT paper: 20; 0 turns it off)
    species_elitism
        the best species that are spared when stagnant
    elitism
        champions copied unchanged from each species larger than ``elitism_min_size`` (1; 5)
    survival_threshold
        fraction of each species allowed to reproduce (0.2)
    crossover_rate
        fraction of children made by crossover (paper: 0.75)
    mate_only_prob
        probability that a crossover child is not mutated (NEAT's reference code: 0.2;
        neat-python: 0)
    crossover_average_prob
        probability that a crossover averages the parents' matching genes (every weight,
        bias, response, time constant and gain the mean of the two; activations still
        from either parent at random) instead of taking each value from either parent
        (NEAT's reference code: 0.4, its ``mate_multipoint_avg_prob``; neat-python: 0)
    interspecies_rate
        probability that a crossover takes its second parent from another species (0.001)
    node_add_prob, node_delete_prob, conn_add_prob, conn_delete_prob
        structural mutation rates per child (paper: 0.03, 0, 0.05, 0)
    single_structural_mutation
        at most one structural mutation per child
    structural_mutation_surer
        an add-connection that finds an existing connection enables it
    enabled_mutate_rate
        probability that a connection's enabled flag is redrawn
    activation_mutate_rate
        probability that a node's activation is redrawn from the codec's options
    values_mutate_prob
        probability that a child's weights and node values are mutated at all (the NEAT
        paper: 0.8; neat-python: 1)
    perturbation
        "gaussian" (a value moves by N(0, power), as in neat-python) or "uniform" (by
        U(-power, power), as in NEAT's reference code)
    weight_init_mean, weight_init_stdev, weight_mutate_rate, weight_mutate_power, weight_replace_rate
        new weights ~ N(mean, stdev); in a child whose values mutate, each weight is
        perturbed (see `perturbation`) with the mutate rate or redrawn with the replace rate
        (clipped to the codec's range)
    bias_*, response_*, tau_*, gain_*
        the same for node biases, responses (neat-python's multiplier of the summed input),
        and a CTRNN node's time constant and gain
    objective
        "fitness", or "novelty": NEAT selects for the novelty of the task's behaviour
        descriptors (Lehman and Stanley 2011, who ran novelty search with NEAT; see
        :mod:`evornn.optim.novelty`), the history and result keeping the task's fitness
    descriptors
        novelty: which of the task's descriptors (default all)
    novelty_k, novelty_threshold
        novelty: the nearest neighbours averaged (15) and the archive's initial threshold,
        in the descriptors' unit box (it adapts as in the paper)
    """

    compatibility_threshold: float = 3.0
    compatibility_formula: str = "paper"
    compatibility_excess_coefficient: float = 1.0
    compatibility_disjoint_coefficient: float = 1.0
    compatibility_weight_coefficient: float = 0.4
    normalize_min_genes: int = 20
    species_target: int = 0
    threshold_step: float = 0.3
    threshold_min: float = 0.3
    max_stagnation: int = 15
    species_fitness_func: str = "max"
    min_species_size: int = 0
    population_stagnation: int = 20
    stagnation_penalty: float = 0.0
    species_elitism: int = 1
    elitism: int = 1
    elitism_min_size: int = 5
    survival_threshold: float = 0.2
    crossover_rate: float = 0.75
    mate_only_prob: float = 0.0
    crossover_average_prob: float = 0.0
    interspecies_rate: float = 0.001
    node_add_prob: float = 0.03
    node_delete_prob: float = 0.0
    conn_add_prob: float = 0.05
    conn_delete_prob: float = 0.0
    single_structural_mutation: bool = False
    structural_mutation_surer: bool = False
    enabled_mutate_rate: float = 0.0
    activation_mutate_rate: float = 0.0
    values_mutate_prob: float = 1.0
    perturbation: str = "gaussian"
    weight_init_mean: float = 0.0
    weight_init_stdev: float = 1.0
    weight_mutate_rate: float = 0.8
    weight_mutate_power: float = 0.5
    weight_replace_rate: float = 0.1
    bias_init_mean: float = 0.0
    bias_init_stdev: float = 1.0
    bias_mutate_rate: float = 0.7
    bias_mutate_power: float = 0.5
    bias_replace_rate: float = 0.1
    response_init_mean: float = 1.0
    response_init_stdev: float = 0.0
    response_mutate_rate: float = 0.0
    response_mutate_power: float = 0.0
    response_replace_rate: float = 0.0
    tau_init_mean: float = 1.0
    tau_init_stdev: float = 0.0
    tau_mutate_rate: float = 0.0
    tau_mutate_power: float = 0.0
    tau_replace_rate: float = 0.0
    gain_init_mean: float = 1.0
    gain_init_stdev: float = 0.0
    gain_mutate_rate: float = 0.0
    gain_mutate_power: float = 0.0
    gain_replace_rate: float = 0.0
    objective: str = "fitness"
    descriptors: list | None = None
    novelty_k: int = 15
    novelty_threshold: float = 0.03

    def check(self, n_genes: int) -> None:
        for name in ("compatibility_threshold", "compatibility_excess_coefficient",
                     "compatibility_disjoint_coefficient", "compatibility_weight_coefficient", "threshold_step",
                     "threshold_min"):
            check_range(name, getattr(self, name), 0.0, 1e6)
        if self.compatibility_threshold <= 0:
            raise ConfigError(f"option compatibility_threshold must be > 0, got {self.compatibility_threshold}")
        for name in ("normalize_min_genes", "species_target", "species_elitism", "elitism", "elitism_min_size",
                     "population_stagnation", "min_species_size"):
            check_range(name, getattr(self, name), 0, 10**6, integer=True)
        check_range("max_stagnation", self.max_stagnation, 1, 10**9, integer=True)
        for name in ("survival_threshold", "crossover_rate", "interspecies_rate", "node_add_prob", "node_delete_prob",
                     "conn_add_prob", "conn_delete_prob", "enabled_mutate_rate", "activation_mutate_rate",
                     "values_mutate_prob", "stagnation_penalty", "mate_only_prob", "crossover_average_prob"):
            check_range(name, getattr(self, name), 0.0, 1.0)
        if self.survival_threshold <= 0:
            raise ConfigError("option survival_threshold must be > 0 (some members must reproduce)")
        check_choice("objective", self.objective, ("fitness", "novelty"))
        check_range("novelty_k", self.novelty_k, 1, 10**6, integer=True)
        check_range("novelty_threshold", self.novelty_threshold, 0.0, 1e6)
        if self.descriptors is not None and not (isinstance(self.descriptors, list | tuple) and self.descriptors
                                                 and all(isinstance(n, str) for n in self.descriptors)):
            raise ConfigError(f"option descriptors must be a list of descriptor names, got {self.descriptors!r}")
        check_choice("compatibility_formula", self.compatibility_formula, ("paper", "neat-python"))
        check_choice("species_fitness_func", self.species_fitness_func, ("max", "mean"))
        check_flag("single_structural_mutation", self.single_structural_mutation)
        check_flag("structural_mutation_surer", self.structural_mutation_surer)
        check_choice("perturbation", self.perturbation, ("gaussian", "uniform"))
        for value in ("weight", "bias", "response", "tau", "gain"):
            check_range(f"{value}_init_mean", getattr(self, f"{value}_init_mean"), -1e6, 1e6)
            for part in ("init_stdev", "mutate_power"):
                check_range(f"{value}_{part}", getattr(self, f"{value}_{part}"), 0.0, 1e6)
            rate, replace = getattr(self, f"{value}_mutate_rate"), getattr(self, f"{value}_replace_rate")
            check_range(f"{value}_mutate_rate", rate, 0.0, 1.0)
            check_range(f"{value}_replace_rate", replace, 0.0, 1.0)
            if rate + replace > 1.0:
                raise ConfigError(f"options {value}_mutate_rate + {value}_replace_rate must be at most 1, got "
                                  f"{rate} + {replace}")


class NEAT(Strategy):
    """NEAT; see the module docstring and :class:`NEATOptions`."""

    name = "neat"
    options_type = NEATOptions
    low, high = -np.inf, np.inf  # genome rows hold keys and counts, not genes in [-1, 1]
    STATE = ("children", "last_genomes", "last_fitness", "species_id", "species_rep", "species_best",
             "species_improved", "counters", "threshold", "generation", "species_history", "best", "improved",
             "novelty_archive", "novelty_threshold", "quiet")
    NONFINITE_STATE = ("best",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.codec = None
        self.threshold = float(self.options.compatibility_threshold)
        self.generation = 0
        self.children = self.last_genomes = np.empty((0, self.n_genes))
        self.last_fitness = np.empty(0)
        self.species_id = np.empty(0, dtype=np.int64)
        self.species_rep = np.empty((0, self.n_genes))
        self.species_best = np.empty(0)
        self.species_improved = np.empty(0, dtype=np.int64)
        self.species_history = np.empty((0, 4))  # generation, species id, size, best fitness
        self.counters = np.zeros(4, dtype=np.int64)  # innovation, node key, skipped, species id
        self.best, self.improved = -np.inf, 0  # the population's best fitness, and when it last rose
        self.novelty_archive, self.novelty_threshold, self.quiet = np.empty((0, 0)), self.options.novelty_threshold, 0
        self._last_record = {}
        self._last_is_ours = False  # whether last_genomes is an array of this strategy's children
        o = self.options
        opts = np.zeros(ops.N_OPTS)
        opts[[ops.O_MEAN, ops.O_MAX_STAGNATION, ops.O_SPECIES_ELITISM, ops.O_POPULATION_STAGNATION, ops.O_PENALTY,
              ops.O_MIN_SPECIES, ops.O_SURVIVAL, ops.O_CROSSOVER, ops.O_INTERSPECIES, ops.O_MATE_ONLY, ops.O_AVERAGE,
              ops.O_ELITISM, ops.O_ELITISM_MIN, ops.O_FORMULA, ops.O_C1, ops.O_C2, ops.O_C3, ops.O_NORMALIZE_MIN]] = [
            o.species_fitness_func == "mean", o.max_stagnation, o.species_elitism, o.population_stagnation,
            o.stagnation_penalty, o.min_species_size, o.survival_threshold, o.crossover_rate, o.interspecies_rate,
            o.mate_only_prob, o.crossover_average_prob, o.elitism, o.elitism_min_size,
            o.compatibility_formula != "paper", o.compatibility_excess_coefficient,
            o.compatibility_disjoint_coefficient, o.compatibility_weight_coefficient, o.normalize_min_genes]
        self._opts = opts

    def attach(self, problem) -> None:
        codec = problem.codec
        if not getattr(codec, "structured", False) or not hasattr(codec, "max_nodes"):
            raise ConfigError(f"neat evolves NEAT genomes: the problem needs an evornn.neat.NEATCodec, got "
                              f"{type(codec).__name__}")
        self.codec = codec
        o = self.options
        table = []
        for value in ("weight", "bias", "response", "tau", "gain"):
            low, high = codec.ranges[value]
            table.append([getattr(o, f"{value}_init_mean"), getattr(o, f"{value}_init_stdev"), low, high,
                          getattr(o, f"{value}_mutate_rate"), getattr(o, f"{value}_mutate_power"),
                          getattr(o, f"{value}_replace_rate")])
        self.attrs = np.array(table, dtype=np.float64)
        self.rates = np.array([o.node_add_prob, o.node_delete_prob, o.conn_add_prob, o.conn_delete_prob,
                               o.enabled_mutate_rate, o.activation_mutate_rate, float(o.single_structural_mutation),
                               float(codec.feed_forward), float(o.structural_mutation_surer), o.values_mutate_prob,
                               float(o.perturbation == "uniform")])
        names = codec.activation_options if codec.model == "network" else ("logistic",)
        default = codec.activation if codec.model == "network" else "logistic"
        self.activations = np.array([ACTIVATIONS[default]] + [ACTIVATIONS[n] for n in names if n != default],
                                    dtype=np.float64)
        if not self.started:
            self.counters[:] = [codec.initial_innovations + 1, codec.initial_nodes, 0, 0]
        if o.objective == "novelty":
            self.descriptors = task_descriptors(self.name, problem.task, o.descriptors)
            self.desc_low = np.array([d.low for d in self.descriptors])
            self.desc_span = np.array([d.high for d in self.descriptors]) - self.desc_low
            if self.novelty_archive.size == 0:
                self.novelty_archive = np.empty((0, len(self.descriptors)))

    # ------------------------------------------------------------------ ask / tell
    def _draw(self, which: int, shape) -> np.ndarray:
        a = self.attrs[which]
        return np.clip(a[ops.INIT_MEAN] + a[ops.INIT_STDEV] * self.rng.standard_normal(shape), a[ops.MIN], a[ops.MAX])

    def ask(self) -> np.ndarray:
        """The genomes to evaluate, shape (n_pop, n_genes). The array is the strategy's own
        and holds the children of a later generation once two more have been told: copy
        it to keep it."""
        if not self.started:
            codec, n = self.codec, self.n_pop
            nodes = (n, codec.initial_nodes)
            self.children = codec.initial(
                n, weights=self._draw(ops.A_WEIGHT, (n, codec.initial_innovations)), biases=self._draw(ops.A_BIAS, nodes),
                responses=self._draw(ops.A_RESPONSE, nodes), taus=self._draw(ops.A_TAU, nodes),
                gains=self._draw(ops.A_GAIN, nodes))
            self.started = True
        return self.children

    def tell_evaluation(self, genomes: np.ndarray, evaluation) -> None:
        if self.options.objective == "fitness":
            return self.tell(genomes, evaluation.fitness)
        behaviours = (np.stack([evaluation.metrics[d.name] for d in self.descriptors], axis=1)
                      - self.desc_low) / self.desc_span
        scores = novelty(behaviours, self.novelty_archive, self.options.novelty_k)
        self.novelty_archive, self.novelty_threshold, self.quiet = threshold_archive(
            self.novelty_archive, behaviours, scores, self.novelty_threshold, self.quiet)
        self.tell(genomes, scores)
        self.last_fitness = evaluation.fitness.copy()  # the result keeps the task's fitness
        self._last_record.update(archive_size=int(self.novelty_archive.shape[0]),
                                 novelty_threshold=float(self.novelty_threshold), mean_novelty=float(scores.mean()))

    def tell(self, genomes: np.ndarray, fitness: np.ndarray) -> None:
        codec = self.codec
        genomes = np.ascontiguousarray(genomes, dtype=np.float64)
        fitness = np.ascontiguousarray(fitness, dtype=np.float64)
        if fitness.shape != (genomes.shape[0],) or not np.isfinite(fitness).all():
            raise ValueError(f"neat needs one finite fitness per genome, got shape {fitness.shape}")
        # The children are written into the array of the generation before this one when
        # this strategy made it and nothing of it is being told now (its used slots are
        # cleared: zeroing a whole population of padded rows costs more than the rest of
        # this call); the rows told now are kept without a copy for the next generation.
        spare = self.last_genomes if self._last_is_ours else None
        if (spare is not None and spare.shape == (self.n_pop, self.n_genes)
                and not np.may_share_memory(spare, genomes)):
            ops.clear_genomes(spare, codec.max_nodes, codec.max_connections)
            children = spare
        else:
            children = np.zeros((self.n_pop, self.n_genes))
        self._last_is_ours = genomes is self.children
        self.last_genomes, self.last_fitness = genomes, fitness.copy()
        population = np.array([self.best, self.improved], dtype=np.float64)
        founders, live, top, sizes, counts, chosen, best, improved = ops.next_generation(
            genomes, fitness, self.species_rep, self.species_best, self.species_improved, self.generation, population,
            self.threshold, self._opts, codec.max_nodes, codec.max_connections, codec.n_inputs, codec.n_outputs,
            self.attrs, self.rates, self.activations, self.rng, self.counters, children)
        self.children = children
        self.best, self.improved = float(population[0]), int(population[1])
        n_new = founders.size
        ids = np.concatenate([self.species_id, self.counters[3] + np.arange(n_new)])
        self.counters[3] += n_new
        # The species that reproduce live on, each represented by a random member.
        keep = counts > 0
        self.species_id = ids[live[keep]]
        self.species_rep = genomes[chosen[keep]]
        self.species_best, self.species_improved = best[live[keep]], improved[live[keep]]
        rows = np.empty((live.size, 4))
        rows[:, 0], rows[:, 1], rows[:, 2], rows[:, 3] = self.generation, ids[live], sizes, top
        self.species_history = np.concatenate([self.species_history, rows])
        o = self.options
        if o.species_target:
            if live.size < o.species_target:
                self.threshold = max(o.threshold_min, self.threshold - o.threshold_step)
            elif live.size > o.species_target:
                self.threshold += o.threshold_step
        hidden, connections = codec.size(genomes, check=False)
        n = genomes.shape[0]  # means of whole numbers: the sums are exact
        self._last_record = {"species": int(live.size), "threshold": self.threshold,
                             "mean_hidden": float(hidden.sum()) / n, "mean_connections": float(connections.sum()) / n,
                             "capacity_skipped": int(self.counters[2])}
        self.generation += 1

    def _plan(self, groups, counts, fitness) -> np.ndarray:
        """(kind, parent a, parent b) of every child of species `groups` (genome indices)
        given their offspring `counts` (see :func:`evornn.neat.operators.plan_children`)."""
        offsets = np.concatenate([[0], np.cumsum([len(g) for g in groups])]).astype(np.int64)
        return ops.plan_children(np.concatenate(groups).astype(np.int64), offsets, np.asarray(counts, dtype=np.int64),
                                 np.asarray(fitness, dtype=np.float64), self._opts, self.rng)

    def record(self) -> dict:
        return dict(self._last_record)

    def population(self):
        return self.last_genomes, self.last_fitness

    def species_table(self) -> dict[str, np.ndarray]:
        """Every generation's species: ``generation``, ``species`` (its id), ``size`` and
        ``best`` (its best fitness that generation), one row per species and generation."""
        h = self.species_history
        return {"generation": h[:, 0].astype(np.int64), "species": h[:, 1].astype(np.int64),
                "size": h[:, 2].astype(np.int64), "best": h[:, 3]}

    def restore(self, state: dict) -> None:
        super().restore(state)
        for name in ("species_id", "species_improved", "counters"):
            setattr(self, name, np.asarray(getattr(self, name), dtype=np.int64))
        self.threshold, self.generation = float(self.threshold), int(self.generation)
        self.best, self.improved = float(self.best), int(self.improved)
        self.novelty_threshold, self.quiet = float(self.novelty_threshold), int(self.quiet)

