"""The reservoir task: readouts fitted in closed form, ridge chosen on validation data,
free-running generation, evolving hyperparameters and readouts; accuracy on the classic
benchmarks with the setups in the docstrings."""

import numpy as np
import pytest

import evornn
from evornn import ESN, datasets, nrmse
from evornn.sweep import runs
from evornn.tasks import TimeSeriesTask


def test_ridge_grid_picks_the_best_separately_fitted_readout():
    task = TimeSeriesTask.from_dataset("narma", n_train=600, n_validation=300, washout=50, ridges=[1e-8, 1e-4, 1e-1],
                                       seed=2)
    esn = ESN.random(40, spectral_radius=[0.6, 0.95], input_scaling=0.3, bias_scaling=0.5, rng=1)
    result = task.evaluate(esn)
    u, y = task.inputs, task.targets
    for p in range(2):
        one = esn.take(p)
        errors = []
        for lam in (1e-8, 1e-4, 1e-1):
            trained = one.fit(u[:600], y[:600], washout=50, ridge=lam)
            errors.append(nrmse(trained.predict(u[600:], x0=trained.final_state(u[:600]))[0], y[600:])[0])
        assert result.metrics["ridge"][p] == (1e-8, 1e-4, 1e-1)[int(np.argmin(errors))]
        assert result.metrics["nrmse"][p] == pytest.approx(min(errors), rel=1e-6)
        assert result.fitness[p] == pytest.approx(1 / (1 + min(errors) ** 2), rel=1e-6)


def test_narma10_with_100_units():
    """NARMA-10 (inputs uniform in [0, 0.5]): 100 units, connectivity 0.1 (normal weights,
    structure seed 0), spectral radius 0.96, leak 0.97, input scaling 0.11, bias scaling 0.84
    (found by a 64-sample random search, see experiments/esn_narma10.toml for the evolved
    version); readout fitted on 4000 steps after a washout of 200 with the ridge picked from
    1e-10 .. 1e-2; validated on the next 2000 steps: NRMSE at most 0.3."""
    task = TimeSeriesTask.from_dataset("narma", n_train=4000, n_validation=2000, washout=200,
                                       ridges=[1e-10, 1e-8, 1e-6, 1e-4, 1e-2])
    esn = ESN.random(100, spectral_radius=0.96, leak=0.97, input_scaling=0.11, bias_scaling=0.84, rng=0)
    assert task.evaluate(esn).metrics["nrmse"][0] <= 0.3


def test_mackey_glass_generation_with_500_units():
    """Mackey-Glass (tau 17): 500 units, connectivity 0.1, spectral radius 1.25, leak 0.3, input
    scaling 1, bias scaling 0.2, ridge 1e-8, trained on 4000 steps (washout 200) for one-step
    prediction, then run free from the end of the training data with each output fed back as the
    next input: NRMSE over the first 100 generated steps below 0.1."""
    series = datasets.mackey_glass(4201)
    x_train, y_train, x_test, _ = datasets.train_test(series, 4000)
    esn = ESN.random(500, spectral_radius=1.25, leak=0.3, bias_scaling=0.2, rng=0)
    esn = esn.fit(x_train, y_train, washout=200, ridge=1e-8)
    generated = esn.generate(100, warmup=x_train)
    assert nrmse(generated[0], x_test[:100])[0] < 0.1


def test_free_running_score_and_divergence():
    task = TimeSeriesTask.from_dataset("mackey_glass", n_train=500, n_validation=100, washout=50, free_run=30,
                                       score="free_run")
    linear_unstable = ESN.random(30, spectral_radius=[0.9, 5.0], activation="identity", input_scaling=1.0, rng=3)
    result = task.evaluate(linear_unstable)
    assert np.isfinite(result.fitness).all()
    assert result.nonfinite.tolist() == [False, True]  # the unstable linear reservoir diverged and was caught
    assert result.fitness[1] == task.worst_fitness
    with_grid = TimeSeriesTask(task.inputs, task.targets, n_train=500, washout=50, ridges=[1e-8, 1e-2])
    assert with_grid.evaluate(linear_unstable).nonfinite.tolist() == [False, True]
    esn = ESN.random(50, spectral_radius=1.25, leak=0.3, rng=0)
    trained = task.trained_model(esn)
    u = task.inputs
    x_end = trained.final_state(u[:500])
    free = trained.generate(30, warmup=u[500:501], x0=x_end)
    expected = nrmse(free[0], task.targets[500:530])[0]
    assert task.evaluate(esn).metrics["nrmse_free"][0] == pytest.approx(expected, rel=1e-12)


