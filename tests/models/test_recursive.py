"""Recursive networks over trees: against a per-node Python evaluation, a hand-built network
that evaluates Boolean formulas of any depth, the tree batch's checks, and evolution."""

from pathlib import Path

import numba
import numpy as np
import pytest

import evornn
from evornn import datasets
from evornn._numba import threads
from evornn.models.recursive import RecursiveNet, Trees
from evornn.tasks import TreeTask
from tests import reference

SYMBOLS = datasets.BOOLEAN_SYMBOLS


def _random_terms(n, rng, arity=3, depth=4):
    """Random terms with up to `arity` children per node (labels from SYMBOLS, ignoring their meaning)."""
    def term(d):
        if d == 0 or rng.random() < 0.2:
            return SYMBOLS[rng.integers(len(SYMBOLS))]
        return (SYMBOLS[rng.integers(len(SYMBOLS))], *(term(d - 1) for _ in range(rng.integers(1, arity + 1))))
    return [term(depth) for _ in range(n)]


@pytest.mark.parametrize("out_act", ["identity", "tanh", "logistic"])
def test_every_network_on_every_tree_equals_the_per_node_reference(out_act):
    rng = np.random.default_rng(4)
    terms = [*_random_terms(40, rng), "T"]
    trees = Trees.from_nested(terms, SYMBOLS, max_arity=3)
    nets = RecursiveNet.random(3, 5, len(SYMBOLS), n_outputs=2, max_arity=3, scale=2.0, output_activation=out_act,
                               rng=1)
    nets = RecursiveNet(*nets.params[:2], rng.normal(size=(3, 5)), *nets.params[3:4], rng.normal(size=(3, 2)),
                        nets.params.out_act)
    roots, outputs = nets.represent(trees)
    prm = nets.params
    for p in range(nets.n_pop):
        for t, term in enumerate(terms):
            root, out = reference.recursive_net(prm.w_in[p].tolist(), prm.w_child[p].tolist(), prm.bias[p].tolist(),
                                                prm.w_out[p].tolist(), prm.b_out[p].tolist(), prm.out_act[p], term,
                                                SYMBOLS)
            np.testing.assert_allclose(roots[p, t], root, rtol=0, atol=1e-12)
            np.testing.assert_allclose(outputs[p, t], out, rtol=0, atol=1e-12)


def test_take_trees_take_and_threads_change_no_bit():
    rng = np.random.default_rng(0)
    trees = Trees.from_nested(_random_terms(70, rng), SYMBOLS, max_arity=3)
    nets = RecursiveNet.random(5, 6, len(SYMBOLS), max_arity=3, rng=2)
    whole = nets.run(trees)
    np.testing.assert_array_equal(nets.take([3, 1]).run(trees), whole[[3, 1]])
    np.testing.assert_array_equal(nets.run(trees.take([5, 0, 64])), whole[:, [5, 0, 64]])
    for n in {1, min(2, numba.config.NUMBA_NUM_THREADS)}:
        with threads(n):  # evornn's own context manager: restores the count after
            np.testing.assert_array_equal(nets.run(trees), whole)


def _hand_built(gain=20.0):
    """Four saturated units per node: [not and the child false], [and, both children true],
    [or, a child true], [the constant T]. A node is true when exactly one is on (+1, the
    others -1), so a child's truth is c = (sum of its units + 4) / 2, a linear readout; an
    absent child reads as c = 2, which the labels of nodes without that child override."""
    T, F, NOT, AND, OR = range(5)
    w_in, w_child, bias = np.zeros((4, 5)), np.zeros((2, 4, 4)), np.zeros(4)
    # c_k = 0.5 * sum(h_child_k) + 2, so a unit's drive "+ s * c_k" is weights 0.5 s and bias 2 s.
    def drive(i, label_weights, child_signs, constant):
        for label, w in label_weights.items():
            w_in[i, label] = gain * w
        bias[i] = gain * constant
        for k, s in enumerate(child_signs):
            w_child[k, i, :] = gain * 0.5 * s
            bias[i] += gain * 2.0 * s
    not_children = {NOT: -3.0, T: -3.0, F: -3.0}
    drive(0, {NOT: 1.0}, (-1.0,), -0.5)                        # not and c1 = 0
    drive(1, {AND: 1.0, **not_children}, (1.0, 1.0), -2.5)     # and, c1 + c2 = 2
    drive(2, {OR: 2.0, **not_children}, (1.0, 1.0), -2.5)      # or, c1 + c2 >= 1
    drive(3, {T: 1.0}, (), -0.5)                               # the constant T
    return RecursiveNet(w_in, w_child, bias, np.full((1, 4), gain), [gain * 3.0], [1])


def test_a_hand_built_network_evaluates_formulas_of_any_depth():
    terms, values = datasets.boolean_formulas(600, depth=(0, 12), rng=7)
    assert [datasets.truth(t) for t in terms] == values.tolist()
    trees = Trees.from_nested(terms, SYMBOLS, max_arity=2)
    out = _hand_built().run(trees)[0, :, 0]
    np.testing.assert_array_equal(out > 0, values)
    task = TreeTask(trees, np.where(values, 1.0, -1.0))
    result = task.evaluate(_hand_built())
    assert result.metrics["learned"][0] == 1.0 and result.metrics["mse"][0] < 1e-12
    behaviour = task.behaviour(_hand_built())
    assert behaviour["depth"].tolist() == list(range(13)) and (behaviour["learned"] == 1.0).all()


