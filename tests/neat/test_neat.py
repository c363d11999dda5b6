"""NEAT: genomes, operators and decoding against hand computations and slow references
(tests/reference.py), the NEAT paper's worked example of crossover, and the method in the
evolution loop (its checkpoints, threads and Dask runs are tested with every method in
tests/optim and tests/sweep)."""

import random
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import evornn
from evornn.errors import ConfigError
from evornn.neat import NEATCodec
from evornn.neat import operators as ops
from evornn.neat.genome import BIAS, CONN_FIELDS, HEADER, NODE_FIELDS, node_at
from evornn.optim import METHODS
from evornn.tasks import FunctionTask
from tests.reference import neat_network_reference

ROOT = Path(__file__).resolve().parents[2]
ACT_NAMES = {code: name for name, code in evornn.models.neat_net.ACTIVATIONS.items()}


def genome(codec, nodes, connections):
    """One genome row from node genes (key, bias, response, activation, tau, gain) and
    connection genes (innovation, in, out, weight, enabled)."""
    row = np.zeros(codec.n_genes)
    row[0], row[1] = len(nodes), len(connections)
    node_block = row[HEADER:HEADER + codec.max_nodes * NODE_FIELDS].reshape(codec.max_nodes, NODE_FIELDS)
    conn_block = row[HEADER + codec.max_nodes * NODE_FIELDS:].reshape(codec.max_connections, CONN_FIELDS)
    node_block[:len(nodes)] = nodes
    conn_block[:len(connections)] = connections
    return row


def strategy_for(codec, n_pop=10, seed=0, **options):
    strategy = METHODS["neat"](codec.n_genes, n_pop, 100, np.random.default_rng(seed), random.Random(seed), **options)
    strategy.attach(SimpleNamespace(codec=codec))
    return strategy


def grown(codec, n_pop, seed, rounds=8):
    """Genomes grown by rounds of structural mutation (hidden nodes, new connections)."""
    strategy = strategy_for(codec, n_pop, seed, node_add_prob=0.5, conn_add_prob=0.9, bias_mutate_rate=0.5,
                            activation_mutate_rate=0.3)
    genomes = strategy.ask()
    for _ in range(rounds):
        out = np.zeros_like(genomes)
        plan = np.column_stack([np.ones(n_pop), np.arange(n_pop), np.arange(n_pop)]).astype(np.int64)
        ops.reproduce(genomes, np.zeros(n_pop), plan, codec.max_nodes, codec.max_connections, codec.n_inputs,
                      codec.n_outputs, strategy.attrs, strategy.rates, strategy.activations, strategy.rng,
                      strategy.counters, out)
        genomes = out
    return genomes


def as_reference(codec, row):
    nodes, conns = codec.genes(row)
    return ({int(k): (b, r, ACT_NAMES[int(a)]) for k, b, r, a, _, _ in nodes},
            [(int(a), int(b), w, bool(on)) for _, a, b, w, on in conns])


@pytest.mark.parametrize("mode, feed_forward", [("sequential", True), ("synchronous", False)])
def test_a_padded_population_steps_as_each_network_alone_and_as_the_python_reference(mode, feed_forward):
    """Sequential activation of an acyclic network is neat-python's feed-forward pass;
    synchronous activation of any network is its RecurrentNetwork."""
    codec = NEATCodec(3, 2, mode=mode, feed_forward=feed_forward,
                      activation_options=["sigmoid", "tanh", "relu", "sin", "gauss", "steepened_sigmoid", "identity"])
    genomes = grown(codec, 12, seed=1)
    hidden, _ = codec.size(genomes)
    assert hidden.min() < hidden.max() and hidden.max() >= 3  # different topologies, padded to the largest
    inputs = np.random.default_rng(2).uniform(-1, 1, (15, 3))
    population = codec.decode(genomes).stepper()
    together = np.array([population.step(np.repeat(u[None], 12, axis=0)) for u in inputs])
    for p in range(12):
        alone = codec.network(genomes[p]).stepper()
        one = np.array([alone.step(u[None])[0] for u in inputs])
        np.testing.assert_array_equal(together[:, p], one)
        nodes, conns = as_reference(codec, genomes[p])
        expected = neat_network_reference(nodes, conns, inputs, 2, "synchronous" if mode == "synchronous"
                                          else "feed_forward")
        np.testing.assert_allclose(one, expected, rtol=1e-12, atol=1e-14)