def test_evolving_readouts_directly_scores_like_the_fitted_readout():
    task = TimeSeriesTask.from_dataset("mackey_glass", n_train=400, n_validation=100, washout=50)
    esn = ESN.random(20, spectral_radius=1.1, leak=0.5, rng=4, ridge=1e-4)
    fitted = task.trained_model(esn)
    scale = float(np.abs(fitted.params.readout).max()) + 1.0
    codec = esn.readout_codec(weight_range=(-scale, scale))
    genome = codec.encode(fitted)
    direct = TimeSeriesTask(task.inputs, task.targets, n_train=400, washout=50, fit_readout=False)
    assert direct.evaluate(codec.decode(genome)).metrics["nrmse"][0] == pytest.approx(
        task.evaluate(esn).metrics["nrmse"][0], rel=1e-9)


def test_hyperparameter_codec_round_trips_and_nests():
    codec = ESN.codec(60, seed=3, evolve_connectivity=(0.02, 0.1), connectivity=0.1)
    assert codec.gene_names == ("spectral_radius", "leak", "input_scaling", "ridge", "connectivity")
    genomes = codec.random(4, rng=0)
    values = codec.values(genomes)
    np.testing.assert_allclose(codec.encode(values), genomes, atol=1e-12)
    model = codec.decode(genomes)
    radii = [np.abs(np.linalg.eigvals(model.weights(p).toarray())).max() for p in range(4)]
    np.testing.assert_allclose(radii, values["spectral_radius"], rtol=1e-9)
    np.testing.assert_allclose(model.params.ridge, values["ridge"])


def test_an_esn_experiment_evolves_and_saves_the_trained_reservoir(tmp_path):
    path = tmp_path / "small.toml"
    path.write_text("""
[experiment]
name = "small"
seed = 3
[model]
type = "esn"
n_units = 30
spectral_radius = [0.5, 1.3]
leak = [0.2, 1.0]
[task]
type = "timeseries"
dataset = "mackey_glass"
n_train = 400
n_validation = 100
washout = 50
[evolve]
method = "pso"
n_pop = 6
n_generations = 2
""")
    from evornn.experiment import run

    out = run(path, out=tmp_path / "run", progress=False)
    saved = ESN.load(out / "best_model.npz")
    assert saved.n_pop == 1 and np.any(saved.params.readout != 0)
    assert (out / "behaviour.png").exists()


def test_sweep_run_functions_validate_and_measure():
    runs.esn_point.validate({"spectral_radius": 1.0, "n_units": 20})
    with pytest.raises(evornn.ConfigError, match="unknown parameter"):
        runs.esn_memory_capacity.validate({"spectral_radiuss": 1.0})
    mc = runs.esn_memory_capacity({"n_units": 20, "activation": "identity", "spectral_radius": 0.9, "n_train": 2000,
                                   "n_test": 1000}, 1)
    assert 0 < mc["memory_capacity"] <= 20


def test_bad_task_arguments():
    with pytest.raises(ValueError, match="dataset must be one of"):
        TimeSeriesTask.from_dataset("sunspots")
    with pytest.raises(ValueError, match="need washout < n_train < n_steps"):
        TimeSeriesTask(np.zeros((100, 1)), np.zeros((100, 1)), n_train=50, washout=60)
    task = TimeSeriesTask.from_dataset("narma", n_train=300, n_validation=100)
    with pytest.raises(ValueError, match="the task has 1 input"):
        task.evaluate(ESN.random(10, 2, connectivity=0.5, rng=0))
    with pytest.raises(ValueError, match="needs an ESN"):
        task.evaluate(evornn.CTRNN([[0.0]], input_weights=[[1.0]]))
