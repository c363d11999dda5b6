"""Memory-augmented networks: the tape (NTM), the discrete tape (ENTM) and the continuous
stack against slow step-by-step references, hand-set stacks, a hand-wired copying machine,
populations and threads, and their checks."""

from pathlib import Path

import numba
import numpy as np
import pytest

import evornn
from evornn import datasets
from evornn._numba import threads
from evornn.models import GRU, Elman, IndRNN, Jordan
from evornn.models.memory import ENTM, NTM, NeuralStack, memory_codec
from evornn.tasks import SequenceTask
from tests import reference

CONTROLLERS = {"elman": Elman, "gru": GRU, "jordan": Jordan}


# Each controller type compiles the memory's kernel once: Elman in the default run, the others
# in CI's step for slow tests.
@pytest.mark.parametrize("kind", ["elman", *(pytest.param(k, marks=pytest.mark.slow) for k in ("gru", "jordan"))])
def test_the_tape_equals_the_step_by_step_reference(kind):
    n_in, n_out = NTM.controller_size(2, 2, width=3)
    controller = CONTROLLERS[kind].random(3, 7, n_in, n_out, scale=3.0, rng=1)
    ntm = NTM(controller, n_outputs=2, n_slots=5, width=3)
    u = np.random.default_rng(2).normal(size=(12, 3, 2))
    out, w_write, w_read = ntm.trace(u)
    for p in range(3):
        expected, writes, reads = reference.ntm(kind, controller.params, p, u[:, p], 2, 5, 3)
        np.testing.assert_allclose(out[:, p], expected, rtol=0, atol=1e-12)
        np.testing.assert_allclose(w_write[:, p], writes, rtol=0, atol=1e-12)
        np.testing.assert_allclose(w_read[:, p], reads, rtol=0, atol=1e-12)
    np.testing.assert_allclose(w_write.sum(axis=2), 1.0, rtol=0, atol=1e-12)


@pytest.mark.parametrize("kind", ["elman", pytest.param("gru", marks=pytest.mark.slow)])
def test_the_stack_equals_the_step_by_step_reference(kind):
    n_in, n_out = NeuralStack.controller_size(2, 1, width=2)
    controller = CONTROLLERS[kind].random(3, 6, n_in, n_out, scale=3.0, rng=3)
    stack = NeuralStack(controller, n_outputs=1, width=2)
    u = np.random.default_rng(4).normal(size=(15, 3, 2))
    out, strengths = stack.trace(u)
    for p in range(3):
        expected, s = reference.neural_stack(kind, controller.params, p, u[:, p], 1, 2)
        np.testing.assert_allclose(out[:, p], expected, rtol=0, atol=1e-12)
        np.testing.assert_allclose(strengths[:, p], s, rtol=0, atol=1e-12)


@pytest.mark.parametrize("kind", ["elman", pytest.param("gru", marks=pytest.mark.slow)])
def test_the_discrete_tape_equals_the_step_by_step_reference(kind):
    n_in, n_out = ENTM.controller_size(2, 2, width=3)
    controller = CONTROLLERS[kind].random(4, 7, n_in, n_out, scale=3.0, rng=5)
    entm = ENTM(controller, n_outputs=2, width=3)
    u = np.random.default_rng(6).normal(size=(30, 4, 2))
    out, heads = entm.trace(u)
    for p in range(4):
        expected, expected_heads = reference.entm(reference.rnn_controller(kind, controller.params, p), u[:, p], 2, 3)
        np.testing.assert_allclose(out[:, p], expected, rtol=0, atol=1e-12)
        np.testing.assert_array_equal(heads[:, p], expected_heads)
    assert len(np.unique(np.diff(heads, axis=0))) > 3  # steps of -1, 0, +1 and jumps were all taken