def test_ctrnn_genomes_decode_into_the_ctrnn_their_genes_describe():
    codec = NEATCodec(2, 2, model="ctrnn", tau_range=(0.5, 5.0))
    genomes = grown(codec, 6, seed=3)
    net = codec.decode(genomes)
    assert net.n_neurons == max(codec.size(genomes)[0]) + 2
    for p in range(6):
        nodes, conns = codec.genes(genomes[p])
        n = net.n_neurons
        weights, inputs = np.zeros((n, n)), np.zeros((n, 2))
        index = {int(k): i for i, k in enumerate(nodes[:, 0])}
        for _, a, b, w, on in conns:
            if on:
                if a < 0:
                    inputs[index[int(b)], int(-a - 1)] += w
                else:
                    weights[index[int(b)], index[int(a)]] += w
        np.testing.assert_array_equal(net.weights[p], weights)
        np.testing.assert_array_equal(net.input_weights[p], inputs)
        np.testing.assert_array_equal(net.tau[p, :len(nodes)], nodes[:, 4])
        alone = codec.network(genomes[p])
        u = np.random.default_rng(p).uniform(-1, 1, (40, 1, 2))
        padded = evornn.simulate(net.take([p]), dt=0.05, n_steps=40, inputs=u).y[:, 0, :len(nodes)]
        np.testing.assert_allclose(padded, evornn.simulate(alone, dt=0.05, n_steps=40, inputs=u).y[:, 0], rtol=1e-12,
                                   atol=1e-14)


def paper_parents(codec):
    """The two parents of the NEAT paper's Figure 4 (inputs 1, 2, 3 are keys -1, -2, -3,
    output 4 is key 0, hidden 5 and 6 are keys 1 and 2)."""
    node = [[0, 0, 1, 1, 1, 1], [1, 0, 1, 1, 1, 1]]
    parent1 = genome(codec, node, [[1, -1, 0, 0.1, 1], [2, -2, 0, 0.2, 0], [3, -3, 0, 0.3, 1], [4, -2, 1, 0.4, 1],
                                   [5, 1, 0, 0.5, 1], [8, -1, 1, 0.8, 1]])
    parent2 = genome(codec, [*node, [2, 0, 1, 1, 1, 1]],
                     [[1, -1, 0, -0.1, 1], [2, -2, 0, -0.2, 0], [3, -3, 0, -0.3, 1], [4, -2, 1, -0.4, 1],
                      [5, 1, 0, -0.5, 0], [6, 1, 2, -0.6, 1], [7, 2, 0, -0.7, 1], [9, -3, 1, -0.9, 1],
                      [10, -1, 2, -1.0, 1]])
    return parent1, parent2


def test_crossover_aligns_genes_by_innovation_as_in_the_papers_figure_4():
    codec = NEATCodec(3, 1)
    parent1, parent2 = paper_parents(codec)
    rng = np.random.default_rng(0)
    child = np.empty(codec.n_genes)
    from_2, disabled = np.zeros(5), np.zeros(6)
    for _ in range(4000):
        ops.crossover(parent1, parent2, codec.max_nodes, rng, child)  # parent 1 the fitter: its genes only
        nodes, conns = codec.genes(child)
        np.testing.assert_array_equal(conns[:, 0], [1, 2, 3, 4, 5, 8])
        np.testing.assert_array_equal(conns[:, 1:3], codec.genes(parent1)[1][:, 1:3])
        np.testing.assert_array_equal(nodes[:, 0], [0, 1])
        from_2 += conns[:5, 3] < 0
        assert conns[5, 3] == 0.8  # disjoint gene 8 from the fitter parent
        disabled += conns[:, 4] == 0
    np.testing.assert_allclose(from_2 / 4000, 0.5, atol=0.03)  # matching genes from either parent
    # Disabled in either parent (genes 2 and 5): disabled with probability 0.75; else enabled.
    np.testing.assert_allclose(disabled / 4000, [0, 0.75, 0, 0, 0.75, 0], atol=0.03)