def test_trees_are_checked():
    with pytest.raises(ValueError, match=r"children\[1, 0\] = 1"):
        Trees(np.eye(2), [[-1], [1]], [0, 2])  # a node its own child
    with pytest.raises(ValueError, match="same tree"):
        Trees(np.eye(2), [[-1], [0]], [0, 1, 2])  # a child in the tree before
    with pytest.raises(ValueError, match="start must rise"):
        Trees(np.eye(2), [[-1], [-1]], [0, 2, 2])
    with pytest.raises(ValueError, match="finite"):
        Trees([[np.nan]], [[-1]], [0, 1])
    with pytest.raises(ValueError, match="not among symbols"):
        Trees.from_nested([("xor", "T", "F")], SYMBOLS)
    with pytest.raises(ValueError, match="more than max_arity"):
        Trees.from_nested([("and", "T", "F")], SYMBOLS, max_arity=1)
    nets = RecursiveNet.random(2, 3, 5, max_arity=1, rng=0)
    with pytest.raises(ValueError, match="2 children"):
        nets.run(Trees.from_nested([("and", "T", "F")], SYMBOLS))
    with pytest.raises(ValueError, match="labels have 5 entries; the network reads 4"):
        RecursiveNet.random(2, 3, 4).run(Trees.from_nested(["T"], SYMBOLS))
    with pytest.raises(TypeError, match="Trees batch"):
        nets.run([("and", "T", "F")])
    with pytest.raises(ValueError, match="w_child must have shape"):
        RecursiveNet(np.zeros((1, 3, 5)), np.zeros((1, 2, 3, 4)), np.zeros((1, 3)), np.zeros((1, 1, 3)),
                     np.zeros((1, 1)), [0])
    with pytest.raises(ValueError, match="out_act"):
        RecursiveNet(np.zeros((1, 3, 5)), np.zeros((1, 2, 3, 3)), np.zeros((1, 3)), np.zeros((1, 1, 3)),
                     np.zeros((1, 1)), [7])
    with pytest.raises(ValueError, match="structure model"):
        TreeTask.boolean(n_train=4, n_test=4).check_model(evornn.CTRNN.random(2, 3))


def test_the_codec_round_trips():
    codec = RecursiveNet.codec(3, 5, 2, max_arity=3, output_activation="logistic")
    nets = codec.decode(codec.random(4, rng=0))
    again = codec.decode(codec.encode(nets))
    for a, b in zip(nets.params, again.params, strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-14)
    assert (nets.params.out_act == 2).all()


def test_evolution_is_bit_identical_with_one_and_two_threads():
    task = TreeTask.boolean(n_train=60, n_test=30, train_depth=(1, 2), seed=1)
    problem = evornn.Problem(RecursiveNet.codec(3, 5, output_activation="tanh"), task)
    runs = [evornn.evolve(problem, "cmaes", n_pop=12, n_generations=15, rng=3, n_threads=n, progress=False)
            for n in (1, 2)]
    np.testing.assert_array_equal(runs[0].best_genome, runs[1].best_genome)
    assert runs[0].best_fitness > task.evaluate(problem.decode(problem.codec.random(12, rng=3))).fitness.max()


def _python_expression(term) -> str:
    if not isinstance(term, tuple):
        return {"T": "True", "F": "False"}[term]
    op, *args = term
    return f"(not {_python_expression(args[0])})" if op == "not" else \
        f"({_python_expression(args[0])} {op} {_python_expression(args[1])})"


def test_boolean_formulas_have_the_asked_depths_balanced_values_and_pythons_truth():
    terms, values = datasets.boolean_formulas(90, depth=(2, 4), rng=5)
    assert [eval(_python_expression(t)) for t in terms] == values.tolist()  # our own strings
    depth = Trees.from_nested(terms, SYMBOLS).depth
    for d in (2, 3, 4):
        assert (depth == d).sum() == 30 and values[depth == d].sum() == 15
    with pytest.raises(ValueError, match="depth"):
        datasets.boolean_formulas(4, depth=(3, 1))


def test_a_run_killed_by_sigkill_resumes_to_the_uninterrupted_result(tmp_path):
    from tests.run_helpers import assert_same_run, kill_and_resume

    text = (Path(__file__).resolve().parents[2] / "experiments" / "recursive_boolean.toml").read_text()
    text = text.replace("n_generations = 600", "n_generations = 24").replace("checkpoint_every = 20", "checkpoint_every = 4")
    text = text.replace("n_train = 300", "n_train = 60").replace("n_test = 300", "n_test = 30")
    path = tmp_path / "recursive.toml"
    path.write_text(text.split("[stop]")[0])
    assert_same_run(*kill_and_resume(path, tmp_path, at=8))
