"""Beer's legged agent: the compiled body and closed loop against a plain-Python walker."""

import numpy as np
import pytest

import evornn
from evornn.tasks import WalkerTask
from tests.reference import hand_designed_stepping, walk_reference


def test_hand_designed_stepping_walks_at_beers_published_velocity():
    task = WalkerTask()
    reference = walk_reference(hand_designed_stepping) / 200.0
    assert task.hand_designed_velocity() == pytest.approx(reference, rel=1e-12)
    assert reference == pytest.approx(0.624, abs=1e-3)  # Beer's figure at dt = 0.1, T = 200


def test_six_hand_designed_legs_match_the_python_walker():
    task = WalkerTask(n_legs=6)
    reference = walk_reference(hand_designed_stepping, n_legs=6) / 200.0
    assert task.hand_designed_velocity() == pytest.approx(reference, rel=1e-12)
    assert reference > 0


def ctrnn_controller(net, p, n_legs, dt=0.1):
    """Euler steps of individual p of a CTRNN written out in NumPy, as a walk_reference controller."""
    w, tau, bias, gain = net.params.weights[p], net.params.tau[p], net.params.bias[p], net.params.gain[p]
    v = net.params.input_weights[p]
    y = np.zeros(net.n_state)

    def control(angles, legs, x):
        nonlocal y
        u = np.array(angles) * 5.0 / (np.pi / 6)
        sigma = 1 / (1 + np.exp(-gain * (y + bias)))
        y = y + dt * (-y + w @ sigma + v @ u) / tau
        z = 1 / (1 + np.exp(-gain * (y + bias)))
        return [(z[3 * leg] > 0.5, 0.05 * z[3 * leg + 1], 0.05 * z[3 * leg + 2]) for leg in range(n_legs)]

    return control


@pytest.mark.parametrize("n_legs, n_neurons, n_pop", [(1, 4, 6), (6, 18, 6), (1, 4, 20)])
def test_networks_walk_like_the_python_walker(n_legs, n_neurons, n_pop):
    """Six networks walk one at a time; 20 one-legged CTRNNs run in SIMD lanes (a padded block)."""
    net = evornn.CTRNN.random(n_pop, n_neurons, n_inputs=n_legs, rng=3)
    task = WalkerTask(n_legs=n_legs, duration=60.0)
    velocity = task.evaluate(net).metrics["velocity"]
    expected = [walk_reference(ctrnn_controller(net, p, n_legs), n_legs, duration=60.0) / 60.0 for p in range(n_pop)]
    np.testing.assert_allclose(velocity, expected, rtol=1e-6, atol=1e-9)
    assert np.ptp(velocity) > 0.1  # the networks differ: some walk, some do not


@pytest.mark.parametrize("n_legs, n_pop", [(6, 3), (1, 20)])
def test_duty_factors_count_the_steps_each_foot_is_down_like_the_python_walker(n_legs, n_pop):
    """The descriptors: each leg's fraction of steps ending with its foot down (six legs one
    walker at a time, one leg in SIMD lanes), their mean, and the velocity."""
    net = evornn.CTRNN.random(n_pop, 3 * n_legs + 1, n_inputs=n_legs, rng=8)
    task = WalkerTask(n_legs=n_legs, duration=40.0)
    metrics = task.evaluate(net).metrics
    names = [d.name for d in task.descriptors]
    assert names[:2] == ["duty_factor", "velocity"] and len(names) == (8 if n_legs == 6 else 2)
    for p in range(n_pop):
        stance = []
        walk_reference(ctrnn_controller(net, p, n_legs), n_legs, duration=40.0, stance=stance)
        duty = np.array(stance) / 400
        assert metrics["duty_factor"][p] == pytest.approx(duty.mean(), abs=1e-12)
        if n_legs == 6:
            np.testing.assert_allclose([metrics[f"duty_{leg}"][p] for leg in WalkerTask.LEG_NAMES], duty, atol=1e-12)
    assert 0 < np.ptp(metrics["duty_factor"])  # the gaits differ


