"""What each kind of picture can be checked for: axes that show the true values, bands that
stay inside the data, legends that name what is drawn, animations of the expected size."""

import numpy as np
import pytest
from PIL import Image

import evornn
from evornn import plotting
from evornn.analysis import basin_grid, limit_cycles
from evornn.analysis.report import floquet_exponents

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")


def tick_labels(axis) -> list[str]:
    return [t.get_text() for t in axis.get_ticklabels()]


def test_sweep_heat_map_draws_uneven_grid_values_as_labelled_categories():
    scalings = [0.01, 0.1, 0.5, 1.0, 2.0]
    radii = [0.2, 0.4, 0.6, 0.8]
    rows = [{"status": "done", "input_scaling": s, "spectral_radius": r, "mc": 10 * r - s}
            for s in scalings for r in radii]
    fig = plotting.plot_sweep(rows, "mc", "spectral_radius", "input_scaling")
    ax = fig.axes[0]
    assert tick_labels(ax.yaxis) == ["0.01", "0.1", "0.5", "1", "2"]
    np.testing.assert_array_equal(ax.get_yticks(), np.arange(5))
    # the best cell (lowest scaling, largest radius) is in the row labelled 0.01
    mesh = ax.collections[0]
    values = np.asarray(mesh.get_array()).reshape(5, 4)
    assert np.unravel_index(np.argmax(values), values.shape) == (0, 3)
    # an evenly spaced axis stays numeric, its cells centred on the values
    x_edges = mesh.get_coordinates()[0, :, 0]
    np.testing.assert_allclose((x_edges[:-1] + x_edges[1:]) / 2, radii)


def test_sweep_heat_map_puts_geometric_grids_on_a_log_axis_with_their_values():
    ridges = [1e-8, 1e-6, 1e-4, 1e-2]
    rows = [{"status": "done", "ridge": g, "units": u, "err": g * u} for g in ridges for u in (10, 20, 30)]
    ax = plotting.plot_sweep(rows, "err", "units", "ridge").axes[0]
    assert ax.get_yscale() == "log"
    np.testing.assert_allclose(ax.get_yticks(), ridges)
    assert tick_labels(ax.yaxis) == ["1e-08", "1e-06", "0.0001", "0.01"]


def test_fitness_band_stays_inside_each_generations_range_and_errors_go_on_a_log_axis():
    records = [{"gen": g, "evals": 10, "nonfinite": 0, "min": 0.0, "mean": 0.9 + 0.01 * g, "max": 0.95 + 0.01 * g,
                "std": 0.3, "best": 0.95 + 0.01 * g, "best_mse": 10.0 ** -g, "time": g} for g in range(5)]
    fig = plotting.plot_history(records)
    fit_ax, err_ax = fig.axes
    band = fit_ax.collections[0].get_paths()[0].vertices
    assert band[:, 1].max() <= max(r["max"] for r in records) + 1e-12
    assert band[:, 1].min() >= min(r["min"] for r in records) - 1e-12
    assert err_ax.get_yscale() == "log" and "mse" in err_ax.get_ylabel()
    np.testing.assert_allclose(err_ax.lines[0].get_ydata(), [10.0 ** -g for g in range(5)])


def test_oscillator_target_is_in_phase_with_the_output():
    from evornn.tasks import OscillatorTask

    net = evornn.CTRNN([[4.5, 1.0], [-1.0, 4.5]], bias=[-2.75, -1.75])  # Beer's oscillator, period about 29
    task = OscillatorTask(period=29.0, amplitude=0.9, dt=0.05)
    b = task.behaviour(net)
    out, target = b["outputs"][:, 0], b["target"][:, 0]
    # in phase: the output correlates with the fitted target better than with any shifted copy
    lags = np.arange(-200, 201, 20)
    correlations = [np.corrcoef(out, np.roll(target, lag))[0, 1] for lag in lags]
    assert lags[int(np.argmax(correlations))] == 0 and max(correlations) > 0.9
    fig = task.plot(net)
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert texts[1] == "target: period 29, amplitude 0.9 (phase fitted)" and texts[0].startswith("output 0: period 2")


def test_basins_have_a_legend_and_show_a_lone_cycle():
    net = evornn.CTRNN([[4.5, 1.0], [-1.0, 4.5]], bias=[-2.75, -1.75])
    b = basin_grid(net, (0, -2, 8, 12), (1, -2, 6, 12), dt=0.05)
    lc = limit_cycles(net, dt=0.01)
    orbit = evornn.simulate(net, lc.point, dt=lc.period[0] / 400, n_steps=400).y[:, 0]
    ax = plotting.plot_basins(b, labels=("y1", "y2"), cycles=[orbit]).axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["periodic attractor (cycle): 100.0%"]
    np.testing.assert_allclose(ax.lines[-1].get_xdata()[:-1], orbit[:, 0])
    bistable = evornn.CTRNN([[10.0, 1.0], [1.0, 10.0]]).with_center_crossing()
    ax = plotting.plot_basins(basin_grid(bistable, (0, -2, 13, 16), (1, -2, 13, 16), dt=0.05)).axes[0]
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert len(texts) == 4 and all(t.startswith("fixed point at (") for t in texts)