def copying_entm(bits: int, gain: float = 10.0) -> ENTM:
    """An ENTM wired by hand to copy `bits`-bit vectors (an analytic construction, no
    evolution). Elman units: c = 1 always; s = -1 at the first step, then +1 (it reads c's
    last value); m = -1 until the delimiter, then +1 (it latches); d = +1 at the delimiter
    only; x_b, r_b = +-1 for the bits of the input and of the read. While storing it writes
    [x, first-step marker] and moves right; at the delimiter it writes nothing and jumps to
    the location nearest [0.5 ..., 1] (the marked first one) and stays; then it outputs each
    location it reads and moves right."""
    k = gain
    width = bits + 1
    n_in, n_out = ENTM.controller_size(bits + 1, bits, width)
    n_hidden = 4 + 2 * bits
    c, s, m, d = 0, 1, 2, 3
    x, r = np.arange(4, 4 + bits), np.arange(4 + bits, 4 + 2 * bits)
    w_in, w_rec, bias = np.zeros((n_hidden, n_in)), np.zeros((n_hidden, n_hidden)), np.zeros(n_hidden)
    bias[c] = k
    w_rec[s, c], bias[s] = 2 * k, -k
    w_in[m, bits], w_rec[m, m], bias[m] = 4 * k, 2 * k, -k
    w_in[d, bits], bias[d] = 2 * k, -k
    w_in[x, np.arange(bits)], bias[x] = 2 * k, -k
    w_in[r, bits + 1 + np.arange(bits)], bias[r] = 2 * k, -k
    w_out, b_out = np.zeros((n_out, n_hidden)), np.zeros(n_out)
    w_out[np.arange(bits), r], b_out[:bits] = 0.5, 0.5  # the outputs: the read bits
    write = bits + np.arange(bits)  # the write vector: the input bits, 0.5 at the delimiter
    w_out[write, x], w_out[write, m], b_out[write] = k, k / 2, k / 2
    marker = 2 * bits
    w_out[marker, s], w_out[marker, m], b_out[marker] = -k, k, k  # 1 at the first step and at the delimiter
    w_out[marker + 1, m] = -k  # interpolation: write until the delimiter
    w_out[marker + 2, d] = k  # jump at the delimiter
    b_out[marker + 3] = -k  # never left; stay at the delimiter, else right (shift outputs left, stay, right)
    w_out[marker + 4, d] = k
    controller = Elman(w_rec=w_rec[None], w_in=w_in[None], bias=bias[None], w_out=w_out[None], b_out=b_out[None],
                       out_act=[0])
    return ENTM(controller, n_outputs=bits, width=width)


@pytest.mark.parametrize("bits", [1, 8])
def test_a_hand_wired_discrete_tape_copies_sequences_of_any_length(bits):
    # The tape, the jump and the moves make the copy exact for every length; no fixed-size
    # memory could (the test sequences hold up to 8 x 200 bits).
    entm = copying_entm(bits)
    data = datasets.copy_task(8, width=bits, length=(193, 200), rng=bits)
    for q in range(8):
        out, heads = entm.trace(data.inputs[q])
        n = int(data.mask[q].sum())
        np.testing.assert_allclose(out[data.mask[q], 0], data.targets[q, data.mask[q]], rtol=0, atol=1e-6)
        np.testing.assert_array_equal(heads[:2 * n + 1, 0], [*range(1, n + 1), 0, *range(1, n + 1)])


def test_a_copy_task_draws_a_tape_machine_on_its_longest_held_out_sequence():
    task = SequenceTask.copy(n_seq=4, width=1, length=(1, 3), seed=0)  # held out: lengths 4-6
    fig = task.plot(copying_entm(1), title="hand-wired")
    head = next(line for line in fig.axes[3].get_lines() if line.get_label() == "head")
    np.testing.assert_array_equal(head.get_ydata(), [1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5, 6])  # 6 stored, 6 read
    assert fig._suptitle.get_text() == "hand-wired: a held-out sequence"