def test_wide_blocks_walk_like_the_one_at_a_time_loop_and_keep_a_diverging_lane_apart():
    """520 walkers run in blocks of 128 lanes; batches of 8 take the one-individual loop.
    One network diverges: it alone gets NaN (the worst fitness), its block-mates walk on."""
    from evornn.models._ctrnn_fast import block_width

    net = evornn.CTRNN.random(520, 3, n_inputs=1, rng=5)
    p = net.params
    weights, tau = p.weights.copy(), p.tau.copy()
    weights[130], tau[130] = 1e308, 1e-300
    net = evornn.CTRNN(weights, tau=tau, bias=p.bias, gain=p.gain, input_weights=p.input_weights)
    task = WalkerTask(duration=30.0)
    assert block_width(net.n_pop, 3, 1) == 128
    wide = task.evaluate(net)
    one_by_one = np.concatenate([task.evaluate(net.take(slice(k, k + 8))).metrics["velocity"]
                                 for k in range(0, net.n_pop, 8)])
    assert np.isnan(wide.metrics["velocity"][130]) and np.isnan(one_by_one[130])
    assert wide.nonfinite[130] and wide.fitness[130] == 0.0
    np.testing.assert_allclose(wide.metrics["velocity"], one_by_one, rtol=1e-9, atol=1e-12)
    assert np.count_nonzero(np.isfinite(wide.metrics["velocity"])) == net.n_pop - 1


def test_the_behaviour_trace_ends_where_the_walk_ends():
    net = evornn.CTRNN.random(2, 5, n_inputs=1, rng=4)
    task = WalkerTask(duration=20.0)
    behaviour = task.behaviour(net)
    assert behaviour["angle"].shape == (200, 1)
    assert behaviour["x"][-1] / 20.0 == pytest.approx(task.evaluate(net).metrics["velocity"][0], rel=1e-12)
    assert set(np.unique(behaviour["foot"])) <= {0.0, 1.0}


def test_wrong_controllers_are_rejected_with_what_the_walker_needs():
    with pytest.raises(ValueError, match="needs a controller with 6 input"):
        WalkerTask(n_legs=6).check_model(evornn.CTRNN.random(1, 18, n_inputs=1, rng=0))
    with pytest.raises(ValueError, match="at least 3 outputs"):
        WalkerTask().check_model(evornn.CTRNN.random(1, 2, n_inputs=1, rng=0))
    with pytest.raises(ValueError, match="n_legs"):
        WalkerTask(n_legs=2)


def test_a_diverging_controller_gets_the_worst_fitness():
    net = evornn.CTRNN(np.full((1, 3, 3), 1e308), tau=1e-300, input_weights=np.zeros((1, 3, 1)))
    evaluation = WalkerTask(duration=10.0).evaluate(net)
    assert evaluation.nonfinite[0] and evaluation.fitness[0] == 0.0


def test_evolution_finds_a_walker_close_to_beers_hand_design():
    problem = evornn.Problem(evornn.CTRNN.codec(3, 1), WalkerTask())
    result = evornn.evolve(problem, "cmaes", n_pop=30, n_generations=60, rng=1, target_fitness=0.6, progress=False)
    assert result.best_fitness >= 0.6


def test_the_gait_figure_and_animation_are_written(tmp_path):
    from PIL import Image

    from evornn.plotting import save_png

    net = evornn.CTRNN.random(1, 18, n_inputs=6, rng=1)
    task = WalkerTask(n_legs=6, duration=10.0)
    save_png(task.plot(net), tmp_path / "gait.png")
    task.animate(net, tmp_path / "walk.gif")
    with Image.open(tmp_path / "walk.gif") as gif:
        assert gif.n_frames == 100
    assert (tmp_path / "gait.png").stat().st_size > 0
