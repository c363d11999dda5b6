"""SequenceTask against a slow reference: the same outputs, MSE and learned fraction by hand."""

import numpy as np
import pytest

import evornn
from evornn.models.rnn import GRU, FullyRecurrent, Jordan
from evornn.tasks import SequenceTask
from tests import reference
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
    # Found by fuzzing: a task evaluated directly (no Problem) with a model of too few
    # outputs raised IndexError; a copy task's length of (None, inf) raised OverflowError.
    copy = SequenceTask.copy(width=2)
    with pytest.raises(ValueError, match=r"output_units \[0, 1\] exceed the model's 1 outputs"):
        copy.evaluate(evornn.CTRNN.random(2, 1, n_inputs=copy.n_inputs, rng=0))
    with pytest.raises(TypeError, match=r"length must be a pair \(low, high\) of integers"):
        SequenceTask.copy(length=(None, np.inf))
    with pytest.raises(TypeError, match=r"length must be a pair \(low, high\) of integers"):
        SequenceTask.copy(length=(1, 2.5))


def _shift_register(n_pop=1):
    """Elman network that outputs (logistic) its input of one step before: h1 = tanh(5 x),
    h2 = tanh(5 h1(t-1)), y = logistic(10 h2)."""
    from evornn.models import Elman

    w_rec = np.array([[0.0, 0.0], [5.0, 0.0]])
    return Elman(w_rec=np.tile(w_rec, (n_pop, 1, 1)), w_in=np.tile([[5.0], [0.0]], (n_pop, 1, 1)),
                 bias=np.zeros((n_pop, 2)), w_out=np.tile([[0.0, 10.0]], (n_pop, 1, 1)), b_out=np.zeros((n_pop, 1)),
                 out_act=np.full(n_pop, 2))


def test_masks_probes_and_solved_fractions_follow_their_definitions():
    recall = SequenceTask.delayed_recall(delay=1, n_seq=3, n_steps=30, seed=5)
    scores = recall.evaluate(_shift_register()).metrics
    assert scores["solved"][0] == 1.0 and scores["learned"][0] == 1.0

    # Two steps back the network is right exactly where x(t - 1) == x(t - 2), counted by hand.
    task = SequenceTask.delayed_recall(delay=2, n_seq=3, n_steps=30, seed=5)
    bits = task.inputs[:, :, 0] > 0
    agree = bits[:, 1:-1] == bits[:, :-2]  # (n_seq, scored steps 2 ... 29)
    scores = task.evaluate(_shift_register()).metrics
    np.testing.assert_allclose(scores["learned"][0], agree.mean())
    np.testing.assert_allclose(scores["solved"][0], agree.all(axis=1).mean())

    # Scored by solved sequences first, the error breaking ties.
    ranked = SequenceTask(task.inputs, task.targets, mask=task.mask, tolerance=task.tolerance, score="solved")
    fitness = ranked.evaluate(_shift_register()).fitness[0]
    assert fitness == pytest.approx(agree.all(axis=1).mean() + 1 / (1 + scores["mse"][0]) / 4, rel=1e-12)
    # ... or by values right first (the ENTM's "closest binary" fitness): 28 values a sequence.
    by_value = SequenceTask(task.inputs, task.targets, mask=task.mask, tolerance=task.tolerance, score="learned")
    fitness = by_value.evaluate(_shift_register()).fitness[0]
    assert fitness == pytest.approx(agree.mean() + 1 / (1 + scores["mse"][0]) / (3 * 28 + 1), rel=1e-12)
    with pytest.raises(ValueError, match="score"):
        SequenceTask(task.inputs, task.targets, score="penultimate")

    # A probe on chosen steps, and a mask that leaves out the steps the network gets wrong.
    probe = np.zeros((3, 30), dtype=bool)
    probe[:, 10] = True
    masked = SequenceTask(task.inputs, task.targets, mask=np.pad(agree, ((0, 0), (2, 0))), probes={"t10": probe},
                          tolerance=task.tolerance)
    scores = masked.evaluate(_shift_register()).metrics
    assert scores["solved"][0] == 1.0 and scores["mse"][0] < 1e-6
    np.testing.assert_allclose(scores["t10"][0], agree[agree[:, 8], 8].mean() if agree[:, 8].any() else np.nan)