def counting_stack(gain: float = 20.0) -> NeuralStack:
    """A stack machine wired by hand (no evolution, no recurrence) to predict the next symbol
    of S a^n b^n T for every n. Inputs S, a, b and the read; outputs a, b, T, then pop, push
    and value. On an a it pushes a value: +1 (a marker) when the stack is empty (the read is
    0), -1 otherwise; on a b it pops, and the read then shows the marker exactly when one b
    is left. Units (tanh): s, a, b (+1 when read), top_marker (read > 1/2), top_plain
    (read < -1/2), b_more (a b with a plain value on top), b_last (a b with the marker)."""
    k = gain
    n_in, n_out = NeuralStack.controller_size(3, 3, width=1)
    s_, a_, b_, read = range(4)
    w_in, bias = np.zeros((7, n_in)), np.zeros(7)
    w_in[[0, 1, 2], [s_, a_, b_]], bias[:3] = 2 * k, -k
    w_in[3, read], bias[3] = 2 * k, -k
    w_in[4, read], bias[4] = -2 * k, -k
    w_in[5, b_], w_in[5, read], bias[5] = k, -k, -1.5 * k
    w_in[6, b_], w_in[6, read], bias[6] = k, k, -1.5 * k
    w_out, b_out = np.zeros((n_out, 7)), np.zeros(n_out)
    w_out[0, [0, 1]], b_out[0] = 0.5, 1.0  # a follows S and a
    w_out[1, [1, 5]], b_out[1] = 0.5, 1.0  # b follows a, and a b while more are to come
    w_out[2, 6], b_out[2] = 0.5, 0.5  # T follows the last b
    w_out[3, 2] = k  # pop on b
    w_out[4, 1] = k  # push on a
    w_out[5, [3, 4]], b_out[5] = -k, -k  # the value: the marker onto an empty stack
    controller = Elman(w_rec=np.zeros((1, 7, 7)), w_in=w_in[None], bias=bias[None], w_out=w_out[None],
                       b_out=b_out[None], out_act=[0])
    return NeuralStack(controller, n_outputs=3, width=1)


def test_a_hand_wired_stack_predicts_a_n_b_n_for_every_n():
    # No fixed-size network counts without bound; the stack does it for n up to 200 here.
    stack = counting_stack()
    data = datasets.anbncn(np.arange(1, 201), counts=2)
    for q in (0, 1, 2, 9, 57, 199):
        out = stack.run(data.inputs[q])[:, 0]
        np.testing.assert_allclose(out[data.mask[q]], data.targets[q, data.mask[q]], rtol=0, atol=1e-6)


def test_neat_controllers_drive_the_discrete_tape_as_the_reference_and_evolve_bit_identically():
    from tests.neat.test_neat import as_reference, grown

    codec = ENTM.codec(0, 2, 1, width=2, controller="neat", neat={"feed_forward": True, "max_nodes": 24,
                                                                   "max_connections": 96})
    genomes = grown(codec.inner, 6, seed=1)
    entm = codec.decode(genomes)
    assert isinstance(entm, ENTM) and not entm.squash  # NEAT's sigmoid nodes drive the memory as they are
    u = np.random.default_rng(2).integers(0, 2, (25, 2)).astype(float)
    out, heads = entm.trace(u)
    for p in range(6):
        nodes, conns = as_reference(codec, genomes[p])
        step = lambda x, nodes=nodes, conns=conns: reference.neat_network_reference(  # noqa: E731
            nodes, conns, x[None], 8, "feed_forward")[0]  # acyclic: each step from its inputs alone
        expected, expected_heads = reference.entm(step, u, 1, 2, squash=False)
        np.testing.assert_allclose(out[:, p], expected, rtol=0, atol=1e-12)
        np.testing.assert_array_equal(heads[:, p], expected_heads)
        np.testing.assert_array_equal(codec.network(genomes[p]).run(u)[:, 0], out[:, p])
    task = SequenceTask.copy(n_seq=6, width=1, length=(1, 3), start=True, seed=0)
    problem = evornn.Problem(ENTM.codec(0, 3, 1, width=2, controller="neat", neat={"feed_forward": True}), task)
    runs = [evornn.evolve(problem, "neat", n_pop=30, n_generations=4, rng=2, n_threads=n, progress=False)
            for n in (1, 2)]
    np.testing.assert_array_equal(runs[0].best_genome, runs[1].best_genome)
    feedforward = ENTM.codec(4, 3, 1, width=2, controller="feedforward")  # the paper's controller for any method
    assert feedforward.n_genes == ENTM.codec(4, 3, 1, width=2).n_genes - 16
    assert not feedforward.decode(feedforward.random(3, rng=0)).controller.params.w_rec.any()
    with pytest.raises(TypeError, match="neat = "):
        ENTM.codec(0, 3, 1, width=2, controller="neat", decay=0.9)
    with pytest.raises(ValueError, match="goes with controller = 'neat'"):
        ENTM.codec(4, 3, 1, width=2, neat={"max_nodes": 8})


