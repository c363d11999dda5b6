"""Memory-augmented networks: the tape (NTM) and the continuous stack against slow
step-by-step references, hand-set stacks, populations and threads, and their checks."""

import numba
import numpy as np
import pytest

from evornn._numba import threads
from evornn.models import GRU, Elman, IndRNN, Jordan
from evornn.models.memory import NTM, NeuralStack, memory_codec
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


def test_populations_threads_and_codecs():
    n_in, n_out = NTM.controller_size(1, 1, width=2)
    codec = memory_codec(NTM, Elman.codec(6, n_in, n_out), n_outputs=1, n_slots=4, width=2)
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
    task = SequenceTask.copy(n_seq=4, width=2, length=(1, 3))
    assert task.test_task.mask.sum(axis=1).min() == 4 and task.test_task.mask.sum(axis=1).max() == 6  # lengths 4-6
    with pytest.raises(ValueError, match="controller must be one of"):
        NeuralStack.codec(4, 2, 1, controller="ctrnn")
