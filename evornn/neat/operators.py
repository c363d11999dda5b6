r"""NEAT's operators as compiled loops over genome rows (:mod:`evornn.neat.genome`): the
compatibility distance, speciation, crossover and mutation (Stanley and Miikkulainen
2002, with neat-python's per-gene mutation of values).

Random numbers come from the strategy's ``numpy.random.Generator``, passed into the
compiled code (Numba draws from the same bit generator, so its state advances with the
Python object's and is checkpointed with it). The loops are serial: a run is the same on
any number of threads.

**Compatibility distance** (the paper's equation 1): over connection genes aligned by
innovation number,

.. math::

    \delta = \frac{c_1 E}{N} + \frac{c_2 D}{N} + c_3 \bar W

with ``E`` excess genes (beyond the other genome's last innovation), ``D`` disjoint genes,
``W`` the mean weight difference of matching genes, ``N`` the larger genome's number of
connection genes (1 when both have fewer than `normalize_min`, as the paper allows).
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.typed import Dict

from .._numba import ERROR_MODEL, FASTMATH
from .._sums import array_sum, pairwise_sum
from .genome import (
    ACT,
    BIAS,
    CONN_FIELDS,
    ENABLED,
    GAIN,
    IN,
    INNOVATION,
    KEY,
    NODE_FIELDS,
    OUT,
    RESPONSE,
    TAU,
    WEIGHT,
    conn_at,
    node_at,
    node_index,
)

# Rows of the value table `attrs` (each: init mean, init stdev, min, max, mutate rate,
# mutate power, replace rate), as in neat-python's float attributes.
A_WEIGHT, A_BIAS, A_RESPONSE, A_TAU, A_GAIN = range(5)
INIT_MEAN, INIT_STDEV, MIN, MAX, MUTATE_RATE, MUTATE_POWER, REPLACE_RATE = range(7)
# Structural rates `rates`: add node, delete node, add connection, delete connection,
# enabled mutate rate, activation mutate rate, single structural mutation (0/1),
# feed forward (0/1), structural mutation surer (0/1), probability that values mutate,
# uniform perturbations (0/1).
R_NODE_ADD, R_NODE_DELETE, R_CONN_ADD, R_CONN_DELETE, R_ENABLED, R_ACTIVATION, R_SINGLE, R_FEED_FORWARD, \
    R_SURER, R_VALUES, R_UNIFORM = range(11)
# Counters: next innovation number, next node key, structural mutations skipped for lack
# of capacity.
C_INNOVATION, C_NODE, C_SKIPPED = range(3)
#: Tries to find a pair of nodes not yet connected (NEAT's reference code tries 20 times).
CONNECTION_TRIES = 20


@njit(cache=True, error_model=ERROR_MODEL, fastmath=FASTMATH)
def distance(a, b, mn, c1, c2, c3, normalize_min):
    """The compatibility distance of genome rows `a` and `b` (see the module docstring)."""
    na, nb = int(a[1]), int(b[1])
    i = j = 0
    matching, disjoint, excess, weight_diff = 0, 0, 0, 0.0
    last_a = a[conn_at(mn, na - 1, INNOVATION)] if na else 0.0
    last_b = b[conn_at(mn, nb - 1, INNOVATION)] if nb else 0.0
    while i < na or j < nb:
        if j >= nb or (i < na and a[conn_at(mn, i, INNOVATION)] < b[conn_at(mn, j, INNOVATION)]):
            if a[conn_at(mn, i, INNOVATION)] > last_b:
                excess += 1
            else:
                disjoint += 1
            i += 1
        elif i >= na or b[conn_at(mn, j, INNOVATION)] < a[conn_at(mn, i, INNOVATION)]:
            if b[conn_at(mn, j, INNOVATION)] > last_a:
                excess += 1
            else:
                disjoint += 1
            j += 1
        else:
            matching += 1
            weight_diff += abs(a[conn_at(mn, i, WEIGHT)] - b[conn_at(mn, j, WEIGHT)])
            i += 1
            j += 1
    n = max(na, nb)
    if n < normalize_min:
        n = 1
    n = max(n, 1)
    mean_weight = weight_diff / matching if matching else 0.0
    return c1 * excess / n + c2 * disjoint / n + c3 * mean_weight


@njit(cache=True, error_model=ERROR_MODEL, fastmath=FASTMATH)
def _gene_difference(a, b, mn, i, j, nodes):
    """neat-python's distance of matching genes `i` of `a` and `j` of `b` (before its weight
    coefficient): nodes by |bias|, |response|, |tau| and a differing activation,
    connections by |weight| and a differing enabled flag."""
    if nodes:
        return (abs(a[node_at(mn, i, BIAS)] - b[node_at(mn, j, BIAS)])
                + abs(a[node_at(mn, i, RESPONSE)] - b[node_at(mn, j, RESPONSE)])
                + abs(a[node_at(mn, i, TAU)] - b[node_at(mn, j, TAU)])
                + (1.0 if a[node_at(mn, i, ACT)] != b[node_at(mn, j, ACT)] else 0.0))
    return (abs(a[conn_at(mn, i, WEIGHT)] - b[conn_at(mn, j, WEIGHT)])
            + (1.0 if (a[conn_at(mn, i, ENABLED)] != 0.0) != (b[conn_at(mn, j, ENABLED)] != 0.0) else 0.0))


@njit(cache=True, error_model=ERROR_MODEL, fastmath=FASTMATH)
def _aligned_part(a, b, mn, nodes, c_disjoint, c_weight):
    """One part of neat-python's distance: node genes aligned by key (`nodes`) or connection
    genes by innovation number, over the larger count."""
    count = 0 if nodes else 1
    na, nb = int(a[count]), int(b[count])
    i = j = 0
    total, disjoint = 0.0, 0
    while i < na or j < nb:
        if nodes:
            ka = a[node_at(mn, i, KEY)] if i < na else np.inf
            kb = b[node_at(mn, j, KEY)] if j < nb else np.inf
        else:
            ka = a[conn_at(mn, i, INNOVATION)] if i < na else np.inf
            kb = b[conn_at(mn, j, INNOVATION)] if j < nb else np.inf
        if ka < kb:
            disjoint += 1
            i += 1
        elif kb < ka:
            disjoint += 1
            j += 1
        else:
            total += c_weight * _gene_difference(a, b, mn, i, j, nodes)
            i += 1
            j += 1
    return (total + c_disjoint * disjoint) / max(na, nb) if max(na, nb) > 0 else 0.0


@njit(cache=True, error_model=ERROR_MODEL, fastmath=FASTMATH)
def distance_neat_python(a, b, mn, c_disjoint, c_weight):
    """neat-python's distance: node genes (matching ones by |bias|, |response| and |tau|
    differences and a differing activation, times `c_weight`; others `c_disjoint` each) over
    the larger node count, plus connection genes (matching ones by |weight| difference and
    a differing enabled flag, times `c_weight`; others `c_disjoint` each) over the larger
    connection count. Genes match by key (nodes) and innovation number (connections)."""
    return (_aligned_part(a, b, mn, True, c_disjoint, c_weight)
            + _aligned_part(a, b, mn, False, c_disjoint, c_weight))


@njit(cache=True, error_model=ERROR_MODEL, fastmath=FASTMATH)
def speciate(genomes, reps, mn, threshold, c1, c2, c3, normalize_min, formula, member, founders):
    """Put each genome in the first species (in order) whose representative is within
    `threshold`: the previous generation's `reps` first, then the species founded this
    generation, each represented by the genome that founded it. `formula` 0 is the paper's
    :func:`distance`, 1 neat-python's (:func:`distance_neat_python`, with c2 and c3).
    Writes species indices into `member` and the founders' genome indices into `founders`;
    returns the number of species (old and new)."""
    n_old = reps.shape[0]
    n_reps = n_old
    for p in range(genomes.shape[0]):
        found = -1
        for s in range(n_reps):
            rep = reps[s] if s < n_old else genomes[founders[s - n_old]]
            if formula == 0:
                d = distance(genomes[p], rep, mn, c1, c2, c3, normalize_min)
            else:
                d = distance_neat_python(genomes[p], rep, mn, c2, c3)
            if d < threshold:
                found = s
                break
        if found < 0:
            founders[n_reps - n_old] = p
            found = n_reps
            n_reps += 1
        member[p] = found
    return n_reps


@njit(cache=True, error_model=ERROR_MODEL, fastmath=FASTMATH)
def crossover(a, b, mn, rng, child, average=False):
    """Child of `a` (the fitter parent: its node genes and its disjoint and excess
    connection genes) and `b`: matching genes take each value from either parent at
    random (or, with `average`, the mean of the two parents' values, as NEAT's reference
    code's ``mate_multipoint_avg``; activations still from either at random), and a gene
    disabled in either parent is disabled with probability 0.75."""
    child[:] = 0.0
    _crossover_into(a, b, mn, rng, child, average)


@njit(cache=True, error_model=ERROR_MODEL)
def _copy_genome(a, mn, child):
    """Copy the genes of `a` into `child`, whose unused slots are zeros: the used slots
    only (a row is mostly padding)."""
    n_nodes, n_conns = int(a[0]), int(a[1])
    child[0], child[1] = a[0], a[1]
    for q in range(node_at(mn, 0, 0), node_at(mn, n_nodes, 0)):
        child[q] = a[q]
    for q in range(conn_at(mn, 0, 0), conn_at(mn, n_conns, 0)):
        child[q] = a[q]


@njit(cache=True, error_model=ERROR_MODEL, fastmath=FASTMATH)
def _crossover_into(a, b, mn, rng, child, average):
    """:func:`crossover` into a `child` whose unused slots are zeros."""
    na_nodes, na, nb = int(a[0]), int(a[1]), int(b[1])
    child[0], child[1] = a[0], a[1]
    for i in range(na_nodes):
        for f in range(NODE_FIELDS):
            child[node_at(mn, i, f)] = a[node_at(mn, i, f)]
        k = node_index(b, mn, a[node_at(mn, i, KEY)])
        if k >= 0:
            for f in (BIAS, RESPONSE, ACT, TAU, GAIN):
                if average and f != ACT:
                    child[node_at(mn, i, f)] = 0.5 * (a[node_at(mn, i, f)] + b[node_at(mn, k, f)])
                elif rng.random() < 0.5:
                    child[node_at(mn, i, f)] = b[node_at(mn, k, f)]
    j = 0
    for i in range(na):
        for f in range(CONN_FIELDS):
            child[conn_at(mn, i, f)] = a[conn_at(mn, i, f)]
        innovation = a[conn_at(mn, i, INNOVATION)]
        while j < nb and b[conn_at(mn, j, INNOVATION)] < innovation:
            j += 1
        if j < nb and b[conn_at(mn, j, INNOVATION)] == innovation:
            if average:
                child[conn_at(mn, i, WEIGHT)] = 0.5 * (a[conn_at(mn, i, WEIGHT)] + b[conn_at(mn, j, WEIGHT)])
            elif rng.random() < 0.5:
                child[conn_at(mn, i, WEIGHT)] = b[conn_at(mn, j, WEIGHT)]
            disabled = a[conn_at(mn, i, ENABLED)] == 0.0 or b[conn_at(mn, j, ENABLED)] == 0.0
            child[conn_at(mn, i, ENABLED)] = 0.0 if disabled and rng.random() < 0.75 else 1.0


@njit(cache=True, error_model=ERROR_MODEL, fastmath=FASTMATH, inline="always")
def _new_value(attrs, row, rng):
    value = attrs[row, INIT_MEAN] + attrs[row, INIT_STDEV] * rng.standard_normal()
    return min(max(value, attrs[row, MIN]), attrs[row, MAX])


@njit(cache=True, error_model=ERROR_MODEL, fastmath=FASTMATH, inline="always")
def _mutate_value(value, attrs, row, uniform, rng):
    r = rng.random()
    if r < attrs[row, MUTATE_RATE]:
        step = 2.0 * rng.random() - 1.0 if uniform else rng.standard_normal()
        value = value + attrs[row, MUTATE_POWER] * step
    elif r < attrs[row, MUTATE_RATE] + attrs[row, REPLACE_RATE]:
        return _new_value(attrs, row, rng)
    return min(max(value, attrs[row, MIN]), attrs[row, MAX])


@njit(cache=True, error_model=ERROR_MODEL)
def _insert_connection(g, mn, innovation, a, b, weight, enabled):
    """Insert a connection gene keeping the genes sorted by innovation (room checked by the caller)."""
    n = int(g[1])
    pos = n
    while pos > 0 and g[conn_at(mn, pos - 1, INNOVATION)] > innovation:
        pos -= 1
    for j in range(n, pos, -1):
        for f in range(CONN_FIELDS):
            g[conn_at(mn, j, f)] = g[conn_at(mn, j - 1, f)]
    g[conn_at(mn, pos, INNOVATION)] = innovation
    g[conn_at(mn, pos, IN)] = a
    g[conn_at(mn, pos, OUT)] = b
    g[conn_at(mn, pos, WEIGHT)] = weight
    g[conn_at(mn, pos, ENABLED)] = enabled
    g[1] = n + 1


@njit(cache=True, error_model=ERROR_MODEL)
def _remove_connection(g, mn, j):
    n = int(g[1])
    for q in range(j, n - 1):
        for f in range(CONN_FIELDS):
            g[conn_at(mn, q, f)] = g[conn_at(mn, q + 1, f)]
    for f in range(CONN_FIELDS):
        g[conn_at(mn, n - 1, f)] = 0.0
    g[1] = n - 1


@njit(cache=True, error_model=ERROR_MODEL, inline="always")
def _find_connection(g, mn, a, b):
    for j in range(int(g[1])):
        if g[conn_at(mn, j, IN)] == a and g[conn_at(mn, j, OUT)] == b:
            return j
    return -1


@njit(cache=True, error_model=ERROR_MODEL)
def _creates_cycle(g, mn, a, b, seen, stack):
    """Whether a connection a -> b closes a cycle (b already reaches a), over every
    connection gene (as neat-python). `seen` (bool) and `stack` (float) are scratch of at
    least ``max_nodes`` and ``max_nodes + 1`` entries."""
    if a == b:
        return True
    n = int(g[1])
    # Depth first from b over the nodes it reaches (connections end at node genes, so a
    # node's position marks it seen; arrays, not a typed dict: this runs for most children).
    seen[:int(g[0])] = False
    stack[0], depth = b, 1
    at = node_index(g, mn, b)
    if at >= 0:
        seen[at] = True
    while depth:
        depth -= 1
        node = stack[depth]
        for j in range(n):
            if g[conn_at(mn, j, IN)] == node:
                target = g[conn_at(mn, j, OUT)]
                if target == a:
                    return True
                at = node_index(g, mn, target)
                if at >= 0 and not seen[at]:
                    seen[at] = True
                    stack[depth] = target
                    depth += 1
    return False


@njit(cache=True, error_model=ERROR_MODEL)
def _add_node(g, mn, mc, attrs, default_act, rng, splits, links, counters):
    n_conns = int(g[1])
    enabled = 0
    for j in range(n_conns):
        if g[conn_at(mn, j, ENABLED)] != 0.0:
            enabled += 1
    if enabled == 0:
        return
    if int(g[0]) >= mn or n_conns + 2 > mc:
        counters[C_SKIPPED] += 1
        return
    pick = int(rng.integers(0, enabled))
    j = 0
    for q in range(n_conns):
        if g[conn_at(mn, q, ENABLED)] != 0.0:
            if pick == 0:
                j = q
                break
            pick -= 1
    split = g[conn_at(mn, j, INNOVATION)]
    if split in splits:
        key = splits[split]
    else:
        key = float(counters[C_NODE])
        counters[C_NODE] += 1
        splits[split] = key
    if node_index(g, mn, key) >= 0:  # this genome already split the same connection this generation
        return
    a, b, weight = g[conn_at(mn, j, IN)], g[conn_at(mn, j, OUT)], g[conn_at(mn, j, WEIGHT)]
    g[conn_at(mn, j, ENABLED)] = 0.0
    # The new node (keys grow, so it goes last): bias 0, response 1, as neutral as it can be.
    i = int(g[0])
    g[node_at(mn, i, KEY)] = key
    g[node_at(mn, i, BIAS)] = 0.0
    g[node_at(mn, i, RESPONSE)] = 1.0
    g[node_at(mn, i, ACT)] = default_act
    g[node_at(mn, i, TAU)] = _new_value(attrs, A_TAU, rng)
    g[node_at(mn, i, GAIN)] = _new_value(attrs, A_GAIN, rng)
    g[0] = i + 1
    _insert_connection(g, mn, _innovation(links, counters, a, key), a, key, 1.0, 1.0)
    _insert_connection(g, mn, _innovation(links, counters, key, b), key, b, weight, 1.0)


@njit(cache=True, error_model=ERROR_MODEL)
def _innovation(links, counters, a, b):
    """The innovation number of a new connection a -> b this generation, shared by every
    genome that makes it (`links` maps (a + 2^20) 2^22 + b to it: exact in float64 for
    the 2^20 inputs and 2^22 node keys a genome can have)."""
    code = (a + 1048576.0) * 4194304.0 + b
    if code in links:
        return links[code]
    value = float(counters[C_INNOVATION])
    counters[C_INNOVATION] += 1
    links[code] = value
    return value


@njit(cache=True, error_model=ERROR_MODEL)
def _add_connection(g, mn, mc, n_inputs, n_outputs, attrs, rates, rng, links, counters, seen, stack):
    n_nodes = int(g[0])
    for _ in range(CONNECTION_TRIES):
        b = g[node_at(mn, int(rng.integers(0, n_nodes)), KEY)]
        r = int(rng.integers(0, n_nodes + n_inputs))
        a = -1.0 - r if r < n_inputs else g[node_at(mn, r - n_inputs, KEY)]
        j = _find_connection(g, mn, a, b)
        if j >= 0:
            if rates[R_SURER] != 0.0:
                g[conn_at(mn, j, ENABLED)] = 1.0
                return
            continue
        if 0 <= a < n_outputs and b < n_outputs:  # no connection between two outputs (neat-python)
            continue
        if rates[R_FEED_FORWARD] != 0.0 and _creates_cycle(g, mn, a, b, seen, stack):
            continue
        if int(g[1]) >= mc:
            counters[C_SKIPPED] += 1
            return
        _insert_connection(g, mn, _innovation(links, counters, a, b), a, b, _new_value(attrs, A_WEIGHT, rng), 1.0)
        return


@njit(cache=True, error_model=ERROR_MODEL)
def _delete_node(g, mn, n_outputs, rng):
    n_nodes = int(g[0])
    if n_nodes <= n_outputs:
        return
    i = n_outputs + int(rng.integers(0, n_nodes - n_outputs))
    key = g[node_at(mn, i, KEY)]
    j = 0
    while j < int(g[1]):
        if g[conn_at(mn, j, IN)] == key or g[conn_at(mn, j, OUT)] == key:
            _remove_connection(g, mn, j)
        else:
            j += 1
    for q in range(i, n_nodes - 1):
        for f in range(NODE_FIELDS):
            g[node_at(mn, q, f)] = g[node_at(mn, q + 1, f)]
    for f in range(NODE_FIELDS):
        g[node_at(mn, n_nodes - 1, f)] = 0.0
    g[0] = n_nodes - 1


@njit(cache=True, error_model=ERROR_MODEL)
def mutate(g, mn, mc, n_inputs, n_outputs, attrs, rates, activations, rng, splits, links, counters, seen, stack):
    """Mutate genome row `g` in place: structural mutations (each with its rate, or at most
    one with ``single structural mutation``), then, with the values' probability, every
    connection's weight and enabled flag and every node's values and activation
    (neat-python's per-gene rates)."""
    add_node, delete_node, add_conn, delete_conn = (rates[R_NODE_ADD], rates[R_NODE_DELETE], rates[R_CONN_ADD],
                                                    rates[R_CONN_DELETE])
    default_act = activations[0]
    if rates[R_SINGLE] != 0.0:
        total = max(1.0, add_node + delete_node + add_conn + delete_conn)
        r = rng.random()
        if r < add_node / total:
            _add_node(g, mn, mc, attrs, default_act, rng, splits, links, counters)
        elif r < (add_node + delete_node) / total:
            _delete_node(g, mn, n_outputs, rng)
        elif r < (add_node + delete_node + add_conn) / total:
            _add_connection(g, mn, mc, n_inputs, n_outputs, attrs, rates, rng, links, counters, seen, stack)
        elif r < (add_node + delete_node + add_conn + delete_conn) / total and int(g[1]) > 0:
            _remove_connection(g, mn, int(rng.integers(0, int(g[1]))))
    else:
        if rng.random() < add_node:
            _add_node(g, mn, mc, attrs, default_act, rng, splits, links, counters)
        if rng.random() < delete_node:
            _delete_node(g, mn, n_outputs, rng)
        if rng.random() < add_conn:
            _add_connection(g, mn, mc, n_inputs, n_outputs, attrs, rates, rng, links, counters, seen, stack)
        if rng.random() < delete_conn and int(g[1]) > 0:
            _remove_connection(g, mn, int(rng.integers(0, int(g[1]))))
    if rng.random() >= rates[R_VALUES]:
        return
    uniform = rates[R_UNIFORM] != 0.0
    for j in range(int(g[1])):
        g[conn_at(mn, j, WEIGHT)] = _mutate_value(g[conn_at(mn, j, WEIGHT)], attrs, A_WEIGHT, uniform, rng)
        if rng.random() < rates[R_ENABLED]:
            g[conn_at(mn, j, ENABLED)] = 1.0 if rng.random() < 0.5 else 0.0
    for i in range(int(g[0])):
        g[node_at(mn, i, BIAS)] = _mutate_value(g[node_at(mn, i, BIAS)], attrs, A_BIAS, uniform, rng)
        g[node_at(mn, i, RESPONSE)] = _mutate_value(g[node_at(mn, i, RESPONSE)], attrs, A_RESPONSE, uniform, rng)
        g[node_at(mn, i, TAU)] = _mutate_value(g[node_at(mn, i, TAU)], attrs, A_TAU, uniform, rng)
        g[node_at(mn, i, GAIN)] = _mutate_value(g[node_at(mn, i, GAIN)], attrs, A_GAIN, uniform, rng)
        if activations.shape[0] > 1 and rng.random() < rates[R_ACTIVATION]:
            g[node_at(mn, i, ACT)] = activations[int(rng.integers(0, activations.shape[0]))]


@njit(cache=True, error_model=ERROR_MODEL)
def clear_genomes(genomes, mn, mc):
    """Zero every row of `genomes` (valid genome rows: unused slots hold zeros) by zeroing
    its used slots only; a row whose counts are out of range is zeroed whole."""
    for p in range(genomes.shape[0]):
        g = genomes[p]
        if not (0 <= g[0] <= mn and 0 <= g[1] <= mc):
            g[:] = 0.0
            continue
        for q in range(node_at(mn, 0, 0), node_at(mn, int(g[0]), 0)):
            g[q] = 0.0
        for q in range(conn_at(mn, 0, 0), conn_at(mn, int(g[1]), 0)):
            g[q] = 0.0
        g[0] = g[1] = 0.0


@njit(cache=True, error_model=ERROR_MODEL)
def reproduce(parents, fitness, plan, mn, mc, n_inputs, n_outputs, attrs, rates, activations, rng, counters, out):
    """The next generation: child `c` is ``plan[c] = (kind, a, b)``: kind 0 copies parent
    `a` unchanged (an elite), 1 mutates a copy of `a`, 2 mutates the crossover of `a` and
    `b` (the fitter one's genes first; equal fitness keeps the order given), 3 is that
    crossover unmutated, 4 and 5 are 2 and 3 with the averaging crossover. One innovation
    registry serves the whole generation. Writes the used slots of `out`, which must hold
    zeros."""
    splits = Dict.empty(key_type=types.float64, value_type=types.float64)
    links = Dict.empty(key_type=types.float64, value_type=types.float64)
    seen, stack = np.zeros(mn, dtype=np.bool_), np.empty(mn + 1)  # the cycle check's scratch
    for c in range(plan.shape[0]):
        kind, a, b = plan[c, 0], plan[c, 1], plan[c, 2]
        child = out[c]
        if kind >= 2:
            if fitness[b] > fitness[a]:
                a, b = b, a
            _crossover_into(parents[a], parents[b], mn, rng, child, kind >= 4)
        else:
            _copy_genome(parents[a], mn, child)
        if kind == 1 or kind == 2 or kind == 4:
            mutate(child, mn, mc, n_inputs, n_outputs, attrs, rates, activations, rng, splits, links, counters, seen,
                   stack)


# ---------------------------------------------------------------------- one generation
# Options of :func:`next_generation`, in the array `opts`.
(O_MEAN, O_MAX_STAGNATION, O_SPECIES_ELITISM, O_POPULATION_STAGNATION, O_PENALTY, O_MIN_SPECIES, O_SURVIVAL,
 O_CROSSOVER, O_INTERSPECIES, O_MATE_ONLY, O_AVERAGE, O_ELITISM, O_ELITISM_MIN, O_FORMULA, O_C1, O_C2, O_C3,
 O_NORMALIZE_MIN) = range(18)
N_OPTS = 18


@njit(cache=True, error_model=ERROR_MODEL)
def allot(share, total, minimum):
    """Whole numbers proportional to `share` summing to `total` (Hamilton's method: floors,
    then the largest remainders; ties to the earlier species), at least `minimum` for every
    species with a share (taken from the largest allotments) where `total` allows."""
    exact = share / array_sum(share) * total
    counts = np.floor(exact).astype(np.int64)
    order = np.argsort(-(exact - counts), kind="mergesort")
    for q in range(total - counts.sum()):
        counts[order[q]] += 1
    eligible = np.flatnonzero(share > 0)
    if minimum and eligible.size * minimum <= total:
        for s in eligible:
            while counts[s] < minimum:
                counts[np.argmax(np.where(counts > minimum, counts, -1))] -= 1
                counts[s] += 1
    return counts


@njit(cache=True, error_model=ERROR_MODEL)
def plan_children(members, offsets, counts, fitness, opts, rng):
    """(kind, parent a, parent b) of every child (see :func:`reproduce`), species by
    species: species `s` has the genomes ``members[offsets[s]:offsets[s + 1]]`` and gets
    ``counts[s]`` children. The champions of a species larger than the elitism minimum are
    copied; each other child has a parent drawn from the species' best `survival` share,
    and with the crossover rate a second (from another species' survivors with the
    interspecies rate)."""
    n_species = counts.shape[0]
    ranked = np.empty_like(members)
    n_survivors = np.empty(n_species, dtype=np.int64)
    for s in range(n_species):
        group = members[offsets[s]:offsets[s + 1]]
        ranked[offsets[s]:offsets[s + 1]] = group[np.argsort(-fitness[group], kind="mergesort")]
        n_survivors[s] = max(1, int(np.ceil(opts[O_SURVIVAL] * group.size)))
    plan = np.empty((counts.sum(), 3), dtype=np.int64)
    row = 0
    elitism, elitism_min = int(opts[O_ELITISM]), int(opts[O_ELITISM_MIN])
    for s in range(n_species):
        start, size, k = offsets[s], offsets[s + 1] - offsets[s], counts[s]
        n_elite = min(k, elitism, size) if size > elitism_min else 0
        for e in range(n_elite):
            plan[row, 0], plan[row, 1], plan[row, 2] = 0, ranked[start + e], ranked[start + e]
            row += 1
        m = k - n_elite
        pool = ranked[start:start + n_survivors[s]]
        a = pool[rng.integers(0, pool.size, m)]
        cross = rng.random(m) < opts[O_CROSSOVER]
        b = pool[rng.integers(0, pool.size, m)]
        if n_species > 1:
            away = rng.random(m) < opts[O_INTERSPECIES]
            for c in range(m):
                if cross[c] and away[c]:  # rare: a survivor of another species
                    t = rng.integers(0, n_species - 1)
                    other = t + (t >= s)
                    b[c] = ranked[offsets[other] + rng.integers(0, n_survivors[other])]
        kind = np.where(cross, 2, 1)
        if opts[O_MATE_ONLY] != 0.0:  # drawn only when asked for: other runs keep their streams
            u = rng.random(m)
            for c in range(m):
                if cross[c] and u[c] < opts[O_MATE_ONLY]:
                    kind[c] = 3
        if opts[O_AVERAGE] != 0.0:
            u = rng.random(m)
            for c in range(m):
                if cross[c] and u[c] < opts[O_AVERAGE]:
                    kind[c] += 2
        for c in range(m):
            plan[row, 0], plan[row, 1], plan[row, 2] = kind[c], a[c], b[c] if cross[c] else a[c]
            row += 1
    return plan


@njit(cache=True, error_model=ERROR_MODEL)
def group_species(member, n_species):
    """The species with members (`live`, in species order) and their members in genome
    order: ``members[offsets[s]:offsets[s + 1]]`` are those of ``live[s]``."""
    size = np.zeros(n_species, dtype=np.int64)
    for p in range(member.shape[0]):
        size[member[p]] += 1
    live = np.flatnonzero(size > 0)
    index = np.full(n_species, -1, dtype=np.int64)
    offsets = np.zeros(live.size + 1, dtype=np.int64)
    for s in range(live.size):
        index[live[s]] = s
        offsets[s + 1] = offsets[s] + size[live[s]]
    members = np.empty(member.shape[0], dtype=np.int64)
    fill = offsets[:-1].copy()
    for p in range(member.shape[0]):
        s = index[member[p]]
        members[fill[s]] = p
        fill[s] += 1
    return live, members, offsets


@njit(cache=True, error_model=ERROR_MODEL)
def next_generation(genomes, fitness, reps, species_best, species_improved, generation, population, threshold, opts,
                    mn, mc, n_inputs, n_outputs, attrs, rates, activations, rng, counters, out):
    """One NEAT generation after evaluation, in one compiled call: speciation (the previous
    representatives `reps` first), each species' best for stagnation, explicit fitness
    sharing, offspring allotment (:func:`allot`), the plan (:func:`plan_children`) and
    reproduction (:func:`reproduce`, into `out`, which must hold zeros), and a random member
    of each species that reproduces as its next representative.

    `population` is ``[best fitness, generation it last rose]`` of the whole population
    (updated in place). Returns ``(founders, live, top, sizes, counts, chosen, best,
    improved)``: the genomes that founded new species, the species with members, their
    best fitness, sizes and offspring, the representative chosen for each (-1 where it has
    no offspring), and every species' best score and the generation it last rose."""
    n = genomes.shape[0]
    member = np.empty(n, dtype=np.int64)
    founders = np.empty(n, dtype=np.int64)
    n_species = speciate(genomes, reps, mn, threshold, opts[O_C1], opts[O_C2], opts[O_C3], int(opts[O_NORMALIZE_MIN]),
                         int(opts[O_FORMULA]), member, founders)
    n_old = reps.shape[0]
    best = np.full(n_species, -np.inf)
    improved = np.full(n_species, generation, dtype=np.int64)
    best[:n_old] = species_best
    improved[:n_old] = species_improved
    live, members, offsets = group_species(member, n_species)
    n_live = live.size
    top = np.empty(n_live)
    sizes = np.empty(n_live, dtype=np.int64)
    gathered = np.empty(n)
    for s in range(n_live):
        size = offsets[s + 1] - offsets[s]
        top[s] = -np.inf
        for q in range(offsets[s], offsets[s + 1]):
            gathered[q - offsets[s]] = fitness[members[q]]
            top[s] = max(top[s], fitness[members[q]])
        score = top[s] if opts[O_MEAN] == 0.0 else (0.0 + pairwise_sum(gathered, 0, size)) / size
        if score > best[live[s]]:
            best[live[s]], improved[live[s]] = score, generation
        sizes[s] = size
    stagnant = np.empty(n_live, dtype=np.bool_)
    for s in range(n_live):
        stagnant[s] = generation - improved[live[s]] >= opts[O_MAX_STAGNATION]
    ranking = np.argsort(-top, kind="mergesort")
    for q in range(min(int(opts[O_SPECIES_ELITISM]), n_live)):
        stagnant[ranking[q]] = False
    if fitness.max() > population[0]:
        population[0], population[1] = fitness.max(), generation
    elif opts[O_POPULATION_STAGNATION] != 0.0 and generation - population[1] >= opts[O_POPULATION_STAGNATION]:
        for q in range(2, n_live):  # the paper's delta coding, in its simple form
            stagnant[ranking[q]] = True
        population[1] = generation
    # Explicit fitness sharing: each species' share is the sum of its members' fitness
    # over its size (fitness less the population's lowest where some is negative).
    low = min(fitness.min(), 0.0)
    share = np.empty(n_live)
    for s in range(n_live):
        for q in range(offsets[s], offsets[s + 1]):
            gathered[q - offsets[s]] = fitness[members[q]] - low
        share[s] = (0.0 + pairwise_sum(gathered, 0, sizes[s])) / sizes[s]
        if stagnant[s]:
            share[s] *= opts[O_PENALTY]
    if share.sum() <= 0:  # no fitness differences: offspring by size, stagnant species last
        for s in range(n_live):
            share[s] = 0.0 if stagnant[s] else sizes[s]
        if share.sum() <= 0:
            share[:] = sizes
    counts = allot(share, out.shape[0], int(opts[O_MIN_SPECIES]))
    plan = plan_children(members, offsets, counts, fitness, opts, rng)
    reproduce(genomes, fitness, plan, mn, mc, n_inputs, n_outputs, attrs, rates, activations, rng, counters, out)
    chosen = np.full(n_live, -1, dtype=np.int64)
    for s in range(n_live):
        if counts[s] > 0:
            chosen[s] = members[offsets[s] + rng.integers(0, sizes[s])]
    return founders[:n_species - n_old], live, top, sizes, counts, chosen, best, improved