def test_the_averaging_crossover_takes_the_mean_of_matching_genes():
    """NEAT's reference code's ``mate_multipoint_avg`` on Figure 4's parents: the matching
    genes 1-5 get the mean weight of the two (0 here: the weights are opposite), the rest
    as in the ordinary crossover; node values are averaged too."""
    codec = NEATCodec(3, 1)
    parent1, parent2 = paper_parents(codec)
    parent2[node_at(codec.max_nodes, 0, BIAS)] = 3.0  # the output node's bias: 0 and 3
    rng = np.random.default_rng(1)
    child = np.empty(codec.n_genes)
    disabled = np.zeros(6)
    for _ in range(4000):
        ops.crossover(parent1, parent2, codec.max_nodes, rng, child, True)
        nodes, conns = codec.genes(child)
        np.testing.assert_array_equal(conns[:, 0], [1, 2, 3, 4, 5, 8])
        np.testing.assert_array_equal(conns[:, 3], [0.0, 0.0, 0.0, 0.0, 0.0, 0.8])
        assert nodes[0, 1] == 1.5
        disabled += conns[:, 4] == 0
    np.testing.assert_allclose(disabled / 4000, [0, 0.75, 0, 0, 0.75, 0], atol=0.03)


def test_crossover_average_prob_makes_that_share_of_crossovers_averaging():
    codec = NEATCodec(2, 1)
    strategy = strategy_for(codec, 400, crossover_rate=1.0, crossover_average_prob=0.4, mate_only_prob=0.2)
    plan = strategy._plan([np.arange(400)], np.array([400]), np.arange(400.0))
    kinds = plan[1:, 0]  # the first child is the elite
    assert set(np.unique(kinds)) == {2, 3, 4, 5}
    np.testing.assert_allclose(np.mean(kinds >= 4), 0.4, atol=0.06)
    np.testing.assert_allclose(np.mean((kinds == 3) | (kinds == 5)), 0.2, atol=0.05)


def test_the_compatibility_distance_is_the_papers_equation_by_hand():
    """Figure 4's parents: matching genes 1-5, disjoint 6, 7 and 8, excess 9 and 10; the
    mean weight difference of the matching genes is (0.2 + 0.4 + ... + 1.0) / 5 = 0.6."""
    codec = NEATCodec(3, 1)
    parent1, parent2 = paper_parents(codec)
    c1, c2, c3 = 1.5, 0.7, 0.4
    for normalize_min, n in ((20, 1), (5, 9)):  # fewer than 20 genes: N = 1; else the larger genome's 9
        expected = c1 * 2 / n + c2 * 3 / n + c3 * 0.6
        for a, b in ((parent1, parent2), (parent2, parent1)):
            assert ops.distance(a, b, codec.max_nodes, c1, c2, c3, normalize_min) == pytest.approx(expected, rel=1e-12)
    assert ops.distance(parent1, parent1, codec.max_nodes, c1, c2, c3, 20) == 0.0


def test_the_same_structural_mutation_in_one_generation_gets_the_same_innovation_number():
    """Twenty copies of one genome each add a connection and a node: every copy that
    makes the same new connection, or splits the same one, gets the same innovation
    numbers and node key; the next generation numbers the same mutations afresh."""
    codec = NEATCodec(2, 1, initial_connection="full")
    strategy = strategy_for(codec, 20, node_add_prob=1.0, conn_add_prob=1.0)
    parents = np.repeat(strategy.ask()[:1], 20, axis=0)
    plan = np.column_stack([np.ones(20), np.arange(20), np.arange(20)]).astype(np.int64)

    def generation(parents):
        out = np.zeros_like(parents)
        ops.reproduce(parents, np.zeros(20), plan, codec.max_nodes, codec.max_connections, 2, 1, strategy.attrs,
                      strategy.rates, strategy.activations, strategy.rng, strategy.counters, out)
        numbers, splits = {}, {}
        for row in out:
            nodes, conns = codec.genes(row)
            for innovation, a, b, _, _ in conns:
                numbers.setdefault((a, b), set()).add(innovation)
            split = conns[(conns[:, 4] == 0) & (conns[:, 0] <= 2), 0]  # the initial connection it split
            splits.setdefault(split[0], set()).add(nodes[1, 0])  # and the new node's key
        return numbers, splits

    numbers, splits = generation(parents)
    assert all(len(n) == 1 for n in numbers.values()) and len(numbers) > 4  # one number per structure
    assert set(splits) == {1.0, 2.0} and all(len(keys) == 1 for keys in splits.values())  # one node per split
    again, splits_again = generation(parents)
    for split, keys in splits_again.items():  # the same splits a generation later: new nodes, new numbers
        assert len(keys) == 1 and keys.isdisjoint(splits[split])
    assert min(min(n) for n in again.values() if min(n) > 2) > max(max(n) for n in numbers.values())


