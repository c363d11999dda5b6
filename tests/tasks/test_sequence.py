"""SequenceTask against a slow reference: the same outputs, MSE and learned fraction by hand."""

import numpy as np
import pytest

import evornn
from evornn.tasks import SequenceTask
from tests.reference import ctrnn_trajectory


def reference_scores(net, inputs, targets, dt, steps_per_sample, units, tolerance, washout):
    """Per-individual MSE and learned fraction, one network and one sequence at a time."""
    n_seq, n_samples, _ = targets.shape
    mse, learned = [], []
    for p in range(net.n_pop):
        errors = []
        for s in range(n_seq):
            y = ctrnn_trajectory(net, p, np.zeros(net.n_neurons), dt, n_samples * steps_per_sample, "rk4",
                                 lambda n, c, s=s: inputs[s, n // steps_per_sample])
            y_end = y[steps_per_sample::steps_per_sample]  # state at the end of each sample
            prm = net.params
            out = 1 / (1 + np.exp(-prm.gain[p] * (y_end + prm.bias[p])))
            errors.append(out[washout:, units] - targets[s, washout:])
        err = np.concatenate(errors)
        mse.append(np.mean(err**2))
        learned.append(np.mean(np.abs(err) <= tolerance))
    return np.array(mse), np.array(learned)


def test_scores_match_a_slow_reference(rng):
    net = evornn.CTRNN.random(5, 3, n_inputs=2, rng=rng, weight_range=(-4, 4), tau_range=(0.5, 2))
    inputs = rng.uniform(-1, 1, size=(2, 6, 2))
    targets = rng.uniform(0, 1, size=(2, 6, 2))
    task = SequenceTask(inputs, targets, dt=0.05, steps_per_sample=4, output_units=[2, 0], tolerance=0.3, washout=1)
    ev = task.evaluate(net)
    mse, learned = reference_scores(net, inputs, targets, 0.05, 4, [2, 0], 0.3, 1)
    np.testing.assert_allclose(ev.metrics["mse"], mse, rtol=1e-10)
    np.testing.assert_array_equal(ev.metrics["learned"], learned)
    np.testing.assert_allclose(ev.fitness, 1 / (1 + mse), rtol=1e-10)
    assert 0 < learned.max() and ev.n_nonfinite == 0


def test_a_perfect_network_has_fitness_one():
    teacher = evornn.CTRNN([[1.0, -2.0], [3.0, 0.5]], tau=[1.0, 2.0], bias=[0.5, -1.0], input_weights=[[2.0], [-1.0]])
    u = np.linspace(0, 1, 10)[:, None]
    traj = evornn.simulate(teacher, dt=0.05, inputs=np.repeat(u, 5, axis=0)[:, None, :], record_every=5)
    task = SequenceTask(u, traj.outputs[1:, 0, :1], dt=0.05, steps_per_sample=5)
    ev = task.evaluate(teacher)
    assert ev.fitness[0] == pytest.approx(1.0, abs=1e-14) and ev.metrics["learned"][0] == 1.0


def test_diverging_networks_get_the_worst_fitness_and_are_counted():
    # Huge negative self-excitation with a tiny tau makes explicit RK4 at dt = 0.05 blow up.
    net = evornn.CTRNN(np.stack([np.zeros((1, 1)), np.full((1, 1), -1e6)]), tau=[[1.0], [1e-4]], input_weights=[[1.0]])
    task = SequenceTask(np.ones((60, 1)), np.full((60, 1), 0.5), dt=0.05)
    with pytest.warns(evornn.StepSizeWarning):
        task.check_model(net)
    ev = task.evaluate(net)
    assert ev.nonfinite.tolist() == [False, True]
    assert ev.fitness[1] == task.worst_fitness and np.isfinite(ev.fitness).all()


def test_bad_arguments_raise_naming_them():
    with pytest.raises(ValueError, match="samples"):
        SequenceTask(np.zeros((5, 1)), np.zeros((6, 1)))
    with pytest.raises(ValueError, match="output_units"):
        SequenceTask(None, np.zeros((6, 2)), output_units=[0])
    with pytest.raises(ValueError, match="washout"):
        SequenceTask(None, np.zeros((6, 1)), washout=6)
    with pytest.raises(ValueError, match="dt"):
        SequenceTask(None, np.zeros((6, 1)), dt=0)
    task = SequenceTask(np.zeros((6, 2)), np.zeros((6, 1)))
    with pytest.raises(ValueError, match="inputs"):
        task.check_model(evornn.CTRNN.random(1, 3, n_inputs=1, rng=0))
