"""NEAT's generation step written plainly in NumPy (speciation, stagnation, fitness
sharing, allotment and the plan of each child, species by species), the reference for the
compiled :func:`evornn.neat.operators.next_generation`. It draws the same random numbers
in the same order, so both give the same children bit for bit."""

from __future__ import annotations

import math

import numpy as np

from evornn.neat import operators as ops
from evornn.optim.neat import NEAT


def speciate(genomes, reps, mn, threshold, o):
    """Species of each genome: the first representative within `threshold` (new species
    founded by the genome itself), and the representatives old and new."""
    reps, member = list(reps), []
    for g in genomes:
        for s, rep in enumerate(reps):
            if o.compatibility_formula == "paper":
                d = ops.distance(g, rep, mn, o.compatibility_excess_coefficient, o.compatibility_disjoint_coefficient,
                                 o.compatibility_weight_coefficient, o.normalize_min_genes)
            else:
                d = ops.distance_neat_python(g, rep, mn, o.compatibility_disjoint_coefficient,
                                             o.compatibility_weight_coefficient)
            if d < threshold:
                member.append(s)
                break
        else:
            reps.append(g)
            member.append(len(reps) - 1)
    return len(reps), np.array(member, dtype=np.int64)


def allot(share, total, minimum):
    exact = share / share.sum() * total
    counts = np.floor(exact).astype(np.int64)
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[:total - counts.sum()]] += 1
    eligible = np.flatnonzero(share > 0)
    if minimum and eligible.size * minimum <= total:
        for s in eligible:
            while counts[s] < minimum:
                counts[int(np.argmax(np.where(counts > minimum, counts, -1)))] -= 1
                counts[s] += 1
    return counts


class ReferenceNEAT(NEAT):
    """:class:`~evornn.optim.neat.NEAT` with its generation step in Python."""

    def tell(self, genomes, fitness):
        o, codec = self.options, self.codec
        genomes = np.ascontiguousarray(genomes, dtype=np.float64)
        fitness = np.asarray(fitness, dtype=np.float64)
        self.last_genomes, self.last_fitness = genomes, fitness.copy()
        n_reps, member = speciate(genomes, self.species_rep, codec.max_nodes, self.threshold, o)
        n_old = self.species_id.shape[0]
        ids = np.concatenate([self.species_id, self.counters[3] + np.arange(n_reps - n_old)])
        self.counters[3] += n_reps - n_old
        best = np.concatenate([self.species_best, np.full(n_reps - n_old, -np.inf)])
        improved = np.concatenate([self.species_improved, np.full(n_reps - n_old, self.generation)])
        live = np.unique(member)
        groups = [np.flatnonzero(member == s) for s in live]
        top = np.array([fitness[g].max() for g in groups])
        score = top if o.species_fitness_func == "max" else np.array([fitness[g].mean() for g in groups])
        for s, value in zip(live, score, strict=True):
            if value > best[s]:
                best[s], improved[s] = value, self.generation
        stagnant = self.generation - improved[live] >= o.max_stagnation
        if o.species_elitism:
            stagnant[np.argsort(-top, kind="stable")[:o.species_elitism]] = False
        if fitness.max() > self.best:
            self.best, self.improved = float(fitness.max()), self.generation
        elif o.population_stagnation and self.generation - self.improved >= o.population_stagnation:
            stagnant[np.argsort(-top, kind="stable")[2:]] = True
            self.improved = self.generation
        shifted = fitness - min(fitness.min(), 0.0)
        share = np.array([shifted[g].sum() / g.size for g in groups])
        share[stagnant] *= o.stagnation_penalty
        if share.sum() <= 0:
            share = np.where(stagnant, 0.0, [g.size for g in groups]).astype(np.float64)
            if share.sum() <= 0:
                share = np.array([g.size for g in groups], dtype=np.float64)
        counts = allot(share, self.n_pop, o.min_species_size)
        plan = self.plan(groups, counts, fitness)
        children = np.zeros((self.n_pop, self.n_genes))
        ops.reproduce(genomes, fitness, plan, codec.max_nodes, codec.max_connections, codec.n_inputs,
                      codec.n_outputs, self.attrs, self.rates, self.activations, self.rng, self.counters, children)
        self.children = children
        keep = counts > 0
        self.species_id = ids[live[keep]]
        reps = [genomes[g[self.rng.integers(0, g.size)]] for g, k in zip(groups, keep, strict=True) if k]
        self.species_rep = np.stack(reps) if reps else np.empty((0, self.n_genes))
        self.species_best, self.species_improved = best[live[keep]], improved[live[keep]]
        rows = np.column_stack([np.full(live.size, self.generation), ids[live], [g.size for g in groups], top])
        self.species_history = np.concatenate([self.species_history, rows])
        if o.species_target:
            if live.size < o.species_target:
                self.threshold = max(o.threshold_min, self.threshold - o.threshold_step)
            elif live.size > o.species_target:
                self.threshold += o.threshold_step
        self.generation += 1

    def plan(self, groups, counts, fitness):
        o, rng = self.options, self.rng
        ranked = [g[np.argsort(-fitness[g], kind="stable")] for g in groups]
        survivors = [r[:max(1, math.ceil(o.survival_threshold * r.size))] for r in ranked]
        blocks = []
        for s, (r, k) in enumerate(zip(ranked, counts, strict=True)):
            n_elite = min(k, o.elitism, r.size) if r.size > o.elitism_min_size else 0
            elite = np.repeat(r[:n_elite, None], 3, axis=1)
            elite[:, 0] = 0
            m = k - n_elite
            pool = survivors[s]
            a = pool[rng.integers(0, pool.size, m)]
            cross = rng.random(m) < o.crossover_rate
            b = pool[rng.integers(0, pool.size, m)]
            if len(groups) > 1:
                away = cross & (rng.random(m) < o.interspecies_rate)
                for c in np.flatnonzero(away):
                    t = int(rng.integers(0, len(groups) - 1))
                    other = survivors[t + (t >= s)]
                    b[c] = other[rng.integers(0, other.size)]
            kind = np.where(cross, 2, 1)
            if o.mate_only_prob:
                kind[cross & (rng.random(m) < o.mate_only_prob)] = 3
            if o.crossover_average_prob:
                kind[cross & (rng.random(m) < o.crossover_average_prob)] += 2
            blocks.extend([elite, np.column_stack([kind, a, np.where(cross, b, a)])])
        return np.ascontiguousarray(np.concatenate(blocks), dtype=np.int64)