def test_genomes_from_anywhere_are_checked_before_decoding():
    codec = NEATCodec(2, 1)
    good = codec.random(3, rng=0)
    with pytest.raises(ValueError, match=r"shape \(n_pop, "):
        codec.decode(good[:, :-1])
    for corrupt in (lambda g: g.__setitem__((1, 0), 99), lambda g: g.__setitem__((2, HEADER + 3), 3.5),
                    lambda g: g.__setitem__((0, HEADER + codec.max_nodes * NODE_FIELDS + 1), -7),
                    lambda g: g.__setitem__((1, HEADER + codec.max_nodes * NODE_FIELDS + 3), np.nan)):
        bad = good.copy()
        corrupt(bad)
        with pytest.raises(ValueError, match="is not a valid NEAT genome"):
            codec.decode(bad)
    unused = good.copy()
    unused[:, -1] = np.nan  # the last connection slot, unused: not read
    np.testing.assert_array_equal(codec.decode(unused).params.weight, codec.decode(good).params.weight)
    arrays = {k: np.array(v) for k, v in codec.decode(good).params._asdict().items()}
    for field, value, message in (("act", 99, "activation codes"), ("source", 50, "source must hold inputs"),
                                  ("order", -1, "order must hold node indices")):
        broken = dict(arrays, **{field: np.full_like(arrays[field], value)})
        with pytest.raises(ValueError, match=message):
            evornn.models.NEATNetwork(**broken)
    for field, where, value, message in (
            ("sizes", (1, 1), 3, r"same numbers of inputs and outputs"), ("sizes", (2, 0), 99, "firing nodes in"),
            ("sizes", (0, 3), 7, "mode codes"), ("offsets", (1, 0), 1, "offsets must rise"),
            ("offsets", (2, -1), 10**6, "offsets must rise")):
        broken = dict(arrays, **{field: arrays[field].copy()})
        broken[field][where] = value
        with pytest.raises(ValueError, match=message):
            evornn.models.NEATNetwork(**broken)
    with pytest.raises(ValueError, match="model must be one of"):
        NEATCodec(2, 1, model="lstm")
    with pytest.raises(ValueError, match="activation must be one of"):
        NEATCodec(2, 1, activation="swish")
    with pytest.raises(ValueError, match="must hold the initial genome"):
        NEATCodec(20, 20, max_connections=100)
    with pytest.raises(ConfigError, match="go with method 'neat' and only with it"):
        evornn.evolve(evornn.Problem(codec, FunctionTask(lambda m, r: np.zeros(m.n_pop))), "ga", n_pop=4,
                      n_generations=1, progress=False)
    with pytest.raises(ConfigError, match="go with method 'neat'"):
        evornn.evolve(evornn.Problem(evornn.CTRNN.codec(1), FunctionTask(lambda m, r: np.zeros(m.n_pop))), "neat",
                      n_pop=4, n_generations=1, progress=False)
    with pytest.raises(ConfigError, match="weight_mutate_rate \\+ weight_replace_rate"):
        strategy_for(codec, weight_mutate_rate=0.8, weight_replace_rate=0.5)


XOR_IN = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=float)
XOR_OUT = np.array([0, 1, 1, 0], dtype=float)


def test_xor_task_scores_the_papers_fitness_of_the_reference_networks_outputs():
    """XORTask's fitness (4 - sum |o - t|)^2 (and neat-python's 4 - sum (o - t)^2) and "solved",
    from outputs computed node by node
    by the slow reference network, one case at a time from a zero state."""
    from evornn.tasks import XORTask

    codec = NEATCodec(3, 1, activation="steepened_sigmoid", feed_forward=True)
    genomes = grown(codec, 10, seed=11)
    evaluation = XORTask().evaluate(codec.decode(genomes))
    squared = XORTask(fitness="squared_error").evaluate(codec.decode(genomes))
    for p in range(10):
        nodes, conns = as_reference(codec, genomes[p])
        out = np.array([neat_network_reference(nodes, conns, x[None], 1, "feed_forward")[0, 0] for x in XOR_IN])
        assert evaluation.fitness[p] == pytest.approx((4 - np.abs(out - XOR_OUT).sum()) ** 2, rel=1e-12)
        assert evaluation.metrics["solved"][p] == float(((out > 0.5) == (XOR_OUT > 0.5)).all())
        assert evaluation.metrics["errors"][p] == ((out > 0.5) != (XOR_OUT > 0.5)).sum()
        assert squared.fitness[p] == pytest.approx(4 - ((out - XOR_OUT) ** 2).sum(), rel=1e-12)
    assert np.ptp(evaluation.fitness) > 0