@pytest.mark.parametrize("name, generations", [("entm_copy", 500), ("stack_anbn", 1000)])
def test_neat_memory_runs_killed_by_sigkill_resume_to_the_uninterrupted_result(tmp_path, name, generations):
    from tests.run_helpers import assert_same_run, kill_and_resume

    text = (Path(__file__).resolve().parents[2] / "experiments" / f"{name}.toml").read_text()
    text = text.replace(f"n_generations = {generations}", "n_generations = 12")
    text = text.replace("checkpoint_every = 25", "checkpoint_every = 2").replace("checkpoint_every = 50",
                                                                                 "checkpoint_every = 2")
    assert "n_generations = 12" in text and "checkpoint_every = 2" in text
    path = tmp_path / f"{name}.toml"
    path.write_text(text.split("[stop]")[0])
    assert_same_run(*kill_and_resume(path, tmp_path, at=4))


def test_a_saturated_stack_pushes_and_pops_like_a_discrete_one():
    # A controller with no hidden dynamics to speak of: its outputs follow its input, so the
    # inputs script the stack. Input 0 > 0: push; input 1 > 0: pop; input 2 .. the value.
    n_in, n_out = NeuralStack.controller_size(3, 2, width=1)
    w_in, w_rec, w_out = np.zeros((1, n_out, n_in)), np.zeros((1, n_out, n_out)), np.zeros((1, n_out, n_out))
    w_in[0, 2, 1], w_in[0, 3, 0], w_in[0, 4, 2] = 1.0, 1.0, 1.0  # hidden 2: pop, 3: push, 4: value
    w_in[0, 0, 3] = 1.0  # hidden 0 copies the read
    w_out[0] = 40.0 * np.eye(n_out)
    w_out[0, 0, 0] = w_out[0, 4, 4] = 1.0  # the read copied out, the value v pushed as tanh(v)
    controller = Elman(w_rec=w_rec, w_in=w_in, bias=np.zeros((1, n_out)), w_out=w_out, b_out=np.zeros((1, n_out)),
                       out_act=[0])
    stack = NeuralStack(controller, n_outputs=2, width=1)
    script = [(1, 0, 0.5), (1, 0, -0.5), (1, 0, 0.3), (0, 1, 0), (0, 1, 0), (0, 0, 0)]  # push 3, pop 2
    u = np.array([[40.0 if push else -40.0, 40.0 if pop else -40.0, np.arctanh(v) if v else 0.0]
                  for push, pop, v in script])
    _, strengths = stack.trace(u)
    np.testing.assert_allclose(strengths[2, 0, :3], 1.0, atol=1e-12)  # three pushed
    np.testing.assert_allclose(strengths[4, 0, :5], [1, 0, 0, 0, 0], atol=1e-12)  # two popped: the first is on top
    out = stack.run(u)[:, 0, 0]  # hidden 0 holds tanh of what the stack gave at the step before
    tops = (0.5, -0.5, 0.3, -0.5, 0.5)  # after each step: three pushes, then two pops
    np.testing.assert_allclose(out[1:], np.tanh(np.tanh(tops)), atol=1e-9)