def _counter_stack(b_weight):
    """A two-layer stack of ReLU IndRNNs that predicts a^n b^n c^n exactly (b_weight = -1).

    Layer 1 counts h1 = #a - #b and h2 = #b - #c and copies [S or a] and [c]. Layer 2 tests
    e1 = [h1 == 0] = relu(1 - h1) and e2 = [h2 == 0] (the counts are integers), and reads out
    a: S or a;  b: h1 >= 1;  c: h1 == 0 and h2 >= 1;  T: c and h2 == 0.
    With b_weight = -1.2 the count of a's runs out early: in the string with n, after the
    (n-1)-th b, h1 = n - 1.2 (n - 1) must stay above 0.5, so n <= 3 are accepted and n = 4 is not.
    """
    from evornn.models.rnn import IndRNN
    from evornn.models.sequence import Stack

    layer1 = IndRNN(w_rec=[[1.0, 1.0, 0.0, 0.0]],
                    w_in=[[[0, 1, b_weight, 0], [0, 0, 1, -1], [1, 1, 0, 0], [0, 0, 0, 1]]],
                    bias=np.zeros((1, 4)), w_out=np.eye(4)[None], b_out=np.zeros((1, 4)), relu=[True], out_act=[0])
    layer2 = IndRNN(w_rec=np.zeros((1, 4)), w_in=[[[-1, 0, 0, 0], [0, -1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]],
                    bias=[[1.0, 1.0, 0.0, 0.0]],
                    w_out=[[[0, 0, 10, 0], [-10, 0, 0, 0], [10, -10, 0, 0], [0, 10, 0, 10]]],
                    b_out=[[-5.0, 5.0, -5.0, -15.0]], relu=[True], out_act=[2])
    return Stack([layer1, layer2])


def test_anbncn_generalisation_test_finds_where_a_counter_breaks():
    exact, leaky = _counter_stack(-1.0), _counter_stack(-1.2)
    task = SequenceTask.anbncn(n_max=10)
    assert task.evaluate(exact).metrics["solved"][0] == 1.0
    assert task.evaluate(leaky).metrics["solved"][0] == pytest.approx(0.3)  # n = 1, 2, 3 of 10
    assert task.largest_n(exact, 60).tolist() == [60]
    assert task.largest_n(leaky, 60).tolist() == [3]
    assert task.report(exact) == {"largest_n": 1000, "largest_n_tried": 1000}
    with pytest.raises(ValueError, match="anbncn"):
        SequenceTask.parity().largest_n(exact)


def test_variable_length_strings_are_scored_like_a_string_by_string_reference():
    from evornn.models.rnn import GRU
    from tests.reference import rnn_output, rnn_step

    task = SequenceTask.reber(n_strings=9, seed=2, penultimate_weight=3.0)
    net = GRU.random(2, 3, 7, 7, scale=3.0, output_activation="logistic", rng=4)
    metrics = task.evaluate(net).metrics
    for p in range(2):
        sq_err, weight, hits, solved, penultimate = 0.0, 0.0, [], [], []
        for q in range(9):
            n = int(task.mask[q].sum())  # the string's length less its final E
            h, right = np.zeros(3), []
            for t in range(n):
                h = rnn_step("gru", net.params, p, h, task.inputs[q, t])
                err = rnn_output("gru", net.params, p, h) - task.targets[q, t]
                w = 3.0 if task.probes["penultimate"][q, t] else 1.0
                sq_err += w * np.sum(err**2)
                weight += w * 7
                hits.extend(np.abs(err) <= 0.5)
                right.append(np.all(np.abs(err) <= 0.5))
            solved.append(all(right))
            penultimate.append(right[n - 2])  # the input is the inner string's E
        np.testing.assert_allclose(metrics["mse"][p], sq_err / weight, rtol=1e-10)
        np.testing.assert_allclose(metrics["learned"][p], np.mean(hits), rtol=1e-12)
        assert metrics["solved"][p] == np.mean(solved) and metrics["penultimate"][p] == np.mean(penultimate)


def test_prediction_and_classification_tasks_hold_what_they_promise():
    from evornn import datasets

    task = SequenceTask.prediction("henon", n_seq=3, n_steps=50, washout=5)
    series = datasets.henon(2 * 3 * 50 + 1)[:, 0]
    np.testing.assert_array_equal(task.inputs[:, :, 0].ravel(), series[:150])
    np.testing.assert_array_equal(task.targets[:, :, 0].ravel(), series[1:151])
    np.testing.assert_array_equal(task.test_task.targets[:, :, 0].ravel(), series[151:])  # the continuation
    assert not task.mask[:, :5].any() and task.mask[:, 5:].all()

    narma = SequenceTask.prediction("narma", n_seq=2, n_steps=40, seed=3)
    data = datasets.narma(2 * 2 * 40 + 1, rng=3)
    np.testing.assert_array_equal(narma.inputs.reshape(-1), data[:80, 0])
    np.testing.assert_array_equal(narma.targets.reshape(-1), data[:80, 1])

    waves = SequenceTask.classification(n_seq=9, n_steps=30)
    assert waves.targets.shape == (9, 30, 3) and waves.mask[:, -1].all() and waves.mask.sum() == 9
    assert waves.test_task.targets.shape[0] == 300
    with pytest.raises(ValueError, match="dataset"):
        SequenceTask.prediction("sunspots")
    with pytest.raises(ValueError, match="weights"):
        SequenceTask([[0.0], [1.0]], [[0.5], [0.5]], weights=[-1.0, 1.0])


def test_fitted_readouts_are_the_weighted_least_squares_fits_of_the_hidden_layer(rng):
    # Evolino: each GRU's readout of its hidden layer is fitted by weighted ridge regression on
    # the scored samples; the reference runs the textbook step and solves least squares itself.
    net = GRU.random(3, 4, 2, 2, scale=2.0, rng=rng)
    inputs, targets = rng.normal(size=(2, 12, 2)), rng.uniform(0, 1, (2, 12, 2))
    mask = np.ones((2, 12), dtype=bool)
    mask[0, :3] = mask[1, 9:] = False
    weights = rng.uniform(0.5, 3.0, (2, 12))
    task = SequenceTask(inputs, targets, mask=mask, weights=weights, fit_readout=True, ridge=1e-3)
    ev = task.evaluate(net)
    trained = task.trained(net)
    for p in range(3):
        hidden, wanted, w_n = [], [], []
        for s in range(2):
            h = np.zeros(4)
            for t in range(12):
                h = reference.rnn_step("gru", net.params, p, h, inputs[s, t])
                if mask[s, t]:
                    hidden.append(h)
                    wanted.append(targets[s, t])
                    w_n.append(weights[s, t])
        hidden, wanted, w_n = np.array(hidden), np.array(wanted), np.array(w_n)
        w, b = reference.ridge_readout(hidden, wanted, 1e-3, weights=w_n)
        np.testing.assert_allclose(trained.params.w_out[p], w, rtol=1e-7, atol=1e-9)
        np.testing.assert_allclose(trained.params.b_out[p], b, rtol=1e-7, atol=1e-9)
        mse = np.sum(w_n[:, None] * (hidden @ w.T + b - wanted) ** 2) / (w_n.sum() * 2)
        assert ev.metrics["mse"][p] == pytest.approx(mse, rel=1e-7)
    # The trained networks score the same with their own (now linear) readouts...
    plain = SequenceTask(inputs, targets, mask=mask, weights=weights)
    np.testing.assert_allclose(plain.evaluate(trained).fitness, ev.fitness, rtol=1e-10)
    # ... and better than with the readouts they were drawn with.
    assert np.all(ev.metrics["mse"] < plain.evaluate(net).metrics["mse"])


def test_held_out_data_scores_the_fitted_readout_without_refitting():
    task = SequenceTask.classification(n_seq=6, n_steps=10, fit_readout=True)
    net = GRU.random(2, 3, 1, 3, scale=2.0, rng=0)
    report = task.report(net)
    best = task.trained_model(net)
    test = task.test_task
    assert not test.fit_readout and best.n_pop == 1
    assert report["test_mse"] == test.evaluate(best).metrics["mse"][0]
    refitted = SequenceTask(test.inputs, test.targets, mask=test.mask, fit_readout=True).evaluate(net.take([0]))
    assert refitted.metrics["mse"][0] < report["test_mse"]  # fitting on the test data itself does better


def test_fitted_readouts_need_a_separate_readout_and_a_valid_ridge():
    task = SequenceTask(np.zeros((6, 1)), np.zeros((6, 1)), fit_readout=True)
    with pytest.raises(ValueError, match="fit_readout needs a model whose outputs are a linear readout"):
        task.check_model(FullyRecurrent.random(1, 3, 1, 1, rng=0))
    with pytest.raises(ValueError, match="ridge must be a finite number >= 0"):
        SequenceTask(np.zeros((6, 1)), np.zeros((6, 1)), fit_readout=True, ridge=-1.0)
    with pytest.raises(ValueError, match="evolve_readout=False needs a model whose readout can be fitted"):
        Jordan.codec(3, 1, 1, evolve_readout=False)
    with pytest.raises(ValueError, match="output_activation='identity'"):
        GRU.codec(3, 1, 1, evolve_readout=False, output_activation="logistic")
    with pytest.raises(ValueError, match="w_out must have shape"):
        GRU.random(2, 3, 1, 1, rng=0).with_readout(np.zeros((2, 1, 4)), np.zeros((2, 1)))


def test_identification_drives_the_plant_with_random_inputs_and_tests_on_the_sine():
    """Each training sequence is the plant's response to inputs uniform in [-2, 2] from rest;
    the held-out test is Narendra and Parthasarathy's sine."""
    from evornn import datasets

    task = SequenceTask.identification(n_seq=3, n_steps=60, test_steps=100, seed=2)
    u = np.random.default_rng(2).uniform(-2, 2, (3, 60))
    np.testing.assert_array_equal(task.inputs[:, :, 0], u)
    for s in range(3):
        np.testing.assert_array_equal(task.targets[s, :, 0], datasets.narendra(u[s])[:, 1])
    sine = np.sin(2 * np.pi * np.arange(100) / 25)
    np.testing.assert_allclose(task.test_task.inputs[0, :, 0], sine, rtol=0, atol=0)
    np.testing.assert_array_equal(task.test_task.targets[0, :, 0], datasets.narendra(sine)[:, 1])