def test_xor_task_runs_a_continuous_model_as_its_stepper_does():
    """Each case of a CTRNN population: `steps` Euler steps from the initial state, equal to
    the population's stepper run case by case."""
    from evornn.tasks import XORTask

    codec = NEATCodec(3, 2, model="ctrnn", tau_range=(0.5, 5.0))
    model = codec.decode(grown(codec, 6, seed=5))
    task = XORTask(steps=7, controller_dt=0.05)
    for c, x in enumerate(XOR_IN):
        stepper = model.stepper(dt=0.05)
        for _ in range(7):
            z = stepper.step(np.tile(x, (6, 1)))
        np.testing.assert_allclose(task.outputs(model)[:, c], z[:, 0], rtol=1e-13, atol=1e-15)


def xor_problem():
    from evornn.tasks import XORTask

    return evornn.Problem(NEATCodec(3, 1, activation="steepened_sigmoid", feed_forward=True), XORTask())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_neat_grows_hidden_nodes_and_solves_xor(seed):
    result = evornn.evolve(xor_problem(), "neat", n_pop=150, n_generations=100, rng=seed, target_solved=1,
                           progress=False, conn_add_prob=0.2, species_target=15, bias_init_stdev=0.0,
                           bias_mutate_rate=0.0, bias_replace_rate=0.0)
    assert result.stop_reason == "target_solved"
    best = result.best_model
    assert ((best.take([0] * 4).stepper().step(XOR_IN)[:, 0] > 0.5) == (XOR_OUT > 0.5)).all()
    hidden, _ = xor_problem().codec.size(result.best_genome)
    assert hidden[0] >= 1  # XOR needs a hidden node
    table = result.species
    assert set(table) == {"generation", "species", "size", "best"}
    for gen in range(result.n_generations):
        assert table["size"][table["generation"] == gen].sum() == 150  # every genome in one species
    assert {"species", "threshold", "mean_hidden", "mean_connections"} <= set(result.history[-1])


def test_species_are_the_same_on_one_thread_and_two():
    runs = []
    for threads in (1, 2):
        result = evornn.evolve(xor_problem(), "neat", n_pop=60, n_generations=15, rng=4, progress=False,
                               n_threads=threads, conn_add_prob=0.3, node_add_prob=0.2)
        runs.append(result)
    for name in ("generation", "species", "size", "best"):
        np.testing.assert_array_equal(runs[0].species[name], runs[1].species[name])
    assert runs[0].species["species"].max() >= 3
    np.testing.assert_array_equal(runs[0].population, runs[1].population)


NEAT_PYTHON_CONFIG = (ROOT / "experiments" / "neat-python-xor.cfg").read_text()


def test_a_neat_python_configuration_file_becomes_the_same_settings(tmp_path):
    from evornn.neat import read_neat_config

    path = tmp_path / "config-feedforward"
    path.write_text(NEAT_PYTHON_CONFIG)
    settings = read_neat_config(path)
    assert settings["n_pop"] == 150 and settings["target_fitness"] == 3.9
    assert settings["codec"] == {"n_inputs": 2, "n_outputs": 1, "num_hidden": 0, "feed_forward": True,
                                 "initial_connection": "full", "activation": "sigmoid",
                                 "activation_options": ["sigmoid", "tanh"], "weight_range": (-30.0, 30.0),
                                 "bias_range": (-30.0, 30.0), "response_range": (-30.0, 30.0)}
    o = settings["options"]
    assert (o["compatibility_threshold"], o["compatibility_disjoint_coefficient"],
            o["compatibility_excess_coefficient"], o["compatibility_weight_coefficient"]) == (3.0, 1.0, 1.0, 0.5)
    assert (o["conn_add_prob"], o["conn_delete_prob"], o["node_add_prob"], o["node_delete_prob"]) == (0.5, 0.5, 0.2,
                                                                                                        0.2)
    assert (o["weight_mutate_rate"], o["weight_mutate_power"], o["weight_replace_rate"]) == (0.8, 0.5, 0.1)
    assert (o["bias_mutate_rate"], o["activation_mutate_rate"], o["enabled_mutate_rate"]) == (0.7, 0.1, 0.01)
    assert (o["max_stagnation"], o["species_elitism"], o["elitism"], o["survival_threshold"]) == (20, 2, 2, 0.2)
    assert o["species_fitness_func"] == "max" and o["crossover_rate"] == 1.0 and o["elitism_min_size"] == 0
    codec = NEATCodec(**settings["codec"])
    task = FunctionTask(lambda m, r: np.zeros(m.n_pop))
    result = evornn.evolve(evornn.Problem(codec, task), "neat", n_pop=20, n_generations=3, rng=0, progress=False,
                           **settings["options"])
    assert result.n_generations == 3
    path.write_text(NEAT_PYTHON_CONFIG.replace("aggregation_default     = sum", "aggregation_default     = max"))
    with pytest.raises(ConfigError, match="aggregation must be 'sum'"):
        read_neat_config(path)