@pytest.mark.parametrize("kind", [NTM, ENTM])
def test_populations_threads_and_codecs(kind):
    n_in, n_out = kind.controller_size(1, 1, width=2)
    options = {"n_slots": 4} if kind is NTM else {}
    codec = memory_codec(kind, Elman.codec(6, n_in, n_out), n_outputs=1, width=2, **options)
    ntm = codec.decode(codec.random(5, rng=0))
    u = np.random.default_rng(1).normal(size=(10, 1))
    whole = ntm.run(u)
    np.testing.assert_array_equal(ntm.take([4, 1]).run(u), whole[:, [4, 1]])
    for n in {1, min(2, numba.config.NUMBA_NUM_THREADS)}:
        with threads(n):  # evornn's own context manager: restores the count after
            np.testing.assert_array_equal(ntm.run(u), whole)
    again = codec.decode(codec.encode(ntm.controller))
    np.testing.assert_allclose(again.run(u), whole, rtol=0, atol=1e-12)


def test_a_diverging_controller_gives_nan_for_its_network_only():
    n_in, n_out = NeuralStack.controller_size(1, 1, width=1)
    controller = IndRNN.random(2, 3, n_in, n_out, relu=True, rng=0)
    arrays = controller.params._asdict()
    arrays["w_rec"] = np.array(arrays["w_rec"])
    arrays["bias"] = np.ones((2, 3))
    arrays["w_rec"][1] = 1e200  # network 1's rectified units grow past the largest float
    stack = NeuralStack(IndRNN(**arrays), n_outputs=1, width=1)
    out = stack.run(np.ones((6, 1)))
    assert np.isfinite(out[:, 0]).all() and np.isnan(out[:, 1]).all()


def test_bad_configurations_are_refused():
    with pytest.raises(ValueError, match="must give 29 outputs"):
        NTM(Elman.random(2, 3, 5, 4), n_outputs=1, n_slots=4, width=4)
    with pytest.raises(ValueError, match="must give 8 outputs"):
        ENTM(Elman.random(2, 3, 4, 9), n_outputs=1, width=2)
    with pytest.raises(ValueError, match="more than 2 inputs"):
        NeuralStack(Elman.random(2, 3, 2, 5), n_outputs=1, width=2)
    with pytest.raises(TypeError, match="discrete-time"):
        NeuralStack(__import__("evornn").CTRNN.random(2, 3, n_inputs=3), n_outputs=1, width=2)
    n_in, n_out = NeuralStack.controller_size(1, 1, width=1)
    stack = NeuralStack(Elman.random(2, 3, n_in, n_out), n_outputs=1, width=1)
    with pytest.raises(ValueError, match="inputs must have shape"):
        stack.run(np.zeros((4, 2)))
    with pytest.raises(ValueError, match="kind must be"):
        memory_codec(Elman, Elman.codec(3, 2, 4), n_outputs=1)


def test_experiment_files_build_memory_networks_on_the_copy_task():
    import tomllib

    from evornn import config
    from evornn.tasks import SequenceTask

    raw = {"model": {"type": "ntm", "n_hidden": 5, "n_inputs": 3, "n_outputs": 2, "width": 2, "n_slots": 6,
                     "controller": "gru"},
           "task": {"type": "copy", "n_seq": 4, "width": 2, "length": [1, 3]},
           "evolve": {"method": "cmaes", "n_pop": 6, "n_generations": 2}}
    problem = config.build_problem(config.resolve(raw, default_name="copy"))
    ntm = problem.decode(problem.codec.random(6, rng=0))
    assert isinstance(ntm, NTM) and isinstance(ntm.controller, GRU)
    assert ntm.n_slots == 6 and ntm.width == 2 and ntm.controller.n_hidden == 5
    for name in ("entm_copy", "stack_anbn"):  # NEAT's squashed outputs drive the memory as they are, as in the API
        raw = tomllib.loads((Path(__file__).resolve().parents[2] / "experiments" / f"{name}.toml").read_text())
        problem = config.build_problem(config.resolve(raw, default_name=name))
        assert problem.decode(problem.codec.random(2, rng=0)).squash is False
    task = SequenceTask.copy(n_seq=4, width=2, length=(1, 3))
    assert task.test_task.mask.sum(axis=1).min() == 4 and task.test_task.mask.sum(axis=1).max() == 6  # lengths 4-6
    with pytest.raises(ValueError, match="controller must be one of"):
        NeuralStack.codec(4, 2, 1, controller="ctrnn")