def test_phase_portrait_draws_the_limit_cycle_and_names_it():
    net = evornn.CTRNN([[4.5, 1.0], [-1.0, 4.5]], bias=[-2.75, -1.75])
    orbit = np.column_stack([2.75 + np.cos(np.linspace(0, 2 * np.pi, 50)), 1.75 + np.sin(np.linspace(0, 2 * np.pi, 50))])
    ax = plotting.plot_phase_portrait(net, xlim=(-1, 7), ylim=(-2, 6), cycles=[(orbit, "stable limit cycle")]).axes[0]
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "stable limit cycle" in texts and "unstable equilibrium" in texts


def test_floquet_exponents_put_the_trivial_one_at_zero():
    """For multipliers (1, e^{-2 T}) of a cycle of period T, the exponents are 0 and -2."""
    period = 3.0
    np.testing.assert_allclose(floquet_exponents(np.array([np.exp(-2 * period), 1.0 + 1e-9]), period), [0.0, -2.0])


@pytest.mark.parametrize("kind", ["cartpole", "walker", "categorize", "wheeled"])
def test_animations_have_the_expected_frames_and_size(kind, tmp_path):
    from evornn.tasks import CartPoleTask, CategorizationTask, WalkerTask, WheeledRobotTask

    tasks = {"cartpole": (CartPoleTask(n_poles=2, velocities=True), 6, 1, 100, lambda b: len(b["t"])),
             "walker": (WalkerTask(), 1, 3, 100, lambda b: len(b["x"])),
             "categorize": (CategorizationTask(), 7, 2, 60, lambda b: len(b["object_y"])),
             "wheeled": (WheeledRobotTask("phototaxis"), 10, 2, 80, lambda b: len(b["t"]))}
    task, n_inputs, n_outputs, cap, n_steps = tasks[kind]
    net = evornn.CTRNN.random(1, max(n_outputs, 2), n_inputs=n_inputs, rng=1)
    path = tmp_path / "a.gif"
    task.animate(net, path)
    steps = n_steps(task.behaviour(net, 1000) if kind == "cartpole" else task.behaviour(net))
    with Image.open(path) as gif:  # one frame per step, evenly spaced, at most `cap`
        assert gif.format == "GIF" and gif.n_frames == min(cap, steps)
        assert gif.size[0] >= 400 and gif.size[1] >= 250


def test_archive_maps_put_each_elite_in_its_cell_nested_or_projected():
    """A grid of three descriptors (2 x 3 x 4 cells) is drawn whole, descriptors 0 and 2
    nested along x (8 columns), 1 along y; naming two descriptors shows the best elite over
    the third; a two-descriptor grid is its own picture."""
    from evornn.optim import GridArchive
    from evornn.tasks import Descriptor

    names = [Descriptor(n, 0.0, 1.0) for n in ("a", "b", "c")]
    archive = GridArchive([2, 3, 4], 1, names)
    # Cells (i, j, k) at their centres, fitness 10 i + 3 j + k + 1 (all distinct).
    cells = [(1, 2, 3), (0, 1, 2), (1, 0, 0), (1, 0, 3)]
    values = np.array([[(i + 0.5) / 2, (j + 0.5) / 3, (k + 0.5) / 4] for i, j, k in cells])
    fitness = np.array([10.0 * i + 3 * j + k + 1 for i, j, k in cells])
    archive.add(np.zeros((4, 1)), fitness, values)
    image = plotting.plot_archive(archive).axes[0].images[0].get_array()
    assert image.shape == (3, 8) and image.count() == 4
    for (i, j, k), f in zip(cells, fitness, strict=True):
        assert image[j, 4 * i + k] == f  # row: descriptor 1; column: descriptor 0 outer, 2 inner
    fig = plotting.plot_archive(archive, dims=(0, 1))
    projected = fig.axes[0].images[0].get_array()
    assert projected.shape == (3, 2) and projected[0, 1] == max(fitness[2], fitness[3])
    assert "best over the other descriptors" in fig.axes[1].get_ylabel()
    flat = GridArchive([2, 3], 1, names[:2])
    flat.add(np.zeros((1, 1)), np.array([5.0]), values[:1, :2])
    assert flat.metrics()["coverage"] == pytest.approx(1 / 6)
    fig = plotting.plot_archive(flat)
    assert fig.axes[0].images[0].get_array()[2, 1] == 5.0 and "coverage 16.7%" in fig.axes[0].get_title()


def test_a_tape_plot_shows_the_true_head_path_and_the_values_in_their_cells():
    rng = np.random.default_rng(0)
    inputs, outputs = rng.random((12, 3)), rng.random((12, 2))
    heads = np.array([1, 2, 3, 4, 0, 1, 2, 3, 4, 4, 3, 2])
    mask = np.arange(12) >= 5
    fig = plotting.plot_tape(inputs, outputs, heads, targets=outputs.round(), mask=mask, title="t")
    images = [im for ax in fig.axes for im in ax.get_images()]
    np.testing.assert_array_equal(images[0].get_array(), inputs.T)  # rows: channels, columns: steps
    targets = np.ma.filled(images[1].get_array().astype(float), np.nan)
    assert np.isnan(targets[:, :5]).all() and np.array_equal(targets[:, 5:], outputs.round().T[:, 5:])  # where scored
    np.testing.assert_array_equal(images[2].get_array(), outputs.T)
    head = next(line for line in fig.axes[3].get_lines() if line.get_label() == "head")
    np.testing.assert_array_equal(head.get_ydata(), heads)
    assert [t.get_text() for t in fig.axes[3].get_legend().get_texts()] == ["head", "scored steps"]
    with pytest.raises(ValueError, match="n_steps = 12"):
        plotting.plot_tape(inputs, outputs[:5], heads)