def test_evornn_run_writes_the_species_and_the_best_network_and_load_run_replays_it(tmp_path):
    """A NEAT experiment file runs end to end: species.csv holds every genome of every
    generation, the pictures have one band per species and one arrow per enabled
    connection of the champion, and the loaded champion scores as it did."""
    import csv
    import json

    from matplotlib.patches import FancyArrowPatch

    from evornn import plotting
    from evornn.experiment import run

    path = tmp_path / "xor.toml"
    text = (ROOT / "experiments" / "neat_xor.toml").read_text().replace("n_generations = 100", "n_generations = 6")
    path.write_text(text)
    out = run(path, out=tmp_path / "run", progress=False)
    assert {"species.csv", "species.png", "network.png"} <= {p.name for p in out.iterdir()}
    with open(out / "species.csv") as handle:
        rows = list(csv.DictReader(handle))
    generations = {int(r["generation"]) for r in rows}
    assert all(sum(int(r["size"]) for r in rows if int(r["generation"]) == g) == 150 for g in generations)
    loaded = evornn.load_run(out)
    best = json.loads((out / "best.json").read_text())
    assert loaded.task.evaluate(loaded.model).fitness[0] == pytest.approx(best["fitness"], rel=1e-12)
    codec = loaded.codec
    fig = plotting.plot_neat_network(codec, loaded.best_genome)
    arrows = [p for p in fig.axes[0].patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == codec.size(loaded.best_genome)[1][0]
    species = {name: np.array([float(r[name]) for r in rows]) for name in ("generation", "species", "size")}
    bands = plotting.plot_species(species).axes[0].collections
    assert len(bands) == len({r["species"] for r in rows})


def test_every_child_is_planned_when_a_species_is_smaller_than_its_elite():
    """neat-python's settings copy two elites per species; a species of one genome that
    earns three children gets one copy and two offspring (not one child too few)."""
    codec = NEATCodec(2, 1)
    strategy = strategy_for(codec, 10, elitism=2, elitism_min_size=0)
    fitness = np.arange(10.0)
    plan = strategy._plan([np.array([0]), np.arange(1, 10)], np.array([3, 7]), fitness)
    assert plan.shape == (10, 3)
    np.testing.assert_array_equal(plan[plan[:, 0] == 0][:, 1], [0, 9, 8])  # elites: the lone one, then the best two
    assert (plan[:3, 1] == 0).all() and (plan[3:, 1] >= 1).all()


def test_neat_under_novelty_search_explores_the_maze_and_resumes_to_the_same_bits(tmp_path):
    """objective="novelty": NEAT selects for new final positions in the hard maze; the
    archive grows, the result keeps the maze's own fitness, and a run stopped and resumed
    from its checkpoint ends as the uninterrupted run does."""
    from evornn.tasks import MazeTask

    problem = evornn.Problem(NEATCodec(10, 2, model="ctrnn", tau_range=(5.0, 20.0)), MazeTask("hard", max_steps=100))
    settings = dict(n_pop=40, rng=5, progress=False, objective="novelty", conn_add_prob=0.3, tau_init_mean=10.0)
    whole = evornn.evolve(problem, "neat", n_generations=6, **settings)
    assert whole.history[-1]["archive_size"] > 0 and "mean_novelty" in whole.history[-1]
    assert whole.best_fitness == max(r["max"] for r in whole.history)  # the task's fitness, not novelty
    path = tmp_path / "run.npz"
    evornn.evolve(problem, "neat", n_generations=3, checkpoint_path=path, checkpoint_every=3, **settings)
    resumed = evornn.evolve(problem, "neat", n_generations=6, checkpoint_path=path, resume=True, extend=True,
                            **settings)
    np.testing.assert_array_equal(resumed.population, whole.population)
    np.testing.assert_array_equal(resumed.best_genome, whole.best_genome)
    for name in ("generation", "species", "size", "best"):
        np.testing.assert_array_equal(resumed.species[name], whole.species[name])


def test_a_ctrnn_genome_alone_writes_and_reads_back_as_a_beer_ns_file(tmp_path):
    codec = NEATCodec(0, 2, model="ctrnn")
    genomes = grown(codec, 3, seed=6)
    net = codec.network(genomes[1])
    assert net.n_pop == 1 and net.n_neurons == codec.size(genomes[1])[0][0] + 2
    again = evornn.CTRNN.from_ns(net.to_ns(tmp_path / "champion.ns"))
    for a, b in zip(net.params, again.params, strict=True):
        np.testing.assert_array_equal(a, b)


def test_neat_pythons_distance_by_hand():
    """Figure 4's parents under neat-python's formula: nodes {0, 1} against {0, 1, 2} (one
    disjoint; matching nodes identical), over 3 nodes; connections: matching 1-5 differ by
    |w| 0.2 + 0.4 + 0.6 + 0.8 + 1.0 = 3.0 and one enabled flag (gene 5), 5 genes disjoint
    or excess, over the larger 9 genes."""
    codec = NEATCodec(3, 1)
    parent1, parent2 = paper_parents(codec)
    c_disjoint, c_weight = 1.2, 0.5
    expected = c_disjoint * 1 / 3 + (c_weight * (3.0 + 1.0) + c_disjoint * 5) / 9
    assert ops.distance_neat_python(parent1, parent2, codec.max_nodes, c_disjoint, c_weight) == pytest.approx(
        expected, rel=1e-12)


def test_crossover_children_can_go_unmutated_as_in_neats_reference_code():
    """mate_only_prob = 1: every crossover child is planned as crossover only (kind 3), and
    the crossover of a genome with itself, unmutated, is that genome."""
    codec = NEATCodec(2, 1)
    strategy = strategy_for(codec, 8, crossover_rate=1.0, mate_only_prob=1.0, elitism=0, weight_mutate_rate=0.9)
    parents = strategy.ask()
    plan = strategy._plan([np.arange(8)], np.array([8]), np.arange(8.0))
    assert (plan[:, 0] == 3).all()
    same = np.column_stack([np.full(8, 3), np.arange(8), np.arange(8)]).astype(np.int64)
    out = np.zeros_like(parents)
    ops.reproduce(parents, np.zeros(8), same, codec.max_nodes, codec.max_connections, 2, 1, strategy.attrs,
                  strategy.rates, strategy.activations, strategy.rng, strategy.counters, out)
    np.testing.assert_array_equal(out, parents)
    same[:, 0] = 2  # crossed and mutated: the weights move
    out[...] = 0.0
    ops.reproduce(parents, np.zeros(8), same, codec.max_nodes, codec.max_connections, 2, 1, strategy.attrs,
                  strategy.rates, strategy.activations, strategy.rng, strategy.counters, out)
    assert not np.array_equal(out, parents)


def test_a_neat_population_plays_a_gymnasium_environment_as_each_network_alone():
    """GymTask steps a padded population of NEAT networks together; each network's returns
    equal a plain loop over env.step with that network alone."""
    pytest.importorskip("gymnasium")
    from evornn.tasks import GymTask
    from tests.tasks.test_gym import episode_seeds, python_returns

    codec = NEATCodec(4, 2, activation_options=["sigmoid", "tanh", "relu"])
    genomes = grown(codec, 5, seed=9)
    population = codec.decode(genomes)
    task = GymTask("CartPole-v1", n_episodes=2, num_envs=4)
    runs = task.episodes_of(population, rng=3)
    expected = np.concatenate([python_returns(codec.network(g), "CartPole-v1", episode_seeds(3, 2),
                                              action=lambda z: int(np.argmax(z[:2]))) for g in genomes])
    np.testing.assert_array_equal(runs["return"], expected)
    assert np.ptp(expected) > 0


@pytest.mark.parametrize("perturbation, reference", [("gaussian", "norm"), ("uniform", "uniform")])
def test_weight_perturbations_follow_the_named_distribution(perturbation, reference):
    """Every weight of a mutated child moves by N(0, power) or U(-power, power) (NEAT's
    reference code), as SciPy's distributions say (Kolmogorov-Smirnov)."""
    from scipy import stats

    codec = NEATCodec(6, 4, weight_range=(-1e3, 1e3))
    strategy = strategy_for(codec, 200, perturbation=perturbation, weight_mutate_rate=1.0, weight_replace_rate=0.0,
                            weight_mutate_power=0.7, node_add_prob=0.0, conn_add_prob=0.0)
    parents = strategy.ask()
    mutate = np.column_stack([np.ones(200), np.arange(200), np.arange(200)]).astype(np.int64)
    out = np.zeros_like(parents)
    ops.reproduce(parents, np.zeros(200), mutate, codec.max_nodes, codec.max_connections, 6, 4, strategy.attrs,
                  strategy.rates, strategy.activations, strategy.rng, strategy.counters, out)
    from evornn.neat.genome import CONN_FIELDS, HEADER, NODE_FIELDS, WEIGHT

    def weights(g):
        conns = g[:, HEADER + NODE_FIELDS * codec.max_nodes:].reshape(200, codec.max_connections, CONN_FIELDS)
        return conns[:, :24, WEIGHT]  # the 6 x 4 initial connections

    assert (parents[:, 1] == 24).all() and (out[:, 1] == 24).all()
    step = (weights(out) - weights(parents)).ravel()
    params = (0.0, 0.7) if reference == "norm" else (-0.7, 1.4)
    assert stats.kstest(step, reference, args=params).pvalue > 1e-3
    assert (np.abs(step) <= 0.7).all() == (perturbation == "uniform")


@pytest.mark.parametrize("options", [
    {},
    {"compatibility_formula": "neat-python", "compatibility_threshold": 1.5, "species_fitness_func": "mean",
     "min_species_size": 2, "elitism": 2, "elitism_min_size": 0, "stagnation_penalty": 0.01, "species_target": 5,
     "mate_only_prob": 0.2, "crossover_average_prob": 0.4, "interspecies_rate": 0.3, "population_stagnation": 3,
     "max_stagnation": 4, "species_elitism": 2, "survival_threshold": 0.5},
    {"compatibility_threshold": 0.4, "species_elitism": 0, "population_stagnation": 0, "max_stagnation": 2,
     "stagnation_penalty": 0.0, "interspecies_rate": 1.0, "normalize_min_genes": 1},
])
def test_the_compiled_generation_is_the_plain_numpy_one_bit_for_bit(options):
    """Against tests/neat/reference_neat.py (the generation step written species by species
    in NumPy): from the same start, the same children, species, representatives, bests and
    random state, generation after generation, with fitness ties, negative fitness, species
    that stagnate, die and are founded."""
    from tests.neat.reference_neat import ReferenceNEAT

    codec = NEATCodec(3, 2)
    settings = dict(node_add_prob=0.2, conn_add_prob=0.5, **options)
    compiled = strategy_for(codec, 60, seed=4, **settings)
    reference = ReferenceNEAT(codec.n_genes, 60, 100, np.random.default_rng(4), random.Random(4), **settings)
    reference.attach(SimpleNamespace(codec=codec))
    draws = np.random.default_rng(9)
    for gen in range(30):
        genomes = compiled.ask()
        np.testing.assert_array_equal(genomes, reference.ask())
        fitness = np.round(draws.normal(gen / 10, 1.0, 60), 1) if gen % 7 else np.zeros(60)  # ties; all equal
        compiled.tell(genomes, fitness)
        reference.tell(genomes.copy(), fitness)
        for name in ("children", "species_id", "species_rep", "species_best", "species_improved", "species_history",
                     "counters"):
            np.testing.assert_array_equal(getattr(compiled, name), getattr(reference, name), err_msg=name)
        assert (compiled.best, compiled.improved, compiled.threshold) == (reference.best, reference.improved,
                                                                          reference.threshold)
        assert compiled.rng.bit_generator.state == reference.rng.bit_generator.state
    assert compiled.species_history[:, 1].max() > 3  # species were founded along the way


def test_neat_refuses_non_finite_fitness():
    codec = NEATCodec(2, 1)
    strategy = strategy_for(codec, 6)
    genomes = strategy.ask()
    with pytest.raises(ValueError, match="finite fitness"):
        strategy.tell(genomes, np.array([1.0, np.nan, 0, 0, 0, 0]))
